#include "projections/query_service.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "ledger/domain/accounts.h"
#include "ledger/domain/dossiers.h"
#include "ledger/domain/grants.h"
#include "ledger/store/sha256.h"
#include "ledger/domain/limits.h"
#include "ledger/domain/rejection.h"
#include "ledger/domain/validation.h"

namespace relief {
namespace {

uint32_t PageSize(uint32_t requested) {
  if (requested == 0) return limits::kDefaultPageSize;
  return std::min(requested, limits::kMaxPageSize);
}

}  // namespace

absl::StatusOr<uint64_t> QueryServiceImpl::Begin(grpc::ServerContext* context,
                                                 uint64_t min_sequence) {
  auto principal = directory_->Authenticate(*context);
  if (!principal.ok()) return principal.status();
  if (absl::Status h = runner_->health(); !h.ok()) {
    return Reject(absl::StatusCode::kUnavailable, v1::PROJECTIONS_STOPPED,
                  absl::StrCat("the read models are stopped (", h.message(),
                               "); the log is intact. An operator must fix "
                               "the cause and restart reliefd"));
  }
  const uint64_t head = writer_->Status().head.sequence;
  if (min_sequence > head) {
    return Reject(absl::StatusCode::kOutOfRange,
                  v1::MIN_SEQUENCE_NOT_REACHED,
                  absl::StrCat("min_sequence ", min_sequence,
                               " is beyond the log head ", head));
  }
  absl::Time deadline = std::min(
      absl::FromChrono(context->deadline()),
      absl::Now() + absl::Milliseconds(limits::kMaxMinSequenceWaitMillis));
  uint64_t reached = runner_->WaitFor(min_sequence, deadline);
  if (reached < min_sequence) {
    return Reject(absl::StatusCode::kDeadlineExceeded,
                  v1::MIN_SEQUENCE_NOT_REACHED,
                  absl::StrCat("the read model reached sequence ", reached,
                               " but not min_sequence ", min_sequence,
                               " before the deadline; retry"));
  }
  return reached;
}

grpc::Status QueryServiceImpl::GetOrgUnit(grpc::ServerContext* context,
                                          const v1::GetOrgUnitRequest* request,
                                          v1::GetOrgUnitResponse* response) {
  auto at = Begin(context, request->min_sequence());
  if (!at.ok()) return ToGrpcStatus(at.status(), context);
  if (auto s = ValidateOrgCode("code", request->code()); !s.ok()) {
    return ToGrpcStatus(s, context);
  }
  auto unit = org_units_.Get(request->code());
  if (!unit.ok()) return ToGrpcStatus(unit.status(), context);
  *response->mutable_unit() = *std::move(unit);
  response->set_as_of_sequence(*at);
  return grpc::Status::OK;
}

grpc::Status QueryServiceImpl::ListOrgUnits(
    grpc::ServerContext* context, const v1::ListOrgUnitsRequest* request,
    v1::ListOrgUnitsResponse* response) {
  auto at = Begin(context, request->min_sequence());
  if (!at.ok()) return ToGrpcStatus(at.status(), context);
  if (!request->under_code().empty()) {
    if (auto s = ValidateOrgCode("under_code", request->under_code());
        !s.ok()) {
      return ToGrpcStatus(s, context);
    }
    if (auto unit = org_units_.Get(request->under_code()); !unit.ok()) {
      return ToGrpcStatus(unit.status(), context);
    }
  }
  if (!request->page_token().empty()) {
    if (auto s = ValidateOrgCode("page_token", request->page_token());
        !s.ok()) {
      return ToGrpcStatus(s, context);
    }
  }
  std::string next;
  auto units = org_units_.List(request->under_code(),
                               request->include_inactive(),
                               request->page_token(),
                               PageSize(request->page_size()), &next);
  if (!units.ok()) return ToGrpcStatus(units.status(), context);
  for (auto& unit : *units) *response->add_units() = std::move(unit);
  response->set_next_page_token(next);
  response->set_as_of_sequence(*at);
  return grpc::Status::OK;
}

grpc::Status QueryServiceImpl::GetBalance(grpc::ServerContext* context,
                                          const v1::GetBalanceRequest* request,
                                          v1::GetBalanceResponse* response) {
  auto at = Begin(context, request->min_sequence());
  if (!at.ok()) return ToGrpcStatus(at.status(), context);
  if (auto id = ParseAccountName(request->account()); !id.ok()) {
    return ToGrpcStatus(id.status(), context);
  }
  auto balance = funds_.Balance(request->account());
  if (!balance.ok()) return ToGrpcStatus(balance.status(), context);
  *response->mutable_balance() = *std::move(balance);
  response->set_as_of_sequence(*at);
  return grpc::Status::OK;
}

grpc::Status QueryServiceImpl::GetFundSummary(
    grpc::ServerContext* context, const v1::GetFundSummaryRequest* request,
    v1::GetFundSummaryResponse* response) {
  auto at = Begin(context, request->min_sequence());
  if (!at.ok()) return ToGrpcStatus(at.status(), context);
  if (auto s = ValidateOrgCode("unit_code", request->unit_code()); !s.ok()) {
    return ToGrpcStatus(s, context);
  }
  if (auto unit = org_units_.Get(request->unit_code()); !unit.ok()) {
    return ToGrpcStatus(unit.status(), context);
  }
  auto codes = UnitsOf(request->unit_code(), request->subtree());
  if (!codes.ok()) return ToGrpcStatus(codes.status(), context);
  auto rows = funds_.Summary(*codes, request->unit_code());
  if (!rows.ok()) return ToGrpcStatus(rows.status(), context);
  for (auto& row : *rows) *response->add_rows() = std::move(row);
  response->set_units(static_cast<uint32_t>(codes->size()));
  response->set_as_of_sequence(*at);
  return grpc::Status::OK;
}

grpc::Status QueryServiceImpl::ListStatement(
    grpc::ServerContext* context, const v1::ListStatementRequest* request,
    v1::ListStatementResponse* response) {
  auto at = Begin(context, request->min_sequence());
  if (!at.ok()) return ToGrpcStatus(at.status(), context);
  if (auto id = ParseAccountName(request->account()); !id.ok()) {
    return ToGrpcStatus(id.status(), context);
  }
  if (auto balance = funds_.Balance(request->account()); !balance.ok()) {
    return ToGrpcStatus(balance.status(), context);
  }
  std::string next;
  auto entries = funds_.Statement(request->account(), request->page_token(),
                                  PageSize(request->page_size()), &next);
  if (!entries.ok()) return ToGrpcStatus(entries.status(), context);
  for (auto& e : *entries) *response->add_entries() = std::move(e);
  response->set_next_page_token(next);
  response->set_as_of_sequence(*at);
  return grpc::Status::OK;
}

grpc::Status QueryServiceImpl::GetMatching(grpc::ServerContext* context,
                                           const v1::GetMatchingRequest* request,
                                           v1::GetMatchingResponse* response) {
  auto at = Begin(context, request->min_sequence());
  if (!at.ok()) return ToGrpcStatus(at.status(), context);
  if (!request->unit_code().empty()) {
    if (auto s = ValidateOrgCode("unit_code", request->unit_code()); !s.ok()) {
      return ToGrpcStatus(s, context);
    }
    if (auto unit = org_units_.Get(request->unit_code()); !unit.ok()) {
      return ToGrpcStatus(unit.status(), context);
    }
  }
  if (request->year() != 0 &&
      (request->year() < 2000 || request->year() > 2100)) {
    return ToGrpcStatus(InvalidArgument(v1::YEAR_INVALID,
                                        "year must be 0 (all) or 2000..2100"),
                        context);
  }
  auto rows = funds_.Matching(request->unit_code(), request->year());
  if (!rows.ok()) return ToGrpcStatus(rows.status(), context);
  for (auto& row : *rows) *response->add_rows() = std::move(row);
  response->set_as_of_sequence(*at);
  return grpc::Status::OK;
}

namespace {
// Names, contacts and aid of people in hardship are for those who work
// with them or audit that work, not for every service or administrator.
absl::Status RequirePersonalDataRole(const PrincipalDirectory* directory,
                                     grpc::ServerContext* context) {
  auto principal = directory->Authenticate(*context);
  if (!principal.ok()) return principal.status();
  return PrincipalDirectory::Require(
      *principal,
      {v1::ROLE_FINANCE_OFFICER, v1::ROLE_LOAN_OFFICER, v1::ROLE_AUDITOR},
      "read beneficiaries' personal data");
}
}  // namespace

grpc::Status QueryServiceImpl::GetDossier(grpc::ServerContext* context,
                                          const v1::GetDossierRequest* request,
                                          v1::GetDossierResponse* response) {
  if (auto s = RequirePersonalDataRole(directory_, context); !s.ok()) {
    return ToGrpcStatus(s, context);
  }
  auto at = Begin(context, request->min_sequence());
  if (!at.ok()) return ToGrpcStatus(at.status(), context);
  if (request->dossier_id().empty() == request->national_id().empty()) {
    return ToGrpcStatus(InvalidArgument(v1::FIELD_INVALID,
                                        "give either dossier_id or "
                                        "national_id"),
                        context);
  }
  absl::StatusOr<v1::Dossier> dossier;
  if (!request->national_id().empty()) {
    if (auto s = ValidateNationalId(request->national_id()); !s.ok()) {
      return ToGrpcStatus(s, context);
    }
    dossier = dossiers_.GetByIdHash(HmacSha256(
        national_id_key_, CanonicalNationalId(request->national_id())));
  } else {
    dossier = dossiers_.Get(request->dossier_id());
  }
  if (!dossier.ok()) return ToGrpcStatus(dossier.status(), context);
  *response->mutable_dossier() = *std::move(dossier);
  response->set_as_of_sequence(*at);
  return grpc::Status::OK;
}

grpc::Status QueryServiceImpl::ListDossiers(
    grpc::ServerContext* context, const v1::ListDossiersRequest* request,
    v1::ListDossiersResponse* response) {
  if (auto s = RequirePersonalDataRole(directory_, context); !s.ok()) {
    return ToGrpcStatus(s, context);
  }
  auto at = Begin(context, request->min_sequence());
  if (!at.ok()) return ToGrpcStatus(at.status(), context);
  if (auto s = ValidateOrgCode("unit_code", request->unit_code()); !s.ok()) {
    return ToGrpcStatus(s, context);
  }
  if (auto unit = org_units_.Get(request->unit_code()); !unit.ok()) {
    return ToGrpcStatus(unit.status(), context);
  }
  std::string next;
  auto dossiers = dossiers_.List(request->unit_code(), request->subtree(),
                                 request->include_exited(),
                                 request->page_token(),
                                 PageSize(request->page_size()), &next);
  if (!dossiers.ok()) return ToGrpcStatus(dossiers.status(), context);
  for (auto& d : *dossiers) *response->add_dossiers() = std::move(d);
  response->set_next_page_token(next);
  response->set_as_of_sequence(*at);
  return grpc::Status::OK;
}

absl::StatusOr<std::vector<std::string>> QueryServiceImpl::UnitsOf(
    absl::string_view code, bool subtree) const {
  if (auto s = ValidateOrgCode("unit_code", code); !s.ok()) return s;
  if (auto unit = org_units_.Get(code); !unit.ok()) return unit.status();
  std::vector<std::string> codes;
  if (!subtree) {
    codes.emplace_back(code);
    return codes;
  }
  std::string token, next;
  do {
    auto page = org_units_.List(code, true, token, limits::kMaxPageSize, &next);
    if (!page.ok()) return page.status();
    for (const auto& unit : *page) codes.push_back(unit.code());
    token = next;
  } while (!token.empty());
  return codes;
}

grpc::Status QueryServiceImpl::GetAidHistory(
    grpc::ServerContext* context, const v1::GetAidHistoryRequest* request,
    v1::GetAidHistoryResponse* response) {
  if (auto s = RequirePersonalDataRole(directory_, context); !s.ok()) {
    return ToGrpcStatus(s, context);
  }
  auto at = Begin(context, request->min_sequence());
  if (!at.ok()) return ToGrpcStatus(at.status(), context);
  auto dossier = dossiers_.Get(request->dossier_id());
  if (!dossier.ok()) return ToGrpcStatus(dossier.status(), context);
  auto entries = grants_.History(request->dossier_id());
  if (!entries.ok()) return ToGrpcStatus(entries.status(), context);
  *response->mutable_dossier() = *std::move(dossier);
  for (auto& e : *entries) *response->add_entries() = std::move(e);
  response->set_as_of_sequence(*at);
  return grpc::Status::OK;
}

grpc::Status QueryServiceImpl::ListPublicNotice(
    grpc::ServerContext* context, const v1::ListPublicNoticeRequest* request,
    v1::ListPublicNoticeResponse* response) {
  if (auto s = RequirePersonalDataRole(directory_, context); !s.ok()) {
    return ToGrpcStatus(s, context);
  }
  auto at = Begin(context, request->min_sequence());
  if (!at.ok()) return ToGrpcStatus(at.status(), context);
  if (!request->program().empty()) {
    if (auto s = ValidateProgramCode(request->program()); !s.ok()) {
      return ToGrpcStatus(s, context);
    }
  }
  auto units = UnitsOf(request->unit_code(), request->subtree());
  if (!units.ok()) return ToGrpcStatus(units.status(), context);
  auto grants = grants_.PublicNotice(*units, request->program());
  if (!grants.ok()) return ToGrpcStatus(grants.status(), context);
  for (auto& g : *grants) *response->add_grants() = std::move(g);
  response->set_as_of_sequence(*at);
  return grpc::Status::OK;
}

grpc::Status QueryServiceImpl::GetProgramReport(
    grpc::ServerContext* context, const v1::GetProgramReportRequest* request,
    v1::GetProgramReportResponse* response) {
  auto at = Begin(context, request->min_sequence());
  if (!at.ok()) return ToGrpcStatus(at.status(), context);
  if (!request->program().empty()) {
    if (auto s = ValidateProgramCode(request->program()); !s.ok()) {
      return ToGrpcStatus(s, context);
    }
  }
  if (request->year() != 0 &&
      (request->year() < 2000 || request->year() > 2100)) {
    return ToGrpcStatus(InvalidArgument(v1::YEAR_INVALID,
                                        "year must be 0 (all) or 2000..2100"),
                        context);
  }
  auto units = UnitsOf(request->unit_code(), request->subtree());
  if (!units.ok()) return ToGrpcStatus(units.status(), context);
  auto rows = grants_.Report(*units, request->program(), request->year());
  if (!rows.ok()) return ToGrpcStatus(rows.status(), context);
  for (auto& r : *rows) *response->add_rows() = std::move(r);
  response->set_units(static_cast<uint32_t>(units->size()));
  response->set_as_of_sequence(*at);
  return grpc::Status::OK;
}

grpc::Status QueryServiceImpl::GetGrant(grpc::ServerContext* context,
                                        const v1::GetGrantRequest* request,
                                        v1::GetGrantResponse* response) {
  if (auto s = RequirePersonalDataRole(directory_, context); !s.ok()) {
    return ToGrpcStatus(s, context);
  }
  auto at = Begin(context, request->min_sequence());
  if (!at.ok()) return ToGrpcStatus(at.status(), context);
  auto grant = grants_.Get(request->grant_id());
  if (!grant.ok()) return ToGrpcStatus(grant.status(), context);
  *response->mutable_grant() = *std::move(grant);
  response->set_as_of_sequence(*at);
  return grpc::Status::OK;
}

grpc::Status QueryServiceImpl::ListPrincipals(
    grpc::ServerContext* context, const v1::ListPrincipalsRequest* request,
    v1::ListPrincipalsResponse* response) {
  auto principal = directory_->Authenticate(*context);
  if (!principal.ok()) return ToGrpcStatus(principal.status(), context);
  if (auto s = PrincipalDirectory::Require(
          *principal, {v1::ROLE_ADMIN, v1::ROLE_AUDITOR}, "list principals");
      !s.ok()) {
    return ToGrpcStatus(s, context);
  }
  for (auto& p : directory_->List()) *response->add_principals() = std::move(p);
  response->set_as_of_sequence(writer_->Status().head.sequence);
  return grpc::Status::OK;
}

grpc::Status QueryServiceImpl::GetStatus(grpc::ServerContext* context,
                                         const v1::GetStatusRequest* request,
                                         v1::GetStatusResponse* response) {
  auto principal = directory_->Authenticate(*context);
  if (!principal.ok()) return ToGrpcStatus(principal.status(), context);
  WriterStatus status = writer_->Status();
  response->set_head_sequence(status.head.sequence);
  response->set_head_hash(status.head.hash);
  switch (status.phase) {
    case WriterStatus::Phase::kRunning:
      response->set_writer_state(v1::WRITER_STATE_RUNNING);
      break;
    case WriterStatus::Phase::kFailed:
      response->set_writer_state(v1::WRITER_STATE_FAILED);
      response->set_writer_error(std::string(status.error.message()));
      break;
    default:
      response->set_writer_state(v1::WRITER_STATE_STOPPING);
  }
  response->set_queue_depth(static_cast<uint32_t>(status.queue_depth_commands));
  response->set_queue_capacity(
      static_cast<uint32_t>(status.queue_capacity_commands));
  for (const auto& c : runner_->checkpoints()) {
    auto* p = response->add_projections();
    p->set_name(c.name);
    p->set_checkpoint_sequence(c.sequence);
  }
  response->set_snapshot_sequence(status.snapshot_sequence);
  response->set_principal(principal->name);
  for (v1::Role role : principal->roles) response->add_roles(role);
  response->set_server_time_unix_micros(absl::ToUnixMicros(absl::Now()));
  return grpc::Status::OK;
}

grpc::Status AuditServiceImpl::ListEvents(grpc::ServerContext* context,
                                          const v1::ListEventsRequest* request,
                                          v1::ListEventsResponse* response) {
  auto principal = directory_->Authenticate(*context);
  if (!principal.ok()) return ToGrpcStatus(principal.status(), context);
  if (auto s = PrincipalDirectory::Require(
          *principal, {v1::ROLE_ADMIN, v1::ROLE_AUDITOR, v1::ROLE_SERVICE},
          "read the event log");
      !s.ok()) {
    return ToGrpcStatus(s, context);
  }
  auto head = log_->ReadHead();
  if (!head.ok()) return ToGrpcStatus(head.status(), context);
  absl::Status s = log_->List(
      request->after_sequence(), request->before_sequence(),
      request->newest_first(), PageSize(request->page_size()),
      [&](v1::EventEnvelope e) { *response->add_events() = std::move(e); });
  if (!s.ok()) return ToGrpcStatus(s, context);
  response->set_head_sequence(head->sequence);
  return grpc::Status::OK;
}

grpc::Status AuditServiceImpl::VerifyChain(
    grpc::ServerContext* context, const v1::VerifyChainRequest* request,
    v1::VerifyChainResponse* response) {
  auto principal = directory_->Authenticate(*context);
  if (!principal.ok()) return ToGrpcStatus(principal.status(), context);
  if (auto s = PrincipalDirectory::Require(
          *principal, {v1::ROLE_ADMIN, v1::ROLE_AUDITOR}, "verify the chain");
      !s.ok()) {
    return ToGrpcStatus(s, context);
  }
  VerifyReport report = log_->Verify();
  response->set_ok(report.ok);
  response->set_verified_through_sequence(report.verified_through);
  response->set_first_bad_sequence(report.first_bad_sequence);
  response->set_problem(report.problem);
  response->set_head_sequence(report.head.sequence);
  response->set_head_hash(report.head.hash);
  return grpc::Status::OK;
}

}  // namespace relief
