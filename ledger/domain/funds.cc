#include "ledger/domain/funds.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "ledger/domain/accounts.h"
#include "ledger/domain/decider.h"
#include "ledger/domain/limits.h"
#include "ledger/domain/money.h"
#include "ledger/domain/rejection.h"
#include "ledger/domain/validation.h"

namespace relief {
namespace {

absl::Status ValidateAmount(absl::string_view field, int64_t amount_fen) {
  if (amount_fen <= 0 || amount_fen > kMaxAmountFen) {
    return InvalidArgument(
        v1::AMOUNT_INVALID,
        absl::StrCat(field, " must be more than 0 and at most ",
                     FormatYuan(kMaxAmountFen), " yuan (", kMaxAmountFen,
                     " fen); it is ", amount_fen, " fen"));
  }
  return absl::OkStatus();
}

absl::Status ValidateSource(int source) {
  if (!IsValidFundSource(source)) {
    return InvalidArgument(
        v1::FUND_SOURCE_INVALID,
        "fund_source must be one of FEDERATION_ALLOCATION (上级工会拨款), "
        "GOVERNMENT_MATCHING (政府配套), DONATIONS (社会捐助), OWN_FUNDS "
        "(本级工会经费)");
  }
  return absl::OkStatus();
}

// The unit must exist (NOT_FOUND) and be active (FAILED_PRECONDITION).
absl::Status RequireActiveUnit(const State& state, absl::string_view code,
                               const OrgUnitState** out = nullptr) {
  const OrgUnitState* unit = state.FindUnit(code);
  if (unit == nullptr) {
    return NotFound(v1::ORG_UNIT_NOT_FOUND,
                    absl::StrCat("unit '", code, "' is not registered"));
  }
  if (!unit->active()) {
    return FailedPrecondition(
        v1::ORG_UNIT_INACTIVE,
        absl::StrCat("unit '", code, "' is deactivated; it takes part in no "
                     "new movement of money"));
  }
  if (out != nullptr) *out = unit;
  return absl::OkStatus();
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

}  // namespace

absl::Status ValidateReceiveFunds(const v1::ReceiveFundsRequest& c) {
  RELIEF_RETURN_IF_ERROR(ValidateRequestId(c.request_id()));
  RELIEF_RETURN_IF_ERROR(ValidateOrgCode("unit_code", c.unit_code()));
  RELIEF_RETURN_IF_ERROR(ValidateSource(c.fund_source()));
  RELIEF_RETURN_IF_ERROR(ValidateAmount("amount", c.amount_fen()));
  RELIEF_RETURN_IF_ERROR(
      ValidateText("payer", c.payer(), true, limits::kNameMaxChars));
  RELIEF_RETURN_IF_ERROR(ValidateText("document_number", c.document_number(),
                                      false, limits::kDocumentNumberMaxChars));
  RELIEF_RETURN_IF_ERROR(
      ValidateText("memo", c.memo(), false, limits::kReasonMaxChars));
  if (c.has_goods()) {
    RELIEF_RETURN_IF_ERROR(ValidateText("goods.description",
                                        c.goods().description(), true,
                                        limits::kReasonMaxChars));
    RELIEF_RETURN_IF_ERROR(ValidateText("goods.quantity_unit",
                                        c.goods().quantity_unit(), true,
                                        limits::kQuantityUnitMaxChars));
    if (c.goods().quantity() <= 0 ||
        c.goods().quantity() > limits::kMaxGoodsQuantity) {
      return InvalidArgument(
          v1::FIELD_INVALID,
          absl::StrCat("goods.quantity must be 1..", limits::kMaxGoodsQuantity));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateAllocateFunds(const v1::AllocateFundsRequest& c) {
  RELIEF_RETURN_IF_ERROR(ValidateRequestId(c.request_id()));
  RELIEF_RETURN_IF_ERROR(ValidateOrgCode("from_unit_code", c.from_unit_code()));
  RELIEF_RETURN_IF_ERROR(ValidateOrgCode("to_unit_code", c.to_unit_code()));
  RELIEF_RETURN_IF_ERROR(ValidateSource(c.fund_source()));
  RELIEF_RETURN_IF_ERROR(ValidateAmount("amount", c.amount_fen()));
  RELIEF_RETURN_IF_ERROR(ValidateText("document_number", c.document_number(),
                                      false, limits::kDocumentNumberMaxChars));
  return ValidateText("memo", c.memo(), false, limits::kReasonMaxChars);
}

absl::Status ValidateReverseEvent(const v1::ReverseEventRequest& c) {
  RELIEF_RETURN_IF_ERROR(ValidateRequestId(c.request_id()));
  if (c.sequence() == 0) {
    return InvalidArgument(v1::FIELD_INVALID,
                           "sequence names the event to reverse; it is 0");
  }
  return ValidateText("reason", c.reason(), true, limits::kReasonMaxChars);
}

absl::Status ValidateSetMatchingRule(const v1::SetMatchingRuleRequest& c) {
  RELIEF_RETURN_IF_ERROR(ValidateRequestId(c.request_id()));
  RELIEF_RETURN_IF_ERROR(ValidateOrgCode("unit_code", c.unit_code()));
  if (c.government_parts() < 1 || c.government_parts() > 1000 ||
      c.federation_parts() < 1 || c.federation_parts() > 1000) {
    return InvalidArgument(v1::FIELD_INVALID,
                           "government_parts and federation_parts must each "
                           "be 1..1000 (1:1 is 1 and 1)");
  }
  if (c.effective_year() < 2000 || c.effective_year() > 2100) {
    return InvalidArgument(v1::YEAR_INVALID,
                           absl::StrCat("effective_year ", c.effective_year(),
                                        " is not a year in 2000..2100"));
  }
  return absl::OkStatus();
}

absl::Status CheckPostings(
    const State& state,
    const google::protobuf::RepeatedPtrField<v1::Posting>& postings) {
  // Net effect per account across all postings of the event.
  struct Delta {
    int64_t debits = 0;   // new outflows: posted or reserved
    int64_t credits = 0;
    int64_t resolved_debits = 0;   // reservations posted or voided
    int64_t resolved_credits = 0;
  };
  absl::flat_hash_map<std::string, Delta> deltas;
  for (const v1::Posting& p : postings) {
    RELIEF_RETURN_IF_ERROR(ValidateAmount("posting amount", p.amount_fen()));
    for (const std::string* name : {&p.debit_account(), &p.credit_account()}) {
      auto id = ParseAccountName(*name);
      if (!id.ok()) return id.status();
      if (id->source != p.fund_source()) {
        return Reject(absl::StatusCode::kInternal, v1::INTERNAL_ERROR,
                      absl::StrCat("posting would cross fund sources: ", *name));
      }
    }
    const bool resolves = p.phase() == v1::POSTING_PHASE_POST_PENDING ||
                          p.phase() == v1::POSTING_PHASE_VOID_PENDING;
    // One lookup at a time: a second insertion may move the first entry.
    Delta& d = deltas[p.debit_account()];
    int64_t* debit = resolves ? &d.resolved_debits : &d.debits;
    if (!AddFen(*debit, p.amount_fen(), debit)) {
      return FailedPrecondition(v1::AMOUNT_OVERFLOW, "the amounts overflow");
    }
    Delta& c = deltas[p.credit_account()];
    int64_t* credit = resolves ? &c.resolved_credits : &c.credits;
    if (!AddFen(*credit, p.amount_fen(), credit)) {
      return FailedPrecondition(v1::AMOUNT_OVERFLOW, "the amounts overflow");
    }
  }
  for (const auto& [account, delta] : deltas) {
    const BalanceState* b = state.FindBalance(account);
    int64_t debits = b ? b->posted_debits_fen() + b->pending_debits_fen() : 0;
    int64_t credits = b ? b->posted_credits_fen() + b->pending_credits_fen() : 0;
    if (delta.resolved_debits > (b ? b->pending_debits_fen() : 0) ||
        delta.resolved_credits > (b ? b->pending_credits_fen() : 0)) {
      return Reject(absl::StatusCode::kInternal, v1::INTERNAL_ERROR,
                    absl::StrCat("account ", account, " has no such "
                                 "reservation to resolve"));
    }
    int64_t new_debits, new_credits;
    if (!AddFen(debits, delta.debits, &new_debits) ||
        !AddFen(credits, delta.credits, &new_credits)) {
      return FailedPrecondition(
          v1::AMOUNT_OVERFLOW,
          absl::StrCat("account ", account, " would exceed the largest total "
                       "the ledger can hold"));
    }
    auto id = ParseAccountName(account);
    if (id->kind == AccountKind::kPool || id->kind == AccountKind::kGoods) {
      // Money may leave only what is there: inflows of this same event do
      // not count before they are posted.
      int64_t available = state.Available(account);
      if (delta.debits > available) {
        return FailedPrecondition(
            v1::FUNDS_INSUFFICIENT,
            absl::StrCat("account ", account, " has ",
                         FormatYuan(available), " yuan available but ",
                         FormatYuan(delta.debits), " yuan would leave it"));
      }
    }
  }
  return absl::OkStatus();
}

void ApplyPostings(
    State& state,
    const google::protobuf::RepeatedPtrField<v1::Posting>& postings) {
  for (const v1::Posting& p : postings) {
    for (bool debit : {true, false}) {
      const std::string& account =
          debit ? p.debit_account() : p.credit_account();
      const BalanceState* found = state.FindBalance(account);
      BalanceState b;
      if (found != nullptr) {
        b = *found;
      } else {
        b.set_account(account);
        b.set_fund_source(p.fund_source());
      }
      RELIEF_CHECK(b.fund_source() == p.fund_source(), account);
      const int64_t a = p.amount_fen();
      int64_t posted = debit ? b.posted_debits_fen() : b.posted_credits_fen();
      int64_t pending = debit ? b.pending_debits_fen() : b.pending_credits_fen();
      switch (p.phase()) {
        case v1::POSTING_PHASE_POSTED:
          RELIEF_CHECK(AddFen(posted, a, &posted), account);
          break;
        case v1::POSTING_PHASE_PENDING:
          RELIEF_CHECK(AddFen(pending, a, &pending), account);
          break;
        case v1::POSTING_PHASE_POST_PENDING:
          RELIEF_CHECK(pending >= a, account);
          pending -= a;
          RELIEF_CHECK(AddFen(posted, a, &posted), account);
          break;
        case v1::POSTING_PHASE_VOID_PENDING:
          RELIEF_CHECK(pending >= a, account);
          pending -= a;
          break;
        default:
          RELIEF_CHECK(false, "unknown posting phase");
      }
      if (debit) {
        b.set_posted_debits_fen(posted);
        b.set_pending_debits_fen(pending);
      } else {
        b.set_posted_credits_fen(posted);
        b.set_pending_credits_fen(pending);
      }
      state.PutBalance(std::move(b));
    }
  }
  // Pools and goods are never overdrawn, after every event.
  for (const v1::Posting& p : postings) {
    const BalanceState* b = state.FindBalance(p.debit_account());
    auto id = ParseAccountName(p.debit_account());
    if (id.ok() &&
        (id->kind == AccountKind::kPool || id->kind == AccountKind::kGoods)) {
      RELIEF_CHECK(b->posted_debits_fen() + b->pending_debits_fen() <=
                       b->posted_credits_fen(),
                   absl::StrCat("overdrawn: ", p.debit_account()));
    }
  }
}

const google::protobuf::RepeatedPtrField<v1::Posting>* PostingsOf(
    const v1::Event& event) {
  switch (event.kind_case()) {
    case v1::Event::kFundsReceived: return &event.funds_received().postings();
    case v1::Event::kFundsAllocated: return &event.funds_allocated().postings();
    case v1::Event::kEventReversed: return &event.event_reversed().postings();
    case v1::Event::kGrantProposed: return &event.grant_proposed().postings();
    case v1::Event::kGrantPosted: return &event.grant_posted().postings();
    case v1::Event::kGrantVoided: return &event.grant_voided().postings();
    case v1::Event::kLoanDisbursed: return &event.loan_disbursed().postings();
    case v1::Event::kLoanRepaymentRecorded:
      return &event.loan_repayment_recorded().postings();
    case v1::Event::kLoanRepaymentReversed:
      return &event.loan_repayment_reversed().postings();
    case v1::Event::kLoanWrittenOff: return &event.loan_written_off().postings();
    default: return nullptr;
  }
}

absl::Status DecideReceiveFunds(const State& state,
                                const v1::ReceiveFundsRequest& c,
                                std::vector<v1::Event>* events) {
  RELIEF_RETURN_IF_ERROR(RequireActiveUnit(state, c.unit_code()));
  v1::Event event;
  v1::FundsReceived* e = event.mutable_funds_received();
  e->set_unit_code(c.unit_code());
  e->set_fund_source(c.fund_source());
  e->set_amount_fen(c.amount_fen());
  e->set_payer(c.payer());
  e->set_document_number(c.document_number());
  e->set_memo(c.memo());
  if (c.has_goods()) *e->mutable_goods() = c.goods();
  const std::string into = c.has_goods()
                               ? GoodsAccount(c.unit_code(), c.fund_source())
                               : PoolAccount(c.unit_code(), c.fund_source());
  *e->add_postings() = MakePosting(ExternalAccount(c.fund_source()), into,
                                   c.amount_fen(), c.fund_source());
  RELIEF_RETURN_IF_ERROR(CheckPostings(state, e->postings()));
  events->push_back(std::move(event));
  return absl::OkStatus();
}

absl::Status DecideAllocateFunds(const State& state,
                                 const v1::AllocateFundsRequest& c,
                                 std::vector<v1::Event>* events) {
  RELIEF_RETURN_IF_ERROR(RequireActiveUnit(state, c.from_unit_code()));
  const OrgUnitState* to = nullptr;
  RELIEF_RETURN_IF_ERROR(RequireActiveUnit(state, c.to_unit_code(), &to));
  if (to->registered().parent_code() != c.from_unit_code()) {
    return FailedPrecondition(
        v1::ALLOCATION_NOT_TO_CHILD,
        absl::StrCat("'", c.to_unit_code(), "' is not a direct child of '",
                     c.from_unit_code(), "': money moves down one level at a "
                     "time (逐级下拨)",
                     to->registered().parent_code().empty()
                         ? ""
                         : absl::StrCat("; its parent is '",
                                        to->registered().parent_code(), "'")));
  }
  v1::Event event;
  v1::FundsAllocated* e = event.mutable_funds_allocated();
  e->set_from_unit_code(c.from_unit_code());
  e->set_to_unit_code(c.to_unit_code());
  e->set_fund_source(c.fund_source());
  e->set_amount_fen(c.amount_fen());
  e->set_document_number(c.document_number());
  e->set_memo(c.memo());
  *e->add_postings() = MakePosting(
      PoolAccount(c.from_unit_code(), c.fund_source()),
      PoolAccount(c.to_unit_code(), c.fund_source()), c.amount_fen(),
      c.fund_source());
  RELIEF_RETURN_IF_ERROR(CheckPostings(state, e->postings()));
  events->push_back(std::move(event));
  return absl::OkStatus();
}

absl::Status DecideReverseEvent(const State& state,
                                const v1::ReverseEventRequest& c,
                                const CommandContext& context,
                                std::vector<v1::Event>* events) {
  if (c.sequence() > context.last_sequence) {
    return NotFound(v1::EVENT_NOT_FOUND,
                    absl::StrCat("there is no event ", c.sequence(),
                                 " (the log ends at ", context.last_sequence,
                                 ")"));
  }
  const MoneyEventState* original = state.FindMoneyEvent(c.sequence());
  if (original == nullptr) {
    return FailedPrecondition(
        v1::EVENT_NOT_REVERSIBLE,
        absl::StrCat("event ", c.sequence(), " moved no money (or is itself "
                     "a reversal), so there is nothing to reverse"));
  }
  if (original->reversed()) {
    return FailedPrecondition(
        v1::EVENT_ALREADY_REVERSED,
        absl::StrCat("event ", c.sequence(), " is already reversed"));
  }
  v1::Event event;
  v1::EventReversed* e = event.mutable_event_reversed();
  e->set_reversed_sequence(c.sequence());
  e->set_reason(c.reason());
  for (const v1::Posting& p : original->postings()) {
    *e->add_postings() = MakePosting(p.credit_account(), p.debit_account(),
                                     p.amount_fen(), p.fund_source());
  }
  absl::Status check = CheckPostings(state, e->postings());
  if (ReasonOf(check) == v1::FUNDS_INSUFFICIENT) {
    return FailedPrecondition(
        v1::FUNDS_INSUFFICIENT,
        absl::StrCat("reversing event ", c.sequence(),
                     " would overdraw a pool: ", check.message(),
                     ". The money was passed on or spent; reverse those "
                     "movements first"));
  }
  RELIEF_RETURN_IF_ERROR(check);
  events->push_back(std::move(event));
  return absl::OkStatus();
}

absl::Status DecideSetMatchingRule(const State& state,
                                   const v1::SetMatchingRuleRequest& c,
                                   std::vector<v1::Event>* events) {
  RELIEF_RETURN_IF_ERROR(RequireActiveUnit(state, c.unit_code()));
  v1::Event event;
  v1::MatchingRuleSet* e = event.mutable_matching_rule_set();
  e->set_unit_code(c.unit_code());
  e->set_government_parts(c.government_parts());
  e->set_federation_parts(c.federation_parts());
  e->set_effective_year(c.effective_year());
  events->push_back(std::move(event));
  return absl::OkStatus();
}

}  // namespace relief
