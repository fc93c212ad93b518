#include "clients/reliefctl/errors.h"

#include "gtest/gtest.h"

namespace reliefctl {
namespace {

TEST(ReasonFromMessageTest, TakesTheUpperCasePrefix) {
  EXPECT_EQ(ReasonFromMessage("ORG_UNIT_NOT_FOUND: unit 'x' is not registered"),
            "ORG_UNIT_NOT_FOUND");
  EXPECT_EQ(ReasonFromMessage("command 17: ORG_UNIT_NOT_FOUND: x"), "");
  EXPECT_EQ(ReasonFromMessage("failed to connect to all addresses"), "");
  EXPECT_EQ(ReasonFromMessage("Deadline Exceeded"), "");
  EXPECT_EQ(ReasonFromMessage(": x"), "");
  EXPECT_EQ(ReasonFromMessage("QUEUE_FULL:no space"), "");
}

TEST(MakeRpcErrorTest, TrailersWinOverMessagePrefix) {
  const grpc::Status status(grpc::StatusCode::NOT_FOUND,
                            "ORG_UNIT_NOT_FOUND: unit 'x' is not registered");
  EXPECT_EQ(MakeRpcError(status, "").reason, "ORG_UNIT_NOT_FOUND");
  EXPECT_EQ(MakeRpcError(status, "ORG_PARENT_NOT_FOUND").reason,
            "ORG_PARENT_NOT_FOUND");
  EXPECT_EQ(MakeRpcError(status, "").code, grpc::StatusCode::NOT_FOUND);
}

TEST(FormatRpcErrorTest, HumanTwoLines) {
  const RpcError error{grpc::StatusCode::PERMISSION_DENIED, "ROLE_REQUIRED",
                       "ROLE_REQUIRED: RegisterOrgUnit needs role admin"};
  EXPECT_EQ(FormatRpcErrorHuman(error, "127.0.0.1:50051"),
            "error: ROLE_REQUIRED: RegisterOrgUnit needs role admin\n"
            "  (grpc code PERMISSION_DENIED, reason ROLE_REQUIRED)\n");
}

TEST(FormatRpcErrorTest, HumanHintWhenServerUnreachable) {
  const RpcError error{grpc::StatusCode::UNAVAILABLE, "",
                       "failed to connect to all addresses"};
  EXPECT_EQ(FormatRpcErrorHuman(error, "10.0.0.1:9"),
            "error: failed to connect to all addresses\n"
            "  (grpc code UNAVAILABLE, reason none)\n"
            "  hint: is reliefd running and listening on 10.0.0.1:9? "
            "(--server, RELIEF_SERVER)\n");
}

TEST(FormatRpcErrorTest, JsonLine) {
  const RpcError error{grpc::StatusCode::NOT_FOUND, "ORG_UNIT_NOT_FOUND",
                       "ORG_UNIT_NOT_FOUND: unit \"济宁\" is not registered"};
  EXPECT_EQ(FormatRpcErrorJson(error),
            "{\"code\":\"NOT_FOUND\",\"reason\":\"ORG_UNIT_NOT_FOUND\","
            "\"message\":\"ORG_UNIT_NOT_FOUND: unit \\\"济宁\\\" is not "
            "registered\"}\n");
}

}  // namespace
}  // namespace reliefctl
