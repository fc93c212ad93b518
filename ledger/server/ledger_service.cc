#include "ledger/server/ledger_service.h"

#include <functional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "ledger/domain/decider.h"
#include "ledger/domain/dossiers.h"
#include "ledger/store/sha256.h"
#include "ledger/domain/limits.h"
#include "ledger/domain/money.h"
#include "ledger/domain/rejection.h"
#include "ledger/domain/samples.h"

namespace relief {
namespace {

using Results = absl::StatusOr<std::vector<v1::CommandResult>>;

}  // namespace

absl::Status ProtectNationalId(absl::string_view key, v1::Command* command) {
  if (!command->has_register_dossier()) return absl::OkStatus();
  v1::RegisterDossierRequest* r = command->mutable_register_dossier();
  const absl::CivilDay today = absl::ToCivilDay(
      absl::Now(), absl::FixedTimeZone(8 * 60 * 60));  // China time
  if (auto s = ValidateNationalId(
          r->national_id(), static_cast<int>(today.year() * 10000 +
                                             today.month() * 100 + today.day()));
      !s.ok()) {
    return s;
  }
  const std::string id = CanonicalNationalId(r->national_id());
  r->set_national_id_hmac(HmacSha256(key, id));
  r->set_national_id_masked(MaskNationalId(id));
  r->clear_national_id();
  return absl::OkStatus();
}

// Runs one submission: auth, the national-ID hash, role and shape checks,
// then the writer. `fill` copies the results into the response before Finish.
grpc::ServerUnaryReactor* LedgerServiceImpl::Execute(
    grpc::CallbackServerContext* context, std::vector<v1::Command> commands,
    std::vector<std::string> token_hashes,
    std::function<void(std::vector<v1::CommandResult>&)> fill) {
  Writer* writer = writer_;
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto principal = directory_->Authenticate(*context);
  if (!principal.ok()) {
    reactor->Finish(ToGrpcStatus(principal.status(), context));
    return reactor;
  }
  const bool many = commands.size() > 1;
  for (size_t i = 0; i < commands.size(); ++i) {
    absl::Status s = AuthorizeCommand(*principal, commands[i]);
    if (s.ok()) s = ProtectNationalId(national_id_key_, &commands[i]);
    if (s.ok()) s = ValidateCommand(commands[i]);
    if (!s.ok()) {
      if (many) s = WithPrefix(s, absl::StrCat("command ", i, ": "));
      reactor->Finish(ToGrpcStatus(s, context));
      return reactor;
    }
  }
  // A spot-check sample without the committee's seed gets one here: the
  // randomness comes from the service, never from the pure domain. It
  // travels beside the command, so a retry (same request id, no seed) is the
  // same command and gets the first sample.
  std::vector<std::string> drawn_seeds;
  for (size_t i = 0; i < commands.size(); ++i) {
    if (commands[i].has_draw_sample() &&
        commands[i].draw_sample().seed().empty()) {
      drawn_seeds.resize(commands.size());
      drawn_seeds[i] = RandomBytes(kSampleSeedBytes);
    }
  }
  Submission submission;
  submission.actor = principal->name;
  submission.drawn_seeds = std::move(drawn_seeds);
  submission.commands = std::move(commands);
  submission.issued_token_sha256 = std::move(token_hashes);
  submission.done = [reactor, context, fill = std::move(fill)](Results r) {
    if (!r.ok()) {
      reactor->Finish(ToGrpcStatus(r.status(), context));
      return;
    }
    fill(*r);
    reactor->Finish(grpc::Status::OK);
  };
  if (absl::Status s = writer->Submit(std::move(submission)); !s.ok()) {
    reactor->Finish(ToGrpcStatus(s, context));
  }
  return reactor;
}

absl::Status AuthorizeCommand(const Principal& principal,
                              const v1::Command& command) {
  switch (command.kind_case()) {
    case v1::Command::kRegisterOrgUnit:
      return PrincipalDirectory::Require(principal, {v1::ROLE_ADMIN},
                                         "register organisation units");
    case v1::Command::kDeactivateOrgUnit:
      return PrincipalDirectory::Require(principal, {v1::ROLE_ADMIN},
                                         "deactivate organisation units");
    case v1::Command::kCreateToken:
      return PrincipalDirectory::Require(principal, {v1::ROLE_ADMIN},
                                         "create tokens");
    case v1::Command::kRevokeToken:
      return PrincipalDirectory::Require(principal, {v1::ROLE_ADMIN},
                                         "revoke tokens");
    case v1::Command::kReceiveFunds:
      return PrincipalDirectory::Require(principal, {v1::ROLE_FINANCE_OFFICER},
                                         "record money received");
    case v1::Command::kAllocateFunds:
      return PrincipalDirectory::Require(principal, {v1::ROLE_FINANCE_OFFICER},
                                         "allocate money");
    case v1::Command::kReverseEvent:
      return PrincipalDirectory::Require(principal, {v1::ROLE_FINANCE_OFFICER},
                                         "reverse money events");
    case v1::Command::kSetMatchingRule:
      return PrincipalDirectory::Require(principal, {v1::ROLE_FINANCE_OFFICER},
                                         "set matching rules");
    case v1::Command::kSetProgramPolicy:
      return PrincipalDirectory::Require(principal, {v1::ROLE_FINANCE_OFFICER},
                                         "set program policies");
    case v1::Command::kProposeGrant:
    case v1::Command::kPostGrant:
    case v1::Command::kVoidGrant:
    case v1::Command::kRecordExternalAid:
      return PrincipalDirectory::Require(principal, {v1::ROLE_FINANCE_OFFICER},
                                         "handle grants");
    case v1::Command::kSetLoanProduct:
      return PrincipalDirectory::Require(
          principal, {v1::ROLE_LOAN_OFFICER, v1::ROLE_FINANCE_OFFICER},
          "set loan products");
    case v1::Command::kDisburseLoan:
    case v1::Command::kRecordLoanRepayment:
    case v1::Command::kReverseLoanRepayment:
    case v1::Command::kProposeLoanWriteOff:
    case v1::Command::kRescheduleLoan:
      return PrincipalDirectory::Require(principal, {v1::ROLE_LOAN_OFFICER},
                                         "handle small loans");
    case v1::Command::kApproveLoanWriteOff:
      return PrincipalDirectory::Require(
          principal, {v1::ROLE_LOAN_OFFICER, v1::ROLE_FINANCE_OFFICER},
          "approve loan write-offs");
    case v1::Command::kDrawSample:
      // Auditors read and audit; this is the one command they send, and it
      // moves no money.
      return PrincipalDirectory::Require(principal, {v1::ROLE_AUDITOR},
                                         "draw spot-check samples");
    case v1::Command::kRegisterDossier:
    case v1::Command::kUpdateDossier:
    case v1::Command::kExitDossier:
    case v1::Command::kReactivateDossier:
      return PrincipalDirectory::Require(principal, {v1::ROLE_FINANCE_OFFICER},
                                         "keep beneficiary dossiers");
    case v1::Command::KIND_NOT_SET:
      break;
  }
  return InvalidArgument(v1::BATCH_INVALID, "the command has no kind set");
}

template <typename Response>
grpc::ServerUnaryReactor* LedgerServiceImpl::Single(
    grpc::CallbackServerContext* context, v1::Command command,
    Response* response) {
  std::vector<v1::Command> commands;
  commands.push_back(std::move(command));
  return Execute(context, std::move(commands), {},
                 [response](std::vector<v1::CommandResult>& r) {
                   *response->mutable_result() = std::move(r[0]);
                 });
}

grpc::ServerUnaryReactor* LedgerServiceImpl::RegisterDossier(
    grpc::CallbackServerContext* context,
    const v1::RegisterDossierRequest* request,
    v1::RegisterDossierResponse* response) {
  std::vector<v1::Command> commands(1);
  *commands[0].mutable_register_dossier() = *request;
  return Execute(context, std::move(commands), {},
                 [response](std::vector<v1::CommandResult>& r) {
                   // The dossier is named after the event that opened it.
                   response->set_dossier_id(
                       absl::StrCat("d", r[0].first_sequence()));
                   *response->mutable_result() = std::move(r[0]);
                 });
}

grpc::ServerUnaryReactor* LedgerServiceImpl::SetProgramPolicy(
    grpc::CallbackServerContext* context,
    const v1::SetProgramPolicyRequest* request,
    v1::SetProgramPolicyResponse* response) {
  v1::Command command;
  *command.mutable_set_program_policy() = *request;
  return Single(context, std::move(command), response);
}

grpc::ServerUnaryReactor* LedgerServiceImpl::ProposeGrant(
    grpc::CallbackServerContext* context, const v1::ProposeGrantRequest* request,
    v1::ProposeGrantResponse* response) {
  std::vector<v1::Command> commands(1);
  *commands[0].mutable_propose_grant() = *request;
  return Execute(context, std::move(commands), {},
                 [response](std::vector<v1::CommandResult>& r) {
                   // The grant is named after the event that proposed it.
                   response->set_grant_id(
                       absl::StrCat("g", r[0].first_sequence()));
                   *response->mutable_result() = std::move(r[0]);
                 });
}

grpc::ServerUnaryReactor* LedgerServiceImpl::PostGrant(
    grpc::CallbackServerContext* context, const v1::PostGrantRequest* request,
    v1::PostGrantResponse* response) {
  v1::Command command;
  *command.mutable_post_grant() = *request;
  return Single(context, std::move(command), response);
}

grpc::ServerUnaryReactor* LedgerServiceImpl::VoidGrant(
    grpc::CallbackServerContext* context, const v1::VoidGrantRequest* request,
    v1::VoidGrantResponse* response) {
  v1::Command command;
  *command.mutable_void_grant() = *request;
  return Single(context, std::move(command), response);
}

grpc::ServerUnaryReactor* LedgerServiceImpl::RecordExternalAid(
    grpc::CallbackServerContext* context,
    const v1::RecordExternalAidRequest* request,
    v1::RecordExternalAidResponse* response) {
  v1::Command command;
  *command.mutable_record_external_aid() = *request;
  return Single(context, std::move(command), response);
}

grpc::ServerUnaryReactor* LedgerServiceImpl::SetLoanProduct(
    grpc::CallbackServerContext* context,
    const v1::SetLoanProductRequest* request, v1::SetLoanProductResponse* response) {
  v1::Command command;
  *command.mutable_set_loan_product() = *request;
  return Single(context, std::move(command), response);
}

grpc::ServerUnaryReactor* LedgerServiceImpl::ReverseLoanRepayment(
    grpc::CallbackServerContext* context,
    const v1::ReverseLoanRepaymentRequest* request, v1::ReverseLoanRepaymentResponse* response) {
  v1::Command command;
  *command.mutable_reverse_loan_repayment() = *request;
  return Single(context, std::move(command), response);
}

grpc::ServerUnaryReactor* LedgerServiceImpl::ProposeLoanWriteOff(
    grpc::CallbackServerContext* context,
    const v1::ProposeLoanWriteOffRequest* request, v1::ProposeLoanWriteOffResponse* response) {
  v1::Command command;
  *command.mutable_propose_loan_write_off() = *request;
  return Single(context, std::move(command), response);
}

grpc::ServerUnaryReactor* LedgerServiceImpl::ApproveLoanWriteOff(
    grpc::CallbackServerContext* context,
    const v1::ApproveLoanWriteOffRequest* request, v1::ApproveLoanWriteOffResponse* response) {
  v1::Command command;
  *command.mutable_approve_loan_write_off() = *request;
  return Single(context, std::move(command), response);
}

grpc::ServerUnaryReactor* LedgerServiceImpl::RescheduleLoan(
    grpc::CallbackServerContext* context,
    const v1::RescheduleLoanRequest* request, v1::RescheduleLoanResponse* response) {
  v1::Command command;
  *command.mutable_reschedule_loan() = *request;
  return Single(context, std::move(command), response);
}

grpc::ServerUnaryReactor* LedgerServiceImpl::DisburseLoan(
    grpc::CallbackServerContext* context, const v1::DisburseLoanRequest* request,
    v1::DisburseLoanResponse* response) {
  std::vector<v1::Command> commands(1);
  *commands[0].mutable_disburse_loan() = *request;
  return Execute(context, std::move(commands), {},
                 [response](std::vector<v1::CommandResult>& r) {
                   // The loan is named after the event that disbursed it.
                   response->set_loan_id(
                       absl::StrCat("l", r[0].first_sequence()));
                   *response->mutable_result() = std::move(r[0]);
                 });
}

grpc::ServerUnaryReactor* LedgerServiceImpl::RecordLoanRepayment(
    grpc::CallbackServerContext* context,
    const v1::RecordLoanRepaymentRequest* request,
    v1::RecordLoanRepaymentResponse* response) {
  std::vector<v1::Command> commands(1);
  *commands[0].mutable_record_loan_repayment() = *request;
  return Execute(context, std::move(commands), {},
                 [response](std::vector<v1::CommandResult>& r) {
                   response->set_repayment_id(
                       absl::StrCat("r", r[0].first_sequence()));
                   *response->mutable_result() = std::move(r[0]);
                 });
}

grpc::ServerUnaryReactor* LedgerServiceImpl::DisburseBatch(
    grpc::CallbackServerContext* context,
    const v1::DisburseBatchRequest* request,
    v1::DisburseBatchResponse* response) {
  auto fail = [context](absl::Status s) {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(ToGrpcStatus(s, context));
    return reactor;
  };
  if (auto principal = directory_->Authenticate(*context); !principal.ok()) {
    return fail(principal.status());
  }
  const int lines = request->lines_size();
  if (lines == 0 ||
      static_cast<size_t>(lines) > limits::kMaxCommandsPerRequest) {
    return fail(InvalidArgument(
        v1::BATCH_INVALID,
        absl::StrCat("a batch has 1..", limits::kMaxCommandsPerRequest,
                     " lines; this one has ", lines)));
  }
  int64_t sum = 0;
  for (int i = 0; i < lines; ++i) {
    const v1::Command& line = request->lines(i);
    int64_t amount = 0;
    if (line.has_propose_grant()) {
      amount = line.propose_grant().amount_fen();
    } else if (line.has_post_grant()) {
      amount = line.post_grant().amount_fen();
      if (amount <= 0) {
        return fail(InvalidArgument(
            v1::BATCH_INVALID,
            absl::StrCat("line ", i, ": a post line must state the amount "
                         "it pays")));
      }
    } else {
      return fail(InvalidArgument(
          v1::BATCH_INVALID,
          absl::StrCat("line ", i, ": a disbursement batch holds only grant "
                       "proposals and posts")));
    }
    if (amount < 0 || !AddFen(sum, amount, &sum)) {
      return fail(InvalidArgument(v1::AMOUNT_INVALID,
                                  absl::StrCat("line ", i, ": bad amount")));
    }
  }
  if (static_cast<int64_t>(request->control_count()) != lines ||
      request->control_sum_fen() != sum) {
    return fail(InvalidArgument(
        v1::BATCH_CONTROL_MISMATCH,
        absl::StrCat("the batch's control totals say ",
                     request->control_count(), " lines and ",
                     FormatYuan(request->control_sum_fen()),
                     " yuan, but its lines are ", lines, " and ",
                     FormatYuan(sum), " yuan; nothing was done")));
  }
  std::vector<v1::Command> commands(request->lines().begin(),
                                    request->lines().end());
  return Execute(context, std::move(commands), {},
                 [response](std::vector<v1::CommandResult>& r) {
                   for (auto& result : r) {
                     *response->add_results() = std::move(result);
                   }
                 });
}

grpc::ServerUnaryReactor* LedgerServiceImpl::UpdateDossier(
    grpc::CallbackServerContext* context,
    const v1::UpdateDossierRequest* request,
    v1::UpdateDossierResponse* response) {
  v1::Command command;
  *command.mutable_update_dossier() = *request;
  return Single(context, std::move(command), response);
}

grpc::ServerUnaryReactor* LedgerServiceImpl::ExitDossier(
    grpc::CallbackServerContext* context, const v1::ExitDossierRequest* request,
    v1::ExitDossierResponse* response) {
  v1::Command command;
  *command.mutable_exit_dossier() = *request;
  return Single(context, std::move(command), response);
}

grpc::ServerUnaryReactor* LedgerServiceImpl::ReactivateDossier(
    grpc::CallbackServerContext* context,
    const v1::ReactivateDossierRequest* request,
    v1::ReactivateDossierResponse* response) {
  v1::Command command;
  *command.mutable_reactivate_dossier() = *request;
  return Single(context, std::move(command), response);
}

grpc::ServerUnaryReactor* LedgerServiceImpl::ReceiveFunds(
    grpc::CallbackServerContext* context, const v1::ReceiveFundsRequest* request,
    v1::ReceiveFundsResponse* response) {
  v1::Command command;
  *command.mutable_receive_funds() = *request;
  return Single(context, std::move(command), response);
}

grpc::ServerUnaryReactor* LedgerServiceImpl::AllocateFunds(
    grpc::CallbackServerContext* context,
    const v1::AllocateFundsRequest* request,
    v1::AllocateFundsResponse* response) {
  v1::Command command;
  *command.mutable_allocate_funds() = *request;
  return Single(context, std::move(command), response);
}

grpc::ServerUnaryReactor* LedgerServiceImpl::ReverseEvent(
    grpc::CallbackServerContext* context, const v1::ReverseEventRequest* request,
    v1::ReverseEventResponse* response) {
  v1::Command command;
  *command.mutable_reverse_event() = *request;
  return Single(context, std::move(command), response);
}

grpc::ServerUnaryReactor* LedgerServiceImpl::SetMatchingRule(
    grpc::CallbackServerContext* context,
    const v1::SetMatchingRuleRequest* request,
    v1::SetMatchingRuleResponse* response) {
  v1::Command command;
  *command.mutable_set_matching_rule() = *request;
  return Single(context, std::move(command), response);
}

grpc::ServerUnaryReactor* LedgerServiceImpl::RegisterOrgUnit(
    grpc::CallbackServerContext* context,
    const v1::RegisterOrgUnitRequest* request,
    v1::RegisterOrgUnitResponse* response) {
  v1::Command command;
  *command.mutable_register_org_unit() = *request;
  return Single(context, std::move(command), response);
}

grpc::ServerUnaryReactor* LedgerServiceImpl::DeactivateOrgUnit(
    grpc::CallbackServerContext* context,
    const v1::DeactivateOrgUnitRequest* request,
    v1::DeactivateOrgUnitResponse* response) {
  v1::Command command;
  *command.mutable_deactivate_org_unit() = *request;
  return Single(context, std::move(command), response);
}

grpc::ServerUnaryReactor* LedgerServiceImpl::CreateToken(
    grpc::CallbackServerContext* context, const v1::CreateTokenRequest* request,
    v1::CreateTokenResponse* response) {
  std::vector<v1::Command> commands(1);
  *commands[0].mutable_create_token() = *request;
  // The token is made here and never stored: only its hash enters the log.
  std::string token = NewToken();
  std::vector<std::string> hashes = {TokenHash(token)};
  return Execute(
      context, std::move(commands), std::move(hashes),
      [response, token = std::move(token)](std::vector<v1::CommandResult>& r) {
        // A replay returns the original result, not a new secret.
        if (!r[0].replayed()) response->set_token(token);
        *response->mutable_result() = std::move(r[0]);
      });
}

grpc::ServerUnaryReactor* LedgerServiceImpl::RevokeToken(
    grpc::CallbackServerContext* context, const v1::RevokeTokenRequest* request,
    v1::RevokeTokenResponse* response) {
  v1::Command command;
  *command.mutable_revoke_token() = *request;
  return Single(context, std::move(command), response);
}

grpc::ServerUnaryReactor* LedgerServiceImpl::SubmitCommands(
    grpc::CallbackServerContext* context,
    const v1::SubmitCommandsRequest* request,
    v1::SubmitCommandsResponse* response) {
  auto fail = [context](absl::Status s) {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(ToGrpcStatus(s, context));
    return reactor;
  };
  // Who asks comes first: a stranger learns nothing about the batch.
  if (auto principal = directory_->Authenticate(*context); !principal.ok()) {
    return fail(principal.status());
  }
  if (request->commands().empty()) {
    return fail(InvalidArgument(v1::BATCH_INVALID, "the batch is empty"));
  }
  if (static_cast<size_t>(request->commands_size()) >
      limits::kMaxCommandsPerRequest) {
    return fail(InvalidArgument(
        v1::BATCH_INVALID,
        absl::StrCat("the batch has ", request->commands_size(),
                     " commands; at most ", limits::kMaxCommandsPerRequest,
                     " are allowed per request")));
  }
  for (int i = 0; i < request->commands_size(); ++i) {
    if (request->commands(i).has_create_token()) {
      return fail(InvalidArgument(
          v1::BATCH_INVALID,
          absl::StrCat("command ", i, ": CreateToken is not allowed in a "
                       "batch (its token is returned once); call CreateToken")));
    }
  }
  std::vector<v1::Command> commands(request->commands().begin(),
                                    request->commands().end());
  return Execute(context, std::move(commands), {},
                 [response](std::vector<v1::CommandResult>& r) {
                   response->mutable_results()->Reserve(
                       static_cast<int>(r.size()));
                   for (auto& result : r) {
                     *response->add_results() = std::move(result);
                   }
                 });
}

grpc::ServerUnaryReactor* LedgerServiceImpl::DrawSample(
    grpc::CallbackServerContext* context, const v1::DrawSampleRequest* request,
    v1::DrawSampleResponse* response) {
  std::vector<v1::Command> commands(1);
  *commands[0].mutable_draw_sample() = *request;
  return Execute(context, std::move(commands), {},
                 [response](std::vector<v1::CommandResult>& r) {
                   // The sample is named after the event that records it.
                   response->set_sample_id(
                       absl::StrCat("s", r[0].first_sequence()));
                   *response->mutable_result() = std::move(r[0]);
                 });
}

}  // namespace relief
