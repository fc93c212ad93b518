// Names a person types and reads for the API's enums, and the exit codes.
//
// Every enum has one canonical lower-case English name ("city",
// "finance_officer") that the CLI accepts and prints; parsing also accepts
// the proto spelling ("ORG_LEVEL_CITY", "ROLE_AUDITOR"), hyphens for
// underscores, and for levels the Chinese short name ("市总"). Tables show
// English and Chinese side by side ("city 市总").
#ifndef RELIEF_CLIENTS_RELIEFCTL_NAMES_H_
#define RELIEF_CLIENTS_RELIEFCTL_NAMES_H_

#include <optional>
#include <string>
#include <string_view>

#include "grpcpp/support/status.h"
#include "relief/v1/events.pb.h"
#include "relief/v1/query_service.pb.h"

namespace reliefctl {

// Exit codes, documented in `reliefctl --help`. Never renumbered: scripts
// depend on them.
inline constexpr int kExitOk = 0;
inline constexpr int kExitChainBroken = 1;  // verify found a broken chain
inline constexpr int kExitUsage = 2;        // bad command line
inline constexpr int kExitLocal = 3;        // token not found, unreadable file
inline constexpr int kExitRpcBase = 10;     // + the gRPC status code

// kExitRpcBase + code: 11 CANCELLED ... 15 NOT_FOUND ... 26 UNAUTHENTICATED.
int ExitCodeForStatus(grpc::StatusCode code);

// "NOT_FOUND", "PERMISSION_DENIED", ...; "CODE_<n>" for an unknown value.
std::string StatusCodeName(grpc::StatusCode code);

std::optional<relief::v1::OrgLevel> ParseOrgLevel(std::string_view text);
std::string OrgLevelName(relief::v1::OrgLevel level);    // "city"
std::string OrgLevelNameZh(relief::v1::OrgLevel level);  // "市总"
std::string OrgLevelDisplay(relief::v1::OrgLevel level);  // "city 市总"
// "national|province|city|district|sector|grassroots"
std::string OrgLevelChoices();

std::optional<relief::v1::Role> ParseRole(std::string_view text);
std::string RoleName(relief::v1::Role role);  // "finance_officer"
std::string RoleChoices();                     // "admin|finance_officer|..."
// "admin, auditor"; "-" for none.
std::string RoleList(const google::protobuf::RepeatedField<int>& roles);

std::string WriterStateName(relief::v1::WriterState state);  // "running"

// Fund sources are typed as their account-name slug ("donations", also
// "FUND_SOURCE_DONATIONS", "own-funds") and shown with the domain's label
// ("社会捐助 donations").
std::optional<relief::v1::FundSource> ParseFundSource(std::string_view text);
std::string FundSourceDisplay(relief::v1::FundSource source);
std::string FundSourceChoices();  // "federation|government|donations|own_funds"

// Hardship categories are typed by short names ("subsistence",
// "zero_employment", also the proto spelling) and shown with the domain's
// label ("低保 subsistence allowance").
std::optional<relief::v1::HardshipCategory> ParseHardshipCategory(
    std::string_view text);
std::string HardshipCategoryDisplay(relief::v1::HardshipCategory category);
std::string HardshipCategoryChoices();  // "subsistence|near_subsistence|..."

// Small-loan repayment methods are typed "equal_principal" (等额本金) or
// "equal_installment" (等额本息), hyphens or the proto spelling accepted,
// and shown as "equal principal 等额本金".
std::optional<relief::v1::RepaymentMethod> ParseRepaymentMethod(
    std::string_view text);
std::string RepaymentMethodDisplay(relief::v1::RepaymentMethod method);
std::string RepaymentMethodChoices();  // "equal_principal|equal_installment"

// Write-off reason codes (核销原因) are typed "borrower_deceased",
// "business_failed", ... and shown with the domain's label ("借款人死亡
// borrower deceased").
std::optional<relief::v1::WriteOffReason> ParseWriteOffReason(
    std::string_view text);
std::string WriteOffReasonDisplay(relief::v1::WriteOffReason reason);
std::string WriteOffReasonChoices();  // "borrower_deceased|business_failed|..."

// The event's kind as its oneof field name ("org_unit_registered"), and a
// short line a person can read ("jining.zoucheng 邹城市总工会, district, under
// jining"). The log is read by roles that may not read personal data, so
// no hand-written summary shows the keyed hash of a national ID, and those
// of grants, aid and loans show no person's name, payer or memo (ids and
// dossier ids instead). Kinds without a hand-written summary show their
// fields in single-line text format; a kind this build does not know (a
// newer server) reads "unknown".
std::string EventTypeName(const relief::v1::Event& event);
std::string EventSummary(const relief::v1::Event& event);

// `message` in protobuf text format on one line, UTF-8 left readable.
std::string SingleLineText(const google::protobuf::Message& message);

}  // namespace reliefctl

#endif  // RELIEF_CLIENTS_RELIEFCTL_NAMES_H_
