// Seeded property test of the grant rules against an independent model:
// no sequence of commands lets a beneficiary exceed a policy's yearly
// count, draw from a disallowed source, be paid without an active dossier,
// or be paid by the principal who proposed the grant; and the books stay
// balanced with reservations never exceeding a pool.
//
// Runs fixed seeds; RELIEF_SEED=<n> runs seed n instead (to reproduce a
// failure, or to explore).
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "ledger/domain/accounts.h"
#include "ledger/domain/decider.h"
#include "ledger/domain/grants.h"
#include "ledger/domain/rejection.h"

namespace relief {
namespace {

constexpr int64_t kDay = int64_t{86400} * 1000000;
// 2026-01-01 00:00 China time.
constexpr int64_t kStart = int64_t{1'767'196'800} * 1000000;

struct ModelGrant {
  std::string person;  // national-id hash
  std::string dossier;
  std::string program;
  int year;
  std::string proposer;
  bool pending = true;
};

void RunSeed(uint64_t seed) {
  SCOPED_TRACE("RELIEF_SEED=" + std::to_string(seed));
  std::printf("grants property test seed: %llu\n",
              static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  auto pick = [&](uint64_t n) { return rng() % n; };

  State state;
  uint64_t sequence = 0;
  int64_t now = kStart;
  std::vector<v1::Event> expired;  // what the writer voided on its own
  auto apply = [&](const v1::Command& c, const std::string& actor,
                   std::vector<v1::Event>* out = nullptr) {
    std::vector<v1::Event> events;
    // Time passes and the writer voids what expired, as it does live.
    DecideExpiries(state, now, &events);
    for (const auto& e : events) Evolve(state, e, ++sequence);
    expired.insert(expired.end(), events.begin(), events.end());
    if (out) out->clear();
    events.clear();
    CommandContext context{actor, now, {}, sequence};
    absl::Status s = Decide(state, c, context, &events);
    if (s.ok()) {
      for (const auto& e : events) Evolve(state, e, ++sequence);
      if (out) out->insert(out->end(), events.begin(), events.end());
    }
    state.ForgetUndo();
    return s;
  };

  // Units and money.
  for (const char* code : {"u", "u.a", "u.b"}) {
    v1::Command c;
    auto* r = c.mutable_register_org_unit();
    r->set_request_id(code);
    r->set_code(code);
    r->set_name_zh("工会");
    r->set_level(std::string(code) == "u" ? v1::ORG_LEVEL_PROVINCE
                                          : v1::ORG_LEVEL_CITY);
    if (std::string(code) != "u") r->set_parent_code("u");
    ASSERT_TRUE(apply(c, "admin").ok());
    for (int s = 1; s <= 4; ++s) {
      v1::Command m;
      auto* f = m.mutable_receive_funds();
      f->set_request_id("m");
      f->set_unit_code(code);
      f->set_fund_source(static_cast<v1::FundSource>(s));
      f->set_amount_fen(5'000'000);
      f->set_payer("p");
      ASSERT_TRUE(apply(m, "fin").ok());
    }
  }
  const std::vector<std::string> units = {"u", "u.a", "u.b"};
  const std::vector<std::string> programs = {"festival", "education", "living"};
  const std::vector<std::string> officers = {"li", "wang", "zhang"};
  std::map<std::string, std::vector<v1::ProgramPolicySet>> policies;
  auto set_policy = [&](const std::string& program, int date) {
    v1::Command c;
    c.mutable_set_program_policy()->set_request_id("p");
    auto* p = c.mutable_set_program_policy()->mutable_policy();
    p->set_program(program);
    p->set_name_zh("项目");
    p->set_effective_date(date);
    p->set_min_amount_fen(10'000);
    p->set_max_amount_fen(100'000);
    p->set_grants_per_year(1 + pick(3));
    p->add_fund_sources(static_cast<v1::FundSource>(1 + pick(4)));
    if (pick(2)) p->add_fund_sources(static_cast<v1::FundSource>(1 + pick(4)));
    if (pick(3) == 0) p->add_eligible_categories(v1::HARDSHIP_CATEGORY_DISABILITY);
    p->set_notice_days(pick(4));
    p->set_expiry_days(p->notice_days() + 1 + pick(10));
    p->set_allow_cash(true);
    if (apply(c, "fin").ok()) policies[program].push_back(*p);
  };
  for (const auto& program : programs) set_policy(program, 20260101);

  // Dossiers: several people, some registered twice (rejected).
  std::vector<std::string> dossiers;
  std::map<std::string, std::string> person_of;
  std::map<std::string, bool> active;
  std::map<std::string, v1::HardshipCategory> category_of;
  for (int i = 0; i < 12; ++i) {
    v1::Command c;
    auto* d = c.mutable_register_dossier();
    d->set_request_id("d");
    d->set_unit_code(units[pick(units.size())]);
    d->set_name("某某");
    const auto category = pick(2) ? v1::HARDSHIP_CATEGORY_DISABILITY
                                  : v1::HARDSHIP_CATEGORY_SINGLE_PARENT;
    d->set_category(category);
    d->set_household_size(2);
    d->set_national_id_hmac(std::string(32, static_cast<char>('A' + i % 10)));
    d->set_national_id_masked("370802********1232");
    std::vector<v1::Event> events;
    if (apply(c, "fin", &events).ok()) {
      const auto& e = events.back().dossier_registered();
      dossiers.push_back(e.dossier_id());
      person_of[e.dossier_id()] = e.national_id_hmac();
      active[e.dossier_id()] = true;
      category_of[e.dossier_id()] = category;
    }
  }
  ASSERT_EQ(dossiers.size(), 10u);  // two were the same people again

  auto in_force = [&](const std::string& program,
                      int date) -> const v1::ProgramPolicySet* {
    const v1::ProgramPolicySet* found = nullptr;
    for (const auto& p : policies[program]) {
      if (p.effective_date() <= date &&
          (found == nullptr || p.effective_date() >= found->effective_date())) {
        found = &p;
      }
    }
    return found;
  };

  std::map<std::string, ModelGrant> grants;
  // Model tally: person/program/year -> counted grants + external aid.
  std::map<std::tuple<std::string, std::string, int>, uint32_t> tally;
  int accepted_proposals = 0, accepted_posts = 0, rejected = 0;
  // Expiries the writer decided (before the command, in the same apply)
  // count as voids in the model; settled before the model judges the
  // command, since an expiry can free a slot under the yearly limit.
  auto settle_expired = [&] {
    for (const auto& e : expired) {
      ASSERT_TRUE(e.grant_voided().expired());
      auto& g = grants[e.grant_voided().grant_id()];
      ASSERT_TRUE(g.pending);
      g.pending = false;
      --tally[{g.person, g.program, g.year}];
    }
    expired.clear();
  };

  for (int n = 0; n < 4000; ++n) {
    if (pick(6) == 0) now += pick(3) * kDay + pick(kDay);
    const std::string actor = officers[pick(officers.size())];
    std::vector<v1::Event> events;
    v1::Command c;
    const int kind = static_cast<int>(pick(100));
    if (kind < 40 || grants.empty()) {
      const std::string dossier = dossiers[pick(dossiers.size())];
      const std::string program = programs[pick(programs.size())];
      auto* g = c.mutable_propose_grant();
      g->set_request_id("g");
      g->set_dossier_id(dossier);
      g->set_program(program);
      g->set_unit_code(units[pick(units.size())]);
      g->set_fund_source(static_cast<v1::FundSource>(1 + pick(4)));
      g->set_amount_fen(5'000 + static_cast<int64_t>(pick(120'000)));
      absl::Status s = apply(c, actor, &events);
      ASSERT_NO_FATAL_FAILURE(settle_expired());
      if (s.ok()) {
        ++accepted_proposals;
        const auto& e = events.back().grant_proposed();
        const int date = DateOf(now);
        const v1::ProgramPolicySet* policy = in_force(program, date);
        ASSERT_NE(policy, nullptr);
        ASSERT_TRUE(active[dossier]) << "aid without an active dossier";
        const auto& sources = policy->fund_sources();
        ASSERT_NE(std::find(sources.begin(), sources.end(), e.fund_source()),
                  sources.end())
            << "drew from a disallowed source";
        auto& count = tally[{person_of[dossier], program, e.year()}];
        ASSERT_LT(count, policy->grants_per_year()) << "yearly limit exceeded";
        ++count;
        grants[e.grant_id()] = {person_of[dossier], dossier, program, e.year(),
                                actor};
      } else {
        ++rejected;
      }
    } else if (kind < 70) {
      // Mostly grants still pending (the interesting case), some others.
      std::vector<std::string> pending;
      for (const auto& [id, g] : grants) {
        if (g.pending) pending.push_back(id);
      }
      auto it = grants.begin();
      if (!pending.empty() && pick(5) != 0) {
        it = grants.find(pending[pick(pending.size())]);
      } else {
        std::advance(it, pick(grants.size()));
      }
      auto* p = c.mutable_post_grant();
      p->set_request_id("post");
      p->set_grant_id(it->first);
      absl::Status s = apply(c, actor, &events);
      if (s.ok()) {
        ++accepted_posts;
        ASSERT_TRUE(it->second.pending) << "posted twice";
        ASSERT_NE(actor, it->second.proposer) << "paid by its proposer";
        ASSERT_TRUE(active[it->second.dossier]) << "paid without a dossier";
        it->second.pending = false;
      } else {
        ++rejected;
      }
    } else if (kind < 80) {
      auto it = grants.begin();
      std::advance(it, pick(grants.size()));
      auto* v = c.mutable_void_grant();
      v->set_request_id("v");
      v->set_grant_id(it->first);
      v->set_reason("异议");
      if (apply(c, actor, &events).ok()) {
        ASSERT_TRUE(it->second.pending);
        it->second.pending = false;
        --tally[{it->second.person, it->second.program, it->second.year}];
      } else {
        ++rejected;
      }
    } else if (kind < 88) {
      const std::string dossier = dossiers[pick(dossiers.size())];
      if (active[dossier]) {
        auto* x = c.mutable_exit_dossier();
        x->set_request_id("x");
        x->set_dossier_id(dossier);
        x->set_reason("脱困");
      } else {
        auto* r = c.mutable_reactivate_dossier();
        r->set_request_id("r");
        r->set_dossier_id(dossier);
        r->set_reason("again");
      }
      ASSERT_TRUE(apply(c, actor, &events).ok());
      active[dossier] = !active[dossier];
    } else if (kind < 94) {
      const std::string dossier = dossiers[pick(dossiers.size())];
      const std::string program = programs[pick(programs.size())];
      auto* a = c.mutable_record_external_aid();
      a->set_request_id("a");
      a->set_dossier_id(dossier);
      a->set_program(program);
      a->set_year(YearOf(now));
      a->set_provider("民政局");
      a->set_amount_fen(10'000);
      ASSERT_TRUE(apply(c, actor, &events).ok());
      ++tally[{person_of[dossier], program, YearOf(now)}];
    } else {
      set_policy(programs[pick(programs.size())], DateOf(now));
    }
    ASSERT_NO_FATAL_FAILURE(settle_expired());
    // The books: per source debits = credits; no pool overdrawn.
    storage::v1::Snapshot snapshot;
    state.ExportTo(&snapshot);
    std::map<int, std::pair<int64_t, int64_t>> sums;
    for (const auto& b : snapshot.balances()) {
      sums[b.fund_source()].first += b.posted_debits_fen() + b.pending_debits_fen();
      sums[b.fund_source()].second +=
          b.posted_credits_fen() + b.pending_credits_fen();
      auto id = ParseAccountName(b.account());
      ASSERT_TRUE(id.ok());
      if (id->kind == AccountKind::kPool) {
        ASSERT_LE(b.posted_debits_fen() + b.pending_debits_fen(),
                  b.posted_credits_fen())
            << b.account();
      }
    }
    for (const auto& [source, s] : sums) ASSERT_EQ(s.first, s.second);
    // The model's tally agrees with the write model's.
    for (const auto& [key, count] : tally) {
      ASSERT_EQ(state.AidCount(std::get<0>(key), std::get<1>(key),
                               std::get<2>(key)),
                count)
          << "command " << n << " kind " << kind << " program "
          << std::get<1>(key) << " year " << std::get<2>(key);
    }
  }
  std::printf("proposals accepted %d, posts %d, rejections %d\n",
              accepted_proposals, accepted_posts, rejected);
  EXPECT_GT(accepted_proposals, 50);
  EXPECT_GT(accepted_posts, 20);
  EXPECT_GT(rejected, 200);
}

// Fixed seeds, so a run of the suite is repeatable; RELIEF_SEED=<n> runs
// another one instead.
TEST(GrantsPropertyTest, RulesHoldForRandomCommands) {
  std::vector<uint64_t> seeds = {
      20261124,
      3676262237,  // an expiry freeing a slot in the same step (model bug)
      1, 2, 3};
  if (const char* env = std::getenv("RELIEF_SEED")) seeds = {std::stoull(env)};
  for (uint64_t seed : seeds) {
    RunSeed(seed);
    if (HasFatalFailure()) return;
  }
}

}  // namespace
}  // namespace relief
