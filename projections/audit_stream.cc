// AuditService.ReadEvents and Subscribe: the log as a stream.
//
// Both read the stored log (EventLog::Scan) in chunks, so a reader holds at
// most one chunk in memory however far behind it is; gRPC's flow control
// makes a slow reader slow the scan, not grow a buffer. Subscribe then waits
// on the LogWatch for new commits. Order and completeness come from the log
// itself: events are read by sequence, and `scanned_through_sequence` tells
// the reader where to resume.
#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "ledger/domain/rejection.h"
#include "projections/event_filter.h"
#include "projections/query_service.h"

namespace relief {
namespace {

constexpr uint64_t kChunk = 1000;           // events read per scan
constexpr uint64_t kProgressEvery = 10000;  // scanned without a match

absl::Status RequireReader(const PrincipalDirectory* directory,
                           grpc::ServerContext* context,
                           absl::string_view what) {
  auto principal = directory->Authenticate(*context);
  if (!principal.ok()) return principal.status();
  return PrincipalDirectory::Require(
      *principal, {v1::ROLE_ADMIN, v1::ROLE_AUDITOR, v1::ROLE_SERVICE}, what);
}

absl::Status Cancelled() {
  return absl::CancelledError("the client cancelled the stream");
}

// Reads events from..to (inclusive) in chunks; `visit` returns false to
// stop early (its status in *stop).
absl::Status ScanChunks(const EventLog* log, uint64_t from, uint64_t to,
                        grpc::ServerContext* context,
                        const std::function<absl::Status(
                            const v1::EventEnvelope&, bool* more)>& visit) {
  for (uint64_t start = from; start <= to;) {
    if (context->IsCancelled()) return Cancelled();
    const uint64_t end = std::min(to, start + kChunk - 1);
    std::vector<v1::EventEnvelope> chunk;
    chunk.reserve(end - start + 1);
    RELIEF_RETURN_IF_ERROR(log->Scan(start, end, [&](const v1::EventEnvelope& e) {
      chunk.push_back(e);
      return true;
    }));
    for (const auto& e : chunk) {
      bool more = true;
      RELIEF_RETURN_IF_ERROR(visit(e, &more));
      if (!more) return absl::OkStatus();
    }
    start = end + 1;
  }
  return absl::OkStatus();
}

}  // namespace

grpc::Status AuditServiceImpl::ReadEvents(
    grpc::ServerContext* context, const v1::ReadEventsRequest* request,
    grpc::ServerWriter<v1::ReadEventsResponse>* writer) {
  if (auto s = RequireReader(directory_, context, "read the event log");
      !s.ok()) {
    return ToGrpcStatus(s, context);
  }
  auto filter = EventFilter::Make(request->filter(), log_, runner_);
  if (!filter.ok()) return ToGrpcStatus(filter.status(), context);
  if (request->to_sequence() != 0 &&
      request->to_sequence() < request->from_sequence()) {
    return ToGrpcStatus(
        InvalidArgument(v1::FIELD_INVALID,
                        absl::StrCat("to_sequence ", request->to_sequence(),
                                     " is before from_sequence ",
                                     request->from_sequence())),
        context);
  }
  if (request->from_unix_micros() < 0 || request->to_unix_micros() < 0 ||
      (request->to_unix_micros() != 0 &&
       request->to_unix_micros() <= request->from_unix_micros())) {
    return ToGrpcStatus(
        InvalidArgument(v1::FIELD_INVALID,
                        "the time range needs 0 <= from_unix_micros < "
                        "to_unix_micros (0 = no bound)"),
        context);
  }
  auto head = log_->ReadHead();
  if (!head.ok()) return ToGrpcStatus(head.status(), context);
  const uint64_t from = std::max<uint64_t>(1, request->from_sequence());
  const uint64_t to = request->to_sequence() == 0
                          ? head->sequence
                          : std::min(request->to_sequence(), head->sequence);
  uint64_t since_sent = 0;
  absl::Status s = ScanChunks(
      log_, from, to, context,
      [&](const v1::EventEnvelope& e, bool* more) -> absl::Status {
        const int64_t at = e.recorded_at_unix_micros();
        if (request->to_unix_micros() != 0 && at >= request->to_unix_micros()) {
          *more = false;  // times never go backwards along the log
          return absl::OkStatus();
        }
        bool wanted = at >= request->from_unix_micros();
        if (wanted) {
          auto match = filter->Matches(e);
          if (!match.ok()) return match.status();
          wanted = *match;
        }
        if (!wanted && ++since_sent < kProgressEvery) return absl::OkStatus();
        v1::ReadEventsResponse response;
        if (wanted) *response.mutable_event() = e;
        response.set_scanned_through_sequence(e.sequence());
        since_sent = 0;
        if (!writer->Write(response)) return Cancelled();
        return absl::OkStatus();
      });
  if (!s.ok()) return ToGrpcStatus(s, context);
  return grpc::Status::OK;
}

grpc::Status AuditServiceImpl::Subscribe(
    grpc::ServerContext* context, const v1::SubscribeRequest* request,
    grpc::ServerWriter<v1::SubscribeResponse>* writer) {
  if (auto s = RequireReader(directory_, context, "subscribe to the log");
      !s.ok()) {
    return ToGrpcStatus(s, context);
  }
  if (watch_ == nullptr) {
    return ToGrpcStatus(absl::UnimplementedError("no live log on this server"),
                        context);
  }
  auto filter = EventFilter::Make(request->filter(), log_, runner_);
  if (!filter.ok()) return ToGrpcStatus(filter.status(), context);
  auto stored = log_->ReadHead();
  if (!stored.ok()) return ToGrpcStatus(stored.status(), context);
  if (request->after_sequence() > stored->sequence) {
    return ToGrpcStatus(
        Reject(absl::StatusCode::kOutOfRange, v1::MIN_SEQUENCE_NOT_REACHED,
               absl::StrCat("after_sequence ", request->after_sequence(),
                            " is beyond the log head ", stored->sequence)),
        context);
  }
  uint64_t last = request->after_sequence();  // scanned through
  bool live = false;  // caught up with the head at least once
  absl::Time last_sent = absl::Now();
  while (true) {
    // Closed first: a stream cut by the shutdown is told to resume.
    if (watch_->closed()) {
      return ToGrpcStatus(
          Reject(absl::StatusCode::kUnavailable, v1::SHUTTING_DOWN,
                 absl::StrCat("the server is stopping; resume with "
                              "after_sequence ", last)),
          context);
    }
    if (context->IsCancelled()) return grpc::Status::CANCELLED;
    // The watch may lag the stored head by a commit; never read past what
    // is stored.
    uint64_t head = std::max(watch_->head(), stored->sequence);
    if (head <= last) {
      live = true;
      head = watch_->WaitBeyond(last, absl::Now() + absl::Milliseconds(200));
      if (head <= last) {
        if (absl::Now() - last_sent >= stream_options_.heartbeat) {
          v1::SubscribeResponse beat;
          beat.set_scanned_through_sequence(last);
          beat.set_head_sequence(head);
          if (!writer->Write(beat)) return grpc::Status::CANCELLED;
          last_sent = absl::Now();
        }
        continue;
      }
    }
    if (live && head - last > stream_options_.subscriber_max_lag) {
      return ToGrpcStatus(
          Reject(absl::StatusCode::kResourceExhausted, v1::SUBSCRIBER_TOO_SLOW,
                 absl::StrCat("this subscriber is ", head - last,
                              " events behind the head (the limit is ",
                              stream_options_.subscriber_max_lag,
                              "); resume with after_sequence ", last)),
          context);
    }
    const uint64_t to = std::min(head, last + kChunk);
    uint64_t since_sent = 0;
    absl::Status s = ScanChunks(
        log_, last + 1, to, context,
        [&](const v1::EventEnvelope& e, bool*) -> absl::Status {
          auto match = filter->Matches(e);
          if (!match.ok()) return match.status();
          last = e.sequence();
          // Filtered out: still tell the reader how far the scan got, every
          // kProgressEvery events and at least once a heartbeat.
          const bool send =
              *match || ++since_sent >= kProgressEvery ||
              (e.sequence() == to &&
               absl::Now() - last_sent >= stream_options_.heartbeat);
          if (!send) return absl::OkStatus();
          v1::SubscribeResponse response;
          if (*match) *response.mutable_event() = e;
          response.set_scanned_through_sequence(e.sequence());
          response.set_head_sequence(head);
          since_sent = 0;
          last_sent = absl::Now();
          if (!writer->Write(response)) return Cancelled();
          return absl::OkStatus();
        });
    if (absl::IsCancelled(s)) return grpc::Status::CANCELLED;
    if (!s.ok()) return ToGrpcStatus(s, context);
    stored->sequence = std::max(stored->sequence, to);
  }
}

}  // namespace relief
