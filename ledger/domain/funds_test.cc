// Fund accounting: given these events, when this command, then these events
// or this rejection.
#include <limits>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "ledger/domain/accounts.h"
#include "ledger/domain/decider.h"
#include "ledger/domain/money.h"
#include "ledger/domain/rejection.h"

namespace relief {
namespace {

constexpr auto kDonations = v1::FUND_SOURCE_DONATIONS;
constexpr auto kFederation = v1::FUND_SOURCE_FEDERATION_ALLOCATION;

v1::Command Register(std::string code, v1::OrgLevel level,
                     std::string parent = "") {
  v1::Command c;
  auto* r = c.mutable_register_org_unit();
  r->set_request_id("reg");
  r->set_code(code);
  r->set_name_zh("工会");
  r->set_level(level);
  r->set_parent_code(parent);
  return c;
}

v1::Command Receive(std::string unit, int64_t fen,
                    v1::FundSource source = kDonations) {
  v1::Command c;
  auto* r = c.mutable_receive_funds();
  r->set_request_id("rcv");
  r->set_unit_code(unit);
  r->set_fund_source(source);
  r->set_amount_fen(fen);
  r->set_payer("济宁某企业");
  r->set_document_number("BANK-001");
  return c;
}

v1::Command Allocate(std::string from, std::string to, int64_t fen,
                     v1::FundSource source = kDonations) {
  v1::Command c;
  auto* a = c.mutable_allocate_funds();
  a->set_request_id("alloc");
  a->set_from_unit_code(from);
  a->set_to_unit_code(to);
  a->set_fund_source(source);
  a->set_amount_fen(fen);
  return c;
}

v1::Command Reverse(uint64_t sequence) {
  v1::Command c;
  auto* r = c.mutable_reverse_event();
  r->set_request_id("rev");
  r->set_sequence(sequence);
  r->set_reason("录入错误 wrong amount");
  return c;
}

class FundsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(Apply(Register("sd", v1::ORG_LEVEL_PROVINCE)).ok());
    ASSERT_TRUE(Apply(Register("sd.jn", v1::ORG_LEVEL_CITY, "sd")).ok());
    ASSERT_TRUE(Apply(Register("sd.jn.zc", v1::ORG_LEVEL_DISTRICT, "sd.jn")).ok());
    ASSERT_TRUE(Apply(Register("sd.hz", v1::ORG_LEVEL_CITY, "sd")).ok());
  }
  // Decides and, when accepted, evolves; returns the decision.
  absl::Status Apply(const v1::Command& command) {
    std::vector<v1::Event> events;
    CommandContext context{"finance", 1'700'000'000'000'000, {}, sequence_};
    absl::Status s = Decide(state_, command, context, &events);
    if (s.ok()) {
      for (const auto& e : events) Evolve(state_, e, ++sequence_);
      state_.ForgetUndo();
      last_ = events;
    } else {
      EXPECT_TRUE(events.empty());
    }
    return s;
  }
  void ExpectRejected(const v1::Command& command, absl::StatusCode code,
                      v1::ErrorReason reason) {
    uint64_t before = sequence_;
    storage::v1::Snapshot snapshot_before;
    state_.ExportTo(&snapshot_before);
    absl::Status s = Apply(command);
    EXPECT_EQ(s.code(), code) << s;
    EXPECT_EQ(ReasonOf(s), reason) << s;
    EXPECT_EQ(sequence_, before);
    storage::v1::Snapshot snapshot_after;
    state_.ExportTo(&snapshot_after);
    EXPECT_TRUE(snapshot_before.SerializeAsString() ==
                snapshot_after.SerializeAsString())
        << "a rejected command changed the state";
  }
  int64_t Available(std::string unit, v1::FundSource source = kDonations) {
    return state_.Available(PoolAccount(unit, source));
  }

  State state_;
  uint64_t sequence_ = 0;
  std::vector<v1::Event> last_;
};

TEST_F(FundsTest, AccountNamesRoundTrip) {
  for (const char* name :
       {"external/donations", "sd.jn/federation/pool", "sd/own_funds/goods",
        "sd/government/grants/education", "sd/donations/loans_receivable",
        "sd/donations/loan_losses"}) {
    auto id = ParseAccountName(name);
    ASSERT_TRUE(id.ok()) << name;
    EXPECT_EQ(AccountName(*id), name);
  }
  for (const char* bad : {"", "sd", "sd/pool", "sd/cash/pool", "external",
                          "external/x", "SD/donations/pool", "sd/donations/x",
                          "sd/donations/grants/", "sd/donations/pool/extra"}) {
    EXPECT_EQ(ParseAccountName(bad).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

TEST_F(FundsTest, ReceiveCreditsThePoolFromExternal) {
  ASSERT_TRUE(Apply(Receive("sd", 150000)).ok());
  ASSERT_EQ(last_.size(), 1u);
  const auto& e = last_[0].funds_received();
  ASSERT_EQ(e.postings_size(), 1);
  EXPECT_EQ(e.postings(0).debit_account(), "external/donations");
  EXPECT_EQ(e.postings(0).credit_account(), "sd/donations/pool");
  EXPECT_EQ(e.postings(0).fund_source(), kDonations);
  EXPECT_EQ(Available("sd"), 150000);
  EXPECT_EQ(state_.FindBalance("external/donations")->posted_debits_fen(),
            150000);
}

TEST_F(FundsTest, GoodsGoToTheGoodsAccount) {
  v1::Command c = Receive("sd", 5000000);
  auto* goods = c.mutable_receive_funds()->mutable_goods();
  goods->set_description("大米 25kg");
  goods->set_quantity(200);
  goods->set_quantity_unit("袋");
  ASSERT_TRUE(Apply(c).ok());
  EXPECT_EQ(last_[0].funds_received().postings(0).credit_account(),
            "sd/donations/goods");
  EXPECT_EQ(Available("sd"), 0);
  goods->set_quantity(0);
  ExpectRejected(c, absl::StatusCode::kInvalidArgument, v1::FIELD_INVALID);
}

TEST_F(FundsTest, ReceiveRejections) {
  ExpectRejected(Receive("sd", 0), absl::StatusCode::kInvalidArgument,
                 v1::AMOUNT_INVALID);
  ExpectRejected(Receive("sd", -5), absl::StatusCode::kInvalidArgument,
                 v1::AMOUNT_INVALID);
  ExpectRejected(Receive("sd", kMaxAmountFen + 1),
                 absl::StatusCode::kInvalidArgument, v1::AMOUNT_INVALID);
  ExpectRejected(Receive("sd", 100, v1::FUND_SOURCE_UNSPECIFIED),
                 absl::StatusCode::kInvalidArgument, v1::FUND_SOURCE_INVALID);
  ExpectRejected(Receive("sd", 100, static_cast<v1::FundSource>(9)),
                 absl::StatusCode::kInvalidArgument, v1::FUND_SOURCE_INVALID);
  ExpectRejected(Receive("nowhere", 100), absl::StatusCode::kNotFound,
                 v1::ORG_UNIT_NOT_FOUND);
  v1::Command no_payer = Receive("sd", 100);
  no_payer.mutable_receive_funds()->clear_payer();
  ExpectRejected(no_payer, absl::StatusCode::kInvalidArgument,
                 v1::FIELD_INVALID);
  v1::Command deactivate;
  deactivate.mutable_deactivate_org_unit()->set_request_id("d");
  deactivate.mutable_deactivate_org_unit()->set_code("sd.hz");
  deactivate.mutable_deactivate_org_unit()->set_reason("merged");
  ASSERT_TRUE(Apply(deactivate).ok());
  ExpectRejected(Receive("sd.hz", 100), absl::StatusCode::kFailedPrecondition,
                 v1::ORG_UNIT_INACTIVE);
}

TEST(FundsOverflowTest, OverflowIsRejectedNotWrapped) {
  // A state whose external account is a hair below what int64 holds.
  storage::v1::Snapshot snapshot;
  auto* unit = snapshot.add_org_units();
  unit->mutable_registered()->set_code("sd");
  unit->mutable_registered()->set_level(v1::ORG_LEVEL_PROVINCE);
  unit->set_active(true);
  auto* external = snapshot.add_balances();
  external->set_account("external/donations");
  external->set_fund_source(kDonations);
  external->set_posted_debits_fen(std::numeric_limits<int64_t>::max() - 10);
  State state;
  state.ImportFrom(snapshot);
  std::vector<v1::Event> events;
  CommandContext context{"finance", 0, {}, 1};
  absl::Status s = Decide(state, Receive("sd", 11), context, &events);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_EQ(ReasonOf(s), v1::AMOUNT_OVERFLOW);
  EXPECT_TRUE(events.empty());
  EXPECT_TRUE(Decide(state, Receive("sd", 10), context, &events).ok());
}

TEST_F(FundsTest, AllocateMovesPoolToDirectChild) {
  ASSERT_TRUE(Apply(Receive("sd", 100000)).ok());
  ASSERT_TRUE(Apply(Allocate("sd", "sd.jn", 60000)).ok());
  EXPECT_EQ(Available("sd"), 40000);
  EXPECT_EQ(Available("sd.jn"), 60000);
  ASSERT_TRUE(Apply(Allocate("sd.jn", "sd.jn.zc", 60000)).ok());
  EXPECT_EQ(Available("sd.jn"), 0);
}

TEST_F(FundsTest, AllocateRejections) {
  ASSERT_TRUE(Apply(Receive("sd", 100000)).ok());
  ExpectRejected(Allocate("sd", "sd.jn", 100001),
                 absl::StatusCode::kFailedPrecondition, v1::FUNDS_INSUFFICIENT);
  ExpectRejected(Allocate("sd", "sd.jn.zc", 100),
                 absl::StatusCode::kFailedPrecondition,
                 v1::ALLOCATION_NOT_TO_CHILD);
  ExpectRejected(Allocate("sd.jn", "sd", 100),
                 absl::StatusCode::kFailedPrecondition,
                 v1::ALLOCATION_NOT_TO_CHILD);
  ExpectRejected(Allocate("sd", "sd", 100),
                 absl::StatusCode::kFailedPrecondition,
                 v1::ALLOCATION_NOT_TO_CHILD);
  // Money never changes source: donations do not cover a federation move.
  ExpectRejected(Allocate("sd", "sd.jn", 100, kFederation),
                 absl::StatusCode::kFailedPrecondition, v1::FUNDS_INSUFFICIENT);
  ExpectRejected(Allocate("sd", "sd.xx", 100), absl::StatusCode::kNotFound,
                 v1::ORG_UNIT_NOT_FOUND);
  ExpectRejected(Allocate("sd", "sd.jn", 0), absl::StatusCode::kInvalidArgument,
                 v1::AMOUNT_INVALID);
}

TEST_F(FundsTest, ReverseUndoesOnceAndNeverOverdraws) {
  ASSERT_TRUE(Apply(Receive("sd", 100000)).ok());
  const uint64_t receipt = sequence_;
  ASSERT_TRUE(Apply(Allocate("sd", "sd.jn", 70000)).ok());
  const uint64_t allocation = sequence_;
  // The receipt cannot be undone while its money sits with the child.
  ExpectRejected(Reverse(receipt), absl::StatusCode::kFailedPrecondition,
                 v1::FUNDS_INSUFFICIENT);
  ASSERT_TRUE(Apply(Reverse(allocation)).ok());
  const auto& reversal = last_[0].event_reversed();
  EXPECT_EQ(reversal.reversed_sequence(), allocation);
  EXPECT_EQ(reversal.postings(0).debit_account(), "sd.jn/donations/pool");
  EXPECT_EQ(reversal.postings(0).credit_account(), "sd/donations/pool");
  EXPECT_EQ(Available("sd.jn"), 0);
  ExpectRejected(Reverse(allocation), absl::StatusCode::kFailedPrecondition,
                 v1::EVENT_ALREADY_REVERSED);
  const uint64_t reversal_sequence = sequence_;
  ExpectRejected(Reverse(reversal_sequence),
                 absl::StatusCode::kFailedPrecondition,
                 v1::EVENT_NOT_REVERSIBLE);
  ExpectRejected(Reverse(1), absl::StatusCode::kFailedPrecondition,
                 v1::EVENT_NOT_REVERSIBLE);  // a unit registration
  ExpectRejected(Reverse(sequence_ + 1), absl::StatusCode::kNotFound,
                 v1::EVENT_NOT_FOUND);
  ASSERT_TRUE(Apply(Reverse(receipt)).ok());
  EXPECT_EQ(Available("sd"), 0);
  const BalanceState* external = state_.FindBalance("external/donations");
  EXPECT_EQ(external->posted_debits_fen(), external->posted_credits_fen());
}

TEST_F(FundsTest, MatchingRuleChecks) {
  v1::Command c;
  auto* m = c.mutable_set_matching_rule();
  m->set_request_id("m");
  m->set_unit_code("sd.jn");
  m->set_government_parts(1);
  m->set_federation_parts(1);
  m->set_effective_year(2026);
  ASSERT_TRUE(Apply(c).ok());
  EXPECT_EQ(last_[0].matching_rule_set().effective_year(), 2026);
  m->set_government_parts(0);
  ExpectRejected(c, absl::StatusCode::kInvalidArgument, v1::FIELD_INVALID);
  m->set_government_parts(1);
  m->set_effective_year(1999);
  ExpectRejected(c, absl::StatusCode::kInvalidArgument, v1::YEAR_INVALID);
  m->set_effective_year(2026);
  m->set_unit_code("sd.none");
  ExpectRejected(c, absl::StatusCode::kNotFound, v1::ORG_UNIT_NOT_FOUND);
}

}  // namespace
}  // namespace relief
