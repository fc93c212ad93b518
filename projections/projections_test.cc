#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "ledger/writer/writer.h"
#include "projections/dossiers_projection.h"
#include "projections/grants_projection.h"
#include "ledger/domain/accounts.h"
#include "projections/org_units_projection.h"
#include "projections/projection_runner.h"

namespace relief {
namespace {

v1::Command Register(std::string code, std::string parent = "") {
  v1::Command c;
  auto* r = c.mutable_register_org_unit();
  r->set_request_id("req-" + code);
  r->set_code(code);
  r->set_name_zh("工会");
  r->set_level(parent.empty() ? v1::ORG_LEVEL_PROVINCE : v1::ORG_LEVEL_CITY);
  r->set_parent_code(parent);
  return c;
}

struct Notifier : CommitListener {
  ProjectionRunner* runner = nullptr;
  void OnCommitted(const State&, const LogHead& head,
                   const std::vector<v1::EventEnvelope>&) override {
    if (runner) runner->Notify(head.sequence);
  }
  void OnWriterFailed(const absl::Status&) override {}
};

std::vector<std::unique_ptr<Projection>> All() {
  std::vector<std::unique_ptr<Projection>> p;
  p.push_back(std::make_unique<OrgUnitsProjection>());
  p.push_back(std::make_unique<DossiersProjection>());
  p.push_back(std::make_unique<GrantsProjection>());
  return p;
}

std::string Dump(const EventLog& log) {
  OrgUnitsView view(&log);
  std::string next;
  auto units = view.List("", true, "", 1000, &next);
  EXPECT_TRUE(units.ok());
  std::string out;
  for (const auto& u : *units) out += u.SerializeAsString() + "|";
  return out;
}

// The chunk every projection writes through: reads see the chunk's own
// writes and deletes, then the database; only changed keys leave, once
// each, sorted by key.
TEST(ProjectionChunkTest, ReadsOwnWritesAndDrainsChangesSortedOnce) {
  std::string dir = ::testing::TempDir() + "/chunk_XXXXXX";
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  auto log = EventLog::Open(dir);
  ASSERT_TRUE(log.ok());
  rocksdb::DB* db = (*log)->db();
  rocksdb::ColumnFamilyHandle* family = (*log)->projections();
  ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), family, "p/stored", "old").ok());
  ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), family, "p/gone", "x").ok());

  ProjectionChunk chunk(db, family);
  ProjectionTxn txn(&chunk, "p/");
  ProjectionTxn other(&chunk, "q/");
  EXPECT_EQ(*txn.Get("stored"), std::optional<std::string>("old"));
  EXPECT_EQ(*txn.Get("missing"), std::nullopt);
  EXPECT_EQ(chunk.changed(), 0u);  // reads change nothing
  txn.Put("zeta", "1");
  txn.Put("alpha", "1");
  txn.Put("alpha", "2");  // a busy key: written once
  txn.Put("stored", "new");
  txn.Delete("gone");
  other.Put("alpha", "q");  // another projection's prefix: another key
  EXPECT_EQ(*txn.Get("alpha"), std::optional<std::string>("2"));
  EXPECT_EQ(*txn.Get("stored"), std::optional<std::string>("new"));
  EXPECT_EQ(*txn.Get("gone"), std::nullopt);
  EXPECT_EQ(*other.Get("alpha"), std::optional<std::string>("q"));
  EXPECT_EQ(chunk.changed(), 5u);

  rocksdb::WriteBatch batch;
  ASSERT_TRUE(chunk.Drain(&batch).ok());
  EXPECT_EQ(chunk.changed(), 0u);
  struct Recorder : rocksdb::WriteBatch::Handler {
    std::string ops;
    rocksdb::Status PutCF(uint32_t, const rocksdb::Slice& key,
                          const rocksdb::Slice& value) override {
      ops += "put " + key.ToString() + "=" + value.ToString() + "; ";
      return rocksdb::Status::OK();
    }
    rocksdb::Status DeleteCF(uint32_t, const rocksdb::Slice& key) override {
      ops += "delete " + key.ToString() + "; ";
      return rocksdb::Status::OK();
    }
  } recorder;
  ASSERT_TRUE(batch.Iterate(&recorder).ok());
  EXPECT_EQ(recorder.ops,
            "put p/alpha=2; delete p/gone; put p/stored=new; put p/zeta=1; "
            "put q/alpha=q; ");
  ASSERT_TRUE((*log)->Write(&batch, /*sync=*/false).ok());

  // Drained: the next chunk reads the database, which now holds the changes.
  ProjectionTxn again(&chunk, "p/");
  EXPECT_EQ(*again.Get("stored"), std::optional<std::string>("new"));
  EXPECT_EQ(*again.Get("gone"), std::nullopt);
  EXPECT_EQ(*again.Get("alpha"), std::optional<std::string>("2"));
  log->reset();
  std::filesystem::remove_all(dir);
}

TEST(ProjectionsTest, FollowsWriterAndRebuildsIdentically) {
  std::string dir = ::testing::TempDir() + "/proj_XXXXXX";
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  auto log = EventLog::Open(dir);
  ASSERT_TRUE(log.ok());
  Notifier notifier;
  auto runner = std::make_unique<ProjectionRunner>(log->get(), All());
  notifier.runner = runner.get();
  ASSERT_TRUE(runner->Start().ok());
  auto writer = Writer::Start(log->get(), {}, &notifier);
  ASSERT_TRUE(writer.ok());
  auto submit = [&](std::vector<v1::Command> commands) {
    Submission s;
    s.actor = "t";
    s.commands = std::move(commands);
    return (*writer)->SubmitAndWait(std::move(s));
  };
  ASSERT_TRUE(submit({Register("sd")}).ok());
  ASSERT_TRUE(submit({Register("sd.jn", "sd"), Register("sd.jn-x", "sd"),
                      Register("sd.hz", "sd")})
                  .ok());
  v1::Command deactivate;
  deactivate.mutable_deactivate_org_unit()->set_request_id("d1");
  deactivate.mutable_deactivate_org_unit()->set_code("sd.hz");
  deactivate.mutable_deactivate_org_unit()->set_reason("merged");
  auto last = submit({deactivate});
  ASSERT_TRUE(last.ok());
  uint64_t head = (*last)[0].first_sequence();
  EXPECT_EQ(runner->WaitFor(head, absl::Now() + absl::Seconds(10)), head);

  OrgUnitsView view(log->get());
  auto hz = view.Get("sd.hz");
  ASSERT_TRUE(hz.ok());
  EXPECT_FALSE(hz->active());
  EXPECT_EQ(hz->deactivated_sequence(), head);
  EXPECT_EQ(view.Get("nope").status().code(), absl::StatusCode::kNotFound);

  // Subtree of "sd.jn" must not include its sibling "sd.jn-x".
  std::string next;
  auto sub = view.List("sd.jn", false, "", 100, &next);
  ASSERT_TRUE(sub.ok());
  ASSERT_EQ(sub->size(), 1u);
  EXPECT_EQ((*sub)[0].code(), "sd.jn");
  // Paging: 2 at a time over the active units (sd, sd.jn, sd.jn-x).
  auto page = view.List("", false, "", 2, &next);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 2u);
  ASSERT_FALSE(next.empty());
  auto rest = view.List("", false, next, 2, &next);
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(rest->size(), 1u);
  EXPECT_TRUE(next.empty());

  std::string live = Dump(**log);
  (*writer)->Stop();
  runner->Stop();
  runner.reset();
  // Drop and rebuild from sequence 1: the same read model.
  runner = std::make_unique<ProjectionRunner>(log->get(), All());
  ASSERT_TRUE(runner->Drop(OrgUnitsProjection::kName).ok());
  EXPECT_EQ(Dump(**log), "");
  ASSERT_TRUE(runner->Start().ok());
  runner->Notify(head);
  EXPECT_EQ(runner->WaitFor(head, absl::Now() + absl::Seconds(10)), head);
  EXPECT_EQ(Dump(**log), live);
}

TEST(ProjectionsTest, DossiersListBySubtreeWithoutSiblings) {
  std::string dir = ::testing::TempDir() + "/proj_XXXXXX";
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  auto log = EventLog::Open(dir);
  ASSERT_TRUE(log.ok());
  Notifier notifier;
  auto runner = std::make_unique<ProjectionRunner>(log->get(), All());
  notifier.runner = runner.get();
  ASSERT_TRUE(runner->Start().ok());
  auto writer = Writer::Start(log->get(), {}, &notifier);
  ASSERT_TRUE(writer.ok());
  uint64_t head = 0;
  auto submit = [&](v1::Command c) {
    Submission s;
    s.actor = "t";
    s.commands.push_back(std::move(c));
    auto r = (*writer)->SubmitAndWait(std::move(s));
    ASSERT_TRUE(r.ok()) << r.status();
    head = (*r)[0].first_sequence();
  };
  submit(Register("sd"));
  submit(Register("sd.jn", "sd"));
  submit(Register("sd.jn-x", "sd"));
  v1::Command c = Register("sd.jn.zc", "sd.jn");
  c.mutable_register_org_unit()->set_level(v1::ORG_LEVEL_DISTRICT);
  submit(c);
  int n = 0;
  for (const char* unit : {"sd.jn", "sd.jn-x", "sd.jn.zc", "sd.jn"}) {
    v1::Command d;
    auto* r = d.mutable_register_dossier();
    r->set_request_id("d" + std::to_string(n));
    r->set_unit_code(unit);
    r->set_name("李四");
    r->set_category(v1::HARDSHIP_CATEGORY_DISABILITY);
    r->set_household_size(2);
    r->set_national_id_hmac(std::string(32, static_cast<char>('a' + n)));
    r->set_national_id_masked("370802********1232");
    submit(d);
    ++n;
  }
  ASSERT_EQ(runner->WaitFor(head, absl::Now() + absl::Seconds(10)), head);
  DossiersView view(log->get());
  std::string next;
  auto own = view.List("sd.jn", false, false, "", 100, &next);
  ASSERT_TRUE(own.ok());
  EXPECT_EQ(own->size(), 2u);
  auto sub = view.List("sd.jn", true, false, "", 100, &next);
  ASSERT_TRUE(sub.ok());
  ASSERT_EQ(sub->size(), 3u);  // not the sibling sd.jn-x's
  for (const auto& d : *sub) EXPECT_NE(d.unit_code(), "sd.jn-x");
  auto page = view.List("sd.jn", true, false, "", 2, &next);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 2u);
  ASSERT_FALSE(next.empty());
  auto rest = view.List("sd.jn", true, false, next, 2, &next);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ(view.GetByIdHash(std::string(32, 'b'))->unit_code(), "sd.jn-x");
  EXPECT_EQ(view.Get("d999").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(view.List("sd.jn", false, false, "zz", 2, &next).status().code(),
            absl::StatusCode::kInvalidArgument);
  (*writer)->Stop();
}

TEST(ProjectionsTest, GrantsHistoryNoticeAndReport) {
  std::string dir = ::testing::TempDir() + "/proj_XXXXXX";
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  auto log = EventLog::Open(dir);
  ASSERT_TRUE(log.ok());
  Notifier notifier;
  auto runner = std::make_unique<ProjectionRunner>(log->get(), All());
  notifier.runner = runner.get();
  ASSERT_TRUE(runner->Start().ok());
  WriterOptions options;
  options.clock = [] { return int64_t{1'785'556'800'000'000}; };  // 2026-08-01
  auto writer = Writer::Start(log->get(), options, &notifier);
  ASSERT_TRUE(writer.ok());
  uint64_t head = 0;
  auto submit = [&](v1::Command c, std::string actor = "li") {
    Submission s;
    s.actor = actor;
    s.commands.push_back(std::move(c));
    auto r = (*writer)->SubmitAndWait(std::move(s));
    EXPECT_TRUE(r.ok()) << r.status();
    head = r.ok() ? (*r)[0].first_sequence() : head;
    return head;
  };
  submit(Register("sd"));
  submit(Register("sd.jn", "sd"));
  v1::Command money;
  auto* m = money.mutable_receive_funds();
  m->set_request_id("m");
  m->set_unit_code("sd.jn");
  m->set_fund_source(v1::FUND_SOURCE_DONATIONS);
  m->set_amount_fen(10'000'000);
  m->set_payer("企业");
  submit(money);
  v1::Command policy;
  policy.mutable_set_program_policy()->set_request_id("p");
  auto* p = policy.mutable_set_program_policy()->mutable_policy();
  p->set_program("festival");
  p->set_name_zh("送温暖");
  p->set_effective_date(20260101);
  p->set_min_amount_fen(50'000);
  p->set_max_amount_fen(200'000);
  p->set_grants_per_year(2);
  p->add_fund_sources(v1::FUND_SOURCE_DONATIONS);
  p->set_notice_days(0);
  p->set_expiry_days(30);
  p->set_allow_cash(true);
  submit(policy);
  std::vector<std::string> dossiers;
  for (int i = 0; i < 3; ++i) {
    v1::Command d;
    auto* r = d.mutable_register_dossier();
    r->set_request_id("d" + std::to_string(i));
    r->set_unit_code("sd.jn");
    r->set_name("赵六");
    r->set_category(i == 0 ? v1::HARDSHIP_CATEGORY_DISABILITY
                           : v1::HARDSHIP_CATEGORY_AGED_4050);
    r->set_household_size(3 + i);
    r->set_national_id_hmac(std::string(32, static_cast<char>('a' + i)));
    r->set_national_id_masked("370802********1232");
    dossiers.push_back("d" + std::to_string(submit(d)));
  }
  auto propose = [&](const std::string& dossier, int64_t fen) {
    v1::Command g;
    auto* r = g.mutable_propose_grant();
    r->set_request_id("g" + dossier + std::to_string(fen));
    r->set_dossier_id(dossier);
    r->set_program("festival");
    r->set_unit_code("sd.jn");
    r->set_fund_source(v1::FUND_SOURCE_DONATIONS);
    r->set_amount_fen(fen);
    return "g" + std::to_string(submit(g));
  };
  auto post = [&](const std::string& grant) {
    v1::Command c;
    c.mutable_post_grant()->set_request_id("post" + grant);
    c.mutable_post_grant()->set_grant_id(grant);
    submit(c, "wang");
  };
  post(propose(dossiers[0], 100'000));
  post(propose(dossiers[0], 80'000));
  post(propose(dossiers[1], 100'000));
  std::string pending = propose(dossiers[2], 60'000);
  ASSERT_EQ(runner->WaitFor(head, absl::Now() + absl::Seconds(10)), head);

  GrantsView view(log->get());
  auto notice = view.PublicNotice({"sd.jn"}, "");
  ASSERT_TRUE(notice.ok());
  ASSERT_EQ(notice->size(), 1u);
  EXPECT_EQ((*notice)[0].grant_id(), pending);
  EXPECT_EQ((*notice)[0].beneficiary_name(), "赵六");

  auto history = view.History(dossiers[0]);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].grant().status(), v1::GRANT_STATUS_POSTED);
  EXPECT_EQ((*history)[0].grant().resolved_by(), "wang");

  auto report = view.Report({"sd", "sd.jn"}, "", 2026);
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->size(), 1u);
  const auto& row = (*report)[0];
  EXPECT_EQ(row.people(), 2u);          // the pending one does not count
  EXPECT_EQ(row.grants(), 3u);          // person-times
  EXPECT_EQ(row.amount_fen(), 280'000);
  EXPECT_EQ(row.household_members(), 3u + 4u);
  ASSERT_EQ(row.by_category_size(), 2);
  ASSERT_EQ(row.by_fund_source_size(), 1);
  EXPECT_EQ(row.by_fund_source(0).amount_fen(), 280'000);
  EXPECT_TRUE(view.Report({"sd"}, "", 2026)->empty());
  (*writer)->Stop();
}

}  // namespace
}  // namespace relief
