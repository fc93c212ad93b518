// AdminService: operating the server (backups). Admin role only.
//
// Synchronous gRPC API on purpose: a backup copies and hashes the whole
// ledger, and the sync API gives the call its own thread from gRPC's pool
// instead of blocking a shared event-loop thread.
//
// Thread-safety: one backup at a time (a second concurrent call is
// RESOURCE_EXHAUSTED / BACKUP_RUNNING); otherwise thread-safe.
#ifndef RELIEF_LEDGER_SERVER_ADMIN_SERVICE_H_
#define RELIEF_LEDGER_SERVER_ADMIN_SERVICE_H_

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "ledger/server/auth.h"
#include "ledger/store/event_log.h"
#include "relief/v1/admin_service.grpc.pb.h"

namespace relief {

class AdminServiceImpl final : public v1::AdminService::Service {
 public:
  // `log` and `directory` must outlive the service. An empty `backup_dir`
  // means backups are not configured. `data_files` are the files of the
  // data dir a backup carries (the national-ID key).
  AdminServiceImpl(const EventLog* log, const PrincipalDirectory* directory,
                   std::string data_dir, std::string backup_dir,
                   std::vector<std::string> data_files,
                   std::function<int64_t()> clock)
      : log_(log), directory_(directory), data_dir_(std::move(data_dir)),
        backup_dir_(std::move(backup_dir)),
        data_files_(std::move(data_files)), clock_(std::move(clock)) {}

  grpc::Status CreateBackup(grpc::ServerContext* context,
                            const v1::CreateBackupRequest* request,
                            v1::CreateBackupResponse* response) override;

 private:
  const EventLog* const log_;
  const PrincipalDirectory* const directory_;
  const std::string data_dir_;
  const std::string backup_dir_;
  const std::vector<std::string> data_files_;
  const std::function<int64_t()> clock_;
  std::atomic<bool> backing_up_{false};
};

}  // namespace relief

#endif  // RELIEF_LEDGER_SERVER_ADMIN_SERVICE_H_
