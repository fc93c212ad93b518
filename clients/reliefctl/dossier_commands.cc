// dossier add | update | exit | reactivate | show | list
//
// The national ID (身份证号) is typed only for `add` and `show`. It is checked
// here with the domain's GB 11643 rules before anything is sent, sent in its
// canonical form, and never printed: not in output, not in errors (a server
// message that echoed it would have it replaced), not in --json (no response
// carries it; dossiers carry only the masked form).
#include <algorithm>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "clients/reliefctl/commands.h"
#include "clients/reliefctl/names.h"
#include "clients/reliefctl/views.h"
#include "ledger/domain/dossiers.h"

namespace reliefctl {
namespace {

// Limits the server enforces (ledger_service.proto), checked here so a typo
// is a usage error.
constexpr uint32_t kMaxHouseholdSize = 20;
// The server's largest page (query_service.proto).
constexpr uint32_t kMaxPageSize = 1000;

CLI::Validator NationalIdCheck() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        const absl::Status valid = relief::ValidateNationalId(value);
        // The domain's message never contains the ID itself.
        return valid.ok() ? "" : std::string(valid.message());
      },
      "ID", "national ID");
}

CLI::Validator CategoryCheck() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        if (ParseHardshipCategory(value)) return "";
        return absl::StrCat("unknown category '", value, "'; expected one of ",
                            HardshipCategoryChoices());
      },
      "CATEGORY", "hardship category");
}

// Name, category, household and contact: shared by add and update.
struct Details {
  std::string name, category, contact;
  uint32_t household = 0;
};

void AddDetailOptions(CLI::App& command, Details* details) {
  command
      .add_option("--name", details->name, "姓名: real name (1..50 characters)")
      ->required();
  command
      .add_option("--category", details->category,
                  absl::StrCat("困难类别: ", HardshipCategoryChoices()))
      ->required()
      ->check(CategoryCheck());
  command
      .add_option("--household", details->household,
                  "家庭人口: household size, 1..20")
      ->required()
      ->check(CLI::Range(1u, kMaxHouseholdSize));
  command.add_option("--contact", details->contact,
                     "联系方式: phone or address (0..100 characters)");
}

int RunAdd(Session& session, relief::v1::RegisterDossierRequest request,
           const std::string& given_request_id) {
  relief::v1::RegisterDossierResponse response;
  const std::string national_id = request.national_id();
  const int code = SendCommand(
      session, request, given_request_id,
      [&session](grpc::ClientContext* context, const auto& r, auto* out) {
        return session.ledger().RegisterDossier(context, r, out);
      },
      &response, national_id);
  if (code != kExitOk) return code;
  if (session.json()) return session.PrintJson(response);
  PrintCommandResult(
      session,
      absl::StrCat("registered the dossier 建档 of ", request.name(), " (",
                   HardshipCategoryDisplay(request.category()), ") in ",
                   request.unit_code()),
      response.result(), request.request_id(),
      {{"dossier id", response.dossier_id()}});
  return kExitOk;
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

int RunShow(Session& session, const relief::v1::GetDossierRequest& request) {
  relief::v1::GetDossierResponse response;
  grpc::ClientContext context;
  session.Prepare(&context);
  grpc::Status status =
      session.query().GetDossier(&context, request, &response);
  if (!status.ok()) {
    if (!request.national_id().empty()) {
      status = grpc::Status(status.error_code(),
                            Redact(status.error_message(),
                                   request.national_id(), "<national ID>"),
                            status.error_details());
    }
    return session.Fail(status, context);
  }
  if (session.json()) return session.PrintJson(response);
  session.out() << RenderDossier(response);
  return kExitOk;
}

int RunList(Session& session, const relief::v1::ListDossiersRequest& base) {
  relief::v1::ListDossiersResponse merged;
  const int code = FollowPages<relief::v1::ListDossiersResponse>(
      session,
      [&](grpc::ClientContext* context, const std::string& page_token,
          relief::v1::ListDossiersResponse* response) {
        relief::v1::ListDossiersRequest request = base;
        request.set_page_token(page_token);
        return session.query().ListDossiers(context, request, response);
      },
      [&](relief::v1::ListDossiersResponse& page) {
        for (auto& dossier : *page.mutable_dossiers()) {
          *merged.add_dossiers() = std::move(dossier);
        }
        merged.set_as_of_sequence(
            std::max(merged.as_of_sequence(), page.as_of_sequence()));
      });
  if (code != kExitOk) return code;
  if (session.json()) return session.PrintJson(merged);
  session.out() << RenderDossierList(merged);
  return kExitOk;
}

}  // namespace

void AddDossierCommands(CLI::App& app, Action* selected) {
  CLI::App* dossier = app.add_subcommand(
      "dossier", "Beneficiary dossiers (困难职工档案): 先建档、后帮扶、实名制");
  dossier->require_subcommand(1);
  {
    struct State {
      std::string unit, national_id, request_id;
      Details details;
    };
    auto state = std::make_shared<State>();
    CLI::App* add = dossier->add_subcommand(
        "add",
        "Open a dossier; prints its id. The national ID is checked here "
        "(18 characters, GB 11643 check digit, real birth date) and never "
        "printed (LedgerService.RegisterDossier)");
    add->add_option("--unit", state->unit, "unit code holding the dossier")
        ->required();
    AddDetailOptions(*add, &state->details);
    add->add_option("--national-id", state->national_id,
                    "身份证号: 18 characters; the server keeps only a keyed "
                    "hash and a masked form")
        ->required()
        ->check(NationalIdCheck());
    AddRequestIdOption(*add, &state->request_id);
    add->callback([state, selected] {
      relief::v1::RegisterDossierRequest request;
      request.set_unit_code(state->unit);
      request.set_name(state->details.name);
      request.set_national_id(relief::CanonicalNationalId(state->national_id));
      request.set_category(*ParseHardshipCategory(state->details.category));
      request.set_household_size(state->details.household);
      request.set_contact(state->details.contact);
      *selected = [request, state](Session& session) {
        return RunAdd(session, request, state->request_id);
      };
    });
  }
  {
    struct State {
      std::string id, request_id;
      Details details;
    };
    auto state = std::make_shared<State>();
    CLI::App* update = dossier->add_subcommand(
        "update",
        "Restate a dossier's name, category, household size and contact "
        "(all of them; LedgerService.UpdateDossier)");
    update->add_option("--id", state->id, "dossier id, e.g. d17")->required();
    AddDetailOptions(*update, &state->details);
    AddRequestIdOption(*update, &state->request_id);
    update->callback([state, selected] {
      relief::v1::UpdateDossierRequest request;
      request.set_dossier_id(state->id);
      request.set_name(state->details.name);
      request.set_category(*ParseHardshipCategory(state->details.category));
      request.set_household_size(state->details.household);
      request.set_contact(state->details.contact);
      *selected = [request, state](Session& session) {
        return RunChange<relief::v1::UpdateDossierRequest,
                         relief::v1::UpdateDossierResponse>(
            session, request, state->request_id,
            [&session](grpc::ClientContext* context, const auto& r, auto* out) {
              return session.ledger().UpdateDossier(context, r, out);
            },
            absl::StrCat("updated dossier ", request.dossier_id(), ": ",
                         request.name(), " (",
                         HardshipCategoryDisplay(request.category()),
                         "), household ", request.household_size()));
      };
    });
  }
  {
    struct State {
      std::string id, reason, request_id;
    };
    auto exit_state = std::make_shared<State>();
    CLI::App* exit = dossier->add_subcommand(
        "exit",
        "The beneficiary left hardship (脱困): the dossier becomes inactive "
        "(LedgerService.ExitDossier)");
    exit->add_option("--id", exit_state->id, "dossier id")->required();
    exit->add_option("--reason", exit_state->reason,
                     "why, for the record (1..500 characters)")
        ->required();
    AddRequestIdOption(*exit, &exit_state->request_id);
    exit->callback([exit_state, selected] {
      relief::v1::ExitDossierRequest request;
      request.set_dossier_id(exit_state->id);
      request.set_reason(exit_state->reason);
      *selected = [request, exit_state](Session& session) {
        return RunChange<relief::v1::ExitDossierRequest,
                         relief::v1::ExitDossierResponse>(
            session, request, exit_state->request_id,
            [&session](grpc::ClientContext* context, const auto& r, auto* out) {
              return session.ledger().ExitDossier(context, r, out);
            },
            absl::StrCat("dossier ", request.dossier_id(),
                         " exited 脱困: ", request.reason()));
      };
    });

    auto state = std::make_shared<State>();
    CLI::App* reactivate = dossier->add_subcommand(
        "reactivate",
        "Re-activate an exited dossier (LedgerService.ReactivateDossier)");
    reactivate->add_option("--id", state->id, "dossier id")->required();
    reactivate
        ->add_option("--reason", state->reason,
                     "why, for the record (1..500 characters)")
        ->required();
    AddRequestIdOption(*reactivate, &state->request_id);
    reactivate->callback([state, selected] {
      relief::v1::ReactivateDossierRequest request;
      request.set_dossier_id(state->id);
      request.set_reason(state->reason);
      *selected = [request, state](Session& session) {
        return RunChange<relief::v1::ReactivateDossierRequest,
                         relief::v1::ReactivateDossierResponse>(
            session, request, state->request_id,
            [&session](grpc::ClientContext* context, const auto& r, auto* out) {
              return session.ledger().ReactivateDossier(context, r, out);
            },
            absl::StrCat("dossier ", request.dossier_id(),
                         " re-activated: ", request.reason()));
      };
    });
  }
  {
    struct State {
      std::string id, national_id;
      uint64_t min_sequence = 0;
    };
    auto state = std::make_shared<State>();
    CLI::App* show = dossier->add_subcommand(
        "show",
        "One dossier, by --id or by --national-id (matched by the server "
        "through its keyed hash); shows only the masked ID "
        "(QueryService.GetDossier)");
    auto* id = show->add_option("--id", state->id, "dossier id, e.g. d17");
    auto* national_id =
        show->add_option("--national-id", state->national_id,
                         "身份证号: find the dossier of this person")
            ->check(NationalIdCheck());
    id->excludes(national_id);
    AddMinSequenceOption(*show, &state->min_sequence);
    show->callback([state, selected] {
      if (state->id.empty() && state->national_id.empty()) {
        throw CLI::RequiredError("--id or --national-id");
      }
      relief::v1::GetDossierRequest request;
      request.set_dossier_id(state->id);
      if (!state->national_id.empty()) {
        request.set_national_id(
            relief::CanonicalNationalId(state->national_id));
      }
      request.set_min_sequence(state->min_sequence);
      *selected = [request](Session& session) {
        return RunShow(session, request);
      };
    });
  }
  {
    struct State {
      std::string unit;
      bool subtree = false, all = false;
      uint32_t page_size = 100;
      uint64_t min_sequence = 0;
    };
    auto state = std::make_shared<State>();
    CLI::App* list = dossier->add_subcommand(
        "list",
        "Dossiers of a unit (or its subtree), in dossier order, following "
        "every page (QueryService.ListDossiers); --json prints one merged "
        "response");
    list->add_option("--unit", state->unit, "unit code")->required();
    list->add_flag("--subtree", state->subtree,
                   "also the dossiers of every unit below it");
    list->add_flag("--all", state->all, "include exited dossiers (已脱困)");
    list->add_option("--page-size", state->page_size, "dossiers per RPC")
        ->capture_default_str()
        ->check(CLI::Range(1u, kMaxPageSize));
    AddMinSequenceOption(*list, &state->min_sequence);
    list->callback([state, selected] {
      relief::v1::ListDossiersRequest request;
      request.set_unit_code(state->unit);
      request.set_subtree(state->subtree);
      request.set_include_exited(state->all);
      request.set_page_size(state->page_size);
      request.set_min_sequence(state->min_sequence);
      *selected = [request](Session& session) {
        return RunList(session, request);
      };
    });
  }
}

}  // namespace reliefctl
