#include "ledger/store/event_log.h"

#include <cstdlib>
#include <filesystem>
#include <string>

#include "gtest/gtest.h"
#include "ledger/store/sha256.h"
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

}  // namespace
}  // namespace relief
