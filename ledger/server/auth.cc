#include "ledger/server/auth.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ledger/domain/rejection.h"
#include "ledger/store/sha256.h"

namespace relief {

bool Principal::Has(v1::Role role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

std::string NewToken() { return absl::StrCat("rlf_", ToHex(RandomBytes(32))); }

std::string TokenHash(absl::string_view token) { return Sha256(token); }

std::string RoleName(v1::Role role) {
  switch (role) {
    case v1::ROLE_ADMIN: return "admin";
    case v1::ROLE_FINANCE_OFFICER: return "finance_officer";
    case v1::ROLE_LOAN_OFFICER: return "loan_officer";
    case v1::ROLE_AUDITOR: return "auditor";
    case v1::ROLE_SERVICE: return "service";
    default: return "unspecified";
  }
}

void PrincipalDirectory::PutLocked(const PrincipalState& p) {
  if (auto it = hash_by_name_.find(p.name()); it != hash_by_name_.end()) {
    by_token_hash_.erase(it->second);
  }
  Entry entry;
  entry.name = p.name();
  for (int role : p.roles()) entry.roles.push_back(static_cast<v1::Role>(role));
  entry.revoked = p.revoked();
  entry.issued_sequence = p.issued_sequence();
  by_token_hash_[p.token_sha256()] = std::move(entry);
  hash_by_name_[p.name()] = p.token_sha256();
}

void PrincipalDirectory::Load(const State& state) {
  storage::v1::Snapshot all;
  state.ExportTo(&all);
  absl::MutexLock lock(&mu_);
  by_token_hash_.clear();
  hash_by_name_.clear();
  for (const auto& p : all.principals()) PutLocked(p);
}

void PrincipalDirectory::Update(
    const State& state, const std::vector<v1::EventEnvelope>& envelopes) {
  absl::MutexLock lock(&mu_);
  for (const auto& e : envelopes) {
    std::string name;
    if (e.event().has_token_issued()) name = e.event().token_issued().name();
    if (e.event().has_token_revoked()) name = e.event().token_revoked().name();
    if (name.empty()) continue;
    if (const PrincipalState* p = state.FindPrincipal(name)) PutLocked(*p);
  }
}

absl::StatusOr<Principal> PrincipalDirectory::Authenticate(
    const grpc::ServerContextBase& context) const {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) {
    return Reject(absl::StatusCode::kUnauthenticated, v1::TOKEN_MISSING,
                  "no bearer token: send metadata 'authorization: Bearer "
                  "<token>' (reliefctl reads it from --token, RELIEF_TOKEN or "
                  "the data dir's admin.token)");
  }
  absl::string_view value(it->second.data(), it->second.size());
  constexpr absl::string_view kBearer = "Bearer ";
  if (!absl::StartsWithIgnoreCase(value, kBearer) ||
      value.size() == kBearer.size()) {
    return Reject(absl::StatusCode::kUnauthenticated, v1::TOKEN_MISSING,
                  "the authorization metadata must be 'Bearer <token>'");
  }
  std::string hash = TokenHash(value.substr(kBearer.size()));
  absl::MutexLock lock(&mu_);
  auto found = by_token_hash_.find(hash);
  if (found == by_token_hash_.end() || found->second.revoked) {
    return Reject(absl::StatusCode::kUnauthenticated, v1::TOKEN_UNKNOWN,
                  "the bearer token is unknown or revoked");
  }
  return Principal{found->second.name, found->second.roles};
}

std::string PrincipalDirectory::NameOfBearer(
    absl::string_view authorization) const {
  constexpr absl::string_view kBearer = "Bearer ";
  if (!absl::StartsWithIgnoreCase(authorization, kBearer) ||
      authorization.size() == kBearer.size()) {
    return "";
  }
  std::string hash = TokenHash(authorization.substr(kBearer.size()));
  absl::MutexLock lock(&mu_);
  auto found = by_token_hash_.find(hash);
  if (found == by_token_hash_.end() || found->second.revoked) return "";
  return found->second.name;
}

absl::Status PrincipalDirectory::Require(const Principal& principal,
                                         std::initializer_list<v1::Role> any_of,
                                         absl::string_view what) {
  for (v1::Role role : any_of) {
    if (principal.Has(role)) return absl::OkStatus();
  }
  std::vector<std::string> names;
  for (v1::Role role : any_of) names.push_back(RoleName(role));
  return Reject(absl::StatusCode::kPermissionDenied, v1::ROLE_REQUIRED,
                absl::StrCat("'", principal.name, "' may not ", what,
                             ": it needs the role ",
                             absl::StrJoin(names, " or ")));
}

bool PrincipalDirectory::empty() const {
  absl::MutexLock lock(&mu_);
  return by_token_hash_.empty();
}

std::vector<v1::Principal> PrincipalDirectory::List() const {
  std::vector<v1::Principal> out;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [hash, entry] : by_token_hash_) {
      v1::Principal& p = out.emplace_back();
      p.set_name(entry.name);
      for (v1::Role role : entry.roles) p.add_roles(role);
      p.set_revoked(entry.revoked);
      p.set_issued_sequence(entry.issued_sequence);
    }
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.name() < b.name(); });
  return out;
}

grpc::Status ToGrpcStatus(const absl::Status& status,
                          grpc::ServerContextBase* context) {
  if (status.ok()) return grpc::Status::OK;
  v1::ErrorReason reason = ReasonOf(status);
  if (reason == v1::ERROR_REASON_UNSPECIFIED &&
      status.code() == absl::StatusCode::kInternal) {
    reason = v1::INTERNAL_ERROR;
  }
  std::string reason_name = v1::ErrorReason_Name(reason);
  if (context != nullptr && reason != v1::ERROR_REASON_UNSPECIFIED) {
    context->AddTrailingMetadata("relief-reason", reason_name);
  }
  std::string message =
      reason == v1::ERROR_REASON_UNSPECIFIED
          ? std::string(status.message())
          : absl::StrCat(reason_name, ": ", status.message());
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), message);
}

}  // namespace relief
