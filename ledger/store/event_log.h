// EventLog: the ledger's storage, one RocksDB database in the data dir.
//
// Layout (also in docs/formats.md):
//
//   column family "events"      the log; written once, never changed
//     key     := sequence                  uint64, 8 bytes big-endian
//     value   := hash payload
//     hash    := 32 bytes                  SHA-256(previous_hash || payload)
//     payload := relief.v1.EventEnvelope   deterministic protobuf bytes,
//                                          field `hash` unset
//   column family "requests"    idempotency: one record per applied command
//     key     := request_id bytes
//     value   := relief.storage.v1.RequestRecord
//   column family "meta"
//     "format"   -> "relief-ledger-v1"
//     "snapshot" -> relief.storage.v1.Snapshot
//   column family "projections" owned by projections/ (see projection.h)
//
// Sequences start at 1 and have no gaps; sequence 1's previous_hash is 32
// zero bytes. The envelope repeats its sequence, so a value moved to another
// key is caught.
//
// Thread-safety: the RocksDB handle is thread-safe; EventLog's own state
// after Open is a counter naming WriteSorted's files (atomic). Only the
// writer appends.
#ifndef RELIEF_LEDGER_STORE_EVENT_LOG_H_
#define RELIEF_LEDGER_STORE_EVENT_LOG_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>
#include "absl/strings/string_view.h"

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "relief/storage/v1/storage.pb.h"
#include "relief/v1/events.pb.h"
#include "rocksdb/db.h"

namespace relief {

std::string EncodeSequenceKey(uint64_t sequence);
// REQUIRES: key.size() == 8.
uint64_t DecodeSequenceKey(absl::string_view key);
std::string EncodeEventValue(absl::string_view hash, absl::string_view payload);
// The hash of sequence 0 (before the first event): 32 zero bytes.
const std::string& GenesisHash();

// The last event of the log; {0, GenesisHash()} when empty.
struct LogHead {
  uint64_t sequence = 0;
  std::string hash;
  int64_t recorded_at_unix_micros = 0;
};

// Checks envelopes one by one, in order; remembers the first failure.
// Parses stored envelope bytes into `envelope` as ParseFromArray does, but
// reuses the memory of the event it held when the bytes are of the same
// kind (ParseFromArray deletes the event with its strings and postings and
// allocates them again: a fifth of reading the log). False if the bytes do
// not decode.
bool ParseEnvelopeReusing(absl::string_view bytes, v1::EventEnvelope* envelope);

class ChainVerifier {
 public:
  // Start after `sequence` whose stored hash is `hash`.
  ChainVerifier(uint64_t sequence, std::string hash)
      : last_sequence_(sequence), last_hash_(std::move(hash)) {}
  // Checks one stored record. Returns false (and keeps the problem) at the
  // first one that does not match; `envelope` receives the decoded envelope
  // (its hash set) when non-null and the record checks out.
  bool Check(absl::string_view key, absl::string_view value,
             v1::EventEnvelope* envelope);
  uint64_t last_good_sequence() const { return last_sequence_; }
  const std::string& last_good_hash() const { return last_hash_; }
  uint64_t bad_sequence() const { return bad_sequence_; }
  const std::string& problem() const { return problem_; }

 private:
  bool Fail(uint64_t sequence, std::string problem);
  uint64_t last_sequence_;
  std::string last_hash_;
  uint64_t bad_sequence_ = 0;
  std::string problem_;
};

struct VerifyReport {
  bool ok = true;
  uint64_t verified_through = 0;
  uint64_t first_bad_sequence = 0;
  std::string problem;
  LogHead head;
};

enum class OpenMode { kReadWrite, kReadOnly };

// The projections family's merge operator: a merge appends its operand to
// the row's value (an absent row is empty), so rows that only grow (an
// account's statement lines) are written without reading them first.
// Exposed for the other databases that hold read-model rows (reconcile's
// scratch database) and for tests that open a ledger with RocksDB alone.
std::shared_ptr<rocksdb::MergeOperator> ProjectionsMergeOperator();

class EventLog {
 public:
  // Opens the database in `dir`: read-write creates it if missing; read-only
  // (for offline verification) never creates or changes anything and fails
  // if `dir` holds no ledger. Fails with a clear message if it is locked by
  // another process or is not a ledger.
  // `env`, when not null, is the RocksDB environment to use (tests inject
  // a failing file system through it); it must outlive the EventLog.
  static absl::StatusOr<std::unique_ptr<EventLog>> Open(
      const std::string& dir, OpenMode mode = OpenMode::kReadWrite,
      rocksdb::Env* env = nullptr);
  ~EventLog();

  rocksdb::DB* db() const { return db_.get(); }
  rocksdb::ColumnFamilyHandle* events() const { return events_; }
  rocksdb::ColumnFamilyHandle* requests() const { return requests_; }
  rocksdb::ColumnFamilyHandle* meta() const { return meta_; }
  rocksdb::ColumnFamilyHandle* projections() const { return projections_; }

  // Writes a batch; `sync` makes the WAL durable before returning.
  absl::Status Write(rocksdb::WriteBatch* batch, bool sync);

  // Rows in strictly increasing key order for WriteSorted: a value, a
  // delete, or bytes to add to the end of the row's value (a merge with
  // ProjectionsMergeOperator).
  struct SortedRow {
    absl::string_view key;
    absl::string_view value;
    bool present = true;  // false: delete the key
    bool extend = false;  // true: append `value` to the stored value
  };
  // Writes `rows` (strictly increasing keys) into `family` atomically and
  // durably as one table file ingested into the database, bypassing the
  // WAL and the memtable: for large batches (rebuilding read models), where
  // that is several times cheaper than a WriteBatch. The rows become
  // visible all at once; on a crash either all or none are there.
  absl::Status WriteSorted(rocksdb::ColumnFamilyHandle* family,
                           const std::vector<SortedRow>& rows);

  // Bulk loading `family` (rebuilding read models with WriteSorted):
  // compaction waits until it ends, and writes never stall on the files
  // that pile up meanwhile. Call again with false at the end.
  absl::Status SetBulkLoading(rocksdb::ColumnFamilyHandle* family, bool bulk);

  absl::StatusOr<LogHead> ReadHead() const;
  // The stored hash of one event; NOT_FOUND if absent.
  absl::StatusOr<std::string> ReadHash(uint64_t sequence) const;
  absl::StatusOr<std::optional<storage::v1::RequestRecord>> FindRequest(
      absl::string_view request_id) const;
  absl::StatusOr<std::optional<storage::v1::Snapshot>> LoadSnapshot() const;
  absl::Status SaveSnapshot(const storage::v1::Snapshot& snapshot);

  // Calls `visit` for each envelope with sequence in [from, to] in order
  // (to = 0: to the end), verifying the chain from `from` on; stops early
  // when `visit` returns false. DATA_LOSS names the first bad sequence.
  absl::Status Scan(uint64_t from, uint64_t to,
                    const std::function<bool(const v1::EventEnvelope&)>& visit)
      const;

  // Scan into messages that outlive the call: the events from..to (all
  // must be present), verified as Scan does, parsed into (*envelopes)[0..]
  // — reusing the messages already there, whose memory a parse reuses, and
  // adding more as needed; `count` receives how many. For reading ahead on
  // another thread while the previous range is applied.
  absl::Status ReadRange(
      uint64_t from, uint64_t to,
      std::vector<std::unique_ptr<v1::EventEnvelope>>* envelopes,
      size_t* count) const;

  // Decodes events without chain checks (for listing): newest first or
  // oldest first, at most `limit`.
  absl::Status List(uint64_t after, uint64_t before, bool newest_first,
                    uint32_t limit,
                    const std::function<void(v1::EventEnvelope)>& visit) const;

  // Walks the whole log and reports the first record that does not verify.
  VerifyReport Verify() const;

  // Test seam: every later Write fails with `error` (as a full disk would).
  void FailWritesForTesting(absl::Status error) { injected_failure_ = error; }

 private:
  EventLog() = default;
  // Scan's and ReadRange's walk: the events from..to (to = 0: to the end)
  // in order, each parsed into slot() and checked against the chain, then
  // visit() (false stops). `last` receives the last sequence verified.
  absl::Status VerifiedWalk(
      uint64_t from, uint64_t to,
      absl::FunctionRef<v1::EventEnvelope*()> slot,
      absl::FunctionRef<bool(const v1::EventEnvelope&)> visit,
      uint64_t* last) const;
  std::unique_ptr<rocksdb::DB> db_;
  rocksdb::ColumnFamilyHandle* events_ = nullptr;
  rocksdb::ColumnFamilyHandle* requests_ = nullptr;
  rocksdb::ColumnFamilyHandle* meta_ = nullptr;
  rocksdb::ColumnFamilyHandle* projections_ = nullptr;
  rocksdb::ColumnFamilyHandle* default_ = nullptr;
  bool read_only_ = false;
  absl::Status injected_failure_;
  std::string dir_;
  rocksdb::Options options_;
  rocksdb::ColumnFamilyOptions bulk_table_options_;  // for WriteSorted
  std::atomic<uint64_t> ingested_files_{0};  // names WriteSorted's next file
};

// Maps a RocksDB status to an absl::Status with context. A full disk
// (NoSpace) and other I/O errors are UNAVAILABLE / STORAGE_ERROR with a
// message that says what an operator does; corruption is DATA_LOSS.
absl::Status FromRocks(const rocksdb::Status& status, absl::string_view what);

}  // namespace relief

#endif  // RELIEF_LEDGER_STORE_EVENT_LOG_H_
