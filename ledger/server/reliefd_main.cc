// reliefd: the relief-fund ledger server.
//
//   reliefd [--data-dir DIR] [--listen HOST:PORT] [--tls-cert F --tls-key F
//           [--client-ca F]] [--insecure] [--port-file F] ...
//   reliefd verify --data-dir DIR      offline chain check of a stopped server
#include <signal.h>

#include <cstdio>
#include <thread>

#include "CLI/CLI.hpp"
#include "ledger/server/server.h"
#include "ledger/store/event_log.h"
#include "ledger/store/sha256.h"
#include "ledger/server/server.h"

namespace {

int Verify(const std::string& data_dir) {
  auto log = relief::EventLog::Open(data_dir, relief::OpenMode::kReadOnly);
  if (!log.ok()) {
    std::fprintf(stderr, "reliefd verify: %s\n",
                 std::string(log.status().message()).c_str());
    return 2;
  }
  relief::VerifyReport report = (*log)->Verify();
  if (report.ok) {
    std::printf("ok: %llu events verified; head sequence %llu hash %s\n",
                static_cast<unsigned long long>(report.verified_through),
                static_cast<unsigned long long>(report.head.sequence),
                relief::ToHex(report.head.hash).c_str());
    return 0;
  }
  std::printf(
      "BROKEN: first bad sequence %llu: %s\n"
      "verified through sequence %llu; stored head is %llu\n",
      static_cast<unsigned long long>(report.first_bad_sequence),
      report.problem.c_str(),
      static_cast<unsigned long long>(report.verified_through),
      static_cast<unsigned long long>(report.head.sequence));
  return 1;
}

int RebuildProjections(const std::string& data_dir) {
  auto log = relief::EventLog::Open(data_dir, relief::OpenMode::kReadOnly);
  if (!log.ok()) {
    std::fprintf(stderr, "reliefd rebuild-projections: %s\n",
                 std::string(log.status().message()).c_str());
    return 2;
  }
  log->reset();
  absl::Status s = relief::DropAllProjections(data_dir);
  if (!s.ok()) {
    std::fprintf(stderr, "reliefd rebuild-projections: %s\n",
                 std::string(s.message()).c_str());
    return 2;
  }
  std::printf("dropped every read model in %s; the next start of reliefd "
              "rebuilds them from sequence 1 (queries wait for them with "
              "min_sequence)\n",
              data_dir.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "reliefd: the relief-fund ledger server (困难职工帮扶资金台账).\n"
      "Serves gRPC (relief.v1.LedgerService, QueryService, AuditService, "
      "health, reflection) from an append-only, hash-chained event log in "
      "RocksDB."};
  relief::ServerOptions options;
  app.add_option("--data-dir", options.data_dir,
                 "ledger data directory (created if missing)")
      ->capture_default_str();
  app.add_option("--listen", options.listen, "address to listen on")
      ->capture_default_str();
  app.add_option("--port-file", options.port_file,
                 "write the bound port here once serving (for --listen :0)");
  app.add_option("--tls-cert", options.tls_cert, "server certificate (PEM)");
  app.add_option("--tls-key", options.tls_key, "server private key (PEM)");
  app.add_option("--client-ca", options.client_ca,
                 "require client certificates signed by this CA (PEM)");
  app.add_flag("--insecure", options.insecure,
               "allow plaintext on a non-loopback address");
  app.add_option("--queue-capacity", options.writer.queue_capacity_commands,
                 "commands that may wait for the writer")
      ->capture_default_str()
      ->check(CLI::Range(1, 10'000'000));
  app.add_option("--max-group", options.writer.max_group_commands,
                 "commands per group commit (one fsync)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1'000'000));
  app.add_option("--snapshot-every", options.writer.snapshot_every_events,
                 "write a snapshot of the write model every N events")
      ->capture_default_str()
      ->check(CLI::Range(1, 1'000'000'000));

  app.add_option("--subscriber-max-lag", options.subscriber_max_lag,
                 "end a live AuditService.Subscribe stream that falls this "
                 "many events behind the head (it may resume)")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{1'000'000'000}));

  app.add_option("--writer-stall-timeout-seconds",
                 options.writer_stall_timeout_seconds,
                 "health says NOT_SERVING while commands wait and the writer "
                 "has committed nothing for this long (SERVING again once it "
                 "moves)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{86400}));

  std::string verify_dir = "./data";
  CLI::App* verify = app.add_subcommand(
      "verify",
      "check the hash chain of a stopped server's data offline; exit 0 if "
      "intact, 1 naming the first bad sequence, 2 if it cannot be read");
  verify->add_option("--data-dir", verify_dir, "ledger data directory")
      ->capture_default_str();
  std::string rebuild_dir = "./data";
  CLI::App* rebuild = app.add_subcommand(
      "rebuild-projections",
      "drop every read model of a stopped server's data; the next start "
      "rebuilds them from the log");
  rebuild->add_option("--data-dir", rebuild_dir, "ledger data directory")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  if (*verify) return Verify(verify_dir);
  if (*rebuild) return RebuildProjections(rebuild_dir);

  // Signals are taken by one thread with sigwait, never in a handler.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto server = relief::ReliefServer::Start(options);
  if (!server.ok()) {
    std::fprintf(stderr, "reliefd: cannot start: %s\n",
                 std::string(server.status().message()).c_str());
    return 1;
  }
  std::fprintf(stderr, "reliefd: listening on %s (port %d), data in %s\n",
               options.listen.c_str(), (*server)->port(),
               options.data_dir.c_str());
  std::thread waiter([&] {
    int signal_number = 0;
    sigwait(&signals, &signal_number);
    std::fprintf(stderr, "reliefd: signal %d: finishing accepted commands, "
                 "writing a snapshot, stopping\n", signal_number);
    (*server)->Shutdown();
  });
  (*server)->Wait();
  waiter.join();
  server->reset();
  std::fprintf(stderr, "reliefd: stopped\n");
  return 0;
}
