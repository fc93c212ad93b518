// Rejections: how the domain says "no".
//
// A rejection is an absl::Status with a canonical code (see errors.proto for
// which code means what) and a stable machine-readable reason, the name of a
// relief.v1.ErrorReason value, carried as a status payload. The service layer
// turns both into a gRPC status and trailing metadata in one place.
#ifndef RELIEF_LEDGER_DOMAIN_REJECTION_H_
#define RELIEF_LEDGER_DOMAIN_REJECTION_H_

#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "relief/v1/errors.pb.h"

namespace relief {

inline constexpr absl::string_view kReasonPayloadUrl = "relief.v1.ErrorReason";

// Returns the status of `expr` from the enclosing function if it is not OK.
#define RELIEF_RETURN_IF_ERROR(expr)                   \
  do {                                                 \
    if (absl::Status _s = (expr); !_s.ok()) return _s; \
  } while (0)

// Builds a rejection. REQUIRES: code != kOk.
absl::Status Reject(absl::StatusCode code, v1::ErrorReason reason,
                    absl::string_view message);

// Shorthands for the common codes.
absl::Status InvalidArgument(v1::ErrorReason reason, absl::string_view message);
absl::Status FailedPrecondition(v1::ErrorReason reason,
                                absl::string_view message);
absl::Status NotFound(v1::ErrorReason reason, absl::string_view message);
absl::Status AlreadyExists(v1::ErrorReason reason, absl::string_view message);

// The reason a status carries; ERROR_REASON_UNSPECIFIED if none.
v1::ErrorReason ReasonOf(const absl::Status& status);

// The same rejection with `prefix` put before its message, keeping code and
// reason ("command 17: " + message).
absl::Status WithPrefix(const absl::Status& status, absl::string_view prefix);

}  // namespace relief

#endif  // RELIEF_LEDGER_DOMAIN_REJECTION_H_
