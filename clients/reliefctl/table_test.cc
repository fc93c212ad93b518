#include "clients/reliefctl/table.h"

#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gtest/gtest.h"

namespace reliefctl {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

// Display column at which `needle` starts in `line`.
int ColumnOf(const std::string& line, const std::string& needle) {
  const size_t pos = line.find(needle);
  EXPECT_NE(pos, std::string::npos) << needle << " not in " << line;
  return DisplayWidth(line.substr(0, pos));
}

TEST(DisplayWidthTest, CountsCjkAsTwoColumns) {
  EXPECT_EQ(DisplayWidth(""), 0);
  EXPECT_EQ(DisplayWidth("jining"), 6);
  EXPECT_EQ(DisplayWidth("济宁市总工会"), 12);  // 18 bytes
  EXPECT_EQ(DisplayWidth("city 市总"), 9);
  EXPECT_EQ(DisplayWidth("ＡＢ"), 4);      // fullwidth forms
  EXPECT_EQ(DisplayWidth("，。"), 4);      // CJK punctuation
  EXPECT_EQ(DisplayWidth("한국"), 4);      // hangul
  EXPECT_EQ(DisplayWidth("𠀀"), 2);        // CJK extension B, 4 bytes
  EXPECT_EQ(DisplayWidth("é"), 1);         // precomposed
  EXPECT_EQ(DisplayWidth("e\xCC\x81"), 1);  // e + combining acute
  EXPECT_EQ(DisplayWidth("a\xE2\x80\x8B" "b"), 2);  // zero-width space
  EXPECT_EQ(DisplayWidth("\xFF\xFE"), 2);  // invalid bytes: one each
  EXPECT_EQ(DisplayWidth("\xE5\xB8"), 2);  // truncated sequence
}

TEST(SanitizeTest, KeepsTextAndNeutralisesControls) {
  EXPECT_EQ(Sanitize("邹城市总工会 Zoucheng"), "邹城市总工会 Zoucheng");
  EXPECT_EQ(Sanitize("a\tb\nc"), "a b c");
  EXPECT_EQ(Sanitize("\x1b[31mred"), "?[31mred");
  EXPECT_EQ(Sanitize("x\xC2\x9By"), "x?y");            // C1 CSI
  EXPECT_EQ(Sanitize("a\xE2\x80\xAE" "b"), "a?b");      // bidi override
  EXPECT_EQ(Sanitize("\xC0\xAF"), "??");               // overlong '/'
  EXPECT_EQ(Sanitize("\xED\xA0\x80"), "???");          // surrogate
}

TEST(PadTest, PadsToDisplayWidth) {
  EXPECT_EQ(PadRight("市总", 6), "市总  ");
  EXPECT_EQ(PadLeft("42", 5), "   42");
  EXPECT_EQ(PadRight("toolong", 3), "toolong");
}

TEST(TableTest, AlignsColumnsWithChineseText) {
  Table table({{"CODE"}, {"中文名称 NAME_ZH"}, {"LEVEL"}, {"SEQ", Align::kRight}});
  table.AddRow({"jining", "济宁市总工会", "city 市总", "3"});
  table.AddRow({"jining.zoucheng", "邹城市总工会", "district 区县总工会", "12"});
  table.AddRow({"sd", "山东省总工会", "province 省总", "1024"});
  const std::vector<std::string> lines = Lines(table.Render());
  ASSERT_EQ(lines.size(), 4u);

  // Every row starts its second and third column at the same display column.
  const int name_column = ColumnOf(lines[0], "中文名称");
  const int level_column = ColumnOf(lines[0], "LEVEL");
  EXPECT_EQ(name_column, DisplayWidth("jining.zoucheng") + 2);
  EXPECT_EQ(ColumnOf(lines[1], "济宁"), name_column);
  EXPECT_EQ(ColumnOf(lines[2], "邹城"), name_column);
  EXPECT_EQ(ColumnOf(lines[3], "山东"), name_column);
  // "中文名称 NAME_ZH" (16 columns) is the widest cell of its column.
  EXPECT_EQ(level_column, name_column + 16 + 2);
  EXPECT_EQ(ColumnOf(lines[1], "city"), level_column);
  EXPECT_EQ(ColumnOf(lines[2], "district"), level_column);
  EXPECT_EQ(ColumnOf(lines[3], "province"), level_column);

  // The right-aligned last column ends at the same display column everywhere.
  const int width = DisplayWidth(lines[0]);
  for (const std::string& line : lines) EXPECT_EQ(DisplayWidth(line), width);
  EXPECT_EQ(lines[1].substr(lines[1].size() - 3), "  3");
}

TEST(TableTest, NoTrailingBlanksAndEmptyCells) {
  Table table({{"A"}, {"B"}});
  table.AddRow({"x", ""});
  table.AddRow({"long value", "y"});
  const std::vector<std::string> lines = Lines(table.Render());
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "A           B");
  EXPECT_EQ(lines[1], "x");
  EXPECT_EQ(lines[2], "long value  y");
}

TEST(TableTest, CellsCannotBreakTheLayout) {
  Table table({{"NAME"}, {"REASON"}});
  table.AddRow({"evil\n\x1b[2J", "ok"});
  const std::vector<std::string> lines = Lines(table.Render());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1], "evil ?[2J  ok");
}

TEST(KeyValuesTest, AlignsValues) {
  KeyValues lines;
  lines.Add("code", "jining");
  lines.Add("中文名称", "济宁市总工会");
  lines.Add("registered at", "sequence 3");
  const std::vector<std::string> out = Lines(lines.Render());
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0], "code           jining");
  EXPECT_EQ(ColumnOf(out[1], "济宁"), 15);
  EXPECT_EQ(out[2], "registered at  sequence 3");
}

TEST(FormatTest, TimesAreUtcIso8601) {
  EXPECT_EQ(FormatUnixMicrosUtc(0), "1970-01-01T00:00:00.000Z");
  // 2024-11-24T10:14:03.123456Z
  EXPECT_EQ(FormatUnixMicrosUtc(1732443243123456), "2024-11-24T10:14:03.123Z");
}

TEST(FormatTest, HexAndPrefix) {
  const std::string bytes("\x01\xab\xff\x00\x10\x20\x30", 7);
  EXPECT_EQ(Hex(bytes), "01abff00102030");
  EXPECT_EQ(HexPrefix(bytes, 12), "01abff001020");
  EXPECT_EQ(HexPrefix(bytes, 3), "01a");
  EXPECT_EQ(HexPrefix("", 12), "");
}

TEST(FormatTest, JsonQuoteEscapes) {
  EXPECT_EQ(JsonQuote("plain"), "\"plain\"");
  EXPECT_EQ(JsonQuote("a\"b\\c\nd\x01"), "\"a\\\"b\\\\c\\nd\\u0001\"");
  EXPECT_EQ(JsonQuote("济宁"), "\"济宁\"");
}

}  // namespace
}  // namespace reliefctl
