// Audit over gRPC against a real reliefd: balances and fund summaries as of
// an earlier point of the log (by sequence and by time) equal what the live
// queries returned back then; the trial balance balances per fund source;
// reconcile finds the read models equal to a rebuild, also while commands
// keep arriving; and only admin and auditor may run either.
//
// Tree: sd (province) -> sd.jn (city) -> sd.jn.zc (district), and sd.qd
// (city). Money moves by receipts (cash and goods), allocations, a reversal,
// grants (posted, voided, pending) and government money.
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/test_util.h"

namespace relief::testing {
namespace {

using grpc::StatusCode;
using ::testing::HasSubstr;

constexpr int64_t kYuan = 100;  // fen
constexpr v1::FundSource kFederation = v1::FUND_SOURCE_FEDERATION_ALLOCATION;
constexpr v1::FundSource kGovernment = v1::FUND_SOURCE_GOVERNMENT_MATCHING;
constexpr v1::FundSource kDonations = v1::FUND_SOURCE_DONATIONS;

// The accounts and units whose live answers are recorded.
const std::vector<std::string> kAccounts = {
    "sd/donations/pool",         "sd.jn/donations/pool",
    "sd.jn.zc/donations/pool",   "sd.jn/donations/goods",
    "sd.jn/donations/grants/education", "external/donations",
    "sd/federation/pool",        "sd.qd/federation/pool",
    "external/government"};
const std::vector<std::pair<std::string, bool>> kSummaries = {
    {"sd", true}, {"sd", false}, {"sd.jn", true}, {"sd.jn", false},
    {"sd.qd", false}};

v1::LogPoint AtSequence(uint64_t sequence) {
  v1::LogPoint p;
  p.set_sequence(sequence);
  return p;
}
v1::LogPoint AtTime(int64_t unix_micros) {
  v1::LogPoint p;
  p.set_unix_micros(unix_micros);
  return p;
}

class AuditAsOfTest : public ReliefdTest {
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
    finance_two_ = CreateToken(admin, "fin.two", {v1::ROLE_FINANCE_OFFICER});
    auditor_ = CreateToken(admin, "audit.one", {v1::ROLE_AUDITOR});
    service_ = CreateToken(admin, "svc.one", {v1::ROLE_SERVICE});
    ASSERT_FALSE(finance_.empty() || finance_two_.empty() ||
                 auditor_.empty() || service_.empty());
  }

  ReliefClient Finance() { return As(finance_); }

  // A command's first sequence (0 on failure, with a test failure).
  template <typename Response>
  uint64_t Done(const RpcResult& result, const Response& response,
                const std::string& what) {
    EXPECT_TRUE(RpcOk(result)) << what;
    return result.ok() ? response.result().first_sequence() : 0;
  }

  uint64_t Receive(const std::string& unit, v1::FundSource source,
                   int64_t amount_fen, bool goods = false) {
    v1::ReceiveFundsRequest request;
    request.set_request_id(NewRequestId("receive"));
    request.set_unit_code(unit);
    request.set_fund_source(source);
    request.set_amount_fen(amount_fen);
    request.set_payer("济宁市慈善总会");
    if (goods) {
      request.mutable_goods()->set_description("大米 25kg 袋装");
      request.mutable_goods()->set_quantity(40);
      request.mutable_goods()->set_quantity_unit("袋");
    }
    v1::ReceiveFundsResponse response;
    return Done(Finance().ReceiveFunds(request, &response), response,
                "ReceiveFunds " + unit);
  }

  uint64_t Allocate(const std::string& from, const std::string& to,
                    v1::FundSource source, int64_t amount_fen) {
    v1::AllocateFundsRequest request;
    request.set_request_id(NewRequestId("allocate"));
    request.set_from_unit_code(from);
    request.set_to_unit_code(to);
    request.set_fund_source(source);
    request.set_amount_fen(amount_fen);
    v1::AllocateFundsResponse response;
    return Done(Finance().AllocateFunds(request, &response), response,
                "AllocateFunds " + from + " -> " + to);
  }

  uint64_t Reverse(uint64_t sequence) {
    v1::ReverseEventRequest request;
    request.set_request_id(NewRequestId("reverse"));
    request.set_sequence(sequence);
    request.set_reason("凭证录入错误");
    v1::ReverseEventResponse response;
    return Done(Finance().ReverseEvent(request, &response), response,
                "ReverseEvent");
  }

  void SetEducationPolicy() {
    v1::SetProgramPolicyRequest request;
    request.set_request_id(NewRequestId("policy"));
    v1::ProgramPolicySet* policy = request.mutable_policy();
    policy->set_program("education");
    policy->set_name_zh("金秋助学");
    policy->set_name_en("Golden autumn education aid");
    policy->set_effective_date(20000101);
    policy->set_min_amount_fen(1'000 * kYuan);
    policy->set_max_amount_fen(4'000 * kYuan);
    policy->set_grants_per_year(1);
    policy->add_fund_sources(kDonations);
    policy->set_notice_days(0);  // may be posted at once
    policy->set_expiry_days(30);
    policy->set_allow_cash(true);
    policy->set_allow_goods(true);
    v1::SetProgramPolicyResponse response;
    Done(Finance().SetProgramPolicy(request, &response), response,
         "SetProgramPolicy");
  }

  std::string RegisterDossier(const std::string& unit, const std::string& id) {
    v1::RegisterDossierRequest request;
    request.set_request_id(NewRequestId("dossier"));
    request.set_unit_code(unit);
    request.set_name("张三");
    request.set_national_id(id);
    request.set_category(v1::HARDSHIP_CATEGORY_SERIOUS_ILLNESS);
    request.set_household_size(3);
    request.set_contact("13800000000");
    v1::RegisterDossierResponse response;
    Done(Finance().RegisterDossier(request, &response), response,
         "RegisterDossier");
    return response.dossier_id();
  }

  // Proposes an education grant from sd.jn's donations (goods: from its
  // goods account); returns {grant id, sequence}.
  std::pair<std::string, uint64_t> Propose(const std::string& dossier,
                                           int64_t amount_fen,
                                           bool goods = false) {
    v1::ProposeGrantRequest request;
    request.set_request_id(NewRequestId("propose"));
    request.set_dossier_id(dossier);
    request.set_program("education");
    request.set_unit_code("sd.jn");
    request.set_fund_source(kDonations);
    request.set_amount_fen(amount_fen);
    if (goods) request.set_goods_quantity(2);
    v1::ProposeGrantResponse response;
    const uint64_t s = Done(Finance().ProposeGrant(request, &response),
                            response, "ProposeGrant");
    return {response.grant_id(), s};
  }

  uint64_t Post(const std::string& grant) {
    v1::PostGrantRequest request;
    request.set_request_id(NewRequestId("post"));
    request.set_grant_id(grant);
    v1::PostGrantResponse response;
    return Done(As(finance_two_).PostGrant(request, &response), response,
                "PostGrant " + grant);
  }

  uint64_t Void(const std::string& grant) {
    v1::VoidGrantRequest request;
    request.set_request_id(NewRequestId("void"));
    request.set_grant_id(grant);
    request.set_reason("公示期间收到异议");
    v1::VoidGrantResponse response;
    return Done(Finance().VoidGrant(request, &response), response,
                "VoidGrant " + grant);
  }

  // What the live read models say right after `sequence`, recorded by the
  // sequence they reflect.
  struct Live {
    std::map<std::string, std::pair<grpc::StatusCode, std::string>> balances;
    std::map<std::string, std::string> summaries;  // "unit/subtree" -> bytes
  };
  void Record(uint64_t sequence) {
    for (const std::string& account : kAccounts) {
      v1::GetBalanceRequest request;
      request.set_account(account);
      request.set_min_sequence(sequence);
      v1::GetBalanceResponse response;
      RpcResult result = Finance().GetBalance(request, &response);
      if (result.ok()) {
        live_[response.as_of_sequence()].balances[account] = {
            StatusCode::OK, response.balance().SerializeAsString()};
      } else {
        ASSERT_TRUE(
            IsRpcError(result, StatusCode::NOT_FOUND, v1::ACCOUNT_NOT_FOUND))
            << account;
        // Accounts never close: absent at or after `sequence`, absent at it.
        live_[sequence].balances[account] = {StatusCode::NOT_FOUND, ""};
      }
    }
    for (const auto& [unit, subtree] : kSummaries) {
      v1::GetFundSummaryRequest request;
      request.set_unit_code(unit);
      request.set_subtree(subtree);
      request.set_min_sequence(sequence);
      v1::GetFundSummaryResponse response;
      ASSERT_TRUE(RpcOk(Finance().GetFundSummary(request, &response)));
      const uint64_t at = response.as_of_sequence();
      response.clear_as_of_sequence();
      live_[at].summaries[absl::StrCat(unit, "/", subtree)] =
          response.SerializeAsString();
    }
  }

  // A scenario with every money movement the API offers but loans.
  void RunScenario() {
    SetEducationPolicy();
    const std::string dossier = RegisterDossier(
        "sd.jn", NationalId("37080219800101123"));
    const std::string dossier2 = RegisterDossier(
        "sd.jn.zc", NationalId("37080219850202234"));
    const std::string dossier3 = RegisterDossier(
        "sd.jn", NationalId("37080219900303345"));
    ASSERT_FALSE(dossier.empty() || dossier2.empty() || dossier3.empty());
    Record(HeadSequence(Admin()));
    Record(Receive("sd", kDonations, 100'000 * kYuan));
    Record(Receive("sd", kFederation, 80'000 * kYuan));
    Record(Receive("sd", kGovernment, 30'000 * kYuan));
    Record(Allocate("sd", "sd.jn", kDonations, 40'000 * kYuan));
    const uint64_t mistaken = Allocate("sd", "sd.qd", kFederation, 5'000 * kYuan);
    Record(mistaken);
    Record(Reverse(mistaken));
    Record(Allocate("sd.jn", "sd.jn.zc", kDonations, 9'000 * kYuan));
    Record(Receive("sd.jn", kDonations, 2'000 * kYuan, /*goods=*/true));
    auto [posted, p1] = Propose(dossier, 3'000 * kYuan);
    Record(p1);
    Record(Post(posted));
    auto [voided, p2] = Propose(dossier3, 2'500 * kYuan);
    Record(p2);
    Record(Void(voided));
    auto [pending, p3] = Propose(dossier3, 1'000 * kYuan, /*goods=*/true);
    Record(p3);
    (void)pending;
    Record(Allocate("sd", "sd.qd", kFederation, 7'000 * kYuan));
  }

  // Sends GetTrialBalance as `token`.
  RpcResult TrialBalance(const std::string& token,
                         const v1::GetTrialBalanceRequest& request,
                         v1::GetTrialBalanceResponse* response) {
    auto stub = v1::AuditService::NewStub(server().channel());
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(30));
    context.AddMetadata("authorization", "Bearer " + token);
    RpcResult result;
    result.status = stub->GetTrialBalance(&context, request, response);
    const auto& trailers = context.GetServerTrailingMetadata();
    if (auto it = trailers.find(kReasonKey); it != trailers.end()) {
      result.reason.assign(it->second.data(), it->second.size());
    }
    return result;
  }

  // Runs Reconcile as `token`; `messages` gets every message streamed.
  RpcResult Reconcile(const std::string& token,
                      std::vector<v1::ReconcileResponse>* messages) {
    auto stub = v1::AuditService::NewStub(server().channel());
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(120));
    context.AddMetadata("authorization", "Bearer " + token);
    auto reader = stub->Reconcile(&context, v1::ReconcileRequest());
    v1::ReconcileResponse message;
    while (reader->Read(&message)) messages->push_back(message);
    RpcResult result;
    result.status = reader->Finish();
    const auto& trailers = context.GetServerTrailingMetadata();
    if (auto it = trailers.find(kReasonKey); it != trailers.end()) {
      result.reason.assign(it->second.data(), it->second.size());
    }
    return result;
  }

  static void ExpectBalanced(const v1::GetTrialBalanceResponse& tb) {
    ASSERT_EQ(tb.sources_size(), 4);
    std::map<int, std::array<int64_t, 4>> sums;
    for (int i = 0; i < tb.lines_size(); ++i) {
      const v1::AccountBalance& b = tb.lines(i).balance();
      if (i > 0) {
        EXPECT_LT(tb.lines(i - 1).balance().account(), b.account());
      }
      auto& s = sums[b.fund_source()];
      s[0] += b.posted_debits_fen();
      s[1] += b.posted_credits_fen();
      s[2] += b.pending_debits_fen();
      s[3] += b.pending_credits_fen();
    }
    for (int i = 0; i < 4; ++i) {
      const v1::TrialBalanceSource& s = tb.sources(i);
      EXPECT_EQ(s.fund_source(), static_cast<v1::FundSource>(i + 1));
      EXPECT_TRUE(s.balanced()) << v1::FundSource_Name(s.fund_source());
      EXPECT_EQ(s.posted_debits_fen(), s.posted_credits_fen());
      EXPECT_EQ(s.pending_debits_fen(), s.pending_credits_fen());
      const auto& sum = sums[s.fund_source()];
      EXPECT_EQ(s.posted_debits_fen(), sum[0]);
      EXPECT_EQ(s.posted_credits_fen(), sum[1]);
      EXPECT_EQ(s.pending_debits_fen(), sum[2]);
      EXPECT_EQ(s.pending_credits_fen(), sum[3]);
    }
  }

  std::string finance_, finance_two_, auditor_, service_;
  std::map<uint64_t, Live> live_;
};

TEST_F(AuditAsOfTest, AsOfSequenceEqualsWhatTheLiveQueriesShowedThen) {
  ASSERT_NO_FATAL_FAILURE(RunScenario());
  ASSERT_GT(live_.size(), 10u);
  for (const auto& [sequence, live] : live_) {
    SCOPED_TRACE(absl::StrCat("as of sequence ", sequence));
    for (const auto& [account, expected] : live.balances) {
      v1::GetBalanceRequest request;
      request.set_account(account);
      *request.mutable_as_of() = AtSequence(sequence);
      v1::GetBalanceResponse response;
      // Any role may query balances: the service asks here.
      RpcResult result = As(service_).GetBalance(request, &response);
      if (expected.first == StatusCode::NOT_FOUND) {
        EXPECT_TRUE(
            IsRpcError(result, StatusCode::NOT_FOUND, v1::ACCOUNT_NOT_FOUND))
            << account;
        continue;
      }
      ASSERT_TRUE(RpcOk(result)) << account;
      EXPECT_EQ(response.as_of_sequence(), sequence);
      EXPECT_EQ(response.balance().SerializeAsString(), expected.second)
          << account << ": " << response.balance().ShortDebugString();
    }
    for (const auto& [unit, subtree] : kSummaries) {
      const auto it = live.summaries.find(absl::StrCat(unit, "/", subtree));
      if (it == live.summaries.end()) continue;
      v1::GetFundSummaryRequest request;
      request.set_unit_code(unit);
      request.set_subtree(subtree);
      *request.mutable_as_of() = AtSequence(sequence);
      v1::GetFundSummaryResponse response;
      ASSERT_TRUE(RpcOk(Finance().GetFundSummary(request, &response)));
      EXPECT_EQ(response.as_of_sequence(), sequence);
      response.clear_as_of_sequence();
      EXPECT_EQ(response.SerializeAsString(), it->second)
          << unit << " subtree " << subtree << ": "
          << response.ShortDebugString();
    }
  }
}

TEST_F(AuditAsOfTest, UnitsAndAccountsThatCameLaterAreNotFoundBefore) {
  const uint64_t before = Receive("sd", kDonations, 1'000 * kYuan);
  Register(Admin(), "sd.late", v1::ORG_LEVEL_CITY, "sd");
  const uint64_t after = Allocate("sd", "sd.late", kDonations, 100 * kYuan);

  v1::GetFundSummaryRequest summary;
  summary.set_unit_code("sd.late");
  *summary.mutable_as_of() = AtSequence(before);
  v1::GetFundSummaryResponse response;
  EXPECT_TRUE(IsRpcError(Finance().GetFundSummary(summary, &response),
                         StatusCode::NOT_FOUND, v1::ORG_UNIT_NOT_FOUND));
  // The subtree of sd had 4 units then, 5 now.
  summary.set_unit_code("sd");
  summary.set_subtree(true);
  ASSERT_TRUE(RpcOk(Finance().GetFundSummary(summary, &response)));
  EXPECT_EQ(response.units(), 4u);
  *summary.mutable_as_of() = AtSequence(after);
  ASSERT_TRUE(RpcOk(Finance().GetFundSummary(summary, &response)));
  EXPECT_EQ(response.units(), 5u);

  v1::GetBalanceRequest balance;
  balance.set_account("sd.late/donations/pool");
  *balance.mutable_as_of() = AtSequence(before);
  v1::GetBalanceResponse balance_response;
  RpcResult result = Finance().GetBalance(balance, &balance_response);
  EXPECT_TRUE(IsRpcError(result, StatusCode::NOT_FOUND, v1::ACCOUNT_NOT_FOUND));
  EXPECT_THAT(result.status.error_message(),
              HasSubstr(absl::StrCat("as of sequence ", before)));
  *balance.mutable_as_of() = AtSequence(after);
  ASSERT_TRUE(RpcOk(Finance().GetBalance(balance, &balance_response)));
  EXPECT_EQ(balance_response.balance().posted_credits_fen(), 100 * kYuan);
}

TEST_F(AuditAsOfTest, AsOfTimeIsTheLastEventRecordedByThen) {
  ASSERT_NO_FATAL_FAILURE(RunScenario());
  const std::vector<v1::EventEnvelope> events = ListAllEvents(Admin());
  ASSERT_GT(events.size(), 20u);
  for (size_t i = 0; i < events.size(); i += 3) {
    const int64_t t = events[i].recorded_at_unix_micros();
    // The last event recorded at or before t (several may share a time).
    uint64_t expected = events[i].sequence();
    for (size_t j = i + 1; j < events.size(); ++j) {
      if (events[j].recorded_at_unix_micros() <= t) {
        expected = events[j].sequence();
      }
    }
    v1::GetBalanceRequest by_time;
    by_time.set_account("sd/donations/pool");
    *by_time.mutable_as_of() = AtTime(t);
    v1::GetBalanceRequest by_sequence = by_time;
    *by_sequence.mutable_as_of() = AtSequence(expected);
    v1::GetBalanceResponse a, b;
    RpcResult ra = Finance().GetBalance(by_time, &a);
    RpcResult rb = Finance().GetBalance(by_sequence, &b);
    EXPECT_EQ(ra.status.error_code(), rb.status.error_code());
    if (ra.ok()) {
      EXPECT_EQ(a.as_of_sequence(), expected);
      EXPECT_EQ(a.SerializeAsString(), b.SerializeAsString());
    }

    v1::GetTrialBalanceRequest tb_request;
    *tb_request.mutable_as_of() = AtTime(t);
    v1::GetTrialBalanceResponse tb;
    ASSERT_TRUE(RpcOk(TrialBalance(auditor_, tb_request, &tb)));
    EXPECT_EQ(tb.as_of_sequence(), expected);
    EXPECT_EQ(tb.as_of_unix_micros(),
              events[expected - 1].recorded_at_unix_micros());
    ExpectBalanced(tb);
  }
  // Before the first event: the empty ledger, sequence 0.
  const int64_t first = events.front().recorded_at_unix_micros();
  v1::GetTrialBalanceRequest empty_request;
  *empty_request.mutable_as_of() = AtTime(first - 1);
  v1::GetTrialBalanceResponse empty;
  ASSERT_TRUE(RpcOk(TrialBalance(auditor_, empty_request, &empty)));
  EXPECT_EQ(empty.as_of_sequence(), 0u);
  EXPECT_EQ(empty.lines_size(), 0);
  ExpectBalanced(empty);
  v1::GetBalanceRequest balance;
  balance.set_account("sd/donations/pool");
  *balance.mutable_as_of() = AtTime(first - 1);
  v1::GetBalanceResponse response;
  EXPECT_TRUE(IsRpcError(Finance().GetBalance(balance, &response),
                         StatusCode::NOT_FOUND, v1::ACCOUNT_NOT_FOUND));
}

TEST_F(AuditAsOfTest, BadPointsAreRefusedAndChangeNothing) {
  const uint64_t s = Receive("sd", kDonations, 1'000 * kYuan);
  const v1::GetStatusResponse before = Status(Admin());
  v1::GetBalanceRequest balance;
  balance.set_account("sd/donations/pool");
  v1::GetBalanceResponse balance_response;
  v1::GetFundSummaryRequest summary;
  summary.set_unit_code("sd");
  v1::GetFundSummaryResponse summary_response;
  v1::GetTrialBalanceRequest tb;
  v1::GetTrialBalanceResponse tb_response;
  auto all = [&](const v1::LogPoint& point, StatusCode code,
                 v1::ErrorReason reason) {
    *balance.mutable_as_of() = point;
    *summary.mutable_as_of() = point;
    *tb.mutable_as_of() = point;
    EXPECT_TRUE(
        IsRpcError(Finance().GetBalance(balance, &balance_response), code,
                   reason));
    EXPECT_TRUE(IsRpcError(Finance().GetFundSummary(summary, &summary_response),
                           code, reason));
    EXPECT_TRUE(IsRpcError(TrialBalance(auditor_, tb, &tb_response), code,
                           reason));
  };
  v1::LogPoint both = AtSequence(s);
  both.set_unix_micros(1'700'000'000'000'000);
  all(both, StatusCode::INVALID_ARGUMENT, v1::FIELD_INVALID);
  all(v1::LogPoint(), StatusCode::INVALID_ARGUMENT, v1::FIELD_INVALID);
  all(AtTime(-1), StatusCode::INVALID_ARGUMENT, v1::FIELD_INVALID);
  all(AtSequence(before.head_sequence() + 1), StatusCode::OUT_OF_RANGE,
      v1::MIN_SEQUENCE_NOT_REACHED);

  balance.set_account("sd/donations/nonsense");
  *balance.mutable_as_of() = AtSequence(s);
  EXPECT_TRUE(IsRpcError(Finance().GetBalance(balance, &balance_response),
                         StatusCode::INVALID_ARGUMENT, v1::ACCOUNT_INVALID));
  summary.set_unit_code("SD!");
  EXPECT_TRUE(IsRpcError(Finance().GetFundSummary(summary, &summary_response),
                         StatusCode::INVALID_ARGUMENT, v1::ORG_CODE_INVALID));
  tb.clear_as_of();
  tb.set_subtree(true);
  EXPECT_TRUE(IsRpcError(TrialBalance(auditor_, tb, &tb_response),
                         StatusCode::INVALID_ARGUMENT, v1::FIELD_INVALID));
  tb.set_unit_code("SD!");
  EXPECT_TRUE(IsRpcError(TrialBalance(auditor_, tb, &tb_response),
                         StatusCode::INVALID_ARGUMENT, v1::ORG_CODE_INVALID));
  tb.set_unit_code("sd.nowhere");
  EXPECT_TRUE(IsRpcError(TrialBalance(auditor_, tb, &tb_response),
                         StatusCode::NOT_FOUND, v1::ORG_UNIT_NOT_FOUND));

  const v1::GetStatusResponse after = Status(Admin());
  EXPECT_EQ(after.head_sequence(), before.head_sequence());
  EXPECT_EQ(after.head_hash(), before.head_hash());
}

TEST_F(AuditAsOfTest, TrialBalanceBalancesPerSourceNowAndBefore) {
  ASSERT_NO_FATAL_FAILURE(RunScenario());
  const uint64_t head = HeadSequence(Admin());
  v1::GetTrialBalanceRequest request;
  v1::GetTrialBalanceResponse now;
  ASSERT_TRUE(RpcOk(TrialBalance(auditor_, request, &now)));
  EXPECT_EQ(now.as_of_sequence(), head);
  ExpectBalanced(now);
  // Every line is what GetBalance says of that account.
  for (const auto& line : now.lines()) {
    v1::GetBalanceRequest balance;
    balance.set_account(line.balance().account());
    balance.set_min_sequence(head);
    v1::GetBalanceResponse response;
    ASSERT_TRUE(RpcOk(Finance().GetBalance(balance, &response)));
    EXPECT_EQ(response.balance().SerializeAsString(),
              line.balance().SerializeAsString());
  }
  // A pending grant shows as pending debits and credits of donations.
  EXPECT_GT(now.sources(2).pending_debits_fen(), 0);

  for (uint64_t s : {head / 3, head / 2, head - 3}) {
    *request.mutable_as_of() = AtSequence(s);
    v1::GetTrialBalanceResponse then;
    ASSERT_TRUE(RpcOk(TrialBalance(server().admin_token(), request, &then)));
    EXPECT_EQ(then.as_of_sequence(), s);
    ExpectBalanced(then);
  }

  // A unit or subtree: its own accounts only, no external ones.
  request.clear_as_of();
  request.set_unit_code("sd.jn");
  request.set_subtree(true);
  v1::GetTrialBalanceResponse part;
  ASSERT_TRUE(RpcOk(TrialBalance(auditor_, request, &part)));
  ASSERT_GT(part.lines_size(), 0);
  bool child = false;
  for (const auto& line : part.lines()) {
    const std::string& a = line.balance().account();
    EXPECT_TRUE(absl::StartsWith(a, "sd.jn/") || absl::StartsWith(a, "sd.jn."))
        << a;
    child |= absl::StartsWith(a, "sd.jn.zc/");
  }
  EXPECT_TRUE(child);
}

TEST_F(AuditAsOfTest, ReconcileIsOkAlsoWhileCommandsArrive) {
  ASSERT_NO_FATAL_FAILURE(RunScenario());
  std::vector<v1::ReconcileResponse> messages;
  RpcResult result = Reconcile(auditor_, &messages);
  ASSERT_TRUE(RpcOk(result));
  ASSERT_FALSE(messages.empty());
  const v1::ReconcileResponse& done = messages.back();
  EXPECT_TRUE(done.done());
  EXPECT_TRUE(done.ok()) << done.ShortDebugString();
  EXPECT_EQ(done.differences_total(), 0u);
  EXPECT_GT(done.keys_compared(), 50u);
  EXPECT_GT(done.sequence(), 20u);
  EXPECT_EQ(done.events_replayed(), done.sequence());
  for (size_t i = 0; i + 1 < messages.size(); ++i) {
    EXPECT_FALSE(messages[i].done());
  }
  // No scratch directory is left in the data dir.
  for (const auto& entry :
       std::filesystem::directory_iterator(server().data_dir())) {
    EXPECT_FALSE(
        absl::StartsWith(entry.path().filename().string(), "reconcile-"))
        << entry.path();
  }

  // Commands keep arriving while the admin reconciles: the comparison is
  // of one consistent snapshot, so it is still ok.
  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  std::thread writer([&] {
    ReliefClient finance = Finance();
    while (!stop) {
      v1::ReceiveFundsRequest request;
      request.set_request_id(NewRequestId("busy"));
      request.set_unit_code("sd.qd");
      request.set_fund_source(kDonations);
      request.set_amount_fen(1 + written);
      request.set_payer("个人捐款");
      v1::ReceiveFundsResponse response;
      if (finance.ReceiveFunds(request, &response).ok()) ++written;
    }
  });
  for (int round = 0; round < 3; ++round) {
    messages.clear();
    result = Reconcile(server().admin_token(), &messages);
    ASSERT_TRUE(RpcOk(result));
    ASSERT_FALSE(messages.empty());
    EXPECT_TRUE(messages.back().ok()) << messages.back().ShortDebugString();
  }
  stop = true;
  writer.join();
  EXPECT_GT(written.load(), 0);
}

TEST_F(AuditAsOfTest, OneReconcileAtATime) {
  // Enough events that a reconcile takes a while.
  for (int batch = 0; batch < 3; ++batch) {
    v1::SubmitCommandsRequest request;
    for (int i = 0; i < 10000; ++i) {
      v1::ReceiveFundsRequest* r =
          request.add_commands()->mutable_receive_funds();
      r->set_request_id(NewRequestId("bulk"));
      r->set_unit_code(i % 2 ? "sd.jn" : "sd.qd");
      r->set_fund_source(kDonations);
      r->set_amount_fen(100 + i);
      r->set_payer("批量来款");
    }
    v1::SubmitCommandsResponse response;
    ReliefClient finance = Finance();
    finance.set_timeout(std::chrono::seconds(120));
    ASSERT_TRUE(RpcOk(finance.SubmitCommands(request, &response)));
  }
  // Start one; once its scratch directory exists, start a second.
  std::vector<v1::ReconcileResponse> first_messages;
  RpcResult first;
  std::thread runner(
      [&] { first = Reconcile(auditor_, &first_messages); });
  bool running = false;
  for (int i = 0; i < 2000 && !running; ++i) {
    for (const auto& entry :
         std::filesystem::directory_iterator(server().data_dir())) {
      running |= absl::StartsWith(entry.path().filename().string(),
                                  "reconcile-");
    }
    if (!running) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::vector<v1::ReconcileResponse> second_messages;
  RpcResult second = Reconcile(server().admin_token(), &second_messages);
  runner.join();
  ASSERT_TRUE(RpcOk(first));
  EXPECT_TRUE(first_messages.back().ok());
  if (running && !second.ok()) {
    EXPECT_TRUE(IsRpcError(second, StatusCode::RESOURCE_EXHAUSTED,
                           v1::RECONCILE_RUNNING));
    EXPECT_THAT(second.status.error_message(),
                HasSubstr("only one runs at a time"));
  } else {
    // The first ended before the second began (a fast machine): then the
    // second ran on its own.
    EXPECT_TRUE(RpcOk(second));
    GTEST_LOG_(INFO) << "the first reconcile ended before the second began";
  }
  // Afterwards a reconcile runs again.
  second_messages.clear();
  ASSERT_TRUE(RpcOk(Reconcile(auditor_, &second_messages)));
  EXPECT_TRUE(second_messages.back().ok());
}

TEST_F(AuditAsOfTest, OnlyAdminAndAuditorMayAudit) {
  Receive("sd", kDonations, 1'000 * kYuan);
  for (const std::string& token : {finance_, service_}) {
    v1::GetTrialBalanceResponse tb;
    EXPECT_TRUE(IsRpcError(
        TrialBalance(token, v1::GetTrialBalanceRequest(), &tb),
        StatusCode::PERMISSION_DENIED, v1::ROLE_REQUIRED));
    std::vector<v1::ReconcileResponse> messages;
    EXPECT_TRUE(IsRpcError(Reconcile(token, &messages),
                           StatusCode::PERMISSION_DENIED, v1::ROLE_REQUIRED));
    EXPECT_TRUE(messages.empty());
  }
  v1::GetTrialBalanceResponse tb;
  EXPECT_TRUE(IsRpcError(
      TrialBalance("rlf_" + std::string(64, '0'), v1::GetTrialBalanceRequest(),
                   &tb),
      StatusCode::UNAUTHENTICATED, v1::TOKEN_UNKNOWN));
  for (const std::string& token : {auditor_, server().admin_token()}) {
    EXPECT_TRUE(RpcOk(TrialBalance(token, v1::GetTrialBalanceRequest(), &tb)));
    std::vector<v1::ReconcileResponse> messages;
    EXPECT_TRUE(RpcOk(Reconcile(token, &messages)));
  }
  // As-of balances and summaries are queries: every role may ask.
  v1::GetBalanceRequest balance;
  balance.set_account("sd/donations/pool");
  *balance.mutable_as_of() = AtSequence(HeadSequence(Admin()));
  v1::GetBalanceResponse response;
  EXPECT_TRUE(RpcOk(As(service_).GetBalance(balance, &response)));
}

}  // namespace
}  // namespace relief::testing
