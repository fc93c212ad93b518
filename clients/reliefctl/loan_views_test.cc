#include "clients/reliefctl/loan_views.h"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "clients/reliefctl/table.h"
#include "gtest/gtest.h"

namespace reliefctl {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

// Display column just after the end of `needle` in `line`.
int EndColumnOf(const std::string& line, const std::string& needle) {
  const size_t pos = line.find(needle);
  EXPECT_NE(pos, std::string::npos) << needle << " not in " << line;
  if (pos == std::string::npos) return -1;
  return DisplayWidth(line.substr(0, pos + needle.size()));
}

// The first line holding `needle`, or "".
std::string LineWith(const std::string& text, const std::string& needle) {
  for (const std::string& line : Lines(text)) {
    if (line.find(needle) != std::string::npos) return line;
  }
  return "";
}

relief::v1::LoanInstallment* AddInstallment(relief::v1::LoanSchedule* s,
                                            uint32_t number, int due,
                                            int64_t principal,
                                            int64_t interest) {
  relief::v1::LoanInstallment* i = s->add_installments();
  i->set_number(number);
  i->set_due_date(due);
  i->set_principal_fen(principal);
  i->set_interest_fen(interest);
  return i;
}

// 10,000.00 yuan over 3 months at 3.65 %, disbursed 2026-01-31, seen on
// 2026-04-05: installment 1 paid, 2 overdue by 8 days, 3 not yet due; a
// repayment of 2,000.00 bounced and was reversed.
relief::v1::GetLoanResponse Loan() {
  relief::v1::GetLoanResponse response;
  relief::v1::Loan& l = *response.mutable_loan();
  relief::v1::LoanDisbursed& t = *l.mutable_terms();
  t.set_loan_id("l42");
  t.set_dossier_id("d17");
  t.set_borrower_name("张三");
  t.set_unit_code("jining.zoucheng");
  t.set_fund_source(relief::v1::FUND_SOURCE_DONATIONS);
  t.set_product("startup");
  t.set_principal_fen(1000000);
  t.set_term_months(3);
  t.set_annual_rate_bp(365);
  t.set_method(relief::v1::REPAYMENT_METHOD_EQUAL_PRINCIPAL);
  t.set_disbursed_date(20260131);
  t.mutable_guarantor()->set_employer_name("邹城煤矿");
  t.mutable_guarantor()->set_contact("王科长 13800000000");
  t.mutable_guarantor()->set_reference("DB-2026-007");
  t.set_purpose("早餐店");
  l.set_as_of_date(20260405);
  l.set_status(relief::v1::LOAN_STATUS_OVERDUE);
  l.set_days_past_due(8);
  l.set_bucket(relief::v1::AGING_BUCKET_DPD_1_30);
  l.set_outstanding_principal_fen(666667);
  l.set_principal_repaid_fen(333333);
  l.set_interest_paid_fen(3042);
  l.set_overdue_fen(335356);
  l.set_payoff_fen(668690);
  l.set_next_due_date(20260428);
  l.set_next_due_fen(334348);
  relief::v1::LoanSchedule& s = *l.mutable_schedule();
  s.set_version(1);
  s.set_effective_date(20260131);
  auto* first = AddInstallment(&s, 1, 20260228, 333333, 3042);
  first->set_principal_paid_fen(333333);
  first->set_interest_paid_fen(3042);
  first->set_paid_date(20260227);
  AddInstallment(&s, 2, 20260328, 333333, 2023)->set_overdue(true);
  AddInstallment(&s, 3, 20260428, 333334, 1014);
  auto* repaid = l.add_repayments();
  repaid->mutable_recorded()->set_repayment_id("r50");
  repaid->mutable_recorded()->set_amount_fen(336375);
  repaid->mutable_recorded()->set_value_date(20260227);
  repaid->mutable_recorded()->set_principal_fen(333333);
  repaid->mutable_recorded()->set_interest_fen(3042);
  repaid->mutable_recorded()->set_payer("张三");
  repaid->set_sequence(50);
  auto* bounced = l.add_repayments();
  bounced->mutable_recorded()->set_repayment_id("r55");
  bounced->mutable_recorded()->set_amount_fen(200000);
  bounced->mutable_recorded()->set_value_date(20260310);
  bounced->mutable_recorded()->set_payer("邹城煤矿");
  bounced->set_sequence(55);
  bounced->set_reversed(true);
  bounced->set_reversal_reason("银行退票");
  response.set_as_of_sequence(60);
  return response;
}

TEST(LoanViewsTest, DatesPercentagesAndShares) {
  EXPECT_EQ(FormatDate(20260315), "2026-03-15");
  EXPECT_EQ(FormatDate(0), "-");
  EXPECT_EQ(PercentOfBp(365), "3.65%");
  EXPECT_EQ(PercentOfBp(0), "0.00%");
  EXPECT_EQ(PercentOfBp(7), "0.07%");
  EXPECT_EQ(PercentOfBp(10000), "100.00%");
  EXPECT_EQ(PercentOfBp(-1234), "-12.34%");
  EXPECT_EQ(ShareBp(1, 3), 3333);  // 33.333 %
  EXPECT_EQ(ShareBp(2, 3), 6667);  // 66.667 % rounds up
  EXPECT_EQ(ShareBp(1, 8), 1250);
  EXPECT_EQ(ShareBp(1, 20000), 1);  // 0.005 %: half up
  EXPECT_EQ(ShareBp(1, 20001), 0);
  EXPECT_EQ(ShareBp(5, 0), 0);
  EXPECT_EQ(ShareBp(0, 5), 0);
  // No overflow with amounts far beyond int64 / 10000.
  const int64_t big = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(ShareBp(big, big), 10000);
  EXPECT_EQ(ShareBp(big / 2, big), 5000);
}

TEST(LoanViewsTest, StatusesAndBuckets) {
  EXPECT_EQ(LoanStatusDisplay(relief::v1::LOAN_STATUS_CURRENT), "current 正常");
  EXPECT_EQ(LoanStatusDisplay(relief::v1::LOAN_STATUS_OVERDUE), "overdue 逾期");
  EXPECT_EQ(LoanStatusDisplay(relief::v1::LOAN_STATUS_REPAID), "repaid 已结清");
  EXPECT_EQ(LoanStatusDisplay(relief::v1::LOAN_STATUS_WRITTEN_OFF),
            "written off 已核销");
  EXPECT_EQ(LoanStatusDisplay(static_cast<relief::v1::LoanStatus>(9)),
            "status_9");
  EXPECT_EQ(AgingBucketDisplay(relief::v1::AGING_BUCKET_CURRENT),
            "current 未逾期");
  EXPECT_EQ(AgingBucketDisplay(relief::v1::AGING_BUCKET_DPD_31_90),
            "31–90 days 逾期31–90天");
  EXPECT_EQ(AgingBucketDisplay(relief::v1::AGING_BUCKET_DPD_OVER_180),
            "over 180 days 逾期180天以上");
}

TEST(LoanViewsTest, PlanShowsPaymentAndPrincipalLeft) {
  relief::v1::LoanSchedule s;
  // 10,000.00 over 7 months, equal principal, interest-free: 1,428.57 six
  // times, the remainder 1,428.58 last.
  for (uint32_t k = 1; k <= 7; ++k) {
    AddInstallment(&s, k, 20260100 + 100 * k + 15, k == 7 ? 142858 : 142857, 0);
  }
  const std::vector<std::string> lines =
      Lines(RenderLoanSchedule(s, /*payments=*/false));
  ASSERT_EQ(lines.size(), 9u) << absl::StrJoin(lines, "\n");
  EXPECT_EQ(lines[0],
            "期 NO  应还日 DUE  本金 PRINCIPAL  利息 INTEREST  月供 PAYMENT  "
            "剩余本金 PRINCIPAL LEFT");
  EXPECT_EQ(lines[1],
            "    1  2026-02-15        1,428.57           0.00      1,428.57  "
            "               8,571.43");
  EXPECT_EQ(lines[7],
            "    7  2026-08-15        1,428.58           0.00      1,428.58  "
            "                   0.00");
  EXPECT_EQ(lines[8],
            "       合计 total       10,000.00           0.00     10,000.00");
}

TEST(LoanViewsTest, ScheduleWithPaymentsMarksEachInstallment) {
  const relief::v1::GetLoanResponse loan = Loan();
  const std::string text =
      RenderLoanSchedule(loan.loan().schedule(), /*payments=*/true);
  const std::vector<std::string> lines = Lines(text);
  ASSERT_EQ(lines.size(), 5u) << text;
  EXPECT_NE(lines[1].find("paid 已还 2026-02-27"), std::string::npos) << text;
  EXPECT_NE(lines[2].find("overdue 逾期"), std::string::npos);
  EXPECT_NE(lines[3].find("unpaid 未还"), std::string::npos);
  EXPECT_NE(lines[2].find("3,353.56  overdue"), std::string::npos);
  const int unpaid_end = EndColumnOf(lines[0], "未还 UNPAID");
  EXPECT_EQ(EndColumnOf(lines[1], "0.00  paid"), unpaid_end + 6);
  EXPECT_NE(lines[4].find("合计 total"), std::string::npos);
  EXPECT_NE(lines[4].find("10,000.00"), std::string::npos);  // principal
  EXPECT_NE(lines[4].find("60.79"), std::string::npos);      // interest
}

TEST(LoanViewsTest, PartlyPaidBeforeAndAfterItsDueDate) {
  relief::v1::LoanSchedule s;
  auto* i = AddInstallment(&s, 1, 20260228, 100000, 500);
  i->set_interest_paid_fen(500);
  auto* late = AddInstallment(&s, 2, 20260331, 100000, 500);
  late->set_interest_paid_fen(500);
  late->set_principal_paid_fen(40000);
  late->set_overdue(true);
  const std::string text = RenderLoanSchedule(s, /*payments=*/true);
  EXPECT_NE(LineWith(text, "2026-02-28").find("1,000.00  partly paid 部分已还"),
            std::string::npos)
      << text;
  EXPECT_NE(LineWith(text, "2026-03-31")
                .find("600.00  overdue 逾期, partly paid 部分已还"),
            std::string::npos)
      << text;
  EXPECT_NE(LineWith(text, "合计 total").find("1,600.00"), std::string::npos);
}

TEST(LoanViewsTest, LoanShowsTermsArrearsRepaymentsAndHistory) {
  relief::v1::GetLoanResponse response = Loan();
  relief::v1::LoanSchedule& earlier =
      *response.mutable_loan()->add_earlier_schedules();
  earlier.set_version(1);
  earlier.set_effective_date(20251231);
  AddInstallment(&earlier, 1, 20260131, 500000, 0);
  AddInstallment(&earlier, 2, 20260228, 500000, 0);
  response.mutable_loan()->mutable_schedule()->set_version(2);
  response.mutable_loan()->mutable_schedule()->set_reason("受灾展期");
  const std::string text = RenderLoan(response);

  EXPECT_NE(LineWith(text, "loan id 借款编号").find("l42"), std::string::npos);
  EXPECT_NE(
      LineWith(text, "status 状态").find("overdue 逾期, 8 day(s) past due"),
      std::string::npos)
      << text;
  EXPECT_NE(LineWith(text, "borrower 借款人").find("张三 (dossier d17)"),
            std::string::npos);
  EXPECT_NE(LineWith(text, "fund source").find("社会捐助 donations"),
            std::string::npos);
  EXPECT_NE(LineWith(text, "rate 年利率").find("3.65% a year"),
            std::string::npos);
  EXPECT_NE(LineWith(text, "method").find("equal principal 等额本金"),
            std::string::npos);
  EXPECT_NE(LineWith(text, "guarantor 担保单位")
                .find("邹城煤矿; contact 王科长 13800000000; guarantee "
                      "letter 担保书 DB-2026-007"),
            std::string::npos);
  EXPECT_NE(LineWith(text, "as of 截至").find("2026-04-05, sequence 60"),
            std::string::npos);
  EXPECT_NE(LineWith(text, "days past due").find("8 (1–30 days 逾期1–30天)"),
            std::string::npos);
  EXPECT_NE(LineWith(text, "outstanding 未还本金").find("6,666.67"),
            std::string::npos);
  EXPECT_NE(LineWith(text, "payoff 结清金额")
                .find("6,686.90 (settles the loan on 2026-04-05)"),
            std::string::npos);
  EXPECT_NE(LineWith(text, "next due").find("2026-04-28, 3,343.48 yuan"),
            std::string::npos);
  EXPECT_EQ(text.find("written off"), std::string::npos);
  EXPECT_NE(
      text.find("schedule 还款计划 (version 2, from 2026-01-31: 受灾展期)"),
      std::string::npos);
  // Repayments, the bounced one marked with its reason.
  EXPECT_NE(LineWith(text, "r50").find("recorded 已入账"), std::string::npos);
  EXPECT_NE(LineWith(text, "r55").find("reversed 已冲正: 银行退票"),
            std::string::npos);
  EXPECT_NE(LineWith(text, "r55").find("2,000.00"), std::string::npos);
  // The earlier schedule, as it was planned.
  const size_t history =
      text.find("earlier schedule 原还款计划 (version 1, from 2025-12-31)");
  ASSERT_NE(history, std::string::npos) << text;
  EXPECT_NE(text.find("5,000.00", history), std::string::npos);
  EXPECT_NE(text.find("amounts in yuan (元)"), std::string::npos);
}

TEST(LoanViewsTest, LoanShowsWriteOffProposalThenWriteOff) {
  relief::v1::GetLoanResponse response = Loan();
  response.mutable_loan()->clear_repayments();
  auto* proposal = response.mutable_loan()->mutable_pending_write_off();
  proposal->set_loan_id("l42");
  proposal->set_reason_code(relief::v1::WRITE_OFF_REASON_BUSINESS_FAILED);
  proposal->set_principal_fen(666667);
  proposal->set_proposed_by("li.wei");
  proposal->set_memo("店铺关闭");
  std::string text = RenderLoan(response);
  EXPECT_NE(LineWith(text, "write-off proposed 待批核销")
                .find("6,666.67 yuan, 经营失败 business failed, by li.wei; "
                      "店铺关闭; awaits another officer's approval"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("repayments 还款记录\nnone 无\n"), std::string::npos);

  response.mutable_loan()->set_status(relief::v1::LOAN_STATUS_WRITTEN_OFF);
  response.mutable_loan()->set_days_past_due(0);
  response.mutable_loan()->set_written_off_fen(666667);
  response.mutable_loan()->set_recovered_fen(10000);
  auto* w = response.mutable_loan()->mutable_written_off();
  w->set_principal_fen(666667);
  w->set_reason_code(relief::v1::WRITE_OFF_REASON_BUSINESS_FAILED);
  w->set_proposed_by("li.wei");
  w->set_written_off_date(20260601);
  text = RenderLoan(response);
  EXPECT_NE(LineWith(text, "status 状态").find("written off 已核销"),
            std::string::npos);
  EXPECT_NE(LineWith(text, "written off 已核销 ")
                .find("6,666.67 yuan on 2026-06-01, 经营失败 business failed, "
                      "proposed by li.wei"),
            std::string::npos)
      << text;
  EXPECT_NE(LineWith(text, "recovered").find("100.00"), std::string::npos);
  EXPECT_EQ(text.find("待批核销"), std::string::npos);
}

TEST(LoanViewsTest, InterestFreeAndNoGuarantor) {
  relief::v1::GetLoanResponse response = Loan();
  response.mutable_loan()->mutable_terms()->set_annual_rate_bp(0);
  response.mutable_loan()->mutable_terms()->clear_guarantor();
  response.mutable_loan()->mutable_terms()->set_grace_months(2);
  const std::string text = RenderLoan(response);
  EXPECT_NE(
      LineWith(text, "rate 年利率").find("0.00% a year, interest-free 免息"),
      std::string::npos);
  EXPECT_NE(LineWith(text, "guarantor 担保单位").find("none 无"),
            std::string::npos);
  EXPECT_NE(LineWith(text, "term 期限")
                .find("3 month(s), the first 2 interest only (宽限期)"),
            std::string::npos);
}

relief::v1::LoanBook Book() {
  relief::v1::LoanBook b;
  b.set_loans(6);
  b.set_active_loans(5);
  b.set_disbursed_fen(15000000);
  b.set_outstanding_principal_fen(10000000);  // 100,000.00
  b.set_repaid_principal_fen(4000000);
  b.set_interest_paid_fen(12345);
  b.set_written_off_fen(1000000);
  b.set_recovered_fen(50000);
  const std::pair<relief::v1::AgingBucket, std::pair<uint32_t, int64_t>>
      rows[] = {{relief::v1::AGING_BUCKET_CURRENT, {2, 6000000}},
                {relief::v1::AGING_BUCKET_DPD_1_30, {1, 2766000}},
                // 31–90 left out by the server: shown as zero
                {relief::v1::AGING_BUCKET_DPD_91_180, {1, 1000000}},
                {relief::v1::AGING_BUCKET_DPD_OVER_180, {1, 234000}}};
  for (const auto& [bucket, figures] : rows) {
    auto* row = b.add_aging();
    row->set_bucket(bucket);
    row->set_loans(figures.first);
    row->set_outstanding_principal_fen(figures.second);
  }
  b.set_par30_principal_fen(1234000);
  b.set_par30_bp(1234);
  return b;
}

TEST(LoanViewsTest, AgingBucketsSharesPar30AndExposure) {
  relief::v1::ListLoansResponse book;
  *book.mutable_book() = Book();
  book.set_as_of_date(20260405);
  book.set_as_of_sequence(80);
  relief::v1::GetGuarantorExposureResponse exposure;
  auto* mine = exposure.add_guarantors();
  mine->set_employer_name("邹城煤矿");
  mine->set_loans(3);
  mine->set_outstanding_principal_fen(7000000);
  mine->set_overdue_principal_fen(1234000);
  auto* none = exposure.add_guarantors();
  none->set_loans(2);
  none->set_outstanding_principal_fen(3000000);
  exposure.set_as_of_sequence(81);

  const std::string text =
      RenderLoanAging(book, exposure, "jining", /*subtree=*/true);
  const std::vector<std::string> lines = Lines(text);
  EXPECT_EQ(
      lines[0],
      "arrears aging 逾期账龄: loans of jining and every unit below it by "
      "days past due of the oldest unpaid installment, as of 2026-04-05")
      << text;
  EXPECT_EQ(lines[2],
            "账龄 BUCKET                  笔数 LOANS  "
            "未还本金 OUTSTANDING  占比 SHARE");
  EXPECT_EQ(lines[3],
            "current 未逾期                        2  "
            "           60,000.00      60.00%");
  EXPECT_EQ(lines[4],
            "1–30 days 逾期1–30天                  1  "
            "           27,660.00      27.66%");
  EXPECT_EQ(lines[5],
            "31–90 days 逾期31–90天                0  "
            "                0.00       0.00%");
  EXPECT_NE(lines[6].find("91–180 days"), std::string::npos);
  EXPECT_NE(lines[7].find("2,340.00       2.34%"), std::string::npos);
  EXPECT_EQ(lines[8],
            "合计 total                            5  "
            "          100,000.00     100.00%");
  EXPECT_EQ(lines[9],
            "PAR30 风险贷款率 12.34%: 12,340.00 of 100,000.00 yuan outstanding "
            "is more than 30 days past due");
  EXPECT_EQ(lines[11], "guarantor exposure 担保单位风险敞口");
  EXPECT_NE(lines[13].find("邹城煤矿"), std::string::npos);
  EXPECT_EQ(EndColumnOf(lines[13], "70,000.00"),
            EndColumnOf(lines[12], "未还本金 OUTSTANDING"));
  EXPECT_NE(lines[14].find("(no guarantor 无担保)"), std::string::npos);
  EXPECT_EQ(lines.back(),
            "amounts in yuan (元); as of sequence 80 (guarantor exposure: "
            "sequence 81)");
}

TEST(LoanViewsTest, AgingOfAnEmptyBook) {
  relief::v1::ListLoansResponse book;
  book.set_as_of_date(20260405);
  const std::string text = RenderLoanAging(
      book, relief::v1::GetGuarantorExposureResponse(), "jining", false);
  EXPECT_NE(text.find("jining only"), std::string::npos);
  EXPECT_NE(LineWith(text, "合计 total").find("0.00       0.00%"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("PAR30 风险贷款率 0.00%"), std::string::npos);
  EXPECT_NE(text.find("担保单位风险敞口\nnone 无\n"), std::string::npos);
}

TEST(LoanViewsTest, BookRowsAndTotals) {
  relief::v1::ListLoansResponse merged;
  *merged.mutable_book() = Book();
  auto* s = merged.add_loans();
  s->set_loan_id("l42");
  s->set_dossier_id("d17");
  s->set_borrower_name("张三");
  s->set_unit_code("jining.zoucheng");
  s->set_fund_source(relief::v1::FUND_SOURCE_DONATIONS);
  s->set_product("startup");
  s->set_principal_fen(1000000);
  s->set_disbursed_date(20260131);
  s->set_status(relief::v1::LOAN_STATUS_OVERDUE);
  s->set_days_past_due(8);
  s->set_bucket(relief::v1::AGING_BUCKET_DPD_1_30);
  s->set_outstanding_principal_fen(676667);
  s->set_next_due_date(20260428);
  s->set_guarantor("邹城煤矿");
  merged.set_as_of_date(20260405);
  merged.set_as_of_sequence(80);
  const std::string text = RenderLoanBook(merged, "jining", false);
  const std::vector<std::string> lines = Lines(text);
  EXPECT_EQ(lines[0], "loan book 借款台账: jining only, as of 2026-04-05");
  EXPECT_EQ(lines[2].find("编号 LOAN"), 0u);
  EXPECT_EQ(lines[3].find("l42"), 0u);
  EXPECT_EQ(EndColumnOf(lines[3], "6,766.67"),
            EndColumnOf(lines[2], "未还本金 OUTSTANDING"));
  EXPECT_NE(lines[3].find("overdue 逾期"), std::string::npos);
  EXPECT_NE(lines[3].find("2026-04-28"), std::string::npos);
  EXPECT_NE(LineWith(text, "loans 笔数").find("6 disbursed, 5 outstanding"),
            std::string::npos);
  EXPECT_NE(LineWith(text, "outstanding 未还本金").find("100,000.00"),
            std::string::npos);
  EXPECT_NE(LineWith(text, "interest paid").find("123.45"), std::string::npos);
  EXPECT_NE(LineWith(text, "PAR30 风险贷款率")
                .find("12.34% (12,340.00 yuan more than 30 days past due)"),
            std::string::npos);
  EXPECT_EQ(lines.back(), "1 loan(s), amounts in yuan (元); as of sequence 80");
}

TEST(LoanViewsTest, WorklistOverdueAndUpcoming) {
  relief::v1::ListLoansDueResponse response;
  response.set_as_of_date(20280215);  // 2028 is a leap year
  response.set_as_of_sequence(90);
  auto add = [&](const std::string& loan, int due, int dpd, int64_t principal,
                 int64_t interest) {
    auto* d = response.add_installments();
    d->set_loan_id(loan);
    d->set_dossier_id("d17");
    d->set_borrower_name("张三");
    d->set_unit_code("jining.zoucheng");
    d->set_number(2);
    d->set_due_date(due);
    d->set_days_past_due(dpd);
    d->set_principal_due_fen(principal);
    d->set_interest_due_fen(interest);
    d->set_guarantor("邹城煤矿");
    d->set_guarantor_contact("王科长 13800000000");
  };
  add("l42", 20280105, 41, 333333, 2023);
  add("l43", 20280215, 0, 100000, 0);
  add("l44", 20280301, 0, 50000, 150);
  const std::string text = RenderLoansDue(response, 30);
  const std::vector<std::string> lines = Lines(text);
  // 30 days after 15 February 2028 is 16 March (29 days in February).
  EXPECT_EQ(lines[0],
            "worklist 催收清单: installments overdue on 2028-02-15 or due by "
            "2028-03-16")
      << text;
  EXPECT_NE(lines[3].find("overdue 逾期 41 d"), std::string::npos);
  EXPECT_NE(lines[3].find("3,353.56"), std::string::npos);  // total due
  EXPECT_NE(lines[3].find("王科长 13800000000"), std::string::npos);
  EXPECT_NE(lines[4].find("due today 今日到期"), std::string::npos);
  EXPECT_NE(lines[5].find("due in 15 d 15天后到期"), std::string::npos);
  EXPECT_EQ(EndColumnOf(lines[5], "501.50"),
            EndColumnOf(lines[2], "应还 TOTAL"));
  EXPECT_NE(text.find("overdue 逾期: 1 installment(s), 3,353.56 yuan"),
            std::string::npos);
  EXPECT_NE(
      text.find(
          "due within 30 day(s) 即将到期: 2 installment(s), 1,501.50 yuan"),
      std::string::npos);
  EXPECT_EQ(lines.back(), "amounts in yuan (元); as of sequence 90");
}

TEST(LoanViewsTest, ProductsTable) {
  relief::v1::LoanProductSet p;
  p.set_product("startup");
  p.set_name_zh("创业小额借款");
  p.set_name_en("startup loan");
  p.set_effective_date(20260101);
  p.set_min_principal_fen(1000000);
  p.set_max_principal_fen(5000000);
  p.set_min_term_months(6);
  p.set_max_term_months(36);
  p.set_annual_rate_bp(365);
  p.set_max_grace_months(3);
  p.add_fund_sources(relief::v1::FUND_SOURCE_DONATIONS);
  p.set_guarantor_required(true);
  relief::v1::LoanProductSet free = p;
  free.set_product("free");
  free.set_annual_rate_bp(0);
  free.add_methods(relief::v1::REPAYMENT_METHOD_EQUAL_INSTALLMENT);
  free.set_guarantor_required(false);
  const std::string text = RenderLoanProducts({p, free}, {});
  const std::vector<std::string> lines = Lines(text);
  ASSERT_EQ(lines.size(), 3u) << text;
  EXPECT_NE(lines[1].find("创业小额借款 startup loan"), std::string::npos);
  EXPECT_NE(lines[1].find("2026-01-01"), std::string::npos);
  EXPECT_NE(lines[1].find("10,000.00 – 50,000.00"), std::string::npos);
  EXPECT_NE(lines[1].find("6–36 mo"), std::string::npos);
  EXPECT_NE(lines[1].find("3.65%"), std::string::npos);
  EXPECT_NE(lines[1].find("both 均可"), std::string::npos);
  EXPECT_NE(lines[1].find("required 需担保"), std::string::npos);
  EXPECT_NE(lines[1].find("社会捐助 donations"), std::string::npos);
  EXPECT_NE(lines[2].find("0.00%"), std::string::npos);
  EXPECT_NE(lines[2].find("equal installment 等额本息"), std::string::npos);
  EXPECT_NE(lines[2].find("optional 可无"), std::string::npos);
  EXPECT_EQ(EndColumnOf(lines[1], "3.65%"),
            EndColumnOf(lines[0], "年利率 RATE"));

  relief::v1::CommandResult result;
  result.set_first_sequence(12);
  const std::string with_seq = RenderLoanProducts({p}, {result});
  EXPECT_NE(Lines(with_seq)[0].find("SEQ"), std::string::npos);
  EXPECT_EQ(Lines(with_seq)[1].back(), '2');
}

}  // namespace
}  // namespace reliefctl
