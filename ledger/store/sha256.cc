#include "ledger/store/sha256.h"

// SHA256_Init/Update/Final are deprecated in OpenSSL 3 in favour of EVP,
// but EVP_DigestInit_ex frees and allocates the provider's context on every
// call: for the log's many small hashes (one per event read) that costs as
// much as the hashing. The low-level functions hash in a context on the
// stack with the same SHA-NI code.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "ledger/domain/decider.h"

namespace relief {

void Sha256To(absl::string_view a, absl::string_view b,
              unsigned char out[kSha256Bytes]) {
  SHA256_CTX ctx;
  bool ok = SHA256_Init(&ctx) == 1 &&
            SHA256_Update(&ctx, a.data(), a.size()) == 1 &&
            SHA256_Update(&ctx, b.data(), b.size()) == 1 &&
            SHA256_Final(out, &ctx) == 1;
  RELIEF_CHECK(ok, "SHA-256 failed");
}

std::string Sha256(absl::string_view a, absl::string_view b) {
  unsigned char digest[kSha256Bytes];
  Sha256To(a, b, digest);
  return std::string(reinterpret_cast<const char*>(digest), kSha256Bytes);
}

std::string HmacSha256(absl::string_view key, absl::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  unsigned char* out =
      HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(),
           digest, &length);
  RELIEF_CHECK(out != nullptr && length == kSha256Bytes, "HMAC-SHA-256 failed");
  return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string ToHex(absl::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

std::string RandomBytes(size_t bytes) {
  std::string out(bytes, '\0');
  RELIEF_CHECK(RAND_bytes(reinterpret_cast<unsigned char*>(out.data()),
                          static_cast<int>(bytes)) == 1,
               "RAND_bytes failed");
  return out;
}

}  // namespace relief
