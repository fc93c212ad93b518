// Reading a range of the log through AuditService.ReadEvents (a server
// stream), for exports and for recomputing samples.
#ifndef RELIEF_CLIENTS_RELIEFCTL_EVENT_STREAM_H_
#define RELIEF_CLIENTS_RELIEFCTL_EVENT_STREAM_H_

#include <cstdint>
#include <functional>

#include "clients/reliefctl/session.h"
#include "relief/v1/audit_service.pb.h"

namespace reliefctl {

// The log's head sequence (AuditService.ListEvents); sets *head. Returns an
// exit code (the error printed).
int ReadHeadSequence(Session& session, uint64_t* head);

// Calls `on_event` for every event ReadEvents returns for `request`, in
// order; stops early if it returns non-zero (that code is returned). A
// stream that breaks off (UNAVAILABLE: a restart, a network hiccup) is
// resumed after the last sequence the server said it had scanned, at most
// three times, so no event is lost or repeated. REQUIRES:
// request.to_sequence() != 0 (so the range is the same on every resume).
// Each call to the server gets `timeout_seconds`. Returns an exit code.
int ReadEventRange(
    Session& session, relief::v1::ReadEventsRequest request,
    double timeout_seconds,
    const std::function<int(const relief::v1::EventEnvelope&)>& on_event);

}  // namespace reliefctl

#endif  // RELIEF_CLIENTS_RELIEFCTL_EVENT_STREAM_H_
