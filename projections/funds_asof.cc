#include "projections/funds_asof.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ledger/domain/funds.h"
#include "ledger/domain/money.h"
#include "ledger/domain/rejection.h"
#include "ledger/store/sha256.h"
#include "projections/funds_projections.h"

namespace relief {
namespace {

// recorded_at of the stored event `sequence`.
absl::StatusOr<int64_t> RecordedAt(const EventLog& log, uint64_t sequence) {
  std::string value;
  rocksdb::Status s = log.db()->Get(rocksdb::ReadOptions(), log.events(),
                                    EncodeSequenceKey(sequence), &value);
  if (s.IsNotFound()) {
    return absl::InternalError(
        absl::StrCat("event ", sequence, " is missing from the log"));
  }
  RELIEF_RETURN_IF_ERROR(FromRocks(s, "reading an event"));
  v1::EventEnvelope envelope;
  if (value.size() < kSha256Bytes ||
      !envelope.ParseFromArray(value.data() + kSha256Bytes,
                               static_cast<int>(value.size() - kSha256Bytes))) {
    return Reject(absl::StatusCode::kDataLoss, v1::CHAIN_BROKEN,
                  absl::StrCat("event ", sequence,
                               " does not decode; run `reliefd verify`"));
  }
  return envelope.recorded_at_unix_micros();
}

}  // namespace

absl::StatusOr<ResolvedPoint> ResolveLogPoint(const EventLog& log,
                                              const v1::LogPoint& point,
                                              uint64_t head,
                                              absl::string_view field) {
  if (point.sequence() != 0 && point.unix_micros() != 0) {
    return InvalidArgument(
        v1::FIELD_INVALID,
        absl::StrCat(field, ": give either sequence or unix_micros, not "
                            "both"));
  }
  if (point.sequence() == 0 && point.unix_micros() == 0) {
    return InvalidArgument(
        v1::FIELD_INVALID,
        absl::StrCat(field, " is set but names no point of the log: give "
                            "sequence (1 or more) or unix_micros (a time "
                            "after 1970)"));
  }
  if (point.unix_micros() < 0) {
    return InvalidArgument(
        v1::FIELD_INVALID,
        absl::StrCat(field, ".unix_micros ", point.unix_micros(),
                     " is before 1970"));
  }
  ResolvedPoint out;
  if (point.sequence() != 0) {
    if (point.sequence() > head) {
      return Reject(absl::StatusCode::kOutOfRange,
                    v1::MIN_SEQUENCE_NOT_REACHED,
                    absl::StrCat(field, ".sequence ", point.sequence(),
                                 " is beyond the log head ", head));
    }
    out.sequence = point.sequence();
    auto at = RecordedAt(log, out.sequence);
    if (!at.ok()) return at.status();
    out.recorded_at_unix_micros = *at;
    return out;
  }
  // The last event recorded at or before t: recorded_at never decreases
  // along the log, so bisect. Invariant: events <= lo are at or before t
  // (lo = 0: none known), events > hi are after it.
  const int64_t t = point.unix_micros();
  uint64_t lo = 0, hi = head;
  int64_t lo_at = 0;
  while (lo < hi) {
    const uint64_t mid = lo + (hi - lo + 1) / 2;
    auto at = RecordedAt(log, mid);
    if (!at.ok()) return at.status();
    if (*at <= t) {
      lo = mid;
      lo_at = *at;
    } else {
      hi = mid - 1;
    }
  }
  out.sequence = lo;
  out.recorded_at_unix_micros = lo == 0 ? 0 : lo_at;
  return out;
}

FundsFold::FundsFold(Options options) : options_(std::move(options)) {
  key_.reserve(64);
}

absl::Status FundsFold::Apply(const v1::EventEnvelope& envelope) {
  const v1::Event& event = envelope.event();
  sequence_ = envelope.sequence();
  recorded_at_ = envelope.recorded_at_unix_micros();
  ++events_;
  if (event.has_org_unit_registered()) {
    units_.insert(event.org_unit_registered().code());
    return absl::OkStatus();
  }
  const auto* postings = PostingsOf(event);
  if (postings == nullptr) return absl::OkStatus();
  if (options_.balances) {
    for (const v1::Posting& p : *postings) {
      for (bool debit : {true, false}) {
        const std::string& account =
            debit ? p.debit_account() : p.credit_account();
        if (!options_.only_account.empty() &&
            account != options_.only_account) {
          continue;
        }
        auto it = balances_.find(account);
        if (it == balances_.end()) {
          it = balances_.try_emplace(account).first;
        }
        RELIEF_RETURN_IF_ERROR(
            ApplyPostingSide(p, debit, envelope.sequence(), it->second));
      }
    }
  }
  if (options_.summaries) {
    const SummaryRule rule = SummaryRuleOf(event);
    SummaryDeltas deltas;
    for (const v1::Posting& p : *postings) {
      RELIEF_RETURN_IF_ERROR(ClassifyPosting(p, rule, deltas));
      for (int i = 0; i < deltas.count; ++i) {
        SummaryKeyTo(deltas.rows[i].unit_code, p.fund_source(), &key_);
        auto it = summaries_.find(key_);
        if (it == summaries_.end()) it = summaries_.try_emplace(key_).first;
        RELIEF_RETURN_IF_ERROR(
            ApplySummaryDelta(deltas.rows[i], p.fund_source(), it->second));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status FundsFold::Run(const EventLog& log, uint64_t sequence) {
  if (sequence < sequence_) {
    return absl::InternalError(absl::StrCat(
        "the fold is at sequence ", sequence_, " and cannot go back to ",
        sequence));
  }
  if (sequence == sequence_) return absl::OkStatus();  // also the empty ledger
  const uint64_t from = sequence_ + 1;
  absl::Status apply;
  RELIEF_RETURN_IF_ERROR(
      log.Scan(from, sequence, [&](const v1::EventEnvelope& envelope) {
        apply = Apply(envelope);
        if (!apply.ok()) {
          apply = absl::Status(apply.code(),
                               absl::StrCat("folding event ",
                                            envelope.sequence(), ": ",
                                            apply.message()));
        }
        return apply.ok();
      }));
  RELIEF_RETURN_IF_ERROR(apply);
  if (sequence_ != sequence) {
    return absl::InternalError(absl::StrCat(
        "the log ends at sequence ", sequence_, ", before ", sequence));
  }
  return absl::OkStatus();
}

const v1::AccountBalance* FundsFold::Find(absl::string_view account) const {
  auto it = balances_.find(account);
  return it == balances_.end() ? nullptr : &it->second;
}

const v1::AccountBalance* FundsFold::Balance(absl::string_view account) const {
  return Find(account);
}

std::vector<const v1::AccountBalance*> FundsFold::SortedBalances() const {
  std::vector<const v1::AccountBalance*> out;
  out.reserve(balances_.size());
  for (const auto& [name, balance] : balances_) out.push_back(&balance);
  std::sort(out.begin(), out.end(), [](const auto* a, const auto* b) {
    return a->account() < b->account();
  });
  return out;
}

const v1::FundSummary* FundsFold::SummaryRow(absl::string_view unit,
                                             v1::FundSource source) const {
  std::string key;
  SummaryKeyTo(unit, source, &key);
  auto it = summaries_.find(key);
  return it == summaries_.end() ? nullptr : &it->second;
}

std::vector<std::pair<std::string, const v1::FundSummary*>>
FundsFold::SortedSummaryRows() const {
  std::vector<std::pair<std::string, const v1::FundSummary*>> out;
  out.reserve(summaries_.size());
  for (const auto& [key, row] : summaries_) out.emplace_back(key, &row);
  std::sort(out.begin(), out.end());
  return out;
}

absl::StatusOr<std::vector<v1::FundSummary>> FundsFold::Summary(
    const std::vector<std::string>& codes, absl::string_view label) const {
  std::vector<v1::FundSummary> rows(4);
  for (int i = 0; i < 4; ++i) {
    rows[i].set_unit_code(std::string(label));
    rows[i].set_fund_source(static_cast<v1::FundSource>(i + 1));
  }
  for (const std::string& code : codes) {
    for (int i = 0; i < 4; ++i) {
      const v1::FundSummary* one =
          SummaryRow(code, static_cast<v1::FundSource>(i + 1));
      if (one == nullptr) continue;
      RELIEF_RETURN_IF_ERROR(AddSummaryRow(*one, rows[i]));
    }
  }
  return rows;
}

bool FundsFold::HasUnit(absl::string_view code) const {
  return units_.contains(code);
}

std::vector<std::string> FundsFold::UnitsOf(absl::string_view code,
                                            bool subtree) const {
  std::vector<std::string> out;
  if (!HasUnit(code)) return out;
  out.emplace_back(code);
  if (subtree) {
    const std::string below = absl::StrCat(code, ".");
    for (const std::string& unit : units_) {
      if (absl::StartsWith(unit, below)) out.push_back(unit);
    }
    std::sort(out.begin(), out.end());
  }
  return out;
}

absl::StatusOr<v1::GetTrialBalanceResponse> TrialBalanceOf(
    const FundsFold& fold, absl::string_view unit_code, bool subtree) {
  v1::GetTrialBalanceResponse response;
  struct Totals {
    int64_t posted_debits = 0, posted_credits = 0, pending_debits = 0,
            pending_credits = 0;
  };
  Totals totals[4];
  const std::string below = absl::StrCat(unit_code, ".");
  for (const v1::AccountBalance* b : fold.SortedBalances()) {
    if (!unit_code.empty()) {
      // Unit accounts are "<unit>/<source>/<kind>"; external ones have no
      // unit and are left out.
      const size_t slash = b->account().find('/');
      const absl::string_view unit =
          absl::string_view(b->account()).substr(0, slash);
      if (unit == "external") continue;
      if (unit != unit_code && !(subtree && absl::StartsWith(unit, below))) {
        continue;
      }
    }
    *response.add_lines()->mutable_balance() = *b;
    const int source = static_cast<int>(b->fund_source());
    if (source < 1 || source > 4) {
      return absl::InternalError(absl::StrCat(
          "account ", b->account(), " has no fund source"));
    }
    Totals& t = totals[source - 1];
    if (!AddFen(t.posted_debits, b->posted_debits_fen(), &t.posted_debits) ||
        !AddFen(t.posted_credits, b->posted_credits_fen(),
                &t.posted_credits) ||
        !AddFen(t.pending_debits, b->pending_debits_fen(),
                &t.pending_debits) ||
        !AddFen(t.pending_credits, b->pending_credits_fen(),
                &t.pending_credits)) {
      return absl::InternalError("a trial-balance total overflowed");
    }
  }
  for (int i = 0; i < 4; ++i) {
    v1::TrialBalanceSource* s = response.add_sources();
    s->set_fund_source(static_cast<v1::FundSource>(i + 1));
    s->set_posted_debits_fen(totals[i].posted_debits);
    s->set_posted_credits_fen(totals[i].posted_credits);
    s->set_pending_debits_fen(totals[i].pending_debits);
    s->set_pending_credits_fen(totals[i].pending_credits);
    s->set_balanced(totals[i].posted_debits == totals[i].posted_credits &&
                    totals[i].pending_debits == totals[i].pending_credits);
  }
  response.set_as_of_sequence(fold.sequence());
  response.set_as_of_unix_micros(fold.recorded_at_unix_micros());
  return response;
}

}  // namespace relief
