#include "clients/reliefctl/names.h"

#include <array>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "clients/reliefctl/sample_views.h"
#include "clients/reliefctl/grant_views.h"
#include "clients/reliefctl/loan_views.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/text_format.h"
#include "ledger/domain/accounts.h"
#include "ledger/domain/dossiers.h"
#include "ledger/domain/loans.h"
#include "ledger/domain/money.h"

namespace reliefctl {
namespace {

using relief::v1::Event;
using relief::v1::OrgLevel;
using relief::v1::Role;

struct LevelName {
  OrgLevel level;
  const char* name;
  const char* name_zh;
};

constexpr std::array<LevelName, 6> kLevels = {{
    {relief::v1::ORG_LEVEL_NATIONAL, "national", "全总"},
    {relief::v1::ORG_LEVEL_PROVINCE, "province", "省总"},
    {relief::v1::ORG_LEVEL_CITY, "city", "市总"},
    {relief::v1::ORG_LEVEL_DISTRICT, "district", "区县总工会"},
    {relief::v1::ORG_LEVEL_SECTOR, "sector", "产业/系统工会"},
    {relief::v1::ORG_LEVEL_GRASSROOTS, "grassroots", "基层工会"},
}};

struct RoleNameEntry {
  Role role;
  const char* name;
};

constexpr std::array<RoleNameEntry, 5> kRoles = {{
    {relief::v1::ROLE_ADMIN, "admin"},
    {relief::v1::ROLE_FINANCE_OFFICER, "finance_officer"},
    {relief::v1::ROLE_LOAN_OFFICER, "loan_officer"},
    {relief::v1::ROLE_AUDITOR, "auditor"},
    {relief::v1::ROLE_SERVICE, "service"},
}};

constexpr std::array<relief::v1::FundSource, 4> kFundSources = {{
    relief::v1::FUND_SOURCE_FEDERATION_ALLOCATION,
    relief::v1::FUND_SOURCE_GOVERNMENT_MATCHING,
    relief::v1::FUND_SOURCE_DONATIONS,
    relief::v1::FUND_SOURCE_OWN_FUNDS,
}};

struct CategoryName {
  relief::v1::HardshipCategory category;
  const char* name;
};

// Short names people type; the proto names are long
// ("HARDSHIP_CATEGORY_ZERO_EMPLOYMENT_HOUSEHOLD").
constexpr std::array<CategoryName, 10> kCategories = {{
    {relief::v1::HARDSHIP_CATEGORY_SUBSISTENCE_ALLOWANCE, "subsistence"},
    {relief::v1::HARDSHIP_CATEGORY_NEAR_SUBSISTENCE, "near_subsistence"},
    {relief::v1::HARDSHIP_CATEGORY_SERIOUS_ILLNESS, "serious_illness"},
    {relief::v1::HARDSHIP_CATEGORY_ZERO_EMPLOYMENT_HOUSEHOLD,
     "zero_employment"},
    {relief::v1::HARDSHIP_CATEGORY_SINGLE_PARENT, "single_parent"},
    {relief::v1::HARDSHIP_CATEGORY_DISABILITY, "disability"},
    {relief::v1::HARDSHIP_CATEGORY_MIGRANT_WORKER, "migrant_worker"},
    {relief::v1::HARDSHIP_CATEGORY_AGED_4050, "aged_4050"},
    {relief::v1::HARDSHIP_CATEGORY_MODEL_WORKER, "model_worker"},
    {relief::v1::HARDSHIP_CATEGORY_OTHER, "other"},
}};

struct MethodName {
  relief::v1::RepaymentMethod method;
  const char* name;
  const char* display;
};

constexpr std::array<MethodName, 2> kMethods = {{
    {relief::v1::REPAYMENT_METHOD_EQUAL_PRINCIPAL, "equal_principal",
     "equal principal 等额本金"},
    {relief::v1::REPAYMENT_METHOD_EQUAL_INSTALLMENT, "equal_installment",
     "equal installment 等额本息"},
}};

struct WriteOffReasonName {
  relief::v1::WriteOffReason reason;
  const char* name;
};

constexpr std::array<WriteOffReasonName, 6> kWriteOffReasons = {{
    {relief::v1::WRITE_OFF_REASON_BORROWER_DECEASED, "borrower_deceased"},
    {relief::v1::WRITE_OFF_REASON_BUSINESS_FAILED, "business_failed"},
    {relief::v1::WRITE_OFF_REASON_UNREACHABLE, "unreachable"},
    {relief::v1::WRITE_OFF_REASON_GUARANTOR_DEFAULTED, "guarantor_defaulted"},
    {relief::v1::WRITE_OFF_REASON_DISASTER, "disaster"},
    {relief::v1::WRITE_OFF_REASON_OTHER, "other"},
}};

// Lower case, '-' as '_', without the proto enum prefix if present.
std::string Normalize(std::string_view text, std::string_view proto_prefix) {
  std::string s = absl::AsciiStrToLower(
      absl::StripAsciiWhitespace(absl::string_view(text.data(), text.size())));
  s = absl::StrReplaceAll(s, {{"-", "_"}});
  const std::string prefix = absl::AsciiStrToLower(std::string(proto_prefix));
  if (s.size() > prefix.size() && s.compare(0, prefix.size(), prefix) == 0) {
    s.erase(0, prefix.size());
  }
  return s;
}

// "社会捐助 donations / 本级工会经费 own funds"; "all 全部" for every source.
std::string SourceList(const google::protobuf::RepeatedField<int>& sources) {
  if (sources.size() == static_cast<int>(kFundSources.size())) {
    return "all 全部";
  }
  std::vector<std::string> parts;
  for (const int s : sources) {
    parts.push_back(FundSourceDisplay(static_cast<relief::v1::FundSource>(s)));
  }
  return absl::StrJoin(parts, " / ");
}

// "startup 创业小额借款"; the code alone without a Chinese name.
std::string NameWithZh(const std::string& code, const std::string& name_zh) {
  return name_zh.empty() ? code : absl::StrCat(code, " ", name_zh);
}

// "12 months" or "12 months, the first 3 interest only 宽限".
std::string LoanTerm(uint32_t term_months, uint32_t grace_months) {
  std::string text = absl::StrCat(term_months, " months");
  if (grace_months > 0) {
    absl::StrAppend(&text, ", the first ", grace_months, " interest only 宽限");
  }
  return text;
}

// "3.65% a year 年利率"; "interest-free 免息" at 0.
std::string LoanRate(uint32_t annual_rate_bp) {
  if (annual_rate_bp == 0) return "interest-free 免息";
  return absl::StrCat(PercentOfBp(annual_rate_bp), " a year 年利率");
}

}  // namespace

int ExitCodeForStatus(grpc::StatusCode code) {
  if (code == grpc::StatusCode::OK) return kExitOk;
  return kExitRpcBase + static_cast<int>(code);
}

std::string StatusCodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK: return "OK";
    case grpc::StatusCode::CANCELLED: return "CANCELLED";
    case grpc::StatusCode::UNKNOWN: return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED: return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND: return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS: return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED: return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION: return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED: return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE: return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED: return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL: return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE: return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS: return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED: return "UNAUTHENTICATED";
    default: break;
  }
  return absl::StrCat("CODE_", static_cast<int>(code));
}

std::optional<OrgLevel> ParseOrgLevel(std::string_view text) {
  const std::string s = Normalize(text, "org_level_");
  for (const LevelName& entry : kLevels) {
    if (s == entry.name || text == entry.name_zh) return entry.level;
  }
  // Common Chinese spellings beyond the short names.
  if (text == "全国总工会") return relief::v1::ORG_LEVEL_NATIONAL;
  if (text == "省总工会") return relief::v1::ORG_LEVEL_PROVINCE;
  if (text == "市总工会") return relief::v1::ORG_LEVEL_CITY;
  if (text == "区县总") return relief::v1::ORG_LEVEL_DISTRICT;
  if (text == "基层") return relief::v1::ORG_LEVEL_GRASSROOTS;
  return std::nullopt;
}

std::string OrgLevelName(OrgLevel level) {
  for (const LevelName& entry : kLevels) {
    if (entry.level == level) return entry.name;
  }
  return absl::StrCat("level_", static_cast<int>(level));
}

std::string OrgLevelNameZh(OrgLevel level) {
  for (const LevelName& entry : kLevels) {
    if (entry.level == level) return entry.name_zh;
  }
  return "";
}

std::string OrgLevelDisplay(OrgLevel level) {
  const std::string zh = OrgLevelNameZh(level);
  return zh.empty() ? OrgLevelName(level) : OrgLevelName(level) + " " + zh;
}

std::string OrgLevelChoices() {
  std::vector<std::string> names;
  for (const LevelName& entry : kLevels) names.push_back(entry.name);
  return absl::StrJoin(names, "|");
}

std::optional<Role> ParseRole(std::string_view text) {
  const std::string s = Normalize(text, "role_");
  for (const RoleNameEntry& entry : kRoles) {
    if (s == entry.name) return entry.role;
  }
  return std::nullopt;
}

std::string RoleName(Role role) {
  for (const RoleNameEntry& entry : kRoles) {
    if (entry.role == role) return entry.name;
  }
  return absl::StrCat("role_", static_cast<int>(role));
}

std::string RoleChoices() {
  std::vector<std::string> names;
  for (const RoleNameEntry& entry : kRoles) names.push_back(entry.name);
  return absl::StrJoin(names, "|");
}

std::string RoleList(const google::protobuf::RepeatedField<int>& roles) {
  if (roles.empty()) return "-";
  std::vector<std::string> names;
  for (const int role : roles) names.push_back(RoleName(static_cast<Role>(role)));
  return absl::StrJoin(names, ", ");
}

std::string WriterStateName(relief::v1::WriterState state) {
  switch (state) {
    case relief::v1::WRITER_STATE_RUNNING: return "running";
    case relief::v1::WRITER_STATE_FAILED: return "FAILED";
    case relief::v1::WRITER_STATE_STOPPING: return "stopping";
    default: break;
  }
  return absl::StrCat("unspecified (", static_cast<int>(state), ")");
}

std::optional<relief::v1::FundSource> ParseFundSource(std::string_view text) {
  const std::string s = Normalize(text, "fund_source_");
  for (const relief::v1::FundSource source : kFundSources) {
    const std::string proto_suffix = absl::AsciiStrToLower(
        relief::v1::FundSource_Name(source).substr(
            std::string_view("FUND_SOURCE_").size()));
    if (s == relief::FundSourceSlug(source) || s == proto_suffix) {
      return source;
    }
  }
  return std::nullopt;
}

std::string FundSourceDisplay(relief::v1::FundSource source) {
  if (relief::IsValidFundSource(source)) return relief::FundSourceLabel(source);
  return absl::StrCat("fund_source_", static_cast<int>(source));
}

std::string FundSourceChoices() {
  std::vector<std::string> names;
  for (const relief::v1::FundSource source : kFundSources) {
    names.emplace_back(relief::FundSourceSlug(source));
  }
  return absl::StrJoin(names, "|");
}

std::optional<relief::v1::HardshipCategory> ParseHardshipCategory(
    std::string_view text) {
  const std::string s = Normalize(text, "hardship_category_");
  for (const CategoryName& entry : kCategories) {
    const std::string proto_suffix = absl::AsciiStrToLower(
        relief::v1::HardshipCategory_Name(entry.category)
            .substr(std::string_view("HARDSHIP_CATEGORY_").size()));
    if (s == entry.name || s == proto_suffix) return entry.category;
  }
  return std::nullopt;
}

std::string HardshipCategoryDisplay(relief::v1::HardshipCategory category) {
  for (const CategoryName& entry : kCategories) {
    if (entry.category == category) {
      return relief::HardshipCategoryLabel(category);
    }
  }
  return absl::StrCat("category_", static_cast<int>(category));
}

std::string HardshipCategoryChoices() {
  std::vector<std::string> names;
  for (const CategoryName& entry : kCategories) names.push_back(entry.name);
  return absl::StrJoin(names, "|");
}

std::optional<relief::v1::RepaymentMethod> ParseRepaymentMethod(
    std::string_view text) {
  const std::string s = Normalize(text, "repayment_method_");
  for (const MethodName& entry : kMethods) {
    if (s == entry.name) return entry.method;
  }
  return std::nullopt;
}

std::string RepaymentMethodDisplay(relief::v1::RepaymentMethod method) {
  for (const MethodName& entry : kMethods) {
    if (entry.method == method) return entry.display;
  }
  return absl::StrCat("method_", static_cast<int>(method));
}

std::string RepaymentMethodChoices() {
  std::vector<std::string> names;
  for (const MethodName& entry : kMethods) names.push_back(entry.name);
  return absl::StrJoin(names, "|");
}

std::optional<relief::v1::WriteOffReason> ParseWriteOffReason(
    std::string_view text) {
  const std::string s = Normalize(text, "write_off_reason_");
  for (const WriteOffReasonName& entry : kWriteOffReasons) {
    if (s == entry.name) return entry.reason;
  }
  return std::nullopt;
}

std::string WriteOffReasonDisplay(relief::v1::WriteOffReason reason) {
  for (const WriteOffReasonName& entry : kWriteOffReasons) {
    if (entry.reason == reason) return relief::WriteOffReasonLabel(reason);
  }
  return absl::StrCat("reason_", static_cast<int>(reason));
}

std::string WriteOffReasonChoices() {
  std::vector<std::string> names;
  for (const WriteOffReasonName& entry : kWriteOffReasons) {
    names.push_back(entry.name);
  }
  return absl::StrJoin(names, "|");
}

std::string EventTypeName(const Event& event) {
  // By reflection, so an event kind added to events.proto gets its name
  // without a change here.
  const google::protobuf::OneofDescriptor* kind =
      Event::descriptor()->FindOneofByName("kind");
  const google::protobuf::FieldDescriptor* field =
      kind == nullptr ? nullptr
                      : event.GetReflection()->GetOneofFieldDescriptor(event, kind);
  return field == nullptr ? "unknown" : field->name();
}

std::string SingleLineText(const google::protobuf::Message& message) {
  google::protobuf::TextFormat::Printer printer;
  printer.SetSingleLineMode(true);
  printer.SetUseUtf8StringEscaping(true);  // 济宁, not \346\265\216
  std::string text;
  printer.PrintToString(message, &text);
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

std::string EventSummary(const Event& event) {
  switch (event.kind_case()) {
    case Event::kOrgUnitRegistered: {
      const auto& e = event.org_unit_registered();
      std::string s = absl::StrCat(e.code(), " ", e.name_zh(), ", ",
                                   OrgLevelName(e.level()));
      if (!e.parent_code().empty()) absl::StrAppend(&s, ", under ", e.parent_code());
      return s;
    }
    case Event::kOrgUnitDeactivated: {
      const auto& e = event.org_unit_deactivated();
      return absl::StrCat(e.code(), ": ", e.reason());
    }
    case Event::kTokenIssued: {
      const auto& e = event.token_issued();
      return absl::StrCat(e.name(), " as ", RoleList(e.roles()));
    }
    case Event::kTokenRevoked: {
      const auto& e = event.token_revoked();
      return absl::StrCat(e.name(), ": ", e.reason());
    }
    case Event::kFundsReceived: {
      const auto& e = event.funds_received();
      std::string text = absl::StrCat(
          e.unit_code(), " received ", relief::FormatYuan(e.amount_fen()),
          " yuan ", FundSourceDisplay(e.fund_source()), " from ", e.payer());
      if (e.has_goods()) {
        absl::StrAppend(&text, ", goods: ", e.goods().description(), " x ",
                        e.goods().quantity(), " ", e.goods().quantity_unit());
      }
      if (!e.document_number().empty()) {
        absl::StrAppend(&text, ", document ", e.document_number());
      }
      return text;
    }
    case Event::kFundsAllocated: {
      const auto& e = event.funds_allocated();
      return absl::StrCat(e.from_unit_code(), " -> ", e.to_unit_code(), " ",
                          relief::FormatYuan(e.amount_fen()), " yuan ",
                          FundSourceDisplay(e.fund_source()));
    }
    case Event::kEventReversed: {
      const auto& e = event.event_reversed();
      return absl::StrCat("reverses ", e.reversed_sequence(), ": ", e.reason());
    }
    case Event::kMatchingRuleSet: {
      const auto& e = event.matching_rule_set();
      return absl::StrCat(e.unit_code(), " from ", e.effective_year(),
                          ": government ", e.government_parts(),
                          " : federation ", e.federation_parts());
    }
    case Event::kDossierRegistered: {
      // The keyed hash is of no use to a reader; the masked ID is.
      const auto& e = event.dossier_registered();
      return absl::StrCat(e.dossier_id(), " ", e.name(), " ",
                          e.national_id_masked(), " at ", e.unit_code(), ", ",
                          HardshipCategoryDisplay(e.category()), ", household ",
                          e.household_size());
    }
    case Event::kDossierUpdated: {
      const auto& e = event.dossier_updated();
      return absl::StrCat(e.dossier_id(), " ", e.name(), ", ",
                          HardshipCategoryDisplay(e.category()), ", household ",
                          e.household_size());
    }
    case Event::kDossierExited: {
      const auto& e = event.dossier_exited();
      return absl::StrCat(e.dossier_id(), " exited 脱困: ", e.reason());
    }
    case Event::kDossierReactivated: {
      const auto& e = event.dossier_reactivated();
      return absl::StrCat(e.dossier_id(), " re-activated: ", e.reason());
    }
    case Event::kProgramPolicySet: {
      const auto& e = event.program_policy_set();
      return absl::StrCat(
          NameWithZh(e.program(), e.name_zh()), " from ",
          FormatDate(e.effective_date()), ": ",
          relief::FormatYuan(e.min_amount_fen()), "–",
          relief::FormatYuan(e.max_amount_fen()), " yuan, ",
          e.grants_per_year(),
          " grant(s) a year per person 每人每年, notice 公示 ", e.notice_days(),
          " days, proposals expire 过期 after ", e.expiry_days(), " days");
    }
    // Grants and other aid carry the keyed hash of the person's national ID:
    // of no use to a reader, and not for every role's screen. Memos and
    // payers may name people; they are left out too.
    case Event::kGrantProposed: {
      const auto& e = event.grant_proposed();
      std::string text = absl::StrCat(
          e.grant_id(), ": ", e.unit_code(), " proposed 拟资助 ",
          relief::FormatYuan(e.amount_fen()), " yuan ",
          FundSourceDisplay(e.fund_source()), " to dossier ", e.dossier_id(),
          ", ", ProgramDisplay(e.program()), " ", e.year());
      if (e.goods_quantity() > 0) {
        absl::StrAppend(&text, ", in goods 实物 x ", e.goods_quantity());
      }
      absl::StrAppend(&text, ", by ", e.proposed_by());
      return text;
    }
    case Event::kGrantPosted: {
      return absl::StrCat(event.grant_posted().grant_id(), " posted 已发放");
    }
    case Event::kGrantVoided: {
      const auto& e = event.grant_voided();
      std::string text = absl::StrCat(
          e.grant_id(), e.expired() ? " expired 已过期" : " voided 已作废");
      if (!e.reason().empty()) absl::StrAppend(&text, ": ", e.reason());
      return text;
    }
    case Event::kExternalAidRecorded: {
      const auto& e = event.external_aid_recorded();
      return absl::StrCat(e.dossier_id(), " other aid 已获其他救助: ",
                          relief::FormatYuan(e.amount_fen()), " yuan from ",
                          e.provider(), ", ", ProgramDisplay(e.program()), " ",
                          e.year());
    }
    case Event::kLoanProductSet: {
      const auto& e = event.loan_product_set();
      std::string methods;
      if (e.methods().empty()) {
        methods = "both 均可";
      } else {
        std::vector<std::string> parts;
        for (const int m : e.methods()) {
          parts.push_back(RepaymentMethodDisplay(
              static_cast<relief::v1::RepaymentMethod>(m)));
        }
        methods = absl::StrJoin(parts, " / ");
      }
      return absl::StrCat(
          NameWithZh(e.product(), e.name_zh()), " from ",
          FormatDate(e.effective_date()), ": ",
          relief::FormatYuan(e.min_principal_fen()), "–",
          relief::FormatYuan(e.max_principal_fen()), " yuan, ",
          e.min_term_months(), "–", e.max_term_months(), " months, ",
          LoanRate(e.annual_rate_bp()), ", grace 宽限 up to ",
          e.max_grace_months(), " months, guarantor ",
          e.guarantor_required() ? "required 需担保" : "optional 可无",
          ", methods ", methods, ", sources ", SourceList(e.fund_sources()));
    }
    // Loans: never the borrower's name nor the keyed hash of the national
    // ID (this listing is open to roles that may not read loans); no payer
    // or memo either, which may name people. The schedule is in `loan show`.
    case Event::kLoanDisbursed: {
      const auto& e = event.loan_disbursed();
      return absl::StrCat(e.loan_id(), ": ", e.unit_code(), " lent 借出 ",
                          relief::FormatYuan(e.principal_fen()), " yuan ",
                          FundSourceDisplay(e.fund_source()), " to dossier ",
                          e.dossier_id(), ", product ", e.product(), ", ",
                          LoanTerm(e.term_months(), e.grace_months()), ", ",
                          LoanRate(e.annual_rate_bp()), ", ",
                          RepaymentMethodDisplay(e.method()));
    }
    case Event::kLoanRepaymentRecorded: {
      const auto& e = event.loan_repayment_recorded();
      return absl::StrCat(
          e.repayment_id(), " on loan ", e.loan_id(), ": ",
          relief::FormatYuan(e.amount_fen()), " yuan ",
          e.recovery() ? "recovered after write-off 核销后收回" : "repaid 还款",
          " (principal 本金 ", relief::FormatYuan(e.principal_fen()),
          ", interest 利息 ", relief::FormatYuan(e.interest_fen()),
          "), value date 还款日 ", FormatDate(e.value_date()));
    }
    case Event::kLoanRepaymentReversed: {
      const auto& e = event.loan_repayment_reversed();
      std::string text = absl::StrCat(e.repayment_id(), " on loan ",
                                      e.loan_id(), " reversed 冲正");
      if (!e.reason().empty()) absl::StrAppend(&text, ": ", e.reason());
      return text;
    }
    case Event::kLoanWriteOffProposed: {
      const auto& e = event.loan_write_off_proposed();
      return absl::StrCat("loan ", e.loan_id(), " write-off proposed 拟核销 ",
                          relief::FormatYuan(e.principal_fen()), " yuan, ",
                          WriteOffReasonDisplay(e.reason_code()), ", by ",
                          e.proposed_by(), " on ",
                          FormatDate(e.proposed_date()));
    }
    case Event::kLoanWrittenOff: {
      const auto& e = event.loan_written_off();
      return absl::StrCat("loan ", e.loan_id(), " written off 已核销 ",
                          relief::FormatYuan(e.principal_fen()), " yuan, ",
                          WriteOffReasonDisplay(e.reason_code()),
                          ", proposed by ", e.proposed_by(), ", on ",
                          FormatDate(e.written_off_date()));
    }
    case Event::kLoanRescheduled: {
      const auto& e = event.loan_rescheduled();
      std::string text = absl::StrCat(
          "loan ", e.loan_id(), " rescheduled 展期 as version ",
          e.schedule_version(), " from ", FormatDate(e.start_date()), ": ",
          relief::FormatYuan(e.principal_fen()), " yuan over ", e.term_months(),
          " months, ", RepaymentMethodDisplay(e.method()),
          ", carried interest 结转利息 ",
          relief::FormatYuan(e.carried_interest_fen()), " yuan");
      if (!e.reason().empty()) absl::StrAppend(&text, ": ", e.reason());
      return text;
    }
    case Event::kSampleDrawn:
      return SampleDrawnSummary(event.sample_drawn());
    case Event::KIND_NOT_SET:
      return "(event kind unknown to this reliefctl; see --json)";
    default:
      break;
  }
  // Kinds without a hand-written summary: their fields in text format.
  const google::protobuf::OneofDescriptor* kind =
      Event::descriptor()->FindOneofByName("kind");
  const google::protobuf::FieldDescriptor* field =
      event.GetReflection()->GetOneofFieldDescriptor(event, kind);
  if (field == nullptr ||
      field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
    return "";
  }
  return SingleLineText(event.GetReflection()->GetMessage(event, field));
}

}  // namespace reliefctl
