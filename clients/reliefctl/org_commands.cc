// org add | deactivate | list | show
#include <algorithm>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "clients/reliefctl/commands.h"
#include "clients/reliefctl/names.h"
#include "clients/reliefctl/table.h"
#include "relief/v1/query_service.pb.h"

namespace reliefctl {
namespace {

using relief::v1::OrgUnit;

// Unit list pages: 1000 is the server's maximum page size.
constexpr uint32_t kMaxPageSize = 1000;

std::string ActiveDisplay(const OrgUnit& unit) {
  return unit.active() ? "active 在册" : "inactive 已撤销";
}

int RunAdd(Session& session, const relief::v1::RegisterOrgUnitRequest& base,
           const std::string& given_request_id) {
  relief::v1::RegisterOrgUnitRequest request = base;
  request.set_request_id(RequestIdOrNew(given_request_id));
  relief::v1::RegisterOrgUnitResponse response;
  grpc::ClientContext context;
  session.Prepare(&context);
  const grpc::Status status =
      session.ledger().RegisterOrgUnit(&context, request, &response);
  if (!status.ok()) return session.Fail(status, context, request.request_id());
  if (session.json()) return session.PrintJson(response);
  PrintCommandResult(
      session,
      absl::StrCat("registered ", request.code(), " ", request.name_zh(), " (",
                   OrgLevelDisplay(request.level()), ")"),
      response.result(), request.request_id());
  return kExitOk;
}

int RunDeactivate(Session& session,
                  const relief::v1::DeactivateOrgUnitRequest& base,
                  const std::string& given_request_id) {
  relief::v1::DeactivateOrgUnitRequest request = base;
  request.set_request_id(RequestIdOrNew(given_request_id));
  relief::v1::DeactivateOrgUnitResponse response;
  grpc::ClientContext context;
  session.Prepare(&context);
  const grpc::Status status =
      session.ledger().DeactivateOrgUnit(&context, request, &response);
  if (!status.ok()) return session.Fail(status, context, request.request_id());
  if (session.json()) return session.PrintJson(response);
  PrintCommandResult(session, absl::StrCat("deactivated ", request.code()),
                     response.result(), request.request_id());
  return kExitOk;
}

int RunList(Session& session, const std::string& under, bool all,
            uint32_t page_size) {
  relief::v1::ListOrgUnitsResponse merged;
  std::string page_token;
  // Bounded: a server that kept returning the same token must not loop us
  // forever.
  for (int page = 0;; ++page) {
    if (page >= 100000) {
      session.err() << "error: server kept returning page tokens; stopped\n";
      return kExitLocal;
    }
    relief::v1::ListOrgUnitsRequest request;
    request.set_under_code(under);
    request.set_include_inactive(all);
    request.set_page_size(page_size);
    request.set_page_token(page_token);
    relief::v1::ListOrgUnitsResponse response;
    grpc::ClientContext context;
    session.Prepare(&context);
    const grpc::Status status =
        session.query().ListOrgUnits(&context, request, &response);
    if (!status.ok()) return session.Fail(status, context);
    for (OrgUnit& unit : *response.mutable_units()) {
      *merged.add_units() = std::move(unit);
    }
    // Pages may be read at different sequences; report the newest.
    merged.set_as_of_sequence(
        std::max(merged.as_of_sequence(), response.as_of_sequence()));
    if (response.next_page_token().empty() ||
        response.next_page_token() == page_token) {
      break;
    }
    page_token = response.next_page_token();
  }
  if (session.json()) return session.PrintJson(merged);

  Table table({{"CODE"},
               {"中文名称 NAME_ZH"},
               {"NAME_EN"},
               {"LEVEL"},
               {"PARENT"},
               {"STATUS"}});
  for (const OrgUnit& unit : merged.units()) {
    table.AddRow({unit.code(), unit.name_zh(), unit.name_en(),
                  OrgLevelDisplay(unit.level()),
                  unit.parent_code().empty() ? "-" : unit.parent_code(),
                  ActiveDisplay(unit)});
  }
  session.out() << table.Render();
  session.out() << merged.units_size() << " unit(s), as of sequence "
                << merged.as_of_sequence() << '\n';
  return kExitOk;
}

int RunShow(Session& session, const std::string& code) {
  relief::v1::GetOrgUnitRequest request;
  request.set_code(code);
  relief::v1::GetOrgUnitResponse response;
  grpc::ClientContext context;
  session.Prepare(&context);
  const grpc::Status status =
      session.query().GetOrgUnit(&context, request, &response);
  if (!status.ok()) return session.Fail(status, context);
  if (session.json()) return session.PrintJson(response);
  const OrgUnit& unit = response.unit();
  KeyValues lines;
  lines.Add("code", unit.code());
  lines.Add("中文名称", unit.name_zh());
  lines.Add("name_en", unit.name_en());
  lines.Add("level", OrgLevelDisplay(unit.level()));
  lines.Add("parent", unit.parent_code().empty() ? "-" : unit.parent_code());
  lines.Add("status", ActiveDisplay(unit));
  lines.Add("registered at", absl::StrCat("sequence ", unit.registered_sequence()));
  if (!unit.active()) {
    lines.Add("deactivated at",
              absl::StrCat("sequence ", unit.deactivated_sequence()));
    lines.Add("reason", unit.deactivation_reason());
  }
  lines.Add("as of", absl::StrCat("sequence ", response.as_of_sequence()));
  session.out() << lines.Render();
  return kExitOk;
}

}  // namespace

void AddOrgCommands(CLI::App& app, Action* selected) {
  CLI::App* org = app.add_subcommand("org", "Organisation units (工会组织)");
  org->require_subcommand(1);

  {
    struct State {
      std::string code, name_zh, name_en, level, parent, request_id;
    };
    auto state = std::make_shared<State>();
    CLI::App* add = org->add_subcommand(
        "add", "Register an organisation unit (LedgerService.RegisterOrgUnit)");
    add->add_option("--code", state->code,
                    "dotted code, parent code + '.' + segment, e.g. "
                    "jining.zoucheng")
        ->required();
    add->add_option("--name-zh", state->name_zh, "中文名称, e.g. 邹城市总工会")
        ->required();
    add->add_option("--name-en", state->name_en, "English name");
    add->add_option("--level", state->level, OrgLevelChoices())
        ->required()
        ->check(CLI::Validator(
            [](std::string& text) -> std::string {
              if (ParseOrgLevel(text)) return "";
              return absl::StrCat("unknown level '", text, "'; expected one of ",
                                  OrgLevelChoices());
            },
            "LEVEL", "org level"));
    add->add_option("--parent", state->parent,
                    "parent unit code (empty only for a national or "
                    "province root)");
    AddRequestIdOption(*add, &state->request_id);
    add->callback([state, selected] {
      relief::v1::RegisterOrgUnitRequest request;
      request.set_code(state->code);
      request.set_name_zh(state->name_zh);
      request.set_name_en(state->name_en);
      request.set_level(*ParseOrgLevel(state->level));
      request.set_parent_code(state->parent);
      *selected = [request, state](Session& session) {
        return RunAdd(session, request, state->request_id);
      };
    });
  }
  {
    struct State {
      relief::v1::DeactivateOrgUnitRequest request;
      std::string request_id;
    };
    auto state = std::make_shared<State>();
    CLI::App* deactivate = org->add_subcommand(
        "deactivate",
        "Deactivate a unit without active children "
        "(LedgerService.DeactivateOrgUnit)");
    deactivate
        ->add_option("--code", *state->request.mutable_code(), "unit code")
        ->required();
    deactivate
        ->add_option("--reason", *state->request.mutable_reason(),
                     "why, for the record (1..500 characters)")
        ->required();
    AddRequestIdOption(*deactivate, &state->request_id);
    deactivate->callback([state, selected] {
      *selected = [state](Session& session) {
        return RunDeactivate(session, state->request, state->request_id);
      };
    });
  }
  {
    struct State {
      std::string under;
      bool all = false;
      uint32_t page_size = 100;
    };
    auto state = std::make_shared<State>();
    CLI::App* list = org->add_subcommand(
        "list",
        "List units in code order, following every page "
        "(QueryService.ListOrgUnits); --json prints one merged response");
    list->add_option("--under", state->under,
                     "only this unit and its subtree");
    list->add_flag("--all", state->all, "include inactive units");
    list->add_option("--page-size", state->page_size, "units per RPC")
        ->capture_default_str()
        ->check(CLI::Range(1u, kMaxPageSize));
    list->callback([state, selected] {
      *selected = [state](Session& session) {
        return RunList(session, state->under, state->all, state->page_size);
      };
    });
  }
  {
    auto code = std::make_shared<std::string>();
    CLI::App* show = org->add_subcommand(
        "show", "Show one unit (QueryService.GetOrgUnit)");
    show->add_option("code", *code, "unit code")->required();
    show->callback([code, selected] {
      *selected = [code](Session& session) { return RunShow(session, *code); };
    });
  }
}

}  // namespace reliefctl
