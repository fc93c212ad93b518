// Small loans: given these events, when this command, then these events or
// this rejection. Time is passed in, never read. Every figure below is
// worked out by hand in the comment next to it.
#include "ledger/domain/loans.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "ledger/domain/accounts.h"
#include "ledger/domain/decider.h"
#include "ledger/domain/grants.h"
#include "ledger/domain/rejection.h"

namespace relief {
namespace {

constexpr auto kDonations = v1::FUND_SOURCE_DONATIONS;
constexpr auto kEqualPrincipal = v1::REPAYMENT_METHOD_EQUAL_PRINCIPAL;
constexpr auto kEqualInstallment = v1::REPAYMENT_METHOD_EQUAL_INSTALLMENT;

// Micros at noon, China time, on a date.
int64_t Noon(int y, int m, int d) {
  return absl::ToUnixMicros(absl::FromCivil(absl::CivilHour(y, m, d, 12),
                                            absl::FixedTimeZone(8 * 3600)));
}

// (due date, principal, interest) of each installment.
struct Row {
  int due;
  int64_t principal;
  int64_t interest;
};

void ExpectSchedule(const std::vector<v1::Installment>& got,
                    const std::vector<Row>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t k = 0; k < want.size(); ++k) {
    SCOPED_TRACE(k + 1);
    EXPECT_EQ(got[k].number(), k + 1);
    EXPECT_EQ(got[k].due_date(), want[k].due);
    EXPECT_EQ(got[k].principal_fen(), want[k].principal);
    EXPECT_EQ(got[k].interest_fen(), want[k].interest);
  }
}

std::vector<v1::Installment> Schedule(int64_t principal, uint32_t term,
                                      uint32_t grace, uint32_t rate,
                                      v1::RepaymentMethod method, int start) {
  auto s = BuildSchedule(principal, term, grace, rate, method, start);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *s : std::vector<v1::Installment>{};
}

int64_t PrincipalSum(const std::vector<v1::Installment>& s) {
  int64_t sum = 0;
  for (const auto& i : s) sum += i.principal_fen();
  return sum;
}

// ---- Calendar ---------------------------------------------------------------

TEST(LoanCalendarTest, AddMonthsKeepsTheDayOrTakesTheMonthsLast) {
  EXPECT_EQ(AddMonths(20260131, 1), 20260228);  // 2026 is not a leap year
  EXPECT_EQ(AddMonths(20280131, 1), 20280229);  // 2028 is
  EXPECT_EQ(AddMonths(20260131, 2), 20260331);  // anchored: back to the 31st
  EXPECT_EQ(AddMonths(20260131, 3), 20260430);
  EXPECT_EQ(AddMonths(20261231, 2), 20270228);  // across the year end
  EXPECT_EQ(AddMonths(20240229, 12), 20250228);
  EXPECT_EQ(AddMonths(20240229, 48), 20280229);
  EXPECT_EQ(AddMonths(20260115, 12), 20270115);
  EXPECT_EQ(AddMonths(20260331, -1), 20260228);
  EXPECT_EQ(AddMonths(20260115, 0), 20260115);
}

TEST(LoanCalendarTest, DaysBetweenAcrossMonthEndsAndLeapYears) {
  EXPECT_EQ(DaysBetween(20280228, 20280301), 2);  // 28 Feb, 29 Feb, 1 Mar
  EXPECT_EQ(DaysBetween(20270228, 20270301), 1);
  EXPECT_EQ(DaysBetween(20260131, 20260301), 29);  // 28 days of Feb + 1
  EXPECT_EQ(DaysBetween(20281231, 20290101), 1);
  EXPECT_EQ(DaysBetween(20260101, 20270101), 365);
  EXPECT_EQ(DaysBetween(20280101, 20290101), 366);
  EXPECT_EQ(DaysBetween(20260301, 20260228), -1);
  EXPECT_EQ(DaysBetween(20260215, 20260419), 63);  // 13 + 31 + 19
  EXPECT_EQ(AddDays(20280228, 1), 20280229);
  EXPECT_EQ(AddDays(20270228, 1), 20270301);
  EXPECT_EQ(AddDays(20261231, 1), 20270101);
  EXPECT_EQ(AddDays(20260301, -1), 20260228);
}

TEST(LoanCalendarTest, BusinessDatesAreRealDates) {
  EXPECT_TRUE(IsBusinessDate(20280229));
  EXPECT_FALSE(IsBusinessDate(20270229));
  EXPECT_FALSE(IsBusinessDate(21000229));  // 2100 is not a leap year
  EXPECT_TRUE(IsBusinessDate(20000229));   // 2000 is
  EXPECT_FALSE(IsBusinessDate(20260431));
  EXPECT_FALSE(IsBusinessDate(20261301));
  EXPECT_FALSE(IsBusinessDate(20260100));
  EXPECT_FALSE(IsBusinessDate(19991231));
  EXPECT_FALSE(IsBusinessDate(0));
}

// ---- Schedules --------------------------------------------------------------

TEST(LoanScheduleTest, MonthlyInterestRoundsHalfUp) {
  // balance * bp / 10000 / 12 = balance * bp / 120000.
  EXPECT_EQ(MonthlyInterest(100, 600), 1);   // 0.5 -> 1
  EXPECT_EQ(MonthlyInterest(99, 600), 0);    // 0.495 -> 0
  EXPECT_EQ(MonthlyInterest(300, 600), 2);   // 1.5 -> 2
  EXPECT_EQ(MonthlyInterest(25, 2400), 1);   // 0.5 -> 1
  EXPECT_EQ(MonthlyInterest(24, 2400), 0);   // 0.48 -> 0
  EXPECT_EQ(MonthlyInterest(3'333'333, 600), 16'667);  // 16,666.665 -> 16,667
  EXPECT_EQ(MonthlyInterest(3'055'556, 600), 15'278);  // 15,277.78
  EXPECT_EQ(MonthlyInterest(1'000'000, 600), 5'000);   // exact
  EXPECT_EQ(MonthlyInterest(1'000'000, 0), 0);
  EXPECT_EQ(MonthlyInterest(0, 600), 0);
  EXPECT_EQ(MonthlyInterest(-100, 600), 0);
  // 1e12 fen at 24 %: 1e12 * 2400 / 120000 = 2e10, no overflow.
  EXPECT_EQ(MonthlyInterest(1'000'000'000'000, 2400), 20'000'000'000);
}

TEST(LoanScheduleTest, TenThousandYuanOverSevenMonths) {
  // 1,000,000 fen / 7 = 142,857 rest 1: six of 142,857 (857,142) and a last
  // of 1,000,000 - 857,142 = 142,858. Due dates anchored on the 31st.
  const auto s = Schedule(1'000'000, 7, 0, 0, kEqualPrincipal, 20260131);
  ExpectSchedule(s, {{20260228, 142'857, 0},
                     {20260331, 142'857, 0},
                     {20260430, 142'857, 0},
                     {20260531, 142'857, 0},
                     {20260630, 142'857, 0},
                     {20260731, 142'857, 0},
                     {20260831, 142'858, 0}});
  EXPECT_EQ(PrincipalSum(s), 1'000'000);
  // At 0 % equal installments are equal principal.
  const auto ei = Schedule(1'000'000, 7, 0, 0, kEqualInstallment, 20260131);
  ASSERT_EQ(ei.size(), 7u);
  EXPECT_EQ(ei[5].principal_fen(), 142'857);
  EXPECT_EQ(ei[6].principal_fen(), 142'858);
}

TEST(LoanScheduleTest, ThirtyThreeThousandAtZeroPercent) {
  // 3,333,333 / 12 = 277,777 rest 9: eleven of 277,777 = 3,055,547 and a
  // last of 277,786.
  for (auto method : {kEqualPrincipal, kEqualInstallment}) {
    SCOPED_TRACE(method);
    const auto s = Schedule(3'333'333, 12, 0, 0, method, 20260115);
    ASSERT_EQ(s.size(), 12u);
    for (int k = 0; k < 11; ++k) {
      EXPECT_EQ(s[k].principal_fen(), 277'777);
      EXPECT_EQ(s[k].interest_fen(), 0);
    }
    EXPECT_EQ(s[11].principal_fen(), 277'786);
    EXPECT_EQ(s[11].due_date(), 20270115);
    EXPECT_EQ(PrincipalSum(s), 3'333'333);
  }
}

TEST(LoanScheduleTest, ThirtyThreeThousandEqualPrincipalAtSixPercent) {
  // 600 bp a year is 0.5 % a month; interest on the balance before each
  // installment, half up: 3,333,333 * 0.005 = 16,666.665 -> 16,667;
  // 3,055,556 -> 15,277.78 -> 15,278; 2,777,779 -> 13,888.895 -> 13,889;
  // 2,500,002 -> 12,500.01 -> 12,500; 2,222,225 -> 11,111.125 -> 11,111;
  // 1,944,448 -> 9,722.24 -> 9,722; 1,666,671 -> 8,333.355 -> 8,333;
  // 1,388,894 -> 6,944.47 -> 6,944; 1,111,117 -> 5,555.585 -> 5,556;
  // 833,340 -> 4,166.7 -> 4,167; 555,563 -> 2,777.815 -> 2,778;
  // 277,786 -> 1,388.93 -> 1,389. Total interest 108,334.
  const auto s = Schedule(3'333'333, 12, 0, 600, kEqualPrincipal, 20260115);
  ExpectSchedule(s, {{20260215, 277'777, 16'667},
                     {20260315, 277'777, 15'278},
                     {20260415, 277'777, 13'889},
                     {20260515, 277'777, 12'500},
                     {20260615, 277'777, 11'111},
                     {20260715, 277'777, 9'722},
                     {20260815, 277'777, 8'333},
                     {20260915, 277'777, 6'944},
                     {20261015, 277'777, 5'556},
                     {20261115, 277'777, 4'167},
                     {20261215, 277'777, 2'778},
                     {20270115, 277'786, 1'389}});
  EXPECT_EQ(PrincipalSum(s), 3'333'333);
  int64_t interest = 0;
  for (const auto& i : s) interest += i.interest_fen();
  EXPECT_EQ(interest, 108'334);
}

TEST(LoanScheduleTest, ThirtyThreeThousandEqualInstallmentAtSixPercent) {
  // Annuity: 3,333,333 * 0.005 / (1 - 1.005^-12) = 286,888.07. Paying
  // 286,888 a month (interest first, the rest principal) leaves a last
  // installment of 286,891 >= 286,888; paying 286,889 would leave a last of
  // 286,879 < 286,889, so 286,888 is the largest such payment.
  // Month 1: interest 16,667 (as above), principal 286,888 - 16,667 =
  // 270,221, balance 3,063,112; month 2: 3,063,112 * 0.005 = 15,315.56 ->
  // 15,316, principal 271,572; ... month 12: balance 285,464, interest
  // 1,427.32 -> 1,427, total 286,891.
  const auto s = Schedule(3'333'333, 12, 0, 600, kEqualInstallment, 20260115);
  ExpectSchedule(s, {{20260215, 270'221, 16'667},
                     {20260315, 271'572, 15'316},
                     {20260415, 272'930, 13'958},
                     {20260515, 274'295, 12'593},
                     {20260615, 275'666, 11'222},
                     {20260715, 277'045, 9'843},
                     {20260815, 278'430, 8'458},
                     {20260915, 279'822, 7'066},
                     {20261015, 281'221, 5'667},
                     {20261115, 282'627, 4'261},
                     {20261215, 284'040, 2'848},
                     {20270115, 285'464, 1'427}});
  for (int k = 0; k < 11; ++k) {
    EXPECT_EQ(s[k].principal_fen() + s[k].interest_fen(), 286'888) << k;
  }
  EXPECT_EQ(s[11].principal_fen() + s[11].interest_fen(), 286'891);
  EXPECT_EQ(PrincipalSum(s), 3'333'333);
}

TEST(LoanScheduleTest, EqualInstallmentLastIsNeverSmallerForAwkwardTerms) {
  for (int64_t principal : {1'000'000, 3'333'333, 5'000'001, 123'457}) {
    for (uint32_t term : {1u, 5u, 7u, 13u, 36u, 120u}) {
      for (uint32_t rate : {1u, 450u, 600u, 2400u}) {
        SCOPED_TRACE(absl::StrCat(principal, "/", term, "/", rate));
        const auto s = Schedule(principal, term, 0, rate, kEqualInstallment,
                                20260131);
        ASSERT_EQ(s.size(), term);
        EXPECT_EQ(PrincipalSum(s), principal);
        const int64_t first = s[0].principal_fen() + s[0].interest_fen();
        int64_t balance = principal;
        for (uint32_t k = 0; k < term; ++k) {
          // Interest is always the month's interest on the balance.
          EXPECT_EQ(s[k].interest_fen(), MonthlyInterest(balance, rate));
          balance -= s[k].principal_fen();
          if (k + 1 < term) {
            EXPECT_EQ(s[k].principal_fen() + s[k].interest_fen(), first);
          } else {
            EXPECT_GE(s[k].principal_fen() + s[k].interest_fen(), first);
          }
        }
      }
    }
  }
}

TEST(LoanScheduleTest, GraceMonthsAreInterestOnlyOrNothingAtZeroPercent) {
  // 10,000 yuan, 6 months of which 2 grace, from 31 Jan 2028 (leap year).
  // At 6 %: grace interest 1,000,000 * 0.005 = 5,000 each; then 4 of
  // 250,000 principal with interest on 1,000,000 / 750,000 / 500,000 /
  // 250,000 = 5,000 / 3,750 / 2,500 / 1,250.
  ExpectSchedule(Schedule(1'000'000, 6, 2, 600, kEqualPrincipal, 20280131),
                 {{20280229, 0, 5'000},
                  {20280331, 0, 5'000},
                  {20280430, 250'000, 5'000},
                  {20280531, 250'000, 3'750},
                  {20280630, 250'000, 2'500},
                  {20280731, 250'000, 1'250}});
  // At 0 %: no installment during grace; the first is due in month 3 and is
  // numbered 1.
  ExpectSchedule(Schedule(1'000'000, 6, 2, 0, kEqualPrincipal, 20280131),
                 {{20280430, 250'000, 0},
                  {20280531, 250'000, 0},
                  {20280630, 250'000, 0},
                  {20280731, 250'000, 0}});
  // Equal installments after grace: 4-month annuity of 1,000,000 at 0.5 %
  // is 253,132.7; 253,132 leaves a last of 253,134 (253,133 would leave
  // 253,131).
  ExpectSchedule(Schedule(1'000'000, 6, 2, 600, kEqualInstallment, 20280131),
                 {{20280229, 0, 5'000},
                  {20280331, 0, 5'000},
                  {20280430, 248'132, 5'000},
                  {20280531, 249'373, 3'759},
                  {20280630, 250'620, 2'512},
                  {20280731, 251'875, 1'259}});
}

TEST(LoanScheduleTest, SixMonthsAtSixPercentFromTheTwentieth) {
  // 1,186,000 over 6 at 6 % from 20 Apr 2026: 1,186,000 / 6 = 197,666 rest
  // 4: five of 197,666 (988,330), last 197,670. Interest 1,186,000 * 0.005 =
  // 5,930; 988,334 -> 4,941.67 -> 4,942; 790,668 -> 3,953.34 -> 3,953;
  // 593,002 -> 2,965.01 -> 2,965; 395,336 -> 1,976.68 -> 1,977; 197,670 ->
  // 988.35 -> 988.
  ExpectSchedule(Schedule(1'186'000, 6, 0, 600, kEqualPrincipal, 20260420),
                 {{20260520, 197'666, 5'930},
                  {20260620, 197'666, 4'942},
                  {20260720, 197'666, 3'953},
                  {20260820, 197'666, 2'965},
                  {20260920, 197'666, 1'977},
                  {20261020, 197'670, 988}});
}

TEST(LoanScheduleTest, ImpossibleTermsAreRefused) {
  auto reason = [](absl::StatusOr<std::vector<v1::Installment>> s) {
    return ReasonOf(s.status());
  };
  const auto kInvalid = v1::LOAN_RESCHEDULE_INVALID;
  EXPECT_EQ(reason(BuildSchedule(0, 12, 0, 0, kEqualPrincipal, 20260115)),
            kInvalid);
  EXPECT_EQ(reason(BuildSchedule(100, 0, 0, 0, kEqualPrincipal, 20260115)),
            kInvalid);
  EXPECT_EQ(reason(BuildSchedule(100, 121, 0, 0, kEqualPrincipal, 20260115)),
            kInvalid);
  EXPECT_EQ(reason(BuildSchedule(100, 6, 6, 0, kEqualPrincipal, 20260115)),
            kInvalid);
  EXPECT_EQ(reason(BuildSchedule(100, 6, 0, 2401, kEqualPrincipal, 20260115)),
            kInvalid);
  EXPECT_EQ(reason(BuildSchedule(100, 6, 0, 0, v1::REPAYMENT_METHOD_UNSPECIFIED,
                                 20260115)),
            kInvalid);
  EXPECT_EQ(reason(BuildSchedule(100, 6, 0, 0, kEqualPrincipal, 20270229)),
            kInvalid);
  EXPECT_TRUE(BuildSchedule(100, 120, 119, 2400, kEqualInstallment, 20260115)
                  .ok());
}

TEST(LoanAgingTest, BucketEdges) {
  EXPECT_EQ(BucketOf(0), v1::AGING_BUCKET_CURRENT);
  EXPECT_EQ(BucketOf(1), v1::AGING_BUCKET_DPD_1_30);
  EXPECT_EQ(BucketOf(30), v1::AGING_BUCKET_DPD_1_30);
  EXPECT_EQ(BucketOf(31), v1::AGING_BUCKET_DPD_31_90);
  EXPECT_EQ(BucketOf(90), v1::AGING_BUCKET_DPD_31_90);
  EXPECT_EQ(BucketOf(91), v1::AGING_BUCKET_DPD_91_180);
  EXPECT_EQ(BucketOf(180), v1::AGING_BUCKET_DPD_91_180);
  EXPECT_EQ(BucketOf(181), v1::AGING_BUCKET_DPD_OVER_180);
}

// ---- Commands through Decide and Evolve -------------------------------------

class LoansTest : public ::testing::Test {
 protected:
  void SetUp() override {
    now_ = Noon(2026, 1, 15);
    Unit("jn", "", v1::ORG_LEVEL_PROVINCE);
    Unit("jn.zc", "jn", v1::ORG_LEVEL_CITY);
    Unit("jn.qf", "jn", v1::ORG_LEVEL_CITY);
    Unit("jn.zc2", "jn", v1::ORG_LEVEL_CITY);
    Receive("jn", kDonations, 10'000'000);  // 100,000 yuan
    Receive("jn", v1::FUND_SOURCE_FEDERATION_ALLOCATION, 5'000'000);
    Receive("jn.zc", kDonations, 300'000);
    ASSERT_TRUE(Apply(Product("startup", 0)).ok());
    v1::Command interest = Product("interest", 600);
    interest.mutable_set_loan_product()->mutable_product()->set_guarantor_required(
        false);
    ASSERT_TRUE(Apply(interest).ok());
    dossier_ = RegisterDossier('a', "jn.zc");
  }

  void Unit(std::string code, std::string parent, v1::OrgLevel level) {
    v1::Command c;
    auto* u = c.mutable_register_org_unit();
    u->set_request_id("u");
    u->set_code(code);
    u->set_name_zh("工会");
    u->set_level(level);
    u->set_parent_code(parent);
    ASSERT_TRUE(Apply(c).ok());
  }
  void Receive(std::string unit, v1::FundSource source, int64_t fen) {
    v1::Command c;
    auto* r = c.mutable_receive_funds();
    r->set_request_id("m");
    r->set_unit_code(unit);
    r->set_fund_source(source);
    r->set_amount_fen(fen);
    r->set_payer("企业");
    ASSERT_TRUE(Apply(c).ok());
  }
  std::string RegisterDossier(char who, std::string unit) {
    v1::Command c;
    auto* d = c.mutable_register_dossier();
    d->set_request_id(std::string("d") + who);
    d->set_unit_code(unit);
    d->set_name("张三");
    d->set_category(v1::HARDSHIP_CATEGORY_ZERO_EMPLOYMENT_HOUSEHOLD);
    d->set_household_size(3);
    d->set_national_id_hmac(std::string(32, who));
    d->set_national_id_masked("370802********1232");
    absl::Status s = Apply(c);
    EXPECT_TRUE(s.ok()) << s;
    return s.ok() ? last_[0].dossier_registered().dossier_id() : "";
  }
  // 1,000 to 50,000 yuan, 3 to 36 months, up to 3 grace months, from
  // donations or federation money, 1 Jan 2026 on.
  static v1::Command Product(std::string name, uint32_t rate_bp) {
    v1::Command c;
    c.mutable_set_loan_product()->set_request_id("p");
    auto* p = c.mutable_set_loan_product()->mutable_product();
    p->set_product(name);
    p->set_name_zh("创业小额借款");
    p->set_effective_date(20260101);
    p->set_min_principal_fen(100'000);
    p->set_max_principal_fen(5'000'000);
    p->set_min_term_months(3);
    p->set_max_term_months(36);
    p->set_annual_rate_bp(rate_bp);
    p->set_max_grace_months(3);
    p->add_fund_sources(kDonations);
    p->add_fund_sources(v1::FUND_SOURCE_FEDERATION_ALLOCATION);
    p->set_guarantor_required(true);
    return c;
  }
  v1::Command Disburse(int64_t fen, uint32_t term,
                       std::string product = "startup",
                       std::string dossier = "") {
    v1::Command c;
    auto* d = c.mutable_disburse_loan();
    d->set_request_id("l");
    d->set_dossier_id(dossier.empty() ? dossier_ : dossier);
    d->set_unit_code("jn");
    d->set_fund_source(kDonations);
    d->set_product(product);
    d->set_principal_fen(fen);
    d->set_term_months(term);
    d->set_method(kEqualPrincipal);
    d->mutable_guarantor()->set_employer_name("邹城市煤矿");
    d->mutable_guarantor()->set_contact("李科长 0537-5221234");
    d->mutable_guarantor()->set_reference("担保2026-001");
    d->set_purpose("开办早餐店");
    return c;
  }
  // Disburses and returns the loan id.
  std::string Lend(v1::Command c) {
    absl::Status s = Apply(c);
    EXPECT_TRUE(s.ok()) << s;
    return s.ok() ? last_[0].loan_disbursed().loan_id() : "";
  }
  static v1::Command Repay(std::string loan, int64_t fen, int value_date = 0) {
    v1::Command c;
    auto* r = c.mutable_record_loan_repayment();
    r->set_request_id("r");
    r->set_loan_id(loan);
    r->set_amount_fen(fen);
    r->set_value_date(value_date);
    r->set_payer("张三");
    return c;
  }
  // Records a repayment and returns its id.
  std::string Paid(std::string loan, int64_t fen, int value_date = 0) {
    absl::Status s = Apply(Repay(loan, fen, value_date));
    EXPECT_TRUE(s.ok()) << s;
    return s.ok() ? last_[0].loan_repayment_recorded().repayment_id() : "";
  }
  static v1::Command Reverse(std::string loan, std::string repayment) {
    v1::Command c;
    auto* r = c.mutable_reverse_loan_repayment();
    r->set_request_id("rv");
    r->set_loan_id(loan);
    r->set_repayment_id(repayment);
    r->set_reason("退票 bounced");
    return c;
  }
  static v1::Command ProposeWriteOff(std::string loan) {
    v1::Command c;
    auto* p = c.mutable_propose_loan_write_off();
    p->set_request_id("wo");
    p->set_loan_id(loan);
    p->set_reason_code(v1::WRITE_OFF_REASON_BUSINESS_FAILED);
    p->set_memo("经营失败");
    return c;
  }
  static v1::Command ApproveWriteOff(std::string loan) {
    v1::Command c;
    c.mutable_approve_loan_write_off()->set_request_id("ok");
    c.mutable_approve_loan_write_off()->set_loan_id(loan);
    return c;
  }
  static v1::Command Reschedule(std::string loan, int start, uint32_t term) {
    v1::Command c;
    auto* r = c.mutable_reschedule_loan();
    r->set_request_id("rs");
    r->set_loan_id(loan);
    r->set_start_date(start);
    r->set_term_months(term);
    r->set_reason("受灾展期");
    return c;
  }

  absl::Status Apply(const v1::Command& command, std::string actor = "li") {
    std::vector<v1::Event> events;
    CommandContext context{actor, now_, {}, sequence_};
    absl::Status s = Decide(state_, command, context, &events);
    if (s.ok()) {
      for (const auto& e : events) {
        Evolve(state_, e, ++sequence_);
        log_.push_back(e);
      }
      state_.ForgetUndo();
      last_ = events;
    }
    return s;
  }
  // Rejected with `reason`: no event decided, none appended.
  void ExpectRejected(const v1::Command& c, v1::ErrorReason reason,
                      std::string actor = "li") {
    std::vector<v1::Event> events;
    CommandContext context{actor, now_, {}, sequence_};
    absl::Status s = Decide(state_, c, context, &events);
    EXPECT_EQ(ReasonOf(s), reason) << s;
    EXPECT_TRUE(events.empty());
    const uint64_t before = sequence_;
    EXPECT_FALSE(Apply(c, actor).ok());
    EXPECT_EQ(sequence_, before);
  }
  // posted credits - posted debits.
  int64_t Net(const std::string& account) const {
    const BalanceState* b = state_.FindBalance(account);
    if (b == nullptr) return 0;
    return b->posted_credits_fen() - b->posted_debits_fen();
  }
  int64_t Pool() const { return Net(PoolAccount("jn", kDonations)); }
  static std::string Receivable() { return "jn/donations/loans_receivable"; }
  static std::string Losses() { return "jn/donations/loan_losses"; }
  const LoanState& Loan(const std::string& id) const {
    const LoanState* loan = state_.FindLoan(id);
    EXPECT_NE(loan, nullptr) << id;
    static const LoanState kNone;
    return loan == nullptr ? kNone : *loan;
  }
  std::string Export() const {
    storage::v1::Snapshot snapshot;
    state_.ExportTo(&snapshot);
    return snapshot.SerializeAsString();
  }

  State state_;
  uint64_t sequence_ = 0;
  int64_t now_ = 0;
  std::string dossier_;
  std::vector<v1::Event> last_;
  std::vector<v1::Event> log_;
};

TEST_F(LoansTest, DisbursementMovesPoolToReceivableWithAnAnchoredSchedule) {
  now_ = Noon(2026, 1, 31);
  ASSERT_TRUE(Apply(Disburse(1'000'000, 7)).ok());
  ASSERT_EQ(last_.size(), 1u);
  const v1::LoanDisbursed& d = last_[0].loan_disbursed();
  EXPECT_EQ(d.loan_id(), absl::StrCat("l", sequence_));
  EXPECT_EQ(d.disbursed_date(), 20260131);
  EXPECT_EQ(d.annual_rate_bp(), 0u);
  EXPECT_EQ(d.borrower_name(), "张三");
  EXPECT_EQ(d.national_id_hmac(), std::string(32, 'a'));
  ExpectSchedule({d.schedule().begin(), d.schedule().end()},
                 {{20260228, 142'857, 0},
                  {20260331, 142'857, 0},
                  {20260430, 142'857, 0},
                  {20260531, 142'857, 0},
                  {20260630, 142'857, 0},
                  {20260731, 142'857, 0},
                  {20260831, 142'858, 0}});
  ASSERT_EQ(d.postings_size(), 1);
  EXPECT_EQ(d.postings(0).debit_account(), "jn/donations/pool");
  EXPECT_EQ(d.postings(0).credit_account(), Receivable());
  EXPECT_EQ(d.postings(0).amount_fen(), 1'000'000);
  EXPECT_EQ(Pool(), 9'000'000);  // 10,000,000 - 1,000,000
  EXPECT_EQ(Net(Receivable()), 1'000'000);
  EXPECT_EQ(OutstandingPrincipal(Loan(d.loan_id())), 1'000'000);
  ASSERT_NE(state_.ActiveLoanOf(std::string(32, 'a')), nullptr);
  EXPECT_EQ(*state_.ActiveLoanOf(std::string(32, 'a')), d.loan_id());
  const v1::Loan view = LoanAsOf(Loan(d.loan_id()), 20260131);
  EXPECT_EQ(view.status(), v1::LOAN_STATUS_CURRENT);
  EXPECT_EQ(view.next_due_date(), 20260228);
  EXPECT_EQ(view.next_due_fen(), 142'857);
  EXPECT_EQ(view.payoff_fen(), 1'000'000);
}

TEST_F(LoansTest, RepaymentPaysInterestThenPrincipalOldestFirstThenPrepays) {
  // 12,000 yuan at 6 %, equal principal: 100,000 a month with interest
  // 6,000 / 5,500 / 5,000 / 4,500 / ... on 15 Feb, 15 Mar, 15 Apr, 15 May.
  const std::string id = Lend(Disburse(1'200'000, 12, "interest"));
  now_ = Noon(2026, 4, 20);  // installments 1 to 3 are due
  // 210,000: #1 interest 6,000 and principal 100,000 (104,000 left), #2
  // interest 5,500 and principal 98,500.
  ASSERT_TRUE(Apply(Repay(id, 210'000)).ok());
  {
    const auto& r = last_[0].loan_repayment_recorded();
    EXPECT_EQ(r.value_date(), 20260420);
    EXPECT_EQ(r.schedule_version(), 1u);
    EXPECT_FALSE(r.recovery());
    ASSERT_EQ(r.allocations_size(), 2);
    EXPECT_EQ(r.allocations(0).number(), 1u);
    EXPECT_EQ(r.allocations(0).interest_fen(), 6'000);
    EXPECT_EQ(r.allocations(0).principal_fen(), 100'000);
    EXPECT_EQ(r.allocations(1).number(), 2u);
    EXPECT_EQ(r.allocations(1).interest_fen(), 5'500);
    EXPECT_EQ(r.allocations(1).principal_fen(), 98'500);
    EXPECT_EQ(r.principal_fen(), 198'500);
    EXPECT_EQ(r.interest_fen(), 11'500);
    ASSERT_EQ(r.postings_size(), 2);
    EXPECT_EQ(r.postings(0).debit_account(), Receivable());
    EXPECT_EQ(r.postings(0).credit_account(), "jn/donations/pool");
    EXPECT_EQ(r.postings(0).amount_fen(), 198'500);
    EXPECT_EQ(r.postings(1).debit_account(), "external/donations");
    EXPECT_EQ(r.postings(1).credit_account(), "jn/donations/pool");
    EXPECT_EQ(r.postings(1).amount_fen(), 11'500);
  }
  // 120,000: #2 principal 1,500 (118,500 left), #3 interest 5,000 and
  // principal 100,000 (13,500 left), which prepays #4's principal; #4's
  // interest is not due and stays unpaid.
  ASSERT_TRUE(Apply(Repay(id, 120'000)).ok());
  {
    const auto& r = last_[0].loan_repayment_recorded();
    ASSERT_EQ(r.allocations_size(), 3);
    EXPECT_EQ(r.allocations(0).number(), 2u);
    EXPECT_EQ(r.allocations(0).interest_fen(), 0);
    EXPECT_EQ(r.allocations(0).principal_fen(), 1'500);
    EXPECT_EQ(r.allocations(1).number(), 3u);
    EXPECT_EQ(r.allocations(1).interest_fen(), 5'000);
    EXPECT_EQ(r.allocations(1).principal_fen(), 100'000);
    EXPECT_EQ(r.allocations(2).number(), 4u);
    EXPECT_EQ(r.allocations(2).interest_fen(), 0);
    EXPECT_EQ(r.allocations(2).principal_fen(), 13'500);
    EXPECT_EQ(r.principal_fen(), 115'000);
    EXPECT_EQ(r.interest_fen(), 5'000);
  }
  const LoanState& loan = Loan(id);
  // 1,200,000 - 198,500 - 115,000.
  EXPECT_EQ(OutstandingPrincipal(loan), 886'500);
  EXPECT_EQ(loan.principal_repaid_fen(), 313'500);
  EXPECT_EQ(loan.interest_paid_fen(), 16'500);
  EXPECT_EQ(loan.schedules(0).installments(2).paid_date(), 20260420);
  EXPECT_EQ(loan.schedules(0).installments(3).principal_paid_fen(), 13'500);
  EXPECT_EQ(loan.schedules(0).installments(3).paid_date(), 0);
  // Pool: 10,000,000 - 1,200,000 + 210,000 + 120,000.
  EXPECT_EQ(Pool(), 9'130'000);
  EXPECT_EQ(Net(Receivable()), 886'500);
  // Receipts at jn and jn.zc, then the interest.
  EXPECT_EQ(Net("external/donations"), -10'000'000 - 300'000 - 16'500);
  const v1::Loan view = LoanAsOf(loan, 20260420);
  EXPECT_EQ(view.status(), v1::LOAN_STATUS_CURRENT);
  EXPECT_EQ(view.days_past_due(), 0);
  EXPECT_EQ(view.next_due_date(), 20260515);
  EXPECT_EQ(view.next_due_fen(), 91'000);  // 86,500 principal + 4,500
  EXPECT_EQ(view.payoff_fen(), 886'500);
}

TEST_F(LoansTest, OverpaymentIsRefusedAndEarlyPayoffClosesTheLoan) {
  const std::string id = Lend(Disburse(1'200'000, 12, "interest"));
  now_ = Noon(2026, 3, 15);
  // On 14 Mar only #1 is due: 1,200,000 + 6,000. On 15 Mar #2 is due too:
  // + 5,500 = 1,211,500.
  EXPECT_EQ(PayoffAmount(Loan(id), 20260314), 1'206'000);
  EXPECT_EQ(PayoffAmount(Loan(id), 20260315), 1'211'500);
  ExpectRejected(Repay(id, 1'206'001, 20260314), v1::LOAN_OVERPAYMENT);
  ExpectRejected(Repay(id, 1'211'501), v1::LOAN_OVERPAYMENT);
  {
    std::vector<v1::Event> events;
    absl::Status s = Decide(state_, Repay(id, 1'211'501),
                            {"li", now_, {}, sequence_}, &events);
    EXPECT_NE(s.message().find("12,115.00 yuan settles it"),
              absl::string_view::npos)
        << s;
  }
  ASSERT_TRUE(Apply(Repay(id, 1'211'500)).ok());
  const auto& r = last_[0].loan_repayment_recorded();
  EXPECT_EQ(r.principal_fen(), 1'200'000);
  EXPECT_EQ(r.interest_fen(), 11'500);  // later interest is not owed
  ASSERT_EQ(r.allocations_size(), 12);
  EXPECT_EQ(OutstandingPrincipal(Loan(id)), 0);
  EXPECT_TRUE(LoanClosed(Loan(id)));
  EXPECT_EQ(state_.ActiveLoanOf(std::string(32, 'a')), nullptr);
  EXPECT_EQ(Net(Receivable()), 0);
  EXPECT_EQ(Pool(), 10'011'500);
  for (int date : {20260315, 20270101}) {
    const v1::Loan view = LoanAsOf(Loan(id), date);
    EXPECT_EQ(view.status(), v1::LOAN_STATUS_REPAID);
    EXPECT_EQ(view.days_past_due(), 0);
    EXPECT_EQ(view.payoff_fen(), 0);
    EXPECT_EQ(view.outstanding_principal_fen(), 0);
  }
  ExpectRejected(Repay(id, 1), v1::LOAN_NOT_ACTIVE);
  ExpectRejected(ProposeWriteOff(id), v1::LOAN_NOT_ACTIVE);
  ExpectRejected(Reschedule(id, 20260401, 6), v1::LOAN_NOT_ACTIVE);
  ExpectRejected(Repay("l999", 1), v1::LOAN_NOT_FOUND);
  // The person may borrow again.
  EXPECT_TRUE(Apply(Disburse(500'000, 6)).ok());
}

TEST_F(LoansTest, ValueDates) {
  const std::string id = Lend(Disburse(1'200'000, 12, "interest"));
  now_ = Noon(2026, 3, 15);
  ExpectRejected(Repay(id, 1'000, 20260316), v1::LOAN_VALUE_DATE_INVALID);
  ExpectRejected(Repay(id, 1'000, 20260114), v1::LOAN_VALUE_DATE_INVALID);
  const std::string first = Paid(id, 1'000, 20260301);
  // 1 Mar: #1 (due 15 Feb) is due; its interest comes first.
  EXPECT_EQ(last_[0].loan_repayment_recorded().allocations(0).interest_fen(),
            1'000);
  ExpectRejected(Repay(id, 1'000, 20260228), v1::LOAN_VALUE_DATE_INVALID);
  Paid(id, 1'000, 20260301);  // the same day is fine
  const std::string second = last_[0].loan_repayment_recorded().repayment_id();
  ASSERT_TRUE(Apply(Reverse(id, second)).ok());
  ASSERT_TRUE(Apply(Reverse(id, first)).ok());
  // Reversed repayments no longer fix the earliest value date.
  Paid(id, 1'000, 20260115);
  EXPECT_EQ(last_[0].loan_repayment_recorded().allocations(0).number(), 1u);
  EXPECT_EQ(last_[0].loan_repayment_recorded().allocations(0).principal_fen(),
            1'000);  // nothing due on the 15th of January: prepays #1
}

TEST_F(LoansTest, DaysPastDueAcrossALeapFebruary) {
  // 12,000 yuan at 0 % from 31 Jan 2028: #1 due 29 Feb, #2 31 Mar, #3 30 Apr.
  now_ = Noon(2028, 1, 31);
  const std::string id = Lend(Disburse(1'200'000, 12));
  ASSERT_EQ(Loan(id).schedules(0).installments(0).scheduled().due_date(),
            20280229);
  struct Case {
    int date, dpd;
    v1::AgingBucket bucket;
    int64_t overdue;
  };
  // Days since 29 Feb 2028: 1 Mar is 1, 30 Mar 30, 31 Mar 31 (#2 is due
  // that day, not past due), 29 May 90 (#1 to #3 past due), 30 May 91,
  // 27 Aug 180, 28 Aug 181 (#1 to #6 past due).
  for (const Case& c : std::vector<Case>{
           {20280229, 0, v1::AGING_BUCKET_CURRENT, 0},
           {20280301, 1, v1::AGING_BUCKET_DPD_1_30, 100'000},
           {20280330, 30, v1::AGING_BUCKET_DPD_1_30, 100'000},
           {20280331, 31, v1::AGING_BUCKET_DPD_31_90, 100'000},
           {20280529, 90, v1::AGING_BUCKET_DPD_31_90, 300'000},
           {20280530, 91, v1::AGING_BUCKET_DPD_91_180, 300'000},
           {20280827, 180, v1::AGING_BUCKET_DPD_91_180, 600'000},
           {20280828, 181, v1::AGING_BUCKET_DPD_OVER_180, 600'000}}) {
    SCOPED_TRACE(c.date);
    const v1::Loan view = LoanAsOf(Loan(id), c.date);
    EXPECT_EQ(view.days_past_due(), c.dpd);
    EXPECT_EQ(view.bucket(), c.bucket);
    EXPECT_EQ(view.overdue_fen(), c.overdue);
    EXPECT_EQ(view.status(), c.dpd == 0 ? v1::LOAN_STATUS_CURRENT
                                        : v1::LOAN_STATUS_OVERDUE);
    EXPECT_EQ(view.outstanding_principal_fen(), 1'200'000);
  }
  EXPECT_FALSE(LoanAsOf(Loan(id), 20280229).schedule().installments(0).overdue());
  EXPECT_TRUE(LoanAsOf(Loan(id), 20280301).schedule().installments(0).overdue());

  // #1 paid on 10 Mar. As of earlier dates the payment is not there yet.
  now_ = Noon(2028, 3, 10);
  Paid(id, 100'000);
  const v1::Loan before = LoanAsOf(Loan(id), 20280305);
  EXPECT_EQ(before.days_past_due(), 5);
  EXPECT_EQ(before.status(), v1::LOAN_STATUS_OVERDUE);
  EXPECT_EQ(before.principal_repaid_fen(), 0);
  EXPECT_EQ(before.outstanding_principal_fen(), 1'200'000);
  EXPECT_EQ(before.schedule().installments(0).principal_paid_fen(), 0);
  const v1::Loan on = LoanAsOf(Loan(id), 20280310);
  EXPECT_EQ(on.days_past_due(), 0);
  EXPECT_EQ(on.status(), v1::LOAN_STATUS_CURRENT);
  EXPECT_EQ(on.principal_repaid_fen(), 100'000);
  EXPECT_EQ(on.schedule().installments(0).paid_date(), 20280310);
  EXPECT_EQ(on.next_due_date(), 20280331);
  // 1 Apr: #2 (31 Mar) is 1 day past due.
  EXPECT_EQ(LoanAsOf(Loan(id), 20280401).days_past_due(), 1);
  // 28 Aug: #2 is 150 days past due (1 + 30 + 31 + 30 + 31 + 27).
  EXPECT_EQ(LoanAsOf(Loan(id), 20280828).days_past_due(), 150);
}

TEST_F(LoansTest, DaysPastDueAtTheEndOfFebruaryInCommonAndLeapYears) {
  // Due 28 Feb: 1 Mar is 1 day late in 2027 and 2 days late in 2028.
  now_ = Noon(2027, 1, 28);
  const std::string common = Lend(Disburse(1'200'000, 12));
  now_ = Noon(2028, 1, 28);
  const std::string leap =
      Lend(Disburse(1'200'000, 12, "startup", RegisterDossier('b', "jn")));
  ASSERT_EQ(Loan(common).schedules(0).installments(0).scheduled().due_date(),
            20270228);
  ASSERT_EQ(Loan(leap).schedules(0).installments(0).scheduled().due_date(),
            20280228);
  EXPECT_EQ(LoanAsOf(Loan(common), 20270228).days_past_due(), 0);
  EXPECT_EQ(LoanAsOf(Loan(common), 20270301).days_past_due(), 1);
  EXPECT_EQ(LoanAsOf(Loan(leap), 20280229).days_past_due(), 1);
  EXPECT_EQ(LoanAsOf(Loan(leap), 20280301).days_past_due(), 2);
  // Across the year end, #1 is the oldest unpaid: 28 Feb 2027 (day 59) ->
  // 31 Dec 2027 (day 365) is 306 days, 1 Jan 2028 is 307.
  EXPECT_EQ(LoanAsOf(Loan(common), 20280101).days_past_due(), 307);
  EXPECT_EQ(LoanAsOf(Loan(common), 20280101).bucket(),
            v1::AGING_BUCKET_DPD_OVER_180);
}

TEST_F(LoansTest, WriteOffNeedsASecondPrincipalAndAFreshProposal) {
  const std::string id = Lend(Disburse(1'000'000, 10));  // 0 %, 100,000 a month
  now_ = Noon(2026, 6, 1);
  ExpectRejected(ApproveWriteOff(id), v1::LOAN_WRITE_OFF_NOT_PROPOSED, "wang");
  ASSERT_TRUE(Apply(ProposeWriteOff(id), "li").ok());
  EXPECT_EQ(last_[0].loan_write_off_proposed().principal_fen(), 1'000'000);
  EXPECT_EQ(last_[0].loan_write_off_proposed().proposed_by(), "li");
  EXPECT_EQ(Net(Receivable()), 1'000'000);  // a proposal moves nothing
  ExpectRejected(ApproveWriteOff(id), v1::LOAN_WRITE_OFF_SAME_PRINCIPAL, "li");
  // A repayment after the proposal makes it stale.
  const std::string before = Paid(id, 100'000);
  ExpectRejected(ApproveWriteOff(id), v1::LOAN_WRITE_OFF_STALE, "wang");
  ASSERT_TRUE(Apply(ProposeWriteOff(id), "li").ok());
  EXPECT_EQ(last_[0].loan_write_off_proposed().principal_fen(), 900'000);
  ASSERT_TRUE(Apply(ApproveWriteOff(id), "wang").ok());
  const auto& w = last_[0].loan_written_off();
  EXPECT_EQ(w.principal_fen(), 900'000);
  EXPECT_EQ(w.proposed_by(), "li");
  EXPECT_EQ(w.written_off_date(), 20260601);
  ASSERT_EQ(w.postings_size(), 1);
  EXPECT_EQ(w.postings(0).debit_account(), Receivable());
  EXPECT_EQ(w.postings(0).credit_account(), Losses());
  EXPECT_EQ(w.postings(0).amount_fen(), 900'000);
  EXPECT_EQ(Net(Receivable()), 0);
  EXPECT_EQ(Net(Losses()), 900'000);
  EXPECT_EQ(Pool(), 9'100'000);  // 10,000,000 - 1,000,000 + 100,000
  EXPECT_FALSE(Loan(id).has_pending_write_off());
  EXPECT_EQ(OutstandingPrincipal(Loan(id)), 0);
  // Written off and not recovered: still blocks a new loan to the person.
  ASSERT_NE(state_.ActiveLoanOf(std::string(32, 'a')), nullptr);
  EXPECT_EQ(*state_.ActiveLoanOf(std::string(32, 'a')), id);
  ExpectRejected(Disburse(100'000, 3), v1::LOAN_BORROWER_HAS_ACTIVE_LOAN);

  const v1::Loan after = LoanAsOf(Loan(id), 20260601);
  EXPECT_EQ(after.status(), v1::LOAN_STATUS_WRITTEN_OFF);
  EXPECT_EQ(after.written_off_fen(), 900'000);
  EXPECT_EQ(after.outstanding_principal_fen(), 0);
  EXPECT_EQ(after.days_past_due(), 0);
  // The day before: all still owed (the 100,000 came on 1 Jun), #1 (15 Feb)
  // 105 days past due (13 + 31 + 30 + 31).
  const v1::Loan day_before = LoanAsOf(Loan(id), 20260531);
  EXPECT_EQ(day_before.status(), v1::LOAN_STATUS_OVERDUE);
  EXPECT_EQ(day_before.outstanding_principal_fen(), 1'000'000);
  EXPECT_EQ(day_before.written_off_fen(), 0);
  EXPECT_EQ(day_before.days_past_due(), 105);

  ExpectRejected(ProposeWriteOff(id), v1::LOAN_NOT_ACTIVE);
  ExpectRejected(ApproveWriteOff(id), v1::LOAN_NOT_ACTIVE, "wang");
  ExpectRejected(Reschedule(id, 20260601, 6), v1::LOAN_NOT_ACTIVE);
  // The repayment before the write-off can no longer be reversed.
  ExpectRejected(Reverse(id, before), v1::LOAN_REPAYMENT_NOT_REVERSIBLE);
}

TEST_F(LoansTest, RecoveriesAfterAWriteOffGoBackToThePoolUpToTheLoss) {
  const std::string id = Lend(Disburse(1'000'000, 10));
  now_ = Noon(2026, 6, 1);
  ASSERT_TRUE(Apply(ProposeWriteOff(id), "li").ok());
  ASSERT_TRUE(Apply(ApproveWriteOff(id), "wang").ok());
  EXPECT_EQ(Net(Losses()), 1'000'000);
  now_ = Noon(2026, 7, 1);
  ExpectRejected(Repay(id, 1'000, 20260531), v1::LOAN_VALUE_DATE_INVALID);
  const std::string first = Paid(id, 300'000);
  const auto& r = last_[0].loan_repayment_recorded();
  EXPECT_TRUE(r.recovery());
  EXPECT_EQ(r.principal_fen(), 300'000);
  EXPECT_EQ(r.interest_fen(), 0);
  EXPECT_EQ(r.allocations_size(), 0);
  ASSERT_EQ(r.postings_size(), 1);
  EXPECT_EQ(r.postings(0).debit_account(), Losses());
  EXPECT_EQ(r.postings(0).credit_account(), "jn/donations/pool");
  EXPECT_EQ(Net(Losses()), 700'000);
  EXPECT_EQ(Pool(), 9'300'000);
  EXPECT_EQ(Loan(id).recovered_fen(), 300'000);
  EXPECT_EQ(Loan(id).principal_repaid_fen(), 0);
  EXPECT_EQ(LoanAsOf(Loan(id), 20260701).recovered_fen(), 300'000);
  EXPECT_EQ(LoanAsOf(Loan(id), 20260630).recovered_fen(), 0);
  ExpectRejected(Repay(id, 700'001), v1::LOAN_RECOVERY_TOO_LARGE);
  Paid(id, 700'000);
  EXPECT_EQ(Net(Losses()), 0);
  EXPECT_EQ(Pool(), 10'000'000);
  ExpectRejected(Repay(id, 1), v1::LOAN_RECOVERY_TOO_LARGE);
  // A bounced recovery is reversed: the loss comes back.
  ASSERT_TRUE(Apply(Reverse(id, first)).ok());
  EXPECT_EQ(last_[0].loan_repayment_reversed().postings(0).debit_account(),
            "jn/donations/pool");
  EXPECT_EQ(last_[0].loan_repayment_reversed().postings(0).credit_account(),
            Losses());
  EXPECT_EQ(Net(Losses()), 300'000);
  EXPECT_EQ(Pool(), 9'700'000);
  EXPECT_EQ(Loan(id).recovered_fen(), 700'000);
  ExpectRejected(Repay(id, 300'001), v1::LOAN_RECOVERY_TOO_LARGE);
  EXPECT_TRUE(Apply(Repay(id, 300'000)).ok());
}

TEST_F(LoansTest, ReversalOfABouncedRepaymentRestoresEverything) {
  const std::string id = Lend(Disburse(1'200'000, 12, "interest"));
  now_ = Noon(2026, 3, 20);
  const std::string loan_before = Loan(id).SerializeAsString();
  const int64_t pool = Pool(), receivable = Net(Receivable()),
                external = Net("external/donations");
  // 111,500: #1 6,000 + 100,000, #2 interest 5,500.
  const std::string rid = Paid(id, 111'500);
  ASSERT_EQ(last_[0].loan_repayment_recorded().allocations_size(), 2);
  EXPECT_EQ(Loan(id).schedules(0).installments(0).paid_date(), 20260320);
  EXPECT_EQ(Pool(), pool + 111'500);
  ASSERT_TRUE(Apply(Reverse(id, rid)).ok());
  const auto& e = last_[0].loan_repayment_reversed();
  EXPECT_EQ(e.repayment_id(), rid);
  EXPECT_EQ(e.reason(), "退票 bounced");
  ASSERT_EQ(e.postings_size(), 2);
  EXPECT_EQ(e.postings(0).debit_account(), "jn/donations/pool");
  EXPECT_EQ(e.postings(0).credit_account(), Receivable());
  EXPECT_EQ(e.postings(0).amount_fen(), 100'000);
  EXPECT_EQ(e.postings(1).debit_account(), "jn/donations/pool");
  EXPECT_EQ(e.postings(1).credit_account(), "external/donations");
  EXPECT_EQ(e.postings(1).amount_fen(), 11'500);
  EXPECT_EQ(Pool(), pool);
  EXPECT_EQ(Net(Receivable()), receivable);
  EXPECT_EQ(Net("external/donations"), external);
  // The schedule is as it was before, paid dates included.
  const LoanState& loan = Loan(id);
  EXPECT_EQ(loan.schedules(0).SerializeAsString(),
            [&] {
              LoanState before;
              before.ParseFromString(loan_before);
              return before.schedules(0).SerializeAsString();
            }());
  EXPECT_EQ(loan.principal_repaid_fen(), 0);
  EXPECT_EQ(loan.interest_paid_fen(), 0);
  ASSERT_EQ(loan.repayments_size(), 1);
  EXPECT_TRUE(loan.repayments(0).reversed());
  EXPECT_EQ(loan.repayments(0).reversal_reason(), "退票 bounced");
  const v1::Loan view = LoanAsOf(loan, 20260320);
  EXPECT_EQ(view.principal_repaid_fen(), 0);
  EXPECT_EQ(view.days_past_due(), 33);  // since 15 Feb: 13 + 20
  EXPECT_TRUE(view.repayments(0).reversed());

  ExpectRejected(Reverse(id, rid), v1::LOAN_REPAYMENT_ALREADY_REVERSED);
  ExpectRejected(Reverse(id, "r999"), v1::LOAN_REPAYMENT_NOT_FOUND);
  ExpectRejected(Reverse("l999", rid), v1::LOAN_NOT_FOUND);

  // After a reschedule, repayments on the old schedule stay.
  const std::string kept = Paid(id, 111'500);
  ASSERT_TRUE(Apply(Reschedule(id, 20260320, 12)).ok());
  ExpectRejected(Reverse(id, kept), v1::LOAN_REPAYMENT_NOT_REVERSIBLE);
}

TEST_F(LoansTest, ReversingAPayoffReopensTheLoanUnlessThePersonBorrowedAgain) {
  const std::string id = Lend(Disburse(1'000'000, 10));
  now_ = Noon(2026, 2, 1);
  const std::string payoff = Paid(id, 1'000'000);
  EXPECT_EQ(state_.ActiveLoanOf(std::string(32, 'a')), nullptr);
  ASSERT_TRUE(Apply(Reverse(id, payoff)).ok());
  ASSERT_NE(state_.ActiveLoanOf(std::string(32, 'a')), nullptr);
  EXPECT_EQ(OutstandingPrincipal(Loan(id)), 1'000'000);
  const std::string again = Paid(id, 1'000'000);
  const std::string second = Lend(Disburse(500'000, 6));
  ExpectRejected(Reverse(id, again), v1::LOAN_REPAYMENT_NOT_REVERSIBLE);
  EXPECT_EQ(*state_.ActiveLoanOf(std::string(32, 'a')), second);
}

TEST_F(LoansTest, RescheduleCarriesDueInterestAndKeepsTheHistory) {
  const std::string id = Lend(Disburse(1'200'000, 12, "interest"));
  now_ = Noon(2026, 4, 20);
  // 20,000: #1 interest 6,000 then principal 14,000.
  Paid(id, 20'000);
  ExpectRejected(Reschedule(id, 20260419, 6), v1::LOAN_RESCHEDULE_INVALID);
  ExpectRejected(Reschedule(id, 20270422, 6), v1::LOAN_RESCHEDULE_INVALID);
  ASSERT_TRUE(Apply(Reschedule(id, 20260420, 6)).ok());
  const auto& e = last_[0].loan_rescheduled();
  EXPECT_EQ(e.schedule_version(), 2u);
  EXPECT_EQ(e.principal_fen(), 1'186'000);  // 1,200,000 - 14,000
  // Unpaid interest due by 20 Apr (today): #2 5,500 + #3 5,000. It is not
  // forgiven: installment 1, interest only, due today.
  EXPECT_EQ(e.carried_interest_fen(), 10'500);
  EXPECT_EQ(e.method(), kEqualPrincipal);  // the loan's, none was asked
  EXPECT_EQ(e.rescheduled_date(), 20260420);
  ExpectSchedule({e.schedule().begin(), e.schedule().end()},
                 {{20260420, 0, 10'500},
                  {20260520, 197'666, 5'930},
                  {20260620, 197'666, 4'942},
                  {20260720, 197'666, 3'953},
                  {20260820, 197'666, 2'965},
                  {20260920, 197'666, 1'977},
                  {20261020, 197'670, 988}});
  const LoanState& loan = Loan(id);
  ASSERT_EQ(loan.schedules_size(), 2);
  EXPECT_EQ(loan.schedules(0).installments(0).principal_paid_fen(), 14'000);
  EXPECT_EQ(loan.schedules(1).version(), 2u);
  EXPECT_EQ(loan.schedules(1).effective_date(), 20260420);
  EXPECT_EQ(OutstandingPrincipal(loan), 1'186'000);

  const v1::Loan now = LoanAsOf(loan, 20260420);
  EXPECT_EQ(now.schedule().version(), 2u);
  ASSERT_EQ(now.earlier_schedules_size(), 1);
  EXPECT_EQ(now.earlier_schedules(0).version(), 1u);
  EXPECT_EQ(now.status(), v1::LOAN_STATUS_CURRENT);  // #1 is due today
  EXPECT_EQ(now.next_due_date(), 20260420);
  EXPECT_EQ(now.next_due_fen(), 10'500);
  // Settling today pays the carried interest: it is not forgiven.
  EXPECT_EQ(now.payoff_fen(), 1'196'500);
  EXPECT_EQ(LoanAsOf(loan, 20260421).days_past_due(), 1);
  const v1::Loan then = LoanAsOf(loan, 20260419);
  EXPECT_EQ(then.schedule().version(), 1u);
  EXPECT_EQ(then.earlier_schedules_size(), 0);  // nothing replaced yet
  EXPECT_EQ(then.days_past_due(), 63);  // #1 due 15 Feb
  EXPECT_EQ(then.outstanding_principal_fen(), 1'200'000);

  ExpectRejected(Repay(id, 1'000, 20260419), v1::LOAN_VALUE_DATE_INVALID);
  now_ = Noon(2026, 5, 20);
  Paid(id, 16'430);
  const auto& r = last_[0].loan_repayment_recorded();
  EXPECT_EQ(r.schedule_version(), 2u);
  // The carried 10,500 (#1, oldest) first, then #2's interest 5,930.
  ASSERT_EQ(r.allocations_size(), 2);
  EXPECT_EQ(r.allocations(0).number(), 1u);
  EXPECT_EQ(r.allocations(0).interest_fen(), 10'500);
  EXPECT_EQ(r.allocations(1).number(), 2u);
  EXPECT_EQ(r.allocations(1).interest_fen(), 5'930);
  EXPECT_EQ(Loan(id).schedules(1).installments(0).interest_paid_fen(), 10'500);
  // A second reschedule, equal installments this time.
  v1::Command again = Reschedule(id, 20260601, 3);
  again.mutable_reschedule_loan()->set_method(kEqualInstallment);
  ASSERT_TRUE(Apply(again).ok());
  EXPECT_EQ(last_[0].loan_rescheduled().schedule_version(), 3u);
  EXPECT_EQ(last_[0].loan_rescheduled().carried_interest_fen(), 0);
  EXPECT_EQ(last_[0].loan_rescheduled().method(), kEqualInstallment);
  EXPECT_EQ(Loan(id).schedules_size(), 3);
  EXPECT_EQ(LoanAsOf(Loan(id), 20260520).earlier_schedules_size(), 2);
}

TEST_F(LoansTest, DisbursementRejections) {
  ExpectRejected(Disburse(1'000'000, 12, "startup", "d999"),
                 v1::DOSSIER_NOT_FOUND);
  const std::string exited = RegisterDossier('x', "jn");
  v1::Command exit;
  exit.mutable_exit_dossier()->set_request_id("x");
  exit.mutable_exit_dossier()->set_dossier_id(exited);
  exit.mutable_exit_dossier()->set_reason("脱困");
  ASSERT_TRUE(Apply(exit).ok());
  ExpectRejected(Disburse(1'000'000, 12, "startup", exited), v1::DOSSIER_EXITED);

  ExpectRejected(Disburse(1'000'000, 12, "nosuch"), v1::LOAN_PRODUCT_NOT_FOUND);
  v1::Command later = Product("later", 0);
  later.mutable_set_loan_product()->mutable_product()->set_effective_date(
      20260201);
  ASSERT_TRUE(Apply(later).ok());
  ExpectRejected(Disburse(1'000'000, 12, "later"), v1::LOAN_PRODUCT_NOT_FOUND);

  ExpectRejected(Disburse(99'999, 12), v1::LOAN_TERMS_OUT_OF_PRODUCT);
  ExpectRejected(Disburse(5'000'001, 12), v1::LOAN_TERMS_OUT_OF_PRODUCT);
  ExpectRejected(Disburse(1'000'000, 2), v1::LOAN_TERMS_OUT_OF_PRODUCT);
  ExpectRejected(Disburse(1'000'000, 37), v1::LOAN_TERMS_OUT_OF_PRODUCT);
  v1::Command grace = Disburse(1'000'000, 12);
  grace.mutable_disburse_loan()->set_grace_months(4);
  ExpectRejected(grace, v1::LOAN_TERMS_OUT_OF_PRODUCT);
  v1::Command only_ep = Product("onlyep", 0);
  only_ep.mutable_set_loan_product()->mutable_product()->add_methods(
      kEqualPrincipal);
  ASSERT_TRUE(Apply(only_ep).ok());
  v1::Command method = Disburse(1'000'000, 12, "onlyep");
  method.mutable_disburse_loan()->set_method(kEqualInstallment);
  ExpectRejected(method, v1::LOAN_TERMS_OUT_OF_PRODUCT);
  v1::Command source = Disburse(1'000'000, 12);
  source.mutable_disburse_loan()->set_fund_source(v1::FUND_SOURCE_OWN_FUNDS);
  ExpectRejected(source, v1::LOAN_TERMS_OUT_OF_PRODUCT);
  v1::Command no_guarantor = Disburse(1'000'000, 12);
  no_guarantor.mutable_disburse_loan()->clear_guarantor();
  ExpectRejected(no_guarantor, v1::LOAN_GUARANTOR_REQUIRED);
  // A guarantor of spaces is no guarantor; a contact of spaces is none.
  v1::Command blank_name = Disburse(1'000'000, 12);
  blank_name.mutable_disburse_loan()->mutable_guarantor()->set_employer_name("  ");
  ExpectRejected(blank_name, v1::FIELD_INVALID);
  v1::Command blank_contact = Disburse(1'000'000, 12);
  blank_contact.mutable_disburse_loan()->mutable_guarantor()->set_contact(" ");
  ExpectRejected(blank_contact, v1::FIELD_INVALID);

  // The dossier is at jn.zc: lend from jn.zc or jn, not a sibling, and not
  // jn.zc2 whose code merely starts with the same letters.
  v1::Command sibling = Disburse(100'000, 12);
  sibling.mutable_disburse_loan()->set_unit_code("jn.qf");
  ExpectRejected(sibling, v1::LOAN_UNIT_NOT_BORROWERS);
  const std::string at_zc2 = RegisterDossier('z', "jn.zc2");
  v1::Command prefix = Disburse(100'000, 12, "startup", at_zc2);
  prefix.mutable_disburse_loan()->set_unit_code("jn.zc");
  ExpectRejected(prefix, v1::LOAN_UNIT_NOT_BORROWERS);

  // jn.zc holds 300,000 fen of donations and no federation money.
  v1::Command big = Disburse(300'001, 12);
  big.mutable_disburse_loan()->set_unit_code("jn.zc");
  ExpectRejected(big, v1::FUNDS_INSUFFICIENT);
  v1::Command federation = Disburse(100'000, 12);
  federation.mutable_disburse_loan()->set_unit_code("jn.zc");
  federation.mutable_disburse_loan()->set_fund_source(
      v1::FUND_SOURCE_FEDERATION_ALLOCATION);
  ExpectRejected(federation, v1::FUNDS_INSUFFICIENT);

  // Shape: grace must be below the term, a method, a whole guarantor, a
  // purpose.
  v1::Command all_grace = Disburse(1'000'000, 12);
  all_grace.mutable_disburse_loan()->set_grace_months(12);
  ExpectRejected(all_grace, v1::FIELD_INVALID);
  v1::Command no_method = Disburse(1'000'000, 12);
  no_method.mutable_disburse_loan()->set_method(
      v1::REPAYMENT_METHOD_UNSPECIFIED);
  ExpectRejected(no_method, v1::FIELD_INVALID);
  v1::Command half_guarantor = Disburse(1'000'000, 12);
  half_guarantor.mutable_disburse_loan()->mutable_guarantor()->clear_reference();
  ExpectRejected(half_guarantor, v1::FIELD_INVALID);
  v1::Command no_purpose = Disburse(1'000'000, 12);
  no_purpose.mutable_disburse_loan()->clear_purpose();
  ExpectRejected(no_purpose, v1::FIELD_INVALID);
  ExpectRejected(Disburse(0, 12), v1::AMOUNT_INVALID);

  // A deactivated unit lends nothing.
  const std::string at_qf = RegisterDossier('q', "jn.qf");
  v1::Command deactivate;
  deactivate.mutable_deactivate_org_unit()->set_request_id("off");
  deactivate.mutable_deactivate_org_unit()->set_code("jn.qf");
  deactivate.mutable_deactivate_org_unit()->set_reason("撤销");
  ASSERT_TRUE(Apply(deactivate).ok());
  v1::Command inactive = Disburse(100'000, 12, "startup", at_qf);
  inactive.mutable_disburse_loan()->set_unit_code("jn.qf");
  ExpectRejected(inactive, v1::ORG_UNIT_INACTIVE);

  // Not one of these left a trace: no loan, the pools untouched.
  EXPECT_EQ(Pool(), 10'000'000);
  EXPECT_EQ(Net(PoolAccount("jn.zc", kDonations)), 300'000);
  EXPECT_EQ(Net(Receivable()), 0);
  EXPECT_EQ(state_.ActiveLoanOf(std::string(32, 'a')), nullptr);

  // The exact pool and the product's edges are fine; the product without a
  // guarantor requirement lends without one.
  v1::Command exact = Disburse(300'000, 3);
  exact.mutable_disburse_loan()->set_unit_code("jn.zc");
  ASSERT_TRUE(Apply(exact).ok());
  EXPECT_EQ(Net(PoolAccount("jn.zc", kDonations)), 0);
  v1::Command unguaranteed = Disburse(5'000'000, 36, "interest", at_zc2);
  unguaranteed.mutable_disburse_loan()->clear_guarantor();
  unguaranteed.mutable_disburse_loan()->set_grace_months(3);
  EXPECT_TRUE(Apply(unguaranteed).ok());
}

TEST_F(LoansTest, OneOutstandingLoanPerPersonAcrossUnits) {
  v1::Command at_zc = Disburse(200'000, 6);
  at_zc.mutable_disburse_loan()->set_unit_code("jn.zc");
  const std::string id = Lend(at_zc);
  EXPECT_EQ(last_[0].loan_disbursed().unit_code(), "jn.zc");
  // The same person from the unit above, or from another source.
  ExpectRejected(Disburse(1'000'000, 12), v1::LOAN_BORROWER_HAS_ACTIVE_LOAN);
  v1::Command federation = Disburse(1'000'000, 12);
  federation.mutable_disburse_loan()->set_fund_source(
      v1::FUND_SOURCE_FEDERATION_ALLOCATION);
  ExpectRejected(federation, v1::LOAN_BORROWER_HAS_ACTIVE_LOAN);
  // Another person is fine; once repaid, so is the first again.
  EXPECT_TRUE(Apply(Disburse(1'000'000, 12, "startup",
                             RegisterDossier('b', "jn.zc")))
                  .ok());
  Paid(id, 200'000);
  EXPECT_TRUE(Apply(Disburse(1'000'000, 12)).ok());
}

TEST_F(LoansTest, ZeroInstallmentsAreNeverPastDue) {
  // 5 fen left after a prepayment, rescheduled over 12 months at 0 %:
  // 5 / 12 = 0 rest 5, so #1 to #11 are 0 fen and #12 is 5 fen. Nothing is
  // owed before #12 falls due, so nothing can be past due.
  const std::string id = Lend(Disburse(1'000'000, 10));
  Paid(id, 999'995);
  ASSERT_TRUE(Apply(Reschedule(id, 20260115, 12)).ok());
  ASSERT_EQ(last_[0].loan_rescheduled().schedule(0).principal_fen(), 0);
  ASSERT_EQ(last_[0].loan_rescheduled().schedule(11).principal_fen(), 5);
  const v1::Loan view = LoanAsOf(Loan(id), 20260301);
  EXPECT_EQ(view.days_past_due(), 0);
  EXPECT_EQ(view.status(), v1::LOAN_STATUS_CURRENT);
  EXPECT_EQ(view.overdue_fen(), 0);
  EXPECT_EQ(view.next_due_date(), 20270115);
  EXPECT_EQ(view.next_due_fen(), 5);
  // #12 (15 Jan 2027) unpaid: 1 day past due on the 16th.
  EXPECT_EQ(LoanAsOf(Loan(id), 20270116).days_past_due(), 1);
}

TEST_F(LoansTest, SnapshotAndReplayEqualTheLiveState) {
  const std::string a = Lend(Disburse(1'200'000, 12, "interest"));
  v1::Command at_zc = Disburse(250'000, 6, "startup",
                               RegisterDossier('b', "jn.zc"));
  at_zc.mutable_disburse_loan()->set_unit_code("jn.zc");
  const std::string b = Lend(at_zc);
  now_ = Noon(2026, 4, 20);
  Paid(a, 210'000);
  const std::string bounced = Paid(a, 5'000);
  ASSERT_TRUE(Apply(Reverse(a, bounced)).ok());
  ASSERT_TRUE(Apply(Reschedule(a, 20260501, 9)).ok());
  ASSERT_TRUE(Apply(ProposeWriteOff(a), "li").ok());
  ASSERT_TRUE(Apply(ProposeWriteOff(b), "li").ok());
  ASSERT_TRUE(Apply(ApproveWriteOff(b), "wang").ok());
  Paid(b, 50'000);  // a recovery

  const std::string live = Export();
  storage::v1::Snapshot parsed;
  ASSERT_TRUE(parsed.ParseFromString(live));
  ASSERT_EQ(parsed.loans_size(), 2);
  ASSERT_EQ(parsed.loan_products_size(), 2);
  State copy;
  copy.ImportFrom(parsed);
  storage::v1::Snapshot again;
  copy.ExportTo(&again);
  EXPECT_TRUE(again.SerializeAsString() == live);
  // Derived indexes too: the active-loan index and what Decide says.
  ASSERT_NE(copy.ActiveLoanOf(std::string(32, 'a')), nullptr);
  EXPECT_EQ(*copy.ActiveLoanOf(std::string(32, 'a')), a);
  // b is written off with 200,000 of 250,000 not recovered: it still blocks.
  ASSERT_NE(copy.ActiveLoanOf(std::string(32, 'b')), nullptr);
  EXPECT_EQ(*copy.ActiveLoanOf(std::string(32, 'b')), b);
  const CommandContext context{"wang", now_, {}, sequence_};
  for (const v1::Command& c :
       {Repay(a, 10'000), ApproveWriteOff(a), Repay(b, 1), Disburse(1, 3)}) {
    std::vector<v1::Event> from_live, from_copy;
    const absl::Status s1 = Decide(state_, c, context, &from_live);
    const absl::Status s2 = Decide(copy, c, context, &from_copy);
    EXPECT_EQ(s1, s2);
    ASSERT_EQ(from_live.size(), from_copy.size());
    for (size_t k = 0; k < from_live.size(); ++k) {
      EXPECT_EQ(from_live[k].SerializeAsString(),
                from_copy[k].SerializeAsString());
    }
  }
  // Replaying the log from nothing gives the same state.
  State replayed;
  uint64_t sequence = 0;
  for (const auto& e : log_) Evolve(replayed, e, ++sequence);
  storage::v1::Snapshot replay_snapshot;
  replayed.ExportTo(&replay_snapshot);
  EXPECT_TRUE(replay_snapshot.SerializeAsString() == live);
}

TEST_F(LoansTest, RollbackUndoesEachLoanEvent) {
  const std::string id = Lend(Disburse(1'200'000, 12, "interest"));
  now_ = Noon(2026, 3, 20);
  const std::string rid = Paid(id, 111'500);
  ASSERT_TRUE(Apply(ProposeWriteOff(id), "li").ok());
  // Each command is decided, evolved and rolled back as the writer does
  // when a group's write fails.
  v1::Command product = Product("startup", 300);
  product.mutable_set_loan_product()->mutable_product()->set_effective_date(
      20260301);
  for (const v1::Command& c :
       {Disburse(1'000'000, 12, "startup", RegisterDossier('b', "jn")),
        Repay(id, 200'000), Reverse(id, rid), Reschedule(id, 20260320, 6),
        ApproveWriteOff(id), product}) {
    SCOPED_TRACE(c.ShortDebugString());
    const std::string before = Export();
    const size_t mark = state_.Mark();
    std::vector<v1::Event> events;
    ASSERT_TRUE(
        Decide(state_, c, {"wang", now_, {}, sequence_}, &events).ok());
    for (size_t k = 0; k < events.size(); ++k) {
      Evolve(state_, events[k], sequence_ + 1 + k);
    }
    EXPECT_NE(Export(), before);
    state_.RollbackTo(mark);
    EXPECT_EQ(Export(), before);
  }
  // The index of active loans is rolled back too.
  EXPECT_EQ(state_.ActiveLoanOf(std::string(32, 'b')), nullptr);
  ASSERT_NE(state_.ActiveLoanOf(std::string(32, 'a')), nullptr);
  EXPECT_EQ(*state_.ActiveLoanOf(std::string(32, 'a')), id);
  // A payoff rolled back leaves the loan active.
  const size_t mark = state_.Mark();
  std::vector<v1::Event> events;
  ASSERT_TRUE(Decide(state_, Repay(id, PayoffAmount(Loan(id), 20260320)),
                     {"li", now_, {}, sequence_}, &events)
                  .ok());
  Evolve(state_, events[0], sequence_ + 1);
  EXPECT_EQ(state_.ActiveLoanOf(std::string(32, 'a')), nullptr);
  state_.RollbackTo(mark);
  ASSERT_NE(state_.ActiveLoanOf(std::string(32, 'a')), nullptr);
}

TEST(LoanProductTest, VersionsAndValidation) {
  v1::SetLoanProductRequest r;
  r.set_request_id("p");
  auto* p = r.mutable_product();
  p->set_product("startup");
  p->set_name_zh("创业");
  p->set_effective_date(20260101);
  p->set_min_principal_fen(100'000);
  p->set_max_principal_fen(5'000'000);
  p->set_min_term_months(3);
  p->set_max_term_months(36);
  p->set_max_grace_months(3);
  p->add_fund_sources(kDonations);
  EXPECT_TRUE(ValidateSetLoanProduct(r).ok());
  auto bad = [&](auto change) {
    v1::SetLoanProductRequest copy = r;
    change(*copy.mutable_product());
    return ReasonOf(ValidateSetLoanProduct(copy));
  };
  using P = v1::LoanProductSet;
  EXPECT_EQ(bad([](P& x) { x.set_annual_rate_bp(2401); }),
            v1::LOAN_PRODUCT_INVALID);
  EXPECT_EQ(bad([](P& x) { x.set_max_principal_fen(99'999); }),
            v1::LOAN_PRODUCT_INVALID);
  EXPECT_EQ(bad([](P& x) { x.set_max_term_months(121); }),
            v1::LOAN_PRODUCT_INVALID);
  EXPECT_EQ(bad([](P& x) { x.set_max_grace_months(36); }),
            v1::LOAN_PRODUCT_INVALID);
  EXPECT_EQ(bad([](P& x) { x.clear_fund_sources(); }),
            v1::LOAN_PRODUCT_INVALID);
  EXPECT_EQ(bad([](P& x) { x.set_effective_date(20260230); }),
            v1::LOAN_PRODUCT_INVALID);

  LoanProductState product;
  P v2026 = *p, v2027 = *p, again = *p;
  v2027.set_effective_date(20270101);
  v2027.set_annual_rate_bp(300);
  again.set_annual_rate_bp(100);  // same date as v2026: replaces it
  AddProductVersion(product, v2027);
  AddProductVersion(product, v2026);
  AddProductVersion(product, again);
  ASSERT_EQ(product.versions_size(), 2);
  EXPECT_EQ(product.versions(0).effective_date(), 20260101);
  EXPECT_EQ(product.versions(0).annual_rate_bp(), 100u);
  EXPECT_EQ(product.versions(1).effective_date(), 20270101);
}

}  // namespace
}  // namespace relief
