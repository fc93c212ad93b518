#include "projections/projection_runner.h"

#include <pthread.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <deque>
#include <future>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "rocksdb/write_batch.h"

namespace relief {
namespace {
// A catch-up at least this long is logged with its speed.
constexpr uint64_t kCatchUpLogEvents = 100000;

// The layout of the read models' rows, kept in the meta family under
// kFormatKey. Read models written in another layout are rebuilt from the
// log at start. No key means 1 (or a new ledger).
//   1: one row per statement line (relief.v1.StatementEntry)
//   2: statement lines as fixed records in a row per account and 4,096
//      sequences, extended by merges (docs/formats.md)
constexpr char kFormatKey[] = "projections_format";
constexpr char kFormat[] = "2";
}  // namespace

// Events read from the log for one chunk. Batches are used again (a parse
// into a used message reuses its memory): see ReadBatch and GiveBackBatch.
struct ProjectionRunner::EventBatch {
  uint64_t from = 0, to = 0;
  std::vector<std::unique_ptr<v1::EventEnvelope>> envelopes;
  size_t count = 0;  // envelopes[0..count) hold from..to
};

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
  std::string format;
  rocksdb::Status read_format = log_->db()->Get(
      rocksdb::ReadOptions(), log_->meta(), kFormatKey, &format);
  if (read_format.IsNotFound()) {
    format = "1";
  } else if (!read_format.ok()) {
    return FromRocks(read_format, "reading the read models' format");
  }
  if (format != kFormat) {
    if (lowest > 0) {
      std::fprintf(stderr, "reliefd: the read models were written in format "
                   "%s, this reliefd writes format %s: rebuilding all from "
                   "sequence 1\n", format.c_str(), kFormat);
    }
    // Stale rows of projections that no longer exist are left alone.
    for (const auto& p : projections_) {
      if (auto s = Drop(p->name()); !s.ok()) return s;
    }
    lowest = 0;
    rocksdb::WriteBatch batch;
    batch.Put(log_->meta(), kFormatKey, kFormat);
    RELIEF_RETURN_IF_ERROR(log_->Write(&batch, /*sync=*/true));
  }
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
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "relief-project");
    Run();
  });
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
// CPU time of the calling thread, in nanoseconds.
int64_t ThreadCpuNanos() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return int64_t{t.tv_sec} * 1'000'000'000 + t.tv_nsec;
}

// Adds the calling thread's CPU time from construction to destruction to
// `total`.
class ThreadCpuTimer {
 public:
  explicit ThreadCpuTimer(std::atomic<int64_t>* total)
      : total_(total), start_(ThreadCpuNanos()) {}
  ~ThreadCpuTimer() { total_->fetch_add(ThreadCpuNanos() - start_); }

 private:
  std::atomic<int64_t>* total_;
  int64_t start_;
};

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

absl::StatusOr<std::unique_ptr<ProjectionRunner::EventBatch>>
ProjectionRunner::ReadBatch(uint64_t from, uint64_t to) const {
  ThreadCpuTimer timer(&read_cpu_);
  std::unique_ptr<EventBatch> batch;
  {
    absl::MutexLock lock(&batches_mu_);
    if (!spare_batches_.empty()) {
      batch = std::move(spare_batches_.back());
      spare_batches_.pop_back();
    }
  }
  if (batch == nullptr) batch = std::make_unique<EventBatch>();
  batch->from = from;
  batch->to = to;
  RELIEF_RETURN_IF_ERROR(
      log_->ReadRange(from, to, &batch->envelopes, &batch->count));
  return batch;
}

void ProjectionRunner::GiveBackBatch(std::unique_ptr<EventBatch> batch) const {
  if (batch == nullptr) return;
  absl::MutexLock lock(&batches_mu_);
  // In use at most: those read ahead and the one applied (a chunk keeps
  // copies of what it writes); as many spares serve a catch-up without
  // allocating again.
  if (spare_batches_.size() < options_.read_ahead_chunks + 1) {
    spare_batches_.push_back(std::move(batch));
  }
}

void ProjectionRunner::Run() {
  // Events read and applied (not necessarily written yet): the next chunk
  // starts after it.
  uint64_t scheduled = applied();
  // Catching up, the work is a pipeline over the cores: threads read and
  // verify chunks N+2 and N+3 from the log (options_.read_ahead_chunks of
  // them, each on its own thread), this one applies chunk N+1 (reading
  // through chunk N), and another writes chunk N as one table file and
  // frees chunk N-1. Chunks read ahead are used in sequence order, and one
  // write is in flight at a time, so chunks land in order, each with its
  // checkpoint.
  std::unique_ptr<ProjectionChunk> previous;
  std::future<absl::Status> pending;
  auto finish_pending = [&pending]() -> absl::Status {
    return pending.valid() ? pending.get() : absl::OkStatus();
  };
  // The chunks being read ahead, in sequence order, each starting after
  // the one before it. On every return, the deque's destructor waits for
  // each (a std::async future's destructor joins its thread), so no reader
  // outlives Run(); the readers use the log and the spare batches, never
  // this frame.
  struct ReadAhead {
    uint64_t from;
    uint64_t to;
    std::future<absl::StatusOr<std::unique_ptr<EventBatch>>> batch;
  };
  std::deque<ReadAhead> ahead;
  // Keeps read_ahead_chunks chunks being read beyond `to`, up to `target`.
  auto fill_ahead = [this, &ahead](uint64_t to, uint64_t target) {
    uint64_t read_to = ahead.empty() ? to : ahead.back().to;
    while (ahead.size() < options_.read_ahead_chunks && target > read_to) {
      const uint64_t from = read_to + 1;
      read_to += std::min(target - read_to, options_.catch_up_chunk_events);
      ahead.push_back(
          {from, read_to,
           std::async(std::launch::async, [this, from, last = read_to] {
             pthread_setname_np(pthread_self(), "relief-read");
             return ReadBatch(from, last);
           })});
    }
  };
  // While catching up, the read models' family is bulk loaded: compacted
  // once at the end, not again and again meanwhile.
  struct BulkLoading {
    EventLog* log;
    bool on = false;
    void Set(bool bulk) {
      if (bulk == on) return;
      if (auto s = log->SetBulkLoading(log->projections(), bulk); !s.ok()) {
        std::fprintf(stderr, "reliefd: %s\n", std::string(s.message()).c_str());
        if (bulk) return;
      }
      on = bulk;
    }
    ~BulkLoading() { Set(false); }
  } bulk{log_};
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
    auto seconds = [](std::atomic<int64_t>& nanos) {
      return static_cast<double>(nanos.exchange(0)) / 1e9;
    };
    std::fprintf(stderr,
                 "reliefd: read models caught up from %llu to %llu: %.0f "
                 "events in %.2f s (%.0f events/s; reliefd used %.2f s of "
                 "CPU meanwhile: reading the log %.2f s, applying %.2f s, "
                 "writing %.2f s)\n",
                 static_cast<unsigned long long>(catch_up_from),
                 static_cast<unsigned long long>(reached), events, wall,
                 wall > 0 ? events / wall : 0, cpu, seconds(read_cpu_),
                 seconds(apply_cpu_), seconds(write_cpu_));
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
      bulk.Set(false);
      log_catch_up(scheduled);
      continue;
    }
    uint64_t to;
    uint64_t target;
    bool catching_up, far_behind;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this, scheduled]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return target_ > scheduled || stop_;
      };
      mu_.Await(absl::Condition(&ready));
      if (target_ <= scheduled) return;  // stopping and caught up
      target = target_;
      const uint64_t behind = target_ - scheduled;
      catching_up = behind >= 4 * options_.chunk_events;
      // Deferring compaction pays for a long catch-up (a rebuild, a start
      // after a crash), not for falling a few chunks behind under load.
      far_behind = behind >= 4 * options_.catch_up_chunk_events;
      to = scheduled +
           std::min(behind, catching_up ? options_.catch_up_chunk_events
                                        : options_.chunk_events);
      if (catch_up_to == 0 && behind >= kCatchUpLogEvents) {
        catch_up_from = scheduled;
        catch_up_to = target_;
        catch_up_started = absl::Now();
        catch_up_cpu = ProcessCpuSeconds();
        read_cpu_ = 0;
        apply_cpu_ = 0;
        write_cpu_ = 0;
      }
    }
    if (far_behind) bulk.Set(true);
    // The events: read ahead while the chunks before were applied, or now.
    // Taken in sequence order, so a read error reported is the first one in
    // the log, whichever reader met its error first.
    absl::StatusOr<std::unique_ptr<EventBatch>> batch;
    if (!ahead.empty() && ahead.front().from == scheduled + 1) {
      batch = ahead.front().batch.get();
      ahead.pop_front();
    } else {
      // No longer wanted (not expected: the chunks follow on).
      for (ReadAhead& unwanted : ahead) {
        auto b = unwanted.batch.get();
        if (b.ok()) GiveBackBatch(*std::move(b));
      }
      ahead.clear();
      // Starting to catch up: the chunks after this one are read meanwhile.
      if (catching_up) fill_ahead(to, target);
      batch = ReadBatch(scheduled + 1, to);
    }
    if (!batch.ok()) {
      Fail(batch.status());
      return;
    }
    to = (*batch)->to;
    if (catching_up) fill_ahead(to, target);
    auto chunk = std::make_unique<ProjectionChunk>(
        log_->db(), log_->projections(), previous.get());
    absl::Status s = ApplyChunk(**batch, *chunk);
    // The chunk holds copies of all it needs: the events' memory can take
    // the next chunk read ahead (one batch less in memory).
    GiveBackBatch(*std::move(batch));
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
          [this, c = chunk.get(), older = std::move(previous),
           to]() mutable {
            pthread_setname_np(pthread_self(), "relief-write");
            ThreadCpuTimer timer(&write_cpu_);
            absl::Status w = WriteChunk(*c, to, /*large=*/true);
            // Freeing takes time too: here, not on the applying thread.
            older.reset();
            return w;
          });
      previous = std::move(chunk);
    } else {
      previous.reset();
      bulk.Set(false);
      s = WriteChunk(*chunk, to, /*large=*/false);
      if (!s.ok()) {
        Fail(s);
        return;
      }
      log_catch_up(to);
    }
    scheduled = to;
  }
}

absl::Status ProjectionRunner::ApplyChunk(const EventBatch& batch,
                                          ProjectionChunk& chunk) {
  ThreadCpuTimer timer(&apply_cpu_);
  std::vector<ProjectionTxn> txns;
  txns.reserve(projections_.size());
  for (const auto& p : projections_) {
    txns.emplace_back(&chunk, absl::StrCat(p->name(), "/"));
  }
  for (size_t k = 0; k < batch.count; ++k) {
    const v1::EventEnvelope* e = batch.envelopes[k].get();
    for (size_t i = 0; i < projections_.size(); ++i) {
      absl::Status s = projections_[i]->Apply(*e, txns[i]);
      if (!s.ok()) {
        return absl::Status(
            s.code(), absl::StrCat("projection ", projections_[i]->name(),
                                   " at event ", e->sequence(), ": ",
                                   s.message()));
      }
    }
  }
  return chunk.Seal();
}

absl::Status ProjectionRunner::WriteChunk(const ProjectionChunk& chunk,
                                          uint64_t last, bool large) {
  // Every projection's changes and checkpoints leave together.
  const std::string checkpoint = EncodeSequenceKey(last);
  std::vector<std::string> checkpoint_keys;
  for (const auto& p : projections_) {
    checkpoint_keys.push_back(CheckpointKey(p->name()));
  }
  std::sort(checkpoint_keys.begin(), checkpoint_keys.end());
  if (large) {
    // A large chunk (catching up) goes in as one table file: no WAL, no
    // memtable, no flush, atomic and durable.
    auto rows = chunk.SortedChanges();
    if (!rows.ok()) return rows.status();
    for (const auto& key : checkpoint_keys) {
      rows->push_back({key, checkpoint, true});
    }
    // The checkpoints sort apart from the projections' rows: one merge.
    std::inplace_merge(
        rows->begin(), rows->end() - static_cast<long>(checkpoint_keys.size()),
        rows->end(), [](const auto& a, const auto& b) { return a.key < b.key; });
    if (auto s = log_->WriteSorted(log_->projections(), *rows); !s.ok()) {
      return s;
    }
  } else {
    rocksdb::WriteBatch batch;
    RELIEF_RETURN_IF_ERROR(chunk.AppendChanges(&batch));
    for (const auto& key : checkpoint_keys) {
      batch.Put(log_->projections(), key, checkpoint);
    }
    // Not synced: a projection lost in a crash is re-derived from the log,
    // and its checkpoint is lost with it.
    if (auto s = log_->Write(&batch, /*sync=*/false); !s.ok()) {
      return s;
    }
  }
  absl::MutexLock lock(&mu_);
  applied_ = last;
  return absl::OkStatus();
}

}  // namespace relief
