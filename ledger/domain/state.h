// State: the write model commands are decided against.
//
// It is changed only by Evolve (decider.h), the same function replay uses,
// so the state after N events is the same however it was reached: live,
// from a full replay, or from a snapshot plus the tail.
//
// Undo: every change records the before-image of what it touched. The
// writer takes a Mark() before each command, RollbackTo(mark) when a command
// (or a whole group whose write failed) must not count, and
// ForgetUndo() once the group is durable.
//
// Not thread-safe: owned by the writer thread.
#ifndef RELIEF_LEDGER_DOMAIN_STATE_H_
#define RELIEF_LEDGER_DOMAIN_STATE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include "absl/strings/string_view.h"
#include <variant>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/node_hash_map.h"
#include "relief/storage/v1/storage.pb.h"

namespace relief {

using OrgUnitState = storage::v1::OrgUnitState;
using PrincipalState = storage::v1::PrincipalState;
using BalanceState = storage::v1::BalanceState;
using MoneyEventState = storage::v1::MoneyEventState;
using DossierState = storage::v1::DossierState;
using ProgramState = storage::v1::ProgramState;
using GrantState = storage::v1::GrantState;
using LoanStateMessage = storage::v1::LoanState;
using LoanProductState = storage::v1::LoanProductState;

class State {
 public:
  State() = default;
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  const OrgUnitState* FindUnit(absl::string_view code) const;
  const PrincipalState* FindPrincipal(absl::string_view name) const;
  // The principal holding this token hash, revoked or not.
  const PrincipalState* FindPrincipalByTokenHash(
      absl::string_view token_sha256) const;
  size_t ActiveAdminCount() const;
  const BalanceState* FindBalance(absl::string_view account) const;
  // posted credits - posted debits - pending debits; 0 for an unused account.
  int64_t Available(absl::string_view account) const;
  const MoneyEventState* FindMoneyEvent(uint64_t sequence) const;
  const DossierState* FindDossier(absl::string_view dossier_id) const;
  // The dossier of the person with this national-ID hash, if any.
  const DossierState* FindDossierByIdHash(absl::string_view id_hmac) const;
  const ProgramState* FindProgram(absl::string_view program) const;
  const GrantState* FindGrant(absl::string_view grant_id) const;
  // Grants plus external aid counted for a person, program and year.
  uint32_t AidCount(absl::string_view id_hmac, absl::string_view program,
                    int year) const;
  // Pending grants whose expiry is at or before `now`, oldest first.
  std::vector<std::string> GrantsExpiredAt(int64_t now_unix_micros) const;
  // Ids of the POSTED grants of `program` counted in `year` and paid by
  // `unit_code` (with `subtree`, also by every unit whose code starts with
  // unit_code + "."), in grant order: a spot-check population (samples.h).
  std::vector<std::string> PostedGrants(absl::string_view unit_code,
                                        bool subtree,
                                        absl::string_view program,
                                        int year) const;
  const LoanStateMessage* FindLoan(absl::string_view loan_id) const;
  const LoanProductState* FindLoanProduct(absl::string_view product) const;
  // The id of a loan of the person with this national-ID hash that still
  // has principal outstanding, or was written off and is not all recovered;
  // or null.
  const std::string* ActiveLoanOf(absl::string_view id_hmac) const;
  size_t unit_count() const { return units_.size(); }
  size_t principal_count() const { return principals_.size(); }
  size_t dossier_count() const { return dossiers_.size(); }

  // Mutations, used by Evolve only. Each records its before-image.
  void PutUnit(OrgUnitState unit);
  void PutPrincipal(PrincipalState principal);
  void PutBalance(BalanceState balance);
  void PutMoneyEvent(MoneyEventState event);
  void PutDossier(DossierState dossier);
  void PutProgram(ProgramState program);
  void PutGrant(GrantState grant);
  void SetAidCount(absl::string_view id_hmac, absl::string_view program,
                   int year, uint32_t count);
  void PutLoan(LoanStateMessage loan);
  void PutLoanProduct(LoanProductState product);

  size_t Mark() const { return undo_.size(); }
  // REQUIRES: mark <= Mark().
  void RollbackTo(size_t mark);
  void ForgetUndo() { undo_.clear(); }

  // The whole state in a stable order (codes and names sorted), for
  // snapshots and for comparing two states in tests.
  void ExportTo(storage::v1::Snapshot* snapshot) const;
  // REQUIRES: the state is empty.
  void ImportFrom(const storage::v1::Snapshot& snapshot);

 private:
  struct UnitBefore {
    std::string code;
    std::optional<OrgUnitState> before;
  };
  struct PrincipalBefore {
    std::string name;
    std::optional<PrincipalState> before;
  };
  struct BalanceBefore {
    std::string account;
    std::optional<BalanceState> before;
  };
  struct MoneyEventBefore {
    uint64_t sequence;
    std::optional<MoneyEventState> before;
  };
  struct DossierBefore {
    std::string dossier_id;
    std::optional<DossierState> before;
  };
  void RestoreDossier(const std::string& id, std::optional<DossierState> value);
  struct ProgramBefore {
    std::string program;
    std::optional<ProgramState> before;
  };
  struct GrantBefore {
    std::string grant_id;
    std::optional<GrantState> before;
  };
  struct AidCountBefore {
    std::string key;
    std::optional<uint32_t> before;
  };
  struct LoanBefore {
    std::string loan_id;
    std::optional<LoanStateMessage> before;
  };
  struct LoanProductBefore {
    std::string product;
    std::optional<LoanProductState> before;
  };
  void RestoreGrant(const std::string& id, std::optional<GrantState> value);
  void RestoreLoan(const std::string& id, std::optional<LoanStateMessage> value);
  void RestorePrincipal(const std::string& name,
                        std::optional<PrincipalState> before);

  absl::node_hash_map<std::string, OrgUnitState> units_;
  absl::node_hash_map<std::string, PrincipalState> principals_;
  absl::flat_hash_map<std::string, std::string> name_by_token_hash_;
  absl::node_hash_map<std::string, BalanceState> balances_;
  absl::node_hash_map<uint64_t, MoneyEventState> money_events_;
  absl::node_hash_map<std::string, DossierState> dossiers_;
  absl::flat_hash_map<std::string, std::string> dossier_by_id_hash_;
  absl::node_hash_map<std::string, ProgramState> programs_;
  absl::node_hash_map<std::string, GrantState> grants_;
  // (expires, grant_id) of pending grants: the writer's expiry scan.
  std::set<std::pair<int64_t, std::string>> pending_by_expiry_;
  // (program, year, paying unit, grant_id) of posted grants: spot-check
  // populations. Derived from grants_ (kept by RestoreGrant), so neither
  // the undo log nor the snapshot holds it.
  std::set<std::tuple<std::string, int, std::string, std::string>>
      posted_grants_;
  absl::flat_hash_map<std::string, uint32_t> aid_counts_;
  absl::node_hash_map<std::string, LoanStateMessage> loans_;
  absl::node_hash_map<std::string, LoanProductState> loan_products_;
  // (national_id_hmac, loan_id) of loans with principal outstanding.
  std::set<std::pair<std::string, std::string>> active_loans_;
  std::vector<std::variant<UnitBefore, PrincipalBefore, BalanceBefore,
                           MoneyEventBefore, DossierBefore, ProgramBefore,
                           GrantBefore, AidCountBefore, LoanBefore,
                           LoanProductBefore>>
      undo_;
};

}  // namespace relief

#endif  // RELIEF_LEDGER_DOMAIN_STATE_H_
