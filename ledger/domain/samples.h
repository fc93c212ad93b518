// Spot-check samples (抽查): an audit committee draws a reproducible random
// sample of the posted grants of a unit (or subtree), program and year, and
// the draw is recorded as a SampleDrawn event. Moves no money. Internal to
// the decider, pure like it, except that the functions of the algorithm
// (SampleSize, OrderSample, PopulationSha256) are public so that a client
// can recompute a recorded sample without the server.
//
// The algorithm, exactly (also in events.proto and docs/audit.md):
//   population P = State::PostedGrants(unit, subtree, program, year), in
//     grant order, as of the event before the sample;
//   k = ceil(|P| x percent_bp / 10000), at least 1;
//   the sample = the first k of P sorted by SHA-256(seed || grant_id)
//     ascending (bytewise; ties, which do not happen, keep grant order).
// The seed comes from the committee (in the command) or from the service
// (CommandContext::drawn_seed, OpenSSL RAND_bytes); never from here.
#ifndef RELIEF_LEDGER_DOMAIN_SAMPLES_H_
#define RELIEF_LEDGER_DOMAIN_SAMPLES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "ledger/domain/state.h"
#include "relief/v1/events.pb.h"
#include "relief/v1/ledger_service.pb.h"

namespace relief {

struct CommandContext;

inline constexpr size_t kSampleSeedBytes = 32;

// ceil(population x percent_bp / 10000), at least 1 when population > 0;
// 0 for an empty population. REQUIRES: percent_bp <= 10000.
uint64_t SampleSize(uint64_t population, uint32_t percent_bp);

// The first `k` grant ids of `population` (in grant order) ordered by
// SHA-256(seed || id) ascending; ties keep grant order.
std::vector<std::string> OrderSample(absl::string_view seed,
                                     const std::vector<std::string>& population,
                                     uint64_t k);

// SHA-256 of the ids in the given order, each followed by "\n".
std::string PopulationSha256(const std::vector<std::string>& population);

absl::Status ValidateDrawSample(const v1::DrawSampleRequest& c);
absl::Status DecideDrawSample(const State& state,
                              const v1::DrawSampleRequest& c,
                              const CommandContext& context,
                              std::vector<v1::Event>* events);

}  // namespace relief

#endif  // RELIEF_LEDGER_DOMAIN_SAMPLES_H_
