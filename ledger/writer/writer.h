// Writer: the only path by which events enter the log.
//
//   Submit() -> bounded queue -> one writer thread:
//     for each queued submission: idempotency check, Decide, Evolve
//     one synced WriteBatch for the whole group (events + request records)
//     then every reply of the group
//
// Group commit is where durable throughput comes from: one fsync covers
// every command that arrived while the previous one was running.
//
// A submission (one RPC) is all or nothing: if any of its commands is
// rejected, none of its events are written and the state is rolled back
// to before it. Other submissions in the same group are unaffected.
//
// A failed write is sticky: the group's state changes are rolled back, every
// pending and later submission gets UNAVAILABLE, and the writer stays failed
// until the process restarts (LevelDB's rule: never pretend).
//
// Thread-safety: Submit(), Status() and Stop() may be called from any
// thread. Callbacks (`done`, listeners) run on the writer thread and must
// not block.
#ifndef RELIEF_LEDGER_WRITER_WRITER_H_
#define RELIEF_LEDGER_WRITER_WRITER_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "ledger/domain/state.h"
#include "ledger/observe/histogram.h"
#include "ledger/store/event_log.h"
#include "relief/v1/events.pb.h"
#include "relief/v1/ledger_service.pb.h"

namespace relief {

struct WriterOptions {
  // Commands waiting in the queue; beyond it Submit says RESOURCE_EXHAUSTED.
  size_t queue_capacity_commands = 65536;
  // Commands decided per group (one fsync). A submission is never split.
  size_t max_group_commands = 16384;
  // A snapshot of the write model after this many new events (and at Stop).
  uint64_t snapshot_every_events = 1000000;
  // Load the snapshot at start (false: replay the whole log).
  bool use_snapshot = true;
  // Write a snapshot at Stop() so the next start replays nothing.
  bool snapshot_on_stop = true;
  // The writer wakes at least this often to void expired grant proposals.
  int64_t tick_millis = 1000;
  // Wall clock in microseconds since the Unix epoch. Tests pass their own.
  std::function<int64_t()> clock;
};

// One RPC's worth of commands.
struct Submission {
  std::string actor;
  std::vector<v1::Command> commands;
  // Per command; non-empty only for CreateToken (SHA-256 of the new token).
  std::vector<std::string> issued_token_sha256;
  // Per command; non-empty only for a DrawSample without a seed: the 32
  // random bytes the service drew (CommandContext::drawn_seed).
  std::vector<std::string> drawn_seeds;
  // Called exactly once, on the writer thread, after the group is durable
  // (or has failed). On success one result per command.
  absl::AnyInvocable<void(absl::StatusOr<std::vector<v1::CommandResult>>)>
      done;
};

// Told of the log as it grows. Runs on the writer thread; must not block.
class CommitListener {
 public:
  virtual ~CommitListener() = default;
  // After start-up replay, before any command, and after every durable group.
  virtual void OnCommitted(const State& state, const LogHead& head,
                           const std::vector<v1::EventEnvelope>& envelopes) = 0;
  // The writer failed and will accept no more writes.
  virtual void OnWriterFailed(const absl::Status& error) = 0;
};

struct WriterStatus {
  enum class Phase { kRunning, kFailed, kStopping, kStopped };
  Phase phase = Phase::kRunning;
  absl::Status error;
  LogHead head;
  uint64_t snapshot_sequence = 0;
  size_t queue_depth_commands = 0;
  size_t queue_capacity_commands = 0;
  // The most commands ever waiting at once since start.
  size_t queue_max_commands = 0;
  uint64_t groups_committed = 0;
  // A group is being decided or written right now.
  bool busy = false;
};

// What the writer counted since start (for QueryService.GetMetrics).
struct WriterMetrics {
  HistogramSnapshot group_commands;  // commands per group commit
  HistogramSnapshot write_micros;    // the synced WriteBatch of each group
  uint64_t events_appended = 0;
  uint64_t snapshots_written = 0;
};

class Writer {
 public:
  // Loads the snapshot (if it matches the log) and replays the tail, then
  // starts the writer thread. `log` and `listener` must outlive the Writer.
  static absl::StatusOr<std::unique_ptr<Writer>> Start(
      EventLog* log, WriterOptions options, CommitListener* listener);
  ~Writer();  // Stop()s if still running.

  // Queues a submission. On OK, `done` will be called; on error it is not.
  // RESOURCE_EXHAUSTED when the queue is full, UNAVAILABLE when the writer
  // has failed or is stopping, INVALID_ARGUMENT for an empty submission.
  absl::Status Submit(Submission submission);

  // Convenience for start-up and tests: submits and waits for the result.
  absl::StatusOr<std::vector<v1::CommandResult>> SubmitAndWait(
      Submission submission);

  // Stops accepting, finishes everything accepted, writes a snapshot and
  // joins the thread. Idempotent.
  void Stop();

  WriterStatus Status() const;
  WriterMetrics Metrics() const;

  // How start-up went, for the start-up log line.
  uint64_t replayed_events() const { return replayed_events_; }
  bool loaded_snapshot() const { return loaded_snapshot_; }
  const std::string& snapshot_note() const { return snapshot_note_; }

 private:
  Writer(EventLog* log, WriterOptions options, CommitListener* listener);
  absl::Status Recover();
  void Run();
  void ProcessGroup(std::vector<Submission>& group);
  void WriteSnapshot();
  int64_t Now();

  EventLog* const log_;
  const WriterOptions options_;
  CommitListener* const listener_;

  // Owned by the writer thread (and by Recover before it starts).
  State state_;
  LogHead head_;
  uint64_t snapshot_sequence_ = 0;
  uint64_t replayed_events_ = 0;
  bool loaded_snapshot_ = false;
  std::string snapshot_note_;

  mutable absl::Mutex mu_;
  std::deque<Submission> queue_ ABSL_GUARDED_BY(mu_);
  size_t queue_commands_ ABSL_GUARDED_BY(mu_) = 0;
  WriterStatus::Phase phase_ ABSL_GUARDED_BY(mu_) =
      WriterStatus::Phase::kRunning;
  absl::Status error_ ABSL_GUARDED_BY(mu_);
  LogHead published_head_ ABSL_GUARDED_BY(mu_);
  uint64_t published_snapshot_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t groups_committed_ ABSL_GUARDED_BY(mu_) = 0;
  size_t queue_max_commands_ ABSL_GUARDED_BY(mu_) = 0;
  bool busy_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_requested_ ABSL_GUARDED_BY(mu_) = false;

  // Observations only: nothing decides on them. Thread-safe.
  Histogram group_commands_{SizeBounds()};
  Histogram write_micros_{LatencyBoundsMicros()};
  std::atomic<uint64_t> events_appended_{0};
  std::atomic<uint64_t> snapshots_written_{0};

  std::thread thread_;
};

// SHA-256 of the command's deterministic bytes: the idempotency fingerprint.
std::string CommandFingerprint(const v1::Command& command);

}  // namespace relief

#endif  // RELIEF_LEDGER_WRITER_WRITER_H_
