// reliefd: the relief-fund ledger server.
//
//   reliefd [--config FILE] [--data-dir DIR] [--listen HOST:PORT]
//           [--tls-cert F --tls-key F [--client-ca F]] [--insecure]
//           [--port-file F] ... [--print-config]
//   reliefd [--config FILE] verify [--data-dir DIR]   offline chain check
//   reliefd restore --from BACKUP --data-dir DIR   restore a backup (checked)
//   reliefd verify-backup --from BACKUP  check a backup without restoring it
//
// Every flag is also a key of the --config file (reliefd_config.h); flags
// override the file. Exit: 0 after a graceful stop (or --print-config of a
// valid configuration), 2 for a bad command line or configuration (nothing
// was started), 1 when the server could not start (the ledger itself).
#include <signal.h>

#include <cstdio>
#include <filesystem>
#include <thread>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "ledger/server/reliefd_config.h"
#include "ledger/server/server.h"
#include "ledger/store/backup.h"
#include "ledger/store/event_log.h"
#include "ledger/store/sha256.h"

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

void PrintRestored(const relief::RestoreReport& report) {
  const relief::v1::BackupManifest& m = report.manifest;
  std::printf(
      "backup %s (taken %s%s%s)\n"
      "  files: %d, %llu bytes, each matching its SHA-256 in the manifest\n"
      "  chain: %llu events verified; head sequence %llu hash %s = the "
      "manifest's\n",
      m.name().c_str(), m.created_at().c_str(),
      m.label().empty() ? "" : ", label ", m.label().c_str(), m.files_size(),
      static_cast<unsigned long long>(report.bytes_copied),
      static_cast<unsigned long long>(report.verified_events),
      static_cast<unsigned long long>(m.head_sequence()),
      m.head_hash_hex().c_str());
}

int Restore(const std::string& from, const std::string& data_dir) {
  auto report = relief::RestoreBackup(from, data_dir);
  if (!report.ok()) {
    std::fprintf(stderr,
                 "reliefd restore: REFUSED: %s\nnothing was restored into "
                 "%s\n",
                 std::string(report.status().message()).c_str(),
                 data_dir.c_str());
    return 1;
  }
  PrintRestored(*report);
  std::printf(
      "restored into %s. Start reliefd with --data-dir %s: the read models "
      "and the snapshot come with the backup and catch up from there. "
      "admin.token is not in a backup: use the tokens you have (they are "
      "kept in the ledger)\n",
      report->data_dir.c_str(), report->data_dir.c_str());
  return 0;
}

int VerifyBackupDir(const std::string& from, const std::string& scratch) {
  auto report = relief::VerifyBackup(from, scratch);
  if (!report.ok()) {
    std::fprintf(stderr, "reliefd verify-backup: BAD: %s\n",
                 std::string(report.status().message()).c_str());
    return 1;
  }
  std::printf("ok: ");
  PrintRestored(*report);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "reliefd: the relief-fund ledger server (困难职工帮扶资金台账).\n"
      "Serves gRPC (relief.v1.LedgerService, QueryService, AuditService, "
      "AdminService, "
      "health, reflection) from an append-only, hash-chained event log in "
      "RocksDB."};
  // Every option's default is known, so the effective configuration can
  // print it; options added below are settable from the --config file.
  app.option_defaults()->always_capture_default();
  relief::ServerOptions options;
  bool print_config = false;
  relief::AddConfigFileOptions(app, &print_config);
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

  app.add_option("--backup-dir", options.backup_dir,
                 "directory where AdminService.CreateBackup (reliefctl "
                 "backup create) writes backups, one subdirectory each; "
                 "without it backups are refused");

  // The subcommands' --data-dir defaults to the server's (from --config or
  // the flag before the subcommand): `reliefd --config F verify`.
  std::string verify_dir;
  CLI::App* verify = app.add_subcommand(
      "verify",
      "check the hash chain of a stopped server's data offline; exit 0 if "
      "intact, 1 naming the first bad sequence, 2 if it cannot be read");
  verify->add_option("--data-dir", verify_dir,
                     "ledger data directory (default: the server's)");
  std::string rebuild_dir;
  CLI::App* rebuild = app.add_subcommand(
      "rebuild-projections",
      "drop every read model of a stopped server's data; the next start "
      "rebuilds them from the log");
  rebuild->add_option("--data-dir", rebuild_dir,
                      "ledger data directory (default: the server's)");
  std::string restore_from;
  std::string restore_dir;
  CLI::App* restore = app.add_subcommand(
      "restore",
      "restore a backup into a new or empty data dir, after checking its "
      "files against the manifest and its whole hash chain; refuses (exit 1, "
      "nothing left in the target) a backup that does not verify");
  restore->add_option("--from", restore_from, "the backup directory")
      ->required();
  restore->add_option("--data-dir", restore_dir,
                      "the data dir to create (must be missing or empty)")
      ->required();
  std::string check_from;
  std::string check_scratch =
      std::filesystem::temp_directory_path().string();
  CLI::App* verify_backup = app.add_subcommand(
      "verify-backup",
      "check a backup without restoring it: its files against the manifest "
      "and its whole hash chain, in a scratch copy that is removed; exit 0 "
      "if good, 1 if not");
  verify_backup->add_option("--from", check_from, "the backup directory")
      ->required();
  verify_backup
      ->add_option("--scratch-dir", check_scratch,
                   "where the scratch copy is made (needs the backup's size)")
      ->capture_default_str();

  absl::StatusOr<relief::CommandLineSources> sources;
  try {
    sources = relief::ParseCommandLineAndConfig(app, argc, argv);
  } catch (const CLI::ParseError& help) {
    return app.exit(help);
  }
  if (!sources.ok()) {
    std::fprintf(stderr, "reliefd: cannot start: %s\n(reliefd --help lists "
                 "every option; docs/operations.md, \"Configuration\")\n",
                 std::string(sources.status().message()).c_str());
    return 2;
  }
  if (*verify) return Verify(verify_dir.empty() ? options.data_dir : verify_dir);
  if (*restore) return Restore(restore_from, restore_dir);
  if (*verify_backup) return VerifyBackupDir(check_from, check_scratch);
  if (*rebuild) {
    return RebuildProjections(rebuild_dir.empty() ? options.data_dir
                                                  : rebuild_dir);
  }
  if (auto s = relief::ValidateServerOptions(options); !s.ok()) {
    std::fprintf(stderr, "reliefd: cannot start: %s\n",
                 relief::AttributeError(s.message(), *sources).c_str());
    return 2;
  }
  const std::string config =
      relief::FormatConfig(relief::EffectiveConfig(app, *sources), *sources);
  if (print_config) {
    std::fputs(config.c_str(), stdout);
    return 0;
  }
  std::string indented;
  for (absl::string_view line : absl::StrSplit(config, '\n', absl::SkipEmpty())) {
    absl::StrAppend(&indented, "  ", line, "\n");
  }
  std::fprintf(stderr, "reliefd: configuration:\n%s", indented.c_str());

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
