// Backups of the ledger: an online, consistent copy of a running server's
// data, and the offline restore that checks it before it counts.
//
// Layout of one backup (also in docs/formats.md):
//
//   <backup-dir>/<name>/               mode 0700
//     manifest.json    relief.v1.BackupManifest as protobuf JSON; written
//                      last, atomically (tmp + fsync + rename): a backup
//                      without it is incomplete and is never restored
//     ledger/          a RocksDB checkpoint of the data dir: every column
//                      family (events, requests, meta with the snapshot,
//                      projections with their checkpoints) at one point
//     national_id.key  the national-ID HMAC key, if the data dir has one
//   name := <UTC yyyymmddThhmmssZ> "-seq" <head sequence> ["-" <label>]
//
// While it is being written a backup lives in <backup-dir>/.partial-<...>;
// it is renamed to its name only once the manifest is in it.
//
// Consistency: the checkpoint is one point of the database; the manifest's
// head is read from the checkpoint itself (the whole chain verified on the
// way), never from the live log, so no commit can race it.
//
// Files are 0600, directories 0700. On the data dir's own file system the
// checkpoint hard-links the (immutable) table files: instant and free, but
// it shares the disk; copy backups off the machine.
//
// admin.token is never copied: the ledger stores tokens hashed, and a
// restored server keeps every principal and token.
//
// Thread-safety: the functions are thread-safe with respect to the EventLog;
// callers run one CreateBackup at a time per backup dir.
#ifndef RELIEF_LEDGER_STORE_BACKUP_H_
#define RELIEF_LEDGER_STORE_BACKUP_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ledger/store/event_log.h"
#include "relief/v1/admin_service.pb.h"

namespace relief {

inline constexpr char kBackupFormat[] = "relief-backup-v1";
inline constexpr char kBackupManifestFile[] = "manifest.json";
inline constexpr char kBackupLedgerDir[] = "ledger";
inline constexpr char kBackupPartialPrefix[] = ".partial-";
// A label: short, and safe in a file name on every system.
inline constexpr size_t kMaxBackupLabelChars = 40;

// INVALID_ARGUMENT (FIELD_INVALID) unless empty or 1..40 of [A-Za-z0-9._-]
// not starting with '.' or '-'.
absl::Status ValidateBackupLabel(absl::string_view label);

struct BackupRequest {
  // Where backups go (created 0700 if missing).
  std::string backup_root;
  // The live data dir, for the files beside the database.
  std::string data_dir;
  // Files of the data dir copied when present (e.g. "national_id.key").
  std::vector<std::string> data_files;
  std::string label;  // REQUIRES: ValidateBackupLabel(label).ok()
  int64_t now_unix_micros = 0;
};

struct BackupResult {
  v1::BackupManifest manifest;
  std::string path;  // the backup directory
};

// Takes a checkpoint of `log`'s database, verifies its chain, copies the
// data files, lists every file with size and SHA-256, writes the manifest
// and renames the backup into place. On failure removes what it wrote.
// Errors: UNAVAILABLE (STORAGE_ERROR) for file system failures, DATA_LOSS
// (CHAIN_BROKEN) when the checkpoint's chain does not verify.
absl::StatusOr<BackupResult> CreateBackup(const EventLog& log,
                                          const BackupRequest& request);

absl::StatusOr<v1::BackupManifest> ReadBackupManifest(
    const std::string& backup_dir);

struct RestoreReport {
  v1::BackupManifest manifest;
  uint64_t verified_events = 0;
  std::string data_dir;
  uint64_t bytes_copied = 0;
};

// Restores `backup_dir` into `data_dir`, which must be missing or an empty
// directory. Checks, before anything is in place: the manifest is whole and
// of a known format; the backup holds exactly the files it lists, each with
// its size and SHA-256; the restored log's whole hash chain verifies and its
// head is the manifest's sequence and hash. Works in a temporary directory
// beside `data_dir` and renames it into place at the end, so a refused or
// failed restore leaves nothing behind. FAILED_PRECONDITION for a target
// that is not empty or a backup that is incomplete, DATA_LOSS for a backup
// that does not match its manifest or whose chain does not verify.
absl::StatusOr<RestoreReport> RestoreBackup(const std::string& backup_dir,
                                            const std::string& data_dir);

// The same checks without restoring: restores into a scratch directory
// under `scratch_parent` and removes it.
absl::StatusOr<RestoreReport> VerifyBackup(const std::string& backup_dir,
                                           const std::string& scratch_parent);

}  // namespace relief

#endif  // RELIEF_LEDGER_STORE_BACKUP_H_
