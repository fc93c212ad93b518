#include "ledger/domain/state.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "relief/v1/events.pb.h"

namespace relief {

const OrgUnitState* State::FindUnit(absl::string_view code) const {
  auto it = units_.find(code);
  return it == units_.end() ? nullptr : &it->second;
}

const PrincipalState* State::FindPrincipal(absl::string_view name) const {
  auto it = principals_.find(name);
  return it == principals_.end() ? nullptr : &it->second;
}

const PrincipalState* State::FindPrincipalByTokenHash(
    absl::string_view token_sha256) const {
  auto it = name_by_token_hash_.find(token_sha256);
  return it == name_by_token_hash_.end() ? nullptr
                                         : FindPrincipal(it->second);
}

size_t State::ActiveAdminCount() const {
  size_t n = 0;
  for (const auto& [name, p] : principals_) {
    if (p.revoked()) continue;
    for (int role : p.roles()) {
      if (role == v1::ROLE_ADMIN) {
        ++n;
        break;
      }
    }
  }
  return n;
}

const BalanceState* State::FindBalance(absl::string_view account) const {
  auto it = balances_.find(account);
  return it == balances_.end() ? nullptr : &it->second;
}

int64_t State::Available(absl::string_view account) const {
  const BalanceState* b = FindBalance(account);
  if (b == nullptr) return 0;
  return b->posted_credits_fen() - b->posted_debits_fen() -
         b->pending_debits_fen();
}

const MoneyEventState* State::FindMoneyEvent(uint64_t sequence) const {
  auto it = money_events_.find(sequence);
  return it == money_events_.end() ? nullptr : &it->second;
}

const DossierState* State::FindDossier(absl::string_view dossier_id) const {
  auto it = dossiers_.find(dossier_id);
  return it == dossiers_.end() ? nullptr : &it->second;
}

const DossierState* State::FindDossierByIdHash(absl::string_view id_hmac) const {
  auto it = dossier_by_id_hash_.find(id_hmac);
  return it == dossier_by_id_hash_.end() ? nullptr : FindDossier(it->second);
}

void State::RestoreDossier(const std::string& id,
                           std::optional<DossierState> value) {
  if (auto it = dossiers_.find(id); it != dossiers_.end()) {
    dossier_by_id_hash_.erase(it->second.details().national_id_hmac());
    dossiers_.erase(it);
  }
  if (value.has_value()) {
    dossier_by_id_hash_[value->details().national_id_hmac()] = id;
    dossiers_.emplace(id, std::move(*value));
  }
}

void State::PutDossier(DossierState dossier) {
  std::string id = dossier.details().dossier_id();
  auto it = dossiers_.find(id);
  undo_.push_back(DossierBefore{
      id, it == dossiers_.end() ? std::nullopt
                                : std::optional<DossierState>(it->second)});
  RestoreDossier(id, std::move(dossier));
}

const ProgramState* State::FindProgram(absl::string_view program) const {
  auto it = programs_.find(program);
  return it == programs_.end() ? nullptr : &it->second;
}

const GrantState* State::FindGrant(absl::string_view grant_id) const {
  auto it = grants_.find(grant_id);
  return it == grants_.end() ? nullptr : &it->second;
}

namespace {
std::string AidKey(absl::string_view id_hmac, absl::string_view program,
                   int year) {
  return absl::StrCat(id_hmac, "/", program, "/", year);
}
}  // namespace

uint32_t State::AidCount(absl::string_view id_hmac, absl::string_view program,
                         int year) const {
  auto it = aid_counts_.find(AidKey(id_hmac, program, year));
  return it == aid_counts_.end() ? 0 : it->second;
}

std::vector<std::string> State::GrantsExpiredAt(int64_t now) const {
  std::vector<std::string> out;
  for (const auto& [expires, id] : pending_by_expiry_) {
    if (expires > now) break;
    out.push_back(id);
  }
  return out;
}

std::vector<std::string> State::PostedGrants(absl::string_view unit_code,
                                             bool subtree,
                                             absl::string_view program,
                                             int year) const {
  std::vector<std::string> out;
  // Units with unit_code as a prefix sort together: the unit itself, then
  // codes extending it ("jn-x", "jn.a"), of which only "jn." ones are below.
  const std::string below = absl::StrCat(unit_code, ".");
  for (auto it = posted_grants_.lower_bound(
           {std::string(program), year, std::string(unit_code), ""});
       it != posted_grants_.end(); ++it) {
    const auto& [p, y, unit, grant_id] = *it;
    if (p != program || y != year ||
        !absl::StartsWith(unit, unit_code)) {
      break;
    }
    if (unit == unit_code || (subtree && absl::StartsWith(unit, below))) {
      out.push_back(grant_id);
    }
  }
  // Grant order: ids are "g" + a sequence, so shorter ids come first.
  std::sort(out.begin(), out.end(), [](const std::string& a,
                                       const std::string& b) {
    return a.size() != b.size() ? a.size() < b.size() : a < b;
  });
  return out;
}

void State::PutProgram(ProgramState program) {
  std::string name = program.program();
  auto it = programs_.find(name);
  undo_.push_back(ProgramBefore{
      name, it == programs_.end() ? std::nullopt
                                  : std::optional<ProgramState>(it->second)});
  programs_[name] = std::move(program);
}

namespace {
std::tuple<std::string, int, std::string, std::string> PostedKey(
    const GrantState& grant) {
  const auto& g = grant.proposed();
  return {g.program(), g.year(), g.unit_code(), g.grant_id()};
}
}  // namespace

void State::RestoreGrant(const std::string& id,
                         std::optional<GrantState> value) {
  if (auto it = grants_.find(id); it != grants_.end()) {
    pending_by_expiry_.erase({it->second.proposed().expires_unix_micros(), id});
    if (it->second.status() == GrantState::STATUS_POSTED) {
      posted_grants_.erase(PostedKey(it->second));
    }
    grants_.erase(it);
  }
  if (value.has_value()) {
    if (value->status() == GrantState::STATUS_PENDING) {
      pending_by_expiry_.insert({value->proposed().expires_unix_micros(), id});
    }
    if (value->status() == GrantState::STATUS_POSTED) {
      posted_grants_.insert(PostedKey(*value));
    }
    grants_.emplace(id, std::move(*value));
  }
}

void State::PutGrant(GrantState grant) {
  std::string id = grant.proposed().grant_id();
  auto it = grants_.find(id);
  undo_.push_back(GrantBefore{
      id, it == grants_.end() ? std::nullopt
                              : std::optional<GrantState>(it->second)});
  RestoreGrant(id, std::move(grant));
}

const LoanStateMessage* State::FindLoan(absl::string_view loan_id) const {
  auto it = loans_.find(loan_id);
  return it == loans_.end() ? nullptr : &it->second;
}

const LoanProductState* State::FindLoanProduct(
    absl::string_view product) const {
  auto it = loan_products_.find(product);
  return it == loan_products_.end() ? nullptr : &it->second;
}

const std::string* State::ActiveLoanOf(absl::string_view id_hmac) const {
  auto it = active_loans_.lower_bound({std::string(id_hmac), std::string()});
  if (it == active_loans_.end() || it->first != id_hmac) return nullptr;
  return &it->second;
}

namespace {
// Blocks a new loan to the same person: principal outstanding, or written
// off and not all recovered.
bool LoanOutstanding(const LoanStateMessage& loan) {
  if (loan.has_written_off()) {
    return loan.recovered_fen() < loan.written_off_fen();
  }
  return loan.disbursed().principal_fen() - loan.principal_repaid_fen() -
             loan.written_off_fen() > 0;
}
}  // namespace

void State::RestoreLoan(const std::string& id,
                        std::optional<LoanStateMessage> value) {
  if (auto it = loans_.find(id); it != loans_.end()) {
    active_loans_.erase({it->second.disbursed().national_id_hmac(), id});
    loans_.erase(it);
  }
  if (value.has_value()) {
    if (LoanOutstanding(*value)) {
      active_loans_.insert({value->disbursed().national_id_hmac(), id});
    }
    loans_.emplace(id, std::move(*value));
  }
}

void State::PutLoan(LoanStateMessage loan) {
  std::string id = loan.disbursed().loan_id();
  auto it = loans_.find(id);
  undo_.push_back(LoanBefore{
      id, it == loans_.end() ? std::nullopt
                             : std::optional<LoanStateMessage>(it->second)});
  RestoreLoan(id, std::move(loan));
}

void State::PutLoanProduct(LoanProductState product) {
  std::string name = product.product();
  auto it = loan_products_.find(name);
  undo_.push_back(LoanProductBefore{
      name, it == loan_products_.end()
                ? std::nullopt
                : std::optional<LoanProductState>(it->second)});
  loan_products_[name] = std::move(product);
}

void State::SetAidCount(absl::string_view id_hmac, absl::string_view program,
                        int year, uint32_t count) {
  std::string key = AidKey(id_hmac, program, year);
  auto it = aid_counts_.find(key);
  undo_.push_back(AidCountBefore{
      key, it == aid_counts_.end() ? std::nullopt
                                   : std::optional<uint32_t>(it->second)});
  aid_counts_[key] = count;
}

namespace {
// Records the before-image of map[key] in `undo`, then stores `value`.
template <typename Map, typename Before, typename Undo>
void PutWithUndo(Map& map, const typename Map::key_type& key,
                 typename Map::mapped_type value, Undo& undo) {
  auto it = map.find(key);
  if (it == map.end()) {
    undo.push_back(Before{key, std::nullopt});
    map.emplace(key, std::move(value));
  } else {
    undo.push_back(Before{key, it->second});
    it->second = std::move(value);
  }
}

}  // namespace

void State::PutBalance(BalanceState balance) {
  std::string account = balance.account();
  PutWithUndo<decltype(balances_), BalanceBefore>(balances_, account,
                                                  std::move(balance), undo_);
}

void State::PutMoneyEvent(MoneyEventState event) {
  uint64_t sequence = event.sequence();
  PutWithUndo<decltype(money_events_), MoneyEventBefore>(
      money_events_, sequence, std::move(event), undo_);
}

void State::PutUnit(OrgUnitState unit) {
  std::string code = unit.registered().code();
  auto it = units_.find(code);
  if (it == units_.end()) {
    undo_.push_back(UnitBefore{code, std::nullopt});
    units_.emplace(std::move(code), std::move(unit));
  } else {
    undo_.push_back(UnitBefore{code, it->second});
    it->second = std::move(unit);
  }
}

void State::PutPrincipal(PrincipalState principal) {
  std::string name = principal.name();
  auto it = principals_.find(name);
  undo_.push_back(PrincipalBefore{
      name, it == principals_.end() ? std::nullopt
                                    : std::optional<PrincipalState>(it->second)});
  RestorePrincipal(name, std::move(principal));
}

void State::RestorePrincipal(const std::string& name,
                             std::optional<PrincipalState> value) {
  auto it = principals_.find(name);
  if (it != principals_.end()) {
    name_by_token_hash_.erase(it->second.token_sha256());
    principals_.erase(it);
  }
  if (value.has_value()) {
    name_by_token_hash_[value->token_sha256()] = name;
    principals_.emplace(name, std::move(*value));
  }
}

void State::RollbackTo(size_t mark) {
  while (undo_.size() > mark) {
    auto entry = std::move(undo_.back());
    undo_.pop_back();
    if (auto* u = std::get_if<UnitBefore>(&entry)) {
      if (u->before.has_value()) {
        units_[u->code] = std::move(*u->before);
      } else {
        units_.erase(u->code);
      }
    } else if (auto* p = std::get_if<PrincipalBefore>(&entry)) {
      RestorePrincipal(p->name, std::move(p->before));
    } else if (auto* b = std::get_if<BalanceBefore>(&entry)) {
      if (b->before.has_value()) {
        balances_[b->account] = std::move(*b->before);
      } else {
        balances_.erase(b->account);
      }
    } else if (auto* d = std::get_if<DossierBefore>(&entry)) {
      RestoreDossier(d->dossier_id, std::move(d->before));
    } else if (auto* p = std::get_if<ProgramBefore>(&entry)) {
      if (p->before.has_value()) {
        programs_[p->program] = std::move(*p->before);
      } else {
        programs_.erase(p->program);
      }
    } else if (auto* g = std::get_if<GrantBefore>(&entry)) {
      RestoreGrant(g->grant_id, std::move(g->before));
    } else if (auto* l = std::get_if<LoanBefore>(&entry)) {
      RestoreLoan(l->loan_id, std::move(l->before));
    } else if (auto* lp = std::get_if<LoanProductBefore>(&entry)) {
      if (lp->before.has_value()) {
        loan_products_[lp->product] = std::move(*lp->before);
      } else {
        loan_products_.erase(lp->product);
      }
    } else if (auto* a = std::get_if<AidCountBefore>(&entry)) {
      if (a->before.has_value()) {
        aid_counts_[a->key] = *a->before;
      } else {
        aid_counts_.erase(a->key);
      }
    } else {
      auto& m = std::get<MoneyEventBefore>(entry);
      if (m.before.has_value()) {
        money_events_[m.sequence] = std::move(*m.before);
      } else {
        money_events_.erase(m.sequence);
      }
    }
  }
}

void State::ExportTo(storage::v1::Snapshot* snapshot) const {
  std::vector<const OrgUnitState*> units;
  units.reserve(units_.size());
  for (const auto& [code, unit] : units_) units.push_back(&unit);
  std::sort(units.begin(), units.end(), [](auto* a, auto* b) {
    return a->registered().code() < b->registered().code();
  });
  for (const auto* unit : units) *snapshot->add_org_units() = *unit;

  std::vector<const PrincipalState*> principals;
  for (const auto& [name, p] : principals_) principals.push_back(&p);
  std::sort(principals.begin(), principals.end(),
            [](auto* a, auto* b) { return a->name() < b->name(); });
  for (const auto* p : principals) *snapshot->add_principals() = *p;

  std::vector<const BalanceState*> balances;
  balances.reserve(balances_.size());
  for (const auto& [account, b] : balances_) balances.push_back(&b);
  std::sort(balances.begin(), balances.end(),
            [](auto* a, auto* b) { return a->account() < b->account(); });
  for (const auto* b : balances) *snapshot->add_balances() = *b;

  std::vector<const MoneyEventState*> events;
  events.reserve(money_events_.size());
  for (const auto& [sequence, e] : money_events_) events.push_back(&e);
  std::sort(events.begin(), events.end(),
            [](auto* a, auto* b) { return a->sequence() < b->sequence(); });
  for (const auto* e : events) *snapshot->add_money_events() = *e;

  std::vector<const DossierState*> dossiers;
  dossiers.reserve(dossiers_.size());
  for (const auto& [id, d] : dossiers_) dossiers.push_back(&d);
  std::sort(dossiers.begin(), dossiers.end(), [](auto* a, auto* b) {
    return a->registered_sequence() < b->registered_sequence();
  });
  for (const auto* d : dossiers) *snapshot->add_dossiers() = *d;

  std::vector<const ProgramState*> programs;
  for (const auto& [name, p] : programs_) programs.push_back(&p);
  std::sort(programs.begin(), programs.end(),
            [](auto* a, auto* b) { return a->program() < b->program(); });
  for (const auto* p : programs) *snapshot->add_programs() = *p;

  std::vector<const GrantState*> grants;
  grants.reserve(grants_.size());
  for (const auto& [id, g] : grants_) grants.push_back(&g);
  std::sort(grants.begin(), grants.end(), [](auto* a, auto* b) {
    return a->proposed().grant_id().size() != b->proposed().grant_id().size()
               ? a->proposed().grant_id().size() <
                     b->proposed().grant_id().size()
               : a->proposed().grant_id() < b->proposed().grant_id();
  });
  for (const auto* g : grants) *snapshot->add_grants() = *g;

  std::vector<std::pair<std::string, uint32_t>> counts(aid_counts_.begin(),
                                                       aid_counts_.end());
  std::sort(counts.begin(), counts.end());
  for (const auto& [key, count] : counts) {
    auto* c = snapshot->add_aid_counts();
    c->set_key(key);
    c->set_count(count);
  }

  std::vector<const LoanStateMessage*> loans;
  loans.reserve(loans_.size());
  for (const auto& [id, l] : loans_) loans.push_back(&l);
  std::sort(loans.begin(), loans.end(), [](auto* a, auto* b) {
    return a->disbursed_sequence() < b->disbursed_sequence();
  });
  for (const auto* l : loans) *snapshot->add_loans() = *l;

  std::vector<const LoanProductState*> products;
  for (const auto& [name, p] : loan_products_) products.push_back(&p);
  std::sort(products.begin(), products.end(),
            [](auto* a, auto* b) { return a->product() < b->product(); });
  for (const auto* p : products) *snapshot->add_loan_products() = *p;
}

void State::ImportFrom(const storage::v1::Snapshot& snapshot) {
  for (const auto& unit : snapshot.org_units()) {
    units_.emplace(unit.registered().code(), unit);
  }
  for (const auto& p : snapshot.principals()) {
    RestorePrincipal(p.name(), p);
  }
  for (const auto& b : snapshot.balances()) balances_.emplace(b.account(), b);
  for (const auto& e : snapshot.money_events()) {
    money_events_.emplace(e.sequence(), e);
  }
  for (const auto& d : snapshot.dossiers()) {
    RestoreDossier(d.details().dossier_id(), d);
  }
  for (const auto& p : snapshot.programs()) programs_[p.program()] = p;
  for (const auto& g : snapshot.grants()) {
    RestoreGrant(g.proposed().grant_id(), g);
  }
  for (const auto& c : snapshot.aid_counts()) aid_counts_[c.key()] = c.count();
  for (const auto& l : snapshot.loans()) RestoreLoan(l.disbursed().loan_id(), l);
  for (const auto& p : snapshot.loan_products()) {
    loan_products_[p.product()] = p;
  }
  undo_.clear();
}

}  // namespace relief
