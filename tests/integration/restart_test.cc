// A restart keeps everything: units, principals, tokens, the head of the log
// and its hash. After a graceful stop (SIGTERM) and after a crash (SIGKILL).
#include <string>
#include <vector>

#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "harness/test_util.h"

namespace relief::testing {
namespace {

using grpc::StatusCode;

// What the server shows about its state, to compare before and after.
struct Observed {
  uint64_t head_sequence = 0;
  std::string head_hash;
  std::vector<v1::OrgUnit> units;
  v1::ListPrincipalsResponse principals;
  std::vector<v1::EventEnvelope> events;
};

Observed Observe(ReliefClient& client) {
  Observed observed;
  v1::GetStatusResponse status = Status(client);
  observed.head_sequence = status.head_sequence();
  observed.head_hash = status.head_hash();
  observed.units =
      ListAllOrgUnits(client, "", /*include_inactive=*/true, status.head_sequence());
  observed.principals = ListPrincipalsAtLeast(client, status.head_sequence());
  observed.principals.clear_as_of_sequence();
  observed.events = ListAllEvents(client);
  return observed;
}

void ExpectSame(const Observed& before, const Observed& after) {
  EXPECT_EQ(after.head_sequence, before.head_sequence);
  EXPECT_EQ(after.head_hash, before.head_hash);
  EXPECT_EQ(DebugString(after.units), DebugString(before.units));
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
      after.principals, before.principals))
      << "before: " << before.principals.ShortDebugString()
      << "\nafter: " << after.principals.ShortDebugString();
  ASSERT_EQ(after.events.size(), before.events.size());
  for (size_t i = 0; i < before.events.size(); ++i) {
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
        after.events[i], before.events[i]))
        << "event " << i;
  }
}

class RestartTest : public ReliefdTest {
 protected:
  void Populate() {
    ReliefClient admin = Admin();
    Register(admin, "nat", v1::ORG_LEVEL_NATIONAL, "");
    Register(admin, "nat.sd", v1::ORG_LEVEL_PROVINCE, "nat");
    Register(admin, "nat.sd.jining", v1::ORG_LEVEL_CITY, "nat.sd");
    Register(admin, "nat.sd.jining.zoucheng", v1::ORG_LEVEL_DISTRICT,
             "nat.sd.jining");
    Register(admin, "nat.sd.jining.old", v1::ORG_LEVEL_DISTRICT,
             "nat.sd.jining");
    v1::DeactivateOrgUnitRequest deactivate;
    deactivate.set_request_id(NewRequestId());
    deactivate.set_code("nat.sd.jining.old");
    deactivate.set_reason("撤并");
    v1::DeactivateOrgUnitResponse deactivated;
    ASSERT_TRUE(RpcOk(admin.DeactivateOrgUnit(deactivate, &deactivated)));
    auditor_token_ = CreateToken(admin, "audit.zhao", {v1::ROLE_AUDITOR});
    revoked_token_ = CreateToken(admin, "gone.li", {v1::ROLE_FINANCE_OFFICER});
    v1::RevokeTokenRequest revoke;
    revoke.set_request_id(NewRequestId());
    revoke.set_name("gone.li");
    revoke.set_reason("transferred");
    v1::RevokeTokenResponse revoked;
    ASSERT_TRUE(RpcOk(admin.RevokeToken(revoke, &revoked)));
  }

  // After a restart: the same state, the same tokens work or do not, the
  // write model knows the units, and new events chain on.
  void CheckAfterRestart(const Observed& before, const std::string& admin_token) {
    EXPECT_EQ(server().admin_token(), admin_token)
        << "admin token changed across restart";
    ReliefClient admin = Admin();
    ExpectSame(before, Observe(admin));

    v1::GetStatusResponse status;
    EXPECT_TRUE(RpcOk(As(auditor_token_).GetStatus({}, &status)));
    EXPECT_TRUE(IsRpcError(As(revoked_token_).GetStatus({}, &status),
                           StatusCode::UNAUTHENTICATED, v1::TOKEN_UNKNOWN));

    v1::RegisterOrgUnitResponse response;
    EXPECT_TRUE(IsRpcError(
        admin.RegisterOrgUnit(MakeRegister(NewRequestId(), "nat.sd.jining",
                                           v1::ORG_LEVEL_CITY, "nat.sd"),
                              &response),
        StatusCode::ALREADY_EXISTS, v1::ORG_UNIT_ALREADY_EXISTS));
    EXPECT_TRUE(IsRpcError(
        admin.RegisterOrgUnit(
            MakeRegister(NewRequestId(), "nat.sd.jining.old.x",
                         v1::ORG_LEVEL_SECTOR, "nat.sd.jining.old"),
            &response),
        StatusCode::FAILED_PRECONDITION, v1::ORG_PARENT_INACTIVE));

    const uint64_t next = Register(admin, "nat.sd.jining.n" +
                                              std::to_string(before.head_sequence),
                                   v1::ORG_LEVEL_DISTRICT, "nat.sd.jining");
    EXPECT_EQ(next, before.head_sequence + 1);
    v1::VerifyChainResponse verified;
    ASSERT_TRUE(RpcOk(admin.VerifyChain({}, &verified)));
    EXPECT_TRUE(verified.ok()) << verified.ShortDebugString();
    EXPECT_EQ(verified.head_sequence(), before.head_sequence + 1);
    EXPECT_EQ(verified.verified_through_sequence(), before.head_sequence + 1);
    std::vector<v1::EventEnvelope> events = ListAllEvents(admin);
    ASSERT_EQ(events.size(), before.head_sequence + 1);
    EXPECT_EQ(events.back().previous_hash(), before.head_hash)
        << "the first event after restart does not link to the old head";
  }

  std::string auditor_token_;
  std::string revoked_token_;
};

TEST_F(RestartTest, GracefulStopKeepsEverything) {
  Populate();
  ReliefClient admin = Admin();
  const Observed before = Observe(admin);
  ASSERT_GT(before.head_sequence, 0u);
  ASSERT_EQ(before.head_hash.size(), 32u);
  const std::string token = server().admin_token();
  RELIEF_ASSERT_OK(server().Stop());

  // The stopped server's data verifies offline.
  absl::StatusOr<CommandOutput> verify = RunVerify(server().data_dir());
  ASSERT_TRUE(verify.ok()) << verify.status();
  EXPECT_EQ(verify->exit_code, 0) << verify->output;
  EXPECT_NE(verify->output.find("ok"), std::string::npos) << verify->output;

  RELIEF_ASSERT_OK(server().Start());
  CheckAfterRestart(before, token);
}

TEST_F(RestartTest, CrashKeepsEverythingAcknowledged) {
  Populate();
  ReliefClient admin = Admin();
  const Observed before = Observe(admin);
  const std::string token = server().admin_token();
  RELIEF_ASSERT_OK(server().Kill());
  RELIEF_ASSERT_OK(server().Start());
  CheckAfterRestart(before, token);

  // And a second crash on top of the first recovery.
  ReliefClient admin2 = Admin();
  const Observed before2 = Observe(admin2);
  RELIEF_ASSERT_OK(server().Kill());
  RELIEF_ASSERT_OK(server().Start());
  ReliefClient admin3 = Admin();
  ExpectSame(before2, Observe(admin3));
}

TEST_F(RestartTest, EmptyLogRestarts) {
  ReliefClient admin = Admin();
  const Observed before = Observe(admin);
  const std::string token = server().admin_token();
  RELIEF_ASSERT_OK(server().Restart());
  EXPECT_EQ(server().admin_token(), token);
  ReliefClient admin2 = Admin();
  ExpectSame(before, Observe(admin2));
  RELIEF_ASSERT_OK(server().Kill());
  RELIEF_ASSERT_OK(server().Start());
  ReliefClient admin3 = Admin();
  ExpectSame(before, Observe(admin3));
}

}  // namespace
}  // namespace relief::testing
