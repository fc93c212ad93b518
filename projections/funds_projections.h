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
