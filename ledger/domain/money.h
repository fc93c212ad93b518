// Money: an int64 count of fen (分). No floating point anywhere.
//
// People type yuan ("1500", "1,500.00", "0.5") and read yuan with two
// decimals ("1,500.00"). Parsing is exact: a third decimal, a sign, an
// exponent, misplaced separators or an amount beyond kMaxAmountFen is
// refused with a message saying what was wrong.
#ifndef RELIEF_LEDGER_DOMAIN_MONEY_H_
#define RELIEF_LEDGER_DOMAIN_MONEY_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace relief {

// The largest amount of one posting: 10 billion yuan. Far above any
// relief-fund movement (a province's yearly budget is in the hundreds of
// millions), far below int64's 92 quadrillion fen, so sums of many postings
// cannot overflow before a check catches them.
inline constexpr int64_t kMaxAmountFen = 1'000'000'000'000;

// "1500" | "1,500" | "1500.5" | "1,500.50" -> fen. INVALID_ARGUMENT otherwise.
absl::StatusOr<int64_t> ParseYuan(absl::string_view text);

// fen -> "1,500.50"; negative amounts get a leading '-'.
std::string FormatYuan(int64_t fen);

// a + b, or false on int64 overflow.
inline bool AddFen(int64_t a, int64_t b, int64_t* out) {
  return !__builtin_add_overflow(a, b, out);
}

}  // namespace relief

#endif  // RELIEF_LEDGER_DOMAIN_MONEY_H_
