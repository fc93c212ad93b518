// AuditService.ListSamples and GetSample: the spot-check samples (抽查样本)
// drawn with LedgerService.DrawSample, from the `samples` read model.
#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "ledger/domain/limits.h"
#include "ledger/domain/rejection.h"
#include "ledger/domain/validation.h"
#include "projections/query_service.h"
#include "projections/samples_projection.h"

namespace relief {
namespace {

// Admin or auditor; then the read model at min_sequence or later. Returns
// the sequence it reflects.
absl::StatusOr<uint64_t> BeginSampleRead(grpc::ServerContext* context,
                                         const PrincipalDirectory& directory,
                                         const EventLog& log,
                                         ProjectionRunner* runner,
                                         uint64_t min_sequence) {
  auto principal = directory.Authenticate(*context);
  if (!principal.ok()) return principal.status();
  RELIEF_RETURN_IF_ERROR(PrincipalDirectory::Require(
      *principal, {v1::ROLE_ADMIN, v1::ROLE_AUDITOR},
      "read spot-check samples"));
  if (runner == nullptr) {
    return Reject(absl::StatusCode::kUnavailable, v1::PROJECTIONS_STOPPED,
                  "this server has no read models");
  }
  if (absl::Status h = runner->health(); !h.ok()) {
    return Reject(absl::StatusCode::kUnavailable, v1::PROJECTIONS_STOPPED,
                  absl::StrCat("the read models are stopped (", h.message(),
                               "); the log is intact. An operator must fix "
                               "the cause and restart reliefd"));
  }
  auto head = log.ReadHead();
  if (!head.ok()) return head.status();
  if (min_sequence > head->sequence) {
    return Reject(absl::StatusCode::kOutOfRange, v1::MIN_SEQUENCE_NOT_REACHED,
                  absl::StrCat("min_sequence ", min_sequence,
                               " is beyond the log head ", head->sequence));
  }
  const absl::Time deadline = std::min(
      absl::FromChrono(context->deadline()),
      absl::Now() + absl::Milliseconds(limits::kMaxMinSequenceWaitMillis));
  const uint64_t reached = runner->WaitFor(min_sequence, deadline);
  if (reached < min_sequence) {
    return Reject(absl::StatusCode::kDeadlineExceeded,
                  v1::MIN_SEQUENCE_NOT_REACHED,
                  absl::StrCat("the read model reached sequence ", reached,
                               " but not min_sequence ", min_sequence,
                               " before the deadline; retry"));
  }
  return reached;
}

// "s123" -> 123.
absl::StatusOr<uint64_t> SampleSequence(absl::string_view field,
                                        absl::string_view id) {
  RELIEF_RETURN_IF_ERROR(ValidateSequenceId(field, 's', id, "DrawSample"));
  uint64_t sequence = 0;
  if (!absl::SimpleAtoi(id.substr(1), &sequence) || sequence == 0) {
    return InvalidArgument(
        v1::FIELD_INVALID,
        absl::StrCat(field, " '", id, "' is not a sample id"));
  }
  return sequence;
}

}  // namespace

grpc::Status AuditServiceImpl::ListSamples(
    grpc::ServerContext* context, const v1::ListSamplesRequest* request,
    v1::ListSamplesResponse* response) {
  auto at = BeginSampleRead(context, *directory_, *log_, runner_,
                            request->min_sequence());
  if (!at.ok()) return ToGrpcStatus(at.status(), context);
  uint64_t before = 0;
  if (!request->page_token().empty()) {
    auto sequence = SampleSequence("page_token", request->page_token());
    if (!sequence.ok()) return ToGrpcStatus(sequence.status(), context);
    before = *sequence;
  }
  const uint32_t limit =
      request->page_size() == 0
          ? limits::kDefaultPageSize
          : std::min(request->page_size(), limits::kMaxPageSize);
  bool more = false;
  auto samples = SamplesView(log_).List(before, limit, &more);
  if (!samples.ok()) return ToGrpcStatus(samples.status(), context);
  for (v1::Sample& sample : *samples) {
    *response->add_samples() = std::move(sample);
  }
  if (more && response->samples_size() > 0) {
    response->set_next_page_token(
        response->samples(response->samples_size() - 1).drawn().sample_id());
  }
  response->set_as_of_sequence(*at);
  return grpc::Status::OK;
}

grpc::Status AuditServiceImpl::GetSample(grpc::ServerContext* context,
                                         const v1::GetSampleRequest* request,
                                         v1::GetSampleResponse* response) {
  auto at = BeginSampleRead(context, *directory_, *log_, runner_,
                            request->min_sequence());
  if (!at.ok()) return ToGrpcStatus(at.status(), context);
  auto sequence = SampleSequence("sample_id", request->sample_id());
  if (!sequence.ok()) return ToGrpcStatus(sequence.status(), context);
  auto sample = SamplesView(log_).Get(*sequence);
  if (!sample.ok()) return ToGrpcStatus(sample.status(), context);
  *response->mutable_sample() = *std::move(sample);
  response->set_as_of_sequence(*at);
  return grpc::Status::OK;
}

}  // namespace relief
