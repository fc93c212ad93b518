#include "projections/projection_runner.h"

#include <time.h>

#include <algorithm>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "rocksdb/write_batch.h"

namespace relief {
namespace {
// Events per batch: large enough to amortise the write, small enough that
// a query waiting for a sequence sees progress often.
constexpr uint64_t kChunkEvents = 4096;
// Far behind (a rebuild, a start after a crash), larger chunks: a busy key
// is read and written once per chunk, and nobody waits for the middle.
constexpr uint64_t kCatchUpChunkEvents = 65536;
// A catch-up at least this long is logged with its speed.
constexpr uint64_t kCatchUpLogEvents = 100000;
}  // namespace

ProjectionTxn::ProjectionTxn(ProjectionChunk* chunk, std::string prefix)
    : chunk_(chunk), prefix_(std::move(prefix)) {}

absl::StatusOr<std::optional<std::string>> ProjectionTxn::Get(
    absl::string_view key) {
  key_.assign(prefix_).append(key.data(), key.size());
  return chunk_->Get(key_);
}

void ProjectionTxn::Put(absl::string_view key, absl::string_view value) {
  key_.assign(prefix_).append(key.data(), key.size());
  chunk_->Set(key_, std::string(value));
}

void ProjectionTxn::Delete(absl::string_view key) {
  key_.assign(prefix_).append(key.data(), key.size());
  chunk_->Set(key_, std::nullopt);
}

absl::StatusOr<std::optional<std::string>> ProjectionChunk::Get(
    const std::string& key) {
  if (auto it = entries_.find(key); it != entries_.end()) {
    return it->second.value;
  }
  std::string value;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), family_, key, &value);
  Entry& entry = entries_[key];
  if (s.IsNotFound()) return std::nullopt;
  if (auto st = FromRocks(s, "reading a projection"); !st.ok()) {
    entries_.erase(key);
    return st;
  }
  entry.value = std::move(value);
  return entry.value;
}

void ProjectionChunk::Set(const std::string& key,
                          std::optional<std::string> value) {
  Entry& entry = entries_[key];
  if (!entry.dirty) ++changed_;
  entry.dirty = true;
  entry.value = std::move(value);
}

void ProjectionChunk::Drain(rocksdb::WriteBatch* batch) {
  std::vector<std::pair<const std::string, Entry>*> dirty;
  dirty.reserve(changed_);
  for (auto& kv : entries_) {
    if (kv.second.dirty) dirty.push_back(&kv);
  }
  std::sort(dirty.begin(), dirty.end(),
            [](const auto* a, const auto* b) { return a->first < b->first; });
  for (const auto* kv : dirty) {
    if (kv->second.value.has_value()) {
      batch->Put(family_, kv->first, *kv->second.value);
    } else {
      batch->Delete(family_, kv->first);
    }
  }
  entries_.clear();
  changed_ = 0;
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
  if (thread_.joinable()) thread_.join();
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

namespace {
double ThreadCpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}
}  // namespace

void ProjectionRunner::Run() {
  // A long catch-up (a rebuild, a start after a crash) is logged with its
  // speed when it ends: operators want to know how long a rebuild takes.
  uint64_t catch_up_from = 0, catch_up_to = 0;
  absl::Time catch_up_started;
  double catch_up_cpu = 0;
  while (true) {
    uint64_t to;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return target_ > applied_ || stop_;
      };
      mu_.Await(absl::Condition(&ready));
      if (target_ <= applied_) return;  // stopping and caught up
      const uint64_t behind = target_ - applied_;
      to = applied_ + (behind >= 4 * kChunkEvents
                           ? std::min(behind, kCatchUpChunkEvents)
                           : std::min(behind, kChunkEvents));
      if (catch_up_to == 0 && behind >= kCatchUpLogEvents) {
        catch_up_from = applied_;
        catch_up_to = target_;
        catch_up_started = absl::Now();
        catch_up_cpu = ThreadCpuSeconds();
      }
    }
    absl::Status s = ApplyChunk(to);
    if (s.ok() && catch_up_to != 0 && to >= catch_up_to) {
      const double wall = absl::ToDoubleSeconds(absl::Now() - catch_up_started);
      const double cpu = ThreadCpuSeconds() - catch_up_cpu;
      const double events = static_cast<double>(to - catch_up_from);
      std::fprintf(stderr,
                   "reliefd: read models caught up from %llu to %llu: %.0f "
                   "events in %.2f s (%.0f events/s; applier thread %.2f s "
                   "CPU, %.0f events/s)\n",
                   static_cast<unsigned long long>(catch_up_from),
                   static_cast<unsigned long long>(to), events, wall,
                   wall > 0 ? events / wall : 0, cpu, cpu > 0 ? events / cpu : 0);
      catch_up_to = 0;
    }
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
  // One chunk for every projection: their changes and checkpoints leave in
  // one batch.
  ProjectionChunk chunk(log_->db(), log_->projections());
  std::vector<ProjectionTxn> txns;
  txns.reserve(projections_.size());
  for (const auto& p : projections_) {
    txns.emplace_back(&chunk, absl::StrCat(p->name(), "/"));
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
  rocksdb::WriteBatch batch;
  chunk.Drain(&batch);
  const std::string checkpoint = EncodeSequenceKey(last);
  for (const auto& p : projections_) {
    batch.Put(log_->projections(), CheckpointKey(p->name()), checkpoint);
  }
  // Not synced: a projection lost in a crash is re-derived from the log,
  // and its checkpoint is lost with it.
  if (auto s = log_->Write(&batch, /*sync=*/false); !s.ok()) {
    return s;
  }
  absl::MutexLock lock(&mu_);
  applied_ = last;
  return absl::OkStatus();
}

}  // namespace relief
