// Money over gRPC: receive (cash and goods), allocate down a three-level
// tree, summaries, balances, statements, reversals, government matching, and
// that the read models survive a restart, a crash and a rebuild from the log.
//
// Tree: sd (province) -> sd.jn (city) -> sd.jn.zc (district), and sd.qd
// (city). Money commands are sent by a finance officer; the admin only
// registers units and issues the token.
#include <chrono>
#include <cstdint>
#include <functional>
#include <thread>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/test_util.h"

namespace relief::testing {
namespace {

using ::testing::HasSubstr;
using grpc::StatusCode;

constexpr int64_t kYuan = 100;  // fen
constexpr int64_t kMaxAmountFen = 1'000'000'000'000;

constexpr v1::FundSource kFederation = v1::FUND_SOURCE_FEDERATION_ALLOCATION;
constexpr v1::FundSource kGovernment = v1::FUND_SOURCE_GOVERNMENT_MATCHING;
constexpr v1::FundSource kDonations = v1::FUND_SOURCE_DONATIONS;
constexpr v1::FundSource kOwnFunds = v1::FUND_SOURCE_OWN_FUNDS;

std::string Pool(const std::string& unit, const std::string& source_slug) {
  return absl::StrCat(unit, "/", source_slug, "/pool");
}

v1::ReceiveFundsRequest MakeReceive(const std::string& unit,
                                    v1::FundSource source, int64_t amount_fen,
                                    bool goods = false) {
  v1::ReceiveFundsRequest request;
  request.set_request_id(NewRequestId("receive"));
  request.set_unit_code(unit);
  request.set_fund_source(source);
  request.set_amount_fen(amount_fen);
  request.set_payer("济宁市慈善总会");
  request.set_document_number("BANK-2026-0001");
  request.set_memo("测试来款");
  if (goods) {
    request.mutable_goods()->set_description("大米 25kg 袋装");
    request.mutable_goods()->set_quantity(40);
    request.mutable_goods()->set_quantity_unit("袋");
  }
  return request;
}

v1::AllocateFundsRequest MakeAllocate(const std::string& from,
                                      const std::string& to,
                                      v1::FundSource source,
                                      int64_t amount_fen) {
  v1::AllocateFundsRequest request;
  request.set_request_id(NewRequestId("allocate"));
  request.set_from_unit_code(from);
  request.set_to_unit_code(to);
  request.set_fund_source(source);
  request.set_amount_fen(amount_fen);
  request.set_document_number("下拨通知 7");
  return request;
}

class FundsTest : public ReliefdTest {
 protected:
  void SetUp() override {
    ReliefdTest::SetUp();
    if (HasFatalFailure()) return;
    ReliefClient admin = Admin();
    Register(admin, "sd", v1::ORG_LEVEL_PROVINCE, "");
    Register(admin, "sd.jn", v1::ORG_LEVEL_CITY, "sd");
    Register(admin, "sd.jn.zc", v1::ORG_LEVEL_DISTRICT, "sd.jn");
    Register(admin, "sd.qd", v1::ORG_LEVEL_CITY, "sd");
    finance_token_ =
        CreateToken(admin, "fin.one", {v1::ROLE_FINANCE_OFFICER});
    ASSERT_FALSE(finance_token_.empty());
  }

  ReliefClient Finance() { return As(finance_token_); }

  // Receives and returns the event's sequence (0 on failure).
  uint64_t Receive(const std::string& unit, v1::FundSource source,
                   int64_t amount_fen, bool goods = false) {
    v1::ReceiveFundsResponse response;
    RpcResult result = Finance().ReceiveFunds(
        MakeReceive(unit, source, amount_fen, goods), &response);
    EXPECT_TRUE(RpcOk(result)) << "ReceiveFunds " << unit << " " << amount_fen;
    if (!result.ok()) return 0;
    EXPECT_EQ(response.result().event_count(), 1u);
    return response.result().first_sequence();
  }

  uint64_t Allocate(const std::string& from, const std::string& to,
                    v1::FundSource source, int64_t amount_fen) {
    v1::AllocateFundsResponse response;
    RpcResult result = Finance().AllocateFunds(
        MakeAllocate(from, to, source, amount_fen), &response);
    EXPECT_TRUE(RpcOk(result))
        << "AllocateFunds " << from << " -> " << to << " " << amount_fen;
    if (!result.ok()) return 0;
    return response.result().first_sequence();
  }

  RpcResult Reverse(uint64_t sequence, uint64_t* first_sequence = nullptr) {
    v1::ReverseEventRequest request;
    request.set_request_id(NewRequestId("reverse"));
    request.set_sequence(sequence);
    request.set_reason("凭证录入错误");
    v1::ReverseEventResponse response;
    RpcResult result = Finance().ReverseEvent(request, &response);
    if (first_sequence != nullptr) {
      *first_sequence = response.result().first_sequence();
    }
    return result;
  }

  v1::AccountBalance Balance(const std::string& account,
                             uint64_t min_sequence) {
    v1::GetBalanceRequest request;
    request.set_account(account);
    request.set_min_sequence(min_sequence);
    v1::GetBalanceResponse response;
    RpcResult result = Finance().GetBalance(request, &response);
    EXPECT_TRUE(RpcOk(result)) << "GetBalance " << account;
    EXPECT_GE(response.as_of_sequence(), min_sequence);
    return response.balance();
  }

  v1::GetFundSummaryResponse Summary(const std::string& unit, bool subtree,
                                     uint64_t min_sequence) {
    v1::GetFundSummaryRequest request;
    request.set_unit_code(unit);
    request.set_subtree(subtree);
    request.set_min_sequence(min_sequence);
    v1::GetFundSummaryResponse response;
    RpcResult result = Finance().GetFundSummary(request, &response);
    EXPECT_TRUE(RpcOk(result)) << "GetFundSummary " << unit;
    EXPECT_GE(response.as_of_sequence(), min_sequence);
    EXPECT_EQ(response.rows_size(), 4) << "one row per fund source";
    return response;
  }

  // The row of `source` (rows come in enum order, all four).
  static v1::FundSummary Row(const v1::GetFundSummaryResponse& summary,
                             v1::FundSource source) {
    for (const v1::FundSummary& row : summary.rows()) {
      if (row.fund_source() == source) return row;
    }
    ADD_FAILURE() << "no row for " << v1::FundSource_Name(source);
    return {};
  }

  // Every page of a statement; `pages` gets each page's entries as text.
  std::vector<v1::StatementEntry> Statement(const std::string& account,
                                            uint32_t page_size,
                                            uint64_t min_sequence,
                                            std::vector<std::string>* pages =
                                                nullptr) {
    std::vector<v1::StatementEntry> entries;
    std::string token;
    for (int page = 0; page < 10000; ++page) {
      v1::ListStatementRequest request;
      request.set_account(account);
      request.set_page_size(page_size);
      request.set_page_token(token);
      request.set_min_sequence(min_sequence);
      v1::ListStatementResponse response;
      RpcResult result = Finance().ListStatement(request, &response);
      EXPECT_TRUE(RpcOk(result)) << "ListStatement " << account << " page "
                                 << page;
      if (!result.ok()) break;
      EXPECT_GE(response.as_of_sequence(), min_sequence);
      EXPECT_LE(static_cast<uint32_t>(response.entries_size()), page_size);
      std::string text;
      for (const v1::StatementEntry& entry : response.entries()) {
        entries.push_back(entry);
        absl::StrAppend(&text, entry.ShortDebugString(), "\n");
      }
      if (pages != nullptr) {
        absl::StrAppend(&text, "last page: ",
                        response.next_page_token().empty(), "\n");
        pages->push_back(text);
      }
      if (response.next_page_token().empty()) break;
      EXPECT_NE(response.next_page_token(), token) << "paging loops";
      if (response.next_page_token() == token) break;
      token = response.next_page_token();
    }
    return entries;
  }

  std::vector<v1::MatchingRow> Matching(const std::string& unit, int year,
                                        uint64_t min_sequence) {
    v1::GetMatchingRequest request;
    request.set_unit_code(unit);
    request.set_year(year);
    request.set_min_sequence(min_sequence);
    v1::GetMatchingResponse response;
    RpcResult result = Finance().GetMatching(request, &response);
    EXPECT_TRUE(RpcOk(result)) << "GetMatching " << unit << " " << year;
    EXPECT_GE(response.as_of_sequence(), min_sequence);
    return {response.rows().begin(), response.rows().end()};
  }

  // Runs `send`, which must fail with `code` / `reason`, and checks that the
  // log's head (sequence and hash) did not move.
  void ExpectRejected(const std::function<RpcResult()>& send, StatusCode code,
                      v1::ErrorReason reason, const std::string& what) {
    SCOPED_TRACE(what);
    const v1::GetStatusResponse before = Status(Admin());
    const RpcResult result = send();
    EXPECT_TRUE(IsRpcError(result, code, reason));
    const v1::GetStatusResponse after = Status(Admin());
    EXPECT_EQ(after.head_sequence(), before.head_sequence());
    EXPECT_EQ(after.head_hash(), before.head_hash());
  }

  // Builds a small ledger with every kind of money movement, and a matching
  // rule; returns the head.
  uint64_t BuildLedger() {
    const int year = ChinaYear(Status(Admin()).server_time_unix_micros());
    v1::SetMatchingRuleRequest rule;
    rule.set_request_id(NewRequestId("rule"));
    rule.set_unit_code("sd.jn");
    rule.set_government_parts(1);
    rule.set_federation_parts(1);
    rule.set_effective_year(year);
    v1::SetMatchingRuleResponse rule_response;
    EXPECT_TRUE(RpcOk(Finance().SetMatchingRule(rule, &rule_response)));
    Receive("sd", kDonations, 1'000'000 * kYuan);
    Receive("sd", kDonations, 5'000 * kYuan, /*goods=*/true);
    Receive("sd", kFederation, 800'000 * kYuan);
    Allocate("sd", "sd.jn", kDonations, 300'000 * kYuan);
    Allocate("sd", "sd.jn", kFederation, 400'000 * kYuan);
    Allocate("sd.jn", "sd.jn.zc", kDonations, 100'000 * kYuan);
    Allocate("sd", "sd.qd", kDonations, 50'000 * kYuan);
    Receive("sd.jn", kGovernment, 150'000 * kYuan);
    const uint64_t wrong = Receive("sd.qd", kOwnFunds, 123 * kYuan);
    EXPECT_TRUE(RpcOk(Reverse(wrong)));
    for (int i = 1; i <= 7; ++i) Receive("sd.jn.zc", kDonations, i * kYuan + i);
    return HeadSequence(Admin());
  }

  // Every read model this file looks at, as text, as of at least `head`.
  std::string CaptureReadModels(uint64_t head) {
    std::string text;
    const std::vector<std::string> units = {"sd", "sd.jn", "sd.jn.zc", "sd.qd"};
    const std::vector<std::string> slugs = {"federation", "government",
                                            "donations", "own_funds"};
    for (const std::string& unit : units) {
      for (bool subtree : {false, true}) {
        v1::GetFundSummaryResponse summary = Summary(unit, subtree, head);
        summary.clear_as_of_sequence();
        absl::StrAppend(&text, "summary ", unit, subtree ? " subtree" : "",
                        ": ", summary.ShortDebugString(), "\n");
      }
      for (const std::string& slug : slugs) {
        const std::string account = Pool(unit, slug);
        v1::GetBalanceRequest request;
        request.set_account(account);
        request.set_min_sequence(head);
        v1::GetBalanceResponse response;
        RpcResult result = Finance().GetBalance(request, &response);
        // A pool that never moved money is NOT_FOUND; that must hold too.
        absl::StrAppend(&text, "balance ", account, ": ",
                        result.ok() ? response.balance().ShortDebugString()
                                    : result.reason,
                        "\n");
        if (!result.ok()) continue;
        std::vector<std::string> pages;
        Statement(account, 3, head, &pages);
        for (size_t i = 0; i < pages.size(); ++i) {
          absl::StrAppend(&text, "statement ", account, " page ", i, ":\n",
                          pages[i]);
        }
      }
    }
    absl::StrAppend(&text, "balance sd/donations/goods: ",
                    Balance("sd/donations/goods", head).ShortDebugString(),
                    "\n");
    for (const v1::MatchingRow& row : Matching("", 0, head)) {
      absl::StrAppend(&text, "matching: ", row.ShortDebugString(), "\n");
    }
    return text;
  }

  std::string finance_token_;
};

TEST_F(FundsTest, ReceiveAndAllocateDownThreeLevels) {
  const uint64_t cash = Receive("sd", kDonations, 1'000'000 * kYuan);
  const uint64_t goods = Receive("sd", kDonations, 5'000 * kYuan, true);
  ASSERT_GT(goods, cash);
  const uint64_t down1 = Allocate("sd", "sd.jn", kDonations, 300'000 * kYuan);
  const uint64_t down2 =
      Allocate("sd.jn", "sd.jn.zc", kDonations, 100'000 * kYuan);
  ASSERT_GT(down2, down1);

  // Per unit.
  const v1::FundSummary sd = Row(Summary("sd", false, down2), kDonations);
  EXPECT_EQ(sd.unit_code(), "sd");
  EXPECT_EQ(sd.received_fen(), 1'000'000 * kYuan);
  EXPECT_EQ(sd.goods_received_fen(), 5'000 * kYuan);
  EXPECT_EQ(sd.allocated_in_fen(), 0);
  EXPECT_EQ(sd.allocated_down_fen(), 300'000 * kYuan);
  EXPECT_EQ(sd.available_fen(), 700'000 * kYuan);
  const v1::FundSummary jn = Row(Summary("sd.jn", false, down2), kDonations);
  EXPECT_EQ(jn.received_fen(), 0);
  EXPECT_EQ(jn.allocated_in_fen(), 300'000 * kYuan);
  EXPECT_EQ(jn.allocated_down_fen(), 100'000 * kYuan);
  EXPECT_EQ(jn.available_fen(), 200'000 * kYuan);
  const v1::FundSummary zc = Row(Summary("sd.jn.zc", false, down2), kDonations);
  EXPECT_EQ(zc.allocated_in_fen(), 100'000 * kYuan);
  EXPECT_EQ(zc.allocated_down_fen(), 0);
  EXPECT_EQ(zc.available_fen(), 100'000 * kYuan);
  // Other sources are listed, all zero.
  const v1::GetFundSummaryResponse sd_all = Summary("sd", false, down2);
  for (v1::FundSource source : {kFederation, kGovernment, kOwnFunds}) {
    const v1::FundSummary row = Row(sd_all, source);
    EXPECT_EQ(row.received_fen(), 0) << v1::FundSource_Name(source);
    EXPECT_EQ(row.available_fen(), 0) << v1::FundSource_Name(source);
  }
  ASSERT_EQ(sd_all.rows_size(), 4);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(sd_all.rows(i).fund_source(), i + 1) << "rows in enum order";
  }

  // Subtree: allocations inside count both ways; available is the total.
  const v1::GetFundSummaryResponse subtree = Summary("sd", true, down2);
  EXPECT_EQ(subtree.units(), 4u);
  const v1::FundSummary all = Row(subtree, kDonations);
  EXPECT_EQ(all.received_fen(), 1'000'000 * kYuan);
  EXPECT_EQ(all.goods_received_fen(), 5'000 * kYuan);
  EXPECT_EQ(all.allocated_in_fen(), 400'000 * kYuan);
  EXPECT_EQ(all.allocated_down_fen(), 400'000 * kYuan);
  EXPECT_EQ(all.available_fen(), 1'000'000 * kYuan);
  const v1::GetFundSummaryResponse jn_subtree = Summary("sd.jn", true, down2);
  EXPECT_EQ(jn_subtree.units(), 2u);
  EXPECT_EQ(Row(jn_subtree, kDonations).available_fen(), 300'000 * kYuan);

  // Balances.
  const v1::AccountBalance pool = Balance("sd/donations/pool", down2);
  EXPECT_EQ(pool.fund_source(), kDonations);
  EXPECT_EQ(pool.posted_credits_fen(), 1'000'000 * kYuan);
  EXPECT_EQ(pool.posted_debits_fen(), 300'000 * kYuan);
  EXPECT_EQ(pool.pending_debits_fen(), 0);
  EXPECT_EQ(pool.available_fen(), 700'000 * kYuan);
  EXPECT_EQ(pool.last_sequence(), down1);
  const v1::AccountBalance goods_account = Balance("sd/donations/goods", down2);
  EXPECT_EQ(goods_account.posted_credits_fen(), 5'000 * kYuan);
  EXPECT_EQ(goods_account.last_sequence(), goods);
  const v1::AccountBalance external = Balance("external/donations", down2);
  EXPECT_EQ(external.posted_debits_fen(), 1'005'000 * kYuan);
  EXPECT_EQ(Balance("sd.jn.zc/donations/pool", down2).available_fen(),
            100'000 * kYuan);

  // Unknown and malformed accounts.
  {
    v1::GetBalanceRequest request;
    request.set_account("sd.qd/donations/pool");
    v1::GetBalanceResponse response;
    EXPECT_TRUE(IsRpcError(Finance().GetBalance(request, &response),
                           StatusCode::NOT_FOUND, v1::ACCOUNT_NOT_FOUND));
    request.set_account("sd/dollars/pool");
    EXPECT_TRUE(IsRpcError(Finance().GetBalance(request, &response),
                           StatusCode::INVALID_ARGUMENT, v1::ACCOUNT_INVALID));
  }

  // Statement of sd.jn's pool: in from sd, out to sd.jn.zc.
  const std::vector<v1::StatementEntry> jn_statement =
      Statement("sd.jn/donations/pool", 100, down2);
  ASSERT_EQ(jn_statement.size(), 2u);
  EXPECT_EQ(jn_statement[0].sequence(), down1);
  EXPECT_EQ(jn_statement[0].counter_account(), "sd/donations/pool");
  EXPECT_EQ(jn_statement[0].credit_fen(), 300'000 * kYuan);
  EXPECT_EQ(jn_statement[0].debit_fen(), 0);
  EXPECT_EQ(jn_statement[0].balance_fen(), 300'000 * kYuan);
  EXPECT_EQ(jn_statement[0].event_type(), "funds_allocated");
  EXPECT_EQ(jn_statement[1].sequence(), down2);
  EXPECT_EQ(jn_statement[1].counter_account(), "sd.jn.zc/donations/pool");
  EXPECT_EQ(jn_statement[1].debit_fen(), 100'000 * kYuan);
  EXPECT_EQ(jn_statement[1].balance_fen(), 200'000 * kYuan);
  EXPECT_GT(jn_statement[1].recorded_at_unix_micros(), 0);
}

TEST_F(FundsTest, StatementRunningBalanceAndPaging) {
  std::vector<uint64_t> sequences;
  int64_t expected = 0;
  for (int i = 1; i <= 11; ++i) {
    sequences.push_back(Receive("sd", kDonations, i * 1000 * kYuan + i));
    expected += i * 1000 * kYuan + i;
  }
  for (int i = 1; i <= 4; ++i) {
    sequences.push_back(Allocate("sd", "sd.qd", kDonations, i * 100 * kYuan));
    expected -= i * 100 * kYuan;
  }
  const uint64_t head = sequences.back();
  const std::vector<v1::StatementEntry> whole =
      Statement("sd/donations/pool", 1000, head);
  ASSERT_EQ(whole.size(), sequences.size());
  int64_t running = 0;
  for (size_t i = 0; i < whole.size(); ++i) {
    SCOPED_TRACE(absl::StrCat("entry ", i));
    EXPECT_EQ(whole[i].sequence(), sequences[i]) << "oldest first";
    running += whole[i].credit_fen() - whole[i].debit_fen();
    EXPECT_EQ(whole[i].balance_fen(), running);
    EXPECT_EQ(whole[i].event_type(),
              i < 11 ? "funds_received" : "funds_allocated");
    EXPECT_EQ(whole[i].counter_account(),
              i < 11 ? "external/donations" : "sd.qd/donations/pool");
  }
  EXPECT_EQ(running, expected);
  EXPECT_EQ(Balance("sd/donations/pool", head).available_fen(), expected);

  // Pages of 1, 4 and 15 give the same entries as one page.
  for (uint32_t page_size : {1u, 4u, 15u}) {
    SCOPED_TRACE(absl::StrCat("page size ", page_size));
    std::vector<std::string> pages;
    const std::vector<v1::StatementEntry> paged =
        Statement("sd/donations/pool", page_size, head, &pages);
    EXPECT_EQ(pages.size(), (whole.size() + page_size - 1) / page_size);
    ASSERT_EQ(paged.size(), whole.size());
    for (size_t i = 0; i < whole.size(); ++i) {
      EXPECT_EQ(paged[i].ShortDebugString(), whole[i].ShortDebugString());
    }
  }
}

TEST_F(FundsTest, ReverseOnceAndNeverOverdraw) {
  const uint64_t received = Receive("sd", kDonations, 1'000 * kYuan);
  const uint64_t to_jn = Allocate("sd", "sd.jn", kDonations, 600 * kYuan);
  const uint64_t to_zc = Allocate("sd.jn", "sd.jn.zc", kDonations, 500 * kYuan);
  ASSERT_GT(to_zc, 0u);

  // sd.jn passed 500 of its 600 on: taking the 600 back would overdraw it.
  ExpectRejected([&] { return Reverse(to_jn); }, StatusCode::FAILED_PRECONDITION,
                 v1::FUNDS_INSUFFICIENT, "reverse an allocation passed on");
  // Same for the receipt at sd: only 400 is left there.
  ExpectRejected([&] { return Reverse(received); },
                 StatusCode::FAILED_PRECONDITION, v1::FUNDS_INSUFFICIENT,
                 "reverse a receipt allocated on");

  uint64_t undo_zc = 0;
  ASSERT_TRUE(RpcOk(Reverse(to_zc, &undo_zc)));
  EXPECT_EQ(Balance("sd.jn.zc/donations/pool", undo_zc).available_fen(), 0);
  EXPECT_EQ(Balance("sd.jn/donations/pool", undo_zc).available_fen(),
            600 * kYuan);
  ExpectRejected([&] { return Reverse(to_zc); }, StatusCode::FAILED_PRECONDITION,
                 v1::EVENT_ALREADY_REVERSED, "reverse twice");
  ExpectRejected([&] { return Reverse(undo_zc); },
                 StatusCode::FAILED_PRECONDITION, v1::EVENT_NOT_REVERSIBLE,
                 "reverse a reversal");
  ExpectRejected([&] { return Reverse(1); }, StatusCode::FAILED_PRECONDITION,
                 v1::EVENT_NOT_REVERSIBLE, "reverse a unit registration");
  ExpectRejected([&] { return Reverse(HeadSequence(Admin()) + 100); },
                 StatusCode::NOT_FOUND, v1::EVENT_NOT_FOUND,
                 "reverse beyond the head");

  uint64_t undo_jn = 0;
  ASSERT_TRUE(RpcOk(Reverse(to_jn, &undo_jn)));
  uint64_t undo_received = 0;
  ASSERT_TRUE(RpcOk(Reverse(received, &undo_received)));
  for (const std::string unit : {"sd", "sd.jn", "sd.jn.zc"}) {
    EXPECT_EQ(Row(Summary(unit, false, undo_received), kDonations)
                  .available_fen(),
              0)
        << unit;
  }
  EXPECT_EQ(Row(Summary("sd", true, undo_received), kDonations).available_fen(),
            0);

  const std::vector<v1::StatementEntry> statement =
      Statement("sd.jn/donations/pool", 100, undo_received);
  ASSERT_EQ(statement.size(), 4u);
  EXPECT_EQ(statement[2].sequence(), undo_zc);
  EXPECT_EQ(statement[2].event_type(), "event_reversed");
  EXPECT_EQ(statement[2].credit_fen(), 500 * kYuan);
  EXPECT_EQ(statement[3].sequence(), undo_jn);
  EXPECT_EQ(statement[3].debit_fen(), 600 * kYuan);
  EXPECT_EQ(statement[3].balance_fen(), 0);
}

TEST_F(FundsTest, RejectionsLeaveTheHeadUnchanged) {
  Receive("sd", kDonations, 1'000 * kYuan);
  Allocate("sd", "sd.jn", kDonations, 400 * kYuan);
  ReliefClient finance = Finance();

  auto allocate = [&](const std::string& from, const std::string& to,
                      v1::FundSource source, int64_t amount) {
    return [&finance, from, to, source, amount] {
      v1::AllocateFundsResponse response;
      return finance.AllocateFunds(MakeAllocate(from, to, source, amount),
                                   &response);
    };
  };
  auto receive = [&](const std::string& unit, v1::FundSource source,
                     int64_t amount) {
    return [&finance, unit, source, amount] {
      v1::ReceiveFundsResponse response;
      return finance.ReceiveFunds(MakeReceive(unit, source, amount), &response);
    };
  };

  ExpectRejected(allocate("sd", "sd.jn.zc", kDonations, 100 * kYuan),
                 StatusCode::FAILED_PRECONDITION, v1::ALLOCATION_NOT_TO_CHILD,
                 "to a grandchild");
  ExpectRejected(allocate("sd.jn", "sd.qd", kDonations, 100 * kYuan),
                 StatusCode::FAILED_PRECONDITION, v1::ALLOCATION_NOT_TO_CHILD,
                 "to a sibling");
  ExpectRejected(allocate("sd.jn", "sd", kDonations, 100 * kYuan),
                 StatusCode::FAILED_PRECONDITION, v1::ALLOCATION_NOT_TO_CHILD,
                 "up to the parent");
  // Money never changes its source: sd holds donations only.
  ExpectRejected(allocate("sd", "sd.jn", kOwnFunds, 100 * kYuan),
                 StatusCode::FAILED_PRECONDITION, v1::FUNDS_INSUFFICIENT,
                 "a source the parent lacks");
  ExpectRejected(allocate("sd.jn", "sd.jn.zc", kFederation, 1 * kYuan),
                 StatusCode::FAILED_PRECONDITION, v1::FUNDS_INSUFFICIENT,
                 "federation money from a donations-only pool");
  ExpectRejected(allocate("sd", "sd.jn", kDonations, 600 * kYuan + 1),
                 StatusCode::FAILED_PRECONDITION, v1::FUNDS_INSUFFICIENT,
                 "one fen more than available");
  for (int64_t amount : {int64_t{0}, int64_t{-1}, int64_t{-100 * kYuan},
                         kMaxAmountFen + 1, INT64_MAX}) {
    ExpectRejected(receive("sd", kDonations, amount),
                   StatusCode::INVALID_ARGUMENT, v1::AMOUNT_INVALID,
                   absl::StrCat("receive ", amount));
    ExpectRejected(allocate("sd", "sd.jn", kDonations, amount),
                   StatusCode::INVALID_ARGUMENT, v1::AMOUNT_INVALID,
                   absl::StrCat("allocate ", amount));
  }
  ExpectRejected(receive("sd.nowhere", kDonations, 100),
                 StatusCode::NOT_FOUND, v1::ORG_UNIT_NOT_FOUND,
                 "receive at an unknown unit");
  ExpectRejected(allocate("sd", "sd.nowhere", kDonations, 100),
                 StatusCode::NOT_FOUND, v1::ORG_UNIT_NOT_FOUND,
                 "allocate to an unknown unit");
  ExpectRejected(receive("sd", v1::FUND_SOURCE_UNSPECIFIED, 100),
                 StatusCode::INVALID_ARGUMENT, v1::FUND_SOURCE_INVALID,
                 "no fund source");

  // The admin may not move money.
  ReliefClient admin = Admin();
  ExpectRejected(
      [&] {
        v1::ReceiveFundsResponse response;
        return admin.ReceiveFunds(MakeReceive("sd", kDonations, 100), &response);
      },
      StatusCode::PERMISSION_DENIED, v1::ROLE_REQUIRED, "admin receives");
  ExpectRejected(
      [&] {
        v1::AllocateFundsResponse response;
        return admin.AllocateFunds(MakeAllocate("sd", "sd.jn", kDonations, 100),
                                   &response);
      },
      StatusCode::PERMISSION_DENIED, v1::ROLE_REQUIRED, "admin allocates");

  // The largest amount itself is fine.
  const uint64_t max = Receive("sd.qd", kOwnFunds, kMaxAmountFen);
  EXPECT_EQ(Balance("sd.qd/own_funds/pool", max).available_fen(),
            kMaxAmountFen);
}

TEST_F(FundsTest, GovernmentMatchingDueReceivedOutstanding) {
  const int year = ChinaYear(Status(Admin()).server_time_unix_micros());
  auto set_rule = [&](const std::string& unit, uint32_t government,
                      uint32_t federation, int effective_year) {
    v1::SetMatchingRuleRequest request;
    request.set_request_id(NewRequestId("rule"));
    request.set_unit_code(unit);
    request.set_government_parts(government);
    request.set_federation_parts(federation);
    request.set_effective_year(effective_year);
    v1::SetMatchingRuleResponse response;
    return Finance().SetMatchingRule(request, &response);
  };
  ASSERT_TRUE(RpcOk(set_rule("sd.jn", 1, 1, year)));
  ASSERT_TRUE(RpcOk(set_rule("sd.qd", 1, 3, year)));
  ExpectRejected([&] { return set_rule("sd.jn", 0, 1, year); },
                 StatusCode::INVALID_ARGUMENT, v1::FIELD_INVALID, "0 parts");
  ExpectRejected([&] { return set_rule("sd.jn", 1, 1, 1999); },
                 StatusCode::INVALID_ARGUMENT, v1::YEAR_INVALID, "year 1999");

  // Federation money reaches sd.jn from outside and from its parent.
  Receive("sd", kFederation, 500'000 * kYuan);
  Allocate("sd", "sd.jn", kFederation, 300'000 * kYuan);
  Receive("sd.jn", kFederation, 20'000 * kYuan);
  Receive("sd.jn", kGovernment, 100'000 * kYuan);
  Allocate("sd", "sd.qd", kFederation, 100 * kYuan);
  const uint64_t head = HeadSequence(Admin());

  const std::vector<v1::MatchingRow> jn = Matching("sd.jn", year, head);
  ASSERT_EQ(jn.size(), 1u);
  EXPECT_EQ(jn[0].unit_code(), "sd.jn");
  EXPECT_EQ(jn[0].year(), year);
  EXPECT_EQ(jn[0].government_parts(), 1u);
  EXPECT_EQ(jn[0].federation_parts(), 1u);
  EXPECT_EQ(jn[0].federation_received_fen(), 320'000 * kYuan);
  EXPECT_EQ(jn[0].due_fen(), 320'000 * kYuan);
  EXPECT_EQ(jn[0].received_fen(), 100'000 * kYuan);
  EXPECT_EQ(jn[0].outstanding_fen(), 220'000 * kYuan);

  // 1:3 of 100.00 yuan is 33.33 yuan, rounded down to the fen.
  const std::vector<v1::MatchingRow> qd = Matching("sd.qd", year, head);
  ASSERT_EQ(qd.size(), 1u);
  EXPECT_EQ(qd[0].federation_received_fen(), 100 * kYuan);
  EXPECT_EQ(qd[0].due_fen(), 3333);
  EXPECT_EQ(qd[0].received_fen(), 0);
  EXPECT_EQ(qd[0].outstanding_fen(), 3333);

  // Every unit with a rule; sd has none.
  const std::vector<v1::MatchingRow> all = Matching("", 0, head);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].unit_code(), "sd.jn");
  EXPECT_EQ(all[1].unit_code(), "sd.qd");

  // Government money received beyond what is due: outstanding goes negative.
  const uint64_t more = Receive("sd.jn", kGovernment, 250'000 * kYuan);
  const std::vector<v1::MatchingRow> after = Matching("sd.jn", year, more);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].received_fen(), 350'000 * kYuan);
  EXPECT_EQ(after[0].outstanding_fen(), -30'000 * kYuan);
}

TEST_F(FundsTest, MinSequenceReadsYourWrites) {
  ReliefClient finance = Finance();
  for (int i = 1; i <= 20; ++i) {
    const uint64_t sequence = Receive("sd", kDonations, i * kYuan);
    // No sleep, no retry: the query waits for the projection itself.
    const v1::AccountBalance balance = Balance("sd/donations/pool", sequence);
    EXPECT_EQ(balance.posted_credits_fen(), i * (i + 1) / 2 * kYuan);
    EXPECT_EQ(balance.last_sequence(), sequence);
    EXPECT_EQ(Row(Summary("sd", true, sequence), kDonations).received_fen(),
              i * (i + 1) / 2 * kYuan);
  }
  v1::GetBalanceRequest request;
  request.set_account("sd/donations/pool");
  request.set_min_sequence(HeadSequence(Admin()) + 1000);
  v1::GetBalanceResponse response;
  EXPECT_TRUE(IsRpcError(finance.GetBalance(request, &response),
                         StatusCode::OUT_OF_RANGE,
                         v1::MIN_SEQUENCE_NOT_REACHED));
}

TEST_F(FundsTest, GracefulRestartAndCrashKeepReadModels) {
  const uint64_t head = BuildLedger();
  const std::string before = CaptureReadModels(head);
  ASSERT_THAT(before, HasSubstr("statement sd.jn.zc/donations/pool page 2"));

  RELIEF_ASSERT_OK(server().Restart());
  EXPECT_EQ(HeadSequence(Admin()), head);
  EXPECT_EQ(CaptureReadModels(head), before) << "after SIGTERM";

  RELIEF_ASSERT_OK(server().Kill());
  RELIEF_ASSERT_OK(server().Start());
  EXPECT_EQ(HeadSequence(Admin()), head);
  EXPECT_EQ(CaptureReadModels(head), before) << "after SIGKILL";

  // And the ledger goes on from there.
  const uint64_t next = Receive("sd.qd", kDonations, 1 * kYuan);
  EXPECT_EQ(next, head + 1);
  EXPECT_EQ(Row(Summary("sd.qd", false, next), kDonations).available_fen(),
            50'000 * kYuan + 1 * kYuan);
}

TEST_F(FundsTest, RebuiltProjectionsEqualTheOriginals) {
  const uint64_t head = BuildLedger();
  const std::string before = CaptureReadModels(head);

  RELIEF_ASSERT_OK(server().Stop());
  absl::StatusOr<CommandOutput> rebuilt =
      RunCommand({server().reliefd_path(), "rebuild-projections",
                  "--data-dir", server().data_dir()});
  RELIEF_ASSERT_OK(rebuilt.status());
  EXPECT_EQ(rebuilt->exit_code, 0) << rebuilt->output;
  RELIEF_ASSERT_OK(server().Start());

  EXPECT_EQ(HeadSequence(Admin()), head);
  // min_sequence = head: each query waits until the rebuild reached it.
  EXPECT_EQ(CaptureReadModels(head), before);
  // Every projection, also those not asked above, catches up to the head.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  v1::GetStatusResponse status;
  auto behind = [&] {
    for (const v1::ProjectionStatus& projection : status.projections()) {
      if (projection.checkpoint_sequence() != head) return true;
    }
    return status.projections().empty();
  };
  do {
    status = Status(Admin());
  } while (behind() && std::chrono::steady_clock::now() < deadline);
  EXPECT_FALSE(behind()) << status.ShortDebugString();
}

}  // namespace
}  // namespace relief::testing
