// Drives program, grant, aid, notice, report and batch commands against an
// in-process fake of LedgerService and QueryService.
#include <cstdio>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "clients/reliefctl/batch_file.h"
#include "clients/reliefctl/cli.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "relief/v1/ledger_service.grpc.pb.h"
#include "relief/v1/query_service.grpc.pb.h"

namespace reliefctl {
namespace {

using grpc::ServerContext;
using grpc::Status;
using grpc::StatusCode;

// 2024-11-24 10:14:03 UTC = 18:14:03 China time.
constexpr int64_t kNoticeEnds = 1732443243000000;

struct Seen {
  std::mutex mu;
  std::vector<relief::v1::SetProgramPolicyRequest> policies;
  relief::v1::ProposeGrantRequest propose;
  relief::v1::PostGrantRequest post;
  relief::v1::VoidGrantRequest void_request;
  relief::v1::RecordExternalAidRequest aid;
  relief::v1::DisburseBatchRequest batch;
  int batch_calls = 0;
  int64_t batch_deadline_seconds = 0;
  relief::v1::ListPublicNoticeRequest notice;
  relief::v1::GetProgramReportRequest report;
};

void Done(relief::v1::CommandResult* result, uint64_t sequence) {
  result->set_first_sequence(sequence);
  result->set_event_count(1);
  result->set_recorded_at_unix_micros(kNoticeEnds);
}

Status Reject(ServerContext* context, StatusCode code,
              const std::string& reason, const std::string& message) {
  context->AddTrailingMetadata("relief-reason", reason);
  return Status(code, reason + ": " + message);
}

relief::v1::Grant MakeGrant(const std::string& id,
                            relief::v1::GrantStatus status) {
  relief::v1::Grant grant;
  grant.set_grant_id(id);
  grant.set_dossier_id("d17");
  grant.set_beneficiary_name("张三");
  grant.set_national_id_masked("370802********1235");
  grant.set_category(relief::v1::HARDSHIP_CATEGORY_SERIOUS_ILLNESS);
  grant.set_household_size(3);
  grant.set_program("education");
  grant.set_unit_code("jining.zoucheng");
  grant.set_fund_source(relief::v1::FUND_SOURCE_DONATIONS);
  grant.set_amount_fen(200050);
  grant.set_year(2024);
  grant.set_status(status);
  grant.set_proposed_sequence(42);
  grant.set_proposed_at_unix_micros(kNoticeEnds - 7LL * 86400 * 1000000);
  grant.set_proposed_by("li.wei");
  grant.set_notice_ends_unix_micros(kNoticeEnds);
  grant.set_expires_unix_micros(kNoticeEnds + 38LL * 86400 * 1000000);
  return grant;
}

class FakeLedger final : public relief::v1::LedgerService::Service {
 public:
  explicit FakeLedger(Seen* seen) : seen_(seen) {}

  Status SetProgramPolicy(
      ServerContext*, const relief::v1::SetProgramPolicyRequest* request,
      relief::v1::SetProgramPolicyResponse* response) override {
    std::lock_guard<std::mutex> lock(seen_->mu);
    seen_->policies.push_back(*request);
    Done(response->mutable_result(), 10 + seen_->policies.size());
    return Status::OK;
  }

  Status ProposeGrant(ServerContext* context,
                      const relief::v1::ProposeGrantRequest* request,
                      relief::v1::ProposeGrantResponse* response) override {
    if (request->dossier_id() == "d99") {
      return Reject(context, StatusCode::FAILED_PRECONDITION,
                    "GRANT_YEARLY_LIMIT_REACHED",
                    "d99 had 1 education grant(s) in 2024");
    }
    std::lock_guard<std::mutex> lock(seen_->mu);
    seen_->propose = *request;
    Done(response->mutable_result(), 42);
    response->set_grant_id("g42");
    return Status::OK;
  }

  Status PostGrant(ServerContext*, const relief::v1::PostGrantRequest* request,
                   relief::v1::PostGrantResponse* response) override {
    std::lock_guard<std::mutex> lock(seen_->mu);
    seen_->post = *request;
    Done(response->mutable_result(), 50);
    return Status::OK;
  }

  Status VoidGrant(ServerContext*, const relief::v1::VoidGrantRequest* request,
                   relief::v1::VoidGrantResponse* response) override {
    std::lock_guard<std::mutex> lock(seen_->mu);
    seen_->void_request = *request;
    Done(response->mutable_result(), 51);
    return Status::OK;
  }

  Status RecordExternalAid(
      ServerContext*, const relief::v1::RecordExternalAidRequest* request,
      relief::v1::RecordExternalAidResponse* response) override {
    std::lock_guard<std::mutex> lock(seen_->mu);
    seen_->aid = *request;
    Done(response->mutable_result(), 52);
    return Status::OK;
  }

  Status DisburseBatch(ServerContext* context,
                       const relief::v1::DisburseBatchRequest* request,
                       relief::v1::DisburseBatchResponse* response) override {
    {
      std::lock_guard<std::mutex> lock(seen_->mu);
      seen_->batch = *request;
      ++seen_->batch_calls;
      seen_->batch_deadline_seconds =
          std::chrono::duration_cast<std::chrono::seconds>(
              context->deadline() - std::chrono::system_clock::now())
              .count();
    }
    if (request->control_count() !=
        static_cast<uint32_t>(request->lines_size())) {
      return Reject(context, StatusCode::INVALID_ARGUMENT,
                    "BATCH_CONTROL_MISMATCH", "the control totals differ");
    }
    for (int i = 0; i < request->lines_size(); ++i) {
      if (request->lines(i).has_post_grant() &&
          request->lines(i).post_grant().grant_id() == "g404") {
        return Reject(context, StatusCode::NOT_FOUND, "GRANT_NOT_FOUND",
                      absl::StrCat("command ", i, ": no grant g404"));
      }
      Done(response->add_results(), 100 + i);
    }
    return Status::OK;
  }

 private:
  Seen* seen_;
};

class FakeQuery final : public relief::v1::QueryService::Service {
 public:
  explicit FakeQuery(Seen* seen) : seen_(seen) {}

  Status GetGrant(ServerContext* context,
                  const relief::v1::GetGrantRequest* request,
                  relief::v1::GetGrantResponse* response) override {
    if (request->grant_id() != "g42") {
      return Reject(context, StatusCode::NOT_FOUND, "GRANT_NOT_FOUND",
                    "no grant " + request->grant_id());
    }
    *response->mutable_grant() =
        MakeGrant("g42", relief::v1::GRANT_STATUS_PENDING);
    response->set_as_of_sequence(60);
    return Status::OK;
  }

  Status GetAidHistory(ServerContext*, const relief::v1::GetAidHistoryRequest*,
                       relief::v1::GetAidHistoryResponse* response) override {
    auto* dossier = response->mutable_dossier();
    dossier->set_dossier_id("d17");
    dossier->set_name("张三");
    dossier->set_national_id_masked("370802********1235");
    dossier->set_unit_code("jining.zoucheng");
    const relief::v1::GrantStatus statuses[] = {
        relief::v1::GRANT_STATUS_POSTED, relief::v1::GRANT_STATUS_VOIDED,
        relief::v1::GRANT_STATUS_EXPIRED, relief::v1::GRANT_STATUS_PENDING};
    int id = 40;
    for (const auto status : statuses) {
      auto grant = MakeGrant(absl::StrCat("g", id), status);
      grant.set_proposed_sequence(id++);
      *response->add_entries()->mutable_grant() = grant;
    }
    auto* aid = response->add_entries()->mutable_external_aid();
    aid->set_sequence(45);
    aid->set_program("medical");
    aid->set_year(2024);
    aid->set_provider("民政局");
    aid->set_amount_fen(300000);
    response->set_as_of_sequence(60);
    return Status::OK;
  }

  Status ListPublicNotice(
      ServerContext*, const relief::v1::ListPublicNoticeRequest* request,
      relief::v1::ListPublicNoticeResponse* response) override {
    {
      std::lock_guard<std::mutex> lock(seen_->mu);
      seen_->notice = *request;
    }
    *response->add_grants() =
        MakeGrant("g42", relief::v1::GRANT_STATUS_PENDING);
    auto second = MakeGrant("g43", relief::v1::GRANT_STATUS_PENDING);
    second.set_beneficiary_name("李, \"四\"");
    *response->add_grants() = second;
    response->set_as_of_sequence(60);
    return Status::OK;
  }

  Status GetProgramReport(
      ServerContext*, const relief::v1::GetProgramReportRequest* request,
      relief::v1::GetProgramReportResponse* response) override {
    {
      std::lock_guard<std::mutex> lock(seen_->mu);
      seen_->report = *request;
    }
    auto* row = response->add_rows();
    row->set_program("education");
    row->set_year(2024);
    row->set_people(2);
    row->set_grants(2);
    row->set_households(2);
    row->set_household_members(7);
    row->set_amount_fen(400100);
    response->set_units(3);
    response->set_as_of_sequence(60);
    return Status::OK;
  }

 private:
  Seen* seen_;
};

class GrantCliTest : public ::testing::Test {
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
    builder.SetMaxReceiveMessageSize(16 * 1024 * 1024);
    builder.RegisterService(ledger_.get());
    builder.RegisterService(query_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    address_ = absl::StrCat("127.0.0.1:", port);
  }

  void TearDown() override {
    server_->Shutdown();
    for (const std::string& path : files_) std::remove(path.c_str());
  }

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

  std::string TempFile(const std::string& name, const std::string& content) {
    const std::string path =
        absl::StrCat(::testing::TempDir(), "/reliefctl_", getpid(), "_", name);
    std::ofstream(path, std::ios::binary) << content;
    files_.push_back(path);
    return path;
  }

  static std::string ReadAll(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    std::ostringstream content;
    content << file.rdbuf();
    return content.str();
  }

  bool Has(const std::string& needle) const {
    return out_.str().find(needle) != std::string::npos;
  }

  Seen seen_;
  std::unique_ptr<FakeLedger> ledger_;
  std::unique_ptr<FakeQuery> query_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
  std::vector<std::string> files_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(GrantCliTest, ProgramDefaultsSendsTheSevenStandardPolicies) {
  EXPECT_EQ(Run({"program", "defaults", "--from", "2024-03-01", "--request-id",
                 "setup-2024"}),
            0)
      << err_.str();
  ASSERT_EQ(seen_.policies.size(), 7u);
  EXPECT_EQ(seen_.policies[0].policy().program(), "festival");
  EXPECT_EQ(seen_.policies[0].request_id(), "setup-2024.festival");
  EXPECT_EQ(seen_.policies[1].policy().program(), "education");
  EXPECT_EQ(seen_.policies[1].policy().effective_date(), 20240301);
  EXPECT_EQ(seen_.policies[1].policy().min_amount_fen(), 200000);
  EXPECT_TRUE(Has("金秋助学")) << out_.str();
  EXPECT_TRUE(Has("07-15..08-31"));
  EXPECT_TRUE(Has("in force from 2024-03-01"));

  // Default date: 1 January of this year.
  seen_.policies.clear();
  EXPECT_EQ(Run({"program", "defaults"}), 0) << err_.str();
  ASSERT_EQ(seen_.policies.size(), 7u);
  EXPECT_EQ(seen_.policies[0].policy().effective_date() % 10000, 101);
  EXPECT_NE(seen_.policies[0].request_id(), seen_.policies[1].request_id());

  EXPECT_EQ(Run({"program", "defaults", "--from", "2024-02-30"}), 2);
}

TEST_F(GrantCliTest, ProgramSetBuildsThePolicy) {
  EXPECT_EQ(Run({"program",       "set",         "--program",     "winter",
                 "--name-zh",     "冬季送温暖",  "--name-en",     "winter",
                 "--from",        "2024-12-01",  "--min",         "500",
                 "--max",         "1,500.50",    "--per-year",    "1",
                 "--window",      "1201-1231",   "--window",      "0101-0115",
                 "--category",    "subsistence", "--source",      "donations",
                 "--source",      "government",  "--notice-days", "0",
                 "--expiry-days", "10",          "--goods"}),
            0)
      << err_.str();
  ASSERT_EQ(seen_.policies.size(), 1u);
  const relief::v1::ProgramPolicySet& p = seen_.policies[0].policy();
  EXPECT_EQ(p.program(), "winter");
  EXPECT_EQ(p.effective_date(), 20241201);
  EXPECT_EQ(p.max_amount_fen(), 150050);
  ASSERT_EQ(p.windows_size(), 2);
  EXPECT_EQ(p.windows(0).start_mmdd(), 1201);
  EXPECT_EQ(p.windows(1).end_mmdd(), 115);
  EXPECT_EQ(p.eligible_categories_size(), 1);
  EXPECT_EQ(p.fund_sources_size(), 2);
  EXPECT_FALSE(p.allow_cash());
  EXPECT_TRUE(p.allow_goods());
  EXPECT_TRUE(Has("request id"));

  const std::vector<std::string> base = {
      "program",       "set", "--program",     "x",
      "--name-zh",     "某",  "--from",        "2024-01-01",
      "--min",         "10",  "--max",         "20",
      "--per-year",    "1",   "--source",      "donations",
      "--notice-days", "1",   "--expiry-days", "5"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  EXPECT_EQ(Run(with({"--window", "0831-0715"})), 2);
  EXPECT_EQ(Run(with({"--window", "0230-0301"})), 2);
  EXPECT_EQ(Run(with({"--category", "rich"})), 2);
  EXPECT_EQ(Run(with({"--expiry-days", "1"})), 2);
  EXPECT_EQ(Run(with({"--min", "30"})), 2);
  EXPECT_EQ(Run(with({"--program", "Bad"})), 2);
  EXPECT_EQ(seen_.policies.size(), 1u);  // nothing more was sent
  EXPECT_EQ(Run(with({"--window", "0229-0301"})), 0) << err_.str();
  EXPECT_TRUE(seen_.policies.back().policy().allow_cash());  // the default
}

TEST_F(GrantCliTest, GrantProposePrintsIdAndNoticeEndInChinaTime) {
  EXPECT_EQ(Run({"grant", "propose", "--dossier", "d17", "--program",
                 "education", "--unit", "jining.zoucheng", "--source",
                 "donations", "--amount", "2,000.50", "--memo", "高三"}),
            0)
      << err_.str();
  EXPECT_EQ(seen_.propose.amount_fen(), 200050);
  EXPECT_EQ(seen_.propose.fund_source(), relief::v1::FUND_SOURCE_DONATIONS);
  EXPECT_EQ(seen_.propose.memo(), "高三");
  EXPECT_EQ(seen_.propose.request_id().size(), 36u);  // a fresh UUID
  EXPECT_TRUE(Has("grant id")) << out_.str();
  EXPECT_TRUE(Has("g42"));
  EXPECT_TRUE(Has("2024-11-24 18:14:03 (UTC+8)"));
  EXPECT_TRUE(Has("2,000.50 yuan of education 金秋助学"));

  EXPECT_EQ(
      Run({"--json", "grant", "propose", "--dossier", "d17", "--program",
           "festival", "--unit", "jining", "--source", "government", "--amount",
           "800", "--goods-quantity", "2", "--request-id", "p-1"}),
      0);
  EXPECT_EQ(seen_.propose.goods_quantity(), 2);
  EXPECT_EQ(seen_.propose.request_id(), "p-1");
  EXPECT_TRUE(Has("\"grant_id\":\"g42\""));

  EXPECT_EQ(
      Run({"grant", "propose", "--dossier", "d99", "--program", "education",
           "--unit", "jining", "--source", "donations", "--amount", "2000"}),
      19);
  EXPECT_NE(err_.str().find("GRANT_YEARLY_LIMIT_REACHED"), std::string::npos);
  EXPECT_NE(err_.str().find("request id"), std::string::npos);
  EXPECT_EQ(
      Run({"grant", "propose", "--dossier", "d17", "--program", "education",
           "--unit", "jining", "--source", "donations", "--amount", "0"}),
      2);
}

TEST_F(GrantCliTest, GrantPostVoidAndAidRecord) {
  EXPECT_EQ(Run({"grant", "post", "--id", "g42"}), 0) << err_.str();
  EXPECT_EQ(seen_.post.grant_id(), "g42");
  EXPECT_EQ(seen_.post.amount_fen(), 0);
  EXPECT_EQ(Run({"grant", "post", "--id", "g42", "--amount", "2000.5"}), 0);
  EXPECT_EQ(seen_.post.amount_fen(), 200050);
  EXPECT_TRUE(Has("posted 已发放 grant g42, 2,000.50 yuan"));

  EXPECT_EQ(Run({"grant", "void", "--id", "g42", "--reason", "公示期有异议"}),
            0);
  EXPECT_EQ(seen_.void_request.reason(), "公示期有异议");
  EXPECT_EQ(Run({"grant", "void", "--id", "g42"}), 2);  // --reason required

  EXPECT_EQ(
      Run({"aid", "record", "--dossier", "d17", "--program", "medical",
           "--year", "2024", "--provider", "民政局", "--amount", "3,000"}),
      0)
      << err_.str();
  EXPECT_EQ(seen_.aid.amount_fen(), 300000);
  EXPECT_EQ(seen_.aid.year(), 2024);
  EXPECT_EQ(seen_.aid.provider(), "民政局");
  EXPECT_EQ(Run({"aid", "record", "--dossier", "d17", "--program", "medical",
                 "--year", "1999", "--provider", "x", "--amount", "1"}),
            2);
}

TEST_F(GrantCliTest, GrantShowAndHistory) {
  EXPECT_EQ(Run({"grant", "show", "--id", "g42"}), 0) << err_.str();
  EXPECT_TRUE(Has("pending 待发放"));
  EXPECT_TRUE(Has("370802********1235"));
  EXPECT_TRUE(Has("2024-11-24 18:14:03 (UTC+8)"));
  EXPECT_TRUE(Has("2,000.50"));
  EXPECT_EQ(Run({"grant", "show", "--id", "g1"}), 15);

  EXPECT_EQ(Run({"grant", "history", "--dossier", "d17"}), 0) << err_.str();
  const std::string text = out_.str();
  const size_t posted = text.find("posted 已发放");
  const size_t voided = text.find("voided 已作废");
  const size_t expired = text.find("expired 已过期");
  const size_t pending = text.find("pending 待发放");
  const size_t external = text.find("external 外部救助");
  ASSERT_NE(posted, std::string::npos) << text;
  ASSERT_NE(external, std::string::npos);
  EXPECT_LT(posted, voided);
  EXPECT_LT(voided, expired);
  EXPECT_LT(expired, pending);
  EXPECT_LT(pending, external);  // in the server's order, oldest first
  EXPECT_TRUE(Has("民政局"));
  EXPECT_TRUE(Has("5 entr(ies)"));
}

TEST_F(GrantCliTest, NoticeListTableAndCsv) {
  EXPECT_EQ(Run({"notice", "list", "--unit", "jining", "--subtree", "--program",
                 "education"}),
            0)
      << err_.str();
  EXPECT_TRUE(seen_.notice.subtree());
  EXPECT_EQ(seen_.notice.program(), "education");
  EXPECT_TRUE(Has("2 grant(s) in public notice"));
  EXPECT_TRUE(Has("2024-11-24 18:14:03"));

  const std::string path = TempFile("notice.csv", "");
  EXPECT_EQ(Run({"notice", "list", "--unit", "jining", "--csv", path}), 0)
      << err_.str();
  EXPECT_TRUE(Has("wrote 2 grant(s)"));
  const std::string csv = ReadAll(path);
  EXPECT_EQ(csv.substr(0, 3), "\xEF\xBB\xBF");
  EXPECT_NE(csv.find("序号 No,单位 unit,姓名 name,身份证号(脱敏) masked ID"),
            std::string::npos);
  EXPECT_NE(csv.find("\"李, \"\"四\"\"\""), std::string::npos) << csv;
  EXPECT_NE(csv.find("370802********1235"), std::string::npos);

  EXPECT_EQ(Run({"notice", "list", "--unit", "jining", "--csv",
                 "/nonexistent/dir/x.csv"}),
            3);
}

TEST_F(GrantCliTest, ReportTable) {
  EXPECT_EQ(Run({"report", "--unit", "jining", "--subtree", "--year", "2024"}),
            0)
      << err_.str();
  EXPECT_EQ(seen_.report.year(), 2024);
  EXPECT_TRUE(seen_.report.subtree());
  EXPECT_TRUE(Has("惠及人口 MEMBERS"));
  EXPECT_TRUE(Has("4,001.00"));
  EXPECT_EQ(Run({"--json", "report", "--unit", "jining"}), 0);
  EXPECT_TRUE(Has("\"household_members\":7"));
}

TEST_F(GrantCliTest, BatchDisburseSendsTheFileWithDerivedIds) {
  const std::string content =
      "\xEF\xBB\xBF#control_count=2,control_sum=3,500.50\r\n"
      "action,dossier,program,unit,source,amount,grant,memo\r\n"
      "propose,d17,education,jining.zoucheng,donations,2000.50,,\"a, b\"\r\n"
      "post,,,,,1500,g7,\r\n";
  const std::string path = TempFile("batch.csv", content);
  EXPECT_EQ(Run({"batch", "disburse", "--file", path}), 0) << err_.str();
  ASSERT_EQ(seen_.batch.lines_size(), 2);
  EXPECT_EQ(seen_.batch.control_count(), 2u);
  EXPECT_EQ(seen_.batch.control_sum_fen(), 350050);
  const std::string sha = Sha256Hex(content);
  EXPECT_EQ(seen_.batch.lines(0).propose_grant().request_id(),
            BatchRequestId(sha, 3));
  EXPECT_EQ(seen_.batch.lines(1).post_grant().request_id(),
            BatchRequestId(sha, 4));
  EXPECT_GT(seen_.batch_deadline_seconds, 200);  // the batch's own default
  EXPECT_TRUE(Has("g100")) << out_.str();        // the proposal's grant id
  EXPECT_TRUE(Has("1 proposal(s), 1 post(s), 3,500.50 yuan"));

  // A retry sends the same ids.
  const relief::v1::DisburseBatchRequest first = seen_.batch;
  EXPECT_EQ(Run({"batch", "disburse", "--file", path, "--timeout", "5"}), 0);
  EXPECT_EQ(seen_.batch.lines(0).propose_grant().request_id(),
            first.lines(0).propose_grant().request_id());
  EXPECT_LE(seen_.batch_deadline_seconds, 5);
}

TEST_F(GrantCliTest, BatchDisburseErrors) {
  const std::string bad =
      TempFile("bad.csv",
               "#control_count=1,control_sum=10\n"
               "action,dossier,program,unit,source,amount,grant,memo\n"
               "post,,,,,10,g1,\n"
               "post,,,,,ten,g2,\n");
  EXPECT_EQ(Run({"batch", "disburse", "--file", bad}), 2);
  EXPECT_NE(err_.str().find("line 4: amount:"), std::string::npos)
      << err_.str();
  EXPECT_EQ(seen_.batch_calls, 0);

  EXPECT_EQ(Run({"batch", "disburse", "--file", "/nonexistent/b.csv"}), 3);

  const std::string mismatch =
      TempFile("mismatch.csv",
               "#control_count=3,control_sum=10\n"
               "action,dossier,program,unit,source,amount,grant,memo\n"
               "post,,,,,10,g1,\n");
  EXPECT_EQ(Run({"batch", "disburse", "--file", mismatch}), 13);
  EXPECT_NE(err_.str().find("BATCH_CONTROL_MISMATCH"), std::string::npos);

  const std::string missing =
      TempFile("missing.csv",
               "#control_count=2,control_sum=20\n"
               "action,dossier,program,unit,source,amount,grant,memo\n"
               "post,,,,,10,g1,\n"
               "\"post\",,,,,10,g404,\n");
  EXPECT_EQ(Run({"batch", "disburse", "--file", missing}), 15);
  EXPECT_NE(err_.str().find("batch command 1 (counting from 0) is line 4 of"),
            std::string::npos)
      << err_.str();
}

TEST_F(GrantCliTest, BatchOfTenThousandLines) {
  std::string content =
      "#control_count=10000,control_sum=5000000\n"
      "action,dossier,program,unit,source,amount,grant,memo\n";
  for (int i = 0; i < 10000; ++i) {
    absl::StrAppend(&content, "propose,d", i + 1,
                    ",living,jining.zoucheng.a_rather_long_unit_code,donations,"
                    "500,,生活救助 第",
                    i, "户 ", std::string(400, 'x'), "\n");
  }
  const std::string path = TempFile("big.csv", content);
  EXPECT_EQ(Run({"--json", "batch", "disburse", "--file", path}), 0)
      << err_.str();
  EXPECT_EQ(seen_.batch.lines_size(), 10000);
  EXPECT_GT(seen_.batch.ByteSizeLong(), 4u * 1024 * 1024);  // above 4 MiB
}

TEST_F(GrantCliTest, HelpOfTheNewCommands) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"program", "defaults", "--help"},
                                             {"program", "set", "--help"},
                                             {"grant", "propose", "--help"},
                                             {"grant", "post", "--help"},
                                             {"grant", "void", "--help"},
                                             {"grant", "show", "--help"},
                                             {"grant", "history", "--help"},
                                             {"aid", "record", "--help"},
                                             {"notice", "list", "--help"},
                                             {"report", "--help"},
                                             {"batch", "disburse", "--help"}}) {
    EXPECT_EQ(Run(args, false), 0) << args[0] << " " << args[1];
  }
  EXPECT_EQ(Run({"batch", "disburse", "--help"}, false), 0);
  EXPECT_TRUE(Has("#control_count=N,control_sum=YUAN"));
  EXPECT_TRUE(Has("action,dossier,program,unit,source,amount,grant,memo"));
  EXPECT_TRUE(Has("Exit codes") || Has("exit codes"));
  EXPECT_EQ(Run({"grant", "propose", "--help"}, false), 0);
  EXPECT_TRUE(Has("--request-id"));
  EXPECT_EQ(Run({"program", "set", "--help"}, false), 0);
  EXPECT_TRUE(Has("MMDD-MMDD"));
}

}  // namespace
}  // namespace reliefctl
