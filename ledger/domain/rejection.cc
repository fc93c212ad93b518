#include "ledger/domain/rejection.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace relief {

absl::Status Reject(absl::StatusCode code, v1::ErrorReason reason,
                    absl::string_view message) {
  absl::Status status(code, message);
  status.SetPayload(kReasonPayloadUrl,
                    absl::Cord(v1::ErrorReason_Name(reason)));
  return status;
}

absl::Status InvalidArgument(v1::ErrorReason reason, absl::string_view message) {
  return Reject(absl::StatusCode::kInvalidArgument, reason, message);
}
absl::Status FailedPrecondition(v1::ErrorReason reason,
                                absl::string_view message) {
  return Reject(absl::StatusCode::kFailedPrecondition, reason, message);
}
absl::Status NotFound(v1::ErrorReason reason, absl::string_view message) {
  return Reject(absl::StatusCode::kNotFound, reason, message);
}
absl::Status AlreadyExists(v1::ErrorReason reason, absl::string_view message) {
  return Reject(absl::StatusCode::kAlreadyExists, reason, message);
}

v1::ErrorReason ReasonOf(const absl::Status& status) {
  auto payload = status.GetPayload(kReasonPayloadUrl);
  v1::ErrorReason reason = v1::ERROR_REASON_UNSPECIFIED;
  if (payload.has_value()) {
    v1::ErrorReason_Parse(std::string(*payload), &reason);
  }
  return reason;
}

absl::Status WithPrefix(const absl::Status& status, absl::string_view prefix) {
  if (status.ok()) return status;
  return Reject(status.code(), ReasonOf(status),
                absl::StrCat(prefix, status.message()));
}

}  // namespace relief
