#include "ledger/store/sha256.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "ledger/domain/decider.h"

namespace relief {

namespace {

// SHA-256 fetched once: with OpenSSL 3, initialising a digest from
// EVP_sha256() fetches the implementation again on every call, under a
// lock, which costs more than hashing an event. The context is reused per
// thread for the same reason.
const EVP_MD* Sha256Md() {
  static const EVP_MD* md = [] {
    EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    RELIEF_CHECK(fetched != nullptr, "EVP_MD_fetch SHA256");
    return fetched;
  }();
  return md;
}

struct DigestContext {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~DigestContext() { EVP_MD_CTX_free(ctx); }
};

}  // namespace

void Sha256To(absl::string_view a, absl::string_view b,
              unsigned char out[kSha256Bytes]) {
  thread_local DigestContext context;
  EVP_MD_CTX* ctx = context.ctx;
  RELIEF_CHECK(ctx != nullptr, "EVP_MD_CTX_new");
  unsigned int length = 0;
  bool ok = EVP_DigestInit_ex(ctx, Sha256Md(), nullptr) == 1 &&
            EVP_DigestUpdate(ctx, a.data(), a.size()) == 1 &&
            EVP_DigestUpdate(ctx, b.data(), b.size()) == 1 &&
            EVP_DigestFinal_ex(ctx, out, &length) == 1;
  RELIEF_CHECK(ok && length == kSha256Bytes, "SHA-256 failed");
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
