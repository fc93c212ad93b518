#include "ledger/domain/accounts.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "ledger/domain/rejection.h"
#include "ledger/domain/validation.h"

namespace relief {

absl::string_view FundSourceSlug(v1::FundSource source) {
  switch (source) {
    case v1::FUND_SOURCE_FEDERATION_ALLOCATION: return "federation";
    case v1::FUND_SOURCE_GOVERNMENT_MATCHING: return "government";
    case v1::FUND_SOURCE_DONATIONS: return "donations";
    case v1::FUND_SOURCE_OWN_FUNDS: return "own_funds";
    default: return "";
  }
}

std::string FundSourceLabel(v1::FundSource source) {
  switch (source) {
    case v1::FUND_SOURCE_FEDERATION_ALLOCATION: return "上级工会拨款 federation allocation";
    case v1::FUND_SOURCE_GOVERNMENT_MATCHING: return "政府配套 government matching";
    case v1::FUND_SOURCE_DONATIONS: return "社会捐助 donations";
    case v1::FUND_SOURCE_OWN_FUNDS: return "本级工会经费 own funds";
    default: return "unspecified";
  }
}

bool IsValidFundSource(int source) {
  return source != v1::FUND_SOURCE_UNSPECIFIED && v1::FundSource_IsValid(source);
}

std::string AccountName(const AccountId& a) {
  absl::string_view source = FundSourceSlug(a.source);
  switch (a.kind) {
    case AccountKind::kExternal: return absl::StrCat("external/", source);
    case AccountKind::kPool: return absl::StrCat(a.unit_code, "/", source, "/pool");
    case AccountKind::kGoods: return absl::StrCat(a.unit_code, "/", source, "/goods");
    case AccountKind::kGrantsPaid:
      return absl::StrCat(a.unit_code, "/", source, "/grants/", a.program);
    case AccountKind::kLoansReceivable:
      return absl::StrCat(a.unit_code, "/", source, "/loans_receivable");
    case AccountKind::kLoanLosses:
      return absl::StrCat(a.unit_code, "/", source, "/loan_losses");
  }
  return "";
}

std::string PoolAccount(absl::string_view unit_code, v1::FundSource source) {
  return AccountName({AccountKind::kPool, std::string(unit_code), source, ""});
}
std::string GoodsAccount(absl::string_view unit_code, v1::FundSource source) {
  return AccountName({AccountKind::kGoods, std::string(unit_code), source, ""});
}
std::string ExternalAccount(v1::FundSource source) {
  return AccountName({AccountKind::kExternal, "", source, ""});
}

absl::StatusOr<AccountId> ParseAccountName(absl::string_view name) {
  auto bad = [&] {
    return InvalidArgument(
        v1::ACCOUNT_INVALID,
        absl::StrCat("'", name.substr(0, 80), "' is not an account name; "
                     "write e.g. 'jining/donations/pool' or "
                     "'external/government' (sources: federation, "
                     "government, donations, own_funds)"));
  };
  auto source_of = [](absl::string_view slug) {
    for (int s = 1; s <= 4; ++s) {
      auto source = static_cast<v1::FundSource>(s);
      if (FundSourceSlug(source) == slug) return source;
    }
    return v1::FUND_SOURCE_UNSPECIFIED;
  };
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  AccountId id;
  if (parts.size() == 2 && parts[0] == "external") {
    id.kind = AccountKind::kExternal;
    id.source = source_of(parts[1]);
    if (id.source == v1::FUND_SOURCE_UNSPECIFIED) return bad();
    return id;
  }
  if (parts.size() < 3 || !ValidateOrgCode("unit", parts[0]).ok()) return bad();
  id.unit_code = std::string(parts[0]);
  id.source = source_of(parts[1]);
  if (id.source == v1::FUND_SOURCE_UNSPECIFIED) return bad();
  if (parts.size() == 3) {
    if (parts[2] == "pool") {
      id.kind = AccountKind::kPool;
    } else if (parts[2] == "goods") {
      id.kind = AccountKind::kGoods;
    } else if (parts[2] == "loans_receivable") {
      id.kind = AccountKind::kLoansReceivable;
    } else if (parts[2] == "loan_losses") {
      id.kind = AccountKind::kLoanLosses;
    } else {
      return bad();
    }
    return id;
  }
  if (parts.size() == 4 && parts[2] == "grants" &&
      ValidateOrgCode("program", parts[3]).ok() &&
      parts[3].find('.') == absl::string_view::npos) {
    id.kind = AccountKind::kGrantsPaid;
    id.program = std::string(parts[3]);
    return id;
  }
  return bad();
}

}  // namespace relief
