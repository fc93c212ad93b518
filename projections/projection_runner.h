// ProjectionRunner: one thread that tails the log and keeps projections up
// to date.
//
// The writer tells it the new head (Notify); it reads the events after each
// projection's checkpoint, verifying the hash chain as it goes, applies them
// in chunks and writes each chunk with its checkpoints in one batch. Queries
// call WaitFor(min_sequence, deadline) to read their own writes.
//
// Thread-safety: all public methods may be called from any thread.
#ifndef RELIEF_PROJECTIONS_PROJECTION_RUNNER_H_
#define RELIEF_PROJECTIONS_PROJECTION_RUNNER_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "ledger/store/event_log.h"
#include "projections/projection.h"

namespace relief {

class ProjectionRunner {
 public:
  struct Options {
    // Events per chunk (one batch) when following the writer: large enough
    // to amortise the write, small enough that a query waiting for a
    // sequence sees progress often.
    uint64_t chunk_events = 4096;
    // Far behind (at least 4 chunks: a rebuild, a start after a crash),
    // larger chunks, written by a second thread while the next is applied:
    // a busy key is read and written once per chunk, and nobody waits for
    // the middle.
    uint64_t catch_up_chunk_events = 32768;
    // Catching up, how many chunks are read and verified ahead, each on its
    // own thread (relief-read), while the runner applies the chunk before
    // them; they are used strictly in sequence order. Reading a range
    // verifies it from the stored hash of the event before it, so disjoint
    // ranges are read independently; one reader (~1.3 µs of CPU per event:
    // RocksDB iteration, the SHA-256 chain check, the protobuf parse) was
    // the slowest stage of the pipeline, so two share it. 0: no read-ahead.
    size_t read_ahead_chunks = 2;
  };
  // `log` must outlive the runner. Reads the checkpoints; call Start().
  ProjectionRunner(EventLog* log,
                   std::vector<std::unique_ptr<Projection>> projections,
                   Options options);
  ProjectionRunner(EventLog* log,
                   std::vector<std::unique_ptr<Projection>> projections)
      : ProjectionRunner(log, std::move(projections), Options()) {}
  ~ProjectionRunner();

  // Called once, on the runner thread, if applying fails (health turns
  // NOT_SERVING there). REQUIRES: before Start().
  void set_on_failure(std::function<void(const absl::Status&)> on_failure) {
    on_failure_ = std::move(on_failure);
  }
  absl::Status Start();
  // The log's head moved to `sequence`.
  void Notify(uint64_t sequence);
  // Catches up with the last notified head, stops the thread, and makes
  // the checkpoints durable (a synced write), so the next start after a
  // graceful stop has nothing to catch up.
  void Stop();
  // The checkpoint the read models started from (after Start()); lower
  // than the log's head when they have events to catch up.
  uint64_t started_from() const;

  // Waits until every projection has applied `sequence`, or the deadline.
  // Returns the sequence reached (>= `sequence` on success).
  uint64_t WaitFor(uint64_t sequence, absl::Time deadline);
  uint64_t applied() const;
  // OK, or why the runner stopped applying.
  absl::Status health() const;

  struct Checkpoint {
    std::string name;
    uint64_t sequence;
  };
  std::vector<Checkpoint> checkpoints() const;

  // Deletes a projection's data and checkpoint (REQUIRES: not started), so
  // Start() rebuilds it from sequence 1.
  absl::Status Drop(const std::string& name);

  // The key of a projection's checkpoint in the projections family.
  static std::string CheckpointKey(absl::string_view name);

 private:
  void Run();
  void Fail(const absl::Status& s);
  struct EventBatch;
  // Reads and verifies the events from..to (on the runner thread, or on a
  // read-ahead thread: several at once, for disjoint ranges).
  absl::StatusOr<std::unique_ptr<EventBatch>> ReadBatch(uint64_t from,
                                                        uint64_t to) const;
  void GiveBackBatch(std::unique_ptr<EventBatch> batch) const;
  // Applies the batch's events to `chunk`, then seals it.
  absl::Status ApplyChunk(const EventBatch& batch, ProjectionChunk& chunk);
  // Writes the chunk's changes and checkpoints at `last`; then applied_ =
  // last. A `large` chunk is ingested as a table file.
  absl::Status WriteChunk(const ProjectionChunk& chunk, uint64_t last,
                          bool large);
  absl::Status SyncCheckpoints();

  EventLog* const log_;
  std::vector<std::unique_ptr<Projection>> projections_;
  const Options options_;
  std::function<void(const absl::Status&)> on_failure_;

  mutable absl::Mutex mu_;
  uint64_t target_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t applied_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t started_from_ ABSL_GUARDED_BY(mu_) = 0;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status health_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
  // CPU time spent reading, applying and writing during a catch-up (for
  // its log line): each the sum over the threads that did it.
  mutable std::atomic<int64_t> read_cpu_{0};
  mutable absl::Mutex batches_mu_;
  mutable std::vector<std::unique_ptr<EventBatch>> spare_batches_
      ABSL_GUARDED_BY(batches_mu_);
  std::atomic<int64_t> apply_cpu_{0}, write_cpu_{0};
};

}  // namespace relief

#endif  // RELIEF_PROJECTIONS_PROJECTION_RUNNER_H_
