// backup create
#include <memory>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "clients/reliefctl/commands.h"
#include "clients/reliefctl/names.h"
#include "clients/reliefctl/table.h"

namespace reliefctl {
namespace {

// A backup takes as long as copying and hashing the ledger takes.
constexpr double kBackupTimeoutSeconds = 3600;
// The server's rule (ledger/store/backup.h), checked here so a bad label is
// a usage error and nothing is sent.
constexpr size_t kMaxLabelChars = 40;

CLI::Validator LabelCheck() {
  return CLI::Validator(
      [](std::string& label) -> std::string {
        bool ok = !label.empty() && label.size() <= kMaxLabelChars &&
                  label[0] != '.' && label[0] != '-';
        for (char c : label) {
          ok = ok && (absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
                      c == '.' || c == '_' || c == '-');
        }
        if (ok) return "";
        return absl::StrCat("a label is 1..", kMaxLabelChars,
                            " characters of A-Z a-z 0-9 . _ - not starting "
                            "with '.' or '-'");
      },
      "LABEL");
}

int RunCreate(Session& session, const std::string& label) {
  relief::v1::CreateBackupRequest request;
  request.set_label(label);
  relief::v1::CreateBackupResponse response;
  grpc::ClientContext context;
  session.Prepare(&context, session.TimeoutOr(kBackupTimeoutSeconds));
  const grpc::Status status =
      session.admin().CreateBackup(&context, request, &response);
  if (!status.ok()) return session.Fail(status, context);
  if (session.json()) return session.PrintJson(response);
  const relief::v1::BackupManifest& m = response.manifest();
  KeyValues lines;
  lines.Add("backup", response.path());
  if (!m.label().empty()) lines.Add("label", m.label());
  lines.Add("head sequence", absl::StrCat(m.head_sequence()));
  lines.Add("head hash", m.head_hash_hex());
  lines.Add("taken at", m.created_at());
  lines.Add("files", absl::StrCat(m.files_size(), " (", m.total_bytes(),
                                  " bytes, each with its SHA-256 in "
                                  "manifest.json)"));
  session.out() << lines.Render();
  session.out() << "The backup is on the server's disk: copy the whole "
                   "directory off the machine. Check a copy with `reliefd "
                   "verify-backup --from DIR`; restore with `reliefd restore "
                   "--from DIR --data-dir NEW_DIR`.\n";
  return kExitOk;
}

}  // namespace

void AddBackupCommands(CLI::App& app, Action* selected) {
  CLI::App* backup = app.add_subcommand(
      "backup", "Backups of the running server (admin role)");
  backup->require_subcommand(1);
  auto label = std::make_shared<std::string>();
  CLI::App* create = backup->add_subcommand(
      "create",
      "Write an online, consistent backup into a new directory under the "
      "server's --backup-dir and print its manifest: head sequence and hash, "
      "files (AdminService.CreateBackup)");
  create
      ->add_option("--label", *label,
                   "appended to the backup's directory name, e.g. "
                   "before-upgrade")
      ->check(LabelCheck());
  create->callback([selected, label] {
    *selected = [label](Session& session) { return RunCreate(session, *label); };
  });
}

}  // namespace reliefctl
