// Reconcile (对账): rebuild every read model from the log into scratch space
// and compare it, key by key, with the live read models at the same point.
//
//   1. Take a RocksDB snapshot of the ledger: a consistent view of the live
//      `projections` family while the runner keeps writing.
//   2. Read the live checkpoints under it. The runner writes them all in one
//      batch with the rows, so they agree; the point compared, C, is the
//      highest. A checkpoint that differs shows up as a difference.
//   3. Rebuild the same projections from sequence 1 to C into a fresh RocksDB
//      in `scratch_dir` (the events are read from the log with the chain
//      verified, applied through the projections' own Apply, written in
//      chunks without WAL), and give them checkpoint C.
//   4. Walk both in key order: every key of the live family under the
//      snapshot (checkpoints included) against the scratch database.
//   5. Close and delete the scratch database, also on error or cancel.
//
// Nothing of the live ledger is written.
#ifndef RELIEF_PROJECTIONS_RECONCILE_H_
#define RELIEF_PROJECTIONS_RECONCILE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "ledger/store/event_log.h"
#include "projections/projection.h"

namespace relief {

struct ReconcileOptions {
  // Must not exist; created, and removed with everything in it at the end.
  std::string scratch_dir;
  // Progress is reported after this many events, or this much time, since
  // the last report, whichever comes first.
  uint64_t progress_events = 100000;
  absl::Duration progress_interval = absl::Seconds(1);
  // Differences kept in the report; all are counted.
  size_t max_differences = 1000;
};

struct ReconcileProgress {
  uint64_t sequence = 0;  // the point compared (the live checkpoint)
  uint64_t events_replayed = 0;
  uint64_t keys_compared = 0;
};

struct ReconcileDifferenceRow {
  std::string projection;  // the key's prefix before the first '/'
  std::string key;         // the rest, escaped (EscapeKey)
  std::string problem;     // "missing in the live read model",
                           // "missing in the rebuild", "values differ"
};

struct ReconcileReport {
  uint64_t sequence = 0;
  uint64_t events_replayed = 0;
  uint64_t keys_compared = 0;  // distinct keys in either side
  std::vector<ReconcileDifferenceRow> differences;  // the first ones
  uint64_t differences_total = 0;
  bool ok() const { return differences_total == 0; }
};

// Runs the reconcile. `progress` receives progress reports (see
// ReconcileOptions); `cancelled` is polled often, and when it returns true
// the run stops with CANCELLED. Either may be empty.
absl::StatusOr<ReconcileReport> ReconcileProjections(
    const EventLog& log, std::vector<std::unique_ptr<Projection>> projections,
    const ReconcileOptions& options,
    const std::function<void(const ReconcileProgress&)>& progress,
    const std::function<bool()>& cancelled);

// `key` for people: printable ASCII as is, every other byte and the
// backslash as \xNN (two hex digits).
std::string EscapeKey(absl::string_view key);

}  // namespace relief

#endif  // RELIEF_PROJECTIONS_RECONCILE_H_
