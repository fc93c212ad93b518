// The money read models as of a point of the log (as-of queries, the trial
// balance).
//
// FundsFold replays the log's postings in memory with the per-posting rules
// the `accounts` and `fund_summary` projections use (ApplyPostingSide,
// ClassifyPosting, ApplySummaryDelta in funds_projections.h). One
// implementation serves both, so a balance or a summary folded to sequence
// n equals what the live read model held when its checkpoint was n. The
// fold also keeps the codes of the units registered by then, so a unit that
// did not yet exist is not found, as the live query would have said.
//
// Speed: each envelope is decoded once (by EventLog::Scan, which also checks
// the hash chain); events without postings cost one switch; rows live in
// flat hash maps keyed by account or by unit and source, so a posting
// allocates only when it opens a new account or row.
//
// Thread-safety: a FundsFold is used by one thread.
#ifndef RELIEF_PROJECTIONS_FUNDS_ASOF_H_
#define RELIEF_PROJECTIONS_FUNDS_ASOF_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "ledger/store/event_log.h"
#include "relief/v1/audit_service.pb.h"
#include "relief/v1/query_service.pb.h"

namespace relief {

// A point of the log, resolved.
struct ResolvedPoint {
  uint64_t sequence = 0;              // 0: the empty ledger
  int64_t recorded_at_unix_micros = 0;  // of that event; 0 for sequence 0
};

// Resolves `point` against a log whose head is `head`:
//   sequence s          -> s; OUT_OF_RANGE (MIN_SEQUENCE_NOT_REACHED) if
//                          beyond the head;
//   unix_micros t       -> the last event recorded at or before t (binary
//                          search: recorded_at never decreases along the
//                          log); 0, the empty ledger, if t is before the
//                          first event; the head if t is after it;
//   both, or neither, or a negative time -> INVALID_ARGUMENT (FIELD_INVALID).
// `field` names the request field in messages ("as_of").
absl::StatusOr<ResolvedPoint> ResolveLogPoint(const EventLog& log,
                                              const v1::LogPoint& point,
                                              uint64_t head,
                                              absl::string_view field);

class FundsFold {
 public:
  struct Options {
    // Keep only this account's balance ("" = every account).
    std::string only_account;
    bool balances = true;   // the `accounts` rules
    bool summaries = true;  // the `fund_summary` rules
  };
  FundsFold() : FundsFold(Options{}) {}
  explicit FundsFold(Options options);

  // Applies one envelope; envelopes must come in sequence order from 1.
  absl::Status Apply(const v1::EventEnvelope& envelope);
  // Folds the log's events up to `sequence` (verifying the chain as it
  // reads), continuing after the last event applied. `sequence` 0 folds
  // nothing: the empty ledger. INTERNAL if the fold is already past it.
  absl::Status Run(const EventLog& log, uint64_t sequence);

  uint64_t sequence() const { return sequence_; }
  int64_t recorded_at_unix_micros() const { return recorded_at_; }
  uint64_t events() const { return events_; }

  // The balance as the `accounts` read model held it; nullptr if the account
  // had not moved money.
  const v1::AccountBalance* Balance(absl::string_view account) const;
  // Every balance kept, by account name.
  std::vector<const v1::AccountBalance*> SortedBalances() const;
  size_t balance_count() const { return balances_.size(); }

  // The `fund_summary` row of a unit and source; nullptr if none was
  // written.
  const v1::FundSummary* SummaryRow(absl::string_view unit,
                                    v1::FundSource source) const;
  size_t summary_row_count() const { return summaries_.size(); }
  // Every summary row written, by its key within the read model
  // (unit "\0" source).
  std::vector<std::pair<std::string, const v1::FundSummary*>>
  SortedSummaryRows() const;
  // Four rows (one per source, in enum order) summed over `codes`, labelled
  // `label`, as FundsView::Summary sums the live rows.
  absl::StatusOr<std::vector<v1::FundSummary>> Summary(
      const std::vector<std::string>& codes, absl::string_view label) const;

  // Whether the unit was registered by this point.
  bool HasUnit(absl::string_view code) const;
  // The unit and, with `subtree`, every unit registered below it, in code
  // order (as ListOrgUnits lists them, inactive ones included).
  std::vector<std::string> UnitsOf(absl::string_view code, bool subtree) const;

 private:
  const v1::AccountBalance* Find(absl::string_view account) const;

  Options options_;
  uint64_t sequence_ = 0;
  int64_t recorded_at_ = 0;
  uint64_t events_ = 0;
  absl::flat_hash_map<std::string, v1::AccountBalance> balances_;
  // Key: unit "\0" source (one byte), as the read model's keys.
  absl::flat_hash_map<std::string, v1::FundSummary> summaries_;
  absl::flat_hash_set<std::string> units_;
  std::string key_;  // scratch for summary keys
};

// The trial balance (试算平衡表) of a fold: per account, posted and pending
// debits and credits (with available_fen as GetBalance shows it), sorted by
// account; per fund source (all four, in enum order) the totals of the lines
// and whether debits equal credits. With `unit_code`, only that unit's
// accounts (with `subtree`, also those of every unit below it); external
// accounts are then left out, so the per-source totals are those of that
// part of the ledger only. INTERNAL if a total overflows.
absl::StatusOr<v1::GetTrialBalanceResponse> TrialBalanceOf(
    const FundsFold& fold, absl::string_view unit_code, bool subtree);

}  // namespace relief

#endif  // RELIEF_PROJECTIONS_FUNDS_ASOF_H_
