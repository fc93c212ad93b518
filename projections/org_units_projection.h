// The organisation-unit read model.
//
//   org_units/<code> := relief.v1.OrgUnit
//
// Codes sort so that a unit's subtree is a contiguous run after it, give or
// take siblings whose codes extend its own ("jining-x" sorts between
// "jining" and "jining.a"): readers filter on the exact prefix "code.".
#ifndef RELIEF_PROJECTIONS_ORG_UNITS_PROJECTION_H_
#define RELIEF_PROJECTIONS_ORG_UNITS_PROJECTION_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/store/event_log.h"
#include "projections/projection.h"
#include "relief/v1/query_service.pb.h"

namespace relief {

class OrgUnitsProjection : public Projection {
 public:
  static constexpr char kName[] = "org_units";
  std::string name() const override { return kName; }
  absl::Status Apply(const v1::EventEnvelope& envelope,
                     ProjectionTxn& txn) override;
};

// Reads of the org-unit read model.
class OrgUnitsView {
 public:
  explicit OrgUnitsView(const EventLog* log) : log_(log) {}
  // NOT_FOUND (ORG_UNIT_NOT_FOUND) if absent.
  absl::StatusOr<v1::OrgUnit> Get(absl::string_view code) const;
  // Units in code order after `page_token` (exclusive), at most `limit`;
  // `under` empty = all, else that unit and its subtree. Sets `*next_token`
  // when more may follow.
  absl::StatusOr<std::vector<v1::OrgUnit>> List(absl::string_view under,
                                               bool include_inactive,
                                               absl::string_view page_token,
                                               uint32_t limit,
                                               std::string* next_token) const;

 private:
  const EventLog* log_;
};

}  // namespace relief

#endif  // RELIEF_PROJECTIONS_ORG_UNITS_PROJECTION_H_
