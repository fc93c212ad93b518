// Which events an AuditService reader wants (ReadEvents, Subscribe).
//
// An event concerns:
//   - a unit: its registration or deactivation; a dossier, grant, loan,
//     matching rule or receipt of that unit; and every posting with an
//     account of that unit (so an allocation concerns both ends);
//   - a beneficiary (dossier id): the dossier's own events, its grants,
//     external aid, loans and every event of those loans;
//   - a loan: the loan's events.
// Events that name only a grant or a loan (GrantPosted, LoanRepaymentRecorded,
// ...) are resolved through the read models, after waiting for them to
// reach the creating event (ids carry their creating sequence: g123).
#ifndef RELIEF_PROJECTIONS_EVENT_FILTER_H_
#define RELIEF_PROJECTIONS_EVENT_FILTER_H_

#include <set>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "projections/dossiers_projection.h"
#include "projections/grants_projection.h"
#include "projections/loans_projection.h"
#include "projections/projection_runner.h"
#include "relief/v1/audit_service.pb.h"

namespace relief {

// The Event oneof field name of an event ("grant_posted"), "" if unset.
std::string EventTypeName(const v1::Event& event);

class EventFilter {
 public:
  // INVALID_ARGUMENT (FIELD_INVALID) for an unknown event type or a
  // malformed unit code, dossier id or loan id.
  static absl::StatusOr<EventFilter> Make(const v1::EventFilter& spec,
                                          const EventLog* log,
                                          ProjectionRunner* runner);

  // Whether the event is wanted. Errors: the read models needed to resolve
  // a grant or loan did not catch up (UNAVAILABLE / DEADLINE_EXCEEDED).
  absl::StatusOr<bool> Matches(const v1::EventEnvelope& envelope);

  bool empty() const {
    return types_.empty() && unit_.empty() && dossier_.empty() &&
           loan_.empty();
  }

 private:
  struct Owner {  // of a grant or loan
    std::string unit;
    std::string dossier;
  };
  EventFilter(const EventLog* log, ProjectionRunner* runner)
      : dossiers_(log), grants_(log), loans_(log), runner_(runner) {}
  bool UnitWanted(absl::string_view unit) const;
  absl::StatusOr<Owner> GrantOwner(const std::string& grant_id);
  absl::StatusOr<Owner> LoanOwner(const std::string& loan_id);
  absl::StatusOr<std::string> DossierUnit(const std::string& dossier_id);
  absl::Status WaitFor(absl::string_view id);

  std::set<std::string> types_;
  std::string unit_;
  bool subtree_ = false;
  std::string dossier_;
  std::string loan_;
  DossiersView dossiers_;
  GrantsView grants_;
  LoansView loans_;
  ProjectionRunner* runner_;
  // Seen while scanning, so the read models are asked once per id.
  absl::flat_hash_map<std::string, Owner> owners_;
};

}  // namespace relief

#endif  // RELIEF_PROJECTIONS_EVENT_FILTER_H_
