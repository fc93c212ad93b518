// relief_bench: how many durable commands per second reliefd takes, and at
// what latency.
//
// Scenarios (each for --seconds, default 5):
//   single-1, single-16, single-64   1, 16, 64 concurrent clients, each
//                                    sending one RegisterOrgUnit per request
//   batch100-1, batch100-4           SubmitCommands with 100 commands
//   batch1000-1, batch1000-4         SubmitCommands with 1,000 commands
//   alloc-single-1, alloc-single-16, alloc-single-64
//                                    AllocateFunds, one per request
//   alloc-batch100-1, alloc-batch1000-1
//                                    SubmitCommands of 100 / 1,000
//                                    AllocateFunds commands
// The plain scenarios register a unit with a unique code under a
// per-scenario root. The alloc scenarios first register a root with
// kAllocationChildren children, receive the largest amount (10 billion yuan
// of donations) at the root, then move 1 yuan at a time from the root to its
// children in turn, as a finance officer the bench creates with the admin
// token. A command counts once the server acknowledged it, which by
// contract means it is synced to disk. Latency is per request (one RPC).
//
// Projection lag: during every scenario a sampler calls GetStatus every
// kLagSampleInterval and records head_sequence minus the slowest
// projection's checkpoint_sequence, in events; the table shows the max and
// p99 of those samples, and how long the projections took, after the load
// stopped, to reach the head as it was then ("catch-up").
//
// Clients are threads with synchronous stubs; every 8 clients share one
// channel (its own TCP connection), so the client side is not the limit.
//
// Usage:
//   relief_bench [--reliefd PATH] [--data-parent DIR] [--seconds N]
//                [--scenarios a,b,...]
//   relief_bench --server HOST:PORT --token-file FILE [...]
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <latch>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "grpcpp/client_context.h"
#include "harness/reliefd_process.h"
#include "relief/v1/ledger_service.grpc.pb.h"
#include "relief/v1/query_service.grpc.pb.h"

namespace relief::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kClientsPerChannel = 8;
constexpr auto kRpcTimeout = std::chrono::seconds(60);
constexpr int kAllocationChildren = 64;
constexpr int64_t kAllocationFen = 100;  // 1 yuan per allocation
constexpr int64_t kLargestAmountFen = 1'000'000'000'000;  // the ledger's limit
constexpr auto kLagSampleInterval = std::chrono::milliseconds(5);
constexpr auto kCatchUpLimit = std::chrono::seconds(120);

struct Scenario {
  std::string name;
  int clients;
  int commands_per_request;
  bool allocate = false;  // AllocateFunds instead of RegisterOrgUnit
};

const std::vector<Scenario>& AllScenarios() {
  static const std::vector<Scenario> scenarios = {
      {"single-1", 1, 1},         {"single-16", 16, 1},
      {"single-64", 64, 1},       {"batch100-1", 1, 100},
      {"batch100-4", 4, 100},     {"batch1000-1", 1, 1000},
      {"batch1000-4", 4, 1000},
      {"alloc-single-1", 1, 1, true},
      {"alloc-single-16", 16, 1, true},
      {"alloc-single-64", 64, 1, true},
      {"alloc-batch100-1", 1, 100, true},
      {"alloc-batch1000-1", 1, 1000, true}};
  return scenarios;
}

struct Flags {
  std::string reliefd = testing::DefaultReliefdPath();
  std::string server;
  std::string token_file;
  std::string data_parent = "/tmp";
  double seconds = 5;
  std::vector<std::string> scenarios;
};

[[noreturn]] void Usage(const std::string& error) {
  if (!error.empty()) std::cerr << "relief_bench: " << error << "\n";
  std::cerr << "usage: relief_bench [--reliefd PATH] [--data-parent DIR] "
               "[--seconds N] [--scenarios a,b,...]\n"
               "       relief_bench --server HOST:PORT --token-file FILE "
               "[--seconds N] [--scenarios a,b,...]\nscenarios:";
  for (const Scenario& scenario : AllScenarios()) std::cerr << " " << scenario.name;
  std::cerr << "\n";
  std::exit(2);
}

Flags ParseFlags(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    if (auto eq = arg.find('='); eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    } else if (arg != "--help" && arg != "-h") {
      if (i + 1 >= argc) Usage(arg + " needs a value");
      value = argv[++i];
    }
    if (arg == "--reliefd") {
      flags.reliefd = value;
    } else if (arg == "--server") {
      flags.server = value;
    } else if (arg == "--data-parent") {
      flags.data_parent = value;
    } else if (arg == "--token-file") {
      flags.token_file = value;
    } else if (arg == "--seconds") {
      char* end = nullptr;
      flags.seconds = std::strtod(value.c_str(), &end);
      if (end == value.c_str() || *end != '\0' || flags.seconds <= 0 ||
          flags.seconds > 3600) {
        Usage("--seconds must be in (0, 3600]");
      }
    } else if (arg == "--scenarios") {
      flags.scenarios = absl::StrSplit(value, ',', absl::SkipEmpty());
    } else if (arg == "--help" || arg == "-h") {
      Usage("");
    } else {
      Usage("unknown flag " + arg);
    }
  }
  if (flags.server.empty() != flags.token_file.empty()) {
    Usage("--server and --token-file go together");
  }
  if (flags.server.empty() && flags.reliefd.empty()) {
    Usage("no reliefd: pass --reliefd or --server");
  }
  return flags;
}

// The file system under `path`, by statfs magic; fsync cost depends on it.
std::string FileSystemType(const std::string& path) {
  struct statfs info {};
  if (statfs(path.c_str(), &info) != 0) return "unknown";
  switch (static_cast<unsigned long>(info.f_type)) {
    case 0xEF53: return "ext2/3/4";
    case 0x58465342: return "xfs";
    case 0x9123683E: return "btrfs";
    case 0x01021994: return "tmpfs (fsync is free: numbers are not durable-disk numbers)";
    case 0x794c7630: return "overlayfs";
    case 0x2FC12FC1: return "zfs";
    default: return absl::StrCat("f_type 0x", absl::Hex(info.f_type));
  }
}

std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      auto colon = line.find(':');
      if (colon != std::string::npos) {
        return std::string(absl::StripAsciiWhitespace(line.substr(colon + 1)));
      }
    }
  }
  return "unknown";
}

void PrintMachine(const std::string& target, const std::string& data_dir) {
  utsname name{};
  uname(&name);
  std::cout << "machine: " << sysconf(_SC_NPROCESSORS_ONLN) << " CPUs online ("
            << std::thread::hardware_concurrency() << " hardware threads), "
            << CpuModel() << "\n"
            << "kernel:  " << name.sysname << " " << name.release << " "
            << name.machine << "\n"
            << "server:  " << target << "\n";
  if (!data_dir.empty()) {
    std::cout << "data:    " << data_dir << " on " << FileSystemType(data_dir)
              << "\n";
  }
  std::cout << std::flush;
}

struct ClientResult {
  uint64_t requests = 0;
  uint64_t commands = 0;
  uint64_t queue_full = 0;
  std::vector<double> latencies_ms;
  std::string error;
};

struct ScenarioResult {
  Scenario scenario;
  double seconds = 0;
  uint64_t requests = 0;
  uint64_t commands = 0;
  uint64_t queue_full = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
  uint64_t head_delta = 0;
  // Projection lag in events (head - slowest checkpoint), sampled.
  uint64_t lag_samples = 0;
  uint64_t lag_max = 0;
  uint64_t lag_p99 = 0;
  double catch_up_ms = -1;  // -1: did not catch up within kCatchUpLimit
  std::vector<std::string> errors;
};

// head_sequence minus the lowest checkpoint_sequence (0 without projections).
uint64_t LagOf(const v1::GetStatusResponse& status) {
  uint64_t lowest = status.head_sequence();
  for (const v1::ProjectionStatus& projection : status.projections()) {
    lowest = std::min<uint64_t>(lowest, projection.checkpoint_sequence());
  }
  return status.head_sequence() - lowest;
}

class Bench {
 public:
  Bench(std::string address, std::string token, std::string run_tag, double seconds)
      : address_(std::move(address)),
        token_(std::move(token)),
        run_tag_(std::move(run_tag)),
        seconds_(seconds) {}

  ScenarioResult Run(const Scenario& scenario, int index) {
    ScenarioResult result;
    result.scenario = scenario;
    const std::string root = absl::StrCat(run_tag_, "s", index);
    std::vector<std::shared_ptr<grpc::Channel>> channels;
    for (int c = 0; c < (scenario.clients + kClientsPerChannel - 1) / kClientsPerChannel; ++c) {
      channels.push_back(testing::MakeChannel(address_, index * 1000 + c));
    }
    auto ledger = v1::LedgerService::NewStub(channels[0]);
    auto query = v1::QueryService::NewStub(channels[0]);
    {
      v1::RegisterOrgUnitRequest request;
      request.set_request_id(absl::StrCat("bench-", root));
      request.set_code(root);
      request.set_name_zh("压测 " + root);
      request.set_level(v1::ORG_LEVEL_PROVINCE);
      v1::RegisterOrgUnitResponse response;
      grpc::ClientContext context;
      Prepare(&context, token_);
      grpc::Status status = ledger->RegisterOrgUnit(&context, request, &response);
      if (!status.ok()) {
        result.errors.push_back("register root: " + status.error_message());
        return result;
      }
    }
    if (scenario.allocate) {
      if (std::string error = PrepareAllocations(ledger.get(), root);
          !error.empty()) {
        result.errors.push_back(error);
        return result;
      }
    }
    // Start from settled projections, so the lag measured is this load's.
    if (WaitForProjections(query.get(), Head(query.get()), Clock::now()) < 0) {
      result.errors.push_back("projections did not settle before the run");
      return result;
    }
    const uint64_t head_before = Head(query.get());
    const std::string& token =
        scenario.allocate ? finance_token_ : token_;

    std::vector<ClientResult> clients(scenario.clients);
    std::latch ready(scenario.clients + 1);
    std::atomic<int64_t> deadline_ns{0};
    std::vector<std::thread> threads;
    for (int c = 0; c < scenario.clients; ++c) {
      threads.emplace_back([&, c] {
        auto stub = v1::LedgerService::NewStub(channels[c / kClientsPerChannel]);
        ClientResult& mine = clients[c];
        mine.latencies_ms.reserve(1 << 16);
        ready.arrive_and_wait();
        const Clock::time_point deadline(
            Clock::duration(deadline_ns.load()));
        for (uint64_t n = 0; Clock::now() < deadline; ++n) {
          std::string prefix = absl::StrCat(root, "-", c, "-", n);
          grpc::Status status;
          double latency_ms = 0;
          if (scenario.allocate && scenario.commands_per_request == 1) {
            v1::AllocateFundsRequest request =
                MakeAllocate(root, prefix, c, n, 0);
            v1::AllocateFundsResponse response;
            status = Timed(&latency_ms, token, [&](grpc::ClientContext* context) {
              return stub->AllocateFunds(context, request, &response);
            });
          } else if (scenario.allocate) {
            v1::SubmitCommandsRequest request;
            for (int k = 0; k < scenario.commands_per_request; ++k) {
              *request.add_commands()->mutable_allocate_funds() =
                  MakeAllocate(root, prefix, c, n, k);
            }
            v1::SubmitCommandsResponse response;
            status = Timed(&latency_ms, token, [&](grpc::ClientContext* context) {
              return stub->SubmitCommands(context, request, &response);
            });
          } else if (scenario.commands_per_request == 1) {
            v1::RegisterOrgUnitRequest request = MakeRegister(root, prefix, c, n, 0);
            v1::RegisterOrgUnitResponse response;
            status = Timed(&latency_ms, token, [&](grpc::ClientContext* context) {
              return stub->RegisterOrgUnit(context, request, &response);
            });
          } else {
            v1::SubmitCommandsRequest request;
            for (int k = 0; k < scenario.commands_per_request; ++k) {
              *request.add_commands()->mutable_register_org_unit() =
                  MakeRegister(root, prefix, c, n, k);
            }
            v1::SubmitCommandsResponse response;
            status = Timed(&latency_ms, token, [&](grpc::ClientContext* context) {
              return stub->SubmitCommands(context, request, &response);
            });
          }
          if (status.ok()) {
            ++mine.requests;
            mine.commands += scenario.commands_per_request;
            mine.latencies_ms.push_back(latency_ms);
          } else if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
            ++mine.queue_full;  // back-pressure: a fresh request follows
          } else {
            mine.error = absl::StrCat("client ", c, ": ", status.error_code(), " ",
                                      status.error_message());
            return;
          }
        }
      });
    }
    // The lag sampler has its own connection, so it does not queue behind
    // the load's requests on theirs.
    std::atomic<bool> load_done{false};
    std::vector<uint64_t> lags;
    std::thread sampler([&] {
      auto sampler_query = v1::QueryService::NewStub(
          testing::MakeChannel(address_, index * 1000 + 999));
      while (!load_done.load()) {
        grpc::ClientContext context;
        Prepare(&context, token_);
        v1::GetStatusResponse status;
        if (sampler_query->GetStatus(&context, {}, &status).ok()) {
          lags.push_back(LagOf(status));
        }
        std::this_thread::sleep_for(kLagSampleInterval);
      }
    });
    const Clock::time_point start = Clock::now();
    deadline_ns = (start + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(seconds_)))
                      .time_since_epoch()
                      .count();
    ready.arrive_and_wait();
    for (std::thread& thread : threads) thread.join();
    result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    const Clock::time_point stopped = Clock::now();
    const uint64_t head_at_stop = Head(query.get());
    load_done = true;
    sampler.join();
    result.catch_up_ms =
        WaitForProjections(query.get(), head_at_stop, stopped);
    std::sort(lags.begin(), lags.end());
    result.lag_samples = lags.size();
    if (!lags.empty()) {
      result.lag_max = lags.back();
      result.lag_p99 = lags[std::min(
          lags.size() - 1,
          static_cast<size_t>(0.99 * static_cast<double>(lags.size() - 1) + 0.5))];
    }

    std::vector<double> latencies;
    for (ClientResult& client : clients) {
      result.requests += client.requests;
      result.commands += client.commands;
      result.queue_full += client.queue_full;
      latencies.insert(latencies.end(), client.latencies_ms.begin(),
                       client.latencies_ms.end());
      if (!client.error.empty()) result.errors.push_back(client.error);
    }
    std::sort(latencies.begin(), latencies.end());
    if (!latencies.empty()) {
      auto at = [&](double q) {
        size_t i = static_cast<size_t>(q * static_cast<double>(latencies.size() - 1) + 0.5);
        return latencies[std::min(i, latencies.size() - 1)];
      };
      result.p50_ms = at(0.50);
      result.p99_ms = at(0.99);
      result.max_ms = latencies.back();
    }
    result.head_delta = Head(query.get()) - head_before;
    return result;
  }

 private:
  void Prepare(grpc::ClientContext* context, const std::string& token) const {
    context->set_deadline(std::chrono::system_clock::now() + kRpcTimeout);
    context->AddMetadata("authorization", "Bearer " + token);
  }

  template <typename Call>
  grpc::Status Timed(double* latency_ms, const std::string& token,
                     Call call) const {
    grpc::ClientContext context;
    Prepare(&context, token);
    const Clock::time_point sent = Clock::now();
    grpc::Status status = call(&context);
    *latency_ms = std::chrono::duration<double, std::milli>(Clock::now() - sent).count();
    return status;
  }

  v1::RegisterOrgUnitRequest MakeRegister(const std::string& root,
                                          const std::string& prefix, int client,
                                          uint64_t n, int k) const {
    v1::RegisterOrgUnitRequest request;
    request.set_request_id(absl::StrCat("bench-", prefix, "-", k));
    request.set_code(absl::StrCat(root, ".c", client, "-", n, "-", k));
    request.set_name_zh(absl::StrCat("基层工会 ", client, "-", n, "-", k));
    request.set_level(v1::ORG_LEVEL_CITY);
    request.set_parent_code(root);
    return request;
  }

  v1::AllocateFundsRequest MakeAllocate(const std::string& root,
                                        const std::string& prefix, int client,
                                        uint64_t n, int k) const {
    v1::AllocateFundsRequest request;
    request.set_request_id(absl::StrCat("bench-", prefix, "-", k));
    request.set_from_unit_code(root);
    request.set_to_unit_code(absl::StrCat(
        root, ".c", (client + n * 7 + static_cast<uint64_t>(k)) %
                        kAllocationChildren));
    request.set_fund_source(v1::FUND_SOURCE_DONATIONS);
    request.set_amount_fen(kAllocationFen);
    request.set_document_number(absl::StrCat("bench ", n, "-", k));
    return request;
  }

  // Creates the finance officer (once), registers the root's children and
  // receives the largest amount at the root. Returns an error text.
  std::string PrepareAllocations(v1::LedgerService::Stub* ledger,
                                 const std::string& root) {
    if (finance_token_.empty()) {
      v1::CreateTokenRequest request;
      request.set_request_id(absl::StrCat("bench-fin-", run_tag_));
      request.set_name(absl::StrCat("bench-fin-", run_tag_));
      request.add_roles(v1::ROLE_FINANCE_OFFICER);
      v1::CreateTokenResponse response;
      grpc::ClientContext context;
      Prepare(&context, token_);
      grpc::Status status = ledger->CreateToken(&context, request, &response);
      if (!status.ok() || response.token().empty()) {
        return "create a finance officer (needs an admin token): " +
               status.error_message();
      }
      finance_token_ = response.token();
    }
    v1::SubmitCommandsRequest children;
    for (int i = 0; i < kAllocationChildren; ++i) {
      v1::RegisterOrgUnitRequest* child =
          children.add_commands()->mutable_register_org_unit();
      child->set_request_id(absl::StrCat("bench-", root, "-child-", i));
      child->set_code(absl::StrCat(root, ".c", i));
      child->set_name_zh(absl::StrCat("基层工会 ", i));
      child->set_level(v1::ORG_LEVEL_CITY);
      child->set_parent_code(root);
    }
    {
      v1::SubmitCommandsResponse response;
      grpc::ClientContext context;
      Prepare(&context, token_);
      grpc::Status status = ledger->SubmitCommands(&context, children, &response);
      if (!status.ok()) return "register children: " + status.error_message();
    }
    v1::ReceiveFundsRequest receive;
    receive.set_request_id(absl::StrCat("bench-", root, "-receive"));
    receive.set_unit_code(root);
    receive.set_fund_source(v1::FUND_SOURCE_DONATIONS);
    receive.set_amount_fen(kLargestAmountFen);
    receive.set_payer("压测捐赠");
    v1::ReceiveFundsResponse response;
    grpc::ClientContext context;
    Prepare(&context, finance_token_);
    grpc::Status status = ledger->ReceiveFunds(&context, receive, &response);
    if (!status.ok()) return "receive at the root: " + status.error_message();
    return "";
  }

  uint64_t Head(v1::QueryService::Stub* query) const {
    grpc::ClientContext context;
    Prepare(&context, token_);
    v1::GetStatusResponse response;
    grpc::Status status = query->GetStatus(&context, {}, &response);
    return status.ok() ? response.head_sequence() : 0;
  }

  // Milliseconds from `start` until every projection's checkpoint reached
  // `target`, or -1 after kCatchUpLimit.
  double WaitForProjections(v1::QueryService::Stub* query, uint64_t target,
                            Clock::time_point start) const {
    while (Clock::now() - start < kCatchUpLimit) {
      grpc::ClientContext context;
      Prepare(&context, token_);
      v1::GetStatusResponse status;
      if (query->GetStatus(&context, {}, &status).ok()) {
        bool reached = true;
        for (const v1::ProjectionStatus& projection : status.projections()) {
          reached &= projection.checkpoint_sequence() >= target;
        }
        if (reached) {
          return std::chrono::duration<double, std::milli>(Clock::now() - start)
              .count();
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return -1;
  }

  std::string address_;
  std::string token_;
  std::string run_tag_;
  double seconds_;
  std::string finance_token_;  // made on the first alloc scenario
};

void PrintTable(const std::vector<ScenarioResult>& results) {
  std::printf("\n%-18s %7s %8s %7s %9s %10s %11s %9s %8s %8s %8s %6s\n",
              "scenario", "clients", "cmds/req", "secs", "requests", "commands",
              "commands/s", "req/s", "p50 ms", "p99 ms", "max ms", "full");
  for (const ScenarioResult& r : results) {
    const double secs = r.seconds > 0 ? r.seconds : 1;
    std::printf("%-18s %7d %8d %7.2f %9llu %10llu %11.0f %9.0f %8.2f %8.2f %8.2f %6llu\n",
                r.scenario.name.c_str(), r.scenario.clients,
                r.scenario.commands_per_request, r.seconds,
                static_cast<unsigned long long>(r.requests),
                static_cast<unsigned long long>(r.commands),
                static_cast<double>(r.commands) / secs,
                static_cast<double>(r.requests) / secs, r.p50_ms, r.p99_ms,
                r.max_ms, static_cast<unsigned long long>(r.queue_full));
  }
  std::printf("\nprojection lag under load (events: head - slowest checkpoint)\n");
  std::printf("%-18s %8s %10s %10s %12s\n", "scenario", "samples", "lag max",
              "lag p99", "catch-up ms");
  for (const ScenarioResult& r : results) {
    std::printf("%-18s %8llu %10llu %10llu %12.1f\n", r.scenario.name.c_str(),
                static_cast<unsigned long long>(r.lag_samples),
                static_cast<unsigned long long>(r.lag_max),
                static_cast<unsigned long long>(r.lag_p99), r.catch_up_ms);
  }
  std::printf(
      "\ncommands/s counts acknowledged (durable) commands; latency is per "
      "request;\n\"full\" counts RESOURCE_EXHAUSTED replies (queue full);\n"
      "lag is sampled every 5 ms by GetStatus; catch-up is the time after the "
      "load\nstopped until every projection reached the head (-1: not within "
      "120 s).\n");
}

int Main(int argc, char** argv) {
  Flags flags = ParseFlags(argc, argv);
  std::vector<Scenario> scenarios;
  if (flags.scenarios.empty()) {
    scenarios = AllScenarios();
  } else {
    for (const std::string& name : flags.scenarios) {
      auto it = std::find_if(AllScenarios().begin(), AllScenarios().end(),
                             [&](const Scenario& s) { return s.name == name; });
      if (it == AllScenarios().end()) Usage("unknown scenario " + name);
      scenarios.push_back(*it);
    }
  }

  std::unique_ptr<testing::ReliefdProcess> server;
  std::string address;
  std::string token;
  if (flags.server.empty()) {
    testing::ReliefdOptions options;
    options.reliefd_path = flags.reliefd;
    options.temp_parent = flags.data_parent;
    server = std::make_unique<testing::ReliefdProcess>(options);
    if (absl::Status started = server->Start(); !started.ok()) {
      std::cerr << "relief_bench: " << started << "\n";
      return 1;
    }
    address = server->address();
    token = server->admin_token();
    PrintMachine(flags.reliefd + " at " + address, server->data_dir());
  } else {
    std::ifstream in(flags.token_file);
    std::string content((std::istreambuf_iterator<char>(in)),
                        std::istreambuf_iterator<char>());
    token = std::string(absl::StripAsciiWhitespace(content));
    if (token.empty()) {
      std::cerr << "relief_bench: no token in " << flags.token_file << "\n";
      return 1;
    }
    address = flags.server;
    PrintMachine(address, "");
  }

  const std::string run_tag =
      absl::StrCat("bench", getpid() % 100000, "t",
                   std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                           .count() %
                       1000000);
  Bench bench(address, token, run_tag, flags.seconds);
  std::vector<ScenarioResult> results;
  bool failed = false;
  for (size_t i = 0; i < scenarios.size(); ++i) {
    std::cout << "running " << scenarios[i].name << " for " << flags.seconds
              << " s ..." << std::endl;
    ScenarioResult result = bench.Run(scenarios[i], static_cast<int>(i));
    for (const std::string& error : result.errors) {
      std::cerr << "  error: " << error << "\n";
      failed = true;
    }
    if (flags.server.empty() && result.head_delta != result.commands) {
      std::cerr << "  warning: head moved by " << result.head_delta << " but "
                << result.commands << " commands were acknowledged\n";
    }
    results.push_back(result);
  }
  PrintTable(results);

  if (server != nullptr) {
    if (absl::Status stopped = server->Stop(); !stopped.ok()) {
      std::cerr << "relief_bench: stopping reliefd: " << stopped << "\n";
      failed = true;
    }
  }
  return failed ? 1 : 0;
}

}  // namespace
}  // namespace relief::bench

int main(int argc, char** argv) { return relief::bench::Main(argc, argv); }
