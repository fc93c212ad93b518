#include "projections/reconcile.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "ledger/domain/rejection.h"
#include "projections/projection_runner.h"
#include "rocksdb/options.h"
#include "rocksdb/write_batch.h"

namespace relief {
namespace {

// Events per scratch batch, as the runner's chunks when catching up.
constexpr uint64_t kChunkEvents = 65536;
// Events between polls of `cancelled` and progress reports.
constexpr uint64_t kProgressStride = 4096;
// Keys compared between polls of `cancelled` and of the clock.
constexpr uint64_t kCompareStride = 4096;

// The scratch database: opened fresh, closed and deleted by the destructor
// whatever happened.
class ScratchDb {
 public:
  ~ScratchDb() {
    db_.reset();
    if (!path_.empty()) {
      rocksdb::DestroyDB(path_, rocksdb::Options());
      std::error_code ec;
      std::filesystem::remove_all(path_, ec);
    }
  }
  absl::Status Open(const std::string& path) {
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) {
      return absl::FailedPreconditionError(
          absl::StrCat("the reconcile scratch directory ", path,
                       " already exists"));
    }
    path_ = path;  // from here on, removed at the end
    rocksdb::Options options;
    options.create_if_missing = true;
    options.error_if_exists = true;
    options.max_background_jobs = 1;
    options.write_buffer_size = 64 << 20;
    // Statement rows are extended by merges, as in the live family.
    options.merge_operator = ProjectionsMergeOperator();
    rocksdb::DB* raw = nullptr;
    RELIEF_RETURN_IF_ERROR(
        FromRocks(rocksdb::DB::Open(options, path, &raw),
                  absl::StrCat("creating the reconcile scratch database in ",
                               path)));
    db_.reset(raw);
    return absl::OkStatus();
  }
  rocksdb::DB* db() const { return db_.get(); }

 private:
  std::string path_;
  std::unique_ptr<rocksdb::DB> db_;
};

class SnapshotHolder {
 public:
  explicit SnapshotHolder(rocksdb::DB* db) : db_(db), snapshot_(db->GetSnapshot()) {}
  ~SnapshotHolder() { db_->ReleaseSnapshot(snapshot_); }
  const rocksdb::Snapshot* get() const { return snapshot_; }

 private:
  rocksdb::DB* db_;
  const rocksdb::Snapshot* snapshot_;
};

absl::Status Cancelled() {
  return absl::CancelledError("the reconcile was cancelled");
}

}  // namespace

std::string EscapeKey(absl::string_view key) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(key.size());
  for (unsigned char c : key) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      out.append("\\x");
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

absl::StatusOr<ReconcileReport> ReconcileProjections(
    const EventLog& log, std::vector<std::unique_ptr<Projection>> projections,
    const ReconcileOptions& options,
    const std::function<void(const ReconcileProgress&)>& progress,
    const std::function<bool()>& cancelled) {
  auto is_cancelled = [&] { return cancelled && cancelled(); };
  ReconcileReport report;
  SnapshotHolder snapshot(log.db());
  rocksdb::ReadOptions live_read;
  live_read.snapshot = snapshot.get();
  live_read.fill_cache = false;

  // The point: the live checkpoint (all are written in one batch).
  uint64_t point = 0;
  for (const auto& p : projections) {
    std::string value;
    rocksdb::Status s = log.db()->Get(live_read, log.projections(),
                                      ProjectionRunner::CheckpointKey(p->name()),
                                      &value);
    if (s.IsNotFound()) continue;
    RELIEF_RETURN_IF_ERROR(FromRocks(s, "reading a live checkpoint"));
    if (value.size() == 8) point = std::max(point, DecodeSequenceKey(value));
  }
  report.sequence = point;

  ScratchDb scratch;
  RELIEF_RETURN_IF_ERROR(scratch.Open(options.scratch_dir));
  rocksdb::DB* const db = scratch.db();
  rocksdb::ColumnFamilyHandle* const family = db->DefaultColumnFamily();
  rocksdb::WriteOptions no_wal;
  no_wal.disableWAL = true;

  // Rebuild 1..point, as the runner would: one indexed batch per chunk, so
  // a projection reads its own writes of the chunk.
  absl::Time last_report = absl::Now();
  uint64_t reported_events = 0;
  auto report_progress = [&](bool force) {
    if (!progress) return;
    const absl::Time now = absl::Now();
    if (!force &&
        report.events_replayed - reported_events < options.progress_events &&
        now - last_report < options.progress_interval) {
      return;
    }
    last_report = now;
    reported_events = report.events_replayed;
    progress({report.sequence, report.events_replayed, report.keys_compared});
  };
  if (point > 0) {
    ProjectionChunk chunk(db, family);
    std::vector<ProjectionTxn> txns;
    txns.reserve(projections.size());
    for (const auto& p : projections) {
      txns.emplace_back(&chunk, absl::StrCat(p->name(), "/"));
    }
    absl::Status step;
    uint64_t in_batch = 0;
    auto flush = [&]() -> absl::Status {
      if (in_batch == 0) return absl::OkStatus();
      rocksdb::WriteBatch batch;
      RELIEF_RETURN_IF_ERROR(chunk.Drain(&batch));
      RELIEF_RETURN_IF_ERROR(FromRocks(db->Write(no_wal, &batch),
                                       "writing the reconcile scratch"));
      in_batch = 0;
      return absl::OkStatus();
    };
    RELIEF_RETURN_IF_ERROR(
        log.Scan(1, point, [&](const v1::EventEnvelope& e) {
          for (size_t i = 0; i < projections.size(); ++i) {
            step = projections[i]->Apply(e, txns[i]);
            if (!step.ok()) {
              step = absl::Status(
                  step.code(),
                  absl::StrCat("rebuilding projection ", projections[i]->name(),
                               " at event ", e.sequence(), ": ",
                               step.message()));
              return false;
            }
          }
          ++report.events_replayed;
          if (++in_batch == kChunkEvents) {
            step = flush();
            if (!step.ok()) return false;
          }
          if (report.events_replayed % kProgressStride == 0) {
            if (is_cancelled()) {
              step = Cancelled();
              return false;
            }
            report_progress(false);
          }
          return true;
        }));
    RELIEF_RETURN_IF_ERROR(step);
    if (report.events_replayed != point) {
      return absl::InternalError(absl::StrCat(
          "the live read models are at sequence ", point,
          " but the log ends at ", report.events_replayed));
    }
    RELIEF_RETURN_IF_ERROR(flush());
    rocksdb::WriteBatch checkpoints;
    const std::string checkpoint = EncodeSequenceKey(point);
    for (const auto& p : projections) {
      checkpoints.Put(family, ProjectionRunner::CheckpointKey(p->name()),
                      checkpoint);
    }
    RELIEF_RETURN_IF_ERROR(FromRocks(db->Write(no_wal, &checkpoints),
                                     "writing the reconcile scratch"));
  }
  report_progress(true);

  // Compare, in key order.
  auto add_difference = [&](absl::string_view key, std::string problem) {
    ++report.differences_total;
    if (report.differences.size() >= options.max_differences) return;
    ReconcileDifferenceRow& row = report.differences.emplace_back();
    const size_t slash = key.find('/');
    if (slash == absl::string_view::npos) {
      row.projection = EscapeKey(key);
    } else {
      row.projection = EscapeKey(key.substr(0, slash));
      row.key = EscapeKey(key.substr(slash + 1));
    }
    row.problem = std::move(problem);
  };
  rocksdb::ReadOptions scratch_read;
  scratch_read.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> live(
      log.db()->NewIterator(live_read, log.projections()));
  std::unique_ptr<rocksdb::Iterator> rebuilt(
      db->NewIterator(scratch_read, family));
  live->SeekToFirst();
  rebuilt->SeekToFirst();
  while (live->Valid() || rebuilt->Valid()) {
    ++report.keys_compared;
    const int order =
        !live->Valid()      ? 1
        : !rebuilt->Valid() ? -1
                            : live->key().compare(rebuilt->key());
    if (order < 0) {
      add_difference(absl::string_view(live->key().data(), live->key().size()),
                     "missing in the rebuild");
      live->Next();
    } else if (order > 0) {
      add_difference(
          absl::string_view(rebuilt->key().data(), rebuilt->key().size()),
          "missing in the live read model");
      rebuilt->Next();
    } else {
      if (live->value() != rebuilt->value()) {
        const absl::string_view key(live->key().data(), live->key().size());
        std::string problem = "values differ";
        if (absl::StartsWith(key, "checkpoint/") && live->value().size() == 8 &&
            rebuilt->value().size() == 8) {
          absl::StrAppend(
              &problem, " (live at sequence ",
              DecodeSequenceKey(absl::string_view(live->value().data(), 8)),
              ", rebuilt to ",
              DecodeSequenceKey(absl::string_view(rebuilt->value().data(), 8)),
              ")");
        }
        add_difference(key, std::move(problem));
      }
      live->Next();
      rebuilt->Next();
    }
    if (report.keys_compared % kCompareStride == 0) {
      if (is_cancelled()) return Cancelled();
      if (progress && absl::Now() - last_report >= options.progress_interval) {
        report_progress(true);
      }
    }
  }
  RELIEF_RETURN_IF_ERROR(FromRocks(live->status(), "reading the live read models"));
  RELIEF_RETURN_IF_ERROR(
      FromRocks(rebuilt->status(), "reading the reconcile scratch"));
  live.reset();
  rebuilt.reset();
  return report;
}

}  // namespace relief
