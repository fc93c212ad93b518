// Projections: read models built from the log, rebuildable from sequence 0.
//
// A projection is an `evolve` with its own state, kept in the "projections"
// column family under its own key prefix:
//
//   key   := projection-name "/" key-within-projection
//   value := a protobuf message of the projection's choosing
//   checkpoint/<projection-name> := sequence, 8 bytes big-endian: the last
//            event applied; written in the same WriteBatch as the changes
//            that event caused, so a crash never leaves them apart.
//
// Dropping a projection = deleting its prefix and its checkpoint; the runner
// then rebuilds it from sequence 1.
#ifndef RELIEF_PROJECTIONS_PROJECTION_H_
#define RELIEF_PROJECTIONS_PROJECTION_H_

#include <memory>
#include <optional>
#include <string>
#include <typeinfo>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message_lite.h"
#include "ledger/domain/rejection.h"
#include "ledger/store/event_log.h"
#include "relief/v1/events.pb.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"

namespace relief {

class ProjectionChunk;

// Reads and writes of one projection while a chunk of events is applied;
// reads see the chunk's own earlier writes. A view of a ProjectionChunk
// under the projection's key prefix.
class ProjectionTxn {
 public:
  ProjectionTxn(ProjectionChunk* chunk, std::string prefix);
  absl::StatusOr<std::optional<std::string>> Get(absl::string_view key);
  void Put(absl::string_view key, absl::string_view value);
  void Delete(absl::string_view key);

  // The row at `key` as a message to change in place (an empty message if
  // the key is absent): parsed once per chunk and serialized once when the
  // chunk is sealed, however many events change it. For busy rows (a
  // pool's balance). The row is written. DATA_LOSS if the stored row does
  // not parse; INTERNAL if the key is held as another message type.
  template <typename Message>
  absl::StatusOr<Message*> Mutable(absl::string_view key);

  // Adds `bytes` to the end of the row at `key` (an absent row is empty)
  // without reading it: a RocksDB merge (ProjectionsMergeOperator). For rows
  // that only grow and that nothing reads while the chunk is applied (an
  // account's statement lines). A key extended in a chunk may not be read,
  // put or deleted in it: writing the chunk fails (INTERNAL).
  void Extend(absl::string_view key, absl::string_view bytes);

 private:
  google::protobuf::MessageLite* FindMessage(absl::string_view key,
                                             absl::Status* status);
  absl::Status AdoptMessage(absl::string_view key,
                            std::unique_ptr<google::protobuf::MessageLite> m);
  ProjectionChunk* chunk_;
  std::string prefix_;
  std::string key_;  // prefix_ + key, reused
};

// Bytes that live as long as the chunk: keys and values are copied here
// once, in large blocks, and freed all at once.
class ByteArena {
 public:
  absl::string_view Copy(absl::string_view bytes);
  // Room for `size` bytes, filled by the caller.
  char* Allocate(size_t size);

 private:
  static constexpr size_t kMaxBlockBytes = 1 << 20;
  std::vector<std::unique_ptr<char[]>> blocks_;
  char* next_ = nullptr;
  size_t left_ = 0;
};

// The pending changes of one chunk of events, shared by every projection
// applied to it. Reads look at the chunk's own writes, then at the
// database (and remember what they read, so a busy key such as a pool's
// balance is read from RocksDB once per chunk, not once per event). The
// changes leave in key order, which RocksDB's memtable inserts fastest and
// a table file requires; a key written many times in the chunk is written
// once.
class ProjectionChunk {
 public:
  // `base`, if given, is the chunk before this one, whose changes may not
  // be in the database yet: reads look there before the database. It must
  // be sealed, stay unchanged, and stay alive while this chunk is applied
  // (values read from it are copied).
  ProjectionChunk(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* family,
                  const ProjectionChunk* base = nullptr)
      : db_(db), family_(family), base_(base) {}

  // Keys written, deleted or extended since the last Drain.
  size_t changed() const { return changed_ + extended_.size(); }
  // Ends the chunk's changes: serializes the messages changed in place.
  // Reads may follow (and another chunk may read through this one); changes
  // may not until Drain.
  absl::Status Seal();
  // The changes in strictly increasing key order (pointing into the
  // chunk), for EventLog::WriteSorted. REQUIRES: sealed. Reads the chunk
  // only, so another thread may read it meanwhile.
  absl::StatusOr<std::vector<EventLog::SortedRow>> SortedChanges() const;
  // The same, appended to `batch` (in `family`).
  absl::Status AppendChanges(rocksdb::WriteBatch* batch) const;
  // Seals, appends the changes to `batch`, then forgets everything (the
  // database is to hold what the chunk held).
  absl::Status Drain(rocksdb::WriteBatch* batch);

 private:
  friend class ProjectionTxn;
  struct Entry {
    absl::string_view value;  // in arena_; meaningful when present
    bool present = false;     // false: absent or deleted
    bool dirty = false;
    // While set, the row's value (Mutable); serialized by Seal.
    std::unique_ptr<google::protobuf::MessageLite> message;
  };
  // The entry of `key`, read from the base chunk or the database if the
  // chunk has not seen it.
  absl::StatusOr<Entry*> Find(absl::string_view key);
  absl::StatusOr<std::optional<std::string>> Get(absl::string_view key);
  Entry& Touch(absl::string_view key);  // the entry, marked dirty
  void Set(absl::string_view key, std::optional<absl::string_view> value);
  void Extend(absl::string_view key, absl::string_view bytes);

  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* family_;
  const ProjectionChunk* base_;
  ByteArena arena_;
  absl::flat_hash_map<absl::string_view, Entry> entries_;  // keys in arena_
  size_t changed_ = 0;
  // Bytes to add to rows, by key (keys in arena_): few rows, each extended
  // by many events.
  absl::flat_hash_map<absl::string_view, std::string> extended_;
  bool sealed_ = false;
};

template <typename Message>
absl::StatusOr<Message*> ProjectionTxn::Mutable(absl::string_view key) {
  absl::Status status;
  google::protobuf::MessageLite* found = FindMessage(key, &status);
  if (!status.ok()) return status;
  if (found != nullptr) {
    // The exact type (messages are final): cheaper than a dynamic_cast,
    // once per event and row.
    if (typeid(*found) != typeid(Message)) {
      return absl::InternalError(
          "a read-model row is held as another message type");
    }
    return static_cast<Message*>(found);
  }
  auto message = std::make_unique<Message>();
  Message* raw = message.get();
  RELIEF_RETURN_IF_ERROR(AdoptMessage(key, std::move(message)));
  return raw;
}

class Projection {
 public:
  virtual ~Projection() = default;
  // Stable, short, [a-z_]: the key prefix and the checkpoint's name.
  virtual std::string name() const = 0;
  // Applies one event. Errors stop the runner (the projection is failed
  // until restart or rebuild); they mean a bug or damaged storage.
  virtual absl::Status Apply(const v1::EventEnvelope& envelope,
                             ProjectionTxn& txn) = 0;
};

}  // namespace relief

#endif  // RELIEF_PROJECTIONS_PROJECTION_H_
