// Observability end to end: a few commands and queries (some refused) are
// counted exactly by GetMetrics, per RPC and result code; the writer's group
// sizes and write times and the projection lag are reported; and the server
// log has one line per request with method, principal, code and latency,
// never a token.
#include <fstream>
#include <iterator>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/test_util.h"

namespace relief::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in),
                     std::istreambuf_iterator<char>());
}

v1::ReceiveFundsRequest MakeReceive(int64_t amount_fen) {
  v1::ReceiveFundsRequest request;
  request.set_request_id(NewRequestId("receive"));
  request.set_unit_code("sd");
  request.set_fund_source(v1::FUND_SOURCE_DONATIONS);
  request.set_amount_fen(amount_fen);
  request.set_payer("济宁市慈善总会");
  request.set_document_number("BANK-2026-0001");
  request.set_memo("测试来款");
  return request;
}

// code name -> count, for one RPC of a GetMetrics list.
std::map<std::string, uint64_t> Results(
    const google::protobuf::RepeatedPtrField<v1::RpcMetrics>& list,
    const std::string& method, uint64_t* count = nullptr) {
  std::map<std::string, uint64_t> out;
  for (const v1::RpcMetrics& m : list) {
    if (m.method() != method) continue;
    for (const v1::ResultCount& r : m.results()) out[r.code()] = r.count();
    if (count != nullptr) *count = m.count();
    EXPECT_EQ(m.latency_micros().count(), m.count()) << method;
  }
  return out;
}

using Counts = std::map<std::string, uint64_t>;

class ObservabilityTest : public ReliefdTest {};

TEST_F(ObservabilityTest, MetricsCountEveryCallAndTheLogHasALineForEach) {
  ReliefClient admin = Admin();
  Register(admin, "sd", v1::ORG_LEVEL_PROVINCE, "");
  const std::string finance_token =
      CreateToken(admin, "cai.wu", {v1::ROLE_FINANCE_OFFICER});
  const std::string auditor_token =
      CreateToken(admin, "shen.ji", {v1::ROLE_AUDITOR});
  const std::string service_token =
      CreateToken(admin, "jian.kong", {v1::ROLE_SERVICE});
  ASSERT_FALSE(finance_token.empty());
  ASSERT_FALSE(auditor_token.empty());
  ASSERT_FALSE(service_token.empty());
  ReliefClient finance = As(finance_token);
  ReliefClient auditor = As(auditor_token);
  ReliefClient service = As(service_token);

  // Commands: two accepted, one invalid, one by a role that may not.
  v1::ReceiveFundsResponse received;
  ASSERT_TRUE(RpcOk(finance.ReceiveFunds(MakeReceive(150000), &received)));
  ASSERT_TRUE(RpcOk(finance.ReceiveFunds(MakeReceive(250000), &received)));
  EXPECT_TRUE(IsRpcError(finance.ReceiveFunds(MakeReceive(0), &received),
                         grpc::StatusCode::INVALID_ARGUMENT,
                         v1::AMOUNT_INVALID));
  EXPECT_TRUE(IsRpcError(auditor.ReceiveFunds(MakeReceive(100), &received),
                         grpc::StatusCode::PERMISSION_DENIED,
                         v1::ROLE_REQUIRED));
  // Queries: three answered (reading our own writes), one without a token.
  const uint64_t head = HeadSequence(admin);
  for (int i = 0; i < 3; ++i) {
    v1::GetFundSummaryRequest request;
    request.set_unit_code("sd");
    request.set_min_sequence(head);
    v1::GetFundSummaryResponse response;
    ASSERT_TRUE(RpcOk(auditor.GetFundSummary(request, &response)));
  }
  v1::GetFundSummaryRequest anonymous;
  anonymous.set_unit_code("sd");
  v1::GetFundSummaryResponse ignored;
  ReliefClient no_token(server().channel(), "");
  no_token.set_authorization("Basic x");
  EXPECT_TRUE(IsRpcError(no_token.GetFundSummary(anonymous, &ignored),
                         grpc::StatusCode::UNAUTHENTICATED,
                         v1::TOKEN_MISSING));
  // Metrics are not for finance officers.
  v1::GetMetricsResponse metrics;
  EXPECT_TRUE(IsRpcError(finance.GetMetrics({}, &metrics),
                         grpc::StatusCode::PERMISSION_DENIED,
                         v1::ROLE_REQUIRED));

  ASSERT_TRUE(RpcOk(service.GetMetrics({}, &metrics)));
  uint64_t count = 0;
  EXPECT_EQ(Results(metrics.commands(),
                    "relief.v1.LedgerService/ReceiveFunds", &count),
            (Counts{{"OK", 2}, {"INVALID_ARGUMENT", 1},
                    {"PERMISSION_DENIED", 1}}));
  EXPECT_EQ(count, 4u);
  EXPECT_EQ(Results(metrics.commands(), "relief.v1.LedgerService/CreateToken"),
            (Counts{{"OK", 3}}));
  EXPECT_EQ(Results(metrics.queries(), "relief.v1.QueryService/GetFundSummary"),
            (Counts{{"OK", 3}, {"UNAUTHENTICATED", 1}}));
  // The finance officer's refused call counted; this one is still running.
  EXPECT_EQ(Results(metrics.queries(), "relief.v1.QueryService/GetMetrics"),
            (Counts{{"PERMISSION_DENIED", 1}}));
  for (const v1::RpcMetrics& m : metrics.queries()) {
    EXPECT_THAT(m.method(), Not(HasSubstr("LedgerService"))) << "a query";
  }

  // The writer: every event since start (a fresh ledger: all of them), in
  // groups whose sizes and synced writes were observed.
  EXPECT_EQ(metrics.head_sequence(), head);
  EXPECT_EQ(metrics.events_appended(), head);
  EXPECT_GE(metrics.writer_groups_committed(), 1u);
  const v1::MetricHistogram& groups = metrics.writer_group_commands();
  EXPECT_GE(groups.count(), 1u);
  // Every accepted or refused-by-the-writer command went through a group:
  // bootstrap admin, sd, 3 tokens, 2 receipts, (the invalid one was refused
  // before the writer).
  EXPECT_GE(groups.sum(), 7u);
  EXPECT_EQ(groups.counts_size(), groups.upper_bounds_size() + 1);
  EXPECT_GE(metrics.writer_write_micros().count(), 1u);
  EXPECT_GT(metrics.writer_write_micros().max(), 0u);
  EXPECT_LE(metrics.writer_write_micros().p50(),
            metrics.writer_write_micros().max());
  EXPECT_GT(metrics.queue_capacity(), 0u);
  EXPECT_GE(metrics.queue_depth_max(), 1u);
  // Projections: each with its lag; we read our own writes at `head`, so
  // none is behind it.
  ASSERT_GT(metrics.projections_size(), 0);
  for (const v1::ProjectionLag& p : metrics.projections()) {
    EXPECT_EQ(p.lag_events(), metrics.head_sequence() - p.checkpoint_sequence())
        << p.name();
  }
  EXPECT_EQ(metrics.projection_lag_events(), 0u);
  EXPECT_TRUE(metrics.serving());
  EXPECT_FALSE(metrics.writer_stalled());
  EXPECT_GT(metrics.server_time_unix_micros(), metrics.started_at_unix_micros());

  // The log: one line per request, each with the four fields.
  RELIEF_ASSERT_OK(server().Stop());
  const std::string log = ReadFile(server().log_path());
  std::vector<std::string> receive_lines;
  for (absl::string_view line : absl::StrSplit(log, '\n')) {
    if (absl::StrContains(line, "rpc=relief.v1.LedgerService/ReceiveFunds ")) {
      receive_lines.emplace_back(line);
    }
  }
  ASSERT_EQ(receive_lines.size(), 4u) << log;
  const std::regex shape(
      "^ts=\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z level=\\w+ "
      "rpc=relief\\.v1\\.LedgerService/ReceiveFunds principal=\\S+ "
      "code=[A-Z_]+ reason=\\S+ latency_us=\\d+ peer=\\S+$");
  for (const std::string& line : receive_lines) {
    EXPECT_TRUE(std::regex_match(line, shape)) << line;
  }
  EXPECT_THAT(receive_lines[0], HasSubstr(" principal=cai.wu code=OK reason=- "));
  EXPECT_THAT(receive_lines[2],
              HasSubstr(" principal=cai.wu code=INVALID_ARGUMENT "
                        "reason=AMOUNT_INVALID "));
  EXPECT_THAT(receive_lines[3],
              HasSubstr(" principal=shen.ji code=PERMISSION_DENIED "
                        "reason=ROLE_REQUIRED "));
  EXPECT_THAT(log, HasSubstr("rpc=relief.v1.QueryService/GetFundSummary "
                             "principal=- code=UNAUTHENTICATED "
                             "reason=TOKEN_MISSING "));
  EXPECT_THAT(log, HasSubstr("rpc=relief.v1.QueryService/GetMetrics "
                             "principal=jian.kong code=OK "));
  // Never a token, nor the payload (the payer's name).
  for (const std::string& token : {server().admin_token(), finance_token,
                                   auditor_token, service_token}) {
    EXPECT_THAT(log, Not(HasSubstr(token.substr(4))));
  }
  EXPECT_THAT(log, Not(HasSubstr("济宁市慈善总会")));
  // The start-up and shutdown lines are still there.
  EXPECT_THAT(log, HasSubstr("reliefd: listening on"));
}

}  // namespace
}  // namespace relief::testing
