#include "ledger/domain/validation.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "ledger/domain/limits.h"
#include "ledger/domain/rejection.h"

namespace relief {
namespace {

bool IsCodeChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

}  // namespace

absl::Status ValidateRequestId(absl::string_view request_id) {
  if (request_id.empty()) {
    return InvalidArgument(v1::REQUEST_ID_INVALID,
                           "request_id is empty: every command needs a client "
                           "request id (a UUID is good) so retries are safe");
  }
  if (request_id.size() > limits::kRequestIdMaxBytes) {
    return InvalidArgument(
        v1::REQUEST_ID_INVALID,
        absl::StrCat("request_id is ", request_id.size(),
                     " bytes long; at most ", limits::kRequestIdMaxBytes,
                     " are allowed"));
  }
  for (char c : request_id) {
    if (c < 0x21 || c > 0x7e) {
      return InvalidArgument(
          v1::REQUEST_ID_INVALID,
          "request_id may contain only printable ASCII without spaces");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateOrgCode(absl::string_view field, absl::string_view code) {
  auto bad = [&](absl::string_view why) {
    return InvalidArgument(
        v1::ORG_CODE_INVALID,
        absl::StrCat(field, " '", code.substr(0, 40),
                     code.size() > 40 ? "..." : "", "' is not a valid unit code: ",
                     why,
                     " (expected lower-case dotted segments of a-z, 0-9, _ "
                     "and -, e.g. 'jining.zoucheng')"));
  };
  if (code.empty()) return bad("it is empty");
  if (code.size() > limits::kOrgCodeMaxBytes) {
    return bad(absl::StrCat("it is longer than ", limits::kOrgCodeMaxBytes,
                            " characters"));
  }
  size_t segments = 0;
  for (absl::string_view segment : absl::StrSplit(code, '.')) {
    ++segments;
    if (segment.empty()) return bad("it has an empty segment");
    if (segment.size() > limits::kOrgCodeSegmentMaxBytes) {
      return bad(absl::StrCat("a segment is longer than ",
                              limits::kOrgCodeSegmentMaxBytes, " characters"));
    }
    for (char c : segment) {
      if (!IsCodeChar(c)) return bad("it contains a character not allowed");
    }
    if (segment[0] == '_' || segment[0] == '-') {
      return bad("a segment must start with a letter or digit");
    }
  }
  if (segments > limits::kOrgCodeMaxSegments) {
    return bad(absl::StrCat("it has more than ", limits::kOrgCodeMaxSegments,
                            " segments"));
  }
  return absl::OkStatus();
}

size_t Utf8Length(absl::string_view text) {
  size_t n = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

absl::Status ValidateText(absl::string_view field, absl::string_view text,
                          bool required, size_t max_chars) {
  bool only_spaces = true;
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) {
      return InvalidArgument(
          v1::FIELD_INVALID,
          absl::StrCat(field, " contains a control character"));
    }
    if (c != ' ') only_spaces = false;
  }
  if (required && only_spaces) {
    return InvalidArgument(v1::FIELD_INVALID,
                           absl::StrCat(field, " is required"));
  }
  size_t length = Utf8Length(text);
  if (length > max_chars) {
    return InvalidArgument(
        v1::FIELD_INVALID,
        absl::StrCat(field, " is ", length, " characters long; at most ",
                     max_chars, " are allowed"));
  }
  return absl::OkStatus();
}

absl::Status ValidatePrincipalName(absl::string_view name) {
  bool ok = !name.empty() && name.size() <= limits::kPrincipalNameMaxBytes;
  for (char c : name) {
    if (!(IsCodeChar(c) || c == '.')) ok = false;
  }
  if (!ok) {
    return InvalidArgument(
        v1::FIELD_INVALID,
        absl::StrCat("principal name must be 1..",
                     limits::kPrincipalNameMaxBytes,
                     " characters of a-z, 0-9, '.', '_' and '-'"));
  }
  return absl::OkStatus();
}

absl::Status ValidateSequenceId(absl::string_view field, char prefix,
                                absl::string_view id,
                                absl::string_view returned_by) {
  bool ok = id.size() >= 2 && id.size() <= 21 && id[0] == prefix;
  for (size_t i = 1; ok && i < id.size(); ++i) ok = id[i] >= '0' && id[i] <= '9';
  if (!ok) {
    return InvalidArgument(
        v1::FIELD_INVALID,
        absl::StrCat(field, " must look like '", std::string(1, prefix),
                     "1234' (as returned by ", returned_by, ")"));
  }
  return absl::OkStatus();
}

absl::string_view ParentPartOf(absl::string_view code) {
  size_t dot = code.rfind('.');
  if (dot == absl::string_view::npos) return {};
  return code.substr(0, dot);
}

}  // namespace relief
