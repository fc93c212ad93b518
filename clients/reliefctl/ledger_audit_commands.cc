// audit trial-balance | audit reconcile, and the --as-of options of reads.
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "clients/reliefctl/commands.h"
#include "clients/reliefctl/ledger_audit_views.h"
#include "clients/reliefctl/names.h"

namespace reliefctl {
namespace {

// A fold of the whole log takes about a second per million events; a
// reconcile rebuilds every read model. Their default deadlines (without
// --timeout) leave room for large ledgers.
constexpr double kAsOfTimeoutSeconds = 300;
constexpr double kReconcileTimeoutSeconds = 6 * 3600;

struct TrialBalanceState {
  AsOfOptions as_of;
  std::string unit;
  bool subtree = false;
};

int RunTrialBalance(Session& session, const TrialBalanceState& state) {
  relief::v1::GetTrialBalanceRequest request;
  if (auto point = LogPointOf(state.as_of)) *request.mutable_as_of() = *point;
  request.set_unit_code(state.unit);
  request.set_subtree(state.subtree);
  relief::v1::GetTrialBalanceResponse response;
  grpc::ClientContext context;
  session.Prepare(&context, session.TimeoutOr(kAsOfTimeoutSeconds));
  const grpc::Status status =
      session.audit().GetTrialBalance(&context, request, &response);
  if (!status.ok()) return session.Fail(status, context);
  // The whole ledger must balance; a part of it need not.
  const int code = state.unit.empty() && !TrialBalanceBalanced(response)
                       ? kExitAuditDifferences
                       : kExitOk;
  if (session.json()) {
    const int print_code = session.PrintJson(response);
    return print_code != kExitOk ? print_code : code;
  }
  session.out() << RenderTrialBalance(response, state.unit, state.subtree);
  return code;
}

int RunReconcile(Session& session) {
  grpc::ClientContext context;
  session.Prepare(&context, session.TimeoutOr(kReconcileTimeoutSeconds));
  std::unique_ptr<grpc::ClientReader<relief::v1::ReconcileResponse>> reader =
      session.audit().Reconcile(&context, relief::v1::ReconcileRequest());
  relief::v1::ReconcileResponse message;
  relief::v1::ReconcileResponse done;
  bool finished = false;
  while (reader->Read(&message)) {
    if (message.done()) {
      done = message;
      finished = true;
    } else {
      session.err() << ReconcileProgressLine(message);
    }
  }
  const grpc::Status status = reader->Finish();
  if (!status.ok()) return session.Fail(status, context);
  if (!finished) {
    session.err() << "error: the server ended the reconcile without a "
                     "result; run it again\n";
    return kExitRpcBase + static_cast<int>(grpc::StatusCode::UNAVAILABLE);
  }
  const int code = done.ok() ? kExitOk : kExitAuditDifferences;
  if (session.json()) {
    const int print_code = session.PrintJson(done);
    return print_code != kExitOk ? print_code : code;
  }
  session.out() << RenderReconcile(done);
  return code;
}

// The "audit" group: made here, or taken from whoever made it first.
CLI::App* AuditGroup(CLI::App& app) {
  auto found = app.get_subcommands(
      [](CLI::App* sub) { return sub->get_name() == "audit"; });
  if (!found.empty()) return found.front();
  CLI::App* audit = app.add_subcommand(
      "audit", "Audit work of the funds-audit committee (经审会)");
  audit->require_subcommand(1);
  return audit;
}

}  // namespace

void AddAsOfOptions(CLI::App& command, AsOfOptions* options) {
  CLI::Option* sequence = command.add_option(
      "--as-of-sequence", options->sequence,
      "as of this sequence of the log: the answer the live read model gave "
      "right after that event");
  sequence->check(CLI::Range(uint64_t{1}, UINT64_MAX));
  CLI::Option* time =
      command
          .add_option(
              "--as-of", options->time,
              "as of this time, China time (UTC+8): 2026-11-24T18:00 (that "
              "instant) or 2026-11-24 (the end of that day); the last event "
              "recorded by then")
          ->check(CLI::Validator(
              [](std::string& text) -> std::string {
                if (ParseChinaTime(text)) return "";
                return "write a China time as 2026-11-24T18:00, "
                       "2026-11-24T18:00:30 or 2026-11-24 (the end of that "
                       "day), years 2000..2100";
              },
              "TIME", "China time"));
  sequence->excludes(time);
  time->excludes(sequence);
}

std::optional<relief::v1::LogPoint> LogPointOf(const AsOfOptions& options) {
  relief::v1::LogPoint point;
  if (options.sequence != 0) {
    point.set_sequence(options.sequence);
    return point;
  }
  if (!options.time.empty()) {
    std::optional<int64_t> micros = ParseChinaTime(options.time);
    if (!micros) return std::nullopt;  // the option's check refused it
    point.set_unix_micros(*micros);
    return point;
  }
  return std::nullopt;
}

double AsOfTimeoutSeconds() { return kAsOfTimeoutSeconds; }

void AddLedgerAuditCommands(CLI::App& app, Action* selected) {
  CLI::App* audit = AuditGroup(app);
  {
    auto state = std::make_shared<TrialBalanceState>();
    CLI::App* tb = audit->add_subcommand(
        "trial-balance",
        "The trial balance (试算平衡表): per account posted and pending debits "
        "and credits, per fund source whether debits equal credits, as of "
        "now or a point of the log, in yuan (AuditService.GetTrialBalance; "
        "admin or auditor). Exit code 1 if the whole ledger does not "
        "balance");
    AddAsOfOptions(*tb, &state->as_of);
    CLI::Option* unit = tb->add_option(
        "--unit", state->unit,
        "only this unit's accounts (external accounts are then left out)");
    tb->add_flag("--subtree", state->subtree,
                 "with --unit: also every unit below it")
        ->needs(unit);
    tb->callback([state, selected] {
      *selected = [state](Session& session) {
        return RunTrialBalance(session, *state);
      };
    });
  }
  audit
      ->add_subcommand(
          "reconcile",
          "Reconcile (对账): rebuild every read model from the log into "
          "scratch space on the server and compare it key by key with the "
          "live one; progress on stderr, then the differences "
          "(AuditService.Reconcile; admin or auditor). Exit code 1 if any "
          "difference is found")
      ->callback([selected] { *selected = RunReconcile; });
}

}  // namespace reliefctl
