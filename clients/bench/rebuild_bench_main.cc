// relief_rebuild_bench: how fast every read model is rebuilt from the log,
// in-process, without a server (a program that prints figures, not a test;
// run it under `perf record` to see where the time goes).
//
// Drops every projection in --data-dir (a copy of a ledger: this changes
// it) and rebuilds them from sequence 1 with the same ProjectionRunner
// reliefd uses, --rounds times. --read-ahead-chunks sets the runner's
// Options::read_ahead_chunks (default: the runner's own default), to compare
// read-ahead depths on a given machine.
//
// Usage: relief_rebuild_bench --data-dir DIR [--rounds N]
//                             [--read-ahead-chunks N]
//                             [--catch-up-chunk-events N]
// (--rounds 0: only read and verify the log)
#include <time.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "ledger/store/event_log.h"
#include "projections/all_projections.h"
#include "projections/projection_runner.h"

namespace {

double CpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir;
  int rounds = 1;
  relief::ProjectionRunner::Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--data-dir") {
      dir = value;
    } else if (flag == "--rounds" && absl::SimpleAtoi(value, &rounds) &&
               rounds >= 0) {
    } else if (flag == "--read-ahead-chunks" &&
               absl::SimpleAtoi(value, &options.read_ahead_chunks)) {
    } else if (flag == "--catch-up-chunk-events" &&
               absl::SimpleAtoi(value, &options.catch_up_chunk_events) &&
               options.catch_up_chunk_events > 0) {
    } else {
      dir.clear();
      break;
    }
  }
  if (dir.empty()) {
    std::cerr << "usage: relief_rebuild_bench --data-dir DIR [--rounds N] "
                 "[--read-ahead-chunks N] [--catch-up-chunk-events N]\n"
                 "(DIR is a copy of a ledger: its read models are rebuilt)\n";
    return 2;
  }
  auto log = relief::EventLog::Open(dir);
  if (!log.ok()) {
    std::cerr << log.status() << "\n";
    return 1;
  }
  auto head = (*log)->ReadHead();
  if (!head.ok()) {
    std::cerr << head.status() << "\n";
    return 1;
  }
  {
    // The floor: reading and verifying the log alone.
    const auto wall = std::chrono::steady_clock::now();
    const double cpu = CpuSeconds();
    uint64_t events = 0;
    auto s = (*log)->Scan(1, 0, [&](const relief::v1::EventEnvelope&) {
      ++events;
      return true;
    });
    if (!s.ok()) {
      std::cerr << s << "\n";
      return 1;
    }
    const double seconds = std::chrono::duration<double>(
                               std::chrono::steady_clock::now() - wall)
                               .count();
    std::printf("reading and verifying the log: %llu events in %.2f s: "
                "%.0f events/s (%.2f s of CPU)\n",
                static_cast<unsigned long long>(events), seconds,
                events / seconds, CpuSeconds() - cpu);
  }
  for (int round = 0; round < rounds; ++round) {
    {
      relief::ProjectionRunner dropper((*log).get(), relief::AllProjections());
      for (const auto& p : relief::AllProjections()) {
        if (auto s = dropper.Drop(p->name()); !s.ok()) {
          std::cerr << s << "\n";
          return 1;
        }
      }
    }
    const auto wall = std::chrono::steady_clock::now();
    const double cpu = CpuSeconds();
    relief::ProjectionRunner runner((*log).get(), relief::AllProjections(),
                                    options);
    if (auto s = runner.Start(); !s.ok()) {
      std::cerr << s << "\n";
      return 1;
    }
    runner.Notify(head->sequence);
    const uint64_t reached =
        runner.WaitFor(head->sequence, absl::InfiniteFuture());
    const double seconds = std::chrono::duration<double>(
                               std::chrono::steady_clock::now() - wall)
                               .count();
    const double used = CpuSeconds() - cpu;
    if (reached < head->sequence) {
      std::cerr << runner.health() << "\n";
      return 1;
    }
    runner.Stop();
    std::printf("round %d: %llu events rebuilt in %.2f s: %.0f events/s "
                "(%.2f s of CPU)\n",
                round + 1, static_cast<unsigned long long>(head->sequence),
                seconds, head->sequence / seconds, used);
    // RocksDB compacts the rebuilt rows in the background afterwards (the
    // read models answer meanwhile); wait for it, so rounds do not overlap.
    const auto compaction = std::chrono::steady_clock::now();
    const double compaction_cpu = CpuSeconds();
    auto busy = [&] {
      uint64_t running = 0, pending = 0;
      (*log)->db()->GetIntProperty(
          rocksdb::DB::Properties::kNumRunningCompactions, &running);
      (*log)->db()->GetIntProperty((*log)->projections(),
                                   rocksdb::DB::Properties::kCompactionPending,
                                   &pending);
      return running + pending > 0;
    };
    while (busy()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::printf("  then RocksDB compacted them in the background: %.2f s "
                "(%.2f s of CPU)\n",
                std::chrono::duration<double>(
                    std::chrono::steady_clock::now() - compaction)
                    .count(),
                CpuSeconds() - compaction_cpu);
  }
  return 0;
}
