// Backups end to end: AdminService.CreateBackup on a running reliefd under
// write load, `reliefd restore` into an empty dir, a reliefd on the restored
// data holding exactly the events up to the manifest's head, byte for byte;
// restore refusing a tampered backup (with and without a forged manifest), a
// non-empty target and an incomplete backup; CreateBackup's refusals.
#include <openssl/evp.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "harness/stored_events.h"
#include "harness/test_util.h"
#include "relief/v1/admin_service.grpc.pb.h"

namespace relief::testing {
namespace {

namespace fs = std::filesystem;

constexpr size_t kHashBytes = kStoredHashBytes;

std::string Hex(const std::string& bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Sha256Hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  return Hex(std::string(reinterpret_cast<char*>(digest), length));
}

std::string MakeTempDir(const std::string& name) {
  std::string pattern = "/tmp/relief-" + name + "-XXXXXX";
  EXPECT_NE(mkdtemp(pattern.data()), nullptr);
  return pattern;
}

// Removes a directory tree when the test ends.
struct TempTree {
  explicit TempTree(const std::string& name) : path(MakeTempDir(name)) {}
  ~TempTree() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string path;
};

std::vector<std::string> Entries(const fs::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

RpcResult CreateBackup(const std::shared_ptr<grpc::Channel>& channel,
                       const std::string& token, const std::string& label,
                       v1::CreateBackupResponse* response) {
  auto stub = v1::AdminService::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(120));
  if (!token.empty()) {
    context.AddMetadata("authorization", "Bearer " + token);
  }
  v1::CreateBackupRequest request;
  request.set_label(label);
  RpcResult result;
  result.status = stub->CreateBackup(&context, request, response);
  const auto& trailers = context.GetServerTrailingMetadata();
  if (auto it = trailers.find(kReasonKey); it != trailers.end()) {
    result.reason = std::string(it->second.data(), it->second.size());
  }
  return result;
}

absl::StatusOr<CommandOutput> Restore(const std::string& reliefd,
                                      const std::string& from,
                                      const std::string& data_dir) {
  return RunCommand({reliefd, "restore", "--from", from, "--data-dir", data_dir});
}

v1::BackupManifest ReadManifest(const fs::path& backup) {
  v1::BackupManifest manifest;
  auto s = google::protobuf::util::JsonStringToMessage(
      ReadAll(backup / "manifest.json"), &manifest);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return manifest;
}

// What a forger with write access would do after editing: list the files
// as they now are, so only the hash chain can tell.
void ForgeManifestFiles(const fs::path& backup) {
  v1::BackupManifest manifest = ReadManifest(backup);
  manifest.clear_files();
  std::vector<std::string> paths;
  for (const auto& entry : fs::recursive_directory_iterator(backup)) {
    if (!entry.is_regular_file()) continue;
    const std::string relative =
        entry.path().lexically_relative(backup).generic_string();
    if (relative != "manifest.json") paths.push_back(relative);
  }
  std::sort(paths.begin(), paths.end());
  for (const std::string& relative : paths) {
    const std::string content = ReadAll(backup / relative);
    auto* file = manifest.add_files();
    file->set_path(relative);
    file->set_size_bytes(content.size());
    file->set_sha256_hex(Sha256Hex(content));
  }
  std::string json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(manifest, &json).ok());
  std::ofstream(backup / "manifest.json", std::ios::trunc) << json;
}

class BackupTest : public ReliefdTest {
 protected:
  BackupTest() : backups_("backups") {
    options_.extra_args = {"--backup-dir", backups_.path};
  }

  void WriteUnits(int n) {
    ReliefClient admin = Admin();
    v1::RegisterOrgUnitResponse response;
    ASSERT_TRUE(RpcOk(admin.RegisterOrgUnit(
        MakeRegister(NewRequestId(), "nat", v1::ORG_LEVEL_NATIONAL, "", "全总",
                     "Marker nat"),
        &response)));
    for (int i = 0; i < n; ++i) {
      const std::string code = "nat.p" + std::to_string(i);
      ASSERT_TRUE(RpcOk(admin.RegisterOrgUnit(
          MakeRegister(NewRequestId(), code, v1::ORG_LEVEL_PROVINCE, "nat",
                       "省总" + std::to_string(i), "Marker " + code),
          &response)));
    }
  }

  TempTree backups_;
};

// Several threads submit commands while the backup is taken; the restored
// server holds exactly the events up to the manifest's head, identical.
TEST_F(BackupTest, BackupUnderLoadRestoresEveryEventIdentically) {
  WriteUnits(0);
  constexpr int kThreads = 4;
  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      ReliefClient client = Admin();
      for (int n = 0; !stop.load(); ++n) {
        v1::RegisterOrgUnitResponse response;
        const std::string code = absl::StrCat("nat.t", t, "-", n);
        RpcResult r = client.RegisterOrgUnit(
            MakeRegister(NewRequestId("load"), code, v1::ORG_LEVEL_PROVINCE,
                         "nat", "省总 " + code),
            &response);
        if (r.ok()) {
          written.fetch_add(1);
        } else {
          failures.fetch_add(1);
        }
      }
    });
  }
  auto wait_for_writes = [&](int at_least) {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (written.load() < at_least &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::yield();
    }
    return written.load() >= at_least;
  };
  ASSERT_TRUE(wait_for_writes(40));
  const int written_before = written.load();
  const uint64_t head_before = HeadSequence(Admin());
  v1::CreateBackupResponse backup;
  RpcResult created =
      CreateBackup(server().channel(), server().admin_token(), "under-load",
                   &backup);
  const int written_at_backup = written.load();
  ASSERT_TRUE(RpcOk(created));
  // Writes go on after the backup: the backup is a point, not the end.
  const bool more = wait_for_writes(written_at_backup + 40);
  stop = true;
  for (auto& thread : threads) thread.join();
  ASSERT_TRUE(more);
  EXPECT_EQ(failures.load(), 0);

  const v1::BackupManifest& manifest = backup.manifest();
  std::printf("head %llu before the call, backup at %llu; %d commands "
              "acknowledged during the call, %d in all\n",
              static_cast<unsigned long long>(head_before),
              static_cast<unsigned long long>(manifest.head_sequence()),
              written_at_backup - written_before, written.load());
  EXPECT_EQ(manifest.format(), "relief-backup-v1");
  EXPECT_GE(manifest.head_sequence(), head_before);
  EXPECT_EQ(manifest.label(), "under-load");
  EXPECT_EQ(manifest.head_hash_hex().size(), 64u);
  const fs::path path = backup.path();
  EXPECT_EQ(path.parent_path(), fs::path(backups_.path));
  EXPECT_EQ(path.filename().string(), manifest.name());
  EXPECT_NE(manifest.name().find(
                absl::StrCat("-seq", manifest.head_sequence(), "-under-load")),
            std::string::npos);
  // The manifest on disk is the one returned.
  EXPECT_EQ(ReadManifest(path).ShortDebugString(), manifest.ShortDebugString());
  // Restrictive modes, the national-ID key in, admin.token out.
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(stat((path / "manifest.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_TRUE(fs::exists(path / "national_id.key"));
  EXPECT_FALSE(fs::exists(path / "admin.token"));
  EXPECT_FALSE(fs::exists(path / "ledger" / "admin.token"));
  bool lists_key = false;
  for (const auto& file : manifest.files()) {
    lists_key = lists_key || file.path() == "national_id.key";
    EXPECT_EQ(file.sha256_hex().size(), 64u);
  }
  EXPECT_TRUE(lists_key);

  const std::vector<v1::EventEnvelope> original = ListAllEvents(Admin());
  ASSERT_GT(original.size(), manifest.head_sequence());

  // Restore into an empty dir and start a second reliefd on it.
  ReliefdProcess restored;
  absl::StatusOr<CommandOutput> out =
      Restore(server().reliefd_path(), path.string(), restored.data_dir());
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->exit_code, 0) << out->output;
  EXPECT_NE(out->output.find(absl::StrCat("head sequence ",
                                          manifest.head_sequence())),
            std::string::npos)
      << out->output;
  // An operator keeps the admin token; the backup does not carry it.
  fs::copy_file(fs::path(server().data_dir()) / "admin.token",
                fs::path(restored.data_dir()) / "admin.token");
  RELIEF_ASSERT_OK(restored.Start());
  ReliefClient restored_admin(restored.channel(), restored.admin_token());
  v1::GetStatusResponse status = Status(restored_admin);
  EXPECT_EQ(status.head_sequence(), manifest.head_sequence());
  EXPECT_EQ(Hex(status.head_hash()), manifest.head_hash_hex());
  v1::VerifyChainResponse verified;
  ASSERT_TRUE(RpcOk(restored_admin.VerifyChain({}, &verified)));
  EXPECT_TRUE(verified.ok()) << verified.ShortDebugString();

  const std::vector<v1::EventEnvelope> copy = ListAllEvents(restored_admin);
  ASSERT_EQ(copy.size(), manifest.head_sequence());
  for (size_t i = 0; i < copy.size(); ++i) {
    ASSERT_EQ(copy[i].sequence(), i + 1);
    ASSERT_EQ(copy[i].SerializeAsString(), original[i].SerializeAsString())
        << "sequence " << i + 1;
  }
  EXPECT_EQ(Hex(copy.back().hash()), manifest.head_hash_hex());

  // The restored server answers queries and takes new writes.
  const uint64_t first = Register(restored_admin, "nat.after-restore",
                                  v1::ORG_LEVEL_PROVINCE, "nat");
  EXPECT_EQ(first, manifest.head_sequence() + 1);
  EXPECT_FALSE(ListAllOrgUnits(restored_admin, "nat", false, first).empty());
  RELIEF_EXPECT_OK(restored.Stop());
}

TEST_F(BackupTest, RestoreRefusesATamperedBackup) {
  WriteUnits(20);
  v1::CreateBackupResponse backup;
  ASSERT_TRUE(RpcOk(CreateBackup(server().channel(), server().admin_token(),
                                 "", &backup)));
  const fs::path path = backup.path();
  const uint64_t bad = backup.manifest().head_sequence() / 2;
  ASSERT_GT(bad, 1u);
  // One byte of an event's value inside the backup.
  ASSERT_TRUE(EditStoredEvent((path / "ledger").string(), bad,
                              [](std::string* value) {
                                (*value)[kHashBytes + 10] ^= 0x01;
                                return true;
                              }));
  TempTree target_parent("restore-target");
  const std::string target = target_parent.path + "/data";

  // The files no longer match the manifest.
  absl::StatusOr<CommandOutput> out =
      Restore(server().reliefd_path(), path.string(), target);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->exit_code, 1) << out->output;
  EXPECT_NE(out->output.find("REFUSED"), std::string::npos) << out->output;
  EXPECT_NE(out->output.find("manifest"), std::string::npos) << out->output;
  EXPECT_TRUE(Entries(target_parent.path).empty());

  // A forger rewrote the file list too: only the chain can tell.
  ForgeManifestFiles(path);
  out = Restore(server().reliefd_path(), path.string(), target);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->exit_code, 1) << out->output;
  EXPECT_NE(out->output.find(absl::StrCat("first bad sequence ", bad, ":")),
            std::string::npos)
      << out->output;
  EXPECT_TRUE(Entries(target_parent.path).empty());

  // verify-backup says the same, and also leaves nothing.
  TempTree scratch("verify-scratch");
  out = RunCommand({server().reliefd_path(), "verify-backup", "--from",
                    path.string(), "--scratch-dir", scratch.path});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->exit_code, 1) << out->output;
  EXPECT_NE(out->output.find(absl::StrCat("first bad sequence ", bad, ":")),
            std::string::npos)
      << out->output;
  EXPECT_TRUE(Entries(scratch.path).empty());
}

TEST_F(BackupTest, RestoreRefusesNonEmptyTargetAndIncompleteBackup) {
  WriteUnits(3);
  v1::CreateBackupResponse backup;
  ASSERT_TRUE(RpcOk(CreateBackup(server().channel(), server().admin_token(),
                                 "v1.2_pre", &backup)));
  // A good backup verifies offline.
  TempTree scratch("verify-scratch");
  absl::StatusOr<CommandOutput> out =
      RunCommand({server().reliefd_path(), "verify-backup", "--from",
                  backup.path(), "--scratch-dir", scratch.path});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->exit_code, 0) << out->output;
  EXPECT_TRUE(Entries(scratch.path).empty());

  // Not into a non-empty dir: the running server's own data dir, or any.
  TempTree target("restore-target");
  std::ofstream(target.path + "/keep.txt") << "mine";
  out = Restore(server().reliefd_path(), backup.path(), target.path);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->exit_code, 1) << out->output;
  EXPECT_NE(out->output.find("not an empty directory"), std::string::npos)
      << out->output;
  EXPECT_EQ(Entries(target.path), std::vector<std::string>{"keep.txt"});
  EXPECT_EQ(ReadAll(target.path + "/keep.txt"), "mine");
  for (const std::string& name : Entries(fs::path(target.path).parent_path())) {
    EXPECT_EQ(name.find(".restoring-"), std::string::npos) << name;
  }

  // Without its manifest a backup is incomplete and never restored.
  fs::remove(fs::path(backup.path()) / "manifest.json");
  TempTree empty("restore-empty");
  out = Restore(server().reliefd_path(), backup.path(), empty.path);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->exit_code, 1) << out->output;
  EXPECT_NE(out->output.find("incomplete"), std::string::npos) << out->output;
  EXPECT_TRUE(Entries(empty.path).empty());
}

TEST_F(BackupTest, CreateBackupRefusalsWriteNothing) {
  WriteUnits(1);
  v1::CreateBackupResponse response;
  for (const char* label : {"../escape", "-x", ".x", "a b", "x/y", "标签"}) {
    EXPECT_TRUE(IsRpcError(CreateBackup(server().channel(),
                                        server().admin_token(), label,
                                        &response),
                           grpc::StatusCode::INVALID_ARGUMENT,
                           v1::FIELD_INVALID))
        << label;
  }
  EXPECT_TRUE(IsRpcError(
      CreateBackup(server().channel(), server().admin_token(),
                   std::string(41, 'a'), &response),
      grpc::StatusCode::INVALID_ARGUMENT, v1::FIELD_INVALID));
  const std::string officer =
      CreateToken(Admin(), "fin.li", {v1::ROLE_FINANCE_OFFICER});
  const std::string auditor = CreateToken(Admin(), "audit.wang",
                                          {v1::ROLE_AUDITOR});
  ASSERT_FALSE(officer.empty());
  ASSERT_FALSE(auditor.empty());
  for (const std::string& token : {officer, auditor}) {
    EXPECT_TRUE(IsRpcError(
        CreateBackup(server().channel(), token, "", &response),
        grpc::StatusCode::PERMISSION_DENIED, v1::ROLE_REQUIRED));
  }
  EXPECT_TRUE(IsRpcError(CreateBackup(server().channel(), "", "", &response),
                         grpc::StatusCode::UNAUTHENTICATED,
                         v1::TOKEN_MISSING));
  EXPECT_TRUE(Entries(backups_.path).empty());
}

// Without --backup-dir: FAILED_PRECONDITION, and nothing written anywhere.
TEST(BackupNotConfiguredTest, CreateBackupFailsPrecondition) {
  ReliefdProcess server;
  RELIEF_ASSERT_OK(server.Start());
  const std::vector<std::string> before = Entries(server.root_dir());
  v1::CreateBackupResponse response;
  RpcResult result =
      CreateBackup(server.channel(), server.admin_token(), "", &response);
  EXPECT_TRUE(IsRpcError(result, grpc::StatusCode::FAILED_PRECONDITION,
                         v1::BACKUP_NOT_CONFIGURED));
  EXPECT_NE(result.status.error_message().find("--backup-dir"),
            std::string::npos)
      << result;
  EXPECT_EQ(Entries(server.root_dir()), before);
  RELIEF_EXPECT_OK(server.Stop());
}

}  // namespace
}  // namespace relief::testing
