#include "ledger/domain/grants.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "ledger/domain/accounts.h"
#include "ledger/domain/decider.h"
#include "ledger/domain/dossiers.h"
#include "ledger/domain/funds.h"
#include "ledger/domain/limits.h"
#include "ledger/domain/money.h"
#include "ledger/domain/rejection.h"
#include "ledger/domain/validation.h"

namespace relief {
namespace {

constexpr int64_t kMicrosPerDay = int64_t{86400} * 1000 * 1000;

const absl::TimeZone& China() {
  static const absl::TimeZone* zone =
      new absl::TimeZone(absl::FixedTimeZone(8 * 60 * 60));
  return *zone;
}

absl::Status BadPolicy(absl::string_view why) {
  return InvalidArgument(v1::PROGRAM_INVALID,
                         absl::StrCat("the program policy is not valid: ", why));
}

bool ValidMonthDay(int mmdd) {
  const int month = mmdd / 100, day = mmdd % 100;
  if (month < 1 || month > 12 || day < 1) return false;
  // 2000 is a leap year: 29 February is a valid window edge.
  const absl::CivilDay d(2000, month, day);
  return d.month() == month && d.day() == day;
}

bool ValidDate(int yyyymmdd) {
  const int year = yyyymmdd / 10000;
  const int month = yyyymmdd / 100 % 100, day = yyyymmdd % 100;
  const absl::CivilDay d(year, month, day);
  return year >= 2000 && year <= 2100 && d.year() == year &&
         d.month() == month && d.day() == day;
}

std::string DateText(int64_t unix_micros) {
  return absl::FormatTime("%Y-%m-%d %H:%M (UTC+8)",
                          absl::FromUnixMicros(unix_micros), China());
}

absl::Status ValidateGrantId(absl::string_view id) {
  return ValidateSequenceId("grant_id", 'g', id, "ProposeGrant");
}

v1::Posting GrantPosting(const v1::GrantProposed& g, v1::PostingPhase phase) {
  v1::Posting p;
  p.set_debit_account(g.goods_quantity() > 0
                          ? GoodsAccount(g.unit_code(), g.fund_source())
                          : PoolAccount(g.unit_code(), g.fund_source()));
  p.set_credit_account(AccountName(
      {AccountKind::kGrantsPaid, g.unit_code(), g.fund_source(), g.program()}));
  p.set_amount_fen(g.amount_fen());
  p.set_fund_source(g.fund_source());
  p.set_phase(phase);
  return p;
}

const GrantState* RequireGrant(const State& state, absl::string_view id,
                               absl::Status* status) {
  const GrantState* grant = state.FindGrant(id);
  if (grant == nullptr) {
    *status = NotFound(v1::GRANT_NOT_FOUND,
                       absl::StrCat("there is no grant '", id, "'"));
    return nullptr;
  }
  if (grant->status() != GrantState::STATUS_PENDING) {
    static constexpr const char* kNames[] = {"pending", "posted (已发放)",
                                             "voided (已作废)", "expired"};
    *status = FailedPrecondition(
        v1::GRANT_NOT_PENDING,
        absl::StrCat("grant ", id, " is ", kNames[grant->status()],
                     ", not pending"));
    return nullptr;
  }
  return grant;
}

}  // namespace

absl::Status ValidateProgramCode(absl::string_view program) {
  bool ok = !program.empty() && program.size() <= 32 &&
            absl::ascii_islower(static_cast<unsigned char>(program[0]));
  for (char c : program) {
    ok = ok && (absl::ascii_islower(static_cast<unsigned char>(c)) ||
                absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '_');
  }
  if (!ok) {
    return InvalidArgument(v1::PROGRAM_INVALID,
                           "program must be 1..32 characters of a-z, 0-9 and "
                           "_, starting with a letter (e.g. 'education')");
  }
  return absl::OkStatus();
}

int YearOf(int64_t unix_micros) {
  return static_cast<int>(
      absl::ToCivilYear(absl::FromUnixMicros(unix_micros), China()).year());
}

int DateOf(int64_t unix_micros) {
  const absl::CivilDay d =
      absl::ToCivilDay(absl::FromUnixMicros(unix_micros), China());
  return static_cast<int>(d.year() * 10000 + d.month() * 100 + d.day());
}

const v1::ProgramPolicySet* PolicyInForce(const State& state,
                                          absl::string_view program, int date) {
  const ProgramState* p = state.FindProgram(program);
  if (p == nullptr) return nullptr;
  const v1::ProgramPolicySet* in_force = nullptr;
  for (const auto& v : p->versions()) {  // sorted by effective_date
    if (v.effective_date() <= date) in_force = &v;
  }
  return in_force;
}

absl::Status ValidateSetProgramPolicy(const v1::SetProgramPolicyRequest& c) {
  RELIEF_RETURN_IF_ERROR(ValidateRequestId(c.request_id()));
  const v1::ProgramPolicySet& p = c.policy();
  RELIEF_RETURN_IF_ERROR(ValidateProgramCode(p.program()));
  RELIEF_RETURN_IF_ERROR(
      ValidateText("policy.name_zh", p.name_zh(), true, limits::kNameMaxChars));
  RELIEF_RETURN_IF_ERROR(
      ValidateText("policy.name_en", p.name_en(), false, limits::kNameMaxChars));
  if (!ValidDate(p.effective_date())) {
    return BadPolicy("effective_date must be a real date yyyymmdd in 2000..2100");
  }
  if (p.min_amount_fen() <= 0 || p.max_amount_fen() < p.min_amount_fen() ||
      p.max_amount_fen() > kMaxAmountFen) {
    return BadPolicy("amounts need 0 < min <= max <= the largest amount");
  }
  if (p.grants_per_year() < 1 || p.grants_per_year() > 366) {
    return BadPolicy("grants_per_year must be 1..366");
  }
  for (const auto& w : p.windows()) {
    if (!ValidMonthDay(w.start_mmdd()) || !ValidMonthDay(w.end_mmdd()) ||
        w.start_mmdd() > w.end_mmdd()) {
      return BadPolicy("a window must be two month-days (e.g. 715 and 831) "
                       "within one year, start first");
    }
  }
  for (int category : p.eligible_categories()) {
    if (category == v1::HARDSHIP_CATEGORY_UNSPECIFIED ||
        !v1::HardshipCategory_IsValid(category)) {
      return BadPolicy("an eligible category is not a known category");
    }
  }
  if (p.fund_sources().empty()) return BadPolicy("no fund source is allowed");
  for (int source : p.fund_sources()) {
    if (!IsValidFundSource(source)) return BadPolicy("unknown fund source");
  }
  if (p.notice_days() > 90) return BadPolicy("notice_days must be 0..90");
  if (p.expiry_days() <= p.notice_days() || p.expiry_days() > 366) {
    return BadPolicy("expiry_days must be after the notice and at most 366");
  }
  if (!p.allow_cash() && !p.allow_goods()) {
    return BadPolicy("allow cash, goods or both");
  }
  return absl::OkStatus();
}

absl::Status ValidateProposeGrant(const v1::ProposeGrantRequest& c) {
  RELIEF_RETURN_IF_ERROR(ValidateRequestId(c.request_id()));
  RELIEF_RETURN_IF_ERROR(ValidateDossierId(c.dossier_id()));
  RELIEF_RETURN_IF_ERROR(ValidateProgramCode(c.program()));
  RELIEF_RETURN_IF_ERROR(ValidateOrgCode("unit_code", c.unit_code()));
  if (!IsValidFundSource(c.fund_source())) {
    return InvalidArgument(v1::FUND_SOURCE_INVALID, "fund_source is not valid");
  }
  if (c.amount_fen() <= 0 || c.amount_fen() > kMaxAmountFen) {
    return InvalidArgument(v1::AMOUNT_INVALID,
                           "amount must be more than 0 and at most the "
                           "largest amount");
  }
  if (c.goods_quantity() < 0 || c.goods_quantity() > limits::kMaxGoodsQuantity) {
    return InvalidArgument(v1::FIELD_INVALID, "goods_quantity out of range");
  }
  return ValidateText("memo", c.memo(), false, limits::kReasonMaxChars);
}

absl::Status ValidatePostGrant(const v1::PostGrantRequest& c) {
  RELIEF_RETURN_IF_ERROR(ValidateRequestId(c.request_id()));
  if (c.amount_fen() < 0 || c.amount_fen() > kMaxAmountFen) {
    return InvalidArgument(v1::AMOUNT_INVALID, "amount is out of range");
  }
  return ValidateGrantId(c.grant_id());
}

absl::Status ValidateVoidGrant(const v1::VoidGrantRequest& c) {
  RELIEF_RETURN_IF_ERROR(ValidateRequestId(c.request_id()));
  RELIEF_RETURN_IF_ERROR(ValidateGrantId(c.grant_id()));
  return ValidateText("reason", c.reason(), true, limits::kReasonMaxChars);
}

absl::Status ValidateRecordExternalAid(const v1::RecordExternalAidRequest& c) {
  RELIEF_RETURN_IF_ERROR(ValidateRequestId(c.request_id()));
  RELIEF_RETURN_IF_ERROR(ValidateDossierId(c.dossier_id()));
  RELIEF_RETURN_IF_ERROR(ValidateProgramCode(c.program()));
  if (c.year() < 2000 || c.year() > 2100) {
    return InvalidArgument(v1::YEAR_INVALID, "year must be 2000..2100");
  }
  RELIEF_RETURN_IF_ERROR(
      ValidateText("provider", c.provider(), true, limits::kNameMaxChars));
  if (c.amount_fen() < 0 || c.amount_fen() > kMaxAmountFen) {
    return InvalidArgument(v1::AMOUNT_INVALID, "amount is out of range");
  }
  return ValidateText("memo", c.memo(), false, limits::kReasonMaxChars);
}

absl::Status DecideSetProgramPolicy(const State& state,
                                    const v1::SetProgramPolicyRequest& c,
                                    std::vector<v1::Event>* events) {
  *events->emplace_back().mutable_program_policy_set() = c.policy();
  return absl::OkStatus();
}

absl::Status DecideProposeGrant(const State& state,
                                const v1::ProposeGrantRequest& c,
                                const CommandContext& context,
                                std::vector<v1::Event>* events) {
  absl::Status status;
  const DossierState* dossier =
      RequireActiveDossier(state, c.dossier_id(), "aid", &status);
  if (dossier == nullptr) return status;
  const int today = DateOf(context.now_unix_micros);
  const v1::ProgramPolicySet* policy = PolicyInForce(state, c.program(), today);
  if (policy == nullptr) {
    return FailedPrecondition(
        v1::PROGRAM_NOT_FOUND,
        absl::StrCat("no policy of program '", c.program(), "' is in force on ",
                     today));
  }
  const bool goods = c.goods_quantity() > 0;
  if (goods && !policy->allow_goods()) {
    return FailedPrecondition(v1::GRANT_GOODS_NOT_ALLOWED,
                              absl::StrCat(policy->name_zh(),
                                           " pays no goods, only cash"));
  }
  if (!goods && !policy->allow_cash()) {
    return FailedPrecondition(v1::GRANT_CASH_NOT_ALLOWED,
                              absl::StrCat(policy->name_zh(),
                                           " pays goods, not cash"));
  }
  if (c.amount_fen() < policy->min_amount_fen() ||
      c.amount_fen() > policy->max_amount_fen()) {
    return FailedPrecondition(
        v1::GRANT_AMOUNT_OUT_OF_POLICY,
        absl::StrCat(policy->name_zh(), " grants ",
                     FormatYuan(policy->min_amount_fen()), " to ",
                     FormatYuan(policy->max_amount_fen()), " yuan; ",
                     FormatYuan(c.amount_fen()), " is outside"));
  }
  if (!policy->windows().empty()) {
    const int mmdd = today % 10000;
    bool inside = false;
    for (const auto& w : policy->windows()) {
      inside |= w.start_mmdd() <= mmdd && mmdd <= w.end_mmdd();
    }
    if (!inside) {
      return FailedPrecondition(
          v1::GRANT_OUTSIDE_WINDOW,
          absl::StrCat(policy->name_zh(), " runs only in its windows (",
                       "first from ", policy->windows(0).start_mmdd() / 100, "/",
                       policy->windows(0).start_mmdd() % 100, " to ",
                       policy->windows(0).end_mmdd() / 100, "/",
                       policy->windows(0).end_mmdd() % 100, "); today is ",
                       today));
    }
  }
  if (!policy->eligible_categories().empty()) {
    const auto& cats = policy->eligible_categories();
    if (std::find(cats.begin(), cats.end(), dossier->details().category()) ==
        cats.end()) {
      return FailedPrecondition(
          v1::GRANT_CATEGORY_NOT_ELIGIBLE,
          absl::StrCat(policy->name_zh(), " is not for the category ",
                       HardshipCategoryLabel(dossier->details().category())));
    }
  }
  const auto& sources = policy->fund_sources();
  if (std::find(sources.begin(), sources.end(), c.fund_source()) ==
      sources.end()) {
    return FailedPrecondition(
        v1::GRANT_SOURCE_NOT_ALLOWED,
        absl::StrCat(policy->name_zh(), " may not draw on ",
                     FundSourceLabel(c.fund_source())));
  }
  const int year = YearOf(context.now_unix_micros);
  const std::string& hmac = dossier->details().national_id_hmac();
  const uint32_t count = state.AidCount(hmac, c.program(), year);
  if (count >= policy->grants_per_year()) {
    return FailedPrecondition(
        v1::GRANT_YEARLY_LIMIT_REACHED,
        absl::StrCat("this person already has ", count, " of ",
                     policy->grants_per_year(), " ", policy->name_zh(),
                     " grant(s) in ", year,
                     ", counting every unit and aid from other bodies "
                     "(不重复救助)"));
  }
  const OrgUnitState* unit = state.FindUnit(c.unit_code());
  if (unit == nullptr) {
    return NotFound(v1::ORG_UNIT_NOT_FOUND,
                    absl::StrCat("unit '", c.unit_code(), "' is not registered"));
  }
  if (!unit->active()) {
    return FailedPrecondition(
        v1::ORG_UNIT_INACTIVE,
        absl::StrCat("unit '", c.unit_code(), "' is deactivated and pays no "
                     "grants"));
  }
  v1::Event event;
  v1::GrantProposed* g = event.mutable_grant_proposed();
  g->set_grant_id(absl::StrCat("g", context.last_sequence + 1));
  g->set_dossier_id(c.dossier_id());
  g->set_program(c.program());
  g->set_unit_code(c.unit_code());
  g->set_fund_source(c.fund_source());
  g->set_amount_fen(c.amount_fen());
  g->set_year(year);
  g->set_notice_ends_unix_micros(context.now_unix_micros +
                                 policy->notice_days() * kMicrosPerDay);
  g->set_expires_unix_micros(context.now_unix_micros +
                             policy->expiry_days() * kMicrosPerDay);
  g->set_memo(c.memo());
  g->set_goods_quantity(c.goods_quantity());
  g->set_national_id_hmac(hmac);
  g->set_proposed_by(std::string(context.actor));
  *g->add_postings() = GrantPosting(*g, v1::POSTING_PHASE_PENDING);
  RELIEF_RETURN_IF_ERROR(CheckPostings(state, g->postings()));
  events->push_back(std::move(event));
  return absl::OkStatus();
}

absl::Status DecidePostGrant(const State& state, const v1::PostGrantRequest& c,
                             const CommandContext& context,
                             std::vector<v1::Event>* events) {
  absl::Status status;
  const GrantState* grant = RequireGrant(state, c.grant_id(), &status);
  if (grant == nullptr) return status;
  const v1::GrantProposed& g = grant->proposed();
  if (c.amount_fen() != 0 && c.amount_fen() != g.amount_fen()) {
    return FailedPrecondition(
        v1::GRANT_AMOUNT_MISMATCH,
        absl::StrCat("grant ", c.grant_id(), " is for ",
                     FormatYuan(g.amount_fen()), " yuan, not ",
                     FormatYuan(c.amount_fen())));
  }
  if (context.now_unix_micros < g.notice_ends_unix_micros()) {
    return FailedPrecondition(
        v1::GRANT_NOTICE_NOT_OVER,
        absl::StrCat("grant ", c.grant_id(), " is in public notice (公示) until ",
                     DateText(g.notice_ends_unix_micros())));
  }
  if (context.actor == g.proposed_by()) {
    return FailedPrecondition(
        v1::GRANT_SAME_PRINCIPAL,
        absl::StrCat("'", context.actor, "' proposed grant ", c.grant_id(),
                     "; another officer must post it (严格审查把关)"));
  }
  const DossierState* dossier = state.FindDossier(g.dossier_id());
  if (dossier == nullptr || !dossier->active()) {
    return FailedPrecondition(
        v1::DOSSIER_EXITED,
        absl::StrCat("dossier ", g.dossier_id(),
                     " is no longer active; void the grant instead"));
  }
  v1::GrantPosted* e = events->emplace_back().mutable_grant_posted();
  e->set_grant_id(c.grant_id());
  *e->add_postings() = GrantPosting(g, v1::POSTING_PHASE_POST_PENDING);
  return absl::OkStatus();
}

absl::Status DecideVoidGrant(const State& state, const v1::VoidGrantRequest& c,
                             std::vector<v1::Event>* events) {
  absl::Status status;
  const GrantState* grant = RequireGrant(state, c.grant_id(), &status);
  if (grant == nullptr) return status;
  v1::GrantVoided* e = events->emplace_back().mutable_grant_voided();
  e->set_grant_id(c.grant_id());
  e->set_reason(c.reason());
  *e->add_postings() =
      GrantPosting(grant->proposed(), v1::POSTING_PHASE_VOID_PENDING);
  return absl::OkStatus();
}

absl::Status DecideRecordExternalAid(const State& state,
                                     const v1::RecordExternalAidRequest& c,
                                     std::vector<v1::Event>* events) {
  const DossierState* dossier = state.FindDossier(c.dossier_id());
  if (dossier == nullptr) {
    return NotFound(v1::DOSSIER_NOT_FOUND,
                    absl::StrCat("there is no dossier '", c.dossier_id(), "'"));
  }
  if (state.FindProgram(c.program()) == nullptr) {
    return FailedPrecondition(
        v1::PROGRAM_NOT_FOUND,
        absl::StrCat("program '", c.program(), "' has no policy"));
  }
  v1::ExternalAidRecorded* e =
      events->emplace_back().mutable_external_aid_recorded();
  e->set_dossier_id(c.dossier_id());
  e->set_program(c.program());
  e->set_year(c.year());
  e->set_provider(c.provider());
  e->set_amount_fen(c.amount_fen());
  e->set_memo(c.memo());
  e->set_national_id_hmac(dossier->details().national_id_hmac());
  return absl::OkStatus();
}

std::vector<v1::ProgramPolicySet> StandardPolicies(int effective_date) {
  struct Row {
    const char* program;
    const char* zh;
    const char* en;
    int64_t min_yuan, max_yuan;
    uint32_t per_year;
    std::vector<std::pair<int, int>> windows;
    uint32_t notice, expiry;
    bool goods;
  };
  const std::vector<Row> rows = {
      {"festival", "送温暖", "festival relief", 500, 2000, 2,
       {{101, 228}, {1201, 1231}}, 5, 30, true},
      {"education", "金秋助学", "education aid", 2000, 4000, 1, {{715, 831}},
       7, 45, false},
      {"medical", "医疗救助", "medical aid", 1000, 20000, 2, {}, 5, 30, false},
      {"living", "生活救助", "living aid", 500, 5000, 4, {}, 5, 30, true},
      {"emergency", "临时救助", "emergency aid", 500, 10000, 3, {}, 0, 15, true},
      {"housing", "住房救助", "housing aid", 5000, 30000, 1, {}, 7, 60, false},
      {"training", "培训", "training", 500, 3000, 2, {}, 5, 60, false},
  };
  std::vector<v1::ProgramPolicySet> out;
  for (const Row& r : rows) {
    v1::ProgramPolicySet& p = out.emplace_back();
    p.set_program(r.program);
    p.set_name_zh(r.zh);
    p.set_name_en(r.en);
    p.set_effective_date(effective_date);
    p.set_min_amount_fen(r.min_yuan * 100);
    p.set_max_amount_fen(r.max_yuan * 100);
    p.set_grants_per_year(r.per_year);
    for (const auto& [start, end] : r.windows) {
      auto* w = p.add_windows();
      w->set_start_mmdd(start);
      w->set_end_mmdd(end);
    }
    for (int s = 1; s <= 4; ++s) {
      p.add_fund_sources(static_cast<v1::FundSource>(s));
    }
    p.set_notice_days(r.notice);
    p.set_expiry_days(r.expiry);
    p.set_allow_cash(true);
    p.set_allow_goods(r.goods);
  }
  return out;
}

void DecideExpiries(const State& state, int64_t now,
                    std::vector<v1::Event>* events) {
  for (const std::string& id : state.GrantsExpiredAt(now)) {
    const GrantState* grant = state.FindGrant(id);
    v1::GrantVoided* e = events->emplace_back().mutable_grant_voided();
    e->set_grant_id(id);
    e->set_expired(true);
    e->set_reason(absl::StrCat("not posted by ",
                               DateText(grant->proposed().expires_unix_micros()),
                               "; the reservation is released"));
    *e->add_postings() =
        GrantPosting(grant->proposed(), v1::POSTING_PHASE_VOID_PENDING);
  }
}

void EvolveGrant(State& state, const v1::Event& event, uint64_t sequence) {
  switch (event.kind_case()) {
    case v1::Event::kProgramPolicySet: {
      const auto& p = event.program_policy_set();
      ProgramState program;
      if (const ProgramState* found = state.FindProgram(p.program())) {
        program = *found;
      }
      program.set_program(p.program());
      // Keep versions sorted by date; a policy for the same date replaces.
      auto* versions = program.mutable_versions();
      auto it = std::find_if(versions->begin(), versions->end(),
                             [&](const auto& v) {
                               return v.effective_date() >= p.effective_date();
                             });
      if (it != versions->end() && it->effective_date() == p.effective_date()) {
        *it = p;
      } else {
        std::vector<v1::ProgramPolicySet> sorted(versions->begin(),
                                                 versions->end());
        sorted.push_back(p);
        std::stable_sort(sorted.begin(), sorted.end(), [](auto& a, auto& b) {
          return a.effective_date() < b.effective_date();
        });
        versions->Clear();
        for (auto& v : sorted) *versions->Add() = std::move(v);
      }
      state.PutProgram(std::move(program));
      return;
    }
    case v1::Event::kGrantProposed: {
      const auto& g = event.grant_proposed();
      RELIEF_CHECK(state.FindGrant(g.grant_id()) == nullptr, g.grant_id());
      ApplyPostings(state, g.postings());
      GrantState grant;
      *grant.mutable_proposed() = g;
      grant.set_proposer(g.proposed_by());
      grant.set_status(GrantState::STATUS_PENDING);
      state.PutGrant(std::move(grant));
      state.SetAidCount(g.national_id_hmac(), g.program(), g.year(),
                        state.AidCount(g.national_id_hmac(), g.program(),
                                       g.year()) + 1);
      return;
    }
    case v1::Event::kGrantPosted:
    case v1::Event::kGrantVoided: {
      const bool posted = event.has_grant_posted();
      const std::string& id = posted ? event.grant_posted().grant_id()
                                     : event.grant_voided().grant_id();
      const GrantState* found = state.FindGrant(id);
      RELIEF_CHECK(found != nullptr &&
                       found->status() == GrantState::STATUS_PENDING,
                   id);
      GrantState grant = *found;
      ApplyPostings(state, posted ? event.grant_posted().postings()
                                  : event.grant_voided().postings());
      if (posted) {
        grant.set_status(GrantState::STATUS_POSTED);
      } else {
        grant.set_status(event.grant_voided().expired()
                             ? GrantState::STATUS_EXPIRED
                             : GrantState::STATUS_VOIDED);
        const auto& g = grant.proposed();
        const uint32_t count =
            state.AidCount(g.national_id_hmac(), g.program(), g.year());
        RELIEF_CHECK(count > 0, id);
        state.SetAidCount(g.national_id_hmac(), g.program(), g.year(),
                          count - 1);
      }
      state.PutGrant(std::move(grant));
      return;
    }
    case v1::Event::kExternalAidRecorded: {
      const auto& e = event.external_aid_recorded();
      state.SetAidCount(e.national_id_hmac(), e.program(), e.year(),
                        state.AidCount(e.national_id_hmac(), e.program(),
                                       e.year()) + 1);
      return;
    }
    default:
      RELIEF_CHECK(false, "not a grant event");
  }
}

}  // namespace relief
