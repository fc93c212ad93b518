#include "clients/reliefctl/options.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace reliefctl {

absl::StatusOr<std::string> ReadFile(const std::string& path,
                                     std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot read ", std::string(what), " '", path,
                                            "': ", std::strerror(errno)));
  }
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) {
    return absl::DataLossError(
        absl::StrCat("error reading ", std::string(what), " '", path, "'"));
  }
  return content.str();
}

namespace {

// A token goes into the `authorization` header; gRPC aborts the process on a
// header value with a line break or control character, so refuse it here
// with a message (never the token itself).
absl::StatusOr<std::string> CheckedToken(std::string_view raw,
                                         std::string_view where) {
  std::string token(absl::StripAsciiWhitespace(
      absl::string_view(raw.data(), raw.size())));
  for (const char c : token) {
    if (c < 0x21 || c > 0x7E) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the bearer token from ", std::string(where),
          " has a space, line break or other character a token never has; "
          "pass the token alone"));
    }
  }
  if (token.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the bearer token from ", std::string(where), " is empty"));
  }
  return token;
}

}  // namespace

absl::StatusOr<std::string> ResolveToken(const GlobalOptions& options) {
  if (!options.token.empty()) return CheckedToken(options.token, "--token");
  if (options.token_file.empty() && !options.env_token.empty()) {
    return CheckedToken(options.env_token, "RELIEF_TOKEN");
  }
  const bool default_file = options.token_file.empty();
  const std::string path =
      default_file ? std::string(kDefaultTokenFile) : options.token_file;
  const std::string looked = absl::StrCat(
      "no bearer token: --token not given, RELIEF_TOKEN not set, and ");
  const std::string hint =
      "; pass --token TOKEN, set RELIEF_TOKEN, or point --token-file at the "
      "admin.token file in reliefd's data directory";

  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat(
        looked, default_file ? "the default token file '" : "token file '",
        path, "' cannot be read (", std::strerror(errno), ")", hint));
  }
  std::string content(kMaxTokenFileBytes + 1, '\0');
  in.read(content.data(), static_cast<std::streamsize>(content.size()));
  content.resize(static_cast<size_t>(in.gcount()));
  if (in.bad()) {
    return absl::DataLossError(
        absl::StrCat("error reading token file '", path, "'"));
  }
  if (content.size() > kMaxTokenFileBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("token file '", path, "' is larger than ",
                     kMaxTokenFileBytes, " bytes: not a token file"));
  }
  std::string token(absl::StripAsciiWhitespace(content));
  if (token.empty()) {
    return absl::NotFoundError(
        absl::StrCat(looked, "token file '", path, "' is empty", hint));
  }
  return CheckedToken(token, absl::StrCat("token file '", path, "'"));
}

std::string NewRequestId() {
  std::random_device device;
  unsigned char bytes[16];
  for (size_t i = 0; i < sizeof bytes; i += 4) {
    const uint32_t word = device();
    std::memcpy(bytes + i, &word, 4);
  }
  bytes[6] = (bytes[6] & 0x0F) | 0x40;  // version 4
  bytes[8] = (bytes[8] & 0x3F) | 0x80;  // variant 10xx (RFC 4122)
  std::string out;
  for (size_t i = 0; i < sizeof bytes; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    absl::StrAppendFormat(&out, "%02x", bytes[i]);
  }
  return out;
}

std::string CheckRequestId(std::string_view id) {
  if (id.empty()) return "request id must not be empty";
  if (id.size() > kMaxRequestIdLength) {
    return absl::StrCat("request id is longer than ", kMaxRequestIdLength,
                        " characters");
  }
  for (const char c : id) {
    if (c < 0x21 || c > 0x7E) {
      return "request id must be printable ASCII without spaces";
    }
  }
  return "";
}

}  // namespace reliefctl
