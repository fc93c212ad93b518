#include "ledger/writer/writer.h"

#include <atomic>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "ledger/domain/rejection.h"

namespace relief {
namespace {

std::string TempDir() {
  std::string pattern = ::testing::TempDir() + "/writer_XXXXXX";
  EXPECT_NE(mkdtemp(pattern.data()), nullptr);
  return pattern;
}

v1::Command Register(std::string code, std::string parent = "",
                     std::string request_id = "") {
  v1::Command c;
  auto* r = c.mutable_register_org_unit();
  r->set_request_id(request_id.empty() ? "req-" + code : request_id);
  r->set_code(code);
  r->set_name_zh("工会 " + code);
  r->set_level(parent.empty() ? v1::ORG_LEVEL_PROVINCE
                              : v1::ORG_LEVEL_CITY);
  r->set_parent_code(parent);
  return c;
}

Submission Of(std::vector<v1::Command> commands) {
  Submission s;
  s.actor = "tester";
  s.commands = std::move(commands);
  return s;
}

class WriterTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = TempDir(); Open(); }
  void Open(WriterOptions options = {}) {
    writer_.reset();
    log_.reset();
    auto log = EventLog::Open(dir_);
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = *std::move(log);
    options.clock = [this] { return now_.load(); };
    auto writer = Writer::Start(log_.get(), std::move(options), nullptr);
    ASSERT_TRUE(writer.ok()) << writer.status();
    writer_ = *std::move(writer);
  }
  std::string ExportState(bool use_snapshot) {
    // Reads the state the way start-up does, via a second writer instance.
    writer_.reset();
    WriterOptions options;
    options.use_snapshot = use_snapshot;
    options.snapshot_on_stop = false;
    options.clock = [this] { return now_.load(); };
    struct Capture : CommitListener {
      std::string state;
      void OnCommitted(const State& s, const LogHead&,
                       const std::vector<v1::EventEnvelope>&) override {
        storage::v1::Snapshot snap;
        s.ExportTo(&snap);
        state = snap.SerializeAsString();
      }
      void OnWriterFailed(const absl::Status&) override {}
    } capture;
    auto w = Writer::Start(log_.get(), options, &capture);
    EXPECT_TRUE(w.ok()) << w.status();
    loaded_snapshot_ = (*w)->loaded_snapshot();
    replayed_ = (*w)->replayed_events();
    return capture.state;
  }

  std::string dir_;
  std::atomic<int64_t> now_{1'700'000'000'000'000};
  std::unique_ptr<EventLog> log_;
  std::unique_ptr<Writer> writer_;
  bool loaded_snapshot_ = false;
  uint64_t replayed_ = 0;
};

TEST_F(WriterTest, AppliesAndChains) {
  auto r = writer_->SubmitAndWait(Of({Register("shandong")}));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)[0].first_sequence(), 1u);
  EXPECT_EQ((*r)[0].recorded_at_unix_micros(), now_.load());
  r = writer_->SubmitAndWait(
      Of({Register("shandong.jining", "shandong"),
          Register("shandong.heze", "shandong")}));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)[1].first_sequence(), 3u);
  EXPECT_EQ(writer_->Status().head.sequence, 3u);
  EXPECT_TRUE(log_->Verify().ok);
}

TEST_F(WriterTest, TimeNeverRunsBackwards) {
  ASSERT_TRUE(writer_->SubmitAndWait(Of({Register("a")})).ok());
  now_ -= 5'000'000;
  auto r = writer_->SubmitAndWait(Of({Register("b")}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].recorded_at_unix_micros(), now_.load() + 5'000'000);
}

TEST_F(WriterTest, SubmissionIsAllOrNothing) {
  ASSERT_TRUE(writer_->SubmitAndWait(Of({Register("shandong")})).ok());
  auto r = writer_->SubmitAndWait(
      Of({Register("shandong.a", "shandong"), Register("shandong.b", "shandong"),
          Register("henan.c", "henan")}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(r.status()), v1::ORG_PARENT_NOT_FOUND);
  EXPECT_EQ(r.status().message().substr(0, 10), "command 2:");
  EXPECT_EQ(writer_->Status().head.sequence, 1u);
  // The rolled-back units are free to register, and the request ids too.
  r = writer_->SubmitAndWait(Of({Register("shandong.a", "shandong")}));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)[0].first_sequence(), 2u);
  EXPECT_FALSE((*r)[0].replayed());
}

TEST_F(WriterTest, IdempotentAcrossRestart) {
  auto first = writer_->SubmitAndWait(Of({Register("shandong")}));
  ASSERT_TRUE(first.ok());
  auto again = writer_->SubmitAndWait(Of({Register("shandong")}));
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE((*again)[0].replayed());
  EXPECT_EQ((*again)[0].first_sequence(), (*first)[0].first_sequence());
  Open();
  again = writer_->SubmitAndWait(Of({Register("shandong")}));
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE((*again)[0].replayed());
  EXPECT_EQ(writer_->Status().head.sequence, 1u);
  auto other = writer_->SubmitAndWait(Of({Register("henan", "", "req-shandong")}));
  EXPECT_EQ(other.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ReasonOf(other.status()), v1::REQUEST_ID_REUSED);
  EXPECT_EQ(writer_->Status().head.sequence, 1u);
}

TEST_F(WriterTest, ConcurrentSubmittersGetDistinctSequences) {
  constexpr int kThreads = 8, kPerThread = 200;
  ASSERT_TRUE(writer_->SubmitAndWait(Of({Register("root")})).ok());
  std::vector<std::thread> threads;
  std::vector<std::vector<uint64_t>> seen(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string code = "root.t" + std::to_string(t) + "-" + std::to_string(i);
        auto r = writer_->SubmitAndWait(Of({Register(code, "root")}));
        ASSERT_TRUE(r.ok()) << r.status();
        seen[t].push_back((*r)[0].first_sequence());
      }
    });
  }
  for (auto& t : threads) t.join();
  std::vector<bool> hit(kThreads * kPerThread + 2, false);
  for (const auto& v : seen) {
    for (uint64_t s : v) {
      ASSERT_GE(s, 2u);
      ASSERT_FALSE(hit[s]) << "sequence " << s << " given twice";
      hit[s] = true;
    }
  }
  EXPECT_EQ(writer_->Status().head.sequence, uint64_t{kThreads * kPerThread + 1});
  EXPECT_LT(writer_->Status().groups_committed, uint64_t{kThreads * kPerThread + 1})
      << "expected group commit to merge concurrent submissions";
  EXPECT_TRUE(log_->Verify().ok);
}

TEST_F(WriterTest, QueueFullIsResourceExhausted) {
  WriterOptions options;
  options.queue_capacity_commands = 1;
  Open(options);
  absl::Status s = writer_->Submit(Of({Register("a"), Register("b")}));
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ReasonOf(s), v1::QUEUE_FULL);
  EXPECT_EQ(writer_->Status().head.sequence, 0u);
}

TEST_F(WriterTest, FailedWriteIsSticky) {
  ASSERT_TRUE(writer_->SubmitAndWait(Of({Register("a")})).ok());
  log_->FailWritesForTesting(absl::UnavailableError("injected: no space left"));
  auto r = writer_->SubmitAndWait(Of({Register("b")}));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ReasonOf(r.status()), v1::WRITER_STOPPED);
  EXPECT_EQ(writer_->Status().phase, WriterStatus::Phase::kFailed);
  log_->FailWritesForTesting(absl::OkStatus());
  // Still refused: only a restart clears the failure.
  r = writer_->SubmitAndWait(Of({Register("c")}));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(writer_->Status().head.sequence, 1u);
  Open();
  r = writer_->SubmitAndWait(Of({Register("b")}));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)[0].first_sequence(), 2u);
}

TEST_F(WriterTest, SnapshotPlusTailEqualsFullReplay) {
  WriterOptions options;
  options.snapshot_every_events = 7;
  options.snapshot_on_stop = false;
  Open(options);
  ASSERT_TRUE(writer_->SubmitAndWait(Of({Register("root")})).ok());
  for (int i = 0; i < 30; ++i) {
    std::vector<v1::Command> commands;
    for (int j = 0; j < 1 + i % 3; ++j) {
      commands.push_back(Register(
          "root.u" + std::to_string(i) + "-" + std::to_string(j), "root"));
    }
    ASSERT_TRUE(writer_->SubmitAndWait(Of(std::move(commands))).ok());
  }
  uint64_t head = writer_->Status().head.sequence;
  std::string from_snapshot = ExportState(true);
  EXPECT_TRUE(loaded_snapshot_);
  EXPECT_LT(replayed_, head);
  EXPECT_GT(replayed_, 0u) << "the test should cover a non-empty tail";
  std::string full = ExportState(false);
  EXPECT_FALSE(loaded_snapshot_);
  EXPECT_EQ(replayed_, head);
  EXPECT_EQ(from_snapshot, full);
}

TEST_F(WriterTest, MismatchedSnapshotFallsBackToFullReplay) {
  ASSERT_TRUE(writer_->SubmitAndWait(Of({Register("root")})).ok());
  ASSERT_TRUE(writer_->SubmitAndWait(Of({Register("root.a", "root")})).ok());
  writer_->Stop();  // writes a snapshot at 2
  auto snapshot = log_->LoadSnapshot();
  ASSERT_TRUE(snapshot.ok() && snapshot->has_value());
  (*snapshot)->set_hash(std::string(32, 'x'));
  (*snapshot)->clear_org_units();  // would lose units if it were trusted
  ASSERT_TRUE(log_->SaveSnapshot(**snapshot).ok());
  std::string state = ExportState(true);
  EXPECT_FALSE(loaded_snapshot_);
  EXPECT_EQ(replayed_, 2u);
  EXPECT_EQ(state, ExportState(false));
}

TEST_F(WriterTest, WriterVoidsExpiredProposalsFromItsClock) {
  ASSERT_TRUE(writer_->SubmitAndWait(Of({Register("sd")})).ok());
  v1::Command money;
  auto* m = money.mutable_receive_funds();
  m->set_request_id("m");
  m->set_unit_code("sd");
  m->set_fund_source(v1::FUND_SOURCE_DONATIONS);
  m->set_amount_fen(1'000'000);
  m->set_payer("企业");
  v1::Command policy;
  policy.mutable_set_program_policy()->set_request_id("p");
  auto* p = policy.mutable_set_program_policy()->mutable_policy();
  p->set_program("living");
  p->set_name_zh("生活救助");
  p->set_effective_date(20230101);
  p->set_min_amount_fen(1);
  p->set_max_amount_fen(100'000);
  p->set_grants_per_year(3);
  p->add_fund_sources(v1::FUND_SOURCE_DONATIONS);
  p->set_notice_days(1);
  p->set_expiry_days(2);
  p->set_allow_cash(true);
  v1::Command dossier;
  auto* d = dossier.mutable_register_dossier();
  d->set_request_id("d");
  d->set_unit_code("sd");
  d->set_name("孙七");
  d->set_category(v1::HARDSHIP_CATEGORY_OTHER);
  d->set_household_size(1);
  d->set_national_id_hmac(std::string(32, 'h'));
  d->set_national_id_masked("370802********1232");
  auto setup = writer_->SubmitAndWait(Of({money, policy, dossier}));
  ASSERT_TRUE(setup.ok()) << setup.status();
  v1::Command grant;
  auto* g = grant.mutable_propose_grant();
  g->set_request_id("g");
  g->set_dossier_id("d" + std::to_string((*setup)[2].first_sequence()));
  g->set_program("living");
  g->set_unit_code("sd");
  g->set_fund_source(v1::FUND_SOURCE_DONATIONS);
  g->set_amount_fen(50'000);
  auto proposed = writer_->SubmitAndWait(Of({grant}));
  ASSERT_TRUE(proposed.ok()) << proposed.status();
  const uint64_t grant_sequence = (*proposed)[0].first_sequence();

  // Two days later the next group begins by voiding the proposal, as
  // "system", before the command that woke the writer.
  now_ += int64_t{2} * 86400 * 1000000;
  auto next = writer_->SubmitAndWait(Of({Register("hn")}));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ((*next)[0].first_sequence(), grant_sequence + 2);
  std::vector<v1::EventEnvelope> tail;
  ASSERT_TRUE(log_->List(grant_sequence, 0, false, 10,
                         [&](v1::EventEnvelope e) { tail.push_back(e); })
                  .ok());
  ASSERT_EQ(tail.size(), 2u);
  EXPECT_EQ(tail[0].actor(), "system");
  EXPECT_TRUE(tail[0].event().grant_voided().expired());
  EXPECT_EQ(tail[0].event().grant_voided().grant_id(),
            "g" + std::to_string(grant_sequence));
  EXPECT_TRUE(log_->Verify().ok);
}

TEST_F(WriterTest, StopRefusesNewWork) {
  writer_->Stop();
  absl::Status s = writer_->Submit(Of({Register("a")}));
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ReasonOf(s), v1::SHUTTING_DOWN);
}

}  // namespace
}  // namespace relief
