// Programs (帮扶项目), their policies, and grants with public notice (公示):
// propose (拟资助) -> post (发放) by another principal after the notice, or
// void (作废); unposted proposals expire. No duplicate aid (不重复救助): a
// person's grants of a program per year, in every unit, plus aid recorded
// from other bodies, stay within the policy's limit. Internal to the
// decider; pure.
#ifndef RELIEF_LEDGER_DOMAIN_GRANTS_H_
#define RELIEF_LEDGER_DOMAIN_GRANTS_H_

#include <vector>

#include "absl/status/status.h"
#include "ledger/domain/state.h"
#include "relief/v1/events.pb.h"
#include "relief/v1/ledger_service.pb.h"

namespace relief {

struct CommandContext;

// [a-z][a-z0-9_]{0,31}: "education", "festival".
absl::Status ValidateProgramCode(absl::string_view program);

// China Standard Time (UTC+8) calendar of a server timestamp.
int YearOf(int64_t unix_micros);
int DateOf(int64_t unix_micros);  // yyyymmdd

// The policy in force on `date` (yyyymmdd), or null.
const v1::ProgramPolicySet* PolicyInForce(const State& state,
                                          absl::string_view program, int date);

absl::Status ValidateSetProgramPolicy(const v1::SetProgramPolicyRequest& c);
absl::Status ValidateProposeGrant(const v1::ProposeGrantRequest& c);
absl::Status ValidatePostGrant(const v1::PostGrantRequest& c);
absl::Status ValidateVoidGrant(const v1::VoidGrantRequest& c);
absl::Status ValidateRecordExternalAid(const v1::RecordExternalAidRequest& c);

absl::Status DecideSetProgramPolicy(const State& state,
                                    const v1::SetProgramPolicyRequest& c,
                                    std::vector<v1::Event>* events);
absl::Status DecideProposeGrant(const State& state,
                                const v1::ProposeGrantRequest& c,
                                const CommandContext& context,
                                std::vector<v1::Event>* events);
absl::Status DecidePostGrant(const State& state, const v1::PostGrantRequest& c,
                             const CommandContext& context,
                             std::vector<v1::Event>* events);
absl::Status DecideVoidGrant(const State& state, const v1::VoidGrantRequest& c,
                             std::vector<v1::Event>* events);
absl::Status DecideRecordExternalAid(const State& state,
                                     const v1::RecordExternalAidRequest& c,
                                     std::vector<v1::Event>* events);

// The documented default policies of the standard programs, in force from
// `effective_date` (yyyymmdd). Units adjust them with SetProgramPolicy:
//
//   program    中文        amount (yuan)    per year  windows          notice  expiry  pays
//   festival   送温暖      500 – 2,000       2        1 Jan–28 Feb,     5 d     30 d   cash, goods
//                                                     1 Dec–31 Dec
//   education  金秋助学    2,000 – 4,000     1        15 Jul–31 Aug     7 d     45 d   cash
//   medical    医疗救助    1,000 – 20,000    2        all year          5 d     30 d   cash
//   living     生活救助    500 – 5,000       4        all year          5 d     30 d   cash, goods
//   emergency  临时救助    500 – 10,000      3        all year          0 d     15 d   cash, goods
//   housing    住房救助    5,000 – 30,000    1        all year          7 d     60 d   cash
//   training   培训        500 – 3,000       2        all year          5 d     60 d   cash
//
// Every category is eligible and every fund source allowed.
std::vector<v1::ProgramPolicySet> StandardPolicies(int effective_date);

// The writer's own decision: void every pending grant whose expiry is at or
// before `now` (oldest first). Appends one GrantVoided (expired) per grant.
void DecideExpiries(const State& state, int64_t now_unix_micros,
                    std::vector<v1::Event>* events);

void EvolveGrant(State& state, const v1::Event& event, uint64_t sequence);

}  // namespace relief

#endif  // RELIEF_LEDGER_DOMAIN_GRANTS_H_
