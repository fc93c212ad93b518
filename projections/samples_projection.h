// The spot-check samples (抽查样本) read model: every SampleDrawn event with
// who drew it and when.
//
//   samples/s/<seq:8 big-endian>  := relief.v1.Sample
//
// Samples are few (a committee draws a handful a year), so this is the only
// key: listing newest first is a reverse scan, a look-up by id one Get.
#ifndef RELIEF_PROJECTIONS_SAMPLES_PROJECTION_H_
#define RELIEF_PROJECTIONS_SAMPLES_PROJECTION_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/store/event_log.h"
#include "projections/projection.h"
#include "relief/v1/audit_service.pb.h"

namespace relief {

class SamplesProjection : public Projection {
 public:
  static constexpr char kName[] = "samples";
  std::string name() const override { return kName; }
  absl::Status Apply(const v1::EventEnvelope& envelope,
                     ProjectionTxn& txn) override;
};

class SamplesView {
 public:
  explicit SamplesView(const EventLog* log) : log_(log) {}
  // NOT_FOUND (SAMPLE_NOT_FOUND) if there is no sample at `sequence`.
  absl::StatusOr<v1::Sample> Get(uint64_t sequence) const;
  // Newest first, those with a sequence below `before` (0: from the
  // newest), at most `limit`. Sets `*more` when older ones follow.
  absl::StatusOr<std::vector<v1::Sample>> List(uint64_t before, uint32_t limit,
                                               bool* more) const;

 private:
  const EventLog* log_;
};

}  // namespace relief

#endif  // RELIEF_PROJECTIONS_SAMPLES_PROJECTION_H_
