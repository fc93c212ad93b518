// How reliefctl reports a failed RPC: what it prints and which exit code it
// returns. Pure functions, so the format is tested without a server.
//
// Human (stderr):
//   error: ORG_UNIT_NOT_FOUND: unit 'jining' is not registered
//     (grpc code NOT_FOUND, reason ORG_UNIT_NOT_FOUND)
// JSON (stderr, with --json, one line, after the human lines):
//   {"code":"NOT_FOUND","reason":"ORG_UNIT_NOT_FOUND","message":"..."}
#ifndef RELIEF_CLIENTS_RELIEFCTL_ERRORS_H_
#define RELIEF_CLIENTS_RELIEFCTL_ERRORS_H_

#include <string>
#include <string_view>

#include "grpcpp/support/status.h"

namespace reliefctl {

// The trailing metadata key carrying the ErrorReason name (errors.proto).
inline constexpr char kReasonMetadataKey[] = "relief-reason";

struct RpcError {
  grpc::StatusCode code = grpc::StatusCode::UNKNOWN;
  std::string reason;  // ErrorReason name; empty when the server sent none
  std::string message;
};

// The reason the server put in front of its message ("ORG_UNIT_NOT_FOUND:
// ..."), or empty when the message does not start with an upper-case
// identifier followed by ": ".
std::string ReasonFromMessage(std::string_view message);

// `reason_from_trailers` wins; else the message prefix; else empty.
RpcError MakeRpcError(const grpc::Status& status,
                      std::string_view reason_from_trailers);

// The two human lines, each ending in '\n', plus a hint for a person when
// one helps (server not reachable, token refused).
std::string FormatRpcErrorHuman(const RpcError& error,
                                std::string_view server);
// One JSON object and '\n'.
std::string FormatRpcErrorJson(const RpcError& error);

}  // namespace reliefctl

#endif  // RELIEF_CLIENTS_RELIEFCTL_ERRORS_H_
