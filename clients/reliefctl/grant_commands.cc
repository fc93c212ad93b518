// grant propose | post | void | show | history, and aid record
//
// A grant is proposed (拟资助: the amount is reserved and the public notice
// 公示 starts), then posted (发放) by another finance officer once the notice
// is over, or voided (作废); the writer voids a proposal not posted in time
// (已过期). Times are shown in China time (UTC+8), the calendar the server
// decides in.
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "clients/reliefctl/commands.h"
#include "clients/reliefctl/grant_views.h"
#include "clients/reliefctl/names.h"
#include "clients/reliefctl/views.h"
#include "ledger/domain/grants.h"

namespace reliefctl {
namespace {

// Limits the server enforces (limits.h), checked here so a typo is a usage
// error: goods counted per grant, and a year the ledger knows.
constexpr int64_t kMaxGoodsQuantity = 1'000'000'000;

CLI::Validator ProgramCodeCheck() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        const absl::Status valid = relief::ValidateProgramCode(value);
        return valid.ok() ? "" : std::string(valid.message());
      },
      "PROGRAM", "program code");
}

template <typename Request, typename Response, typename Call>
int RunChange(Session& session, Request request,
              const std::string& given_request_id, Call call,
              const std::string& what) {
  Response response;
  const int code =
      SendCommand(session, request, given_request_id, call, &response);
  if (code != kExitOk) return code;
  if (session.json()) return session.PrintJson(response);
  PrintCommandResult(session, what, response.result(), request.request_id());
  return kExitOk;
}

int RunPropose(Session& session, relief::v1::ProposeGrantRequest request,
               const std::string& given_request_id) {
  relief::v1::ProposeGrantResponse response;
  const int code = SendCommand(
      session, request, given_request_id,
      [&session](grpc::ClientContext* context, const auto& r, auto* out) {
        return session.ledger().ProposeGrant(context, r, out);
      },
      &response);
  if (code != kExitOk) return code;
  if (session.json()) return session.PrintJson(response);
  // The notice end is in the grant's read model. Best effort: the proposal
  // is made either way.
  int64_t notice_ends = 0;
  {
    relief::v1::GetGrantRequest get;
    get.set_grant_id(response.grant_id());
    get.set_min_sequence(response.result().first_sequence());
    relief::v1::GetGrantResponse grant;
    grpc::ClientContext context;
    session.Prepare(&context);
    if (session.query().GetGrant(&context, get, &grant).ok()) {
      notice_ends = grant.grant().notice_ends_unix_micros();
    }
  }
  PrintCommandResult(
      session,
      absl::StrCat(
          "proposed 拟资助 ", Yuan(request.amount_fen()), " yuan of ",
          ProgramDisplay(request.program()), " for dossier ",
          request.dossier_id(), ", paid by ", request.unit_code(), " from ",
          FundSourceDisplay(request.fund_source()),
          request.goods_quantity() > 0
              ? absl::StrCat(" in goods (", request.goods_quantity(), ")")
              : ""),
      response.result(), request.request_id(),
      {{"grant id", response.grant_id()},
       {"notice ends 公示截止",
        notice_ends == 0
            ? "unknown; see reliefctl grant show"
            : absl::StrCat(FormatChinaTime(notice_ends),
                           " (UTC+8); another finance officer posts it "
                           "after")}});
  return kExitOk;
}

int RunShow(Session& session, const relief::v1::GetGrantRequest& request) {
  relief::v1::GetGrantResponse response;
  grpc::ClientContext context;
  session.Prepare(&context);
  const grpc::Status status =
      session.query().GetGrant(&context, request, &response);
  if (!status.ok()) return session.Fail(status, context);
  if (session.json()) return session.PrintJson(response);
  session.out() << RenderGrant(response);
  return kExitOk;
}

int RunHistory(Session& session,
               const relief::v1::GetAidHistoryRequest& request) {
  relief::v1::GetAidHistoryResponse response;
  grpc::ClientContext context;
  session.Prepare(&context);
  const grpc::Status status =
      session.query().GetAidHistory(&context, request, &response);
  if (!status.ok()) return session.Fail(status, context);
  if (session.json()) return session.PrintJson(response);
  session.out() << RenderAidHistory(response);
  return kExitOk;
}

}  // namespace

void AddGrantCommands(CLI::App& app, Action* selected) {
  CLI::App* grant = app.add_subcommand(
      "grant",
      "Grants (资助): propose 拟资助 -> public notice 公示 -> post 发放 by "
      "another officer, or void 作废");
  grant->require_subcommand(1);
  {
    struct State {
      std::string dossier, program, unit, source, amount, memo, request_id;
      int64_t goods_quantity = 0;
    };
    auto state = std::make_shared<State>();
    CLI::App* propose = grant->add_subcommand(
        "propose",
        "Propose a grant: checks the policy, the yearly limit across all "
        "units and external aid, and reserves the amount in the paying "
        "unit's pool; prints the grant id and when its public notice ends "
        "(LedgerService.ProposeGrant, then QueryService.GetGrant for the "
        "notice end; --json prints the ProposeGrant reply)");
    propose->add_option("--dossier", state->dossier, "dossier id, e.g. d17")
        ->required();
    propose
        ->add_option("--program", state->program,
                     "program code, e.g. education 金秋助学")
        ->required()
        ->check(ProgramCodeCheck());
    propose->add_option("--unit", state->unit, "paying unit code")->required();
    AddFundSourceOption(*propose, &state->source)->required();
    AddYuanOption(*propose, "--amount", &state->amount, "amount in yuan")
        ->required();
    propose
        ->add_option("--goods-quantity", state->goods_quantity,
                     "paid in goods (实物): how many, valued at --amount")
        ->check(CLI::Range(int64_t{1}, kMaxGoodsQuantity));
    propose->add_option("--memo", state->memo, "备注 (0..500 characters)");
    AddRequestIdOption(*propose, &state->request_id);
    propose->callback([state, selected] {
      relief::v1::ProposeGrantRequest request;
      request.set_dossier_id(state->dossier);
      request.set_program(state->program);
      request.set_unit_code(state->unit);
      request.set_fund_source(*ParseFundSource(state->source));
      request.set_amount_fen(FenOf(state->amount));
      request.set_goods_quantity(state->goods_quantity);
      request.set_memo(state->memo);
      *selected = [request, state](Session& session) {
        return RunPropose(session, request, state->request_id);
      };
    });
  }
  {
    struct State {
      std::string id, amount, request_id;
    };
    auto state = std::make_shared<State>();
    CLI::App* post = grant->add_subcommand(
        "post",
        "Pay a proposed grant (发放) once its public notice is over; not by "
        "the officer who proposed it (LedgerService.PostGrant)");
    post->add_option("--id", state->id, "grant id, e.g. g42")->required();
    AddYuanOption(*post, "--amount", &state->amount,
                  "confirm the amount paid, yuan; must equal the grant's");
    AddRequestIdOption(*post, &state->request_id);
    post->callback([state, selected] {
      relief::v1::PostGrantRequest request;
      request.set_grant_id(state->id);
      if (!state->amount.empty()) request.set_amount_fen(FenOf(state->amount));
      *selected = [request, state](Session& session) {
        return RunChange<relief::v1::PostGrantRequest,
                         relief::v1::PostGrantResponse>(
            session, request, state->request_id,
            [&session](grpc::ClientContext* context, const auto& r, auto* out) {
              return session.ledger().PostGrant(context, r, out);
            },
            absl::StrCat(
                "posted 已发放 grant ", request.grant_id(),
                request.amount_fen() > 0
                    ? absl::StrCat(", ", Yuan(request.amount_fen()), " yuan")
                    : ""));
      };
    });
  }
  {
    struct State {
      std::string id, reason, request_id;
    };
    auto state = std::make_shared<State>();
    CLI::App* void_command = grant->add_subcommand(
        "void",
        "Void a proposed grant (作废), e.g. on an objection during the "
        "notice; the reservation is released (LedgerService.VoidGrant)");
    void_command->add_option("--id", state->id, "grant id, e.g. g42")
        ->required();
    void_command
        ->add_option("--reason", state->reason,
                     "why, for the record (1..500 characters)")
        ->required();
    AddRequestIdOption(*void_command, &state->request_id);
    void_command->callback([state, selected] {
      relief::v1::VoidGrantRequest request;
      request.set_grant_id(state->id);
      request.set_reason(state->reason);
      *selected = [request, state](Session& session) {
        return RunChange<relief::v1::VoidGrantRequest,
                         relief::v1::VoidGrantResponse>(
            session, request, state->request_id,
            [&session](grpc::ClientContext* context, const auto& r, auto* out) {
              return session.ledger().VoidGrant(context, r, out);
            },
            absl::StrCat("voided 已作废 grant ", request.grant_id(), ": ",
                         request.reason()));
      };
    });
  }
  {
    struct State {
      std::string id;
      uint64_t min_sequence = 0;
    };
    auto state = std::make_shared<State>();
    CLI::App* show = grant->add_subcommand(
        "show", "One grant with its status and dates (QueryService.GetGrant)");
    show->add_option("--id", state->id, "grant id, e.g. g42")->required();
    AddMinSequenceOption(*show, &state->min_sequence);
    show->callback([state, selected] {
      relief::v1::GetGrantRequest request;
      request.set_grant_id(state->id);
      request.set_min_sequence(state->min_sequence);
      *selected = [request](Session& session) {
        return RunShow(session, request);
      };
    });
  }
  {
    struct State {
      std::string dossier;
      uint64_t min_sequence = 0;
    };
    auto state = std::make_shared<State>();
    CLI::App* history = grant->add_subcommand(
        "history",
        "A beneficiary's aid across all units, oldest first: grants with "
        "their status (待发放/已发放/已作废/已过期) and aid recorded from "
        "other bodies (QueryService.GetAidHistory)");
    history->add_option("--dossier", state->dossier, "dossier id, e.g. d17")
        ->required();
    AddMinSequenceOption(*history, &state->min_sequence);
    history->callback([state, selected] {
      relief::v1::GetAidHistoryRequest request;
      request.set_dossier_id(state->dossier);
      request.set_min_sequence(state->min_sequence);
      *selected = [request](Session& session) {
        return RunHistory(session, request);
      };
    });
  }

  CLI::App* aid = app.add_subcommand(
      "aid", "Aid from other bodies (外部救助), counted toward yearly limits");
  aid->require_subcommand(1);
  {
    struct State {
      std::string dossier, program, provider, amount, memo, request_id;
      int year = 0;
    };
    auto state = std::make_shared<State>();
    CLI::App* record = aid->add_subcommand(
        "record",
        "Record aid a beneficiary received from another body (civil affairs, "
        "a charity); it counts toward the program's yearly limit "
        "(不重复救助) (LedgerService.RecordExternalAid)");
    record->add_option("--dossier", state->dossier, "dossier id, e.g. d17")
        ->required();
    record
        ->add_option("--program", state->program,
                     "the program it counts toward, e.g. education")
        ->required()
        ->check(ProgramCodeCheck());
    record
        ->add_option("--year", state->year, "the year it counts in, 2000..2100")
        ->required()
        ->check(CLI::Range(2000, 2100));
    record
        ->add_option("--provider", state->provider,
                     "who gave it (提供方), 1..100 characters")
        ->required();
    AddYuanOption(*record, "--amount", &state->amount, "amount in yuan")
        ->required();
    record->add_option("--memo", state->memo, "备注 (0..500 characters)");
    AddRequestIdOption(*record, &state->request_id);
    record->callback([state, selected] {
      relief::v1::RecordExternalAidRequest request;
      request.set_dossier_id(state->dossier);
      request.set_program(state->program);
      request.set_year(state->year);
      request.set_provider(state->provider);
      request.set_amount_fen(FenOf(state->amount));
      request.set_memo(state->memo);
      *selected = [request, state](Session& session) {
        return RunChange<relief::v1::RecordExternalAidRequest,
                         relief::v1::RecordExternalAidResponse>(
            session, request, state->request_id,
            [&session](grpc::ClientContext* context, const auto& r, auto* out) {
              return session.ledger().RecordExternalAid(context, r, out);
            },
            absl::StrCat(
                "recorded external aid 外部救助 of ",
                Yuan(request.amount_fen()), " yuan from ", request.provider(),
                " for dossier ", request.dossier_id(), ", ",
                ProgramDisplay(request.program()), " ", request.year()));
      };
    });
  }
}

}  // namespace reliefctl
