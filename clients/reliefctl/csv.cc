#include "clients/reliefctl/csv.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace reliefctl {
namespace {

absl::Status LineError(int line, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("line ", line, ": ", what));
}

}  // namespace

std::optional<size_t> FirstInvalidUtf8(absl::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto byte = [&](size_t at) {
      return static_cast<unsigned char>(text[at]);
    };
    const unsigned char lead = byte(i);
    if (lead < 0x80) {
      ++i;
      continue;
    }
    size_t length;
    char32_t code_point;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
      code_point = lead & 0x1F;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      code_point = lead & 0x0F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      code_point = lead & 0x07;
    } else {
      return i;
    }
    if (i + length > text.size()) return i;
    for (size_t k = 1; k < length; ++k) {
      if ((byte(i + k) & 0xC0) != 0x80) return i;
      code_point = (code_point << 6) | (byte(i + k) & 0x3F);
    }
    const bool overlong = (length == 3 && code_point < 0x800) ||
                          (length == 4 && code_point < 0x10000);
    const bool surrogate = code_point >= 0xD800 && code_point <= 0xDFFF;
    if (overlong || surrogate || code_point > 0x10FFFF) return i;
    i += length;
  }
  return std::nullopt;
}

absl::StatusOr<std::vector<CsvRecord>> ParseCsv(absl::string_view text) {
  if (text.substr(0, kUtf8Bom.size()) == kUtf8Bom) {
    text.remove_prefix(kUtf8Bom.size());
  }
  if (const std::optional<size_t> bad = FirstInvalidUtf8(text)) {
    int line = 1;
    for (size_t i = 0; i < *bad; ++i) line += text[i] == '\n';
    return LineError(line, "not valid UTF-8 (save the file as UTF-8)");
  }
  std::vector<CsvRecord> records;
  int line = 1;
  size_t i = 0;
  while (i < text.size()) {
    CsvRecord record;
    record.line = line;
    // One record: fields until an end of line or the end of the text.
    while (true) {
      std::string field;
      if (i < text.size() && text[i] == '"') {
        const int opened_on = line;
        ++i;
        while (true) {
          if (i >= text.size()) {
            return LineError(opened_on, "a quoted field is never closed");
          }
          const char c = text[i];
          if (c == '"') {
            if (i + 1 < text.size() && text[i + 1] == '"') {
              field.push_back('"');
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          if (c == '\n') ++line;
          field.push_back(c);
          ++i;
        }
        if (i < text.size() && text[i] != ',' && text[i] != '\n' &&
            !(text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n')) {
          return LineError(line,
                           "after a closing quote comes a comma or the end "
                           "of the line (write a quote inside a quoted "
                           "field as \"\")");
        }
      } else {
        while (i < text.size() && text[i] != ',' && text[i] != '\n' &&
               text[i] != '\r') {
          if (text[i] == '"') {
            return LineError(line,
                             "a quote inside an unquoted field; quote the "
                             "whole field and double the quote");
          }
          field.push_back(text[i]);
          ++i;
        }
        if (i < text.size() && text[i] == '\r' &&
            !(i + 1 < text.size() && text[i + 1] == '\n')) {
          return LineError(line,
                           "a carriage return not followed by a line "
                           "feed");
        }
      }
      record.fields.push_back(std::move(field));
      if (i >= text.size()) break;
      if (text[i] == ',') {
        ++i;
        continue;
      }
      // CRLF or LF ends the record.
      i += text[i] == '\r' ? 2 : 1;
      ++line;
      break;
    }
    records.push_back(std::move(record));
  }
  return records;
}

std::string CsvField(absl::string_view value) {
  if (value.find_first_of(",\"\r\n") == absl::string_view::npos) {
    return std::string(value);
  }
  std::string quoted = "\"";
  for (const char c : value) {
    if (c == '"') quoted.push_back('"');
    quoted.push_back(c);
  }
  quoted.push_back('"');
  return quoted;
}

std::string CsvRow(const std::vector<std::string>& fields) {
  std::string row;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) row.push_back(',');
    row += CsvField(fields[i]);
  }
  row += "\r\n";
  return row;
}

}  // namespace reliefctl
