// Global options of reliefctl, and the local pieces a command needs before it
// can talk to the server: the bearer token and a request id.
#ifndef RELIEF_CLIENTS_RELIEFCTL_OPTIONS_H_
#define RELIEF_CLIENTS_RELIEFCTL_OPTIONS_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace reliefctl {

inline constexpr char kDefaultServer[] = "127.0.0.1:50051";
// reliefd writes the first admin token here (relative to its working
// directory's default data dir) on first start.
inline constexpr char kDefaultTokenFile[] = "./data/admin.token";
inline constexpr double kDefaultTimeoutSeconds = 10;
// Limits, each with its reason: a token file larger than this is not a token
// (protects against pointing --token-file at a database file).
inline constexpr size_t kMaxTokenFileBytes = 4096;
// The server accepts 1..64 printable ASCII characters without spaces
// (docs/api.md, "Idempotency rules").
inline constexpr size_t kMaxRequestIdLength = 64;

// Options valid before or after any subcommand.
struct GlobalOptions {
  std::string server = kDefaultServer;
  // From --token; empty when not given.
  std::string token;
  // From --token-file; empty when not given.
  std::string token_file;
  // From the environment variable RELIEF_TOKEN; empty when unset.
  std::string env_token;
  bool json = false;
  std::string tls_ca;
  std::string tls_cert;
  std::string tls_key;
  std::string tls_server_name;
  double timeout_seconds = kDefaultTimeoutSeconds;
  // True when --timeout was given: a command with a longer default of its
  // own (batch disburse) then uses the given one.
  bool timeout_given = false;
};

// The bearer token, first found of: --token; the file named by --token-file;
// RELIEF_TOKEN; the default file kDefaultTokenFile. An explicit --token-file
// beats the environment because it was typed for this one command. File
// content is whitespace-trimmed. A missing, unreadable, empty or oversize
// file is an error whose message says where reliefctl looked.
absl::StatusOr<std::string> ResolveToken(const GlobalOptions& options);

// A fresh random UUIDv4 ("0f8fad5b-d9cb-469f-a165-70867728950e"), from
// std::random_device (the kernel's random source on Linux).
std::string NewRequestId();

// Empty when `id` is a request id the server accepts, else why not.
std::string CheckRequestId(std::string_view id);

// Reads a whole file; for TLS material. Fails on a missing or unreadable
// file, naming it.
absl::StatusOr<std::string> ReadFile(const std::string& path,
                                     std::string_view what);

}  // namespace reliefctl

#endif  // RELIEF_CLIENTS_RELIEFCTL_OPTIONS_H_
