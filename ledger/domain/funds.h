// Fund accounting rules: receipts, allocation down the hierarchy, reversals
// and government matching rules. Internal to the decider (decider.cc
// dispatches here); pure like it.
#ifndef RELIEF_LEDGER_DOMAIN_FUNDS_H_
#define RELIEF_LEDGER_DOMAIN_FUNDS_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "ledger/domain/state.h"
#include "relief/v1/events.pb.h"
#include "relief/v1/ledger_service.pb.h"

namespace relief {

struct CommandContext;

absl::Status ValidateReceiveFunds(const v1::ReceiveFundsRequest& c);
absl::Status ValidateAllocateFunds(const v1::AllocateFundsRequest& c);
absl::Status ValidateReverseEvent(const v1::ReverseEventRequest& c);
absl::Status ValidateSetMatchingRule(const v1::SetMatchingRuleRequest& c);

absl::Status DecideReceiveFunds(const State& state,
                                const v1::ReceiveFundsRequest& c,
                                std::vector<v1::Event>* events);
absl::Status DecideAllocateFunds(const State& state,
                                 const v1::AllocateFundsRequest& c,
                                 std::vector<v1::Event>* events);
absl::Status DecideReverseEvent(const State& state,
                                const v1::ReverseEventRequest& c,
                                const CommandContext& context,
                                std::vector<v1::Event>* events);
absl::Status DecideSetMatchingRule(const State& state,
                                   const v1::SetMatchingRuleRequest& c,
                                   std::vector<v1::Event>* events);

// Checks that `postings` may be applied to `state`: amounts in range, both
// accounts of the posting's source, no pool overdrawn, no total overflowing.
absl::Status CheckPostings(const State& state,
                           const google::protobuf::RepeatedPtrField<v1::Posting>& postings);

// Applies postings to the balances. Aborts if a pool would go negative or a
// total overflow: Decide must have prevented both.
void ApplyPostings(State& state,
                   const google::protobuf::RepeatedPtrField<v1::Posting>& postings);

// The postings an event carries (empty for events that move no money).
const google::protobuf::RepeatedPtrField<v1::Posting>* PostingsOf(
    const v1::Event& event);

}  // namespace relief

#endif  // RELIEF_LEDGER_DOMAIN_FUNDS_H_
