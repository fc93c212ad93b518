#include "ledger/store/event_log.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "ledger/store/sha256.h"
#include "rocksdb/options.h"
#include "rocksdb/table_properties.h"
#include "rocksdb/write_batch.h"

namespace relief {
namespace {

std::string TempDir() {
  std::string pattern = ::testing::TempDir() + "/event_log_XXXXXX";
  char* dir = mkdtemp(pattern.data());
  EXPECT_NE(dir, nullptr);
  return pattern;
}

// Appends `n` chained events the way the writer does.
void Append(EventLog& log, int n) {
  auto head = log.ReadHead();
  ASSERT_TRUE(head.ok());
  std::string previous = head->hash;
  uint64_t sequence = head->sequence;
  rocksdb::WriteBatch batch;
  for (int i = 0; i < n; ++i) {
    v1::EventEnvelope e;
    e.set_sequence(++sequence);
    e.set_actor("test");
    e.set_request_id("r" + std::to_string(sequence));
    e.set_previous_hash(previous);
    e.mutable_event()->mutable_org_unit_registered()->set_code(
        "u" + std::to_string(sequence));
    std::string payload = e.SerializeAsString();
    std::string hash = Sha256(previous, payload);
    batch.Put(log.events(), EncodeSequenceKey(sequence),
              EncodeEventValue(hash, payload));
    previous = hash;
  }
  ASSERT_TRUE(log.Write(&batch, true).ok());
}

TEST(EventLogTest, KeysSortBySequence) {
  EXPECT_LT(EncodeSequenceKey(255), EncodeSequenceKey(256));
  EXPECT_LT(EncodeSequenceKey(1), EncodeSequenceKey(1ull << 40));
  EXPECT_EQ(DecodeSequenceKey(EncodeSequenceKey(0x0102030405060708ull)),
            0x0102030405060708ull);
  EXPECT_EQ(EncodeSequenceKey(1), std::string("\0\0\0\0\0\0\0\1", 8));
}

TEST(EventLogTest, Sha256KnownAnswer) {
  EXPECT_EQ(ToHex(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256("ab", "c"), Sha256("abc"));
}

// Parsing stored envelopes into one reused message, which keeps the event
// of the same kind, gives exactly what a fresh parse gives, whatever came
// before: no field, posting or unknown field of the previous event stays.
TEST(EventLogTest, ParseEnvelopeReusingEqualsAFreshParse) {
  auto receipt = [](int postings, bool goods, const std::string& memo) {
    v1::EventEnvelope e;
    e.set_sequence(7);
    e.set_recorded_at_unix_micros(1700000000000000);
    e.set_actor("finance");
    e.set_request_id("r-" + memo);
    e.set_previous_hash(std::string(32, 'p'));
    auto* r = e.mutable_event()->mutable_funds_received();
    r->set_unit_code("sd.jn");
    r->set_fund_source(v1::FUND_SOURCE_DONATIONS);
    r->set_amount_fen(100 * postings);
    r->set_payer("某公司");
    r->set_memo(memo);
    if (goods) r->mutable_goods()->set_description("rice");
    for (int i = 0; i < postings; ++i) {
      auto* p = r->add_postings();
      p->set_debit_account("external/donations");
      p->set_credit_account("sd.jn/donations/pool");
      p->set_amount_fen(100);
    }
    return e.SerializeAsString();
  };
  v1::EventEnvelope registered;
  registered.set_sequence(1);
  registered.mutable_event()->mutable_org_unit_registered()->set_code("sd");
  v1::EventEnvelope no_event;
  no_event.set_sequence(2);
  v1::EventEnvelope no_kind;
  no_kind.set_sequence(3);
  no_kind.mutable_event();
  // Unknown fields (from a newer writer): 99 in the envelope, 9999 in the
  // event, 50 in the payload.
  const std::string with_unknown = [&] {
    std::string bytes = receipt(1, false, "u");
    v1::EventEnvelope e;
    EXPECT_TRUE(e.ParseFromString(bytes));
    auto unknown = [](google::protobuf::Message* m) {
      return m->GetReflection()->MutableUnknownFields(m);
    };
    unknown(&e)->AddVarint(99, 5);
    unknown(e.mutable_event())->AddVarint(9999, 6);
    unknown(e.mutable_event()->mutable_funds_received())
        ->AddLengthDelimited(50, "x");
    return e.SerializeAsString();
  }();
  const std::vector<std::string> stored = {
      receipt(3, true, "first"),     receipt(1, false, ""),
      receipt(2, false, "again"),    registered.SerializeAsString(),
      receipt(1, true, "after"),     no_event.SerializeAsString(),
      receipt(2, false, "x"),        no_kind.SerializeAsString(),
      receipt(1, false, "y"),        with_unknown,
      receipt(1, false, "clean"),    receipt(0, false, "none"),
      receipt(2, true, "two"),
  };
  v1::EventEnvelope reused;
  for (size_t i = 0; i < stored.size(); ++i) {
    SCOPED_TRACE(absl::StrCat("envelope ", i));
    v1::EventEnvelope fresh;
    ASSERT_TRUE(fresh.ParseFromString(stored[i]));
    ASSERT_TRUE(ParseEnvelopeReusing(stored[i], &reused));
    EXPECT_EQ(reused.has_event(), fresh.has_event());
    EXPECT_EQ(reused.event().kind_case(), fresh.event().kind_case());
    EXPECT_EQ(reused.SerializeAsString(), fresh.SerializeAsString());
    EXPECT_EQ(reused.DebugString(), fresh.DebugString());
  }
  // Bytes that do not decode are refused, reused message or not.
  const std::string cut = receipt(2, false, "cut").substr(0, 40);
  v1::EventEnvelope fresh;
  ASSERT_FALSE(fresh.ParseFromString(cut));
  ASSERT_TRUE(ParseEnvelopeReusing(receipt(1, false, "z"), &reused));
  EXPECT_FALSE(ParseEnvelopeReusing(cut, &reused));
}

TEST(EventLogTest, EmptyLogHeadIsGenesis) {
  auto log = EventLog::Open(TempDir());
  ASSERT_TRUE(log.ok()) << log.status();
  auto head = (*log)->ReadHead();
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->sequence, 0u);
  EXPECT_EQ(head->hash, GenesisHash());
  EXPECT_TRUE((*log)->Verify().ok);
}

TEST(EventLogTest, VerifiesAndScansAChain) {
  auto log = EventLog::Open(TempDir());
  ASSERT_TRUE(log.ok());
  Append(**log, 10);
  Append(**log, 5);
  VerifyReport report = (*log)->Verify();
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.verified_through, 15u);
  EXPECT_EQ(report.head.sequence, 15u);
  uint64_t expected = 7;
  ASSERT_TRUE((*log)
                  ->Scan(7, 9,
                         [&](const v1::EventEnvelope& e) {
                           EXPECT_EQ(e.sequence(), expected++);
                           return true;
                         })
                  .ok());
  EXPECT_EQ(expected, 10u);
}

TEST(EventLogTest, VerifyNamesTheAlteredSequence) {
  std::string dir = TempDir();
  auto log = EventLog::Open(dir);
  ASSERT_TRUE(log.ok());
  Append(**log, 20);
  // Flip one byte inside the envelope of sequence 12.
  std::string value;
  ASSERT_TRUE((*log)
                  ->db()
                  ->Get(rocksdb::ReadOptions(), (*log)->events(),
                        EncodeSequenceKey(12), &value)
                  .ok());
  value[value.size() - 2] ^= 0x01;
  ASSERT_TRUE((*log)
                  ->db()
                  ->Put(rocksdb::WriteOptions(), (*log)->events(),
                        EncodeSequenceKey(12), value)
                  .ok());
  VerifyReport report = (*log)->Verify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_sequence, 12u);
  EXPECT_EQ(report.verified_through, 11u);
  absl::Status scan =
      (*log)->Scan(1, 0, [](const v1::EventEnvelope&) { return true; });
  EXPECT_EQ(scan.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(scan.message().find("event 12"), std::string::npos) << scan;
}

TEST(EventLogTest, VerifyNamesAGap) {
  auto log = EventLog::Open(TempDir());
  ASSERT_TRUE(log.ok());
  Append(**log, 5);
  ASSERT_TRUE((*log)
                  ->db()
                  ->Delete(rocksdb::WriteOptions(), (*log)->events(),
                           EncodeSequenceKey(3))
                  .ok());
  VerifyReport report = (*log)->Verify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_sequence, 3u);
}

TEST(EventLogTest, SecondOpenOfTheSameDirFailsClearly) {
  std::string dir = TempDir();
  auto first = EventLog::Open(dir);
  ASSERT_TRUE(first.ok());
  auto second = EventLog::Open(dir);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("in use"), std::string::npos)
      << second.status();
}

// Every row of `family`, as "key=value; ", in key order.
std::string Rows(const EventLog& log, rocksdb::ColumnFamilyHandle* family) {
  std::unique_ptr<rocksdb::Iterator> it(
      log.db()->NewIterator(rocksdb::ReadOptions(), family));
  std::string out;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    out += it->key().ToString() + "=" + it->value().ToString() + "; ";
  }
  EXPECT_TRUE(it->status().ok()) << it->status().ToString();
  return out;
}

// Files in `dir` that WriteSorted builds before ingesting them.
int IngestFilesIn(const std::string& dir) {
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".relief-ingest") ++n;
  }
  return n;
}

// Rewrites the stored value of `sequence` in place, as someone with write
// access to the data dir could.
::testing::AssertionResult EditStored(
    EventLog& log, uint64_t sequence,
    const std::function<void(std::string*)>& edit) {
  std::string value;
  rocksdb::Status s = log.db()->Get(rocksdb::ReadOptions(), log.events(),
                                    EncodeSequenceKey(sequence), &value);
  if (!s.ok()) return ::testing::AssertionFailure() << s.ToString();
  edit(&value);
  s = log.db()->Put(rocksdb::WriteOptions(), log.events(),
                    EncodeSequenceKey(sequence), value);
  if (!s.ok()) return ::testing::AssertionFailure() << s.ToString();
  return ::testing::AssertionSuccess();
}

TEST(EventLogTest, WriteSortedWritesPutsAndDeletes) {
  std::string dir = TempDir();
  auto log = EventLog::Open(dir);
  ASSERT_TRUE(log.ok());
  rocksdb::ColumnFamilyHandle* family = (*log)->projections();
  ASSERT_TRUE(
      (*log)->db()->Put(rocksdb::WriteOptions(), family, "k/gone", "x").ok());
  ASSERT_TRUE(
      (*log)->db()->Put(rocksdb::WriteOptions(), family, "k/old", "old").ok());

  ASSERT_TRUE((*log)
                  ->WriteSorted(family, {{"k/a", "1"},
                                         {"k/gone", "", /*present=*/false},
                                         {"k/old", "new"},
                                         {"k/z", ""}})
                  .ok());
  EXPECT_EQ(Rows(**log, family), "k/a=1; k/old=new; k/z=; ");
  // The table file was linked into the database; its build name is gone.
  EXPECT_EQ(IngestFilesIn(dir), 0);
}

// The projections family has whole-key bloom filters so that a lookup
// during a rebuild skips the level-0 files that do not hold its key; the
// files of a rebuild are WriteSorted's, so they need the filter too.
TEST(EventLogTest, WriteSortedTableFilesHaveTheFamilysBloomFilter) {
  auto log = EventLog::Open(TempDir());
  ASSERT_TRUE(log.ok());
  rocksdb::ColumnFamilyHandle* family = (*log)->projections();
  ASSERT_TRUE((*log)
                  ->db()
                  ->Put(rocksdb::WriteOptions(), family, "a/flushed", "1")
                  .ok());
  ASSERT_TRUE((*log)->db()->Flush(rocksdb::FlushOptions(), family).ok());
  ASSERT_TRUE((*log)->WriteSorted(family, {{"b/ingested", "2"}}).ok());

  rocksdb::TablePropertiesCollection tables;
  ASSERT_TRUE((*log)->db()->GetPropertiesOfAllTables(family, &tables).ok());
  ASSERT_EQ(tables.size(), 2u);
  std::string flushed_filter;
  std::string ingested_filter = "(no ingested file)";
  for (const auto& [file, properties] : tables) {
    // Ingested files carry a global sequence number property; flushed ones
    // do not.
    if (properties->user_collected_properties.count(
            "rocksdb.external_sst_file.global_seqno") > 0) {
      ingested_filter = properties->filter_policy_name;
    } else {
      flushed_filter = properties->filter_policy_name;
    }
  }
  EXPECT_NE(flushed_filter, "");
  EXPECT_EQ(ingested_filter, flushed_filter);
}

TEST(EventLogTest, WriteSortedOfNoRowsWritesNothing) {
  std::string dir = TempDir();
  auto log = EventLog::Open(dir);
  ASSERT_TRUE(log.ok());
  ASSERT_TRUE((*log)->WriteSorted((*log)->projections(), {}).ok());
  rocksdb::TablePropertiesCollection tables;
  ASSERT_TRUE((*log)
                  ->db()
                  ->GetPropertiesOfAllTables((*log)->projections(), &tables)
                  .ok());
  EXPECT_EQ(tables.size(), 0u);  // not even an empty table file
  EXPECT_EQ(Rows(**log, (*log)->projections()), "");
  EXPECT_EQ(IngestFilesIn(dir), 0);
}

TEST(EventLogTest, WriteSortedRefusesRowsOutOfOrderAndWritesNothing) {
  std::string dir = TempDir();
  auto log = EventLog::Open(dir);
  ASSERT_TRUE(log.ok());
  rocksdb::ColumnFamilyHandle* family = (*log)->projections();
  absl::Status descending =
      (*log)->WriteSorted(family, {{"k/a", "1"}, {"k/c", "3"}, {"k/b", "2"}});
  EXPECT_EQ(descending.code(), absl::StatusCode::kInternal) << descending;
  absl::Status twice =
      (*log)->WriteSorted(family, {{"k/d", "1"}, {"k/d", "2"}});
  EXPECT_EQ(twice.code(), absl::StatusCode::kInternal) << twice;
  // All or nothing: not even the rows before the one out of order.
  std::string value;
  EXPECT_TRUE((*log)
                  ->db()
                  ->Get(rocksdb::ReadOptions(), family, "k/a", &value)
                  .IsNotFound());
  EXPECT_EQ(Rows(**log, family), "");
  EXPECT_EQ(IngestFilesIn(dir), 0);  // the half-built files are removed
}

TEST(EventLogTest, WriteSortedRowsSurviveReopenAndOpenRemovesLeftovers) {
  std::string dir = TempDir();
  auto log = EventLog::Open(dir);
  ASSERT_TRUE(log.ok());
  ASSERT_TRUE((*log)
                  ->WriteSorted((*log)->projections(),
                                {{"k/a", "1"}, {"k/b", "2"}})
                  .ok());
  log->reset();

  // What a crash between building a table file and ingesting it leaves.
  const std::string leftover = dir + "/relief-ingest-7.relief-ingest";
  const std::string unrelated = dir + "/notes.txt";
  std::ofstream(leftover) << "half a table file";
  std::ofstream(unrelated) << "not the ledger's";
  ASSERT_TRUE(std::filesystem::exists(leftover));

  log = EventLog::Open(dir);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_FALSE(std::filesystem::exists(leftover));
  EXPECT_TRUE(std::filesystem::exists(unrelated));
  EXPECT_EQ(Rows(**log, (*log)->projections()), "k/a=1; k/b=2; ");
  // File names start over after a reopen; they must not collide.
  ASSERT_TRUE((*log)->WriteSorted((*log)->projections(), {{"k/c", "3"}}).ok());
  EXPECT_EQ(Rows(**log, (*log)->projections()), "k/a=1; k/b=2; k/c=3; ");
}

TEST(EventLogTest, WriteSortedFailsWhenWritesFail) {
  auto log = EventLog::Open(TempDir());
  ASSERT_TRUE(log.ok());
  (*log)->FailWritesForTesting(absl::UnavailableError("disk full"));
  absl::Status s = (*log)->WriteSorted((*log)->projections(), {{"k/a", "1"}});
  EXPECT_EQ(s, absl::UnavailableError("disk full"));
  EXPECT_EQ(Rows(**log, (*log)->projections()), "");
}

TEST(EventLogTest, BulkLoadingDefersCompactionAndWritesGoOn) {
  auto log = EventLog::Open(TempDir());
  ASSERT_TRUE(log.ok());
  rocksdb::ColumnFamilyHandle* family = (*log)->projections();
  ASSERT_TRUE((*log)->SetBulkLoading(family, true).ok());
  rocksdb::Options bulk = (*log)->db()->GetOptions(family);
  EXPECT_TRUE(bulk.disable_auto_compactions);
  EXPECT_EQ(bulk.level0_slowdown_writes_trigger, 1 << 20);
  EXPECT_EQ(bulk.level0_stop_writes_trigger, 1 << 20);

  // More overlapping files than the default triggers would let pile up
  // without stalling.
  for (int i = 0; i < 8; ++i) {
    const std::string value = std::to_string(i);
    ASSERT_TRUE((*log)->WriteSorted(family, {{"k/a", value}}).ok());
  }
  rocksdb::WriteBatch batch;
  ASSERT_TRUE(batch.Put(family, "k/b", "batch").ok());
  ASSERT_TRUE((*log)->Write(&batch, /*sync=*/false).ok());
  EXPECT_EQ(Rows(**log, family), "k/a=7; k/b=batch; ");

  ASSERT_TRUE((*log)->SetBulkLoading(family, false).ok());
  const rocksdb::ColumnFamilyOptions defaults;
  rocksdb::Options after = (*log)->db()->GetOptions(family);
  EXPECT_FALSE(after.disable_auto_compactions);
  EXPECT_EQ(after.level0_slowdown_writes_trigger,
            defaults.level0_slowdown_writes_trigger);
  EXPECT_EQ(after.level0_stop_writes_trigger,
            defaults.level0_stop_writes_trigger);
  EXPECT_EQ(Rows(**log, family), "k/a=7; k/b=batch; ");
}

TEST(EventLogTest, ReadRangeReturnsWhatScanReturns) {
  auto log = EventLog::Open(TempDir());
  ASSERT_TRUE(log.ok());
  Append(**log, 20);
  std::vector<std::string> scanned;
  ASSERT_TRUE((*log)
                  ->Scan(1, 20,
                         [&](const v1::EventEnvelope& e) {
                           scanned.push_back(e.SerializeAsString());
                           return true;
                         })
                  .ok());
  ASSERT_EQ(scanned.size(), 20u);

  std::vector<std::unique_ptr<v1::EventEnvelope>> events;
  size_t count = 0;
  ASSERT_TRUE((*log)->ReadRange(1, 20, &events, &count).ok());
  ASSERT_EQ(count, 20u);
  ASSERT_EQ(events.size(), 20u);
  for (size_t i = 0; i < count; ++i) {
    EXPECT_EQ(events[i]->sequence(), i + 1);
    EXPECT_EQ(events[i]->hash().size(), 32u);  // set, as Scan sets it
    EXPECT_EQ(events[i]->SerializeAsString(), scanned[i]) << i;
  }
  // The messages are used again: a shorter range fills the first ones and
  // leaves the vector's size alone.
  const v1::EventEnvelope* first = events[0].get();
  ASSERT_TRUE((*log)->ReadRange(6, 8, &events, &count).ok());
  ASSERT_EQ(count, 3u);
  ASSERT_EQ(events.size(), 20u);
  EXPECT_EQ(events[0].get(), first);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(events[i]->SerializeAsString(), scanned[5 + i]) << i;
  }
}

// A range in the middle is verified from the stored hash of the event
// before it, not from the start of the log.
TEST(EventLogTest, ReadRangeStartsFromTheStoredHashBeforeIt) {
  auto log = EventLog::Open(TempDir());
  ASSERT_TRUE(log.ok());
  Append(**log, 20);
  // Damage before the range is not read again.
  ASSERT_TRUE(EditStored(**log, 3, [](std::string* v) {
    (*v)[v->size() - 2] ^= 0x01;
  }));
  std::vector<std::unique_ptr<v1::EventEnvelope>> events;
  size_t count = 0;
  ASSERT_TRUE((*log)->ReadRange(10, 12, &events, &count).ok());
  ASSERT_EQ(count, 3u);
  EXPECT_EQ(events[0]->sequence(), 10u);
  EXPECT_EQ(events[2]->sequence(), 12u);

  // Event 9's stored hash is where the chain resumes: altered, event 10's
  // previous_hash no longer matches it.
  ASSERT_TRUE(EditStored(**log, 9, [](std::string* v) { (*v)[0] ^= 0x01; }));
  absl::Status s = (*log)->ReadRange(10, 12, &events, &count);
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_NE(s.message().find("event 10: previous_hash"), std::string::npos)
      << s;
}

TEST(EventLogTest, ReadRangeBeyondTheHeadFails) {
  auto log = EventLog::Open(TempDir());
  ASSERT_TRUE(log.ok());
  Append(**log, 5);
  for (uint64_t from : {4, 6}) {  // straddling the head, just after it
    std::vector<std::unique_ptr<v1::EventEnvelope>> events;
    size_t count = 0;
    absl::Status s = (*log)->ReadRange(from, 8, &events, &count);
    EXPECT_EQ(s.code(), absl::StatusCode::kInternal) << from << ": " << s;
    EXPECT_NE(s.message().find("expected events up to 8 but the log ends at 5"),
              std::string::npos)
        << s;
  }
}

TEST(EventLogTest, ReadRangeNamesATamperedEvent) {
  auto log = EventLog::Open(TempDir());
  ASSERT_TRUE(log.ok());
  Append(**log, 20);
  ASSERT_TRUE(EditStored(**log, 12, [](std::string* v) {
    (*v)[v->size() - 2] ^= 0x01;
  }));
  for (uint64_t from : {1, 10, 12}) {
    std::vector<std::unique_ptr<v1::EventEnvelope>> events;
    size_t count = 0;
    absl::Status s = (*log)->ReadRange(from, 15, &events, &count);
    EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << from << ": " << s;
    EXPECT_NE(s.message().find("event 12:"), std::string::npos) << s;
  }
}

}  // namespace
}  // namespace relief
