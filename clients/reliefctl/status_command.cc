// status
#include <string>

#include "absl/strings/str_cat.h"
#include "clients/reliefctl/commands.h"
#include "clients/reliefctl/names.h"
#include "clients/reliefctl/table.h"

namespace reliefctl {
namespace {

int RunStatus(Session& session) {
  relief::v1::GetStatusRequest request;
  relief::v1::GetStatusResponse response;
  grpc::ClientContext context;
  session.Prepare(&context);
  const grpc::Status status =
      session.query().GetStatus(&context, request, &response);
  if (!status.ok()) return session.Fail(status, context);
  if (session.json()) return session.PrintJson(response);

  KeyValues lines;
  lines.Add("server", session.options().server);
  lines.Add("you are", absl::StrCat(response.principal(), " (roles: ",
                                    RoleList(response.roles()), ")"));
  lines.Add("head sequence", absl::StrCat(response.head_sequence()));
  lines.Add("head hash", response.head_hash().empty()
                             ? "-"
                             : Hex(response.head_hash()));
  std::string writer = WriterStateName(response.writer_state());
  if (!response.writer_error().empty()) {
    absl::StrAppend(&writer, ": ", response.writer_error());
  }
  lines.Add("writer", writer);
  lines.Add("queue", absl::StrCat(response.queue_depth(), " / ",
                                  response.queue_capacity()));
  lines.Add("snapshot sequence", absl::StrCat(response.snapshot_sequence()));
  if (response.server_time_unix_micros() != 0) {
    lines.Add("server time",
              FormatUnixMicrosUtc(response.server_time_unix_micros()));
  }
  session.out() << lines.Render();

  if (response.projections_size() > 0) {
    Table table({{"PROJECTION"},
                 {"CHECKPOINT", Align::kRight},
                 {"BEHIND", Align::kRight}});
    for (const auto& projection : response.projections()) {
      const uint64_t behind =
          response.head_sequence() > projection.checkpoint_sequence()
              ? response.head_sequence() - projection.checkpoint_sequence()
              : 0;
      table.AddRow({projection.name(),
                    absl::StrCat(projection.checkpoint_sequence()),
                    absl::StrCat(behind)});
    }
    session.out() << '\n' << table.Render();
  } else {
    session.out() << "projections       none reported\n";
  }
  return kExitOk;
}

}  // namespace

void AddStatusCommand(CLI::App& app, Action* selected) {
  CLI::App* status = app.add_subcommand(
      "status",
      "Log head, writer state, queue, snapshot, projection checkpoints, and "
      "who you are (QueryService.GetStatus)");
  status->callback([selected] { *selected = RunStatus; });
}

}  // namespace reliefctl
