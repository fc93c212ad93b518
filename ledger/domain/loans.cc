#include "ledger/domain/loans.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "ledger/domain/accounts.h"
#include "ledger/domain/decider.h"
#include "ledger/domain/dossiers.h"
#include "ledger/domain/funds.h"
#include "ledger/domain/grants.h"
#include "ledger/domain/limits.h"
#include "ledger/domain/money.h"
#include "ledger/domain/rejection.h"
#include "ledger/domain/validation.h"

namespace relief {
namespace {

using storage::v1::LoanInstallmentState;
using storage::v1::LoanProductState;
using storage::v1::LoanRepaymentState;
using storage::v1::LoanScheduleState;

absl::CivilDay ToCivil(int yyyymmdd) {
  return absl::CivilDay(yyyymmdd / 10000, yyyymmdd / 100 % 100, yyyymmdd % 100);
}

int FromCivil(absl::CivilDay d) {
  return static_cast<int>(d.year() * 10000 + d.month() * 100 + d.day());
}

std::string DateText(int yyyymmdd) {
  return absl::StrFormat("%04d-%02d-%02d", yyyymmdd / 10000,
                         yyyymmdd / 100 % 100, yyyymmdd % 100);
}

absl::Status ValidateLoanId(absl::string_view id) {
  return ValidateSequenceId("loan_id", 'l', id, "DisburseLoan");
}

absl::Status BadProduct(absl::string_view why) {
  return InvalidArgument(v1::LOAN_PRODUCT_INVALID,
                         absl::StrCat("the loan product is not valid: ", why));
}

bool ValidMethod(int method) {
  return method == v1::REPAYMENT_METHOD_EQUAL_PRINCIPAL ||
         method == v1::REPAYMENT_METHOD_EQUAL_INSTALLMENT;
}

std::string MethodLabel(v1::RepaymentMethod method) {
  return method == v1::REPAYMENT_METHOD_EQUAL_PRINCIPAL
             ? "equal principal (等额本金)"
             : "equal installment (等额本息)";
}

v1::Posting MakePosting(std::string debit, std::string credit, int64_t amount,
                        v1::FundSource source) {
  v1::Posting p;
  p.set_debit_account(std::move(debit));
  p.set_credit_account(std::move(credit));
  p.set_amount_fen(amount);
  p.set_fund_source(source);
  return p;
}

std::string Receivable(const v1::LoanDisbursed& d) {
  return AccountName(
      {AccountKind::kLoansReceivable, d.unit_code(), d.fund_source(), ""});
}

std::string Losses(const v1::LoanDisbursed& d) {
  return AccountName(
      {AccountKind::kLoanLosses, d.unit_code(), d.fund_source(), ""});
}

const v1::LoanProductSet* ProductInForce(const State& state,
                                         absl::string_view product, int date) {
  const LoanProductState* p = state.FindLoanProduct(product);
  if (p == nullptr) return nullptr;
  const v1::LoanProductSet* in_force = nullptr;
  for (const auto& v : p->versions()) {
    if (v.effective_date() <= date) in_force = &v;
  }
  return in_force;
}

// The loan, NOT_FOUND otherwise.
const LoanState* RequireLoan(const State& state, absl::string_view id,
                             absl::Status* status) {
  const LoanState* loan = state.FindLoan(id);
  if (loan == nullptr) {
    *status = NotFound(v1::LOAN_NOT_FOUND,
                       absl::StrCat("there is no loan '", id, "'"));
  }
  return loan;
}

// The loan if it is still being repaid, FAILED_PRECONDITION otherwise.
const LoanState* RequireActiveLoan(const State& state, absl::string_view id,
                                   absl::Status* status) {
  const LoanState* loan = RequireLoan(state, id, status);
  if (loan == nullptr) return nullptr;
  if (loan->has_written_off()) {
    *status = FailedPrecondition(
        v1::LOAN_NOT_ACTIVE,
        absl::StrCat("loan ", id, " was written off (已核销) on ",
                     DateText(loan->written_off().written_off_date())));
    return nullptr;
  }
  if (OutstandingPrincipal(*loan) == 0) {
    *status = FailedPrecondition(
        v1::LOAN_NOT_ACTIVE,
        absl::StrCat("loan ", id, " is repaid in full (已结清)"));
    return nullptr;
  }
  return loan;
}

const LoanScheduleState& CurrentSchedule(const LoanState& loan) {
  RELIEF_CHECK(loan.schedules_size() > 0, loan.disbursed().loan_id());
  return loan.schedules(loan.schedules_size() - 1);
}

// The schedule in force on `date`: the last whose effective date is on or
// before it (the first one if the date is earlier than every one).
const LoanScheduleState& ScheduleOn(const LoanState& loan, int date) {
  const LoanScheduleState* found = &loan.schedules(0);
  for (const auto& s : loan.schedules()) {
    if (s.effective_date() <= date) found = &s;
  }
  return *found;
}

int LastRepaymentDate(const LoanState& loan) {
  int last = 0;
  for (const auto& r : loan.repayments()) {
    if (!r.reversed()) last = std::max(last, r.recorded().value_date());
  }
  return last;
}

void FillSchedule(const google::protobuf::RepeatedPtrField<v1::Installment>& in,
                  LoanScheduleState* schedule) {
  for (const auto& i : in) {
    *schedule->add_installments()->mutable_scheduled() = i;
  }
}

bool FullyPaid(const LoanInstallmentState& i) {
  return i.principal_paid_fen() == i.scheduled().principal_fen() &&
         i.interest_paid_fen() == i.scheduled().interest_fen();
}

}  // namespace

// ---- Calendar ---------------------------------------------------------------

bool IsBusinessDate(int yyyymmdd) {
  const int year = yyyymmdd / 10000;
  const int month = yyyymmdd / 100 % 100, day = yyyymmdd % 100;
  if (year < 2000 || year > 2100 || month < 1 || month > 12 || day < 1) {
    return false;
  }
  const absl::CivilDay d(year, month, day);
  return d.year() == year && d.month() == month && d.day() == day;
}

int AddMonths(int yyyymmdd, int months) {
  const int day = yyyymmdd % 100;
  const absl::CivilMonth m =
      absl::CivilMonth(yyyymmdd / 10000, yyyymmdd / 100 % 100) + months;
  const absl::CivilDay last = absl::CivilDay(m + 1) - 1;
  return FromCivil(absl::CivilDay(m.year(), m.month(),
                                  std::min(day, static_cast<int>(last.day()))));
}

int DaysBetween(int from, int to) {
  return static_cast<int>(ToCivil(to) - ToCivil(from));
}

int AddDays(int yyyymmdd, int days) { return FromCivil(ToCivil(yyyymmdd) + days); }

// ---- Schedules --------------------------------------------------------------

int64_t MonthlyInterest(int64_t balance_fen, uint32_t annual_rate_bp) {
  if (balance_fen <= 0 || annual_rate_bp == 0) return 0;
  const __int128 numerator =
      static_cast<__int128>(balance_fen) * annual_rate_bp;
  const __int128 denominator = 10000 * 12;
  return static_cast<int64_t>((numerator * 2 + denominator) /
                              (denominator * 2));
}

namespace {

// Equal installments: the total of the last installment when every earlier
// one pays `payment` (interest first). Non-increasing in `payment`.
__int128 LastInstallmentTotal(int64_t principal, int n, uint32_t rate,
                              int64_t payment) {
  __int128 balance = principal;
  for (int k = 1; k < n; ++k) {
    const int64_t interest =
        balance > 0 ? MonthlyInterest(static_cast<int64_t>(balance), rate) : 0;
    balance = balance + interest - payment;
    if (balance < -(static_cast<__int128>(1) << 80)) break;
  }
  const int64_t interest =
      balance > 0 ? MonthlyInterest(static_cast<int64_t>(balance), rate) : 0;
  return balance + interest;
}

}  // namespace

absl::StatusOr<std::vector<v1::Installment>> BuildSchedule(
    int64_t principal, uint32_t term, uint32_t grace, uint32_t rate,
    v1::RepaymentMethod method, int start_date) {
  if (principal <= 0 || principal > kMaxAmountFen || term < 1 ||
      term > kMaxLoanTermMonths || grace >= term || rate > kMaxLoanRateBp ||
      !ValidMethod(method) || !IsBusinessDate(start_date)) {
    return InvalidArgument(v1::LOAN_RESCHEDULE_INVALID,
                           "a schedule needs a principal, 1..120 months, "
                           "fewer grace months than the term, a rate of at "
                           "most 24 % and a method");
  }
  std::vector<v1::Installment> out;
  auto add = [&](int month, int64_t principal_part, int64_t interest) {
    v1::Installment& i = out.emplace_back();
    i.set_number(static_cast<uint32_t>(out.size()));
    i.set_due_date(AddMonths(start_date, month));
    i.set_principal_fen(principal_part);
    i.set_interest_fen(interest);
  };
  if (rate > 0) {
    for (uint32_t m = 1; m <= grace; ++m) {
      add(static_cast<int>(m), 0, MonthlyInterest(principal, rate));
    }
  }
  const int n = static_cast<int>(term - grace);
  int64_t balance = principal;
  if (method == v1::REPAYMENT_METHOD_EQUAL_PRINCIPAL || rate == 0) {
    const int64_t each = principal / n;
    for (int k = 1; k <= n; ++k) {
      const int64_t part = k < n ? each : balance;
      add(static_cast<int>(grace) + k, part, MonthlyInterest(balance, rate));
      balance -= part;
    }
  } else {
    // The largest whole-fen payment whose last installment is not smaller.
    int64_t lo = 0;
    int64_t hi = principal + MonthlyInterest(principal, rate) * n + 1;
    while (lo < hi) {
      const int64_t mid = lo + (hi - lo + 1) / 2;
      if (LastInstallmentTotal(principal, n, rate, mid) >= mid) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    const int64_t payment = lo;
    for (int k = 1; k <= n; ++k) {
      const int64_t interest = MonthlyInterest(balance, rate);
      const int64_t part = k < n ? payment - interest : balance;
      if (part < 0 || part > balance) {
        return Reject(absl::StatusCode::kInternal, v1::INTERNAL_ERROR,
                      "equal-installment schedule did not amortise");
      }
      add(static_cast<int>(grace) + k, part, interest);
      balance -= part;
    }
  }
  return out;
}

// ---- Loan arithmetic --------------------------------------------------------

int64_t OutstandingPrincipal(const LoanState& loan) {
  return loan.disbursed().principal_fen() - loan.principal_repaid_fen() -
         loan.written_off_fen();
}

bool LoanClosed(const LoanState& loan) {
  return loan.has_written_off() || OutstandingPrincipal(loan) == 0;
}

int64_t PayoffAmount(const LoanState& loan, int date) {
  if (LoanClosed(loan)) return 0;
  int64_t owed = 0;
  for (const auto& i : CurrentSchedule(loan).installments()) {
    owed += i.scheduled().principal_fen() - i.principal_paid_fen();
    if (i.scheduled().due_date() <= date) {
      owed += i.scheduled().interest_fen() - i.interest_paid_fen();
    }
  }
  return owed;
}

std::vector<v1::InstallmentPayment> AllocateRepayment(const LoanState& loan,
                                                      int64_t amount,
                                                      int value_date) {
  const LoanScheduleState& schedule = CurrentSchedule(loan);
  std::vector<v1::InstallmentPayment> parts(schedule.installments_size());
  for (int k = 0; k < schedule.installments_size(); ++k) {
    parts[k].set_number(schedule.installments(k).scheduled().number());
  }
  int64_t left = amount;
  // Due installments: interest then principal, oldest first.
  for (int k = 0; k < schedule.installments_size() && left > 0; ++k) {
    const auto& i = schedule.installments(k);
    if (i.scheduled().due_date() > value_date) break;
    const int64_t interest =
        std::min(left, i.scheduled().interest_fen() - i.interest_paid_fen());
    parts[k].set_interest_fen(interest);
    left -= interest;
    const int64_t principal =
        std::min(left, i.scheduled().principal_fen() - i.principal_paid_fen());
    parts[k].set_principal_fen(principal);
    left -= principal;
  }
  // The rest prepays principal of later installments, oldest first.
  for (int k = 0; k < schedule.installments_size() && left > 0; ++k) {
    const auto& i = schedule.installments(k);
    if (i.scheduled().due_date() <= value_date) continue;
    const int64_t principal =
        std::min(left, i.scheduled().principal_fen() - i.principal_paid_fen());
    parts[k].set_principal_fen(principal);
    left -= principal;
  }
  RELIEF_CHECK(left == 0, "repayment above the payoff amount");
  std::vector<v1::InstallmentPayment> out;
  for (auto& p : parts) {
    if (p.interest_fen() != 0 || p.principal_fen() != 0) {
      out.push_back(std::move(p));
    }
  }
  return out;
}

v1::AgingBucket BucketOf(int dpd) {
  if (dpd <= 0) return v1::AGING_BUCKET_CURRENT;
  if (dpd <= 30) return v1::AGING_BUCKET_DPD_1_30;
  if (dpd <= 90) return v1::AGING_BUCKET_DPD_31_90;
  if (dpd <= 180) return v1::AGING_BUCKET_DPD_91_180;
  return v1::AGING_BUCKET_DPD_OVER_180;
}

v1::Loan LoanAsOf(const LoanState& loan, int date) {
  v1::Loan out;
  const v1::LoanDisbursed& d = loan.disbursed();
  *out.mutable_terms() = d;
  out.set_as_of_date(date);
  // What had been paid by `date`, per schedule version and installment.
  int64_t repaid = 0, interest_paid = 0, recovered = 0;
  for (const auto& r : loan.repayments()) {
    v1::LoanRepayment* view = out.add_repayments();
    *view->mutable_recorded() = r.recorded();
    view->set_sequence(r.sequence());
    view->set_reversed(r.reversed());
    view->set_reversal_reason(r.reversal_reason());
    if (r.reversed() || r.recorded().value_date() > date) continue;
    if (r.recorded().recovery()) {
      recovered += r.recorded().principal_fen();
    } else {
      repaid += r.recorded().principal_fen();
      interest_paid += r.recorded().interest_fen();
    }
  }
  const bool written_off =
      loan.has_written_off() && loan.written_off().written_off_date() <= date;
  const int64_t written = written_off ? loan.written_off_fen() : 0;
  const int64_t outstanding = d.principal_fen() - repaid - written;
  out.set_principal_repaid_fen(repaid);
  out.set_interest_paid_fen(interest_paid);
  out.set_written_off_fen(written);
  out.set_recovered_fen(recovered);
  out.set_outstanding_principal_fen(outstanding);
  if (written_off) *out.mutable_written_off() = loan.written_off();
  if (loan.has_pending_write_off() &&
      loan.pending_write_off().proposed_date() <= date) {
    *out.mutable_pending_write_off() = loan.pending_write_off();
  }

  const LoanScheduleState& in_force = ScheduleOn(loan, date);
  // Per-installment payments counted as of `date` on the schedule in force.
  std::vector<int64_t> p_paid(in_force.installments_size()),
      i_paid(in_force.installments_size());
  std::vector<int> paid_on(in_force.installments_size());
  for (const auto& r : loan.repayments()) {
    if (r.reversed() || r.recorded().recovery() ||
        r.recorded().value_date() > date ||
        r.recorded().schedule_version() != in_force.version()) {
      continue;
    }
    for (const auto& a : r.recorded().allocations()) {
      const int k = static_cast<int>(a.number()) - 1;
      if (k < 0 || k >= in_force.installments_size()) continue;
      p_paid[k] += a.principal_fen();
      i_paid[k] += a.interest_fen();
      const auto& s = in_force.installments(k).scheduled();
      if (paid_on[k] == 0 && p_paid[k] == s.principal_fen() &&
          i_paid[k] == s.interest_fen()) {
        paid_on[k] = r.recorded().value_date();
      }
    }
  }
  const bool closed = written_off || outstanding == 0;
  int dpd = 0;
  int64_t overdue = 0, payoff = 0;
  v1::LoanSchedule* schedule = out.mutable_schedule();
  schedule->set_version(in_force.version());
  schedule->set_effective_date(in_force.effective_date());
  schedule->set_reason(in_force.reason());
  for (int k = 0; k < in_force.installments_size(); ++k) {
    const v1::Installment& s = in_force.installments(k).scheduled();
    v1::LoanInstallment* view = schedule->add_installments();
    view->set_number(s.number());
    view->set_due_date(s.due_date());
    view->set_principal_fen(s.principal_fen());
    view->set_interest_fen(s.interest_fen());
    view->set_principal_paid_fen(p_paid[k]);
    view->set_interest_paid_fen(i_paid[k]);
    view->set_paid_date(paid_on[k]);
    const int64_t unpaid_principal = s.principal_fen() - p_paid[k];
    const int64_t unpaid_interest = s.interest_fen() - i_paid[k];
    if (closed) continue;
    payoff += unpaid_principal;
    if (s.due_date() <= date) payoff += unpaid_interest;
    // An installment of 0 fen (a few fen spread over many months) is never
    // paid by an allocation but owes nothing: it is not past due.
    const bool unpaid = unpaid_principal + unpaid_interest > 0;
    if (unpaid && s.due_date() < date) {
      view->set_overdue(true);
      overdue += unpaid_principal + unpaid_interest;
      dpd = std::max(dpd, DaysBetween(s.due_date(), date));
    }
    if (unpaid && s.due_date() >= date && out.next_due_date() == 0) {
      out.set_next_due_date(s.due_date());
      out.set_next_due_fen(unpaid_principal + unpaid_interest);
    }
  }
  // Versions replaced by the date, with what had been paid on them by then.
  for (const auto& s : loan.schedules()) {
    if (s.version() >= in_force.version()) break;
    v1::LoanSchedule* earlier = out.add_earlier_schedules();
    earlier->set_version(s.version());
    earlier->set_effective_date(s.effective_date());
    earlier->set_reason(s.reason());
    for (const auto& i : s.installments()) {
      v1::LoanInstallment* view = earlier->add_installments();
      view->set_number(i.scheduled().number());
      view->set_due_date(i.scheduled().due_date());
      view->set_principal_fen(i.scheduled().principal_fen());
      view->set_interest_fen(i.scheduled().interest_fen());
    }
    for (const auto& r : loan.repayments()) {
      if (r.reversed() || r.recorded().recovery() ||
          r.recorded().value_date() > date ||
          r.recorded().schedule_version() != s.version()) {
        continue;
      }
      for (const auto& a : r.recorded().allocations()) {
        const int k = static_cast<int>(a.number()) - 1;
        if (k < 0 || k >= earlier->installments_size()) continue;
        v1::LoanInstallment* view = earlier->mutable_installments(k);
        view->set_principal_paid_fen(view->principal_paid_fen() +
                                     a.principal_fen());
        view->set_interest_paid_fen(view->interest_paid_fen() +
                                    a.interest_fen());
        if (view->paid_date() == 0 &&
            view->principal_paid_fen() == view->principal_fen() &&
            view->interest_paid_fen() == view->interest_fen()) {
          view->set_paid_date(r.recorded().value_date());
        }
      }
    }
  }
  out.set_days_past_due(dpd);
  out.set_bucket(BucketOf(dpd));
  out.set_overdue_fen(overdue);
  out.set_payoff_fen(payoff);
  if (written_off) {
    out.set_status(v1::LOAN_STATUS_WRITTEN_OFF);
  } else if (outstanding == 0) {
    out.set_status(v1::LOAN_STATUS_REPAID);
  } else {
    out.set_status(dpd > 0 ? v1::LOAN_STATUS_OVERDUE : v1::LOAN_STATUS_CURRENT);
  }
  return out;
}

v1::LoanSummary SummaryOf(const v1::Loan& loan) {
  v1::LoanSummary s;
  const v1::LoanDisbursed& d = loan.terms();
  s.set_loan_id(d.loan_id());
  s.set_dossier_id(d.dossier_id());
  s.set_borrower_name(d.borrower_name());
  s.set_unit_code(d.unit_code());
  s.set_fund_source(d.fund_source());
  s.set_product(d.product());
  s.set_principal_fen(d.principal_fen());
  s.set_disbursed_date(d.disbursed_date());
  s.set_status(loan.status());
  s.set_days_past_due(loan.days_past_due());
  s.set_bucket(loan.bucket());
  s.set_outstanding_principal_fen(loan.outstanding_principal_fen());
  s.set_next_due_date(loan.next_due_date());
  s.set_guarantor(d.guarantor().employer_name());
  return s;
}

void EvolveLoanState(LoanState& loan, const v1::Event& event,
                     uint64_t sequence) {
  switch (event.kind_case()) {
    case v1::Event::kLoanDisbursed: {
      const auto& e = event.loan_disbursed();
      RELIEF_CHECK(!loan.has_disbursed(), e.loan_id());
      *loan.mutable_disbursed() = e;
      loan.set_disbursed_sequence(sequence);
      LoanScheduleState* s = loan.add_schedules();
      s->set_version(1);
      s->set_effective_date(e.disbursed_date());
      s->set_reason("disbursed (发放)");
      s->set_sequence(sequence);
      FillSchedule(e.schedule(), s);
      return;
    }
    case v1::Event::kLoanRepaymentRecorded: {
      const auto& e = event.loan_repayment_recorded();
      if (e.recovery()) {
        loan.set_recovered_fen(loan.recovered_fen() + e.principal_fen());
        RELIEF_CHECK(loan.recovered_fen() <= loan.written_off_fen(),
                     e.loan_id());
      } else {
        LoanScheduleState* s =
            loan.mutable_schedules(loan.schedules_size() - 1);
        RELIEF_CHECK(s->version() == e.schedule_version(), e.loan_id());
        for (const auto& a : e.allocations()) {
          const int k = static_cast<int>(a.number()) - 1;
          RELIEF_CHECK(k >= 0 && k < s->installments_size(), e.loan_id());
          LoanInstallmentState* i = s->mutable_installments(k);
          i->set_principal_paid_fen(i->principal_paid_fen() + a.principal_fen());
          i->set_interest_paid_fen(i->interest_paid_fen() + a.interest_fen());
          RELIEF_CHECK(
              i->principal_paid_fen() <= i->scheduled().principal_fen() &&
                  i->interest_paid_fen() <= i->scheduled().interest_fen(),
              e.loan_id());
          if (i->paid_date() == 0 && FullyPaid(*i)) {
            i->set_paid_date(e.value_date());
          }
        }
        loan.set_principal_repaid_fen(loan.principal_repaid_fen() +
                                      e.principal_fen());
        loan.set_interest_paid_fen(loan.interest_paid_fen() + e.interest_fen());
        RELIEF_CHECK(OutstandingPrincipal(loan) >= 0, e.loan_id());
        if (OutstandingPrincipal(loan) == 0) loan.clear_pending_write_off();
      }
      LoanRepaymentState* r = loan.add_repayments();
      *r->mutable_recorded() = e;
      r->set_sequence(sequence);
      return;
    }
    case v1::Event::kLoanRepaymentReversed: {
      const auto& e = event.loan_repayment_reversed();
      LoanRepaymentState* r = nullptr;
      for (auto& candidate : *loan.mutable_repayments()) {
        if (candidate.recorded().repayment_id() == e.repayment_id()) {
          r = &candidate;
        }
      }
      RELIEF_CHECK(r != nullptr && !r->reversed(), e.repayment_id());
      r->set_reversed(true);
      r->set_reversal_reason(e.reason());
      r->set_reversed_sequence(sequence);
      const auto& rec = r->recorded();
      if (rec.recovery()) {
        loan.set_recovered_fen(loan.recovered_fen() - rec.principal_fen());
        return;
      }
      LoanScheduleState* s = loan.mutable_schedules(loan.schedules_size() - 1);
      RELIEF_CHECK(s->version() == rec.schedule_version(), e.loan_id());
      for (const auto& a : rec.allocations()) {
        LoanInstallmentState* i =
            s->mutable_installments(static_cast<int>(a.number()) - 1);
        i->set_principal_paid_fen(i->principal_paid_fen() - a.principal_fen());
        i->set_interest_paid_fen(i->interest_paid_fen() - a.interest_fen());
        RELIEF_CHECK(i->principal_paid_fen() >= 0 && i->interest_paid_fen() >= 0,
                     e.loan_id());
        if (!FullyPaid(*i)) i->set_paid_date(0);
      }
      loan.set_principal_repaid_fen(loan.principal_repaid_fen() -
                                    rec.principal_fen());
      loan.set_interest_paid_fen(loan.interest_paid_fen() - rec.interest_fen());
      return;
    }
    case v1::Event::kLoanWriteOffProposed:
      *loan.mutable_pending_write_off() = event.loan_write_off_proposed();
      return;
    case v1::Event::kLoanWrittenOff: {
      const auto& e = event.loan_written_off();
      *loan.mutable_written_off() = e;
      loan.set_written_off_fen(e.principal_fen());
      loan.clear_pending_write_off();
      RELIEF_CHECK(OutstandingPrincipal(loan) == 0, e.loan_id());
      return;
    }
    case v1::Event::kLoanRescheduled: {
      const auto& e = event.loan_rescheduled();
      LoanScheduleState* s = loan.add_schedules();
      s->set_version(e.schedule_version());
      s->set_effective_date(e.rescheduled_date());
      s->set_reason(e.reason());
      s->set_sequence(sequence);
      FillSchedule(e.schedule(), s);
      return;
    }
    default:
      RELIEF_CHECK(false, "not a loan event");
  }
}

void AddProductVersion(LoanProductState& product,
                       const v1::LoanProductSet& p) {
  product.set_product(p.product());
  std::vector<v1::LoanProductSet> sorted;
  for (const auto& v : product.versions()) {
    if (v.effective_date() != p.effective_date()) sorted.push_back(v);
  }
  sorted.push_back(p);
  std::stable_sort(sorted.begin(), sorted.end(), [](auto& a, auto& b) {
    return a.effective_date() < b.effective_date();
  });
  product.clear_versions();
  for (auto& v : sorted) *product.add_versions() = std::move(v);
}

std::string WriteOffReasonLabel(v1::WriteOffReason reason) {
  switch (reason) {
    case v1::WRITE_OFF_REASON_BORROWER_DECEASED:
      return "借款人死亡 borrower deceased";
    case v1::WRITE_OFF_REASON_BUSINESS_FAILED:
      return "经营失败 business failed";
    case v1::WRITE_OFF_REASON_UNREACHABLE: return "下落不明 unreachable";
    case v1::WRITE_OFF_REASON_GUARANTOR_DEFAULTED:
      return "担保单位无力代偿 guarantor defaulted";
    case v1::WRITE_OFF_REASON_DISASTER: return "自然灾害 disaster";
    case v1::WRITE_OFF_REASON_OTHER: return "其他 other";
    default: return "unspecified";
  }
}

// ---- Validation -------------------------------------------------------------

absl::Status ValidateSetLoanProduct(const v1::SetLoanProductRequest& c) {
  RELIEF_RETURN_IF_ERROR(ValidateRequestId(c.request_id()));
  const v1::LoanProductSet& p = c.product();
  if (auto s = ValidateProgramCode(p.product()); !s.ok()) {
    return BadProduct("product must be 1..32 characters of a-z, 0-9 and _, "
                      "starting with a letter (e.g. 'startup')");
  }
  RELIEF_RETURN_IF_ERROR(
      ValidateText("product.name_zh", p.name_zh(), true, limits::kNameMaxChars));
  RELIEF_RETURN_IF_ERROR(ValidateText("product.name_en", p.name_en(), false,
                                      limits::kNameMaxChars));
  if (!IsBusinessDate(p.effective_date())) {
    return BadProduct("effective_date must be a real date yyyymmdd in 2000..2100");
  }
  if (p.min_principal_fen() <= 0 || p.max_principal_fen() < p.min_principal_fen() ||
      p.max_principal_fen() > kMaxAmountFen) {
    return BadProduct("principals need 0 < min <= max <= the largest amount");
  }
  if (p.min_term_months() < 1 || p.max_term_months() < p.min_term_months() ||
      p.max_term_months() > kMaxLoanTermMonths) {
    return BadProduct("terms need 1 <= min <= max <= 120 months");
  }
  if (p.annual_rate_bp() > kMaxLoanRateBp) {
    return BadProduct("annual_rate_bp must be 0..2400 (24 % a year)");
  }
  if (p.max_grace_months() >= p.max_term_months()) {
    return BadProduct("max_grace_months must be below max_term_months");
  }
  if (p.fund_sources().empty()) return BadProduct("no fund source is allowed");
  for (int source : p.fund_sources()) {
    if (!IsValidFundSource(source)) return BadProduct("unknown fund source");
  }
  for (int method : p.methods()) {
    if (!ValidMethod(method)) return BadProduct("unknown repayment method");
  }
  return absl::OkStatus();
}

absl::Status ValidateDisburseLoan(const v1::DisburseLoanRequest& c) {
  RELIEF_RETURN_IF_ERROR(ValidateRequestId(c.request_id()));
  RELIEF_RETURN_IF_ERROR(ValidateDossierId(c.dossier_id()));
  RELIEF_RETURN_IF_ERROR(ValidateOrgCode("unit_code", c.unit_code()));
  if (!IsValidFundSource(c.fund_source())) {
    return InvalidArgument(v1::FUND_SOURCE_INVALID, "fund_source is not valid");
  }
  if (auto s = ValidateProgramCode(c.product()); !s.ok()) {
    return InvalidArgument(v1::FIELD_INVALID,
                           "product must name a loan product (e.g. 'startup')");
  }
  if (c.principal_fen() <= 0 || c.principal_fen() > kMaxAmountFen) {
    return InvalidArgument(v1::AMOUNT_INVALID,
                           "principal must be more than 0 and at most the "
                           "largest amount");
  }
  if (c.term_months() < 1 || c.term_months() > kMaxLoanTermMonths) {
    return InvalidArgument(v1::FIELD_INVALID, "term_months must be 1..120");
  }
  if (c.grace_months() >= c.term_months()) {
    return InvalidArgument(v1::FIELD_INVALID,
                           "grace_months must be fewer than term_months");
  }
  if (!ValidMethod(c.method())) {
    return InvalidArgument(v1::FIELD_INVALID,
                           "method must be equal principal (等额本金) or equal "
                           "installment (等额本息)");
  }
  const v1::Guarantor& g = c.guarantor();
  RELIEF_RETURN_IF_ERROR(ValidateText("guarantor.employer_name",
                                      g.employer_name(), false,
                                      limits::kNameMaxChars));
  RELIEF_RETURN_IF_ERROR(ValidateText("guarantor.contact", g.contact(), false,
                                      limits::kNameMaxChars));
  RELIEF_RETURN_IF_ERROR(ValidateText("guarantor.reference", g.reference(),
                                      false, limits::kDocumentNumberMaxChars));
  auto blank = [](const std::string& text) {
    return absl::StripAsciiWhitespace(text).empty();
  };
  if (blank(g.employer_name()) != g.employer_name().empty()) {
    return InvalidArgument(v1::FIELD_INVALID,
                           "guarantor.employer_name is only spaces");
  }
  if (!g.employer_name().empty() && (blank(g.contact()) || blank(g.reference()))) {
    return InvalidArgument(v1::FIELD_INVALID,
                           "a guarantor needs the employer's name, a contact "
                           "and the guarantee letter's reference");
  }
  return ValidateText("purpose", c.purpose(), true, limits::kReasonMaxChars);
}

absl::Status ValidateRecordLoanRepayment(
    const v1::RecordLoanRepaymentRequest& c) {
  RELIEF_RETURN_IF_ERROR(ValidateRequestId(c.request_id()));
  RELIEF_RETURN_IF_ERROR(ValidateLoanId(c.loan_id()));
  if (c.amount_fen() <= 0 || c.amount_fen() > kMaxAmountFen) {
    return InvalidArgument(v1::AMOUNT_INVALID,
                           "amount must be more than 0 and at most the "
                           "largest amount");
  }
  if (c.value_date() != 0 && !IsBusinessDate(c.value_date())) {
    return InvalidArgument(v1::FIELD_INVALID,
                           "value_date must be a real date yyyymmdd, or 0 "
                           "for today");
  }
  RELIEF_RETURN_IF_ERROR(
      ValidateText("payer", c.payer(), true, limits::kNameMaxChars));
  return ValidateText("memo", c.memo(), false, limits::kReasonMaxChars);
}

absl::Status ValidateReverseLoanRepayment(
    const v1::ReverseLoanRepaymentRequest& c) {
  RELIEF_RETURN_IF_ERROR(ValidateRequestId(c.request_id()));
  RELIEF_RETURN_IF_ERROR(ValidateLoanId(c.loan_id()));
  RELIEF_RETURN_IF_ERROR(ValidateSequenceId("repayment_id", 'r',
                                            c.repayment_id(),
                                            "RecordLoanRepayment"));
  return ValidateText("reason", c.reason(), true, limits::kReasonMaxChars);
}

absl::Status ValidateProposeLoanWriteOff(
    const v1::ProposeLoanWriteOffRequest& c) {
  RELIEF_RETURN_IF_ERROR(ValidateRequestId(c.request_id()));
  RELIEF_RETURN_IF_ERROR(ValidateLoanId(c.loan_id()));
  if (c.reason_code() == v1::WRITE_OFF_REASON_UNSPECIFIED ||
      !v1::WriteOffReason_IsValid(c.reason_code())) {
    return InvalidArgument(
        v1::FIELD_INVALID,
        "reason_code must be one of borrower_deceased, business_failed, "
        "unreachable, guarantor_defaulted, disaster, other");
  }
  return ValidateText("memo", c.memo(),
                      c.reason_code() == v1::WRITE_OFF_REASON_OTHER,
                      limits::kReasonMaxChars);
}

absl::Status ValidateApproveLoanWriteOff(
    const v1::ApproveLoanWriteOffRequest& c) {
  RELIEF_RETURN_IF_ERROR(ValidateRequestId(c.request_id()));
  return ValidateLoanId(c.loan_id());
}

absl::Status ValidateRescheduleLoan(const v1::RescheduleLoanRequest& c) {
  RELIEF_RETURN_IF_ERROR(ValidateRequestId(c.request_id()));
  RELIEF_RETURN_IF_ERROR(ValidateLoanId(c.loan_id()));
  if (!IsBusinessDate(c.start_date())) {
    return InvalidArgument(v1::FIELD_INVALID,
                           "start_date must be a real date yyyymmdd");
  }
  if (c.term_months() < 1 || c.term_months() > kMaxLoanTermMonths) {
    return InvalidArgument(v1::FIELD_INVALID, "term_months must be 1..120");
  }
  if (c.method() != v1::REPAYMENT_METHOD_UNSPECIFIED && !ValidMethod(c.method())) {
    return InvalidArgument(v1::FIELD_INVALID, "unknown repayment method");
  }
  return ValidateText("reason", c.reason(), true, limits::kReasonMaxChars);
}

// ---- Decisions --------------------------------------------------------------

absl::Status DecideSetLoanProduct(const State&, const v1::SetLoanProductRequest& c,
                                  std::vector<v1::Event>* events) {
  *events->emplace_back().mutable_loan_product_set() = c.product();
  return absl::OkStatus();
}

absl::Status DecideDisburseLoan(const State& state,
                                const v1::DisburseLoanRequest& c,
                                const CommandContext& context,
                                std::vector<v1::Event>* events) {
  absl::Status status;
  const DossierState* dossier =
      RequireActiveDossier(state, c.dossier_id(), "loan", &status);
  if (dossier == nullptr) return status;
  const int today = DateOf(context.now_unix_micros);
  const v1::LoanProductSet* product = ProductInForce(state, c.product(), today);
  if (product == nullptr) {
    return FailedPrecondition(
        v1::LOAN_PRODUCT_NOT_FOUND,
        absl::StrCat("no version of loan product '", c.product(),
                     "' is in force on ", DateText(today)));
  }
  const std::string name = product->name_zh();
  if (c.principal_fen() < product->min_principal_fen() ||
      c.principal_fen() > product->max_principal_fen()) {
    return FailedPrecondition(
        v1::LOAN_TERMS_OUT_OF_PRODUCT,
        absl::StrCat(name, " lends ", FormatYuan(product->min_principal_fen()),
                     " to ", FormatYuan(product->max_principal_fen()),
                     " yuan; ", FormatYuan(c.principal_fen()), " is outside"));
  }
  if (c.term_months() < product->min_term_months() ||
      c.term_months() > product->max_term_months()) {
    return FailedPrecondition(
        v1::LOAN_TERMS_OUT_OF_PRODUCT,
        absl::StrCat(name, " runs ", product->min_term_months(), " to ",
                     product->max_term_months(), " months; ", c.term_months(),
                     " is outside"));
  }
  if (c.grace_months() > product->max_grace_months()) {
    return FailedPrecondition(
        v1::LOAN_TERMS_OUT_OF_PRODUCT,
        absl::StrCat(name, " allows at most ", product->max_grace_months(),
                     " grace month(s); ", c.grace_months(), " asked"));
  }
  if (!product->methods().empty() &&
      std::find(product->methods().begin(), product->methods().end(),
                c.method()) == product->methods().end()) {
    return FailedPrecondition(
        v1::LOAN_TERMS_OUT_OF_PRODUCT,
        absl::StrCat(name, " does not repay by ", MethodLabel(c.method())));
  }
  const auto& sources = product->fund_sources();
  if (std::find(sources.begin(), sources.end(), c.fund_source()) ==
      sources.end()) {
    return FailedPrecondition(
        v1::LOAN_TERMS_OUT_OF_PRODUCT,
        absl::StrCat(name, " may not lend from ",
                     FundSourceLabel(c.fund_source())));
  }
  if (product->guarantor_required() && c.guarantor().employer_name().empty()) {
    return FailedPrecondition(
        v1::LOAN_GUARANTOR_REQUIRED,
        absl::StrCat(name, " needs a guarantor (单位担保): the employer's "
                     "name, a contact and the guarantee letter's reference"));
  }
  const std::string& hmac = dossier->details().national_id_hmac();
  if (const std::string* other = state.ActiveLoanOf(hmac)) {
    const LoanState* owed = state.FindLoan(*other);
    return FailedPrecondition(
        v1::LOAN_BORROWER_HAS_ACTIVE_LOAN,
        owed != nullptr && owed->has_written_off()
            ? absl::StrCat("this person's loan ", *other, " was written off "
                           "and ", FormatYuan(owed->written_off_fen() -
                                              owed->recovered_fen()),
                           " yuan of it is not recovered; no new loan until "
                           "it is")
            : absl::StrCat("this person still owes on loan ", *other,
                           "; one outstanding loan per person, across all "
                           "units"));
  }
  const std::string& home = dossier->details().unit_code();
  if (home != c.unit_code() &&
      !absl::StartsWith(home, absl::StrCat(c.unit_code(), "."))) {
    return FailedPrecondition(
        v1::LOAN_UNIT_NOT_BORROWERS,
        absl::StrCat("dossier ", c.dossier_id(), " belongs to '", home,
                     "'; lend from that unit or a unit above it"));
  }
  const OrgUnitState* unit = state.FindUnit(c.unit_code());
  if (unit == nullptr) {
    return NotFound(v1::ORG_UNIT_NOT_FOUND,
                    absl::StrCat("unit '", c.unit_code(), "' is not registered"));
  }
  if (!unit->active()) {
    return FailedPrecondition(
        v1::ORG_UNIT_INACTIVE,
        absl::StrCat("unit '", c.unit_code(), "' is deactivated and lends "
                     "nothing"));
  }
  auto schedule = BuildSchedule(c.principal_fen(), c.term_months(),
                                c.grace_months(), product->annual_rate_bp(),
                                c.method(), today);
  if (!schedule.ok()) return schedule.status();
  v1::Event event;
  v1::LoanDisbursed* d = event.mutable_loan_disbursed();
  d->set_loan_id(absl::StrCat("l", context.last_sequence + 1));
  d->set_dossier_id(c.dossier_id());
  d->set_unit_code(c.unit_code());
  d->set_fund_source(c.fund_source());
  d->set_product(c.product());
  d->set_principal_fen(c.principal_fen());
  d->set_term_months(c.term_months());
  d->set_grace_months(c.grace_months());
  d->set_annual_rate_bp(product->annual_rate_bp());
  d->set_method(c.method());
  d->set_disbursed_date(today);
  *d->mutable_guarantor() = c.guarantor();
  d->set_purpose(c.purpose());
  for (auto& i : *schedule) *d->add_schedule() = std::move(i);
  d->set_national_id_hmac(hmac);
  d->set_borrower_name(dossier->details().name());
  *d->add_postings() = MakePosting(PoolAccount(c.unit_code(), c.fund_source()),
                                   Receivable(*d), c.principal_fen(),
                                   c.fund_source());
  RELIEF_RETURN_IF_ERROR(CheckPostings(state, d->postings()));
  events->push_back(std::move(event));
  return absl::OkStatus();
}

absl::Status DecideRecordLoanRepayment(const State& state,
                                       const v1::RecordLoanRepaymentRequest& c,
                                       const CommandContext& context,
                                       std::vector<v1::Event>* events) {
  absl::Status status;
  const LoanState* loan = RequireLoan(state, c.loan_id(), &status);
  if (loan == nullptr) return status;
  const v1::LoanDisbursed& d = loan->disbursed();
  if (!loan->has_written_off() && OutstandingPrincipal(*loan) == 0) {
    return FailedPrecondition(
        v1::LOAN_NOT_ACTIVE,
        absl::StrCat("loan ", c.loan_id(), " is repaid in full (已结清)"));
  }
  const int today = DateOf(context.now_unix_micros);
  const int value_date = c.value_date() == 0 ? today : c.value_date();
  if (value_date > today) {
    return FailedPrecondition(
        v1::LOAN_VALUE_DATE_INVALID,
        absl::StrCat("value date ", DateText(value_date),
                     " is after today (", DateText(today), ")"));
  }
  const int last = LastRepaymentDate(*loan);
  const int earliest = std::max(
      {d.disbursed_date(), last, CurrentSchedule(*loan).effective_date(),
       loan->has_written_off() ? loan->written_off().written_off_date() : 0});
  if (value_date < earliest) {
    return FailedPrecondition(
        v1::LOAN_VALUE_DATE_INVALID,
        absl::StrCat("value date ", DateText(value_date), " is before ",
                     DateText(earliest),
                     " (the loan, its schedule in force, its write-off or its "
                     "last repayment); repayments are recorded in date order"));
  }
  v1::Event event;
  v1::LoanRepaymentRecorded* e = event.mutable_loan_repayment_recorded();
  e->set_loan_id(c.loan_id());
  e->set_repayment_id(absl::StrCat("r", context.last_sequence + 1));
  e->set_amount_fen(c.amount_fen());
  e->set_value_date(value_date);
  e->set_payer(c.payer());
  e->set_memo(c.memo());
  e->set_schedule_version(CurrentSchedule(*loan).version());
  if (loan->has_written_off()) {
    const int64_t left = loan->written_off_fen() - loan->recovered_fen();
    if (c.amount_fen() > left) {
      return FailedPrecondition(
          v1::LOAN_RECOVERY_TOO_LARGE,
          absl::StrCat("loan ", c.loan_id(), " was written off; ",
                       FormatYuan(left), " yuan of it is not yet recovered, "
                       "less than ", FormatYuan(c.amount_fen())));
    }
    e->set_recovery(true);
    e->set_principal_fen(c.amount_fen());
    *e->add_postings() = MakePosting(Losses(d),
                                     PoolAccount(d.unit_code(), d.fund_source()),
                                     c.amount_fen(), d.fund_source());
  } else {
    const int64_t payoff = PayoffAmount(*loan, value_date);
    if (c.amount_fen() > payoff) {
      return FailedPrecondition(
          v1::LOAN_OVERPAYMENT,
          absl::StrCat(FormatYuan(c.amount_fen()), " yuan is more than loan ",
                       c.loan_id(), " owes on ", DateText(value_date), ": ",
                       FormatYuan(payoff), " yuan settles it"));
    }
    int64_t principal = 0, interest = 0;
    for (auto& part : AllocateRepayment(*loan, c.amount_fen(), value_date)) {
      principal += part.principal_fen();
      interest += part.interest_fen();
      *e->add_allocations() = std::move(part);
    }
    e->set_principal_fen(principal);
    e->set_interest_fen(interest);
    const std::string pool = PoolAccount(d.unit_code(), d.fund_source());
    if (principal > 0) {
      *e->add_postings() =
          MakePosting(Receivable(d), pool, principal, d.fund_source());
    }
    if (interest > 0) {
      *e->add_postings() = MakePosting(ExternalAccount(d.fund_source()), pool,
                                       interest, d.fund_source());
    }
  }
  RELIEF_RETURN_IF_ERROR(CheckPostings(state, e->postings()));
  events->push_back(std::move(event));
  return absl::OkStatus();
}

absl::Status DecideReverseLoanRepayment(
    const State& state, const v1::ReverseLoanRepaymentRequest& c,
    std::vector<v1::Event>* events) {
  absl::Status status;
  const LoanState* loan = RequireLoan(state, c.loan_id(), &status);
  if (loan == nullptr) return status;
  const LoanRepaymentState* found = nullptr;
  for (const auto& r : loan->repayments()) {
    if (r.recorded().repayment_id() == c.repayment_id()) found = &r;
  }
  if (found == nullptr) {
    return NotFound(v1::LOAN_REPAYMENT_NOT_FOUND,
                    absl::StrCat("loan ", c.loan_id(), " has no repayment '",
                                 c.repayment_id(), "'"));
  }
  if (found->reversed()) {
    return FailedPrecondition(
        v1::LOAN_REPAYMENT_ALREADY_REVERSED,
        absl::StrCat("repayment ", c.repayment_id(), " is already reversed"));
  }
  const auto& rec = found->recorded();
  if (!rec.recovery()) {
    if (loan->has_written_off()) {
      return FailedPrecondition(
          v1::LOAN_REPAYMENT_NOT_REVERSIBLE,
          absl::StrCat("loan ", c.loan_id(), " was written off after "
                       "repayment ", c.repayment_id(),
                       "; the write-off took the balance left after it, so "
                       "it can no longer be reversed"));
    }
    if (rec.schedule_version() != CurrentSchedule(*loan).version()) {
      return FailedPrecondition(
          v1::LOAN_REPAYMENT_NOT_REVERSIBLE,
          absl::StrCat("loan ", c.loan_id(), " was rescheduled after "
                       "repayment ", c.repayment_id(),
                       "; it can no longer be reversed"));
    }
    if (OutstandingPrincipal(*loan) == 0) {
      const std::string* other =
          state.ActiveLoanOf(loan->disbursed().national_id_hmac());
      if (other != nullptr) {
        return FailedPrecondition(
            v1::LOAN_REPAYMENT_NOT_REVERSIBLE,
            absl::StrCat("reversing ", c.repayment_id(), " would reopen loan ",
                         c.loan_id(), " while the borrower owes on loan ",
                         *other));
      }
    }
  }
  v1::Event event;
  v1::LoanRepaymentReversed* e = event.mutable_loan_repayment_reversed();
  e->set_loan_id(c.loan_id());
  e->set_repayment_id(c.repayment_id());
  e->set_reason(c.reason());
  for (const auto& p : rec.postings()) {
    *e->add_postings() = MakePosting(p.credit_account(), p.debit_account(),
                                     p.amount_fen(), p.fund_source());
  }
  RELIEF_RETURN_IF_ERROR(CheckPostings(state, e->postings()));
  events->push_back(std::move(event));
  return absl::OkStatus();
}

absl::Status DecideProposeLoanWriteOff(const State& state,
                                       const v1::ProposeLoanWriteOffRequest& c,
                                       const CommandContext& context,
                                       std::vector<v1::Event>* events) {
  absl::Status status;
  const LoanState* loan = RequireActiveLoan(state, c.loan_id(), &status);
  if (loan == nullptr) return status;
  v1::LoanWriteOffProposed* e =
      events->emplace_back().mutable_loan_write_off_proposed();
  e->set_loan_id(c.loan_id());
  e->set_reason_code(c.reason_code());
  e->set_memo(c.memo());
  e->set_principal_fen(OutstandingPrincipal(*loan));
  e->set_proposed_by(std::string(context.actor));
  e->set_proposed_date(DateOf(context.now_unix_micros));
  return absl::OkStatus();
}

absl::Status DecideApproveLoanWriteOff(const State& state,
                                       const v1::ApproveLoanWriteOffRequest& c,
                                       const CommandContext& context,
                                       std::vector<v1::Event>* events) {
  absl::Status status;
  const LoanState* loan = RequireActiveLoan(state, c.loan_id(), &status);
  if (loan == nullptr) return status;
  if (!loan->has_pending_write_off()) {
    return FailedPrecondition(
        v1::LOAN_WRITE_OFF_NOT_PROPOSED,
        absl::StrCat("no write-off of loan ", c.loan_id(),
                     " is proposed; a loan officer proposes it first"));
  }
  const v1::LoanWriteOffProposed& proposal = loan->pending_write_off();
  if (context.actor == proposal.proposed_by()) {
    return FailedPrecondition(
        v1::LOAN_WRITE_OFF_SAME_PRINCIPAL,
        absl::StrCat("'", context.actor, "' proposed this write-off; another "
                     "officer must approve it"));
  }
  const int64_t outstanding = OutstandingPrincipal(*loan);
  if (proposal.principal_fen() != outstanding) {
    return FailedPrecondition(
        v1::LOAN_WRITE_OFF_STALE,
        absl::StrCat("the proposal was for ", FormatYuan(proposal.principal_fen()),
                     " yuan but ", FormatYuan(outstanding),
                     " yuan is outstanding now; propose it again"));
  }
  const v1::LoanDisbursed& d = loan->disbursed();
  v1::Event event;
  v1::LoanWrittenOff* e = event.mutable_loan_written_off();
  e->set_loan_id(c.loan_id());
  e->set_principal_fen(outstanding);
  e->set_reason_code(proposal.reason_code());
  e->set_proposed_by(proposal.proposed_by());
  e->set_written_off_date(DateOf(context.now_unix_micros));
  *e->add_postings() =
      MakePosting(Receivable(d), Losses(d), outstanding, d.fund_source());
  RELIEF_RETURN_IF_ERROR(CheckPostings(state, e->postings()));
  events->push_back(std::move(event));
  return absl::OkStatus();
}

absl::Status DecideRescheduleLoan(const State& state,
                                  const v1::RescheduleLoanRequest& c,
                                  const CommandContext& context,
                                  std::vector<v1::Event>* events) {
  absl::Status status;
  const LoanState* loan = RequireActiveLoan(state, c.loan_id(), &status);
  if (loan == nullptr) return status;
  const int today = DateOf(context.now_unix_micros);
  if (c.start_date() < today || c.start_date() > AddDays(today, 366)) {
    return FailedPrecondition(
        v1::LOAN_RESCHEDULE_INVALID,
        absl::StrCat("a new schedule starts from today (", DateText(today),
                     ") to a year ahead; ", DateText(c.start_date()),
                     " is outside"));
  }
  const v1::LoanDisbursed& d = loan->disbursed();
  const v1::RepaymentMethod method =
      c.method() == v1::REPAYMENT_METHOD_UNSPECIFIED ? d.method() : c.method();
  // Interest already due and unpaid is not forgiven: it becomes installment
  // 1, interest only, due today. The new schedule charges interest from the
  // start date on; old installments not yet due are replaced.
  int64_t carried = 0;
  for (const auto& i : CurrentSchedule(*loan).installments()) {
    if (i.scheduled().due_date() <= today) {
      carried += i.scheduled().interest_fen() - i.interest_paid_fen();
    }
  }
  const int64_t outstanding = OutstandingPrincipal(*loan);
  auto schedule = BuildSchedule(outstanding, c.term_months(), 0,
                                d.annual_rate_bp(), method, c.start_date());
  if (!schedule.ok()) return schedule.status();
  v1::LoanRescheduled* e = events->emplace_back().mutable_loan_rescheduled();
  e->set_loan_id(c.loan_id());
  e->set_schedule_version(CurrentSchedule(*loan).version() + 1);
  e->set_start_date(c.start_date());
  e->set_term_months(c.term_months());
  e->set_method(method);
  e->set_reason(c.reason());
  e->set_principal_fen(outstanding);
  e->set_carried_interest_fen(carried);
  if (carried > 0) {
    v1::Installment* first = e->add_schedule();
    first->set_number(1);
    first->set_due_date(today);
    first->set_interest_fen(carried);
  }
  for (auto& i : *schedule) {
    i.set_number(i.number() + (carried > 0 ? 1 : 0));
    *e->add_schedule() = std::move(i);
  }
  e->set_rescheduled_date(today);
  return absl::OkStatus();
}

void EvolveLoan(State& state, const v1::Event& event, uint64_t sequence) {
  if (event.has_loan_product_set()) {
    const auto& p = event.loan_product_set();
    LoanProductState product;
    if (const LoanProductState* found = state.FindLoanProduct(p.product())) {
      product = *found;
    }
    AddProductVersion(product, p);
    state.PutLoanProduct(std::move(product));
    return;
  }
  LoanState loan;
  const google::protobuf::RepeatedPtrField<v1::Posting>* postings = nullptr;
  if (event.has_loan_disbursed()) {
    RELIEF_CHECK(state.FindLoan(event.loan_disbursed().loan_id()) == nullptr,
                 event.loan_disbursed().loan_id());
    postings = &event.loan_disbursed().postings();
  } else {
    std::string id;
    switch (event.kind_case()) {
      case v1::Event::kLoanRepaymentRecorded:
        id = event.loan_repayment_recorded().loan_id();
        postings = &event.loan_repayment_recorded().postings();
        break;
      case v1::Event::kLoanRepaymentReversed:
        id = event.loan_repayment_reversed().loan_id();
        postings = &event.loan_repayment_reversed().postings();
        break;
      case v1::Event::kLoanWriteOffProposed:
        id = event.loan_write_off_proposed().loan_id();
        break;
      case v1::Event::kLoanWrittenOff:
        id = event.loan_written_off().loan_id();
        postings = &event.loan_written_off().postings();
        break;
      case v1::Event::kLoanRescheduled:
        id = event.loan_rescheduled().loan_id();
        break;
      default:
        RELIEF_CHECK(false, "not a loan event");
    }
    const LoanState* found = state.FindLoan(id);
    RELIEF_CHECK(found != nullptr, id);
    loan = *found;
  }
  if (postings != nullptr) ApplyPostings(state, *postings);
  EvolveLoanState(loan, event, sequence);
  state.PutLoan(std::move(loan));
}

}  // namespace relief
