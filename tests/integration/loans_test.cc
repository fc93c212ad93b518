// Small loans over gRPC: products, disbursement from a unit's pool with an
// exact monthly schedule, repayments (oldest installment first), overpayment,
// early payoff, bounced repayments, write-off with maker-checker and later
// recovery, reschedules that keep the history, the loan book with aging and
// PAR30 as of a business date, guarantor exposure, the due worklist, roles,
// idempotent retries, and that every loan survives a restart, a crash and a
// rebuild of the read model from the log.
//
// Tree: sd (province) -> sd.jn (city) -> sd.jn.zc (district), and sd.qd
// (city). The finance officer keeps dossiers and money; two loan officers
// lend. The server's clock is real: every loan is disbursed today (China
// time), so expected due dates are computed here from the disbursement date
// with Abseil civil time, repayments are value-dated on that date, and
// arrears are looked at through as_of_date, never by waiting.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "harness/test_util.h"

namespace relief::testing {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using grpc::StatusCode;
using ::testing::HasSubstr;

constexpr int64_t kYuan = 100;  // fen
constexpr v1::FundSource kDonations = v1::FUND_SOURCE_DONATIONS;
constexpr v1::FundSource kFederation = v1::FUND_SOURCE_FEDERATION_ALLOCATION;
constexpr v1::RepaymentMethod kEqualPrincipal =
    v1::REPAYMENT_METHOD_EQUAL_PRINCIPAL;
constexpr v1::RepaymentMethod kEqualInstallment =
    v1::REPAYMENT_METHOD_EQUAL_INSTALLMENT;

// Money every test starts with, donations, per unit.
constexpr int64_t kJnFunds = 200'000 * kYuan;
constexpr int64_t kZcFunds = 100'000 * kYuan;
constexpr int64_t kQdFunds = 100'000 * kYuan;

// ---- Business dates (yyyymmdd), computed independently of the server ------

absl::CivilDay ToCivil(int yyyymmdd) {
  return absl::CivilDay(yyyymmdd / 10000, yyyymmdd / 100 % 100, yyyymmdd % 100);
}

int FromCivil(absl::CivilDay day) {
  return static_cast<int>(day.year() * 10000 + day.month() * 100 + day.day());
}

// The date in China (UTC+8, no daylight saving) at a unix time.
int ChinaDate(int64_t unix_micros) {
  return FromCivil(absl::ToCivilDay(absl::FromUnixMicros(unix_micros),
                                    absl::FixedTimeZone(8 * 3600)));
}

int AddDays(int yyyymmdd, int days) {
  return FromCivil(ToCivil(yyyymmdd) + days);
}

int DaysBetween(int from, int to) {
  return static_cast<int>(ToCivil(to) - ToCivil(from));
}

// `months` months on, same day of the month or the month's last day.
int AddMonths(int yyyymmdd, int months) {
  const absl::CivilMonth month =
      absl::CivilMonth(yyyymmdd / 10000, yyyymmdd / 100 % 100) + months;
  const absl::CivilDay last = absl::CivilDay(month + 1) - 1;
  return FromCivil(absl::CivilDay(
      month.year(), month.month(),
      std::min<int>(yyyymmdd % 100, static_cast<int>(last.day()))));
}

// ---- Requests -------------------------------------------------------------

// The i-th made-up borrower: born 1 March 1970 + i, valid check character.
std::string BorrowerId(int i) {
  return NationalId(absl::StrCat("370802", 1970 + i, "0301", "12", i % 10));
}

v1::Guarantor MakeGuarantor(const std::string& employer) {
  v1::Guarantor guarantor;
  guarantor.set_employer_name(employer);
  guarantor.set_contact(employer + " 工会 王会计 0537-2345678");
  guarantor.set_reference("担保书 DB-" + employer.substr(0, 3));
  return guarantor;
}

v1::DisburseLoanRequest MakeLoan(const std::string& dossier_id,
                                 const std::string& unit, int64_t principal,
                                 uint32_t term_months,
                                 const std::string& guarantor = "济宁钢铁厂",
                                 const std::string& product = "startup") {
  v1::DisburseLoanRequest request;
  request.set_request_id(NewRequestId("disburse"));
  request.set_dossier_id(dossier_id);
  request.set_unit_code(unit);
  request.set_fund_source(kDonations);
  request.set_product(product);
  request.set_principal_fen(principal);
  request.set_term_months(term_months);
  request.set_method(kEqualPrincipal);
  if (!guarantor.empty())
    *request.mutable_guarantor() = MakeGuarantor(guarantor);
  request.set_purpose("开办早餐店 (business plan on file)");
  return request;
}

v1::RecordLoanRepaymentRequest MakeRepayment(const std::string& loan_id,
                                             int64_t amount, int value_date) {
  v1::RecordLoanRepaymentRequest request;
  request.set_request_id(NewRequestId("repay"));
  request.set_loan_id(loan_id);
  request.set_amount_fen(amount);
  request.set_value_date(value_date);
  request.set_payer("借款人本人");
  request.set_memo("银行转账");
  return request;
}

// Sum of the schedule's principal.
int64_t PrincipalSum(const v1::LoanSchedule& schedule) {
  int64_t sum = 0;
  for (const v1::LoanInstallment& i : schedule.installments()) {
    sum += i.principal_fen();
  }
  return sum;
}

// PAR30 in basis points, rounded half up, as the API defines it.
uint32_t Par30Bp(int64_t par30, int64_t outstanding) {
  if (outstanding == 0) return 0;
  return static_cast<uint32_t>((par30 * 10000 * 2 + outstanding) /
                               (outstanding * 2));
}

// "" if equal, else what differs.
std::string Differences(const google::protobuf::Message& expected,
                        const google::protobuf::Message& actual) {
  std::string report;
  MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&report);
  if (differencer.Compare(expected, actual)) return "";
  return report.empty() ? "differ" : report;
}

class LoansTest : public ReliefdTest {
 protected:
  void SetUp() override {
    ReliefdTest::SetUp();
    if (HasFatalFailure()) return;
    ReliefClient admin = Admin();
    Register(admin, "sd", v1::ORG_LEVEL_PROVINCE, "");
    Register(admin, "sd.jn", v1::ORG_LEVEL_CITY, "sd");
    Register(admin, "sd.jn.zc", v1::ORG_LEVEL_DISTRICT, "sd.jn");
    Register(admin, "sd.qd", v1::ORG_LEVEL_CITY, "sd");
    finance_ = CreateToken(admin, "fin.one", {v1::ROLE_FINANCE_OFFICER});
    loan_one_ = CreateToken(admin, "loan.one", {v1::ROLE_LOAN_OFFICER});
    loan_two_ = CreateToken(admin, "loan.two", {v1::ROLE_LOAN_OFFICER});
    auditor_ = CreateToken(admin, "audit.one", {v1::ROLE_AUDITOR});
    service_ = CreateToken(admin, "svc.portal", {v1::ROLE_SERVICE});
    ASSERT_FALSE(finance_.empty() || loan_one_.empty() || loan_two_.empty() ||
                 auditor_.empty() || service_.empty());
    Receive("sd.jn", kDonations, kJnFunds);
    Receive("sd.jn.zc", kDonations, kZcFunds);
    Receive("sd.qd", kDonations, kQdFunds);
    ASSERT_FALSE(HasFailure());
  }

  ReliefClient Finance() { return As(finance_); }
  ReliefClient One() { return As(loan_one_); }
  ReliefClient Two() { return As(loan_two_); }

  // Today in China by the server's clock.
  int ServerToday() {
    return ChinaDate(Status(Admin()).server_time_unix_micros());
  }

  uint64_t Receive(const std::string& unit, v1::FundSource source,
                   int64_t amount) {
    v1::ReceiveFundsRequest request;
    request.set_request_id(NewRequestId("receive"));
    request.set_unit_code(unit);
    request.set_fund_source(source);
    request.set_amount_fen(amount);
    request.set_payer("济宁市慈善总会 周转金");
    v1::ReceiveFundsResponse response;
    EXPECT_TRUE(RpcOk(Finance().ReceiveFunds(request, &response)))
        << "ReceiveFunds " << unit;
    return response.result().first_sequence();
  }

  // The startup product: interest-free, 1,000-50,000 yuan, 1-36 months, up
  // to 3 grace months, donations or federation money, guarantor required,
  // either method. Set by the finance officer. The business product: 6 % a
  // year, 5,000-50,000 yuan, 6-24 months, up to 2 grace months, equal
  // principal only, no guarantor needed. Set by a loan officer. Returns the
  // head.
  uint64_t SetProducts() {
    v1::SetLoanProductRequest startup;
    startup.set_request_id(NewRequestId("product"));
    v1::LoanProductSet* p = startup.mutable_product();
    p->set_product("startup");
    p->set_name_zh("创业小额借款");
    p->set_name_en("Start-up micro loan");
    p->set_effective_date(20000101);
    p->set_min_principal_fen(1'000 * kYuan);
    p->set_max_principal_fen(50'000 * kYuan);
    p->set_min_term_months(1);
    p->set_max_term_months(36);
    p->set_annual_rate_bp(0);
    p->set_max_grace_months(3);
    p->add_fund_sources(kDonations);
    p->add_fund_sources(kFederation);
    p->set_guarantor_required(true);
    v1::SetLoanProductResponse response;
    EXPECT_TRUE(RpcOk(Finance().SetLoanProduct(startup, &response)))
        << "startup product";

    v1::SetLoanProductRequest business;
    business.set_request_id(NewRequestId("product"));
    p = business.mutable_product();
    p->set_product("business");
    p->set_name_zh("经营周转借款");
    p->set_effective_date(20000101);
    p->set_min_principal_fen(5'000 * kYuan);
    p->set_max_principal_fen(50'000 * kYuan);
    p->set_min_term_months(6);
    p->set_max_term_months(24);
    p->set_annual_rate_bp(600);
    p->set_max_grace_months(2);
    p->add_fund_sources(kDonations);
    p->set_guarantor_required(false);
    p->add_methods(kEqualPrincipal);
    EXPECT_TRUE(RpcOk(One().SetLoanProduct(business, &response)))
        << "business product";
    return response.result().first_sequence();
  }

  // Registers the i-th borrower's dossier at `unit`; returns its id.
  std::string Dossier(const std::string& unit, int i) {
    v1::RegisterDossierRequest request;
    request.set_request_id(NewRequestId("dossier"));
    request.set_unit_code(unit);
    request.set_name(absl::StrCat("借款人", i));
    request.set_national_id(BorrowerId(i));
    request.set_category(v1::HARDSHIP_CATEGORY_ZERO_EMPLOYMENT_HOUSEHOLD);
    request.set_household_size(3);
    request.set_contact("13800000000");
    v1::RegisterDossierResponse response;
    EXPECT_TRUE(RpcOk(Finance().RegisterDossier(request, &response)))
        << "RegisterDossier " << i << " at " << unit;
    return response.dossier_id();
  }

  // Disburses as loan officer one; returns the loan id ("" on failure).
  std::string Disburse(const v1::DisburseLoanRequest& request,
                       uint64_t* sequence = nullptr) {
    v1::DisburseLoanResponse response;
    const RpcResult result = One().DisburseLoan(request, &response);
    EXPECT_TRUE(RpcOk(result)) << "DisburseLoan " << request.ShortDebugString();
    if (!result.ok()) return "";
    EXPECT_FALSE(response.result().replayed());
    EXPECT_EQ(response.result().event_count(), 1u);
    EXPECT_EQ(response.loan_id(),
              absl::StrCat("l", response.result().first_sequence()));
    if (sequence != nullptr) *sequence = response.result().first_sequence();
    return response.loan_id();
  }

  // Records a repayment as loan officer one; returns the repayment id.
  std::string Repay(const std::string& loan_id, int64_t amount, int value_date,
                    uint64_t* sequence = nullptr) {
    v1::RecordLoanRepaymentResponse response;
    const RpcResult result = One().RecordLoanRepayment(
        MakeRepayment(loan_id, amount, value_date), &response);
    EXPECT_TRUE(RpcOk(result))
        << "RecordLoanRepayment " << loan_id << " " << amount;
    if (!result.ok()) return "";
    EXPECT_EQ(response.repayment_id(),
              absl::StrCat("r", response.result().first_sequence()));
    if (sequence != nullptr) *sequence = response.result().first_sequence();
    return response.repayment_id();
  }

  RpcResult Reverse(const ReliefClient& client, const std::string& loan_id,
                    const std::string& repayment_id,
                    uint64_t* sequence = nullptr) {
    v1::ReverseLoanRepaymentRequest request;
    request.set_request_id(NewRequestId("bounce"));
    request.set_loan_id(loan_id);
    request.set_repayment_id(repayment_id);
    request.set_reason("退票: 账户余额不足");
    v1::ReverseLoanRepaymentResponse response;
    const RpcResult result = client.ReverseLoanRepayment(request, &response);
    if (sequence != nullptr) *sequence = response.result().first_sequence();
    return result;
  }

  RpcResult ProposeWriteOff(const ReliefClient& client,
                            const std::string& loan_id,
                            v1::WriteOffReason reason,
                            const std::string& memo = "经营失败，人去店空") {
    v1::ProposeLoanWriteOffRequest request;
    request.set_request_id(NewRequestId("propose-wo"));
    request.set_loan_id(loan_id);
    request.set_reason_code(reason);
    request.set_memo(memo);
    v1::ProposeLoanWriteOffResponse response;
    return client.ProposeLoanWriteOff(request, &response);
  }

  RpcResult ApproveWriteOff(const ReliefClient& client,
                            const std::string& loan_id,
                            uint64_t* sequence = nullptr) {
    v1::ApproveLoanWriteOffRequest request;
    request.set_request_id(NewRequestId("approve-wo"));
    request.set_loan_id(loan_id);
    v1::ApproveLoanWriteOffResponse response;
    const RpcResult result = client.ApproveLoanWriteOff(request, &response);
    if (sequence != nullptr) *sequence = response.result().first_sequence();
    return result;
  }

  RpcResult Reschedule(const ReliefClient& client, const std::string& loan_id,
                       int start_date, uint32_t term_months,
                       const std::string& reason = "洪灾停业，展期",
                       uint64_t* sequence = nullptr) {
    v1::RescheduleLoanRequest request;
    request.set_request_id(NewRequestId("reschedule"));
    request.set_loan_id(loan_id);
    request.set_start_date(start_date);
    request.set_term_months(term_months);
    request.set_reason(reason);
    v1::RescheduleLoanResponse response;
    const RpcResult result = client.RescheduleLoan(request, &response);
    if (sequence != nullptr) *sequence = response.result().first_sequence();
    return result;
  }

  // The loan as of `as_of_date` (0 = today), at least as of `min_sequence`.
  v1::Loan GetLoan(const std::string& loan_id, int as_of_date,
                   uint64_t min_sequence) {
    v1::GetLoanRequest request;
    request.set_loan_id(loan_id);
    request.set_as_of_date(as_of_date);
    request.set_min_sequence(min_sequence);
    v1::GetLoanResponse response;
    EXPECT_TRUE(RpcOk(RetryWhileCatchingUp([&] {
      response.Clear();
      return One().GetLoan(request, &response);
    }))) << "GetLoan "
         << loan_id;
    EXPECT_GE(response.as_of_sequence(), min_sequence);
    return response.loan();
  }

  // Every page of a loan book; `books` gets each page's totals.
  std::vector<v1::LoanSummary> ListLoans(const std::string& unit, bool subtree,
                                         int as_of_date, uint64_t min_sequence,
                                         v1::LoanBook* book,
                                         uint32_t page_size = 0,
                                         int* pages = nullptr) {
    std::vector<v1::LoanSummary> loans;
    std::string token;
    int page = 0;
    for (; page < 1000; ++page) {
      v1::ListLoansRequest request;
      request.set_unit_code(unit);
      request.set_subtree(subtree);
      request.set_as_of_date(as_of_date);
      request.set_page_size(page_size);
      request.set_page_token(token);
      request.set_min_sequence(min_sequence);
      v1::ListLoansResponse response;
      const RpcResult result = RetryWhileCatchingUp([&] {
        response.Clear();
        return One().ListLoans(request, &response);
      });
      EXPECT_TRUE(RpcOk(result)) << "ListLoans " << unit << " page " << page;
      if (!result.ok()) break;
      EXPECT_GE(response.as_of_sequence(), min_sequence);
      if (as_of_date != 0) {
        EXPECT_EQ(response.as_of_date(), as_of_date);
      }
      if (page_size != 0) {
        EXPECT_LE(static_cast<uint32_t>(response.loans_size()), page_size);
      }
      if (page == 0) {
        *book = response.book();
      } else {
        EXPECT_EQ(Differences(*book, response.book()), "")
            << "the book's totals cover every loan, on every page";
      }
      for (const v1::LoanSummary& loan : response.loans()) {
        loans.push_back(loan);
      }
      if (response.next_page_token().empty()) break;
      EXPECT_NE(response.next_page_token(), token) << "paging loops";
      if (response.next_page_token() == token) break;
      token = response.next_page_token();
    }
    if (pages != nullptr) *pages = page + 1;
    return loans;
  }

  v1::GetGuarantorExposureResponse Exposure(const std::string& unit,
                                            bool subtree, int as_of_date,
                                            uint64_t min_sequence) {
    v1::GetGuarantorExposureRequest request;
    request.set_unit_code(unit);
    request.set_subtree(subtree);
    request.set_as_of_date(as_of_date);
    request.set_min_sequence(min_sequence);
    v1::GetGuarantorExposureResponse response;
    EXPECT_TRUE(RpcOk(RetryWhileCatchingUp([&] {
      response.Clear();
      return One().GetGuarantorExposure(request, &response);
    }))) << "GetGuarantorExposure "
         << unit;
    return response;
  }

  std::vector<v1::DueInstallment> Due(const std::string& unit, bool subtree,
                                      int as_of_date, uint32_t within_days,
                                      uint64_t min_sequence) {
    v1::ListLoansDueRequest request;
    request.set_unit_code(unit);
    request.set_subtree(subtree);
    request.set_as_of_date(as_of_date);
    request.set_within_days(within_days);
    request.set_min_sequence(min_sequence);
    v1::ListLoansDueResponse response;
    EXPECT_TRUE(RpcOk(RetryWhileCatchingUp([&] {
      response.Clear();
      return One().ListLoansDue(request, &response);
    }))) << "ListLoansDue "
         << unit;
    if (as_of_date != 0) {
      EXPECT_EQ(response.as_of_date(), as_of_date);
    }
    return {response.installments().begin(), response.installments().end()};
  }

  // Net balance (credits - debits) of an account; 0 if it never moved.
  int64_t Net(const std::string& account, uint64_t min_sequence) {
    v1::GetBalanceRequest request;
    request.set_account(account);
    request.set_min_sequence(min_sequence);
    v1::GetBalanceResponse response;
    const RpcResult result = RetryWhileCatchingUp([&] {
      response.Clear();
      return Finance().GetBalance(request, &response);
    });
    if (result.reason == "ACCOUNT_NOT_FOUND") return 0;
    EXPECT_TRUE(RpcOk(result)) << "GetBalance " << account;
    return response.balance().posted_credits_fen() -
           response.balance().posted_debits_fen();
  }

  // pool + loans receivable + loan losses of a unit's money of `source`:
  // lending, repaying, writing off and recovering only move money between
  // these three; interest comes in from outside.
  int64_t LoanMoney(const std::string& unit, const std::string& source_slug,
                    uint64_t min_sequence) {
    const std::string prefix = absl::StrCat(unit, "/", source_slug, "/");
    return Net(prefix + "pool", min_sequence) +
           Net(prefix + "loans_receivable", min_sequence) +
           Net(prefix + "loan_losses", min_sequence);
  }

  v1::FundSummary Summary(const std::string& unit, bool subtree,
                          v1::FundSource source, uint64_t min_sequence) {
    v1::GetFundSummaryRequest request;
    request.set_unit_code(unit);
    request.set_subtree(subtree);
    request.set_min_sequence(min_sequence);
    v1::GetFundSummaryResponse response;
    EXPECT_TRUE(RpcOk(RetryWhileCatchingUp([&] {
      response.Clear();
      return Finance().GetFundSummary(request, &response);
    }))) << "GetFundSummary "
         << unit;
    for (const v1::FundSummary& row : response.rows()) {
      if (row.fund_source() == source) return row;
    }
    ADD_FAILURE() << "no row for " << v1::FundSource_Name(source);
    return {};
  }

  // Runs `send`, which must fail with `code` / `reason`; the head must not
  // move. Returns the result for further checks.
  RpcResult ExpectRejected(const std::function<RpcResult()>& send,
                           StatusCode code, v1::ErrorReason reason,
                           const std::string& what) {
    SCOPED_TRACE(what);
    const v1::GetStatusResponse before = Status(Admin());
    const RpcResult result = send();
    EXPECT_TRUE(IsRpcError(result, code, reason));
    const v1::GetStatusResponse after = Status(Admin());
    EXPECT_EQ(after.head_sequence(), before.head_sequence());
    EXPECT_EQ(after.head_hash(), before.head_hash());
    return result;
  }

  // Deferred sends for ExpectRejected, as the principal holding `token`.
  std::function<RpcResult()> DisburseCall(const std::string& token,
                                          const v1::DisburseLoanRequest& r) {
    return [this, token, r] {
      v1::DisburseLoanResponse response;
      return As(token).DisburseLoan(r, &response);
    };
  }
  std::function<RpcResult()> RepayCall(const std::string& token,
                                       const std::string& loan_id,
                                       int64_t amount, int value_date) {
    return [this, token, loan_id, amount, value_date] {
      v1::RecordLoanRepaymentResponse response;
      return As(token).RecordLoanRepayment(
          MakeRepayment(loan_id, amount, value_date), &response);
    };
  }

  // Checks that `loan` was disbursed today (between `before` and now, by
  // the server's clock) and returns its disbursement date.
  int DisbursedToday(const v1::Loan& loan, int before) {
    const int date = loan.terms().disbursed_date();
    const int after = ServerToday();
    EXPECT_TRUE(date == before || date == after)
        << date << " is not today (" << before << ".." << after << ")";
    return date;
  }

  // The book used by the aging, restart and rebuild tests: five loans over
  // the tree, disbursed today (date `d`), with repayments.
  //   A  sd.jn borrower, lent by sd.jn      10,000 / 10  济宁钢铁厂
  //   B  sd.jn.zc borrower, by sd.jn.zc     24,000 / 12  邹城煤矿
  //   C  sd.qd borrower, by sd.qd           30,000 / 12  青岛港, 2,500 repaid
  //   D  sd.jn.zc borrower, by sd.jn        12,000 / 12  济宁钢铁厂, 2,000
  //   repaid E  sd.qd borrower, by sd.qd            5,000 /  5  青岛港, repaid
  //   in full
  struct Book {
    int d = 0;
    std::string a, b, c, d_loan, e;
    uint64_t head = 0;
  };
  Book BuildBook() {
    Book book;
    SetProducts();
    const int before = ServerToday();
    book.a = Disburse(MakeLoan(Dossier("sd.jn", 1), "sd.jn", 10'000 * kYuan, 10,
                               "济宁钢铁厂"));
    book.b = Disburse(MakeLoan(Dossier("sd.jn.zc", 2), "sd.jn.zc",
                               24'000 * kYuan, 12, "邹城煤矿"));
    book.c = Disburse(
        MakeLoan(Dossier("sd.qd", 3), "sd.qd", 30'000 * kYuan, 12, "青岛港"));
    book.d_loan = Disburse(MakeLoan(Dossier("sd.jn.zc", 4), "sd.jn",
                                    12'000 * kYuan, 12, "济宁钢铁厂"));
    book.e = Disburse(
        MakeLoan(Dossier("sd.qd", 5), "sd.qd", 5'000 * kYuan, 5, "青岛港"));
    book.d = DisbursedToday(GetLoan(book.e, 0, HeadSequence(Admin())), before);
    Repay(book.c, 2'500 * kYuan, book.d);
    Repay(book.d_loan, 2'000 * kYuan, book.d);
    Repay(book.e, 5'000 * kYuan, book.d, &book.head);
    return book;
  }

  std::string finance_, loan_one_, loan_two_, auditor_, service_;
};

// ---------------------------------------------------------------------------

TEST_F(LoansTest, ProductsAndExactSchedules) {
  const uint64_t products = SetProducts();
  // A later version of startup, not yet in force: lends up to 80,000.
  {
    v1::SetLoanProductRequest later;
    later.set_request_id(NewRequestId("product"));
    v1::LoanProductSet* p = later.mutable_product();
    p->set_product("startup");
    p->set_name_zh("创业小额借款 (2100 版)");
    p->set_effective_date(21000101);
    p->set_min_principal_fen(1'000 * kYuan);
    p->set_max_principal_fen(80'000 * kYuan);
    p->set_min_term_months(1);
    p->set_max_term_months(36);
    p->add_fund_sources(kDonations);
    v1::SetLoanProductResponse response;
    ASSERT_TRUE(RpcOk(One().SetLoanProduct(later, &response)));
    ASSERT_GT(response.result().first_sequence(), products);
    // Terms that do not hold together.
    p->set_max_principal_fen(500 * kYuan);
    ExpectRejected(
        [&] {
          later.set_request_id(NewRequestId("product"));
          return One().SetLoanProduct(later, &response);
        },
        StatusCode::INVALID_ARGUMENT, v1::LOAN_PRODUCT_INVALID,
        "max principal below min");
    p->set_max_principal_fen(80'000 * kYuan);
    p->set_max_term_months(121);
    ExpectRejected(
        [&] {
          later.set_request_id(NewRequestId("product"));
          return One().SetLoanProduct(later, &response);
        },
        StatusCode::INVALID_ARGUMENT, v1::LOAN_PRODUCT_INVALID, "121 months");
    p->set_max_term_months(36);
    p->clear_fund_sources();
    ExpectRejected(
        [&] {
          later.set_request_id(NewRequestId("product"));
          return One().SetLoanProduct(later, &response);
        },
        StatusCode::INVALID_ARGUMENT, v1::LOAN_PRODUCT_INVALID,
        "no fund source");
  }
  {
    v1::ListLoanProductsRequest request;
    request.set_min_sequence(HeadSequence(Admin()));
    v1::ListLoanProductsResponse response;
    ASSERT_TRUE(RpcOk(RetryWhileCatchingUp(
        [&] { return As(auditor_).ListLoanProducts(request, &response); })));
    ASSERT_EQ(response.products_size(), 3) << response.ShortDebugString();
    EXPECT_EQ(response.products(0).product(), "business");
    EXPECT_EQ(response.products(0).annual_rate_bp(), 600u);
    EXPECT_EQ(response.products(1).product(), "startup");
    EXPECT_EQ(response.products(1).effective_date(), 20000101);
    EXPECT_EQ(response.products(1).max_principal_fen(), 50'000 * kYuan);
    EXPECT_TRUE(response.products(1).guarantor_required());
    EXPECT_EQ(response.products(2).product(), "startup");
    EXPECT_EQ(response.products(2).effective_date(), 21000101);
  }

  const std::string jn1 = Dossier("sd.jn", 1);
  const std::string zc2 = Dossier("sd.jn.zc", 2);
  const std::string jn3 = Dossier("sd.jn", 3);
  const int before = ServerToday();

  // 10,000.00 yuan over 7 months from sd.jn's pool.
  uint64_t first = 0;
  const std::string seven =
      Disburse(MakeLoan(jn1, "sd.jn", 10'000 * kYuan, 7), &first);
  ASSERT_FALSE(seven.empty());
  const v1::Loan loan = GetLoan(seven, 0, first);
  const int d = DisbursedToday(loan, before);
  EXPECT_EQ(loan.terms().loan_id(), seven);
  EXPECT_EQ(loan.terms().dossier_id(), jn1);
  EXPECT_EQ(loan.terms().unit_code(), "sd.jn");
  EXPECT_EQ(loan.terms().fund_source(), kDonations);
  EXPECT_EQ(loan.terms().product(), "startup");
  EXPECT_EQ(loan.terms().principal_fen(), 10'000 * kYuan);
  EXPECT_EQ(loan.terms().term_months(), 7u);
  EXPECT_EQ(loan.terms().annual_rate_bp(), 0u);
  EXPECT_EQ(loan.terms().borrower_name(), "借款人1");
  EXPECT_EQ(loan.terms().guarantor().employer_name(), "济宁钢铁厂");
  EXPECT_EQ(loan.as_of_date(), d);
  EXPECT_EQ(loan.status(), v1::LOAN_STATUS_CURRENT);
  EXPECT_EQ(loan.days_past_due(), 0);
  EXPECT_EQ(loan.bucket(), v1::AGING_BUCKET_CURRENT);
  EXPECT_EQ(loan.outstanding_principal_fen(), 10'000 * kYuan);
  EXPECT_EQ(loan.payoff_fen(), 10'000 * kYuan);
  EXPECT_EQ(loan.overdue_fen(), 0);
  EXPECT_EQ(loan.next_due_date(), AddMonths(d, 1));
  EXPECT_EQ(loan.next_due_fen(), 142857);
  EXPECT_EQ(loan.schedule().version(), 1u);
  EXPECT_EQ(loan.schedule().effective_date(), d);
  EXPECT_TRUE(loan.earlier_schedules().empty());
  EXPECT_TRUE(loan.repayments().empty());
  ASSERT_EQ(loan.schedule().installments_size(), 7);
  for (int k = 1; k <= 7; ++k) {
    SCOPED_TRACE(absl::StrCat("installment ", k));
    const v1::LoanInstallment& i = loan.schedule().installments(k - 1);
    EXPECT_EQ(i.number(), static_cast<uint32_t>(k));
    EXPECT_EQ(i.due_date(), AddMonths(d, k));
    // 1,428.57 six times; the remainder in the last: 1,428.58.
    EXPECT_EQ(i.principal_fen(), k < 7 ? 142857 : 142858);
    EXPECT_EQ(i.interest_fen(), 0);
    EXPECT_EQ(i.principal_paid_fen(), 0);
    EXPECT_EQ(i.paid_date(), 0);
    EXPECT_FALSE(i.overdue());
  }
  EXPECT_EQ(PrincipalSum(loan.schedule()), 10'000 * kYuan);
  // The event carries the same schedule.
  ASSERT_EQ(loan.terms().schedule_size(), 7);
  EXPECT_EQ(loan.terms().schedule(6).principal_fen(), 142858);

  // 33,333.33 over 12, lent by sd.jn to a borrower of sd.jn.zc (below it);
  // interest-free equal installments are equal principal.
  v1::DisburseLoanRequest twelve_request =
      MakeLoan(zc2, "sd.jn", 3'333'333, 12, "邹城煤矿");
  twelve_request.set_method(kEqualInstallment);
  const std::string twelve = Disburse(twelve_request);
  const v1::Loan loan12 = GetLoan(twelve, d, HeadSequence(Admin()));
  ASSERT_EQ(loan12.schedule().installments_size(), 12);
  for (int k = 1; k <= 12; ++k) {
    const v1::LoanInstallment& i = loan12.schedule().installments(k - 1);
    EXPECT_EQ(i.due_date(), AddMonths(d, k)) << k;
    // 2,777.77 eleven times, 2,777.86 last.
    EXPECT_EQ(i.principal_fen(), k < 12 ? 277777 : 277786) << k;
    EXPECT_EQ(i.interest_fen(), 0) << k;
  }
  EXPECT_EQ(PrincipalSum(loan12.schedule()), 3'333'333);

  // 12,000 at 6 % over 12 months with 2 grace months: interest only
  // (60.00) for two months, then 1,200.00 a month with interest on the
  // declining balance (60.00, 54.00, ..., 6.00).
  v1::DisburseLoanRequest rated =
      MakeLoan(jn3, "sd.jn", 12'000 * kYuan, 12, "", "business");
  rated.set_grace_months(2);
  const std::string business = Disburse(rated);
  const v1::Loan loan_b = GetLoan(business, d, HeadSequence(Admin()));
  EXPECT_EQ(loan_b.terms().annual_rate_bp(), 600u);
  EXPECT_EQ(loan_b.terms().grace_months(), 2u);
  ASSERT_EQ(loan_b.schedule().installments_size(), 12);
  int64_t interest_total = 0;
  for (int k = 1; k <= 12; ++k) {
    const v1::LoanInstallment& i = loan_b.schedule().installments(k - 1);
    EXPECT_EQ(i.due_date(), AddMonths(d, k)) << k;
    EXPECT_EQ(i.principal_fen(), k <= 2 ? 0 : 120'000) << k;
    const int64_t balance = k <= 2 ? 1'200'000 : 1'200'000 - (k - 3) * 120'000;
    EXPECT_EQ(i.interest_fen(), balance / 200) << k;  // 0.5 % a month
    interest_total += i.interest_fen();
  }
  EXPECT_EQ(interest_total, 450 * kYuan);
  EXPECT_EQ(PrincipalSum(loan_b.schedule()), 12'000 * kYuan);
  // Nothing is due today: paying it off today costs the principal only.
  EXPECT_EQ(loan_b.payoff_fen(), 12'000 * kYuan);
  // On the first due date the first month's interest is owed too.
  EXPECT_EQ(GetLoan(business, AddMonths(d, 1), 0).payoff_fen(), 12'060 * kYuan);

  // Money: sd.jn's pool is down by the three loans, loans receivable up.
  const uint64_t head = HeadSequence(Admin());
  const int64_t lent = 10'000 * kYuan + 3'333'333 + 12'000 * kYuan;
  EXPECT_EQ(Net("sd.jn/donations/pool", head), kJnFunds - lent);
  EXPECT_EQ(Net("sd.jn/donations/loans_receivable", head), lent);
  EXPECT_EQ(Net("sd.jn.zc/donations/loans_receivable", head), 0)
      << "the lending unit holds the receivable, not the borrower's";
  const v1::FundSummary summary = Summary("sd.jn", false, kDonations, head);
  EXPECT_EQ(summary.lent_fen(), lent);
  EXPECT_EQ(summary.repaid_fen(), 0);
  EXPECT_EQ(summary.available_fen(), kJnFunds - lent);
  EXPECT_EQ(Summary("sd", true, kDonations, head).available_fen(),
            kJnFunds + kZcFunds + kQdFunds - lent);
}

TEST_F(LoansTest, DisbursementRejectionsChangeNothing) {
  SetProducts();
  const std::string jn1 = Dossier("sd.jn", 1);
  const std::string qd2 = Dossier("sd.qd", 2);
  const std::string jn3 = Dossier("sd.jn", 3);

  auto with = [&](std::function<void(v1::DisburseLoanRequest&)> change) {
    v1::DisburseLoanRequest request = MakeLoan(jn1, "sd.jn", 10'000 * kYuan, 7);
    change(request);
    return DisburseCall(loan_one_, request);
  };
  ExpectRejected(with([](auto& r) { r.set_principal_fen(50'000 * kYuan + 1); }),
                 StatusCode::FAILED_PRECONDITION, v1::LOAN_TERMS_OUT_OF_PRODUCT,
                 "one fen above the product's maximum");
  ExpectRejected(with([](auto& r) { r.set_principal_fen(999 * kYuan); }),
                 StatusCode::FAILED_PRECONDITION, v1::LOAN_TERMS_OUT_OF_PRODUCT,
                 "below the minimum");
  ExpectRejected(with([](auto& r) { r.set_term_months(37); }),
                 StatusCode::FAILED_PRECONDITION, v1::LOAN_TERMS_OUT_OF_PRODUCT,
                 "37 months");
  ExpectRejected(with([](auto& r) { r.set_grace_months(4); }),
                 StatusCode::FAILED_PRECONDITION, v1::LOAN_TERMS_OUT_OF_PRODUCT,
                 "4 grace months");
  ExpectRejected(
      with([](auto& r) { r.set_fund_source(v1::FUND_SOURCE_OWN_FUNDS); }),
      StatusCode::FAILED_PRECONDITION, v1::LOAN_TERMS_OUT_OF_PRODUCT,
      "own funds are not a source of this product");
  ExpectRejected(with([](auto& r) {
                   r.set_product("business");
                   r.set_method(kEqualInstallment);
                 }),
                 StatusCode::FAILED_PRECONDITION, v1::LOAN_TERMS_OUT_OF_PRODUCT,
                 "business repays by equal principal only");
  ExpectRejected(with([](auto& r) { r.clear_guarantor(); }),
                 StatusCode::FAILED_PRECONDITION, v1::LOAN_GUARANTOR_REQUIRED,
                 "no guarantor");
  ExpectRejected(
      with([](auto& r) { r.mutable_guarantor()->clear_reference(); }),
      StatusCode::INVALID_ARGUMENT, v1::FIELD_INVALID,
      "guarantor without the letter's reference");
  ExpectRejected(with([](auto& r) { r.set_purpose("  "); }),
                 StatusCode::INVALID_ARGUMENT, v1::FIELD_INVALID, "no purpose");
  ExpectRejected(with([](auto& r) { r.set_principal_fen(0); }),
                 StatusCode::INVALID_ARGUMENT, v1::AMOUNT_INVALID,
                 "principal 0");
  ExpectRejected(with([](auto& r) { r.set_grace_months(7); }),
                 StatusCode::INVALID_ARGUMENT, v1::FIELD_INVALID,
                 "grace as long as the term");
  ExpectRejected(
      with([](auto& r) { r.set_method(v1::REPAYMENT_METHOD_UNSPECIFIED); }),
      StatusCode::INVALID_ARGUMENT, v1::FIELD_INVALID, "no method");
  ExpectRejected(with([](auto& r) { r.set_product("nosuch"); }),
                 StatusCode::FAILED_PRECONDITION, v1::LOAN_PRODUCT_NOT_FOUND,
                 "unknown product");
  {
    // A product whose only version starts in 2100.
    v1::SetLoanProductRequest future;
    future.set_request_id(NewRequestId("product"));
    v1::LoanProductSet* p = future.mutable_product();
    p->set_product("future");
    p->set_name_zh("未来借款");
    p->set_effective_date(21000101);
    p->set_min_principal_fen(1'000 * kYuan);
    p->set_max_principal_fen(50'000 * kYuan);
    p->set_min_term_months(1);
    p->set_max_term_months(36);
    p->add_fund_sources(kDonations);
    v1::SetLoanProductResponse response;
    ASSERT_TRUE(RpcOk(Finance().SetLoanProduct(future, &response)));
  }
  ExpectRejected(with([](auto& r) { r.set_product("future"); }),
                 StatusCode::FAILED_PRECONDITION, v1::LOAN_PRODUCT_NOT_FOUND,
                 "product not yet in force");
  ExpectRejected(with([](auto& r) { r.set_dossier_id("d999999"); }),
                 StatusCode::NOT_FOUND, v1::DOSSIER_NOT_FOUND, "no dossier");
  ExpectRejected(with([](auto& r) { r.set_unit_code("sd.qd"); }),
                 StatusCode::FAILED_PRECONDITION, v1::LOAN_UNIT_NOT_BORROWERS,
                 "lent by a sibling unit");
  ExpectRejected(with([](auto& r) { r.set_unit_code("sd.jn.zc"); }),
                 StatusCode::FAILED_PRECONDITION, v1::LOAN_UNIT_NOT_BORROWERS,
                 "lent by a unit below the borrower's");
  ExpectRejected(with([](auto& r) { r.set_fund_source(kFederation); }),
                 StatusCode::FAILED_PRECONDITION, v1::FUNDS_INSUFFICIENT,
                 "sd.jn holds no federation money");
  {
    // sd.qd's pool holds 100,000; a 50,000 loan twice and then one more.
    ASSERT_FALSE(Disburse(MakeLoan(qd2, "sd.qd", 50'000 * kYuan, 12)).empty());
    ASSERT_FALSE(
        Disburse(MakeLoan(Dossier("sd.qd", 4), "sd.qd", 50'000 * kYuan, 12))
            .empty());
    ExpectRejected(
        DisburseCall(loan_one_,
                     MakeLoan(Dossier("sd.qd", 5), "sd.qd", 1'000 * kYuan, 12)),
        StatusCode::FAILED_PRECONDITION, v1::FUNDS_INSUFFICIENT,
        "sd.qd's pool is empty");
  }

  // One outstanding loan per person, whichever unit lends.
  ASSERT_FALSE(Disburse(MakeLoan(jn1, "sd.jn", 10'000 * kYuan, 7)).empty());
  ExpectRejected(with([](auto&) {}), StatusCode::FAILED_PRECONDITION,
                 v1::LOAN_BORROWER_HAS_ACTIVE_LOAN, "a second loan");
  ExpectRejected(with([](auto& r) { r.set_unit_code("sd"); }),
                 StatusCode::FAILED_PRECONDITION,
                 v1::LOAN_BORROWER_HAS_ACTIVE_LOAN, "a second loan from sd");

  // An exited dossier borrows nothing.
  {
    v1::ExitDossierRequest exit;
    exit.set_request_id(NewRequestId("exit"));
    exit.set_dossier_id(jn3);
    exit.set_reason("已就业，脱困");
    v1::ExitDossierResponse exited;
    ASSERT_TRUE(RpcOk(Finance().ExitDossier(exit, &exited)));
  }
  ExpectRejected(
      DisburseCall(loan_one_, MakeLoan(jn3, "sd.jn", 10'000 * kYuan, 7)),
      StatusCode::FAILED_PRECONDITION, v1::DOSSIER_EXITED, "exited dossier");
  // Only the three good loans moved money.
  const uint64_t head = HeadSequence(Admin());
  EXPECT_EQ(Net("sd.qd/donations/pool", head), 0);
  EXPECT_EQ(Net("sd.jn/donations/pool", head), kJnFunds - 10'000 * kYuan);
  EXPECT_EQ(Net("sd.jn/federation/pool", head), 0);
}

TEST_F(LoansTest, RepaymentsOldestFirstOverpaymentAndEarlyPayoff) {
  SetProducts();
  const std::string qd1 = Dossier("sd.qd", 1);
  const int before = ServerToday();
  const int64_t pool_before =
      Net("sd.qd/donations/pool", HeadSequence(Admin()));
  ASSERT_EQ(pool_before, kQdFunds);
  const std::string loan_id =
      Disburse(MakeLoan(qd1, "sd.qd", 10'000 * kYuan, 7, "青岛港"));
  ASSERT_FALSE(loan_id.empty());
  const int d =
      DisbursedToday(GetLoan(loan_id, 0, HeadSequence(Admin())), before);

  // 2,000.00: installment 1 (1,428.57) in full, 571.43 of installment 2.
  uint64_t seq = 0;
  const std::string r1 = Repay(loan_id, 2'000 * kYuan, d, &seq);
  v1::Loan loan = GetLoan(loan_id, d, seq);
  EXPECT_EQ(loan.principal_repaid_fen(), 2'000 * kYuan);
  EXPECT_EQ(loan.interest_paid_fen(), 0);
  EXPECT_EQ(loan.outstanding_principal_fen(), 8'000 * kYuan);
  EXPECT_EQ(loan.payoff_fen(), 8'000 * kYuan);
  EXPECT_EQ(loan.status(), v1::LOAN_STATUS_CURRENT);
  ASSERT_EQ(loan.schedule().installments_size(), 7);
  EXPECT_EQ(loan.schedule().installments(0).principal_paid_fen(), 142857);
  EXPECT_EQ(loan.schedule().installments(0).paid_date(), d);
  EXPECT_EQ(loan.schedule().installments(1).principal_paid_fen(), 57143);
  EXPECT_EQ(loan.schedule().installments(1).paid_date(), 0);
  for (int k = 2; k < 7; ++k) {
    EXPECT_EQ(loan.schedule().installments(k).principal_paid_fen(), 0) << k;
  }
  EXPECT_EQ(loan.next_due_date(), AddMonths(d, 2));
  EXPECT_EQ(loan.next_due_fen(), 142857 - 57143);
  ASSERT_EQ(loan.repayments_size(), 1);
  {
    const v1::LoanRepaymentRecorded& recorded = loan.repayments(0).recorded();
    EXPECT_EQ(recorded.repayment_id(), r1);
    EXPECT_EQ(recorded.value_date(), d);
    EXPECT_EQ(recorded.payer(), "借款人本人");
    EXPECT_EQ(recorded.principal_fen(), 2'000 * kYuan);
    EXPECT_EQ(recorded.interest_fen(), 0);
    EXPECT_FALSE(recorded.recovery());
    ASSERT_EQ(recorded.allocations_size(), 2);
    EXPECT_EQ(recorded.allocations(0).number(), 1u);
    EXPECT_EQ(recorded.allocations(0).principal_fen(), 142857);
    EXPECT_EQ(recorded.allocations(1).number(), 2u);
    EXPECT_EQ(recorded.allocations(1).principal_fen(), 57143);
    EXPECT_FALSE(loan.repayments(0).reversed());
    EXPECT_EQ(loan.repayments(0).sequence(), seq);
  }
  EXPECT_EQ(Net("sd.qd/donations/pool", seq), kQdFunds - 8'000 * kYuan);
  EXPECT_EQ(Net("sd.qd/donations/loans_receivable", seq), 8'000 * kYuan);

  // 1,000.00 more: the rest of installment 2 (857.14), then 142.86 of 3.
  const std::string r2 = Repay(loan_id, 1'000 * kYuan, d, &seq);
  loan = GetLoan(loan_id, d, seq);
  EXPECT_EQ(loan.schedule().installments(1).principal_paid_fen(), 142857);
  EXPECT_EQ(loan.schedule().installments(1).paid_date(), d);
  EXPECT_EQ(loan.schedule().installments(2).principal_paid_fen(), 14286);
  ASSERT_EQ(loan.repayments_size(), 2);
  ASSERT_EQ(loan.repayments(1).recorded().allocations_size(), 2);
  EXPECT_EQ(loan.repayments(1).recorded().allocations(0).number(), 2u);
  EXPECT_EQ(loan.repayments(1).recorded().allocations(0).principal_fen(),
            85714);
  EXPECT_EQ(loan.repayments(1).recorded().allocations(1).number(), 3u);
  EXPECT_EQ(loan.repayments(1).recorded().allocations(1).principal_fen(),
            14286);
  EXPECT_EQ(loan.outstanding_principal_fen(), 7'000 * kYuan);

  // More than is owed: refused, stating what settles it; nothing changes.
  const v1::Loan before_overpayment = GetLoan(loan_id, d, seq);
  const RpcResult over =
      ExpectRejected(RepayCall(loan_one_, loan_id, 7'000 * kYuan + 1, d),
                     StatusCode::FAILED_PRECONDITION, v1::LOAN_OVERPAYMENT,
                     "one fen more than the payoff");
  EXPECT_THAT(over.status.error_message(), HasSubstr("7,000.00"));
  EXPECT_EQ(Differences(before_overpayment,
                        GetLoan(loan_id, d, HeadSequence(Admin()))),
            "");
  EXPECT_EQ(Net("sd.qd/donations/pool", HeadSequence(Admin())),
            kQdFunds - 7'000 * kYuan);

  // Value dates: not after today, not before the loan.
  ExpectRejected(
      RepayCall(loan_one_, loan_id, 1 * kYuan, AddDays(ServerToday(), 1)),
      StatusCode::FAILED_PRECONDITION, v1::LOAN_VALUE_DATE_INVALID,
      "value date tomorrow");
  ExpectRejected(RepayCall(loan_one_, loan_id, 1 * kYuan, AddDays(d, -1)),
                 StatusCode::FAILED_PRECONDITION, v1::LOAN_VALUE_DATE_INVALID,
                 "value date before the loan");
  ExpectRejected(RepayCall(loan_one_, loan_id, 1 * kYuan, 20260230),
                 StatusCode::INVALID_ARGUMENT, v1::FIELD_INVALID,
                 "30 February");
  ExpectRejected(RepayCall(loan_one_, loan_id, 0, d),
                 StatusCode::INVALID_ARGUMENT, v1::AMOUNT_INVALID,
                 "nothing paid");
  ExpectRejected(RepayCall(loan_one_, "l999999", 1 * kYuan, d),
                 StatusCode::NOT_FOUND, v1::LOAN_NOT_FOUND, "no such loan");
  ExpectRejected(RepayCall(loan_one_, "loan-1", 1 * kYuan, d),
                 StatusCode::INVALID_ARGUMENT, v1::FIELD_INVALID,
                 "not a loan id");
  {
    v1::RecordLoanRepaymentRequest no_payer =
        MakeRepayment(loan_id, 1 * kYuan, d);
    no_payer.clear_payer();
    v1::RecordLoanRepaymentResponse response;
    ExpectRejected(
        [&] { return One().RecordLoanRepayment(no_payer, &response); },
        StatusCode::INVALID_ARGUMENT, v1::FIELD_INVALID, "no payer");
  }

  // Early payoff: exactly the payoff amount; the loan is repaid and the pool
  // is back where it started (no interest: this product charges none).
  const std::string r3 = Repay(loan_id, 7'000 * kYuan, d, &seq);
  loan = GetLoan(loan_id, d, seq);
  EXPECT_EQ(loan.status(), v1::LOAN_STATUS_REPAID);
  EXPECT_EQ(loan.outstanding_principal_fen(), 0);
  EXPECT_EQ(loan.principal_repaid_fen(), 10'000 * kYuan);
  EXPECT_EQ(loan.payoff_fen(), 0);
  EXPECT_EQ(loan.next_due_date(), 0);
  EXPECT_EQ(loan.days_past_due(), 0);
  for (const v1::LoanInstallment& i : loan.schedule().installments()) {
    EXPECT_EQ(i.principal_paid_fen(), i.principal_fen()) << i.number();
    EXPECT_EQ(i.paid_date(), d) << i.number();
  }
  // Repaid loans are never in arrears, whatever the date.
  EXPECT_EQ(GetLoan(loan_id, AddMonths(d, 9), seq).status(),
            v1::LOAN_STATUS_REPAID);
  EXPECT_EQ(GetLoan(loan_id, AddMonths(d, 9), seq).days_past_due(), 0);
  EXPECT_EQ(Net("sd.qd/donations/pool", seq), pool_before);
  EXPECT_EQ(Net("sd.qd/donations/loans_receivable", seq), 0);
  const v1::FundSummary summary = Summary("sd.qd", false, kDonations, seq);
  EXPECT_EQ(summary.lent_fen(), 10'000 * kYuan);
  EXPECT_EQ(summary.repaid_fen(), 10'000 * kYuan);
  EXPECT_EQ(summary.available_fen(), pool_before);
  ExpectRejected(RepayCall(loan_one_, loan_id, 1 * kYuan, d),
                 StatusCode::FAILED_PRECONDITION, v1::LOAN_NOT_ACTIVE,
                 "repay a repaid loan");

  // The same person may borrow again once repaid: here the business
  // product at 6 %, paid off the same day with no interest due yet.
  v1::DisburseLoanRequest rated =
      MakeLoan(qd1, "sd.qd", 12'000 * kYuan, 12, "", "business");
  rated.set_grace_months(2);
  const std::string second = Disburse(rated);
  ASSERT_FALSE(second.empty());
  // 1,500.00 today: installments 1 and 2 carry interest only, not yet due,
  // so it all prepays principal: 1,200.00 of 3 and 300.00 of 4.
  Repay(second, 1'500 * kYuan, d, &seq);
  loan = GetLoan(second, d, seq);
  EXPECT_EQ(loan.interest_paid_fen(), 0);
  EXPECT_EQ(loan.principal_repaid_fen(), 1'500 * kYuan);
  EXPECT_EQ(loan.schedule().installments(0).interest_paid_fen(), 0);
  EXPECT_EQ(loan.schedule().installments(2).principal_paid_fen(), 120'000);
  EXPECT_EQ(loan.schedule().installments(2).paid_date(), 0)
      << "its interest is still unpaid";
  EXPECT_EQ(loan.schedule().installments(3).principal_paid_fen(), 30'000);
  // A day after the first due date, the unpaid interest of month 1 is
  // overdue.
  const v1::Loan late = GetLoan(second, AddDays(AddMonths(d, 1), 1), seq);
  EXPECT_EQ(late.status(), v1::LOAN_STATUS_OVERDUE);
  EXPECT_EQ(late.days_past_due(), 1);
  EXPECT_EQ(late.overdue_fen(), 60 * kYuan);
  EXPECT_EQ(late.payoff_fen(), 10'500 * kYuan + 60 * kYuan);
  EXPECT_TRUE(late.schedule().installments(0).overdue());
  // Paid off today: the principal only.
  Repay(second, 10'500 * kYuan, d, &seq);
  loan = GetLoan(second, d, seq);
  EXPECT_EQ(loan.status(), v1::LOAN_STATUS_REPAID);
  EXPECT_EQ(loan.interest_paid_fen(), 0);
  EXPECT_EQ(Net("sd.qd/donations/pool", seq), pool_before);
  const v1::FundSummary after = Summary("sd.qd", false, kDonations, seq);
  EXPECT_EQ(after.lent_fen(), 22'000 * kYuan);
  EXPECT_EQ(after.repaid_fen(), 22'000 * kYuan);
  EXPECT_EQ(after.interest_fen(), 0);
  EXPECT_EQ(after.available_fen(), pool_before);
  (void)r2;
  (void)r3;
}

TEST_F(LoansTest, BouncedRepaymentIsReversedOnce) {
  SetProducts();
  // sd.qd lends all its federation money.
  Receive("sd.qd", kFederation, 10'000 * kYuan);
  const int before = ServerToday();
  v1::DisburseLoanRequest request =
      MakeLoan(Dossier("sd.qd", 1), "sd.qd", 10'000 * kYuan, 10, "青岛港");
  request.set_fund_source(kFederation);
  const std::string loan_id = Disburse(request);
  ASSERT_FALSE(loan_id.empty());
  const int d =
      DisbursedToday(GetLoan(loan_id, 0, HeadSequence(Admin())), before);
  EXPECT_EQ(Net("sd.qd/federation/pool", HeadSequence(Admin())), 0);

  uint64_t seq = 0;
  const std::string r1 = Repay(loan_id, 3'000 * kYuan, d, &seq);
  EXPECT_EQ(Net("sd.qd/federation/pool", seq), 3'000 * kYuan);
  const v1::Loan paid = GetLoan(loan_id, d, seq);
  EXPECT_EQ(paid.schedule().installments(2).principal_paid_fen(), 100'000);

  // The bank returns it: reversed, the allocation and the money undone.
  ASSERT_TRUE(RpcOk(Reverse(One(), loan_id, r1, &seq)));
  v1::Loan loan = GetLoan(loan_id, d, seq);
  EXPECT_EQ(loan.outstanding_principal_fen(), 10'000 * kYuan);
  EXPECT_EQ(loan.principal_repaid_fen(), 0);
  EXPECT_EQ(loan.payoff_fen(), 10'000 * kYuan);
  for (const v1::LoanInstallment& i : loan.schedule().installments()) {
    EXPECT_EQ(i.principal_paid_fen(), 0) << i.number();
    EXPECT_EQ(i.paid_date(), 0) << i.number();
  }
  ASSERT_EQ(loan.repayments_size(), 1) << "the original stays on record";
  EXPECT_TRUE(loan.repayments(0).reversed());
  EXPECT_EQ(loan.repayments(0).reversal_reason(), "退票: 账户余额不足");
  EXPECT_EQ(loan.repayments(0).recorded().amount_fen(), 3'000 * kYuan);
  EXPECT_EQ(Net("sd.qd/federation/pool", seq), 0);
  EXPECT_EQ(Net("sd.qd/federation/loans_receivable", seq), 10'000 * kYuan);
  EXPECT_EQ(LoanMoney("sd.qd", "federation", seq), 10'000 * kYuan);

  ExpectRejected([&] { return Reverse(One(), loan_id, r1); },
                 StatusCode::FAILED_PRECONDITION,
                 v1::LOAN_REPAYMENT_ALREADY_REVERSED, "reverse twice");
  ExpectRejected([&] { return Reverse(One(), loan_id, "r999999"); },
                 StatusCode::NOT_FOUND, v1::LOAN_REPAYMENT_NOT_FOUND,
                 "no such repayment");
  ExpectRejected([&] { return Reverse(One(), "l999999", r1); },
                 StatusCode::NOT_FOUND, v1::LOAN_NOT_FOUND, "no such loan");
  ExpectRejected([&] { return Reverse(Finance(), loan_id, r1); },
                 StatusCode::PERMISSION_DENIED, v1::ROLE_REQUIRED,
                 "a finance officer does not handle loans");

  // Paid again; that money is lent on to someone else at once, so the
  // second bounce would overdraw the pool.
  const std::string r2 = Repay(loan_id, 3'000 * kYuan, d, &seq);
  v1::DisburseLoanRequest next =
      MakeLoan(Dossier("sd.qd", 2), "sd.qd", 3'000 * kYuan, 3, "青岛港");
  next.set_fund_source(kFederation);
  const std::string other = Disburse(next);
  ASSERT_FALSE(other.empty());
  ExpectRejected([&] { return Reverse(One(), loan_id, r2); },
                 StatusCode::FAILED_PRECONDITION, v1::FUNDS_INSUFFICIENT,
                 "the repaid money was lent on");
  ExpectRejected([&] { return Reverse(One(), other, r2); },
                 StatusCode::NOT_FOUND, v1::LOAN_REPAYMENT_NOT_FOUND,
                 "another loan's repayment");
  loan = GetLoan(loan_id, d, HeadSequence(Admin()));
  ASSERT_EQ(loan.repayments_size(), 2);
  EXPECT_FALSE(loan.repayments(1).reversed());
  EXPECT_EQ(loan.outstanding_principal_fen(), 7'000 * kYuan);
}

TEST_F(LoansTest, WriteOffMakerCheckerAndRecovery) {
  SetProducts();
  const int before = ServerToday();
  const std::string loan_id =
      Disburse(MakeLoan(Dossier("sd.jn", 1), "sd.jn", 20'000 * kYuan, 10));
  ASSERT_FALSE(loan_id.empty());
  const int d =
      DisbursedToday(GetLoan(loan_id, 0, HeadSequence(Admin())), before);
  const std::string r1 = Repay(loan_id, 5'000 * kYuan, d);

  ExpectRejected([&] { return ApproveWriteOff(Two(), loan_id); },
                 StatusCode::FAILED_PRECONDITION,
                 v1::LOAN_WRITE_OFF_NOT_PROPOSED, "approve with no proposal");
  ExpectRejected(
      [&] {
        return ProposeWriteOff(One(), loan_id, v1::WRITE_OFF_REASON_OTHER, "");
      },
      StatusCode::INVALID_ARGUMENT, v1::FIELD_INVALID,
      "reason 'other' needs a memo");
  ExpectRejected(
      [&] {
        return ProposeWriteOff(One(), loan_id,
                               v1::WRITE_OFF_REASON_UNSPECIFIED);
      },
      StatusCode::INVALID_ARGUMENT, v1::FIELD_INVALID, "no reason code");
  ExpectRejected(
      [&] {
        return ProposeWriteOff(Finance(), loan_id,
                               v1::WRITE_OFF_REASON_BUSINESS_FAILED);
      },
      StatusCode::PERMISSION_DENIED, v1::ROLE_REQUIRED,
      "a finance officer does not propose");

  ASSERT_TRUE(RpcOk(
      ProposeWriteOff(One(), loan_id, v1::WRITE_OFF_REASON_BUSINESS_FAILED)));
  v1::Loan loan = GetLoan(loan_id, d, HeadSequence(Admin()));
  ASSERT_TRUE(loan.has_pending_write_off());
  EXPECT_EQ(loan.pending_write_off().principal_fen(), 15'000 * kYuan);
  EXPECT_EQ(loan.pending_write_off().proposed_by(), "loan.one");
  EXPECT_EQ(loan.pending_write_off().reason_code(),
            v1::WRITE_OFF_REASON_BUSINESS_FAILED);
  EXPECT_EQ(loan.status(), v1::LOAN_STATUS_CURRENT) << "only proposed";

  // Maker-checker: the proposer may not approve.
  ExpectRejected([&] { return ApproveWriteOff(One(), loan_id); },
                 StatusCode::FAILED_PRECONDITION,
                 v1::LOAN_WRITE_OFF_SAME_PRINCIPAL, "approved by its proposer");
  // A repayment since the proposal makes it stale.
  Repay(loan_id, 1'000 * kYuan, d);
  ExpectRejected([&] { return ApproveWriteOff(Two(), loan_id); },
                 StatusCode::FAILED_PRECONDITION, v1::LOAN_WRITE_OFF_STALE,
                 "outstanding changed since the proposal");
  ASSERT_TRUE(
      RpcOk(ProposeWriteOff(One(), loan_id, v1::WRITE_OFF_REASON_UNREACHABLE,
                            "下落不明，担保单位已破产")));
  uint64_t written = 0;
  ASSERT_TRUE(RpcOk(ApproveWriteOff(Two(), loan_id, &written)));

  loan = GetLoan(loan_id, d, written);
  EXPECT_EQ(loan.status(), v1::LOAN_STATUS_WRITTEN_OFF);
  EXPECT_EQ(loan.written_off_fen(), 14'000 * kYuan);
  EXPECT_EQ(loan.outstanding_principal_fen(), 0);
  EXPECT_EQ(loan.principal_repaid_fen(), 6'000 * kYuan);
  EXPECT_EQ(loan.payoff_fen(), 0);
  EXPECT_FALSE(loan.has_pending_write_off());
  ASSERT_TRUE(loan.has_written_off());
  EXPECT_EQ(loan.written_off().principal_fen(), 14'000 * kYuan);
  EXPECT_EQ(loan.written_off().written_off_date(), d);
  EXPECT_EQ(loan.written_off().proposed_by(), "loan.one");
  EXPECT_EQ(loan.written_off().reason_code(), v1::WRITE_OFF_REASON_UNREACHABLE);
  // Written off loans are out of arrears.
  EXPECT_EQ(GetLoan(loan_id, AddMonths(d, 6), written).days_past_due(), 0);
  EXPECT_EQ(Net("sd.jn/donations/loans_receivable", written), 0);
  EXPECT_EQ(Net("sd.jn/donations/loan_losses", written), 14'000 * kYuan);
  EXPECT_EQ(Net("sd.jn/donations/pool", written), kJnFunds - 14'000 * kYuan);
  EXPECT_EQ(LoanMoney("sd.jn", "donations", written), kJnFunds);
  v1::FundSummary summary = Summary("sd.jn", false, kDonations, written);
  EXPECT_EQ(summary.lent_fen(), 20'000 * kYuan);
  EXPECT_EQ(summary.repaid_fen(), 6'000 * kYuan);
  EXPECT_EQ(summary.written_off_fen(), 14'000 * kYuan);

  ExpectRejected([&] { return ApproveWriteOff(Two(), loan_id); },
                 StatusCode::FAILED_PRECONDITION, v1::LOAN_NOT_ACTIVE,
                 "approve twice");
  ExpectRejected(
      [&] {
        return ProposeWriteOff(One(), loan_id, v1::WRITE_OFF_REASON_DISASTER);
      },
      StatusCode::FAILED_PRECONDITION, v1::LOAN_NOT_ACTIVE,
      "propose on a written-off loan");
  ExpectRejected([&] { return Reschedule(One(), loan_id, d, 6); },
                 StatusCode::FAILED_PRECONDITION, v1::LOAN_NOT_ACTIVE,
                 "reschedule a written-off loan");
  ExpectRejected([&] { return Reverse(One(), loan_id, r1); },
                 StatusCode::FAILED_PRECONDITION,
                 v1::LOAN_REPAYMENT_NOT_REVERSIBLE,
                 "a repayment from before the write-off");

  // Recoveries after the write-off go back into the pool.
  uint64_t seq = 0;
  const std::string recovery = Repay(loan_id, 4'000 * kYuan, d, &seq);
  loan = GetLoan(loan_id, d, seq);
  EXPECT_EQ(loan.status(), v1::LOAN_STATUS_WRITTEN_OFF);
  EXPECT_EQ(loan.recovered_fen(), 4'000 * kYuan);
  ASSERT_EQ(loan.repayments_size(), 3);
  EXPECT_TRUE(loan.repayments(2).recorded().recovery());
  EXPECT_TRUE(loan.repayments(2).recorded().allocations().empty());
  EXPECT_EQ(Net("sd.jn/donations/loan_losses", seq), 10'000 * kYuan);
  EXPECT_EQ(Net("sd.jn/donations/pool", seq), kJnFunds - 10'000 * kYuan);
  EXPECT_EQ(LoanMoney("sd.jn", "donations", seq), kJnFunds);
  const RpcResult too_much = ExpectRejected(
      RepayCall(loan_one_, loan_id, 10'000 * kYuan + 1, d),
      StatusCode::FAILED_PRECONDITION, v1::LOAN_RECOVERY_TOO_LARGE,
      "recover more than is left written off");
  EXPECT_THAT(too_much.status.error_message(), HasSubstr("10,000.00"));
  // A bounced recovery is reversed like any repayment.
  ASSERT_TRUE(RpcOk(Reverse(One(), loan_id, recovery, &seq)));
  EXPECT_EQ(GetLoan(loan_id, d, seq).recovered_fen(), 0);
  EXPECT_EQ(Net("sd.jn/donations/loan_losses", seq), 14'000 * kYuan);
  EXPECT_EQ(LoanMoney("sd.jn", "donations", seq), kJnFunds);
  // All of it recovered: the pool is whole again.
  Repay(loan_id, 14'000 * kYuan, d, &seq);
  EXPECT_EQ(GetLoan(loan_id, d, seq).recovered_fen(), 14'000 * kYuan);
  EXPECT_EQ(Net("sd.jn/donations/loan_losses", seq), 0);
  EXPECT_EQ(Net("sd.jn/donations/pool", seq), kJnFunds);
  summary = Summary("sd.jn", false, kDonations, seq);
  EXPECT_EQ(summary.written_off_fen(), 14'000 * kYuan);
  EXPECT_EQ(summary.recovered_fen(), 14'000 * kYuan)
      << "the bounced recovery is not counted";
  EXPECT_EQ(summary.repaid_fen(), 6'000 * kYuan);
  EXPECT_EQ(summary.available_fen(), kJnFunds);
  ExpectRejected(RepayCall(loan_one_, loan_id, 1, d),
                 StatusCode::FAILED_PRECONDITION, v1::LOAN_RECOVERY_TOO_LARGE,
                 "nothing left to recover");

  // A finance officer may be the checker too.
  const std::string other =
      Disburse(MakeLoan(Dossier("sd.jn", 2), "sd.jn", 8'000 * kYuan, 8));
  ASSERT_TRUE(RpcOk(
      ProposeWriteOff(Two(), other, v1::WRITE_OFF_REASON_BORROWER_DECEASED)));
  ASSERT_TRUE(RpcOk(ApproveWriteOff(Finance(), other, &seq)));
  loan = GetLoan(other, d, seq);
  EXPECT_EQ(loan.status(), v1::LOAN_STATUS_WRITTEN_OFF);
  EXPECT_EQ(loan.written_off().proposed_by(), "loan.two");
  EXPECT_EQ(Net("sd.jn/donations/loan_losses", seq), 8'000 * kYuan);
  EXPECT_EQ(LoanMoney("sd.jn", "donations", seq), kJnFunds);
  summary = Summary("sd.jn", false, kDonations, seq);
  EXPECT_EQ(summary.written_off_fen(), 22'000 * kYuan);
}

TEST_F(LoansTest, RescheduleKeepsTheHistory) {
  SetProducts();
  const int before = ServerToday();
  const std::string loan_id =
      Disburse(MakeLoan(Dossier("sd.jn", 1), "sd.jn", 12'000 * kYuan, 12));
  ASSERT_FALSE(loan_id.empty());
  const int d =
      DisbursedToday(GetLoan(loan_id, 0, HeadSequence(Admin())), before);
  // 1,000.00 for installments 1 and 2, 500.00 of 3.
  const std::string r1 = Repay(loan_id, 2'500 * kYuan, d);

  ExpectRejected([&] { return Reschedule(One(), loan_id, AddDays(d, -1), 6); },
                 StatusCode::FAILED_PRECONDITION, v1::LOAN_RESCHEDULE_INVALID,
                 "starting yesterday");
  ExpectRejected(
      [&] {
        return Reschedule(One(), loan_id, AddDays(ServerToday(), 367), 6);
      },
      StatusCode::FAILED_PRECONDITION, v1::LOAN_RESCHEDULE_INVALID,
      "starting more than a year ahead");
  ExpectRejected([&] { return Reschedule(One(), loan_id, d, 0); },
                 StatusCode::INVALID_ARGUMENT, v1::FIELD_INVALID, "0 months");
  ExpectRejected([&] { return Reschedule(One(), loan_id, d, 6, ""); },
                 StatusCode::INVALID_ARGUMENT, v1::FIELD_INVALID, "no reason");
  ExpectRejected([&] { return Reschedule(Two(), "l999999", d, 6); },
                 StatusCode::NOT_FOUND, v1::LOAN_NOT_FOUND, "no such loan");

  // 9,500.00 outstanding over 6 months from 10 days on.
  const int start = AddDays(d, 10);
  uint64_t seq = 0;
  ASSERT_TRUE(
      RpcOk(Reschedule(Two(), loan_id, start, 6, "洪灾停业，展期", &seq)));
  v1::Loan loan = GetLoan(loan_id, d, seq);
  EXPECT_EQ(loan.outstanding_principal_fen(), 9'500 * kYuan);
  EXPECT_EQ(loan.principal_repaid_fen(), 2'500 * kYuan);
  EXPECT_EQ(loan.schedule().version(), 2u);
  EXPECT_EQ(loan.schedule().effective_date(), d);
  EXPECT_EQ(loan.schedule().reason(), "洪灾停业，展期");
  ASSERT_EQ(loan.schedule().installments_size(), 6);
  for (int k = 1; k <= 6; ++k) {
    const v1::LoanInstallment& i = loan.schedule().installments(k - 1);
    EXPECT_EQ(i.number(), static_cast<uint32_t>(k));
    EXPECT_EQ(i.due_date(), AddMonths(start, k)) << k;
    // 1,583.33 five times, 1,583.35 last.
    EXPECT_EQ(i.principal_fen(), k < 6 ? 158333 : 158335) << k;
    EXPECT_EQ(i.principal_paid_fen(), 0) << k;
  }
  EXPECT_EQ(PrincipalSum(loan.schedule()), 9'500 * kYuan);
  EXPECT_EQ(loan.next_due_date(), AddMonths(start, 1));
  // The first schedule, with what was paid on it, is kept.
  ASSERT_EQ(loan.earlier_schedules_size(), 1);
  const v1::LoanSchedule& first = loan.earlier_schedules(0);
  EXPECT_EQ(first.version(), 1u);
  EXPECT_EQ(first.effective_date(), d);
  ASSERT_EQ(first.installments_size(), 12);
  EXPECT_EQ(first.installments(0).principal_paid_fen(), 100'000);
  EXPECT_EQ(first.installments(0).paid_date(), d);
  EXPECT_EQ(first.installments(1).principal_paid_fen(), 100'000);
  EXPECT_EQ(first.installments(2).principal_paid_fen(), 50'000);
  EXPECT_EQ(first.installments(2).paid_date(), 0);
  EXPECT_EQ(first.installments(11).due_date(), AddMonths(d, 12));
  EXPECT_EQ(PrincipalSum(first), 12'000 * kYuan);
  ASSERT_EQ(loan.repayments_size(), 1);
  EXPECT_EQ(loan.repayments(0).recorded().schedule_version(), 1u);
  // The old first due date has passed a day later, but the new schedule
  // owes nothing yet.
  const int old_due = AddDays(AddMonths(d, 1), 1);
  ASSERT_GT(AddMonths(start, 1), old_due);
  const v1::Loan cured = GetLoan(loan_id, old_due, seq);
  EXPECT_EQ(cured.status(), v1::LOAN_STATUS_CURRENT);
  EXPECT_EQ(cured.days_past_due(), 0);
  // ...and on the new schedule's terms a day after its first due date.
  const v1::Loan late = GetLoan(loan_id, AddDays(AddMonths(start, 1), 1), seq);
  EXPECT_EQ(late.days_past_due(), 1);
  EXPECT_EQ(late.overdue_fen(), 158333);

  ExpectRejected([&] { return Reverse(One(), loan_id, r1); },
                 StatusCode::FAILED_PRECONDITION,
                 v1::LOAN_REPAYMENT_NOT_REVERSIBLE,
                 "a repayment made on the earlier schedule");

  // Repayments now go to the new schedule.
  Repay(loan_id, 2'000 * kYuan, d, &seq);
  loan = GetLoan(loan_id, d, seq);
  EXPECT_EQ(loan.schedule().installments(0).principal_paid_fen(), 158333);
  EXPECT_EQ(loan.schedule().installments(1).principal_paid_fen(),
            200'000 - 158333);
  EXPECT_EQ(loan.repayments(1).recorded().schedule_version(), 2u);

  // A second reschedule: 7,500.00 over 3 months from today; both earlier
  // schedules stay, in order.
  ASSERT_TRUE(RpcOk(Reschedule(One(), loan_id, d, 3, "再次展期", &seq)));
  loan = GetLoan(loan_id, d, seq);
  EXPECT_EQ(loan.schedule().version(), 3u);
  ASSERT_EQ(loan.schedule().installments_size(), 3);
  EXPECT_EQ(loan.schedule().installments(0).due_date(), AddMonths(d, 1));
  EXPECT_EQ(loan.schedule().installments(0).principal_fen(), 250'000);
  EXPECT_EQ(PrincipalSum(loan.schedule()), 7'500 * kYuan);
  ASSERT_EQ(loan.earlier_schedules_size(), 2);
  EXPECT_EQ(loan.earlier_schedules(0).version(), 1u);
  EXPECT_EQ(loan.earlier_schedules(1).version(), 2u);
  EXPECT_EQ(loan.earlier_schedules(1).reason(), "洪灾停业，展期");
  EXPECT_EQ(loan.earlier_schedules(1).installments(0).paid_date(), d);
  EXPECT_EQ(loan.outstanding_principal_fen(), 7'500 * kYuan);
  EXPECT_EQ(Net("sd.jn/donations/loans_receivable", seq), 7'500 * kYuan);
}

TEST_F(LoansTest, LoanBookAgingPar30GuarantorsAndWorklist) {
  const Book book = BuildBook();
  ASSERT_FALSE(HasFailure());
  const int d = book.d;
  const int f1 = AddMonths(d, 1), f2 = AddMonths(d, 2), f3 = AddMonths(d, 3);
  const int x = AddDays(f1, 45);  // 45 days after the first due date
  ASSERT_LT(f2, x);
  ASSERT_GT(f3, x);
  const uint64_t head = book.head;

  // Today: everything current.
  v1::LoanBook totals;
  std::vector<v1::LoanSummary> loans = ListLoans("sd", true, d, head, &totals);
  ASSERT_EQ(loans.size(), 5u);
  EXPECT_EQ(loans[0].loan_id(), book.a) << "disbursement order";
  EXPECT_EQ(loans[1].loan_id(), book.b);
  EXPECT_EQ(loans[2].loan_id(), book.c);
  EXPECT_EQ(loans[3].loan_id(), book.d_loan);
  EXPECT_EQ(loans[4].loan_id(), book.e);
  EXPECT_EQ(totals.loans(), 5u);
  EXPECT_EQ(totals.active_loans(), 4u);
  EXPECT_EQ(totals.disbursed_fen(), 81'000 * kYuan);
  EXPECT_EQ(totals.repaid_principal_fen(), 9'500 * kYuan);
  EXPECT_EQ(totals.outstanding_principal_fen(), 71'500 * kYuan);
  EXPECT_EQ(totals.written_off_fen(), 0);
  ASSERT_EQ(totals.aging_size(), 5);
  EXPECT_EQ(totals.aging(0).bucket(), v1::AGING_BUCKET_CURRENT);
  EXPECT_EQ(totals.aging(0).loans(), 4u);
  EXPECT_EQ(totals.aging(0).outstanding_principal_fen(), 71'500 * kYuan);
  for (int b = 1; b < 5; ++b) {
    EXPECT_EQ(totals.aging(b).bucket(), b + 1);
    EXPECT_EQ(totals.aging(b).loans(), 0u);
  }
  EXPECT_EQ(totals.par30_principal_fen(), 0);
  EXPECT_EQ(totals.par30_bp(), 0u);
  EXPECT_EQ(loans[4].status(), v1::LOAN_STATUS_REPAID);
  EXPECT_EQ(loans[0].borrower_name(), "借款人1");
  EXPECT_EQ(loans[0].guarantor(), "济宁钢铁厂");
  EXPECT_EQ(loans[0].unit_code(), "sd.jn");
  EXPECT_EQ(loans[0].principal_fen(), 10'000 * kYuan);
  EXPECT_EQ(loans[0].disbursed_date(), d);
  EXPECT_EQ(loans[0].next_due_date(), f1);
  EXPECT_EQ(loans[3].unit_code(), "sd.jn") << "D is lent by sd.jn";
  EXPECT_EQ(loans[3].outstanding_principal_fen(), 10'000 * kYuan);
  EXPECT_EQ(loans[3].next_due_date(), f3);

  // 45 days after the first due date: A and B are 45 days past due (31-90),
  // C 15-ish (1-30: its first installment is paid), D current (two paid).
  loans = ListLoans("sd", true, x, head, &totals);
  ASSERT_EQ(loans.size(), 5u);
  EXPECT_EQ(loans[0].days_past_due(), 45);
  EXPECT_EQ(loans[0].bucket(), v1::AGING_BUCKET_DPD_31_90);
  EXPECT_EQ(loans[0].status(), v1::LOAN_STATUS_OVERDUE);
  EXPECT_EQ(loans[1].days_past_due(), 45);
  EXPECT_EQ(loans[1].bucket(), v1::AGING_BUCKET_DPD_31_90);
  EXPECT_EQ(loans[2].days_past_due(), DaysBetween(f2, x));
  EXPECT_EQ(loans[2].bucket(), v1::AGING_BUCKET_DPD_1_30);
  EXPECT_EQ(loans[2].status(), v1::LOAN_STATUS_OVERDUE);
  EXPECT_EQ(loans[3].days_past_due(), 0);
  EXPECT_EQ(loans[3].status(), v1::LOAN_STATUS_CURRENT);
  EXPECT_EQ(loans[4].status(), v1::LOAN_STATUS_REPAID);
  EXPECT_EQ(totals.active_loans(), 4u);
  EXPECT_EQ(totals.outstanding_principal_fen(), 71'500 * kYuan);
  ASSERT_EQ(totals.aging_size(), 5);
  EXPECT_EQ(totals.aging(0).loans(), 1u);
  EXPECT_EQ(totals.aging(0).outstanding_principal_fen(), 10'000 * kYuan);
  EXPECT_EQ(totals.aging(1).loans(), 1u);
  EXPECT_EQ(totals.aging(1).outstanding_principal_fen(), 27'500 * kYuan);
  EXPECT_EQ(totals.aging(2).loans(), 2u);
  EXPECT_EQ(totals.aging(2).outstanding_principal_fen(), 34'000 * kYuan);
  EXPECT_EQ(totals.aging(3).loans(), 0u);
  EXPECT_EQ(totals.aging(4).loans(), 0u);
  EXPECT_EQ(totals.par30_principal_fen(), 34'000 * kYuan);
  // 34,000 / 71,500 = 47.55 %.
  EXPECT_EQ(totals.par30_bp(), 4755u);
  EXPECT_EQ(totals.par30_bp(), Par30Bp(34'000, 71'500));

  // Subtrees: sd.jn and below hold A, B, D; sd.jn alone A and D; sd.qd C, E.
  loans = ListLoans("sd.jn", true, x, head, &totals);
  ASSERT_EQ(loans.size(), 3u);
  EXPECT_EQ(loans[0].loan_id(), book.a);
  EXPECT_EQ(loans[1].loan_id(), book.b);
  EXPECT_EQ(loans[2].loan_id(), book.d_loan);
  EXPECT_EQ(totals.outstanding_principal_fen(), 44'000 * kYuan);
  EXPECT_EQ(totals.par30_principal_fen(), 34'000 * kYuan);
  EXPECT_EQ(totals.par30_bp(), 7727u);  // 77.27 %
  loans = ListLoans("sd.jn", false, x, head, &totals);
  ASSERT_EQ(loans.size(), 2u);
  EXPECT_EQ(loans[0].loan_id(), book.a);
  EXPECT_EQ(loans[1].loan_id(), book.d_loan);
  EXPECT_EQ(totals.outstanding_principal_fen(), 20'000 * kYuan);
  EXPECT_EQ(totals.par30_bp(), 5000u);
  loans = ListLoans("sd.jn.zc", false, x, head, &totals);
  ASSERT_EQ(loans.size(), 1u);
  EXPECT_EQ(loans[0].loan_id(), book.b);
  EXPECT_EQ(totals.par30_bp(), 10000u);
  loans = ListLoans("sd.qd", true, x, head, &totals);
  ASSERT_EQ(loans.size(), 2u);
  EXPECT_EQ(totals.loans(), 2u);
  EXPECT_EQ(totals.active_loans(), 1u);
  EXPECT_EQ(totals.outstanding_principal_fen(), 27'500 * kYuan);
  EXPECT_EQ(totals.par30_principal_fen(), 0);
  EXPECT_EQ(totals.par30_bp(), 0u);
  loans = ListLoans("sd", false, x, head, &totals);
  EXPECT_TRUE(loans.empty()) << "sd itself lent nothing";
  EXPECT_EQ(totals.loans(), 0u);
  EXPECT_EQ(totals.par30_bp(), 0u);
  // Before any loan existed, the book is empty.
  loans = ListLoans("sd", true, AddDays(d, -1), head, &totals);
  EXPECT_TRUE(loans.empty());
  EXPECT_EQ(totals.loans(), 0u);

  // Pages of 2: the same loans in the same order, the same totals on every
  // page.
  {
    v1::LoanBook whole;
    const std::vector<v1::LoanSummary> all =
        ListLoans("sd", true, x, head, &whole);
    v1::LoanBook paged_book;
    int pages = 0;
    const std::vector<v1::LoanSummary> paged =
        ListLoans("sd", true, x, head, &paged_book, 2, &pages);
    EXPECT_EQ(pages, 3);
    ASSERT_EQ(paged.size(), all.size());
    for (size_t i = 0; i < all.size(); ++i) {
      EXPECT_EQ(Differences(all[i], paged[i]), "") << i;
    }
    EXPECT_EQ(Differences(whole, paged_book), "");
  }

  // Aging boundaries on loan A (first installment due f1, unpaid).
  struct Point {
    int date;
    int dpd;
    v1::AgingBucket bucket;
  };
  const std::vector<Point> points = {
      {d, 0, v1::AGING_BUCKET_CURRENT},
      {f1, 0, v1::AGING_BUCKET_CURRENT},  // due that day: not yet late
      {AddDays(f1, 1), 1, v1::AGING_BUCKET_DPD_1_30},
      {AddDays(f1, 30), 30, v1::AGING_BUCKET_DPD_1_30},
      {AddDays(f1, 31), 31, v1::AGING_BUCKET_DPD_31_90},
      {AddDays(f1, 90), 90, v1::AGING_BUCKET_DPD_31_90},
      {AddDays(f1, 91), 91, v1::AGING_BUCKET_DPD_91_180},
      {AddDays(f1, 180), 180, v1::AGING_BUCKET_DPD_91_180},
      {AddDays(f1, 181), 181, v1::AGING_BUCKET_DPD_OVER_180},
      {AddDays(f1, 700), 700, v1::AGING_BUCKET_DPD_OVER_180},
  };
  for (const Point& point : points) {
    SCOPED_TRACE(absl::StrCat("as of ", point.date));
    const v1::Loan a = GetLoan(book.a, point.date, head);
    EXPECT_EQ(a.as_of_date(), point.date);
    EXPECT_EQ(a.days_past_due(), point.dpd);
    EXPECT_EQ(a.bucket(), point.bucket);
    EXPECT_EQ(a.status(), point.dpd > 0 ? v1::LOAN_STATUS_OVERDUE
                                        : v1::LOAN_STATUS_CURRENT);
    // Overdue: every installment (1,000.00 each) due before the date.
    int64_t overdue = 0;
    for (int k = 1; k <= 10; ++k) {
      if (AddMonths(d, k) < point.date) overdue += 1'000 * kYuan;
    }
    EXPECT_EQ(a.overdue_fen(), overdue);
    EXPECT_EQ(a.outstanding_principal_fen(), 10'000 * kYuan);
  }

  // Guarantor exposure, largest first.
  {
    const v1::GetGuarantorExposureResponse late = Exposure("sd", true, x, head);
    EXPECT_EQ(late.as_of_date(), x);
    ASSERT_EQ(late.guarantors_size(), 3) << late.ShortDebugString();
    EXPECT_EQ(late.guarantors(0).employer_name(), "青岛港");
    EXPECT_EQ(late.guarantors(0).loans(), 1u) << "E is repaid";
    EXPECT_EQ(late.guarantors(0).outstanding_principal_fen(), 27'500 * kYuan);
    EXPECT_EQ(late.guarantors(0).overdue_principal_fen(), 27'500 * kYuan);
    EXPECT_EQ(late.guarantors(1).employer_name(), "邹城煤矿");
    EXPECT_EQ(late.guarantors(1).loans(), 1u);
    EXPECT_EQ(late.guarantors(1).outstanding_principal_fen(), 24'000 * kYuan);
    EXPECT_EQ(late.guarantors(1).overdue_principal_fen(), 24'000 * kYuan);
    EXPECT_EQ(late.guarantors(2).employer_name(), "济宁钢铁厂");
    EXPECT_EQ(late.guarantors(2).loans(), 2u);
    EXPECT_EQ(late.guarantors(2).outstanding_principal_fen(), 20'000 * kYuan);
    EXPECT_EQ(late.guarantors(2).overdue_principal_fen(), 10'000 * kYuan)
        << "A is late, D is not";
    const v1::GetGuarantorExposureResponse today =
        Exposure("sd", true, d, head);
    ASSERT_EQ(today.guarantors_size(), 3);
    for (const v1::GuarantorExposure& g : today.guarantors()) {
      EXPECT_EQ(g.overdue_principal_fen(), 0) << g.employer_name();
    }
    const v1::GetGuarantorExposureResponse zc =
        Exposure("sd.jn.zc", false, x, head);
    ASSERT_EQ(zc.guarantors_size(), 1);
    EXPECT_EQ(zc.guarantors(0).employer_name(), "邹城煤矿");
  }

  // The worklist. Today, within the days up to the first due date: A#1 and
  // B#1 (C#1 and D#1 are paid); a day less: nothing.
  const uint32_t to_f1 = static_cast<uint32_t>(DaysBetween(d, f1));
  std::vector<v1::DueInstallment> due = Due("sd", true, d, to_f1, head);
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].loan_id(), book.a);
  EXPECT_EQ(due[0].number(), 1u);
  EXPECT_EQ(due[0].due_date(), f1);
  EXPECT_EQ(due[0].principal_due_fen(), 1'000 * kYuan);
  EXPECT_EQ(due[0].days_past_due(), 0);
  EXPECT_EQ(due[0].borrower_name(), "借款人1");
  EXPECT_EQ(due[0].guarantor(), "济宁钢铁厂");
  EXPECT_THAT(due[0].guarantor_contact(), HasSubstr("0537-2345678"));
  EXPECT_EQ(due[1].loan_id(), book.b);
  EXPECT_EQ(due[1].principal_due_fen(), 2'000 * kYuan);
  EXPECT_EQ(due[1].unit_code(), "sd.jn.zc");
  EXPECT_TRUE(Due("sd", true, d, to_f1 - 1, head).empty());
  // 45 days after f1, nothing ahead: the overdue ones, oldest due first.
  due = Due("sd", true, x, 0, head);
  ASSERT_EQ(due.size(), 5u);
  const std::vector<std::pair<std::string, uint32_t>> expected = {
      {book.a, 1}, {book.b, 1}, {book.a, 2}, {book.b, 2}, {book.c, 2}};
  for (size_t i = 0; i < expected.size(); ++i) {
    SCOPED_TRACE(absl::StrCat("row ", i));
    EXPECT_EQ(due[i].loan_id(), expected[i].first);
    EXPECT_EQ(due[i].number(), expected[i].second);
    const int due_date = AddMonths(d, static_cast<int>(expected[i].second));
    EXPECT_EQ(due[i].due_date(), due_date);
    EXPECT_EQ(due[i].days_past_due(), DaysBetween(due_date, x));
  }
  EXPECT_EQ(due[4].principal_due_fen(), 2'500 * kYuan);
  EXPECT_EQ(due[4].guarantor(), "青岛港");
  // And with the next 31 days: the third installments of all four.
  due = Due("sd", true, x, 31, head);
  ASSERT_EQ(due.size(), 9u);
  for (size_t i = 5; i < 9; ++i) {
    EXPECT_EQ(due[i].due_date(), f3) << i;
    EXPECT_EQ(due[i].days_past_due(), 0) << i;
  }
  EXPECT_EQ(due[8].loan_id(), book.d_loan);
  // One unit only.
  due = Due("sd.jn.zc", false, x, 0, head);
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].loan_id(), book.b);
  EXPECT_EQ(due[1].loan_id(), book.b);

  // Bad questions.
  {
    v1::ListLoansDueRequest request;
    request.set_unit_code("sd");
    request.set_within_days(367);
    v1::ListLoansDueResponse response;
    EXPECT_TRUE(IsRpcError(One().ListLoansDue(request, &response),
                           StatusCode::INVALID_ARGUMENT, v1::FIELD_INVALID));
    v1::ListLoansRequest list;
    list.set_unit_code("sd.nowhere");
    v1::ListLoansResponse listed;
    EXPECT_TRUE(IsRpcError(One().ListLoans(list, &listed),
                           StatusCode::NOT_FOUND, v1::ORG_UNIT_NOT_FOUND));
    list.set_unit_code("sd");
    list.set_as_of_date(20260230);
    EXPECT_TRUE(IsRpcError(One().ListLoans(list, &listed),
                           StatusCode::INVALID_ARGUMENT, v1::FIELD_INVALID));
    v1::GetLoanRequest get;
    get.set_loan_id("l999999");
    v1::GetLoanResponse got;
    EXPECT_TRUE(IsRpcError(One().GetLoan(get, &got), StatusCode::NOT_FOUND,
                           v1::LOAN_NOT_FOUND));
  }
}

TEST_F(LoansTest, RolesForLoanCommandsAndQueries) {
  SetProducts();
  const std::string dossier = Dossier("sd.jn", 1);
  const int before = ServerToday();
  const std::string loan_id =
      Disburse(MakeLoan(dossier, "sd.jn", 10'000 * kYuan, 7));
  ASSERT_FALSE(loan_id.empty());
  const int d =
      DisbursedToday(GetLoan(loan_id, 0, HeadSequence(Admin())), before);
  const std::string repayment = Repay(loan_id, 1'000 * kYuan, d);
  ASSERT_TRUE(
      RpcOk(ProposeWriteOff(One(), loan_id, v1::WRITE_OFF_REASON_DISASTER)));

  v1::SetLoanProductRequest product;
  product.set_request_id(NewRequestId("product"));
  product.mutable_product()->set_product("svc");
  product.mutable_product()->set_name_zh("服务");
  product.mutable_product()->set_effective_date(20000101);
  product.mutable_product()->set_min_principal_fen(1);
  product.mutable_product()->set_max_principal_fen(100);
  product.mutable_product()->set_min_term_months(1);
  product.mutable_product()->set_max_term_months(2);
  product.mutable_product()->add_fund_sources(kDonations);

  // Every loan command, as the holder of `token`: refused, ROLE_REQUIRED.
  const std::string other_borrower = Dossier("sd.jn", 7);
  auto refuse_all = [&](const std::string& token, const std::string& who,
                        bool may_set_product, bool may_approve) {
    SCOPED_TRACE(who);
    ReliefClient client = As(token);
    if (!may_set_product) {
      ExpectRejected(
          [&] {
            v1::SetLoanProductResponse response;
            return client.SetLoanProduct(product, &response);
          },
          StatusCode::PERMISSION_DENIED, v1::ROLE_REQUIRED, "SetLoanProduct");
    }
    ExpectRejected(
        DisburseCall(token,
                     MakeLoan(other_borrower, "sd.jn", 1'000 * kYuan, 3)),
        StatusCode::PERMISSION_DENIED, v1::ROLE_REQUIRED, "DisburseLoan");
    ExpectRejected(RepayCall(token, loan_id, 1 * kYuan, d),
                   StatusCode::PERMISSION_DENIED, v1::ROLE_REQUIRED,
                   "RecordLoanRepayment");
    ExpectRejected([&] { return Reverse(client, loan_id, repayment); },
                   StatusCode::PERMISSION_DENIED, v1::ROLE_REQUIRED,
                   "ReverseLoanRepayment");
    ExpectRejected(
        [&] {
          return ProposeWriteOff(client, loan_id,
                                 v1::WRITE_OFF_REASON_DISASTER);
        },
        StatusCode::PERMISSION_DENIED, v1::ROLE_REQUIRED,
        "ProposeLoanWriteOff");
    if (!may_approve) {
      ExpectRejected([&] { return ApproveWriteOff(client, loan_id); },
                     StatusCode::PERMISSION_DENIED, v1::ROLE_REQUIRED,
                     "ApproveLoanWriteOff");
    }
    ExpectRejected([&] { return Reschedule(client, loan_id, d, 3); },
                   StatusCode::PERMISSION_DENIED, v1::ROLE_REQUIRED,
                   "RescheduleLoan");
  };
  refuse_all(service_, "service", false, false);
  refuse_all(server().admin_token(), "admin", false, false);
  refuse_all(auditor_, "auditor", false, false);
  refuse_all(finance_, "finance officer", true, true);
  // Through SubmitCommands too.
  {
    v1::SubmitCommandsRequest request;
    *request.add_commands()->mutable_record_loan_repayment() =
        MakeRepayment(loan_id, 1 * kYuan, d);
    v1::SubmitCommandsResponse response;
    ExpectRejected(
        [&] { return As(service_).SubmitCommands(request, &response); },
        StatusCode::PERMISSION_DENIED, v1::ROLE_REQUIRED,
        "service, SubmitCommands");
  }

  // Loan queries are personal data: finance, loan officers and auditors.
  const uint64_t head = HeadSequence(Admin());
  auto queries = [&](const ReliefClient& client) {
    std::vector<RpcResult> results;
    v1::GetLoanRequest get;
    get.set_loan_id(loan_id);
    get.set_min_sequence(head);
    v1::GetLoanResponse got;
    results.push_back(client.GetLoan(get, &got));
    v1::ListLoansRequest list;
    list.set_unit_code("sd");
    list.set_subtree(true);
    list.set_min_sequence(head);
    v1::ListLoansResponse listed;
    results.push_back(client.ListLoans(list, &listed));
    v1::GetGuarantorExposureRequest exposure;
    exposure.set_unit_code("sd");
    exposure.set_subtree(true);
    exposure.set_min_sequence(head);
    v1::GetGuarantorExposureResponse exposed;
    results.push_back(client.GetGuarantorExposure(exposure, &exposed));
    v1::ListLoansDueRequest due;
    due.set_unit_code("sd");
    due.set_subtree(true);
    due.set_within_days(60);
    due.set_min_sequence(head);
    v1::ListLoansDueResponse dued;
    results.push_back(client.ListLoansDue(due, &dued));
    return results;
  };
  const std::vector<std::string> names = {
      "GetLoan", "ListLoans", "GetGuarantorExposure", "ListLoansDue"};
  for (const auto& [who, token] :
       std::vector<std::pair<std::string, std::string>>{
           {"service", service_}, {"admin", server().admin_token()}}) {
    const std::vector<RpcResult> results = queries(As(token));
    for (size_t i = 0; i < results.size(); ++i) {
      EXPECT_TRUE(IsRpcError(results[i], StatusCode::PERMISSION_DENIED,
                             v1::ROLE_REQUIRED))
          << who << " " << names[i];
    }
  }
  for (const auto& [who, token] :
       std::vector<std::pair<std::string, std::string>>{
           {"finance", finance_},
           {"loan officer", loan_two_},
           {"auditor", auditor_}}) {
    const std::vector<RpcResult> results = queries(As(token));
    for (size_t i = 0; i < results.size(); ++i) {
      EXPECT_TRUE(RpcOk(results[i])) << who << " " << names[i];
    }
  }
  // Products are not personal: any role may list them.
  v1::ListLoanProductsRequest request;
  request.set_min_sequence(head);
  v1::ListLoanProductsResponse response;
  EXPECT_TRUE(RpcOk(As(service_).ListLoanProducts(request, &response)));
  EXPECT_EQ(response.products_size(), 2);
  // No token at all: unauthenticated.
  v1::GetLoanRequest get;
  get.set_loan_id(loan_id);
  v1::GetLoanResponse got;
  EXPECT_EQ(As("").GetLoan(get, &got).status.error_code(),
            StatusCode::UNAUTHENTICATED);

  // The loan is as the loan officer left it.
  const v1::Loan loan = GetLoan(loan_id, d, head);
  EXPECT_EQ(loan.outstanding_principal_fen(), 9'000 * kYuan);
  EXPECT_EQ(loan.repayments_size(), 1);
  EXPECT_TRUE(loan.has_pending_write_off());
}

TEST_F(LoansTest, SameRequestIdReplaysTheDisbursement) {
  SetProducts();
  const std::string dossier = Dossier("sd.jn", 1);
  const v1::DisburseLoanRequest request =
      MakeLoan(dossier, "sd.jn", 10'000 * kYuan, 7);
  v1::DisburseLoanResponse first;
  ASSERT_TRUE(RpcOk(One().DisburseLoan(request, &first)));
  EXPECT_FALSE(first.result().replayed());
  const uint64_t head = HeadSequence(Admin());

  // The retry (say after a lost reply): the same loan, nothing appended.
  v1::DisburseLoanResponse again;
  ASSERT_TRUE(RpcOk(One().DisburseLoan(request, &again)));
  EXPECT_TRUE(again.result().replayed());
  EXPECT_EQ(again.loan_id(), first.loan_id());
  EXPECT_EQ(again.result().first_sequence(), first.result().first_sequence());
  EXPECT_EQ(HeadSequence(Admin()), head);
  EXPECT_EQ(Net("sd.jn/donations/pool", head), kJnFunds - 10'000 * kYuan)
      << "lent once";
  {
    v1::LoanBook book;
    const std::vector<v1::LoanSummary> loans =
        ListLoans("sd", true, 0, head, &book);
    ASSERT_EQ(loans.size(), 1u);
    EXPECT_EQ(loans[0].loan_id(), first.loan_id());
  }
  // The same id with other content is refused.
  v1::DisburseLoanRequest changed = request;
  changed.set_principal_fen(9'000 * kYuan);
  ExpectRejected(DisburseCall(loan_one_, changed), StatusCode::ALREADY_EXISTS,
                 v1::REQUEST_ID_REUSED, "same id, other principal");

  // Repayments replay the same way.
  const int d = GetLoan(first.loan_id(), 0, head).terms().disbursed_date();
  const v1::RecordLoanRepaymentRequest repay =
      MakeRepayment(first.loan_id(), 1'000 * kYuan, d);
  v1::RecordLoanRepaymentResponse paid, paid_again;
  ASSERT_TRUE(RpcOk(One().RecordLoanRepayment(repay, &paid)));
  ASSERT_TRUE(RpcOk(One().RecordLoanRepayment(repay, &paid_again)));
  EXPECT_TRUE(paid_again.result().replayed());
  EXPECT_EQ(paid_again.repayment_id(), paid.repayment_id());
  const v1::Loan loan =
      GetLoan(first.loan_id(), d, paid.result().first_sequence());
  EXPECT_EQ(loan.repayments_size(), 1);
  EXPECT_EQ(loan.outstanding_principal_fen(), 9'000 * kYuan);
}

// ---- Durability -----------------------------------------------------------

class LoansDurabilityTest : public LoansTest {
 protected:
  using Captured = std::vector<
      std::pair<std::string, std::shared_ptr<google::protobuf::Message>>>;

  // A richer book: the five loans of BuildBook, then a bounced repayment on
  // C, a written-off loan with a recovery, and a rescheduled one.
  Book BuildRichBook() {
    Book book = BuildBook();
    const int d = book.d;
    const std::string bounced = Repay(book.c, 2'500 * kYuan, d);
    EXPECT_TRUE(RpcOk(Reverse(One(), book.c, bounced)));
    const std::string lost =
        Disburse(MakeLoan(Dossier("sd.jn", 6), "sd.jn", 8'000 * kYuan, 8));
    Repay(lost, 1'000 * kYuan, d);
    EXPECT_TRUE(RpcOk(
        ProposeWriteOff(One(), lost, v1::WRITE_OFF_REASON_BUSINESS_FAILED)));
    EXPECT_TRUE(RpcOk(ApproveWriteOff(Two(), lost)));
    Repay(lost, 500 * kYuan, d);
    const std::string moved =
        Disburse(MakeLoan(Dossier("sd.qd", 7), "sd.qd", 6'000 * kYuan, 6));
    Repay(moved, 1'000 * kYuan, d);
    EXPECT_TRUE(RpcOk(Reschedule(Two(), moved, AddDays(d, 20), 10)));
    // A proposal left pending.
    EXPECT_TRUE(RpcOk(
        ProposeWriteOff(Two(), book.b, v1::WRITE_OFF_REASON_UNREACHABLE)));
    loans_ = {book.a, book.b, book.c, book.d_loan, book.e, lost, moved};
    book.head = HeadSequence(Admin());
    return book;
  }

  // Every loan read, as of fixed dates (never "today", which could move).
  Captured Capture(const Book& book) {
    Captured captured;
    auto keep = [&](std::string label,
                    std::shared_ptr<google::protobuf::Message> message) {
      captured.emplace_back(std::move(label), std::move(message));
    };
    const int x = AddDays(AddMonths(book.d, 1), 45);
    const std::vector<int> dates = {book.d, x, AddDays(book.d, 400)};
    for (const std::string& loan_id : loans_) {
      for (int date : dates) {
        auto loan =
            std::make_shared<v1::Loan>(GetLoan(loan_id, date, book.head));
        keep(absl::StrCat("GetLoan ", loan_id, " as of ", date), loan);
      }
    }
    for (const auto& [unit, subtree] :
         std::vector<std::pair<std::string, bool>>{{"sd", true},
                                                   {"sd.jn", true},
                                                   {"sd.jn", false},
                                                   {"sd.qd", false}}) {
      for (int date : dates) {
        for (uint32_t page_size : {0u, 2u}) {
          auto response = std::make_shared<v1::ListLoansResponse>();
          v1::LoanBook* totals = response->mutable_book();
          for (const v1::LoanSummary& summary :
               ListLoans(unit, subtree, date, book.head, totals, page_size)) {
            *response->add_loans() = summary;
          }
          keep(absl::StrCat("ListLoans ", unit, subtree ? " subtree" : "",
                            " as of ", date, " pages of ", page_size),
               response);
        }
      }
      for (int date : dates) {
        auto exposure = std::make_shared<v1::GetGuarantorExposureResponse>(
            Exposure(unit, subtree, date, book.head));
        exposure->clear_as_of_sequence();
        keep(absl::StrCat("GetGuarantorExposure ", unit, " as of ", date),
             exposure);
        auto due = std::make_shared<v1::ListLoansDueResponse>();
        for (const v1::DueInstallment& row :
             Due(unit, subtree, date, 31, book.head)) {
          *due->add_installments() = row;
        }
        keep(absl::StrCat("ListLoansDue ", unit, " as of ", date), due);
      }
    }
    {
      v1::ListLoanProductsRequest request;
      request.set_min_sequence(book.head);
      auto products = std::make_shared<v1::ListLoanProductsResponse>();
      EXPECT_TRUE(RpcOk(RetryWhileCatchingUp(
          [&] { return One().ListLoanProducts(request, products.get()); })));
      products->clear_as_of_sequence();
      keep("ListLoanProducts", products);
    }
    for (const std::string unit : {"sd.jn", "sd.jn.zc", "sd.qd"}) {
      auto summary = std::make_shared<v1::FundSummary>(
          Summary(unit, false, kDonations, book.head));
      keep(absl::StrCat("GetFundSummary ", unit), summary);
      for (const std::string kind :
           {"pool", "loans_receivable", "loan_losses"}) {
        const std::string account = absl::StrCat(unit, "/donations/", kind);
        auto balance = std::make_shared<v1::GetBalanceResponse>();
        v1::GetBalanceRequest request;
        request.set_account(account);
        request.set_min_sequence(book.head);
        const RpcResult result = RetryWhileCatchingUp(
            [&] { return Finance().GetBalance(request, balance.get()); });
        if (!result.ok()) {
          EXPECT_EQ(result.reason, "ACCOUNT_NOT_FOUND") << account;
        }
        balance->clear_as_of_sequence();
        keep(absl::StrCat("GetBalance ", account), balance);
      }
    }
    return captured;
  }

  // Compares two captures message by message.
  void ExpectSame(const Captured& before, const Captured& after,
                  const std::string& when) {
    SCOPED_TRACE(when);
    ASSERT_EQ(before.size(), after.size());
    for (size_t i = 0; i < before.size(); ++i) {
      ASSERT_EQ(before[i].first, after[i].first);
      EXPECT_EQ(Differences(*before[i].second, *after[i].second), "")
          << before[i].first;
    }
  }

  std::vector<std::string> loans_;
};

TEST_F(LoansDurabilityTest, RestartAndCrashKeepEveryLoan) {
  const Book book = BuildRichBook();
  ASSERT_FALSE(HasFailure());
  const Captured before = Capture(book);
  ASSERT_GT(before.size(), 50u);
  // The capture really holds loans in every state.
  const auto& lost = static_cast<const v1::Loan&>(*before[15].second);
  EXPECT_EQ(lost.status(), v1::LOAN_STATUS_WRITTEN_OFF) << before[15].first;

  RELIEF_ASSERT_OK(server().Restart());
  EXPECT_EQ(HeadSequence(Admin()), book.head);
  ExpectSame(before, Capture(book), "after SIGTERM");

  RELIEF_ASSERT_OK(server().Kill());
  RELIEF_ASSERT_OK(server().Start());
  EXPECT_EQ(HeadSequence(Admin()), book.head);
  ExpectSame(before, Capture(book), "after SIGKILL");

  // The book goes on from there: the rule of one loan per person still
  // knows about A's borrower, and a repayment lands on the next sequence.
  uint64_t seq = 0;
  Repay(book.a, 1'000 * kYuan, book.d, &seq);
  EXPECT_EQ(seq, book.head + 1);
  EXPECT_EQ(GetLoan(book.a, book.d, seq).outstanding_principal_fen(),
            9'000 * kYuan);
  ExpectRejected(
      DisburseCall(loan_one_,
                   MakeLoan(GetLoan(book.a, book.d, seq).terms().dossier_id(),
                            "sd.jn", 1'000 * kYuan, 3)),
      StatusCode::FAILED_PRECONDITION, v1::LOAN_BORROWER_HAS_ACTIVE_LOAN,
      "A's borrower after the crash");
}

TEST_F(LoansDurabilityTest, RebuiltLoansReadModelIsIdentical) {
  const Book book = BuildRichBook();
  ASSERT_FALSE(HasFailure());
  const Captured before = Capture(book);

  RELIEF_ASSERT_OK(server().Stop());
  absl::StatusOr<CommandOutput> rebuilt =
      RunCommand({server().reliefd_path(), "rebuild-projections", "--data-dir",
                  server().data_dir()});
  RELIEF_ASSERT_OK(rebuilt.status());
  EXPECT_EQ(rebuilt->exit_code, 0) << rebuilt->output;
  RELIEF_ASSERT_OK(server().Start());
  EXPECT_EQ(HeadSequence(Admin()), book.head);
  ExpectSame(before, Capture(book), "after rebuild-projections");

  // The loans projection is among those rebuilt, and reaches the head.
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(10);
  v1::GetStatusResponse status;
  auto loans_checkpoint = [&]() -> uint64_t {
    for (const v1::ProjectionStatus& projection : status.projections()) {
      if (projection.name() == "loans") return projection.checkpoint_sequence();
    }
    return 0;
  };
  do {
    status = Status(Admin());
  } while (loans_checkpoint() != book.head &&
           std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(loans_checkpoint(), book.head) << status.ShortDebugString();
}

}  // namespace
}  // namespace relief::testing
