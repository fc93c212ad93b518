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

#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
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

 private:
  ProjectionChunk* chunk_;
  std::string prefix_;
  std::string key_;  // prefix_ + key, reused
};

// The pending changes of one chunk of events, shared by every projection
// applied to it. Reads look at the chunk's own writes, then at the
// database (and remember what they read, so a busy key such as a pool's
// balance is read from RocksDB once per chunk, not once per event). The
// changes leave as one WriteBatch in key order, which RocksDB's memtable
// inserts fastest; a key written many times in the chunk is written once.
class ProjectionChunk {
 public:
  // `base`, if given, is the chunk before this one, whose changes may not
  // be in the database yet: reads look there before the database. It must
  // stay unchanged and alive while this chunk is read.
  ProjectionChunk(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* family,
                  const ProjectionChunk* base = nullptr)
      : db_(db), family_(family), base_(base) {}

  // Keys written or deleted since the last Drain.
  size_t changed() const { return changed_; }
  // Appends the changes, sorted by key, to `batch` (in `family`). Reads
  // the chunk only, so another thread may read it meanwhile.
  void AppendChanges(rocksdb::WriteBatch* batch) const;
  // AppendChanges, then forgets everything (the database is to hold what
  // the chunk held).
  void Drain(rocksdb::WriteBatch* batch);

 private:
  friend class ProjectionTxn;
  struct Entry {
    std::optional<std::string> value;  // nullopt: absent or deleted
    bool dirty = false;
  };
  absl::StatusOr<std::optional<std::string>> Get(const std::string& key);
  void Set(const std::string& key, std::optional<std::string> value);

  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* family_;
  const ProjectionChunk* base_;
  absl::flat_hash_map<std::string, Entry> entries_;
  size_t changed_ = 0;
};

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
