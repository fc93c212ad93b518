// AuditService: GetTrialBalance and Reconcile (the books as of a point, and
// the read models against a rebuild from the log).
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ledger/domain/rejection.h"
#include "ledger/domain/validation.h"
#include "projections/all_projections.h"
#include "projections/funds_asof.h"
#include "projections/query_service.h"
#include "projections/reconcile.h"

namespace relief {
namespace {

constexpr char kScratchPrefix[] = "reconcile-";

// Removes scratch directories a crash (or a kill) left behind. Only one
// reconcile runs at a time and only one reliefd opens a data dir (RocksDB's
// lock), so any that exist now are stale.
void RemoveStaleScratch(const std::string& data_dir) {
  std::error_code ec;
  for (const auto& entry :
       std::filesystem::directory_iterator(data_dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (absl::StartsWith(name, kScratchPrefix) && entry.is_directory(ec)) {
      std::filesystem::remove_all(entry.path(), ec);
    }
  }
}

}  // namespace

grpc::Status AuditServiceImpl::GetTrialBalance(
    grpc::ServerContext* context, const v1::GetTrialBalanceRequest* request,
    v1::GetTrialBalanceResponse* response) {
  auto principal = directory_->Authenticate(*context);
  if (!principal.ok()) return ToGrpcStatus(principal.status(), context);
  if (auto s = PrincipalDirectory::Require(
          *principal, {v1::ROLE_ADMIN, v1::ROLE_AUDITOR},
          "read the trial balance");
      !s.ok()) {
    return ToGrpcStatus(s, context);
  }
  if (!request->unit_code().empty()) {
    if (auto s = ValidateOrgCode("unit_code", request->unit_code()); !s.ok()) {
      return ToGrpcStatus(s, context);
    }
  } else if (request->subtree()) {
    return ToGrpcStatus(
        InvalidArgument(v1::FIELD_INVALID,
                        "subtree needs unit_code: the unit whose subtree to "
                        "show (without unit_code the whole ledger is shown)"),
        context);
  }
  auto head = log_->ReadHead();
  if (!head.ok()) return ToGrpcStatus(head.status(), context);
  ResolvedPoint point{head->sequence, head->recorded_at_unix_micros};
  if (request->has_as_of()) {
    auto resolved =
        ResolveLogPoint(*log_, request->as_of(), head->sequence, "as_of");
    if (!resolved.ok()) return ToGrpcStatus(resolved.status(), context);
    point = *resolved;
  }
  FundsFold::Options options;
  options.summaries = false;
  FundsFold fold(options);
  if (auto s = fold.Run(*log_, point.sequence); !s.ok()) {
    return ToGrpcStatus(s, context);
  }
  if (!request->unit_code().empty() && !fold.HasUnit(request->unit_code())) {
    return ToGrpcStatus(
        NotFound(v1::ORG_UNIT_NOT_FOUND,
                 absl::StrCat("unit '", request->unit_code(),
                              "' was not registered as of sequence ",
                              point.sequence)),
        context);
  }
  auto balance =
      TrialBalanceOf(fold, request->unit_code(), request->subtree());
  if (!balance.ok()) return ToGrpcStatus(balance.status(), context);
  *response = *std::move(balance);
  return grpc::Status::OK;
}

grpc::Status AuditServiceImpl::Reconcile(
    grpc::ServerContext* context, const v1::ReconcileRequest* request,
    grpc::ServerWriter<v1::ReconcileResponse>* writer) {
  auto principal = directory_->Authenticate(*context);
  if (!principal.ok()) return ToGrpcStatus(principal.status(), context);
  if (auto s = PrincipalDirectory::Require(
          *principal, {v1::ROLE_ADMIN, v1::ROLE_AUDITOR},
          "reconcile the read models");
      !s.ok()) {
    return ToGrpcStatus(s, context);
  }
  bool idle = false;
  if (!reconciling_.compare_exchange_strong(idle, true)) {
    return ToGrpcStatus(
        Reject(absl::StatusCode::kResourceExhausted, v1::RECONCILE_RUNNING,
               "another reconcile is running on this server and only one "
               "runs at a time (each rebuilds every read model); retry when "
               "it has finished"),
        context);
  }
  struct Release {
    std::atomic<bool>* flag;
    ~Release() { flag->store(false); }
  } release{&reconciling_};

  const std::string data_dir = log_->db()->GetName();
  RemoveStaleScratch(data_dir);
  ReconcileOptions options;
  options.scratch_dir =
      (std::filesystem::path(data_dir) /
       absl::StrCat(kScratchPrefix, ::getpid(), "-", ++reconcile_runs_))
          .string();
  bool stream_broken = false;
  auto progress = [&](const ReconcileProgress& p) {
    v1::ReconcileResponse message;
    message.set_sequence(p.sequence);
    message.set_events_replayed(p.events_replayed);
    message.set_keys_compared(p.keys_compared);
    if (!writer->Write(message)) stream_broken = true;
  };
  auto cancelled = [&] { return stream_broken || context->IsCancelled(); };
  std::fprintf(stderr, "reliefd: reconcile started by %s\n",
               principal->name.c_str());
  auto report = ReconcileProjections(*log_, AllProjections(), options,
                                     progress, cancelled);
  if (!report.ok()) {
    std::fprintf(stderr, "reliefd: reconcile ended: %s\n",
                 std::string(report.status().message()).c_str());
    return ToGrpcStatus(report.status(), context);
  }
  std::fprintf(stderr,
               "reliefd: reconcile at sequence %llu: %s (%llu keys compared, "
               "%llu differences)\n",
               static_cast<unsigned long long>(report->sequence),
               report->ok() ? "ok" : "DIFFERENCES",
               static_cast<unsigned long long>(report->keys_compared),
               static_cast<unsigned long long>(report->differences_total));
  v1::ReconcileResponse done;
  done.set_sequence(report->sequence);
  done.set_events_replayed(report->events_replayed);
  done.set_done(true);
  done.set_ok(report->ok());
  done.set_keys_compared(report->keys_compared);
  for (const ReconcileDifferenceRow& row : report->differences) {
    v1::ReconcileDifference* d = done.add_differences();
    d->set_projection(row.projection);
    d->set_key(row.key);
    d->set_problem(row.problem);
  }
  done.set_differences_total(report->differences_total);
  writer->Write(done);
  return grpc::Status::OK;
}

}  // namespace relief
