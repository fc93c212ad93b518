// QueryService and AuditService: the read side.
//
// Synchronous gRPC API on purpose: a query may wait for its min_sequence
// (bounded by its deadline and limits::kMaxMinSequenceWaitMillis), and the
// sync API gives each such call its own thread from gRPC's pool, where the
// callback API would block a shared event-loop thread.
#ifndef RELIEF_PROJECTIONS_QUERY_SERVICE_H_
#define RELIEF_PROJECTIONS_QUERY_SERVICE_H_

#include <atomic>

#include "ledger/observe/metrics.h"
#include "ledger/server/auth.h"
#include "ledger/store/event_log.h"
#include "ledger/writer/log_watch.h"
#include "ledger/writer/writer.h"
#include "projections/dossiers_projection.h"
#include "projections/funds_projections.h"
#include "projections/grants_projection.h"
#include "projections/loans_projection.h"
#include "projections/org_units_projection.h"
#include "projections/projection_runner.h"
#include "relief/v1/audit_service.grpc.pb.h"
#include "relief/v1/query_service.grpc.pb.h"

namespace relief {

class QueryServiceImpl final : public v1::QueryService::Service {
 public:
  // All must outlive the service.
  // `national_id_key` keys the HMAC that finds a dossier by national ID.
  QueryServiceImpl(const EventLog* log, ProjectionRunner* runner,
                   const Writer* writer, const PrincipalDirectory* directory,
                   std::string national_id_key)
      : log_(log), runner_(runner), writer_(writer), directory_(directory),
        national_id_key_(std::move(national_id_key)), org_units_(log),
        funds_(log), dossiers_(log), grants_(log), loans_(log) {}

  grpc::Status GetOrgUnit(grpc::ServerContext* context,
                          const v1::GetOrgUnitRequest* request,
                          v1::GetOrgUnitResponse* response) override;
  grpc::Status ListOrgUnits(grpc::ServerContext* context,
                            const v1::ListOrgUnitsRequest* request,
                            v1::ListOrgUnitsResponse* response) override;
  grpc::Status ListPrincipals(grpc::ServerContext* context,
                              const v1::ListPrincipalsRequest* request,
                              v1::ListPrincipalsResponse* response) override;
  grpc::Status GetBalance(grpc::ServerContext* context,
                          const v1::GetBalanceRequest* request,
                          v1::GetBalanceResponse* response) override;
  grpc::Status GetFundSummary(grpc::ServerContext* context,
                              const v1::GetFundSummaryRequest* request,
                              v1::GetFundSummaryResponse* response) override;
  grpc::Status ListStatement(grpc::ServerContext* context,
                             const v1::ListStatementRequest* request,
                             v1::ListStatementResponse* response) override;
  grpc::Status GetMatching(grpc::ServerContext* context,
                           const v1::GetMatchingRequest* request,
                           v1::GetMatchingResponse* response) override;
  grpc::Status GetDossier(grpc::ServerContext* context,
                          const v1::GetDossierRequest* request,
                          v1::GetDossierResponse* response) override;
  grpc::Status ListDossiers(grpc::ServerContext* context,
                            const v1::ListDossiersRequest* request,
                            v1::ListDossiersResponse* response) override;
  grpc::Status GetAidHistory(grpc::ServerContext* context,
                             const v1::GetAidHistoryRequest* request,
                             v1::GetAidHistoryResponse* response) override;
  grpc::Status ListPublicNotice(grpc::ServerContext* context,
                                const v1::ListPublicNoticeRequest* request,
                                v1::ListPublicNoticeResponse* response) override;
  grpc::Status GetProgramReport(grpc::ServerContext* context,
                                const v1::GetProgramReportRequest* request,
                                v1::GetProgramReportResponse* response) override;
  grpc::Status GetGrant(grpc::ServerContext* context,
                        const v1::GetGrantRequest* request,
                        v1::GetGrantResponse* response) override;
  grpc::Status GetLoan(grpc::ServerContext* context,
                       const v1::GetLoanRequest* request,
                       v1::GetLoanResponse* response) override;
  grpc::Status ListLoans(grpc::ServerContext* context,
                         const v1::ListLoansRequest* request,
                         v1::ListLoansResponse* response) override;
  grpc::Status GetGuarantorExposure(
      grpc::ServerContext* context,
      const v1::GetGuarantorExposureRequest* request,
      v1::GetGuarantorExposureResponse* response) override;
  grpc::Status ListLoansDue(grpc::ServerContext* context,
                            const v1::ListLoansDueRequest* request,
                            v1::ListLoansDueResponse* response) override;
  grpc::Status ListLoanProducts(grpc::ServerContext* context,
                                const v1::ListLoanProductsRequest* request,
                                v1::ListLoanProductsResponse* response) override;
  grpc::Status GetStatus(grpc::ServerContext* context,
                         const v1::GetStatusRequest* request,
                         v1::GetStatusResponse* response) override;
  grpc::Status GetMetrics(grpc::ServerContext* context,
                          const v1::GetMetricsRequest* request,
                          v1::GetMetricsResponse* response) override;

  // What GetMetrics reports besides the writer's and the projections' own
  // figures. REQUIRES: before the server starts; outlives the service.
  void set_metrics(const Metrics* metrics) { metrics_ = metrics; }

 private:
  // The unit (NOT_FOUND if unknown) and, with `subtree`, every unit below.
  absl::StatusOr<std::vector<std::string>> UnitsOf(absl::string_view code,
                                                   bool subtree) const;
  // The loans of a unit (or subtree) disbursed by `date`, each as of it.
  // Checks the role (personal data), the unit and the date; `*date` 0
  // becomes today (China time).
  absl::StatusOr<std::vector<v1::Loan>> LoansAsOf(grpc::ServerContext* context,
                                                  absl::string_view unit_code,
                                                  bool subtree, int* date,
                                                  uint64_t min_sequence,
                                                  uint64_t* at);
  // Authenticates, then waits for min_sequence. Returns the sequence the
  // read model reflects.
  absl::StatusOr<uint64_t> Begin(grpc::ServerContext* context,
                                 uint64_t min_sequence);

  const EventLog* const log_;
  ProjectionRunner* const runner_;
  const Writer* const writer_;
  const Metrics* metrics_ = nullptr;
  const PrincipalDirectory* const directory_;
  const std::string national_id_key_;
  OrgUnitsView org_units_;
  FundsView funds_;
  DossiersView dossiers_;
  GrantsView grants_;
  LoansView loans_;
};

struct AuditStreamOptions {
  // A live subscriber this many events behind the head is ended with
  // RESOURCE_EXHAUSTED (SUBSCRIBER_TOO_SLOW) and may resume.
  uint64_t subscriber_max_lag = 100000;
  // Idle subscriptions get a heartbeat this often.
  absl::Duration heartbeat = absl::Seconds(5);
};

class AuditServiceImpl final : public v1::AuditService::Service {
 public:
  // `runner` resolves filters through the read models; `watch` tells
  // subscribers of new events. Both may be null (no filtering by unit or
  // person; no live following) in tests of the other RPCs.
  AuditServiceImpl(const EventLog* log, const PrincipalDirectory* directory,
                   ProjectionRunner* runner = nullptr,
                   const LogWatch* watch = nullptr,
                   AuditStreamOptions stream_options = {})
      : log_(log), directory_(directory), runner_(runner), watch_(watch),
        stream_options_(stream_options) {}

  grpc::Status ListEvents(grpc::ServerContext* context,
                          const v1::ListEventsRequest* request,
                          v1::ListEventsResponse* response) override;
  grpc::Status VerifyChain(grpc::ServerContext* context,
                           const v1::VerifyChainRequest* request,
                           v1::VerifyChainResponse* response) override;
  // In audit_stream.cc.
  grpc::Status ReadEvents(
      grpc::ServerContext* context, const v1::ReadEventsRequest* request,
      grpc::ServerWriter<v1::ReadEventsResponse>* writer) override;
  grpc::Status Subscribe(
      grpc::ServerContext* context, const v1::SubscribeRequest* request,
      grpc::ServerWriter<v1::SubscribeResponse>* writer) override;
  // In audit_ledger.cc: the trial balance as of a point of the log, and
  // the reconcile of every read model against a rebuild from the log.
  grpc::Status GetTrialBalance(grpc::ServerContext* context,
                               const v1::GetTrialBalanceRequest* request,
                               v1::GetTrialBalanceResponse* response) override;
  grpc::Status Reconcile(
      grpc::ServerContext* context, const v1::ReconcileRequest* request,
      grpc::ServerWriter<v1::ReconcileResponse>* writer) override;
  // In sample_service.cc.
  grpc::Status ListSamples(grpc::ServerContext* context,
                           const v1::ListSamplesRequest* request,
                           v1::ListSamplesResponse* response) override;
  grpc::Status GetSample(grpc::ServerContext* context,
                         const v1::GetSampleRequest* request,
                         v1::GetSampleResponse* response) override;

 private:
  const EventLog* const log_;
  const PrincipalDirectory* const directory_;
  ProjectionRunner* const runner_;
  const LogWatch* const watch_;
  const AuditStreamOptions stream_options_;
  // One reconcile at a time (audit_ledger.cc); runs are numbered for their
  // scratch directory.
  std::atomic<bool> reconciling_{false};
  std::atomic<uint64_t> reconcile_runs_{0};
};

}  // namespace relief

#endif  // RELIEF_PROJECTIONS_QUERY_SERVICE_H_
