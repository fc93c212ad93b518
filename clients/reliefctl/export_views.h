// The export for external auditors (events export): the stable column sets
// of the CSV files and the JSON Lines records, as pure functions of the
// envelopes. docs/formats.md ("Exports") documents them; a change here is a
// change of a published format: add columns at the end, never rename,
// reorder or drop one.
#ifndef RELIEF_CLIENTS_RELIEFCTL_EXPORT_VIEWS_H_
#define RELIEF_CLIENTS_RELIEFCTL_EXPORT_VIEWS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "relief/v1/events.pb.h"

namespace reliefctl {

// "2026-03-01T10:14:03.123456+08:00": ISO 8601 in China time, microseconds.
std::string Iso8601China(int64_t unix_micros);

// fen -> "1500.50" ("-0.05"): plain yuan, no thousands separators.
std::string PlainYuan(int64_t fen);

// The postings an event carries, found by reflection (every `postings`
// field of the event's message), so an event kind added later is exported
// without a change here.
std::vector<relief::v1::Posting> EventPostings(const relief::v1::Event& event);

// A JSON string literal of UTF-8 text (quotes, backslashes and control
// characters escaped).
std::string JsonString(absl::string_view text);

// protobuf's JSON printer (google::protobuf::util::MessageToJsonString):
// proto field names, fields at their default values included, int64 as
// strings, bytes as base64, enums by name; one line.
std::string ProtoJson(const google::protobuf::Message& message);

// CSV of events: the header, then one row per envelope.
//   sequence, recorded_at, actor, request_id, event_type, hash,
//   previous_hash, summary, payload
std::string EventCsvHeader();
std::string EventCsvRow(const relief::v1::EventEnvelope& envelope);

// CSV of postings: the header, then one row per posting of an envelope.
//   sequence, index, debit_account, credit_account, fund_source,
//   amount_fen, amount_yuan, phase, event_type
std::string PostingCsvHeader();
std::string PostingCsvRows(const relief::v1::EventEnvelope& envelope);

// JSON Lines: the envelope as ProtoJson, one line ending in '\n'.
std::string EventJsonLine(const relief::v1::EventEnvelope& envelope);
// One line per posting, with the keys of the posting CSV columns.
std::string PostingJsonLines(const relief::v1::EventEnvelope& envelope);

}  // namespace reliefctl

#endif  // RELIEF_CLIENTS_RELIEFCTL_EXPORT_VIEWS_H_
