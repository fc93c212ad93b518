#include "ledger/domain/dossiers.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "ledger/domain/decider.h"
#include "ledger/domain/limits.h"
#include "ledger/domain/rejection.h"
#include "ledger/domain/validation.h"

namespace relief {
namespace {

absl::Status BadId(absl::string_view why) {
  // The ID itself is never echoed back: error messages end up in logs.
  return InvalidArgument(v1::NATIONAL_ID_INVALID,
                         absl::StrCat("the national ID is not valid: ", why));
}

absl::Status ValidateCategory(int category) {
  if (category == v1::HARDSHIP_CATEGORY_UNSPECIFIED ||
      !v1::HardshipCategory_IsValid(category)) {
    return InvalidArgument(
        v1::CATEGORY_INVALID,
        "category must be one of 低保, 低保边缘, 大病, 零就业家庭, 单亲, 残疾, "
        "农民工, 4050人员, 劳模, other");
  }
  return absl::OkStatus();
}

absl::Status ValidateDetails(absl::string_view name, int category,
                             uint32_t household_size,
                             absl::string_view contact) {
  RELIEF_RETURN_IF_ERROR(
      ValidateText("name", name, true, limits::kPersonNameMaxChars));
  RELIEF_RETURN_IF_ERROR(ValidateCategory(category));
  if (household_size < 1 || household_size > limits::kMaxHouseholdSize) {
    return InvalidArgument(v1::FIELD_INVALID,
                           absl::StrCat("household_size must be 1..",
                                        limits::kMaxHouseholdSize));
  }
  return ValidateText("contact", contact, false, limits::kNameMaxChars);
}

absl::Status RequireDossier(const State& state, absl::string_view id,
                            const DossierState** out) {
  *out = state.FindDossier(id);
  if (*out == nullptr) {
    return NotFound(v1::DOSSIER_NOT_FOUND,
                    absl::StrCat("there is no dossier '", id, "'"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateDossierId(absl::string_view id) {
  return ValidateSequenceId("dossier_id", 'd', id, "RegisterDossier");
}

absl::Status ValidateNationalId(absl::string_view id, int today_yyyymmdd) {
  if (id.size() != 18) {
    return BadId(absl::StrCat("it has ", id.size(),
                              " characters; a resident ID has 18"));
  }
  for (size_t i = 0; i < 17; ++i) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(id[i]))) {
      return BadId("the first 17 characters must be digits");
    }
  }
  const char last = absl::ascii_toupper(static_cast<unsigned char>(id[17]));
  if (!absl::ascii_isdigit(static_cast<unsigned char>(last)) && last != 'X') {
    return BadId("the last character must be a digit or X");
  }
  auto digits = [&](size_t from, size_t n) {
    int v = 0;
    for (size_t i = from; i < from + n; ++i) v = v * 10 + (id[i] - '0');
    return v;
  };
  const int year = digits(6, 4), month = digits(10, 2), day = digits(12, 2);
  const absl::CivilDay date(year, month, day);
  if (year < 1900 || date.year() != year || date.month() != month ||
      date.day() != day) {
    return BadId("characters 7-14 are not a real birth date (YYYYMMDD)");
  }
  if (today_yyyymmdd != 0 && year * 10000 + month * 100 + day > today_yyyymmdd) {
    return BadId("characters 7-14 are a birth date in the future");
  }
  static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6,
                                       3, 7, 9, 10, 5, 8, 4, 2};
  static constexpr char kCheck[] = "10X98765432";
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) sum += (id[i] - '0') * kWeights[i];
  if (kCheck[sum % 11] != last) {
    return BadId("the check character does not match (a digit was mistyped?)");
  }
  return absl::OkStatus();
}

std::string CanonicalNationalId(absl::string_view id) {
  std::string out(id);
  out[17] = absl::ascii_toupper(static_cast<unsigned char>(out[17]));
  return out;
}

std::string MaskNationalId(absl::string_view id) {
  std::string canonical = CanonicalNationalId(id);
  return absl::StrCat(canonical.substr(0, 6), "********",
                      canonical.substr(14, 4));
}

std::string HardshipCategoryLabel(v1::HardshipCategory category) {
  switch (category) {
    case v1::HARDSHIP_CATEGORY_SUBSISTENCE_ALLOWANCE: return "低保 subsistence allowance";
    case v1::HARDSHIP_CATEGORY_NEAR_SUBSISTENCE: return "低保边缘 near subsistence";
    case v1::HARDSHIP_CATEGORY_SERIOUS_ILLNESS: return "大病 serious illness";
    case v1::HARDSHIP_CATEGORY_ZERO_EMPLOYMENT_HOUSEHOLD: return "零就业家庭 zero-employment household";
    case v1::HARDSHIP_CATEGORY_SINGLE_PARENT: return "单亲 single parent";
    case v1::HARDSHIP_CATEGORY_DISABILITY: return "残疾 disability";
    case v1::HARDSHIP_CATEGORY_MIGRANT_WORKER: return "农民工 migrant worker";
    case v1::HARDSHIP_CATEGORY_AGED_4050: return "4050人员 aged 40/50 unemployed";
    case v1::HARDSHIP_CATEGORY_MODEL_WORKER: return "劳模 model worker";
    case v1::HARDSHIP_CATEGORY_OTHER: return "其他 other";
    default: return "unspecified";
  }
}

absl::Status ValidateRegisterDossier(const v1::RegisterDossierRequest& c) {
  RELIEF_RETURN_IF_ERROR(ValidateRequestId(c.request_id()));
  RELIEF_RETURN_IF_ERROR(ValidateOrgCode("unit_code", c.unit_code()));
  RELIEF_RETURN_IF_ERROR(ValidateDetails(c.name(), c.category(),
                                         c.household_size(), c.contact()));
  // By now the service has replaced the ID by its keyed hash.
  if (!c.national_id().empty() || c.national_id_hmac().size() != 32 ||
      c.national_id_masked().size() != 18) {
    return Reject(absl::StatusCode::kInternal, v1::INTERNAL_ERROR,
                  "the national ID reached the ledger unhashed");
  }
  return absl::OkStatus();
}

absl::Status ValidateUpdateDossier(const v1::UpdateDossierRequest& c) {
  RELIEF_RETURN_IF_ERROR(ValidateRequestId(c.request_id()));
  RELIEF_RETURN_IF_ERROR(ValidateDossierId(c.dossier_id()));
  return ValidateDetails(c.name(), c.category(), c.household_size(),
                         c.contact());
}

absl::Status ValidateExitDossier(const v1::ExitDossierRequest& c) {
  RELIEF_RETURN_IF_ERROR(ValidateRequestId(c.request_id()));
  RELIEF_RETURN_IF_ERROR(ValidateDossierId(c.dossier_id()));
  return ValidateText("reason", c.reason(), true, limits::kReasonMaxChars);
}

absl::Status ValidateReactivateDossier(const v1::ReactivateDossierRequest& c) {
  RELIEF_RETURN_IF_ERROR(ValidateRequestId(c.request_id()));
  RELIEF_RETURN_IF_ERROR(ValidateDossierId(c.dossier_id()));
  return ValidateText("reason", c.reason(), true, limits::kReasonMaxChars);
}

absl::Status DecideRegisterDossier(const State& state,
                                   const v1::RegisterDossierRequest& c,
                                   const CommandContext& context,
                                   std::vector<v1::Event>* events) {
  const OrgUnitState* unit = state.FindUnit(c.unit_code());
  if (unit == nullptr) {
    return NotFound(v1::ORG_UNIT_NOT_FOUND,
                    absl::StrCat("unit '", c.unit_code(), "' is not registered"));
  }
  if (!unit->active()) {
    return FailedPrecondition(
        v1::ORG_UNIT_INACTIVE,
        absl::StrCat("unit '", c.unit_code(), "' is deactivated"));
  }
  if (const DossierState* existing =
          state.FindDossierByIdHash(c.national_id_hmac())) {
    return AlreadyExists(
        v1::DOSSIER_ALREADY_EXISTS,
        absl::StrCat("this person already has dossier ",
                     existing->details().dossier_id(), " at unit '",
                     existing->details().unit_code(),
                     "' (one person, one dossier, in every unit)"));
  }
  v1::DossierRegistered* e = events->emplace_back().mutable_dossier_registered();
  e->set_dossier_id(absl::StrCat("d", context.last_sequence + 1));
  e->set_unit_code(c.unit_code());
  e->set_name(c.name());
  e->set_national_id_hmac(c.national_id_hmac());
  e->set_national_id_masked(c.national_id_masked());
  e->set_category(c.category());
  e->set_household_size(c.household_size());
  e->set_contact(c.contact());
  return absl::OkStatus();
}

absl::Status DecideUpdateDossier(const State& state,
                                 const v1::UpdateDossierRequest& c,
                                 std::vector<v1::Event>* events) {
  const DossierState* dossier = nullptr;
  RELIEF_RETURN_IF_ERROR(RequireDossier(state, c.dossier_id(), &dossier));
  v1::DossierUpdated* e = events->emplace_back().mutable_dossier_updated();
  e->set_dossier_id(c.dossier_id());
  e->set_name(c.name());
  e->set_category(c.category());
  e->set_household_size(c.household_size());
  e->set_contact(c.contact());
  return absl::OkStatus();
}

absl::Status DecideExitDossier(const State& state,
                               const v1::ExitDossierRequest& c,
                               std::vector<v1::Event>* events) {
  const DossierState* dossier = nullptr;
  RELIEF_RETURN_IF_ERROR(RequireDossier(state, c.dossier_id(), &dossier));
  if (!dossier->active()) {
    return FailedPrecondition(
        v1::DOSSIER_EXITED,
        absl::StrCat("dossier ", c.dossier_id(), " has already exited (脱困)"));
  }
  v1::DossierExited* e = events->emplace_back().mutable_dossier_exited();
  e->set_dossier_id(c.dossier_id());
  e->set_reason(c.reason());
  return absl::OkStatus();
}

absl::Status DecideReactivateDossier(const State& state,
                                     const v1::ReactivateDossierRequest& c,
                                     std::vector<v1::Event>* events) {
  const DossierState* dossier = nullptr;
  RELIEF_RETURN_IF_ERROR(RequireDossier(state, c.dossier_id(), &dossier));
  if (dossier->active()) {
    return FailedPrecondition(
        v1::DOSSIER_ACTIVE,
        absl::StrCat("dossier ", c.dossier_id(), " is active already"));
  }
  v1::DossierReactivated* e =
      events->emplace_back().mutable_dossier_reactivated();
  e->set_dossier_id(c.dossier_id());
  e->set_reason(c.reason());
  return absl::OkStatus();
}

void EvolveDossier(State& state, const v1::Event& event, uint64_t sequence) {
  switch (event.kind_case()) {
    case v1::Event::kDossierRegistered: {
      const auto& e = event.dossier_registered();
      RELIEF_CHECK(state.FindDossier(e.dossier_id()) == nullptr &&
                       state.FindDossierByIdHash(e.national_id_hmac()) ==
                           nullptr,
                   e.dossier_id());
      DossierState d;
      *d.mutable_details() = e;
      d.set_active(true);
      d.set_registered_sequence(sequence);
      state.PutDossier(std::move(d));
      return;
    }
    case v1::Event::kDossierUpdated: {
      const auto& e = event.dossier_updated();
      const DossierState* found = state.FindDossier(e.dossier_id());
      RELIEF_CHECK(found != nullptr, e.dossier_id());
      DossierState d = *found;
      d.mutable_details()->set_name(e.name());
      d.mutable_details()->set_category(e.category());
      d.mutable_details()->set_household_size(e.household_size());
      d.mutable_details()->set_contact(e.contact());
      state.PutDossier(std::move(d));
      return;
    }
    case v1::Event::kDossierExited:
    case v1::Event::kDossierReactivated: {
      const bool exit = event.has_dossier_exited();
      const std::string& id = exit ? event.dossier_exited().dossier_id()
                                   : event.dossier_reactivated().dossier_id();
      const DossierState* found = state.FindDossier(id);
      RELIEF_CHECK(found != nullptr && found->active() == exit, id);
      DossierState d = *found;
      d.set_active(!exit);
      state.PutDossier(std::move(d));
      return;
    }
    default:
      RELIEF_CHECK(false, "not a dossier event");
  }
}

const DossierState* RequireActiveDossier(const State& state,
                                         absl::string_view id,
                                         absl::string_view what,
                                         absl::Status* status) {
  const DossierState* dossier = state.FindDossier(id);
  if (dossier == nullptr) {
    *status = NotFound(v1::DOSSIER_NOT_FOUND,
                       absl::StrCat("there is no dossier '", id, "': no ", what,
                                    " without a dossier (先建档、后帮扶)"));
    return nullptr;
  }
  if (!dossier->active()) {
    *status = FailedPrecondition(
        v1::DOSSIER_EXITED,
        absl::StrCat("dossier ", id,
                     " has exited hardship (脱困); reactivate it first"));
    return nullptr;
  }
  return dossier;
}

}  // namespace relief
