// Crash safety under concurrent load. Eight client threads append
// RegisterOrgUnit commands (unique codes under one root, unique request ids)
// while the server is killed with SIGKILL at a random moment after some
// acknowledgements; then it is restarted and checked:
//   - every acknowledged request id is in the log exactly once, at the
//     sequence its acknowledgement named, with its code;
//   - no request id is in the log twice; sequences are 1..head, no gap;
//   - VerifyChain is ok and agrees with GetStatus on the head;
//   - resending an acknowledged request returns replayed=true and the same
//     first_sequence; resending one that was in flight at the kill returns
//     its logged result if it was written, else it is applied now.
// Five kill/restart cycles on one data dir. The seed is printed; set
// RELIEF_CRASH_SEED to reproduce the same kill points.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "harness/test_util.h"

namespace relief::testing {
namespace {

using grpc::StatusCode;

constexpr int kThreads = 16;
// At least 5; $RELIEF_CRASH_CYCLES asks for more (e.g. a soak run).
constexpr int kDefaultCycles = 5;
// The kill comes after this many acknowledgements in a cycle, drawn uniformly.
constexpr uint64_t kMinAcksBeforeKill = 20;
constexpr uint64_t kMaxAcksBeforeKill = 3000;
// Bound on reaching the kill point; far above what a slow (ASan) build needs.
constexpr auto kAckWait = std::chrono::seconds(60);

struct Sent {
  v1::RegisterOrgUnitRequest request;
  v1::CommandResult result;  // set when acknowledged
};

// What the client threads of one cycle share.
struct CycleState {
  std::mutex mutex;
  std::condition_variable acked_changed;
  std::vector<Sent> acked;
  std::vector<v1::RegisterOrgUnitRequest> in_flight;  // failed at the kill
  std::vector<std::string> unexpected;  // errors before the kill
  std::atomic<bool> killed{false};
};

uint64_t SeedFromEnvironment() {
  if (const char* env = std::getenv("RELIEF_CRASH_SEED"); env && *env) {
    return std::strtoull(env, nullptr, 10);
  }
  return std::random_device{}();
}

int CyclesFromEnvironment() {
  if (const char* env = std::getenv("RELIEF_CRASH_CYCLES"); env && *env) {
    return std::max(kDefaultCycles, std::atoi(env));
  }
  return kDefaultCycles;
}

void ClientThread(ReliefClient client, int cycle, int thread, uint64_t seed,
                  CycleState* state) {
  for (int n = 0;; ++n) {
    if (state->killed.load()) return;
    const v1::RegisterOrgUnitRequest request = MakeRegister(
        absl::StrCat("crash-", seed % 100000, "-", cycle, "-", thread, "-", n),
        absl::StrCat("crash.c", cycle, "-t", thread, "-n", n),
        v1::ORG_LEVEL_CITY, "crash");
    while (true) {
      v1::RegisterOrgUnitResponse response;
      RpcResult result = client.RegisterOrgUnit(request, &response);
      if (result.ok()) {
        std::lock_guard<std::mutex> lock(state->mutex);
        state->acked.push_back({request, response.result()});
        state->acked_changed.notify_all();
        break;
      }
      if (state->killed.load()) {
        std::lock_guard<std::mutex> lock(state->mutex);
        state->in_flight.push_back(request);
        return;
      }
      if (result.status.error_code() == StatusCode::RESOURCE_EXHAUSTED) {
        continue;  // queue full: the same request id is safe to resend
      }
      std::lock_guard<std::mutex> lock(state->mutex);
      state->unexpected.push_back(absl::StrCat(
          request.request_id(), ": ", StatusCodeName(result.status.error_code()),
          " ", result.status.error_message()));
      state->acked_changed.notify_all();
      return;
    }
  }
}

// Resends `sent` from kThreads threads; each must replay its original result.
void ExpectAllReplay(ReliefClient& admin, const std::vector<Sent>& sent) {
  std::atomic<size_t> next{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (size_t i = next++; i < sent.size(); i = next++) {
        v1::RegisterOrgUnitResponse response;
        RpcResult result = admin.RegisterOrgUnit(sent[i].request, &response);
        if (!result.ok() || !response.result().replayed() ||
            response.result().first_sequence() !=
                sent[i].result.first_sequence()) {
          if (failures++ < 10) {
            ADD_FAILURE() << "resend of " << sent[i].request.request_id()
                          << " (acknowledged at "
                          << sent[i].result.first_sequence() << "): " << result
                          << " " << response.ShortDebugString();
          }
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0) << "acknowledged requests that did not replay";
}

class CrashTest : public ReliefdTest {};

TEST_F(CrashTest, KillDuringConcurrentAppendsLosesNothingAcknowledged) {
  const uint64_t seed = SeedFromEnvironment();
  std::cout << "crash_test seed: " << seed
            << " (rerun with RELIEF_CRASH_SEED=" << seed << ")" << std::endl;
  RecordProperty("seed", std::to_string(seed));
  SCOPED_TRACE(absl::StrCat("RELIEF_CRASH_SEED=", seed));
  std::mt19937_64 rng(seed);

  {
    ReliefClient admin = Admin();
    Register(admin, "crash", v1::ORG_LEVEL_PROVINCE, "");
  }
  std::vector<Sent> all_acked;

  const int cycles = CyclesFromEnvironment();
  for (int cycle = 0; cycle < cycles; ++cycle) {
    SCOPED_TRACE(absl::StrCat("cycle ", cycle));
    const auto cycle_start = std::chrono::steady_clock::now();
    const uint64_t kill_after = std::uniform_int_distribution<uint64_t>(
        kMinAcksBeforeKill, kMaxAcksBeforeKill)(rng);

    CycleState state;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back(ClientThread, Admin(), cycle, t, seed, &state);
    }
    bool reached = false;
    {
      std::unique_lock<std::mutex> lock(state.mutex);
      reached = state.acked_changed.wait_for(lock, kAckWait, [&] {
        return state.acked.size() >= kill_after || !state.unexpected.empty();
      });
      reached = reached && state.unexpected.empty();
      state.killed = true;
    }
    RELIEF_ASSERT_OK(server().Kill());
    for (std::thread& thread : threads) thread.join();
    for (const std::string& error : state.unexpected) {
      ADD_FAILURE() << "error before the kill: " << error;
    }
    ASSERT_TRUE(reached) << "only " << state.acked.size() << " of "
                         << kill_after << " acknowledgements within "
                         << kAckWait.count() << " s";
    std::cout << "cycle " << cycle << ": killed after " << state.acked.size()
              << " acks (target " << kill_after << "), "
              << state.in_flight.size() << " in flight" << std::endl;

    RELIEF_ASSERT_OK(server().Start());
    ReliefClient admin = Admin();
    admin.set_timeout(std::chrono::seconds(60));
    for (const Sent& sent : state.acked) all_acked.push_back(sent);

    // The log: sequences 1..head without gap, each request id at most once.
    const v1::GetStatusResponse status = Status(admin);
    const std::vector<v1::EventEnvelope> events = ListAllEvents(admin);
    ASSERT_EQ(events.size(), status.head_sequence());
    std::map<std::string, const v1::EventEnvelope*> by_request;
    for (size_t i = 0; i < events.size(); ++i) {
      const v1::EventEnvelope& envelope = events[i];
      ASSERT_EQ(envelope.sequence(), i + 1) << "gap or disorder in the log";
      if (i > 0 && !events[i - 1].hash().empty()) {
        EXPECT_EQ(envelope.previous_hash(), events[i - 1].hash())
            << "sequence " << envelope.sequence();
      }
      if (envelope.request_id().empty()) continue;
      auto [it, inserted] = by_request.emplace(envelope.request_id(), &envelope);
      EXPECT_TRUE(inserted) << "request id " << envelope.request_id()
                            << " in the log twice: sequences "
                            << it->second->sequence() << " and "
                            << envelope.sequence();
    }
    if (!status.head_hash().empty() && !events.empty() &&
        !events.back().hash().empty()) {
      EXPECT_EQ(status.head_hash(), events.back().hash());
    }

    // Every acknowledgement, of this cycle and all before, is in the log.
    int missing = 0;
    for (const Sent& sent : all_acked) {
      auto it = by_request.find(sent.request.request_id());
      if (it == by_request.end()) {
        if (missing++ < 10) {
          ADD_FAILURE() << "acknowledged " << sent.request.request_id()
                        << " (sequence " << sent.result.first_sequence()
                        << ") is not in the log";
        }
        continue;
      }
      const v1::EventEnvelope& envelope = *it->second;
      EXPECT_EQ(envelope.sequence(), sent.result.first_sequence())
          << sent.request.request_id();
      EXPECT_EQ(envelope.event().org_unit_registered().code(),
                sent.request.code())
          << sent.request.request_id();
    }
    EXPECT_EQ(missing, 0) << "acknowledged commands lost in the crash";

    v1::VerifyChainResponse verified;
    ASSERT_TRUE(RpcOk(admin.VerifyChain({}, &verified)));
    EXPECT_TRUE(verified.ok()) << verified.ShortDebugString();
    EXPECT_EQ(verified.head_sequence(), status.head_sequence());
    EXPECT_EQ(verified.verified_through_sequence(), status.head_sequence());
    EXPECT_EQ(verified.head_hash(), status.head_hash());

    // Resending what was acknowledged replays it.
    ExpectAllReplay(admin, state.acked);

    // What was in flight at the kill: written (then it replays) or not
    // (then it is applied now, once).
    int in_flight_written = 0;
    for (const v1::RegisterOrgUnitRequest& request : state.in_flight) {
      v1::RegisterOrgUnitResponse response;
      RpcResult result = admin.RegisterOrgUnit(request, &response);
      ASSERT_TRUE(RpcOk(result)) << request.request_id();
      auto it = by_request.find(request.request_id());
      if (it != by_request.end()) {
        ++in_flight_written;
        EXPECT_TRUE(response.result().replayed()) << request.request_id();
        EXPECT_EQ(response.result().first_sequence(), it->second->sequence());
      } else {
        EXPECT_FALSE(response.result().replayed()) << request.request_id();
        EXPECT_GT(response.result().first_sequence(), status.head_sequence());
      }
      all_acked.push_back({request, response.result()});
    }
    if (HasFatalFailure()) return;
    std::cout << "cycle " << cycle << ": " << in_flight_written << " of "
              << state.in_flight.size()
              << " in-flight requests had been written; log head "
              << HeadSequence(admin) << ", cycle took "
              << std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::steady_clock::now() - cycle_start)
                     .count()
              << " ms" << std::endl;
  }
}

}  // namespace
}  // namespace relief::testing
