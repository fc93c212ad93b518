// The batch disbursement file (集中发放) that `reliefctl batch disburse`
// reads, and the request ids derived from it.
//
// Format: UTF-8 CSV (RFC 4180, see csv.h; optional BOM, LF or CRLF):
//   line 1   #control_count=N,control_sum=YUAN
//   line 2   action,dossier,program,unit,source,amount,grant,memo
//   then one record per command, either
//     propose,<dossier>,<program>,<unit>,<source>,<amount>,,<memo>
//     post,,,,,<amount>,<grant>,
// N is the number of command records; YUAN the sum of their amounts
// ("12,500.00" is fine: everything after "control_sum=" is the amount).
// Amounts are yuan as ParseYuan reads them (quote one that has a thousands
// separator). A post line states the amount it pays (the server checks it
// equals the grant's) and carries no memo (PostGrant has none). Empty lines
// at the end are ignored; anywhere else they are an error.
//
// The control totals are taken from the file as written and sent to the
// server, which compares them with the lines (BATCH_CONTROL_MISMATCH): they
// are the check that the file is the one that was approved.
//
// Each command's request id is "batch-" + the first 40 hex digits of the
// file's SHA-256 + "-" + its line number: sending the same file again is a
// safe retry (the server replays), and a changed file is a new batch.
#ifndef RELIEF_CLIENTS_RELIEFCTL_BATCH_FILE_H_
#define RELIEF_CLIENTS_RELIEFCTL_BATCH_FILE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "relief/v1/ledger_service.pb.h"

namespace reliefctl {

// Limits, each with its reason. The server takes at most this many commands
// in one request (limits::kMaxCommandsPerRequest).
inline constexpr size_t kMaxBatchLines = 10000;
// 10,000 lines of a few hundred bytes are a few MiB; a larger file is not a
// batch (and is the server's message limit).
inline constexpr size_t kMaxBatchFileBytes = 16 * 1024 * 1024;

inline constexpr absl::string_view kBatchHeader =
    "action,dossier,program,unit,source,amount,grant,memo";

struct BatchFile {
  uint32_t control_count = 0;
  int64_t control_sum_fen = 0;
  // The request to send: control totals and one Command per record, each
  // with its derived request id.
  relief::v1::DisburseBatchRequest request;
  // File line number of each command, parallel to request.lines().
  std::vector<int> line_numbers;
  std::string sha256_hex;  // of the file's bytes, as read
};

// Lower-case hex SHA-256 of `bytes` (OpenSSL).
std::string Sha256Hex(absl::string_view bytes);

// "batch-<first 40 hex digits of sha256_hex>-<line>"; at most 64 characters.
std::string BatchRequestId(absl::string_view sha256_hex, int line);

// Parses a whole file. INVALID_ARGUMENT "line N: ..." for the first
// malformed line (the file is rejected whole; nothing is partly sent).
absl::StatusOr<BatchFile> ParseBatchFile(absl::string_view bytes);

}  // namespace reliefctl

#endif  // RELIEF_CLIENTS_RELIEFCTL_BATCH_FILE_H_
