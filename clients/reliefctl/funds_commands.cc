// funds receive | allocate | reverse | match-rule
#include <limits>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "clients/reliefctl/commands.h"
#include "clients/reliefctl/names.h"
#include "clients/reliefctl/views.h"
#include "ledger/domain/accounts.h"

namespace reliefctl {
namespace {

using relief::v1::LedgerService;

// Limits the server enforces (ledger_service.proto), checked here too so a
// typo is a usage error before anything is sent.
constexpr uint32_t kMaxMatchingParts = 1000;
constexpr int kMinMatchingYear = 2000;
constexpr int kMaxMatchingYear = 2100;

int RunReceive(Session& session, relief::v1::ReceiveFundsRequest request,
               const std::string& given_request_id) {
  relief::v1::ReceiveFundsResponse response;
  const int code = SendCommand(
      session, request, given_request_id,
      [&session](grpc::ClientContext* context, const auto& r, auto* out) {
        return session.ledger().ReceiveFunds(context, r, out);
      },
      &response);
  if (code != kExitOk) return code;
  if (session.json()) return session.PrintJson(response);
  const bool goods = request.has_goods();
  std::string what = absl::StrCat(
      goods ? "received goods valued at " : "received ",
      Yuan(request.amount_fen()), " yuan (",
      FundSourceDisplay(request.fund_source()), ") into ",
      goods ? relief::GoodsAccount(request.unit_code(), request.fund_source())
            : relief::PoolAccount(request.unit_code(), request.fund_source()),
      " from ", request.payer());
  if (goods) {
    absl::StrAppend(&what, "; goods: ", request.goods().description(), " x ",
                    request.goods().quantity(), " ",
                    request.goods().quantity_unit());
  }
  PrintCommandResult(session, what, response.result(), request.request_id());
  return kExitOk;
}

int RunAllocate(Session& session, relief::v1::AllocateFundsRequest request,
                const std::string& given_request_id) {
  relief::v1::AllocateFundsResponse response;
  const int code = SendCommand(
      session, request, given_request_id,
      [&session](grpc::ClientContext* context, const auto& r, auto* out) {
        return session.ledger().AllocateFunds(context, r, out);
      },
      &response);
  if (code != kExitOk) return code;
  if (session.json()) return session.PrintJson(response);
  PrintCommandResult(
      session,
      absl::StrCat(
          "allocated ", Yuan(request.amount_fen()), " yuan (",
          FundSourceDisplay(request.fund_source()), ") ",
          relief::PoolAccount(request.from_unit_code(), request.fund_source()),
          " -> ",
          relief::PoolAccount(request.to_unit_code(), request.fund_source())),
      response.result(), request.request_id());
  return kExitOk;
}

int RunReverse(Session& session, relief::v1::ReverseEventRequest request,
               const std::string& given_request_id) {
  relief::v1::ReverseEventResponse response;
  const int code = SendCommand(
      session, request, given_request_id,
      [&session](grpc::ClientContext* context, const auto& r, auto* out) {
        return session.ledger().ReverseEvent(context, r, out);
      },
      &response);
  if (code != kExitOk) return code;
  if (session.json()) return session.PrintJson(response);
  PrintCommandResult(session,
                     absl::StrCat("reversed event ", request.sequence(), ": ",
                                  request.reason()),
                     response.result(), request.request_id());
  return kExitOk;
}

int RunMatchRule(Session& session, relief::v1::SetMatchingRuleRequest request,
                 const std::string& given_request_id) {
  relief::v1::SetMatchingRuleResponse response;
  const int code = SendCommand(
      session, request, given_request_id,
      [&session](grpc::ClientContext* context, const auto& r, auto* out) {
        return session.ledger().SetMatchingRule(context, r, out);
      },
      &response);
  if (code != kExitOk) return code;
  if (session.json()) return session.PrintJson(response);
  PrintCommandResult(
      session,
      absl::StrCat("matching rule 配套比例 for ", request.unit_code(), " from ",
                   request.effective_year(), " on: government ",
                   request.government_parts(), " : federation ",
                   request.federation_parts()),
      response.result(), request.request_id());
  return kExitOk;
}

}  // namespace

void AddFundsCommands(CLI::App& app, Action* selected) {
  CLI::App* funds = app.add_subcommand(
      "funds", "Money in, down the tree and back (帮扶资金收支)");
  funds->require_subcommand(1);
  {
    struct State {
      std::string unit, source, amount, payer, document, memo;
      std::string goods_description, goods_unit;
      int64_t goods_quantity = 0;
      std::string request_id;
    };
    auto state = std::make_shared<State>();
    CLI::App* receive = funds->add_subcommand(
        "receive",
        "Record money (or goods in kind, valued) received by a unit from "
        "outside (LedgerService.ReceiveFunds)");
    receive->add_option("--unit", state->unit, "receiving unit code")
        ->required();
    AddFundSourceOption(*receive, &state->source)->required();
    AddYuanOption(*receive, "--amount", &state->amount,
                  "amount in yuan, at most two decimals, e.g. 1500 or "
                  "1,500.50; for goods their value")
        ->required();
    receive
        ->add_option("--payer", state->payer,
                     "付款单位 / 捐赠人: who paid (1..100 characters)")
        ->required();
    receive->add_option("--document", state->document,
                        "凭证号: bank slip or allocation notice number");
    receive->add_option("--memo", state->memo, "摘要 (0..500 characters)");
    auto* description = receive->add_option(
        "--goods-description", state->goods_description,
        "goods in kind (物资): what, e.g. '大米 25kg 袋装'");
    auto* quantity = receive
                         ->add_option("--goods-quantity", state->goods_quantity,
                                      "goods: how many, in --goods-unit")
                         ->check(CLI::Range(
                             int64_t{1}, std::numeric_limits<int64_t>::max()));
    auto* unit = receive->add_option("--goods-unit", state->goods_unit,
                                     "goods: counting unit, e.g. 袋, 箱, 件");
    description->needs(quantity)->needs(unit);
    quantity->needs(description)->needs(unit);
    unit->needs(description)->needs(quantity);
    AddRequestIdOption(*receive, &state->request_id);
    receive->callback([state, selected] {
      relief::v1::ReceiveFundsRequest request;
      request.set_unit_code(state->unit);
      request.set_fund_source(*ParseFundSource(state->source));
      request.set_amount_fen(FenOf(state->amount));
      request.set_payer(state->payer);
      request.set_document_number(state->document);
      request.set_memo(state->memo);
      if (!state->goods_description.empty() || state->goods_quantity != 0) {
        request.mutable_goods()->set_description(state->goods_description);
        request.mutable_goods()->set_quantity(state->goods_quantity);
        request.mutable_goods()->set_quantity_unit(state->goods_unit);
      }
      *selected = [request, state](Session& session) {
        return RunReceive(session, request, state->request_id);
      };
    });
  }
  {
    struct State {
      std::string from, to, source, amount, document, memo, request_id;
    };
    auto state = std::make_shared<State>();
    CLI::App* allocate = funds->add_subcommand(
        "allocate",
        "Pass money from a unit's pool down to a direct child's pool, same "
        "fund source (逐级下拨; LedgerService.AllocateFunds)");
    allocate->add_option("--from", state->from, "allocating unit code")
        ->required();
    allocate->add_option("--to", state->to, "a direct child of --from")
        ->required();
    AddFundSourceOption(*allocate, &state->source)->required();
    AddYuanOption(*allocate, "--amount", &state->amount,
                  "amount in yuan, at most two decimals, e.g. 300 or 1,500.50")
        ->required();
    allocate->add_option("--document", state->document,
                         "凭证号: allocation notice number");
    allocate->add_option("--memo", state->memo, "摘要 (0..500 characters)");
    AddRequestIdOption(*allocate, &state->request_id);
    allocate->callback([state, selected] {
      relief::v1::AllocateFundsRequest request;
      request.set_from_unit_code(state->from);
      request.set_to_unit_code(state->to);
      request.set_fund_source(*ParseFundSource(state->source));
      request.set_amount_fen(FenOf(state->amount));
      request.set_document_number(state->document);
      request.set_memo(state->memo);
      *selected = [request, state](Session& session) {
        return RunAllocate(session, request, state->request_id);
      };
    });
  }
  {
    struct State {
      relief::v1::ReverseEventRequest request;
      uint64_t sequence = 0;
      std::string request_id;
    };
    auto state = std::make_shared<State>();
    CLI::App* reverse = funds->add_subcommand(
        "reverse",
        "Undo an earlier money event with the opposite postings; the "
        "original stays in the log (冲销; LedgerService.ReverseEvent)");
    reverse
        ->add_option("--sequence", state->sequence,
                     "log sequence of the money event to reverse")
        ->required()
        ->check(CLI::Range(uint64_t{1}, std::numeric_limits<uint64_t>::max()));
    reverse
        ->add_option("--reason", *state->request.mutable_reason(),
                     "why, for the record (1..500 characters)")
        ->required();
    AddRequestIdOption(*reverse, &state->request_id);
    reverse->callback([state, selected] {
      state->request.set_sequence(state->sequence);
      *selected = [state](Session& session) {
        return RunReverse(session, state->request, state->request_id);
      };
    });
  }
  {
    struct State {
      std::string unit;
      uint32_t government_parts = 0, federation_parts = 0;
      int year = 0;
      std::string request_id;
    };
    auto state = std::make_shared<State>();
    CLI::App* rule = funds->add_subcommand(
        "match-rule",
        "Set a unit's government matching ratio (政府配套比例) from a year on: "
        "government G parts per federation F parts "
        "(LedgerService.SetMatchingRule)");
    rule->add_option("--unit", state->unit, "unit code")->required();
    rule->add_option("--government-parts", state->government_parts,
                     "G, 1..1000")
        ->required()
        ->check(CLI::Range(1u, kMaxMatchingParts));
    rule->add_option("--federation-parts", state->federation_parts,
                     "F, 1..1000")
        ->required()
        ->check(CLI::Range(1u, kMaxMatchingParts));
    rule->add_option("--from-year", state->year,
                     "first year the rule applies, 2000..2100")
        ->required()
        ->check(CLI::Range(kMinMatchingYear, kMaxMatchingYear));
    AddRequestIdOption(*rule, &state->request_id);
    rule->callback([state, selected] {
      relief::v1::SetMatchingRuleRequest request;
      request.set_unit_code(state->unit);
      request.set_government_parts(state->government_parts);
      request.set_federation_parts(state->federation_parts);
      request.set_effective_year(state->year);
      *selected = [request, state](Session& session) {
        return RunMatchRule(session, request, state->request_id);
      };
    });
  }
}

}  // namespace reliefctl
