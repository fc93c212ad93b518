// token create | revoke | list
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "clients/reliefctl/commands.h"
#include "clients/reliefctl/names.h"
#include "clients/reliefctl/table.h"

namespace reliefctl {
namespace {

int RunCreate(Session& session, const relief::v1::CreateTokenRequest& base,
              const std::string& given_request_id) {
  relief::v1::CreateTokenRequest request = base;
  request.set_request_id(RequestIdOrNew(given_request_id));
  relief::v1::CreateTokenResponse response;
  grpc::ClientContext context;
  session.Prepare(&context);
  const grpc::Status status =
      session.ledger().CreateToken(&context, request, &response);
  if (!status.ok()) return session.Fail(status, context, request.request_id());

  const bool shown = !response.token().empty();
  if (shown) {
    session.err() << "warning: the token for '" << request.name()
                  << "' is shown only this once; the server keeps only its "
                     "SHA-256. Store it now.\n";
  } else {
    session.err() << "warning: no token in the response: this request id "
                     "was applied before and the token was shown then only. "
                     "If it is lost, revoke '"
                  << request.name() << "' and create a new one.\n";
  }
  if (session.json()) return session.PrintJson(response);
  PrintCommandResult(
      session,
      absl::StrCat("token issued for ", request.name(), " (roles: ",
                   RoleList(request.roles()), ")"),
      response.result(), request.request_id());
  if (shown) session.out() << "token        " << response.token() << '\n';
  return kExitOk;
}

int RunRevoke(Session& session, const relief::v1::RevokeTokenRequest& base,
              const std::string& given_request_id) {
  relief::v1::RevokeTokenRequest request = base;
  request.set_request_id(RequestIdOrNew(given_request_id));
  relief::v1::RevokeTokenResponse response;
  grpc::ClientContext context;
  session.Prepare(&context);
  const grpc::Status status =
      session.ledger().RevokeToken(&context, request, &response);
  if (!status.ok()) return session.Fail(status, context, request.request_id());
  if (session.json()) return session.PrintJson(response);
  PrintCommandResult(session, absl::StrCat("revoked the token of ", request.name()),
                     response.result(), request.request_id());
  return kExitOk;
}

int RunList(Session& session) {
  relief::v1::ListPrincipalsRequest request;
  relief::v1::ListPrincipalsResponse response;
  grpc::ClientContext context;
  session.Prepare(&context);
  const grpc::Status status =
      session.query().ListPrincipals(&context, request, &response);
  if (!status.ok()) return session.Fail(status, context);
  if (session.json()) return session.PrintJson(response);
  Table table({{"NAME"},
               {"ROLES"},
               {"STATUS"},
               {"ISSUED AT SEQ", Align::kRight}});
  for (const auto& principal : response.principals()) {
    table.AddRow({principal.name(), RoleList(principal.roles()),
                  principal.revoked() ? "revoked 已吊销" : "active 有效",
                  absl::StrCat(principal.issued_sequence())});
  }
  session.out() << table.Render();
  session.out() << response.principals_size() << " principal(s), as of sequence "
                << response.as_of_sequence() << '\n';
  return kExitOk;
}

CLI::Validator RoleValidator() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        if (ParseRole(text)) return "";
        return absl::StrCat("unknown role '", text, "'; expected one of ",
                            RoleChoices());
      },
      "ROLE", "role");
}

}  // namespace

void AddTokenCommands(CLI::App& app, Action* selected) {
  CLI::App* token =
      app.add_subcommand("token", "Principals and their bearer tokens");
  token->require_subcommand(1);
  {
    struct State {
      std::string name;
      std::vector<std::string> roles;
      std::string request_id;
    };
    auto state = std::make_shared<State>();
    CLI::App* create = token->add_subcommand(
        "create",
        "Issue a bearer token for a new principal (LedgerService.CreateToken); "
        "the token is printed once");
    create->add_option("--name", state->name,
                       "principal name [a-z0-9._-], e.g. li.wei")
        ->required();
    create->add_option("--role", state->roles, RoleChoices() + "; repeatable")
        ->required()
        ->check(RoleValidator());
    AddRequestIdOption(*create, &state->request_id);
    create->callback([state, selected] {
      relief::v1::CreateTokenRequest request;
      request.set_name(state->name);
      for (const std::string& role : state->roles) {
        request.add_roles(*ParseRole(role));
      }
      *selected = [request, state](Session& session) {
        return RunCreate(session, request, state->request_id);
      };
    });
  }
  {
    struct State {
      relief::v1::RevokeTokenRequest request;
      std::string request_id;
    };
    auto state = std::make_shared<State>();
    CLI::App* revoke = token->add_subcommand(
        "revoke", "Revoke a principal's token (LedgerService.RevokeToken)");
    revoke->add_option("--name", *state->request.mutable_name(), "principal")
        ->required();
    revoke
        ->add_option("--reason", *state->request.mutable_reason(),
                     "why, for the record (1..500 characters)")
        ->required();
    AddRequestIdOption(*revoke, &state->request_id);
    revoke->callback([state, selected] {
      *selected = [state](Session& session) {
        return RunRevoke(session, state->request, state->request_id);
      };
    });
  }
  token
      ->add_subcommand("list",
                       "Principals, roles and whether revoked, never the "
                       "tokens (QueryService.ListPrincipals)")
      ->callback([selected] { *selected = RunList; });
}

}  // namespace reliefctl
