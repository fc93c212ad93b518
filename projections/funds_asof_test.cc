// The as-of fold, the trial balance and the reconcile, on a log written
// directly (a valid hash chain, events of every kind that carries postings:
// receipts of cash and goods, allocations and their reversals, grants
// reserved, posted and voided from pools and goods, loans lent, repaid with
// interest, reversed, written off and recovered).
//
// The live projections run over the log in steps; at random points the test
// captures what they hold, then folds the log to each point and requires the
// same rows, byte for byte. Reproduce a failure with RELIEF_SEED=<seed>.
#include "projections/funds_asof.h"

#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/arena.h"
#include "gtest/gtest.h"
#include "ledger/domain/rejection.h"
#include "ledger/store/sha256.h"
#include "projections/funds_asof_testing.h"
#include "projections/funds_projections.h"
#include "projections/org_units_projection.h"
#include "projections/projection_runner.h"
#include "projections/reconcile.h"
#include "rocksdb/write_batch.h"

namespace relief {
namespace {

constexpr int64_t kStart = 1'767'225'600'000'000;  // 2026-01-01 08:00 CST

std::vector<std::unique_ptr<Projection>> MoneyProjections() {
  std::vector<std::unique_ptr<Projection>> p;
  p.push_back(std::make_unique<OrgUnitsProjection>());
  p.push_back(std::make_unique<AccountsProjection>());
  p.push_back(std::make_unique<FundSummaryProjection>());
  p.push_back(std::make_unique<MatchingProjection>());
  return p;
}

std::string TempDir(const std::string& name) {
  std::string dir = ::testing::TempDir() + "/" + name + "_XXXXXX";
  EXPECT_NE(mkdtemp(dir.data()), nullptr);
  return dir;
}

const char* Slug(v1::FundSource s) {
  switch (s) {
    case v1::FUND_SOURCE_FEDERATION_ALLOCATION: return "federation";
    case v1::FUND_SOURCE_GOVERNMENT_MATCHING: return "government";
    case v1::FUND_SOURCE_DONATIONS: return "donations";
    default: return "own_funds";
  }
}

v1::Posting MakePosting(const std::string& debit, const std::string& credit,
                        int64_t amount, v1::FundSource source,
                        v1::PostingPhase phase = v1::POSTING_PHASE_POSTED) {
  v1::Posting p;
  p.set_debit_account(debit);
  p.set_credit_account(credit);
  p.set_amount_fen(amount);
  p.set_fund_source(source);
  p.set_phase(phase);
  return p;
}

v1::Posting Swapped(const v1::Posting& p) {
  v1::Posting s = p;
  s.set_debit_account(p.credit_account());
  s.set_credit_account(p.debit_account());
  return s;
}

// Appends events to a log with a valid chain.
class LogWriter {
 public:
  explicit LogWriter(EventLog* log) : log_(log), hash_(GenesisHash()) {}
  // Appends `event` recorded at `at`; returns its sequence.
  uint64_t Append(v1::Event event, int64_t at) {
    v1::EventEnvelope e;
    e.set_sequence(++sequence_);
    e.set_recorded_at_unix_micros(at);
    e.set_actor("test");
    e.set_request_id(absl::StrCat("r", sequence_));
    e.set_previous_hash(hash_);
    *e.mutable_event() = std::move(event);
    const std::string payload = e.SerializeAsString();
    hash_ = Sha256(hash_, payload);
    batch_.Put(log_->events(), EncodeSequenceKey(sequence_),
               EncodeEventValue(hash_, payload));
    if (batch_.Count() >= 10000) Flush();
    return sequence_;
  }
  void Flush() {
    ASSERT_TRUE(log_->Write(&batch_, false).ok());
    batch_.Clear();
  }
  uint64_t sequence() const { return sequence_; }

 private:
  EventLog* log_;
  std::string hash_;
  uint64_t sequence_ = 0;
  rocksdb::WriteBatch batch_;
};

// Random money events over a small tree: the projections never check
// balances, so amounts need not be coverable; every classification rule of
// the summary is exercised.
class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  void RegisterUnits(LogWriter& w, int64_t at) {
    for (const auto& [code, parent] : kUnits) {
      v1::Event e;
      auto* r = e.mutable_org_unit_registered();
      r->set_code(code);
      r->set_name_zh("工会");
      r->set_parent_code(parent);
      r->set_level(parent.empty() ? v1::ORG_LEVEL_PROVINCE
                                  : v1::ORG_LEVEL_CITY);
      w.Append(std::move(e), at);
    }
  }

  // One random event.
  v1::Event Next() {
    const auto source = static_cast<v1::FundSource>(1 + Pick(4));
    const std::string s = Slug(source);
    const std::string unit = kUnits[Pick(kUnits.size())].first;
    const int64_t amount = 1 + static_cast<int64_t>(Pick(5'000'000));
    const std::string pool = absl::StrCat(unit, "/", s, "/pool");
    const std::string external = absl::StrCat("external/", s);
    v1::Event e;
    switch (Pick(12)) {
      case 0: case 1: {  // receipt, cash or goods
        auto* r = e.mutable_funds_received();
        r->set_unit_code(unit);
        r->set_amount_fen(amount);
        const bool goods = Pick(4) == 0;
        *r->add_postings() = MakePosting(
            external, goods ? absl::StrCat(unit, "/", s, "/goods") : pool,
            amount, source);
        reversible_.push_back(r->postings(0));
        break;
      }
      case 2: {  // allocation to a direct child
        const auto& [child, parent] = kUnits[1 + Pick(kUnits.size() - 1)];
        auto* a = e.mutable_funds_allocated();
        *a->add_postings() =
            MakePosting(absl::StrCat(parent, "/", s, "/pool"),
                        absl::StrCat(child, "/", s, "/pool"), amount, source);
        reversible_.push_back(a->postings(0));
        break;
      }
      case 3: {  // reversal of a receipt or an allocation
        if (reversible_.empty()) return Next();
        auto* r = e.mutable_event_reversed();
        *r->add_postings() = Swapped(reversible_[Pick(reversible_.size())]);
        break;
      }
      case 4: case 5: {  // grant proposed (cash or goods)
        const bool goods = Pick(5) == 0;
        auto* g = e.mutable_grant_proposed();
        *g->add_postings() = MakePosting(
            goods ? absl::StrCat(unit, "/", s, "/goods") : pool,
            absl::StrCat(unit, "/", s, "/grants/", Pick(2) ? "festival"
                                                           : "education"),
            amount, source, v1::POSTING_PHASE_PENDING);
        pending_.push_back(g->postings(0));
        break;
      }
      case 6: {  // grant posted or voided
        if (pending_.empty()) return Next();
        const size_t i = Pick(pending_.size());
        v1::Posting p = pending_[i];
        pending_.erase(pending_.begin() + static_cast<long>(i));
        if (Pick(3) == 0) {
          p.set_phase(v1::POSTING_PHASE_VOID_PENDING);
          *e.mutable_grant_voided()->add_postings() = p;
        } else {
          p.set_phase(v1::POSTING_PHASE_POST_PENDING);
          *e.mutable_grant_posted()->add_postings() = p;
        }
        break;
      }
      case 7: {  // loan disbursed
        *e.mutable_loan_disbursed()->add_postings() = MakePosting(
            pool, absl::StrCat(unit, "/", s, "/loans_receivable"), amount,
            source);
        loan_units_.push_back({unit, source});
        break;
      }
      case 8: case 9: {  // repayment: principal and interest, or recovery
        if (loan_units_.empty()) return Next();
        const auto& [u, src] = loan_units_[Pick(loan_units_.size())];
        const std::string ss = Slug(src);
        const std::string upool = absl::StrCat(u, "/", ss, "/pool");
        auto* r = e.mutable_loan_repayment_recorded();
        if (Pick(4) == 0) {
          r->set_recovery(true);
          *r->add_postings() = MakePosting(
              absl::StrCat(u, "/", ss, "/loan_losses"), upool, amount, src);
        } else {
          *r->add_postings() = MakePosting(
              absl::StrCat(u, "/", ss, "/loans_receivable"), upool, amount,
              src);
          if (Pick(2) == 0) {
            *r->add_postings() = MakePosting(absl::StrCat("external/", ss),
                                             upool, amount / 20 + 1, src);
          }
        }
        repayments_.push_back(*r);
        break;
      }
      case 10: {  // repayment reversed (bounced)
        if (repayments_.empty()) return Next();
        const auto& repayment = repayments_[Pick(repayments_.size())];
        auto* r = e.mutable_loan_repayment_reversed();
        for (const auto& p : repayment.postings()) *r->add_postings() = Swapped(p);
        break;
      }
      default: {  // written off
        if (loan_units_.empty()) return Next();
        const auto& [u, src] = loan_units_[Pick(loan_units_.size())];
        const std::string ss = Slug(src);
        *e.mutable_loan_written_off()->add_postings() = MakePosting(
            absl::StrCat(u, "/", ss, "/loans_receivable"),
            absl::StrCat(u, "/", ss, "/loan_losses"), amount, src);
      }
    }
    return e;
  }

  uint64_t Pick(uint64_t n) { return rng_() % n; }

  static inline const std::vector<std::pair<std::string, std::string>> kUnits =
      {{"sd", ""},          {"sd.jn", "sd"},       {"sd.jn.zc", "sd.jn"},
       {"sd.jnx", "sd"},    {"sd.qd", "sd"},       {"sd.jn.zc.a", "sd.jn.zc"}};

 private:
  std::mt19937_64 rng_;
  std::vector<v1::Posting> reversible_;
  std::vector<v1::Posting> pending_;
  std::vector<std::pair<std::string, v1::FundSource>> loan_units_;
  std::vector<v1::LoanRepaymentRecorded> repayments_;
};

uint64_t Seed() {
  uint64_t seed = 20261124;
  if (const char* env = std::getenv("RELIEF_SEED")) seed = std::stoull(env);
  return seed;
}

class FundsAsOfTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = TempDir("funds_asof");
    auto log = EventLog::Open(dir_);
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = *std::move(log);
  }
  void TearDown() override {
    log_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // Writes `events` random events after the units, one group of 1..20 events
  // per timestamp (so several events share a time), and returns the time of
  // each sequence (index 0 unused).
  std::vector<int64_t> WriteRandomLog(uint64_t seed, int events) {
    Generator gen(seed);
    LogWriter w(log_.get());
    std::vector<int64_t> at = {0};
    int64_t t = kStart;
    gen.RegisterUnits(w, t);
    at.resize(w.sequence() + 1, t);
    while (static_cast<int>(w.sequence()) < events) {
      t += 1 + static_cast<int64_t>(gen.Pick(3'600'000'000));
      const int group = 1 + static_cast<int>(gen.Pick(20));
      for (int i = 0; i < group; ++i) {
        w.Append(gen.Next(), t);
        at.push_back(t);
      }
    }
    w.Flush();
    return at;
  }

  std::string dir_;
  std::unique_ptr<EventLog> log_;
};

TEST_F(FundsAsOfTest, FoldEqualsTheLiveProjectionAtRandomPoints) {
  const uint64_t seed = Seed();
  SCOPED_TRACE(absl::StrCat("RELIEF_SEED=", seed));
  const std::vector<int64_t> at = WriteRandomLog(seed, 6000);
  const uint64_t head = at.size() - 1;

  // Run the live projections in random steps; capture them at each stop.
  std::mt19937_64 rng(seed ^ 0x5eed);
  ProjectionRunner runner(log_.get(), MoneyProjections());
  ASSERT_TRUE(runner.Start().ok());
  std::map<uint64_t, std::map<std::string, std::string>> captured;
  uint64_t point = 0;
  while (point < head) {
    point = std::min<uint64_t>(head, point + 1 + rng() % 400);
    runner.Notify(point);
    ASSERT_EQ(runner.WaitFor(point, absl::Now() + absl::Seconds(30)), point);
    ASSERT_EQ(runner.applied(), point) << "the runner ran ahead";
    captured[point] = LiveMoneyRows(*log_);
  }
  runner.Stop();
  ASSERT_GT(captured.size(), 10u);

  for (const auto& [sequence, live] : captured) {
    auto folded = FoldedMoneyRows(*log_, sequence);
    ASSERT_TRUE(folded.ok()) << folded.status();
    ASSERT_EQ(folded->size(), live.size()) << "at sequence " << sequence;
    for (const auto& [key, value] : live) {
      auto it = folded->find(key);
      ASSERT_TRUE(it != folded->end())
          << EscapeKey(key) << " missing from the fold at " << sequence;
      ASSERT_TRUE(it->second == value)
          << EscapeKey(key) << " differs at sequence " << sequence;
    }
  }
  // The last capture is the whole log: every kind of row is there.
  const auto& last = captured.rbegin()->second;
  int summary_rows = 0;
  for (const auto& [key, value] : last) {
    summary_rows += absl::StartsWith(key, "fund_summary/") ? 1 : 0;
  }
  EXPECT_GT(summary_rows, 12);
}

TEST_F(FundsAsOfTest, FoldGivesTheSameSummaryAndUnitsAsTheViews) {
  const std::vector<int64_t> at = WriteRandomLog(Seed(), 1500);
  const uint64_t head = at.size() - 1;
  ProjectionRunner runner(log_.get(), MoneyProjections());
  ASSERT_TRUE(runner.Start().ok());
  runner.Notify(head);
  ASSERT_EQ(runner.WaitFor(head, absl::Now() + absl::Seconds(30)), head);
  runner.Stop();

  FundsFold fold;
  ASSERT_TRUE(fold.Run(*log_, head).ok());
  EXPECT_EQ(fold.sequence(), head);
  EXPECT_EQ(fold.recorded_at_unix_micros(), at[head]);
  FundsView view(log_.get());
  OrgUnitsView units(log_.get());
  for (const auto& [code, parent] : Generator::kUnits) {
    for (bool subtree : {false, true}) {
      std::vector<std::string> live_codes;
      std::string next;
      auto page = units.List(subtree ? code : "", true, "", 1000, &next);
      ASSERT_TRUE(page.ok());
      for (const auto& u : *page) {
        if (subtree || u.code() == code) live_codes.push_back(u.code());
      }
      if (!subtree) live_codes = {code};
      EXPECT_EQ(fold.UnitsOf(code, subtree), live_codes) << code;
      auto live = view.Summary(live_codes, code);
      auto folded = fold.Summary(fold.UnitsOf(code, subtree), code);
      ASSERT_TRUE(live.ok() && folded.ok());
      ASSERT_EQ(live->size(), 4u);
      for (int i = 0; i < 4; ++i) {
        EXPECT_EQ((*live)[i].SerializeAsString(),
                  (*folded)[i].SerializeAsString())
            << code << " subtree " << subtree << " source " << i + 1;
      }
    }
  }
  // "sd.jnx" is not below "sd.jn" although its code starts with it.
  EXPECT_EQ(fold.UnitsOf("sd.jn", true),
            (std::vector<std::string>{"sd.jn", "sd.jn.zc", "sd.jn.zc.a"}));
  EXPECT_FALSE(fold.HasUnit("sd.xx"));
  EXPECT_TRUE(fold.UnitsOf("sd.xx", true).empty());

  // One account only: the same balance as the full fold.
  FundsFold::Options only;
  only.only_account = "sd.jn/donations/pool";
  FundsFold one(only);
  ASSERT_TRUE(one.Run(*log_, head).ok());
  ASSERT_NE(one.Balance("sd.jn/donations/pool"), nullptr);
  EXPECT_EQ(one.balance_count(), 1u);
  EXPECT_EQ(one.Balance("sd.jn/donations/pool")->SerializeAsString(),
            fold.Balance("sd.jn/donations/pool")->SerializeAsString());
  auto live_balance = view.Balance("sd.jn/donations/pool");
  ASSERT_TRUE(live_balance.ok());
  EXPECT_EQ(live_balance->SerializeAsString(),
            one.Balance("sd.jn/donations/pool")->SerializeAsString());
}

TEST_F(FundsAsOfTest, ResolvesPointsBySequenceAndByTime) {
  const std::vector<int64_t> at = WriteRandomLog(Seed(), 500);
  const uint64_t head = at.size() - 1;
  auto resolve = [&](uint64_t sequence, int64_t micros) {
    v1::LogPoint p;
    p.set_sequence(sequence);
    p.set_unix_micros(micros);
    return ResolveLogPoint(*log_, p, head, "as_of");
  };
  // By sequence.
  for (uint64_t s : {uint64_t{1}, uint64_t{7}, head / 2, head}) {
    auto r = resolve(s, 0);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->sequence, s);
    EXPECT_EQ(r->recorded_at_unix_micros, at[s]);
  }
  // By time: the last event recorded at or before it.
  for (uint64_t s = 1; s <= head; s += 1 + s % 13) {
    const int64_t t = at[s];
    uint64_t last = s;
    while (last < head && at[last + 1] <= t) ++last;
    auto exact = resolve(0, t);
    ASSERT_TRUE(exact.ok()) << exact.status();
    EXPECT_EQ(exact->sequence, last) << "time of sequence " << s;
    EXPECT_EQ(exact->recorded_at_unix_micros, t);
    if (last < head) {
      auto between = resolve(0, at[last + 1] - 1);
      ASSERT_TRUE(between.ok());
      EXPECT_EQ(between->sequence, last);
    }
  }
  auto before = resolve(0, at[1] - 1);
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->sequence, 0u);
  EXPECT_EQ(before->recorded_at_unix_micros, 0);
  auto after = resolve(0, at[head] + 1'000'000);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->sequence, head);

  // Bad points.
  auto both = resolve(3, at[3]);
  EXPECT_EQ(both.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReasonOf(both.status()), v1::FIELD_INVALID);
  auto neither = resolve(0, 0);
  EXPECT_EQ(neither.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReasonOf(neither.status()), v1::FIELD_INVALID);
  auto negative = resolve(0, -5);
  EXPECT_EQ(negative.status().code(), absl::StatusCode::kInvalidArgument);
  auto beyond = resolve(head + 1, 0);
  EXPECT_EQ(beyond.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(ReasonOf(beyond.status()), v1::MIN_SEQUENCE_NOT_REACHED);

  // The empty ledger: nothing folded.
  FundsFold empty;
  ASSERT_TRUE(empty.Run(*log_, 0).ok());
  EXPECT_EQ(empty.sequence(), 0u);
  EXPECT_EQ(empty.balance_count(), 0u);
  EXPECT_FALSE(empty.HasUnit("sd"));
}

TEST_F(FundsAsOfTest, TrialBalanceBalancesPerSourceAtEveryPoint) {
  const std::vector<int64_t> at = WriteRandomLog(Seed(), 2000);
  const uint64_t head = at.size() - 1;
  FundsFold fold;
  std::mt19937_64 rng(Seed());
  uint64_t point = 0;
  while (point < head) {
    point = std::min<uint64_t>(head, point + 1 + rng() % 300);
    ASSERT_TRUE(fold.Run(*log_, point).ok());  // continues from the last
    auto tb = TrialBalanceOf(fold, "", false);
    ASSERT_TRUE(tb.ok()) << tb.status();
    EXPECT_EQ(tb->as_of_sequence(), point);
    EXPECT_EQ(tb->as_of_unix_micros(), at[point]);
    ASSERT_EQ(tb->sources_size(), 4);
    for (int i = 0; i < 4; ++i) {
      const auto& s = tb->sources(i);
      EXPECT_EQ(s.fund_source(), static_cast<v1::FundSource>(i + 1));
      EXPECT_TRUE(s.balanced()) << "source " << i + 1 << " at " << point;
      EXPECT_EQ(s.posted_debits_fen(), s.posted_credits_fen());
      EXPECT_EQ(s.pending_debits_fen(), s.pending_credits_fen());
    }
    for (int i = 1; i < tb->lines_size(); ++i) {
      EXPECT_LT(tb->lines(i - 1).balance().account(),
                tb->lines(i).balance().account());
    }
    // The lines are the fold's balances, as GetBalance shows them.
    for (const auto& line : tb->lines()) {
      EXPECT_EQ(line.balance().SerializeAsString(),
                fold.Balance(line.balance().account())->SerializeAsString());
    }
  }
  auto whole = TrialBalanceOf(fold, "", false);
  ASSERT_TRUE(whole.ok());
  int64_t donations_pending = whole->sources(2).pending_debits_fen();
  EXPECT_GT(donations_pending + whole->sources(0).pending_debits_fen() +
                whole->sources(1).pending_debits_fen() +
                whole->sources(3).pending_debits_fen(),
            0)
      << "the log should hold reservations";

  // A unit: its own accounts, no external ones.
  auto unit = TrialBalanceOf(fold, "sd.jn", false);
  ASSERT_TRUE(unit.ok());
  ASSERT_GT(unit->lines_size(), 0);
  for (const auto& line : unit->lines()) {
    EXPECT_TRUE(absl::StartsWith(line.balance().account(), "sd.jn/"))
        << line.balance().account();
  }
  // A subtree: below it by "code.", not "sd.jnx".
  auto subtree = TrialBalanceOf(fold, "sd.jn", true);
  ASSERT_TRUE(subtree.ok());
  bool saw_child = false;
  for (const auto& line : subtree->lines()) {
    const std::string& a = line.balance().account();
    EXPECT_TRUE(absl::StartsWith(a, "sd.jn/") || absl::StartsWith(a, "sd.jn."))
        << a;
    saw_child |= absl::StartsWith(a, "sd.jn.zc");
  }
  EXPECT_TRUE(saw_child);
  EXPECT_GT(subtree->lines_size(), unit->lines_size());
  // The whole tree without external accounts: only the outside world's
  // side is missing, so per source credits - debits of the units equal the
  // external accounts' debits - credits.
  auto root = TrialBalanceOf(fold, "sd", true);
  ASSERT_TRUE(root.ok());
  for (int i = 0; i < 4; ++i) {
    const auto* external = fold.Balance(
        absl::StrCat("external/", Slug(static_cast<v1::FundSource>(i + 1))));
    ASSERT_NE(external, nullptr);
    const auto& s = root->sources(i);
    EXPECT_EQ(s.posted_credits_fen() - s.posted_debits_fen(),
              external->posted_debits_fen() - external->posted_credits_fen());
  }
}

class ReconcileTest : public FundsAsOfTest {
 protected:
  // Builds the live projections to the head.
  void BuildLive(int events) {
    const std::vector<int64_t> at = WriteRandomLog(Seed(), events);
    head_ = at.size() - 1;
    ProjectionRunner runner(log_.get(), MoneyProjections());
    ASSERT_TRUE(runner.Start().ok());
    runner.Notify(head_);
    ASSERT_EQ(runner.WaitFor(head_, absl::Now() + absl::Seconds(30)), head_);
    runner.Stop();
  }
  absl::StatusOr<ReconcileReport> Run(
      std::vector<ReconcileProgress>* progress = nullptr,
      std::function<bool()> cancelled = nullptr) {
    ReconcileOptions options;
    options.scratch_dir = absl::StrCat(dir_, "/reconcile-test-", ++runs_);
    options.progress_events = 1000;
    auto report = ReconcileProjections(
        *log_, MoneyProjections(), options,
        [&](const ReconcileProgress& p) {
          if (progress != nullptr) progress->push_back(p);
        },
        cancelled);
    EXPECT_FALSE(std::filesystem::exists(options.scratch_dir))
        << "the scratch database was left behind";
    return report;
  }
  size_t LiveKeys() {
    size_t n = 0;
    std::unique_ptr<rocksdb::Iterator> it(
        log_->db()->NewIterator(rocksdb::ReadOptions(), log_->projections()));
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
    return n;
  }
  void Put(const std::string& key, const std::string& value) {
    rocksdb::WriteBatch b;
    b.Put(log_->projections(), key, value);
    ASSERT_TRUE(log_->Write(&b, false).ok());
  }
  void Delete(const std::string& key) {
    rocksdb::WriteBatch b;
    b.Delete(log_->projections(), key);
    ASSERT_TRUE(log_->Write(&b, false).ok());
  }
  uint64_t head_ = 0;
  int runs_ = 0;
};

TEST_F(ReconcileTest, CleanLedgerIsOk) {
  BuildLive(5000);
  std::vector<ReconcileProgress> progress;
  auto report = Run(&progress);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok());
  EXPECT_EQ(report->sequence, head_);
  EXPECT_EQ(report->events_replayed, head_);
  EXPECT_EQ(report->keys_compared, LiveKeys());
  EXPECT_EQ(report->differences_total, 0u);
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.back().events_replayed, head_);
  for (const auto& p : progress) EXPECT_EQ(p.sequence, head_);
  EXPECT_GE(progress.size(), 2u) << "progress at least every 1,000 events";
}

TEST_F(ReconcileTest, FindsPlantedDifferences) {
  BuildLive(3000);
  // A bogus key, a changed value, a missing key, a checkpoint behind.
  Put(std::string("accounts/b/zz\x01/bogus", 20), "junk");
  auto balance = FundsView(log_.get()).Balance("sd/donations/pool");
  ASSERT_TRUE(balance.ok());
  v1::AccountBalance changed = *balance;
  changed.set_posted_credits_fen(changed.posted_credits_fen() + 1);
  Put("accounts/b/sd/donations/pool", changed.SerializeAsString());
  std::string summary_key = "fund_summary/sd.jn";
  summary_key.push_back('\0');
  summary_key.push_back('\x03');
  Delete(summary_key);
  Put("checkpoint/matching", EncodeSequenceKey(head_ - 1));

  auto report = Run();
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_FALSE(report->ok());
  EXPECT_EQ(report->sequence, head_);
  EXPECT_EQ(report->differences_total, 4u);
  ASSERT_EQ(report->differences.size(), 4u);
  std::map<std::string, std::pair<std::string, std::string>> by_key;
  for (const auto& d : report->differences) {
    by_key[d.key] = {d.projection, d.problem};
  }
  EXPECT_EQ(by_key["b/zz\\x01/bogus"],
            std::make_pair(std::string("accounts"),
                           std::string("missing in the rebuild")));
  EXPECT_EQ(by_key["b/sd/donations/pool"],
            std::make_pair(std::string("accounts"),
                           std::string("values differ")));
  EXPECT_EQ(by_key["sd.jn\\x00\\x03"],
            std::make_pair(std::string("fund_summary"),
                           std::string("missing in the live read model")));
  EXPECT_EQ(by_key["matching"].first, "checkpoint");
  EXPECT_EQ(by_key["matching"].second,
            absl::StrCat("values differ (live at sequence ", head_ - 1,
                         ", rebuilt to ", head_, ")"));
}

TEST_F(ReconcileTest, KeepsTheFirstThousandDifferencesAndCountsAll) {
  BuildLive(200);
  for (int i = 0; i < 1200; ++i) {
    Put(absl::StrCat("accounts/b/zz/", 10000 + i), "x");
  }
  auto report = Run();
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->differences_total, 1200u);
  EXPECT_EQ(report->differences.size(), 1000u);
}

TEST_F(ReconcileTest, CancelStopsAndCleansUp) {
  BuildLive(9000);
  int polls = 0;
  auto report = Run(nullptr, [&] { return ++polls > 1; });
  EXPECT_EQ(report.status().code(), absl::StatusCode::kCancelled);
}

TEST_F(ReconcileTest, EmptyLedgerIsOk) {
  auto report = Run();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok());
  EXPECT_EQ(report->sequence, 0u);
  EXPECT_EQ(report->keys_compared, 0u);
}

TEST(EscapeKeyTest, EscapesNonPrintableBytesAndBackslash) {
  EXPECT_EQ(EscapeKey("b/sd/donations/pool"), "b/sd/donations/pool");
  EXPECT_EQ(EscapeKey(std::string("u\0\x01\x7f\xff\\z", 7)),
            "u\\x00\\x01\\x7f\\xff\\x5cz");
}

}  // namespace
}  // namespace relief
