// Drives the whole reliefctl command line against an in-process fake of the
// three services: argument parsing, metadata sent, output, exit codes.
#include "clients/reliefctl/cli.h"

#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "clients/reliefctl/table.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "relief/v1/audit_service.grpc.pb.h"
#include "relief/v1/ledger_service.grpc.pb.h"
#include "relief/v1/query_service.grpc.pb.h"

namespace reliefctl {
namespace {

using grpc::ServerContext;
using grpc::Status;
using grpc::StatusCode;

// What the fakes saw; guarded because gRPC runs handlers on its threads.
struct Seen {
  std::mutex mu;
  std::string authorization;
  bool has_deadline = false;
  relief::v1::RegisterOrgUnitRequest register_request;
  std::vector<relief::v1::ListOrgUnitsRequest> list_requests;
  std::vector<relief::v1::ListEventsRequest> events_requests;
  int ledger_calls = 0;  // every LedgerService call
  bool deny_metrics = false;  // GetMetrics says PERMISSION_DENIED
  relief::v1::ReceiveFundsRequest receive_request;
  relief::v1::AllocateFundsRequest allocate_request;
  relief::v1::ReverseEventRequest reverse_request;
  relief::v1::SetMatchingRuleRequest matching_rule_request;
  relief::v1::RegisterDossierRequest register_dossier_request;
  relief::v1::UpdateDossierRequest update_dossier_request;
  relief::v1::GetBalanceRequest balance_request;
  relief::v1::GetFundSummaryRequest summary_request;
  relief::v1::GetMatchingRequest matching_request;
  relief::v1::GetDossierRequest dossier_request;
  std::vector<relief::v1::ListStatementRequest> statement_requests;
  std::vector<relief::v1::ListDossiersRequest> dossier_list_requests;
};

// A valid ID (GB 11643 check digit) and one with the lower-case check 'x'.
constexpr char kNationalId[] = "370802198001011235";
constexpr char kNationalIdLowerX[] = "11010519491231002x";

// Fills a command's result the way the server does.
void Done(relief::v1::CommandResult* result, uint64_t sequence) {
  result->set_first_sequence(sequence);
  result->set_event_count(1);
  result->set_recorded_at_unix_micros(1732443243123456);
}

// Copies `request` into `*slot` and counts a ledger call.
template <typename Request>
void Keep(Seen* seen, const Request& request, Request* slot) {
  std::lock_guard<std::mutex> lock(seen->mu);
  *slot = request;
  ++seen->ledger_calls;
}

void Record(Seen* seen, ServerContext* context) {
  std::lock_guard<std::mutex> lock(seen->mu);
  const auto& metadata = context->client_metadata();
  auto it = metadata.find("authorization");
  seen->authorization =
      it == metadata.end() ? "" : std::string(it->second.data(), it->second.size());
  seen->has_deadline =
      context->deadline() < std::chrono::system_clock::now() + std::chrono::hours(1);
}

Status Reject(ServerContext* context, StatusCode code, const std::string& reason,
              const std::string& message) {
  context->AddTrailingMetadata("relief-reason", reason);
  return Status(code, reason + ": " + message);
}

relief::v1::OrgUnit Unit(const std::string& code, const std::string& name_zh,
                         relief::v1::OrgLevel level, const std::string& parent,
                         bool active = true) {
  relief::v1::OrgUnit unit;
  unit.set_code(code);
  unit.set_name_zh(name_zh);
  unit.set_name_en(code);
  unit.set_level(level);
  unit.set_parent_code(parent);
  unit.set_active(active);
  unit.set_registered_sequence(2);
  return unit;
}

class FakeQuery final : public relief::v1::QueryService::Service {
 public:
  explicit FakeQuery(Seen* seen) : seen_(seen) {
    units_.push_back(Unit("jining", "济宁市总工会", relief::v1::ORG_LEVEL_CITY, ""));
    units_.push_back(Unit("jining.zoucheng", "邹城市总工会",
                          relief::v1::ORG_LEVEL_DISTRICT, "jining"));
    units_.push_back(Unit("jining.zoucheng.mine", "兖矿集团工会",
                          relief::v1::ORG_LEVEL_GRASSROOTS, "jining.zoucheng",
                          false));
  }

  Status GetOrgUnit(ServerContext* context,
                    const relief::v1::GetOrgUnitRequest* request,
                    relief::v1::GetOrgUnitResponse* response) override {
    Record(seen_, context);
    for (const auto& unit : units_) {
      if (unit.code() == request->code()) {
        *response->mutable_unit() = unit;
        response->set_as_of_sequence(7);
        return Status::OK;
      }
    }
    return Reject(context, StatusCode::NOT_FOUND, "ORG_UNIT_NOT_FOUND",
                  "unit '" + request->code() + "' is not registered");
  }

  // One unit per page, page token = index of the next unit.
  Status ListOrgUnits(ServerContext* context,
                      const relief::v1::ListOrgUnitsRequest* request,
                      relief::v1::ListOrgUnitsResponse* response) override {
    Record(seen_, context);
    {
      std::lock_guard<std::mutex> lock(seen_->mu);
      seen_->list_requests.push_back(*request);
    }
    size_t index = request->page_token().empty()
                       ? 0
                       : std::stoul(request->page_token());
    for (; index < units_.size(); ++index) {
      if (units_[index].active() || request->include_inactive()) break;
    }
    if (index < units_.size()) *response->add_units() = units_[index];
    if (index + 1 < units_.size()) {
      response->set_next_page_token(std::to_string(index + 1));
    }
    response->set_as_of_sequence(7);
    return Status::OK;
  }

  Status ListPrincipals(ServerContext* context,
                        const relief::v1::ListPrincipalsRequest*,
                        relief::v1::ListPrincipalsResponse* response) override {
    Record(seen_, context);
    auto* admin = response->add_principals();
    admin->set_name("admin");
    admin->add_roles(relief::v1::ROLE_ADMIN);
    admin->set_issued_sequence(1);
    auto* li = response->add_principals();
    li->set_name("li.wei");
    li->add_roles(relief::v1::ROLE_FINANCE_OFFICER);
    li->add_roles(relief::v1::ROLE_AUDITOR);
    li->set_revoked(true);
    li->set_issued_sequence(5);
    return Status::OK;
  }

  Status GetStatus(ServerContext* context, const relief::v1::GetStatusRequest*,
                   relief::v1::GetStatusResponse* response) override {
    Record(seen_, context);
    response->set_head_sequence(42);
    response->set_head_hash(std::string(32, '\xab'));
    response->set_writer_state(relief::v1::WRITER_STATE_RUNNING);
    response->set_queue_depth(3);
    response->set_queue_capacity(4096);
    response->set_snapshot_sequence(40);
    response->set_principal("admin");
    response->add_roles(relief::v1::ROLE_ADMIN);
    auto* projection = response->add_projections();
    projection->set_name("org_units");
    projection->set_checkpoint_sequence(41);
    return Status::OK;
  }

  Status GetMetrics(ServerContext* context, const relief::v1::GetMetricsRequest*,
                    relief::v1::GetMetricsResponse* response) override {
    Record(seen_, context);
    {
      std::lock_guard<std::mutex> lock(seen_->mu);
      if (seen_->deny_metrics) {
        return Reject(context, StatusCode::PERMISSION_DENIED, "ROLE_REQUIRED",
                      "'cai.wu' may not read the server's metrics");
      }
    }
    response->set_serving(false);
    response->set_writer_stalled(true);
    response->set_events_appended(42);
    response->set_writer_groups_committed(17);
    response->set_queue_depth(3);
    response->set_queue_depth_max(250);
    response->set_queue_capacity(4096);
    response->set_projection_lag_events(1);
    response->set_snapshots_written(2);
    auto* groups = response->mutable_writer_group_commands();
    groups->set_count(17);
    groups->set_p50(2);
    groups->set_p99(16);
    groups->set_max(11);
    auto* writes = response->mutable_writer_write_micros();
    writes->set_count(17);
    writes->set_p50(2500);
    writes->set_p99(25000);
    writes->set_max(31234);
    auto* receive = response->add_commands();
    receive->set_method("relief.v1.LedgerService/ReceiveFunds");
    receive->set_count(4);
    auto* ok = receive->add_results();
    ok->set_code("OK");
    ok->set_count(2);
    auto* denied = receive->add_results();
    denied->set_code("PERMISSION_DENIED");
    denied->set_count(2);
    receive->mutable_latency_micros()->set_p50(1000);
    receive->mutable_latency_micros()->set_p99(5000);
    receive->mutable_latency_micros()->set_max(4321);
    auto* summary = response->add_queries();
    summary->set_method("relief.v1.QueryService/GetFundSummary");
    summary->set_count(3);
    auto* ok3 = summary->add_results();
    ok3->set_code("OK");
    ok3->set_count(3);
    summary->mutable_latency_micros()->set_p50(250);
    summary->mutable_latency_micros()->set_p99(250);
    summary->mutable_latency_micros()->set_max(180);
    return Status::OK;
  }

  Status GetBalance(ServerContext* context,
                    const relief::v1::GetBalanceRequest* request,
                    relief::v1::GetBalanceResponse* response) override {
    Record(seen_, context);
    {
      std::lock_guard<std::mutex> lock(seen_->mu);
      seen_->balance_request = *request;
    }
    auto* balance = response->mutable_balance();
    balance->set_account(request->account());
    balance->set_fund_source(relief::v1::FUND_SOURCE_DONATIONS);
    balance->set_posted_credits_fen(150050);
    balance->set_posted_debits_fen(50000);
    balance->set_pending_debits_fen(1);
    balance->set_available_fen(100049);
    balance->set_last_sequence(9);
    response->set_as_of_sequence(9);
    return Status::OK;
  }

  Status GetFundSummary(ServerContext* context,
                        const relief::v1::GetFundSummaryRequest* request,
                        relief::v1::GetFundSummaryResponse* response) override {
    Record(seen_, context);
    {
      std::lock_guard<std::mutex> lock(seen_->mu);
      seen_->summary_request = *request;
    }
    for (int source = 1; source <= 4; ++source) {
      auto* row = response->add_rows();
      row->set_unit_code(request->unit_code());
      row->set_fund_source(static_cast<relief::v1::FundSource>(source));
    }
    response->mutable_rows(2)->set_received_fen(150050);
    response->mutable_rows(2)->set_lent_fen(100000);
    response->mutable_rows(2)->set_repaid_fen(40000);
    response->mutable_rows(2)->set_interest_fen(1234);
    response->mutable_rows(2)->set_written_off_fen(20000);
    response->mutable_rows(2)->set_recovered_fen(5000);
    response->mutable_rows(2)->set_available_fen(96284);
    response->mutable_rows(0)->set_received_fen(123456789);
    response->mutable_rows(0)->set_available_fen(123456789);
    response->set_units(request->subtree() ? 3 : 1);
    response->set_as_of_sequence(12);
    return Status::OK;
  }

  // Five postings; page token = index of the next one.
  Status ListStatement(ServerContext* context,
                       const relief::v1::ListStatementRequest* request,
                       relief::v1::ListStatementResponse* response) override {
    Record(seen_, context);
    {
      std::lock_guard<std::mutex> lock(seen_->mu);
      seen_->statement_requests.push_back(*request);
    }
    constexpr int kEntries = 5;
    int index = request->page_token().empty() ? 0
                                              : std::stoi(request->page_token());
    const int page_size =
        request->page_size() == 0 ? 100 : static_cast<int>(request->page_size());
    int64_t balance = 10000 * index;
    for (int taken = 0; index < kEntries && taken < page_size;
         ++index, ++taken) {
      auto* entry = response->add_entries();
      entry->set_sequence(static_cast<uint64_t>(10 + index));
      entry->set_recorded_at_unix_micros(1732443243000000);
      entry->set_counter_account("external/donations");
      entry->set_credit_fen(10000);
      balance += 10000;
      entry->set_balance_fen(balance);
      entry->set_event_type("funds_received");
      entry->set_memo(absl::StrCat("捐款 ", index + 1));
    }
    if (index < kEntries) response->set_next_page_token(std::to_string(index));
    response->set_as_of_sequence(static_cast<uint64_t>(20 + index));
    return Status::OK;
  }

  Status GetMatching(ServerContext* context,
                     const relief::v1::GetMatchingRequest* request,
                     relief::v1::GetMatchingResponse* response) override {
    Record(seen_, context);
    {
      std::lock_guard<std::mutex> lock(seen_->mu);
      seen_->matching_request = *request;
    }
    auto* row = response->add_rows();
    row->set_unit_code("jining");
    row->set_year(2024);
    row->set_government_parts(1);
    row->set_federation_parts(2);
    row->set_federation_received_fen(100000000);
    row->set_due_fen(50000000);
    row->set_received_fen(20000000);
    row->set_outstanding_fen(30000000);
    response->set_as_of_sequence(12);
    return Status::OK;
  }

  static relief::v1::Dossier MakeDossier(int index) {
    relief::v1::Dossier dossier;
    dossier.set_dossier_id(absl::StrCat("d", 20 + index));
    dossier.set_unit_code("jining.zoucheng");
    dossier.set_name(index == 0 ? "张三" : absl::StrCat("李四", index));
    dossier.set_national_id_masked("370802********1235");
    dossier.set_category(relief::v1::HARDSHIP_CATEGORY_SERIOUS_ILLNESS);
    dossier.set_household_size(3);
    dossier.set_contact("13800000000");
    dossier.set_active(index != 2);
    dossier.set_registered_sequence(static_cast<uint64_t>(20 + index));
    return dossier;
  }

  Status GetDossier(ServerContext* context,
                    const relief::v1::GetDossierRequest* request,
                    relief::v1::GetDossierResponse* response) override {
    Record(seen_, context);
    {
      std::lock_guard<std::mutex> lock(seen_->mu);
      seen_->dossier_request = *request;
    }
    if (request->dossier_id() == "d404" ||
        request->national_id() == "11010519491231002X") {
      // A careless server echoing what it was asked about.
      return Reject(context, StatusCode::NOT_FOUND, "DOSSIER_NOT_FOUND",
                    "no dossier for '" + request->dossier_id() +
                        request->national_id() + "'");
    }
    *response->mutable_dossier() = MakeDossier(0);
    response->set_as_of_sequence(30);
    return Status::OK;
  }

  // Three dossiers, one per page; the third is exited.
  Status ListDossiers(ServerContext* context,
                      const relief::v1::ListDossiersRequest* request,
                      relief::v1::ListDossiersResponse* response) override {
    Record(seen_, context);
    {
      std::lock_guard<std::mutex> lock(seen_->mu);
      seen_->dossier_list_requests.push_back(*request);
    }
    const int index =
        request->page_token().empty() ? 0 : std::stoi(request->page_token());
    if (index < 2 || request->include_exited()) {
      *response->add_dossiers() = MakeDossier(index);
    }
    if (index + 1 < 3) response->set_next_page_token(std::to_string(index + 1));
    response->set_as_of_sequence(30);
    return Status::OK;
  }

 private:
  Seen* seen_;
  std::vector<relief::v1::OrgUnit> units_;
};

class FakeLedger final : public relief::v1::LedgerService::Service {
 public:
  explicit FakeLedger(Seen* seen) : seen_(seen) {}

  Status RegisterOrgUnit(ServerContext* context,
                         const relief::v1::RegisterOrgUnitRequest* request,
                         relief::v1::RegisterOrgUnitResponse* response) override {
    Record(seen_, context);
    {
      std::lock_guard<std::mutex> lock(seen_->mu);
      seen_->register_request = *request;
    }
    if (request->parent_code() == "nowhere") {
      return Reject(context, StatusCode::FAILED_PRECONDITION,
                    "ORG_PARENT_NOT_FOUND",
                    "parent unit 'nowhere' is not registered");
    }
    response->mutable_result()->set_first_sequence(43);
    response->mutable_result()->set_event_count(1);
    response->mutable_result()->set_recorded_at_unix_micros(1732443243123456);
    response->mutable_result()->set_replayed(request->request_id() == "again");
    return Status::OK;
  }

  Status CreateToken(ServerContext* context,
                     const relief::v1::CreateTokenRequest* request,
                     relief::v1::CreateTokenResponse* response) override {
    Record(seen_, context);
    if (request->roles_size() != 2) {
      return Status(StatusCode::INVALID_ARGUMENT, "want two roles");
    }
    response->mutable_result()->set_first_sequence(44);
    response->mutable_result()->set_event_count(1);
    response->set_token("r1-secret-token");
    return Status::OK;
  }

  Status ReceiveFunds(ServerContext* context,
                      const relief::v1::ReceiveFundsRequest* request,
                      relief::v1::ReceiveFundsResponse* response) override {
    Record(seen_, context);
    Keep(seen_, *request, &seen_->receive_request);
    Done(response->mutable_result(), 50);
    return Status::OK;
  }

  Status AllocateFunds(ServerContext* context,
                       const relief::v1::AllocateFundsRequest* request,
                       relief::v1::AllocateFundsResponse* response) override {
    Record(seen_, context);
    Keep(seen_, *request, &seen_->allocate_request);
    if (request->amount_fen() > 1000000) {
      return Reject(context, StatusCode::FAILED_PRECONDITION,
                    "FUNDS_INSUFFICIENT", "the pool holds only 10,000.00 yuan");
    }
    Done(response->mutable_result(), 51);
    return Status::OK;
  }

  Status ReverseEvent(ServerContext* context,
                      const relief::v1::ReverseEventRequest* request,
                      relief::v1::ReverseEventResponse* response) override {
    Record(seen_, context);
    Keep(seen_, *request, &seen_->reverse_request);
    Done(response->mutable_result(), 52);
    return Status::OK;
  }

  Status SetMatchingRule(ServerContext* context,
                         const relief::v1::SetMatchingRuleRequest* request,
                         relief::v1::SetMatchingRuleResponse* response) override {
    Record(seen_, context);
    Keep(seen_, *request, &seen_->matching_rule_request);
    Done(response->mutable_result(), 53);
    return Status::OK;
  }

  Status RegisterDossier(ServerContext* context,
                         const relief::v1::RegisterDossierRequest* request,
                         relief::v1::RegisterDossierResponse* response) override {
    Record(seen_, context);
    Keep(seen_, *request, &seen_->register_dossier_request);
    if (request->unit_code() == "taken") {
      // A careless server echoing the ID: reliefctl must not print it.
      return Reject(context, StatusCode::ALREADY_EXISTS,
                    "DOSSIER_ALREADY_EXISTS",
                    "a dossier for " + request->national_id() +
                        " exists in unit jining");
    }
    Done(response->mutable_result(), 54);
    response->set_dossier_id("d54");
    return Status::OK;
  }

  Status UpdateDossier(ServerContext* context,
                       const relief::v1::UpdateDossierRequest* request,
                       relief::v1::UpdateDossierResponse* response) override {
    Record(seen_, context);
    Keep(seen_, *request, &seen_->update_dossier_request);
    Done(response->mutable_result(), 55);
    return Status::OK;
  }

  Status ExitDossier(ServerContext* context,
                     const relief::v1::ExitDossierRequest*,
                     relief::v1::ExitDossierResponse* response) override {
    Record(seen_, context);
    Done(response->mutable_result(), 56);
    return Status::OK;
  }

 private:
  Seen* seen_;
};

class FakeAudit final : public relief::v1::AuditService::Service {
 public:
  explicit FakeAudit(Seen* seen, bool broken) : seen_(seen), broken_(broken) {}

  // A log of 5 events; newest first honours before_sequence and page_size.
  Status ListEvents(ServerContext* context,
                    const relief::v1::ListEventsRequest* request,
                    relief::v1::ListEventsResponse* response) override {
    Record(seen_, context);
    {
      std::lock_guard<std::mutex> lock(seen_->mu);
      seen_->events_requests.push_back(*request);
    }
    constexpr uint64_t kHead = 5;
    response->set_head_sequence(kHead);
    if (!request->newest_first()) return Status(StatusCode::UNIMPLEMENTED, "");
    uint64_t sequence =
        request->before_sequence() == 0 ? kHead : request->before_sequence() - 1;
    for (; sequence >= 1 && response->events_size() <
                                static_cast<int>(request->page_size());
         --sequence) {
      auto* envelope = response->add_events();
      envelope->set_sequence(sequence);
      envelope->set_recorded_at_unix_micros(1732443243000000 +
                                            static_cast<int64_t>(sequence));
      envelope->set_actor("admin");
      envelope->set_request_id(absl::StrCat("req-", sequence));
      envelope->set_hash(std::string(32, static_cast<char>(sequence)));
      if (sequence == 4) {
        // A loan: its summary names neither the borrower nor the ID hash.
        auto* loan = envelope->mutable_event()->mutable_loan_disbursed();
        loan->set_loan_id("l4");
        loan->set_dossier_id("d2");
        loan->set_unit_code("unit3");
        loan->set_fund_source(relief::v1::FUND_SOURCE_DONATIONS);
        loan->set_product("startup");
        loan->set_principal_fen(1000000);
        loan->set_term_months(12);
        loan->set_annual_rate_bp(365);
        loan->set_method(relief::v1::REPAYMENT_METHOD_EQUAL_PRINCIPAL);
        loan->add_schedule()->set_number(1);
        loan->set_national_id_hmac(std::string(32, '\x01'));
        loan->set_borrower_name("张三");
        continue;
      }
      auto* registered = envelope->mutable_event()->mutable_org_unit_registered();
      registered->set_code(absl::StrCat("unit", sequence));
      registered->set_name_zh("工会");
      registered->set_level(relief::v1::ORG_LEVEL_CITY);
    }
    return Status::OK;
  }

  Status VerifyChain(ServerContext* context, const relief::v1::VerifyChainRequest*,
                     relief::v1::VerifyChainResponse* response) override {
    Record(seen_, context);
    response->set_ok(!broken_);
    response->set_head_sequence(5);
    response->set_verified_through_sequence(broken_ ? 2 : 5);
    if (broken_) {
      response->set_first_bad_sequence(3);
      response->set_problem("stored hash does not match");
    }
    return Status::OK;
  }

 private:
  Seen* seen_;
  bool broken_;
};

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    unsetenv("RELIEF_SERVER");
    unsetenv("RELIEF_TOKEN");
    Start(/*broken_chain=*/false);
  }

  void Start(bool broken_chain) {
    if (server_) server_->Shutdown();
    query_ = std::make_unique<FakeQuery>(&seen_);
    ledger_ = std::make_unique<FakeLedger>(&seen_);
    audit_ = std::make_unique<FakeAudit>(&seen_, broken_chain);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(query_.get());
    builder.RegisterService(ledger_.get());
    builder.RegisterService(audit_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    address_ = absl::StrCat("127.0.0.1:", port);
  }

  void TearDown() override { server_->Shutdown(); }

  // Runs reliefctl with `args`, then --server and --token appended unless
  // `connect` is false.
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

  std::vector<std::string> OutLines() const {
    std::vector<std::string> lines = absl::StrSplit(out_.str(), '\n');
    if (!lines.empty() && lines.back().empty()) lines.pop_back();
    return lines;
  }

  Seen seen_;
  std::unique_ptr<FakeQuery> query_;
  std::unique_ptr<FakeLedger> ledger_;
  std::unique_ptr<FakeAudit> audit_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(CliTest, OrgShowSendsTokenAndDeadline) {
  EXPECT_EQ(Run({"org", "show", "jining"}), 0) << err_.str();
  EXPECT_EQ(seen_.authorization, "Bearer t0ken");
  EXPECT_TRUE(seen_.has_deadline);
  EXPECT_NE(out_.str().find("济宁市总工会"), std::string::npos);
  EXPECT_NE(out_.str().find("city 市总"), std::string::npos);
  EXPECT_NE(out_.str().find("active 在册"), std::string::npos);
}

TEST_F(CliTest, GlobalOptionsBeforeOrAfterTheSubcommand) {
  EXPECT_EQ(Run({"--server", address_, "--token", "t1", "org", "show", "jining"},
                /*connect=*/false),
            0);
  EXPECT_EQ(seen_.authorization, "Bearer t1");
  EXPECT_EQ(Run({"org", "show", "--json", "jining"}), 0) << err_.str();
  EXPECT_EQ(out_.str().substr(0, 9), "{\"unit\":{");
  EXPECT_NE(out_.str().find("\"name_zh\":\"济宁市总工会\""), std::string::npos);
  EXPECT_NE(out_.str().find("\"level\":\"ORG_LEVEL_CITY\""), std::string::npos);
  EXPECT_EQ(OutLines().size(), 1u);
}

TEST_F(CliTest, EnvironmentSuppliesServerAndToken) {
  setenv("RELIEF_SERVER", address_.c_str(), 1);
  setenv("RELIEF_TOKEN", "from-env", 1);
  EXPECT_EQ(Run({"org", "show", "jining"}, /*connect=*/false), 0) << err_.str();
  EXPECT_EQ(seen_.authorization, "Bearer from-env");
  EXPECT_EQ(Run({"org", "show", "jining", "--token", "flag"}, false), 0);
  EXPECT_EQ(seen_.authorization, "Bearer flag");
  EXPECT_EQ(Run({"org", "show", "jining", "--token-file", "/nonexistent/t"},
                false),
            3);  // an explicit file beats the environment
  unsetenv("RELIEF_SERVER");
  unsetenv("RELIEF_TOKEN");
}

TEST_F(CliTest, RpcErrorPrintsReasonAndMapsExitCode) {
  EXPECT_EQ(Run({"org", "show", "nowhere"}), 15);
  EXPECT_EQ(err_.str(),
            "error: ORG_UNIT_NOT_FOUND: unit 'nowhere' is not registered\n"
            "  (grpc code NOT_FOUND, reason ORG_UNIT_NOT_FOUND)\n");
  EXPECT_EQ(out_.str(), "");

  EXPECT_EQ(Run({"--json", "org", "show", "nowhere"}), 15);
  EXPECT_NE(err_.str().find(
                "{\"code\":\"NOT_FOUND\",\"reason\":\"ORG_UNIT_NOT_FOUND\","
                "\"message\":\"ORG_UNIT_NOT_FOUND: unit 'nowhere' is not "
                "registered\"}\n"),
            std::string::npos)
      << err_.str();
}

TEST_F(CliTest, OrgListFollowsPagesAndAligns) {
  EXPECT_EQ(Run({"org", "list", "--page-size", "1"}), 0) << err_.str();
  {
    std::lock_guard<std::mutex> lock(seen_.mu);
    ASSERT_EQ(seen_.list_requests.size(), 3u);
    EXPECT_EQ(seen_.list_requests[0].page_token(), "");
    EXPECT_EQ(seen_.list_requests[1].page_token(), "1");
    EXPECT_EQ(seen_.list_requests[0].page_size(), 1u);
    EXPECT_FALSE(seen_.list_requests[0].include_inactive());
  }
  const std::vector<std::string> lines = OutLines();
  ASSERT_EQ(lines.size(), 4u) << out_.str();  // header, 2 active, footer
  EXPECT_EQ(lines[0].find("CODE"), 0u);
  const size_t level_byte = lines[0].find("LEVEL");
  const int level_column = DisplayWidth(lines[0].substr(0, level_byte));
  EXPECT_EQ(DisplayWidth(lines[1].substr(0, lines[1].find("city 市总"))),
            level_column);
  EXPECT_EQ(DisplayWidth(lines[2].substr(0, lines[2].find("district"))),
            level_column);
  EXPECT_EQ(lines[3], "2 unit(s), as of sequence 7");

  EXPECT_EQ(Run({"org", "list", "--all"}), 0);
  EXPECT_NE(out_.str().find("inactive 已撤销"), std::string::npos);
  EXPECT_NE(out_.str().find("grassroots 基层工会"), std::string::npos);

  EXPECT_EQ(Run({"--json", "org", "list", "--all", "--page-size", "1"}), 0);
  ASSERT_EQ(OutLines().size(), 1u);  // one merged response
  EXPECT_NE(out_.str().find("jining.zoucheng.mine"), std::string::npos);
  EXPECT_NE(out_.str().find("\"next_page_token\":\"\""), std::string::npos);
}

TEST_F(CliTest, OrgAddSendsRequestWithFreshRequestId) {
  EXPECT_EQ(Run({"org", "add", "--code", "jining.rencheng", "--name-zh",
                 "任城区总工会", "--level", "district", "--parent", "jining"}),
            0)
      << err_.str();
  std::string request_id;
  {
    std::lock_guard<std::mutex> lock(seen_.mu);
    EXPECT_EQ(seen_.register_request.code(), "jining.rencheng");
    EXPECT_EQ(seen_.register_request.level(), relief::v1::ORG_LEVEL_DISTRICT);
    EXPECT_EQ(seen_.register_request.parent_code(), "jining");
    request_id = seen_.register_request.request_id();
  }
  EXPECT_TRUE(std::regex_match(
      request_id, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")))
      << request_id;
  EXPECT_NE(out_.str().find("request id   " + request_id), std::string::npos)
      << out_.str();
  EXPECT_NE(out_.str().find("sequence     43"), std::string::npos);
  EXPECT_NE(out_.str().find("2024-11-24T10:14:03.123Z"), std::string::npos);
}

TEST_F(CliTest, OrgAddWithRequestIdAndReplay) {
  EXPECT_EQ(Run({"org", "add", "--code", "sd", "--name-zh", "山东省总工会",
                 "--level", "省总", "--request-id", "again"}),
            0);
  EXPECT_EQ(seen_.register_request.request_id(), "again");
  EXPECT_EQ(seen_.register_request.level(), relief::v1::ORG_LEVEL_PROVINCE);
  EXPECT_NE(out_.str().find("replayed"), std::string::npos);
}

TEST_F(CliTest, CommandErrorShowsRequestIdToRetryWith) {
  EXPECT_EQ(Run({"org", "add", "--code", "nowhere.x", "--name-zh", "x",
                 "--level", "city", "--parent", "nowhere", "--request-id",
                 "r-17"}),
            19);
  EXPECT_NE(err_.str().find("(grpc code FAILED_PRECONDITION, reason "
                            "ORG_PARENT_NOT_FOUND)"),
            std::string::npos);
  EXPECT_NE(err_.str().find("request id r-17"), std::string::npos);
}

TEST_F(CliTest, UsageErrorsExitTwo) {
  EXPECT_EQ(Run({"org", "add", "--code", "x"}), 2);  // missing required
  EXPECT_EQ(Run({"org", "add", "--code", "x", "--name-zh", "x", "--level",
                 "town"}),
            2);
  EXPECT_NE(err_.str().find("national|province|city"), std::string::npos)
      << err_.str();
  EXPECT_EQ(Run({"token", "create", "--name", "a", "--role", "root"}), 2);
  EXPECT_EQ(Run({"frobnicate"}), 2);
  EXPECT_EQ(Run({}), 2);
  EXPECT_EQ(Run({"org"}), 2);
  EXPECT_EQ(Run({"org", "show", "x", "--timeout", "0"}), 2);
  EXPECT_EQ(Run({"org", "show", "x", "--tls-cert", "a.pem"}), 2);  // no key
  EXPECT_EQ(Run({"org", "add", "--code", "x", "--name-zh", "x", "--level",
                 "city", "--request-id", std::string(65, 'r')}),
            2);
  EXPECT_TRUE(seen_.authorization.empty());  // nothing reached the server
}

TEST_F(CliTest, HelpExitsZeroAndDocumentsExitCodes) {
  EXPECT_EQ(Run({"--help"}, false), 0);
  EXPECT_NE(out_.str().find("Exit codes"), std::string::npos);
  EXPECT_NE(out_.str().find("15 NOT_FOUND"), std::string::npos);
  EXPECT_EQ(Run({"org", "add", "--help"}, false), 0);
  EXPECT_NE(out_.str().find("--name-zh"), std::string::npos);
  EXPECT_EQ(Run({"events", "tail", "--help"}, false), 0);
}

TEST_F(CliTest, MissingTokenIsALocalError) {
  EXPECT_EQ(Run({"--server", address_, "--token-file", "/nonexistent/admin.token",
                 "status"},
                false),
            3);
  EXPECT_NE(err_.str().find("/nonexistent/admin.token"), std::string::npos);
  EXPECT_TRUE(seen_.authorization.empty());
}

TEST_F(CliTest, UnreachableServerIsUnavailable) {
  // A port nothing listens on: bind-then-close is racy, port 1 is reserved.
  EXPECT_EQ(Run({"--server", "127.0.0.1:1", "--token", "t", "--timeout", "5",
                 "status"},
                false),
            24);
  EXPECT_NE(err_.str().find("grpc code UNAVAILABLE"), std::string::npos);
}

TEST_F(CliTest, StatusShowsHeadAndProjections) {
  EXPECT_EQ(Run({"status"}), 0) << err_.str();
  const std::string out = out_.str();
  EXPECT_NE(out.find("head sequence      42"), std::string::npos) << out;
  EXPECT_NE(out.find(Hex(std::string(32, '\xab'))), std::string::npos);
  EXPECT_NE(out.find("queue              3 / 4096"), std::string::npos);
  EXPECT_NE(out.find("admin (roles: admin)"), std::string::npos);
  EXPECT_NE(out.find("org_units"), std::string::npos);
  // Then the metrics: health and why, writer figures, one row per RPC.
  EXPECT_NE(out.find("health             NOT_SERVING (the writer is stalled)"),
            std::string::npos) << out;
  EXPECT_NE(out.find("events appended    42 since start, in 17 group commits"),
            std::string::npos) << out;
  EXPECT_NE(out.find("commands / group   p50 <= 2, p99 <= 16, max 11"),
            std::string::npos) << out;
  EXPECT_NE(out.find("write + fsync      p50 <= 2.50 ms, p99 <= 25 ms, max 31 "
                     "ms (17 synced writes)"),
            std::string::npos) << out;
  EXPECT_NE(out.find("queue now / max    3 / 250 of 4096"), std::string::npos);
  EXPECT_NE(out.find("projection lag     1 events (largest)"),
            std::string::npos);
  const std::regex receive(
      "command +ReceiveFunds +4 +2 +PERMISSION_DENIED 2 +1\\.00 +5\\.00 "
      "+4\\.32");
  EXPECT_TRUE(std::regex_search(out, receive)) << out;
  const std::regex summary(
      "query +GetFundSummary +3 +3 +- +0\\.25 +0\\.25 +0\\.18");
  EXPECT_TRUE(std::regex_search(out, summary)) << out;

  // JSON Lines: the status, then the metrics.
  EXPECT_EQ(Run({"--json", "status"}), 0) << err_.str();
  ASSERT_EQ(OutLines().size(), 2u) << out_.str();
  EXPECT_NE(OutLines()[0].find("\"head_sequence\":\"42\""), std::string::npos);
  EXPECT_NE(OutLines()[1].find("\"writer_stalled\":true"), std::string::npos);
}

// A principal without a metrics role still gets the status, and a note.
TEST_F(CliTest, StatusWithoutMetricsRoleShowsANote) {
  {
    std::lock_guard<std::mutex> lock(seen_.mu);
    seen_.deny_metrics = true;
  }
  EXPECT_EQ(Run({"status"}), 0) << err_.str();
  EXPECT_NE(out_.str().find("head sequence      42"), std::string::npos);
  EXPECT_NE(out_.str().find("metrics: not shown (they need the role admin, "
                            "auditor or service)"),
            std::string::npos)
      << out_.str();
  EXPECT_EQ(out_.str().find("health"), std::string::npos);
  EXPECT_EQ(Run({"--json", "status"}), 0) << err_.str();
  EXPECT_EQ(OutLines().size(), 1u);
}

TEST_F(CliTest, EventsTailPrintsOldestToNewest) {
  EXPECT_EQ(Run({"events", "tail", "-n", "3"}), 0) << err_.str();
  {
    std::lock_guard<std::mutex> lock(seen_.mu);
    ASSERT_EQ(seen_.events_requests.size(), 1u);
    EXPECT_TRUE(seen_.events_requests[0].newest_first());
    EXPECT_EQ(seen_.events_requests[0].page_size(), 3u);
  }
  const std::vector<std::string> lines = OutLines();
  ASSERT_EQ(lines.size(), 5u) << out_.str();
  EXPECT_EQ(lines[1].substr(0, 3), "  3");
  EXPECT_EQ(lines[3].substr(0, 3), "  5");
  EXPECT_NE(lines[1].find("req-3"), std::string::npos);
  EXPECT_NE(lines[1].find("org_unit_registered"), std::string::npos);
  EXPECT_NE(lines[1].find("unit3 工会, city"), std::string::npos);
  EXPECT_NE(lines[1].find("030303030303"), std::string::npos);
  EXPECT_EQ(lines[1].find("03030303030303"), std::string::npos);
  EXPECT_NE(lines[1].find("2024-11-24T10:14:03.000Z"), std::string::npos);
  EXPECT_NE(lines[2].find("loan_disbursed"), std::string::npos) << lines[2];
  EXPECT_NE(lines[2].find(
                "  l4: unit3 lent 借出 10,000.00 yuan 社会捐助 donations to "
                "dossier d2, product startup, 12 months, 3.65% a year 年利率, "
                "equal principal 等额本金  040404040404"),
            std::string::npos)
      << lines[2];
  EXPECT_EQ(lines[2].find("张三"), std::string::npos) << lines[2];
  EXPECT_EQ(lines[2].find("\\001"), std::string::npos) << lines[2];
  EXPECT_EQ(lines[4], "3 event(s); head sequence 5");

  EXPECT_EQ(Run({"--json", "events", "tail", "-n", "2"}), 0);
  ASSERT_EQ(OutLines().size(), 2u);
  EXPECT_EQ(OutLines()[0].substr(0, 16), "{\"sequence\":\"4\",");
  EXPECT_EQ(OutLines()[1].substr(0, 16), "{\"sequence\":\"5\",");

  // More than the log holds: stops at sequence 1.
  EXPECT_EQ(Run({"events", "tail", "-n", "50"}), 0);
  EXPECT_EQ(OutLines().size(), 7u);
}

TEST_F(CliTest, VerifyExitCodes) {
  EXPECT_EQ(Run({"verify"}), 0) << err_.str();
  EXPECT_NE(out_.str().find("ok"), std::string::npos);
  Start(/*broken_chain=*/true);
  EXPECT_EQ(Run({"verify"}), 1);
  EXPECT_NE(out_.str().find("BROKEN"), std::string::npos);
  EXPECT_NE(out_.str().find("first bad sequence  3"), std::string::npos)
      << out_.str();
  EXPECT_EQ(Run({"--json", "verify"}), 1);
  EXPECT_NE(out_.str().find("\"ok\":false"), std::string::npos) << out_.str();
}

TEST_F(CliTest, TokenCreateShowsTokenOnceWithWarning) {
  EXPECT_EQ(Run({"token", "create", "--name", "li.wei", "--role",
                 "finance_officer", "--role", "auditor"}),
            0)
      << err_.str();
  EXPECT_NE(out_.str().find("r1-secret-token"), std::string::npos);
  EXPECT_NE(err_.str().find("shown only this once"), std::string::npos);
}

TEST_F(CliTest, TokenListTable) {
  EXPECT_EQ(Run({"token", "list"}), 0);
  const std::vector<std::string> lines = OutLines();
  ASSERT_EQ(lines.size(), 4u) << out_.str();
  EXPECT_NE(lines[2].find("finance_officer, auditor"), std::string::npos);
  EXPECT_NE(lines[2].find("revoked 已吊销"), std::string::npos);
}


// --- funds ---

TEST_F(CliTest, FundsReceiveParsesYuanToFen) {
  EXPECT_EQ(Run({"funds", "receive", "--unit", "jining", "--source",
                 "donations", "--amount", "1,500.50", "--payer", "济宁慈善总会",
                 "--document", "BANK-7", "--memo", "春节送温暖"}),
            0)
      << err_.str();
  {
    std::lock_guard<std::mutex> lock(seen_.mu);
    EXPECT_EQ(seen_.receive_request.amount_fen(), 150050);
    EXPECT_EQ(seen_.receive_request.fund_source(),
              relief::v1::FUND_SOURCE_DONATIONS);
    EXPECT_EQ(seen_.receive_request.unit_code(), "jining");
    EXPECT_EQ(seen_.receive_request.payer(), "济宁慈善总会");
    EXPECT_EQ(seen_.receive_request.document_number(), "BANK-7");
    EXPECT_EQ(seen_.receive_request.memo(), "春节送温暖");
    EXPECT_FALSE(seen_.receive_request.has_goods());
    EXPECT_EQ(seen_.receive_request.request_id().size(), 36u);  // a UUID
  }
  EXPECT_NE(out_.str().find("received 1,500.50 yuan (社会捐助 donations) into "
                            "jining/donations/pool from 济宁慈善总会"),
            std::string::npos)
      << out_.str();
  EXPECT_NE(out_.str().find("sequence     50"), std::string::npos);

  EXPECT_EQ(Run({"funds", "receive", "--unit", "jining", "--source",
                 "federation", "--amount", "1500", "--payer", "省总"}),
            0);
  EXPECT_EQ(seen_.receive_request.amount_fen(), 150000);
  EXPECT_EQ(Run({"funds", "receive", "--unit", "jining", "--source",
                 "own_funds", "--amount", "0.5", "--payer", "本级"}),
            0);
  EXPECT_EQ(seen_.receive_request.amount_fen(), 50);
  EXPECT_EQ(seen_.receive_request.fund_source(),
            relief::v1::FUND_SOURCE_OWN_FUNDS);

  EXPECT_EQ(Run({"--json", "funds", "receive", "--unit", "jining", "--source",
                 "government", "--amount", "1", "--payer", "财政局",
                 "--request-id", "r-9"}),
            0);
  EXPECT_EQ(seen_.receive_request.request_id(), "r-9");
  EXPECT_EQ(OutLines().size(), 1u);
  EXPECT_EQ(out_.str().substr(0, 10), "{\"result\":");
}

TEST_F(CliTest, BadAmountIsAUsageErrorAndSendsNothing) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"1.234", "at most two decimals"},
      {"-5", "never negative"},
      {"abc", "not a digit"},
      {"1,50", "separator is misplaced"},
      {"1e3", "not a digit"},
      {"10000000001", "larger than the largest amount"},
      {"0", "more than 0.00"},
      {"", "empty"},
  };
  for (const auto& [amount, why] : bad) {
    EXPECT_EQ(Run({"funds", "receive", "--unit", "jining", "--source",
                   "donations", "--amount", amount, "--payer", "x"}),
              2)
        << amount;
    EXPECT_NE(err_.str().find(why), std::string::npos)
        << amount << ": " << err_.str();
    EXPECT_EQ(Run({"funds", "allocate", "--from", "jining", "--to",
                   "jining.zoucheng", "--source", "donations", "--amount",
                   amount}),
              2)
        << amount;
  }
  EXPECT_NE(err_.str().find("(write e.g. 1500, 1,500.00 or 0.50)"),
            std::string::npos);
  EXPECT_EQ(Run({"funds", "receive", "--unit", "jining", "--source", "bank",
                 "--amount", "1", "--payer", "x"}),
            2);
  EXPECT_NE(err_.str().find("federation|government|donations|own_funds"),
            std::string::npos);
  std::lock_guard<std::mutex> lock(seen_.mu);
  EXPECT_EQ(seen_.ledger_calls, 0);
  EXPECT_TRUE(seen_.authorization.empty());  // nothing reached the server
}

TEST_F(CliTest, FundsReceiveGoodsNeedsAllThreeGoodsOptions) {
  EXPECT_EQ(Run({"funds", "receive", "--unit", "jining", "--source",
                 "donations", "--amount", "2,500", "--payer", "粮油公司",
                 "--goods-description", "大米 25kg 袋装", "--goods-quantity",
                 "100", "--goods-unit", "袋"}),
            0)
      << err_.str();
  EXPECT_TRUE(seen_.receive_request.has_goods());
  EXPECT_EQ(seen_.receive_request.goods().quantity(), 100);
  EXPECT_EQ(seen_.receive_request.goods().quantity_unit(), "袋");
  EXPECT_EQ(seen_.receive_request.amount_fen(), 250000);
  EXPECT_NE(out_.str().find("received goods valued at 2,500.00 yuan"),
            std::string::npos);
  EXPECT_NE(out_.str().find("jining/donations/goods"), std::string::npos);
  EXPECT_NE(out_.str().find("大米 25kg 袋装 x 100 袋"), std::string::npos);

  EXPECT_EQ(Run({"funds", "receive", "--unit", "jining", "--source",
                 "donations", "--amount", "1", "--payer", "x",
                 "--goods-description", "大米"}),
            2);
  EXPECT_EQ(Run({"funds", "receive", "--unit", "jining", "--source",
                 "donations", "--amount", "1", "--payer", "x",
                 "--goods-description", "大米", "--goods-unit", "袋",
                 "--goods-quantity", "0"}),
            2);
}

TEST_F(CliTest, FundsAllocateReverseAndMatchRule) {
  EXPECT_EQ(Run({"funds", "allocate", "--from", "jining", "--to",
                 "jining.zoucheng", "--source", "federation", "--amount",
                 "300.05", "--memo", "一季度"}),
            0)
      << err_.str();
  EXPECT_EQ(seen_.allocate_request.amount_fen(), 30005);
  EXPECT_EQ(seen_.allocate_request.to_unit_code(), "jining.zoucheng");
  EXPECT_NE(out_.str().find("allocated 300.05 yuan (上级工会拨款 federation "
                            "allocation) jining/federation/pool -> "
                            "jining.zoucheng/federation/pool"),
            std::string::npos)
      << out_.str();

  EXPECT_EQ(Run({"funds", "allocate", "--from", "jining", "--to",
                 "jining.zoucheng", "--source", "federation", "--amount",
                 "20,000", "--request-id", "alloc-1"}),
            19);
  EXPECT_NE(err_.str().find("reason FUNDS_INSUFFICIENT"), std::string::npos);
  EXPECT_NE(err_.str().find("request id alloc-1"), std::string::npos);

  EXPECT_EQ(Run({"funds", "reverse", "--sequence", "50", "--reason", "录错"}),
            0);
  EXPECT_EQ(seen_.reverse_request.sequence(), 50u);
  EXPECT_EQ(seen_.reverse_request.reason(), "录错");
  EXPECT_EQ(Run({"funds", "reverse", "--sequence", "0", "--reason", "x"}), 2);

  EXPECT_EQ(Run({"funds", "match-rule", "--unit", "jining",
                 "--government-parts", "1", "--federation-parts", "2",
                 "--from-year", "2024"}),
            0)
      << err_.str();
  EXPECT_EQ(seen_.matching_rule_request.government_parts(), 1u);
  EXPECT_EQ(seen_.matching_rule_request.federation_parts(), 2u);
  EXPECT_EQ(seen_.matching_rule_request.effective_year(), 2024);
  EXPECT_EQ(Run({"funds", "match-rule", "--unit", "jining",
                 "--government-parts", "0", "--federation-parts", "2",
                 "--from-year", "2024"}),
            2);
  EXPECT_EQ(Run({"funds", "match-rule", "--unit", "jining",
                 "--government-parts", "1", "--federation-parts", "2",
                 "--from-year", "1999"}),
            2);
}

// --- fund reads ---

TEST_F(CliTest, BalanceInYuanWithMinSequence) {
  EXPECT_EQ(Run({"balance", "jining/donations/pool", "--min-sequence", "50"}),
            0)
      << err_.str();
  EXPECT_EQ(seen_.balance_request.account(), "jining/donations/pool");
  EXPECT_EQ(seen_.balance_request.min_sequence(), 50u);
  const std::string out = out_.str();
  EXPECT_NE(out.find("社会捐助 donations"), std::string::npos) << out;
  EXPECT_NE(out.find("1,500.50"), std::string::npos);
  EXPECT_NE(out.find("500.00"), std::string::npos);
  EXPECT_NE(out.find("available 可用            1,000.49"), std::string::npos)
      << out;
  EXPECT_NE(out.find("pending debits 待出       0.01"), std::string::npos);
  EXPECT_EQ(Run({"--json", "balance", "jining/donations/pool"}), 0);
  EXPECT_NE(out_.str().find("\"available_fen\":\"100049\""), std::string::npos)
      << out_.str();
}

TEST_F(CliTest, SummaryTableWithChineseLabels) {
  EXPECT_EQ(Run({"summary", "jining", "--subtree", "--min-sequence", "7"}), 0)
      << err_.str();
  EXPECT_TRUE(seen_.summary_request.subtree());
  EXPECT_EQ(seen_.summary_request.min_sequence(), 7u);
  const std::vector<std::string> lines = OutLines();
  ASSERT_EQ(lines.size(), 8u) << out_.str();
  EXPECT_EQ(lines[3].find("社会捐助 donations"), 0u);
  EXPECT_EQ(lines[5].find("合计 total"), 0u);
  // Right-aligned in display columns: CJK labels count two each.
  const size_t header_end = lines[0].find("来款 RECEIVED") +
                            std::string("来款 RECEIVED").size();
  const int received_end = DisplayWidth(lines[0].substr(0, header_end));
  for (const auto& [row, text] : std::vector<std::pair<int, std::string>>{
           {1, "1,234,567.89"}, {3, "1,500.50"}, {5, "1,236,068.39"}}) {
    const size_t at = lines[static_cast<size_t>(row)].find(text);
    ASSERT_NE(at, std::string::npos) << lines[static_cast<size_t>(row)];
    EXPECT_EQ(DisplayWidth(lines[static_cast<size_t>(row)].substr(
                  0, at + text.size())),
              received_end)
        << row;
  }
  EXPECT_NE(lines[6].find("3 unit(s) summed: jining and every unit below it"),
            std::string::npos)
      << lines[6];
  // Loan interest and recoveries are columns of their own.
  EXPECT_EQ(lines[0],
            "资金来源 FUND SOURCE                来款 RECEIVED  物资 GOODS  "
            "上级拨入 ALLOCATED IN  下拨 ALLOCATED DOWN  已发放 GRANTED  预留 "
            "RESERVED  借出 LENT  已还 REPAID  利息 INTEREST  核销 WRITTEN "
            "OFF  核销收回 RECOVERED  可用 AVAILABLE");
  EXPECT_EQ(lines[3],
            "社会捐助 donations                       1,500.50        "
            "0.00                   0.00                 "
            "0.00            0.00           0.00   1,000.00       "
            "400.00          12.34            200.00               "
            "50.00          962.84");
  EXPECT_EQ(lines[5],
            "合计 total                           1,236,068.39        "
            "0.00                   0.00                 "
            "0.00            0.00           0.00   1,000.00       "
            "400.00          12.34            200.00               "
            "50.00    1,235,530.73");
  EXPECT_EQ(Run({"summary", "jining"}), 0);
  EXPECT_FALSE(seen_.summary_request.subtree());
  EXPECT_NE(out_.str().find("1 unit(s) summed: jining only"),
            std::string::npos);
}

TEST_F(CliTest, StatementFollowsPages) {
  EXPECT_EQ(Run({"statement", "jining/donations/pool", "--page-size", "2",
                 "--min-sequence", "14"}),
            0)
      << err_.str();
  {
    std::lock_guard<std::mutex> lock(seen_.mu);
    ASSERT_EQ(seen_.statement_requests.size(), 3u);
    EXPECT_EQ(seen_.statement_requests[0].page_token(), "");
    EXPECT_EQ(seen_.statement_requests[1].page_token(), "2");
    EXPECT_EQ(seen_.statement_requests[2].page_token(), "4");
    for (const auto& request : seen_.statement_requests) {
      EXPECT_EQ(request.page_size(), 2u);
      EXPECT_EQ(request.min_sequence(), 14u);
      EXPECT_EQ(request.account(), "jining/donations/pool");
    }
  }
  const std::vector<std::string> lines = OutLines();
  ASSERT_EQ(lines.size(), 7u) << out_.str();  // header, 5 postings, footer
  EXPECT_EQ(lines[1].substr(0, 3), " 10");
  EXPECT_EQ(lines[5].substr(0, 3), " 14");
  EXPECT_NE(lines[5].find("500.00"), std::string::npos);  // running balance
  EXPECT_NE(lines[5].find("捐款 5"), std::string::npos);
  EXPECT_NE(lines[5].find("funds_received"), std::string::npos);
  EXPECT_EQ(lines[6],
            "5 posting(s) of jining/donations/pool, amounts in yuan (元); as "
            "of sequence 25");

  EXPECT_EQ(Run({"--json", "statement", "jining/donations/pool",
                 "--page-size", "1"}),
            0);
  ASSERT_EQ(OutLines().size(), 1u);  // one merged response
  EXPECT_NE(out_.str().find("捐款 5"), std::string::npos);
  EXPECT_EQ(Run({"statement", "x", "--page-size", "1001"}), 2);
}

TEST_F(CliTest, MatchingTable) {
  EXPECT_EQ(Run({"matching", "--unit", "jining", "--year", "2024",
                 "--min-sequence", "3"}),
            0)
      << err_.str();
  EXPECT_EQ(seen_.matching_request.unit_code(), "jining");
  EXPECT_EQ(seen_.matching_request.year(), 2024);
  EXPECT_EQ(seen_.matching_request.min_sequence(), 3u);
  const std::vector<std::string> lines = OutLines();
  ASSERT_EQ(lines.size(), 3u) << out_.str();
  EXPECT_NE(lines[0].find("应配套 DUE"), std::string::npos);
  EXPECT_NE(lines[1].find("1:2"), std::string::npos);
  EXPECT_NE(lines[1].find("1,000,000.00"), std::string::npos);
  EXPECT_NE(lines[1].find("300,000.00"), std::string::npos);
  EXPECT_EQ(Run({"matching"}), 0);
  EXPECT_EQ(seen_.matching_request.unit_code(), "");
  EXPECT_EQ(seen_.matching_request.year(), 0);
}

// --- dossiers ---

TEST_F(CliTest, DossierAddPrintsIdAndNeverTheNationalId) {
  EXPECT_EQ(Run({"dossier", "add", "--unit", "jining.zoucheng", "--name",
                 "张三", "--national-id", kNationalId, "--category",
                 "serious_illness", "--household", "3", "--contact",
                 "13800000000"}),
            0)
      << err_.str();
  {
    std::lock_guard<std::mutex> lock(seen_.mu);
    EXPECT_EQ(seen_.register_dossier_request.national_id(), kNationalId);
    EXPECT_EQ(seen_.register_dossier_request.category(),
              relief::v1::HARDSHIP_CATEGORY_SERIOUS_ILLNESS);
    EXPECT_EQ(seen_.register_dossier_request.household_size(), 3u);
    EXPECT_TRUE(seen_.register_dossier_request.national_id_hmac().empty());
  }
  EXPECT_NE(out_.str().find("dossier id   d54"), std::string::npos)
      << out_.str();
  EXPECT_NE(out_.str().find("大病 serious illness"), std::string::npos);
  EXPECT_EQ(out_.str().find(kNationalId), std::string::npos);
  EXPECT_EQ(err_.str().find(kNationalId), std::string::npos);

  EXPECT_EQ(Run({"--json", "dossier", "add", "--unit", "jining", "--name",
                 "李四", "--national-id", kNationalIdLowerX, "--category",
                 "zero_employment", "--household", "1"}),
            0);
  EXPECT_EQ(seen_.register_dossier_request.national_id(),
            "11010519491231002X");  // canonical
  EXPECT_NE(out_.str().find("\"dossier_id\":\"d54\""), std::string::npos);
  EXPECT_EQ(out_.str().find("110105194912310"), std::string::npos);

  // A server message that echoes the ID: redacted before printing.
  EXPECT_EQ(Run({"--json", "dossier", "add", "--unit", "taken", "--name",
                 "张三", "--national-id", kNationalId, "--category", "other",
                 "--household", "2"}),
            16);
  EXPECT_NE(err_.str().find("a dossier for <national ID> exists"),
            std::string::npos)
      << err_.str();
  EXPECT_EQ(err_.str().find(kNationalId), std::string::npos) << err_.str();
  EXPECT_EQ(out_.str().find(kNationalId), std::string::npos);
}

TEST_F(CliTest, DossierBadNationalIdExitsTwoWithoutEchoingIt) {
  const std::vector<std::string> bad = {
      "370802198001011234",  // wrong check digit
      "370802198002301235",  // 30 February
      "37080219800101123",   // 17 characters
      "3708021980010112XX",
  };
  for (const std::string& id : bad) {
    EXPECT_EQ(Run({"dossier", "add", "--unit", "jining", "--name", "张三",
                   "--national-id", id, "--category", "other",
                   "--household", "1"}),
              2)
        << id;
    EXPECT_NE(err_.str().find("the national ID is not valid"),
              std::string::npos)
        << err_.str();
    EXPECT_EQ(err_.str().find(id), std::string::npos) << err_.str();
    EXPECT_EQ(out_.str().find(id), std::string::npos);
    EXPECT_EQ(Run({"dossier", "show", "--national-id", id}), 2);
    EXPECT_EQ(err_.str().find(id), std::string::npos) << err_.str();
  }
  EXPECT_EQ(Run({"dossier", "add", "--unit", "jining", "--name", "张三",
                 "--national-id", kNationalId, "--category", "poor",
                 "--household", "1"}),
            2);
  EXPECT_NE(err_.str().find("subsistence|near_subsistence"), std::string::npos);
  EXPECT_EQ(Run({"dossier", "add", "--unit", "jining", "--name", "张三",
                 "--national-id", kNationalId, "--category", "other",
                 "--household", "21"}),
            2);
  EXPECT_EQ(err_.str().find(kNationalId), std::string::npos);
  std::lock_guard<std::mutex> lock(seen_.mu);
  EXPECT_EQ(seen_.ledger_calls, 0);
}

TEST_F(CliTest, DossierUpdateExitAndCategories) {
  EXPECT_EQ(Run({"dossier", "update", "--id", "d54", "--name", "张三",
                 "--category", "aged_4050", "--household", "4"}),
            0)
      << err_.str();
  EXPECT_EQ(seen_.update_dossier_request.dossier_id(), "d54");
  EXPECT_EQ(seen_.update_dossier_request.category(),
            relief::v1::HARDSHIP_CATEGORY_AGED_4050);
  EXPECT_NE(out_.str().find("4050人员"), std::string::npos) << out_.str();
  const std::vector<std::pair<std::string, relief::v1::HardshipCategory>>
      categories = {
          {"subsistence", relief::v1::HARDSHIP_CATEGORY_SUBSISTENCE_ALLOWANCE},
          {"near_subsistence", relief::v1::HARDSHIP_CATEGORY_NEAR_SUBSISTENCE},
          {"zero_employment",
           relief::v1::HARDSHIP_CATEGORY_ZERO_EMPLOYMENT_HOUSEHOLD},
          {"single-parent", relief::v1::HARDSHIP_CATEGORY_SINGLE_PARENT},
          {"disability", relief::v1::HARDSHIP_CATEGORY_DISABILITY},
          {"migrant_worker", relief::v1::HARDSHIP_CATEGORY_MIGRANT_WORKER},
          {"model_worker", relief::v1::HARDSHIP_CATEGORY_MODEL_WORKER},
          {"HARDSHIP_CATEGORY_OTHER", relief::v1::HARDSHIP_CATEGORY_OTHER},
      };
  for (const auto& [name, category] : categories) {
    EXPECT_EQ(Run({"dossier", "update", "--id", "d54", "--name", "张三",
                   "--category", name, "--household", "4"}),
              0)
        << name;
    EXPECT_EQ(seen_.update_dossier_request.category(), category) << name;
  }
  EXPECT_EQ(Run({"dossier", "exit", "--id", "d54", "--reason", "再就业"}), 0);
  EXPECT_NE(out_.str().find("exited 脱困"), std::string::npos);
  EXPECT_EQ(Run({"dossier", "exit", "--id", "d54"}), 2);  // reason required
}

TEST_F(CliTest, DossierShowByIdOrNationalId) {
  EXPECT_EQ(Run({"dossier", "show", "--id", "d20", "--min-sequence", "54"}), 0)
      << err_.str();
  EXPECT_EQ(seen_.dossier_request.dossier_id(), "d20");
  EXPECT_EQ(seen_.dossier_request.min_sequence(), 54u);
  EXPECT_NE(out_.str().find("370802********1235"), std::string::npos);
  EXPECT_NE(out_.str().find("大病 serious illness"), std::string::npos);
  EXPECT_NE(out_.str().find("active 在档"), std::string::npos);

  EXPECT_EQ(Run({"dossier", "show", "--national-id", kNationalId}), 0);
  EXPECT_EQ(seen_.dossier_request.national_id(), kNationalId);
  EXPECT_EQ(seen_.dossier_request.dossier_id(), "");
  EXPECT_EQ(out_.str().find(kNationalId), std::string::npos);

  EXPECT_EQ(Run({"dossier", "show", "--national-id", kNationalIdLowerX}), 15);
  EXPECT_EQ(err_.str().find("110105194912310"), std::string::npos)
      << err_.str();
  EXPECT_NE(err_.str().find("no dossier for '<national ID>'"),
            std::string::npos)
      << err_.str();

  EXPECT_EQ(Run({"dossier", "show"}), 2);  // neither
  EXPECT_EQ(Run({"dossier", "show", "--id", "d1", "--national-id",
                 kNationalId}),
            2);  // both
}

TEST_F(CliTest, DossierListFollowsPages) {
  EXPECT_EQ(Run({"dossier", "list", "--unit", "jining", "--subtree",
                 "--page-size", "1"}),
            0)
      << err_.str();
  {
    std::lock_guard<std::mutex> lock(seen_.mu);
    ASSERT_EQ(seen_.dossier_list_requests.size(), 3u);
    EXPECT_TRUE(seen_.dossier_list_requests[0].subtree());
    EXPECT_FALSE(seen_.dossier_list_requests[0].include_exited());
    EXPECT_EQ(seen_.dossier_list_requests[2].page_token(), "2");
  }
  std::vector<std::string> lines = OutLines();
  ASSERT_EQ(lines.size(), 4u) << out_.str();
  EXPECT_NE(lines[1].find("张三"), std::string::npos);
  EXPECT_EQ(lines[3], "2 dossier(s), as of sequence 30");
  // Columns line up with the Chinese name column.
  const size_t header_at = lines[0].find("身份证号 NATIONAL ID");
  const size_t row_at = lines[1].find("370802********1235");
  EXPECT_EQ(DisplayWidth(lines[0].substr(0, header_at)),
            DisplayWidth(lines[1].substr(0, row_at)));

  EXPECT_EQ(Run({"dossier", "list", "--unit", "jining", "--all"}), 0);
  EXPECT_TRUE(seen_.dossier_list_requests.back().include_exited());
  EXPECT_NE(out_.str().find("exited 已脱困"), std::string::npos);
  EXPECT_EQ(Run({"dossier", "list"}), 2);  // --unit required
}

TEST_F(CliTest, HelpOfTheNewCommands) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {"funds", "receive", "--help"},
           {"funds", "allocate", "--help"},
           {"funds", "reverse", "--help"},
           {"funds", "match-rule", "--help"},
           {"balance", "--help"},
           {"summary", "--help"},
           {"statement", "--help"},
           {"matching", "--help"},
           {"dossier", "add", "--help"},
           {"dossier", "update", "--help"},
           {"dossier", "exit", "--help"},
           {"dossier", "reactivate", "--help"},
           {"dossier", "show", "--help"},
           {"dossier", "list", "--help"}}) {
    EXPECT_EQ(Run(args, false), 0) << args[0] << " " << args[1];
  }
  EXPECT_EQ(Run({"funds", "receive", "--help"}, false), 0);
  EXPECT_NE(out_.str().find("--request-id"), std::string::npos);
  EXPECT_NE(out_.str().find("federation|government|donations|own_funds"),
            std::string::npos);
  EXPECT_EQ(Run({"dossier", "add", "--help"}, false), 0);
  EXPECT_NE(out_.str().find("zero_employment"), std::string::npos);
  EXPECT_EQ(Run({"statement", "--help"}, false), 0);
  EXPECT_NE(out_.str().find("--min-sequence"), std::string::npos);
}

}  // namespace
}  // namespace reliefctl
