// Limits of the ledger, in one place, each with its reason. A request that
// exceeds one is refused with INVALID_ARGUMENT or RESOURCE_EXHAUSTED; nothing
// in the system grows without bound.
#ifndef RELIEF_LEDGER_DOMAIN_LIMITS_H_
#define RELIEF_LEDGER_DOMAIN_LIMITS_H_

#include <cstddef>
#include <cstdint>

namespace relief::limits {

// Request ids are idempotency keys stored forever: UUIDs (36) fit with room.
inline constexpr size_t kRequestIdMaxBytes = 64;

// Org codes are dotted paths, e.g. "shandong.jining.zoucheng"; the hierarchy
// has six levels, so eight segments leave room for sub-units.
inline constexpr size_t kOrgCodeMaxBytes = 128;
inline constexpr size_t kOrgCodeSegmentMaxBytes = 32;
inline constexpr size_t kOrgCodeMaxSegments = 8;

// Display names: the longest union names run to ~40 characters.
inline constexpr size_t kNameMaxChars = 100;
// Free-text reasons (deactivation, revocation): a paragraph.
inline constexpr size_t kReasonMaxChars = 500;

// Voucher numbers (凭证号) from banks and allocation notices.
inline constexpr size_t kDocumentNumberMaxChars = 64;
// Units of goods: "袋", "箱", "kg".
inline constexpr size_t kQuantityUnitMaxChars = 20;
// Goods counted per receipt: a warehouse's worth, far from overflow.
inline constexpr int64_t kMaxGoodsQuantity = 1'000'000'000;

// A person's real name: Chinese names are 2-4 characters, minority and
// foreign names longer.
inline constexpr size_t kPersonNameMaxChars = 50;
// People in one household (户).
inline constexpr uint32_t kMaxHouseholdSize = 20;

// Principal names: "li.wei", "svc-payroll".
inline constexpr size_t kPrincipalNameMaxBytes = 64;

// One SubmitCommands request: large enough for a bank-file-sized batch,
// small enough (a few MiB) to bound one WriteBatch and one reply.
inline constexpr size_t kMaxCommandsPerRequest = 10000;

// gRPC receive limit, sized for kMaxCommandsPerRequest commands.
inline constexpr int kMaxMessageBytes = 16 * 1024 * 1024;

// Queries: one page.
inline constexpr uint32_t kDefaultPageSize = 100;
inline constexpr uint32_t kMaxPageSize = 1000;

// A spot-check sample (抽查): enough for any field visit, and its event
// (grant ids) stays far below kMaxMessageBytes.
inline constexpr uint64_t kMaxSampleGrants = 10000;

// A query's wait for min_sequence never exceeds this, whatever its deadline.
inline constexpr int64_t kMaxMinSequenceWaitMillis = 10000;

}  // namespace relief::limits

#endif  // RELIEF_LEDGER_DOMAIN_LIMITS_H_
