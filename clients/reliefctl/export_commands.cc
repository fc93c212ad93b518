// events export
//
// Events and their postings for a range of the log, for external auditors:
// CSV (UTF-8 with BOM, RFC 4180) or JSON Lines, with the stable column sets
// of export_views.h (documented in docs/formats.md, "Exports"). Read
// through AuditService.ReadEvents, resumed if the stream breaks off; the
// files appear under their names only once complete.
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "clients/reliefctl/commands.h"
#include "clients/reliefctl/csv.h"
#include "clients/reliefctl/event_stream.h"
#include "clients/reliefctl/export_views.h"
#include "clients/reliefctl/names.h"
#include "clients/reliefctl/output_file.h"

namespace reliefctl {
namespace {

struct ExportOptions {
  uint64_t from_sequence = 0;
  uint64_t to_sequence = 0;
  std::string from_date, to_date;  // YYYY-MM-DD, China time
  std::string format = "csv";
  bool postings = false;
  std::string output, postings_output;
};

// Start of the day (00:00 China time) of a date ParseDate accepted.
int64_t DayStartMicros(int yyyymmdd) {
  const absl::CivilDay day(yyyymmdd / 10000, yyyymmdd / 100 % 100,
                           yyyymmdd % 100);
  return absl::ToUnixMicros(
      absl::FromCivil(day, absl::FixedTimeZone(8 * 60 * 60)));
}

// "events.csv" -> "events.postings.csv"; "x.jsonl" -> "x.postings.jsonl".
std::string PostingsPath(const std::string& output, const std::string& format) {
  const std::string extension = absl::StrCat(".", format);
  if (absl::EndsWith(output, extension)) {
    return absl::StrCat(output.substr(0, output.size() - extension.size()),
                        ".postings", extension);
  }
  return absl::StrCat(output, ".postings");
}

int Local(Session& session, const absl::Status& status) {
  session.err() << "error: " << status.message() << '\n';
  return kExitLocal;
}

int RunExport(Session& session, const ExportOptions& options) {
  const bool csv = options.format == "csv";
  relief::v1::ReadEventsRequest request;
  request.set_from_sequence(options.from_sequence);
  request.set_to_sequence(options.to_sequence);
  if (!options.from_date.empty()) {
    request.set_from_unix_micros(DayStartMicros(*ParseDate(options.from_date)));
  }
  if (!options.to_date.empty()) {
    // Inclusive: everything recorded before the next day began.
    const absl::CivilDay next =
        absl::CivilDay(*ParseDate(options.to_date) / 10000,
                       *ParseDate(options.to_date) / 100 % 100,
                       *ParseDate(options.to_date) % 100) +
        1;
    request.set_to_unix_micros(absl::ToUnixMicros(
        absl::FromCivil(next, absl::FixedTimeZone(8 * 60 * 60))));
  }
  if (request.to_sequence() == 0) {
    // Fix the end now: the export is of the log as it is at the start, and
    // a resumed stream reads the same range.
    uint64_t head = 0;
    if (const int code = ReadHeadSequence(session, &head); code != kExitOk) {
      return code;
    }
    if (head == 0) {
      session.err() << "error: the log is empty; nothing to export\n";
      return kExitLocal;
    }
    request.set_to_sequence(head);
  }

  OutputFile events_file(options.output);
  if (absl::Status s = events_file.Open(); !s.ok()) return Local(session, s);
  std::unique_ptr<OutputFile> postings_file;
  const std::string postings_path =
      options.postings_output.empty()
          ? PostingsPath(options.output, options.format)
          : options.postings_output;
  if (options.postings) {
    postings_file = std::make_unique<OutputFile>(postings_path);
    if (absl::Status s = postings_file->Open(); !s.ok()) {
      return Local(session, s);
    }
  }
  if (csv) {
    events_file.Write(kUtf8Bom);
    events_file.Write(EventCsvHeader());
    if (postings_file != nullptr) {
      postings_file->Write(kUtf8Bom);
      postings_file->Write(PostingCsvHeader());
    }
  }
  uint64_t events = 0, postings = 0, first = 0, last = 0;
  const int code = ReadEventRange(
      session, request, session.TimeoutOr(3600),
      [&](const relief::v1::EventEnvelope& envelope) {
        events_file.Write(csv ? EventCsvRow(envelope) : EventJsonLine(envelope));
        if (postings_file != nullptr) {
          const std::string rows = csv ? PostingCsvRows(envelope)
                                       : PostingJsonLines(envelope);
          postings_file->Write(rows);
          postings += EventPostings(envelope.event()).size();
        }
        if (first == 0) first = envelope.sequence();
        last = envelope.sequence();
        ++events;
        return kExitOk;
      });
  if (code != kExitOk) return code;  // the temporary files are removed
  if (absl::Status s = events_file.Commit(); !s.ok()) return Local(session, s);
  if (postings_file != nullptr) {
    if (absl::Status s = postings_file->Commit(); !s.ok()) {
      return Local(session, s);
    }
  }
  if (session.json()) {
    session.out() << "{\"events\":" << events << ",\"first_sequence\":" << first
                  << ",\"last_sequence\":" << last
                  << ",\"to_sequence\":" << request.to_sequence()
                  << ",\"postings\":" << postings
                  << ",\"output\":" << JsonString(options.output) << "}\n";
    return kExitOk;
  }
  session.out() << "exported " << events << " event(s)";
  if (events > 0) {
    session.out() << ", sequences " << first << ".." << last;
  }
  session.out() << " of the range up to sequence " << request.to_sequence()
                << " to " << options.output << " ("
                << (csv ? "CSV, UTF-8 with BOM" : "JSON Lines, UTF-8") << ")\n";
  if (postings_file != nullptr) {
    session.out() << "exported " << postings << " posting(s) 分录 to "
                  << postings_path << '\n';
  }
  return kExitOk;
}

}  // namespace

void AddEventExportCommand(CLI::App& app, Action* selected) {
  CLI::App* events = app.get_subcommand("events");
  auto options = std::make_shared<ExportOptions>();
  CLI::App* export_command = events->add_subcommand(
      "export",
      "Events (and with --postings their postings) of a range, for external "
      "auditors: CSV or JSON Lines, UTF-8, stable columns (docs/formats.md); "
      "read with AuditService.ReadEvents");
  export_command
      ->add_option("--from-sequence", options->from_sequence,
                   "first sequence (default: the first event)")
      ->check(CLI::Range(uint64_t{1}, UINT64_MAX));
  export_command
      ->add_option("--to-sequence", options->to_sequence,
                   "last sequence, inclusive (default: the head when the "
                   "export starts)")
      ->check(CLI::Range(uint64_t{1}, UINT64_MAX));
  export_command
      ->add_option("--from", options->from_date,
                   "only events recorded on or after this date (China time)")
      ->check(DateCheck());
  export_command
      ->add_option("--to", options->to_date,
                   "only events recorded on or before this date (China "
                   "time)")
      ->check(DateCheck());
  export_command->add_option("--format", options->format, "csv or jsonl")
      ->capture_default_str()
      ->check(CLI::IsMember({"csv", "jsonl"}));
  export_command->add_flag(
      "--postings", options->postings,
      "also write the postings (分录), one per line, to a second file: "
      "<output>.postings.csv|jsonl unless --postings-output names it");
  export_command->add_option("--postings-output", options->postings_output,
                             "the postings file (implies --postings)");
  export_command->add_option("-o,--output", options->output, "the file to write")
      ->required();
  export_command->callback([options, selected] {
    if (!options->postings_output.empty()) options->postings = true;
    if (options->from_sequence != 0 && options->to_sequence != 0 &&
        options->from_sequence > options->to_sequence) {
      throw CLI::ValidationError("--from-sequence",
                                 "must not be after --to-sequence");
    }
    if (!options->from_date.empty() && !options->to_date.empty() &&
        *ParseDate(options->from_date) > *ParseDate(options->to_date)) {
      throw CLI::ValidationError("--from", "must not be after --to");
    }
    if (options->postings &&
        (options->postings_output.empty()
             ? PostingsPath(options->output, options->format)
             : options->postings_output) == options->output) {
      throw CLI::ValidationError("--postings-output",
                                 "must differ from --output");
    }
    *selected = [options](Session& session) {
      return RunExport(session, *options);
    };
  });
}

}  // namespace reliefctl
