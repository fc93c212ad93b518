// events tail | verify
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "clients/reliefctl/commands.h"
#include "clients/reliefctl/names.h"
#include "clients/reliefctl/table.h"

namespace reliefctl {
namespace {

using relief::v1::EventEnvelope;

// The server returns at most 1000 events per page (audit_service.proto).
constexpr uint32_t kMaxPageSize = 1000;
// A person tails; an export tool replays. Bounding -n keeps the table in
// memory small.
constexpr uint32_t kMaxTail = 100000;
constexpr size_t kHashPrefixDigits = 12;

int RunTail(Session& session, uint32_t count) {
  std::vector<EventEnvelope> newest_first;
  uint64_t head_sequence = 0;
  uint64_t before = 0;  // 0: from the head
  while (newest_first.size() < count) {
    relief::v1::ListEventsRequest request;
    request.set_newest_first(true);
    request.set_before_sequence(before);
    request.set_page_size(std::min<uint32_t>(
        kMaxPageSize, count - static_cast<uint32_t>(newest_first.size())));
    relief::v1::ListEventsResponse response;
    grpc::ClientContext context;
    session.Prepare(&context);
    const grpc::Status status =
        session.audit().ListEvents(&context, request, &response);
    if (!status.ok()) return session.Fail(status, context);
    if (head_sequence == 0) head_sequence = response.head_sequence();
    if (response.events_size() == 0) break;
    uint64_t lowest = before;
    for (EventEnvelope& envelope : *response.mutable_events()) {
      if (newest_first.size() >= count) break;
      lowest = envelope.sequence();
      newest_first.push_back(std::move(envelope));
    }
    // Sequence 1 is the first event; a page that does not move backwards
    // would loop forever.
    if (lowest <= 1 || (before != 0 && lowest >= before)) break;
    before = lowest;
  }
  std::reverse(newest_first.begin(), newest_first.end());
  const std::vector<EventEnvelope>& events = newest_first;  // now oldest first

  if (session.json()) {
    // JSON Lines: one envelope per line, oldest first, so the output of a
    // tail can be appended to a file and read by any JSONL tool.
    for (const EventEnvelope& envelope : events) {
      const int code = session.PrintJson(envelope);
      if (code != kExitOk) return code;
    }
    return kExitOk;
  }
  Table table({{"SEQ", Align::kRight},
               {"TIME (UTC)"},
               {"ACTOR"},
               {"REQUEST ID"},
               {"TYPE"},
               {"SUMMARY"},
               {"HASH"}});
  for (const EventEnvelope& envelope : events) {
    table.AddRow({absl::StrCat(envelope.sequence()),
                  FormatUnixMicrosUtc(envelope.recorded_at_unix_micros()),
                  envelope.actor(), envelope.request_id(),
                  EventTypeName(envelope.event()),
                  EventSummary(envelope.event()),
                  HexPrefix(envelope.hash(), kHashPrefixDigits)});
  }
  session.out() << table.Render();
  session.out() << events.size() << " event(s); head sequence "
                << head_sequence << '\n';
  return kExitOk;
}

int RunVerify(Session& session) {
  relief::v1::VerifyChainRequest request;
  relief::v1::VerifyChainResponse response;
  grpc::ClientContext context;
  session.Prepare(&context);
  const grpc::Status status =
      session.audit().VerifyChain(&context, request, &response);
  if (!status.ok()) return session.Fail(status, context);
  const int code = response.ok() ? kExitOk : kExitChainBroken;
  if (session.json()) {
    const int print_code = session.PrintJson(response);
    return print_code != kExitOk ? print_code : code;
  }
  KeyValues lines;
  if (response.ok()) {
    lines.Add("chain", "ok");
    lines.Add("verified through",
              absl::StrCat("sequence ", response.verified_through_sequence()));
  } else {
    lines.Add("chain", "BROKEN");
    lines.Add("first bad sequence",
              absl::StrCat(response.first_bad_sequence()));
    lines.Add("problem", response.problem());
    lines.Add("verified through",
              absl::StrCat("sequence ", response.verified_through_sequence()));
  }
  lines.Add("head sequence", absl::StrCat(response.head_sequence()));
  lines.Add("head hash",
            response.head_hash().empty() ? "-" : Hex(response.head_hash()));
  session.out() << lines.Render();
  return code;
}

}  // namespace

void AddAuditCommands(CLI::App& app, Action* selected) {
  CLI::App* events =
      app.add_subcommand("events", "The event log (AuditService)");
  events->require_subcommand(1);
  auto count = std::make_shared<uint32_t>(20);
  CLI::App* tail = events->add_subcommand(
      "tail",
      "The newest events, printed oldest to newest "
      "(AuditService.ListEvents newest_first); --json prints one "
      "EventEnvelope per line");
  tail->add_option("-n,--count", *count, "how many events")
      ->capture_default_str()
      ->check(CLI::Range(1u, kMaxTail));
  tail->callback([count, selected] {
    *selected = [count](Session& session) { return RunTail(session, *count); };
  });

  app.add_subcommand("verify",
                     "Check the hash chain of the whole log "
                     "(AuditService.VerifyChain); exit code 1 if broken")
      ->callback([selected] { *selected = RunVerify; });
}

}  // namespace reliefctl
