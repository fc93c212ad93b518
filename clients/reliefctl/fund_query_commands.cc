// balance | summary | statement | matching
#include <algorithm>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "clients/reliefctl/commands.h"
#include "clients/reliefctl/names.h"
#include "clients/reliefctl/views.h"

namespace reliefctl {
namespace {

// The server's largest page (query_service.proto).
constexpr uint32_t kMaxPageSize = 1000;

// A read with a point folds the log on the server: a longer default deadline.
void PrepareRead(Session& session, grpc::ClientContext* context,
                 bool as_of) {
  if (as_of) {
    session.Prepare(context, session.TimeoutOr(AsOfTimeoutSeconds()));
  } else {
    session.Prepare(context);
  }
}

int RunBalance(Session& session, const relief::v1::GetBalanceRequest& request) {
  relief::v1::GetBalanceResponse response;
  grpc::ClientContext context;
  PrepareRead(session, &context, request.has_as_of());
  const grpc::Status status =
      session.query().GetBalance(&context, request, &response);
  if (!status.ok()) return session.Fail(status, context);
  if (session.json()) return session.PrintJson(response);
  session.out() << RenderBalance(response);
  return kExitOk;
}

int RunSummary(Session& session,
               const relief::v1::GetFundSummaryRequest& request) {
  relief::v1::GetFundSummaryResponse response;
  grpc::ClientContext context;
  PrepareRead(session, &context, request.has_as_of());
  const grpc::Status status =
      session.query().GetFundSummary(&context, request, &response);
  if (!status.ok()) return session.Fail(status, context);
  if (session.json()) return session.PrintJson(response);
  session.out() << RenderFundSummary(response, request.unit_code(),
                                     request.subtree());
  return kExitOk;
}

int RunStatement(Session& session,
                 const relief::v1::ListStatementRequest& base) {
  relief::v1::ListStatementResponse merged;
  const int code = FollowPages<relief::v1::ListStatementResponse>(
      session,
      [&](grpc::ClientContext* context, const std::string& page_token,
          relief::v1::ListStatementResponse* response) {
        relief::v1::ListStatementRequest request = base;
        request.set_page_token(page_token);
        return session.query().ListStatement(context, request, response);
      },
      [&](relief::v1::ListStatementResponse& page) {
        for (auto& entry : *page.mutable_entries()) {
          *merged.add_entries() = std::move(entry);
        }
        // Pages may be read at different sequences; report the newest.
        merged.set_as_of_sequence(
            std::max(merged.as_of_sequence(), page.as_of_sequence()));
      });
  if (code != kExitOk) return code;
  if (session.json()) return session.PrintJson(merged);
  session.out() << RenderStatement(merged, base.account());
  return kExitOk;
}

int RunMatching(Session& session,
                const relief::v1::GetMatchingRequest& request) {
  relief::v1::GetMatchingResponse response;
  grpc::ClientContext context;
  session.Prepare(&context);
  const grpc::Status status =
      session.query().GetMatching(&context, request, &response);
  if (!status.ok()) return session.Fail(status, context);
  if (session.json()) return session.PrintJson(response);
  session.out() << RenderMatching(response);
  return kExitOk;
}

constexpr char kAccountHelp[] =
    "account name: UNIT/SOURCE/KIND, e.g. jining/donations/pool, "
    "jining.zoucheng/federation/goods, or external/donations";

}  // namespace

void AddFundQueryCommands(CLI::App& app, Action* selected) {
  {
    auto request = std::make_shared<relief::v1::GetBalanceRequest>();
    auto min_sequence = std::make_shared<uint64_t>(0);
    auto as_of = std::make_shared<AsOfOptions>();
    CLI::App* balance = app.add_subcommand(
        "balance",
        "Posted and pending debits and credits and the available amount of "
        "one account, in yuan, now or as of a point of the log (余额; "
        "QueryService.GetBalance)");
    balance->add_option("account", *request->mutable_account(), kAccountHelp)
        ->required();
    AddMinSequenceOption(*balance, min_sequence.get());
    AddAsOfOptions(*balance, as_of.get());
    balance->callback([request, min_sequence, as_of, selected] {
      request->set_min_sequence(*min_sequence);
      if (auto point = LogPointOf(*as_of)) *request->mutable_as_of() = *point;
      *selected = [request](Session& session) {
        return RunBalance(session, *request);
      };
    });
  }
  {
    struct State {
      std::string unit;
      bool subtree = false;
      uint64_t min_sequence = 0;
      AsOfOptions as_of;
    };
    auto state = std::make_shared<State>();
    CLI::App* summary = app.add_subcommand(
        "summary",
        "Per fund source for one unit (or its subtree, summed): received, "
        "goods, allocated in and down, granted, reserved, lent, repaid, "
        "loan interest, written off, recovered, available, in yuan (资金汇总; "
        "QueryService.GetFundSummary)");
    summary->add_option("unit", state->unit, "unit code")->required();
    summary->add_flag("--subtree", state->subtree,
                      "sum over the unit and every unit below it");
    AddMinSequenceOption(*summary, &state->min_sequence);
    AddAsOfOptions(*summary, &state->as_of);
    summary->callback([state, selected] {
      relief::v1::GetFundSummaryRequest request;
      request.set_unit_code(state->unit);
      request.set_subtree(state->subtree);
      request.set_min_sequence(state->min_sequence);
      if (auto point = LogPointOf(state->as_of)) {
        *request.mutable_as_of() = *point;
      }
      *selected = [request](Session& session) {
        return RunSummary(session, request);
      };
    });
  }
  {
    struct State {
      std::string account;
      uint32_t page_size = 100;
      uint64_t min_sequence = 0;
    };
    auto state = std::make_shared<State>();
    CLI::App* statement = app.add_subcommand(
        "statement",
        "The postings of one account with the running balance, oldest "
        "first, following every page (明细账; QueryService.ListStatement); "
        "--json prints one merged response");
    statement->add_option("account", state->account, kAccountHelp)->required();
    statement->add_option("--page-size", state->page_size, "postings per RPC")
        ->capture_default_str()
        ->check(CLI::Range(1u, kMaxPageSize));
    AddMinSequenceOption(*statement, &state->min_sequence);
    statement->callback([state, selected] {
      relief::v1::ListStatementRequest request;
      request.set_account(state->account);
      request.set_page_size(state->page_size);
      request.set_min_sequence(state->min_sequence);
      *selected = [request](Session& session) {
        return RunStatement(session, request);
      };
    });
  }
  {
    struct State {
      std::string unit;
      int year = 0;
      uint64_t min_sequence = 0;
    };
    auto state = std::make_shared<State>();
    CLI::App* matching = app.add_subcommand(
        "matching",
        "Government matching (政府配套): ratio, due, received and "
        "outstanding per unit and year, in yuan (QueryService.GetMatching)");
    matching->add_option("--unit", state->unit,
                         "only this unit (default: every unit with a rule)");
    matching->add_option("--year", state->year, "only this year")
        ->check(CLI::Range(1, 9999));
    AddMinSequenceOption(*matching, &state->min_sequence);
    matching->callback([state, selected] {
      relief::v1::GetMatchingRequest request;
      request.set_unit_code(state->unit);
      request.set_year(state->year);
      request.set_min_sequence(state->min_sequence);
      *selected = [request](Session& session) {
        return RunMatching(session, request);
      };
    });
  }
}

}  // namespace reliefctl
