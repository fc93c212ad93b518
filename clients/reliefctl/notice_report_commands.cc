// notice list | report
//
// The public-notice list (公示名单) of pending grants, for the wall or as a
// CSV file for Excel; and the program report of posted grants.
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "clients/reliefctl/commands.h"
#include "clients/reliefctl/grant_views.h"
#include "clients/reliefctl/names.h"
#include "ledger/domain/grants.h"

namespace reliefctl {
namespace {

CLI::Validator OptionalProgramCheck() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        const absl::Status valid = relief::ValidateProgramCode(value);
        return valid.ok() ? "" : std::string(valid.message());
      },
      "PROGRAM", "program code");
}

// Writes `content` to `path` through a temporary file and a rename, so a
// reader never sees half a list. Returns an exit code.
int WriteFileAtomically(Session& session, const std::string& path,
                        const std::string& content) {
  const std::string temporary = absl::StrCat(path, ".tmp");
  {
    std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
    file.write(content.data(), static_cast<std::streamsize>(content.size()));
    file.close();
    if (!file) {
      std::remove(temporary.c_str());
      session.err() << "error: cannot write " << temporary << '\n';
      return kExitLocal;
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    session.err() << "error: cannot rename " << temporary << " to " << path
                  << '\n';
    return kExitLocal;
  }
  return kExitOk;
}

int RunNotice(Session& session,
              const relief::v1::ListPublicNoticeRequest& request,
              const std::string& csv_path) {
  relief::v1::ListPublicNoticeResponse response;
  grpc::ClientContext context;
  session.Prepare(&context);
  const grpc::Status status =
      session.query().ListPublicNotice(&context, request, &response);
  if (!status.ok()) return session.Fail(status, context);
  if (!csv_path.empty()) {
    const int code =
        WriteFileAtomically(session, csv_path, RenderNoticeCsv(response));
    if (code != kExitOk) return code;
  }
  if (session.json()) return session.PrintJson(response);
  if (csv_path.empty()) {
    session.out() << RenderNoticeList(response);
  } else {
    session.out() << "wrote " << response.grants_size()
                  << " grant(s) of the public-notice list 公示名单 to "
                  << csv_path << " (UTF-8 CSV with BOM, for Excel); as of "
                  << "sequence " << response.as_of_sequence() << '\n';
  }
  return kExitOk;
}

int RunReport(Session& session,
              const relief::v1::GetProgramReportRequest& request) {
  relief::v1::GetProgramReportResponse response;
  grpc::ClientContext context;
  session.Prepare(&context);
  const grpc::Status status =
      session.query().GetProgramReport(&context, request, &response);
  if (!status.ok()) return session.Fail(status, context);
  if (session.json()) return session.PrintJson(response);
  session.out() << RenderProgramReport(response, request.unit_code(),
                                       request.subtree());
  return kExitOk;
}

}  // namespace

void AddNoticeReportCommands(CLI::App& app, Action* selected) {
  CLI::App* notice = app.add_subcommand(
      "notice", "The public-notice list (公示名单) of proposed grants");
  notice->require_subcommand(1);
  {
    struct State {
      std::string unit, program, csv;
      bool subtree = false;
      uint64_t min_sequence = 0;
    };
    auto state = std::make_shared<State>();
    CLI::App* list = notice->add_subcommand(
        "list",
        "Grants in public notice (pending) of a unit or its subtree: unit, "
        "name, masked national ID, category, program, amount, when the "
        "notice ends (UTC+8), grant id (QueryService.ListPublicNotice)");
    list->add_option("--unit", state->unit, "unit code")->required();
    list->add_flag("--subtree", state->subtree,
                   "also the grants of every unit below it");
    list->add_option("--program", state->program, "only this program")
        ->check(OptionalProgramCheck());
    list->add_option(
        "--csv", state->csv,
        "also write the list to this file as UTF-8 CSV with a BOM (Excel "
        "shows the Chinese), CRLF, RFC 4180 quoting; header: 序号 No, 单位 "
        "unit, 姓名 name, 身份证号(脱敏) masked ID, 困难类别 category, 项目 "
        "program, 金额(元) amount, 公示截止 notice ends (UTC+8), 拟资助编号 "
        "grant id. Text a spreadsheet would run as a formula gets a "
        "leading '");
    AddMinSequenceOption(*list, &state->min_sequence);
    list->callback([state, selected] {
      relief::v1::ListPublicNoticeRequest request;
      request.set_unit_code(state->unit);
      request.set_subtree(state->subtree);
      request.set_program(state->program);
      request.set_min_sequence(state->min_sequence);
      *selected = [request, state](Session& session) {
        return RunNotice(session, request, state->csv);
      };
    });
  }
  {
    struct State {
      std::string unit, program;
      bool subtree = false;
      int year = 0;
      uint64_t min_sequence = 0;
    };
    auto state = std::make_shared<State>();
    CLI::App* report = app.add_subcommand(
        "report",
        "Program report (项目统计) of posted grants per program and year: "
        "people 人数, grants 人次, households 户数, household members "
        "惠及人口, "
        "amount; then by hardship category and by fund source "
        "(QueryService.GetProgramReport)");
    report->add_option("--unit", state->unit, "unit code")->required();
    report->add_flag("--subtree", state->subtree,
                     "sum the unit and every unit below it");
    report->add_option("--program", state->program, "only this program")
        ->check(OptionalProgramCheck());
    report->add_option("--year", state->year, "only this year (2000..2100)")
        ->check(CLI::Range(2000, 2100));
    AddMinSequenceOption(*report, &state->min_sequence);
    report->callback([state, selected] {
      relief::v1::GetProgramReportRequest request;
      request.set_unit_code(state->unit);
      request.set_subtree(state->subtree);
      request.set_program(state->program);
      request.set_year(state->year);
      request.set_min_sequence(state->min_sequence);
      *selected = [request](Session& session) {
        return RunReport(session, request);
      };
    });
  }
}

}  // namespace reliefctl
