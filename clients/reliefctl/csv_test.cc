#include "clients/reliefctl/csv.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace reliefctl {
namespace {

using Fields = std::vector<std::string>;

TEST(CsvParseTest, QuotesBomAndCrlf) {
  const absl::StatusOr<std::vector<CsvRecord>> records = ParseCsv(
      "\xEF\xBB\xBF"
      "a,b,c\r\n"
      "\"x, y\",\"say \"\"hi\"\"\",\r\n"
      "\"two\r\nlines\",张三,\"\"\n"
      "last");
  ASSERT_TRUE(records.ok()) << records.status();
  ASSERT_EQ(records->size(), 4u);
  EXPECT_EQ((*records)[0].fields, (Fields{"a", "b", "c"}));
  EXPECT_EQ((*records)[0].line, 1);
  EXPECT_EQ((*records)[1].fields, (Fields{"x, y", "say \"hi\"", ""}));
  EXPECT_EQ((*records)[1].line, 2);
  EXPECT_EQ((*records)[2].fields, (Fields{"two\r\nlines", "张三", ""}));
  EXPECT_EQ((*records)[2].line, 3);
  EXPECT_EQ((*records)[3].fields, (Fields{"last"}));
  EXPECT_EQ((*records)[3].line, 5);  // the quoted line break counted
}

TEST(CsvParseTest, MalformedInputNamesItsLine) {
  struct Case {
    const char* text;
    const char* error;
  };
  const Case cases[] = {
      {"a\nb\"c\n", "line 2: a quote inside an unquoted field"},
      {"a\n\"open\nstill", "line 2: a quoted field is never closed"},
      {"a\nb\n\"x\"y\n", "line 3: after a closing quote"},
      {"a\rb\n", "line 1: a carriage return not followed by a line feed"},
      {"ok\n\xff\n", "line 2: not valid UTF-8"},
      {"ok\n\xC0\xAF\n", "line 2: not valid UTF-8"},          // overlong '/'
      {"ok\nok\n\xED\xA0\x80\n", "line 3: not valid UTF-8"},  // surrogate
  };
  for (const Case& c : cases) {
    const absl::StatusOr<std::vector<CsvRecord>> records = ParseCsv(c.text);
    ASSERT_FALSE(records.ok()) << c.text;
    EXPECT_EQ(std::string(records.status().message()).find(c.error), 0u)
        << records.status().message();
  }
}

TEST(CsvWriteTest, QuotesOnlyWhenNeeded) {
  EXPECT_EQ(CsvField("张三"), "张三");
  EXPECT_EQ(CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvField("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvField("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(CsvRow({"1", "a,b", ""}), "1,\"a,b\",\r\n");
  // What is written reads back the same.
  const std::vector<std::string> fields = {"x", "\"q\"", "c,d", "e\r\nf", ""};
  const auto records = ParseCsv(CsvRow(fields));
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 1u);
  EXPECT_EQ((*records)[0].fields, fields);
}

}  // namespace
}  // namespace reliefctl
