#include "ledger/domain/money.h"

#include <cstdint>
#include <limits>

#include "gtest/gtest.h"
#include "ledger/domain/rejection.h"

namespace relief {
namespace {

TEST(MoneyTest, ParsesWhatPeopleType) {
  EXPECT_EQ(*ParseYuan("1500"), 150000);
  EXPECT_EQ(*ParseYuan("1,500"), 150000);
  EXPECT_EQ(*ParseYuan("1,500.00"), 150000);
  EXPECT_EQ(*ParseYuan("1500.5"), 150050);
  EXPECT_EQ(*ParseYuan("0.01"), 1);
  EXPECT_EQ(*ParseYuan("0"), 0);
  EXPECT_EQ(*ParseYuan("1,234,567.89"), 123456789);
  EXPECT_EQ(*ParseYuan("10,000,000,000.00"), kMaxAmountFen);
}

TEST(MoneyTest, RefusesEverythingElse) {
  for (const char* bad :
       {"", "-1", "1.234", "1e3", "abc", "1,50", "15,00.00", ",100", "1,,000",
        "1.", ".5", "1 500", "+5", "1,000,00", "1234,567", "10,000,000,000.01",
        "99999999999999999999", "0x10", "1.5a"}) {
    SCOPED_TRACE(bad);
    auto parsed = ParseYuan(bad);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(ReasonOf(parsed.status()), v1::AMOUNT_INVALID);
  }
}

TEST(MoneyTest, FormatsTwoDecimalsWithSeparators) {
  EXPECT_EQ(FormatYuan(0), "0.00");
  EXPECT_EQ(FormatYuan(5), "0.05");
  EXPECT_EQ(FormatYuan(150050), "1,500.50");
  EXPECT_EQ(FormatYuan(-123456789), "-1,234,567.89");
  EXPECT_EQ(FormatYuan(100000000), "1,000,000.00");
  EXPECT_EQ(FormatYuan(std::numeric_limits<int64_t>::min()),
            "-92,233,720,368,547,758.08");
}

TEST(MoneyTest, RoundTrips) {
  for (int64_t fen : {int64_t{0}, int64_t{1}, int64_t{99}, int64_t{100},
                      int64_t{123456}, kMaxAmountFen}) {
    EXPECT_EQ(*ParseYuan(FormatYuan(fen)), fen);
  }
}

TEST(MoneyTest, OverflowIsDetected) {
  int64_t out;
  EXPECT_FALSE(AddFen(std::numeric_limits<int64_t>::max(), 1, &out));
  EXPECT_TRUE(AddFen(1, 2, &out));
  EXPECT_EQ(out, 3);
}

}  // namespace
}  // namespace relief
