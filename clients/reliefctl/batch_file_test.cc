#include "clients/reliefctl/batch_file.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace reliefctl {
namespace {

constexpr char kHeader[] =
    "action,dossier,program,unit,source,amount,grant,memo";

std::string File(const std::string& control, const std::string& lines,
                 const std::string& eol = "\n") {
  return absl::StrCat(control, eol, kHeader, eol, lines);
}

TEST(BatchFileTest, ParsesProposalsAndPostsWithBomCrlfAndQuotes) {
  const std::string bytes = absl::StrCat(
      "\xEF\xBB\xBF", "#control_count=3,control_sum=5,500.05\r\n", kHeader,
      "\r\n",
      "propose,d17,education,jining.zoucheng,donations,2000,,\"金秋助学, "
      "\"\"高三\"\"\"\r\n",
      "propose,d18,festival,jining,government,\"1,999.05\",,\r\n",
      "post,,,,,1501,g42,\r\n");
  const absl::StatusOr<BatchFile> batch = ParseBatchFile(bytes);
  ASSERT_TRUE(batch.ok()) << batch.status();
  EXPECT_EQ(batch->control_count, 3u);
  EXPECT_EQ(batch->control_sum_fen, 550005);  // exact, no floating point
  EXPECT_EQ(batch->request.control_count(), 3u);
  EXPECT_EQ(batch->request.control_sum_fen(), 550005);
  ASSERT_EQ(batch->request.lines_size(), 3);
  EXPECT_EQ(batch->line_numbers, (std::vector<int>{3, 4, 5}));

  const auto& first = batch->request.lines(0).propose_grant();
  EXPECT_EQ(first.dossier_id(), "d17");
  EXPECT_EQ(first.program(), "education");
  EXPECT_EQ(first.unit_code(), "jining.zoucheng");
  EXPECT_EQ(first.fund_source(), relief::v1::FUND_SOURCE_DONATIONS);
  EXPECT_EQ(first.amount_fen(), 200000);
  EXPECT_EQ(first.memo(), "金秋助学, \"高三\"");
  EXPECT_EQ(batch->request.lines(1).propose_grant().amount_fen(), 199905);
  const auto& post = batch->request.lines(2).post_grant();
  EXPECT_EQ(post.grant_id(), "g42");
  EXPECT_EQ(post.amount_fen(), 150100);

  EXPECT_EQ(first.request_id(), BatchRequestId(batch->sha256_hex, 3));
  EXPECT_EQ(post.request_id(), BatchRequestId(batch->sha256_hex, 5));
}

TEST(BatchFileTest, ControlTotalsAreSentAsWrittenForTheServerToCheck) {
  const absl::StatusOr<BatchFile> batch = ParseBatchFile(
      File("#control_count=5,control_sum=0.01", "post,,,,,10,g1,\n"));
  ASSERT_TRUE(batch.ok()) << batch.status();
  EXPECT_EQ(batch->request.control_count(), 5u);
  EXPECT_EQ(batch->request.control_sum_fen(), 1);
}

TEST(BatchFileTest, RequestIdsAreDerivedFromTheFileAndLine) {
  const std::string bytes =
      File("#control_count=1,control_sum=10", "post,,,,,10,g1,\n");
  const auto a = ParseBatchFile(bytes);
  const auto b = ParseBatchFile(bytes);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->request.lines(0).post_grant().request_id(),
            b->request.lines(0).post_grant().request_id());
  EXPECT_EQ(a->sha256_hex, Sha256Hex(bytes));
  // One byte more is another file, another batch.
  const auto c = ParseBatchFile(bytes + "\n");
  ASSERT_TRUE(c.ok());
  EXPECT_NE(a->request.lines(0).post_grant().request_id(),
            c->request.lines(0).post_grant().request_id());

  EXPECT_EQ(Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(BatchRequestId(Sha256Hex("abc"), 10000),
            "batch-ba7816bf8f01cfea414140de5dae2223b00361a3-10000");
  EXPECT_LE(BatchRequestId(Sha256Hex("abc"), 99999).size(), 64u);
}

TEST(BatchFileTest, MalformedLinesAreNamed) {
  const std::string ok = "post,,,,,10,g1,\n";
  struct Case {
    std::string bytes;
    std::string error;
  };
  const Case cases[] = {
      {"", "line 1: the file is empty"},
      {File("#control_count=1", ok), "line 1: the first line must be"},
      {File("control_count=1,control_sum=10", ok), "line 1: the first line"},
      {File("#control_count=x,control_sum=10", ok),
       "line 1: control_count must be a whole number"},
      {File("#control_count=1,control_sum=10.001", ok), "line 1: control_sum"},
      {"#control_count=1,control_sum=10\naction,dossier\n" + ok,
       "line 2: the second line must be the header"},
      {File("#control_count=1,control_sum=10", ""), "line 3: the batch has no"},
      {File("#control_count=2,control_sum=20", ok + "post,,,,,10,g2\n"),
       "line 4: expected 8 fields"},
      {File("#control_count=2,control_sum=20", ok + "\n" + ok),
       "line 4: an empty line"},
      {File("#control_count=1,control_sum=10", "pay,,,,,10,g1,\n"),
       "line 3: action must be propose or post"},
      {File("#control_count=1,control_sum=10", "post,,,,,,g1,\n"),
       "line 3: post: amount is required"},
      {File("#control_count=1,control_sum=10", "post,d1,,,,10,g1,\n"),
       "line 3: post: dossier must be empty"},
      {File("#control_count=1,control_sum=10", "post,,,,,10,g1,memo\n"),
       "line 3: post: memo must be empty"},
      {File("#control_count=1,control_sum=10", "post,,,,,0,g1,\n"),
       "line 3: amount must be more than 0.00"},
      {File("#control_count=1,control_sum=10", "post,,,,,1.005,g1,\n"),
       "line 3: amount:"},
      {File("#control_count=1,control_sum=10",
            "propose,d1,Education,u,donations,10,,\n"),
       "line 3: program:"},
      {File("#control_count=1,control_sum=10",
            "propose,d1,education,u,bank,10,,\n"),
       "line 3: unknown fund source 'bank'"},
      {File("#control_count=1,control_sum=10",
            "propose,d1,education,u,donations,10,g1,\n"),
       "line 3: propose: grant must be empty"},
      {File("#control_count=1,control_sum=10",
            "propose,d1,education,,donations,10,,\n"),
       "line 3: propose: unit is required"},
      {File("#control_count=2,control_sum=20",
            "propose,d1,education,u,donations,10,,\"two\nlines\"\npost,,,,,"
            "10,g\"1,\n"),
       "line 5: a quote inside an unquoted field"},
  };
  for (const Case& c : cases) {
    const absl::StatusOr<BatchFile> batch = ParseBatchFile(c.bytes);
    ASSERT_FALSE(batch.ok()) << c.bytes;
    EXPECT_EQ(std::string(batch.status().message()).find(c.error), 0u)
        << "got: " << batch.status().message() << "\nwant: " << c.error;
  }
}

TEST(BatchFileTest, TrailingEmptyLinesAreIgnored) {
  const auto batch =
      ParseBatchFile(File("#control_count=1,control_sum=10",
                          "post,,,,,10,g1,\r\n\r\n\r\n", "\r\n"));
  ASSERT_TRUE(batch.ok()) << batch.status();
  EXPECT_EQ(batch->request.lines_size(), 1);
}

TEST(BatchFileTest, TenThousandLinesFitAndOneMoreDoesNot) {
  std::string lines;
  for (int i = 0; i < 10000; ++i) {
    absl::StrAppend(&lines, "propose,d", i + 1,
                    ",living,jining.zoucheng,donations,500.01,,第", i, "批\n");
  }
  const auto batch =
      ParseBatchFile(File("#control_count=10000,control_sum=5,000,100", lines));
  ASSERT_TRUE(batch.ok()) << batch.status();
  EXPECT_EQ(batch->request.lines_size(), 10000);
  EXPECT_EQ(batch->request.control_sum_fen(), 500010000);
  EXPECT_EQ(batch->line_numbers.back(), 10002);
  EXPECT_GT(batch->request.ByteSizeLong(), 4u * 100000);  // above 0.4 MB

  const auto too_many = ParseBatchFile(
      File("#control_count=10001,control_sum=1", lines + "post,,,,,1,g1,\n"));
  ASSERT_FALSE(too_many.ok());
  EXPECT_NE(too_many.status().message().find("at most 10000"),
            absl::string_view::npos);
}

}  // namespace
}  // namespace reliefctl
