// Drives the loan commands against an in-process fake of LedgerService and
// QueryService: the exact requests sent, what is printed, and that a usage
// error sends nothing.
#include <memory>
#include <mutex>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "clients/reliefctl/cli.h"
#include "clients/reliefctl/commands.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "relief/v1/ledger_service.grpc.pb.h"
#include "relief/v1/query_service.grpc.pb.h"

namespace reliefctl {
namespace {

using grpc::ServerContext;
using grpc::Status;
using grpc::StatusCode;

// 2024-11-24 10:14:03.123 UTC.
constexpr int64_t kRecordedAt = 1732443243123000;

struct Seen {
  std::mutex mu;
  int ledger_calls = 0;
  int query_calls = 0;
  relief::v1::SetLoanProductRequest product;
  relief::v1::DisburseLoanRequest disburse;
  relief::v1::RecordLoanRepaymentRequest repay;
  relief::v1::ReverseLoanRepaymentRequest reverse;
  relief::v1::ProposeLoanWriteOffRequest writeoff;
  relief::v1::ApproveLoanWriteOffRequest approve;
  relief::v1::RescheduleLoanRequest reschedule;
  std::vector<relief::v1::GetLoanRequest> get_loan;
  std::vector<relief::v1::ListLoansRequest> list;
  relief::v1::GetGuarantorExposureRequest exposure;
  relief::v1::ListLoansDueRequest due;
  bool get_loan_fails = false;  // GetLoan answers UNIMPLEMENTED
};

void Done(relief::v1::CommandResult* result, uint64_t sequence) {
  result->set_first_sequence(sequence);
  result->set_event_count(1);
  result->set_recorded_at_unix_micros(kRecordedAt);
}

Status Reject(ServerContext* context, StatusCode code,
              const std::string& reason, const std::string& message) {
  context->AddTrailingMetadata("relief-reason", reason);
  return Status(code, reason + ": " + message);
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

// 33,333.33 yuan over 3 months at 3.65 %, equal principal.
relief::v1::Loan MakeLoan(const std::string& id, int as_of_date) {
  relief::v1::Loan loan;
  relief::v1::LoanDisbursed& t = *loan.mutable_terms();
  t.set_loan_id(id);
  t.set_dossier_id("d17");
  t.set_borrower_name("张三");
  t.set_unit_code("jining.zoucheng");
  t.set_fund_source(relief::v1::FUND_SOURCE_DONATIONS);
  t.set_product("startup");
  t.set_principal_fen(3333333);
  t.set_term_months(3);
  t.set_annual_rate_bp(365);
  t.set_method(relief::v1::REPAYMENT_METHOD_EQUAL_PRINCIPAL);
  t.set_disbursed_date(20260131);
  t.mutable_guarantor()->set_employer_name("邹城煤矿");
  t.mutable_guarantor()->set_contact("王科长 13800000000");
  t.mutable_guarantor()->set_reference("DB-2026-007");
  t.set_purpose("早餐店");
  loan.set_as_of_date(as_of_date);
  loan.set_status(relief::v1::LOAN_STATUS_OVERDUE);
  loan.set_days_past_due(8);
  loan.set_bucket(relief::v1::AGING_BUCKET_DPD_1_30);
  loan.set_outstanding_principal_fen(2222222);
  loan.set_principal_repaid_fen(1111111);
  loan.set_payoff_fen(2228983);
  relief::v1::LoanSchedule& s = *loan.mutable_schedule();
  s.set_version(2);
  s.set_effective_date(20260215);
  s.set_reason("受灾展期");
  auto* paid = AddInstallment(&s, 1, 20260228, 1111111, 10139);
  paid->set_principal_paid_fen(1111111);
  paid->set_interest_paid_fen(10139);
  paid->set_paid_date(20260226);
  AddInstallment(&s, 2, 20260328, 1111111, 6761)->set_overdue(true);
  AddInstallment(&s, 3, 20260428, 1111111, 3380);
  relief::v1::LoanSchedule& earlier = *loan.add_earlier_schedules();
  earlier.set_version(1);
  earlier.set_effective_date(20260131);
  AddInstallment(&earlier, 1, 20260131, 3333333, 10139);
  auto* r = loan.add_repayments();
  r->mutable_recorded()->set_repayment_id("r50");
  r->mutable_recorded()->set_amount_fen(1121250);
  r->mutable_recorded()->set_value_date(20260226);
  r->mutable_recorded()->set_payer("张三");
  r->set_sequence(50);
  auto* bounced = loan.add_repayments();
  bounced->mutable_recorded()->set_repayment_id("r55");
  bounced->mutable_recorded()->set_amount_fen(500000);
  bounced->mutable_recorded()->set_value_date(20260310);
  bounced->mutable_recorded()->set_payer("邹城煤矿");
  bounced->set_sequence(55);
  bounced->set_reversed(true);
  bounced->set_reversal_reason("银行退票");
  return loan;
}

relief::v1::LoanSummary MakeSummary(const std::string& id,
                                    const std::string& borrower) {
  relief::v1::LoanSummary s;
  s.set_loan_id(id);
  s.set_dossier_id("d17");
  s.set_borrower_name(borrower);
  s.set_unit_code("jining.zoucheng");
  s.set_fund_source(relief::v1::FUND_SOURCE_DONATIONS);
  s.set_product("startup");
  s.set_principal_fen(3000000);
  s.set_disbursed_date(20260131);
  s.set_status(relief::v1::LOAN_STATUS_CURRENT);
  s.set_bucket(relief::v1::AGING_BUCKET_CURRENT);
  s.set_outstanding_principal_fen(2000000);
  s.set_next_due_date(20260428);
  s.set_guarantor("邹城煤矿");
  return s;
}

relief::v1::LoanBook MakeBook() {
  relief::v1::LoanBook b;
  b.set_loans(3);
  b.set_active_loans(3);
  b.set_disbursed_fen(9000000);
  b.set_outstanding_principal_fen(6000000);
  b.set_repaid_principal_fen(3000000);
  const relief::v1::AgingBucket buckets[] = {
      relief::v1::AGING_BUCKET_CURRENT, relief::v1::AGING_BUCKET_DPD_1_30,
      relief::v1::AGING_BUCKET_DPD_31_90, relief::v1::AGING_BUCKET_DPD_91_180,
      relief::v1::AGING_BUCKET_DPD_OVER_180};
  const int64_t outstanding[] = {4000000, 1259400, 740600, 0, 0};
  const uint32_t loans[] = {1, 1, 1, 0, 0};
  for (int i = 0; i < 5; ++i) {
    auto* row = b.add_aging();
    row->set_bucket(buckets[i]);
    row->set_loans(loans[i]);
    row->set_outstanding_principal_fen(outstanding[i]);
  }
  b.set_par30_principal_fen(740600);
  b.set_par30_bp(1234);
  return b;
}

class FakeLedger final : public relief::v1::LedgerService::Service {
 public:
  explicit FakeLedger(Seen* seen) : seen_(seen) {}

  Status SetLoanProduct(ServerContext*,
                        const relief::v1::SetLoanProductRequest* request,
                        relief::v1::SetLoanProductResponse* response) override {
    std::lock_guard<std::mutex> lock(seen_->mu);
    ++seen_->ledger_calls;
    seen_->product = *request;
    Done(response->mutable_result(), 12);
    return Status::OK;
  }

  Status DisburseLoan(ServerContext* context,
                      const relief::v1::DisburseLoanRequest* request,
                      relief::v1::DisburseLoanResponse* response) override {
    std::lock_guard<std::mutex> lock(seen_->mu);
    ++seen_->ledger_calls;
    seen_->disburse = *request;
    if (request->dossier_id() == "d99") {
      return Reject(context, StatusCode::FAILED_PRECONDITION,
                    "LOAN_BORROWER_HAS_ACTIVE_LOAN",
                    "the borrower has loan l7 outstanding");
    }
    Done(response->mutable_result(), 61);
    response->set_loan_id("l61");
    return Status::OK;
  }

  Status RecordLoanRepayment(
      ServerContext* context,
      const relief::v1::RecordLoanRepaymentRequest* request,
      relief::v1::RecordLoanRepaymentResponse* response) override {
    std::lock_guard<std::mutex> lock(seen_->mu);
    ++seen_->ledger_calls;
    seen_->repay = *request;
    if (request->amount_fen() > 10000000) {
      return Reject(context, StatusCode::FAILED_PRECONDITION,
                    "LOAN_OVERPAYMENT",
                    "more than the payoff of 22,289.83 yuan");
    }
    Done(response->mutable_result(), 70);
    response->set_repayment_id("r70");
    return Status::OK;
  }

  Status ReverseLoanRepayment(
      ServerContext*, const relief::v1::ReverseLoanRepaymentRequest* request,
      relief::v1::ReverseLoanRepaymentResponse* response) override {
    std::lock_guard<std::mutex> lock(seen_->mu);
    ++seen_->ledger_calls;
    seen_->reverse = *request;
    Done(response->mutable_result(), 71);
    return Status::OK;
  }

  Status ProposeLoanWriteOff(
      ServerContext*, const relief::v1::ProposeLoanWriteOffRequest* request,
      relief::v1::ProposeLoanWriteOffResponse* response) override {
    std::lock_guard<std::mutex> lock(seen_->mu);
    ++seen_->ledger_calls;
    seen_->writeoff = *request;
    Done(response->mutable_result(), 72);
    return Status::OK;
  }

  Status ApproveLoanWriteOff(
      ServerContext* context,
      const relief::v1::ApproveLoanWriteOffRequest* request,
      relief::v1::ApproveLoanWriteOffResponse* response) override {
    std::lock_guard<std::mutex> lock(seen_->mu);
    ++seen_->ledger_calls;
    seen_->approve = *request;
    if (request->loan_id() == "l7") {
      return Reject(context, StatusCode::FAILED_PRECONDITION,
                    "LOAN_WRITE_OFF_SAME_PRINCIPAL",
                    "li.wei proposed it; another principal approves");
    }
    Done(response->mutable_result(), 73);
    return Status::OK;
  }

  Status RescheduleLoan(ServerContext*,
                        const relief::v1::RescheduleLoanRequest* request,
                        relief::v1::RescheduleLoanResponse* response) override {
    std::lock_guard<std::mutex> lock(seen_->mu);
    ++seen_->ledger_calls;
    seen_->reschedule = *request;
    Done(response->mutable_result(), 74);
    return Status::OK;
  }

 private:
  Seen* seen_;
};

class FakeQuery final : public relief::v1::QueryService::Service {
 public:
  explicit FakeQuery(Seen* seen) : seen_(seen) {}

  Status GetLoan(ServerContext* context,
                 const relief::v1::GetLoanRequest* request,
                 relief::v1::GetLoanResponse* response) override {
    std::lock_guard<std::mutex> lock(seen_->mu);
    ++seen_->query_calls;
    seen_->get_loan.push_back(*request);
    if (seen_->get_loan_fails) {
      return Status(StatusCode::UNIMPLEMENTED, "not yet");
    }
    if (request->loan_id() != "l42" && request->loan_id() != "l61") {
      return Reject(context, StatusCode::NOT_FOUND, "LOAN_NOT_FOUND",
                    "no loan " + request->loan_id());
    }
    *response->mutable_loan() =
        MakeLoan(request->loan_id(),
                 request->as_of_date() == 0 ? 20260405 : request->as_of_date());
    response->set_as_of_sequence(80);
    return Status::OK;
  }

  // Pages of one loan each: tokens "" -> "1" -> "2" -> end.
  Status ListLoans(ServerContext*, const relief::v1::ListLoansRequest* request,
                   relief::v1::ListLoansResponse* response) override {
    std::lock_guard<std::mutex> lock(seen_->mu);
    ++seen_->query_calls;
    seen_->list.push_back(*request);
    const int page =
        request->page_token().empty() ? 0 : std::stoi(request->page_token());
    const char* borrowers[] = {"张三", "李四", "王五"};
    *response->add_loans() =
        MakeSummary(absl::StrCat("l", 42 + page), borrowers[page]);
    if (page < 2 && request->page_size() == 1) {
      response->set_next_page_token(absl::StrCat(page + 1));
    } else if (request->page_size() > 1) {
      for (int i = page + 1; i < 3; ++i) {
        *response->add_loans() =
            MakeSummary(absl::StrCat("l", 42 + i), borrowers[i]);
      }
    }
    *response->mutable_book() = MakeBook();
    response->set_as_of_date(
        request->as_of_date() == 0 ? 20260405 : request->as_of_date());
    response->set_as_of_sequence(80 + page);
    return Status::OK;
  }

  Status GetGuarantorExposure(
      ServerContext*, const relief::v1::GetGuarantorExposureRequest* request,
      relief::v1::GetGuarantorExposureResponse* response) override {
    std::lock_guard<std::mutex> lock(seen_->mu);
    ++seen_->query_calls;
    seen_->exposure = *request;
    auto* g = response->add_guarantors();
    g->set_employer_name("邹城煤矿");
    g->set_loans(3);
    g->set_outstanding_principal_fen(6000000);
    g->set_overdue_principal_fen(2000000);
    response->set_as_of_date(20260405);
    response->set_as_of_sequence(80);
    return Status::OK;
  }

  Status ListLoansDue(ServerContext*,
                      const relief::v1::ListLoansDueRequest* request,
                      relief::v1::ListLoansDueResponse* response) override {
    std::lock_guard<std::mutex> lock(seen_->mu);
    ++seen_->query_calls;
    seen_->due = *request;
    auto* d = response->add_installments();
    d->set_loan_id("l42");
    d->set_dossier_id("d17");
    d->set_borrower_name("张三");
    d->set_unit_code("jining.zoucheng");
    d->set_number(2);
    d->set_due_date(20260328);
    d->set_principal_due_fen(1111111);
    d->set_interest_due_fen(6761);
    d->set_days_past_due(8);
    d->set_guarantor("邹城煤矿");
    d->set_guarantor_contact("王科长 13800000000");
    response->set_as_of_date(20260405);
    response->set_as_of_sequence(80);
    return Status::OK;
  }

  Status ListLoanProducts(
      ServerContext*, const relief::v1::ListLoanProductsRequest*,
      relief::v1::ListLoanProductsResponse* response) override {
    std::lock_guard<std::mutex> lock(seen_->mu);
    ++seen_->query_calls;
    for (const int date : {20250101, 20260101}) {
      auto* p = response->add_products();
      p->set_product("startup");
      p->set_name_zh("创业小额借款");
      p->set_effective_date(date);
      p->set_min_principal_fen(1000000);
      p->set_max_principal_fen(5000000);
      p->set_min_term_months(6);
      p->set_max_term_months(36);
      p->set_annual_rate_bp(date == 20250101 ? 0 : 365);
      p->add_fund_sources(relief::v1::FUND_SOURCE_DONATIONS);
      p->set_guarantor_required(true);
    }
    response->set_as_of_sequence(80);
    return Status::OK;
  }

 private:
  Seen* seen_;
};

class LoanCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    unsetenv("RELIEF_SERVER");
    unsetenv("RELIEF_TOKEN");
    ledger_ = std::make_unique<FakeLedger>(&seen_);
    query_ = std::make_unique<FakeQuery>(&seen_);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(ledger_.get());
    builder.RegisterService(query_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    address_ = absl::StrCat("127.0.0.1:", port);
  }

  void TearDown() override { server_->Shutdown(); }

  int Run(std::vector<std::string> args, bool connect = true) {
    if (connect) {
      args.insert(args.end(), {"--server", address_, "--token", "t0ken"});
    }
    std::vector<const char*> argv = {"reliefctl"};
    for (const std::string& arg : args) argv.push_back(arg.c_str());
    out_.str("");
    err_.str("");
    return RunReliefctl(static_cast<int>(argv.size()), argv.data(), out_, err_);
  }

  bool Has(const std::string& needle) const {
    return out_.str().find(needle) != std::string::npos;
  }
  bool ErrHas(const std::string& needle) const {
    return err_.str().find(needle) != std::string::npos;
  }
  std::vector<std::string> OutLines() const {
    std::vector<std::string> lines = absl::StrSplit(out_.str(), '\n');
    if (!lines.empty() && lines.back().empty()) lines.pop_back();
    return lines;
  }
  int Calls() {
    std::lock_guard<std::mutex> lock(seen_.mu);
    return seen_.ledger_calls + seen_.query_calls;
  }

  Seen seen_;
  std::unique_ptr<FakeLedger> ledger_;
  std::unique_ptr<FakeQuery> query_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
  std::ostringstream out_;
  std::ostringstream err_;
};

bool IsUuid(const std::string& id) {
  return std::regex_match(
      id, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                     "[0-9a-f]{12}"));
}

TEST(AnnualRateTest, PercentToBasisPointsExactly) {
  EXPECT_EQ(ParseAnnualRateBp("3.65"), 365u);
  EXPECT_EQ(ParseAnnualRateBp("3.6"), 360u);
  EXPECT_EQ(ParseAnnualRateBp("3"), 300u);
  EXPECT_EQ(ParseAnnualRateBp("0"), 0u);
  EXPECT_EQ(ParseAnnualRateBp("0.07"), 7u);
  EXPECT_EQ(ParseAnnualRateBp("4.35"), 435u);  // 4.35 is not exact in binary
  EXPECT_EQ(ParseAnnualRateBp("24"), 2400u);
  EXPECT_EQ(ParseAnnualRateBp("24.00"), 2400u);
  EXPECT_EQ(ParseAnnualRateBp(" 3.65% "), 365u);
  EXPECT_EQ(ParseAnnualRateBp("3.65 %"), 365u);
  for (const char* bad :
       {"", "%", "3.655", "24.01", "25", "-1", "+1", "3.", ".5", "3,65", "1e1",
        "abc", "3.6.5", "0x10", "99999999999"}) {
    EXPECT_EQ(ParseAnnualRateBp(bad), std::nullopt) << bad;
  }
}

TEST_F(LoanCliTest, ProductSetBuildsTheProduct) {
  EXPECT_EQ(Run({"loan",
                 "product",
                 "set",
                 "--product",
                 "startup",
                 "--name-zh",
                 "创业小额借款",
                 "--name-en",
                 "startup loan",
                 "--effective",
                 "2026-01-01",
                 "--min",
                 "10,000",
                 "--max",
                 "50000.50",
                 "--min-term",
                 "6",
                 "--max-term",
                 "36",
                 "--rate",
                 "3.65",
                 "--max-grace",
                 "3",
                 "--source",
                 "donations",
                 "--source",
                 "own-funds",
                 "--guarantor-required",
                 "--method",
                 "equal-principal",
                 "--method",
                 "equal_installment"}),
            0)
      << err_.str();
  const relief::v1::LoanProductSet& p = seen_.product.product();
  EXPECT_EQ(p.product(), "startup");
  EXPECT_EQ(p.name_zh(), "创业小额借款");
  EXPECT_EQ(p.name_en(), "startup loan");
  EXPECT_EQ(p.effective_date(), 20260101);
  EXPECT_EQ(p.min_principal_fen(), 1000000);
  EXPECT_EQ(p.max_principal_fen(), 5000050);
  EXPECT_EQ(p.min_term_months(), 6u);
  EXPECT_EQ(p.max_term_months(), 36u);
  EXPECT_EQ(p.annual_rate_bp(), 365u);
  EXPECT_EQ(p.max_grace_months(), 3u);
  ASSERT_EQ(p.fund_sources_size(), 2);
  EXPECT_EQ(p.fund_sources(0), relief::v1::FUND_SOURCE_DONATIONS);
  EXPECT_EQ(p.fund_sources(1), relief::v1::FUND_SOURCE_OWN_FUNDS);
  EXPECT_TRUE(p.guarantor_required());
  ASSERT_EQ(p.methods_size(), 2);
  EXPECT_EQ(p.methods(0), relief::v1::REPAYMENT_METHOD_EQUAL_PRINCIPAL);
  EXPECT_EQ(p.methods(1), relief::v1::REPAYMENT_METHOD_EQUAL_INSTALLMENT);
  EXPECT_TRUE(IsUuid(seen_.product.request_id())) << seen_.product.request_id();
  EXPECT_TRUE(Has("3.65%")) << out_.str();
  EXPECT_TRUE(Has("10,000.00 – 50,000.50"));
  EXPECT_TRUE(
      Has("set loan product 借款产品 startup 创业小额借款, in force from "
          "2026-01-01"));
  EXPECT_TRUE(Has("request id"));

  // Interest-free, no guarantor, both methods by default, a given id.
  EXPECT_EQ(Run({"loan",       "product",      "set",      "--product",
                 "free",       "--name-zh",    "免息借款", "--effective",
                 "2026-07-01", "--min",        "1000",     "--max",
                 "1000",       "--min-term",   "1",        "--max-term",
                 "1",          "--rate",       "0",        "--source",
                 "government", "--request-id", "p-1"}),
            0)
      << err_.str();
  EXPECT_EQ(seen_.product.request_id(), "p-1");
  EXPECT_EQ(seen_.product.product().annual_rate_bp(), 0u);
  EXPECT_EQ(seen_.product.product().max_grace_months(), 0u);
  EXPECT_EQ(seen_.product.product().methods_size(), 0);
  EXPECT_FALSE(seen_.product.product().guarantor_required());

  EXPECT_EQ(
      Run({"--json",   "loan",       "product",  "set",         "--product",
           "free",     "--name-zh",  "免息借款", "--effective", "2026-07-01",
           "--min",    "1000",       "--max",    "1000",        "--min-term",
           "1",        "--max-term", "1",        "--rate",      "0",
           "--source", "government"}),
      0);
  EXPECT_TRUE(Has("\"first_sequence\":\"12\"")) << out_.str();
}

TEST_F(LoanCliTest, ProductSetUsageErrorsSendNothing) {
  const std::vector<std::string> base = {
      "loan",       "product", "set",         "--product",  "startup",
      "--name-zh",  "创业",    "--effective", "2026-01-01", "--min",
      "10000",      "--max",   "50000",       "--min-term", "6",
      "--max-term", "36",      "--rate",      "3.65",       "--source",
      "donations"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  for (const std::vector<std::string>& extra :
       std::vector<std::vector<std::string>>{
           {"--rate", "3.655"},
           {"--rate", "25"},
           {"--rate", "-1"},
           {"--rate", "3,65"},
           {"--min", "60000"},  // more than --max
           {"--min", "0"},
           {"--min-term", "40"},  // more than --max-term
           {"--max-term", "121"},
           {"--min-term", "0"},
           {"--max-grace", "36"},  // not fewer than --max-term
           {"--method", "balloon"},
           {"--source", "bank"},
           {"--product", "Start-Up"},
           {"--effective", "2026-02-29"},
       }) {
    EXPECT_EQ(Run(with(extra)), 2) << extra[0] << " " << extra[1];
  }
  EXPECT_EQ(Run(with({"--rate", "3.655"})), 2);
  EXPECT_TRUE(ErrHas("a rate is percent a year")) << err_.str();
  EXPECT_EQ(Run(with({"--method", "balloon"})), 2);
  EXPECT_TRUE(ErrHas("equal_principal|equal_installment")) << err_.str();
  EXPECT_EQ(Run({"loan", "product", "set", "--product", "startup"}), 2);
  EXPECT_EQ(Calls(), 0);
}

TEST_F(LoanCliTest, ProductList) {
  EXPECT_EQ(Run({"loan", "product", "list", "--min-sequence", "12"}), 0)
      << err_.str();
  const std::vector<std::string> lines = OutLines();
  ASSERT_EQ(lines.size(), 4u) << out_.str();
  EXPECT_NE(lines[1].find("2025-01-01"), std::string::npos);
  EXPECT_NE(lines[1].find("0.00%"), std::string::npos);
  EXPECT_NE(lines[2].find("3.65%"), std::string::npos);
  EXPECT_NE(lines[3].find("2 product version(s)"), std::string::npos);
  EXPECT_EQ(Run({"--json", "loan", "product", "list"}), 0);
  EXPECT_EQ(OutLines().size(), 1u);
  EXPECT_TRUE(Has("\"annual_rate_bp\":365"));
}

TEST_F(LoanCliTest, DisbursePrintsTheLoanIdAndSchedule) {
  EXPECT_EQ(Run({"loan",
                 "disburse",
                 "--dossier",
                 "d17",
                 "--unit",
                 "jining.zoucheng",
                 "--source",
                 "donations",
                 "--product",
                 "startup",
                 "--principal",
                 "33,333.33",
                 "--term",
                 "3",
                 "--method",
                 "equal-principal",
                 "--guarantor",
                 "邹城煤矿",
                 "--guarantor-contact",
                 "王科长 13800000000",
                 "--guarantee-ref",
                 "DB-2026-007",
                 "--purpose",
                 "早餐店"}),
            0)
      << err_.str();
  const relief::v1::DisburseLoanRequest& d = seen_.disburse;
  EXPECT_EQ(d.dossier_id(), "d17");
  EXPECT_EQ(d.unit_code(), "jining.zoucheng");
  EXPECT_EQ(d.fund_source(), relief::v1::FUND_SOURCE_DONATIONS);
  EXPECT_EQ(d.product(), "startup");
  EXPECT_EQ(d.principal_fen(), 3333333);
  EXPECT_EQ(d.term_months(), 3u);
  EXPECT_EQ(d.grace_months(), 0u);
  EXPECT_EQ(d.method(), relief::v1::REPAYMENT_METHOD_EQUAL_PRINCIPAL);
  EXPECT_EQ(d.guarantor().employer_name(), "邹城煤矿");
  EXPECT_EQ(d.guarantor().contact(), "王科长 13800000000");
  EXPECT_EQ(d.guarantor().reference(), "DB-2026-007");
  EXPECT_EQ(d.purpose(), "早餐店");
  EXPECT_TRUE(IsUuid(d.request_id()));
  // The schedule is read at the disbursement's sequence.
  ASSERT_EQ(seen_.get_loan.size(), 1u);
  EXPECT_EQ(seen_.get_loan[0].loan_id(), "l61");
  EXPECT_EQ(seen_.get_loan[0].min_sequence(), 61u);
  EXPECT_EQ(seen_.get_loan[0].as_of_date(), 0);
  EXPECT_TRUE(
      Has("disbursed 放款 33,333.33 yuan to dossier d17 from "
          "jining.zoucheng 社会捐助 donations, product startup, 3 "
          "month(s), equal principal 等额本金"))
      << out_.str();
  EXPECT_TRUE(Has("loan id      l61"));
  EXPECT_TRUE(Has("sequence     61"));
  EXPECT_TRUE(Has("schedule 还款计划\n"));
  EXPECT_TRUE(Has("2026-03-28"));
  EXPECT_TRUE(Has("剩余本金 PRINCIPAL LEFT"));
  EXPECT_TRUE(Has("11,178.72"));  // installment 2: 11,111.11 + 67.61
  EXPECT_TRUE(Has("22,222.22"));  // principal left after installment 1
}

TEST_F(LoanCliTest, DisburseWithoutAReadableScheduleStillSucceeds) {
  seen_.get_loan_fails = true;
  EXPECT_EQ(Run({"loan",      "disburse",    "--dossier",
                 "d17",       "--unit",      "jining",
                 "--source",  "federation",  "--product",
                 "startup",   "--principal", "10000",
                 "--term",    "12",          "--grace",
                 "2",         "--method",    "equal_installment",
                 "--purpose", "修车铺",      "--request-id",
                 "loan-d17"}),
            0)
      << err_.str();
  EXPECT_EQ(seen_.disburse.request_id(), "loan-d17");
  EXPECT_EQ(seen_.disburse.grace_months(), 2u);
  EXPECT_EQ(seen_.disburse.method(),
            relief::v1::REPAYMENT_METHOD_EQUAL_INSTALLMENT);
  EXPECT_FALSE(seen_.disburse.has_guarantor());
  EXPECT_TRUE(Has("12 month(s) (2 interest only), equal installment 等额本息"))
      << out_.str();
  EXPECT_TRUE(Has("loan id      l61"));
  EXPECT_TRUE(
      Has("schedule 还款计划: not readable yet; see reliefctl loan "
          "show --loan l61"));

  EXPECT_EQ(Run({"--json", "loan", "disburse", "--dossier", "d17", "--unit",
                 "jining", "--source", "federation", "--product", "startup",
                 "--principal", "10000", "--term", "12", "--method",
                 "equal_installment", "--purpose", "修车铺"}),
            0);
  EXPECT_EQ(OutLines().size(), 1u);
  EXPECT_TRUE(Has("\"loan_id\":\"l61\"")) << out_.str();
}

TEST_F(LoanCliTest, DisburseErrors) {
  const std::vector<std::string> base = {
      "loan",        "disburse",        "--unit",    "jining",
      "--source",    "donations",       "--product", "startup",
      "--principal", "10000",           "--term",    "12",
      "--method",    "equal_principal", "--purpose", "小吃店"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  // The server refuses: its reason and the request id to retry with.
  EXPECT_EQ(Run(with({"--dossier", "d99", "--request-id", "r-9"})), 19);
  EXPECT_TRUE(ErrHas("LOAN_BORROWER_HAS_ACTIVE_LOAN")) << err_.str();
  EXPECT_TRUE(ErrHas("request id r-9"));
  EXPECT_EQ(out_.str(), "");
  const int sent = Calls();

  for (const std::vector<std::string>& extra :
       std::vector<std::vector<std::string>>{
           {},  // no --dossier
           {"--dossier", "d17", "--grace", "12"},
           {"--dossier", "d17", "--term", "0"},
           {"--dossier", "d17", "--term", "121"},
           {"--dossier", "d17", "--principal", "1.234"},
           {"--dossier", "d17", "--method", "bullet"},
           {"--dossier", "d17", "--guarantor", "邹城煤矿"},  // no contact, ref
           {"--dossier", "d17", "--guarantor-contact", "王"},
           {"--dossier", "d17", "--guarantee-ref", "DB-1"},
           {"--dossier", "d17", "--source", "bank"},
       }) {
    EXPECT_EQ(Run(with(extra)), 2) << (extra.empty() ? "" : extra.back());
  }
  EXPECT_EQ(Run({"loan", "disburse", "--dossier", "d17", "--unit", "jining",
                 "--source", "donations", "--product", "startup", "--principal",
                 "10000", "--term", "12", "--purpose", "x"}),
            2);  // --method is required
  EXPECT_EQ(Calls(), sent);
}

TEST_F(LoanCliTest, RepayDefaultsToTodayAndPrintsTheRepaymentId) {
  EXPECT_EQ(Run({"loan", "repay", "--loan", "l42", "--amount", "11,178.72",
                 "--payer", "张三"}),
            0)
      << err_.str();
  EXPECT_EQ(seen_.repay.loan_id(), "l42");
  EXPECT_EQ(seen_.repay.amount_fen(), 1117872);
  EXPECT_EQ(seen_.repay.value_date(), 0);  // the server's today
  EXPECT_EQ(seen_.repay.payer(), "张三");
  EXPECT_TRUE(IsUuid(seen_.repay.request_id()));
  EXPECT_TRUE(
      Has("recorded repayment 还款 of 11,178.72 yuan on loan l42, "
          "paid today by 张三"))
      << out_.str();
  EXPECT_TRUE(Has("repayment id  r70"));

  EXPECT_EQ(Run({"loan", "repay", "--loan", "l42", "--amount", "500", "--date",
                 "2028-02-29", "--payer", "邹城煤矿", "--memo", "担保单位代偿",
                 "--request-id", "bank-0229-7"}),
            0)
      << err_.str();
  EXPECT_EQ(seen_.repay.value_date(), 20280229);
  EXPECT_EQ(seen_.repay.memo(), "担保单位代偿");
  EXPECT_EQ(seen_.repay.request_id(), "bank-0229-7");
  EXPECT_TRUE(Has("paid 2028-02-29 by 邹城煤矿"));

  EXPECT_EQ(Run({"loan", "repay", "--loan", "l42", "--amount", "200000",
                 "--payer", "张三"}),
            19);
  EXPECT_TRUE(ErrHas("LOAN_OVERPAYMENT"));
  EXPECT_TRUE(ErrHas("22,289.83"));
  EXPECT_TRUE(ErrHas("request id"));
}

TEST_F(LoanCliTest, ReverseWriteOffApproveAndReschedule) {
  EXPECT_EQ(Run({"loan", "reverse", "--loan", "l42", "--repayment", "r55",
                 "--reason", "银行退票"}),
            0)
      << err_.str();
  EXPECT_EQ(seen_.reverse.loan_id(), "l42");
  EXPECT_EQ(seen_.reverse.repayment_id(), "r55");
  EXPECT_EQ(seen_.reverse.reason(), "银行退票");
  EXPECT_TRUE(IsUuid(seen_.reverse.request_id()));
  EXPECT_TRUE(Has("reversed 冲正 repayment r55 of loan l42: 银行退票"));

  EXPECT_EQ(Run({"loan", "writeoff", "--loan", "l42", "--reason",
                 "business-failed", "--memo", "店铺关闭"}),
            0)
      << err_.str();
  EXPECT_EQ(seen_.writeoff.reason_code(),
            relief::v1::WRITE_OFF_REASON_BUSINESS_FAILED);
  EXPECT_EQ(seen_.writeoff.memo(), "店铺关闭");
  EXPECT_TRUE(
      Has("proposed the write-off 拟核销 of loan l42: 经营失败 "
          "business failed; another officer approves it"))
      << out_.str();
  for (const auto& [typed, code] :
       std::vector<std::pair<std::string, relief::v1::WriteOffReason>>{
           {"borrower_deceased",
            relief::v1::WRITE_OFF_REASON_BORROWER_DECEASED},
           {"unreachable", relief::v1::WRITE_OFF_REASON_UNREACHABLE},
           {"guarantor-defaulted",
            relief::v1::WRITE_OFF_REASON_GUARANTOR_DEFAULTED},
           {"DISASTER", relief::v1::WRITE_OFF_REASON_DISASTER},
           {"WRITE_OFF_REASON_OTHER", relief::v1::WRITE_OFF_REASON_OTHER}}) {
    EXPECT_EQ(Run({"loan", "writeoff", "--loan", "l42", "--reason", typed,
                   "--memo", "说明"}),
              0)
        << typed << ": " << err_.str();
    EXPECT_EQ(seen_.writeoff.reason_code(), code) << typed;
  }

  EXPECT_EQ(Run({"loan", "approve-writeoff", "--loan", "l42", "--request-id",
                 "wo-42"}),
            0)
      << err_.str();
  EXPECT_EQ(seen_.approve.loan_id(), "l42");
  EXPECT_EQ(seen_.approve.request_id(), "wo-42");
  EXPECT_TRUE(Has("wrote off 已核销 loan l42"));
  // Maker-checker is the server's: its reason is shown.
  EXPECT_EQ(Run({"loan", "approve-writeoff", "--loan", "l7"}), 19);
  EXPECT_TRUE(ErrHas("LOAN_WRITE_OFF_SAME_PRINCIPAL")) << err_.str();

  EXPECT_EQ(Run({"loan", "reschedule", "--loan", "l42", "--start", "2026-05-01",
                 "--term", "12", "--method", "equal-installment", "--reason",
                 "受灾展期"}),
            0)
      << err_.str();
  EXPECT_EQ(seen_.reschedule.start_date(), 20260501);
  EXPECT_EQ(seen_.reschedule.term_months(), 12u);
  EXPECT_EQ(seen_.reschedule.method(),
            relief::v1::REPAYMENT_METHOD_EQUAL_INSTALLMENT);
  EXPECT_EQ(seen_.reschedule.reason(), "受灾展期");
  EXPECT_TRUE(
      Has("rescheduled 展期 loan l42 from 2026-05-01 over 12 "
          "month(s), equal installment 等额本息: 受灾展期"));
  EXPECT_EQ(Run({"loan", "reschedule", "--loan", "l42", "--start", "2026-05-01",
                 "--term", "6", "--reason", "x"}),
            0);
  EXPECT_EQ(seen_.reschedule.method(),
            relief::v1::REPAYMENT_METHOD_UNSPECIFIED);
  EXPECT_TRUE(Has("the loan's method"));

  EXPECT_EQ(Run({"--json", "loan", "reverse", "--loan", "l42", "--repayment",
                 "r56", "--reason", "x"}),
            0);
  EXPECT_TRUE(Has("\"first_sequence\":\"71\"")) << out_.str();
}

TEST_F(LoanCliTest, ShowRendersTheLoanAsOfADate) {
  EXPECT_EQ(Run({"loan", "show", "--loan", "l42", "--as-of", "2026-04-05",
                 "--min-sequence", "74"}),
            0)
      << err_.str();
  ASSERT_EQ(seen_.get_loan.size(), 1u);
  EXPECT_EQ(seen_.get_loan[0].loan_id(), "l42");
  EXPECT_EQ(seen_.get_loan[0].as_of_date(), 20260405);
  EXPECT_EQ(seen_.get_loan[0].min_sequence(), 74u);
  EXPECT_TRUE(Has("overdue 逾期, 8 day(s) past due")) << out_.str();
  EXPECT_TRUE(Has("22,289.83 (settles the loan on 2026-04-05)"));
  EXPECT_TRUE(Has("schedule 还款计划 (version 2, from 2026-02-15: 受灾展期)"));
  EXPECT_TRUE(Has("paid 已还 2026-02-26"));
  EXPECT_TRUE(Has("reversed 已冲正: 银行退票"));
  EXPECT_TRUE(Has("earlier schedule 原还款计划 (version 1, from 2026-01-31)"));

  EXPECT_EQ(Run({"loan", "show", "--loan", "l42"}), 0);
  EXPECT_EQ(seen_.get_loan.back().as_of_date(), 0);  // today

  EXPECT_EQ(Run({"loan", "show", "--loan", "l1"}), 15);
  EXPECT_TRUE(ErrHas("LOAN_NOT_FOUND"));
  EXPECT_EQ(Run({"--json", "loan", "show", "--loan", "l42"}), 0);
  EXPECT_EQ(OutLines().size(), 1u);
  EXPECT_TRUE(Has("\"reversal_reason\":\"银行退票\""));
}

TEST_F(LoanCliTest, ListFollowsEveryPage) {
  EXPECT_EQ(Run({"loan", "list", "--unit", "jining", "--subtree", "--as-of",
                 "2026-04-05", "--page-size", "1"}),
            0)
      << err_.str();
  {
    std::lock_guard<std::mutex> lock(seen_.mu);
    ASSERT_EQ(seen_.list.size(), 3u);
    EXPECT_EQ(seen_.list[0].page_token(), "");
    EXPECT_EQ(seen_.list[1].page_token(), "1");
    EXPECT_EQ(seen_.list[2].page_token(), "2");
    for (const auto& request : seen_.list) {
      EXPECT_EQ(request.unit_code(), "jining");
      EXPECT_TRUE(request.subtree());
      EXPECT_EQ(request.as_of_date(), 20260405);
      EXPECT_EQ(request.page_size(), 1u);
    }
  }
  EXPECT_TRUE(
      Has("loan book 借款台账: jining and every unit below it, as of "
          "2026-04-05"))
      << out_.str();
  EXPECT_TRUE(Has("张三"));
  EXPECT_TRUE(Has("王五"));
  EXPECT_TRUE(Has("3 disbursed, 3 outstanding"));
  EXPECT_TRUE(Has("12.34% (7,406.00 yuan more than 30 days past due)"));
  EXPECT_TRUE(Has("3 loan(s), amounts in yuan (元); as of sequence 82"));

  EXPECT_EQ(
      Run({"--json", "loan", "list", "--unit", "jining", "--page-size", "1"}),
      0);
  ASSERT_EQ(OutLines().size(), 1u);  // one merged response
  EXPECT_TRUE(Has("\"loan_id\":\"l44\""));
  EXPECT_TRUE(Has("\"par30_bp\":1234"));
  EXPECT_EQ(Run({"loan", "list", "--unit", "jining", "--page-size", "1001"}),
            2);
}

TEST_F(LoanCliTest, AgingShowsBucketsPar30AndGuarantorExposure) {
  EXPECT_EQ(Run({"loan", "aging", "--unit", "jining", "--subtree", "--as-of",
                 "2026-04-05", "--min-sequence", "80"}),
            0)
      << err_.str();
  {
    std::lock_guard<std::mutex> lock(seen_.mu);
    ASSERT_EQ(seen_.list.size(), 1u);  // the book's totals need one page
    EXPECT_EQ(seen_.list[0].page_size(), 1u);
    EXPECT_TRUE(seen_.list[0].subtree());
    EXPECT_EQ(seen_.list[0].as_of_date(), 20260405);
    EXPECT_EQ(seen_.list[0].min_sequence(), 80u);
    EXPECT_EQ(seen_.exposure.unit_code(), "jining");
    EXPECT_TRUE(seen_.exposure.subtree());
    EXPECT_EQ(seen_.exposure.as_of_date(), 20260405);
    EXPECT_EQ(seen_.exposure.min_sequence(), 80u);
  }
  EXPECT_TRUE(Has("current 未逾期")) << out_.str();
  EXPECT_TRUE(Has("66.67%"));  // 40,000 of 60,000
  EXPECT_TRUE(Has("20.99%"));  // 12,594 of 60,000
  EXPECT_TRUE(Has("12.34%"));  //  7,406 of 60,000
  EXPECT_TRUE(Has("over 180 days 逾期180天以上"));
  EXPECT_TRUE(Has("PAR30 风险贷款率 12.34%: 7,406.00 of 60,000.00 yuan"));
  EXPECT_TRUE(Has("guarantor exposure 担保单位风险敞口"));
  EXPECT_TRUE(Has("邹城煤矿"));
  EXPECT_EQ(Has("张三"), false);  // no loan rows

  EXPECT_EQ(Run({"--json", "loan", "aging", "--unit", "jining"}), 0);
  const std::vector<std::string> lines = OutLines();
  ASSERT_EQ(lines.size(), 2u) << out_.str();
  EXPECT_NE(lines[0].find("\"par30_bp\":1234"), std::string::npos);
  EXPECT_EQ(lines[0].find("\"loan_id\""), std::string::npos);
  EXPECT_NE(lines[1].find("\"employer_name\":\"邹城煤矿\""), std::string::npos);
}

TEST_F(LoanCliTest, DueWorklist) {
  EXPECT_EQ(Run({"loan", "due", "--unit", "jining.zoucheng"}), 0) << err_.str();
  EXPECT_EQ(seen_.due.unit_code(), "jining.zoucheng");
  EXPECT_FALSE(seen_.due.subtree());
  EXPECT_EQ(seen_.due.within_days(), 30u);
  EXPECT_EQ(seen_.due.as_of_date(), 0);
  EXPECT_TRUE(
      Has("worklist 催收清单: installments overdue on 2026-04-05 or "
          "due by 2026-05-05"))
      << out_.str();
  EXPECT_TRUE(Has("overdue 逾期 8 d"));
  EXPECT_TRUE(Has("11,178.72"));
  EXPECT_TRUE(Has("王科长 13800000000"));

  EXPECT_EQ(Run({"loan", "due", "--unit", "jining", "--subtree", "--days", "7",
                 "--as-of", "2026-04-05"}),
            0);
  EXPECT_EQ(seen_.due.within_days(), 7u);
  EXPECT_TRUE(seen_.due.subtree());
  EXPECT_EQ(seen_.due.as_of_date(), 20260405);
  EXPECT_EQ(Run({"loan", "due", "--unit", "jining", "--days", "367"}), 2);
}

TEST_F(LoanCliTest, UsageErrorsSendNothing) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {"loan"},
           {"loan", "product"},
           {"loan", "frobnicate"},
           {"loan", "repay", "--loan", "l42", "--amount", "0", "--payer", "x"},
           {"loan", "repay", "--loan", "l42", "--amount", "-5", "--payer", "x"},
           {"loan", "repay", "--loan", "l42", "--amount", "5"},  // no payer
           {"loan", "repay", "--loan", "l42", "--amount", "5", "--payer", "x",
            "--date", "2027-02-29"},
           {"loan", "repay", "--loan", "l42", "--amount", "5", "--payer", "x",
            "--date", "20260405"},
           {"loan", "repay", "--amount", "5", "--payer", "x"},  // no loan
           {"loan", "reverse", "--loan", "l42", "--repayment", "r5"},
           {"loan", "writeoff", "--loan", "l42"},  // no reason
           {"loan", "writeoff", "--loan", "l42", "--reason", "bankrupt"},
           {"loan", "writeoff", "--loan", "l42", "--reason", "other"},
           {"loan", "writeoff", "--loan", "l42", "--reason", "other", "--memo",
            "  "},
           {"loan", "approve-writeoff"},
           {"loan", "reschedule", "--loan", "l42", "--term", "12", "--reason",
            "x"},  // no start
           {"loan", "reschedule", "--loan", "l42", "--start", "2026-13-01",
            "--term", "12", "--reason", "x"},
           {"loan", "reschedule", "--loan", "l42", "--start", "2026-05-01",
            "--term", "12", "--reason", "x", "--method", "lump"},
           {"loan", "reschedule", "--loan", "l42", "--start", "2026-05-01",
            "--term", "12"},  // no reason
           {"loan", "show"},
           {"loan", "show", "--loan", "l42", "--as-of", "yesterday"},
           {"loan", "list"},  // no unit
           {"loan", "aging", "--unit", "jining", "--as-of", "2026-4-5"},
           {"loan", "due", "--unit", "jining", "--days", "-1"},
           {"loan", "repay", "--loan", "l42", "--amount", "5", "--payer", "x",
            "--request-id", std::string(65, 'r')},
       }) {
    EXPECT_EQ(Run(args), 2) << absl::StrJoin(args, " ");
  }
  EXPECT_EQ(Run({"loan", "writeoff", "--loan", "l42", "--reason", "other"}), 2);
  EXPECT_TRUE(ErrHas("--memo")) << err_.str();
  EXPECT_EQ(Run({"loan", "writeoff", "--loan", "l42", "--reason", "x"}), 2);
  EXPECT_TRUE(
      ErrHas("borrower_deceased|business_failed|unreachable|"
             "guarantor_defaulted|disaster|other"))
      << err_.str();
  EXPECT_EQ(Calls(), 0);
}

TEST_F(LoanCliTest, HelpOfTheLoanCommands) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {"loan", "--help"},
           {"loan", "product", "set", "--help"},
           {"loan", "product", "list", "--help"},
           {"loan", "disburse", "--help"},
           {"loan", "repay", "--help"},
           {"loan", "reverse", "--help"},
           {"loan", "writeoff", "--help"},
           {"loan", "approve-writeoff", "--help"},
           {"loan", "reschedule", "--help"},
           {"loan", "show", "--help"},
           {"loan", "list", "--help"},
           {"loan", "aging", "--help"},
           {"loan", "due", "--help"}}) {
    EXPECT_EQ(Run(args, false), 0) << absl::StrJoin(args, " ");
  }
  EXPECT_EQ(Run({"loan", "disburse", "--help"}, false), 0);
  EXPECT_TRUE(Has("--request-id"));
  EXPECT_TRUE(Has("--guarantee-ref"));
  EXPECT_EQ(Run({"--help"}, false), 0);
  EXPECT_TRUE(Has("loan"));
}

}  // namespace
}  // namespace reliefctl
