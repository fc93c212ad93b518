#include "projections/projection_runner.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "rocksdb/write_batch.h"

namespace relief {
namespace {
// Events per batch: large enough to amortise the write, small enough that
// a query waiting for a sequence sees progress often.
constexpr uint64_t kChunkEvents = 4096;
}  // namespace

ProjectionTxn::ProjectionTxn(rocksdb::DB* db,
                             rocksdb::ColumnFamilyHandle* family,
                             rocksdb::WriteBatchWithIndex* batch,
                             std::string prefix)
    : db_(db), family_(family), batch_(batch), prefix_(std::move(prefix)) {}

absl::StatusOr<std::optional<std::string>> ProjectionTxn::Get(
    absl::string_view key) {
  std::string value;
  std::string full = absl::StrCat(prefix_, key);
  rocksdb::Status s = batch_->GetFromBatchAndDB(db_, rocksdb::ReadOptions(),
                                               family_, full, &value);
  if (s.IsNotFound()) return std::nullopt;
  if (auto st = FromRocks(s, "reading a projection"); !st.ok()) return st;
  return value;
}

void ProjectionTxn::Put(absl::string_view key, absl::string_view value) {
  batch_->Put(family_, absl::StrCat(prefix_, key),
             rocksdb::Slice(value.data(), value.size()));
}

void ProjectionTxn::Delete(absl::string_view key) {
  batch_->Delete(family_, absl::StrCat(prefix_, key));
}

std::string ProjectionRunner::CheckpointKey(absl::string_view name) {
  return absl::StrCat("checkpoint/", name);
}

ProjectionRunner::ProjectionRunner(
    EventLog* log, std::vector<std::unique_ptr<Projection>> projections)
    : log_(log), projections_(std::move(projections)) {}

ProjectionRunner::~ProjectionRunner() { Stop(); }

absl::Status ProjectionRunner::Start() {
  // All projections advance together; if their checkpoints differ (one was
  // dropped), rebuild them all from the lowest. Apply is idempotent per
  // projection because each only applies events past its own checkpoint.
  uint64_t lowest = UINT64_MAX;
  for (const auto& p : projections_) {
    std::string value;
    rocksdb::Status s = log_->db()->Get(rocksdb::ReadOptions(),
                                        log_->projections(),
                                        CheckpointKey(p->name()), &value);
    uint64_t checkpoint = 0;
    if (s.ok() && value.size() == 8) {
      checkpoint = DecodeSequenceKey(value);
    } else if (!s.ok() && !s.IsNotFound()) {
      return FromRocks(s, "reading a projection checkpoint");
    }
    lowest = std::min(lowest, checkpoint);
  }
  if (lowest == UINT64_MAX) lowest = 0;
  bool differ = false;
  for (const auto& p : projections_) {
    std::string value;
    rocksdb::Status s = log_->db()->Get(rocksdb::ReadOptions(),
                                        log_->projections(),
                                        CheckpointKey(p->name()), &value);
    uint64_t checkpoint = s.ok() && value.size() == 8 ? DecodeSequenceKey(value) : 0;
    differ |= checkpoint != lowest;
  }
  if (differ) {
    // A projection was added (an upgrade) or dropped: they advance together,
    // so rebuild them all from the log, which is always safe.
    std::fprintf(stderr, "reliefd: projections at different checkpoints; "
                 "rebuilding all from sequence 1\n");
    for (const auto& p : projections_) {
      if (auto s = Drop(p->name()); !s.ok()) return s;
    }
    lowest = 0;
  }
  {
    absl::MutexLock lock(&mu_);
    applied_ = lowest;
    started_from_ = lowest;
    target_ = std::max(target_, lowest);
  }
  thread_ = std::thread([this] { Run(); });
  return absl::OkStatus();
}

absl::Status ProjectionRunner::Drop(const std::string& name) {
  std::string begin = absl::StrCat(name, "/");
  std::string end = absl::StrCat(name, "0");  // '0' follows '/'
  rocksdb::WriteBatch batch;
  batch.DeleteRange(log_->projections(), begin, end);
  batch.Delete(log_->projections(), CheckpointKey(name));
  return log_->Write(&batch, /*sync=*/true);
}

void ProjectionRunner::Notify(uint64_t sequence) {
  absl::MutexLock lock(&mu_);
  target_ = std::max(target_, sequence);
}

void ProjectionRunner::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (!thread_.joinable()) return;
  thread_.join();
  if (!health().ok()) return;
  if (auto s = SyncCheckpoints(); !s.ok()) {
    // Costs only catch-up time at the next start.
    std::fprintf(stderr, "reliefd: syncing the read models' checkpoints "
                 "failed: %s\n", std::string(s.message()).c_str());
  }
}

absl::Status ProjectionRunner::SyncCheckpoints() {
  // Chunks are written without sync; writing the checkpoints once more with
  // sync makes everything before them durable too (one WAL).
  const std::string checkpoint = EncodeSequenceKey(applied());
  rocksdb::WriteBatch batch;
  for (const auto& p : projections_) {
    batch.Put(log_->projections(), CheckpointKey(p->name()), checkpoint);
  }
  return log_->Write(&batch, /*sync=*/true);
}

uint64_t ProjectionRunner::started_from() const {
  absl::MutexLock lock(&mu_);
  return started_from_;
}

uint64_t ProjectionRunner::WaitFor(uint64_t sequence, absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  auto reached = [this, sequence]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return applied_ >= sequence || !health_.ok();
  };
  mu_.AwaitWithDeadline(absl::Condition(&reached), deadline);
  return applied_;
}

uint64_t ProjectionRunner::applied() const {
  absl::MutexLock lock(&mu_);
  return applied_;
}

absl::Status ProjectionRunner::health() const {
  absl::MutexLock lock(&mu_);
  return health_;
}

std::vector<ProjectionRunner::Checkpoint> ProjectionRunner::checkpoints()
    const {
  uint64_t at = applied();
  std::vector<Checkpoint> out;
  for (const auto& p : projections_) out.push_back({p->name(), at});
  return out;
}

void ProjectionRunner::Run() {
  while (true) {
    uint64_t to;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return target_ > applied_ || stop_;
      };
      mu_.Await(absl::Condition(&ready));
      if (target_ <= applied_) return;  // stopping and caught up
      to = std::min(target_, applied_ + kChunkEvents);
    }
    absl::Status s = ApplyChunk(to);
    if (!s.ok()) {
      std::fprintf(stderr, "reliefd: projections stopped: %s\n",
                   std::string(s.message()).c_str());
      {
        absl::MutexLock lock(&mu_);
        health_ = s;
      }
      if (on_failure_) on_failure_(s);
      return;
    }
  }
}

absl::Status ProjectionRunner::ApplyChunk(uint64_t to) {
  const uint64_t from = applied() + 1;
  // One batch for the chunk: every projection's changes and checkpoints.
  // overwrite_key: a key updated many times in one chunk (a busy pool's
  // balance) keeps one entry, so reading it back stays O(log n), not O(n).
  rocksdb::WriteBatchWithIndex batch(rocksdb::BytewiseComparator(), 0,
                                     /*overwrite_key=*/true);
  std::vector<ProjectionTxn> txns;
  txns.reserve(projections_.size());
  for (const auto& p : projections_) {
    txns.emplace_back(log_->db(), log_->projections(), &batch,
                      absl::StrCat(p->name(), "/"));
  }
  absl::Status apply_status;
  uint64_t last = from - 1;
  absl::Status scan = log_->Scan(from, to, [&](const v1::EventEnvelope& e) {
    for (size_t i = 0; i < projections_.size(); ++i) {
      apply_status = projections_[i]->Apply(e, txns[i]);
      if (!apply_status.ok()) {
        apply_status = absl::Status(
            apply_status.code(),
            absl::StrCat("projection ", projections_[i]->name(), " at event ",
                         e.sequence(), ": ", apply_status.message()));
        return false;
      }
    }
    last = e.sequence();
    return true;
  });
  if (!scan.ok()) return scan;
  if (!apply_status.ok()) return apply_status;
  if (last != to) {
    return absl::InternalError(absl::StrCat(
        "projections expected events up to ", to, " but the log ends at ",
        last));
  }
  const std::string checkpoint = EncodeSequenceKey(last);
  for (const auto& p : projections_) {
    batch.Put(log_->projections(), CheckpointKey(p->name()), checkpoint);
  }
  // Not synced: a projection lost in a crash is re-derived from the log,
  // and its checkpoint is lost with it.
  if (auto s = log_->Write(batch.GetWriteBatch(), /*sync=*/false); !s.ok()) {
    return s;
  }
  absl::MutexLock lock(&mu_);
  applied_ = last;
  return absl::OkStatus();
}

}  // namespace relief
