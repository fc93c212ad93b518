#include "projections/funds_projections.h"

#include <map>
#include <memory>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "ledger/domain/accounts.h"
#include "ledger/domain/funds.h"
#include "ledger/domain/money.h"
#include "ledger/domain/rejection.h"
#include "ledger/domain/validation.h"

namespace relief {
namespace {

constexpr char kSep = '\0';

void PutBigEndian(uint64_t value, int bytes, char* out) {
  for (int i = bytes - 1; i >= 0; --i) {
    out[i] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
}

std::string BigEndian(uint64_t value, int bytes) {
  std::string out(bytes, '\0');
  PutBigEndian(value, bytes, out.data());
  return out;
}

uint64_t FromBigEndian(absl::string_view bytes) {
  uint64_t value = 0;
  for (unsigned char c : bytes) value = (value << 8) | c;
  return value;
}

// The name of the event's kind (its field in the Event oneof).
const std::string& EventType(const v1::Event& event) {
  static const auto* const kNames = [] {
    auto* names = new absl::flat_hash_map<int, std::string>();
    const auto* descriptor = v1::Event::descriptor();
    for (int i = 0; i < descriptor->field_count(); ++i) {
      names->emplace(descriptor->field(i)->number(),
                     descriptor->field(i)->name());
    }
    return names;
  }();
  static const std::string kNone;
  auto it = kNames->find(static_cast<int>(event.kind_case()));
  return it != kNames->end() ? it->second : kNone;
}

std::string MemoOf(const v1::Event& event) {
  switch (event.kind_case()) {
    case v1::Event::kFundsReceived: {
      const auto& e = event.funds_received();
      std::string memo = absl::StrCat(e.payer(), e.document_number().empty()
                                                     ? ""
                                                     : " " + e.document_number());
      if (!e.memo().empty()) absl::StrAppend(&memo, " ", e.memo());
      return memo;
    }
    case v1::Event::kFundsAllocated: {
      const auto& e = event.funds_allocated();
      return absl::StrCat(e.from_unit_code(), " -> ", e.to_unit_code(),
                          e.memo().empty() ? "" : " " + e.memo());
    }
    case v1::Event::kEventReversed:
      return absl::StrCat("reverses ", event.event_reversed().reversed_sequence(),
                          ": ", event.event_reversed().reason());
    case v1::Event::kLoanDisbursed: {
      const auto& e = event.loan_disbursed();
      // Statements are open to every role: the dossier id, not the name.
      return absl::StrCat("loan ", e.loan_id(), " to dossier ", e.dossier_id());
    }
    case v1::Event::kLoanRepaymentRecorded: {
      const auto& e = event.loan_repayment_recorded();
      return absl::StrCat(e.recovery() ? "recovery " : "repayment ",
                          e.repayment_id(), " of loan ", e.loan_id());
    }
    case v1::Event::kLoanRepaymentReversed: {
      const auto& e = event.loan_repayment_reversed();
      return absl::StrCat("reverses repayment ", e.repayment_id(), " of loan ",
                          e.loan_id(), ": ", e.reason());
    }
    case v1::Event::kLoanWrittenOff:
      return absl::StrCat("loan ", event.loan_written_off().loan_id(),
                          " written off");
    default:
      return "";
  }
}

template <typename Message>
absl::StatusOr<Message> Load(ProjectionTxn& txn, absl::string_view key) {
  Message message;
  auto stored = txn.Get(key);
  if (!stored.ok()) return stored.status();
  if (stored->has_value() && !message.ParseFromString(**stored)) {
    return absl::DataLossError(absl::StrCat("read model key does not decode"));
  }
  return message;
}

absl::Status Add(int64_t* field_value, int64_t delta) {
  if (!AddFen(*field_value, delta, field_value)) {
    return absl::InternalError("a read-model total overflowed");
  }
  return absl::OkStatus();
}


std::string SummaryKey(absl::string_view unit, v1::FundSource source) {
  std::string key;
  SummaryKeyTo(unit, source, &key);
  return key;
}

// Appended to `out`: applying a million events builds millions of keys, and
// a reused string allocates none.
void AppendYearKey(absl::string_view unit, int year, std::string* out) {
  char bytes[4];
  PutBigEndian(static_cast<uint64_t>(year), 4, bytes);
  out->append(unit.data(), unit.size()).append(1, kSep).append(bytes, 4);
}

std::string YearKey(absl::string_view unit, int year) {
  std::string key;
  AppendYearKey(unit, year, &key);
  return key;
}

}  // namespace

void SummaryKeyTo(absl::string_view unit, v1::FundSource source,
                  std::string* key) {
  key->assign(unit.data(), unit.size());
  key->push_back(kSep);
  key->push_back(static_cast<char>(source));
}

int CivilYearOf(int64_t unix_micros) {
  static const absl::TimeZone kChina = absl::FixedTimeZone(8 * 60 * 60);
  // Replays ask for the same year event after event: remember the last
  // year's bounds [begin, end) per thread.
  thread_local int64_t begin = 1, end = 0;
  thread_local int year = 0;
  if (unix_micros >= begin && unix_micros < end) return year;
  const absl::CivilYear civil =
      absl::ToCivilYear(absl::FromUnixMicros(unix_micros), kChina);
  year = static_cast<int>(civil.year());
  begin = absl::ToUnixMicros(absl::FromCivil(civil, kChina));
  end = absl::ToUnixMicros(absl::FromCivil(civil + 1, kChina));
  return year;
}

namespace {

// The kind and unit of an account name (the grammar in accounts.h), without
// copying: this runs for every posting of every event replayed.
struct AccountView {
  AccountKind kind = AccountKind::kExternal;
  absl::string_view unit_code;  // empty for external
};

bool ParseAccountView(absl::string_view name, AccountView* out) {
  constexpr absl::string_view kExternalPrefix = "external/";
  if (absl::StartsWith(name, kExternalPrefix)) {
    if (name.size() == kExternalPrefix.size()) return false;
    out->kind = AccountKind::kExternal;
    out->unit_code = absl::string_view();
    return true;
  }
  const size_t unit_end = name.find('/');
  if (unit_end == 0 || unit_end == absl::string_view::npos) return false;
  const size_t source_end = name.find('/', unit_end + 1);
  if (source_end == absl::string_view::npos || source_end == unit_end + 1) {
    return false;
  }
  const absl::string_view kind = name.substr(source_end + 1);
  if (kind == "pool") {
    out->kind = AccountKind::kPool;
  } else if (kind == "goods") {
    out->kind = AccountKind::kGoods;
  } else if (kind == "loans_receivable") {
    out->kind = AccountKind::kLoansReceivable;
  } else if (kind == "loan_losses") {
    out->kind = AccountKind::kLoanLosses;
  } else if (absl::StartsWith(kind, "grants/") && kind.size() > 7) {
    out->kind = AccountKind::kGrantsPaid;
  } else {
    return false;
  }
  out->unit_code = name.substr(0, unit_end);
  return true;
}

}  // namespace

absl::Status ApplyPostingSide(const v1::Posting& p, bool debit,
                              uint64_t sequence, v1::AccountBalance& balance) {
  const std::string& account = debit ? p.debit_account() : p.credit_account();
  if (balance.account() != account) balance.set_account(account);
  balance.set_fund_source(p.fund_source());
  int64_t posted =
      debit ? balance.posted_debits_fen() : balance.posted_credits_fen();
  int64_t pending =
      debit ? balance.pending_debits_fen() : balance.pending_credits_fen();
  const int64_t a = p.amount_fen();
  absl::Status s;
  switch (p.phase()) {
    case v1::POSTING_PHASE_POSTED: s = Add(&posted, a); break;
    case v1::POSTING_PHASE_PENDING: s = Add(&pending, a); break;
    case v1::POSTING_PHASE_POST_PENDING:
      s = Add(&pending, -a);
      if (s.ok()) s = Add(&posted, a);
      break;
    case v1::POSTING_PHASE_VOID_PENDING: s = Add(&pending, -a); break;
    default: s = absl::InternalError("unknown posting phase");
  }
  if (!s.ok()) return s;
  if (debit) {
    balance.set_posted_debits_fen(posted);
    balance.set_pending_debits_fen(pending);
  } else {
    balance.set_posted_credits_fen(posted);
    balance.set_pending_credits_fen(pending);
  }
  balance.set_available_fen(balance.posted_credits_fen() -
                            balance.posted_debits_fen() -
                            balance.pending_debits_fen());
  balance.set_last_sequence(sequence);
  return absl::OkStatus();
}

SummaryRule SummaryRuleOf(const v1::Event& event) {
  SummaryRule rule;
  rule.undo = event.has_loan_repayment_reversed();
  rule.loan_repayment = event.has_loan_repayment_recorded() || rule.undo;
  return rule;
}

absl::Status ClassifyPosting(const v1::Posting& p, SummaryRule rule,
                             SummaryDeltas& out) {
  out.count = 0;
  // A bounced loan repayment undoes the fields its repayment added: its
  // postings are read in the original direction with the amount negated.
  AccountView from, to;
  if (!ParseAccountView(rule.undo ? p.credit_account() : p.debit_account(),
                        &from) ||
      !ParseAccountView(rule.undo ? p.debit_account() : p.credit_account(),
                        &to)) {
    return absl::InternalError("bad account name");
  }
  const int64_t a = rule.undo ? -p.amount_fen() : p.amount_fen();
  auto row = [&](absl::string_view unit) -> SummaryDelta& {
    SummaryDelta& d = out.rows[out.count++];
    d = SummaryDelta();
    d.unit_code = unit;
    return d;
  };
  using K = AccountKind;
  // Field changes by the kinds of the two accounts. A reversal's posting
  // runs the other way and undoes the same field.
  const K fk = from.kind, tk = to.kind;
  if (rule.loan_repayment && fk == K::kExternal && tk == K::kPool) {
    SummaryDelta& d = row(to.unit_code);
    d.interest_fen = a;
    d.available_fen = a;
  } else if (fk == K::kLoanLosses && tk == K::kPool) {
    SummaryDelta& d = row(to.unit_code);
    d.recovered_fen = a;
    d.available_fen = a;
  } else if (fk == K::kExternal && tk == K::kPool) {
    SummaryDelta& d = row(to.unit_code);
    d.received_fen = a;
    d.available_fen = a;
  } else if (fk == K::kPool && tk == K::kExternal) {
    SummaryDelta& d = row(from.unit_code);
    d.received_fen = -a;
    d.available_fen = -a;
  } else if (fk == K::kExternal && tk == K::kGoods) {
    row(to.unit_code).goods_received_fen = a;
  } else if (fk == K::kGoods && tk == K::kExternal) {
    row(from.unit_code).goods_received_fen = -a;
  } else if (fk == K::kPool && tk == K::kPool) {
    const bool down = ParentPartOf(to.unit_code) == from.unit_code;
    const absl::string_view parent = down ? from.unit_code : to.unit_code;
    const absl::string_view child = down ? to.unit_code : from.unit_code;
    const int64_t delta = down ? a : -a;
    SummaryDelta& up = row(parent);
    up.allocated_down_fen = delta;
    up.available_fen = -delta;
    SummaryDelta& in = row(child);
    in.allocated_in_fen = delta;
    in.available_fen = delta;
  } else if ((fk == K::kPool || fk == K::kGoods) && tk == K::kGrantsPaid) {
    // Grants reserve (pending), then are paid or released. Goods grants
    // count as granted but leave the cash pool alone.
    const int64_t cash = fk == K::kPool ? a : 0;
    SummaryDelta& d = row(from.unit_code);
    switch (p.phase()) {
      case v1::POSTING_PHASE_PENDING:
        d.reserved_fen = a;
        d.available_fen = -cash;
        break;
      case v1::POSTING_PHASE_POST_PENDING:
        d.reserved_fen = -a;
        d.granted_fen = a;
        break;
      case v1::POSTING_PHASE_VOID_PENDING:
        d.reserved_fen = -a;
        d.available_fen = cash;
        break;
      default:
        d.granted_fen = a;
        d.available_fen = -cash;
    }
  } else if (fk == K::kGrantsPaid && tk == K::kPool) {
    SummaryDelta& d = row(to.unit_code);
    d.granted_fen = -a;
    d.available_fen = a;
  } else if (fk == K::kPool && tk == K::kLoansReceivable) {
    SummaryDelta& d = row(from.unit_code);
    d.lent_fen = a;
    d.available_fen = -a;
  } else if (fk == K::kLoansReceivable && tk == K::kPool) {
    SummaryDelta& d = row(to.unit_code);
    d.repaid_fen = a;
    d.available_fen = a;
  } else if (fk == K::kLoansReceivable && tk == K::kLoanLosses) {
    row(from.unit_code).written_off_fen = a;
  } else if (fk == K::kLoanLosses && tk == K::kLoansReceivable) {
    row(from.unit_code).written_off_fen = -a;
  } else {
    return absl::InternalError(absl::StrCat(
        "no summary rule for a posting ", p.debit_account(), " -> ",
        p.credit_account()));
  }
  return absl::OkStatus();
}

namespace {

// The amounts of a summary row, in one place for every rule that adds them.
struct SummaryField {
  int64_t (v1::FundSummary::*get)() const;
  void (v1::FundSummary::*set)(int64_t);
  int64_t SummaryDelta::*delta;
};
constexpr SummaryField kSummaryFields[] = {
    {&v1::FundSummary::received_fen, &v1::FundSummary::set_received_fen,
     &SummaryDelta::received_fen},
    {&v1::FundSummary::goods_received_fen,
     &v1::FundSummary::set_goods_received_fen,
     &SummaryDelta::goods_received_fen},
    {&v1::FundSummary::allocated_in_fen,
     &v1::FundSummary::set_allocated_in_fen, &SummaryDelta::allocated_in_fen},
    {&v1::FundSummary::allocated_down_fen,
     &v1::FundSummary::set_allocated_down_fen,
     &SummaryDelta::allocated_down_fen},
    {&v1::FundSummary::granted_fen, &v1::FundSummary::set_granted_fen,
     &SummaryDelta::granted_fen},
    {&v1::FundSummary::reserved_fen, &v1::FundSummary::set_reserved_fen,
     &SummaryDelta::reserved_fen},
    {&v1::FundSummary::lent_fen, &v1::FundSummary::set_lent_fen,
     &SummaryDelta::lent_fen},
    {&v1::FundSummary::repaid_fen, &v1::FundSummary::set_repaid_fen,
     &SummaryDelta::repaid_fen},
    {&v1::FundSummary::written_off_fen, &v1::FundSummary::set_written_off_fen,
     &SummaryDelta::written_off_fen},
    {&v1::FundSummary::available_fen, &v1::FundSummary::set_available_fen,
     &SummaryDelta::available_fen},
    {&v1::FundSummary::interest_fen, &v1::FundSummary::set_interest_fen,
     &SummaryDelta::interest_fen},
    {&v1::FundSummary::recovered_fen, &v1::FundSummary::set_recovered_fen,
     &SummaryDelta::recovered_fen},
};

}  // namespace

absl::Status ApplySummaryDelta(const SummaryDelta& delta,
                               v1::FundSource source, v1::FundSummary& row) {
  if (row.unit_code() != delta.unit_code) {
    row.set_unit_code(std::string(delta.unit_code));
  }
  row.set_fund_source(source);
  for (const SummaryField& f : kSummaryFields) {
    const int64_t d = delta.*f.delta;
    if (d == 0) continue;
    int64_t value = (row.*f.get)();
    if (!AddFen(value, d, &value)) {
      return absl::InternalError("a summary total overflowed");
    }
    (row.*f.set)(value);
  }
  return absl::OkStatus();
}

absl::Status AddSummaryRow(const v1::FundSummary& one, v1::FundSummary& sum) {
  for (const SummaryField& f : kSummaryFields) {
    int64_t value = 0;
    if (!AddFen((sum.*f.get)(), (one.*f.get)(), &value)) {
      return absl::InternalError("a subtree total overflowed");
    }
    (sum.*f.set)(value);
  }
  return absl::OkStatus();
}

// Statement lines: rows of lines of one account, one row per account and
// 4,096 sequences (kStatementBucketBits), each line a fixed record:
//   sequence:u64be posting:u16be side:u8 (0 debit, 1 credit)
//   balance_fen:i64be (two's complement)
// The rest of a line (time, counter account, amount, type, memo) is read
// from its event when the statement is listed. A row only grows, by a merge
// (ProjectionTxn::Extend): a rebuild writes each row once per chunk, and
// the row is the same whatever the chunks were.
namespace {
constexpr int kStatementBucketBits = 12;
constexpr size_t kStatementLineBytes = 8 + 2 + 1 + 8;
}  // namespace

absl::Status AccountsProjection::Apply(const v1::EventEnvelope& envelope,
                                       ProjectionTxn& txn) {
  const auto* postings = PostingsOf(envelope.event());
  if (postings == nullptr) return absl::OkStatus();
  if (postings->size() > 0xffff) {
    return absl::InternalError("an event has more than 65,535 postings");
  }
  // Reused from event to event (a replay runs this a million times): their
  // memory stays allocated.
  thread_local std::string key;
  char bucket_key[8];
  PutBigEndian(envelope.sequence() >> kStatementBucketBits, 8, bucket_key);
  for (int i = 0; i < postings->size(); ++i) {
    const v1::Posting& p = (*postings)[i];
    for (bool debit : {true, false}) {
      const std::string& account = debit ? p.debit_account() : p.credit_account();
      key.assign("b/").append(account);
      auto balance = txn.Mutable<v1::AccountBalance>(key);
      if (!balance.ok()) return balance.status();
      RELIEF_RETURN_IF_ERROR(
          ApplyPostingSide(p, debit, envelope.sequence(), **balance));
      // The statement lists money that moved; reservations show in the
      // balance's pending figures until they are posted or released.
      if (p.phase() == v1::POSTING_PHASE_PENDING ||
          p.phase() == v1::POSTING_PHASE_VOID_PENDING) {
        continue;
      }
      const int64_t after =
          (*balance)->posted_credits_fen() - (*balance)->posted_debits_fen();
      char line[kStatementLineBytes];
      PutBigEndian(envelope.sequence(), 8, line);
      PutBigEndian(static_cast<uint64_t>(i), 2, line + 8);
      line[10] = debit ? '\0' : '\1';
      PutBigEndian(static_cast<uint64_t>(after), 8, line + 11);
      key.assign("s/").append(account).push_back(kSep);
      key.append(bucket_key, sizeof(bucket_key));
      txn.Extend(key, absl::string_view(line, sizeof(line)));
    }
  }
  return absl::OkStatus();
}

absl::Status FundSummaryProjection::Apply(const v1::EventEnvelope& envelope,
                                          ProjectionTxn& txn) {
  const auto* postings = PostingsOf(envelope.event());
  if (postings == nullptr) return absl::OkStatus();
  const SummaryRule rule = SummaryRuleOf(envelope.event());
  SummaryDeltas deltas;
  for (const v1::Posting& p : *postings) {
    RELIEF_RETURN_IF_ERROR(ClassifyPosting(p, rule, deltas));
    for (int i = 0; i < deltas.count; ++i) {
      thread_local std::string key;
      SummaryKeyTo(deltas.rows[i].unit_code, p.fund_source(), &key);
      auto row = txn.Mutable<v1::FundSummary>(key);
      if (!row.ok()) return row.status();
      RELIEF_RETURN_IF_ERROR(
          ApplySummaryDelta(deltas.rows[i], p.fund_source(), **row));
    }
  }
  return absl::OkStatus();
}

absl::Status MatchingProjection::Apply(const v1::EventEnvelope& envelope,
                                       ProjectionTxn& txn) {
  const v1::Event& event = envelope.event();
  if (event.has_matching_rule_set()) {
    const auto& rule = event.matching_rule_set();
    txn.Put(absl::StrCat("rule/", YearKey(rule.unit_code(),
                                          rule.effective_year())),
            rule.SerializeAsString());
    return absl::OkStatus();
  }
  // Loan interest comes from outside but is not money to be matched.
  if (event.has_loan_repayment_recorded() ||
      event.has_loan_repayment_reversed()) {
    return absl::OkStatus();
  }
  const auto* postings = PostingsOf(event);
  if (postings == nullptr) return absl::OkStatus();
  const int year = CivilYearOf(envelope.recorded_at_unix_micros());
  for (const v1::Posting& p : *postings) {
    if (p.fund_source() != v1::FUND_SOURCE_FEDERATION_ALLOCATION &&
        p.fund_source() != v1::FUND_SOURCE_GOVERNMENT_MATCHING) {
      continue;
    }
    AccountView from, to;
    if (!ParseAccountView(p.debit_account(), &from) ||
        !ParseAccountView(p.credit_account(), &to)) {
      return absl::InternalError("bad account name");
    }
    // Money into a unit's pool from outside (or, for federation money, from
    // its parent) counts as received; the reverse movement un-counts it.
    auto counts = [&](const AccountView& pool, const AccountView& other) {
      if (pool.kind != AccountKind::kPool) return false;
      if (other.kind == AccountKind::kExternal) return true;
      return p.fund_source() == v1::FUND_SOURCE_FEDERATION_ALLOCATION &&
             other.kind == AccountKind::kPool &&
             ParentPartOf(pool.unit_code) == other.unit_code;
    };
    for (int sign : {1, -1}) {
      const AccountView& pool = sign > 0 ? to : from;
      const AccountView& other = sign > 0 ? from : to;
      if (!counts(pool, other)) continue;
      thread_local std::string key;
      key.assign("year/");
      AppendYearKey(pool.unit_code, year, &key);
      auto found = txn.Mutable<v1::MatchingRow>(key);
      if (!found.ok()) return found.status();
      v1::MatchingRow* row = *found;
      if (row->unit_code() != pool.unit_code) {
        row->set_unit_code(std::string(pool.unit_code));
      }
      row->set_year(year);
      int64_t value = p.fund_source() == v1::FUND_SOURCE_FEDERATION_ALLOCATION
                          ? row->federation_received_fen()
                          : row->received_fen();
      if (!AddFen(value, sign * p.amount_fen(), &value)) {
        return absl::InternalError("a matching total overflowed");
      }
      if (p.fund_source() == v1::FUND_SOURCE_FEDERATION_ALLOCATION) {
        row->set_federation_received_fen(value);
      } else {
        row->set_received_fen(value);
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::AccountBalance> FundsView::Balance(
    absl::string_view account) const {
  std::string value;
  rocksdb::Status s = log_->db()->Get(
      rocksdb::ReadOptions(), log_->projections(),
      absl::StrCat(AccountsProjection::kName, "/b/", account), &value);
  if (s.IsNotFound()) {
    return NotFound(v1::ACCOUNT_NOT_FOUND,
                    absl::StrCat("account ", account, " has never moved money"));
  }
  if (auto st = FromRocks(s, "reading a balance"); !st.ok()) return st;
  v1::AccountBalance balance;
  if (!balance.ParseFromString(value)) {
    return absl::DataLossError("a balance does not decode");
  }
  return balance;
}

absl::StatusOr<std::vector<v1::FundSummary>> FundsView::Summary(
    const std::vector<std::string>& codes, absl::string_view label) const {
  std::vector<v1::FundSummary> rows(4);
  for (int i = 0; i < 4; ++i) {
    rows[i].set_unit_code(std::string(label));
    rows[i].set_fund_source(static_cast<v1::FundSource>(i + 1));
  }
  for (const std::string& code : codes) {
    for (int i = 0; i < 4; ++i) {
      std::string value;
      rocksdb::Status s = log_->db()->Get(
          rocksdb::ReadOptions(), log_->projections(),
          absl::StrCat(FundSummaryProjection::kName, "/",
                       SummaryKey(code, static_cast<v1::FundSource>(i + 1))),
          &value);
      if (s.IsNotFound()) continue;
      if (auto st = FromRocks(s, "reading a summary"); !st.ok()) return st;
      v1::FundSummary one;
      if (!one.ParseFromString(value)) {
        return absl::DataLossError("a summary does not decode");
      }
      RELIEF_RETURN_IF_ERROR(AddSummaryRow(one, rows[i]));
    }
  }
  return rows;
}

absl::StatusOr<std::vector<v1::StatementEntry>> FundsView::Statement(
    absl::string_view account, absl::string_view page_token_in, uint32_t limit,
    std::string* next_token) const {
  const std::string page_token(page_token_in);
  next_token->clear();
  if (limit == 0) return absl::InternalError("a statement page of no lines");
  const std::string prefix = absl::StrCat(AccountsProjection::kName, "/s/",
                                          account, std::string(1, kSep));
  // Lines after (sequence, position) only; position = posting * 2 + side.
  uint64_t after_sequence = 0, after_position = 0;
  bool after = false;
  if (!page_token.empty()) {
    // "<sequence>.<position>" of the last line returned.
    std::vector<absl::string_view> parts = absl::StrSplit(page_token, '.');
    if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &after_sequence) ||
        !absl::SimpleAtoi(parts[1], &after_position) ||
        after_position > 2 * 0xffff + 1) {
      return InvalidArgument(v1::FIELD_INVALID,
                             "page_token is not one this server returned");
    }
    after = true;
  }
  const std::string start = absl::StrCat(
      prefix, BigEndian(after_sequence >> kStatementBucketBits, 8));
  std::unique_ptr<rocksdb::Iterator> it(
      log_->db()->NewIterator(rocksdb::ReadOptions(), log_->projections()));
  std::vector<v1::StatementEntry> out;
  // The event of the line before: an event may move one account twice.
  std::vector<std::unique_ptr<v1::EventEnvelope>> events;
  for (it->Seek(start); it->Valid(); it->Next()) {
    absl::string_view key(it->key().data(), it->key().size());
    if (!absl::StartsWith(key, prefix)) break;
    absl::string_view lines(it->value().data(), it->value().size());
    if (lines.size() % kStatementLineBytes != 0) {
      return absl::DataLossError(absl::StrCat(
          "the statement row of ", account, " has a broken line"));
    }
    for (; !lines.empty(); lines.remove_prefix(kStatementLineBytes)) {
      const uint64_t sequence = FromBigEndian(lines.substr(0, 8));
      const uint64_t posting = FromBigEndian(lines.substr(8, 2));
      const bool debit = lines[10] == '\0';
      const uint64_t position = posting * 2 + (debit ? 0 : 1);
      if (after && (sequence < after_sequence ||
                    (sequence == after_sequence && position <= after_position))) {
        continue;
      }
      if (out.size() == limit) {
        // A further line exists: the token continues after the last one.
        const v1::StatementEntry& last = out.back();
        *next_token = absl::StrCat(last.sequence(), ".", after_position);
        return out;
      }
      if (events.empty() || events[0]->sequence() != sequence) {
        size_t count = 0;
        RELIEF_RETURN_IF_ERROR(
            log_->ReadRange(sequence, sequence, &events, &count));
      }
      const v1::EventEnvelope& event = *events[0];
      const auto* postings = PostingsOf(event.event());
      if (postings == nullptr ||
          posting >= static_cast<uint64_t>(postings->size()) ||
          (debit ? (*postings)[posting].debit_account()
                 : (*postings)[posting].credit_account()) != account) {
        return absl::DataLossError(absl::StrCat(
            "a statement line of ", account, " does not match event ",
            sequence, ": rebuild the read models"));
      }
      const v1::Posting& p = (*postings)[posting];
      v1::StatementEntry& entry = out.emplace_back();
      entry.set_sequence(sequence);
      entry.set_recorded_at_unix_micros(event.recorded_at_unix_micros());
      entry.set_counter_account(debit ? p.credit_account() : p.debit_account());
      if (debit) {
        entry.set_debit_fen(p.amount_fen());
      } else {
        entry.set_credit_fen(p.amount_fen());
      }
      entry.set_balance_fen(
          static_cast<int64_t>(FromBigEndian(lines.substr(11, 8))));
      entry.set_event_type(EventType(event.event()));
      entry.set_memo(MemoOf(event.event()));
      after_sequence = sequence;
      after_position = position;
      after = true;
    }
  }
  RELIEF_RETURN_IF_ERROR(FromRocks(it->status(), "reading a statement"));
  return out;
}

absl::StatusOr<std::vector<v1::MatchingRow>> FundsView::Matching(
    absl::string_view unit_code, int year) const {
  const std::string base = absl::StrCat(MatchingProjection::kName, "/");
  // Rules per unit, by effective year.
  std::map<std::string, std::map<int, v1::MatchingRuleSet>> rules;
  std::unique_ptr<rocksdb::Iterator> it(
      log_->db()->NewIterator(rocksdb::ReadOptions(), log_->projections()));
  const std::string rule_prefix =
      absl::StrCat(base, "rule/",
                   unit_code.empty() ? "" : absl::StrCat(unit_code, std::string(1, kSep)));
  for (it->Seek(rule_prefix); it->Valid(); it->Next()) {
    absl::string_view key(it->key().data(), it->key().size());
    if (!absl::StartsWith(key, rule_prefix)) break;
    v1::MatchingRuleSet rule;
    if (!rule.ParseFromArray(it->value().data(),
                             static_cast<int>(it->value().size()))) {
      return absl::DataLossError("a matching rule does not decode");
    }
    rules[rule.unit_code()][rule.effective_year()] = rule;
  }
  std::vector<v1::MatchingRow> out;
  for (const auto& [unit, by_year] : rules) {
    std::map<int, v1::MatchingRow> rows;
    const std::string year_prefix =
        absl::StrCat(base, "year/", unit, std::string(1, kSep));
    for (it->Seek(year_prefix); it->Valid(); it->Next()) {
      absl::string_view key(it->key().data(), it->key().size());
      if (!absl::StartsWith(key, year_prefix)) break;
      v1::MatchingRow row;
      if (!row.ParseFromArray(it->value().data(),
                              static_cast<int>(it->value().size()))) {
        return absl::DataLossError("a matching row does not decode");
      }
      rows[row.year()] = row;
    }
    if (year != 0 && !rows.contains(year)) {
      rows[year].set_unit_code(unit);
      rows[year].set_year(year);
    }
    for (auto& [y, row] : rows) {
      if (year != 0 && y != year) continue;
      auto rule = by_year.upper_bound(y);
      if (rule == by_year.begin()) continue;  // no rule in force that year
      --rule;
      row.set_government_parts(rule->second.government_parts());
      row.set_federation_parts(rule->second.federation_parts());
      // Rounded down to the fen; 128-bit so no product overflows.
      __int128 due = static_cast<__int128>(row.federation_received_fen()) *
                     rule->second.government_parts() /
                     rule->second.federation_parts();
      row.set_due_fen(static_cast<int64_t>(due));
      row.set_outstanding_fen(row.due_fen() - row.received_fen());
      out.push_back(row);
    }
  }
  if (auto s = FromRocks(it->status(), "reading matching"); !s.ok()) return s;
  return out;
}

}  // namespace relief
