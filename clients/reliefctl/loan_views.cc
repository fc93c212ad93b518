#include "clients/reliefctl/loan_views.h"

#include <array>
#include <map>

#include "absl/numeric/int128.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "clients/reliefctl/names.h"
#include "clients/reliefctl/table.h"
#include "clients/reliefctl/views.h"
#include "ledger/domain/money.h"

namespace reliefctl {
namespace {

using relief::v1::AgingBucket;

constexpr std::array<AgingBucket, 5> kBuckets = {{
    relief::v1::AGING_BUCKET_CURRENT,
    relief::v1::AGING_BUCKET_DPD_1_30,
    relief::v1::AGING_BUCKET_DPD_31_90,
    relief::v1::AGING_BUCKET_DPD_91_180,
    relief::v1::AGING_BUCKET_DPD_OVER_180,
}};

// A column total; amounts come from the server, so a sum that would
// overflow int64 is shown as "overflow", never wrapped.
class Total {
 public:
  void Add(int64_t fen) {
    if (!relief::AddFen(fen_, fen, &fen_)) overflow_ = true;
  }
  int64_t fen() const { return fen_; }
  bool overflow() const { return overflow_; }
  std::string Text() const { return overflow_ ? "overflow" : Yuan(fen_); }

 private:
  int64_t fen_ = 0;
  bool overflow_ = false;
};

// Days from `from` to `to`, both yyyymmdd.
int64_t DaysFromTo(int from, int to) {
  const auto day = [](int d) {
    return absl::CivilDay(d / 10000, d / 100 % 100, d % 100);
  };
  return day(to) - day(from);
}

// yyyymmdd `days` days after `yyyymmdd`.
int AddDaysTo(int yyyymmdd, int64_t days) {
  const absl::CivilDay day =
      absl::CivilDay(yyyymmdd / 10000, yyyymmdd / 100 % 100, yyyymmdd % 100) +
      days;
  return static_cast<int>(day.year()) * 10000 + day.month() * 100 + day.day();
}

std::string Methods(const relief::v1::LoanProductSet& p) {
  if (p.methods().empty()) return "both 均可";
  std::vector<std::string> parts;
  for (const int m : p.methods()) {
    parts.push_back(
        RepaymentMethodDisplay(static_cast<relief::v1::RepaymentMethod>(m)));
  }
  return absl::StrJoin(parts, ", ");
}

std::string Sources(const relief::v1::LoanProductSet& p) {
  if (p.fund_sources_size() == 4) return "all 全部";
  std::vector<std::string> parts;
  for (const int s : p.fund_sources()) {
    parts.push_back(FundSourceDisplay(static_cast<relief::v1::FundSource>(s)));
  }
  return absl::StrJoin(parts, ", ");
}

std::string Scope(absl::string_view unit_code, bool subtree) {
  return absl::StrCat(unit_code,
                      subtree ? " and every unit below it" : " only");
}

std::string InstallmentState(const relief::v1::LoanInstallment& i,
                             int64_t unpaid) {
  const bool some_paid =
      i.principal_paid_fen() != 0 || i.interest_paid_fen() != 0;
  if (unpaid <= 0) {
    return i.paid_date() == 0
               ? "paid 已还"
               : absl::StrCat("paid 已还 ", FormatDate(i.paid_date()));
  }
  if (i.overdue()) {
    return some_paid ? "overdue 逾期, partly paid 部分已还" : "overdue 逾期";
  }
  return some_paid ? "partly paid 部分已还" : "unpaid 未还";
}

std::string RepaymentState(const relief::v1::LoanRepayment& r) {
  if (r.reversed()) {
    return r.reversal_reason().empty()
               ? "reversed 已冲正"
               : absl::StrCat("reversed 已冲正: ", r.reversal_reason());
  }
  if (r.recorded().recovery()) return "recovery 核销后收回";
  return "recorded 已入账";
}

std::string ScheduleHeading(const relief::v1::LoanSchedule& s) {
  std::string heading = absl::StrCat("version ", s.version(), ", from ",
                                     FormatDate(s.effective_date()));
  if (!s.reason().empty()) absl::StrAppend(&heading, ": ", s.reason());
  return heading;
}

}  // namespace

std::string FormatDate(int yyyymmdd) {
  if (yyyymmdd == 0) return "-";
  return absl::StrFormat("%04d-%02d-%02d", yyyymmdd / 10000,
                         yyyymmdd / 100 % 100, yyyymmdd % 100);
}

std::string PercentOfBp(int64_t bp) {
  const uint64_t magnitude =
      bp < 0 ? 0 - static_cast<uint64_t>(bp) : static_cast<uint64_t>(bp);
  return absl::StrFormat("%s%d.%02d%%", bp < 0 ? "-" : "", magnitude / 100,
                         magnitude % 100);
}

int64_t ShareBp(int64_t part, int64_t whole) {
  if (whole <= 0) return 0;
  if (part < 0) return -ShareBp(part == INT64_MIN ? INT64_MAX : -part, whole);
  // round(part * 10000 / whole), half up, in 128 bits.
  const absl::int128 scaled =
      (absl::int128(part) * 20000 + whole) / (absl::int128(whole) * 2);
  return static_cast<int64_t>(scaled);
}

std::string LoanStatusDisplay(relief::v1::LoanStatus status) {
  switch (status) {
    case relief::v1::LOAN_STATUS_CURRENT:
      return "current 正常";
    case relief::v1::LOAN_STATUS_OVERDUE:
      return "overdue 逾期";
    case relief::v1::LOAN_STATUS_REPAID:
      return "repaid 已结清";
    case relief::v1::LOAN_STATUS_WRITTEN_OFF:
      return "written off 已核销";
    default:
      break;
  }
  return absl::StrCat("status_", static_cast<int>(status));
}

std::string AgingBucketDisplay(relief::v1::AgingBucket bucket) {
  switch (bucket) {
    case relief::v1::AGING_BUCKET_CURRENT:
      return "current 未逾期";
    case relief::v1::AGING_BUCKET_DPD_1_30:
      return "1–30 days 逾期1–30天";
    case relief::v1::AGING_BUCKET_DPD_31_90:
      return "31–90 days 逾期31–90天";
    case relief::v1::AGING_BUCKET_DPD_91_180:
      return "91–180 days 逾期91–180天";
    case relief::v1::AGING_BUCKET_DPD_OVER_180:
      return "over 180 days 逾期180天以上";
    default:
      break;
  }
  return absl::StrCat("bucket_", static_cast<int>(bucket));
}

std::string RenderLoanProducts(
    const std::vector<relief::v1::LoanProductSet>& products,
    const std::vector<relief::v1::CommandResult>& results) {
  const bool with_sequence = results.size() == products.size();
  std::vector<Table::Column> columns = {{"产品 PRODUCT"},
                                        {"名称 NAME"},
                                        {"生效 FROM"},
                                        {"本金 PRINCIPAL (元)", Align::kRight},
                                        {"期限 TERM", Align::kRight},
                                        {"年利率 RATE", Align::kRight},
                                        {"宽限 GRACE", Align::kRight},
                                        {"方式 METHODS"},
                                        {"担保 GUARANTOR"},
                                        {"来源 SOURCES"}};
  if (with_sequence) columns.push_back({"SEQ", Align::kRight});
  Table table(std::move(columns));
  for (size_t i = 0; i < products.size(); ++i) {
    const relief::v1::LoanProductSet& p = products[i];
    std::vector<std::string> cells = {
        p.product(),
        p.name_en().empty() ? p.name_zh()
                            : absl::StrCat(p.name_zh(), " ", p.name_en()),
        FormatDate(p.effective_date()),
        absl::StrCat(Yuan(p.min_principal_fen()), " – ",
                     Yuan(p.max_principal_fen())),
        absl::StrCat(p.min_term_months(), "–", p.max_term_months(), " mo"),
        PercentOfBp(p.annual_rate_bp()),
        absl::StrCat("≤ ", p.max_grace_months(), " mo"),
        Methods(p),
        p.guarantor_required() ? "required 需担保" : "optional 可无",
        Sources(p)};
    if (with_sequence) {
      cells.push_back(absl::StrCat(results[i].first_sequence()));
    }
    table.AddRow(std::move(cells));
  }
  return table.Render();
}

std::string RenderLoanSchedule(const relief::v1::LoanSchedule& schedule,
                               bool payments) {
  if (!payments) {
    Table table({{"期 NO", Align::kRight},
                 {"应还日 DUE"},
                 {"本金 PRINCIPAL", Align::kRight},
                 {"利息 INTEREST", Align::kRight},
                 {"月供 PAYMENT", Align::kRight},
                 {"剩余本金 PRINCIPAL LEFT", Align::kRight}});
    Total principal, interest, payment;
    for (const auto& i : schedule.installments())
      principal.Add(i.principal_fen());
    Total left = principal;
    for (const relief::v1::LoanInstallment& i : schedule.installments()) {
      Total due;
      due.Add(i.principal_fen());
      due.Add(i.interest_fen());
      interest.Add(i.interest_fen());
      payment.Add(due.fen());
      left.Add(-i.principal_fen());
      table.AddRow({absl::StrCat(i.number()), FormatDate(i.due_date()),
                    Yuan(i.principal_fen()), Yuan(i.interest_fen()), due.Text(),
                    left.Text()});
    }
    table.AddRow({"", "合计 total", principal.Text(), interest.Text(),
                  payment.Text(), ""});
    return table.Render();
  }
  Table table({{"期 NO", Align::kRight},
               {"应还日 DUE"},
               {"本金 PRINCIPAL", Align::kRight},
               {"利息 INTEREST", Align::kRight},
               {"已还本金 PRINCIPAL PAID", Align::kRight},
               {"已付利息 INTEREST PAID", Align::kRight},
               {"未还 UNPAID", Align::kRight},
               {"状态 STATE"}});
  Total principal, interest, principal_paid, interest_paid, unpaid_total;
  for (const relief::v1::LoanInstallment& i : schedule.installments()) {
    Total unpaid;
    unpaid.Add(i.principal_fen());
    unpaid.Add(i.interest_fen());
    unpaid.Add(-i.principal_paid_fen());
    unpaid.Add(-i.interest_paid_fen());
    principal.Add(i.principal_fen());
    interest.Add(i.interest_fen());
    principal_paid.Add(i.principal_paid_fen());
    interest_paid.Add(i.interest_paid_fen());
    unpaid_total.Add(unpaid.fen());
    table.AddRow({absl::StrCat(i.number()), FormatDate(i.due_date()),
                  Yuan(i.principal_fen()), Yuan(i.interest_fen()),
                  Yuan(i.principal_paid_fen()), Yuan(i.interest_paid_fen()),
                  unpaid.Text(), InstallmentState(i, unpaid.fen())});
  }
  table.AddRow({"", "合计 total", principal.Text(), interest.Text(),
                principal_paid.Text(), interest_paid.Text(),
                unpaid_total.Text(), ""});
  return table.Render();
}

std::string RenderLoan(const relief::v1::GetLoanResponse& response) {
  const relief::v1::Loan& l = response.loan();
  const relief::v1::LoanDisbursed& t = l.terms();
  KeyValues lines;
  lines.Add("loan id 借款编号", t.loan_id());
  lines.Add("status 状态",
            l.days_past_due() > 0
                ? absl::StrCat(LoanStatusDisplay(l.status()), ", ",
                               l.days_past_due(), " day(s) past due")
                : LoanStatusDisplay(l.status()));
  lines.Add("borrower 借款人",
            absl::StrCat(t.borrower_name(), " (dossier ", t.dossier_id(), ")"));
  lines.Add("lending unit 放款单位", t.unit_code());
  lines.Add("fund source 资金来源", FundSourceDisplay(t.fund_source()));
  lines.Add("product 产品", t.product());
  lines.Add("principal 本金 (元)", Yuan(t.principal_fen()));
  lines.Add("term 期限",
            absl::StrCat(t.term_months(), " month(s)",
                         t.grace_months() > 0
                             ? absl::StrCat(", the first ", t.grace_months(),
                                            " interest only (宽限期)")
                             : ""));
  lines.Add("rate 年利率",
            t.annual_rate_bp() == 0
                ? "0.00% a year, interest-free 免息"
                : absl::StrCat(PercentOfBp(t.annual_rate_bp()), " a year"));
  lines.Add("method 还款方式", RepaymentMethodDisplay(t.method()));
  lines.Add("disbursed 放款日", FormatDate(t.disbursed_date()));
  const relief::v1::Guarantor& g = t.guarantor();
  lines.Add("guarantor 担保单位",
            g.employer_name().empty()
                ? "none 无"
                : absl::StrCat(g.employer_name(), "; contact ", g.contact(),
                               "; guarantee letter 担保书 ", g.reference()));
  lines.Add("purpose 用途", t.purpose());
  lines.Add("as of 截至",
            absl::StrCat(FormatDate(l.as_of_date()), ", sequence ",
                         response.as_of_sequence()));
  lines.Add("days past due 逾期天数",
            absl::StrCat(l.days_past_due(), " (",
                         AgingBucketDisplay(l.bucket()), ")"));
  lines.Add("outstanding 未还本金", Yuan(l.outstanding_principal_fen()));
  lines.Add("principal repaid 已还本金", Yuan(l.principal_repaid_fen()));
  lines.Add("interest paid 已付利息", Yuan(l.interest_paid_fen()));
  lines.Add("overdue 逾期应还", Yuan(l.overdue_fen()));
  lines.Add("payoff 结清金额",
            absl::StrCat(Yuan(l.payoff_fen()), " (settles the loan on ",
                         FormatDate(l.as_of_date()), ")"));
  lines.Add("next due 下期应还",
            l.next_due_date() == 0
                ? "-"
                : absl::StrCat(FormatDate(l.next_due_date()), ", ",
                               Yuan(l.next_due_fen()), " yuan"));
  if (l.has_written_off()) {
    const relief::v1::LoanWrittenOff& w = l.written_off();
    lines.Add("written off 已核销",
              absl::StrCat(Yuan(l.written_off_fen()), " yuan on ",
                           FormatDate(w.written_off_date()), ", ",
                           WriteOffReasonDisplay(w.reason_code()),
                           ", proposed by ", w.proposed_by()));
    lines.Add("recovered 核销后收回", Yuan(l.recovered_fen()));
  } else if (l.has_pending_write_off()) {
    const relief::v1::LoanWriteOffProposed& p = l.pending_write_off();
    lines.Add("write-off proposed 待批核销",
              absl::StrCat(Yuan(p.principal_fen()), " yuan, ",
                           WriteOffReasonDisplay(p.reason_code()), ", by ",
                           p.proposed_by(),
                           p.memo().empty() ? "" : absl::StrCat("; ", p.memo()),
                           "; awaits another officer's approval"));
  }

  std::string out = lines.Render();
  absl::StrAppend(&out, "\nschedule 还款计划 (", ScheduleHeading(l.schedule()),
                  ")\n", RenderLoanSchedule(l.schedule(), /*payments=*/true));

  absl::StrAppend(&out, "\nrepayments 还款记录\n");
  if (l.repayments().empty()) {
    absl::StrAppend(&out, "none 无\n");
  } else {
    Table table({{"编号 ID"},
                 {"还款日 VALUE DATE"},
                 {"金额 AMOUNT", Align::kRight},
                 {"本金 PRINCIPAL", Align::kRight},
                 {"利息 INTEREST", Align::kRight},
                 {"还款人 PAYER"},
                 {"SEQ", Align::kRight},
                 {"状态 STATE"},
                 {"备注 MEMO"}});
    for (const relief::v1::LoanRepayment& r : l.repayments()) {
      const relief::v1::LoanRepaymentRecorded& e = r.recorded();
      table.AddRow({e.repayment_id(), FormatDate(e.value_date()),
                    Yuan(e.amount_fen()), Yuan(e.principal_fen()),
                    Yuan(e.interest_fen()), e.payer(),
                    absl::StrCat(r.sequence()), RepaymentState(r), e.memo()});
    }
    absl::StrAppend(&out, table.Render());
  }

  for (const relief::v1::LoanSchedule& s : l.earlier_schedules()) {
    absl::StrAppend(&out, "\nearlier schedule 原还款计划 (", ScheduleHeading(s),
                    ")\n", RenderLoanSchedule(s, /*payments=*/false));
  }
  absl::StrAppend(&out, "\namounts in yuan (元)\n");
  return out;
}

std::string RenderLoanBook(const relief::v1::ListLoansResponse& merged,
                           absl::string_view unit_code, bool subtree) {
  Table table({{"编号 LOAN"},
               {"借款人 BORROWER"},
               {"档案 DOSSIER"},
               {"单位 UNIT"},
               {"来源 SOURCE"},
               {"产品 PRODUCT"},
               {"本金 PRINCIPAL", Align::kRight},
               {"放款日 DISBURSED"},
               {"状态 STATUS"},
               {"逾期天数 DPD", Align::kRight},
               {"未还本金 OUTSTANDING", Align::kRight},
               {"下期 NEXT DUE"},
               {"担保单位 GUARANTOR"}});
  for (const relief::v1::LoanSummary& s : merged.loans()) {
    table.AddRow({s.loan_id(), s.borrower_name(), s.dossier_id(), s.unit_code(),
                  FundSourceDisplay(s.fund_source()), s.product(),
                  Yuan(s.principal_fen()), FormatDate(s.disbursed_date()),
                  LoanStatusDisplay(s.status()),
                  absl::StrCat(s.days_past_due()),
                  Yuan(s.outstanding_principal_fen()),
                  FormatDate(s.next_due_date()), s.guarantor()});
  }
  const relief::v1::LoanBook& b = merged.book();
  KeyValues totals;
  totals.Add("loans 笔数", absl::StrCat(b.loans(), " disbursed, ",
                                        b.active_loans(), " outstanding"));
  totals.Add("disbursed 放款总额", Yuan(b.disbursed_fen()));
  totals.Add("outstanding 未还本金", Yuan(b.outstanding_principal_fen()));
  totals.Add("principal repaid 已还本金", Yuan(b.repaid_principal_fen()));
  totals.Add("interest paid 已付利息", Yuan(b.interest_paid_fen()));
  totals.Add("written off 已核销", Yuan(b.written_off_fen()));
  totals.Add("recovered 核销后收回", Yuan(b.recovered_fen()));
  totals.Add("PAR30 风险贷款率",
             absl::StrCat(PercentOfBp(b.par30_bp()), " (",
                          Yuan(b.par30_principal_fen()),
                          " yuan more than 30 days past due)"));
  return absl::StrCat(
      "loan book 借款台账: ", Scope(unit_code, subtree), ", as of ",
      FormatDate(merged.as_of_date()), "\n\n", table.Render(),
      "\ntotals 合计 (every loan of the units)\n", totals.Render(), "\n",
      merged.loans_size(), " loan(s), amounts in yuan (元); as of sequence ",
      merged.as_of_sequence(), "\n");
}

std::string RenderLoanAging(
    const relief::v1::ListLoansResponse& book,
    const relief::v1::GetGuarantorExposureResponse& exposure,
    absl::string_view unit_code, bool subtree) {
  const relief::v1::LoanBook& b = book.book();
  // Every bucket, in order, even one the server left out.
  std::map<int, const relief::v1::AgingRow*> rows;
  for (const relief::v1::AgingRow& row : b.aging()) rows[row.bucket()] = &row;
  Table table({{"账龄 BUCKET"},
               {"笔数 LOANS", Align::kRight},
               {"未还本金 OUTSTANDING", Align::kRight},
               {"占比 SHARE", Align::kRight}});
  uint64_t loans = 0;
  Total outstanding;
  for (const AgingBucket bucket : kBuckets) {
    const auto it = rows.find(bucket);
    const uint32_t count = it == rows.end() ? 0 : it->second->loans();
    const int64_t fen =
        it == rows.end() ? 0 : it->second->outstanding_principal_fen();
    loans += count;
    outstanding.Add(fen);
    table.AddRow({AgingBucketDisplay(bucket), absl::StrCat(count), Yuan(fen),
                  PercentOfBp(ShareBp(fen, b.outstanding_principal_fen()))});
  }
  table.AddRow({"合计 total", absl::StrCat(loans), outstanding.Text(),
                outstanding.overflow()
                    ? ""
                    : PercentOfBp(ShareBp(outstanding.fen(),
                                          b.outstanding_principal_fen()))});
  std::string out = absl::StrCat(
      "arrears aging 逾期账龄: loans of ", Scope(unit_code, subtree),
      " by days past due of the oldest unpaid installment, as of ",
      FormatDate(book.as_of_date()), "\n\n", table.Render());
  absl::StrAppend(&out, "PAR30 风险贷款率 ", PercentOfBp(b.par30_bp()), ": ",
                  Yuan(b.par30_principal_fen()), " of ",
                  Yuan(b.outstanding_principal_fen()),
                  " yuan outstanding is more than 30 days past due\n");

  absl::StrAppend(&out, "\nguarantor exposure 担保单位风险敞口\n");
  if (exposure.guarantors().empty()) {
    absl::StrAppend(&out, "none 无\n");
  } else {
    Table guarantors({{"担保单位 GUARANTOR"},
                      {"笔数 LOANS", Align::kRight},
                      {"未还本金 OUTSTANDING", Align::kRight},
                      {"其中逾期 OVERDUE", Align::kRight}});
    for (const relief::v1::GuarantorExposure& g : exposure.guarantors()) {
      guarantors.AddRow({g.employer_name().empty() ? "(no guarantor 无担保)"
                                                   : g.employer_name(),
                         absl::StrCat(g.loans()),
                         Yuan(g.outstanding_principal_fen()),
                         Yuan(g.overdue_principal_fen())});
    }
    absl::StrAppend(&out, guarantors.Render());
  }
  absl::StrAppend(&out, "\namounts in yuan (元); as of sequence ",
                  book.as_of_sequence());
  if (exposure.as_of_sequence() != book.as_of_sequence()) {
    absl::StrAppend(&out, " (guarantor exposure: sequence ",
                    exposure.as_of_sequence(), ")");
  }
  absl::StrAppend(&out, "\n");
  return out;
}

std::string RenderLoansDue(const relief::v1::ListLoansDueResponse& response,
                           uint32_t within_days) {
  const int as_of = response.as_of_date();
  Table table({{"应还日 DUE"},
               {"状态 STATE"},
               {"编号 LOAN"},
               {"期 NO", Align::kRight},
               {"借款人 BORROWER"},
               {"档案 DOSSIER"},
               {"单位 UNIT"},
               {"本金 PRINCIPAL", Align::kRight},
               {"利息 INTEREST", Align::kRight},
               {"应还 TOTAL", Align::kRight},
               {"担保单位 GUARANTOR"},
               {"联系 CONTACT"}});
  int overdue_count = 0, upcoming_count = 0;
  Total overdue, upcoming;
  for (const relief::v1::DueInstallment& d : response.installments()) {
    Total due;
    due.Add(d.principal_due_fen());
    due.Add(d.interest_due_fen());
    std::string state;
    if (d.days_past_due() > 0) {
      ++overdue_count;
      overdue.Add(due.fen());
      state = absl::StrCat("overdue 逾期 ", d.days_past_due(), " d");
    } else {
      ++upcoming_count;
      upcoming.Add(due.fen());
      const int64_t days = as_of == 0 || d.due_date() == 0
                               ? -1
                               : DaysFromTo(as_of, d.due_date());
      if (days == 0) {
        state = "due today 今日到期";
      } else if (days > 0) {
        state = absl::StrCat("due in ", days, " d ", days, "天后到期");
      } else {
        state = "due 待还";
      }
    }
    table.AddRow({FormatDate(d.due_date()), state, d.loan_id(),
                  absl::StrCat(d.number()), d.borrower_name(), d.dossier_id(),
                  d.unit_code(), Yuan(d.principal_due_fen()),
                  Yuan(d.interest_due_fen()), due.Text(), d.guarantor(),
                  d.guarantor_contact()});
  }
  const std::string until = as_of == 0
                                ? absl::StrCat(within_days, " day(s) on")
                                : FormatDate(AddDaysTo(as_of, within_days));
  return absl::StrCat("worklist 催收清单: installments overdue on ",
                      FormatDate(as_of), " or due by ", until, "\n\n",
                      table.Render(), "\noverdue 逾期: ", overdue_count,
                      " installment(s), ", overdue.Text(), " yuan\ndue within ",
                      within_days, " day(s) 即将到期: ", upcoming_count,
                      " installment(s), ", upcoming.Text(),
                      " yuan\namounts in yuan (元); as of sequence ",
                      response.as_of_sequence(), "\n");
}

}  // namespace reliefctl
