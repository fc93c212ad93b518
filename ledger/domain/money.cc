#include "ledger/domain/money.h"

#include "absl/strings/str_cat.h"
#include "ledger/domain/rejection.h"

namespace relief {
namespace {

absl::Status Bad(absl::string_view text, absl::string_view why) {
  return InvalidArgument(
      v1::AMOUNT_INVALID,
      absl::StrCat("'", text.substr(0, 40), "' is not an amount in yuan: ", why,
                   " (write e.g. 1500, 1,500.00 or 0.50)"));
}

}  // namespace

absl::StatusOr<int64_t> ParseYuan(absl::string_view text) {
  if (text.empty()) return Bad(text, "it is empty");
  if (text[0] == '-') return Bad(text, "amounts are never negative");
  absl::string_view whole = text;
  absl::string_view fraction;
  if (size_t dot = text.find('.'); dot != absl::string_view::npos) {
    whole = text.substr(0, dot);
    fraction = text.substr(dot + 1);
    if (fraction.empty()) return Bad(text, "nothing follows the decimal point");
    if (fraction.size() > 2) {
      return Bad(text, "at most two decimals (fen) are allowed");
    }
  }
  if (whole.empty()) return Bad(text, "there is no digit before the point");
  // Separators: either none, or a comma before every group of three.
  const bool grouped = whole.find(',') != absl::string_view::npos;
  int64_t yuan = 0;
  int digits_since_comma = 0;
  bool seen_comma = false;
  for (size_t i = 0; i < whole.size(); ++i) {
    char c = whole[i];
    if (c == ',') {
      if (i == 0 || (seen_comma && digits_since_comma != 3) ||
          (!seen_comma && digits_since_comma > 3)) {
        return Bad(text, "a thousands separator is misplaced");
      }
      seen_comma = true;
      digits_since_comma = 0;
      continue;
    }
    if (c < '0' || c > '9') return Bad(text, "it has a character that is not a digit");
    ++digits_since_comma;
    if (yuan > kMaxAmountFen / 100) {
      return Bad(text, "it is larger than the largest amount allowed");
    }
    yuan = yuan * 10 + (c - '0');
  }
  if (grouped && digits_since_comma != 3) {
    return Bad(text, "a thousands separator is misplaced");
  }
  int64_t fen = 0;
  for (size_t i = 0; i < 2; ++i) {
    char c = i < fraction.size() ? fraction[i] : '0';
    if (c < '0' || c > '9') return Bad(text, "the decimals are not digits");
    fen = fen * 10 + (c - '0');
  }
  if (yuan > kMaxAmountFen / 100 ||
      yuan * 100 + fen > kMaxAmountFen) {
    return Bad(text, absl::StrCat("it is larger than the largest amount "
                                  "allowed, ",
                                  FormatYuan(kMaxAmountFen), " yuan"));
  }
  return yuan * 100 + fen;
}

std::string FormatYuan(int64_t fen) {
  const bool negative = fen < 0;
  // Work in unsigned to format INT64_MIN without overflow.
  uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(fen)
                                : static_cast<uint64_t>(fen);
  std::string digits = std::to_string(magnitude / 100);
  std::string grouped;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) grouped.push_back(',');
    grouped.push_back(digits[i]);
  }
  uint64_t cents = magnitude % 100;
  return absl::StrCat(negative ? "-" : "", grouped, ".", cents < 10 ? "0" : "",
                      cents);
}

}  // namespace relief
