#include "ledger/store/backup.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "google/protobuf/util/json_util.h"
#include "ledger/domain/rejection.h"
#include "ledger/store/sha256.h"
#include "rocksdb/utilities/checkpoint.h"
#include "rocksdb/version.h"

namespace relief {
namespace {

namespace fs = std::filesystem;

constexpr char kLedgerFormat[] = "relief-ledger-v1";
constexpr size_t kCopyChunkBytes = 1 << 20;

absl::Status StorageError(absl::string_view message) {
  return Reject(absl::StatusCode::kUnavailable, v1::STORAGE_ERROR, message);
}

absl::Status Errno(absl::string_view what, const fs::path& path) {
  const int error = errno;
  std::string message =
      absl::StrCat(what, " ", path.string(), ": ", std::strerror(error));
  if (error == ENOSPC) {
    absl::StrAppend(&message, " (the disk is full: free space there)");
  }
  return StorageError(message);
}

absl::Status Mismatch(absl::string_view message) {
  return Reject(absl::StatusCode::kDataLoss, v1::CHAIN_BROKEN,
                absl::StrCat(message,
                             "; the backup was altered or damaged: restore "
                             "from another backup"));
}

absl::Status SyncDir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open the directory", dir);
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return Errno("cannot sync the directory", dir);
  return absl::OkStatus();
}

// Streaming SHA-256 (OpenSSL EVP).
class Sha256Stream {
 public:
  Sha256Stream() : context_(EVP_MD_CTX_new()) {
    EVP_DigestInit_ex(context_, EVP_sha256(), nullptr);
  }
  ~Sha256Stream() { EVP_MD_CTX_free(context_); }
  void Update(const char* data, size_t size) {
    EVP_DigestUpdate(context_, data, size);
  }
  std::string FinishHex() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(context_, digest, &length);
    return ToHex(absl::string_view(reinterpret_cast<const char*>(digest),
                                   length));
  }

 private:
  EVP_MD_CTX* context_;
};

struct FileDigest {
  uint64_t size_bytes = 0;
  std::string sha256_hex;
};

// Reads `source` once: hashes it and, when `target` is not empty, copies it
// there (created with `mode`, synced).
absl::StatusOr<FileDigest> HashAndCopy(const fs::path& source,
                                       const fs::path& target, mode_t mode) {
  int in = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return Errno("cannot read", source);
  int out = -1;
  if (!target.empty()) {
    out = ::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (out < 0) {
      absl::Status s = Errno("cannot create", target);
      ::close(in);
      return s;
    }
  }
  auto close_both = [&] {
    ::close(in);
    if (out >= 0) ::close(out);
  };
  Sha256Stream sha;
  FileDigest digest;
  std::unique_ptr<char[]> buffer(new char[kCopyChunkBytes]);
  while (true) {
    const ssize_t n = ::read(in, buffer.get(), kCopyChunkBytes);
    if (n < 0) {
      if (errno == EINTR) continue;
      absl::Status s = Errno("cannot read", source);
      close_both();
      return s;
    }
    if (n == 0) break;
    sha.Update(buffer.get(), static_cast<size_t>(n));
    digest.size_bytes += static_cast<uint64_t>(n);
    for (ssize_t done = 0; out >= 0 && done < n;) {
      const ssize_t w = ::write(out, buffer.get() + done, n - done);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        absl::Status s = Errno("cannot write", target);
        close_both();
        return s;
      }
      done += w;
    }
  }
  if (out >= 0 && ::fsync(out) != 0) {
    absl::Status s = Errno("cannot sync", target);
    close_both();
    return s;
  }
  close_both();
  digest.sha256_hex = sha.FinishHex();
  return digest;
}

absl::Status WriteFileDurably(const fs::path& path, const std::string& content,
                              mode_t mode) {
  const fs::path tmp = path.string() + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Errno("cannot create", tmp);
  const bool ok = ::write(fd, content.data(), content.size()) ==
                      static_cast<ssize_t>(content.size()) &&
                  ::fsync(fd) == 0;
  if (!ok) {
    absl::Status s = Errno("cannot write", tmp);
    ::close(fd);
    return s;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return Errno("cannot rename into place", path);
  }
  return SyncDir(path.parent_path());
}

// Every regular file under `dir`, relative, '/'-separated, sorted; the
// manifest (and its temporary) excluded. Anything else (a symlink, a
// device) is an error: a backup holds files and directories only.
absl::StatusOr<std::vector<std::string>> ListFiles(const fs::path& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    const fs::file_status status = it->symlink_status(ec);
    if (ec) break;
    const std::string relative =
        it->path().lexically_relative(dir).generic_string();
    if (fs::is_directory(status)) continue;
    if (!fs::is_regular_file(status)) {
      return Mismatch(absl::StrCat(relative, " is not a regular file"));
    }
    if (relative == kBackupManifestFile ||
        relative == absl::StrCat(kBackupManifestFile, ".tmp")) {
      continue;
    }
    files.push_back(relative);
  }
  if (ec) {
    return StorageError(
        absl::StrCat("cannot list ", dir.string(), ": ", ec.message()));
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Directories 0700, files 0600, under and including `dir`.
absl::Status RestrictModes(const fs::path& dir) {
  std::error_code ec;
  fs::permissions(dir, fs::perms::owner_all, ec);
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    const bool is_dir = it->is_directory(ec);
    if (ec) break;
    fs::permissions(it->path(),
                    is_dir ? fs::perms::owner_all
                           : fs::perms::owner_read | fs::perms::owner_write,
                    ec);
    if (ec) break;
  }
  if (ec) {
    return StorageError(absl::StrCat("cannot restrict the modes under ",
                                     dir.string(), ": ", ec.message()));
  }
  return absl::OkStatus();
}

// Removes a directory on scope exit unless released.
class RemoveOnExit {
 public:
  explicit RemoveOnExit(fs::path path) : path_(std::move(path)) {}
  ~RemoveOnExit() {
    if (path_.empty()) return;
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  void Release() { path_.clear(); }

 private:
  fs::path path_;
};

std::string RocksDbVersion() {
  return absl::StrCat(ROCKSDB_MAJOR, ".", ROCKSDB_MINOR, ".", ROCKSDB_PATCH);
}

std::string UniqueSuffix() {
  static std::atomic<uint64_t> counter{0};
  return absl::StrCat(::getpid(), "-", counter.fetch_add(1), "-",
                      ToHex(RandomBytes(4)));
}

absl::StatusOr<std::string> ManifestJson(const v1::BackupManifest& manifest) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string json;
  auto s = google::protobuf::util::MessageToJsonString(manifest, &json, options);
  if (!s.ok()) {
    return Reject(absl::StatusCode::kInternal, v1::INTERNAL_ERROR,
                  absl::StrCat("cannot encode the manifest: ", s.ToString()));
  }
  return json;
}

}  // namespace

absl::Status ValidateBackupLabel(absl::string_view label) {
  if (label.empty()) return absl::OkStatus();
  bool ok = label.size() <= kMaxBackupLabelChars && label[0] != '.' &&
            label[0] != '-';
  for (char c : label) {
    ok = ok && (absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
                c == '.' || c == '_' || c == '-');
  }
  if (!ok) {
    return InvalidArgument(
        v1::FIELD_INVALID,
        absl::StrCat("label must be 1..", kMaxBackupLabelChars,
                     " characters of A-Z a-z 0-9 . _ - and not start with "
                     "'.' or '-' (it becomes part of a directory name); "
                     "nothing was written"));
  }
  return absl::OkStatus();
}

absl::StatusOr<BackupResult> CreateBackup(const EventLog& log,
                                          const BackupRequest& request) {
  RELIEF_RETURN_IF_ERROR(ValidateBackupLabel(request.label));
  const fs::path root = fs::absolute(request.backup_root).lexically_normal();
  std::error_code ec;
  if (!fs::exists(root, ec)) {
    fs::create_directories(root, ec);
    if (ec) {
      return StorageError(absl::StrCat("cannot create the backup dir ",
                                       root.string(), ": ", ec.message()));
    }
    fs::permissions(root, fs::perms::owner_all, ec);
  } else if (!fs::is_directory(root, ec)) {
    return StorageError(absl::StrCat("the backup dir ", root.string(),
                                     " is not a directory"));
  }
  const absl::Time now = absl::FromUnixMicros(request.now_unix_micros);
  const std::string stamp =
      absl::FormatTime("%Y%m%dT%H%M%SZ", now, absl::UTCTimeZone());
  const fs::path partial =
      root / absl::StrCat(kBackupPartialPrefix, stamp, "-", UniqueSuffix());
  if (!fs::create_directory(partial, ec) || ec) {
    return StorageError(absl::StrCat("cannot create ", partial.string(), ": ",
                                     ec ? ec.message() : "it exists"));
  }
  RemoveOnExit cleanup(partial);
  fs::permissions(partial, fs::perms::owner_all, ec);

  // 1. One point of the whole database.
  const fs::path ledger_dir = partial / kBackupLedgerDir;
  {
    rocksdb::Checkpoint* raw = nullptr;
    RELIEF_RETURN_IF_ERROR(FromRocks(rocksdb::Checkpoint::Create(log.db(), &raw),
                                     "preparing a checkpoint"));
    std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
    RELIEF_RETURN_IF_ERROR(
        FromRocks(checkpoint->CreateCheckpoint(ledger_dir.string()),
                  absl::StrCat("writing a checkpoint to ", ledger_dir.string())));
  }

  // 2. The head is what the checkpoint holds, its chain verified.
  VerifyReport report;
  int64_t head_recorded_at = 0;
  {
    auto copy = EventLog::Open(ledger_dir.string(), OpenMode::kReadOnly);
    if (!copy.ok()) return copy.status();
    report = (*copy)->Verify();
    auto head = (*copy)->ReadHead();
    if (!head.ok()) return head.status();
    head_recorded_at = head->recorded_at_unix_micros;
  }
  if (!report.ok) {
    return Reject(absl::StatusCode::kDataLoss, v1::CHAIN_BROKEN,
                  absl::StrCat("the ledger does not verify at sequence ",
                               report.first_bad_sequence, " (",
                               report.problem,
                               "); no backup was made. Run `reliefd verify` "
                               "on the stopped server and restore from an "
                               "earlier backup"));
  }

  // 3. Files that live beside the database.
  for (const std::string& name : request.data_files) {
    const fs::path source = fs::path(request.data_dir) / name;
    if (!fs::exists(source, ec)) continue;
    auto copied = HashAndCopy(source, partial / name, 0600);
    if (!copied.ok()) return copied.status();
  }
  RELIEF_RETURN_IF_ERROR(RestrictModes(partial));

  // 4. The manifest, then the name.
  std::string name = absl::StrCat(stamp, "-seq", report.head.sequence);
  if (!request.label.empty()) absl::StrAppend(&name, "-", request.label);
  for (int n = 2; fs::exists(root / name, ec); ++n) {
    if (n > 100) {
      return StorageError(absl::StrCat("too many backups named ", name, "*"));
    }
    name = absl::StrCat(stamp, "-seq", report.head.sequence,
                        request.label.empty() ? "" : "-", request.label, "-",
                        n);
  }
  v1::BackupManifest manifest;
  manifest.set_format(kBackupFormat);
  manifest.set_ledger_format(kLedgerFormat);
  manifest.set_head_sequence(report.head.sequence);
  manifest.set_head_hash_hex(ToHex(report.head.hash));
  manifest.set_head_recorded_at_unix_micros(head_recorded_at);
  manifest.set_created_at_unix_micros(request.now_unix_micros);
  manifest.set_created_at(
      absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", now, absl::UTCTimeZone()));
  manifest.set_name(name);
  manifest.set_label(request.label);
  manifest.set_rocksdb_version(RocksDbVersion());
  auto files = ListFiles(partial);
  if (!files.ok()) return files.status();
  uint64_t total = 0;
  for (const std::string& relative : *files) {
    auto digest = HashAndCopy(partial / relative, fs::path(), 0);
    if (!digest.ok()) return digest.status();
    v1::BackupFile* file = manifest.add_files();
    file->set_path(relative);
    file->set_size_bytes(digest->size_bytes);
    file->set_sha256_hex(digest->sha256_hex);
    total += digest->size_bytes;
  }
  manifest.set_total_bytes(total);
  auto json = ManifestJson(manifest);
  if (!json.ok()) return json.status();
  // Everything else is durable before the manifest says it is whole.
  for (const std::string& relative : *files) {
    int fd = ::open((partial / relative).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::fsync(fd) != 0) {
      absl::Status s = Errno("cannot sync", partial / relative);
      if (fd >= 0) ::close(fd);
      return s;
    }
    ::close(fd);
  }
  RELIEF_RETURN_IF_ERROR(SyncDir(ledger_dir));
  RELIEF_RETURN_IF_ERROR(
      WriteFileDurably(partial / kBackupManifestFile, *json, 0600));
  const fs::path final_path = root / name;
  if (::rename(partial.c_str(), final_path.c_str()) != 0) {
    return Errno("cannot rename the backup to", final_path);
  }
  cleanup.Release();
  RELIEF_RETURN_IF_ERROR(SyncDir(root));
  return BackupResult{std::move(manifest), final_path.string()};
}

absl::StatusOr<v1::BackupManifest> ReadBackupManifest(
    const std::string& backup_dir) {
  const fs::path path = fs::path(backup_dir) / kBackupManifestFile;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return FailedPrecondition(
        v1::ERROR_REASON_UNSPECIFIED,
        absl::StrCat(
            "no ", kBackupManifestFile, " in ", backup_dir,
            ": not a backup, or an incomplete one (a backup is complete "
            "only once its manifest is written; a `.partial-*` directory "
            "never is)"));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  v1::BackupManifest manifest;
  google::protobuf::util::JsonParseOptions options;
  auto s = google::protobuf::util::JsonStringToMessage(buffer.str(), &manifest,
                                                       options);
  if (!s.ok()) {
    return Mismatch(absl::StrCat(path.string(), " does not parse (",
                                 s.ToString(), ")"));
  }
  if (manifest.format() != kBackupFormat) {
    return FailedPrecondition(
        v1::ERROR_REASON_UNSPECIFIED,
        absl::StrCat(path.string(), " says format '", manifest.format(),
                     "'; this reliefd reads '", kBackupFormat, "'"));
  }
  if (manifest.ledger_format() != kLedgerFormat) {
    return FailedPrecondition(
        v1::ERROR_REASON_UNSPECIFIED,
        absl::StrCat("the backup holds a ledger of format '",
                     manifest.ledger_format(), "'; this reliefd reads '",
                     kLedgerFormat, "'"));
  }
  return manifest;
}

absl::StatusOr<RestoreReport> RestoreBackup(const std::string& backup_dir,
                                            const std::string& data_dir) {
  auto manifest = ReadBackupManifest(backup_dir);
  if (!manifest.ok()) return manifest.status();
  const fs::path source = fs::absolute(backup_dir).lexically_normal();
  fs::path target = fs::absolute(data_dir).lexically_normal();
  if (!target.has_filename()) target = target.parent_path();
  std::error_code ec;
  if (fs::exists(target, ec)) {
    if (!fs::is_directory(target, ec) || !fs::is_empty(target, ec)) {
      return FailedPrecondition(
          v1::ERROR_REASON_UNSPECIFIED,
          absl::StrCat("refusing to restore into ", target.string(),
                       ": it is not an empty directory. Restore into a new "
                       "or empty directory (move the old data dir aside "
                       "first); nothing was changed"));
    }
  }
  const fs::path parent = target.parent_path();
  fs::create_directories(parent, ec);
  if (ec) {
    return StorageError(absl::StrCat("cannot create ", parent.string(), ": ",
                                     ec.message()));
  }

  // The files: exactly those listed, each as listed.
  auto present = ListFiles(source);
  if (!present.ok()) return present.status();
  std::set<std::string> listed;
  bool has_current = false;
  for (const v1::BackupFile& file : manifest->files()) {
    const fs::path relative(file.path());
    if (file.path().empty() || relative.is_absolute() ||
        file.path().find("..") != std::string::npos) {
      return Mismatch(absl::StrCat("the manifest lists a bad path '",
                                   file.path(), "'"));
    }
    listed.insert(file.path());
    has_current = has_current || file.path() == absl::StrCat(
                                                    kBackupLedgerDir,
                                                    "/CURRENT");
  }
  for (const std::string& path : *present) {
    if (listed.count(path) == 0) {
      return Mismatch(absl::StrCat("the backup holds ", path,
                                   ", which its manifest does not list"));
    }
  }
  for (const std::string& path : listed) {
    if (!std::binary_search(present->begin(), present->end(), path)) {
      return Mismatch(absl::StrCat("the backup lacks ", path,
                                   ", which its manifest lists"));
    }
  }
  if (!has_current) {
    return Mismatch("the manifest lists no ledger (ledger/CURRENT)");
  }

  const fs::path tmp =
      parent / absl::StrCat(".", target.filename().string(), ".restoring-",
                            UniqueSuffix());
  fs::remove_all(tmp, ec);
  if (!fs::create_directory(tmp, ec) || ec) {
    return StorageError(absl::StrCat("cannot create ", tmp.string(), ": ",
                                     ec ? ec.message() : "it exists"));
  }
  RemoveOnExit cleanup(tmp);
  fs::permissions(tmp, fs::perms::owner_all, ec);

  RestoreReport report;
  const std::string ledger_prefix = absl::StrCat(kBackupLedgerDir, "/");
  for (const v1::BackupFile& file : manifest->files()) {
    std::string inside = file.path();
    if (absl::StartsWith(inside, ledger_prefix)) {
      inside = inside.substr(ledger_prefix.size());
    }
    const fs::path to = tmp / inside;
    fs::create_directories(to.parent_path(), ec);
    fs::permissions(to.parent_path(), fs::perms::owner_all, ec);
    auto digest = HashAndCopy(source / file.path(), to, 0600);
    if (!digest.ok()) return digest.status();
    if (digest->size_bytes != file.size_bytes() ||
        digest->sha256_hex != file.sha256_hex()) {
      return Mismatch(absl::StrCat(
          file.path(), " differs from the manifest (", digest->size_bytes,
          " bytes, SHA-256 ", digest->sha256_hex, "; the manifest says ",
          file.size_bytes(), " bytes, ", file.sha256_hex(), ")"));
    }
    report.bytes_copied += digest->size_bytes;
  }
  RELIEF_RETURN_IF_ERROR(SyncDir(tmp));

  // The chain, whole, and its head against the manifest.
  {
    auto log = EventLog::Open(tmp.string(), OpenMode::kReadOnly);
    if (!log.ok()) {
      return Mismatch(absl::StrCat("the backup's ledger does not open: ",
                                   log.status().message()));
    }
    VerifyReport verified = (*log)->Verify();
    if (!verified.ok) {
      return Mismatch(absl::StrCat(
          "the backup's hash chain does not verify: first bad sequence ",
          verified.first_bad_sequence, ": ", verified.problem,
          " (verified through sequence ", verified.verified_through, ")"));
    }
    if (verified.head.sequence != manifest->head_sequence() ||
        ToHex(verified.head.hash) != manifest->head_hash_hex()) {
      return Mismatch(absl::StrCat(
          "the backup's log ends at sequence ", verified.head.sequence,
          " hash ", ToHex(verified.head.hash),
          " but its manifest says sequence ", manifest->head_sequence(),
          " hash ", manifest->head_hash_hex()));
    }
    report.verified_events = verified.verified_through;
  }

  if (fs::exists(target, ec)) {
    fs::remove(target, ec);  // empty, checked above
    if (ec) {
      return StorageError(absl::StrCat("cannot replace the empty directory ",
                                       target.string(), ": ", ec.message()));
    }
  }
  if (::rename(tmp.c_str(), target.c_str()) != 0) {
    return Errno("cannot rename the restored data into place at", target);
  }
  cleanup.Release();
  RELIEF_RETURN_IF_ERROR(SyncDir(parent));
  report.manifest = *std::move(manifest);
  report.data_dir = target.string();
  return report;
}

absl::StatusOr<RestoreReport> VerifyBackup(const std::string& backup_dir,
                                           const std::string& scratch_parent) {
  const fs::path scratch =
      fs::path(scratch_parent) /
      absl::StrCat("relief-verify-backup-", UniqueSuffix());
  RemoveOnExit cleanup(scratch);
  return RestoreBackup(backup_dir, scratch.string());
}

}  // namespace relief
