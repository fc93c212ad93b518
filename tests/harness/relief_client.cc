#include "harness/relief_client.h"

#include <chrono>

namespace relief::testing {

const char* StatusCodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK: return "OK";
    case grpc::StatusCode::CANCELLED: return "CANCELLED";
    case grpc::StatusCode::UNKNOWN: return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED: return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND: return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS: return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED: return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION: return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED: return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE: return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED: return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL: return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE: return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS: return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED: return "UNAUTHENTICATED";
    default: return "UNKNOWN_CODE";
  }
}

std::ostream& operator<<(std::ostream& out, const RpcResult& result) {
  out << StatusCodeName(result.status.error_code());
  if (!result.reason.empty()) out << " [" << result.reason << "]";
  if (!result.status.error_message().empty()) {
    out << " \"" << result.status.error_message() << "\"";
  }
  return out;
}

ReliefClient::ReliefClient(std::shared_ptr<grpc::Channel> channel,
                           std::string token)
    : channel_(std::move(channel)),
      token_(std::move(token)),
      ledger_(v1::LedgerService::NewStub(channel_)),
      query_(v1::QueryService::NewStub(channel_)),
      audit_(v1::AuditService::NewStub(channel_)) {}

void ReliefClient::Prepare(grpc::ClientContext* context) const {
  context->set_deadline(std::chrono::system_clock::now() + timeout_);
  if (!authorization_.empty()) {
    context->AddMetadata("authorization", authorization_);
  } else if (!token_.empty()) {
    context->AddMetadata("authorization", "Bearer " + token_);
  }
}

template <typename Stub, typename Request, typename Response>
RpcResult ReliefClient::Call(
    Stub* stub,
    grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                 Response*),
    const Request& request, Response* response) const {
  grpc::ClientContext context;
  Prepare(&context);
  RpcResult result;
  result.status = (stub->*method)(&context, request, response);
  const auto& trailers = context.GetServerTrailingMetadata();
  if (auto it = trailers.find(kReasonKey); it != trailers.end()) {
    result.reason.assign(it->second.data(), it->second.size());
  }
  return result;
}

#define RELIEF_CLIENT_METHOD(stub, Rpc)                                    \
  RpcResult ReliefClient::Rpc(const v1::Rpc##Request& request,            \
                              v1::Rpc##Response* response) const {         \
    return Call(stub.get(), &std::remove_reference_t<decltype(*stub)>::Rpc, \
                request, response);                                        \
  }

RELIEF_CLIENT_METHOD(ledger_, RegisterOrgUnit)
RELIEF_CLIENT_METHOD(ledger_, DeactivateOrgUnit)
RELIEF_CLIENT_METHOD(ledger_, CreateToken)
RELIEF_CLIENT_METHOD(ledger_, RevokeToken)
RELIEF_CLIENT_METHOD(ledger_, SubmitCommands)
RELIEF_CLIENT_METHOD(ledger_, ReceiveFunds)
RELIEF_CLIENT_METHOD(ledger_, AllocateFunds)
RELIEF_CLIENT_METHOD(ledger_, ReverseEvent)
RELIEF_CLIENT_METHOD(ledger_, SetMatchingRule)
RELIEF_CLIENT_METHOD(ledger_, RegisterDossier)
RELIEF_CLIENT_METHOD(ledger_, UpdateDossier)
RELIEF_CLIENT_METHOD(ledger_, ExitDossier)
RELIEF_CLIENT_METHOD(ledger_, ReactivateDossier)
RELIEF_CLIENT_METHOD(ledger_, SetProgramPolicy)
RELIEF_CLIENT_METHOD(ledger_, ProposeGrant)
RELIEF_CLIENT_METHOD(ledger_, PostGrant)
RELIEF_CLIENT_METHOD(ledger_, VoidGrant)
RELIEF_CLIENT_METHOD(ledger_, RecordExternalAid)
RELIEF_CLIENT_METHOD(ledger_, DisburseBatch)
RELIEF_CLIENT_METHOD(ledger_, SetLoanProduct)
RELIEF_CLIENT_METHOD(ledger_, DisburseLoan)
RELIEF_CLIENT_METHOD(ledger_, RecordLoanRepayment)
RELIEF_CLIENT_METHOD(ledger_, ReverseLoanRepayment)
RELIEF_CLIENT_METHOD(ledger_, ProposeLoanWriteOff)
RELIEF_CLIENT_METHOD(ledger_, ApproveLoanWriteOff)
RELIEF_CLIENT_METHOD(ledger_, RescheduleLoan)
RELIEF_CLIENT_METHOD(query_, GetBalance)
RELIEF_CLIENT_METHOD(query_, GetFundSummary)
RELIEF_CLIENT_METHOD(query_, ListStatement)
RELIEF_CLIENT_METHOD(query_, GetMatching)
RELIEF_CLIENT_METHOD(query_, GetDossier)
RELIEF_CLIENT_METHOD(query_, ListDossiers)
RELIEF_CLIENT_METHOD(query_, GetLoan)
RELIEF_CLIENT_METHOD(query_, ListLoans)
RELIEF_CLIENT_METHOD(query_, GetGuarantorExposure)
RELIEF_CLIENT_METHOD(query_, ListLoansDue)
RELIEF_CLIENT_METHOD(query_, ListLoanProducts)
RELIEF_CLIENT_METHOD(query_, GetOrgUnit)
RELIEF_CLIENT_METHOD(query_, ListOrgUnits)
RELIEF_CLIENT_METHOD(query_, ListPrincipals)
RELIEF_CLIENT_METHOD(query_, GetStatus)
RELIEF_CLIENT_METHOD(query_, GetMetrics)
RELIEF_CLIENT_METHOD(audit_, ListEvents)
RELIEF_CLIENT_METHOD(audit_, VerifyChain)

#undef RELIEF_CLIENT_METHOD

}  // namespace relief::testing
