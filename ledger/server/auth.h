// Authentication and authorisation for every RPC.
//
// Bearer tokens ("authorization: Bearer rlf_<64 hex>") map to principals.
// The ledger records only SHA-256(token) (TokenIssued events); the
// PrincipalDirectory mirrors the write model's principals for lookups from
// RPC threads, updated by the writer after each durable group.
//
// Thread-safety: PrincipalDirectory is thread-safe.
#ifndef RELIEF_LEDGER_SERVER_AUTH_H_
#define RELIEF_LEDGER_SERVER_AUTH_H_

#include <initializer_list>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/server_context.h"
#include "ledger/domain/state.h"
#include "relief/v1/events.pb.h"
#include "relief/v1/query_service.pb.h"

namespace relief {

struct Principal {
  std::string name;
  std::vector<v1::Role> roles;
  bool Has(v1::Role role) const;
};

// A fresh token: "rlf_" + 64 hex characters (256 random bits).
std::string NewToken();
// What the ledger stores of a token.
std::string TokenHash(absl::string_view token);

class PrincipalDirectory {
 public:
  // Replaces the whole directory from the write model.
  void Load(const State& state);
  // Refreshes the principals named by these events from the write model.
  void Update(const State& state,
              const std::vector<v1::EventEnvelope>& envelopes);

  // UNAUTHENTICATED (TOKEN_MISSING / TOKEN_UNKNOWN) unless the call carries a
  // live token.
  absl::StatusOr<Principal> Authenticate(
      const grpc::ServerContextBase& context) const;
  // The principal named by an "authorization" metadata value ("Bearer
  // <token>"), or "" when it names none (missing, malformed, unknown or
  // revoked). For the request log: never returns or keeps the token.
  std::string NameOfBearer(absl::string_view authorization) const;
  // PERMISSION_DENIED (ROLE_REQUIRED) unless the principal holds one of them.
  static absl::Status Require(const Principal& principal,
                              std::initializer_list<v1::Role> any_of,
                              absl::string_view what);

  bool empty() const;
  std::vector<v1::Principal> List() const;

 private:
  struct Entry {
    std::string name;
    std::vector<v1::Role> roles;
    bool revoked = false;
    uint64_t issued_sequence = 0;
  };
  void PutLocked(const PrincipalState& p) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> by_token_hash_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, std::string> hash_by_name_
      ABSL_GUARDED_BY(mu_);
};

// The one place an absl::Status becomes a gRPC status: same code, message
// "REASON: message", and the reason in trailing metadata `relief-reason`.
grpc::Status ToGrpcStatus(const absl::Status& status,
                          grpc::ServerContextBase* context);

std::string RoleName(v1::Role role);

}  // namespace relief

#endif  // RELIEF_LEDGER_SERVER_AUTH_H_
