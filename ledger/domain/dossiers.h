// Beneficiary dossiers (困难职工档案): 先建档、后帮扶、实名制 — no aid without
// an active dossier under a real name. Internal to the decider; pure.
//
// The national ID (居民身份证号码, GB 11643-1999) is checked here but never
// kept: the service layer replaces it by HMAC-SHA-256 under the server's
// secret (so the same person is recognised in every unit) and a masked form
// for display, before the command is fingerprinted or decided.
#ifndef RELIEF_LEDGER_DOMAIN_DOSSIERS_H_
#define RELIEF_LEDGER_DOMAIN_DOSSIERS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "ledger/domain/state.h"
#include "relief/v1/events.pb.h"
#include "relief/v1/ledger_service.pb.h"

namespace relief {

struct CommandContext;

// 18 characters: a 6-digit region, a real birth date YYYYMMDD (1900 on),
// a 3-digit sequence and the check character (0-9 or X; 'x' is accepted
// and means X) that GB 11643 computes from the first 17. With
// `today_yyyymmdd` (the caller's date; pure code reads no clock) a birth
// date after it is refused too.
absl::Status ValidateNationalId(absl::string_view id, int today_yyyymmdd = 0);
// The canonical form: upper-case X. REQUIRES: ValidateNationalId OK.
std::string CanonicalNationalId(absl::string_view id);
// "370802********123X": region kept, birth date and sequence hidden.
std::string MaskNationalId(absl::string_view id);

// Chinese and English label of a category: "低保 subsistence allowance".
std::string HardshipCategoryLabel(v1::HardshipCategory category);

// "d" followed by digits, as RegisterDossier returns (INVALID_ARGUMENT).
absl::Status ValidateDossierId(absl::string_view id);

// The dossier `id` if it exists and is active; else NOT_FOUND
// (DOSSIER_NOT_FOUND: "no <what> without a dossier") or FAILED_PRECONDITION
// (DOSSIER_EXITED), in *status.
const DossierState* RequireActiveDossier(const State& state,
                                         absl::string_view id,
                                         absl::string_view what,
                                         absl::Status* status);

absl::Status ValidateRegisterDossier(const v1::RegisterDossierRequest& c);
absl::Status ValidateUpdateDossier(const v1::UpdateDossierRequest& c);
absl::Status ValidateExitDossier(const v1::ExitDossierRequest& c);
absl::Status ValidateReactivateDossier(const v1::ReactivateDossierRequest& c);

absl::Status DecideRegisterDossier(const State& state,
                                   const v1::RegisterDossierRequest& c,
                                   const CommandContext& context,
                                   std::vector<v1::Event>* events);
absl::Status DecideUpdateDossier(const State& state,
                                 const v1::UpdateDossierRequest& c,
                                 std::vector<v1::Event>* events);
absl::Status DecideExitDossier(const State& state,
                               const v1::ExitDossierRequest& c,
                               std::vector<v1::Event>* events);
absl::Status DecideReactivateDossier(const State& state,
                                     const v1::ReactivateDossierRequest& c,
                                     std::vector<v1::Event>* events);

void EvolveDossier(State& state, const v1::Event& event, uint64_t sequence);

}  // namespace relief

#endif  // RELIEF_LEDGER_DOMAIN_DOSSIERS_H_
