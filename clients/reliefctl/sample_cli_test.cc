// Drives `audit sample draw|list|show|verify` and `events export` against
// an in-process fake of LedgerService, QueryService and AuditService:
// what is sent, what is printed and written, usage errors that send
// nothing, a broken stream that is resumed without loss or repetition.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "clients/reliefctl/cli.h"
#include "clients/reliefctl/export_views.h"
#include "clients/reliefctl/names.h"
#include "clients/reliefctl/sample_views.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "ledger/domain/samples.h"
#include "relief/v1/audit_service.grpc.pb.h"
#include "relief/v1/ledger_service.grpc.pb.h"
#include "relief/v1/query_service.grpc.pb.h"

namespace reliefctl {
namespace {

using grpc::ServerContext;
using grpc::Status;
using grpc::StatusCode;

// 2024-11-24 10:14:03 UTC = 18:14:03 China time.
constexpr int64_t kPostedAt = 1732443243000000;
const std::string kSeed(32, '\xab');

Status Reject(ServerContext* context, StatusCode code,
              const std::string& reason, const std::string& message) {
  context->AddTrailingMetadata("relief-reason", reason);
  return Status(code, reason + ": " + message);
}

struct Seen {
  std::mutex mu;
  std::vector<relief::v1::DrawSampleRequest> draws;
  std::vector<relief::v1::GetSampleRequest> gets;
  std::vector<relief::v1::GetGrantRequest> grants;
  std::vector<relief::v1::ReadEventsRequest> reads;
  bool break_stream_once = false;  // end the next ReadEvents after 1 event
};

relief::v1::EventEnvelope Envelope(uint64_t sequence) {
  relief::v1::EventEnvelope e;
  e.set_sequence(sequence);
  e.set_recorded_at_unix_micros(kPostedAt + static_cast<int64_t>(sequence));
  e.set_actor(sequence == 1 ? "admin" : "fin.one");
  e.set_request_id(absl::StrCat("req-", sequence));
  e.set_previous_hash(std::string(32, static_cast<char>(sequence - 1)));
  e.set_hash(std::string(32, static_cast<char>(sequence)));
  return e;
}

// The fake log: 1 unit, 2 money in, 3..5 grants proposed, 6..8 posted,
// 9 another program's proposal.
std::vector<relief::v1::EventEnvelope> FakeLog() {
  std::vector<relief::v1::EventEnvelope> log;
  {
    auto e = Envelope(1);
    auto* u = e.mutable_event()->mutable_org_unit_registered();
    u->set_code("jining");
    u->set_name_zh("济宁市总工会, \"市总\"");
    u->set_level(relief::v1::ORG_LEVEL_CITY);
    log.push_back(e);
  }
  {
    auto e = Envelope(2);
    auto* r = e.mutable_event()->mutable_funds_received();
    r->set_unit_code("jining");
    r->set_fund_source(relief::v1::FUND_SOURCE_DONATIONS);
    r->set_amount_fen(150050);
    r->set_payer("爱心企业");
    auto* p = r->add_postings();
    p->set_debit_account("external/donations");
    p->set_credit_account("jining/donations/pool");
    p->set_amount_fen(150050);
    p->set_fund_source(relief::v1::FUND_SOURCE_DONATIONS);
    log.push_back(e);
  }
  const char* units[] = {"jining", "jining.zoucheng", "jining-x"};
  for (int i = 0; i < 3; ++i) {
    auto e = Envelope(3 + i);
    auto* g = e.mutable_event()->mutable_grant_proposed();
    g->set_grant_id(absl::StrCat("g", 3 + i));
    g->set_unit_code(units[i]);
    g->set_program("education");
    g->set_year(2024);
    g->set_amount_fen(200000);
    auto* p = g->add_postings();
    p->set_debit_account(absl::StrCat(units[i], "/donations/pool"));
    p->set_credit_account(absl::StrCat(units[i], "/donations/grants/education"));
    p->set_amount_fen(200000);
    p->set_fund_source(relief::v1::FUND_SOURCE_DONATIONS);
    p->set_phase(relief::v1::POSTING_PHASE_PENDING);
    log.push_back(e);
  }
  for (int i = 0; i < 3; ++i) {
    auto e = Envelope(6 + i);
    e.mutable_event()->mutable_grant_posted()->set_grant_id(
        absl::StrCat("g", 3 + i));
    log.push_back(e);
  }
  {
    auto e = Envelope(9);
    auto* g = e.mutable_event()->mutable_grant_proposed();
    g->set_grant_id("g9");
    g->set_unit_code("jining");
    g->set_program("festival");
    g->set_year(2024);
    log.push_back(e);
  }
  return log;
}

// Sample s120: jining and below, education 2024, 50 %: population g3, g4
// (g5 is paid by jining-x, not below jining), sample of 1.
relief::v1::Sample MakeSample(const std::string& id) {
  relief::v1::Sample s;
  auto* d = s.mutable_drawn();
  d->set_sample_id(id);
  d->set_unit_code("jining");
  d->set_subtree(true);
  d->set_program("education");
  d->set_year(2024);
  d->set_percent_bp(5000);
  d->set_seed(kSeed);
  d->set_seed_from_server(true);
  d->set_population_sequence(9);
  d->set_population_size(2);
  d->set_population_sha256(relief::PopulationSha256({"g3", "g4"}));
  for (const std::string& g : relief::OrderSample(kSeed, {"g3", "g4"}, 1)) {
    d->add_grant_ids(g);
  }
  d->set_purpose("入户核查, \"2024\"");
  s.set_sequence(120);
  s.set_recorded_at_unix_micros(kPostedAt);
  s.set_drawn_by("audit.wang");
  s.set_request_id("r-120");
  return s;
}

class FakeLedger final : public relief::v1::LedgerService::Service {
 public:
  explicit FakeLedger(Seen* seen) : seen_(seen) {}
  Status DrawSample(ServerContext* context,
                    const relief::v1::DrawSampleRequest* request,
                    relief::v1::DrawSampleResponse* response) override {
    {
      std::lock_guard<std::mutex> lock(seen_->mu);
      seen_->draws.push_back(*request);
    }
    if (request->unit_code() == "forbidden") {
      return Reject(context, StatusCode::PERMISSION_DENIED, "ROLE_REQUIRED",
                    "only auditor may draw spot-check samples");
    }
    if (request->unit_code() == "empty") {
      return Reject(context, StatusCode::FAILED_PRECONDITION,
                    "SAMPLE_POPULATION_EMPTY", "no posted grant of empty");
    }
    response->mutable_result()->set_first_sequence(120);
    response->mutable_result()->set_event_count(1);
    response->mutable_result()->set_recorded_at_unix_micros(kPostedAt);
    response->set_sample_id("s120");
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
    {
      std::lock_guard<std::mutex> lock(seen_->mu);
      seen_->grants.push_back(*request);
    }
    relief::v1::Grant* g = response->mutable_grant();
    g->set_grant_id(request->grant_id());
    g->set_dossier_id("d17");
    g->set_beneficiary_name("=张三");  // a spreadsheet must not run it
    g->set_national_id_masked("370802********1235");
    g->set_program("education");
    g->set_unit_code("jining.zoucheng");
    g->set_amount_fen(200050);
    g->set_year(2024);
    g->set_status(relief::v1::GRANT_STATUS_POSTED);
    g->set_resolved_sequence(100);
    response->set_as_of_sequence(120);
    return Status::OK;
  }

 private:
  Seen* seen_;
};

class FakeAudit final : public relief::v1::AuditService::Service {
 public:
  explicit FakeAudit(Seen* seen) : seen_(seen) {}

  Status GetSample(ServerContext* context,
                   const relief::v1::GetSampleRequest* request,
                   relief::v1::GetSampleResponse* response) override {
    {
      std::lock_guard<std::mutex> lock(seen_->mu);
      seen_->gets.push_back(*request);
    }
    if (request->sample_id() == "s120") {
      *response->mutable_sample() = MakeSample("s120");
    } else if (request->sample_id() == "s121") {
      // A record that does not match the log: another grant was "sampled".
      relief::v1::Sample s = MakeSample("s121");
      s.mutable_drawn()->set_grant_ids(0, "g5");
      *response->mutable_sample() = s;
    } else {
      return Reject(context, StatusCode::NOT_FOUND, "SAMPLE_NOT_FOUND",
                    "there is no sample '" + request->sample_id() + "'");
    }
    response->set_as_of_sequence(120);
    return Status::OK;
  }

  Status ListSamples(ServerContext*, const relief::v1::ListSamplesRequest* request,
                     relief::v1::ListSamplesResponse* response) override {
    // Two pages: s121, then s120.
    if (request->page_token().empty()) {
      *response->add_samples() = MakeSample("s121");
      response->set_next_page_token("s121");
    } else {
      *response->add_samples() = MakeSample("s120");
    }
    response->set_as_of_sequence(121);
    return Status::OK;
  }

  Status ListEvents(ServerContext*, const relief::v1::ListEventsRequest* request,
                    relief::v1::ListEventsResponse* response) override {
    response->set_head_sequence(9);
    if (request->newest_first()) {
      *response->add_events() = Envelope(9);
    } else if (request->after_sequence() == 99) {
      relief::v1::EventEnvelope e = Envelope(100);
      e.set_recorded_at_unix_micros(kPostedAt);
      e.mutable_event()->mutable_grant_posted()->set_grant_id("g3");
      *response->add_events() = e;
    }
    return Status::OK;
  }

  Status ReadEvents(
      ServerContext*, const relief::v1::ReadEventsRequest* request,
      grpc::ServerWriter<relief::v1::ReadEventsResponse>* writer) override {
    bool break_off = false;
    {
      std::lock_guard<std::mutex> lock(seen_->mu);
      seen_->reads.push_back(*request);
      break_off = seen_->break_stream_once;
      seen_->break_stream_once = false;
    }
    int sent = 0;
    for (const relief::v1::EventEnvelope& e : FakeLog()) {
      if (e.sequence() < request->from_sequence() ||
          e.sequence() > request->to_sequence()) {
        continue;
      }
      bool wanted = request->filter().event_types().empty();
      for (const std::string& type : request->filter().event_types()) {
        wanted |= (type == "grant_proposed" && e.event().has_grant_proposed()) ||
                  (type == "grant_posted" && e.event().has_grant_posted());
      }
      relief::v1::ReadEventsResponse message;
      if (wanted) *message.mutable_event() = e;
      message.set_scanned_through_sequence(e.sequence());
      writer->Write(message);
      if (break_off && ++sent == 2) {
        return Status(StatusCode::UNAVAILABLE, "SHUTTING_DOWN: restart");
      }
    }
    return Status::OK;
  }

 private:
  Seen* seen_;
};

class SampleCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    unsetenv("RELIEF_SERVER");
    unsetenv("RELIEF_TOKEN");
    ledger_ = std::make_unique<FakeLedger>(&seen_);
    query_ = std::make_unique<FakeQuery>(&seen_);
    audit_ = std::make_unique<FakeAudit>(&seen_);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(ledger_.get());
    builder.RegisterService(query_.get());
    builder.RegisterService(audit_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    address_ = absl::StrCat("127.0.0.1:", port);
  }

  void TearDown() override {
    server_->Shutdown();
    for (const std::string& path : files_) {
      std::remove(path.c_str());
      std::remove((path + ".tmp").c_str());
    }
  }

  int Run(std::vector<std::string> args) {
    args.insert(args.end(), {"--server", address_, "--token", "t0ken"});
    std::vector<const char*> argv = {"reliefctl"};
    for (const std::string& arg : args) argv.push_back(arg.c_str());
    out_.str("");
    err_.str("");
    return RunReliefctl(static_cast<int>(argv.size()), argv.data(), out_, err_);
  }

  std::string TempPath(const std::string& name) {
    const std::string path =
        absl::StrCat(::testing::TempDir(), "/reliefctl_", getpid(), "_", name);
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
  std::unique_ptr<FakeAudit> audit_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
  std::vector<std::string> files_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST(SampleViewsTest, PercentAndSeedParsing) {
  EXPECT_EQ(ParsePercentBp("7"), 700u);
  EXPECT_EQ(ParsePercentBp("7%"), 700u);
  EXPECT_EQ(ParsePercentBp("2.5"), 250u);
  EXPECT_EQ(ParsePercentBp("0.01"), 1u);
  EXPECT_EQ(ParsePercentBp("12.34"), 1234u);
  EXPECT_EQ(ParsePercentBp("100"), 10000u);
  EXPECT_EQ(ParsePercentBp("100.00"), 10000u);
  for (const char* bad : {"", "0", "0.00", "100.01", "101", "7.", ".5", "7.123",
                          "-7", "7e1", "1,5", "abc", "1000"}) {
    EXPECT_FALSE(ParsePercentBp(bad).has_value()) << bad;
  }
  EXPECT_EQ(PercentDisplay(700), "7%");
  EXPECT_EQ(PercentDisplay(250), "2.5%");
  EXPECT_EQ(PercentDisplay(1), "0.01%");
  EXPECT_EQ(PercentDisplay(1234), "12.34%");

  const std::string hex(64, 'A');
  ASSERT_TRUE(ParseSeedHex(hex).has_value());
  EXPECT_EQ(*ParseSeedHex(hex), std::string(32, '\xaa'));
  EXPECT_FALSE(ParseSeedHex(std::string(63, 'a')).has_value());
  EXPECT_FALSE(ParseSeedHex(std::string(66, 'a')).has_value());
  EXPECT_FALSE(ParseSeedHex(std::string(63, 'a') + "g").has_value());
}

TEST(SampleViewsTest, SummaryLine) {
  relief::v1::SampleDrawn d = MakeSample("s120").drawn();
  EXPECT_EQ(SampleDrawnSummary(d),
            absl::StrCat("s120 抽查 jining and below, education 金秋助学 2024, "
                         "50% of 2 posted grants -> 1: ",
                         d.grant_ids(0),
                         "; seed drawn by the server abababab…; 入户核查, "
                         "\"2024\""));
  for (int i = 0; i < 30; ++i) d.add_grant_ids(absl::StrCat("g", 100 + i));
  const std::string many = SampleDrawnSummary(d);
  EXPECT_NE(many.find(" g118 …; seed"), std::string::npos) << many;
  relief::v1::Event event;
  *event.mutable_sample_drawn() = d;
  EXPECT_EQ(EventSummary(event), many);  // events tail and the export
}

TEST(ExportViewsTest, StableColumnsAndValues) {
  EXPECT_EQ(Iso8601China(kPostedAt + 123456),
            "2024-11-24T18:14:03.123456+08:00");
  EXPECT_EQ(PlainYuan(150050), "1500.50");
  EXPECT_EQ(PlainYuan(5), "0.05");
  EXPECT_EQ(PlainYuan(-5), "-0.05");
  EXPECT_EQ(PlainYuan(INT64_MIN), "-92233720368547758.08");
  EXPECT_EQ(EventCsvHeader(),
            "sequence,recorded_at,actor,request_id,event_type,hash,"
            "previous_hash,summary,payload\r\n");
  EXPECT_EQ(PostingCsvHeader(),
            "sequence,index,debit_account,credit_account,fund_source,"
            "amount_fen,amount_yuan,phase,event_type\r\n");
  const auto log = FakeLog();
  EXPECT_EQ(PostingCsvRows(log[1]),
            "2,0,external/donations,jining/donations/pool,"
            "FUND_SOURCE_DONATIONS,150050,1500.50,POSTING_PHASE_POSTED,"
            "funds_received\r\n");
  EXPECT_EQ(PostingCsvRows(log[0]), "");  // no money moved
  EXPECT_EQ(EventPostings(log[2].event()).size(), 1u);
  EXPECT_EQ(PostingJsonLines(log[1]),
            "{\"sequence\":2,\"index\":0,\"debit_account\":\"external/"
            "donations\",\"credit_account\":\"jining/donations/pool\","
            "\"fund_source\":\"FUND_SOURCE_DONATIONS\",\"amount_fen\":150050,"
            "\"amount_yuan\":\"1500.50\",\"phase\":\"POSTING_PHASE_POSTED\","
            "\"event_type\":\"funds_received\"}\n");
  EXPECT_EQ(JsonString("a\"b\\c\n\x01"), "\"a\\\"b\\\\c\\n\\u0001\"");
  const std::string row = EventCsvRow(log[0]);
  EXPECT_EQ(row.rfind("1,2024-11-24T18:14:03.000001+08:00,admin,req-1,"
                      "org_unit_registered,0101",
                      0),
            0u)
      << row;
  // The payload is protobuf JSON, quoted for CSV (its quotes doubled).
  EXPECT_NE(row.find("\"{\"\"org_unit_registered\"\":{\"\"code\"\":"
                     "\"\"jining\"\""),
            std::string::npos)
      << row;
  const std::string line = EventJsonLine(log[0]);
  EXPECT_EQ(line.back(), '\n');
  EXPECT_NE(line.find("\"sequence\":\"1\""), std::string::npos) << line;
  // bytes are base64 in protobuf JSON: 32 bytes of 0x01.
  EXPECT_NE(line.find("\"hash\":\"AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\""),
            std::string::npos)
      << line;
}

TEST_F(SampleCliTest, DrawSendsTheRequestThenShowsTheSampleAndWritesCsv) {
  const std::string csv = TempPath("sample.csv");
  ASSERT_EQ(Run({"audit", "sample", "draw", "--unit", "jining", "--subtree",
                 "--program", "education", "--year", "2024", "--percent",
                 "7.5", "--purpose", "入户核查", "--csv", csv}),
            0)
      << err_.str();
  ASSERT_EQ(seen_.draws.size(), 1u);
  const auto& d = seen_.draws[0];
  EXPECT_EQ(d.unit_code(), "jining");
  EXPECT_TRUE(d.subtree());
  EXPECT_EQ(d.program(), "education");
  EXPECT_EQ(d.year(), 2024);
  EXPECT_EQ(d.percent_bp(), 750u);
  EXPECT_TRUE(d.seed().empty());  // the server draws it
  EXPECT_EQ(d.purpose(), "入户核查");
  EXPECT_EQ(d.request_id().size(), 36u);
  // The sample is read after its own write.
  ASSERT_EQ(seen_.gets.size(), 1u);
  EXPECT_EQ(seen_.gets[0].sample_id(), "s120");
  EXPECT_EQ(seen_.gets[0].min_sequence(), 120u);
  ASSERT_EQ(seen_.grants.size(), 1u);
  EXPECT_EQ(seen_.grants[0].min_sequence(), 120u);
  EXPECT_TRUE(Has("s120")) << out_.str();
  EXPECT_TRUE(Has("abababababababab"));
  EXPECT_TRUE(Has("drawn by the server 服务器随机生成"));
  EXPECT_TRUE(Has("2 posted grant(s) 已发放, as of sequence 9"));
  EXPECT_TRUE(Has("jining and below 含下级"));
  EXPECT_TRUE(Has("2,000.50"));
  EXPECT_TRUE(Has("2024-11-24"));  // posted date, China time
  EXPECT_TRUE(Has("370802********1235"));
  EXPECT_TRUE(Has("wrote 1 grant(s) of sample s120"));

  const std::string content = ReadAll(csv);
  EXPECT_EQ(content.substr(0, 3), "\xEF\xBB\xBF");
  const std::vector<std::string> lines =
      absl::StrSplit(content.substr(3), "\r\n", absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u) << content;
  EXPECT_EQ(lines[0],
            "序号 No,抽查编号 sample,档案号 dossier,身份证号(脱敏) masked ID,"
            "姓名 name,单位 unit,项目 program,年度 year,金额(元) amount,"
            "发放日期 posted (UTC+8),资助编号 grant id");
  EXPECT_EQ(lines[1],
            absl::StrCat("1,s120,d17,370802********1235,'=张三,jining.zoucheng,"
                         "education 金秋助学,2024,\"2,000.50\",2024-11-24,",
                         MakeSample("s120").drawn().grant_ids(0)));
}

TEST_F(SampleCliTest, DrawWithTheCommitteesSeed) {
  const std::string seed =
      "00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff";
  ASSERT_EQ(Run({"audit", "sample", "draw", "--unit", "jining", "--program",
                 "education", "--year", "2024", "--percent", "7", "--seed",
                 seed, "--purpose", "x", "--request-id", "draw-1"}),
            0)
      << err_.str();
  ASSERT_EQ(seen_.draws.size(), 1u);
  EXPECT_EQ(seen_.draws[0].seed(),
            std::string("\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\xcc"
                        "\xdd\xee\xff\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99"
                        "\xaa\xbb\xcc\xdd\xee\xff",
                        32));
  EXPECT_EQ(seen_.draws[0].request_id(), "draw-1");
  EXPECT_FALSE(seen_.draws[0].subtree());
  EXPECT_EQ(seen_.draws[0].percent_bp(), 700u);
}

TEST_F(SampleCliTest, DrawUsageErrorsSendNothing) {
  const std::vector<std::string> base = {"audit", "sample", "draw", "--unit",
                                         "jining", "--program", "education",
                                         "--year", "2024", "--purpose", "x"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  EXPECT_EQ(Run(base), 2);  // no --percent
  EXPECT_EQ(Run(with({"--percent", "0"})), 2);
  EXPECT_EQ(Run(with({"--percent", "101"})), 2);
  EXPECT_EQ(Run(with({"--percent", "7.001"})), 2);
  EXPECT_EQ(Run(with({"--percent", "7", "--seed", "abc"})), 2);
  EXPECT_EQ(Run(with({"--percent", "7", "--year", "1999"})), 2);
  EXPECT_EQ(Run(with({"--percent", "7", "--program", "Edu"})), 2);
  EXPECT_EQ(Run({"audit", "sample", "show", "120"}), 2);
  EXPECT_EQ(Run({"audit", "sample", "verify", "x1"}), 2);
  EXPECT_TRUE(seen_.draws.empty());
  EXPECT_TRUE(seen_.gets.empty());
}

TEST_F(SampleCliTest, DrawRefusalsCarryTheServersReason) {
  EXPECT_EQ(Run({"audit", "sample", "draw", "--unit", "forbidden", "--program",
                 "education", "--year", "2024", "--percent", "7", "--purpose",
                 "x"}),
            17);  // 10 + PERMISSION_DENIED
  EXPECT_NE(err_.str().find("ROLE_REQUIRED"), std::string::npos) << err_.str();
  EXPECT_EQ(Run({"audit", "sample", "draw", "--unit", "empty", "--program",
                 "education", "--year", "2024", "--percent", "7", "--purpose",
                 "x"}),
            19);  // 10 + FAILED_PRECONDITION
  EXPECT_NE(err_.str().find("SAMPLE_POPULATION_EMPTY"), std::string::npos);
  EXPECT_NE(err_.str().find("request id"), std::string::npos);
  EXPECT_TRUE(seen_.gets.empty());  // nothing to show
}

TEST_F(SampleCliTest, ListFollowsPagesAndShowReadsOne) {
  ASSERT_EQ(Run({"audit", "sample", "list"}), 0) << err_.str();
  EXPECT_TRUE(Has("s121"));
  EXPECT_TRUE(Has("s120"));
  EXPECT_TRUE(Has("2 sample(s) 抽查样本, newest first; as of sequence 121"));
  EXPECT_TRUE(Has("audit.wang"));
  EXPECT_TRUE(Has("50%"));
  EXPECT_LT(out_.str().find("s121"), out_.str().find("s120"));

  ASSERT_EQ(Run({"--json", "audit", "sample", "list"}), 0);
  EXPECT_EQ(std::vector<std::string>(absl::StrSplit(out_.str(), '\n',
                                                    absl::SkipEmpty()))
                .size(),
            2u);

  const std::string csv = TempPath("show.csv");
  ASSERT_EQ(Run({"audit", "sample", "show", "s120", "--csv", csv}), 0)
      << err_.str();
  EXPECT_TRUE(Has("入户核查"));
  EXPECT_EQ(ReadAll(csv).substr(0, 3), "\xEF\xBB\xBF");
  EXPECT_EQ(Run({"audit", "sample", "show", "s404"}), 15);  // NOT_FOUND
  EXPECT_NE(err_.str().find("SAMPLE_NOT_FOUND"), std::string::npos);
}

TEST_F(SampleCliTest, VerifyRecomputesFromTheLog) {
  ASSERT_EQ(Run({"audit", "sample", "verify", "s120"}), 0) << err_.str()
                                                           << out_.str();
  EXPECT_TRUE(Has("match 一致")) << out_.str();
  EXPECT_TRUE(Has("identical to the record"));
  ASSERT_FALSE(seen_.reads.empty());
  EXPECT_EQ(seen_.reads.back().to_sequence(), 9u);  // the population point
  EXPECT_EQ(seen_.reads.back().filter().event_types_size(), 2);

  EXPECT_EQ(Run({"audit", "sample", "verify", "s121"}), 1);
  EXPECT_TRUE(Has("DIFFERENT from the record")) << out_.str();
}

TEST_F(SampleCliTest, ExportCsvWithPostings) {
  const std::string path = TempPath("events.csv");
  ASSERT_EQ(Run({"events", "export", "--format", "csv", "--postings",
                 "--output", path}),
            0)
      << err_.str();
  ASSERT_EQ(seen_.reads.size(), 1u);
  EXPECT_EQ(seen_.reads[0].from_sequence(), 1u);
  EXPECT_EQ(seen_.reads[0].to_sequence(), 9u);  // the head, fixed at start
  const std::string events = ReadAll(path);
  EXPECT_EQ(events.substr(0, 3), "\xEF\xBB\xBF");
  EXPECT_EQ(events.substr(3, EventCsvHeader().size()), EventCsvHeader());
  for (const auto& e : FakeLog()) {
    EXPECT_NE(events.find(EventCsvRow(e)), std::string::npos) << e.sequence();
  }
  const std::string postings_path = path.substr(0, path.size() - 4) +
                                    ".postings.csv";
  files_.push_back(postings_path);
  const std::string postings = ReadAll(postings_path);
  EXPECT_EQ(postings.substr(3, PostingCsvHeader().size()), PostingCsvHeader());
  const std::vector<std::string> lines =
      absl::StrSplit(postings.substr(3), "\r\n", absl::SkipEmpty());
  EXPECT_EQ(lines.size(), 5u);  // header + 1 receipt + 3 proposals
  EXPECT_TRUE(Has("exported 9 event(s), sequences 1..9")) << out_.str();
  EXPECT_TRUE(Has("exported 4 posting(s)"));
}

TEST_F(SampleCliTest, ExportJsonLinesOfARangeAndDates) {
  const std::string path = TempPath("events.jsonl");
  ASSERT_EQ(Run({"events", "export", "--format", "jsonl", "--from-sequence",
                 "2", "--to-sequence", "4", "--from", "2024-11-24", "--to",
                 "2024-11-24", "--output", path}),
            0)
      << err_.str();
  ASSERT_EQ(seen_.reads.size(), 1u);
  const auto& r = seen_.reads[0];
  EXPECT_EQ(r.from_sequence(), 2u);
  EXPECT_EQ(r.to_sequence(), 4u);
  // 2024-11-24 00:00 and 2024-11-25 00:00 China time.
  EXPECT_EQ(r.from_unix_micros(), 1732377600000000);
  EXPECT_EQ(r.to_unix_micros(), 1732464000000000);
  const std::string content = ReadAll(path);
  const std::vector<std::string> lines =
      absl::StrSplit(content, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0] + "\n", EventJsonLine(FakeLog()[1]));
  EXPECT_NE(content.substr(0, 3), "\xEF\xBB\xBF");  // no BOM in JSON Lines
}

TEST_F(SampleCliTest, ExportResumesABrokenStreamWithoutLossOrRepeat) {
  seen_.break_stream_once = true;
  const std::string path = TempPath("resumed.csv");
  ASSERT_EQ(Run({"events", "export", "--output", path}), 0) << err_.str();
  ASSERT_EQ(seen_.reads.size(), 2u);
  EXPECT_EQ(seen_.reads[1].from_sequence(), 3u);  // after scanned 2
  EXPECT_EQ(seen_.reads[1].to_sequence(), 9u);
  EXPECT_NE(err_.str().find("resuming"), std::string::npos);
  const std::string content = ReadAll(path);
  const std::vector<std::string> rows =
      absl::StrSplit(content.substr(3), "\r\n", absl::SkipEmpty());
  EXPECT_EQ(rows.size(), 10u);  // header + 9 events, each once
}

TEST_F(SampleCliTest, ExportUsageErrors) {
  const std::string path = TempPath("bad.csv");
  EXPECT_EQ(Run({"events", "export"}), 2);  // no --output
  EXPECT_EQ(Run({"events", "export", "--output", path, "--format", "xml"}), 2);
  EXPECT_EQ(Run({"events", "export", "--output", path, "--from-sequence", "5",
                 "--to-sequence", "4"}),
            2);
  EXPECT_EQ(Run({"events", "export", "--output", path, "--from", "2024-02-02",
                 "--to", "2024-02-01"}),
            2);
  EXPECT_EQ(Run({"events", "export", "--output", path, "--from", "2024-02-30"}),
            2);
  EXPECT_EQ(Run({"events", "export", "--output", path, "--postings-output",
                 path}),
            2);
  EXPECT_TRUE(seen_.reads.empty());
  std::ifstream file(path);
  EXPECT_FALSE(file.good());  // nothing written
}

}  // namespace
}  // namespace reliefctl
