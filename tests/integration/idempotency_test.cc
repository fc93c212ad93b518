// Request ids are idempotency keys: the same id with the same content returns
// the original result and appends nothing; with different content it is
// refused; a rejected command is not remembered. Also across restarts.
#include <string>

#include "gtest/gtest.h"
#include "harness/test_util.h"

namespace relief::testing {
namespace {

using grpc::StatusCode;

class IdempotencyTest : public ReliefdTest {
 protected:
  // Resends `request` and expects the original result back, nothing new.
  void ExpectReplay(const v1::RegisterOrgUnitRequest& request,
                    const v1::CommandResult& original) {
    ReliefClient admin = Admin();
    const uint64_t head = HeadSequence(admin);
    v1::RegisterOrgUnitResponse response;
    ASSERT_TRUE(RpcOk(admin.RegisterOrgUnit(request, &response)))
        << request.ShortDebugString();
    EXPECT_TRUE(response.result().replayed());
    EXPECT_EQ(response.result().first_sequence(), original.first_sequence());
    EXPECT_EQ(response.result().event_count(), original.event_count());
    EXPECT_EQ(response.result().recorded_at_unix_micros(),
              original.recorded_at_unix_micros());
    EXPECT_EQ(HeadSequence(admin), head) << "a replay appended events";
  }

  void ExpectReused(const v1::RegisterOrgUnitRequest& request) {
    ReliefClient admin = Admin();
    const uint64_t head = HeadSequence(admin);
    v1::RegisterOrgUnitResponse response;
    EXPECT_TRUE(IsRpcError(admin.RegisterOrgUnit(request, &response),
                           StatusCode::ALREADY_EXISTS, v1::REQUEST_ID_REUSED))
        << request.ShortDebugString();
    EXPECT_EQ(HeadSequence(admin), head);
  }
};

TEST_F(IdempotencyTest, SameIdSameContentReplays) {
  ReliefClient admin = Admin();
  Register(admin, "nat", v1::ORG_LEVEL_NATIONAL, "");
  const v1::RegisterOrgUnitRequest request =
      MakeRegister("7f1c2b9e-0d5a-4c4e-9a37-3f0f6f2f1a11", "nat.prov",
                   v1::ORG_LEVEL_PROVINCE, "nat");
  v1::RegisterOrgUnitResponse first;
  ASSERT_TRUE(RpcOk(admin.RegisterOrgUnit(request, &first)));
  EXPECT_FALSE(first.result().replayed());

  ExpectReplay(request, first.result());
  ExpectReplay(request, first.result());

  // The log holds the command once.
  int count = 0;
  for (const v1::EventEnvelope& envelope : ListAllEvents(admin)) {
    if (envelope.request_id() == request.request_id()) ++count;
  }
  EXPECT_EQ(count, 1);

  // Still a replay after the unit changed state (deactivated): the original
  // result, not a fresh decision.
  v1::DeactivateOrgUnitRequest deactivate;
  deactivate.set_request_id(NewRequestId());
  deactivate.set_code("nat.prov");
  deactivate.set_reason("test");
  v1::DeactivateOrgUnitResponse deactivated;
  ASSERT_TRUE(RpcOk(admin.DeactivateOrgUnit(deactivate, &deactivated)));
  ExpectReplay(request, first.result());
}

TEST_F(IdempotencyTest, SameIdDifferentContentIsRefused) {
  ReliefClient admin = Admin();
  Register(admin, "nat", v1::ORG_LEVEL_NATIONAL, "");
  const v1::RegisterOrgUnitRequest request =
      MakeRegister(NewRequestId(), "nat.prov", v1::ORG_LEVEL_PROVINCE, "nat");
  v1::RegisterOrgUnitResponse first;
  ASSERT_TRUE(RpcOk(admin.RegisterOrgUnit(request, &first)));

  v1::RegisterOrgUnitRequest changed = request;
  changed.set_name_zh("另一个名字");
  ExpectReused(changed);
  changed = request;
  changed.set_code("nat.other");
  ExpectReused(changed);
  changed = request;
  changed.set_name_en("");
  ExpectReused(changed);

  // Another command kind with the same id.
  const uint64_t head = HeadSequence(admin);
  v1::DeactivateOrgUnitRequest deactivate;
  deactivate.set_request_id(request.request_id());
  deactivate.set_code("nat.prov");
  deactivate.set_reason("x");
  v1::DeactivateOrgUnitResponse deactivated;
  EXPECT_TRUE(IsRpcError(admin.DeactivateOrgUnit(deactivate, &deactivated),
                         StatusCode::ALREADY_EXISTS, v1::REQUEST_ID_REUSED));
  EXPECT_EQ(HeadSequence(admin), head);

  // The original still replays.
  ExpectReplay(request, first.result());
}

TEST_F(IdempotencyTest, RejectedCommandIsNotRemembered) {
  ReliefClient admin = Admin();
  const v1::RegisterOrgUnitRequest request =
      MakeRegister(NewRequestId(), "nat.prov", v1::ORG_LEVEL_PROVINCE, "nat");
  v1::RegisterOrgUnitResponse response;
  EXPECT_TRUE(IsRpcError(admin.RegisterOrgUnit(request, &response),
                         StatusCode::FAILED_PRECONDITION,
                         v1::ORG_PARENT_NOT_FOUND));
  Register(admin, "nat", v1::ORG_LEVEL_NATIONAL, "");
  // Decided afresh: now it succeeds, not a replay.
  ASSERT_TRUE(RpcOk(admin.RegisterOrgUnit(request, &response)));
  EXPECT_FALSE(response.result().replayed());
  EXPECT_EQ(response.result().first_sequence(), HeadSequence(admin));

  // A request rejected for its shape may also be resent corrected.
  v1::RegisterOrgUnitRequest bad =
      MakeRegister(NewRequestId(), "nat.Bad", v1::ORG_LEVEL_PROVINCE, "nat");
  EXPECT_TRUE(IsRpcError(admin.RegisterOrgUnit(bad, &response),
                         StatusCode::INVALID_ARGUMENT, v1::ORG_CODE_INVALID));
  bad.set_code("nat.good");
  ASSERT_TRUE(RpcOk(admin.RegisterOrgUnit(bad, &response)));
  EXPECT_FALSE(response.result().replayed());
}

TEST_F(IdempotencyTest, CreateTokenReplayOmitsTheToken) {
  ReliefClient admin = Admin();
  v1::CreateTokenRequest request;
  request.set_request_id(NewRequestId());
  request.set_name("chen.jie");
  request.add_roles(v1::ROLE_AUDITOR);
  v1::CreateTokenResponse first;
  ASSERT_TRUE(RpcOk(admin.CreateToken(request, &first)));
  ASSERT_FALSE(first.token().empty());
  const uint64_t head = HeadSequence(admin);

  v1::CreateTokenResponse again;
  ASSERT_TRUE(RpcOk(admin.CreateToken(request, &again)));
  EXPECT_TRUE(again.result().replayed());
  EXPECT_EQ(again.result().first_sequence(), first.result().first_sequence());
  EXPECT_TRUE(again.token().empty()) << "a replay must not show the token";
  EXPECT_EQ(HeadSequence(admin), head);

  // The original token works; the request with other roles is refused.
  v1::GetStatusResponse status;
  EXPECT_TRUE(RpcOk(As(first.token()).GetStatus({}, &status)));
  request.add_roles(v1::ROLE_ADMIN);
  EXPECT_TRUE(IsRpcError(admin.CreateToken(request, &again),
                         StatusCode::ALREADY_EXISTS, v1::REQUEST_ID_REUSED));
  EXPECT_EQ(HeadSequence(admin), head);
}

// Replays and refusals are durable: after a graceful stop and after a crash.
TEST_F(IdempotencyTest, SurvivesRestartAndCrash) {
  ReliefClient admin = Admin();
  Register(admin, "nat", v1::ORG_LEVEL_NATIONAL, "");
  const v1::RegisterOrgUnitRequest request =
      MakeRegister(NewRequestId(), "nat.prov", v1::ORG_LEVEL_PROVINCE, "nat");
  v1::RegisterOrgUnitResponse first;
  ASSERT_TRUE(RpcOk(admin.RegisterOrgUnit(request, &first)));
  v1::RegisterOrgUnitRequest changed = request;
  changed.set_name_zh("改");

  RELIEF_ASSERT_OK(server().Restart());
  ExpectReplay(request, first.result());
  ExpectReused(changed);

  // Written just before a crash: acknowledged means durable.
  const v1::RegisterOrgUnitRequest late =
      MakeRegister(NewRequestId(), "nat.late", v1::ORG_LEVEL_PROVINCE, "nat");
  v1::RegisterOrgUnitResponse late_first;
  {
    ReliefClient admin2 = Admin();
    ASSERT_TRUE(RpcOk(admin2.RegisterOrgUnit(late, &late_first)));
  }
  RELIEF_ASSERT_OK(server().Kill());
  RELIEF_ASSERT_OK(server().Start());
  ExpectReplay(request, first.result());
  ExpectReplay(late, late_first.result());
  ExpectReused(changed);
  v1::RegisterOrgUnitRequest late_changed = late;
  late_changed.set_level(v1::ORG_LEVEL_CITY);
  ExpectReused(late_changed);
}

}  // namespace
}  // namespace relief::testing
