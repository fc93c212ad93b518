#include "clients/reliefctl/batch_file.h"

#include <array>
#include <cstdlib>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clients/reliefctl/csv.h"
#include "clients/reliefctl/names.h"
#include "clients/reliefctl/table.h"
#include "ledger/domain/grants.h"
#include "ledger/domain/money.h"
#include "openssl/evp.h"

namespace reliefctl {
namespace {

constexpr absl::string_view kCountPrefix = "#control_count=";
constexpr absl::string_view kSumPrefix = ",control_sum=";

// Columns of a command record, in the header's order.
enum Column {
  kAction,
  kDossier,
  kProgram,
  kUnit,
  kSource,
  kAmount,
  kGrant,
  kMemo,
  kColumns
};
constexpr std::array<const char*, kColumns> kColumnNames = {
    "action", "dossier", "program", "unit",
    "source", "amount",  "grant",   "memo"};

absl::Status Bad(int line, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("line ", line, ": ", what));
}

absl::StatusOr<int64_t> Amount(int line, const std::string& text) {
  if (text.empty()) return Bad(line, "amount is empty");
  absl::StatusOr<int64_t> fen = relief::ParseYuan(text);
  if (!fen.ok())
    return Bad(line, absl::StrCat("amount: ", fen.status().message()));
  if (*fen <= 0) return Bad(line, "amount must be more than 0.00 yuan");
  return *fen;
}

// The columns that must be filled and those that must be empty.
absl::Status Shape(int line, const std::vector<std::string>& fields,
                   std::initializer_list<Column> required,
                   std::initializer_list<Column> empty,
                   absl::string_view action) {
  for (const Column column : required) {
    if (fields[column].empty()) {
      return Bad(line, absl::StrCat(action, ": ", kColumnNames[column],
                                    " is required"));
    }
  }
  for (const Column column : empty) {
    if (!fields[column].empty()) {
      return Bad(line, absl::StrCat(action, ": ", kColumnNames[column],
                                    " must be empty on a ", action, " line"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<relief::v1::Command> ParseCommand(const CsvRecord& record,
                                                 absl::string_view sha256_hex) {
  const int line = record.line;
  const std::vector<std::string>& f = record.fields;
  if (f.size() != kColumns) {
    return Bad(line, absl::StrCat("expected ", int{kColumns}, " fields (",
                                  kBatchHeader, "), found ", f.size()));
  }
  relief::v1::Command command;
  if (f[kAction] == "propose") {
    if (auto s = Shape(line, f, {kDossier, kProgram, kUnit, kSource, kAmount},
                       {kGrant}, "propose");
        !s.ok()) {
      return s;
    }
    if (absl::Status s = relief::ValidateProgramCode(f[kProgram]); !s.ok()) {
      return Bad(line, absl::StrCat("program: ", s.message()));
    }
    const std::optional<relief::v1::FundSource> source =
        ParseFundSource(f[kSource]);
    if (!source) {
      return Bad(line,
                 absl::StrCat("unknown fund source '", Sanitize(f[kSource]),
                              "'; expected one of ", FundSourceChoices()));
    }
    absl::StatusOr<int64_t> fen = Amount(line, f[kAmount]);
    if (!fen.ok()) return fen.status();
    relief::v1::ProposeGrantRequest* propose = command.mutable_propose_grant();
    propose->set_request_id(BatchRequestId(sha256_hex, line));
    propose->set_dossier_id(f[kDossier]);
    propose->set_program(f[kProgram]);
    propose->set_unit_code(f[kUnit]);
    propose->set_fund_source(*source);
    propose->set_amount_fen(*fen);
    propose->set_memo(f[kMemo]);
  } else if (f[kAction] == "post") {
    if (auto s = Shape(line, f, {kGrant, kAmount},
                       {kDossier, kProgram, kUnit, kSource, kMemo}, "post");
        !s.ok()) {
      return s;
    }
    absl::StatusOr<int64_t> fen = Amount(line, f[kAmount]);
    if (!fen.ok()) return fen.status();
    relief::v1::PostGrantRequest* post = command.mutable_post_grant();
    post->set_request_id(BatchRequestId(sha256_hex, line));
    post->set_grant_id(f[kGrant]);
    post->set_amount_fen(*fen);
  } else {
    return Bad(line, absl::StrCat("action must be propose or post, not '",
                                  Sanitize(f[kAction]), "'"));
  }
  return command;
}

// "#control_count=N,control_sum=YUAN", read from the raw first line (not
// as CSV: the sum may hold thousands separators).
absl::Status ParseControlLine(absl::string_view first_line, BatchFile* file) {
  if (!first_line.empty() && first_line.back() == '\r') {
    first_line.remove_suffix(1);
  }
  const std::string expected =
      "the first line must be #control_count=N,control_sum=YUAN";
  if (!absl::StartsWith(first_line, kCountPrefix)) return Bad(1, expected);
  first_line.remove_prefix(kCountPrefix.size());
  const size_t sum_at = first_line.find(kSumPrefix);
  if (sum_at == absl::string_view::npos) return Bad(1, expected);
  const absl::string_view count_text = first_line.substr(0, sum_at);
  const absl::string_view sum_text =
      first_line.substr(sum_at + kSumPrefix.size());
  uint32_t count = 0;
  if (count_text.empty() ||
      count_text.find_first_not_of("0123456789") != absl::string_view::npos ||
      !absl::SimpleAtoi(count_text, &count)) {
    return Bad(1, "control_count must be a whole number");
  }
  absl::StatusOr<int64_t> sum = relief::ParseYuan(sum_text);
  if (!sum.ok()) {
    return Bad(1, absl::StrCat("control_sum: ", sum.status().message()));
  }
  file->control_count = count;
  file->control_sum_fen = *sum;
  return absl::OkStatus();
}

}  // namespace

std::string Sha256Hex(absl::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  // EVP_Digest fails only on allocation failure; abort rather than send
  // request ids that are not derived from the file.
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(),
                 nullptr) != 1) {
    std::abort();
  }
  return Hex(std::string_view(reinterpret_cast<const char*>(digest), length));
}

std::string BatchRequestId(absl::string_view sha256_hex, int line) {
  return absl::StrCat("batch-", sha256_hex.substr(0, 40), "-", line);
}

absl::StatusOr<BatchFile> ParseBatchFile(absl::string_view bytes) {
  if (bytes.size() > kMaxBatchFileBytes) {
    return absl::InvalidArgumentError(absl::StrCat("the file has ",
                                                   bytes.size(),
                                                   " bytes; a batch file has "
                                                   "at most ",
                                                   kMaxBatchFileBytes));
  }
  BatchFile file;
  file.sha256_hex = Sha256Hex(bytes);
  absl::string_view text = bytes;
  if (absl::StartsWith(text, kUtf8Bom)) text.remove_prefix(kUtf8Bom.size());

  absl::StatusOr<std::vector<CsvRecord>> records = ParseCsv(text);
  if (!records.ok()) return records.status();
  // Empty lines at the end (an editor's habit) are not records.
  while (!records->empty() && records->back().fields.size() == 1 &&
         records->back().fields[0].empty()) {
    records->pop_back();
  }
  if (records->empty()) return Bad(1, "the file is empty");
  if (absl::Status s = ParseControlLine(text.substr(0, text.find('\n')), &file);
      !s.ok()) {
    return s;
  }
  if (records->size() < 2 || (*records)[1].line != 2 ||
      absl::StrJoin((*records)[1].fields, ",") != kBatchHeader) {
    return Bad(
        2, absl::StrCat("the second line must be the header ", kBatchHeader));
  }
  if (records->size() - 2 > kMaxBatchLines) {
    return absl::InvalidArgumentError(
        absl::StrCat("the file has ", records->size() - 2,
                     " command lines; a batch has at "
                     "most ",
                     kMaxBatchLines, " (the server's limit): split it"));
  }
  for (size_t i = 2; i < records->size(); ++i) {
    const CsvRecord& record = (*records)[i];
    if (record.fields.size() == 1 && record.fields[0].empty()) {
      return Bad(record.line, "an empty line");
    }
    absl::StatusOr<relief::v1::Command> command =
        ParseCommand(record, file.sha256_hex);
    if (!command.ok()) return command.status();
    *file.request.add_lines() = *std::move(command);
    file.line_numbers.push_back(record.line);
  }
  if (file.line_numbers.empty()) return Bad(3, "the batch has no lines");
  file.request.set_control_count(file.control_count);
  file.request.set_control_sum_fen(file.control_sum_fen);
  return file;
}

}  // namespace reliefctl
