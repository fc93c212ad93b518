// SubmitCommands: a batch is applied all or nothing, in order, in one write.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/test_util.h"

namespace relief::testing {
namespace {

using grpc::StatusCode;

v1::SubmitCommandsRequest ThousandUnits(const std::string& root,
                                        const std::string& tag) {
  v1::SubmitCommandsRequest request;
  for (int i = 0; i < 1000; ++i) {
    *request.add_commands() =
        MakeRegisterCommand(NewRequestId("batch-" + tag),
                            absl::StrCat(root, ".u", i), v1::ORG_LEVEL_CITY,
                            root);
  }
  return request;
}

class BatchTest : public ReliefdTest {
 protected:
  // Sends `request`, expects the error and that nothing changed.
  void ExpectBatchRejected(const v1::SubmitCommandsRequest& request,
                           StatusCode code, v1::ErrorReason reason,
                           const std::string& index_text) {
    ReliefClient admin = Admin();
    const v1::GetStatusResponse before = Status(admin);
    v1::SubmitCommandsResponse response;
    RpcResult result = admin.SubmitCommands(request, &response);
    EXPECT_TRUE(IsRpcError(result, code, reason));
    if (!index_text.empty()) {
      EXPECT_THAT(result.status.error_message(), ::testing::HasSubstr(index_text));
    }
    EXPECT_EQ(response.results_size(), 0);
    const v1::GetStatusResponse after = Status(admin);
    EXPECT_EQ(after.head_sequence(), before.head_sequence());
    EXPECT_EQ(after.head_hash(), before.head_hash());
  }
};

TEST_F(BatchTest, ThousandCommandsInOneDurableWrite) {
  ReliefClient admin = Admin();
  admin.set_timeout(std::chrono::seconds(60));
  Register(admin, "prov", v1::ORG_LEVEL_PROVINCE, "");
  const uint64_t head = HeadSequence(admin);
  const v1::SubmitCommandsRequest request = ThousandUnits("prov", "ok");
  v1::SubmitCommandsResponse response;
  ASSERT_TRUE(RpcOk(admin.SubmitCommands(request, &response)));
  ASSERT_EQ(response.results_size(), 1000);
  for (int i = 0; i < 1000; ++i) {
    const v1::CommandResult& result = response.results(i);
    EXPECT_EQ(result.first_sequence(), head + 1 + i) << "command " << i;
    EXPECT_EQ(result.event_count(), 1u);
    EXPECT_FALSE(result.replayed());
  }
  EXPECT_EQ(HeadSequence(admin), head + 1000);
  const std::vector<v1::OrgUnit> units =
      ListAllOrgUnits(admin, "prov", false, head + 1000, 1000);
  EXPECT_EQ(units.size(), 1001u);

  // The events carry each command's own request id, in order.
  v1::ListEventsRequest list;
  list.set_after_sequence(head);
  list.set_page_size(1000);
  v1::ListEventsResponse events;
  ASSERT_TRUE(RpcOk(admin.ListEvents(list, &events)));
  ASSERT_EQ(events.events_size(), 1000);
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(events.events(i).request_id(),
              request.commands(i).register_org_unit().request_id());
  }

  // Resending the same batch replays every command: same sequences, nothing
  // new.
  v1::SubmitCommandsResponse again;
  ASSERT_TRUE(RpcOk(admin.SubmitCommands(request, &again)));
  ASSERT_EQ(again.results_size(), 1000);
  for (int i = 0; i < 1000; ++i) {
    EXPECT_TRUE(again.results(i).replayed()) << "command " << i;
    EXPECT_EQ(again.results(i).first_sequence(), head + 1 + i);
  }
  EXPECT_EQ(HeadSequence(admin), head + 1000);

  v1::VerifyChainResponse verified;
  ASSERT_TRUE(RpcOk(admin.VerifyChain({}, &verified)));
  EXPECT_TRUE(verified.ok());
}

TEST_F(BatchTest, LaterCommandsSeeEarlierOnes) {
  ReliefClient admin = Admin();
  v1::SubmitCommandsRequest request;
  *request.add_commands() =
      MakeRegisterCommand(NewRequestId(), "sd", v1::ORG_LEVEL_PROVINCE, "");
  *request.add_commands() =
      MakeRegisterCommand(NewRequestId(), "sd.jn", v1::ORG_LEVEL_CITY, "sd");
  *request.add_commands() = MakeRegisterCommand(
      NewRequestId(), "sd.jn.zc", v1::ORG_LEVEL_DISTRICT, "sd.jn");
  v1::Command deactivate;
  deactivate.mutable_deactivate_org_unit()->set_request_id(NewRequestId());
  deactivate.mutable_deactivate_org_unit()->set_code("sd.jn.zc");
  deactivate.mutable_deactivate_org_unit()->set_reason("test");
  *request.add_commands() = deactivate;
  v1::SubmitCommandsResponse response;
  ASSERT_TRUE(RpcOk(admin.SubmitCommands(request, &response)));
  ASSERT_EQ(response.results_size(), 4);
  for (int i = 1; i < 4; ++i) {
    EXPECT_EQ(response.results(i).first_sequence(),
              response.results(0).first_sequence() + i);
  }
  v1::GetOrgUnitRequest get;
  get.set_code("sd.jn.zc");
  get.set_min_sequence(response.results(3).first_sequence());
  v1::GetOrgUnitResponse got;
  ASSERT_TRUE(RpcOk(admin.GetOrgUnit(get, &got)));
  EXPECT_FALSE(got.unit().active());
}

TEST_F(BatchTest, InvalidCommand500RejectsTheWholeBatch) {
  ReliefClient admin = Admin();
  admin.set_timeout(std::chrono::seconds(60));
  Register(admin, "prov", v1::ORG_LEVEL_PROVINCE, "");

  // Malformed input at index 500.
  v1::SubmitCommandsRequest request = ThousandUnits("prov", "bad");
  request.mutable_commands(500)->mutable_register_org_unit()->set_code(
      "prov.Bad Code");
  ExpectBatchRejected(request, StatusCode::INVALID_ARGUMENT,
                      v1::ORG_CODE_INVALID, "command 500");

  // A domain rule at index 500: a duplicate of command 10 of the same batch.
  request = ThousandUnits("prov", "dup");
  request.mutable_commands(500)->mutable_register_org_unit()->set_code(
      "prov.u10");
  ExpectBatchRejected(request, StatusCode::ALREADY_EXISTS,
                      v1::ORG_UNIT_ALREADY_EXISTS, "command 500");

  // A parent that does not exist at index 500.
  request = ThousandUnits("prov", "parent");
  auto* bad = request.mutable_commands(500)->mutable_register_org_unit();
  bad->set_parent_code("ghost");
  bad->set_code("ghost.u500");
  ExpectBatchRejected(request, StatusCode::FAILED_PRECONDITION,
                      v1::ORG_PARENT_NOT_FOUND, "command 500");

  // Nothing of it is visible.
  const uint64_t head = HeadSequence(admin);
  EXPECT_THAT(ListAllOrgUnits(admin, "prov", false, head), ::testing::SizeIs(1));
  v1::GetOrgUnitRequest get;
  get.set_code("prov.u0");
  get.set_min_sequence(head);
  v1::GetOrgUnitResponse got;
  EXPECT_TRUE(IsRpcError(admin.GetOrgUnit(get, &got), StatusCode::NOT_FOUND,
                         v1::ORG_UNIT_NOT_FOUND));

  // The rejected commands were not remembered: fixed, the batch goes in.
  request.mutable_commands(500)->mutable_register_org_unit()->set_parent_code(
      "prov");
  request.mutable_commands(500)->mutable_register_org_unit()->set_code(
      "prov.u500");
  v1::SubmitCommandsResponse response;
  ASSERT_TRUE(RpcOk(admin.SubmitCommands(request, &response)));
  ASSERT_EQ(response.results_size(), 1000);
  EXPECT_FALSE(response.results(0).replayed());
  EXPECT_EQ(response.results(999).first_sequence(), head + 1000);
}

TEST_F(BatchTest, RejectsMalformedBatches) {
  ReliefClient admin = Admin();
  admin.set_timeout(std::chrono::seconds(60));
  Register(admin, "prov", v1::ORG_LEVEL_PROVINCE, "");

  ExpectBatchRejected(v1::SubmitCommandsRequest(), StatusCode::INVALID_ARGUMENT,
                      v1::BATCH_INVALID, "");

  v1::SubmitCommandsRequest with_token;
  *with_token.add_commands() =
      MakeRegisterCommand(NewRequestId(), "prov.a", v1::ORG_LEVEL_CITY, "prov");
  v1::Command create;
  create.mutable_create_token()->set_request_id(NewRequestId());
  create.mutable_create_token()->set_name("batch.user");
  create.mutable_create_token()->add_roles(v1::ROLE_AUDITOR);
  *with_token.add_commands() = create;
  ExpectBatchRejected(with_token, StatusCode::INVALID_ARGUMENT,
                      v1::BATCH_INVALID, "command 1");

  v1::SubmitCommandsRequest empty_command;
  *empty_command.add_commands() =
      MakeRegisterCommand(NewRequestId(), "prov.a", v1::ORG_LEVEL_CITY, "prov");
  empty_command.add_commands();  // no kind set
  ExpectBatchRejected(empty_command, StatusCode::INVALID_ARGUMENT,
                      v1::BATCH_INVALID, "command 1");

  v1::SubmitCommandsRequest too_many;
  for (int i = 0; i < 10001; ++i) {
    *too_many.add_commands() = MakeRegisterCommand(
        NewRequestId(), absl::StrCat("prov.x", i), v1::ORG_LEVEL_CITY, "prov");
  }
  ExpectBatchRejected(too_many, StatusCode::INVALID_ARGUMENT, v1::BATCH_INVALID,
                      "");

  // Only an admin may submit these commands.
  const std::string auditor = CreateToken(admin, "audit.batch", {v1::ROLE_AUDITOR});
  ReliefClient as_auditor = As(auditor);
  v1::SubmitCommandsRequest request;
  *request.add_commands() =
      MakeRegisterCommand(NewRequestId(), "prov.b", v1::ORG_LEVEL_CITY, "prov");
  v1::SubmitCommandsResponse response;
  EXPECT_TRUE(IsRpcError(as_auditor.SubmitCommands(request, &response),
                         StatusCode::PERMISSION_DENIED, v1::ROLE_REQUIRED));
}

}  // namespace
}  // namespace relief::testing
