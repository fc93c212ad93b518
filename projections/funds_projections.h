// Read models of money, built from the postings events carry.
//
//   accounts/b/<account>                       := relief.v1.AccountBalance
//   accounts/s/<account> 0x00 seq:8 index:2    := relief.v1.StatementEntry
//   fund_summary/<unit> 0x00 source:1          := relief.v1.FundSummary
//   matching/rule/<unit> 0x00 year:4           := relief.v1.MatchingRuleSet
//   matching/year/<unit> 0x00 year:4           := relief.v1.MatchingRow
//
// Integers in keys are big-endian so keys sort in number order. Years are
// calendar years in China Standard Time (UTC+8) of the event's server time.
#ifndef RELIEF_PROJECTIONS_FUNDS_PROJECTIONS_H_
#define RELIEF_PROJECTIONS_FUNDS_PROJECTIONS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/store/event_log.h"
#include "projections/projection.h"
#include "relief/v1/query_service.pb.h"

namespace relief {

// Balances and statements per account.
class AccountsProjection : public Projection {
 public:
  static constexpr char kName[] = "accounts";
  std::string name() const override { return kName; }
  absl::Status Apply(const v1::EventEnvelope& envelope,
                     ProjectionTxn& txn) override;
};

// Per unit x fund source: received, allocated, granted, ... available.
class FundSummaryProjection : public Projection {
 public:
  static constexpr char kName[] = "fund_summary";
  std::string name() const override { return kName; }
  absl::Status Apply(const v1::EventEnvelope& envelope,
                     ProjectionTxn& txn) override;
};

// Government matching: rules and yearly federation/government receipts.
class MatchingProjection : public Projection {
 public:
  static constexpr char kName[] = "matching";
  std::string name() const override { return kName; }
  absl::Status Apply(const v1::EventEnvelope& envelope,
                     ProjectionTxn& txn) override;
};

// The calendar year (UTC+8) of a server timestamp.
int CivilYearOf(int64_t unix_micros);

// The key of a unit × fund source row of fund_summary (within the
// projection): unit 0x00 source:u8. Assigned to `key`, which a caller that
// builds many reuses.
void SummaryKeyTo(absl::string_view unit, v1::FundSource source,
                  std::string* key);

// ---------------------------------------------------------------------------
// The per-posting rules of `accounts` and `fund_summary`, as pure functions.
// The projections apply them to the rows they store; the as-of fold
// (funds_asof.h) applies them to rows it keeps in memory. There is one
// implementation, so a balance or summary folded to sequence n equals what
// the read model held when its checkpoint was n.
//
// Account names in the log were validated when their command was decided;
// the rules only tell the kinds of account apart.

// Applies one side of `posting` (the debit side, or the credit side) to the
// balance of that account, for the event at `sequence`: posted or pending by
// the posting's phase, then available_fen and last_sequence; sets account
// and fund_source. INTERNAL on an overflow or an unknown phase.
absl::Status ApplyPostingSide(const v1::Posting& posting, bool debit,
                              uint64_t sequence, v1::AccountBalance& balance);

// How an event's postings are read by the summary: a loan repayment's
// interest (external -> pool) is interest, not a receipt; a bounced
// repayment's reversal is read in the repayment's direction, negated.
struct SummaryRule {
  bool loan_repayment = false;
  bool undo = false;
};
SummaryRule SummaryRuleOf(const v1::Event& event);

// What one posting changes in one summary row, in fen.
struct SummaryDelta {
  absl::string_view unit_code;  // points into the posting's account names
  int64_t received_fen = 0;
  int64_t goods_received_fen = 0;
  int64_t allocated_in_fen = 0;
  int64_t allocated_down_fen = 0;
  int64_t granted_fen = 0;
  int64_t reserved_fen = 0;
  int64_t lent_fen = 0;
  int64_t repaid_fen = 0;
  int64_t written_off_fen = 0;
  int64_t available_fen = 0;
  int64_t interest_fen = 0;
  int64_t recovered_fen = 0;
};
// At most two rows change (an allocation: the parent's, then the child's).
struct SummaryDeltas {
  int count = 0;
  SummaryDelta rows[2];
};
// Classifies `posting` by the kinds of its two accounts (the table in
// docs/architecture.md). INTERNAL for a pair no rule covers. `out` points
// into `posting`, which must outlive it.
absl::Status ClassifyPosting(const v1::Posting& posting, SummaryRule rule,
                             SummaryDeltas& out);
// Adds `delta` to the row of its unit in `source` (setting the row's unit
// and source). INTERNAL on an overflow.
absl::Status ApplySummaryDelta(const SummaryDelta& delta,
                               v1::FundSource source, v1::FundSummary& row);
// Adds every amount of `one` to `sum` (subtree totals). INTERNAL on an
// overflow.
absl::Status AddSummaryRow(const v1::FundSummary& one, v1::FundSummary& sum);

class FundsView {
 public:
  explicit FundsView(const EventLog* log) : log_(log) {}
  // NOT_FOUND (ACCOUNT_NOT_FOUND) if the account never moved money.
  absl::StatusOr<v1::AccountBalance> Balance(absl::string_view account) const;
  // Four rows, one per source; `units` receives how many units were summed.
  // `codes` lists the units to sum (the unit, or its subtree).
  absl::StatusOr<std::vector<v1::FundSummary>> Summary(
      const std::vector<std::string>& codes, absl::string_view label) const;
  absl::StatusOr<std::vector<v1::StatementEntry>> Statement(
      absl::string_view account, absl::string_view page_token, uint32_t limit,
      std::string* next_token) const;
  // Rows for `unit_code` (empty: all units with a rule), `year` (0: all).
  absl::StatusOr<std::vector<v1::MatchingRow>> Matching(
      absl::string_view unit_code, int year) const;

 private:
  const EventLog* log_;
};

}  // namespace relief

#endif  // RELIEF_PROJECTIONS_FUNDS_PROJECTIONS_H_
