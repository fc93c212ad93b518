// batch disburse: a disbursement file (集中发放) as one DisburseBatch.
//
// The file format and the derived request ids are in batch_file.h. The batch
// is all or nothing on the server; a failing command is named there by its
// 0-based index, which this command translates back to the file's line.
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "clients/reliefctl/batch_file.h"
#include "clients/reliefctl/commands.h"
#include "clients/reliefctl/grant_views.h"
#include "clients/reliefctl/names.h"
#include "clients/reliefctl/table.h"
#include "clients/reliefctl/views.h"

namespace reliefctl {
namespace {

// A 10,000-line batch is one durable write of 10,000 commands; the global
// default deadline (10 s) is for single commands.
constexpr double kBatchTimeoutSeconds = 300;

constexpr char kFormatHelp[] =
    R"(File format (UTF-8 CSV, RFC 4180 quoting, optional BOM, LF or CRLF):
  line 1:  #control_count=N,control_sum=YUAN
  line 2:  action,dossier,program,unit,source,amount,grant,memo
  then one line per command, at most 10,000:
    propose,<dossier>,<program>,<unit>,<source>,<amount>,,<memo>
    post,,,,,<amount>,<grant>,
  N is the number of command lines, YUAN the sum of their amounts; the
  server checks both (BATCH_CONTROL_MISMATCH) and applies all lines or none.
  Amounts are yuan ("1500", "1500.50"; quote "1,500.50"). A post line states
  the amount it pays (it must equal the grant's) and has no memo.
  Example:
    #control_count=2,control_sum=3500
    action,dossier,program,unit,source,amount,grant,memo
    propose,d17,education,jining.zoucheng,donations,2000,,"金秋助学, 2024"
    post,,,,,1500,g42,
A malformed line exits 2 naming its line; nothing is sent. Each command's
request id is batch-<first 40 hex digits of the file's SHA-256>-<line>:
sending the same file again is a safe retry (the server replays it).
Default --timeout for this command: 300 s.)";

// "command 17: ..." or "line 17: ..." (0-based) in a server message.
std::optional<int> FailingIndex(const std::string& message) {
  static const std::regex pattern(R"((?:command|line) (\d+):)");
  std::smatch match;
  int index = 0;
  if (std::regex_search(message, match, pattern) &&
      absl::SimpleAtoi(match[1].str(), &index)) {
    return index;
  }
  return std::nullopt;
}

int RunDisburse(Session& session, const std::string& path) {
  std::string bytes;
  {
    std::ifstream file(path, std::ios::binary);
    if (!file) {
      session.err() << "error: cannot open " << path << '\n';
      return kExitLocal;
    }
    std::ostringstream content;
    content << file.rdbuf();
    if (file.bad()) {
      session.err() << "error: cannot read " << path << '\n';
      return kExitLocal;
    }
    bytes = std::move(content).str();
  }
  absl::StatusOr<BatchFile> batch = ParseBatchFile(bytes);
  if (!batch.ok()) {
    session.err() << "error: " << path << " " << batch.status().message()
                  << "\nnothing was sent; see reliefctl batch disburse --help "
                     "for the format\n";
    return kExitUsage;
  }

  relief::v1::DisburseBatchResponse response;
  grpc::ClientContext context;
  session.Prepare(&context, session.TimeoutOr(kBatchTimeoutSeconds));
  const grpc::Status status =
      session.ledger().DisburseBatch(&context, batch->request, &response);
  if (!status.ok()) {
    const int code = session.Fail(status, context);
    if (std::optional<int> index = FailingIndex(status.error_message());
        index && *index >= 0 &&
        static_cast<size_t>(*index) < batch->line_numbers.size()) {
      session.err() << "  batch command " << *index << " (counting from 0) is "
                    << "line " << batch->line_numbers[*index] << " of " << path
                    << '\n';
    }
    session.err() << "  nothing was applied; request ids batch-"
                  << batch->sha256_hex.substr(0, 40)
                  << "-<line>: fix the file (a new file gets new ids) or "
                     "resend it unchanged\n";
    return code;
  }
  if (session.json()) return session.PrintJson(response);

  Table table({{"行 LINE", Align::kRight},
               {"操作 ACTION"},
               {"编号 GRANT"},
               {"档案 DOSSIER"},
               {"项目 PROGRAM"},
               {"金额 AMOUNT", Align::kRight},
               {"SEQ", Align::kRight}});
  int proposals = 0, posts = 0, replayed = 0;
  for (int i = 0; i < batch->request.lines_size(); ++i) {
    const relief::v1::Command& line = batch->request.lines(i);
    const relief::v1::CommandResult result = i < response.results_size()
                                                 ? response.results(i)
                                                 : relief::v1::CommandResult();
    replayed += result.replayed();
    if (line.has_propose_grant()) {
      ++proposals;
      const auto& p = line.propose_grant();
      // Grants are named after the event that proposed them (as
      // ProposeGrant answers).
      table.AddRow({absl::StrCat(batch->line_numbers[i]), "propose 拟资助",
                    absl::StrCat("g", result.first_sequence()), p.dossier_id(),
                    ProgramDisplay(p.program()), Yuan(p.amount_fen()),
                    absl::StrCat(result.first_sequence())});
    } else {
      ++posts;
      const auto& p = line.post_grant();
      table.AddRow({absl::StrCat(batch->line_numbers[i]), "post 发放",
                    p.grant_id(), "", "", Yuan(p.amount_fen()),
                    absl::StrCat(result.first_sequence())});
    }
  }
  session.out() << table.Render();
  KeyValues summary;
  summary.Add("done",
              absl::StrCat("batch disbursement 集中发放 of ",
                           batch->request.lines_size(), " line(s): ", proposals,
                           " proposal(s), ", posts, " post(s), ",
                           Yuan(batch->control_sum_fen), " yuan"));
  summary.Add("file", absl::StrCat(path, " (SHA-256 ", batch->sha256_hex, ")"));
  summary.Add(
      "request ids",
      absl::StrCat("batch-", batch->sha256_hex.substr(0, 40), "-<line>"));
  if (replayed > 0) {
    summary.Add("replayed",
                absl::StrCat(replayed,
                             " line(s) were applied before with the "
                             "same request id; those are the original "
                             "results"));
  }
  session.out() << summary.Render();
  return kExitOk;
}

}  // namespace

void AddBatchCommands(CLI::App& app, Action* selected) {
  CLI::App* batch =
      app.add_subcommand("batch", "Batch disbursement (集中发放) from a file");
  batch->require_subcommand(1);
  auto path = std::make_shared<std::string>();
  CLI::App* disburse = batch->add_subcommand(
      "disburse",
      "Send a CSV file of grant proposals and posts as one all-or-nothing "
      "batch with its control count and sum (LedgerService.DisburseBatch)");
  disburse->add_option("--file", *path, "the batch file, F.csv")->required();
  disburse->footer(absl::StrCat(kFormatHelp, "\n\n", disburse->get_footer()));
  disburse->callback([path, selected] {
    *selected = [path](Session& session) {
      return RunDisburse(session, *path);
    };
  });
}

}  // namespace reliefctl
