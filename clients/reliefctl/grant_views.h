// Human text for programs, grants, aid history, the public-notice list
// (公示名单) and the program report: pure functions from QueryService
// responses (and policies) to what reliefctl prints or writes, so layouts
// are tested without a server.
//
// Times a person reads for grants are China Standard Time (UTC+8), the
// calendar the server decides notice, expiry and year in; columns say so.
// Amounts are yuan (FormatYuan), right-aligned. A national ID appears only in
// the masked form the server returns; the notice renderers re-mask anything
// that does not look masked, so a server mistake cannot put a full ID on a
// wall.
#ifndef RELIEF_CLIENTS_RELIEFCTL_GRANT_VIEWS_H_
#define RELIEF_CLIENTS_RELIEFCTL_GRANT_VIEWS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "relief/v1/events.pb.h"
#include "relief/v1/ledger_service.pb.h"
#include "relief/v1/query_service.pb.h"

namespace reliefctl {

// "2024-11-29 18:14:03" in UTC+8; "-" for 0.
std::string FormatChinaTime(int64_t unix_micros);

// "education 金秋助学" for a standard program, else the code itself.
std::string ProgramDisplay(absl::string_view program);

// "pending 待发放", "posted 已发放", "voided 已作废", "expired 已过期".
std::string GrantStatusDisplay(relief::v1::GrantStatus status);

// A CSV cell a spreadsheet will not run as a formula: text starting with
// = + - @ tab or CR gets a leading apostrophe.
std::string SpreadsheetText(absl::string_view text);

// `text` if it is masked (holds a '*'); else a masked form of it that keeps
// at most the first 6 and last 4 characters.
std::string MaskedOnly(absl::string_view text);

// Policies sent by `program set` / `program defaults`, one row each; the
// sequence column when `results` is parallel to `policies`.
std::string RenderPolicies(
    const std::vector<relief::v1::ProgramPolicySet>& policies,
    const std::vector<relief::v1::CommandResult>& results);

std::string RenderGrant(const relief::v1::GetGrantResponse& response);

// The dossier, then its grants and external aid oldest first.
std::string RenderAidHistory(const relief::v1::GetAidHistoryResponse& response);

// The public-notice list as a table.
std::string RenderNoticeList(
    const relief::v1::ListPublicNoticeResponse& response);

// The public-notice list as a CSV file for Excel: UTF-8 BOM, a header row in
// Chinese and English, one row per grant (RFC 4180, CRLF). Text cells that
// a spreadsheet would run as a formula (starting with = + - @) get a
// leading apostrophe.
std::string RenderNoticeCsv(
    const relief::v1::ListPublicNoticeResponse& response);

// Per program and year: people, person-times, households, household
// members, amount; then the breakdowns by category and by fund source.
std::string RenderProgramReport(
    const relief::v1::GetProgramReportResponse& response,
    absl::string_view unit_code, bool subtree);

}  // namespace reliefctl

#endif  // RELIEF_CLIENTS_RELIEFCTL_GRANT_VIEWS_H_
