// CSV as RFC 4180 writes it, for files people exchange with spreadsheets.
//
// Reading (ParseCsv) is strict, so a payment file means one thing only:
//   file    = [BOM] record *(eol record) [eol]
//   eol     = CRLF | LF
//   record  = field *("," field)
//   field   = quoted | bare
//   quoted  = DQUOTE *(any byte but DQUOTE | DQUOTE DQUOTE) DQUOTE
//   bare    = *(any byte but "," DQUOTE CR LF)
// The whole file must be valid UTF-8. A quoted field may hold commas, quotes
// (doubled) and line breaks; after its closing quote comes "," or the end of
// the line. A bare CR, a quote inside a bare field or an unclosed quote is an
// error naming its line. Each record remembers the line it starts on.
//
// Writing (CsvField, CsvRow) quotes a field only when it must: when it holds
// a comma, a quote, CR or LF.
//
// Pure functions; thread-compatible.
#ifndef RELIEF_CLIENTS_RELIEFCTL_CSV_H_
#define RELIEF_CLIENTS_RELIEFCTL_CSV_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace reliefctl {

// The UTF-8 byte order mark; Excel needs it to read a CSV file as UTF-8.
inline constexpr absl::string_view kUtf8Bom = "\xEF\xBB\xBF";

struct CsvRecord {
  int line = 0;  // 1-based line of the file the record starts on
  std::vector<std::string> fields;
};

// The records of `text` (a leading BOM is skipped). INVALID_ARGUMENT with
// "line N: what is wrong" on malformed input.
absl::StatusOr<std::vector<CsvRecord>> ParseCsv(absl::string_view text);

// One field, quoted when it has to be.
std::string CsvField(absl::string_view value);

// Fields joined by commas, ending in CRLF (RFC 4180's line break).
std::string CsvRow(const std::vector<std::string>& fields);

// Empty when `text` is valid UTF-8 (no overlong forms, no surrogates),
// else the 0-based offset of the first bad byte.
std::optional<size_t> FirstInvalidUtf8(absl::string_view text);

}  // namespace reliefctl

#endif  // RELIEF_CLIENTS_RELIEFCTL_CSV_H_
