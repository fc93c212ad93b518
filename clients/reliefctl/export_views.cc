#include "clients/reliefctl/export_views.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "clients/reliefctl/csv.h"
#include "clients/reliefctl/names.h"
#include "clients/reliefctl/table.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/json_util.h"

namespace reliefctl {
std::string JsonString(absl::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += absl::StrFormat("\\u%04x", c);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out += "\"";
  return out;
}

std::string Iso8601China(int64_t unix_micros) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6S+08:00",
                          absl::FromUnixMicros(unix_micros),
                          absl::FixedTimeZone(8 * 60 * 60));
}

std::string PlainYuan(int64_t fen) {
  // |INT64_MIN| does not fit: take the magnitude as unsigned.
  const uint64_t magnitude =
      fen < 0 ? 0 - static_cast<uint64_t>(fen) : static_cast<uint64_t>(fen);
  return absl::StrFormat("%s%d.%02d", fen < 0 ? "-" : "", magnitude / 100,
                         magnitude % 100);
}

std::vector<relief::v1::Posting> EventPostings(const relief::v1::Event& event) {
  std::vector<relief::v1::Posting> out;
  const google::protobuf::OneofDescriptor* kind =
      relief::v1::Event::descriptor()->FindOneofByName("kind");
  const google::protobuf::FieldDescriptor* field =
      kind == nullptr
          ? nullptr
          : event.GetReflection()->GetOneofFieldDescriptor(event, kind);
  if (field == nullptr ||
      field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
    return out;
  }
  const google::protobuf::Message& body =
      event.GetReflection()->GetMessage(event, field);
  const google::protobuf::Descriptor* descriptor = body.GetDescriptor();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* f = descriptor->field(i);
    if (!f->is_repeated() ||
        f->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE ||
        f->message_type() != relief::v1::Posting::descriptor()) {
      continue;
    }
    const google::protobuf::Reflection* reflection = body.GetReflection();
    for (int j = 0; j < reflection->FieldSize(body, f); ++j) {
      relief::v1::Posting p;
      p.CopyFrom(reflection->GetRepeatedMessage(body, f, j));
      out.push_back(std::move(p));
    }
  }
  return out;
}

std::string ProtoJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  options.add_whitespace = false;
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(message, &json, options)
           .ok()) {
    return "{}";
  }
  return json;
}

std::string EventCsvHeader() {
  return CsvRow({"sequence", "recorded_at", "actor", "request_id",
                 "event_type", "hash", "previous_hash", "summary", "payload"});
}

std::string EventCsvRow(const relief::v1::EventEnvelope& envelope) {
  return CsvRow({absl::StrCat(envelope.sequence()),
                 Iso8601China(envelope.recorded_at_unix_micros()),
                 envelope.actor(), envelope.request_id(),
                 EventTypeName(envelope.event()), Hex(envelope.hash()),
                 Hex(envelope.previous_hash()), EventSummary(envelope.event()),
                 ProtoJson(envelope.event())});
}

std::string PostingCsvHeader() {
  return CsvRow({"sequence", "index", "debit_account", "credit_account",
                 "fund_source", "amount_fen", "amount_yuan", "phase",
                 "event_type"});
}

std::string PostingCsvRows(const relief::v1::EventEnvelope& envelope) {
  std::string out;
  const std::string type = EventTypeName(envelope.event());
  int index = 0;
  for (const relief::v1::Posting& p : EventPostings(envelope.event())) {
    out += CsvRow({absl::StrCat(envelope.sequence()), absl::StrCat(index++),
                   p.debit_account(), p.credit_account(),
                   relief::v1::FundSource_Name(p.fund_source()),
                   absl::StrCat(p.amount_fen()), PlainYuan(p.amount_fen()),
                   relief::v1::PostingPhase_Name(p.phase()), type});
  }
  return out;
}

std::string EventJsonLine(const relief::v1::EventEnvelope& envelope) {
  return absl::StrCat(ProtoJson(envelope), "\n");
}

std::string PostingJsonLines(const relief::v1::EventEnvelope& envelope) {
  std::string out;
  const std::string type = EventTypeName(envelope.event());
  int index = 0;
  for (const relief::v1::Posting& p : EventPostings(envelope.event())) {
    absl::StrAppend(
        &out, "{\"sequence\":", envelope.sequence(), ",\"index\":", index++,
        ",\"debit_account\":", JsonString(p.debit_account()),
        ",\"credit_account\":", JsonString(p.credit_account()),
        ",\"fund_source\":",
        JsonString(relief::v1::FundSource_Name(p.fund_source())),
        ",\"amount_fen\":", p.amount_fen(),
        ",\"amount_yuan\":", JsonString(PlainYuan(p.amount_fen())),
        ",\"phase\":", JsonString(relief::v1::PostingPhase_Name(p.phase())),
        ",\"event_type\":", JsonString(type), "}\n");
  }
  return out;
}

}  // namespace reliefctl
