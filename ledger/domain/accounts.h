// The chart of accounts (会计科目).
//
// An account is named by text; it opens itself with its first posting.
//
//   account      := external | unit-account
//   external     := "external/" source              one per fund source
//   unit-account := unit-code "/" source "/" kind
//   kind         := "pool"                 money available (可用资金)
//                 | "goods"                goods in kind, valued (物资)
//                 | "grants/" program      grants paid per program
//                 | "loans_receivable"     small loans outstanding
//                 | "loan_losses"          loans written off
//   source       := "federation" | "government" | "donations" | "own_funds"
//
// Debits take money out of an account, credits put it in. Money received
// is a posting external -> pool; allocation is parent pool -> child pool.
// A pool may never be overdrawn: posted debits + pending debits <= posted
// credits. Every posting's two accounts share its fund source.
#ifndef RELIEF_LEDGER_DOMAIN_ACCOUNTS_H_
#define RELIEF_LEDGER_DOMAIN_ACCOUNTS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "relief/v1/events.pb.h"

namespace relief {

enum class AccountKind {
  kExternal,
  kPool,
  kGoods,
  kGrantsPaid,
  kLoansReceivable,
  kLoanLosses,
};

struct AccountId {
  AccountKind kind = AccountKind::kPool;
  std::string unit_code;  // empty for external
  v1::FundSource source = v1::FUND_SOURCE_UNSPECIFIED;
  std::string program;    // grants only
};

// "federation", "government", "donations", "own_funds"; "" if unspecified.
absl::string_view FundSourceSlug(v1::FundSource source);
// Chinese and English names for people: "社会捐助 donations".
std::string FundSourceLabel(v1::FundSource source);
bool IsValidFundSource(int source);

std::string AccountName(const AccountId& account);
std::string PoolAccount(absl::string_view unit_code, v1::FundSource source);
std::string GoodsAccount(absl::string_view unit_code, v1::FundSource source);
std::string ExternalAccount(v1::FundSource source);

// INVALID_ARGUMENT (ACCOUNT_INVALID) for anything not in the grammar.
absl::StatusOr<AccountId> ParseAccountName(absl::string_view name);

}  // namespace relief

#endif  // RELIEF_LEDGER_DOMAIN_ACCOUNTS_H_
