// GoogleTest helpers for end-to-end tests against a real reliefd: status
// assertions, request builders, paging helpers, and a fixture that starts a
// fresh server per test.
#ifndef RELIEF_TESTS_HARNESS_TEST_UTIL_H_
#define RELIEF_TESTS_HARNESS_TEST_UTIL_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "harness/relief_client.h"
#include "harness/reliefd_process.h"
#include "relief/v1/errors.pb.h"

#define RELIEF_ASSERT_OK(expr)                                  \
  do {                                                          \
    const ::absl::Status relief_status_ = (expr);               \
    ASSERT_TRUE(relief_status_.ok()) << relief_status_.ToString(); \
  } while (0)

#define RELIEF_EXPECT_OK(expr)                                  \
  do {                                                          \
    const ::absl::Status relief_status_ = (expr);               \
    EXPECT_TRUE(relief_status_.ok()) << relief_status_.ToString(); \
  } while (0)

namespace relief::testing {

// Success: `result` is OK.
::testing::AssertionResult RpcOk(const RpcResult& result);
// Success: `result` failed with `code`, trailing metadata relief-reason equal
// to the name of `reason`, and a message starting with "<REASON>: ".
::testing::AssertionResult IsRpcError(const RpcResult& result,
                                      grpc::StatusCode code,
                                      v1::ErrorReason reason);

// A request id unique within this process run ("<prefix>-<pid>-<counter>").
std::string NewRequestId(const std::string& prefix = "req");

v1::RegisterOrgUnitRequest MakeRegister(const std::string& request_id,
                                        const std::string& code,
                                        v1::OrgLevel level,
                                        const std::string& parent_code,
                                        const std::string& name_zh = "",
                                        const std::string& name_en = "");
v1::Command MakeRegisterCommand(const std::string& request_id,
                                const std::string& code, v1::OrgLevel level,
                                const std::string& parent_code);

// Helpers that record a gtest failure (and return a default) on RPC error.
uint64_t HeadSequence(const ReliefClient& client);
v1::GetStatusResponse Status(const ReliefClient& client);
// Registers and returns first_sequence (0 on failure, with a gtest failure).
uint64_t Register(const ReliefClient& client, const std::string& code,
                  v1::OrgLevel level, const std::string& parent_code);
// Every unit, all pages, at least as of `min_sequence`.
std::vector<v1::OrgUnit> ListAllOrgUnits(const ReliefClient& client,
                                         const std::string& under_code,
                                         bool include_inactive,
                                         uint64_t min_sequence,
                                         uint32_t page_size = 0);
// Every envelope, oldest first, all pages.
std::vector<v1::EventEnvelope> ListAllEvents(const ReliefClient& client,
                                             uint32_t page_size = 1000);
// ListPrincipals has no min_sequence: polls until as_of_sequence reaches
// `min_sequence` (bounded, 10 s), then returns that answer.
v1::ListPrincipalsResponse ListPrincipalsAtLeast(const ReliefClient& client,
                                                 uint64_t min_sequence);
// Creates a principal with `roles` and returns its token ("" on failure).
std::string CreateToken(const ReliefClient& client, const std::string& name,
                        std::vector<v1::Role> roles);

// The GB 11643 check character (0-9 or X) of the first 17 digits of a
// national ID; REQUIRES: `first17` is 17 ASCII digits.
char NationalIdCheckCharacter(const std::string& first17);
// `first17` followed by its check character: a valid made-up national ID
// when the digits hold a real birth date (positions 7..14, yyyymmdd).
std::string NationalId(const std::string& first17);

// The civil year in China (UTC+8, no daylight saving) at a unix time, as
// the server counts years for matching and yearly limits.
int ChinaYear(int64_t unix_micros);

// Calls `call` (returning RpcResult) again while it fails with
// DEADLINE_EXCEEDED / MIN_SEQUENCE_NOT_REACHED, as the API asks, for at
// most `limit`: a query after a large batch may wait longer than the
// server's 10 s bound (e.g. under AddressSanitizer).
template <typename Call>
RpcResult RetryWhileCatchingUp(
    Call call, std::chrono::seconds limit = std::chrono::seconds(50)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (true) {
    RpcResult result = call();
    if (result.status.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED ||
        result.reason != "MIN_SEQUENCE_NOT_REACHED" ||
        std::chrono::steady_clock::now() > deadline) {
      return result;
    }
  }
}

// Text form of messages, for comparisons with readable failures.
std::string DebugString(const std::vector<v1::OrgUnit>& units);

// A fresh reliefd per test. Subclasses may set options_ in their
// constructor before SetUp runs.
class ReliefdTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  ReliefdProcess& server() { return *server_; }
  // A client as the bootstrap admin / with `token` on the current channel.
  ReliefClient Admin() { return ReliefClient(server_->channel(), server_->admin_token()); }
  ReliefClient As(const std::string& token) { return ReliefClient(server_->channel(), token); }

  ReliefdOptions options_;
  std::unique_ptr<ReliefdProcess> server_;
};

}  // namespace relief::testing

#endif  // RELIEF_TESTS_HARNESS_TEST_UTIL_H_
