// Spot-check samples (抽查): the algorithm (SHA-256, sample size, order),
// then DrawSample given posted grants: the population (unit, subtree,
// program, year, posted only), reproducibility, rounding, rejections, the
// seed drawn by the service, and the write model's index through undo and
// snapshots.
#include "ledger/domain/samples.h"

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "ledger/domain/decider.h"
#include "ledger/domain/digest.h"
#include "ledger/domain/rejection.h"
#include "ledger/store/sha256.h"

namespace relief {
namespace {

constexpr auto kDonations = v1::FUND_SOURCE_DONATIONS;

int64_t Noon(int y, int m, int d) {
  return absl::ToUnixMicros(absl::FromCivil(absl::CivilHour(y, m, d, 12),
                                            absl::FixedTimeZone(8 * 3600)));
}

std::string Seed(char fill) { return std::string(kSampleSeedBytes, fill); }

TEST(PureSha256Test, FipsVectors) {
  EXPECT_EQ(ToHex(PureSha256("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(ToHex(PureSha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(ToHex(PureSha256(
                "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(ToHex(PureSha256(std::string(1000000, 'a'))),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  // The two parts are concatenated.
  EXPECT_EQ(PureSha256("ab", "c"), PureSha256("abc"));
}

TEST(PureSha256Test, AgreesWithOpenSsl) {
  std::mt19937 random(20261124);
  for (size_t length = 0; length < 300; ++length) {
    std::string data(length, '\0');
    for (char& c : data) c = static_cast<char>(random());
    const size_t cut = length == 0 ? 0 : random() % length;
    EXPECT_EQ(PureSha256(data.substr(0, cut), data.substr(cut)),
              Sha256(data))
        << "length " << length;
  }
}

TEST(SampleAlgorithmTest, SizeIsRoundedUpAndAtLeastOne) {
  EXPECT_EQ(SampleSize(0, 700), 0u);
  EXPECT_EQ(SampleSize(100, 700), 7u);    // exactly 7
  EXPECT_EQ(SampleSize(101, 700), 8u);    // 7.07 -> 8
  EXPECT_EQ(SampleSize(10, 700), 1u);     // 0.7 -> 1
  EXPECT_EQ(SampleSize(1, 1), 1u);        // 0.0001 -> 1
  EXPECT_EQ(SampleSize(200, 50), 1u);     // 0.5 % of 200 = 1
  EXPECT_EQ(SampleSize(201, 50), 2u);     // 1.005 -> 2
  EXPECT_EQ(SampleSize(3, 10000), 3u);    // everything
  EXPECT_EQ(SampleSize(14286, 700), 1001u);  // 1000.02 -> 1001
  EXPECT_EQ(SampleSize(4'000'000'000u, 10000), 4'000'000'000u);
}

TEST(SampleAlgorithmTest, OrderIsTheSortBySha256OfSeedAndId) {
  std::vector<std::string> population;
  for (int i = 1; i <= 50; ++i) population.push_back(absl::StrCat("g", i * 7));
  const std::string seed = Seed('\x5a');
  // Recomputed independently: sort every id by its digest.
  std::vector<std::string> expected = population;
  std::sort(expected.begin(), expected.end(),
            [&](const std::string& a, const std::string& b) {
              return Sha256(seed, a) < Sha256(seed, b);
            });
  EXPECT_EQ(OrderSample(seed, population, 50), expected);
  expected.resize(4);
  EXPECT_EQ(OrderSample(seed, population, 4), expected);
  // Same seed and population: the same sample, every time.
  EXPECT_EQ(OrderSample(seed, population, 4), OrderSample(seed, population, 4));
  // Another seed: another sample.
  EXPECT_NE(OrderSample(Seed('\x01'), population, 4), expected);
  // k beyond the population takes all.
  EXPECT_EQ(OrderSample(seed, population, 80).size(), 50u);
  EXPECT_TRUE(OrderSample(seed, {}, 3).empty());
}

TEST(SampleAlgorithmTest, PopulationDigestIsOfTheIdsEachEndingInANewline) {
  EXPECT_EQ(PopulationSha256({"g3", "g10"}), Sha256("g3\ng10\n"));
  EXPECT_EQ(PopulationSha256({}), Sha256(""));
}

class SamplesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    now_ = Noon(2026, 8, 1);
    Unit("jn", "", v1::ORG_LEVEL_PROVINCE);
    Unit("jn.a", "jn", v1::ORG_LEVEL_CITY);
    Unit("jn.b", "jn", v1::ORG_LEVEL_CITY);
    Unit("jn.a.x", "jn.a", v1::ORG_LEVEL_DISTRICT);
    Unit("jn-x", "", v1::ORG_LEVEL_PROVINCE);  // shares the prefix "jn"
    for (const char* unit : {"jn", "jn.a", "jn.b", "jn.a.x", "jn-x"}) {
      v1::Command money;
      auto* r = money.mutable_receive_funds();
      r->set_request_id(absl::StrCat("m-", unit));
      r->set_unit_code(unit);
      r->set_fund_source(kDonations);
      r->set_amount_fen(int64_t{100'000'000} * 100);
      r->set_payer("企业");
      ASSERT_TRUE(Apply(money).ok());
    }
    ASSERT_TRUE(Apply(Policy("education")).ok());
    ASSERT_TRUE(Apply(Policy("festival")).ok());
  }

  void Unit(const std::string& code, const std::string& parent,
            v1::OrgLevel level) {
    v1::Command c;
    auto* u = c.mutable_register_org_unit();
    u->set_request_id(absl::StrCat("u-", code));
    u->set_code(code);
    u->set_name_zh("工会");
    u->set_level(level);
    u->set_parent_code(parent);
    ASSERT_TRUE(Apply(c).ok()) << code;
  }

  static v1::Command Policy(const std::string& program) {
    v1::Command c;
    c.mutable_set_program_policy()->set_request_id("p-" + program);
    auto* p = c.mutable_set_program_policy()->mutable_policy();
    p->set_program(program);
    p->set_name_zh(program);
    p->set_effective_date(20000101);
    p->set_min_amount_fen(100);
    p->set_max_amount_fen(1'000'000);
    p->set_grants_per_year(1);
    p->add_fund_sources(kDonations);
    p->set_notice_days(0);
    p->set_expiry_days(30);
    p->set_allow_cash(true);
    return c;
  }

  // A grant of a new person, proposed by "li" and (if `post`) posted by
  // "wang". Returns its id.
  std::string Grant(const std::string& unit, const std::string& program,
                    bool post = true) {
    ++people_;
    v1::Command d;
    auto* r = d.mutable_register_dossier();
    r->set_request_id(absl::StrCat("d", people_));
    r->set_unit_code("jn");
    r->set_name("王五");
    r->set_category(v1::HARDSHIP_CATEGORY_SERIOUS_ILLNESS);
    r->set_household_size(3);
    r->set_national_id_hmac(absl::StrFormat("%032d", people_));
    r->set_national_id_masked("370802********1232");
    EXPECT_TRUE(Apply(d).ok());
    const std::string dossier = last_[0].dossier_registered().dossier_id();
    v1::Command g;
    auto* p = g.mutable_propose_grant();
    p->set_request_id(absl::StrCat("g", people_));
    p->set_dossier_id(dossier);
    p->set_program(program);
    p->set_unit_code(unit);
    p->set_fund_source(kDonations);
    p->set_amount_fen(50'000);
    EXPECT_TRUE(Apply(g).ok());
    const std::string id = last_[0].grant_proposed().grant_id();
    if (post) {
      v1::Command c;
      c.mutable_post_grant()->set_request_id(absl::StrCat("post", people_));
      c.mutable_post_grant()->set_grant_id(id);
      EXPECT_TRUE(Apply(c, "wang").ok());
    }
    return id;
  }

  static v1::Command Draw(const std::string& unit, bool subtree,
                          const std::string& program, int year,
                          uint32_t percent_bp, std::string seed) {
    v1::Command c;
    auto* s = c.mutable_draw_sample();
    s->set_request_id("sample");
    s->set_unit_code(unit);
    s->set_subtree(subtree);
    s->set_program(program);
    s->set_year(year);
    s->set_percent_bp(percent_bp);
    s->set_seed(std::move(seed));
    s->set_purpose("2026年度入户核查 field visits");
    return c;
  }

  absl::Status Apply(const v1::Command& command, std::string actor = "li",
                     std::string drawn_seed = "") {
    std::vector<v1::Event> events;
    CommandContext context{actor, now_, {}, sequence_};
    context.drawn_seed = drawn_seed;
    absl::Status s = Decide(state_, command, context, &events);
    if (s.ok()) {
      for (const auto& e : events) Evolve(state_, e, ++sequence_);
      state_.ForgetUndo();
      last_ = events;
    }
    return s;
  }

  void ExpectRejected(const v1::Command& c, absl::StatusCode code,
                      v1::ErrorReason reason, std::string drawn_seed = "") {
    const uint64_t before = sequence_;
    absl::Status s = Apply(c, "auditor", drawn_seed);
    EXPECT_EQ(s.code(), code) << s;
    EXPECT_EQ(ReasonOf(s), reason) << s;
    EXPECT_EQ(sequence_, before);
  }

  // Draws and returns the event.
  v1::SampleDrawn DrawOk(const v1::Command& c, std::string drawn_seed = "") {
    absl::Status s = Apply(c, "auditor", drawn_seed);
    EXPECT_TRUE(s.ok()) << s;
    if (!s.ok() || last_.empty()) return {};
    return last_[0].sample_drawn();
  }

  State state_;
  uint64_t sequence_ = 0;
  int64_t now_ = 0;
  int people_ = 0;
  std::vector<v1::Event> last_;
};

TEST_F(SamplesTest, PopulationIsThePostedGrantsOfTheUnitProgramAndYear) {
  std::vector<std::string> jn, jn_a, jn_a_x, jn_b;
  for (int i = 0; i < 5; ++i) jn.push_back(Grant("jn", "education"));
  for (int i = 0; i < 3; ++i) jn_a.push_back(Grant("jn.a", "education"));
  jn_a_x.push_back(Grant("jn.a.x", "education"));
  jn_b.push_back(Grant("jn.b", "education"));
  Grant("jn-x", "education");          // another tree with the prefix "jn"
  Grant("jn", "festival");             // another program
  Grant("jn", "education", false);     // still in public notice
  const std::string voided = Grant("jn", "education", false);
  v1::Command v;
  v.mutable_void_grant()->set_request_id("void");
  v.mutable_void_grant()->set_grant_id(voided);
  v.mutable_void_grant()->set_reason("有异议");
  ASSERT_TRUE(Apply(v).ok());
  now_ = Noon(2027, 3, 1);
  Grant("jn", "education");            // another year

  EXPECT_EQ(state_.PostedGrants("jn", false, "education", 2026), jn);
  std::vector<std::string> all = jn;
  for (const auto* more : {&jn_a, &jn_a_x, &jn_b}) {
    all.insert(all.end(), more->begin(), more->end());
  }
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    return a.size() != b.size() ? a.size() < b.size() : a < b;
  });
  EXPECT_EQ(state_.PostedGrants("jn", true, "education", 2026), all);
  EXPECT_EQ(state_.PostedGrants("jn.a", true, "education", 2026).size(), 4u);
  EXPECT_EQ(state_.PostedGrants("jn.a", false, "education", 2026), jn_a);
  EXPECT_EQ(state_.PostedGrants("jn", false, "education", 2027).size(), 1u);
  EXPECT_TRUE(state_.PostedGrants("jn.b", false, "festival", 2026).empty());

  // 100 % of the subtree: every grant, none from jn-x, other programs,
  // pending, voided or other years.
  const v1::SampleDrawn e =
      DrawOk(Draw("jn", true, "education", 2026, 10000, Seed('a')));
  EXPECT_EQ(e.population_size(), all.size());
  std::vector<std::string> sampled(e.grant_ids().begin(), e.grant_ids().end());
  std::sort(sampled.begin(), sampled.end(), [](const auto& a, const auto& b) {
    return a.size() != b.size() ? a.size() < b.size() : a < b;
  });
  EXPECT_EQ(sampled, all);
  EXPECT_EQ(e.population_sha256(), PopulationSha256(all));
}

TEST_F(SamplesTest, TheEventRecordsRequestSeedAndSampleAndIsReproducible) {
  std::vector<std::string> population;
  for (int i = 0; i < 30; ++i) population.push_back(Grant("jn", "education"));
  const uint64_t before = sequence_;
  const v1::SampleDrawn e =
      DrawOk(Draw("jn", false, "education", 2026, 700, Seed('s')));
  EXPECT_EQ(sequence_, before + 1);
  EXPECT_EQ(e.sample_id(), absl::StrCat("s", sequence_));
  EXPECT_EQ(e.unit_code(), "jn");
  EXPECT_FALSE(e.subtree());
  EXPECT_EQ(e.program(), "education");
  EXPECT_EQ(e.year(), 2026);
  EXPECT_EQ(e.percent_bp(), 700u);
  EXPECT_EQ(e.seed(), Seed('s'));
  EXPECT_FALSE(e.seed_from_server());
  EXPECT_EQ(e.population_sequence(), before);
  EXPECT_EQ(e.population_size(), 30u);
  EXPECT_EQ(e.population_sha256(), PopulationSha256(population));
  EXPECT_EQ(e.purpose(), "2026年度入户核查 field visits");
  // 7 % of 30 = 2.1 -> 3 grants, exactly the recomputed ones.
  ASSERT_EQ(e.grant_ids_size(), 3);
  const std::vector<std::string> recomputed =
      OrderSample(Seed('s'), population, 3);
  EXPECT_EQ(std::vector<std::string>(e.grant_ids().begin(),
                                     e.grant_ids().end()),
            recomputed);
  // The same draw again (same seed, same population): the same grants.
  const v1::SampleDrawn again =
      DrawOk(Draw("jn", false, "education", 2026, 700, Seed('s')));
  EXPECT_EQ(std::vector<std::string>(again.grant_ids().begin(),
                                     again.grant_ids().end()),
            recomputed);
  EXPECT_EQ(again.population_sha256(), e.population_sha256());
  // A sample moves no money and changes nothing else in the write model.
  EXPECT_EQ(state_.PostedGrants("jn", false, "education", 2026), population);
}

TEST_F(SamplesTest, PercentagesRoundUpToAtLeastOneGrant) {
  for (int i = 0; i < 10; ++i) Grant("jn", "education");
  EXPECT_EQ(DrawOk(Draw("jn", false, "education", 2026, 1, Seed('1')))
                .grant_ids_size(),
            1);  // 0.01 % of 10
  EXPECT_EQ(DrawOk(Draw("jn", false, "education", 2026, 1000, Seed('1')))
                .grant_ids_size(),
            1);  // exactly 1
  EXPECT_EQ(DrawOk(Draw("jn", false, "education", 2026, 1001, Seed('1')))
                .grant_ids_size(),
            2);  // 1.001 -> 2
  EXPECT_EQ(DrawOk(Draw("jn", false, "education", 2026, 10000, Seed('1')))
                .grant_ids_size(),
            10);
}

TEST_F(SamplesTest, ServerSeedComesFromTheContextNeverFromTheDomain) {
  for (int i = 0; i < 4; ++i) Grant("jn", "education");
  const v1::SampleDrawn e =
      DrawOk(Draw("jn", false, "education", 2026, 5000, ""), Seed('r'));
  EXPECT_EQ(e.seed(), Seed('r'));
  EXPECT_TRUE(e.seed_from_server());
  // The committee's seed wins over one the service drew.
  const v1::SampleDrawn given =
      DrawOk(Draw("jn", false, "education", 2026, 5000, Seed('c')), Seed('r'));
  EXPECT_EQ(given.seed(), Seed('c'));
  EXPECT_FALSE(given.seed_from_server());
  // No seed at all is a bug of the service, not of the request.
  ExpectRejected(Draw("jn", false, "education", 2026, 5000, ""),
                 absl::StatusCode::kInternal, v1::INTERNAL_ERROR);
}

TEST_F(SamplesTest, EmptyPopulationIsRefused) {
  Grant("jn.a", "education");
  Grant("jn", "education", false);  // pending: not yet paid
  ExpectRejected(Draw("jn", false, "education", 2026, 700, Seed('e')),
                 absl::StatusCode::kFailedPrecondition,
                 v1::SAMPLE_POPULATION_EMPTY);
  ExpectRejected(Draw("jn", true, "education", 2025, 700, Seed('e')),
                 absl::StatusCode::kFailedPrecondition,
                 v1::SAMPLE_POPULATION_EMPTY);
  ExpectRejected(Draw("jn", true, "festival", 2026, 700, Seed('e')),
                 absl::StatusCode::kFailedPrecondition,
                 v1::SAMPLE_POPULATION_EMPTY);
  // The subtree has one.
  EXPECT_EQ(DrawOk(Draw("jn", true, "education", 2026, 700, Seed('e')))
                .grant_ids_size(),
            1);
}

TEST_F(SamplesTest, BadRequestsAreRefusedWithNothingRecorded) {
  Grant("jn", "education");
  using C = absl::StatusCode;
  ExpectRejected(Draw("jn", false, "education", 2026, 0, Seed('x')),
                 C::kInvalidArgument, v1::SAMPLE_INVALID);
  ExpectRejected(Draw("jn", false, "education", 2026, 10001, Seed('x')),
                 C::kInvalidArgument, v1::SAMPLE_INVALID);
  ExpectRejected(Draw("jn", false, "education", 1999, 700, Seed('x')),
                 C::kInvalidArgument, v1::SAMPLE_INVALID);
  ExpectRejected(Draw("jn", false, "education", 2101, 700, Seed('x')),
                 C::kInvalidArgument, v1::SAMPLE_INVALID);
  ExpectRejected(Draw("jn", false, "education", 2026, 700, std::string(31, 'x')),
                 C::kInvalidArgument, v1::SAMPLE_INVALID);
  ExpectRejected(Draw("jn", false, "education", 2026, 700, std::string(33, 'x')),
                 C::kInvalidArgument, v1::SAMPLE_INVALID);
  ExpectRejected(Draw("JN", false, "education", 2026, 700, Seed('x')),
                 C::kInvalidArgument, v1::ORG_CODE_INVALID);
  ExpectRejected(Draw("jn", false, "Education!", 2026, 700, Seed('x')),
                 C::kInvalidArgument, v1::PROGRAM_INVALID);
  v1::Command no_purpose = Draw("jn", false, "education", 2026, 700, Seed('x'));
  no_purpose.mutable_draw_sample()->set_purpose("  ");
  ExpectRejected(no_purpose, C::kInvalidArgument, v1::FIELD_INVALID);
  v1::Command no_id = Draw("jn", false, "education", 2026, 700, Seed('x'));
  no_id.mutable_draw_sample()->clear_request_id();
  ExpectRejected(no_id, C::kInvalidArgument, v1::REQUEST_ID_INVALID);
  ExpectRejected(Draw("qd", false, "education", 2026, 700, Seed('x')),
                 C::kNotFound, v1::ORG_UNIT_NOT_FOUND);
  ExpectRejected(Draw("jn", false, "housing", 2026, 700, Seed('x')),
                 C::kFailedPrecondition, v1::PROGRAM_NOT_FOUND);
}

TEST_F(SamplesTest, AtMostTenThousandGrantsInOneSample) {
  for (int i = 0; i < 10'001; ++i) Grant("jn.b", "festival");
  ExpectRejected(Draw("jn", true, "festival", 2026, 10000, Seed('m')),
                 absl::StatusCode::kFailedPrecondition, v1::SAMPLE_INVALID);
  // 99.99 % of 10,001 = 10,000.0 -> 10,000: allowed.
  EXPECT_EQ(DrawOk(Draw("jn", true, "festival", 2026, 9999, Seed('m')))
                .grant_ids_size(),
            10'000);
}

TEST_F(SamplesTest, PostedIndexFollowsUndoAndSnapshots) {
  const std::string a = Grant("jn", "education");
  const std::string b = Grant("jn.a", "education", false);
  // A post rolled back (as the writer does for a rejected submission)
  // leaves the population as it was.
  const size_t mark = state_.Mark();
  v1::Event posted;
  posted.mutable_grant_posted()->set_grant_id(b);
  const GrantState* pending = state_.FindGrant(b);
  ASSERT_NE(pending, nullptr);
  for (const auto& p : pending->proposed().postings()) {
    v1::Posting* q = posted.mutable_grant_posted()->add_postings();
    *q = p;
    q->set_phase(v1::POSTING_PHASE_POST_PENDING);
  }
  Evolve(state_, posted, sequence_ + 1);
  EXPECT_EQ(state_.PostedGrants("jn", true, "education", 2026),
            (std::vector<std::string>{a, b}));
  state_.RollbackTo(mark);
  EXPECT_EQ(state_.PostedGrants("jn", true, "education", 2026),
            (std::vector<std::string>{a}));

  // A snapshot restores the index (it is derived, not stored).
  storage::v1::Snapshot snapshot;
  state_.ExportTo(&snapshot);
  State restored;
  restored.ImportFrom(snapshot);
  EXPECT_EQ(restored.PostedGrants("jn", true, "education", 2026),
            (std::vector<std::string>{a}));
}

}  // namespace
}  // namespace relief
