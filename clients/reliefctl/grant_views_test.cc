#include "clients/reliefctl/grant_views.h"

#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "clients/reliefctl/csv.h"
#include "clients/reliefctl/table.h"
#include "gtest/gtest.h"

namespace reliefctl {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

// 2024-11-24 10:14:03 UTC = 18:14:03 in China.
constexpr int64_t kNoticeEnds = 1732443243000000;

relief::v1::ListPublicNoticeResponse Notice() {
  relief::v1::ListPublicNoticeResponse response;
  auto* a = response.add_grants();
  a->set_grant_id("g42");
  a->set_unit_code("jining.zoucheng");
  a->set_beneficiary_name("张三");
  a->set_national_id_masked("370802********1235");
  a->set_category(relief::v1::HARDSHIP_CATEGORY_SERIOUS_ILLNESS);
  a->set_program("education");
  a->set_amount_fen(200050);
  a->set_notice_ends_unix_micros(kNoticeEnds);
  auto* b = response.add_grants();
  b->set_grant_id("g43");
  b->set_unit_code("jining");
  b->set_beneficiary_name("O\"Brien, Mary");
  // A server mistake: a full ID where the masked one belongs.
  b->set_national_id_masked("11010519491231002X");
  b->set_category(relief::v1::HARDSHIP_CATEGORY_OTHER);
  b->set_program("=cmd");
  b->set_amount_fen(150000000);
  b->set_notice_ends_unix_micros(kNoticeEnds);
  response.set_as_of_sequence(50);
  return response;
}

TEST(GrantViewsTest, ChinaTimeStatusesAndPrograms) {
  EXPECT_EQ(FormatChinaTime(kNoticeEnds), "2024-11-24 18:14:03");
  EXPECT_EQ(FormatChinaTime(0), "-");
  EXPECT_EQ(ProgramDisplay("education"), "education 金秋助学");
  EXPECT_EQ(ProgramDisplay("local_fund"), "local_fund");
  EXPECT_EQ(GrantStatusDisplay(relief::v1::GRANT_STATUS_PENDING),
            "pending 待发放");
  EXPECT_EQ(GrantStatusDisplay(relief::v1::GRANT_STATUS_POSTED),
            "posted 已发放");
  EXPECT_EQ(GrantStatusDisplay(relief::v1::GRANT_STATUS_VOIDED),
            "voided 已作废");
  EXPECT_EQ(GrantStatusDisplay(relief::v1::GRANT_STATUS_EXPIRED),
            "expired 已过期");
  EXPECT_EQ(MaskedOnly("370802********1235"), "370802********1235");
  EXPECT_EQ(MaskedOnly("11010519491231002X"), "110105********002X");
  EXPECT_EQ(MaskedOnly("12345"), "*****");
}

TEST(NoticeCsvTest, BomChineseHeaderQuotingAndMaskedIdsOnly) {
  const std::string csv = RenderNoticeCsv(Notice());
  ASSERT_EQ(csv.substr(0, 3), "\xEF\xBB\xBF");
  EXPECT_EQ(csv.find("11010519491231"), std::string::npos);
  EXPECT_EQ(csv.find("\n", 0), csv.find("\r\n") + 1);  // CRLF rows

  const auto records = ParseCsv(csv);
  ASSERT_TRUE(records.ok()) << records.status();
  ASSERT_EQ(records->size(), 3u);
  EXPECT_EQ((*records)[0].fields,
            (std::vector<std::string>{
                "序号 No", "单位 unit", "姓名 name", "身份证号(脱敏) masked ID",
                "困难类别 category", "项目 program", "金额(元) amount",
                "公示截止 notice ends (UTC+8)", "拟资助编号 grant id"}));
  EXPECT_EQ((*records)[1].fields,
            (std::vector<std::string>{
                "1", "jining.zoucheng", "张三", "370802********1235",
                "大病 serious illness", "education 金秋助学", "2,000.50",
                "2024-11-24 18:14:03", "g42"}));
  const std::vector<std::string>& second = (*records)[2].fields;
  EXPECT_EQ(second[2], "O\"Brien, Mary");
  EXPECT_EQ(second[3], "110105********002X");
  EXPECT_EQ(second[5], "'=cmd");  // not a formula in Excel
  EXPECT_EQ(second[6], "1,500,000.00");
  // The raw text quotes per RFC 4180.
  EXPECT_NE(csv.find(",\"O\"\"Brien, Mary\","), std::string::npos);
  EXPECT_NE(csv.find(",\"1,500,000.00\","), std::string::npos);
}

TEST(NoticeListTest, TableAlignsAndMasks) {
  const std::vector<std::string> lines = Lines(RenderNoticeList(Notice()));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_NE(lines[0].find("公示截止 NOTICE ENDS (UTC+8)"), std::string::npos);
  EXPECT_NE(lines[1].find("2024-11-24 18:14:03"), std::string::npos);
  EXPECT_EQ(lines[2].find("11010519491231"), std::string::npos);
  EXPECT_EQ(DisplayWidth(lines[1].substr(0, lines[1].find("g42"))),
            DisplayWidth(lines[2].substr(0, lines[2].find("g43"))));
  EXPECT_NE(lines[3].find("2 grant(s)"), std::string::npos);
}

TEST(ProgramReportTest, RowsTotalsAndBreakdowns) {
  relief::v1::GetProgramReportResponse response;
  auto* row = response.add_rows();
  row->set_program("education");
  row->set_year(2024);
  row->set_people(3);
  row->set_grants(4);
  row->set_households(3);
  row->set_household_members(11);
  row->set_amount_fen(1200000);
  auto* by_category = row->add_by_category();
  by_category->set_key(relief::v1::HARDSHIP_CATEGORY_SERIOUS_ILLNESS);
  by_category->set_people(2);
  by_category->set_grants(3);
  by_category->set_amount_fen(900000);
  auto* by_source = row->add_by_fund_source();
  by_source->set_key(relief::v1::FUND_SOURCE_DONATIONS);
  by_source->set_people(3);
  by_source->set_grants(4);
  by_source->set_amount_fen(1200000);
  auto* medical = response.add_rows();
  medical->set_program("medical");
  medical->set_year(2024);
  medical->set_people(1);
  medical->set_grants(1);
  medical->set_households(1);
  medical->set_household_members(2);
  medical->set_amount_fen(50);
  response.set_units(4);
  response.set_as_of_sequence(99);

  const std::string text = RenderProgramReport(response, "jining", true);
  const std::vector<std::string> lines = Lines(text);
  EXPECT_NE(lines[0].find("jining and every unit below it"), std::string::npos);
  EXPECT_EQ(lines[2],
            "项目 PROGRAM        年度 YEAR  人数 PEOPLE  人次 GRANTS  "
            "户数 HOUSEHOLDS  惠及人口 MEMBERS  金额 AMOUNT");
  EXPECT_EQ(lines[3],
            "education 金秋助学       2024            3            4  "
            "              3                11    12,000.00");
  EXPECT_EQ(lines[5],
            "合计 total                                            5  "
            "                                     12,000.50");
  EXPECT_NE(text.find("by category 按困难类别"), std::string::npos);
  EXPECT_NE(text.find("大病 serious illness"), std::string::npos);
  EXPECT_NE(text.find("by fund source 按资金来源"), std::string::npos);
  EXPECT_NE(text.find("社会捐助 donations"), std::string::npos);
  EXPECT_NE(text.find("4 unit(s)"), std::string::npos);
  EXPECT_NE(text.find("as of sequence 99"), std::string::npos);
}

TEST(PolicyViewTest, StandardPoliciesRender) {
  relief::v1::ProgramPolicySet policy;
  policy.set_program("education");
  policy.set_name_zh("金秋助学");
  policy.set_effective_date(20240101);
  policy.set_min_amount_fen(200000);
  policy.set_max_amount_fen(400000);
  policy.set_grants_per_year(1);
  auto* window = policy.add_windows();
  window->set_start_mmdd(715);
  window->set_end_mmdd(831);
  policy.add_fund_sources(relief::v1::FUND_SOURCE_DONATIONS);
  policy.set_notice_days(7);
  policy.set_expiry_days(45);
  policy.set_allow_cash(true);
  const std::string text = RenderPolicies({policy}, {});
  EXPECT_NE(text.find("2024-01-01"), std::string::npos) << text;
  EXPECT_NE(text.find("2,000.00 – 4,000.00"), std::string::npos);
  EXPECT_NE(text.find("07-15..08-31"), std::string::npos);
  EXPECT_NE(text.find("社会捐助 donations"), std::string::npos);
  EXPECT_NE(text.find("cash 现金"), std::string::npos);
}

}  // namespace
}  // namespace reliefctl
