#include "clients/reliefctl/names.h"

#include "gtest/gtest.h"

namespace reliefctl {
namespace {

using relief::v1::Event;

TEST(OrgLevelTest, ParsesEnglishProtoAndChineseNames) {
  EXPECT_EQ(ParseOrgLevel("city"), relief::v1::ORG_LEVEL_CITY);
  EXPECT_EQ(ParseOrgLevel("City"), relief::v1::ORG_LEVEL_CITY);
  EXPECT_EQ(ParseOrgLevel(" grassroots "), relief::v1::ORG_LEVEL_GRASSROOTS);
  EXPECT_EQ(ParseOrgLevel("ORG_LEVEL_DISTRICT"), relief::v1::ORG_LEVEL_DISTRICT);
  EXPECT_EQ(ParseOrgLevel("市总"), relief::v1::ORG_LEVEL_CITY);
  EXPECT_EQ(ParseOrgLevel("全国总工会"), relief::v1::ORG_LEVEL_NATIONAL);
  EXPECT_EQ(ParseOrgLevel("national"), relief::v1::ORG_LEVEL_NATIONAL);
  EXPECT_EQ(ParseOrgLevel("province"), relief::v1::ORG_LEVEL_PROVINCE);
  EXPECT_EQ(ParseOrgLevel("sector"), relief::v1::ORG_LEVEL_SECTOR);
  EXPECT_FALSE(ParseOrgLevel(""));
  EXPECT_FALSE(ParseOrgLevel("unspecified"));
  EXPECT_FALSE(ParseOrgLevel("ORG_LEVEL_UNSPECIFIED"));
  EXPECT_FALSE(ParseOrgLevel("town"));
  EXPECT_FALSE(ParseOrgLevel("org_level_"));
}

TEST(OrgLevelTest, DisplaysEnglishAndChinese) {
  EXPECT_EQ(OrgLevelDisplay(relief::v1::ORG_LEVEL_CITY), "city 市总");
  EXPECT_EQ(OrgLevelDisplay(relief::v1::ORG_LEVEL_PROVINCE), "province 省总");
  EXPECT_EQ(OrgLevelName(relief::v1::ORG_LEVEL_UNSPECIFIED), "level_0");
  EXPECT_EQ(OrgLevelChoices(),
            "national|province|city|district|sector|grassroots");
  // Round trip for every level.
  for (int i = 1; i <= 6; ++i) {
    const auto level = static_cast<relief::v1::OrgLevel>(i);
    EXPECT_EQ(ParseOrgLevel(OrgLevelName(level)), level);
    EXPECT_EQ(ParseOrgLevel(OrgLevelNameZh(level)), level);
  }
}

TEST(RoleTest, ParsesAndNames) {
  EXPECT_EQ(ParseRole("admin"), relief::v1::ROLE_ADMIN);
  EXPECT_EQ(ParseRole("finance_officer"), relief::v1::ROLE_FINANCE_OFFICER);
  EXPECT_EQ(ParseRole("finance-officer"), relief::v1::ROLE_FINANCE_OFFICER);
  EXPECT_EQ(ParseRole("ROLE_LOAN_OFFICER"), relief::v1::ROLE_LOAN_OFFICER);
  EXPECT_EQ(ParseRole("auditor"), relief::v1::ROLE_AUDITOR);
  EXPECT_EQ(ParseRole("service"), relief::v1::ROLE_SERVICE);
  EXPECT_FALSE(ParseRole("root"));
  EXPECT_FALSE(ParseRole("unspecified"));
  EXPECT_EQ(RoleChoices(), "admin|finance_officer|loan_officer|auditor|service");
  google::protobuf::RepeatedField<int> roles;
  EXPECT_EQ(RoleList(roles), "-");
  roles.Add(relief::v1::ROLE_ADMIN);
  roles.Add(relief::v1::ROLE_AUDITOR);
  EXPECT_EQ(RoleList(roles), "admin, auditor");
}

TEST(ExitCodeTest, MapsStatusCodes) {
  EXPECT_EQ(ExitCodeForStatus(grpc::StatusCode::OK), 0);
  EXPECT_EQ(ExitCodeForStatus(grpc::StatusCode::CANCELLED), 11);
  EXPECT_EQ(ExitCodeForStatus(grpc::StatusCode::INVALID_ARGUMENT), 13);
  EXPECT_EQ(ExitCodeForStatus(grpc::StatusCode::NOT_FOUND), 15);
  EXPECT_EQ(ExitCodeForStatus(grpc::StatusCode::ALREADY_EXISTS), 16);
  EXPECT_EQ(ExitCodeForStatus(grpc::StatusCode::PERMISSION_DENIED), 17);
  EXPECT_EQ(ExitCodeForStatus(grpc::StatusCode::FAILED_PRECONDITION), 19);
  EXPECT_EQ(ExitCodeForStatus(grpc::StatusCode::UNAVAILABLE), 24);
  EXPECT_EQ(ExitCodeForStatus(grpc::StatusCode::UNAUTHENTICATED), 26);
  // None collides with the local codes.
  for (int code = 1; code <= 16; ++code) {
    const int exit_code =
        ExitCodeForStatus(static_cast<grpc::StatusCode>(code));
    EXPECT_GT(exit_code, kExitLocal);
    EXPECT_LT(exit_code, 256);
  }
}

TEST(ExitCodeTest, NamesStatusCodes) {
  EXPECT_EQ(StatusCodeName(grpc::StatusCode::NOT_FOUND), "NOT_FOUND");
  EXPECT_EQ(StatusCodeName(grpc::StatusCode::PERMISSION_DENIED),
            "PERMISSION_DENIED");
  EXPECT_EQ(StatusCodeName(static_cast<grpc::StatusCode>(42)), "CODE_42");
}

TEST(EventTest, SummarisesEachKind) {
  Event registered;
  auto* r = registered.mutable_org_unit_registered();
  r->set_code("jining.zoucheng");
  r->set_name_zh("邹城市总工会");
  r->set_level(relief::v1::ORG_LEVEL_DISTRICT);
  r->set_parent_code("jining");
  EXPECT_EQ(EventTypeName(registered), "org_unit_registered");
  EXPECT_EQ(EventSummary(registered),
            "jining.zoucheng 邹城市总工会, district, under jining");

  Event issued;
  issued.mutable_token_issued()->set_name("li.wei");
  issued.mutable_token_issued()->add_roles(relief::v1::ROLE_FINANCE_OFFICER);
  EXPECT_EQ(EventTypeName(issued), "token_issued");
  EXPECT_EQ(EventSummary(issued), "li.wei as finance_officer");

  Event revoked;
  revoked.mutable_token_revoked()->set_name("li.wei");
  revoked.mutable_token_revoked()->set_reason("left");
  EXPECT_EQ(EventSummary(revoked), "li.wei: left");

  Event deactivated;
  deactivated.mutable_org_unit_deactivated()->set_code("x");
  deactivated.mutable_org_unit_deactivated()->set_reason("merged");
  EXPECT_EQ(EventTypeName(deactivated), "org_unit_deactivated");
  EXPECT_EQ(EventSummary(deactivated), "x: merged");

  EXPECT_EQ(EventTypeName(Event()), "unknown");
  EXPECT_EQ(EventSummary(Event()),
            "(event kind unknown to this reliefctl; see --json)");
}

TEST(EventTest, SingleLineTextKeepsChineseReadable) {
  relief::v1::OrgUnitRegistered registered;
  registered.set_code("jining");
  registered.set_name_zh("济宁市总工会");
  registered.set_level(relief::v1::ORG_LEVEL_CITY);
  EXPECT_EQ(SingleLineText(registered),
            "code: \"jining\" name_zh: \"济宁市总工会\" level: ORG_LEVEL_CITY");
}

}  // namespace
}  // namespace reliefctl
