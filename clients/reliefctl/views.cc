#include "clients/reliefctl/views.h"

#include <array>
#include <vector>

#include "absl/strings/str_cat.h"
#include "clients/reliefctl/names.h"
#include "clients/reliefctl/table.h"
#include "ledger/domain/money.h"

namespace reliefctl {
namespace {

using relief::v1::FundSummary;

// The summary's amount columns, in the order the proto lists them for a
// reader: what came in, what went out, what is left.
struct SummaryColumn {
  const char* header;
  int64_t (FundSummary::*fen)() const;
};

constexpr std::array<SummaryColumn, 12> kSummaryColumns = {{
    {"来款 RECEIVED", &FundSummary::received_fen},
    {"物资 GOODS", &FundSummary::goods_received_fen},
    {"上级拨入 ALLOCATED IN", &FundSummary::allocated_in_fen},
    {"下拨 ALLOCATED DOWN", &FundSummary::allocated_down_fen},
    {"已发放 GRANTED", &FundSummary::granted_fen},
    {"预留 RESERVED", &FundSummary::reserved_fen},
    {"借出 LENT", &FundSummary::lent_fen},
    {"已还 REPAID", &FundSummary::repaid_fen},
    {"利息 INTEREST", &FundSummary::interest_fen},
    {"核销 WRITTEN OFF", &FundSummary::written_off_fen},
    {"核销收回 RECOVERED", &FundSummary::recovered_fen},
    {"可用 AVAILABLE", &FundSummary::available_fen},
}};

// An amount cell; blank for zero where a column is mostly empty (debit and
// credit of a statement line).
std::string YuanOrBlank(int64_t fen) { return fen == 0 ? "" : Yuan(fen); }

}  // namespace

std::string Yuan(int64_t fen) { return relief::FormatYuan(fen); }

std::string RenderBalance(const relief::v1::GetBalanceResponse& response) {
  const relief::v1::AccountBalance& b = response.balance();
  KeyValues lines;
  lines.Add("account 科目", b.account());
  lines.Add("fund source 资金来源", FundSourceDisplay(b.fund_source()));
  lines.Add("posted credits 收入 (in)", Yuan(b.posted_credits_fen()));
  lines.Add("posted debits 支出 (out)", Yuan(b.posted_debits_fen()));
  lines.Add("pending credits 待入", Yuan(b.pending_credits_fen()));
  lines.Add("pending debits 待出", Yuan(b.pending_debits_fen()));
  lines.Add("available 可用", Yuan(b.available_fen()));
  lines.Add("last posting", b.last_sequence() == 0
                                ? "-"
                                : absl::StrCat("sequence ", b.last_sequence()));
  lines.Add("as of", absl::StrCat("sequence ", response.as_of_sequence()));
  return lines.Render();
}

std::string RenderFundSummary(
    const relief::v1::GetFundSummaryResponse& response,
    std::string_view unit_code, bool subtree) {
  std::vector<Table::Column> columns = {{"资金来源 FUND SOURCE"}};
  for (const SummaryColumn& column : kSummaryColumns) {
    columns.push_back({column.header, Align::kRight});
  }
  Table table(std::move(columns));
  std::array<int64_t, kSummaryColumns.size()> totals{};
  std::array<bool, kSummaryColumns.size()> overflowed{};
  for (const FundSummary& row : response.rows()) {
    std::vector<std::string> cells = {FundSourceDisplay(row.fund_source())};
    for (size_t i = 0; i < kSummaryColumns.size(); ++i) {
      const int64_t fen = (row.*kSummaryColumns[i].fen)();
      cells.push_back(Yuan(fen));
      if (!relief::AddFen(totals[i], fen, &totals[i])) overflowed[i] = true;
    }
    table.AddRow(std::move(cells));
  }
  std::vector<std::string> total = {"合计 total"};
  for (size_t i = 0; i < kSummaryColumns.size(); ++i) {
    total.push_back(overflowed[i] ? "overflow" : Yuan(totals[i]));
  }
  table.AddRow(std::move(total));

  std::string out = table.Render();
  absl::StrAppend(&out, "amounts in yuan (元); ", response.units(),
                  " unit(s) summed: ", std::string(unit_code),
                  subtree ? " and every unit below it" : " only",
                  "; as of sequence ", response.as_of_sequence(), "\n");
  if (subtree) {
    absl::StrAppend(&out,
                    "allocations between units inside the subtree count in "
                    "both ALLOCATED IN and ALLOCATED DOWN\n");
  }
  return out;
}

std::string RenderStatement(const relief::v1::ListStatementResponse& merged,
                            std::string_view account) {
  Table table({{"SEQ", Align::kRight},
               {"TIME (UTC)"},
               {"对方科目 COUNTER ACCOUNT"},
               {"支出 DEBIT", Align::kRight},
               {"收入 CREDIT", Align::kRight},
               {"余额 BALANCE", Align::kRight},
               {"TYPE"},
               {"摘要 MEMO"}});
  for (const relief::v1::StatementEntry& entry : merged.entries()) {
    table.AddRow({absl::StrCat(entry.sequence()),
                  FormatUnixMicrosUtc(entry.recorded_at_unix_micros()),
                  entry.counter_account(), YuanOrBlank(entry.debit_fen()),
                  YuanOrBlank(entry.credit_fen()), Yuan(entry.balance_fen()),
                  entry.event_type(), entry.memo()});
  }
  return absl::StrCat(table.Render(), merged.entries_size(), " posting(s) of ",
                      std::string(account),
                      ", amounts in yuan (元); as of sequence ",
                      merged.as_of_sequence(), "\n");
}

std::string RenderMatching(const relief::v1::GetMatchingResponse& response) {
  Table table({{"单位 UNIT"},
               {"年度 YEAR", Align::kRight},
               {"比例 RATIO G:F", Align::kRight},
               {"上级拨款 FEDERATION RECEIVED", Align::kRight},
               {"应配套 DUE", Align::kRight},
               {"已到位 RECEIVED", Align::kRight},
               {"未到位 OUTSTANDING", Align::kRight}});
  for (const relief::v1::MatchingRow& row : response.rows()) {
    table.AddRow(
        {row.unit_code(), absl::StrCat(row.year()),
         absl::StrCat(row.government_parts(), ":", row.federation_parts()),
         Yuan(row.federation_received_fen()), Yuan(row.due_fen()),
         Yuan(row.received_fen()), Yuan(row.outstanding_fen())});
  }
  return absl::StrCat(table.Render(), response.rows_size(),
                      " row(s), amounts in yuan (元); G:F = government parts "
                      "per federation parts; as of sequence ",
                      response.as_of_sequence(), "\n");
}

std::string DossierStatusDisplay(const relief::v1::Dossier& dossier) {
  return dossier.active() ? "active 在档" : "exited 已脱困";
}

std::string RenderDossier(const relief::v1::GetDossierResponse& response) {
  const relief::v1::Dossier& d = response.dossier();
  KeyValues lines;
  lines.Add("dossier id", d.dossier_id());
  lines.Add("unit 单位", d.unit_code());
  lines.Add("name 姓名", d.name());
  lines.Add("national ID 身份证号", d.national_id_masked());
  lines.Add("category 困难类别", HardshipCategoryDisplay(d.category()));
  lines.Add("household 家庭人口", absl::StrCat(d.household_size()));
  lines.Add("contact 联系方式", d.contact().empty() ? "-" : d.contact());
  lines.Add("status 状态", DossierStatusDisplay(d));
  if (!d.status_reason().empty()) lines.Add("status reason", d.status_reason());
  lines.Add("registered at",
            absl::StrCat("sequence ", d.registered_sequence()));
  lines.Add("as of", absl::StrCat("sequence ", response.as_of_sequence()));
  return lines.Render();
}

std::string RenderDossierList(const relief::v1::ListDossiersResponse& merged) {
  Table table({{"ID"},
               {"单位 UNIT"},
               {"姓名 NAME"},
               {"身份证号 NATIONAL ID"},
               {"困难类别 CATEGORY"},
               {"人口 HOUSEHOLD", Align::kRight},
               {"状态 STATUS"},
               {"联系方式 CONTACT"}});
  for (const relief::v1::Dossier& d : merged.dossiers()) {
    table.AddRow({d.dossier_id(), d.unit_code(), d.name(),
                  d.national_id_masked(), HardshipCategoryDisplay(d.category()),
                  absl::StrCat(d.household_size()), DossierStatusDisplay(d),
                  d.contact()});
  }
  return absl::StrCat(table.Render(), merged.dossiers_size(),
                      " dossier(s), as of sequence ", merged.as_of_sequence(),
                      "\n");
}

}  // namespace reliefctl
