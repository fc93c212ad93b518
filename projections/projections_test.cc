#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "ledger/writer/writer.h"
#include "projections/all_projections.h"
#include "projections/dossiers_projection.h"
#include "projections/funds_projections.h"
#include "projections/grants_projection.h"
#include "ledger/domain/accounts.h"
#include "projections/org_units_projection.h"
#include "projections/projection.h"
#include "projections/projection_runner.h"
#include "relief/v1/query_service.pb.h"
#include "rocksdb/write_batch.h"

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

// Every row of the projections family (checkpoints included), as
// "key=value" in hex, one per line.
std::string DumpFamily(const EventLog& log) {
  std::string out;
  std::unique_ptr<rocksdb::Iterator> it(
      log.db()->NewIterator(rocksdb::ReadOptions(), log.projections()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    absl::StrAppend(&out, it->key().ToString(true), "=",
                    it->value().ToString(true), "\n");
  }
  EXPECT_TRUE(it->status().ok()) << it->status().ToString();
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

// A fresh ledger whose projections family the chunk tests read and write.
struct ChunkLedger {
  std::string dir;
  std::unique_ptr<EventLog> log;

  rocksdb::DB* db() const { return log->db(); }
  rocksdb::ColumnFamilyHandle* family() const { return log->projections(); }
  // A row already in the database before the chunk starts.
  bool Store(const std::string& key, const std::string& value) const {
    return db()->Put(rocksdb::WriteOptions(), family(), key, value).ok();
  }
  ~ChunkLedger() {
    log.reset();
    if (!dir.empty()) std::filesystem::remove_all(dir);
  }
};

// Null log on failure (the caller asserts on it).
std::unique_ptr<ChunkLedger> OpenChunkLedger() {
  auto ledger = std::make_unique<ChunkLedger>();
  ledger->dir = ::testing::TempDir() + "/chunk_XXXXXX";
  if (mkdtemp(ledger->dir.data()) == nullptr) {
    ledger->dir.clear();
    return ledger;
  }
  auto log = EventLog::Open(ledger->dir);
  EXPECT_TRUE(log.ok()) << log.status();
  if (log.ok()) ledger->log = *std::move(log);
  return ledger;
}

// The rows as "key=value; ", "key+=bytes; " (extended) and
// "key deleted; ", in the order given, so a
// test sees order, values and deletes in one comparison.
std::string Rows(const std::vector<EventLog::SortedRow>& rows) {
  std::string out;
  for (const auto& row : rows) {
    if (row.present && row.extend) {
      absl::StrAppend(&out, row.key, "+=", row.value, "; ");
    } else if (row.present) {
      absl::StrAppend(&out, row.key, "=", row.value, "; ");
    } else {
      absl::StrAppend(&out, row.key, " deleted; ");
    }
  }
  return out;
}

v1::AccountBalance Balance(const std::string& account, int64_t credits) {
  v1::AccountBalance balance;
  balance.set_account(account);
  balance.set_posted_credits_fen(credits);
  return balance;
}

// A busy row is parsed once per chunk and changed in place by every event
// that touches it; it leaves once, serialized when the chunk is sealed.
TEST(ProjectionChunkTest, MutableParsesOnceAndSerializesWhenSealed) {
  auto ledger = OpenChunkLedger();
  ASSERT_NE(ledger->log, nullptr);
  ASSERT_TRUE(ledger->Store("p/b/pool",
                            Balance("pool", 1000).SerializeAsString()));
  ProjectionChunk chunk(ledger->db(), ledger->family());
  ProjectionTxn txn(&chunk, "p/");

  auto fresh = txn.Mutable<v1::AccountBalance>("b/new");
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  EXPECT_EQ((*fresh)->ByteSizeLong(), 0u);  // absent: an empty message
  (*fresh)->set_account("new");

  auto pool = txn.Mutable<v1::AccountBalance>("b/pool");
  ASSERT_TRUE(pool.ok()) << pool.status();
  EXPECT_EQ((*pool)->account(), "pool");
  EXPECT_EQ((*pool)->posted_credits_fen(), 1000);
  (*pool)->set_posted_credits_fen(1100);

  // Enough other keys to make the chunk's hash map grow: the message must
  // not move with its entry.
  for (int i = 0; i < 1000; ++i) txn.Put(absl::StrCat("x/", i), "v");

  auto again = txn.Mutable<v1::AccountBalance>("b/pool");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, *pool);  // the same message: changes accumulate
  EXPECT_EQ((*again)->posted_credits_fen(), 1100);
  (*again)->set_posted_debits_fen(30);
  // Read as bytes while held as a message: its current serialization.
  const std::string pool_bytes = (*again)->SerializeAsString();
  EXPECT_EQ(*txn.Get("b/pool"), std::optional<std::string>(pool_bytes));
  EXPECT_EQ(chunk.changed(), 1002u);  // two messages, 1000 puts

  ASSERT_TRUE(chunk.Seal().ok());
  v1::AccountBalance expected_pool = Balance("pool", 1100);
  expected_pool.set_posted_debits_fen(30);
  ASSERT_EQ(pool_bytes, expected_pool.SerializeAsString());
  v1::AccountBalance expected_new;
  expected_new.set_account("new");
  auto rows = chunk.SortedChanges();
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 1002u);
  EXPECT_EQ(Rows({(*rows)[0], (*rows)[1]}),
            absl::StrCat("p/b/new=", expected_new.SerializeAsString(),
                         "; p/b/pool=", pool_bytes, "; "));
  EXPECT_EQ(*txn.Get("b/pool"), std::optional<std::string>(pool_bytes));
  EXPECT_EQ(*txn.Get("b/new"),
            std::optional<std::string>(expected_new.SerializeAsString()));
}

TEST(ProjectionChunkTest, MutableRefusesUndecodableRowsAndAnotherType) {
  auto ledger = OpenChunkLedger();
  ASSERT_NE(ledger->log, nullptr);
  // 0xff starts a varint tag that never ends: not an AccountBalance.
  ASSERT_TRUE(ledger->Store("p/b/bad", "\xff"));
  ProjectionChunk chunk(ledger->db(), ledger->family());
  ProjectionTxn txn(&chunk, "p/");

  auto bad = txn.Mutable<v1::AccountBalance>("b/bad");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(bad.status().message().find("p/b/bad"), std::string::npos)
      << bad.status();
  EXPECT_EQ(chunk.changed(), 0u);  // nothing adopted, nothing to write

  ASSERT_TRUE(txn.Mutable<v1::AccountBalance>("b/pool").ok());
  auto other = txn.Mutable<v1::FundSummary>("b/pool");
  EXPECT_EQ(other.status().code(), absl::StatusCode::kInternal);
  EXPECT_NE(other.status().message().find("another message type"),
            std::string::npos)
      << other.status();
}

// Put and Delete replace whatever the key held, a message included: the
// message is dropped and the written value leaves.
TEST(ProjectionChunkTest, PutOrDeleteAfterMutableWins) {
  auto ledger = OpenChunkLedger();
  ASSERT_NE(ledger->log, nullptr);
  ASSERT_TRUE(
      ledger->Store("p/b/gone", Balance("gone", 5).SerializeAsString()));
  ProjectionChunk chunk(ledger->db(), ledger->family());
  ProjectionTxn txn(&chunk, "p/");

  auto put = txn.Mutable<v1::AccountBalance>("b/put");
  ASSERT_TRUE(put.ok());
  (*put)->set_posted_credits_fen(7);
  txn.Put("b/put", "raw");
  EXPECT_EQ(*txn.Get("b/put"), std::optional<std::string>("raw"));
  auto gone = txn.Mutable<v1::AccountBalance>("b/gone");
  ASSERT_TRUE(gone.ok());
  (*gone)->set_posted_credits_fen(6);
  txn.Delete("b/gone");
  EXPECT_EQ(*txn.Get("b/gone"), std::nullopt);
  EXPECT_EQ(chunk.changed(), 2u);

  ASSERT_TRUE(chunk.Seal().ok());
  auto rows = chunk.SortedChanges();
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(Rows(*rows), "p/b/gone deleted; p/b/put=raw; ");
}

// Statement rows: extended by event after event (interleaved across rows:
// one event writes both accounts' lines), each leaves once with its bytes
// in the order they were added, merged with the chunk's other changes in
// strictly increasing key order.
TEST(ProjectionChunkTest, ExtendedRowsLeaveOnceInKeyOrderWithTheOtherChanges) {
  auto ledger = OpenChunkLedger();
  ASSERT_NE(ledger->log, nullptr);
  ASSERT_TRUE(ledger->Store("p/s/gone", "x"));
  ProjectionChunk chunk(ledger->db(), ledger->family());
  ProjectionTxn txn(&chunk, "p/");

  txn.Extend("s/b", "b1");
  txn.Extend("s/a", "a1");
  txn.Put("s/a0", "put");  // between the two extended rows
  txn.Extend("s/b", "b2");
  txn.Extend("s/a", "a2");
  txn.Extend("s", "s1");
  txn.Delete("s/gone");
  txn.Put("a", "first");
  txn.Put("z", "last");
  EXPECT_EQ(chunk.changed(), 7u);  // 3 extended + 4 put or deleted

  EXPECT_EQ(chunk.SortedChanges().status().code(),
            absl::StatusCode::kInternal);  // not sealed yet

  ASSERT_TRUE(chunk.Seal().ok());
  auto rows = chunk.SortedChanges();
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(Rows(*rows),
            "p/a=first; p/s+=s1; p/s/a+=a1a2; p/s/a0=put; p/s/b+=b1b2; "
            "p/s/gone deleted; p/z=last; ");
}

TEST(ProjectionChunkTest, ExtendOfAKeyAlsoPutFailsSortedChanges) {
  auto ledger = OpenChunkLedger();
  ASSERT_NE(ledger->log, nullptr);
  ProjectionChunk chunk(ledger->db(), ledger->family());
  ProjectionTxn txn(&chunk, "p/");
  txn.Put("s/a", "put");
  txn.Extend("s/a", "line");
  ASSERT_TRUE(chunk.Seal().ok());
  auto rows = chunk.SortedChanges();
  EXPECT_EQ(rows.status().code(), absl::StatusCode::kInternal);
  EXPECT_NE(rows.status().message().find(
                "p/s/a was both extended and otherwise changed"),
            std::string::npos)
      << rows.status();
}

// In the database, an extended row is what was there followed by every
// extension, in order, whichever way each chunk left (a WriteBatch when
// following the writer, an ingested table file when catching up) and
// however the rows were cut into chunks; reopening changes nothing.
TEST(ProjectionChunkTest, ExtensionsAccumulateInTheDatabaseInOrder) {
  auto ledger = OpenChunkLedger();
  ASSERT_NE(ledger->log, nullptr);
  ASSERT_TRUE(ledger->Store("p/s/a", "0"));
  auto write = [&](bool large, std::vector<std::string> parts) {
    ProjectionChunk chunk(ledger->db(), ledger->family());
    ProjectionTxn txn(&chunk, "p/");
    for (const std::string& part : parts) {
      txn.Extend("s/a", part);
      txn.Extend("s/new", part);
    }
    if (!chunk.Seal().ok()) return false;
    if (large) {
      auto rows = chunk.SortedChanges();
      return rows.ok() &&
             ledger->log->WriteSorted(ledger->family(), *rows).ok();
    }
    rocksdb::WriteBatch batch;
    return chunk.AppendChanges(&batch).ok() &&
           ledger->log->Write(&batch, /*sync=*/false).ok();
  };
  ASSERT_TRUE(write(false, {"1", "2"}));
  ASSERT_TRUE(write(true, {"3"}));
  ASSERT_TRUE(write(false, {"4"}));
  ASSERT_TRUE(write(true, {"5", "6"}));
  auto read = [&](const char* key) {
    std::string value;
    rocksdb::Status s = ledger->db()->Get(rocksdb::ReadOptions(),
                                          ledger->family(), key, &value);
    return s.ok() ? value : s.ToString();
  };
  EXPECT_EQ(read("p/s/a"), "0123456");
  EXPECT_EQ(read("p/s/new"), "123456");
  ASSERT_TRUE(ledger->db()
                  ->CompactRange(rocksdb::CompactRangeOptions(),
                                 ledger->family(), nullptr, nullptr)
                  .ok());
  EXPECT_EQ(read("p/s/a"), "0123456");
  ledger->log.reset();
  auto reopened = EventLog::Open(ledger->dir);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  ledger->log = *std::move(reopened);
  EXPECT_EQ(read("p/s/a"), "0123456");
  EXPECT_EQ(read("p/s/new"), "123456");
}

// Catching up, a chunk is applied while the one before it is still being
// written: reads look through that sealed chunk before the database.
TEST(ProjectionChunkTest, ReadsThroughASealedBaseChunkAndCopiesItsValues) {
  auto ledger = OpenChunkLedger();
  ASSERT_NE(ledger->log, nullptr);
  ASSERT_TRUE(ledger->Store("p/hidden", "db"));
  ASSERT_TRUE(ledger->Store("p/put", "db"));
  ASSERT_TRUE(ledger->Store("p/untouched", "db"));

  auto base = std::make_unique<ProjectionChunk>(ledger->db(), ledger->family());
  ProjectionTxn base_txn(base.get(), "p/");
  base_txn.Delete("hidden");
  base_txn.Put("put", "base");
  const std::string kept(100, 'k');
  base_txn.Put("kept", kept);
  auto pool = base_txn.Mutable<v1::AccountBalance>("b/pool");
  ASSERT_TRUE(pool.ok());
  (*pool)->set_posted_credits_fen(500);
  ASSERT_TRUE(base->Seal().ok());

  ProjectionChunk chunk(ledger->db(), ledger->family(), base.get());
  ProjectionTxn txn(&chunk, "p/");
  EXPECT_EQ(*txn.Get("hidden"), std::nullopt);  // the base's delete
  EXPECT_EQ(*txn.Get("put"), std::optional<std::string>("base"));
  EXPECT_EQ(*txn.Get("untouched"), std::optional<std::string>("db"));
  EXPECT_EQ(*txn.Get("kept"), std::optional<std::string>(kept));
  const std::string base_pool = Balance("", 500).SerializeAsString();
  EXPECT_EQ(*txn.Get("b/pool"), std::optional<std::string>(base_pool));
  auto mine = txn.Mutable<v1::AccountBalance>("b/pool");
  ASSERT_TRUE(mine.ok()) << mine.status();
  EXPECT_EQ((*mine)->posted_credits_fen(), 500);
  (*mine)->set_posted_credits_fen(501);
  txn.Put("put", "mine");
  EXPECT_EQ(chunk.changed(), 2u);  // reads through the base change nothing

  // The base stays unchanged by this chunk's writes.
  auto base_rows = base->SortedChanges();
  ASSERT_TRUE(base_rows.ok());
  EXPECT_EQ(Rows(*base_rows),
            absl::StrCat("p/b/pool=", base_pool, "; p/hidden deleted; p/kept=",
                         kept, "; p/put=base; "));

  // The writer frees the base once it is written; what this chunk read
  // from it must not point into it. Memory of the base's size, allocated
  // and overwritten right away, likely reuses the base's arena block: a
  // value still pointing there would read as 'X's (or crash, if unmapped).
  base.reset();
  std::vector<char> reuse(size_t{1} << 20, 'X');
  EXPECT_EQ(*txn.Get("kept"), std::optional<std::string>(kept));
  EXPECT_EQ(*txn.Get("hidden"), std::nullopt);
  EXPECT_EQ(*txn.Get("put"), std::optional<std::string>("mine"));
  ASSERT_TRUE(chunk.Seal().ok());
  auto rows = chunk.SortedChanges();
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(Rows(*rows),
            absl::StrCat("p/b/pool=", Balance("", 501).SerializeAsString(),
                         "; p/put=mine; "));
}

TEST(ProjectionChunkTest, DrainForgetsEverythingAndReadsTheDatabaseAgain) {
  auto ledger = OpenChunkLedger();
  ASSERT_NE(ledger->log, nullptr);
  ProjectionChunk chunk(ledger->db(), ledger->family());
  ProjectionTxn txn(&chunk, "p/");
  txn.Put("k", "chunk");
  auto pool = txn.Mutable<v1::AccountBalance>("b/pool");
  ASSERT_TRUE(pool.ok());
  (*pool)->set_posted_credits_fen(9);
  txn.Extend("s/a", "line");
  EXPECT_EQ(chunk.changed(), 3u);

  rocksdb::WriteBatch batch;
  ASSERT_TRUE(chunk.Drain(&batch).ok());
  EXPECT_EQ(chunk.changed(), 0u);
  EXPECT_EQ(batch.Count(), 3u);

  // Not the drained value: the database's, which the chunk no longer
  // shadows (the batch was not even written).
  ASSERT_TRUE(ledger->Store("p/k", "db"));
  EXPECT_EQ(*txn.Get("k"), std::optional<std::string>("db"));
  EXPECT_EQ(*txn.Get("b/pool"), std::nullopt);
  // A new chunk's extensions start over.
  txn.Extend("s/a", "next");
  ASSERT_TRUE(chunk.Seal().ok());
  auto rows = chunk.SortedChanges();
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(Rows(*rows), "p/s/a+=next; ");
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

// A log of `units` + 1 org-unit registrations (one event each), written
// by the writer with no runner following it; returns the head.
uint64_t WriteUnits(EventLog* log, int units) {
  auto writer = Writer::Start(log, {}, nullptr);
  EXPECT_TRUE(writer.ok());
  if (!writer.ok()) return 0;
  uint64_t head = 0;
  auto submit = [&](std::vector<v1::Command> commands) {
    Submission s;
    s.actor = "t";
    s.commands = std::move(commands);
    auto r = (*writer)->SubmitAndWait(std::move(s));
    EXPECT_TRUE(r.ok()) << r.status();
    if (r.ok()) head = r->back().first_sequence();
  };
  submit({Register("sd")});
  for (int i = 0; i < units; i += 10) {
    std::vector<v1::Command> commands;
    for (int j = i; j < std::min(units, i + 10); ++j) {
      commands.push_back(Register(absl::StrCat("sd.u", j), "sd"));
    }
    submit(std::move(commands));
  }
  (*writer)->Stop();
  return head;
}

// Catching up with tiny chunks, whatever the read-ahead depth (0: none),
// chunks are applied in order: the same read model, checkpoints at the
// head; and a Stop() right after Notify still catches up first.
TEST(ProjectionsTest, CatchUpReadsChunksAheadInOrder) {
  std::string dir = ::testing::TempDir() + "/proj_XXXXXX";
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  auto log = EventLog::Open(dir);
  ASSERT_TRUE(log.ok());
  const uint64_t head = WriteUnits(log->get(), 300);
  ASSERT_EQ(head, 301u);
  std::string expected;
  {
    ProjectionRunner runner(log->get(), All());
    ASSERT_TRUE(runner.Start().ok());
    runner.Notify(head);
    ASSERT_EQ(runner.WaitFor(head, absl::Now() + absl::Seconds(30)), head);
    expected = Dump(**log);
  }
  ASSERT_NE(expected, "");
  for (size_t depth : {0, 1, 2, 3, 5}) {
    for (bool stop_at_once : {false, true}) {
      SCOPED_TRACE(absl::StrCat("read_ahead_chunks ", depth,
                                stop_at_once ? ", stopped at once" : ""));
      ProjectionRunner runner(log->get(), All(),
                              {.chunk_events = 3,
                               .catch_up_chunk_events = 17,
                               .read_ahead_chunks = depth});
      for (const auto& p : All()) ASSERT_TRUE(runner.Drop(p->name()).ok());
      ASSERT_EQ(Dump(**log), "");
      ASSERT_TRUE(runner.Start().ok());
      EXPECT_EQ(runner.started_from(), 0u);
      runner.Notify(head);
      if (!stop_at_once) {
        EXPECT_EQ(runner.WaitFor(head, absl::Now() + absl::Seconds(30)), head);
      }
      runner.Stop();
      EXPECT_TRUE(runner.health().ok()) << runner.health();
      EXPECT_EQ(runner.applied(), head);
      for (const auto& c : runner.checkpoints()) {
        EXPECT_EQ(c.sequence, head) << c.name;
      }
      EXPECT_EQ(Dump(**log), expected);
    }
  }
}

// Two damaged events in consecutive chunks: the catch-up stops at the
// first in sequence order, whichever reader meets its damage first (the
// later one is at its chunk's first event, found at once), and the chunks
// before it are written with their checkpoints.
TEST(ProjectionsTest, CatchUpReadErrorIsTheFirstInSequenceOrder) {
  std::string dir = ::testing::TempDir() + "/proj_XXXXXX";
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  auto log = EventLog::Open(dir);
  ASSERT_TRUE(log.ok());
  const uint64_t head = WriteUnits(log->get(), 300);
  ASSERT_EQ(head, 301u);
  // Chunks of 17: 1..17, 18..34, 35..51, 52..68, ...
  for (uint64_t sequence : {50, 52}) {
    std::string value;
    ASSERT_TRUE((*log)->db()
                    ->Get(rocksdb::ReadOptions(), (*log)->events(),
                          EncodeSequenceKey(sequence), &value)
                    .ok());
    value[value.size() - 2] ^= 0x01;
    ASSERT_TRUE((*log)->db()
                    ->Put(rocksdb::WriteOptions(), (*log)->events(),
                          EncodeSequenceKey(sequence), value)
                    .ok());
  }
  for (size_t depth : {0, 1, 2, 3}) {
    SCOPED_TRACE(absl::StrCat("read_ahead_chunks ", depth));
    std::vector<absl::Status> failures;
    ProjectionRunner runner(log->get(), All(),
                            {.chunk_events = 3,
                             .catch_up_chunk_events = 17,
                             .read_ahead_chunks = depth});
    runner.set_on_failure(
        [&failures](const absl::Status& s) { failures.push_back(s); });
    for (const auto& p : All()) ASSERT_TRUE(runner.Drop(p->name()).ok());
    ASSERT_TRUE(runner.Start().ok());
    runner.Notify(head);
    EXPECT_LT(runner.WaitFor(head, absl::Now() + absl::Seconds(30)), head);
    runner.Stop();  // joins the runner, which waited for its readers
    const absl::Status health = runner.health();
    EXPECT_EQ(health.code(), absl::StatusCode::kDataLoss) << health;
    EXPECT_NE(health.message().find("event 50:"), std::string::npos)
        << health;
    ASSERT_EQ(failures.size(), 1u);
    EXPECT_EQ(failures[0], health);
    EXPECT_EQ(runner.applied(), 34u);
    std::string checkpoint;
    ASSERT_TRUE((*log)->db()
                    ->Get(rocksdb::ReadOptions(), (*log)->projections(),
                          ProjectionRunner::CheckpointKey(
                              OrgUnitsProjection::kName),
                          &checkpoint)
                    .ok());
    EXPECT_EQ(DecodeSequenceKey(checkpoint), 34u);
  }
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

// An account's statement spans rows (4,096 sequences each): pages of any
// size give the same lines, each line agrees with its event and the running
// balance, and a rebuild in large ingested chunks gives the same rows as
// following the writer did in small ones.
TEST(StatementTest, PagesAcrossRowsMatchTheEventsAndSurviveARebuild) {
  std::string dir = ::testing::TempDir() + "/statement_XXXXXX";
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  auto log = EventLog::Open(dir);
  ASSERT_TRUE(log.ok()) << log.status();
  Notifier notifier;
  auto runner = std::make_unique<ProjectionRunner>(log->get(), AllProjections());
  notifier.runner = runner.get();
  ASSERT_TRUE(runner->Start().ok());
  auto writer = Writer::Start(log->get(), {}, &notifier);
  ASSERT_TRUE(writer.ok()) << writer.status();
  uint64_t head = 0;
  auto submit = [&](std::vector<v1::Command> commands) {
    Submission s;
    s.actor = "t";
    s.commands = std::move(commands);
    auto r = (*writer)->SubmitAndWait(std::move(s));
    ASSERT_TRUE(r.ok()) << r.status();
    for (const auto& result : *r) {
      ASSERT_GT(result.first_sequence(), 0u) << result.ShortDebugString();
      head = result.first_sequence();
    }
  };
  submit({Register("sd"), Register("sd.jn", "sd")});
  // 9,000 receipts, alternating between two units: sd's lines reach into a
  // third row and interleave with another account's.
  std::vector<int64_t> amounts;
  for (int batch = 0; batch < 18; ++batch) {
    std::vector<v1::Command> commands;
    for (int i = 0; i < 500; ++i) {
      const int n = batch * 500 + i;
      v1::Command c;
      auto* r = c.mutable_receive_funds();
      r->set_request_id(absl::StrCat("r", n));
      r->set_unit_code(n % 2 == 0 ? "sd" : "sd.jn");
      r->set_fund_source(v1::FUND_SOURCE_DONATIONS);
      r->set_amount_fen(n + 1);
      r->set_payer("payer");
      if (n % 2 == 0) amounts.push_back(n + 1);
      commands.push_back(std::move(c));
    }
    submit(std::move(commands));
  }
  ASSERT_GT(head, 8192u);
  ASSERT_EQ(runner->WaitFor(head, absl::Now() + absl::Seconds(30)), head);

  FundsView view(log->get());
  auto read_all = [&](const std::string& account, uint32_t page_size) {
    std::vector<v1::StatementEntry> all;
    std::string token, next;
    for (int page = 0; page < 100000; ++page) {
      auto entries = view.Statement(account, token, page_size, &next);
      EXPECT_TRUE(entries.ok()) << entries.status();
      if (!entries.ok()) break;
      EXPECT_LE(entries->size(), page_size);
      all.insert(all.end(), entries->begin(), entries->end());
      if (next.empty()) break;
      token = next;
    }
    return all;
  };
  const std::vector<v1::StatementEntry> whole =
      read_all("sd/donations/pool", 1000);
  ASSERT_EQ(whole.size(), amounts.size());
  int64_t running = 0;
  for (size_t i = 0; i < whole.size(); ++i) {
    SCOPED_TRACE(absl::StrCat("line ", i));
    if (i > 0) {
      EXPECT_GT(whole[i].sequence(), whole[i - 1].sequence());
    }
    EXPECT_EQ(whole[i].credit_fen(), amounts[i]);
    EXPECT_EQ(whole[i].debit_fen(), 0);
    running += amounts[i];
    EXPECT_EQ(whole[i].balance_fen(), running);
    EXPECT_EQ(whole[i].counter_account(), "external/donations");
    EXPECT_EQ(whole[i].event_type(), "funds_received");
    EXPECT_EQ(whole[i].memo(), "payer");
    EXPECT_GT(whole[i].recorded_at_unix_micros(), 0);
  }
  EXPECT_GT(whole.back().sequence(), 8192u);  // the third row
  auto balance = view.Balance("sd/donations/pool");
  ASSERT_TRUE(balance.ok()) << balance.status();
  EXPECT_EQ(balance->available_fen(), running);
  // The other side of each receipt: a debit line of the external account.
  const std::vector<v1::StatementEntry> external =
      read_all("external/donations", 1000);
  ASSERT_EQ(external.size(), 9000u);
  EXPECT_EQ(external[0].debit_fen(), 1);
  EXPECT_EQ(external[0].balance_fen(), -1);
  for (uint32_t page_size : {1u, 7u, 4096u}) {
    SCOPED_TRACE(absl::StrCat("page size ", page_size));
    const std::vector<v1::StatementEntry> paged =
        read_all("sd/donations/pool", page_size);
    ASSERT_EQ(paged.size(), whole.size());
    for (size_t i = 0; i < whole.size(); ++i) {
      ASSERT_EQ(paged[i].ShortDebugString(), whole[i].ShortDebugString()) << i;
    }
  }
  std::string next;
  EXPECT_EQ(view.Statement("sd/donations/pool", "12", 10, &next).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto none = view.Statement("nobody/donations/pool", "", 10, &next);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->empty());
  EXPECT_TRUE(next.empty());

  const std::string live = DumpFamily(**log);
  (*writer)->Stop();
  runner->Stop();
  // Rebuilt from sequence 1 in chunks of 1,000 events, ingested as table
  // files with compaction deferred.
  ProjectionRunner::Options options;
  options.chunk_events = 100;
  options.catch_up_chunk_events = 1000;
  runner = std::make_unique<ProjectionRunner>(log->get(), AllProjections(),
                                              options);
  for (const auto& p : AllProjections()) {
    ASSERT_TRUE(runner->Drop(p->name()).ok());
  }
  ASSERT_TRUE(runner->Start().ok());
  runner->Notify(head);
  ASSERT_EQ(runner->WaitFor(head, absl::Now() + absl::Seconds(30)), head);
  EXPECT_EQ(DumpFamily(**log), live);
  runner->Stop();

  // A damaged row is refused, not misread.
  ASSERT_TRUE((*log)
                  ->db()
                  ->Put(rocksdb::WriteOptions(), (*log)->projections(),
                        absl::StrCat("accounts/s/sd.jn/donations/pool",
                                     std::string(1, '\0'),
                                     std::string(8, '\0')),
                        "short")
                  .ok());
  EXPECT_EQ(view.Statement("sd.jn/donations/pool", "", 10, &next)
                .status()
                .code(),
            absl::StatusCode::kDataLoss);
  runner.reset();
  log->reset();
  std::filesystem::remove_all(dir);
}

// Read models written by an older reliefd in another layout (no format key:
// format 1, a row per statement line) are dropped and rebuilt at start.
TEST(StatementTest, ReadModelsOfAnOlderFormatAreRebuiltAtStart) {
  std::string dir = ::testing::TempDir() + "/format_XXXXXX";
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  auto log = EventLog::Open(dir);
  ASSERT_TRUE(log.ok()) << log.status();
  uint64_t head = 0;
  std::string live;
  {
    Notifier notifier;
    auto runner =
        std::make_unique<ProjectionRunner>(log->get(), AllProjections());
    notifier.runner = runner.get();
    ASSERT_TRUE(runner->Start().ok());
    auto writer = Writer::Start(log->get(), {}, &notifier);
    ASSERT_TRUE(writer.ok()) << writer.status();
    v1::Command receive;
    auto* r = receive.mutable_receive_funds();
    r->set_request_id("r1");
    r->set_unit_code("sd");
    r->set_fund_source(v1::FUND_SOURCE_DONATIONS);
    r->set_amount_fen(100);
    r->set_payer("payer");
    Submission s;
    s.actor = "t";
    s.commands = {Register("sd"), receive};
    auto results = (*writer)->SubmitAndWait(std::move(s));
    ASSERT_TRUE(results.ok()) << results.status();
    head = (*results)[1].first_sequence();
    ASSERT_EQ(head, 2u);
    ASSERT_EQ(runner->WaitFor(head, absl::Now() + absl::Seconds(10)), head);
    (*writer)->Stop();
    runner->Stop();
    live = DumpFamily(**log);
  }
  std::string format;
  ASSERT_TRUE((*log)
                  ->db()
                  ->Get(rocksdb::ReadOptions(), (*log)->meta(),
                        "projections_format", &format)
                  .ok());
  EXPECT_EQ(format, "2");
  // What a format-1 reliefd left: no format key, a line per row.
  rocksdb::WriteBatch old;
  old.Delete((*log)->meta(), "projections_format");
  old.Put((*log)->projections(),
          absl::StrCat("accounts/s/sd/donations/pool", std::string(1, '\0'),
                       std::string(9, '\0'), "\1"),
          "a StatementEntry");
  ASSERT_TRUE((*log)->Write(&old, /*sync=*/true).ok());
  ASSERT_NE(DumpFamily(**log), live);

  auto runner = std::make_unique<ProjectionRunner>(log->get(), AllProjections());
  ASSERT_TRUE(runner->Start().ok());
  runner->Notify(head);
  ASSERT_EQ(runner->WaitFor(head, absl::Now() + absl::Seconds(10)), head);
  runner->Stop();
  EXPECT_EQ(DumpFamily(**log), live);
  format.clear();
  ASSERT_TRUE((*log)
                  ->db()
                  ->Get(rocksdb::ReadOptions(), (*log)->meta(),
                        "projections_format", &format)
                  .ok());
  EXPECT_EQ(format, "2");
  std::string next;
  auto lines = FundsView(log->get()).Statement("sd/donations/pool", "", 10,
                                               &next);
  ASSERT_TRUE(lines.ok()) << lines.status();
  ASSERT_EQ(lines->size(), 1u);
  EXPECT_EQ((*lines)[0].credit_fen(), 100);
  runner.reset();
  log->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace relief
