// Grants: given these events, when this command, then these events or this
// rejection. Time is passed in, never read.
#include "ledger/domain/grants.h"

#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "ledger/domain/accounts.h"
#include "ledger/domain/decider.h"
#include "ledger/domain/rejection.h"

namespace relief {
namespace {

constexpr auto kDonations = v1::FUND_SOURCE_DONATIONS;
constexpr int64_t kDay = int64_t{86400} * 1000000;

// Micros at noon, China time, on a date.
int64_t Noon(int y, int m, int d) {
  return absl::ToUnixMicros(absl::FromCivil(absl::CivilHour(y, m, d, 12),
                                            absl::FixedTimeZone(8 * 3600)));
}

class GrantsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    now_ = Noon(2026, 8, 1);
    v1::Command unit;
    auto* u = unit.mutable_register_org_unit();
    u->set_request_id("u");
    u->set_code("jn");
    u->set_name_zh("济宁市总工会");
    u->set_level(v1::ORG_LEVEL_PROVINCE);
    ASSERT_TRUE(Apply(unit).ok());
    v1::Command money;
    auto* r = money.mutable_receive_funds();
    r->set_request_id("m");
    r->set_unit_code("jn");
    r->set_fund_source(kDonations);
    r->set_amount_fen(1'000'000);  // 10,000 yuan
    r->set_payer("企业");
    ASSERT_TRUE(Apply(money).ok());
    ASSERT_TRUE(Apply(Policy()).ok());
    ASSERT_TRUE(Apply(Dossier('a', v1::HARDSHIP_CATEGORY_SERIOUS_ILLNESS)).ok());
    dossier_ = last_[0].dossier_registered().dossier_id();
  }
  static v1::Command Policy() {
    v1::Command c;
    c.mutable_set_program_policy()->set_request_id("p");
    auto* p = c.mutable_set_program_policy()->mutable_policy();
    p->set_program("education");
    p->set_name_zh("金秋助学");
    p->set_effective_date(20260101);
    p->set_min_amount_fen(200'000);
    p->set_max_amount_fen(400'000);
    p->set_grants_per_year(1);
    auto* w = p->add_windows();
    w->set_start_mmdd(715);
    w->set_end_mmdd(831);
    p->add_eligible_categories(v1::HARDSHIP_CATEGORY_SERIOUS_ILLNESS);
    p->add_eligible_categories(v1::HARDSHIP_CATEGORY_SINGLE_PARENT);
    p->add_fund_sources(kDonations);
    p->set_notice_days(7);
    p->set_expiry_days(30);
    p->set_allow_cash(true);
    return c;
  }
  v1::Command Dossier(char who, v1::HardshipCategory category) {
    v1::Command c;
    auto* d = c.mutable_register_dossier();
    d->set_request_id(std::string("d") + who);
    d->set_unit_code("jn");
    d->set_name("王五");
    d->set_category(category);
    d->set_household_size(4);
    d->set_national_id_hmac(std::string(32, who));
    d->set_national_id_masked("370802********1232");
    return c;
  }
  v1::Command Propose(int64_t fen, std::string dossier = "") {
    v1::Command c;
    auto* g = c.mutable_propose_grant();
    g->set_request_id("g");
    g->set_dossier_id(dossier.empty() ? dossier_ : dossier);
    g->set_program("education");
    g->set_unit_code("jn");
    g->set_fund_source(kDonations);
    g->set_amount_fen(fen);
    return c;
  }
  v1::Command Post(std::string id) {
    v1::Command c;
    c.mutable_post_grant()->set_request_id("post");
    c.mutable_post_grant()->set_grant_id(id);
    return c;
  }
  v1::Command Void(std::string id) {
    v1::Command c;
    c.mutable_void_grant()->set_request_id("void");
    c.mutable_void_grant()->set_grant_id(id);
    c.mutable_void_grant()->set_reason("有异议 objection");
    return c;
  }
  absl::Status Apply(const v1::Command& command, std::string actor = "li") {
    std::vector<v1::Event> events;
    CommandContext context{actor, now_, {}, sequence_};
    absl::Status s = Decide(state_, command, context, &events);
    if (s.ok()) {
      for (const auto& e : events) Evolve(state_, e, ++sequence_);
      state_.ForgetUndo();
      last_ = events;
    }
    return s;
  }
  void ExpectRejected(const v1::Command& c, v1::ErrorReason reason,
                      std::string actor = "li") {
    uint64_t before = sequence_;
    absl::Status s = Apply(c, actor);
    EXPECT_EQ(ReasonOf(s), reason) << s;
    EXPECT_EQ(sequence_, before);
  }
  int64_t Available() {
    return state_.Available(PoolAccount("jn", kDonations));
  }

  State state_;
  uint64_t sequence_ = 0;
  int64_t now_ = 0;
  std::string dossier_;
  std::vector<v1::Event> last_;
};

TEST_F(GrantsTest, ProposeReservesThenAnotherOfficerPostsAfterNotice) {
  ASSERT_TRUE(Apply(Propose(300'000)).ok());
  const auto& g = last_[0].grant_proposed();
  const std::string id = g.grant_id();
  EXPECT_EQ(g.year(), 2026);
  EXPECT_EQ(g.notice_ends_unix_micros(), now_ + 7 * kDay);
  EXPECT_EQ(g.postings(0).phase(), v1::POSTING_PHASE_PENDING);
  EXPECT_EQ(g.postings(0).credit_account(), "jn/donations/grants/education");
  EXPECT_EQ(Available(), 700'000);  // reserved

  ExpectRejected(Post(id), v1::GRANT_NOTICE_NOT_OVER, "wang");
  now_ += 7 * kDay;
  ExpectRejected(Post(id), v1::GRANT_SAME_PRINCIPAL, "li");
  ASSERT_TRUE(Apply(Post(id), "wang").ok());
  const BalanceState* pool = state_.FindBalance(PoolAccount("jn", kDonations));
  EXPECT_EQ(pool->pending_debits_fen(), 0);
  EXPECT_EQ(pool->posted_debits_fen(), 300'000);
  EXPECT_EQ(Available(), 700'000);
  ExpectRejected(Post(id), v1::GRANT_NOT_PENDING, "wang");
  ExpectRejected(Void(id), v1::GRANT_NOT_PENDING);
}

TEST_F(GrantsTest, PolicyRules) {
  ExpectRejected(Propose(199'999), v1::GRANT_AMOUNT_OUT_OF_POLICY);
  ExpectRejected(Propose(400'001), v1::GRANT_AMOUNT_OUT_OF_POLICY);
  v1::Command other_source = Propose(300'000);
  other_source.mutable_propose_grant()->set_fund_source(
      v1::FUND_SOURCE_OWN_FUNDS);
  ExpectRejected(other_source, v1::GRANT_SOURCE_NOT_ALLOWED);
  v1::Command goods = Propose(300'000);
  goods.mutable_propose_grant()->set_goods_quantity(2);
  ExpectRejected(goods, v1::GRANT_GOODS_NOT_ALLOWED);
  ASSERT_TRUE(Apply(Dossier('b', v1::HARDSHIP_CATEGORY_MIGRANT_WORKER)).ok());
  ExpectRejected(Propose(300'000, last_[0].dossier_registered().dossier_id()),
                 v1::GRANT_CATEGORY_NOT_ELIGIBLE);
  ExpectRejected(Propose(300'000, "d999"), v1::DOSSIER_NOT_FOUND);
  v1::Command program = Propose(300'000);
  program.mutable_propose_grant()->set_program("housing");
  ExpectRejected(program, v1::PROGRAM_NOT_FOUND);
  now_ = Noon(2026, 7, 14);  // the day before the window opens
  ExpectRejected(Propose(300'000), v1::GRANT_OUTSIDE_WINDOW);
  now_ = Noon(2026, 9, 1);
  ExpectRejected(Propose(300'000), v1::GRANT_OUTSIDE_WINDOW);
  now_ = Noon(2026, 8, 31);
  EXPECT_TRUE(Apply(Propose(300'000)).ok());
}

TEST_F(GrantsTest, OncePerYearAcrossUnitsAndExternalAid) {
  ASSERT_TRUE(Apply(Propose(300'000)).ok());
  ExpectRejected(Propose(300'000), v1::GRANT_YEARLY_LIMIT_REACHED);
  // Voiding frees the year's place again.
  ASSERT_TRUE(Apply(Void(last_[0].grant_proposed().grant_id())).ok());
  EXPECT_EQ(Available(), 1'000'000);
  v1::Command aid;
  auto* a = aid.mutable_record_external_aid();
  a->set_request_id("aid");
  a->set_dossier_id(dossier_);
  a->set_program("education");
  a->set_year(2026);
  a->set_provider("民政局");
  a->set_amount_fen(300'000);
  ASSERT_TRUE(Apply(aid).ok());
  ExpectRejected(Propose(300'000), v1::GRANT_YEARLY_LIMIT_REACHED);
  // Next year is a new year.
  now_ = Noon(2027, 8, 1);
  EXPECT_TRUE(Apply(Propose(300'000)).ok());
}

TEST_F(GrantsTest, ExitedDossierGetsNothing) {
  v1::Command exit;
  exit.mutable_exit_dossier()->set_request_id("x");
  exit.mutable_exit_dossier()->set_dossier_id(dossier_);
  exit.mutable_exit_dossier()->set_reason("脱困");
  ASSERT_TRUE(Apply(exit).ok());
  ExpectRejected(Propose(300'000), v1::DOSSIER_EXITED);
}

TEST_F(GrantsTest, PoolMustCoverTheReservation) {
  ASSERT_TRUE(Apply(Dossier('c', v1::HARDSHIP_CATEGORY_SINGLE_PARENT)).ok());
  std::string second = last_[0].dossier_registered().dossier_id();
  ASSERT_TRUE(Apply(Dossier('e', v1::HARDSHIP_CATEGORY_SINGLE_PARENT)).ok());
  std::string third = last_[0].dossier_registered().dossier_id();
  ASSERT_TRUE(Apply(Propose(400'000)).ok());
  ASSERT_TRUE(Apply(Propose(400'000, second)).ok());
  ExpectRejected(Propose(400'000, third), v1::FUNDS_INSUFFICIENT);
}

TEST_F(GrantsTest, UnpostedProposalsExpire) {
  ASSERT_TRUE(Apply(Propose(300'000)).ok());
  const std::string id = last_[0].grant_proposed().grant_id();
  std::vector<v1::Event> events;
  DecideExpiries(state_, now_ + 30 * kDay - 1, &events);
  EXPECT_TRUE(events.empty());
  DecideExpiries(state_, now_ + 30 * kDay, &events);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(events[0].grant_voided().expired());
  Evolve(state_, events[0], ++sequence_);
  EXPECT_EQ(state_.FindGrant(id)->status(), GrantState::STATUS_EXPIRED);
  EXPECT_EQ(Available(), 1'000'000);
  events.clear();
  DecideExpiries(state_, now_ + 60 * kDay, &events);
  EXPECT_TRUE(events.empty());
}

TEST_F(GrantsTest, PolicyValidationAndVersions) {
  v1::Command bad = Policy();
  bad.mutable_set_program_policy()->mutable_policy()->set_max_amount_fen(1);
  ExpectRejected(bad, v1::PROGRAM_INVALID);
  bad = Policy();
  bad.mutable_set_program_policy()->mutable_policy()->mutable_windows(0)
      ->set_end_mmdd(230 + 1);  // 31 February
  ExpectRejected(bad, v1::PROGRAM_INVALID);
  bad = Policy();
  bad.mutable_set_program_policy()->mutable_policy()->clear_fund_sources();
  ExpectRejected(bad, v1::PROGRAM_INVALID);
  bad = Policy();
  bad.mutable_set_program_policy()->mutable_policy()->set_expiry_days(7);
  ExpectRejected(bad, v1::PROGRAM_INVALID);
  // A new version from 1 August raises the maximum.
  v1::Command raise = Policy();
  raise.mutable_set_program_policy()->mutable_policy()->set_effective_date(
      20260801);
  raise.mutable_set_program_policy()->mutable_policy()->set_max_amount_fen(
      500'000);
  ASSERT_TRUE(Apply(raise).ok());
  EXPECT_EQ(PolicyInForce(state_, "education", 20260731)->max_amount_fen(),
            400'000);
  EXPECT_EQ(PolicyInForce(state_, "education", 20260801)->max_amount_fen(),
            500'000);
  EXPECT_EQ(PolicyInForce(state_, "education", 20251231), nullptr);
  EXPECT_TRUE(Apply(Propose(450'000)).ok());
}

TEST_F(GrantsTest, RollbackRestoresCountsAndExpiryIndex) {
  size_t mark = state_.Mark();
  std::vector<v1::Event> events;
  CommandContext context{"li", now_, {}, sequence_};
  ASSERT_TRUE(Decide(state_, Propose(300'000), context, &events).ok());
  Evolve(state_, events[0], sequence_ + 1);
  state_.RollbackTo(mark);
  EXPECT_TRUE(state_.GrantsExpiredAt(now_ + 365 * kDay).empty());
  EXPECT_EQ(state_.AidCount(std::string(32, 'a'), "education", 2026), 0u);
  EXPECT_EQ(Available(), 1'000'000);
}

TEST_F(GrantsTest, SnapshotRoundTripsThroughBytes) {
  ASSERT_TRUE(Apply(Propose(300'000)).ok());
  storage::v1::Snapshot snapshot;
  state_.ExportTo(&snapshot);
  ASSERT_EQ(snapshot.aid_counts_size(), 1);
  std::string bytes = snapshot.SerializeAsString();
  storage::v1::Snapshot parsed;
  // Keys hold raw hash bytes: the snapshot must parse (no UTF-8 check).
  ASSERT_TRUE(parsed.ParseFromString(bytes));
  State copy;
  copy.ImportFrom(parsed);
  storage::v1::Snapshot again;
  copy.ExportTo(&again);
  EXPECT_TRUE(again.SerializeAsString() == bytes);
  EXPECT_EQ(copy.AidCount(std::string(32, 'a'), "education", 2026), 1u);
  EXPECT_EQ(copy.GrantsExpiredAt(now_ + 30 * kDay).size(), 1u);
}

TEST(StandardPoliciesTest, AllAreValidAndEducationMatchesTheBrief) {
  auto policies = StandardPolicies(20260101);
  ASSERT_EQ(policies.size(), 7u);
  for (const auto& p : policies) {
    v1::SetProgramPolicyRequest request;
    request.set_request_id("x");
    *request.mutable_policy() = p;
    EXPECT_TRUE(ValidateSetProgramPolicy(request).ok()) << p.program();
  }
  const auto& education = policies[1];
  EXPECT_EQ(education.program(), "education");
  EXPECT_EQ(education.min_amount_fen(), 200'000);
  EXPECT_EQ(education.max_amount_fen(), 400'000);
  EXPECT_EQ(education.grants_per_year(), 1u);
  EXPECT_EQ(education.windows(0).start_mmdd(), 715);
  EXPECT_EQ(education.windows(0).end_mmdd(), 831);
}

}  // namespace
}  // namespace relief
