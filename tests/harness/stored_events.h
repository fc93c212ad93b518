// Editing a stopped ledger's stored events, for tamper tests: what someone
// with write access to the data directory (or a backup) could do.
#ifndef RELIEF_TESTS_HARNESS_STORED_EVENTS_H_
#define RELIEF_TESTS_HARNESS_STORED_EVENTS_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "gtest/gtest.h"

namespace relief::testing {

// A stored event's value: SHA-256 chain hash (32 bytes), then the envelope.
inline constexpr size_t kStoredHashBytes = 32;

// Opens the RocksDB in `dir` (a stopped server's data dir, or a backup's
// ledger/), lets `edit` change the value stored for `sequence` in the
// "events" column family, writes it back (synced) and closes. Fails if the
// event is missing, `edit` returns false or leaves the value unchanged.
::testing::AssertionResult EditStoredEvent(
    const std::string& dir, uint64_t sequence,
    const std::function<bool(std::string*)>& edit);

}  // namespace relief::testing

#endif  // RELIEF_TESTS_HARNESS_STORED_EVENTS_H_
