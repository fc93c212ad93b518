#include "ledger/writer/writer.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "ledger/domain/decider.h"
#include "ledger/domain/grants.h"
#include "ledger/domain/rejection.h"
#include "ledger/store/sha256.h"
#include "rocksdb/write_batch.h"

namespace relief {
namespace {

std::string SerializeDeterministic(const google::protobuf::Message& message) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return out;
}

int64_t SystemNowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

absl::Status Unavailable(v1::ErrorReason reason, absl::string_view message) {
  return Reject(absl::StatusCode::kUnavailable, reason, message);
}

}  // namespace

std::string CommandFingerprint(const v1::Command& command) {
  return Sha256(SerializeDeterministic(command));
}

Writer::Writer(EventLog* log, WriterOptions options, CommitListener* listener)
    : log_(log), options_(std::move(options)), listener_(listener) {}

absl::StatusOr<std::unique_ptr<Writer>> Writer::Start(
    EventLog* log, WriterOptions options, CommitListener* listener) {
  if (!options.clock) options.clock = SystemNowMicros;
  std::unique_ptr<Writer> writer(new Writer(log, std::move(options), listener));
  if (auto s = writer->Recover(); !s.ok()) return s;
  {
    absl::MutexLock lock(&writer->mu_);
    writer->published_head_ = writer->head_;
    writer->published_snapshot_ = writer->snapshot_sequence_;
  }
  if (listener != nullptr) {
    listener->OnCommitted(writer->state_, writer->head_, {});
  }
  writer->thread_ = std::thread([w = writer.get()] { w->Run(); });
  return writer;
}

Writer::~Writer() { Stop(); }

absl::Status Writer::Recover() {
  auto head = log_->ReadHead();
  if (!head.ok()) return head.status();

  uint64_t from = 0;
  std::string from_hash = GenesisHash();
  if (options_.use_snapshot) {
    auto snapshot = log_->LoadSnapshot();
    if (!snapshot.ok()) return snapshot.status();
    if (!snapshot->has_value()) {
      snapshot_note_ = "no snapshot";
    } else if ((*snapshot)->format_version() != 1) {
      snapshot_note_ = "snapshot format unknown; full replay";
    } else if ((*snapshot)->sequence() > head->sequence) {
      snapshot_note_ = absl::StrCat("snapshot at ", (*snapshot)->sequence(),
                                    " is beyond the log head ",
                                    head->sequence, "; full replay");
    } else {
      auto stored = (*snapshot)->sequence() == 0
                        ? absl::StatusOr<std::string>(GenesisHash())
                        : log_->ReadHash((*snapshot)->sequence());
      if (!stored.ok() || *stored != (*snapshot)->hash()) {
        snapshot_note_ = absl::StrCat(
            "snapshot at ", (*snapshot)->sequence(),
            " does not match the log's hash there; full replay");
      } else {
        state_.ImportFrom(**snapshot);
        from = (*snapshot)->sequence();
        from_hash = *stored;
        loaded_snapshot_ = true;
        snapshot_sequence_ = from;
        snapshot_note_ = absl::StrCat("snapshot at ", from);
      }
    }
  } else {
    snapshot_note_ = "snapshot not used";
  }

  LogHead reached{from, from_hash, 0};
  auto s = log_->Scan(from + 1, 0, [&](const v1::EventEnvelope& envelope) {
    Evolve(state_, envelope.event(), envelope.sequence());
    reached.sequence = envelope.sequence();
    reached.hash = envelope.hash();
    reached.recorded_at_unix_micros = envelope.recorded_at_unix_micros();
    ++replayed_events_;
    return true;
  });
  state_.ForgetUndo();
  if (!s.ok()) return s;
  if (reached.sequence != head->sequence) {
    return Reject(absl::StatusCode::kDataLoss, v1::CHAIN_BROKEN,
                  absl::StrCat("replay reached sequence ", reached.sequence,
                               " but the log head is ", head->sequence));
  }
  head_ = *std::move(head);
  return absl::OkStatus();
}

int64_t Writer::Now() {
  // Time never runs backwards in the log, whatever the wall clock does.
  return std::max(options_.clock(), head_.recorded_at_unix_micros);
}

absl::Status Writer::Submit(Submission submission) {
  const size_t n = submission.commands.size();
  if (n == 0) {
    return InvalidArgument(v1::BATCH_INVALID, "no commands were given");
  }
  absl::MutexLock lock(&mu_);
  if (phase_ == WriterStatus::Phase::kFailed) {
    return Unavailable(
        v1::WRITER_STOPPED,
        absl::StrCat("the ledger accepts no writes after a storage failure "
                     "(",
                     error_.message(),
                     "); nothing was written. An operator must fix the cause "
                     "and restart reliefd"));
  }
  if (stop_requested_) {
    return Unavailable(v1::SHUTTING_DOWN,
                       "reliefd is shutting down; nothing was written, retry "
                       "with the same request id after it restarts");
  }
  if (queue_commands_ + n > options_.queue_capacity_commands) {
    return Reject(
        absl::StatusCode::kResourceExhausted, v1::QUEUE_FULL,
        absl::StrCat("the command queue is full (", queue_commands_, " of ",
                     options_.queue_capacity_commands,
                     " commands waiting); retry after a short backoff with "
                     "the same request id"));
  }
  queue_commands_ += n;
  queue_max_commands_ = std::max(queue_max_commands_, queue_commands_);
  queue_.push_back(std::move(submission));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<v1::CommandResult>> Writer::SubmitAndWait(
    Submission submission) {
  absl::Notification done;
  absl::StatusOr<std::vector<v1::CommandResult>> result;
  submission.done = [&](absl::StatusOr<std::vector<v1::CommandResult>> r) {
    result = std::move(r);
    done.Notify();
  };
  if (auto s = Submit(std::move(submission)); !s.ok()) return s;
  done.WaitForNotification();
  return result;
}

void Writer::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stop_requested_) {
      // Another caller stops (or stopped) it; wait below only if we own it.
    }
    stop_requested_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

WriterStatus Writer::Status() const {
  absl::MutexLock lock(&mu_);
  WriterStatus status;
  status.phase = phase_;
  status.error = error_;
  status.head = published_head_;
  status.snapshot_sequence = published_snapshot_;
  status.queue_depth_commands = queue_commands_;
  status.queue_capacity_commands = options_.queue_capacity_commands;
  status.queue_max_commands = queue_max_commands_;
  status.groups_committed = groups_committed_;
  status.busy = busy_;
  return status;
}

WriterMetrics Writer::Metrics() const {
  WriterMetrics metrics;
  metrics.group_commands = group_commands_.Snapshot();
  metrics.write_micros = write_micros_.Snapshot();
  metrics.events_appended = events_appended_.load(std::memory_order_relaxed);
  metrics.snapshots_written =
      snapshots_written_.load(std::memory_order_relaxed);
  return metrics;
}

void Writer::Run() {
  std::vector<Submission> group;
  while (true) {
    group.clear();
    {
      absl::MutexLock lock(&mu_);
      // Wake at least every tick: proposals expire even when no command
      // comes (the writer decides that itself, from its clock).
      const bool woken = mu_.AwaitWithTimeout(
          absl::Condition(
              +[](Writer* w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(w->mu_) {
                return !w->queue_.empty() || w->stop_requested_;
              },
              this),
          absl::Milliseconds(options_.tick_millis));
      if (queue_.empty() && stop_requested_) break;  // nothing left
      if (!woken || queue_.empty()) {
        if (phase_ != WriterStatus::Phase::kRunning ||
            state_.GrantsExpiredAt(Now()).empty()) {
          continue;
        }
      }
      size_t commands = 0;
      while (!queue_.empty() &&
             (group.empty() || commands + queue_.front().commands.size() <=
                                   options_.max_group_commands)) {
        commands += queue_.front().commands.size();
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      queue_commands_ -= commands;
      if (stop_requested_ && phase_ == WriterStatus::Phase::kRunning) {
        phase_ = WriterStatus::Phase::kStopping;
      }
      busy_ = true;
      if (commands > 0) group_commands_.Observe(commands);
    }
    ProcessGroup(group);
    bool failed;
    {
      absl::MutexLock lock(&mu_);
      busy_ = false;
      failed = phase_ == WriterStatus::Phase::kFailed;
    }
    if (!failed &&
        head_.sequence - snapshot_sequence_ >= options_.snapshot_every_events) {
      WriteSnapshot();
    }
  }
  bool failed;
  {
    absl::MutexLock lock(&mu_);
    failed = phase_ == WriterStatus::Phase::kFailed;
  }
  if (!failed && options_.snapshot_on_stop &&
      head_.sequence != snapshot_sequence_) {
    WriteSnapshot();
  }
  absl::MutexLock lock(&mu_);
  if (phase_ != WriterStatus::Phase::kFailed) {
    phase_ = WriterStatus::Phase::kStopped;
  }
}

void Writer::ProcessGroup(std::vector<Submission>& group) {
  {
    absl::MutexLock lock(&mu_);
    if (phase_ == WriterStatus::Phase::kFailed) {
      for (auto& item : group) {
        item.done(Unavailable(v1::WRITER_STOPPED,
                              absl::StrCat("the ledger accepts no writes after "
                                           "a storage failure (",
                                           error_.message(), ")")));
      }
      return;
    }
  }
  const int64_t now = Now();
  rocksdb::WriteBatch batch;
  std::vector<v1::EventEnvelope> envelopes;
  std::vector<absl::StatusOr<std::vector<v1::CommandResult>>> outcomes;
  outcomes.reserve(group.size());
  // Request ids applied earlier in this group, not yet in RocksDB.
  absl::flat_hash_map<std::string, storage::v1::RequestRecord> group_requests;
  uint64_t sequence = head_.sequence;
  std::string previous_hash = head_.hash;
  std::vector<v1::Event> events;
  std::string payload;

  // Appends one envelope per event, chained, and evolves the state.
  auto append = [&](std::vector<v1::Event>& events, const std::string& actor,
                    const std::string& request_id) {
    for (v1::Event& event : events) {
      v1::EventEnvelope& envelope = envelopes.emplace_back();
      envelope.set_sequence(++sequence);
      envelope.set_recorded_at_unix_micros(now);
      envelope.set_actor(actor);
      envelope.set_request_id(request_id);
      envelope.set_previous_hash(previous_hash);
      *envelope.mutable_event() = std::move(event);
      payload = SerializeDeterministic(envelope);
      std::string hash = Sha256(previous_hash, payload);
      batch.Put(log_->events(), EncodeSequenceKey(sequence),
                EncodeEventValue(hash, payload));
      Evolve(state_, envelope.event(), sequence);
      envelope.set_hash(hash);
      previous_hash = std::move(hash);
    }
  };

  // First what time alone decides: proposals past their expiry are voided.
  {
    std::vector<v1::Event> expiries;
    DecideExpiries(state_, now, &expiries);
    for (auto& e : expiries) {
      std::vector<v1::Event> one;
      const std::string request_id = "expire-" + e.grant_voided().grant_id();
      one.push_back(std::move(e));
      append(one, "system", request_id);
    }
  }

  for (Submission& item : group) {
    const size_t state_mark = state_.Mark();
    const uint64_t sequence_mark = sequence;
    const std::string hash_mark = previous_hash;
    const size_t envelopes_mark = envelopes.size();
    std::vector<std::string> item_request_ids;
    batch.SetSavePoint();
    std::vector<v1::CommandResult> results;
    results.reserve(item.commands.size());
    absl::Status status;
    const bool many = item.commands.size() > 1;

    for (size_t i = 0; i < item.commands.size() && status.ok(); ++i) {
      const v1::Command& command = item.commands[i];
      auto prefixed = [&](const absl::Status& s) {
        return many ? WithPrefix(s, absl::StrCat("command ", i, ": ")) : s;
      };
      if (auto s = ValidateCommand(command); !s.ok()) {
        status = prefixed(s);
        break;
      }
      const std::string request_id(RequestIdOf(command));
      const std::string fingerprint = CommandFingerprint(command);
      std::optional<storage::v1::RequestRecord> earlier;
      if (auto it = group_requests.find(request_id);
          it != group_requests.end()) {
        earlier = it->second;
      } else {
        auto found = log_->FindRequest(request_id);
        if (!found.ok()) {
          status = prefixed(found.status());
          break;
        }
        earlier = *std::move(found);
      }
      if (earlier.has_value()) {
        if (earlier->fingerprint() != fingerprint) {
          status = prefixed(AlreadyExists(
              v1::REQUEST_ID_REUSED,
              absl::StrCat("request id '", request_id,
                           "' was already used for a different command (at "
                           "sequence ",
                           earlier->first_sequence(),
                           "); use a new request id for a new command")));
          break;
        }
        v1::CommandResult& r = results.emplace_back();
        r.set_first_sequence(earlier->first_sequence());
        r.set_event_count(earlier->event_count());
        r.set_recorded_at_unix_micros(earlier->recorded_at_unix_micros());
        r.set_replayed(true);
        continue;
      }

      events.clear();
      CommandContext context;
      context.actor = item.actor;
      context.now_unix_micros = now;
      context.last_sequence = sequence;
      if (i < item.issued_token_sha256.size()) {
        context.issued_token_sha256 = item.issued_token_sha256[i];
      }
      if (i < item.drawn_seeds.size()) context.drawn_seed = item.drawn_seeds[i];
      if (auto s = Decide(state_, command, context, &events); !s.ok()) {
        status = prefixed(s);
        break;
      }
      RELIEF_CHECK(!events.empty(), "Decide accepted but produced no event");
      const uint64_t first = sequence + 1;
      append(events, item.actor, request_id);
      storage::v1::RequestRecord record;
      record.set_fingerprint(fingerprint);
      record.set_first_sequence(first);
      record.set_event_count(static_cast<uint32_t>(events.size()));
      record.set_recorded_at_unix_micros(now);
      batch.Put(log_->requests(), request_id, record.SerializeAsString());
      group_requests[request_id] = record;
      item_request_ids.push_back(request_id);

      v1::CommandResult& r = results.emplace_back();
      r.set_first_sequence(first);
      r.set_event_count(record.event_count());
      r.set_recorded_at_unix_micros(now);
    }

    if (status.ok()) {
      batch.PopSavePoint();
      outcomes.emplace_back(std::move(results));
    } else {
      // All or nothing: undo this submission's effects, keep the group's.
      state_.RollbackTo(state_mark);
      RELIEF_CHECK(batch.RollbackToSavePoint().ok(), "WriteBatch savepoint");
      sequence = sequence_mark;
      previous_hash = hash_mark;
      envelopes.resize(envelopes_mark);
      for (const auto& id : item_request_ids) group_requests.erase(id);
      outcomes.emplace_back(status);
    }
  }

  if (batch.Count() > 0) {
    const auto write_start = std::chrono::steady_clock::now();
    absl::Status written = log_->Write(&batch, /*sync=*/true);
    write_micros_.Observe(static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::steady_clock::now() - write_start)
            .count()));
    if (!written.ok()) {
      // Nothing of this group may count: the disk may hold none of it.
      state_.RollbackTo(0);
      {
        absl::MutexLock lock(&mu_);
        phase_ = WriterStatus::Phase::kFailed;
        error_ = written;
      }
      std::fprintf(stderr,
                   "reliefd: FATAL storage write failed, refusing all further "
                   "writes: %s\n",
                   std::string(written.message()).c_str());
      if (listener_ != nullptr) listener_->OnWriterFailed(written);
      for (auto& item : group) {
        item.done(Unavailable(
            v1::WRITER_STOPPED,
            absl::StrCat("the write to disk failed (", written.message(),
                         "); this request was not acknowledged. Retry it "
                         "with the same request id once reliefd has been "
                         "restarted (a retry is applied at most once); the "
                         "ledger accepts no writes until then")));
      }
      return;
    }
    RELIEF_CHECK(sequence == head_.sequence + envelopes.size(),
                 "sequence gap in a group");
    head_.sequence = sequence;
    head_.hash = previous_hash;
    head_.recorded_at_unix_micros = now;
    events_appended_.fetch_add(envelopes.size(), std::memory_order_relaxed);
  }
  state_.ForgetUndo();
  {
    absl::MutexLock lock(&mu_);
    published_head_ = head_;
    ++groups_committed_;
  }
  if (listener_ != nullptr && !envelopes.empty()) {
    listener_->OnCommitted(state_, head_, envelopes);
  }
  for (size_t i = 0; i < group.size(); ++i) {
    group[i].done(std::move(outcomes[i]));
  }
}

void Writer::WriteSnapshot() {
  storage::v1::Snapshot snapshot;
  snapshot.set_format_version(1);
  snapshot.set_sequence(head_.sequence);
  snapshot.set_hash(head_.hash);
  snapshot.set_last_recorded_at_unix_micros(head_.recorded_at_unix_micros);
  state_.ExportTo(&snapshot);
  absl::Status s = log_->SaveSnapshot(snapshot);
  if (!s.ok()) {
    // A missing snapshot only costs start-up time; the log is intact.
    std::fprintf(stderr, "reliefd: writing a snapshot failed: %s\n",
                 std::string(s.message()).c_str());
    return;
  }
  snapshot_sequence_ = head_.sequence;
  snapshots_written_.fetch_add(1, std::memory_order_relaxed);
  absl::MutexLock lock(&mu_);
  published_snapshot_ = snapshot_sequence_;
}

}  // namespace relief
