#include "ledger/server/admin_service.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "ledger/domain/rejection.h"
#include "ledger/store/backup.h"
#include "ledger/store/sha256.h"

namespace relief {

grpc::Status AdminServiceImpl::CreateBackup(
    grpc::ServerContext* context, const v1::CreateBackupRequest* request,
    v1::CreateBackupResponse* response) {
  auto principal = directory_->Authenticate(*context);
  if (!principal.ok()) return ToGrpcStatus(principal.status(), context);
  if (auto s = PrincipalDirectory::Require(*principal, {v1::ROLE_ADMIN},
                                           "create a backup");
      !s.ok()) {
    return ToGrpcStatus(s, context);
  }
  if (auto s = ValidateBackupLabel(request->label()); !s.ok()) {
    return ToGrpcStatus(s, context);
  }
  if (backup_dir_.empty()) {
    return ToGrpcStatus(
        FailedPrecondition(
            v1::BACKUP_NOT_CONFIGURED,
            "this reliefd has no backup directory: start it with "
            "--backup-dir DIR (a directory on another disk than the data "
            "dir, writable by reliefd), then ask again; nothing was "
            "written"),
        context);
  }
  bool idle = false;
  if (!backing_up_.compare_exchange_strong(idle, true)) {
    return ToGrpcStatus(
        Reject(absl::StatusCode::kResourceExhausted, v1::BACKUP_RUNNING,
               "another backup is being written; one runs at a time. Retry "
               "when it has finished"),
        context);
  }
  struct Release {
    std::atomic<bool>* flag;
    ~Release() { flag->store(false); }
  } release{&backing_up_};

  BackupRequest backup;
  backup.backup_root = backup_dir_;
  backup.data_dir = data_dir_;
  backup.data_files = data_files_;
  backup.label = request->label();
  backup.now_unix_micros = clock_();
  auto result = relief::CreateBackup(*log_, backup);
  if (!result.ok()) {
    std::fprintf(stderr, "reliefd: backup by %s failed: %s\n",
                 principal->name.c_str(),
                 std::string(result.status().message()).c_str());
    return ToGrpcStatus(result.status(), context);
  }
  std::fprintf(stderr,
               "reliefd: backup by %s: %s (head sequence %llu, %llu bytes)\n",
               principal->name.c_str(), result->path.c_str(),
               static_cast<unsigned long long>(result->manifest.head_sequence()),
               static_cast<unsigned long long>(result->manifest.total_bytes()));
  *response->mutable_manifest() = std::move(result->manifest);
  response->set_path(result->path);
  return grpc::Status::OK;
}

}  // namespace relief
