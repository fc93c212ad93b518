#include "harness/test_util.h"

#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace relief::testing {

::testing::AssertionResult RpcOk(const RpcResult& result) {
  if (result.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "RPC failed: " << result;
}

::testing::AssertionResult IsRpcError(const RpcResult& result,
                                      grpc::StatusCode code,
                                      v1::ErrorReason reason) {
  const std::string& name = v1::ErrorReason_Name(reason);
  if (result.status.error_code() != code || result.reason != name ||
      !absl::StartsWith(result.status.error_message(), name + ": ")) {
    return ::testing::AssertionFailure()
           << "expected " << StatusCodeName(code) << " [" << name
           << "] with message \"" << name << ": ...\", got " << result;
  }
  return ::testing::AssertionSuccess();
}

std::string NewRequestId(const std::string& prefix) {
  static std::atomic<uint64_t> counter{0};
  return absl::StrCat(prefix, "-", getpid(), "-", ++counter);
}

v1::RegisterOrgUnitRequest MakeRegister(const std::string& request_id,
                                        const std::string& code,
                                        v1::OrgLevel level,
                                        const std::string& parent_code,
                                        const std::string& name_zh,
                                        const std::string& name_en) {
  v1::RegisterOrgUnitRequest request;
  request.set_request_id(request_id);
  request.set_code(code);
  request.set_name_zh(name_zh.empty() ? "工会 " + code : name_zh);
  request.set_name_en(name_en.empty() ? "Union " + code : name_en);
  request.set_level(level);
  request.set_parent_code(parent_code);
  return request;
}

v1::Command MakeRegisterCommand(const std::string& request_id,
                                const std::string& code, v1::OrgLevel level,
                                const std::string& parent_code) {
  v1::Command command;
  *command.mutable_register_org_unit() =
      MakeRegister(request_id, code, level, parent_code);
  return command;
}

v1::GetStatusResponse Status(const ReliefClient& client) {
  v1::GetStatusResponse response;
  RpcResult result = client.GetStatus({}, &response);
  EXPECT_TRUE(RpcOk(result)) << "GetStatus";
  return response;
}

uint64_t HeadSequence(const ReliefClient& client) {
  return Status(client).head_sequence();
}

uint64_t Register(const ReliefClient& client, const std::string& code,
                  v1::OrgLevel level, const std::string& parent_code) {
  v1::RegisterOrgUnitResponse response;
  RpcResult result = client.RegisterOrgUnit(
      MakeRegister(NewRequestId("reg"), code, level, parent_code), &response);
  EXPECT_TRUE(RpcOk(result)) << "RegisterOrgUnit " << code;
  if (!result.ok()) return 0;
  EXPECT_FALSE(response.result().replayed());
  EXPECT_EQ(response.result().event_count(), 1u);
  return response.result().first_sequence();
}

std::vector<v1::OrgUnit> ListAllOrgUnits(const ReliefClient& client,
                                         const std::string& under_code,
                                         bool include_inactive,
                                         uint64_t min_sequence,
                                         uint32_t page_size) {
  std::vector<v1::OrgUnit> units;
  std::string page_token;
  for (int page = 0; page < 100000; ++page) {
    v1::ListOrgUnitsRequest request;
    request.set_under_code(under_code);
    request.set_include_inactive(include_inactive);
    request.set_min_sequence(min_sequence);
    request.set_page_size(page_size);
    request.set_page_token(page_token);
    v1::ListOrgUnitsResponse response;
    RpcResult result = client.ListOrgUnits(request, &response);
    EXPECT_TRUE(RpcOk(result)) << "ListOrgUnits page " << page;
    if (!result.ok()) break;
    EXPECT_GE(response.as_of_sequence(), min_sequence);
    for (const v1::OrgUnit& unit : response.units()) units.push_back(unit);
    if (response.next_page_token().empty()) break;
    EXPECT_NE(response.next_page_token(), page_token) << "paging loops";
    if (response.next_page_token() == page_token) break;
    page_token = response.next_page_token();
  }
  return units;
}

std::vector<v1::EventEnvelope> ListAllEvents(const ReliefClient& client,
                                             uint32_t page_size) {
  std::vector<v1::EventEnvelope> events;
  uint64_t after = 0;
  while (true) {
    v1::ListEventsRequest request;
    request.set_after_sequence(after);
    request.set_page_size(page_size);
    v1::ListEventsResponse response;
    RpcResult result = client.ListEvents(request, &response);
    EXPECT_TRUE(RpcOk(result)) << "ListEvents after " << after;
    if (!result.ok() || response.events_size() == 0) break;
    for (const v1::EventEnvelope& envelope : response.events()) {
      events.push_back(envelope);
    }
    uint64_t last = response.events(response.events_size() - 1).sequence();
    EXPECT_GT(last, after) << "ListEvents does not advance";
    if (last <= after) break;
    after = last;
    if (after >= response.head_sequence()) break;
  }
  return events;
}

v1::ListPrincipalsResponse ListPrincipalsAtLeast(const ReliefClient& client,
                                                 uint64_t min_sequence) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(10);
  v1::ListPrincipalsResponse response;
  while (true) {
    response.Clear();
    RpcResult result = client.ListPrincipals({}, &response);
    EXPECT_TRUE(RpcOk(result)) << "ListPrincipals";
    if (!result.ok() || response.as_of_sequence() >= min_sequence) break;
    if (std::chrono::steady_clock::now() > deadline) {
      ADD_FAILURE() << "ListPrincipals stuck at as_of_sequence "
                    << response.as_of_sequence() << " < " << min_sequence;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return response;
}

std::string CreateToken(const ReliefClient& client, const std::string& name,
                        std::vector<v1::Role> roles) {
  v1::CreateTokenRequest request;
  request.set_request_id(NewRequestId("token"));
  request.set_name(name);
  for (v1::Role role : roles) request.add_roles(role);
  v1::CreateTokenResponse response;
  RpcResult result = client.CreateToken(request, &response);
  EXPECT_TRUE(RpcOk(result)) << "CreateToken " << name;
  EXPECT_FALSE(response.token().empty()) << "CreateToken " << name;
  return response.token();
}

int ChinaYear(int64_t unix_micros) {
  const time_t seconds = static_cast<time_t>(unix_micros / 1000000 + 8 * 3600);
  struct tm parts {};
  gmtime_r(&seconds, &parts);
  return parts.tm_year + 1900;
}

char NationalIdCheckCharacter(const std::string& first17) {
  static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6,
                                       3, 7, 9, 10, 5, 8, 4, 2};
  static constexpr char kCheck[] = "10X98765432";
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (first17[i] - '0') * kWeights[i];
  return kCheck[sum % 11];
}

std::string NationalId(const std::string& first17) {
  return first17 + NationalIdCheckCharacter(first17);
}

std::string DebugString(const std::vector<v1::OrgUnit>& units) {
  std::string text;
  for (const v1::OrgUnit& unit : units) {
    absl::StrAppend(&text, unit.ShortDebugString(), "\n");
  }
  return text;
}

void ReliefdTest::SetUp() {
  server_ = std::make_unique<ReliefdProcess>(options_);
  RELIEF_ASSERT_OK(server_->Start());
}

void ReliefdTest::TearDown() {
  if (server_ == nullptr) return;
  if (HasFailure()) {
    std::cerr << "---- reliefd log tail (" << server_->log_path() << ")\n"
              << server_->LogTail(60) << "----\n";
  }
  if (server_->running()) {
    absl::Status stopped = server_->Stop();
    EXPECT_TRUE(stopped.ok()) << "graceful stop at teardown: " << stopped;
  }
  server_.reset();
}

}  // namespace relief::testing
