#include "clients/reliefctl/errors.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "clients/reliefctl/names.h"
#include "clients/reliefctl/table.h"

namespace reliefctl {

std::string ReasonFromMessage(std::string_view message) {
  const size_t colon = message.find(": ");
  if (colon == std::string_view::npos || colon == 0 || colon > 64) return "";
  const std::string_view prefix = message.substr(0, colon);
  if (!absl::ascii_isupper(static_cast<unsigned char>(prefix[0]))) return "";
  for (const char c : prefix) {
    const auto u = static_cast<unsigned char>(c);
    if (!absl::ascii_isupper(u) && !absl::ascii_isdigit(u) && c != '_') {
      return "";
    }
  }
  return std::string(prefix);
}

RpcError MakeRpcError(const grpc::Status& status,
                      std::string_view reason_from_trailers) {
  RpcError error;
  error.code = status.error_code();
  error.message = status.error_message();
  error.reason = reason_from_trailers.empty()
                     ? ReasonFromMessage(error.message)
                     : std::string(reason_from_trailers);
  return error;
}

std::string FormatRpcErrorHuman(const RpcError& error,
                                std::string_view server) {
  std::string out = absl::StrCat(
      "error: ",
      error.message.empty() ? "(no message from server)"
                            : Sanitize(error.message),
      "\n  (grpc code ", StatusCodeName(error.code), ", reason ",
      error.reason.empty() ? "none" : Sanitize(error.reason), ")\n");
  if (error.reason.empty()) {
    if (error.code == grpc::StatusCode::UNAVAILABLE) {
      absl::StrAppend(&out, "  hint: is reliefd running and listening on ",
                      std::string(server), "? (--server, RELIEF_SERVER)\n");
    } else if (error.code == grpc::StatusCode::DEADLINE_EXCEEDED) {
      absl::StrAppend(&out,
                      "  hint: no answer within the deadline; a command may "
                      "still have been applied: retry with the same "
                      "--request-id (--timeout sets the deadline)\n");
    }
  } else if (error.code == grpc::StatusCode::UNAUTHENTICATED) {
    absl::StrAppend(&out,
                    "  hint: check --token, RELIEF_TOKEN or --token-file\n");
  } else if (error.code == grpc::StatusCode::RESOURCE_EXHAUSTED) {
    absl::StrAppend(&out,
                    "  hint: the server is busy; retry later with the same "
                    "--request-id\n");
  }
  return out;
}

std::string FormatRpcErrorJson(const RpcError& error) {
  return absl::StrCat("{\"code\":", JsonQuote(StatusCodeName(error.code)),
                      ",\"reason\":", JsonQuote(error.reason),
                      ",\"message\":", JsonQuote(error.message), "}\n");
}

}  // namespace reliefctl
