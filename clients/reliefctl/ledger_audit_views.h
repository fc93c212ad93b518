// Human text for the books as of a point of the log: the trial balance
// (试算平衡表) and the reconcile (对账) report, and the parsing of the point a
// person types. Pure functions, tested without a server.
//
// Amounts are yuan with two decimals and thousands separators; headings
// carry the Chinese term beside the English one; times are China Standard
// Time (UTC+8), the time the server counts days and years in.
#ifndef RELIEF_CLIENTS_RELIEFCTL_LEDGER_AUDIT_VIEWS_H_
#define RELIEF_CLIENTS_RELIEFCTL_LEDGER_AUDIT_VIEWS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "relief/v1/audit_service.pb.h"

namespace reliefctl {

// Exit code of `audit reconcile` when the read models differ from the
// rebuild, and of `audit trial-balance` when the whole ledger does not
// balance: 1, as `verify` for a broken chain (an audit check failed).
inline constexpr int kExitAuditDifferences = 1;

// A time typed in China time, as unix microseconds:
//   2026-11-24T18:00, 2026-11-24 18:00, with ":SS" optionally  -> that instant
//   2026-11-24                                                 -> the end of
//                                            that day (23:59:59.999999), so
//                                            "as of a date" includes the day.
// Years 2000..2100; a date that does not exist, or anything else, is nullopt.
std::optional<int64_t> ParseChinaTime(std::string_view text);

// "2026-11-24 18:00:00" (UTC+8); "-" for 0.
std::string ChinaTime(int64_t unix_micros);

// The trial balance: per fund source, its accounts (posted and pending
// debits and credits, net), a total line, then per source whether debits
// equal credits. `unit_code` empty: the whole ledger; else says that only
// that unit's (or subtree's) accounts are shown and external ones left out.
std::string RenderTrialBalance(
    const relief::v1::GetTrialBalanceResponse& response,
    std::string_view unit_code, bool subtree);

// True if every fund source of the response balances.
bool TrialBalanceBalanced(const relief::v1::GetTrialBalanceResponse& response);

// One progress line of a running reconcile, for stderr.
std::string ReconcileProgressLine(const relief::v1::ReconcileResponse& progress);

// The final reconcile message: result, point, counts, then the differences
// (projection, key, problem).
std::string RenderReconcile(const relief::v1::ReconcileResponse& done);

}  // namespace reliefctl

#endif  // RELIEF_CLIENTS_RELIEFCTL_LEDGER_AUDIT_VIEWS_H_
