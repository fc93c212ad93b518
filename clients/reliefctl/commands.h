// The command groups. Each Add*Commands registers its subcommands on `app`;
// when CLI11 has parsed a leaf subcommand, its callback stores in `*selected`
// the function that runs it. cli.cc opens the Session and calls that
// function, which returns the exit code.
#ifndef RELIEF_CLIENTS_RELIEFCTL_COMMANDS_H_
#define RELIEF_CLIENTS_RELIEFCTL_COMMANDS_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/string_view.h"
#include "clients/reliefctl/names.h"
#include "clients/reliefctl/session.h"
#include "relief/v1/ledger_service.pb.h"
#include "relief/v1/query_service.pb.h"

namespace reliefctl {

using Action = std::function<int(Session&)>;

void AddOrgCommands(CLI::App& app, Action* selected);
void AddTokenCommands(CLI::App& app, Action* selected);
void AddStatusCommand(CLI::App& app, Action* selected);
void AddAuditCommands(CLI::App& app, Action* selected);
void AddFundsCommands(CLI::App& app, Action* selected);
void AddFundQueryCommands(CLI::App& app, Action* selected);
void AddDossierCommands(CLI::App& app, Action* selected);
void AddProgramCommands(CLI::App& app, Action* selected);
void AddGrantCommands(CLI::App& app, Action* selected);  // grant, aid
void AddNoticeReportCommands(CLI::App& app, Action* selected);  // notice, report
void AddBatchCommands(CLI::App& app, Action* selected);
void AddLoanCommands(CLI::App& app, Action* selected);
void AddSampleCommands(CLI::App& app, Action* selected);  // audit sample
void AddDemoCommand(CLI::App& app, Action* selected);  // demo_commands.cc
void AddBackupCommands(CLI::App& app, Action* selected);  // backup create
// events export; after AddAuditCommands, which adds "events".
void AddEventExportCommand(CLI::App& app, Action* selected);

// audit trial-balance | audit reconcile; takes the "audit" group if an
// earlier Add*Commands made it, else makes it.
void AddLedgerAuditCommands(CLI::App& app, Action* selected);

// --as-of-sequence N | --as-of TIME (China time) on a read: the answer as of
// that point of the log (ledger_audit_commands.cc). The two exclude each
// other; a malformed time is a usage error.
struct AsOfOptions {
  uint64_t sequence = 0;
  std::string time;
};
void AddAsOfOptions(CLI::App& command, AsOfOptions* options);
// The point to send; nullopt when neither option was given.
std::optional<relief::v1::LogPoint> LogPointOf(const AsOfOptions& options);
// The default deadline of a read with a point (it folds the log).
double AsOfTimeoutSeconds();

// "2024-07-15" -> 20240715 for a real date in 2000..2100; else nullopt.
std::optional<int> ParseDate(absl::string_view text);
// Checks an option holding a date as ParseDate takes it.
CLI::Validator DateCheck();

// A yearly interest rate in percent ("3.65", "0", "12.5", "3.65%") -> basis
// points (365), parsed exactly, without floating point: digits, at most two
// decimals, 0..24 % (the server's limit); else nullopt.
std::optional<uint32_t> ParseAnnualRateBp(absl::string_view text);

// --request-id on a command subcommand; validated like the server does.
CLI::Option* AddRequestIdOption(CLI::App& command, std::string* request_id);

// The request id to send: the one given, or a fresh UUIDv4.
std::string RequestIdOrNew(const std::string& given);

// An amount typed in yuan ("1500", "1,500.50"). Parsed locally with the
// domain's ParseYuan: a malformed or non-positive amount is a usage error
// (exit 2) carrying ParseYuan's message, and nothing is sent.
CLI::Option* AddYuanOption(CLI::App& command, const std::string& name,
                           std::string* text, const std::string& description);
// Fen of a text that AddYuanOption's check accepted.
int64_t FenOf(const std::string& yuan_text);

// --source federation|government|donations|own_funds.
CLI::Option* AddFundSourceOption(CLI::App& command, std::string* text);

// --min-sequence on a read: wait until the read model has reached it.
CLI::Option* AddMinSequenceOption(CLI::App& command, uint64_t* min_sequence);

// Reads every page of a list RPC. `call(context, page_token, &response)`
// makes one RPC (the context is prepared); `absorb(response)` takes a page.
// Stops at an empty next_page_token, or one equal to the last (a server
// repeating itself must not loop us forever). Returns an exit code.
template <typename Response>
int FollowPages(Session& session,
                const std::function<grpc::Status(
                    grpc::ClientContext*, const std::string&, Response*)>& call,
                const std::function<void(Response&)>& absorb) {
  // Bounded: at most 1000 items a page, far beyond any real listing.
  constexpr int kMaxPages = 100000;
  std::string page_token;
  for (int page = 0; page < kMaxPages; ++page) {
    Response response;
    grpc::ClientContext context;
    session.Prepare(&context);
    const grpc::Status status = call(&context, page_token, &response);
    if (!status.ok()) return session.Fail(status, context);
    std::string next = response.next_page_token();
    absorb(response);
    if (next.empty() || next == page_token) return kExitOk;
    page_token = std::move(next);
  }
  session.err() << "error: server kept returning page tokens; stopped\n";
  return kExitLocal;
}

// `text` with every occurrence of `secret` replaced by `replacement`; for
// keeping a national ID out of an error message a server might echo.
std::string Redact(std::string text, std::string_view secret,
                   std::string_view replacement);

// Sends one LedgerService command: sets its request id (given or fresh),
// prepares the context and calls `call(context, request, response)`. On
// failure prints the error with the request id to retry with, after
// removing `secret` (when not empty) from the server's message, and returns
// its exit code; else kExitOk and `*response` is filled.
template <typename Request, typename Response, typename Call>
int SendCommand(Session& session, Request& request,
                const std::string& given_request_id, Call call,
                Response* response, std::string_view secret = "") {
  request.set_request_id(RequestIdOrNew(given_request_id));
  grpc::ClientContext context;
  session.Prepare(&context);
  grpc::Status status = call(&context, request, response);
  if (status.ok()) return kExitOk;
  if (!secret.empty()) {
    status =
        grpc::Status(status.error_code(),
                     Redact(status.error_message(), secret, "<national ID>"),
                     status.error_details());
  }
  return session.Fail(status, context, request.request_id());
}

// Human lines for what a command did, with the request id to retry with.
// `extra` lines follow the "done" line (e.g. the new dossier's id).
void PrintCommandResult(
    Session& session, const std::string& what,
    const relief::v1::CommandResult& result, const std::string& request_id,
    const std::vector<std::pair<std::string, std::string>>& extra = {});

}  // namespace reliefctl

#endif  // RELIEF_CLIENTS_RELIEFCTL_COMMANDS_H_
