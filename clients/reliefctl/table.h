// Terminal text for people: display width of UTF-8 text, aligned tables,
// key/value blocks.
//
// Width: a terminal shows CJK ideographs, kana, hangul, fullwidth forms and
// most emoji two columns wide; combining marks and zero-width characters take
// none; everything else one. Alignment pads with spaces to the display width,
// never to the byte length, so "济宁市总工会" (18 bytes) occupies 12 columns.
//
// Text from the server is untrusted: Sanitize() replaces control characters
// (ESC sequences could repaint the terminal) and invalid UTF-8 with '?', and
// tabs and newlines with a space, so a cell always stays on its line.
//
// Thread-compatible value types; no global state.
#ifndef RELIEF_CLIENTS_RELIEFCTL_TABLE_H_
#define RELIEF_CLIENTS_RELIEFCTL_TABLE_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace reliefctl {

// Columns the code point occupies in a terminal: 0, 1 or 2.
int CodePointWidth(char32_t code_point);

// Display width of UTF-8 text. Invalid bytes count one column each (they are
// shown as '?' after Sanitize).
int DisplayWidth(std::string_view utf8);

// Text safe to print on one terminal line: see the file comment.
std::string Sanitize(std::string_view utf8);

// `text` padded with spaces on the right (or left) to `width` columns.
// Text already wider is returned unchanged.
std::string PadRight(std::string_view text, int width);
std::string PadLeft(std::string_view text, int width);

enum class Align { kLeft, kRight };

// An aligned table: a header row, then one row per Add. Columns are separated
// by two spaces; the last column is not padded (no trailing blanks).
class Table {
 public:
  struct Column {
    std::string header;
    Align align = Align::kLeft;
  };

  explicit Table(std::vector<Column> columns);

  // REQUIRES: cells.size() == number of columns.
  void AddRow(std::vector<std::string> cells);

  size_t row_count() const { return rows_.size(); }

  // The header and rows, each line ending in '\n'.
  std::string Render() const;

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;  // sanitized
};

// "key   value" lines with the values aligned, for single records.
class KeyValues {
 public:
  void Add(std::string key, std::string value);
  std::string Render() const;

 private:
  std::vector<std::pair<std::string, std::string>> lines_;  // sanitized
};

// "2024-11-24T10:14:03.123Z" (UTC, ISO-8601, milliseconds).
std::string FormatUnixMicrosUtc(int64_t unix_micros);

// Lower-case hex of the bytes; HexPrefix keeps the first `digits` digits.
std::string Hex(std::string_view bytes);
std::string HexPrefix(std::string_view bytes, size_t digits);

// `text` as a JSON string literal, quotes included.
std::string JsonQuote(std::string_view text);

}  // namespace reliefctl

#endif  // RELIEF_CLIENTS_RELIEFCTL_TABLE_H_
