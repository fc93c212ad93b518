#include "clients/reliefctl/ledger_audit_views.h"

#include <array>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "clients/reliefctl/names.h"
#include "clients/reliefctl/table.h"
#include "clients/reliefctl/views.h"
#include "ledger/domain/money.h"

namespace reliefctl {
namespace {

const absl::TimeZone& China() {
  static const absl::TimeZone* zone =
      new absl::TimeZone(absl::FixedTimeZone(8 * 60 * 60));
  return *zone;
}

// "1,234,567".
std::string Grouped(uint64_t n) {
  std::string digits = absl::StrCat(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

// credits - debits, or "overflow" (never for amounts the server accepts).
std::string Net(int64_t credits, int64_t debits) {
  int64_t net = 0;
  if (__builtin_sub_overflow(credits, debits, &net)) return "overflow";
  return Yuan(net);
}

std::string ProblemDisplay(const std::string& problem) {
  if (absl::StartsWith(problem, "missing in the live read model")) {
    return absl::StrCat(problem, " 在线读模型缺少");
  }
  if (absl::StartsWith(problem, "missing in the rebuild")) {
    return absl::StrCat(problem, " 重建结果缺少");
  }
  if (absl::StartsWith(problem, "values differ")) {
    return absl::StrCat(problem, " 值不同");
  }
  return problem;
}

}  // namespace

std::optional<int64_t> ParseChinaTime(std::string_view text) {
  const std::string input(text);
  std::string error;
  absl::Time t;
  for (const char* format :
       {"%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S"}) {
    if (absl::ParseTime(format, input, China(), &t, &error)) {
      const int year = static_cast<int>(absl::ToCivilYear(t, China()).year());
      if (year < 2000 || year > 2100) return std::nullopt;
      // ParseTime accepts "24:00" and normalises it; a person means a real
      // time of day, so the printed form must give back the input.
      const std::string back = absl::FormatTime(format, t, China());
      if (back != input) return std::nullopt;
      return absl::ToUnixMicros(t);
    }
  }
  if (absl::ParseTime("%Y-%m-%d", input, China(), &t, &error)) {
    const absl::CivilDay day = absl::ToCivilDay(t, China());
    if (day.year() < 2000 || day.year() > 2100) return std::nullopt;
    if (absl::FormatCivilTime(day) != input) return std::nullopt;
    // The end of that day: everything recorded during it counts.
    return absl::ToUnixMicros(absl::FromCivil(day + 1, China())) - 1;
  }
  return std::nullopt;
}

std::string ChinaTime(int64_t unix_micros) {
  if (unix_micros == 0) return "-";
  return absl::FormatTime("%Y-%m-%d %H:%M:%S",
                          absl::FromUnixMicros(unix_micros), China());
}

bool TrialBalanceBalanced(const relief::v1::GetTrialBalanceResponse& response) {
  for (const auto& source : response.sources()) {
    if (!source.balanced()) return false;
  }
  return true;
}

std::string RenderTrialBalance(
    const relief::v1::GetTrialBalanceResponse& response,
    std::string_view unit_code, bool subtree) {
  Table accounts({{"科目 ACCOUNT"},
                  {"借方 DEBITS (out)", Align::kRight},
                  {"贷方 CREDITS (in)", Align::kRight},
                  {"待出 PENDING OUT", Align::kRight},
                  {"待入 PENDING IN", Align::kRight},
                  {"净额 NET (in - out)", Align::kRight}});
  for (const auto& source : response.sources()) {
    bool any = false;
    for (const auto& line : response.lines()) {
      const relief::v1::AccountBalance& b = line.balance();
      if (b.fund_source() != source.fund_source()) continue;
      if (!any) {
        accounts.AddRow({absl::StrCat("[", FundSourceDisplay(source.fund_source()),
                                      "]"),
                         "", "", "", "", ""});
        any = true;
      }
      accounts.AddRow({absl::StrCat("  ", b.account()),
                       Yuan(b.posted_debits_fen()), Yuan(b.posted_credits_fen()),
                       Yuan(b.pending_debits_fen()),
                       Yuan(b.pending_credits_fen()),
                       Net(b.posted_credits_fen(), b.posted_debits_fen())});
    }
    if (any) {
      accounts.AddRow({"  合计 total", Yuan(source.posted_debits_fen()),
                       Yuan(source.posted_credits_fen()),
                       Yuan(source.pending_debits_fen()),
                       Yuan(source.pending_credits_fen()),
                       Net(source.posted_credits_fen(),
                           source.posted_debits_fen())});
    }
  }
  std::string out;
  if (response.lines_size() > 0) {
    out = accounts.Render();
    out += "\n";
  } else {
    out = "no account had moved money by then (无发生额)\n\n";
  }

  Table sources({{"资金来源 FUND SOURCE"},
                 {"借方合计 DEBITS", Align::kRight},
                 {"贷方合计 CREDITS", Align::kRight},
                 {"待出合计 PENDING OUT", Align::kRight},
                 {"待入合计 PENDING IN", Align::kRight},
                 {"平衡 BALANCED"}});
  std::vector<std::string> unbalanced;
  for (const auto& source : response.sources()) {
    sources.AddRow({FundSourceDisplay(source.fund_source()),
                    Yuan(source.posted_debits_fen()),
                    Yuan(source.posted_credits_fen()),
                    Yuan(source.pending_debits_fen()),
                    Yuan(source.pending_credits_fen()),
                    source.balanced() ? "yes 平衡" : "NO 不平衡"});
    if (!source.balanced()) {
      unbalanced.push_back(FundSourceDisplay(source.fund_source()));
    }
  }
  out += sources.Render();
  absl::StrAppend(&out, "amounts in yuan (元); as of sequence ",
                  response.as_of_sequence());
  if (response.as_of_sequence() == 0) {
    absl::StrAppend(&out, ": the empty ledger, before the first event\n");
  } else {
    absl::StrAppend(&out, ", recorded ", ChinaTime(response.as_of_unix_micros()),
                    " (UTC+8)\n");
  }
  if (!unit_code.empty()) {
    absl::StrAppend(
        &out, "only the accounts of ", std::string(unit_code),
        subtree ? " and every unit below it" : "",
        "; external accounts (the outside world, 外部) are left out, so the "
        "debits and credits of this part of the ledger need not agree: money "
        "crossed its boundary (from outside, from the parent, to other "
        "units). The whole ledger (no --unit) must balance.\n");
  } else if (!unbalanced.empty()) {
    absl::StrAppend(&out, "NOT BALANCED 不平衡: debits and credits differ for ",
                    absl::StrJoin(unbalanced, ", "),
                    ". The ledger guarantees they agree; report this to the "
                    "operators at once.\n");
  } else {
    absl::StrAppend(&out,
                    "every fund source balances: debits = credits, posted and "
                    "pending (借贷平衡)\n");
  }
  return out;
}

std::string ReconcileProgressLine(const relief::v1::ReconcileResponse& p) {
  if (p.keys_compared() > 0) {
    return absl::StrCat("reconcile 对账: comparing, ", Grouped(p.keys_compared()),
                        " keys compared\n");
  }
  return absl::StrCat("reconcile 对账: rebuilding, ",
                      Grouped(p.events_replayed()), " of ",
                      Grouped(p.sequence()), " events replayed\n");
}

std::string RenderReconcile(const relief::v1::ReconcileResponse& done) {
  KeyValues lines;
  if (done.ok()) {
    lines.Add("result 结果",
              "ok 一致: every read model equals a rebuild from the log");
  } else {
    lines.Add("result 结果",
              absl::StrCat("DIFFERENCES 不一致: ",
                           Grouped(done.differences_total()),
                           " difference(s) between the read models and a "
                           "rebuild from the log"));
  }
  lines.Add("compared at 对账点", absl::StrCat("sequence ", done.sequence()));
  lines.Add("events replayed 重放事件", Grouped(done.events_replayed()));
  lines.Add("keys compared 比较键数", Grouped(done.keys_compared()));
  std::string out = lines.Render();
  if (done.differences_size() > 0) {
    Table table({{"读模型 PROJECTION"}, {"键 KEY"}, {"问题 PROBLEM"}});
    for (const auto& d : done.differences()) {
      table.AddRow({d.projection(), d.key(), ProblemDisplay(d.problem())});
    }
    out += "\n";
    out += table.Render();
    if (done.differences_total() >
        static_cast<uint64_t>(done.differences_size())) {
      absl::StrAppend(&out, "showing the first ",
                      Grouped(static_cast<uint64_t>(done.differences_size())),
                      " of ", Grouped(done.differences_total()),
                      " differences\n");
    }
    absl::StrAppend(&out,
                    "The log is the source of truth: after finding the cause, "
                    "an operator rebuilds the read models (reliefd "
                    "rebuild-projections, docs/operations.md).\n");
  }
  return out;
}

}  // namespace reliefctl
