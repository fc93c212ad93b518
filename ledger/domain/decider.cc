#include "ledger/domain/decider.h"

#include <cstdio>
#include <cstdlib>
#include <set>

#include "absl/strings/str_cat.h"
#include "ledger/domain/dossiers.h"
#include "ledger/domain/funds.h"
#include "ledger/domain/grants.h"
#include "ledger/domain/limits.h"
#include "ledger/domain/loans.h"
#include "ledger/domain/rejection.h"
#include "ledger/domain/samples.h"
#include "ledger/domain/validation.h"

namespace relief {
namespace internal {
void Check(bool condition, const char* expression, absl::string_view message,
           const char* file, int line) {
  if (condition) return;
  std::fprintf(stderr, "FATAL %s:%d invariant broken: %s (%.*s)\n", file, line,
               expression, static_cast<int>(message.size()), message.data());
  std::abort();
}
}  // namespace internal

namespace {

std::string LevelName(v1::OrgLevel level) {
  switch (level) {
    case v1::ORG_LEVEL_NATIONAL: return "national (全总)";
    case v1::ORG_LEVEL_PROVINCE: return "province (省总)";
    case v1::ORG_LEVEL_CITY: return "city (市总)";
    case v1::ORG_LEVEL_DISTRICT: return "district (区县总工会)";
    case v1::ORG_LEVEL_SECTOR: return "sector (产业/园区工会)";
    case v1::ORG_LEVEL_GRASSROOTS: return "grassroots (基层工会)";
    default: return "unspecified";
  }
}

absl::Status ValidateRegisterOrgUnit(const v1::RegisterOrgUnitRequest& c) {
  if (auto s = ValidateRequestId(c.request_id()); !s.ok()) return s;
  if (auto s = ValidateOrgCode("code", c.code()); !s.ok()) return s;
  if (!c.parent_code().empty()) {
    if (auto s = ValidateOrgCode("parent_code", c.parent_code()); !s.ok()) {
      return s;
    }
  }
  if (auto s = ValidateText("name_zh", c.name_zh(), true,
                            limits::kNameMaxChars);
      !s.ok()) {
    return s;
  }
  if (auto s = ValidateText("name_en", c.name_en(), false,
                            limits::kNameMaxChars);
      !s.ok()) {
    return s;
  }
  if (c.level() == v1::ORG_LEVEL_UNSPECIFIED ||
      !v1::OrgLevel_IsValid(c.level())) {
    return InvalidArgument(
        v1::ORG_LEVEL_INVALID,
        "level must be one of national, province, city, district, sector, "
        "grassroots");
  }
  return absl::OkStatus();
}

absl::Status ValidateDeactivateOrgUnit(const v1::DeactivateOrgUnitRequest& c) {
  if (auto s = ValidateRequestId(c.request_id()); !s.ok()) return s;
  if (auto s = ValidateOrgCode("code", c.code()); !s.ok()) return s;
  return ValidateText("reason", c.reason(), true, limits::kReasonMaxChars);
}

absl::Status ValidateCreateToken(const v1::CreateTokenRequest& c) {
  if (auto s = ValidateRequestId(c.request_id()); !s.ok()) return s;
  if (auto s = ValidatePrincipalName(c.name()); !s.ok()) return s;
  if (c.roles().empty()) {
    return InvalidArgument(v1::ROLE_INVALID, "at least one role is required");
  }
  std::set<int> seen;
  for (int role : c.roles()) {
    if (role == v1::ROLE_UNSPECIFIED || !v1::Role_IsValid(role)) {
      return InvalidArgument(
          v1::ROLE_INVALID,
          absl::StrCat("role ", role,
                       " is not one of admin, finance_officer, loan_officer, "
                       "auditor, service"));
    }
    if (!seen.insert(role).second) {
      return InvalidArgument(v1::ROLE_INVALID, "a role is listed twice");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateRevokeToken(const v1::RevokeTokenRequest& c) {
  if (auto s = ValidateRequestId(c.request_id()); !s.ok()) return s;
  if (auto s = ValidatePrincipalName(c.name()); !s.ok()) return s;
  return ValidateText("reason", c.reason(), true, limits::kReasonMaxChars);
}

absl::Status DecideRegisterOrgUnit(const State& state,
                                   const v1::RegisterOrgUnitRequest& c,
                                   std::vector<v1::Event>* events) {
  if (state.FindUnit(c.code()) != nullptr) {
    return AlreadyExists(
        v1::ORG_UNIT_ALREADY_EXISTS,
        absl::StrCat("unit '", c.code(), "' is already registered"));
  }
  if (c.parent_code().empty()) {
    if (c.level() != v1::ORG_LEVEL_NATIONAL &&
        c.level() != v1::ORG_LEVEL_PROVINCE) {
      return FailedPrecondition(
          v1::ORG_ROOT_LEVEL_INVALID,
          absl::StrCat("unit '", c.code(), "' has no parent, so it must be at "
                       "national or province level; a ",
                       LevelName(c.level()), " unit needs parent_code"));
    }
    if (!ParentPartOf(c.code()).empty()) {
      return FailedPrecondition(
          v1::ORG_CODE_PARENT_MISMATCH,
          absl::StrCat("unit '", c.code(), "' has no parent, so its code must "
                       "be a single segment; or set parent_code to '",
                       ParentPartOf(c.code()), "'"));
    }
  } else {
    if (ParentPartOf(c.code()) != c.parent_code()) {
      return FailedPrecondition(
          v1::ORG_CODE_PARENT_MISMATCH,
          absl::StrCat("code '", c.code(), "' must be the parent's code '",
                       c.parent_code(),
                       "' followed by a dot and one more segment"));
    }
    const OrgUnitState* parent = state.FindUnit(c.parent_code());
    if (parent == nullptr) {
      return FailedPrecondition(
          v1::ORG_PARENT_NOT_FOUND,
          absl::StrCat("parent unit '", c.parent_code(),
                       "' is not registered; register it first"));
    }
    if (!parent->active()) {
      return FailedPrecondition(
          v1::ORG_PARENT_INACTIVE,
          absl::StrCat("parent unit '", c.parent_code(),
                       "' is deactivated and cannot take new units"));
    }
    if (c.level() <= parent->registered().level()) {
      return FailedPrecondition(
          v1::ORG_LEVEL_NOT_BELOW_PARENT,
          absl::StrCat("a ", LevelName(c.level()), " unit cannot sit under '",
                       c.parent_code(), "', a ",
                       LevelName(parent->registered().level()),
                       " unit: a child's level must be below its parent's"));
    }
  }
  v1::OrgUnitRegistered* e = events->emplace_back().mutable_org_unit_registered();
  e->set_code(c.code());
  e->set_name_zh(c.name_zh());
  e->set_name_en(c.name_en());
  e->set_level(c.level());
  e->set_parent_code(c.parent_code());
  return absl::OkStatus();
}

absl::Status DecideDeactivateOrgUnit(const State& state,
                                     const v1::DeactivateOrgUnitRequest& c,
                                     std::vector<v1::Event>* events) {
  const OrgUnitState* unit = state.FindUnit(c.code());
  if (unit == nullptr) {
    return NotFound(v1::ORG_UNIT_NOT_FOUND,
                    absl::StrCat("unit '", c.code(), "' is not registered"));
  }
  if (!unit->active()) {
    return FailedPrecondition(
        v1::ORG_UNIT_INACTIVE,
        absl::StrCat("unit '", c.code(), "' is already deactivated"));
  }
  if (unit->active_children() > 0) {
    return FailedPrecondition(
        v1::ORG_UNIT_HAS_ACTIVE_CHILDREN,
        absl::StrCat("unit '", c.code(), "' still has ",
                     unit->active_children(),
                     " active child unit(s); deactivate them first"));
  }
  v1::OrgUnitDeactivated* e =
      events->emplace_back().mutable_org_unit_deactivated();
  e->set_code(c.code());
  e->set_reason(c.reason());
  return absl::OkStatus();
}

absl::Status DecideCreateToken(const State& state,
                               const v1::CreateTokenRequest& c,
                               const CommandContext& context,
                               std::vector<v1::Event>* events) {
  if (state.FindPrincipal(c.name()) != nullptr) {
    return AlreadyExists(
        v1::PRINCIPAL_ALREADY_EXISTS,
        absl::StrCat("principal '", c.name(),
                     "' already exists (names are never reused, even after "
                     "revocation); choose another name"));
  }
  if (context.issued_token_sha256.size() != 32) {
    return Reject(absl::StatusCode::kInternal, v1::INTERNAL_ERROR,
                  "no token hash was supplied with CreateToken");
  }
  v1::TokenIssued* e = events->emplace_back().mutable_token_issued();
  e->set_name(c.name());
  for (int role : c.roles()) e->add_roles(static_cast<v1::Role>(role));
  e->set_token_sha256(std::string(context.issued_token_sha256));
  return absl::OkStatus();
}

absl::Status DecideRevokeToken(const State& state,
                               const v1::RevokeTokenRequest& c,
                               std::vector<v1::Event>* events) {
  const PrincipalState* p = state.FindPrincipal(c.name());
  if (p == nullptr) {
    return NotFound(v1::PRINCIPAL_NOT_FOUND,
                    absl::StrCat("principal '", c.name(), "' does not exist"));
  }
  if (p->revoked()) {
    return FailedPrecondition(
        v1::PRINCIPAL_REVOKED,
        absl::StrCat("principal '", c.name(), "' is already revoked"));
  }
  bool is_admin = false;
  for (int role : p->roles()) is_admin |= role == v1::ROLE_ADMIN;
  if (is_admin && state.ActiveAdminCount() <= 1) {
    return FailedPrecondition(
        v1::LAST_ADMIN,
        absl::StrCat("'", c.name(), "' is the last active admin; create "
                     "another admin token before revoking this one"));
  }
  v1::TokenRevoked* e = events->emplace_back().mutable_token_revoked();
  e->set_name(c.name());
  e->set_reason(c.reason());
  return absl::OkStatus();
}

}  // namespace

absl::string_view RequestIdOf(const v1::Command& command) {
  switch (command.kind_case()) {
    case v1::Command::kRegisterOrgUnit:
      return command.register_org_unit().request_id();
    case v1::Command::kDeactivateOrgUnit:
      return command.deactivate_org_unit().request_id();
    case v1::Command::kCreateToken:
      return command.create_token().request_id();
    case v1::Command::kRevokeToken:
      return command.revoke_token().request_id();
    case v1::Command::kReceiveFunds:
      return command.receive_funds().request_id();
    case v1::Command::kAllocateFunds:
      return command.allocate_funds().request_id();
    case v1::Command::kReverseEvent:
      return command.reverse_event().request_id();
    case v1::Command::kSetMatchingRule:
      return command.set_matching_rule().request_id();
    case v1::Command::kRegisterDossier:
      return command.register_dossier().request_id();
    case v1::Command::kUpdateDossier:
      return command.update_dossier().request_id();
    case v1::Command::kExitDossier:
      return command.exit_dossier().request_id();
    case v1::Command::kReactivateDossier:
      return command.reactivate_dossier().request_id();
    case v1::Command::kSetProgramPolicy:
      return command.set_program_policy().request_id();
    case v1::Command::kProposeGrant:
      return command.propose_grant().request_id();
    case v1::Command::kPostGrant:
      return command.post_grant().request_id();
    case v1::Command::kVoidGrant:
      return command.void_grant().request_id();
    case v1::Command::kRecordExternalAid:
      return command.record_external_aid().request_id();
    case v1::Command::kSetLoanProduct:
      return command.set_loan_product().request_id();
    case v1::Command::kDisburseLoan:
      return command.disburse_loan().request_id();
    case v1::Command::kRecordLoanRepayment:
      return command.record_loan_repayment().request_id();
    case v1::Command::kReverseLoanRepayment:
      return command.reverse_loan_repayment().request_id();
    case v1::Command::kProposeLoanWriteOff:
      return command.propose_loan_write_off().request_id();
    case v1::Command::kApproveLoanWriteOff:
      return command.approve_loan_write_off().request_id();
    case v1::Command::kRescheduleLoan:
      return command.reschedule_loan().request_id();
    case v1::Command::kDrawSample:
      return command.draw_sample().request_id();
    case v1::Command::KIND_NOT_SET:
      break;
  }
  return {};
}

absl::Status ValidateCommand(const v1::Command& command) {
  switch (command.kind_case()) {
    case v1::Command::kRegisterOrgUnit:
      return ValidateRegisterOrgUnit(command.register_org_unit());
    case v1::Command::kDeactivateOrgUnit:
      return ValidateDeactivateOrgUnit(command.deactivate_org_unit());
    case v1::Command::kCreateToken:
      return ValidateCreateToken(command.create_token());
    case v1::Command::kRevokeToken:
      return ValidateRevokeToken(command.revoke_token());
    case v1::Command::kReceiveFunds:
      return ValidateReceiveFunds(command.receive_funds());
    case v1::Command::kAllocateFunds:
      return ValidateAllocateFunds(command.allocate_funds());
    case v1::Command::kReverseEvent:
      return ValidateReverseEvent(command.reverse_event());
    case v1::Command::kSetMatchingRule:
      return ValidateSetMatchingRule(command.set_matching_rule());
    case v1::Command::kRegisterDossier:
      return ValidateRegisterDossier(command.register_dossier());
    case v1::Command::kUpdateDossier:
      return ValidateUpdateDossier(command.update_dossier());
    case v1::Command::kExitDossier:
      return ValidateExitDossier(command.exit_dossier());
    case v1::Command::kReactivateDossier:
      return ValidateReactivateDossier(command.reactivate_dossier());
    case v1::Command::kSetProgramPolicy:
      return ValidateSetProgramPolicy(command.set_program_policy());
    case v1::Command::kProposeGrant:
      return ValidateProposeGrant(command.propose_grant());
    case v1::Command::kPostGrant:
      return ValidatePostGrant(command.post_grant());
    case v1::Command::kVoidGrant:
      return ValidateVoidGrant(command.void_grant());
    case v1::Command::kRecordExternalAid:
      return ValidateRecordExternalAid(command.record_external_aid());
    case v1::Command::kSetLoanProduct:
      return ValidateSetLoanProduct(command.set_loan_product());
    case v1::Command::kDisburseLoan:
      return ValidateDisburseLoan(command.disburse_loan());
    case v1::Command::kRecordLoanRepayment:
      return ValidateRecordLoanRepayment(command.record_loan_repayment());
    case v1::Command::kReverseLoanRepayment:
      return ValidateReverseLoanRepayment(command.reverse_loan_repayment());
    case v1::Command::kProposeLoanWriteOff:
      return ValidateProposeLoanWriteOff(command.propose_loan_write_off());
    case v1::Command::kApproveLoanWriteOff:
      return ValidateApproveLoanWriteOff(command.approve_loan_write_off());
    case v1::Command::kRescheduleLoan:
      return ValidateRescheduleLoan(command.reschedule_loan());
    case v1::Command::kDrawSample:
      return ValidateDrawSample(command.draw_sample());
    case v1::Command::KIND_NOT_SET:
      break;
  }
  return InvalidArgument(v1::BATCH_INVALID, "the command has no kind set");
}

absl::Status Decide(const State& state, const v1::Command& command,
                    const CommandContext& context,
                    std::vector<v1::Event>* events) {
  if (auto s = ValidateCommand(command); !s.ok()) return s;
  switch (command.kind_case()) {
    case v1::Command::kRegisterOrgUnit:
      return DecideRegisterOrgUnit(state, command.register_org_unit(), events);
    case v1::Command::kDeactivateOrgUnit:
      return DecideDeactivateOrgUnit(state, command.deactivate_org_unit(),
                                     events);
    case v1::Command::kCreateToken:
      return DecideCreateToken(state, command.create_token(), context, events);
    case v1::Command::kRevokeToken:
      return DecideRevokeToken(state, command.revoke_token(), events);
    case v1::Command::kReceiveFunds:
      return DecideReceiveFunds(state, command.receive_funds(), events);
    case v1::Command::kAllocateFunds:
      return DecideAllocateFunds(state, command.allocate_funds(), events);
    case v1::Command::kReverseEvent:
      return DecideReverseEvent(state, command.reverse_event(), context,
                                events);
    case v1::Command::kSetMatchingRule:
      return DecideSetMatchingRule(state, command.set_matching_rule(), events);
    case v1::Command::kRegisterDossier:
      return DecideRegisterDossier(state, command.register_dossier(), context,
                                   events);
    case v1::Command::kUpdateDossier:
      return DecideUpdateDossier(state, command.update_dossier(), events);
    case v1::Command::kExitDossier:
      return DecideExitDossier(state, command.exit_dossier(), events);
    case v1::Command::kReactivateDossier:
      return DecideReactivateDossier(state, command.reactivate_dossier(),
                                     events);
    case v1::Command::kSetProgramPolicy:
      return DecideSetProgramPolicy(state, command.set_program_policy(), events);
    case v1::Command::kProposeGrant:
      return DecideProposeGrant(state, command.propose_grant(), context, events);
    case v1::Command::kPostGrant:
      return DecidePostGrant(state, command.post_grant(), context, events);
    case v1::Command::kVoidGrant:
      return DecideVoidGrant(state, command.void_grant(), events);
    case v1::Command::kRecordExternalAid:
      return DecideRecordExternalAid(state, command.record_external_aid(), events);
    case v1::Command::kSetLoanProduct:
      return DecideSetLoanProduct(state, command.set_loan_product(), events);
    case v1::Command::kDisburseLoan:
      return DecideDisburseLoan(state, command.disburse_loan(), context, events);
    case v1::Command::kRecordLoanRepayment:
      return DecideRecordLoanRepayment(state, command.record_loan_repayment(), context, events);
    case v1::Command::kReverseLoanRepayment:
      return DecideReverseLoanRepayment(state, command.reverse_loan_repayment(), events);
    case v1::Command::kProposeLoanWriteOff:
      return DecideProposeLoanWriteOff(state, command.propose_loan_write_off(), context, events);
    case v1::Command::kApproveLoanWriteOff:
      return DecideApproveLoanWriteOff(state, command.approve_loan_write_off(), context, events);
    case v1::Command::kRescheduleLoan:
      return DecideRescheduleLoan(state, command.reschedule_loan(), context, events);
    case v1::Command::kDrawSample:
      return DecideDrawSample(state, command.draw_sample(), context, events);
    case v1::Command::KIND_NOT_SET:
      break;
  }
  return InvalidArgument(v1::BATCH_INVALID, "the command has no kind set");
}

void Evolve(State& state, const v1::Event& event, uint64_t sequence) {
  switch (event.kind_case()) {
    case v1::Event::kOrgUnitRegistered: {
      const auto& e = event.org_unit_registered();
      RELIEF_CHECK(state.FindUnit(e.code()) == nullptr, e.code());
      OrgUnitState unit;
      *unit.mutable_registered() = e;
      unit.set_active(true);
      unit.set_registered_sequence(sequence);
      if (!e.parent_code().empty()) {
        const OrgUnitState* parent = state.FindUnit(e.parent_code());
        RELIEF_CHECK(parent != nullptr, e.parent_code());
        OrgUnitState updated = *parent;
        updated.set_active_children(updated.active_children() + 1);
        state.PutUnit(std::move(updated));
      }
      state.PutUnit(std::move(unit));
      return;
    }
    case v1::Event::kOrgUnitDeactivated: {
      const auto& e = event.org_unit_deactivated();
      const OrgUnitState* found = state.FindUnit(e.code());
      RELIEF_CHECK(found != nullptr && found->active(), e.code());
      OrgUnitState unit = *found;
      unit.set_active(false);
      unit.set_deactivated_sequence(sequence);
      unit.set_deactivation_reason(e.reason());
      if (!unit.registered().parent_code().empty()) {
        const OrgUnitState* parent =
            state.FindUnit(unit.registered().parent_code());
        RELIEF_CHECK(parent != nullptr && parent->active_children() > 0,
                     e.code());
        OrgUnitState updated = *parent;
        updated.set_active_children(updated.active_children() - 1);
        state.PutUnit(std::move(updated));
      }
      state.PutUnit(std::move(unit));
      return;
    }
    case v1::Event::kTokenIssued: {
      const auto& e = event.token_issued();
      RELIEF_CHECK(state.FindPrincipal(e.name()) == nullptr, e.name());
      PrincipalState p;
      p.set_name(e.name());
      *p.mutable_roles() = e.roles();
      p.set_token_sha256(e.token_sha256());
      p.set_issued_sequence(sequence);
      state.PutPrincipal(std::move(p));
      return;
    }
    case v1::Event::kTokenRevoked: {
      const auto& e = event.token_revoked();
      const PrincipalState* found = state.FindPrincipal(e.name());
      RELIEF_CHECK(found != nullptr, e.name());
      PrincipalState p = *found;
      p.set_revoked(true);
      state.PutPrincipal(std::move(p));
      return;
    }
    case v1::Event::kFundsReceived:
    case v1::Event::kFundsAllocated: {
      const auto* postings = PostingsOf(event);
      ApplyPostings(state, *postings);
      MoneyEventState money;
      money.set_sequence(sequence);
      *money.mutable_postings() = *postings;
      state.PutMoneyEvent(std::move(money));
      return;
    }
    case v1::Event::kEventReversed: {
      const auto& e = event.event_reversed();
      const MoneyEventState* found = state.FindMoneyEvent(e.reversed_sequence());
      RELIEF_CHECK(found != nullptr && !found->reversed(),
                   absl::StrCat("reversal of ", e.reversed_sequence()));
      MoneyEventState original = *found;
      original.set_reversed(true);
      state.PutMoneyEvent(std::move(original));
      ApplyPostings(state, e.postings());
      return;
    }
    case v1::Event::kMatchingRuleSet:
    case v1::Event::kSampleDrawn:
      return;  // read models only
    case v1::Event::kDossierRegistered:
    case v1::Event::kDossierUpdated:
    case v1::Event::kDossierExited:
    case v1::Event::kDossierReactivated:
      EvolveDossier(state, event, sequence);
      return;
    case v1::Event::kProgramPolicySet:
    case v1::Event::kGrantProposed:
    case v1::Event::kGrantPosted:
    case v1::Event::kGrantVoided:
    case v1::Event::kExternalAidRecorded:
      EvolveGrant(state, event, sequence);
      return;
    case v1::Event::kLoanProductSet:
    case v1::Event::kLoanDisbursed:
    case v1::Event::kLoanRepaymentRecorded:
    case v1::Event::kLoanRepaymentReversed:
    case v1::Event::kLoanWriteOffProposed:
    case v1::Event::kLoanWrittenOff:
    case v1::Event::kLoanRescheduled:
      EvolveLoan(state, event, sequence);
      return;
    case v1::Event::KIND_NOT_SET:
      break;
  }
  RELIEF_CHECK(false, "event with no kind");
}

}  // namespace relief
