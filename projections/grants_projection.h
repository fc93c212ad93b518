// Read models of grants: the grant itself, a beneficiary's aid history, the
// public-notice list and the program report.
//
//   grants/p/<dossier_id>                         := relief.v1.Dossier
//   grants/g/<grant_id>                           := relief.v1.Grant
//   grants/h/<dossier_id> 0x00 seq:8              := relief.v1.AidHistoryEntry
//                                                    (a grant entry holds
//                                                    only its grant_id)
//   grants/n/<unit> 0x00 seq:8                    := grant_id   (pending)
//   grants/r/<unit> 0x00 year:4 <program> 0x00 <dossier_id>
//                                   := relief.storage.v1.PersonAidRecord
//
// Reports count posted grants (发放) only, in the year the grant counts in.
#ifndef RELIEF_PROJECTIONS_GRANTS_PROJECTION_H_
#define RELIEF_PROJECTIONS_GRANTS_PROJECTION_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/store/event_log.h"
#include "projections/projection.h"
#include "relief/v1/query_service.pb.h"

namespace relief {

class GrantsProjection : public Projection {
 public:
  static constexpr char kName[] = "grants";
  std::string name() const override { return kName; }
  absl::Status Apply(const v1::EventEnvelope& envelope,
                     ProjectionTxn& txn) override;
};

class GrantsView {
 public:
  explicit GrantsView(const EventLog* log) : log_(log) {}
  absl::StatusOr<v1::Grant> Get(absl::string_view grant_id) const;
  absl::StatusOr<std::vector<v1::AidHistoryEntry>> History(
      absl::string_view dossier_id) const;
  // Pending grants of these units, unit by unit in the order given.
  absl::StatusOr<std::vector<v1::Grant>> PublicNotice(
      const std::vector<std::string>& units, absl::string_view program) const;
  absl::StatusOr<std::vector<v1::ProgramReportRow>> Report(
      const std::vector<std::string>& units, absl::string_view program,
      int year) const;

 private:
  const EventLog* log_;
};

}  // namespace relief

#endif  // RELIEF_PROJECTIONS_GRANTS_PROJECTION_H_
