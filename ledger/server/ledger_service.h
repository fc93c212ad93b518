// LedgerService: commands in, durable results out.
//
// Callback API: a handler authenticates, checks roles and the command's
// shape, hands it to the writer and returns at once; the writer thread
// finishes the call after the group is synced. No handler thread blocks.
#ifndef RELIEF_LEDGER_SERVER_LEDGER_SERVICE_H_
#define RELIEF_LEDGER_SERVER_LEDGER_SERVICE_H_

#include "ledger/server/auth.h"
#include "ledger/writer/writer.h"
#include "relief/v1/ledger_service.grpc.pb.h"

namespace relief {

class LedgerServiceImpl final : public v1::LedgerService::CallbackService {
 public:
  // Both must outlive the service.
  LedgerServiceImpl(Writer* writer, const PrincipalDirectory* directory)
      : writer_(writer), directory_(directory) {}

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
  grpc::ServerUnaryReactor* SubmitCommands(
      grpc::CallbackServerContext* context,
      const v1::SubmitCommandsRequest* request,
      v1::SubmitCommandsResponse* response) override;

 private:
  // A unary command whose response holds just its CommandResult.
  template <typename Response>
  grpc::ServerUnaryReactor* Single(grpc::CallbackServerContext* context,
                                   v1::Command command, Response* response);

  Writer* const writer_;
  const PrincipalDirectory* const directory_;
};

// The role a command needs; the same table serves unary RPCs and batches.
absl::Status AuthorizeCommand(const Principal& principal,
                              const v1::Command& command);

}  // namespace relief

#endif  // RELIEF_LEDGER_SERVER_LEDGER_SERVICE_H_
