// SHA-256 and HMAC-SHA-256 (OpenSSL), random bytes, and hex for display.
#ifndef RELIEF_LEDGER_STORE_SHA256_H_
#define RELIEF_LEDGER_STORE_SHA256_H_

#include <string>
#include "absl/strings/string_view.h"

namespace relief {

inline constexpr size_t kSha256Bytes = 32;

// SHA-256 of the concatenation of `a` and `b`; 32 raw bytes.
std::string Sha256(absl::string_view a, absl::string_view b = {});
// The same into `out`, without allocating (the chain check of every event).
void Sha256To(absl::string_view a, absl::string_view b,
              unsigned char out[kSha256Bytes]);

// Lower-case hex of raw bytes.
std::string ToHex(absl::string_view bytes);

// HMAC-SHA-256 of `data` under `key`; 32 raw bytes.
std::string HmacSha256(absl::string_view key, absl::string_view data);

// `bytes` cryptographically random bytes (OpenSSL RAND_bytes). Aborts if the
// system cannot provide them: there is no safe fallback for secrets.
std::string RandomBytes(size_t bytes);

}  // namespace relief

#endif  // RELIEF_LEDGER_STORE_SHA256_H_
