// Small loans (小额借款) from a unit's revolving pool (周转金): products as
// dated policy data, disbursement with a monthly schedule, repayments
// (interest first, then principal, oldest due installment first), reversal
// of bounced repayments, write-off with maker-checker, reschedules, and the
// arrears arithmetic (days past due, aging buckets) the read side uses.
//
// Money moves, all within one fund source:
//   disburse              pool              -> loans_receivable
//   repay principal       loans_receivable  -> pool
//   repay interest        external          -> pool
//   write off             loans_receivable  -> loan_losses
//   recover (after w/o)   loan_losses       -> pool
// so pool + loans_receivable + loan_losses of a unit changes only by
// interest (and by the unit's other receipts, grants and allocations).
//
// Dates are business dates yyyymmdd (China time). Pure: no I/O, no clock.
#ifndef RELIEF_LEDGER_DOMAIN_LOANS_H_
#define RELIEF_LEDGER_DOMAIN_LOANS_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/domain/state.h"
#include "relief/storage/v1/storage.pb.h"
#include "relief/v1/events.pb.h"
#include "relief/v1/ledger_service.pb.h"
#include "relief/v1/query_service.pb.h"

namespace relief {

struct CommandContext;

inline constexpr uint32_t kMaxLoanTermMonths = 120;
inline constexpr uint32_t kMaxLoanRateBp = 2400;  // 24 % a year

// ---- Calendar -------------------------------------------------------------

// A real date yyyymmdd in 2000..2100.
bool IsBusinessDate(int yyyymmdd);
// `months` months after `yyyymmdd`, on the same day of the month, or the
// month's last day when it is shorter (31 Jan + 1 month = 28/29 Feb).
int AddMonths(int yyyymmdd, int months);
// Days from `from` to `to` (negative if `to` is earlier).
int DaysBetween(int from, int to);
// yyyymmdd `days` days after `yyyymmdd`.
int AddDays(int yyyymmdd, int days);

// ---- Schedules ------------------------------------------------------------

// One month's interest on `balance_fen` at `annual_rate_bp`, rounded half
// up to the fen: balance * rate / 10000 / 12.
int64_t MonthlyInterest(int64_t balance_fen, uint32_t annual_rate_bp);

// The monthly schedule of `principal_fen` from `start_date` over
// `term_months` (grace months included). Installment k is due k months
// after the start. During grace only interest is due (no installment at
// all if the rate is 0). Equal principal: floor(principal / n) each month;
// equal installment: the largest whole-fen payment whose last installment
// is not smaller. Either way the rounding remainder is in the last
// installment and the principal adds up to `principal_fen` exactly.
// INVALID_ARGUMENT (LOAN_RESCHEDULE_INVALID) if the terms cannot make one.
absl::StatusOr<std::vector<v1::Installment>> BuildSchedule(
    int64_t principal_fen, uint32_t term_months, uint32_t grace_months,
    uint32_t annual_rate_bp, v1::RepaymentMethod method, int start_date);

// ---- Loan arithmetic on a LoanState ----------------------------------------

using LoanState = storage::v1::LoanState;

// principal - principal repaid - written off.
int64_t OutstandingPrincipal(const LoanState& loan);
// Written off, or nothing outstanding.
bool LoanClosed(const LoanState& loan);
// Unpaid interest of installments due on or before `date` plus every unpaid
// principal of the schedule in force: what settles the loan on `date`.
int64_t PayoffAmount(const LoanState& loan, int date);

// Splits `amount_fen` paid on `value_date` over the schedule in force:
// installment by installment, oldest first, interest then principal of
// those due on or before the date; the rest prepays principal of later
// installments, oldest first. REQUIRES: amount <= PayoffAmount.
std::vector<v1::InstallmentPayment> AllocateRepayment(const LoanState& loan,
                                                      int64_t amount_fen,
                                                      int value_date);

v1::AgingBucket BucketOf(int days_past_due);

// The loan as of `date`: schedule in force then, what had been paid by
// then (value dates), days past due of the oldest unpaid installment,
// status. Repayments recorded later with earlier value dates count; reversed
// repayments never do.
v1::Loan LoanAsOf(const LoanState& loan, int date);
v1::LoanSummary SummaryOf(const v1::Loan& loan);

// The same evolution for the write model and the loans read model.
// REQUIRES: `event` is a loan event (not LoanProductSet) for this loan, or
// LoanDisbursed into an empty `loan`.
void EvolveLoanState(LoanState& loan, const v1::Event& event,
                     uint64_t sequence);

// Keeps product versions sorted by effective date; a version for the same
// date replaces the earlier one.
void AddProductVersion(storage::v1::LoanProductState& product,
                       const v1::LoanProductSet& version);

// ---- Commands (decider.cc dispatches here) --------------------------------

absl::Status ValidateSetLoanProduct(const v1::SetLoanProductRequest& c);
absl::Status ValidateDisburseLoan(const v1::DisburseLoanRequest& c);
absl::Status ValidateRecordLoanRepayment(const v1::RecordLoanRepaymentRequest& c);
absl::Status ValidateReverseLoanRepayment(
    const v1::ReverseLoanRepaymentRequest& c);
absl::Status ValidateProposeLoanWriteOff(const v1::ProposeLoanWriteOffRequest& c);
absl::Status ValidateApproveLoanWriteOff(const v1::ApproveLoanWriteOffRequest& c);
absl::Status ValidateRescheduleLoan(const v1::RescheduleLoanRequest& c);

absl::Status DecideSetLoanProduct(const State& state,
                                  const v1::SetLoanProductRequest& c,
                                  std::vector<v1::Event>* events);
absl::Status DecideDisburseLoan(const State& state,
                                const v1::DisburseLoanRequest& c,
                                const CommandContext& context,
                                std::vector<v1::Event>* events);
absl::Status DecideRecordLoanRepayment(const State& state,
                                       const v1::RecordLoanRepaymentRequest& c,
                                       const CommandContext& context,
                                       std::vector<v1::Event>* events);
absl::Status DecideReverseLoanRepayment(
    const State& state, const v1::ReverseLoanRepaymentRequest& c,
    std::vector<v1::Event>* events);
absl::Status DecideProposeLoanWriteOff(const State& state,
                                       const v1::ProposeLoanWriteOffRequest& c,
                                       const CommandContext& context,
                                       std::vector<v1::Event>* events);
absl::Status DecideApproveLoanWriteOff(const State& state,
                                       const v1::ApproveLoanWriteOffRequest& c,
                                       const CommandContext& context,
                                       std::vector<v1::Event>* events);
absl::Status DecideRescheduleLoan(const State& state,
                                  const v1::RescheduleLoanRequest& c,
                                  const CommandContext& context,
                                  std::vector<v1::Event>* events);

// Write-model evolution of every loan event, LoanProductSet included.
void EvolveLoan(State& state, const v1::Event& event, uint64_t sequence);

// "借款人死亡 borrower deceased", for people.
std::string WriteOffReasonLabel(v1::WriteOffReason reason);

}  // namespace relief

#endif  // RELIEF_LEDGER_DOMAIN_LOANS_H_
