#include "projections/projection_runner.h"

#include <time.h>

#include <algorithm>
#include <cstdio>
#include <future>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "rocksdb/write_batch.h"

namespace relief {
namespace {
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
  if (base_ != nullptr) {
    if (auto it = base_->entries_.find(key); it != base_->entries_.end()) {
      return entries_.emplace(key, Entry{it->second.value, false})
          .first->second.value;
    }
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
  AppendChanges(batch);
  entries_.clear();
  changed_ = 0;
}

void ProjectionChunk::AppendChanges(rocksdb::WriteBatch* batch) const {
  std::vector<const std::pair<const std::string, Entry>*> dirty;
  dirty.reserve(changed_);
  for (const auto& kv : entries_) {
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
}

std::string ProjectionRunner::CheckpointKey(absl::string_view name) {
  return absl::StrCat("checkpoint/", name);
}

ProjectionRunner::ProjectionRunner(
    EventLog* log, std::vector<std::unique_ptr<Projection>> projections,
    Options options)
    : log_(log), projections_(std::move(projections)), options_(options) {}

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

namespace {
double ProcessCpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}
}  // namespace

void ProjectionRunner::Fail(const absl::Status& s) {
  std::fprintf(stderr, "reliefd: projections stopped: %s\n",
               std::string(s.message()).c_str());
  {
    absl::MutexLock lock(&mu_);
    health_ = s;
  }
  if (on_failure_) on_failure_(s);
}

void ProjectionRunner::Run() {
  // Events read and applied (not necessarily written yet): the next chunk
  // starts after it.
  uint64_t scheduled = applied();
  // Catching up, chunks are pipelined: while this thread applies chunk N+1
  // (reading through chunk N), another writes chunk N and then frees chunk
  // N-1. One write is in flight at a time, so chunks land in order.
  std::unique_ptr<ProjectionChunk> previous;
  std::future<absl::Status> pending;
  auto finish_pending = [&pending]() -> absl::Status {
    return pending.valid() ? pending.get() : absl::OkStatus();
  };
  // A long catch-up (a rebuild, a start after a crash) is logged with its
  // speed when it ends: operators want to know how long a rebuild takes.
  uint64_t catch_up_from = 0, catch_up_to = 0;
  absl::Time catch_up_started;
  double catch_up_cpu = 0;
  auto log_catch_up = [&](uint64_t reached) {
    if (catch_up_to == 0 || reached < catch_up_to) return;
    const double wall = absl::ToDoubleSeconds(absl::Now() - catch_up_started);
    const double cpu = ProcessCpuSeconds() - catch_up_cpu;
    const double events = static_cast<double>(reached - catch_up_from);
    std::fprintf(stderr,
                 "reliefd: read models caught up from %llu to %llu: %.0f "
                 "events in %.2f s (%.0f events/s; reliefd used %.2f s of "
                 "CPU meanwhile)\n",
                 static_cast<unsigned long long>(catch_up_from),
                 static_cast<unsigned long long>(reached), events, wall,
                 wall > 0 ? events / wall : 0, cpu);
    catch_up_to = 0;
  };
  while (true) {
    bool idle;
    {
      absl::MutexLock lock(&mu_);
      idle = target_ <= scheduled;
    }
    if (idle && pending.valid()) {
      // Nothing new to apply: land the write in flight before waiting.
      absl::Status s = finish_pending();
      previous.reset();
      if (!s.ok()) {
        Fail(s);
        return;
      }
      log_catch_up(scheduled);
      continue;
    }
    uint64_t to;
    bool catching_up;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this, scheduled]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return target_ > scheduled || stop_;
      };
      mu_.Await(absl::Condition(&ready));
      if (target_ <= scheduled) return;  // stopping and caught up
      const uint64_t behind = target_ - scheduled;
      catching_up = behind >= 4 * options_.chunk_events;
      to = scheduled +
           std::min(behind, catching_up ? options_.catch_up_chunk_events
                                        : options_.chunk_events);
      if (catch_up_to == 0 && behind >= kCatchUpLogEvents) {
        catch_up_from = scheduled;
        catch_up_to = target_;
        catch_up_started = absl::Now();
        catch_up_cpu = ProcessCpuSeconds();
      }
    }
    auto chunk = std::make_unique<ProjectionChunk>(
        log_->db(), log_->projections(), previous.get());
    absl::Status s = ApplyChunk(scheduled + 1, to, *chunk);
    // The previous chunk is in the database once its write is done.
    absl::Status written = finish_pending();
    if (s.ok()) s = written;
    if (!s.ok()) {
      Fail(s);
      return;
    }
    if (catching_up) {
      pending = std::async(
          std::launch::async,
          [this, c = chunk.get(), older = std::move(previous), to]() mutable {
            absl::Status w = WriteChunk(*c, to);
            older.reset();  // freeing a chunk takes time too
            return w;
          });
      previous = std::move(chunk);
    } else {
      previous.reset();
      s = WriteChunk(*chunk, to);
      if (!s.ok()) {
        Fail(s);
        return;
      }
      log_catch_up(to);
    }
    scheduled = to;
  }
}

absl::Status ProjectionRunner::ApplyChunk(uint64_t from, uint64_t to,
                                          ProjectionChunk& chunk) {
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
  return absl::OkStatus();
}

absl::Status ProjectionRunner::WriteChunk(const ProjectionChunk& chunk,
                                          uint64_t last) {
  // Every projection's changes and checkpoints leave in one batch.
  rocksdb::WriteBatch batch;
  chunk.AppendChanges(&batch);
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
