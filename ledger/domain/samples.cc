#include "ledger/domain/samples.h"

#include <algorithm>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "ledger/domain/decider.h"
#include "ledger/domain/digest.h"
#include "ledger/domain/grants.h"
#include "ledger/domain/limits.h"
#include "ledger/domain/rejection.h"
#include "ledger/domain/validation.h"

namespace relief {
namespace {

// "7%", "0.5%", "12.25%" of basis points, for messages.
std::string PercentText(uint32_t bp) {
  std::string text = absl::StrCat(bp / 100);
  if (bp % 100 != 0) {
    absl::StrAppend(&text, ".", bp % 100 / 10);
    if (bp % 10 != 0) absl::StrAppend(&text, bp % 10);
  }
  return absl::StrCat(text, "%");
}

}  // namespace

uint64_t SampleSize(uint64_t population, uint32_t percent_bp) {
  if (population == 0) return 0;
  // population < 2^32 and percent_bp <= 10^4: no overflow in 64 bits.
  const uint64_t k = (population * percent_bp + 9999) / 10000;
  return std::max<uint64_t>(k, 1);
}

std::vector<std::string> OrderSample(absl::string_view seed,
                                     const std::vector<std::string>& population,
                                     uint64_t k) {
  std::vector<std::string> keys;
  keys.reserve(population.size());
  for (const std::string& id : population) keys.push_back(PureSha256(seed, id));
  std::vector<size_t> order(population.size());
  std::iota(order.begin(), order.end(), size_t{0});
  k = std::min<uint64_t>(k, population.size());
  auto before = [&](size_t a, size_t b) {
    return keys[a] != keys[b] ? keys[a] < keys[b] : a < b;
  };
  std::partial_sort(order.begin(), order.begin() + static_cast<ptrdiff_t>(k),
                    order.end(), before);
  std::vector<std::string> out;
  out.reserve(k);
  for (uint64_t i = 0; i < k; ++i) out.push_back(population[order[i]]);
  return out;
}

std::string PopulationSha256(const std::vector<std::string>& population) {
  std::string text;
  for (const std::string& id : population) absl::StrAppend(&text, id, "\n");
  return PureSha256(text);
}

absl::Status ValidateDrawSample(const v1::DrawSampleRequest& c) {
  RELIEF_RETURN_IF_ERROR(ValidateRequestId(c.request_id()));
  RELIEF_RETURN_IF_ERROR(ValidateOrgCode("unit_code", c.unit_code()));
  RELIEF_RETURN_IF_ERROR(ValidateProgramCode(c.program()));
  if (c.year() < 2000 || c.year() > 2100) {
    return InvalidArgument(
        v1::SAMPLE_INVALID,
        absl::StrCat("year ", c.year(), " is not in 2000..2100"));
  }
  if (c.percent_bp() < 1 || c.percent_bp() > 10000) {
    return InvalidArgument(
        v1::SAMPLE_INVALID,
        absl::StrCat("percent_bp ", c.percent_bp(),
                     " is not in 1..10000 (basis points: 700 = 7%, 10000 = "
                     "every grant)"));
  }
  if (!c.seed().empty() && c.seed().size() != kSampleSeedBytes) {
    return InvalidArgument(
        v1::SAMPLE_INVALID,
        absl::StrCat("the seed has ", c.seed().size(), " bytes; it must have ",
                     kSampleSeedBytes,
                     " (64 hex digits), or be empty for the server to draw "
                     "one"));
  }
  return ValidateText("purpose", c.purpose(), true, limits::kReasonMaxChars);
}

absl::Status DecideDrawSample(const State& state,
                              const v1::DrawSampleRequest& c,
                              const CommandContext& context,
                              std::vector<v1::Event>* events) {
  if (state.FindUnit(c.unit_code()) == nullptr) {
    return NotFound(v1::ORG_UNIT_NOT_FOUND,
                    absl::StrCat("unit '", c.unit_code(),
                                 "' is not registered"));
  }
  if (state.FindProgram(c.program()) == nullptr) {
    return FailedPrecondition(
        v1::PROGRAM_NOT_FOUND,
        absl::StrCat("program '", c.program(),
                     "' never had a policy, so it has no grants to sample"));
  }
  const bool from_server = c.seed().empty();
  const absl::string_view seed =
      from_server ? context.drawn_seed : absl::string_view(c.seed());
  if (seed.size() != kSampleSeedBytes) {
    return Reject(absl::StatusCode::kInternal, v1::INTERNAL_ERROR,
                  "no seed was drawn for DrawSample");
  }
  const std::vector<std::string> population =
      state.PostedGrants(c.unit_code(), c.subtree(), c.program(), c.year());
  const std::string where =
      absl::StrCat(c.unit_code(), c.subtree() ? " and the units below it" : "",
                   ", program ", c.program(), ", year ", c.year());
  if (population.empty()) {
    return FailedPrecondition(
        v1::SAMPLE_POPULATION_EMPTY,
        absl::StrCat("there is no posted grant of ", where,
                     " to sample (grants still in public notice, voided or "
                     "expired do not count)",
                     c.subtree() ? ""
                                 : "; subtree also samples the units below"));
  }
  const uint64_t k = SampleSize(population.size(), c.percent_bp());
  if (k > limits::kMaxSampleGrants) {
    return FailedPrecondition(
        v1::SAMPLE_INVALID,
        absl::StrCat(PercentText(c.percent_bp()), " of the ",
                     population.size(), " posted grants of ", where, " is ", k,
                     " grants; a sample holds at most ",
                     limits::kMaxSampleGrants,
                     ": lower the percentage or narrow the unit"));
  }
  v1::SampleDrawn* e = events->emplace_back().mutable_sample_drawn();
  e->set_sample_id(absl::StrCat("s", context.last_sequence + 1));
  e->set_unit_code(c.unit_code());
  e->set_subtree(c.subtree());
  e->set_program(c.program());
  e->set_year(c.year());
  e->set_percent_bp(c.percent_bp());
  e->set_seed(std::string(seed));
  e->set_seed_from_server(from_server);
  e->set_population_sequence(context.last_sequence);
  e->set_population_size(static_cast<uint32_t>(population.size()));
  e->set_population_sha256(PopulationSha256(population));
  for (std::string& id : OrderSample(seed, population, k)) {
    e->add_grant_ids(std::move(id));
  }
  e->set_purpose(c.purpose());
  return absl::OkStatus();
}

}  // namespace relief
