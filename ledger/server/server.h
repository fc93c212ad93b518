// ReliefServer: everything reliefd runs, wired together.
//
//   EventLog (RocksDB) <- Writer (one thread) -> PrincipalDirectory
//                                            -> ProjectionRunner (one thread)
//   gRPC: LedgerService (callback), QueryService + AuditService +
//         AdminService (sync), grpc.health.v1 and server reflection.
//
// Start-up: open the log, load the snapshot, replay the tail, catch the
// projections up in the background, issue the first admin token if there is
// no principal yet, then listen. Shutdown: refuse new commands, finish those
// accepted, snapshot, stop the server, let projections catch up, close.
#ifndef RELIEF_LEDGER_SERVER_SERVER_H_
#define RELIEF_LEDGER_SERVER_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/synchronization/notification.h"
#include "grpcpp/server.h"
#include "ledger/observe/metrics.h"
#include "ledger/server/auth.h"
#include "ledger/writer/log_watch.h"
#include "ledger/writer/writer.h"
#include "rocksdb/env.h"

namespace relief {

class ProjectionRunner;
class LedgerServiceImpl;
class QueryServiceImpl;
class AuditServiceImpl;
class AdminServiceImpl;

struct ServerOptions {
  std::string data_dir = "./data";
  std::string listen = "127.0.0.1:50051";
  std::string port_file;  // written (atomically) with the bound port
  std::string tls_cert;   // PEM files; both or neither
  std::string tls_key;
  std::string client_ca;  // if set, clients must present a certificate
  bool insecure = false;  // allow plaintext on a non-loopback address
  WriterOptions writer;
  // A live subscriber this many events behind is ended (it may resume).
  uint64_t subscriber_max_lag = 100000;
  // Where AdminService.CreateBackup writes; empty: backups refused
  // (FAILED_PRECONDITION / BACKUP_NOT_CONFIGURED).
  std::string backup_dir;
  // Test seam, never set by reliefd_main: the RocksDB environment of the
  // ledger (an in-process test injects a failing file system with it).
  std::shared_ptr<rocksdb::Env> env_for_testing;
  // Health says NOT_SERVING while work waits for the writer (queued or in a
  // group) and no group has been committed for this long; SERVING again
  // once one is.
  int64_t writer_stall_timeout_seconds = 30;
  // How often the watchdog looks at the writer.
  int64_t watchdog_interval_millis = 1000;
  // Monotonic microseconds for the watchdog (default: steady clock). Tests
  // pass a fake one.
  std::function<int64_t()> watchdog_clock;
};

// Drops every read model of the ledger in `data_dir` (which must not be in
// use); the next start rebuilds them from sequence 1.
absl::Status DropAllProjections(const std::string& data_dir);

// True for 127.0.0.0/8, [::1] and localhost.
bool IsLoopbackAddress(const std::string& host_port);

// Checks `options` without starting anything: TLS certificate and key given
// together, every file they name readable, plaintext only on loopback (or
// with --insecure), the port file's directory present. Messages name the
// option as its flag (--tls-key). Start() calls it first.
absl::Status ValidateServerOptions(const ServerOptions& options);

class ReliefServer {
 public:
  static absl::StatusOr<std::unique_ptr<ReliefServer>> Start(
      ServerOptions options);
  ~ReliefServer();

  int port() const { return port_; }
  // Test seam: the ledger's storage (e.g. to inject a failing write).
  EventLog* event_log_for_testing() const { return log_.get(); }
  const std::string& admin_token_path() const { return admin_token_path_; }
  // Blocks until Shutdown() is called from another thread.
  void Wait();
  void Shutdown();

 private:
  class Listener;
  class Health;
  ReliefServer() = default;
  absl::Status BootstrapAdmin();
  // The watchdog thread: marks the writer stalled (and back) in health.
  void WatchWriter();

  ServerOptions options_;
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<Health> health_;
  std::unique_ptr<EventLog> log_;
  std::unique_ptr<PrincipalDirectory> directory_;
  std::unique_ptr<ProjectionRunner> runner_;
  LogWatch watch_;  // before the listener, which publishes to it
  std::unique_ptr<Listener> listener_;
  std::unique_ptr<Writer> writer_;
  std::unique_ptr<LedgerServiceImpl> ledger_service_;
  std::unique_ptr<QueryServiceImpl> query_service_;
  std::unique_ptr<AuditServiceImpl> audit_service_;
  std::unique_ptr<AdminServiceImpl> admin_service_;
  std::unique_ptr<grpc::Server> server_;
  absl::Notification stop_watchdog_;
  std::thread watchdog_;
  std::string admin_token_path_;
  int port_ = 0;
  bool shut_down_ = false;
};

}  // namespace relief

#endif  // RELIEF_LEDGER_SERVER_SERVER_H_
