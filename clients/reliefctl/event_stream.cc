#include "clients/reliefctl/event_stream.h"

#include <algorithm>
#include <memory>

#include "clients/reliefctl/names.h"

namespace reliefctl {

int ReadHeadSequence(Session& session, uint64_t* head) {
  relief::v1::ListEventsRequest request;
  request.set_newest_first(true);
  request.set_page_size(1);
  relief::v1::ListEventsResponse response;
  grpc::ClientContext context;
  session.Prepare(&context);
  const grpc::Status status =
      session.audit().ListEvents(&context, request, &response);
  if (!status.ok()) return session.Fail(status, context);
  *head = response.head_sequence();
  return kExitOk;
}

int ReadEventRange(
    Session& session, relief::v1::ReadEventsRequest request,
    double timeout_seconds,
    const std::function<int(const relief::v1::EventEnvelope&)>& on_event) {
  constexpr int kMaxResumes = 3;
  uint64_t scanned = request.from_sequence() == 0 ? 0
                                                  : request.from_sequence() - 1;
  uint64_t delivered = scanned;
  for (int attempt = 0;; ++attempt) {
    request.set_from_sequence(scanned + 1);
    grpc::ClientContext context;
    session.Prepare(&context, timeout_seconds);
    std::unique_ptr<grpc::ClientReader<relief::v1::ReadEventsResponse>> reader =
        session.audit().ReadEvents(&context, request);
    relief::v1::ReadEventsResponse message;
    int code = kExitOk;
    while (reader->Read(&message)) {
      if (message.has_event()) {
        const uint64_t sequence = message.event().sequence();
        // A resumed stream never repeats an event we already have.
        if (sequence > delivered) {
          code = on_event(message.event());
          delivered = sequence;
          if (code != kExitOk) break;
        }
      }
      scanned = std::max({scanned, delivered,
                          message.scanned_through_sequence()});
    }
    if (code != kExitOk) {
      context.TryCancel();
      reader->Finish();
      return code;
    }
    const grpc::Status status = reader->Finish();
    if (status.ok()) return kExitOk;
    const bool resumable =
        status.error_code() == grpc::StatusCode::UNAVAILABLE &&
        attempt < kMaxResumes && scanned < request.to_sequence();
    if (!resumable) return session.Fail(status, context);
    session.err() << "note: the event stream broke off after sequence "
                  << scanned << " (" << status.error_message()
                  << "); resuming\n";
  }
}

}  // namespace reliefctl
