#include "clients/reliefctl/table.h"

#include <algorithm>
#include <cassert>

#include "absl/strings/escaping.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"

namespace reliefctl {
namespace {

struct Range {
  char32_t first;
  char32_t last;
};

// East Asian Wide (W) and Fullwidth (F) blocks, Unicode 15, coarse-grained:
// whole blocks rather than every assigned code point, which is what
// terminals do too.
constexpr Range kWide[] = {
    {0x1100, 0x115F},   {0x231A, 0x231B},   {0x2329, 0x232A},
    {0x23E9, 0x23EC},   {0x23F0, 0x23F0},   {0x23F3, 0x23F3},
    {0x25FD, 0x25FE},   {0x2614, 0x2615},   {0x2648, 0x2653},
    {0x267F, 0x267F},   {0x2693, 0x2693},   {0x26A1, 0x26A1},
    {0x26AA, 0x26AB},   {0x26BD, 0x26BE},   {0x26C4, 0x26C5},
    {0x26CE, 0x26CE},   {0x26D4, 0x26D4},   {0x26EA, 0x26EA},
    {0x26F2, 0x26F3},   {0x26F5, 0x26F5},   {0x26FA, 0x26FA},
    {0x26FD, 0x26FD},   {0x2705, 0x2705},   {0x270A, 0x270B},
    {0x2728, 0x2728},   {0x274C, 0x274C},   {0x274E, 0x274E},
    {0x2753, 0x2755},   {0x2757, 0x2757},   {0x2795, 0x2797},
    {0x27B0, 0x27B0},   {0x27BF, 0x27BF},   {0x2B1B, 0x2B1C},
    {0x2B50, 0x2B50},   {0x2B55, 0x2B55},   {0x2E80, 0x303E},
    {0x3041, 0x33FF},   {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},
    {0xA000, 0xA4CF},   {0xA960, 0xA97F},   {0xAC00, 0xD7A3},
    {0xF900, 0xFAFF},   {0xFE10, 0xFE19},   {0xFE30, 0xFE6F},
    {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x16FE0, 0x16FE4},
    {0x17000, 0x18CFF}, {0x1B000, 0x1B2FF}, {0x1F004, 0x1F004},
    {0x1F0CF, 0x1F0CF}, {0x1F18E, 0x1F18E}, {0x1F191, 0x1F19A},
    {0x1F200, 0x1F251}, {0x1F300, 0x1F64F}, {0x1F680, 0x1F6FF},
    {0x1F900, 0x1F9FF}, {0x1FA70, 0x1FAFF}, {0x20000, 0x2FFFD},
    {0x30000, 0x3FFFD},
};

// Combining marks and zero-width characters.
constexpr Range kZero[] = {
    {0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x0610, 0x061A},
    {0x064B, 0x065F}, {0x200B, 0x200F}, {0x2028, 0x202E}, {0x2060, 0x2064},
    {0x20D0, 0x20FF}, {0x302A, 0x302D}, {0x3099, 0x309A}, {0xFE00, 0xFE0F},
    {0xFE20, 0xFE2F}, {0xFEFF, 0xFEFF}, {0xE0100, 0xE01EF},
};

template <size_t N>
bool InRanges(const Range (&ranges)[N], char32_t c) {
  const Range* it = std::upper_bound(
      std::begin(ranges), std::end(ranges), c,
      [](char32_t value, const Range& r) { return value < r.first; });
  if (it == std::begin(ranges)) return false;
  --it;
  return c <= it->last;
}

// Decodes one UTF-8 sequence at text[*pos]. Returns false (and advances by
// one byte) on an invalid, overlong or truncated sequence or a surrogate.
bool DecodeOne(std::string_view text, size_t* pos, char32_t* out) {
  const auto b0 = static_cast<unsigned char>(text[*pos]);
  size_t length;
  char32_t c;
  char32_t min;
  if (b0 < 0x80) {
    *out = b0;
    *pos += 1;
    return true;
  } else if ((b0 & 0xE0) == 0xC0) {
    length = 2, c = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    length = 3, c = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    length = 4, c = b0 & 0x07, min = 0x10000;
  } else {
    *pos += 1;
    return false;
  }
  if (*pos + length > text.size()) {
    *pos += 1;
    return false;
  }
  for (size_t i = 1; i < length; ++i) {
    const auto b = static_cast<unsigned char>(text[*pos + i]);
    if ((b & 0xC0) != 0x80) {
      *pos += 1;
      return false;
    }
    c = (c << 6) | (b & 0x3F);
  }
  if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
    *pos += 1;
    return false;
  }
  *pos += length;
  *out = c;
  return true;
}

bool IsControl(char32_t c) {
  return c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F);
}

}  // namespace

int CodePointWidth(char32_t c) {
  if (c == 0) return 0;
  if (IsControl(c)) return 0;
  if (InRanges(kZero, c)) return 0;
  if (InRanges(kWide, c)) return 2;
  return 1;
}

int DisplayWidth(std::string_view utf8) {
  int width = 0;
  size_t pos = 0;
  while (pos < utf8.size()) {
    char32_t c;
    width += DecodeOne(utf8, &pos, &c) ? CodePointWidth(c) : 1;
  }
  return width;
}

std::string Sanitize(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  size_t pos = 0;
  while (pos < utf8.size()) {
    const size_t start = pos;
    char32_t c;
    if (!DecodeOne(utf8, &pos, &c)) {
      out.push_back('?');
    } else if (c == '\t' || c == '\n' || c == '\r') {
      out.push_back(' ');
    } else if (IsControl(c) || c == 0x2028 || c == 0x2029 ||
               (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069)) {
      // Controls, line separators and bidi overrides can hide or reorder
      // what an auditor reads.
      out.push_back('?');
    } else {
      out.append(utf8.substr(start, pos - start));
    }
  }
  return out;
}

std::string PadRight(std::string_view text, int width) {
  std::string out(text);
  const int have = DisplayWidth(text);
  if (have < width) out.append(static_cast<size_t>(width - have), ' ');
  return out;
}

std::string PadLeft(std::string_view text, int width) {
  const int have = DisplayWidth(text);
  std::string out;
  if (have < width) out.append(static_cast<size_t>(width - have), ' ');
  out.append(text);
  return out;
}

Table::Table(std::vector<Column> columns) : columns_(std::move(columns)) {
  for (Column& column : columns_) column.header = Sanitize(column.header);
}

void Table::AddRow(std::vector<std::string> cells) {
  assert(cells.size() == columns_.size());
  cells.resize(columns_.size());
  for (std::string& cell : cells) cell = Sanitize(cell);
  rows_.push_back(std::move(cells));
}

std::string Table::Render() const {
  std::vector<int> widths(columns_.size(), 0);
  for (size_t i = 0; i < columns_.size(); ++i) {
    widths[i] = DisplayWidth(columns_[i].header);
    for (const auto& row : rows_) {
      widths[i] = std::max(widths[i], DisplayWidth(row[i]));
    }
  }
  std::string out;
  auto render_line = [&](auto cell_at) {
    std::string line;
    for (size_t i = 0; i < columns_.size(); ++i) {
      const std::string& cell = cell_at(i);
      const bool last = i + 1 == columns_.size();
      if (i > 0) line.append("  ");
      if (columns_[i].align == Align::kRight) {
        line.append(PadLeft(cell, widths[i]));
      } else if (last) {
        line.append(cell);
      } else {
        line.append(PadRight(cell, widths[i]));
      }
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out.append(line).push_back('\n');
  };
  render_line([&](size_t i) -> const std::string& { return columns_[i].header; });
  for (const auto& row : rows_) {
    render_line([&](size_t i) -> const std::string& { return row[i]; });
  }
  return out;
}

void KeyValues::Add(std::string key, std::string value) {
  lines_.emplace_back(Sanitize(key), Sanitize(value));
}

std::string KeyValues::Render() const {
  int width = 0;
  for (const auto& [key, value] : lines_) {
    width = std::max(width, DisplayWidth(key));
  }
  std::string out;
  for (const auto& [key, value] : lines_) {
    std::string line = PadRight(key, width) + "  " + value;
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out.append(line).push_back('\n');
  }
  return out;
}

std::string FormatUnixMicrosUtc(int64_t unix_micros) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ",
                          absl::FromUnixMicros(unix_micros),
                          absl::UTCTimeZone());
}

std::string Hex(std::string_view bytes) {
  return absl::BytesToHexString(absl::string_view(bytes.data(), bytes.size()));
}

std::string HexPrefix(std::string_view bytes, size_t digits) {
  std::string hex = Hex(bytes.substr(0, (digits + 1) / 2));
  if (hex.size() > digits) hex.resize(digits);
  return hex;
}

std::string JsonQuote(std::string_view text) {
  std::string out = "\"";
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out.append(absl::StrFormat("\\u%04x", c));
        } else {
          out.push_back(ch);  // UTF-8 passes through
        }
    }
  }
  out.push_back('"');
  return out;
}

}  // namespace reliefctl
