// The beneficiary-dossier read model.
//
//   dossiers/d/<dossier_id>                          := relief.v1.Dossier
//   dossiers/h/<national_id_hmac:32>                 := dossier_id
//   dossiers/u/<unit_code> 0x00 registered_seq:8     := dossier_id
//
// The national ID is not here in any form but its keyed hash.
#ifndef RELIEF_PROJECTIONS_DOSSIERS_PROJECTION_H_
#define RELIEF_PROJECTIONS_DOSSIERS_PROJECTION_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/store/event_log.h"
#include "projections/projection.h"
#include "relief/v1/query_service.pb.h"

namespace relief {

class DossiersProjection : public Projection {
 public:
  static constexpr char kName[] = "dossiers";
  std::string name() const override { return kName; }
  absl::Status Apply(const v1::EventEnvelope& envelope,
                     ProjectionTxn& txn) override;
};

class DossiersView {
 public:
  explicit DossiersView(const EventLog* log) : log_(log) {}
  // NOT_FOUND (DOSSIER_NOT_FOUND) if absent.
  absl::StatusOr<v1::Dossier> Get(absl::string_view dossier_id) const;
  absl::StatusOr<v1::Dossier> GetByIdHash(absl::string_view hmac) const;
  // Dossiers of `unit` (and of its subtree) in registration order.
  absl::StatusOr<std::vector<v1::Dossier>> List(absl::string_view unit,
                                               bool subtree,
                                               bool include_exited,
                                               absl::string_view page_token,
                                               uint32_t limit,
                                               std::string* next_token) const;

 private:
  const EventLog* log_;
};

}  // namespace relief

#endif  // RELIEF_PROJECTIONS_DOSSIERS_PROJECTION_H_
