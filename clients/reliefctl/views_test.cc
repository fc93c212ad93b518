#include "clients/reliefctl/views.h"

#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "clients/reliefctl/table.h"
#include "gtest/gtest.h"

namespace reliefctl {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

// Display column just after the end of `needle` in `line`.
int EndColumnOf(const std::string& line, const std::string& needle) {
  const size_t pos = line.find(needle);
  EXPECT_NE(pos, std::string::npos) << needle << " not in " << line;
  if (pos == std::string::npos) return -1;
  return DisplayWidth(line.substr(0, pos + needle.size()));
}

relief::v1::GetFundSummaryResponse Summary() {
  relief::v1::GetFundSummaryResponse response;
  const relief::v1::FundSource sources[] = {
      relief::v1::FUND_SOURCE_FEDERATION_ALLOCATION,
      relief::v1::FUND_SOURCE_GOVERNMENT_MATCHING,
      relief::v1::FUND_SOURCE_DONATIONS, relief::v1::FUND_SOURCE_OWN_FUNDS};
  for (const auto source : sources) {
    auto* row = response.add_rows();
    row->set_unit_code("jining");
    row->set_fund_source(source);
  }
  auto* federation = response.mutable_rows(0);
  federation->set_received_fen(150000000);       // 1,500,000.00
  federation->set_allocated_down_fen(30000000);  // 300,000.00
  federation->set_available_fen(120000000);
  auto* donations = response.mutable_rows(2);
  donations->set_received_fen(150050);        // 1,500.50
  donations->set_goods_received_fen(250000);  // 2,500.00
  donations->set_lent_fen(100000);            // 1,000.00
  donations->set_repaid_fen(40000);           // 400.00
  donations->set_interest_fen(1234);          // 12.34
  donations->set_written_off_fen(20000);      // 200.00
  donations->set_recovered_fen(5000);         // 50.00
  // received - lent + repaid + interest + recovered
  donations->set_available_fen(96284);        // 962.84
  response.set_units(3);
  response.set_as_of_sequence(42);
  return response;
}

TEST(YuanTest, TwoDecimalsAndSeparators) {
  EXPECT_EQ(Yuan(0), "0.00");
  EXPECT_EQ(Yuan(5), "0.05");
  EXPECT_EQ(Yuan(150050), "1,500.50");
  EXPECT_EQ(Yuan(-150050), "-1,500.50");
}

TEST(FundSummaryViewTest, OneRowPerSourceAndATotalAlignedWithChineseLabels) {
  const std::vector<std::string> lines =
      Lines(RenderFundSummary(Summary(), "jining", /*subtree=*/true));
  ASSERT_EQ(lines.size(), 8u) << absl::StrJoin(lines, "\n");
  EXPECT_EQ(lines[0].find("资金来源 FUND SOURCE"), 0u);
  EXPECT_EQ(lines[1].find("上级工会拨款 federation allocation"), 0u);
  EXPECT_EQ(lines[2].find("政府配套 government matching"), 0u);
  EXPECT_EQ(lines[3].find("社会捐助 donations"), 0u);
  EXPECT_EQ(lines[4].find("本级工会经费 own funds"), 0u);
  EXPECT_EQ(lines[5].find("合计 total"), 0u);

  // Amounts are right-aligned under their headers, counted in display
  // columns (a CJK character is two), not bytes.
  const int received_end = EndColumnOf(lines[0], "来款 RECEIVED");
  EXPECT_EQ(EndColumnOf(lines[1], "1,500,000.00"), received_end);
  EXPECT_EQ(EndColumnOf(lines[3], "1,500.50"), received_end);
  EXPECT_EQ(EndColumnOf(lines[5], "1,501,500.50"), received_end);
  const int available_end = EndColumnOf(lines[0], "可用 AVAILABLE");
  EXPECT_EQ(available_end, DisplayWidth(lines[0]));  // the last column
  EXPECT_EQ(DisplayWidth(lines[1]), available_end);
  EXPECT_EQ(DisplayWidth(lines[5]), available_end);
  EXPECT_NE(lines[5].find("1,200,962.84"), std::string::npos);  // available
  EXPECT_NE(lines[5].find("2,500.00"), std::string::npos);      // goods

  // The loan columns in the order of the money's path: lent, repaid,
  // interest, written off, recovered; then what is available.
  EXPECT_EQ(lines[0],
            "资金来源 FUND SOURCE                来款 RECEIVED  物资 GOODS  "
            "上级拨入 ALLOCATED IN  下拨 ALLOCATED DOWN  已发放 GRANTED  预留 "
            "RESERVED  借出 LENT  已还 REPAID  利息 INTEREST  核销 WRITTEN "
            "OFF  核销收回 RECOVERED  可用 AVAILABLE");
  EXPECT_EQ(lines[3],
            "社会捐助 donations                       1,500.50    "
            "2,500.00                   0.00                 "
            "0.00            0.00           0.00   1,000.00       "
            "400.00          12.34            200.00               "
            "50.00          962.84");
  EXPECT_EQ(lines[5],
            "合计 total                           1,501,500.50    "
            "2,500.00                   0.00           "
            "300,000.00            0.00           0.00   "
            "1,000.00       400.00          12.34            "
            "200.00               50.00    1,200,962.84");
  const int interest_end = EndColumnOf(lines[0], "利息 INTEREST");
  EXPECT_EQ(EndColumnOf(lines[3], "12.34"), interest_end);
  EXPECT_EQ(EndColumnOf(lines[5], "12.34"), interest_end);
  const int recovered_end = EndColumnOf(lines[0], "核销收回 RECOVERED");
  EXPECT_EQ(EndColumnOf(lines[3], "50.00"), recovered_end);
  EXPECT_EQ(EndColumnOf(lines[5], "50.00"), recovered_end);

  EXPECT_EQ(lines[6],
            "amounts in yuan (元); 3 unit(s) summed: jining and every unit "
            "below it; as of sequence 42");
  EXPECT_NE(lines[7].find("ALLOCATED IN and ALLOCATED DOWN"),
            std::string::npos);

  const std::vector<std::string> one =
      Lines(RenderFundSummary(Summary(), "jining", /*subtree=*/false));
  ASSERT_EQ(one.size(), 7u);
  EXPECT_NE(one[6].find("jining only"), std::string::npos);
}

TEST(StatementViewTest, BlankForZeroDebitOrCredit) {
  relief::v1::ListStatementResponse response;
  auto* in = response.add_entries();
  in->set_sequence(7);
  in->set_recorded_at_unix_micros(1732443243123456);
  in->set_counter_account("external/donations");
  in->set_credit_fen(150050);
  in->set_balance_fen(150050);
  in->set_event_type("funds_received");
  in->set_memo("慈善总会捐款");
  auto* out = response.add_entries();
  out->set_sequence(9);
  out->set_counter_account("jining.zoucheng/donations/pool");
  out->set_debit_fen(50000);
  out->set_balance_fen(100050);
  out->set_event_type("funds_allocated");
  response.set_as_of_sequence(9);
  const std::vector<std::string> lines =
      Lines(RenderStatement(response, "jining/donations/pool"));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_NE(lines[1].find("2024-11-24T10:14:03.123Z"), std::string::npos);
  const int debit_end = EndColumnOf(lines[0], "支出 DEBIT");
  const int credit_end = EndColumnOf(lines[0], "收入 CREDIT");
  EXPECT_EQ(EndColumnOf(lines[1], "1,500.50"), credit_end);
  EXPECT_EQ(EndColumnOf(lines[2], "500.00"), debit_end);
  EXPECT_EQ(EndColumnOf(lines[2], "1,000.50"),
            EndColumnOf(lines[0], "余额 BALANCE"));
  EXPECT_EQ(lines[3],
            "2 posting(s) of jining/donations/pool, amounts in yuan (元); as "
            "of sequence 9");
}

TEST(MatchingViewTest, RatioAndAmounts) {
  relief::v1::GetMatchingResponse response;
  auto* row = response.add_rows();
  row->set_unit_code("jining");
  row->set_year(2024);
  row->set_government_parts(1);
  row->set_federation_parts(2);
  row->set_federation_received_fen(100000001);
  row->set_due_fen(50000000);
  row->set_received_fen(60000000);
  row->set_outstanding_fen(-10000000);
  const std::string text = RenderMatching(response);
  EXPECT_NE(text.find("1:2"), std::string::npos);
  EXPECT_NE(text.find("1,000,000.01"), std::string::npos);
  EXPECT_NE(text.find("-100,000.00"), std::string::npos);
}

}  // namespace
}  // namespace reliefctl
