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

TEST(EventTest, SummarisesMoneyAndDossiersInYuanWithoutTheHash) {
  Event received;
  auto* r = received.mutable_funds_received();
  r->set_unit_code("jining");
  r->set_fund_source(relief::v1::FUND_SOURCE_DONATIONS);
  r->set_amount_fen(250000);
  r->set_payer("粮油公司");
  r->mutable_goods()->set_description("大米");
  r->mutable_goods()->set_quantity(100);
  r->mutable_goods()->set_quantity_unit("袋");
  EXPECT_EQ(EventSummary(received),
            "jining received 2,500.00 yuan 社会捐助 donations from 粮油公司, "
            "goods: 大米 x 100 袋");

  Event allocated;
  auto* a = allocated.mutable_funds_allocated();
  a->set_from_unit_code("jining");
  a->set_to_unit_code("jining.zoucheng");
  a->set_fund_source(relief::v1::FUND_SOURCE_GOVERNMENT_MATCHING);
  a->set_amount_fen(30005);
  EXPECT_EQ(EventSummary(allocated),
            "jining -> jining.zoucheng 300.05 yuan 政府配套 government "
            "matching");

  Event dossier;
  auto* d = dossier.mutable_dossier_registered();
  d->set_dossier_id("d16");
  d->set_name("张三");
  d->set_unit_code("jining");
  d->set_national_id_hmac(std::string(32, '\x01'));
  d->set_national_id_masked("370802********1235");
  d->set_category(relief::v1::HARDSHIP_CATEGORY_SERIOUS_ILLNESS);
  d->set_household_size(3);
  EXPECT_EQ(EventSummary(dossier),
            "d16 张三 370802********1235 at jining, 大病 serious illness, "
            "household 3");
}

TEST(FundSourceTest, ParsesSlugsAndProtoNames) {
  EXPECT_EQ(ParseFundSource("donations"), relief::v1::FUND_SOURCE_DONATIONS);
  EXPECT_EQ(ParseFundSource("own-funds"), relief::v1::FUND_SOURCE_OWN_FUNDS);
  EXPECT_EQ(ParseFundSource("FUND_SOURCE_GOVERNMENT_MATCHING"),
            relief::v1::FUND_SOURCE_GOVERNMENT_MATCHING);
  EXPECT_EQ(ParseFundSource("federation"),
            relief::v1::FUND_SOURCE_FEDERATION_ALLOCATION);
  EXPECT_EQ(ParseFundSource("bank"), std::nullopt);
  EXPECT_EQ(ParseFundSource("unspecified"), std::nullopt);
  EXPECT_EQ(FundSourceChoices(), "federation|government|donations|own_funds");
  EXPECT_EQ(FundSourceDisplay(relief::v1::FUND_SOURCE_DONATIONS),
            "社会捐助 donations");
}

TEST(HardshipCategoryTest, ParsesShortNames) {
  EXPECT_EQ(ParseHardshipCategory("zero_employment"),
            relief::v1::HARDSHIP_CATEGORY_ZERO_EMPLOYMENT_HOUSEHOLD);
  EXPECT_EQ(ParseHardshipCategory("subsistence_allowance"),
            relief::v1::HARDSHIP_CATEGORY_SUBSISTENCE_ALLOWANCE);
  EXPECT_EQ(ParseHardshipCategory("unspecified"), std::nullopt);
  EXPECT_EQ(HardshipCategoryDisplay(relief::v1::HARDSHIP_CATEGORY_AGED_4050)
                .substr(0, 10),
            "4050人员");
}

TEST(LoanNamesTest, RepaymentMethodsAndWriteOffReasons) {
  EXPECT_EQ(ParseRepaymentMethod("equal_principal"),
            relief::v1::REPAYMENT_METHOD_EQUAL_PRINCIPAL);
  EXPECT_EQ(ParseRepaymentMethod("equal-installment"),
            relief::v1::REPAYMENT_METHOD_EQUAL_INSTALLMENT);
  EXPECT_EQ(ParseRepaymentMethod("REPAYMENT_METHOD_EQUAL_PRINCIPAL"),
            relief::v1::REPAYMENT_METHOD_EQUAL_PRINCIPAL);
  EXPECT_EQ(ParseRepaymentMethod("unspecified"), std::nullopt);
  EXPECT_EQ(ParseRepaymentMethod("balloon"), std::nullopt);
  EXPECT_EQ(RepaymentMethodChoices(), "equal_principal|equal_installment");
  EXPECT_EQ(
      RepaymentMethodDisplay(relief::v1::REPAYMENT_METHOD_EQUAL_INSTALLMENT),
      "equal installment 等额本息");
  EXPECT_EQ(RepaymentMethodDisplay(relief::v1::REPAYMENT_METHOD_UNSPECIFIED),
            "method_0");

  EXPECT_EQ(ParseWriteOffReason("borrower-deceased"),
            relief::v1::WRITE_OFF_REASON_BORROWER_DECEASED);
  EXPECT_EQ(ParseWriteOffReason("GUARANTOR_DEFAULTED"),
            relief::v1::WRITE_OFF_REASON_GUARANTOR_DEFAULTED);
  EXPECT_EQ(ParseWriteOffReason("write_off_reason_other"),
            relief::v1::WRITE_OFF_REASON_OTHER);
  EXPECT_EQ(ParseWriteOffReason("unspecified"), std::nullopt);
  EXPECT_EQ(WriteOffReasonChoices(),
            "borrower_deceased|business_failed|unreachable|"
            "guarantor_defaulted|disaster|other");
  EXPECT_EQ(WriteOffReasonDisplay(relief::v1::WRITE_OFF_REASON_DISASTER),
            "自然灾害 disaster");
  EXPECT_EQ(WriteOffReasonDisplay(relief::v1::WRITE_OFF_REASON_UNSPECIFIED),
            "reason_0");
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
