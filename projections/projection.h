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

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "relief/v1/events.pb.h"
#include "rocksdb/db.h"
#include "rocksdb/utilities/write_batch_with_index.h"

namespace relief {

// Reads and writes of one projection while a chunk of events is applied;
// reads see the chunk's own earlier writes.
class ProjectionTxn {
 public:
  ProjectionTxn(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* family,
                rocksdb::WriteBatchWithIndex* batch, std::string prefix);
  absl::StatusOr<std::optional<std::string>> Get(absl::string_view key);
  void Put(absl::string_view key, absl::string_view value);
  void Delete(absl::string_view key);

 private:
  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* family_;
  rocksdb::WriteBatchWithIndex* batch_;
  std::string prefix_;
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
