// Test helpers: the money read models as stored live, and as the as-of fold
// computes them, in the same key space ("accounts/b/<account>",
// "fund_summary/<unit> 0x00 <source>") with serialised values, so a test
// compares them byte for byte.
#ifndef RELIEF_PROJECTIONS_FUNDS_ASOF_TESTING_H_
#define RELIEF_PROJECTIONS_FUNDS_ASOF_TESTING_H_

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ledger/store/event_log.h"
#include "projections/funds_asof.h"
#include "projections/funds_projections.h"

namespace relief {

// Balance rows (accounts/b/) and summary rows (fund_summary/) of the live
// projections family, as stored now.
inline std::map<std::string, std::string> LiveMoneyRows(const EventLog& log) {
  std::map<std::string, std::string> out;
  std::unique_ptr<rocksdb::Iterator> it(
      log.db()->NewIterator(rocksdb::ReadOptions(), log.projections()));
  const std::string balances = absl::StrCat(AccountsProjection::kName, "/b/");
  const std::string summaries =
      absl::StrCat(FundSummaryProjection::kName, "/");
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string key = it->key().ToString();
    if (absl::StartsWith(key, balances) || absl::StartsWith(key, summaries)) {
      out[key] = it->value().ToString();
    }
  }
  return out;
}

// The same rows as FundsFold computes them at `sequence`.
inline absl::StatusOr<std::map<std::string, std::string>> FoldedMoneyRows(
    const EventLog& log, uint64_t sequence) {
  FundsFold fold;
  if (auto s = fold.Run(log, sequence); !s.ok()) return s;
  std::map<std::string, std::string> out;
  for (const v1::AccountBalance* b : fold.SortedBalances()) {
    out[absl::StrCat(AccountsProjection::kName, "/b/", b->account())] =
        b->SerializeAsString();
  }
  for (const auto& [key, row] : fold.SortedSummaryRows()) {
    out[absl::StrCat(FundSummaryProjection::kName, "/", key)] =
        row->SerializeAsString();
  }
  return out;
}

}  // namespace relief

#endif  // RELIEF_PROJECTIONS_FUNDS_ASOF_TESTING_H_
