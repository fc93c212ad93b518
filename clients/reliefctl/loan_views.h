// Human text for small loans (小额借款): products, one loan with its
// schedule and repayments, the loan book, arrears aging with PAR30 and
// guarantor exposure, and the loan officer's worklist. Pure functions from
// QueryService responses (and products) to the lines reliefctl prints, so
// layouts are tested without a server.
//
// Dates are business dates (yyyymmdd, China time) shown as YYYY-MM-DD.
// Amounts are yuan (FormatYuan), right-aligned. Percentages come from basis
// points with integer arithmetic only ("12.34%"). Headings carry the
// Chinese term beside the English one.
#ifndef RELIEF_CLIENTS_RELIEFCTL_LOAN_VIEWS_H_
#define RELIEF_CLIENTS_RELIEFCTL_LOAN_VIEWS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "relief/v1/events.pb.h"
#include "relief/v1/ledger_service.pb.h"
#include "relief/v1/query_service.pb.h"

namespace reliefctl {

// 20260315 -> "2026-03-15"; "-" for 0.
std::string FormatDate(int yyyymmdd);

// 365 -> "3.65%", 0 -> "0.00%".
std::string PercentOfBp(int64_t bp);

// `part` / `whole` in basis points, rounded half up; 0 when `whole` <= 0.
// Exact for any int64 amounts (128-bit intermediate).
int64_t ShareBp(int64_t part, int64_t whole);

// "current 正常", "overdue 逾期", "repaid 已结清", "written off 已核销".
std::string LoanStatusDisplay(relief::v1::LoanStatus status);

// "current 未逾期", "1–30 days 逾期1–30天", ..., "over 180 days 逾期180天以上".
std::string AgingBucketDisplay(relief::v1::AgingBucket bucket);

// Product versions, one row each; the sequence column when `results` is
// parallel to `products` (as `program set` shows policies).
std::string RenderLoanProducts(
    const std::vector<relief::v1::LoanProductSet>& products,
    const std::vector<relief::v1::CommandResult>& results);

// A schedule as a table with a total row. With `payments`, what is paid
// per installment and its state (paid 已还 / partly paid 部分已还 /
// overdue 逾期 / unpaid 未还) as of the loan's date; without, the payment
// due each month and the principal left after it (a fresh loan's plan).
std::string RenderLoanSchedule(const relief::v1::LoanSchedule& schedule,
                               bool payments);

// One loan: terms, status and arrears, the schedule in force with paid and
// unpaid installments, repayments (reversed ones marked), earlier
// schedules.
std::string RenderLoan(const relief::v1::GetLoanResponse& response);

// The loan book: one row per loan from one or more merged pages, then the
// totals over every loan of the units.
std::string RenderLoanBook(const relief::v1::ListLoansResponse& merged,
                           absl::string_view unit_code, bool subtree);

// The aging buckets with counts, outstanding principal and share, PAR30,
// then the outstanding principal per guarantor.
std::string RenderLoanAging(
    const relief::v1::ListLoansResponse& book,
    const relief::v1::GetGuarantorExposureResponse& exposure,
    absl::string_view unit_code, bool subtree);

// The worklist: unpaid installments overdue on the date or due within
// `within_days` days, with the guarantor to call.
std::string RenderLoansDue(const relief::v1::ListLoansDueResponse& response,
                           uint32_t within_days);

}  // namespace reliefctl

#endif  // RELIEF_CLIENTS_RELIEFCTL_LOAN_VIEWS_H_
