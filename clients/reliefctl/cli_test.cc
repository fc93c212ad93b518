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
};

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

}  // namespace
}  // namespace reliefctl
