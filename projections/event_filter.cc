#include "projections/event_filter.h"

#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "ledger/domain/accounts.h"
#include "ledger/domain/funds.h"
#include "ledger/domain/limits.h"
#include "ledger/domain/rejection.h"
#include "ledger/domain/validation.h"

namespace relief {

std::string EventTypeName(const v1::Event& event) {
  const auto* field = v1::Event::descriptor()->FindFieldByNumber(
      static_cast<int>(event.kind_case()));
  return field != nullptr ? std::string(field->name()) : "";
}

absl::StatusOr<EventFilter> EventFilter::Make(const v1::EventFilter& spec,
                                              const EventLog* log,
                                              ProjectionRunner* runner) {
  EventFilter filter(log, runner);
  const auto* oneof = v1::Event::descriptor()->FindOneofByName("kind");
  for (const std::string& type : spec.event_types()) {
    bool known = false;
    for (int i = 0; i < oneof->field_count(); ++i) {
      known |= oneof->field(i)->name() == type;
    }
    if (!known) {
      std::vector<std::string> names;
      for (int i = 0; i < oneof->field_count(); ++i) {
        names.push_back(oneof->field(i)->name());
      }
      return InvalidArgument(
          v1::FIELD_INVALID,
          absl::StrCat("event type '", type, "' is not one of: ",
                       absl::StrJoin(names, ", ")));
    }
    filter.types_.insert(type);
  }
  if (!spec.unit_code().empty()) {
    RELIEF_RETURN_IF_ERROR(ValidateOrgCode("filter.unit_code", spec.unit_code()));
  } else if (spec.subtree()) {
    return InvalidArgument(v1::FIELD_INVALID,
                           "filter.subtree needs filter.unit_code");
  }
  if (!spec.dossier_id().empty()) {
    RELIEF_RETURN_IF_ERROR(ValidateSequenceId("filter.dossier_id", 'd',
                                              spec.dossier_id(),
                                              "RegisterDossier"));
  }
  if (!spec.loan_id().empty()) {
    RELIEF_RETURN_IF_ERROR(ValidateSequenceId("filter.loan_id", 'l',
                                              spec.loan_id(), "DisburseLoan"));
  }
  filter.unit_ = spec.unit_code();
  filter.subtree_ = spec.subtree();
  filter.dossier_ = spec.dossier_id();
  filter.loan_ = spec.loan_id();
  return filter;
}

bool EventFilter::UnitWanted(absl::string_view unit) const {
  return unit == unit_ ||
         (subtree_ && absl::StartsWith(unit, absl::StrCat(unit_, ".")));
}

absl::Status EventFilter::WaitFor(absl::string_view id) {
  // The id's digits are the sequence of the event that created it.
  const uint64_t sequence = std::strtoull(std::string(id.substr(1)).c_str(),
                                          nullptr, 10);
  if (runner_ == nullptr) return absl::OkStatus();
  const absl::Time deadline =
      absl::Now() + absl::Milliseconds(limits::kMaxMinSequenceWaitMillis);
  if (runner_->WaitFor(sequence, deadline) >= sequence) {
    return absl::OkStatus();
  }
  if (absl::Status h = runner_->health(); !h.ok()) {
    return Reject(absl::StatusCode::kUnavailable, v1::PROJECTIONS_STOPPED,
                  absl::StrCat("the read models are stopped (", h.message(),
                               "); filtering by unit or beneficiary needs "
                               "them; read without that filter, or retry "
                               "after an operator restarts reliefd"));
  }
  return Reject(absl::StatusCode::kDeadlineExceeded,
                v1::MIN_SEQUENCE_NOT_REACHED,
                absl::StrCat("the read models did not reach sequence ",
                             sequence, " in time to resolve ", id,
                             "; resume from the last sequence received"));
}

absl::StatusOr<std::string> EventFilter::DossierUnit(
    const std::string& dossier_id) {
  if (auto it = owners_.find(dossier_id); it != owners_.end()) {
    return it->second.unit;
  }
  RELIEF_RETURN_IF_ERROR(WaitFor(dossier_id));
  auto dossier = dossiers_.Get(dossier_id);
  if (!dossier.ok()) return dossier.status();
  owners_[dossier_id] = {dossier->unit_code(), dossier_id};
  return dossier->unit_code();
}

absl::StatusOr<EventFilter::Owner> EventFilter::GrantOwner(
    const std::string& grant_id) {
  if (auto it = owners_.find(grant_id); it != owners_.end()) return it->second;
  RELIEF_RETURN_IF_ERROR(WaitFor(grant_id));
  auto grant = grants_.Get(grant_id);
  if (!grant.ok()) return grant.status();
  Owner owner{grant->unit_code(), grant->dossier_id()};
  owners_[grant_id] = owner;
  return owner;
}

absl::StatusOr<EventFilter::Owner> EventFilter::LoanOwner(
    const std::string& loan_id) {
  if (auto it = owners_.find(loan_id); it != owners_.end()) return it->second;
  RELIEF_RETURN_IF_ERROR(WaitFor(loan_id));
  auto loan = loans_.Get(loan_id);
  if (!loan.ok()) return loan.status();
  Owner owner{loan->disbursed().unit_code(), loan->disbursed().dossier_id()};
  owners_[loan_id] = owner;
  return owner;
}

absl::StatusOr<bool> EventFilter::Matches(const v1::EventEnvelope& envelope) {
  const v1::Event& e = envelope.event();
  if (!types_.empty() && !types_.count(EventTypeName(e))) return false;
  if (unit_.empty() && dossier_.empty() && loan_.empty()) return true;

  // Who the event is about: units, a dossier, a loan.
  std::vector<std::string> units;
  std::string dossier, loan, grant;
  switch (e.kind_case()) {
    case v1::Event::kOrgUnitRegistered:
      units.push_back(e.org_unit_registered().code());
      break;
    case v1::Event::kOrgUnitDeactivated:
      units.push_back(e.org_unit_deactivated().code());
      break;
    case v1::Event::kFundsReceived:
      units.push_back(e.funds_received().unit_code());
      break;
    case v1::Event::kFundsAllocated:
      units.push_back(e.funds_allocated().from_unit_code());
      units.push_back(e.funds_allocated().to_unit_code());
      break;
    case v1::Event::kMatchingRuleSet:
      units.push_back(e.matching_rule_set().unit_code());
      break;
    case v1::Event::kDossierRegistered:
      dossier = e.dossier_registered().dossier_id();
      units.push_back(e.dossier_registered().unit_code());
      owners_[dossier] = {e.dossier_registered().unit_code(), dossier};
      break;
    case v1::Event::kDossierUpdated:
      dossier = e.dossier_updated().dossier_id();
      break;
    case v1::Event::kDossierExited:
      dossier = e.dossier_exited().dossier_id();
      break;
    case v1::Event::kDossierReactivated:
      dossier = e.dossier_reactivated().dossier_id();
      break;
    case v1::Event::kGrantProposed: {
      const auto& g = e.grant_proposed();
      dossier = g.dossier_id();
      units.push_back(g.unit_code());
      owners_[g.grant_id()] = {g.unit_code(), g.dossier_id()};
      break;
    }
    case v1::Event::kGrantPosted:
      grant = e.grant_posted().grant_id();
      break;
    case v1::Event::kGrantVoided:
      grant = e.grant_voided().grant_id();
      break;
    case v1::Event::kExternalAidRecorded:
      dossier = e.external_aid_recorded().dossier_id();
      break;
    case v1::Event::kLoanDisbursed: {
      const auto& d = e.loan_disbursed();
      loan = d.loan_id();
      dossier = d.dossier_id();
      owners_[loan] = {d.unit_code(), d.dossier_id()};
      break;
    }
    case v1::Event::kLoanRepaymentRecorded:
      loan = e.loan_repayment_recorded().loan_id();
      break;
    case v1::Event::kLoanRepaymentReversed:
      loan = e.loan_repayment_reversed().loan_id();
      break;
    case v1::Event::kLoanWriteOffProposed:
      loan = e.loan_write_off_proposed().loan_id();
      break;
    case v1::Event::kLoanWrittenOff:
      loan = e.loan_written_off().loan_id();
      break;
    case v1::Event::kLoanRescheduled:
      loan = e.loan_rescheduled().loan_id();
      break;
    case v1::Event::kSampleDrawn:  // a spot check of the unit's grants
      units.push_back(e.sample_drawn().unit_code());
      break;
    default:
      break;  // tokens, policies, products: no unit, person or loan
  }
  if (!grant.empty()) {
    auto owner = GrantOwner(grant);
    if (!owner.ok()) return owner.status();
    dossier = owner->dossier;
    units.push_back(owner->unit);
  }
  if (!loan.empty()) {
    auto owner = LoanOwner(loan);
    if (!owner.ok()) return owner.status();
    dossier = owner->dossier;
    units.push_back(owner->unit);
  }
  if (!loan_.empty() && loan != loan_) return false;
  if (!dossier_.empty() && dossier != dossier_) return false;
  if (!unit_.empty()) {
    if (const auto* postings = PostingsOf(e)) {
      for (const auto& p : *postings) {
        for (const std::string* name : {&p.debit_account(), &p.credit_account()}) {
          auto id = ParseAccountName(*name);
          if (id.ok() && !id->unit_code.empty()) units.push_back(id->unit_code);
        }
      }
    }
    if (!dossier.empty() && units.empty()) {
      auto unit = DossierUnit(dossier);
      if (!unit.ok()) return unit.status();
      units.push_back(*unit);
    }
    bool wanted = false;
    for (const auto& unit : units) wanted |= UnitWanted(unit);
    if (!wanted) return false;
  }
  return true;
}

}  // namespace relief
