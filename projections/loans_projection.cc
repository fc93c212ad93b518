#include "projections/loans_projection.h"

#include <algorithm>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ledger/domain/loans.h"
#include "ledger/domain/rejection.h"

namespace relief {
namespace {

using storage::v1::LoanProductState;
using storage::v1::LoanState;

std::string Seq8(uint64_t value) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  return out;
}

std::string LoanKey(absl::string_view id) { return absl::StrCat("l/", id); }

// The loan id a loan event is about; empty for other events.
std::string LoanIdOf(const v1::Event& event) {
  switch (event.kind_case()) {
    case v1::Event::kLoanDisbursed: return event.loan_disbursed().loan_id();
    case v1::Event::kLoanRepaymentRecorded:
      return event.loan_repayment_recorded().loan_id();
    case v1::Event::kLoanRepaymentReversed:
      return event.loan_repayment_reversed().loan_id();
    case v1::Event::kLoanWriteOffProposed:
      return event.loan_write_off_proposed().loan_id();
    case v1::Event::kLoanWrittenOff: return event.loan_written_off().loan_id();
    case v1::Event::kLoanRescheduled: return event.loan_rescheduled().loan_id();
    default: return "";
  }
}

template <typename Message>
absl::StatusOr<Message> Parse(const std::string& value, absl::string_view what) {
  Message message;
  if (!message.ParseFromString(value)) {
    return absl::DataLossError(absl::StrCat("a loans read-model ", what,
                                            " record does not decode"));
  }
  return message;
}

}  // namespace

absl::Status LoansProjection::Apply(const v1::EventEnvelope& envelope,
                                    ProjectionTxn& txn) {
  const v1::Event& event = envelope.event();
  if (event.has_loan_product_set()) {
    const auto& p = event.loan_product_set();
    const std::string key = absl::StrCat("p/", p.product());
    auto stored = txn.Get(key);
    if (!stored.ok()) return stored.status();
    LoanProductState product;
    if (stored->has_value()) {
      auto parsed = Parse<LoanProductState>(**stored, "product");
      if (!parsed.ok()) return parsed.status();
      product = *std::move(parsed);
    }
    AddProductVersion(product, p);
    txn.Put(key, product.SerializeAsString());
    return absl::OkStatus();
  }
  const std::string id = LoanIdOf(event);
  if (id.empty()) return absl::OkStatus();
  LoanState loan;
  if (event.has_loan_disbursed()) {
    txn.Put(absl::StrCat("u/", event.loan_disbursed().unit_code(),
                         std::string(1, '\0'), Seq8(envelope.sequence())),
            id);
  } else {
    auto stored = txn.Get(LoanKey(id));
    if (!stored.ok()) return stored.status();
    if (!stored->has_value()) {
      return absl::InternalError(
          absl::StrCat("the loans read model has no loan ", id));
    }
    auto parsed = Parse<LoanState>(**stored, "loan");
    if (!parsed.ok()) return parsed.status();
    loan = *std::move(parsed);
  }
  EvolveLoanState(loan, event, envelope.sequence());
  txn.Put(LoanKey(id), loan.SerializeAsString());
  return absl::OkStatus();
}

absl::StatusOr<LoanState> LoansView::Get(absl::string_view loan_id) const {
  std::string value;
  rocksdb::Status s = log_->db()->Get(
      rocksdb::ReadOptions(), log_->projections(),
      absl::StrCat(LoansProjection::kName, "/", LoanKey(loan_id)), &value);
  if (s.IsNotFound()) {
    return NotFound(v1::LOAN_NOT_FOUND,
                    absl::StrCat("there is no loan '", loan_id, "'"));
  }
  if (auto st = FromRocks(s, "reading a loan"); !st.ok()) return st;
  return Parse<LoanState>(value, "loan");
}

absl::StatusOr<std::vector<LoanState>> LoansView::OfUnits(
    const std::vector<std::string>& units) const {
  std::vector<LoanState> out;
  for (const std::string& unit : units) {
    const std::string prefix = absl::StrCat(LoansProjection::kName, "/u/", unit,
                                            std::string(1, '\0'));
    std::unique_ptr<rocksdb::Iterator> it(
        log_->db()->NewIterator(rocksdb::ReadOptions(), log_->projections()));
    std::vector<std::string> ids;
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
         it->Next()) {
      ids.push_back(it->value().ToString());
    }
    if (auto st = FromRocks(it->status(), "listing loans"); !st.ok()) return st;
    for (const std::string& id : ids) {
      auto loan = Get(id);
      if (!loan.ok()) return loan.status();
      out.push_back(*std::move(loan));
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.disbursed_sequence() < b.disbursed_sequence();
  });
  return out;
}

absl::StatusOr<std::vector<LoanProductState>> LoansView::Products() const {
  std::vector<LoanProductState> out;
  const std::string prefix = absl::StrCat(LoansProjection::kName, "/p/");
  std::unique_ptr<rocksdb::Iterator> it(
      log_->db()->NewIterator(rocksdb::ReadOptions(), log_->projections()));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
       it->Next()) {
    auto product = Parse<LoanProductState>(it->value().ToString(), "product");
    if (!product.ok()) return product.status();
    out.push_back(*std::move(product));
  }
  if (auto st = FromRocks(it->status(), "listing loan products"); !st.ok()) {
    return st;
  }
  return out;
}

}  // namespace relief
