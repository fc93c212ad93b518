// Snapshots of the write model (--snapshot-every 10): a server that starts
// from a snapshot (plus the events after it) shows the same state as before,
// decides commands the same way, and equals a server started on a copy of
// the data dir.
#include <filesystem>
#include <string>
#include <vector>

#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "harness/test_util.h"

namespace relief::testing {
namespace {

using grpc::StatusCode;

struct Observed {
  uint64_t head_sequence = 0;
  std::string head_hash;
  std::string units;       // DebugString of all units, inactive too
  std::string principals;  // ListPrincipals without as_of_sequence
};

Observed Observe(ReliefClient& client) {
  Observed observed;
  v1::GetStatusResponse status = Status(client);
  observed.head_sequence = status.head_sequence();
  observed.head_hash = status.head_hash();
  observed.units = DebugString(
      ListAllOrgUnits(client, "", /*include_inactive=*/true, status.head_sequence()));
  v1::ListPrincipalsResponse principals =
      ListPrincipalsAtLeast(client, status.head_sequence());
  principals.clear_as_of_sequence();
  observed.principals = principals.ShortDebugString();
  return observed;
}

void ExpectSame(const Observed& before, const Observed& after) {
  EXPECT_EQ(after.head_sequence, before.head_sequence);
  EXPECT_EQ(after.head_hash, before.head_hash);
  EXPECT_EQ(after.units, before.units);
  EXPECT_EQ(after.principals, before.principals);
}

class SnapshotTest : public ReliefdTest {
 protected:
  SnapshotTest() { options_.snapshot_every = 10; }

  // Appends events until the head reaches `target`: a tree of units with
  // some deactivations and principals mixed in. Remembers one request per
  // kind for replay checks.
  void WriteUntil(uint64_t target) {
    ReliefClient admin = Admin();
    uint64_t head = HeadSequence(admin);
    if (head < target && !have_root_) {
      Register(admin, "nat", v1::ORG_LEVEL_NATIONAL, "");
      have_root_ = true;
      ++head;
    }
    while (head < target) {
      const int n = counter_++;
      if (n % 7 == 3 && !last_register_.code().empty()) {
        v1::DeactivateOrgUnitRequest deactivate;
        deactivate.set_request_id(NewRequestId("deact"));
        deactivate.set_code(last_register_.code());
        deactivate.set_reason("撤销 " + std::to_string(n));
        v1::DeactivateOrgUnitResponse response;
        ASSERT_TRUE(RpcOk(admin.DeactivateOrgUnit(deactivate, &response)));
        head = response.result().first_sequence();
      } else if (n % 11 == 5) {
        CreateToken(admin, "officer." + std::to_string(n),
                    {v1::ROLE_FINANCE_OFFICER});
        ++head;
      } else {
        last_register_ = MakeRegister(NewRequestId("snap"),
                                      "nat.p" + std::to_string(n),
                                      v1::ORG_LEVEL_PROVINCE, "nat");
        v1::RegisterOrgUnitResponse response;
        ASSERT_TRUE(RpcOk(admin.RegisterOrgUnit(last_register_, &response)));
        last_register_result_ = response.result();
        head = response.result().first_sequence();
      }
    }
    ASSERT_EQ(HeadSequence(admin), target);
  }

  // The write model, not only the read side, came back: it knows what
  // exists and which request ids were used.
  void ExpectDecidesAsBefore() {
    ReliefClient admin = Admin();
    const uint64_t head = HeadSequence(admin);
    v1::RegisterOrgUnitResponse response;
    ASSERT_TRUE(RpcOk(admin.RegisterOrgUnit(last_register_, &response)));
    EXPECT_TRUE(response.result().replayed());
    EXPECT_EQ(response.result().first_sequence(),
              last_register_result_.first_sequence());
    v1::RegisterOrgUnitRequest duplicate = last_register_;
    duplicate.set_request_id(NewRequestId());
    EXPECT_TRUE(IsRpcError(admin.RegisterOrgUnit(duplicate, &response),
                           StatusCode::ALREADY_EXISTS,
                           v1::ORG_UNIT_ALREADY_EXISTS));
    EXPECT_TRUE(IsRpcError(
        admin.RegisterOrgUnit(MakeRegister(NewRequestId(), "nat.p2.x",
                                           v1::ORG_LEVEL_CITY, "nat.p2"),
                              &response),
        StatusCode::FAILED_PRECONDITION, v1::ORG_PARENT_INACTIVE));
    EXPECT_EQ(HeadSequence(admin), head);
    v1::VerifyChainResponse verified;
    ASSERT_TRUE(RpcOk(admin.VerifyChain({}, &verified)));
    EXPECT_TRUE(verified.ok()) << verified.ShortDebugString();
  }

  bool have_root_ = false;
  int counter_ = 0;
  v1::RegisterOrgUnitRequest last_register_;
  v1::CommandResult last_register_result_;
};

TEST_F(SnapshotTest, RestartFromSnapshotShowsTheSameState) {
  WriteUntil(50);
  ReliefClient admin = Admin();
  const Observed before = Observe(admin);
  EXPECT_GE(Status(admin).snapshot_sequence(), 40u)
      << "--snapshot-every 10 after 50 events";
  RELIEF_ASSERT_OK(server().Restart());
  ReliefClient admin2 = Admin();
  ExpectSame(before, Observe(admin2));
  EXPECT_EQ(Status(admin2).snapshot_sequence(), 50u)
      << "a graceful stop writes a snapshot at the head";
  ExpectDecidesAsBefore();
}

// A crash between snapshots: the snapshot plus the events after it.
TEST_F(SnapshotTest, CrashBetweenSnapshotsReplaysTheTail) {
  WriteUntil(55);
  ReliefClient admin = Admin();
  const Observed before = Observe(admin);
  const uint64_t snapshot = Status(admin).snapshot_sequence();
  EXPECT_GE(snapshot, 40u);
  EXPECT_LE(snapshot, 55u);
  RELIEF_ASSERT_OK(server().Kill());
  RELIEF_ASSERT_OK(server().Start());
  ReliefClient admin2 = Admin();
  ExpectSame(before, Observe(admin2));
  ExpectDecidesAsBefore();

  // Keep writing across more snapshots, crash again.
  WriteUntil(87);
  ReliefClient admin3 = Admin();
  const Observed before2 = Observe(admin3);
  RELIEF_ASSERT_OK(server().Kill());
  RELIEF_ASSERT_OK(server().Start());
  ReliefClient admin4 = Admin();
  ExpectSame(before2, Observe(admin4));
  ExpectDecidesAsBefore();
}

// A second server started on a copy of the stopped server's data dir, with
// snapshots at other points, shows the same state.
TEST_F(SnapshotTest, CopyOfDataDirShowsTheSameState) {
  WriteUntil(50);
  ReliefClient admin = Admin();
  const Observed before = Observe(admin);
  RELIEF_ASSERT_OK(server().Stop());

  ReliefdOptions copy_options;
  copy_options.snapshot_every = 7;
  ReliefdProcess copy(copy_options);
  std::error_code error;
  std::filesystem::copy(server().data_dir(), copy.data_dir(),
                        std::filesystem::copy_options::recursive |
                            std::filesystem::copy_options::overwrite_existing,
                        error);
  ASSERT_FALSE(error) << error.message();
  RELIEF_ASSERT_OK(copy.Start());
  ReliefClient copy_admin(copy.channel(), copy.admin_token());
  ExpectSame(before, Observe(copy_admin));
  RELIEF_ASSERT_OK(copy.Stop());

  RELIEF_ASSERT_OK(server().Start());
  ReliefClient admin2 = Admin();
  ExpectSame(before, Observe(admin2));
}

}  // namespace
}  // namespace relief::testing
