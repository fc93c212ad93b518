// Spot-check samples (抽查) and the export against a real reliefd: an
// auditor draws a sample of posted grants; the SampleDrawn event is in the
// log with its seed, population and grant ids; recomputing it from the seed
// and the posted grants (with OpenSSL here, not the server's code) gives the
// same ids; a committee seed gives the same sample every time, also after a
// restart (the population index comes back from the snapshot); a retry is
// the same sample; every bad request and every other role is refused with
// nothing written. Then reliefctl itself (in process) draws, verifies and
// exports against the server.
#include <openssl/sha.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "clients/reliefctl/cli.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/test_util.h"
#include "relief/v1/audit_service.grpc.pb.h"
#include "relief/v1/ledger_service.grpc.pb.h"

namespace relief::testing {
namespace {

using ::testing::HasSubstr;
using grpc::StatusCode;

constexpr int64_t kYuan = 100;
constexpr v1::FundSource kDonations = v1::FUND_SOURCE_DONATIONS;

std::string Sha256Of(const std::string& data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

bool GrantOrder(const std::string& a, const std::string& b) {
  return a.size() != b.size() ? a.size() < b.size() : a < b;
}

// The documented algorithm, written again from docs/audit.md.
std::vector<std::string> Recompute(const std::string& seed,
                                   std::vector<std::string> population,
                                   uint32_t percent_bp) {
  const uint64_t n = population.size();
  const uint64_t k = std::max<uint64_t>(1, (n * percent_bp + 9999) / 10000);
  std::stable_sort(population.begin(), population.end(),
                   [&](const std::string& a, const std::string& b) {
                     return Sha256Of(seed + a) < Sha256Of(seed + b);
                   });
  population.resize(std::min(n, k));
  return population;
}

std::string PopulationDigest(const std::vector<std::string>& population) {
  std::string text;
  for (const std::string& id : population) absl::StrAppend(&text, id, "\n");
  return Sha256Of(text);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in),
                     std::istreambuf_iterator<char>());
}

class SampleTest : public ReliefdTest {
 protected:
  void SetUp() override {
    ReliefdTest::SetUp();
    if (HasFatalFailure()) return;
    ReliefClient admin = Admin();
    Register(admin, "sd", v1::ORG_LEVEL_PROVINCE, "");
    Register(admin, "sd.jn", v1::ORG_LEVEL_CITY, "sd");
    Register(admin, "sd.jn.zc", v1::ORG_LEVEL_DISTRICT, "sd.jn");
    Register(admin, "sd.qd", v1::ORG_LEVEL_CITY, "sd");
    one_ = CreateToken(admin, "fin.one", {v1::ROLE_FINANCE_OFFICER});
    two_ = CreateToken(admin, "fin.two", {v1::ROLE_FINANCE_OFFICER});
    auditor_ = CreateToken(admin, "audit.wang", {v1::ROLE_AUDITOR});
    ASSERT_FALSE(one_.empty());
    ASSERT_FALSE(two_.empty());
    ASSERT_FALSE(auditor_.empty());
    SetPolicy("education");
    for (const char* unit : {"sd.jn", "sd.jn.zc", "sd.qd"}) Receive(unit);
    // Posted: 20 by sd.jn, 10 by sd.jn.zc (below it), 5 by sd.qd.
    for (int i = 0; i < 20; ++i) jn_.push_back(Grant("sd.jn", true));
    for (int i = 0; i < 10; ++i) zc_.push_back(Grant("sd.jn.zc", true));
    for (int i = 0; i < 5; ++i) Grant("sd.qd", true);
    // Not posted: in public notice, and voided.
    Grant("sd.jn", false);
    const std::string voided = Grant("sd.jn", false);
    v1::VoidGrantRequest v;
    v.set_request_id(NewRequestId("void"));
    v.set_grant_id(voided);
    v.set_reason("有异议 objection");
    v1::VoidGrantResponse response;
    ASSERT_TRUE(RpcOk(As(one_).VoidGrant(v, &response)));
    ASSERT_FALSE(HasFailure());
    year_ = ChinaYear(Status(Admin()).server_time_unix_micros());
  }

  void SetPolicy(const std::string& program) {
    v1::SetProgramPolicyRequest request;
    request.set_request_id(NewRequestId("policy"));
    v1::ProgramPolicySet* p = request.mutable_policy();
    p->set_program(program);
    p->set_name_zh("金秋助学");
    p->set_effective_date(20000101);
    p->set_min_amount_fen(2'000 * kYuan);
    p->set_max_amount_fen(4'000 * kYuan);
    p->set_grants_per_year(1);
    p->add_fund_sources(kDonations);
    p->set_notice_days(0);  // posted at once: no public notice to wait for
    p->set_expiry_days(30);
    p->set_allow_cash(true);
    v1::SetProgramPolicyResponse response;
    ASSERT_TRUE(RpcOk(As(one_).SetProgramPolicy(request, &response)));
  }

  void Receive(const std::string& unit) {
    v1::ReceiveFundsRequest request;
    request.set_request_id(NewRequestId("receive"));
    request.set_unit_code(unit);
    request.set_fund_source(kDonations);
    request.set_amount_fen(1'000'000 * kYuan);
    request.set_payer("爱心企业");
    v1::ReceiveFundsResponse response;
    ASSERT_TRUE(RpcOk(As(one_).ReceiveFunds(request, &response)));
  }

  // A new person's grant at `unit`, proposed by fin.one, posted by fin.two
  // if `post`. Returns the grant id.
  std::string Grant(const std::string& unit, bool post) {
    ++people_;
    v1::RegisterDossierRequest d;
    d.set_request_id(NewRequestId("dossier"));
    d.set_unit_code(unit);
    d.set_name(absl::StrCat("职工", people_));
    d.set_national_id(NationalId(absl::StrCat(
        "370802", 1960 + people_ / 1000, "0115",
        absl::Dec(people_ % 1000, absl::kZeroPad3))));
    d.set_category(v1::HARDSHIP_CATEGORY_SERIOUS_ILLNESS);
    d.set_household_size(3);
    v1::RegisterDossierResponse dossier;
    EXPECT_TRUE(RpcOk(As(one_).RegisterDossier(d, &dossier)));
    v1::ProposeGrantRequest g;
    g.set_request_id(NewRequestId("propose"));
    g.set_dossier_id(dossier.dossier_id());
    g.set_program("education");
    g.set_unit_code(unit);
    g.set_fund_source(kDonations);
    g.set_amount_fen(2'500 * kYuan);
    v1::ProposeGrantResponse proposed;
    EXPECT_TRUE(RpcOk(As(one_).ProposeGrant(g, &proposed)));
    if (post) {
      v1::PostGrantRequest p;
      p.set_request_id(NewRequestId("post"));
      p.set_grant_id(proposed.grant_id());
      v1::PostGrantResponse posted;
      EXPECT_TRUE(RpcOk(As(two_).PostGrant(p, &posted)));
    }
    return proposed.grant_id();
  }

  // Calls `call` with `token`'s credentials; the status and relief-reason.
  RpcResult Call(const std::string& token,
                 const std::function<grpc::Status(grpc::ClientContext*)>& call) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token);
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(30));
    RpcResult result;
    result.status = call(&context);
    const auto& trailers = context.GetServerTrailingMetadata();
    if (auto it = trailers.find("relief-reason"); it != trailers.end()) {
      result.reason = std::string(it->second.data(), it->second.size());
    }
    return result;
  }

  v1::DrawSampleRequest MakeDraw(const std::string& unit, bool subtree,
                                 uint32_t percent_bp,
                                 const std::string& seed = "") {
    v1::DrawSampleRequest request;
    request.set_request_id(NewRequestId("sample"));
    request.set_unit_code(unit);
    request.set_subtree(subtree);
    request.set_program("education");
    request.set_year(year_);
    request.set_percent_bp(percent_bp);
    request.set_seed(seed);
    request.set_purpose("2026年度金秋助学入户核查 field visits");
    return request;
  }

  RpcResult Draw(const std::string& token, const v1::DrawSampleRequest& request,
                 v1::DrawSampleResponse* response) {
    auto stub = v1::LedgerService::NewStub(server().channel());
    return Call(token, [&](grpc::ClientContext* context) {
      return stub->DrawSample(context, request, response);
    });
  }

  v1::Sample GetSample(const std::string& id, uint64_t min_sequence) {
    auto stub = v1::AuditService::NewStub(server().channel());
    v1::GetSampleRequest request;
    request.set_sample_id(id);
    request.set_min_sequence(min_sequence);
    v1::GetSampleResponse response;
    EXPECT_TRUE(RpcOk(RetryWhileCatchingUp([&] {
      return Call(auditor_, [&](grpc::ClientContext* context) {
        return stub->GetSample(context, request, &response);
      });
    })));
    return response.sample();
  }

  // Runs `bad` as the auditor: refused with code/reason, head unchanged.
  void ExpectRefused(const v1::DrawSampleRequest& bad, StatusCode code,
                     v1::ErrorReason reason, const std::string& token = "") {
    SCOPED_TRACE(v1::ErrorReason_Name(reason));
    const v1::GetStatusResponse before = Status(Admin());
    v1::DrawSampleResponse response;
    EXPECT_TRUE(IsRpcError(Draw(token.empty() ? auditor_ : token, bad,
                                &response),
                           code, reason));
    const v1::GetStatusResponse after = Status(Admin());
    EXPECT_EQ(after.head_sequence(), before.head_sequence());
    EXPECT_EQ(after.head_hash(), before.head_hash());
  }

  // reliefctl in process, as `token`; returns the exit code.
  int Reliefctl(const std::string& token, std::vector<std::string> args) {
    args.insert(args.end(),
                {"--server", server().address(), "--token", token});
    std::vector<const char*> argv = {"reliefctl"};
    for (const std::string& arg : args) argv.push_back(arg.c_str());
    out_.str("");
    err_.str("");
    return reliefctl::RunReliefctl(static_cast<int>(argv.size()), argv.data(),
                                   out_, err_);
  }

  std::vector<std::string> SubtreePopulation() const {
    std::vector<std::string> all = jn_;
    all.insert(all.end(), zc_.begin(), zc_.end());
    std::sort(all.begin(), all.end(), GrantOrder);
    return all;
  }

  std::string one_, two_, auditor_;
  std::vector<std::string> jn_, zc_;
  int people_ = 0;
  int year_ = 0;
  std::ostringstream out_, err_;
};

TEST_F(SampleTest, DrawnSampleIsOnTheRecordAndRecomputesFromItsSeed) {
  const v1::DrawSampleRequest request = MakeDraw("sd.jn", true, 700);
  v1::DrawSampleResponse response;
  ASSERT_TRUE(RpcOk(Draw(auditor_, request, &response)));
  const uint64_t sequence = response.result().first_sequence();
  EXPECT_EQ(response.sample_id(), absl::StrCat("s", sequence));
  EXPECT_EQ(response.result().event_count(), 1u);

  // The event in the log: the request, the seed, the population, the ids.
  std::vector<v1::EventEnvelope> log = ListAllEvents(Admin());
  ASSERT_GE(log.size(), sequence);
  const v1::EventEnvelope& envelope = log[sequence - 1];
  ASSERT_TRUE(envelope.event().has_sample_drawn()) << envelope.DebugString();
  EXPECT_EQ(envelope.actor(), "audit.wang");
  EXPECT_EQ(envelope.request_id(), request.request_id());
  const v1::SampleDrawn& e = envelope.event().sample_drawn();
  EXPECT_EQ(e.sample_id(), response.sample_id());
  EXPECT_EQ(e.unit_code(), "sd.jn");
  EXPECT_TRUE(e.subtree());
  EXPECT_EQ(e.program(), "education");
  EXPECT_EQ(e.year(), year_);
  EXPECT_EQ(e.percent_bp(), 700u);
  EXPECT_EQ(e.purpose(), request.purpose());
  EXPECT_EQ(e.seed().size(), 32u);
  EXPECT_TRUE(e.seed_from_server());
  EXPECT_EQ(e.population_sequence(), sequence - 1);
  const std::vector<std::string> population = SubtreePopulation();
  EXPECT_EQ(e.population_size(), population.size());  // 30: not sd.qd, not
  EXPECT_EQ(e.population_sha256(), PopulationDigest(population));  // pending
  // 7 % of 30 = 2.1 -> 3 grants: the recomputation from the seed.
  const std::vector<std::string> recorded(e.grant_ids().begin(),
                                          e.grant_ids().end());
  EXPECT_EQ(recorded.size(), 3u);
  EXPECT_EQ(recorded, Recompute(e.seed(), population, 700));

  // The read model has it, with who drew it and when.
  const v1::Sample sample = GetSample(response.sample_id(), sequence);
  EXPECT_EQ(sample.drawn().SerializeAsString(), e.SerializeAsString());
  EXPECT_EQ(sample.sequence(), sequence);
  EXPECT_EQ(sample.drawn_by(), "audit.wang");
  EXPECT_EQ(sample.recorded_at_unix_micros(),
            envelope.recorded_at_unix_micros());

  // The same request id again: the same sample, nothing appended.
  const uint64_t head = HeadSequence(Admin());
  v1::DrawSampleResponse again;
  ASSERT_TRUE(RpcOk(Draw(auditor_, request, &again)));
  EXPECT_TRUE(again.result().replayed());
  EXPECT_EQ(again.sample_id(), response.sample_id());
  EXPECT_EQ(HeadSequence(Admin()), head);

  // Read with the unit's events (ReadEvents filtered by unit): the sample
  // is an event about the unit it samples.
  auto audit = v1::AuditService::NewStub(server().channel());
  v1::ReadEventsRequest read;
  read.mutable_filter()->set_unit_code("sd.jn");
  read.mutable_filter()->add_event_types("sample_drawn");
  std::vector<uint64_t> found;
  ASSERT_TRUE(RpcOk(Call(auditor_, [&](grpc::ClientContext* context) {
    auto reader = audit->ReadEvents(context, read);
    v1::ReadEventsResponse message;
    while (reader->Read(&message)) {
      if (message.has_event()) found.push_back(message.event().sequence());
    }
    return reader->Finish();
  })));
  EXPECT_EQ(found, std::vector<uint64_t>{sequence});
  read.mutable_filter()->set_unit_code("sd.qd");
  found.clear();
  ASSERT_TRUE(RpcOk(Call(auditor_, [&](grpc::ClientContext* context) {
    auto reader = audit->ReadEvents(context, read);
    v1::ReadEventsResponse message;
    while (reader->Read(&message)) {
      if (message.has_event()) found.push_back(message.event().sequence());
    }
    return reader->Finish();
  })));
  EXPECT_TRUE(found.empty());
}

TEST_F(SampleTest, CommitteeSeedGivesTheSameSampleAlsoAfterARestart) {
  const std::string seed = Sha256Of("骰子 dice: 3 6 1 4 4 2 5 (会议记录 2026-03-01)");
  v1::DrawSampleResponse first, second;
  ASSERT_TRUE(RpcOk(Draw(auditor_, MakeDraw("sd.jn", false, 1000, seed),
                         &first)));
  ASSERT_TRUE(RpcOk(Draw(auditor_, MakeDraw("sd.jn", false, 1000, seed),
                         &second)));
  const v1::Sample a = GetSample(first.sample_id(),
                                 first.result().first_sequence());
  const v1::Sample b = GetSample(second.sample_id(),
                                 second.result().first_sequence());
  EXPECT_FALSE(a.drawn().seed_from_server());
  EXPECT_EQ(a.drawn().seed(), seed);
  std::vector<std::string> jn = jn_;
  std::sort(jn.begin(), jn.end(), GrantOrder);
  EXPECT_EQ(a.drawn().population_size(), 20u);  // sd.jn only
  const std::vector<std::string> expected = Recompute(seed, jn, 1000);
  EXPECT_EQ(expected.size(), 2u);
  EXPECT_EQ(std::vector<std::string>(a.drawn().grant_ids().begin(),
                                     a.drawn().grant_ids().end()),
            expected);
  EXPECT_EQ(a.drawn().grant_ids().size(), b.drawn().grant_ids().size());
  EXPECT_TRUE(std::equal(a.drawn().grant_ids().begin(),
                         a.drawn().grant_ids().end(),
                         b.drawn().grant_ids().begin()));

  // After a restart (the write model from the snapshot) the population is
  // the same, so is the sample.
  ASSERT_TRUE(server().Restart().ok()) << server().LogTail();
  v1::DrawSampleResponse third;
  ASSERT_TRUE(RpcOk(Draw(auditor_, MakeDraw("sd.jn", false, 1000, seed),
                         &third)));
  const v1::Sample c = GetSample(third.sample_id(),
                                 third.result().first_sequence());
  EXPECT_EQ(c.drawn().population_sha256(), a.drawn().population_sha256());
  EXPECT_TRUE(std::equal(a.drawn().grant_ids().begin(),
                         a.drawn().grant_ids().end(),
                         c.drawn().grant_ids().begin()));

  // Every sample is listed, newest first.
  auto stub = v1::AuditService::NewStub(server().channel());
  v1::ListSamplesRequest list;
  list.set_page_size(2);
  list.set_min_sequence(third.result().first_sequence());
  v1::ListSamplesResponse page;
  ASSERT_TRUE(RpcOk(RetryWhileCatchingUp([&] {
    return Call(auditor_, [&](grpc::ClientContext* context) {
      return stub->ListSamples(context, list, &page);
    });
  })));
  ASSERT_EQ(page.samples_size(), 2);
  EXPECT_EQ(page.samples(0).drawn().sample_id(), third.sample_id());
  EXPECT_EQ(page.samples(1).drawn().sample_id(), second.sample_id());
  ASSERT_EQ(page.next_page_token(), second.sample_id());
  list.set_page_token(page.next_page_token());
  v1::ListSamplesResponse rest;
  ASSERT_TRUE(RpcOk(Call(auditor_, [&](grpc::ClientContext* context) {
    return stub->ListSamples(context, list, &rest);
  })));
  ASSERT_EQ(rest.samples_size(), 1);
  EXPECT_EQ(rest.samples(0).drawn().sample_id(), first.sample_id());
  EXPECT_TRUE(rest.next_page_token().empty());
}

TEST_F(SampleTest, RefusalsChangeNothing) {
  // Roles: a finance officer (and an admin) may not draw; only auditors.
  ExpectRefused(MakeDraw("sd.jn", true, 700), StatusCode::PERMISSION_DENIED,
                v1::ROLE_REQUIRED, one_);
  ExpectRefused(MakeDraw("sd.jn", true, 700), StatusCode::PERMISSION_DENIED,
                v1::ROLE_REQUIRED, server().admin_token());
  // Bad requests.
  ExpectRefused(MakeDraw("sd.jn", true, 0), StatusCode::INVALID_ARGUMENT,
                v1::SAMPLE_INVALID);
  ExpectRefused(MakeDraw("sd.jn", true, 10001), StatusCode::INVALID_ARGUMENT,
                v1::SAMPLE_INVALID);
  ExpectRefused(MakeDraw("sd.jn", true, 700, "short"),
                StatusCode::INVALID_ARGUMENT, v1::SAMPLE_INVALID);
  v1::DrawSampleRequest year = MakeDraw("sd.jn", true, 700);
  year.set_year(1999);
  ExpectRefused(year, StatusCode::INVALID_ARGUMENT, v1::SAMPLE_INVALID);
  v1::DrawSampleRequest purpose = MakeDraw("sd.jn", true, 700);
  purpose.clear_purpose();
  ExpectRefused(purpose, StatusCode::INVALID_ARGUMENT, v1::FIELD_INVALID);
  ExpectRefused(MakeDraw("SD", true, 700), StatusCode::INVALID_ARGUMENT,
                v1::ORG_CODE_INVALID);
  ExpectRefused(MakeDraw("sd.xx", true, 700), StatusCode::NOT_FOUND,
                v1::ORG_UNIT_NOT_FOUND);
  v1::DrawSampleRequest program = MakeDraw("sd.jn", true, 700);
  program.set_program("housing");
  ExpectRefused(program, StatusCode::FAILED_PRECONDITION,
                v1::PROGRAM_NOT_FOUND);
  // Nothing posted: next year, or a unit with only pending grants.
  v1::DrawSampleRequest next_year = MakeDraw("sd.jn", true, 700);
  next_year.set_year(year_ + 1);
  ExpectRefused(next_year, StatusCode::FAILED_PRECONDITION,
                v1::SAMPLE_POPULATION_EMPTY);
  ExpectRefused(MakeDraw("sd", false, 700), StatusCode::FAILED_PRECONDITION,
                v1::SAMPLE_POPULATION_EMPTY);

  // Reading samples: admin or auditor; an unknown id is NOT_FOUND.
  auto stub = v1::AuditService::NewStub(server().channel());
  v1::ListSamplesResponse list;
  EXPECT_TRUE(IsRpcError(Call(one_, [&](grpc::ClientContext* context) {
                           return stub->ListSamples(
                               context, v1::ListSamplesRequest(), &list);
                         }),
                         StatusCode::PERMISSION_DENIED, v1::ROLE_REQUIRED));
  EXPECT_TRUE(RpcOk(Call(server().admin_token(),
                         [&](grpc::ClientContext* context) {
                           return stub->ListSamples(
                               context, v1::ListSamplesRequest(), &list);
                         })));
  EXPECT_EQ(list.samples_size(), 0);
  v1::GetSampleRequest get;
  get.set_sample_id("s99999");
  v1::GetSampleResponse sample;
  EXPECT_TRUE(IsRpcError(Call(auditor_, [&](grpc::ClientContext* context) {
                           return stub->GetSample(context, get, &sample);
                         }),
                         StatusCode::NOT_FOUND, v1::SAMPLE_NOT_FOUND));
  get.set_sample_id("g1");
  EXPECT_TRUE(IsRpcError(Call(auditor_, [&](grpc::ClientContext* context) {
                           return stub->GetSample(context, get, &sample);
                         }),
                         StatusCode::INVALID_ARGUMENT, v1::FIELD_INVALID));
}

TEST_F(SampleTest, ReliefctlDrawsVerifiesAndExports) {
  const std::string dir = server().root_dir();
  const std::string csv = absl::StrCat(dir, "/sample.csv");
  ASSERT_EQ(Reliefctl(auditor_, {"audit", "sample", "draw", "--unit", "sd.jn",
                                 "--subtree", "--program", "education",
                                 "--year", absl::StrCat(year_), "--percent",
                                 "10", "--purpose", "入户核查", "--csv", csv}),
            0)
      << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("30 posted grant(s)"));
  EXPECT_THAT(out_.str(), HasSubstr("drawn by the server"));
  const std::string content = ReadFile(csv);
  EXPECT_EQ(content.substr(0, 3), "\xEF\xBB\xBF");
  const std::vector<std::string> rows =
      absl::StrSplit(content.substr(3), "\r\n", absl::SkipEmpty());
  ASSERT_EQ(rows.size(), 4u) << content;  // header + 10 % of 30
  EXPECT_THAT(rows[1], HasSubstr("370802********"));
  EXPECT_THAT(rows[1], HasSubstr("\"2,500.00\""));
  EXPECT_THAT(rows[1], HasSubstr("职工"));

  // The sample's id, then an independent recomputation from the log.
  ASSERT_EQ(Reliefctl(auditor_, {"audit", "sample", "list"}), 0) << err_.str();
  const uint64_t head = HeadSequence(Admin());
  const std::string id = absl::StrCat("s", head);
  EXPECT_THAT(out_.str(), HasSubstr(id));
  ASSERT_EQ(Reliefctl(auditor_, {"audit", "sample", "verify", id}), 0)
      << err_.str() << out_.str();
  EXPECT_THAT(out_.str(), HasSubstr("identical to the record"));
  // A finance officer may not draw: exit 17 (PERMISSION_DENIED).
  EXPECT_EQ(Reliefctl(one_, {"audit", "sample", "draw", "--unit", "sd.jn",
                             "--program", "education", "--year",
                             absl::StrCat(year_), "--percent", "10",
                             "--purpose", "x"}),
            17);
  EXPECT_EQ(HeadSequence(Admin()), head);

  // The export: every event once, in order, with its postings.
  const std::string events = absl::StrCat(dir, "/events.csv");
  ASSERT_EQ(Reliefctl(auditor_, {"events", "export", "--format", "csv",
                                 "--postings", "--output", events}),
            0)
      << err_.str();
  const std::vector<v1::EventEnvelope> log = ListAllEvents(Admin());
  EXPECT_THAT(out_.str(),
              HasSubstr(absl::StrCat("sequences 1..", log.size())));
  const std::string exported = ReadFile(events);
  size_t at = 0;
  for (const v1::EventEnvelope& e : log) {
    const size_t found = exported.find(absl::StrCat("\r\n", e.sequence(), ","),
                                       at);
    ASSERT_NE(found, std::string::npos) << e.sequence();
    at = found + 1;
  }
  EXPECT_THAT(exported, HasSubstr("sample_drawn"));
  const std::string postings = ReadFile(absl::StrCat(dir, "/events.postings.csv"));
  // 3 receipts, 37 proposals (PENDING), 35 posts, 1 void: 76 postings.
  const std::vector<std::string> lines =
      absl::StrSplit(postings.substr(3), "\r\n", absl::SkipEmpty());
  EXPECT_EQ(lines.size(), 1u + 76u);
  EXPECT_THAT(postings, HasSubstr("POSTING_PHASE_POST_PENDING"));

  // JSON Lines of a range: one protobuf JSON object per event.
  const std::string jsonl = absl::StrCat(dir, "/range.jsonl");
  ASSERT_EQ(Reliefctl(auditor_, {"events", "export", "--format", "jsonl",
                                 "--from-sequence", "3", "--to-sequence", "7",
                                 "--output", jsonl}),
            0)
      << err_.str();
  const std::vector<std::string> json_lines =
      absl::StrSplit(ReadFile(jsonl), '\n', absl::SkipEmpty());
  ASSERT_EQ(json_lines.size(), 5u);
  EXPECT_THAT(json_lines[0], HasSubstr("\"sequence\":\"3\""));
  EXPECT_THAT(json_lines[4], HasSubstr("\"sequence\":\"7\""));
}

}  // namespace
}  // namespace relief::testing
