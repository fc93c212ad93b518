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

// No summary may show the keyed hash of a national ID (escaped bytes in
// text format), a person's name, a payer or a memo: `events tail` is open to
// roles that may not read dossiers or loans.
void ExpectNothingPersonal(const std::string& summary) {
  EXPECT_EQ(summary.find("\\001"), std::string::npos) << summary;
  EXPECT_EQ(summary.find("hmac"), std::string::npos) << summary;
  EXPECT_EQ(summary.find("张三"), std::string::npos) << summary;
  EXPECT_EQ(summary.find("postings {"), std::string::npos) << summary;
  EXPECT_EQ(summary.find("schedule {"), std::string::npos) << summary;
}

TEST(EventTest, SummarisesLoanEventsWithoutNamesOrTheHash) {
  Event product;
  auto* p = product.mutable_loan_product_set();
  p->set_product("startup");
  p->set_name_zh("创业小额借款");
  p->set_name_en("startup loan");
  p->set_effective_date(20260301);
  p->set_min_principal_fen(100000);
  p->set_max_principal_fen(5000000);
  p->set_min_term_months(6);
  p->set_max_term_months(36);
  p->set_annual_rate_bp(0);
  p->set_max_grace_months(3);
  p->add_fund_sources(relief::v1::FUND_SOURCE_DONATIONS);
  p->add_fund_sources(relief::v1::FUND_SOURCE_OWN_FUNDS);
  p->set_guarantor_required(true);
  EXPECT_EQ(EventTypeName(product), "loan_product_set");
  EXPECT_EQ(EventSummary(product),
            "startup 创业小额借款 from 2026-03-01: 1,000.00–50,000.00 yuan, "
            "6–36 months, interest-free 免息, grace 宽限 up to 3 months, "
            "guarantor required 需担保, methods both 均可, sources 社会捐助 "
            "donations / 本级工会经费 own funds");
  p->set_annual_rate_bp(365);
  p->set_guarantor_required(false);
  p->add_methods(relief::v1::REPAYMENT_METHOD_EQUAL_INSTALLMENT);
  for (int source = 1; source <= 4; ++source) {
    if (source != relief::v1::FUND_SOURCE_DONATIONS &&
        source != relief::v1::FUND_SOURCE_OWN_FUNDS) {
      p->add_fund_sources(static_cast<relief::v1::FundSource>(source));
    }
  }
  EXPECT_EQ(EventSummary(product),
            "startup 创业小额借款 from 2026-03-01: 1,000.00–50,000.00 yuan, "
            "6–36 months, 3.65% a year 年利率, grace 宽限 up to 3 months, "
            "guarantor optional 可无, methods equal installment 等额本息, "
            "sources all 全部");

  Event disbursed;
  auto* d = disbursed.mutable_loan_disbursed();
  d->set_loan_id("l61");
  d->set_dossier_id("d16");
  d->set_unit_code("jining.zoucheng");
  d->set_fund_source(relief::v1::FUND_SOURCE_DONATIONS);
  d->set_product("startup");
  d->set_principal_fen(1000000);
  d->set_term_months(12);
  d->set_grace_months(3);
  d->set_annual_rate_bp(365);
  d->set_method(relief::v1::REPAYMENT_METHOD_EQUAL_PRINCIPAL);
  d->set_disbursed_date(20260315);
  d->mutable_guarantor()->set_employer_name("邹城矿业");
  d->set_purpose("张三的早餐店");
  auto* installment = d->add_schedule();
  installment->set_number(1);
  installment->set_due_date(20260415);
  installment->set_interest_fen(3042);
  d->set_national_id_hmac(std::string(32, '\x01'));
  d->set_borrower_name("张三");
  d->add_postings()->set_amount_fen(1000000);
  EXPECT_EQ(EventTypeName(disbursed), "loan_disbursed");
  const std::string disbursed_summary = EventSummary(disbursed);
  EXPECT_EQ(disbursed_summary,
            "l61: jining.zoucheng lent 借出 10,000.00 yuan 社会捐助 donations "
            "to dossier d16, product startup, 12 months, the first 3 interest "
            "only 宽限, 3.65% a year 年利率, equal principal 等额本金");
  ExpectNothingPersonal(disbursed_summary);
  d->set_grace_months(0);
  d->set_annual_rate_bp(0);
  d->set_method(relief::v1::REPAYMENT_METHOD_EQUAL_INSTALLMENT);
  EXPECT_EQ(EventSummary(disbursed),
            "l61: jining.zoucheng lent 借出 10,000.00 yuan 社会捐助 donations "
            "to dossier d16, product startup, 12 months, interest-free 免息, "
            "equal installment 等额本息");

  Event repaid;
  auto* r = repaid.mutable_loan_repayment_recorded();
  r->set_loan_id("l61");
  r->set_repayment_id("r62");
  r->set_amount_fen(100000);
  r->set_value_date(20260415);
  r->set_payer("张三");
  r->set_memo("张三 四月还款");
  r->set_principal_fen(95000);
  r->set_interest_fen(5000);
  auto* allocation = r->add_allocations();
  allocation->set_number(1);
  allocation->set_principal_fen(95000);
  r->set_schedule_version(1);
  r->add_postings()->set_amount_fen(95000);
  EXPECT_EQ(EventTypeName(repaid), "loan_repayment_recorded");
  const std::string repaid_summary = EventSummary(repaid);
  EXPECT_EQ(repaid_summary,
            "r62 on loan l61: 1,000.00 yuan repaid 还款 (principal 本金 "
            "950.00, interest 利息 50.00), value date 还款日 2026-04-15");
  ExpectNothingPersonal(repaid_summary);
  r->set_repayment_id("r70");
  r->set_recovery(true);
  r->set_amount_fen(50000);
  r->set_principal_fen(50000);
  r->set_interest_fen(0);
  r->clear_allocations();
  r->set_value_date(20260901);
  EXPECT_EQ(EventSummary(repaid),
            "r70 on loan l61: 500.00 yuan recovered after write-off 核销后收回 "
            "(principal 本金 500.00, interest 利息 0.00), value date 还款日 "
            "2026-09-01");

  Event reversed;
  auto* v = reversed.mutable_loan_repayment_reversed();
  v->set_loan_id("l61");
  v->set_repayment_id("r62");
  v->set_reason("退票 bounced");
  v->add_postings()->set_amount_fen(95000);
  EXPECT_EQ(EventTypeName(reversed), "loan_repayment_reversed");
  EXPECT_EQ(EventSummary(reversed), "r62 on loan l61 reversed 冲正: 退票 bounced");

  Event proposed;
  auto* w = proposed.mutable_loan_write_off_proposed();
  w->set_loan_id("l61");
  w->set_reason_code(relief::v1::WRITE_OFF_REASON_BORROWER_DECEASED);
  w->set_memo("张三去世");
  w->set_principal_fen(800000);
  w->set_proposed_by("li.wei");
  w->set_proposed_date(20260501);
  EXPECT_EQ(EventTypeName(proposed), "loan_write_off_proposed");
  const std::string proposed_summary = EventSummary(proposed);
  EXPECT_EQ(proposed_summary,
            "loan l61 write-off proposed 拟核销 8,000.00 yuan, 借款人死亡 "
            "borrower deceased, by li.wei on 2026-05-01");
  ExpectNothingPersonal(proposed_summary);

  Event written_off;
  auto* o = written_off.mutable_loan_written_off();
  o->set_loan_id("l61");
  o->set_principal_fen(800000);
  o->set_reason_code(relief::v1::WRITE_OFF_REASON_BORROWER_DECEASED);
  o->set_proposed_by("li.wei");
  o->set_written_off_date(20260502);
  o->add_postings()->set_amount_fen(800000);
  EXPECT_EQ(EventTypeName(written_off), "loan_written_off");
  EXPECT_EQ(EventSummary(written_off),
            "loan l61 written off 已核销 8,000.00 yuan, 借款人死亡 borrower "
            "deceased, proposed by li.wei, on 2026-05-02");

  Event rescheduled;
  auto* s = rescheduled.mutable_loan_rescheduled();
  s->set_loan_id("l61");
  s->set_schedule_version(2);
  s->set_start_date(20260601);
  s->set_term_months(12);
  s->set_method(relief::v1::REPAYMENT_METHOD_EQUAL_INSTALLMENT);
  s->set_reason("经营困难 hardship");
  s->set_principal_fen(700000);
  s->set_carried_interest_fen(3500);
  s->add_schedule()->set_number(1);
  s->set_rescheduled_date(20260520);
  EXPECT_EQ(EventTypeName(rescheduled), "loan_rescheduled");
  const std::string rescheduled_summary = EventSummary(rescheduled);
  EXPECT_EQ(rescheduled_summary,
            "loan l61 rescheduled 展期 as version 2 from 2026-06-01: 7,000.00 "
            "yuan over 12 months, equal installment 等额本息, carried interest "
            "结转利息 35.00 yuan: 经营困难 hardship");
  ExpectNothingPersonal(rescheduled_summary);
  s->clear_reason();
  s->set_carried_interest_fen(0);
  EXPECT_EQ(EventSummary(rescheduled),
            "loan l61 rescheduled 展期 as version 2 from 2026-06-01: 7,000.00 "
            "yuan over 12 months, equal installment 等额本息, carried interest "
            "结转利息 0.00 yuan");
}

TEST(EventTest, SummarisesGrantEventsWithoutTheHash) {
  Event policy;
  auto* p = policy.mutable_program_policy_set();
  p->set_program("education");
  p->set_name_zh("金秋助学");
  p->set_name_en("golden autumn education aid");
  p->set_effective_date(20240901);
  p->set_min_amount_fen(50000);
  p->set_max_amount_fen(300000);
  p->set_grants_per_year(1);
  p->set_notice_days(7);
  p->set_expiry_days(30);
  p->add_fund_sources(relief::v1::FUND_SOURCE_DONATIONS);
  EXPECT_EQ(EventTypeName(policy), "program_policy_set");
  EXPECT_EQ(EventSummary(policy),
            "education 金秋助学 from 2024-09-01: 500.00–3,000.00 yuan, 1 "
            "grant(s) a year per person 每人每年, notice 公示 7 days, "
            "proposals expire 过期 after 30 days");

  Event proposed;
  auto* g = proposed.mutable_grant_proposed();
  g->set_grant_id("g51");
  g->set_dossier_id("d16");
  g->set_program("education");
  g->set_unit_code("jining.zoucheng");
  g->set_fund_source(relief::v1::FUND_SOURCE_DONATIONS);
  g->set_amount_fen(200000);
  g->set_year(2024);
  g->set_notice_ends_unix_micros(1732443243000000);
  g->set_expires_unix_micros(1735035243000000);
  g->set_memo("张三 学费");
  g->set_national_id_hmac(std::string(32, '\x01'));
  g->add_postings()->set_amount_fen(200000);
  g->set_proposed_by("li.wei");
  EXPECT_EQ(EventTypeName(proposed), "grant_proposed");
  const std::string proposed_summary = EventSummary(proposed);
  EXPECT_EQ(proposed_summary,
            "g51: jining.zoucheng proposed 拟资助 2,000.00 yuan 社会捐助 "
            "donations to dossier d16, education 金秋助学 2024, by li.wei");
  ExpectNothingPersonal(proposed_summary);
  g->set_program("winter_coal");  // not a standard program
  g->set_goods_quantity(5);
  EXPECT_EQ(EventSummary(proposed),
            "g51: jining.zoucheng proposed 拟资助 2,000.00 yuan 社会捐助 "
            "donations to dossier d16, winter_coal 2024, in goods 实物 x 5, "
            "by li.wei");

  Event posted;
  posted.mutable_grant_posted()->set_grant_id("g51");
  posted.mutable_grant_posted()->add_postings()->set_amount_fen(200000);
  EXPECT_EQ(EventTypeName(posted), "grant_posted");
  EXPECT_EQ(EventSummary(posted), "g51 posted 已发放");

  Event voided;
  auto* v = voided.mutable_grant_voided();
  v->set_grant_id("g52");
  v->set_reason("群众异议 objection");
  v->add_postings()->set_amount_fen(100000);
  EXPECT_EQ(EventTypeName(voided), "grant_voided");
  EXPECT_EQ(EventSummary(voided), "g52 voided 已作废: 群众异议 objection");
  v->set_expired(true);
  v->set_reason("not posted within 30 days");
  EXPECT_EQ(EventSummary(voided),
            "g52 expired 已过期: not posted within 30 days");
  v->clear_reason();
  EXPECT_EQ(EventSummary(voided), "g52 expired 已过期");

  Event aid;
  auto* a = aid.mutable_external_aid_recorded();
  a->set_dossier_id("d16");
  a->set_program("education");
  a->set_year(2024);
  a->set_provider("民政局");
  a->set_amount_fen(100000);
  a->set_memo("张三 临时救助");
  a->set_national_id_hmac(std::string(32, '\x01'));
  EXPECT_EQ(EventTypeName(aid), "external_aid_recorded");
  const std::string aid_summary = EventSummary(aid);
  EXPECT_EQ(aid_summary,
            "d16 other aid 已获其他救助: 1,000.00 yuan from 民政局, education "
            "金秋助学 2024");
  ExpectNothingPersonal(aid_summary);
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
