#include "clients/reliefctl/cli.h"

#include <cstdlib>
#include <memory>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "clients/reliefctl/commands.h"
#include "clients/reliefctl/names.h"
#include "clients/reliefctl/options.h"
#include "clients/reliefctl/session.h"
#include "clients/reliefctl/table.h"
#include "ledger/domain/money.h"

namespace reliefctl {
namespace {

constexpr char kFooter[] = R"(Global options may come before or after the subcommand.

Exit codes:
  0        success
  1        verify: the event chain is broken; audit reconcile: the read
           models differ from a rebuild; audit trial-balance: the ledger
           does not balance
  2        usage error (bad command line)
  3        local error (no token found, unreadable file)
  10+code  the RPC failed with that gRPC status code, e.g.
           13 INVALID_ARGUMENT, 14 DEADLINE_EXCEEDED, 15 NOT_FOUND,
           16 ALREADY_EXISTS, 17 PERMISSION_DENIED, 18 RESOURCE_EXHAUSTED,
           19 FAILED_PRECONDITION, 23 INTERNAL, 24 UNAVAILABLE,
           25 DATA_LOSS, 26 UNAUTHENTICATED
On an RPC error, stderr shows the server's message and, on a second line,
the gRPC code and the reason (ErrorReason name); with --json also one JSON
line {"code":...,"reason":...,"message":...}.

Environment: RELIEF_SERVER (default for --server), RELIEF_TOKEN (the token
when neither --token nor --token-file is given).)";

}  // namespace

int RunReliefctl(int argc, const char* const* argv, std::ostream& out,
                 std::ostream& err) {
  GlobalOptions options;
  CLI::App app{
      "reliefctl: command-line client of reliefd, the relief-fund ledger "
      "(困难职工帮扶资金)",
      "reliefctl"};
  app.fallthrough();  // inherited: global options also after subcommands
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Help for every subcommand");

  app.add_option("--server", options.server, "reliefd address HOST:PORT")
      ->envname("RELIEF_SERVER")
      ->capture_default_str();
  app.add_option("--token", options.token,
                 "bearer token; else --token-file, else $RELIEF_TOKEN, else "
                 "the default token file");
  app.add_option("--token-file", options.token_file,
                 absl::StrCat("file holding the bearer token (default ",
                              kDefaultTokenFile,
                              ", the admin token reliefd writes on first "
                              "start)"));
  if (const char* env_token = std::getenv("RELIEF_TOKEN")) {
    options.env_token = env_token;
  }
  app.add_flag("--json", options.json,
               "machine output: one protobuf JSON object per line "
               "(proto field names)");
  app.add_option("--tls-ca", options.tls_ca,
                 "PEM root CA: use TLS and trust this CA");
  auto* cert = app.add_option("--tls-cert", options.tls_cert,
                              "PEM client certificate (with --tls-key)");
  auto* key = app.add_option("--tls-key", options.tls_key,
                             "PEM client private key (with --tls-cert)");
  cert->needs(key);
  key->needs(cert);
  app.add_option("--tls-server-name", options.tls_server_name,
                 "expected server name in its certificate (TLS only)");
  CLI::Option* timeout =
      app.add_option("--timeout", options.timeout_seconds,
                     "deadline of each RPC, in seconds (batch disburse: "
                     "300 unless given)")
          ->capture_default_str()
          ->check(CLI::Range(0.001, 3600.0));

  // Subcommands inherit the footer set when they are created.
  app.footer(
      "Global options (--server, --token, --token-file, --json, --timeout, "
      "--tls-*) also work here; exit codes: see reliefctl --help.");
  Action selected;
  AddOrgCommands(app, &selected);
  AddStatusCommand(app, &selected);
  AddAuditCommands(app, &selected);
  AddTokenCommands(app, &selected);
  AddFundsCommands(app, &selected);
  AddFundQueryCommands(app, &selected);
  AddDossierCommands(app, &selected);
  AddProgramCommands(app, &selected);
  AddGrantCommands(app, &selected);
  AddNoticeReportCommands(app, &selected);
  AddBatchCommands(app, &selected);
  AddLoanCommands(app, &selected);
  AddSampleCommands(app, &selected);
  AddLedgerAuditCommands(app, &selected);  // after sample: shares "audit"
  AddEventExportCommand(app, &selected);
  AddDemoCommand(app, &selected);
  AddBackupCommands(app, &selected);
  app.footer(kFooter);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e, out, err);
    return code == 0 ? kExitOk : kExitUsage;
  }
  options.timeout_given = timeout->count() > 0;
  if (!selected) {  // a group without its subcommand; CLI11 catches this
    err << app.help();
    return kExitUsage;
  }

  absl::StatusOr<std::unique_ptr<Session>> session =
      Session::Open(options, out, err);
  if (!session.ok()) {
    err << "error: " << session.status().message() << '\n';
    return kExitLocal;
  }
  const int code = selected(**session);
  out.flush();
  err.flush();
  return code;
}

// --- helpers shared by the command files ---

CLI::Option* AddRequestIdOption(CLI::App& command, std::string* request_id) {
  return command
      .add_option("--request-id", *request_id,
                  "idempotency key, 1..64 printable ASCII without spaces "
                  "(default: a fresh "
                  "UUIDv4); resend with the same id to retry safely")
      ->check(CLI::Validator(
          [](std::string& id) { return CheckRequestId(id); }, "ID",
          "request id"));
}

std::string RequestIdOrNew(const std::string& given) {
  return given.empty() ? NewRequestId() : given;
}

CLI::Option* AddYuanOption(CLI::App& command, const std::string& name,
                           std::string* text, const std::string& description) {
  return command.add_option(name, *text, description)
      ->check(CLI::Validator(
          [](std::string& value) -> std::string {
            absl::StatusOr<int64_t> fen = relief::ParseYuan(value);
            if (!fen.ok()) return std::string(fen.status().message());
            if (*fen == 0) return "the amount must be more than 0.00 yuan";
            return "";
          },
          "YUAN", "amount in yuan"));
}

int64_t FenOf(const std::string& yuan_text) {
  return *relief::ParseYuan(yuan_text);
}

CLI::Option* AddFundSourceOption(CLI::App& command, std::string* text) {
  return command.add_option("--source", *text, FundSourceChoices())
      ->check(CLI::Validator(
          [](std::string& value) -> std::string {
            if (ParseFundSource(value)) return "";
            return absl::StrCat("unknown fund source '", value,
                                "'; expected one of ", FundSourceChoices());
          },
          "SOURCE", "fund source"));
}

CLI::Option* AddMinSequenceOption(CLI::App& command, uint64_t* min_sequence) {
  return command.add_option(
      "--min-sequence", *min_sequence,
      "read your own writes: wait until the read model reflects this log "
      "sequence (e.g. the sequence a command printed); bounded by --timeout");
}

std::string Redact(std::string text, std::string_view secret,
                   std::string_view replacement) {
  if (secret.empty()) return text;
  for (size_t at = text.find(secret); at != std::string::npos;
       at = text.find(secret, at + replacement.size())) {
    text.replace(at, secret.size(), replacement);
  }
  return text;
}

void PrintCommandResult(
    Session& session, const std::string& what,
    const relief::v1::CommandResult& result, const std::string& request_id,
    const std::vector<std::pair<std::string, std::string>>& extra) {
  KeyValues lines;
  lines.Add("done", what);
  for (const auto& [key, value] : extra) lines.Add(key, value);
  lines.Add("sequence",
            result.event_count() == 1
                ? absl::StrCat(result.first_sequence())
                : absl::StrCat(result.first_sequence(), " (",
                               result.event_count(), " events)"));
  lines.Add("recorded at", FormatUnixMicrosUtc(result.recorded_at_unix_micros()));
  lines.Add("request id", request_id);
  if (result.replayed()) {
    lines.Add("replayed",
              "yes: this request id was applied before; this is the original "
              "result and nothing new was written");
  }
  session.out() << lines.Render();
}

}  // namespace reliefctl
