// Graceful shutdown under load. Eight client threads append
// RegisterOrgUnit commands (unique codes, unique request ids) while reliefd
// gets SIGTERM; the threads keep sending until it has exited. Then:
//   - reliefd exited 0 and logged that it finished accepted commands;
//   - every request answered OK is in the log, at the sequence its answer
//     named; every request refused (UNAVAILABLE / SHUTTING_DOWN, or
//     CANCELLED / UNAVAILABLE from gRPC itself while and after the server
//     stops listening) is not: the log holds exactly the answered ones and
//     nothing else;
//   - the restart loads a snapshot at the head and replays 0 events, and
//     the read models' checkpoints read at start are the head ("read
//     models at sequence H (caught up)"): nothing is left to catch up;
//   - GetStatus agrees: snapshot_sequence == head, every projection at head.
#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "harness/test_util.h"

namespace relief::testing {
namespace {

using grpc::StatusCode;

constexpr int kThreads = 8;
// SIGTERM comes after this many answers, so commands are in flight.
constexpr uint64_t kAnswersBeforeStop = 300;
constexpr auto kAnswerWait = std::chrono::seconds(60);

struct Outcomes {
  std::mutex mutex;
  std::map<std::string, uint64_t> answered;  // request id -> first_sequence
  std::set<std::string> refused_shutting_down;
  std::set<std::string> refused_by_transport;
  std::vector<std::string> unexpected;
  std::atomic<uint64_t> answers{0};
  std::atomic<bool> done{false};
};

void ClientThread(std::shared_ptr<grpc::Channel> channel,
                  const std::string& token, int thread, Outcomes* out) {
  ReliefClient client(channel, token);
  client.set_timeout(std::chrono::seconds(30));
  for (int n = 0; !out->done.load(); ++n) {
    const std::string request_id = absl::StrCat("stop-t", thread, "-n", n);
    v1::RegisterOrgUnitResponse response;
    RpcResult result = client.RegisterOrgUnit(
        MakeRegister(request_id, absl::StrCat("nat.t", thread, "n", n),
                     v1::ORG_LEVEL_PROVINCE, "nat"),
        &response);
    std::lock_guard<std::mutex> lock(out->mutex);
    if (result.ok()) {
      out->answered[request_id] = response.result().first_sequence();
      out->answers.fetch_add(1);
    } else if (result.status.error_code() == StatusCode::UNAVAILABLE &&
               result.reason == "SHUTTING_DOWN") {
      out->refused_shutting_down.insert(request_id);
    } else if (result.status.error_code() == StatusCode::CANCELLED &&
               result.reason.empty()) {
      // gRPC cancels calls that reach the server while it stops, before any
      // handler runs (the writer stopped first, so nothing can be written).
      out->refused_by_transport.insert(request_id);
    } else if (result.status.error_code() == StatusCode::UNAVAILABLE &&
               result.reason.empty()) {
      // The server no longer listens (or is gone): nothing more to send.
      out->refused_by_transport.insert(request_id);
      return;
    } else {
      out->unexpected.push_back(
          absl::StrCat(request_id, ": ", ::testing::PrintToString(result)));
      return;
    }
  }
}

// The server log written since the last "==== start:" banner.
std::string LastStartLog(const ReliefdProcess& server) {
  std::ifstream in(server.log_path());
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string log = buffer.str();
  const size_t at = log.rfind("==== start:");
  return at == std::string::npos ? log : log.substr(at);
}

TEST(ShutdownTest, SigtermFinishesAcceptedCommandsAndRestartReplaysNothing) {
  ReliefdProcess server;
  RELIEF_ASSERT_OK(server.Start());
  {
    ReliefClient admin(server.channel(), server.admin_token());
    ASSERT_GT(Register(admin, "nat", v1::ORG_LEVEL_NATIONAL, ""), 0u);
  }
  const uint64_t head_before_load = [&] {
    ReliefClient admin(server.channel(), server.admin_token());
    return HeadSequence(admin);
  }();

  Outcomes outcomes;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back(ClientThread, MakeChannel(server.address(), t + 1),
                         server.admin_token(), t, &outcomes);
  }
  const auto deadline = std::chrono::steady_clock::now() + kAnswerWait;
  while (outcomes.answers.load() < kAnswersBeforeStop &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  ASSERT_GE(outcomes.answers.load(), kAnswersBeforeStop)
      << server.LogTail();
  // SIGTERM while the threads keep sending; Stop() waits for exit code 0.
  const absl::Status stopped = server.Stop();
  outcomes.done = true;
  for (auto& t : threads) t.join();
  RELIEF_ASSERT_OK(stopped);
  ASSERT_TRUE(outcomes.unexpected.empty())
      << outcomes.unexpected.front() << "\n" << server.LogTail();
  const std::string first_log = LastStartLog(server);
  EXPECT_NE(first_log.find("finishing accepted commands"), std::string::npos)
      << first_log;
  EXPECT_NE(first_log.find("reliefd: stopped"), std::string::npos)
      << first_log;
  std::cout << "answered " << outcomes.answered.size()
            << ", refused SHUTTING_DOWN " << outcomes.refused_shutting_down.size()
            << ", refused by the transport "
            << outcomes.refused_by_transport.size() << "\n";

  RELIEF_ASSERT_OK(server.Start());
  ReliefClient admin(server.channel(), server.admin_token());
  const v1::GetStatusResponse status = Status(admin);
  const uint64_t head = status.head_sequence();

  // The log holds exactly the answered commands, each where its answer said.
  EXPECT_EQ(head, head_before_load + outcomes.answered.size());
  std::map<std::string, uint64_t> logged;
  for (const v1::EventEnvelope& e : ListAllEvents(admin)) {
    if (e.request_id().rfind("stop-", 0) == 0) {
      logged[e.request_id()] = e.sequence();
    }
  }
  EXPECT_EQ(logged, outcomes.answered)
      << "the log must hold every answered request and no other";
  for (const std::string& id : outcomes.refused_shutting_down) {
    EXPECT_EQ(logged.count(id), 0u) << id << " was refused but is in the log";
  }
  for (const std::string& id : outcomes.refused_by_transport) {
    EXPECT_EQ(logged.count(id), 0u) << id << " failed but is in the log";
  }

  // The restart started from a snapshot at the head, replayed nothing, and
  // found the read models' checkpoints at the head.
  const std::string log = LastStartLog(server);
  const std::string head_text = absl::StrCat(head);
  EXPECT_NE(log.find(absl::StrCat("reliefd: ledger at sequence ", head_text,
                                  " (snapshot at ", head_text,
                                  ", 0 events replayed)")),
            std::string::npos)
      << log;
  EXPECT_NE(log.find(absl::StrCat("reliefd: read models at sequence ",
                                  head_text, " (caught up)")),
            std::string::npos)
      << log;
  EXPECT_EQ(status.snapshot_sequence(), head);
  ASSERT_GT(status.projections_size(), 0);
  for (const v1::ProjectionStatus& p : status.projections()) {
    EXPECT_EQ(p.checkpoint_sequence(), head) << p.name();
  }

  // Refused commands are simply sent again with the same request id.
  if (!outcomes.refused_shutting_down.empty()) {
    const std::string id = *outcomes.refused_shutting_down.begin();
    v1::RegisterOrgUnitResponse response;
    const std::string code =
        absl::StrCat("nat.", id.substr(5, id.find("-n") - 5), "n",
                     id.substr(id.find("-n") + 2));
    ASSERT_TRUE(RpcOk(admin.RegisterOrgUnit(
        MakeRegister(id, code, v1::ORG_LEVEL_PROVINCE, "nat"), &response)));
    EXPECT_FALSE(response.result().replayed());
    EXPECT_EQ(response.result().first_sequence(), head + 1);
  }
  RELIEF_ASSERT_OK(server.Stop());
}

}  // namespace
}  // namespace relief::testing
