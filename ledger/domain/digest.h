// SHA-256 (FIPS 180-4) in plain C++, for the pure domain.
//
// The domain links no crypto library (it does no I/O and links only Abseil
// and the generated messages), yet a spot-check sample is ordered by
// SHA-256 (samples.h). A hash is a pure function, so it belongs here; this
// is the textbook algorithm, checked against OpenSSL and the FIPS test
// vectors in samples_test.cc. It is not for secrets (no constant-time
// guarantees are needed for public inputs): keys and HMACs stay in
// ledger/store/sha256.h, on OpenSSL.
#ifndef RELIEF_LEDGER_DOMAIN_DIGEST_H_
#define RELIEF_LEDGER_DOMAIN_DIGEST_H_

#include <string>

#include "absl/strings/string_view.h"

namespace relief {

// SHA-256 of the concatenation of `a` and `b`: 32 raw bytes.
std::string PureSha256(absl::string_view a, absl::string_view b = {});

}  // namespace relief

#endif  // RELIEF_LEDGER_DOMAIN_DIGEST_H_
