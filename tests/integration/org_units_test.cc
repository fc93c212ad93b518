// Organisation units end to end: register a tree, read it back, deactivate,
// and every rejection with its exact gRPC code and reason. After each
// rejected command the head of the log must not have moved.
#include <algorithm>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/test_util.h"

namespace relief::testing {
namespace {

using ::testing::ElementsAre;
using grpc::StatusCode;
using v1::OrgLevel;

std::vector<std::string> Codes(const std::vector<v1::OrgUnit>& units) {
  std::vector<std::string> codes;
  for (const v1::OrgUnit& unit : units) codes.push_back(unit.code());
  return codes;
}

class OrgUnitsTest : public ReliefdTest {
 protected:
  // national → province → city → district, plus siblings that share a
  // prefix with a subtree ("nat.prov2", "nat.prov-x") to catch prefix bugs.
  void RegisterTree(ReliefClient& admin) {
    Register(admin, "nat", v1::ORG_LEVEL_NATIONAL, "");
    Register(admin, "nat.prov", v1::ORG_LEVEL_PROVINCE, "nat");
    Register(admin, "nat.prov.city", v1::ORG_LEVEL_CITY, "nat.prov");
    Register(admin, "nat.prov.city.dist", v1::ORG_LEVEL_DISTRICT,
             "nat.prov.city");
    Register(admin, "nat.prov2", v1::ORG_LEVEL_PROVINCE, "nat");
    Register(admin, "nat.prov-x", v1::ORG_LEVEL_PROVINCE, "nat");
  }

  // Sends `request` and expects the given rejection with no new event.
  void ExpectRegisterRejected(const ReliefClient& client,
                              const v1::RegisterOrgUnitRequest& request,
                              StatusCode code, v1::ErrorReason reason) {
    ReliefClient admin = Admin();
    const uint64_t head_before = HeadSequence(admin);
    v1::RegisterOrgUnitResponse response;
    EXPECT_TRUE(IsRpcError(client.RegisterOrgUnit(request, &response), code,
                           reason))
        << "request: " << request.ShortDebugString();
    EXPECT_EQ(HeadSequence(admin), head_before)
        << "a rejected command appended events: "
        << request.ShortDebugString();
  }
};

TEST_F(OrgUnitsTest, RegistersTreeAndReadsItBack) {
  ReliefClient admin = Admin();
  const uint64_t head0 = HeadSequence(admin);
  v1::RegisterOrgUnitResponse response;
  ASSERT_TRUE(RpcOk(admin.RegisterOrgUnit(
      MakeRegister(NewRequestId(), "nat", v1::ORG_LEVEL_NATIONAL, "",
                   "中华全国总工会", "All-China Federation of Trade Unions"),
      &response)));
  EXPECT_EQ(response.result().first_sequence(), head0 + 1);
  EXPECT_EQ(response.result().event_count(), 1u);
  EXPECT_FALSE(response.result().replayed());
  EXPECT_GT(response.result().recorded_at_unix_micros(), 0);
  EXPECT_EQ(HeadSequence(admin), head0 + 1);

  Register(admin, "nat.prov", v1::ORG_LEVEL_PROVINCE, "nat");
  Register(admin, "nat.prov.city", v1::ORG_LEVEL_CITY, "nat.prov");
  const uint64_t last = Register(admin, "nat.prov.city.dist",
                                 v1::ORG_LEVEL_DISTRICT, "nat.prov.city");
  EXPECT_EQ(last, head0 + 4);

  v1::GetOrgUnitRequest get;
  get.set_code("nat");
  get.set_min_sequence(last);
  v1::GetOrgUnitResponse got;
  ASSERT_TRUE(RpcOk(admin.GetOrgUnit(get, &got)));
  EXPECT_GE(got.as_of_sequence(), last);
  EXPECT_EQ(got.unit().code(), "nat");
  EXPECT_EQ(got.unit().name_zh(), "中华全国总工会");
  EXPECT_EQ(got.unit().name_en(), "All-China Federation of Trade Unions");
  EXPECT_EQ(got.unit().level(), v1::ORG_LEVEL_NATIONAL);
  EXPECT_EQ(got.unit().parent_code(), "");
  EXPECT_TRUE(got.unit().active());
  EXPECT_EQ(got.unit().registered_sequence(), head0 + 1);
  EXPECT_EQ(got.unit().deactivated_sequence(), 0u);

  get.set_code("nat.prov.city.dist");
  ASSERT_TRUE(RpcOk(admin.GetOrgUnit(get, &got)));
  EXPECT_EQ(got.unit().parent_code(), "nat.prov.city");
  EXPECT_EQ(got.unit().level(), v1::ORG_LEVEL_DISTRICT);
  EXPECT_EQ(got.unit().registered_sequence(), last);

  get.set_code("nat.nowhere");
  EXPECT_TRUE(IsRpcError(admin.GetOrgUnit(get, &got), StatusCode::NOT_FOUND,
                         v1::ORG_UNIT_NOT_FOUND));
}

TEST_F(OrgUnitsTest, ListsAllAndSubtreesInCodeOrder) {
  ReliefClient admin = Admin();
  RegisterTree(admin);
  Register(admin, "other", v1::ORG_LEVEL_PROVINCE, "");
  const uint64_t head = HeadSequence(admin);

  std::vector<v1::OrgUnit> all = ListAllOrgUnits(admin, "", false, head);
  EXPECT_THAT(Codes(all),
              ElementsAre("nat", "nat.prov", "nat.prov-x", "nat.prov.city",
                          "nat.prov.city.dist", "nat.prov2", "other"));

  EXPECT_THAT(Codes(ListAllOrgUnits(admin, "nat.prov", false, head)),
              ElementsAre("nat.prov", "nat.prov.city", "nat.prov.city.dist"));
  EXPECT_THAT(Codes(ListAllOrgUnits(admin, "nat.prov.city.dist", false, head)),
              ElementsAre("nat.prov.city.dist"));

  // Paging: page size 2 gives the same units in the same order.
  std::vector<v1::OrgUnit> paged = ListAllOrgUnits(admin, "", false, head, 2);
  EXPECT_EQ(Codes(paged), Codes(all));
  v1::ListOrgUnitsRequest request;
  request.set_page_size(2);
  request.set_min_sequence(head);
  v1::ListOrgUnitsResponse response;
  ASSERT_TRUE(RpcOk(admin.ListOrgUnits(request, &response)));
  EXPECT_EQ(response.units_size(), 2);
  EXPECT_FALSE(response.next_page_token().empty());

  // A subtree of an unknown unit: NOT_FOUND or empty are both defensible;
  // it must not list other units.
  request = {};
  request.set_under_code("nat.nowhere");
  request.set_min_sequence(head);
  RpcResult unknown = admin.ListOrgUnits(request, &response);
  if (unknown.ok()) {
    EXPECT_EQ(response.units_size(), 0);
  } else {
    EXPECT_TRUE(IsRpcError(unknown, StatusCode::NOT_FOUND,
                           v1::ORG_UNIT_NOT_FOUND));
  }
}

TEST_F(OrgUnitsTest, DeactivatesLeavesOnly) {
  ReliefClient admin = Admin();
  RegisterTree(admin);
  uint64_t head = HeadSequence(admin);

  v1::DeactivateOrgUnitRequest request;
  request.set_request_id(NewRequestId());
  request.set_code("nat.prov.city");
  request.set_reason("merged");
  v1::DeactivateOrgUnitResponse response;
  EXPECT_TRUE(IsRpcError(admin.DeactivateOrgUnit(request, &response),
                         StatusCode::FAILED_PRECONDITION,
                         v1::ORG_UNIT_HAS_ACTIVE_CHILDREN));
  EXPECT_EQ(HeadSequence(admin), head);

  request.set_request_id(NewRequestId());
  request.set_code("nat.prov.city.dist");
  request.set_reason("合并到市总");
  ASSERT_TRUE(RpcOk(admin.DeactivateOrgUnit(request, &response)));
  const uint64_t deactivated = response.result().first_sequence();
  EXPECT_EQ(deactivated, head + 1);
  EXPECT_EQ(response.result().event_count(), 1u);

  v1::GetOrgUnitRequest get;
  get.set_code("nat.prov.city.dist");
  get.set_min_sequence(deactivated);
  v1::GetOrgUnitResponse got;
  ASSERT_TRUE(RpcOk(admin.GetOrgUnit(get, &got)));
  EXPECT_FALSE(got.unit().active());
  EXPECT_EQ(got.unit().deactivated_sequence(), deactivated);
  EXPECT_EQ(got.unit().deactivation_reason(), "合并到市总");

  // Inactive units are listed only on request.
  EXPECT_THAT(Codes(ListAllOrgUnits(admin, "nat.prov", false, deactivated)),
              ElementsAre("nat.prov", "nat.prov.city"));
  EXPECT_THAT(Codes(ListAllOrgUnits(admin, "nat.prov", true, deactivated)),
              ElementsAre("nat.prov", "nat.prov.city", "nat.prov.city.dist"));

  // Now the city has no active child and can go.
  request.set_request_id(NewRequestId());
  request.set_code("nat.prov.city");
  request.set_reason("merged");
  ASSERT_TRUE(RpcOk(admin.DeactivateOrgUnit(request, &response)));
  head = HeadSequence(admin);

  // Again: already inactive.
  request.set_request_id(NewRequestId());
  EXPECT_TRUE(IsRpcError(admin.DeactivateOrgUnit(request, &response),
                         StatusCode::FAILED_PRECONDITION,
                         v1::ORG_UNIT_INACTIVE));
  // Unknown unit.
  request.set_request_id(NewRequestId());
  request.set_code("nat.nowhere");
  EXPECT_TRUE(IsRpcError(admin.DeactivateOrgUnit(request, &response),
                         StatusCode::NOT_FOUND, v1::ORG_UNIT_NOT_FOUND));
  // Empty reason.
  request.set_request_id(NewRequestId());
  request.set_code("nat.prov2");
  request.set_reason("");
  EXPECT_TRUE(IsRpcError(admin.DeactivateOrgUnit(request, &response),
                         StatusCode::INVALID_ARGUMENT, v1::FIELD_INVALID));
  EXPECT_EQ(HeadSequence(admin), head);

  // No new unit under an inactive parent.
  ExpectRegisterRejected(
      admin,
      MakeRegister(NewRequestId(), "nat.prov.city.new", v1::ORG_LEVEL_DISTRICT,
                   "nat.prov.city"),
      StatusCode::FAILED_PRECONDITION, v1::ORG_PARENT_INACTIVE);
  // The code of an inactive unit stays taken.
  ExpectRegisterRejected(
      admin,
      MakeRegister(NewRequestId(), "nat.prov.city", v1::ORG_LEVEL_CITY,
                   "nat.prov"),
      StatusCode::ALREADY_EXISTS, v1::ORG_UNIT_ALREADY_EXISTS);
}

TEST_F(OrgUnitsTest, RejectsStateConflicts) {
  ReliefClient admin = Admin();
  RegisterTree(admin);
  ExpectRegisterRejected(
      admin, MakeRegister(NewRequestId(), "nat.prov", v1::ORG_LEVEL_PROVINCE, "nat"),
      StatusCode::ALREADY_EXISTS, v1::ORG_UNIT_ALREADY_EXISTS);
  ExpectRegisterRejected(
      admin, MakeRegister(NewRequestId(), "nat", v1::ORG_LEVEL_NATIONAL, ""),
      StatusCode::ALREADY_EXISTS, v1::ORG_UNIT_ALREADY_EXISTS);
  ExpectRegisterRejected(
      admin,
      MakeRegister(NewRequestId(), "ghost.city", v1::ORG_LEVEL_CITY, "ghost"),
      StatusCode::FAILED_PRECONDITION, v1::ORG_PARENT_NOT_FOUND);
  // Code not under its parent.
  ExpectRegisterRejected(
      admin,
      MakeRegister(NewRequestId(), "nat.prov2.city", v1::ORG_LEVEL_CITY,
                   "nat.prov"),
      StatusCode::FAILED_PRECONDITION, v1::ORG_CODE_PARENT_MISMATCH);
  // A grandchild code with the grandparent as parent (two segments more).
  ExpectRegisterRejected(
      admin,
      MakeRegister(NewRequestId(), "nat.prov.x.y", v1::ORG_LEVEL_CITY,
                   "nat.prov"),
      StatusCode::FAILED_PRECONDITION, v1::ORG_CODE_PARENT_MISMATCH);
  // A root code given a parent.
  ExpectRegisterRejected(
      admin,
      MakeRegister(NewRequestId(), "solo", v1::ORG_LEVEL_CITY, "nat.prov"),
      StatusCode::FAILED_PRECONDITION, v1::ORG_CODE_PARENT_MISMATCH);
  // Level not below the parent's.
  ExpectRegisterRejected(
      admin,
      MakeRegister(NewRequestId(), "nat.prov.peer", v1::ORG_LEVEL_PROVINCE,
                   "nat.prov"),
      StatusCode::FAILED_PRECONDITION, v1::ORG_LEVEL_NOT_BELOW_PARENT);
  ExpectRegisterRejected(
      admin,
      MakeRegister(NewRequestId(), "nat.prov.up", v1::ORG_LEVEL_NATIONAL,
                   "nat.prov"),
      StatusCode::FAILED_PRECONDITION, v1::ORG_LEVEL_NOT_BELOW_PARENT);
  // A root must be national or province.
  ExpectRegisterRejected(
      admin, MakeRegister(NewRequestId(), "cityroot", v1::ORG_LEVEL_CITY, ""),
      StatusCode::FAILED_PRECONDITION, v1::ORG_ROOT_LEVEL_INVALID);
  // Level unspecified / unknown enum value.
  ExpectRegisterRejected(
      admin,
      MakeRegister(NewRequestId(), "nat.prov.lvl", v1::ORG_LEVEL_UNSPECIFIED,
                   "nat.prov"),
      StatusCode::INVALID_ARGUMENT, v1::ORG_LEVEL_INVALID);
  ExpectRegisterRejected(
      admin,
      MakeRegister(NewRequestId(), "nat.prov.lvl", static_cast<OrgLevel>(99),
                   "nat.prov"),
      StatusCode::INVALID_ARGUMENT, v1::ORG_LEVEL_INVALID);
}

TEST_F(OrgUnitsTest, RejectsMalformedCodes) {
  ReliefClient admin = Admin();
  Register(admin, "nat", v1::ORG_LEVEL_NATIONAL, "");
  const std::vector<std::string> bad_roots = {
      "", "Shandong", "shan dong", " shandong", "shandong ", "shan.",
      ".shan", "shan..dong", "shan/dong", "shān", std::string(200, 'a'),
      std::string(33, 'a'),  // one segment over 32
      "a\n"};
  for (const std::string& code : bad_roots) {
    ExpectRegisterRejected(
        admin,
        MakeRegister(NewRequestId(), code, v1::ORG_LEVEL_PROVINCE, ""),
        StatusCode::INVALID_ARGUMENT, v1::ORG_CODE_INVALID);
  }
  // Bad child codes under a valid parent: shape is checked before state.
  const std::vector<std::string> bad_children = {
      "nat.Prov", "nat.pr ov", "nat.", "nat.prov.", "nat." + std::string(200, 'b')};
  for (const std::string& code : bad_children) {
    ExpectRegisterRejected(
        admin, MakeRegister(NewRequestId(), code, v1::ORG_LEVEL_PROVINCE, "nat"),
        StatusCode::INVALID_ARGUMENT, v1::ORG_CODE_INVALID);
  }
  // Nine segments (at most eight); 129 bytes in total (at most 128).
  ExpectRegisterRejected(
      admin,
      MakeRegister(NewRequestId(), "a.b.c.d.e.f.g.h.i", v1::ORG_LEVEL_GRASSROOTS,
                   "a.b.c.d.e.f.g.h"),
      StatusCode::INVALID_ARGUMENT, v1::ORG_CODE_INVALID);
  std::string long_code = std::string(32, 'a') + "." + std::string(32, 'b') +
                          "." + std::string(32, 'c') + "." +
                          std::string(30, 'd');  // 129 bytes
  ASSERT_EQ(long_code.size(), 129u);
  ExpectRegisterRejected(
      admin,
      MakeRegister(NewRequestId(), long_code, v1::ORG_LEVEL_DISTRICT,
                   long_code.substr(0, 98)),
      StatusCode::INVALID_ARGUMENT, v1::ORG_CODE_INVALID);

  // The edges that are allowed: [a-z0-9_-], a 32-byte segment.
  Register(admin, "nat.a_b-9", v1::ORG_LEVEL_PROVINCE, "nat");
  Register(admin, "nat." + std::string(32, 'z'), v1::ORG_LEVEL_PROVINCE, "nat");
}

TEST_F(OrgUnitsTest, RejectsBadNamesAndRequestIds) {
  ReliefClient admin = Admin();
  Register(admin, "nat", v1::ORG_LEVEL_NATIONAL, "");

  v1::RegisterOrgUnitRequest request =
      MakeRegister(NewRequestId(), "nat.p", v1::ORG_LEVEL_PROVINCE, "nat");
  request.set_name_zh("");
  ExpectRegisterRejected(admin, request, StatusCode::INVALID_ARGUMENT,
                         v1::FIELD_INVALID);
  request.set_name_zh(std::string(101, 'x'));
  ExpectRegisterRejected(admin, request, StatusCode::INVALID_ARGUMENT,
                         v1::FIELD_INVALID);
  std::string zh101;
  for (int i = 0; i < 101; ++i) zh101 += "工";
  request.set_name_zh(zh101);
  ExpectRegisterRejected(admin, request, StatusCode::INVALID_ARGUMENT,
                         v1::FIELD_INVALID);
  request.set_name_zh("省总");
  request.set_name_en(std::string(101, 'y'));
  ExpectRegisterRejected(admin, request, StatusCode::INVALID_ARGUMENT,
                         v1::FIELD_INVALID);

  request = MakeRegister("", "nat.p", v1::ORG_LEVEL_PROVINCE, "nat");
  ExpectRegisterRejected(admin, request, StatusCode::INVALID_ARGUMENT,
                         v1::REQUEST_ID_INVALID);
  request.set_request_id(std::string(65, 'r'));
  ExpectRegisterRejected(admin, request, StatusCode::INVALID_ARGUMENT,
                         v1::REQUEST_ID_INVALID);
  request.set_request_id("id with\ttab");
  ExpectRegisterRejected(admin, request, StatusCode::INVALID_ARGUMENT,
                         v1::REQUEST_ID_INVALID);

  // The limits themselves are allowed: a 64-byte id, a 100-character name.
  request.set_request_id(std::string(64, 'r'));
  request.set_name_zh(std::string(100, 'x'));
  v1::RegisterOrgUnitResponse response;
  EXPECT_TRUE(RpcOk(admin.RegisterOrgUnit(request, &response)));
}

// Names are limited in characters, not bytes: 100 Chinese characters are 300
// bytes of UTF-8 and must be accepted.
TEST_F(OrgUnitsTest, NameLimitCountsCharactersNotBytes) {
  ReliefClient admin = Admin();
  Register(admin, "nat", v1::ORG_LEVEL_NATIONAL, "");
  std::string zh100;
  for (int i = 0; i < 100; ++i) zh100 += "工";
  v1::RegisterOrgUnitRequest request =
      MakeRegister(NewRequestId(), "nat.p", v1::ORG_LEVEL_PROVINCE, "nat");
  request.set_name_zh(zh100);
  v1::RegisterOrgUnitResponse response;
  EXPECT_TRUE(RpcOk(admin.RegisterOrgUnit(request, &response)));
}

TEST_F(OrgUnitsTest, RequiresAuthenticationAndAdminRole) {
  ReliefClient admin = Admin();
  Register(admin, "nat", v1::ORG_LEVEL_NATIONAL, "");
  const v1::RegisterOrgUnitRequest request =
      MakeRegister(NewRequestId(), "nat.p", v1::ORG_LEVEL_PROVINCE, "nat");

  ReliefClient anonymous = As("");
  ExpectRegisterRejected(anonymous, request, StatusCode::UNAUTHENTICATED,
                         v1::TOKEN_MISSING);
  v1::GetStatusResponse status;
  EXPECT_TRUE(IsRpcError(anonymous.GetStatus({}, &status),
                         StatusCode::UNAUTHENTICATED, v1::TOKEN_MISSING));

  ReliefClient stranger = As("not-a-token-that-was-ever-issued");
  ExpectRegisterRejected(stranger, request, StatusCode::UNAUTHENTICATED,
                         v1::TOKEN_UNKNOWN);
  EXPECT_TRUE(IsRpcError(stranger.GetStatus({}, &status),
                         StatusCode::UNAUTHENTICATED, v1::TOKEN_UNKNOWN));

  // The admin token, sent other than as a Bearer token, is not accepted.
  ReliefClient basic = Admin();
  basic.set_authorization("Basic " + server().admin_token());
  RpcResult basic_result = basic.GetStatus({}, &status);
  EXPECT_EQ(basic_result.status.error_code(), StatusCode::UNAUTHENTICATED)
      << basic_result;

  // An auditor may read but not command.
  const std::string auditor_token =
      CreateToken(admin, "audit.wang", {v1::ROLE_AUDITOR});
  ASSERT_FALSE(auditor_token.empty());
  ReliefClient auditor = As(auditor_token);
  ExpectRegisterRejected(auditor, request, StatusCode::PERMISSION_DENIED,
                         v1::ROLE_REQUIRED);
  ASSERT_TRUE(RpcOk(auditor.GetStatus({}, &status)));
  EXPECT_EQ(status.principal(), "audit.wang");
  EXPECT_THAT(status.roles(), ElementsAre(v1::ROLE_AUDITOR));
  v1::ListPrincipalsResponse principals;
  EXPECT_TRUE(RpcOk(auditor.ListPrincipals({}, &principals)));
  v1::VerifyChainResponse verified;
  EXPECT_TRUE(RpcOk(auditor.VerifyChain({}, &verified)));
  EXPECT_TRUE(verified.ok());

  // A service principal may query, but not list principals or verify.
  const std::string service_token =
      CreateToken(admin, "svc-payroll", {v1::ROLE_SERVICE});
  ReliefClient service = As(service_token);
  ExpectRegisterRejected(service, request, StatusCode::PERMISSION_DENIED,
                         v1::ROLE_REQUIRED);
  EXPECT_TRUE(RpcOk(service.GetStatus({}, &status)));
  EXPECT_TRUE(IsRpcError(service.ListPrincipals({}, &principals),
                         StatusCode::PERMISSION_DENIED, v1::ROLE_REQUIRED));
  EXPECT_TRUE(IsRpcError(service.VerifyChain({}, &verified),
                         StatusCode::PERMISSION_DENIED, v1::ROLE_REQUIRED));

  // A finance officer may not register units either (admin only).
  const std::string finance_token =
      CreateToken(admin, "li.wei", {v1::ROLE_FINANCE_OFFICER});
  ExpectRegisterRejected(As(finance_token), request,
                         StatusCode::PERMISSION_DENIED, v1::ROLE_REQUIRED);

  // Once revoked, the auditor's token is refused everywhere.
  v1::RevokeTokenRequest revoke;
  revoke.set_request_id(NewRequestId());
  revoke.set_name("audit.wang");
  revoke.set_reason("left the committee");
  v1::RevokeTokenResponse revoked;
  ASSERT_TRUE(RpcOk(admin.RevokeToken(revoke, &revoked)));
  ExpectRegisterRejected(auditor, request, StatusCode::UNAUTHENTICATED,
                         v1::TOKEN_UNKNOWN);
  EXPECT_TRUE(IsRpcError(auditor.GetStatus({}, &status),
                         StatusCode::UNAUTHENTICATED, v1::TOKEN_UNKNOWN));

  // And the admin can still do it.
  v1::RegisterOrgUnitResponse response;
  EXPECT_TRUE(RpcOk(admin.RegisterOrgUnit(request, &response)));
}

TEST_F(OrgUnitsTest, ManagesPrincipals) {
  ReliefClient admin = Admin();
  v1::GetStatusResponse me = Status(admin);
  ASSERT_FALSE(me.principal().empty());
  EXPECT_THAT(me.roles(), ::testing::Contains(v1::ROLE_ADMIN));
  const uint64_t head = me.head_sequence();

  v1::CreateTokenRequest create;
  create.set_request_id(NewRequestId());
  create.set_name("zhang.min");
  create.add_roles(v1::ROLE_FINANCE_OFFICER);
  create.add_roles(v1::ROLE_LOAN_OFFICER);
  v1::CreateTokenResponse created;
  ASSERT_TRUE(RpcOk(admin.CreateToken(create, &created)));
  EXPECT_FALSE(created.token().empty());
  EXPECT_EQ(created.result().first_sequence(), head + 1);

  v1::ListPrincipalsResponse principals =
      ListPrincipalsAtLeast(admin, head + 1);
  bool found = false;
  for (const v1::Principal& principal : principals.principals()) {
    if (principal.name() != "zhang.min") continue;
    found = true;
    EXPECT_THAT(principal.roles(), ::testing::UnorderedElementsAre(
                                       v1::ROLE_FINANCE_OFFICER,
                                       v1::ROLE_LOAN_OFFICER));
    EXPECT_FALSE(principal.revoked());
    EXPECT_EQ(principal.issued_sequence(), head + 1);
  }
  EXPECT_TRUE(found) << principals.ShortDebugString();
  // Tokens never appear in a listing.
  EXPECT_EQ(principals.SerializeAsString().find(created.token()),
            std::string::npos);

  const uint64_t head2 = HeadSequence(admin);
  create.set_request_id(NewRequestId());
  EXPECT_TRUE(IsRpcError(admin.CreateToken(create, &created),
                         StatusCode::ALREADY_EXISTS,
                         v1::PRINCIPAL_ALREADY_EXISTS));
  create.set_request_id(NewRequestId());
  create.set_name("nobody.roles");
  create.clear_roles();
  EXPECT_TRUE(IsRpcError(admin.CreateToken(create, &created),
                         StatusCode::INVALID_ARGUMENT, v1::ROLE_INVALID));
  create.add_roles(static_cast<v1::Role>(42));
  create.set_request_id(NewRequestId());
  EXPECT_TRUE(IsRpcError(admin.CreateToken(create, &created),
                         StatusCode::INVALID_ARGUMENT, v1::ROLE_INVALID));

  v1::RevokeTokenRequest revoke;
  revoke.set_request_id(NewRequestId());
  revoke.set_name("nobody.at.all");
  revoke.set_reason("x");
  v1::RevokeTokenResponse revoked;
  EXPECT_TRUE(IsRpcError(admin.RevokeToken(revoke, &revoked),
                         StatusCode::NOT_FOUND, v1::PRINCIPAL_NOT_FOUND));
  // The only admin cannot be revoked.
  revoke.set_request_id(NewRequestId());
  revoke.set_name(me.principal());
  EXPECT_TRUE(IsRpcError(admin.RevokeToken(revoke, &revoked),
                         StatusCode::FAILED_PRECONDITION, v1::LAST_ADMIN));
  EXPECT_EQ(HeadSequence(admin), head2);

  revoke.set_request_id(NewRequestId());
  revoke.set_name("zhang.min");
  ASSERT_TRUE(RpcOk(admin.RevokeToken(revoke, &revoked)));
  revoke.set_request_id(NewRequestId());
  EXPECT_TRUE(IsRpcError(admin.RevokeToken(revoke, &revoked),
                         StatusCode::FAILED_PRECONDITION,
                         v1::PRINCIPAL_REVOKED));
}

}  // namespace
}  // namespace relief::testing
