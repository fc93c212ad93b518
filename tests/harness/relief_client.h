// ReliefClient: the relief.v1 services over one channel, as one principal.
//
// Every call sets a deadline (timeout(), 20 s unless changed) and the
// `authorization: Bearer <token>` header (none when the token is empty), and
// returns an RpcResult holding the status and the `relief-reason` trailing
// metadata. The client is cheap; make a new one after a server restart, since
// the restarted server listens on a new port.
//
// Thread-safety: calls may be made from many threads at once; set_timeout()
// must not race with calls.
#ifndef RELIEF_TESTS_HARNESS_RELIEF_CLIENT_H_
#define RELIEF_TESTS_HARNESS_RELIEF_CLIENT_H_

#include <chrono>
#include <memory>
#include <ostream>
#include <string>

#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"
#include "relief/v1/audit_service.grpc.pb.h"
#include "relief/v1/ledger_service.grpc.pb.h"
#include "relief/v1/query_service.grpc.pb.h"

namespace relief::testing {

// Trailing metadata key that carries the ErrorReason name.
inline constexpr char kReasonKey[] = "relief-reason";

struct RpcResult {
  grpc::Status status;
  std::string reason;  // `relief-reason`, empty when absent
  bool ok() const { return status.ok(); }
};
std::ostream& operator<<(std::ostream& out, const RpcResult& result);
const char* StatusCodeName(grpc::StatusCode code);

class ReliefClient {
 public:
  ReliefClient(std::shared_ptr<grpc::Channel> channel, std::string token);

  const std::string& token() const { return token_; }
  std::chrono::milliseconds timeout() const { return timeout_; }
  void set_timeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }
  // Replaces the whole authorization header value (e.g. "Basic x"); empty
  // restores "Bearer <token>".
  void set_authorization(std::string value) { authorization_ = std::move(value); }

  RpcResult RegisterOrgUnit(const v1::RegisterOrgUnitRequest& request,
                            v1::RegisterOrgUnitResponse* response) const;
  RpcResult DeactivateOrgUnit(const v1::DeactivateOrgUnitRequest& request,
                              v1::DeactivateOrgUnitResponse* response) const;
  RpcResult CreateToken(const v1::CreateTokenRequest& request,
                        v1::CreateTokenResponse* response) const;
  RpcResult RevokeToken(const v1::RevokeTokenRequest& request,
                        v1::RevokeTokenResponse* response) const;
  RpcResult SubmitCommands(const v1::SubmitCommandsRequest& request,
                           v1::SubmitCommandsResponse* response) const;

  // Money, dossiers and grants (LedgerService).
  RpcResult ReceiveFunds(const v1::ReceiveFundsRequest& request,
                v1::ReceiveFundsResponse* response) const;
  RpcResult AllocateFunds(const v1::AllocateFundsRequest& request,
                v1::AllocateFundsResponse* response) const;
  RpcResult ReverseEvent(const v1::ReverseEventRequest& request,
                v1::ReverseEventResponse* response) const;
  RpcResult SetMatchingRule(const v1::SetMatchingRuleRequest& request,
                v1::SetMatchingRuleResponse* response) const;
  RpcResult RegisterDossier(const v1::RegisterDossierRequest& request,
                v1::RegisterDossierResponse* response) const;
  RpcResult UpdateDossier(const v1::UpdateDossierRequest& request,
                v1::UpdateDossierResponse* response) const;
  RpcResult ExitDossier(const v1::ExitDossierRequest& request,
                v1::ExitDossierResponse* response) const;
  RpcResult ReactivateDossier(const v1::ReactivateDossierRequest& request,
                v1::ReactivateDossierResponse* response) const;
  RpcResult SetProgramPolicy(const v1::SetProgramPolicyRequest& request,
                v1::SetProgramPolicyResponse* response) const;
  RpcResult ProposeGrant(const v1::ProposeGrantRequest& request,
                v1::ProposeGrantResponse* response) const;
  RpcResult PostGrant(const v1::PostGrantRequest& request,
                v1::PostGrantResponse* response) const;
  RpcResult VoidGrant(const v1::VoidGrantRequest& request,
                v1::VoidGrantResponse* response) const;
  RpcResult RecordExternalAid(const v1::RecordExternalAidRequest& request,
                v1::RecordExternalAidResponse* response) const;
  RpcResult DisburseBatch(const v1::DisburseBatchRequest& request,
                v1::DisburseBatchResponse* response) const;

  // Small loans (LedgerService).
  RpcResult SetLoanProduct(const v1::SetLoanProductRequest& request,
                v1::SetLoanProductResponse* response) const;
  RpcResult DisburseLoan(const v1::DisburseLoanRequest& request,
                v1::DisburseLoanResponse* response) const;
  RpcResult RecordLoanRepayment(const v1::RecordLoanRepaymentRequest& request,
                v1::RecordLoanRepaymentResponse* response) const;
  RpcResult ReverseLoanRepayment(const v1::ReverseLoanRepaymentRequest& request,
                v1::ReverseLoanRepaymentResponse* response) const;
  RpcResult ProposeLoanWriteOff(const v1::ProposeLoanWriteOffRequest& request,
                v1::ProposeLoanWriteOffResponse* response) const;
  RpcResult ApproveLoanWriteOff(const v1::ApproveLoanWriteOffRequest& request,
                v1::ApproveLoanWriteOffResponse* response) const;
  RpcResult RescheduleLoan(const v1::RescheduleLoanRequest& request,
                v1::RescheduleLoanResponse* response) const;

  RpcResult GetOrgUnit(const v1::GetOrgUnitRequest& request,
                       v1::GetOrgUnitResponse* response) const;
  RpcResult ListOrgUnits(const v1::ListOrgUnitsRequest& request,
                         v1::ListOrgUnitsResponse* response) const;
  RpcResult ListPrincipals(const v1::ListPrincipalsRequest& request,
                           v1::ListPrincipalsResponse* response) const;
  RpcResult GetStatus(const v1::GetStatusRequest& request,
                      v1::GetStatusResponse* response) const;
  RpcResult GetMetrics(const v1::GetMetricsRequest& request,
                       v1::GetMetricsResponse* response) const;

  // Funds and dossier read models (QueryService).
  RpcResult GetBalance(const v1::GetBalanceRequest& request,
                v1::GetBalanceResponse* response) const;
  RpcResult GetFundSummary(const v1::GetFundSummaryRequest& request,
                v1::GetFundSummaryResponse* response) const;
  RpcResult ListStatement(const v1::ListStatementRequest& request,
                v1::ListStatementResponse* response) const;
  RpcResult GetMatching(const v1::GetMatchingRequest& request,
                v1::GetMatchingResponse* response) const;
  RpcResult GetDossier(const v1::GetDossierRequest& request,
                v1::GetDossierResponse* response) const;
  RpcResult ListDossiers(const v1::ListDossiersRequest& request,
                v1::ListDossiersResponse* response) const;

  // Small-loan read model (QueryService).
  RpcResult GetLoan(const v1::GetLoanRequest& request,
                v1::GetLoanResponse* response) const;
  RpcResult ListLoans(const v1::ListLoansRequest& request,
                v1::ListLoansResponse* response) const;
  RpcResult GetGuarantorExposure(const v1::GetGuarantorExposureRequest& request,
                v1::GetGuarantorExposureResponse* response) const;
  RpcResult ListLoansDue(const v1::ListLoansDueRequest& request,
                v1::ListLoansDueResponse* response) const;
  RpcResult ListLoanProducts(const v1::ListLoanProductsRequest& request,
                v1::ListLoanProductsResponse* response) const;

  RpcResult ListEvents(const v1::ListEventsRequest& request,
                       v1::ListEventsResponse* response) const;
  RpcResult VerifyChain(const v1::VerifyChainRequest& request,
                        v1::VerifyChainResponse* response) const;

 private:
  template <typename Stub, typename Request, typename Response>
  RpcResult Call(Stub* stub,
                 grpc::Status (Stub::*method)(grpc::ClientContext*,
                                              const Request&, Response*),
                 const Request& request, Response* response) const;
  void Prepare(grpc::ClientContext* context) const;

  std::shared_ptr<grpc::Channel> channel_;
  std::string token_;
  std::string authorization_;
  std::chrono::milliseconds timeout_{20000};
  std::unique_ptr<v1::LedgerService::Stub> ledger_;
  std::unique_ptr<v1::QueryService::Stub> query_;
  std::unique_ptr<v1::AuditService::Stub> audit_;
};

}  // namespace relief::testing

#endif  // RELIEF_TESTS_HARNESS_RELIEF_CLIENT_H_
