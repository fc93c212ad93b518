// Tampering with a stored event is found: flip one byte inside the envelope
// of sequence K in RocksDB (server stopped), then both `reliefd verify` and
// AuditService.VerifyChain must name K as the first bad sequence.
//
// Stored form (ledger/store/event_log.h): column family "events",
//   key   := 8-byte big-endian sequence
//   value := 32-byte SHA-256 hash || EventEnvelope bytes (hash field unset)
#include <cctype>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "harness/stored_events.h"
#include "harness/test_util.h"

namespace relief::testing {
namespace {

constexpr size_t kHashBytes = kStoredHashBytes;

// True when `output` contains "first bad sequence <sequence>" as a whole
// number.
bool NamesFirstBad(const std::string& output, uint64_t sequence) {
  const std::string needle = "first bad sequence " + std::to_string(sequence);
  for (size_t at = output.find(needle); at != std::string::npos;
       at = output.find(needle, at + 1)) {
    size_t end = at + needle.size();
    if (end == output.size() || !std::isdigit(static_cast<unsigned char>(output[end]))) {
      return true;
    }
  }
  return false;
}

bool HasLineStartingWith(const std::string& output, const std::string& prefix) {
  size_t start = 0;
  while (start <= output.size()) {
    if (output.compare(start, prefix.size(), prefix) == 0) return true;
    size_t newline = output.find('\n', start);
    if (newline == std::string::npos) break;
    start = newline + 1;
  }
  return false;
}

class TamperTest : public ReliefdTest {
 protected:
  // Writes ~20 events, each unit with a distinctive English name so a byte
  // inside a string field can be found.
  void WriteEvents() {
    ReliefClient admin = Admin();
    v1::RegisterOrgUnitResponse response;
    ASSERT_TRUE(RpcOk(admin.RegisterOrgUnit(
        MakeRegister(NewRequestId(), "nat", v1::ORG_LEVEL_NATIONAL, "", "全总",
                     "Marker nat"),
        &response)));
    for (int i = 0; i < 20; ++i) {
      const std::string code = "nat.p" + std::to_string(i);
      ASSERT_TRUE(RpcOk(admin.RegisterOrgUnit(
          MakeRegister(NewRequestId(), code, v1::ORG_LEVEL_PROVINCE, "nat",
                       "省总" + std::to_string(i), "Marker " + code),
          &response)));
    }
    head_ = HeadSequence(admin);
    ASSERT_GE(head_, 21u);
    v1::VerifyChainResponse verified;
    ASSERT_TRUE(RpcOk(admin.VerifyChain({}, &verified)));
    ASSERT_TRUE(verified.ok()) << verified.ShortDebugString();
    RELIEF_ASSERT_OK(server().Stop());

    absl::StatusOr<CommandOutput> verify = RunVerify(server().data_dir());
    ASSERT_TRUE(verify.ok()) << verify.status();
    ASSERT_EQ(verify->exit_code, 0) << verify->output;
    ASSERT_TRUE(HasLineStartingWith(verify->output, "ok"))
        << "verify should print a line \"ok ...\": " << verify->output;
  }

  // Both checks name `bad` as the first bad sequence.
  void ExpectTamperFound(uint64_t bad) {
    absl::StatusOr<CommandOutput> verify = RunVerify(server().data_dir());
    ASSERT_TRUE(verify.ok()) << verify.status();
    EXPECT_EQ(verify->exit_code, 1) << verify->output;
    EXPECT_TRUE(NamesFirstBad(verify->output, bad)) << verify->output;

    RELIEF_ASSERT_OK(server().Start());
    ReliefClient admin = Admin();
    v1::VerifyChainResponse verified;
    ASSERT_TRUE(RpcOk(admin.VerifyChain({}, &verified)));
    EXPECT_FALSE(verified.ok());
    EXPECT_EQ(verified.first_bad_sequence(), bad) << verified.ShortDebugString();
    EXPECT_EQ(verified.verified_through_sequence(), bad - 1)
        << verified.ShortDebugString();
    EXPECT_FALSE(verified.problem().empty());
  }

  uint64_t head_ = 0;
};

// A change that still parses: one letter of a name, so only the hash can
// catch it.
TEST_F(TamperTest, ChangedTextInsideEnvelopeIsFound) {
  WriteEvents();
  const uint64_t bad = head_ / 2;
  ASSERT_TRUE(EditStoredEvent(server().data_dir(), bad, [](std::string* value) {
    size_t at = value->find("Marker ", kHashBytes);
    if (at == std::string::npos) return false;
    (*value)[at] = 'm';
    return true;
  }));
  ExpectTamperFound(bad);
}

// A flipped byte in the middle of the envelope (may not even parse).
TEST_F(TamperTest, FlippedByteInsideEnvelopeIsFound) {
  WriteEvents();
  const uint64_t bad = head_ / 2 + 3;
  ASSERT_TRUE(EditStoredEvent(server().data_dir(), bad, [](std::string* value) {
    const size_t payload = value->size() - kHashBytes;
    (*value)[kHashBytes + payload / 2] ^= 0x01;
    return true;
  }));
  ExpectTamperFound(bad);
}

// The envelope of the last event: nothing after it links to it, so only its
// own hash can catch the change.
TEST_F(TamperTest, ChangedHeadEventIsFound) {
  WriteEvents();
  ASSERT_TRUE(EditStoredEvent(server().data_dir(), head_, [](std::string* value) {
    size_t at = value->find("Marker ", kHashBytes);
    if (at == std::string::npos) return false;
    (*value)[at + 1] = 'A';
    return true;
  }));
  ExpectTamperFound(head_);
}

}  // namespace
}  // namespace relief::testing
