// The command groups. Each Add*Commands registers its subcommands on `app`;
// when CLI11 has parsed a leaf subcommand, its callback stores in `*selected`
// the function that runs it. cli.cc opens the Session and calls that
// function, which returns the exit code.
#ifndef RELIEF_CLIENTS_RELIEFCTL_COMMANDS_H_
#define RELIEF_CLIENTS_RELIEFCTL_COMMANDS_H_

#include <functional>
#include <string>

#include "CLI/CLI.hpp"
#include "clients/reliefctl/session.h"
#include "relief/v1/ledger_service.pb.h"

namespace reliefctl {

using Action = std::function<int(Session&)>;

void AddOrgCommands(CLI::App& app, Action* selected);
void AddTokenCommands(CLI::App& app, Action* selected);
void AddStatusCommand(CLI::App& app, Action* selected);
void AddAuditCommands(CLI::App& app, Action* selected);

// --request-id on a command subcommand; validated like the server does.
CLI::Option* AddRequestIdOption(CLI::App& command, std::string* request_id);

// The request id to send: the one given, or a fresh UUIDv4.
std::string RequestIdOrNew(const std::string& given);

// Human lines for what a command did, with the request id to retry with.
void PrintCommandResult(Session& session, const std::string& what,
                        const relief::v1::CommandResult& result,
                        const std::string& request_id);

}  // namespace reliefctl

#endif  // RELIEF_CLIENTS_RELIEFCTL_COMMANDS_H_
