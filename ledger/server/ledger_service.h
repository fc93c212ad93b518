// LedgerService: commands in, durable results out.
//
// Callback API: a handler authenticates, checks roles and the command's
// shape, hands it to the writer and returns at once; the writer thread
// finishes the call after the group is synced. No handler thread blocks.
#ifndef RELIEF_LEDGER_SERVER_LEDGER_SERVICE_H_
#define RELIEF_LEDGER_SERVER_LEDGER_SERVICE_H_

#include <functional>
#include <string>
#include <vector>

#include "ledger/server/auth.h"
#include "ledger/writer/writer.h"
#include "relief/v1/ledger_service.grpc.pb.h"

namespace relief {

class LedgerServiceImpl final : public v1::LedgerService::CallbackService {
 public:
  // Both must outlive the service. `national_id_key` keys the HMAC that
  // replaces national IDs (see dossiers.h).
  LedgerServiceImpl(Writer* writer, const PrincipalDirectory* directory,
                    std::string national_id_key)
      : writer_(writer), directory_(directory),
        national_id_key_(std::move(national_id_key)) {}

  grpc::ServerUnaryReactor* RegisterOrgUnit(
      grpc::CallbackServerContext* context,
      const v1::RegisterOrgUnitRequest* request,
      v1::RegisterOrgUnitResponse* response) override;
  grpc::ServerUnaryReactor* DeactivateOrgUnit(
      grpc::CallbackServerContext* context,
      const v1::DeactivateOrgUnitRequest* request,
      v1::DeactivateOrgUnitResponse* response) override;
  grpc::ServerUnaryReactor* CreateToken(
      grpc::CallbackServerContext* context,
      const v1::CreateTokenRequest* request,
      v1::CreateTokenResponse* response) override;
  grpc::ServerUnaryReactor* RevokeToken(
      grpc::CallbackServerContext* context,
      const v1::RevokeTokenRequest* request,
      v1::RevokeTokenResponse* response) override;
  grpc::ServerUnaryReactor* ReceiveFunds(
      grpc::CallbackServerContext* context,
      const v1::ReceiveFundsRequest* request,
      v1::ReceiveFundsResponse* response) override;
  grpc::ServerUnaryReactor* AllocateFunds(
      grpc::CallbackServerContext* context,
      const v1::AllocateFundsRequest* request,
      v1::AllocateFundsResponse* response) override;
  grpc::ServerUnaryReactor* ReverseEvent(
      grpc::CallbackServerContext* context,
      const v1::ReverseEventRequest* request,
      v1::ReverseEventResponse* response) override;
  grpc::ServerUnaryReactor* SetMatchingRule(
      grpc::CallbackServerContext* context,
      const v1::SetMatchingRuleRequest* request,
      v1::SetMatchingRuleResponse* response) override;
  grpc::ServerUnaryReactor* RegisterDossier(
      grpc::CallbackServerContext* context,
      const v1::RegisterDossierRequest* request,
      v1::RegisterDossierResponse* response) override;
  grpc::ServerUnaryReactor* UpdateDossier(
      grpc::CallbackServerContext* context,
      const v1::UpdateDossierRequest* request,
      v1::UpdateDossierResponse* response) override;
  grpc::ServerUnaryReactor* ExitDossier(
      grpc::CallbackServerContext* context,
      const v1::ExitDossierRequest* request,
      v1::ExitDossierResponse* response) override;
  grpc::ServerUnaryReactor* ReactivateDossier(
      grpc::CallbackServerContext* context,
      const v1::ReactivateDossierRequest* request,
      v1::ReactivateDossierResponse* response) override;
  grpc::ServerUnaryReactor* SetProgramPolicy(
      grpc::CallbackServerContext* context,
      const v1::SetProgramPolicyRequest* request,
      v1::SetProgramPolicyResponse* response) override;
  grpc::ServerUnaryReactor* ProposeGrant(
      grpc::CallbackServerContext* context,
      const v1::ProposeGrantRequest* request,
      v1::ProposeGrantResponse* response) override;
  grpc::ServerUnaryReactor* PostGrant(grpc::CallbackServerContext* context,
                                      const v1::PostGrantRequest* request,
                                      v1::PostGrantResponse* response) override;
  grpc::ServerUnaryReactor* VoidGrant(grpc::CallbackServerContext* context,
                                      const v1::VoidGrantRequest* request,
                                      v1::VoidGrantResponse* response) override;
  grpc::ServerUnaryReactor* RecordExternalAid(
      grpc::CallbackServerContext* context,
      const v1::RecordExternalAidRequest* request,
      v1::RecordExternalAidResponse* response) override;
  grpc::ServerUnaryReactor* SetLoanProduct(
      grpc::CallbackServerContext* context,
      const v1::SetLoanProductRequest* request,
      v1::SetLoanProductResponse* response) override;
  grpc::ServerUnaryReactor* DisburseLoan(
      grpc::CallbackServerContext* context,
      const v1::DisburseLoanRequest* request,
      v1::DisburseLoanResponse* response) override;
  grpc::ServerUnaryReactor* RecordLoanRepayment(
      grpc::CallbackServerContext* context,
      const v1::RecordLoanRepaymentRequest* request,
      v1::RecordLoanRepaymentResponse* response) override;
  grpc::ServerUnaryReactor* ReverseLoanRepayment(
      grpc::CallbackServerContext* context,
      const v1::ReverseLoanRepaymentRequest* request,
      v1::ReverseLoanRepaymentResponse* response) override;
  grpc::ServerUnaryReactor* ProposeLoanWriteOff(
      grpc::CallbackServerContext* context,
      const v1::ProposeLoanWriteOffRequest* request,
      v1::ProposeLoanWriteOffResponse* response) override;
  grpc::ServerUnaryReactor* ApproveLoanWriteOff(
      grpc::CallbackServerContext* context,
      const v1::ApproveLoanWriteOffRequest* request,
      v1::ApproveLoanWriteOffResponse* response) override;
  grpc::ServerUnaryReactor* RescheduleLoan(
      grpc::CallbackServerContext* context,
      const v1::RescheduleLoanRequest* request,
      v1::RescheduleLoanResponse* response) override;
  grpc::ServerUnaryReactor* DisburseBatch(
      grpc::CallbackServerContext* context,
      const v1::DisburseBatchRequest* request,
      v1::DisburseBatchResponse* response) override;
  grpc::ServerUnaryReactor* SubmitCommands(
      grpc::CallbackServerContext* context,
      const v1::SubmitCommandsRequest* request,
      v1::SubmitCommandsResponse* response) override;
  grpc::ServerUnaryReactor* DrawSample(
      grpc::CallbackServerContext* context,
      const v1::DrawSampleRequest* request,
      v1::DrawSampleResponse* response) override;

 private:
  // A unary command whose response holds just its CommandResult.
  template <typename Response>
  grpc::ServerUnaryReactor* Single(grpc::CallbackServerContext* context,
                                   v1::Command command, Response* response);

  grpc::ServerUnaryReactor* Execute(
      grpc::CallbackServerContext* context, std::vector<v1::Command> commands,
      std::vector<std::string> token_hashes,
      std::function<void(std::vector<v1::CommandResult>&)> fill);

  Writer* const writer_;
  const PrincipalDirectory* const directory_;
  const std::string national_id_key_;
};

// Replaces a RegisterDossier command's national ID by its keyed hash and
// masked form (INVALID_ARGUMENT if the ID is not valid). Other commands are
// left alone. Runs before anything else sees the command.
absl::Status ProtectNationalId(absl::string_view key, v1::Command* command);

// The role a command needs; the same table serves unary RPCs and batches.
absl::Status AuthorizeCommand(const Principal& principal,
                              const v1::Command& command);

}  // namespace relief

#endif  // RELIEF_LEDGER_SERVER_LEDGER_SERVICE_H_
