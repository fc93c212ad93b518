// Shape checks for command fields: pure functions, no state. Each returns OK
// or an INVALID_ARGUMENT rejection naming the field and what is allowed.
#ifndef RELIEF_LEDGER_DOMAIN_VALIDATION_H_
#define RELIEF_LEDGER_DOMAIN_VALIDATION_H_

#include <cstddef>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"

namespace relief {

// 1..kRequestIdMaxBytes printable ASCII characters (0x21..0x7e).
absl::Status ValidateRequestId(absl::string_view request_id);

// Lower-case dotted path: 1..kOrgCodeMaxSegments segments of [a-z0-9_-],
// each 1..kOrgCodeSegmentMaxBytes long, starting with a letter or digit;
// at most kOrgCodeMaxBytes in all.
absl::Status ValidateOrgCode(absl::string_view field, absl::string_view code);

// A display name or free text: valid UTF-8 (protobuf guarantees it for
// string fields), no control characters, not only spaces when required,
// at most `max_chars` code points.
absl::Status ValidateText(absl::string_view field, absl::string_view text,
                          bool required, size_t max_chars);

// [a-z0-9._-], 1..kPrincipalNameMaxBytes.
absl::Status ValidatePrincipalName(absl::string_view name);

// Code points in a UTF-8 string (continuation bytes are not counted).
size_t Utf8Length(absl::string_view text);

// An id the ledger made from an event's sequence: `prefix` then 1..20
// digits ("d1234", "g1234"). INVALID_ARGUMENT naming `field` and the RPC
// that returns such ids otherwise.
absl::Status ValidateSequenceId(absl::string_view field, char prefix,
                                absl::string_view id,
                                absl::string_view returned_by);

// The parent part of a dotted code ("a.b.c" -> "a.b"); empty for a root.
absl::string_view ParentPartOf(absl::string_view code);

}  // namespace relief

#endif  // RELIEF_LEDGER_DOMAIN_VALIDATION_H_
