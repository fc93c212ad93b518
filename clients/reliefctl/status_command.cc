// status
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "clients/reliefctl/commands.h"
#include "clients/reliefctl/names.h"
#include "clients/reliefctl/table.h"

namespace reliefctl {
namespace {

// Microseconds as milliseconds: two decimals below 10 ms, whole above.
std::string Millis(uint64_t micros) {
  if (micros < 10000) {
    return absl::StrFormat("%d.%02d", micros / 1000, (micros % 1000) / 10);
  }
  return absl::StrCat((micros + 500) / 1000);
}

// "p50 <= 0.25 ms, p99 <= 2.50 ms, max 3.10 ms (1234 writes)"
std::string LatencySummary(const relief::v1::MetricHistogram& h,
                           const std::string& what) {
  if (h.count() == 0) return absl::StrCat("no ", what, " yet");
  return absl::StrCat("p50 <= ", Millis(h.p50()), " ms, p99 <= ",
                      Millis(h.p99()), " ms, max ", Millis(h.max()), " ms (",
                      h.count(), " ", what, ")");
}

std::string Health(const relief::v1::GetMetricsResponse& m) {
  if (m.serving()) return "SERVING";
  std::vector<std::string> why;
  if (m.writer_failed()) why.push_back("the writer failed");
  if (m.writer_stalled()) why.push_back("the writer is stalled");
  if (m.projections_failed()) why.push_back("a projection stopped");
  if (why.empty()) why.push_back("starting or shutting down");
  return absl::StrCat("NOT_SERVING (", absl::StrJoin(why, "; "), ")");
}

void AddRpcRows(const google::protobuf::RepeatedPtrField<
                    relief::v1::RpcMetrics>& list,
                const std::string& kind, Table* table) {
  for (const auto& rpc : list) {
    uint64_t ok = 0;
    std::vector<std::string> errors;
    for (const auto& r : rpc.results()) {
      if (r.code() == "OK") {
        ok = r.count();
      } else {
        errors.push_back(absl::StrCat(r.code(), " ", r.count()));
      }
    }
    std::string method = rpc.method();
    if (size_t slash = method.rfind('/'); slash != std::string::npos) {
      method = method.substr(slash + 1);
    }
    table->AddRow({kind, method, absl::StrCat(rpc.count()), absl::StrCat(ok),
                   errors.empty() ? "-" : absl::StrJoin(errors, ", "),
                   Millis(rpc.latency_micros().p50()),
                   Millis(rpc.latency_micros().p99()),
                   Millis(rpc.latency_micros().max())});
  }
}

// The metrics part of `status`; PERMISSION_DENIED is a note, not a failure
// (the status above is for everyone, the metrics are not).
int PrintMetrics(Session& session) {
  relief::v1::GetMetricsRequest request;
  relief::v1::GetMetricsResponse m;
  grpc::ClientContext context;
  session.Prepare(&context);
  const grpc::Status status = session.query().GetMetrics(&context, request, &m);
  if (status.error_code() == grpc::StatusCode::PERMISSION_DENIED) {
    if (!session.json()) {
      session.out() << "\nmetrics: not shown (they need the role admin, "
                       "auditor or service)\n";
    }
    return kExitOk;
  }
  if (!status.ok()) return session.Fail(status, context);
  if (session.json()) return session.PrintJson(m);

  KeyValues lines;
  lines.Add("health", Health(m));
  if (m.started_at_unix_micros() != 0) {
    lines.Add("started", FormatUnixMicrosUtc(m.started_at_unix_micros()));
  }
  lines.Add("events appended", absl::StrCat(m.events_appended(),
                                            " since start, in ",
                                            m.writer_groups_committed(),
                                            " group commits"));
  const auto& groups = m.writer_group_commands();
  lines.Add("commands / group",
            groups.count() == 0
                ? "no groups yet"
                : absl::StrCat("p50 <= ", groups.p50(), ", p99 <= ",
                               groups.p99(), ", max ", groups.max()));
  lines.Add("write + fsync",
            LatencySummary(m.writer_write_micros(), "synced writes"));
  lines.Add("queue now / max", absl::StrCat(m.queue_depth(), " / ",
                                            m.queue_depth_max(), " of ",
                                            m.queue_capacity()));
  lines.Add("projection lag",
            absl::StrCat(m.projection_lag_events(), " events (largest)"));
  lines.Add("snapshots written", absl::StrCat(m.snapshots_written()));
  session.out() << '\n' << lines.Render();

  Table table({{"KIND"},
               {"RPC"},
               {"CALLS", Align::kRight},
               {"OK", Align::kRight},
               {"ERRORS"},
               {"P50 MS", Align::kRight},
               {"P99 MS", Align::kRight},
               {"MAX MS", Align::kRight}});
  AddRpcRows(m.commands(), "command", &table);
  AddRpcRows(m.queries(), "query", &table);
  AddRpcRows(m.other(), "other", &table);
  session.out() << '\n' << table.Render();
  return kExitOk;
}

int RunStatus(Session& session) {
  relief::v1::GetStatusRequest request;
  relief::v1::GetStatusResponse response;
  grpc::ClientContext context;
  session.Prepare(&context);
  const grpc::Status status =
      session.query().GetStatus(&context, request, &response);
  if (!status.ok()) return session.Fail(status, context);
  if (session.json()) {
    // JSON Lines: GetStatus, then GetMetrics when the role may read it.
    if (int code = session.PrintJson(response); code != kExitOk) return code;
    return PrintMetrics(session);
  }

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
  return PrintMetrics(session);
}

}  // namespace

void AddStatusCommand(CLI::App& app, Action* selected) {
  CLI::App* status = app.add_subcommand(
      "status",
      "Log head, writer state, queue, snapshot, projection checkpoints, and "
      "who you are (QueryService.GetStatus); then health, writer and "
      "per-RPC figures since start (QueryService.GetMetrics; admin, auditor "
      "or service). --json: one line each");
  status->callback([selected] { *selected = RunStatus; });
}

}  // namespace reliefctl
