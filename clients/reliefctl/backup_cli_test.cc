// Drives `backup create` against an in-process fake AdminService: what is
// sent, what is printed, a bad label that sends nothing, a server refusal
// mapped to its exit code.
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "clients/reliefctl/cli.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "relief/v1/admin_service.grpc.pb.h"

namespace reliefctl {
namespace {

using grpc::ServerContext;
using grpc::Status;
using grpc::StatusCode;

class FakeAdmin final : public relief::v1::AdminService::Service {
 public:
  Status CreateBackup(ServerContext* context,
                      const relief::v1::CreateBackupRequest* request,
                      relief::v1::CreateBackupResponse* response) override {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.push_back(*request);
    if (!configured_) {
      context->AddTrailingMetadata("relief-reason", "BACKUP_NOT_CONFIGURED");
      return Status(StatusCode::FAILED_PRECONDITION,
                    "BACKUP_NOT_CONFIGURED: this reliefd has no backup "
                    "directory: start it with --backup-dir DIR");
    }
    auto* m = response->mutable_manifest();
    m->set_format("relief-backup-v1");
    m->set_head_sequence(1234);
    m->set_head_hash_hex(std::string(64, 'a'));
    m->set_created_at("2026-11-24T19:00:12.000000Z");
    m->set_name("20261124T190012Z-seq1234-" + request->label());
    m->set_label(request->label());
    auto* f = m->add_files();
    f->set_path("ledger/CURRENT");
    f->set_size_bytes(16);
    m->set_total_bytes(4096);
    response->set_path("/srv/backups/" + m->name());
    return Status::OK;
  }

  std::vector<relief::v1::CreateBackupRequest> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  void set_configured(bool configured) {
    std::lock_guard<std::mutex> lock(mu_);
    configured_ = configured;
  }

 private:
  std::mutex mu_;
  std::vector<relief::v1::CreateBackupRequest> requests_;
  bool configured_ = true;
};

class BackupCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    unsetenv("RELIEF_SERVER");
    unsetenv("RELIEF_TOKEN");
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(&admin_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    address_ = absl::StrCat("127.0.0.1:", port);
  }
  void TearDown() override { server_->Shutdown(); }

  int Run(std::vector<std::string> args) {
    args.insert(args.end(), {"--server", address_, "--token", "t0ken"});
    std::vector<const char*> argv = {"reliefctl"};
    for (const std::string& arg : args) argv.push_back(arg.c_str());
    out_.str("");
    err_.str("");
    return RunReliefctl(static_cast<int>(argv.size()), argv.data(), out_, err_);
  }

  FakeAdmin admin_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(BackupCliTest, CreatePrintsWhereAndWhat) {
  ASSERT_EQ(Run({"backup", "create", "--label", "before-upgrade_2.1"}), 0)
      << err_.str();
  ASSERT_EQ(admin_.requests().size(), 1u);
  EXPECT_EQ(admin_.requests()[0].label(), "before-upgrade_2.1");
  const std::string out = out_.str();
  EXPECT_NE(out.find("/srv/backups/20261124T190012Z-seq1234-before-upgrade_2.1"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("head sequence"), std::string::npos) << out;
  EXPECT_NE(out.find("1234"), std::string::npos) << out;
  EXPECT_NE(out.find(std::string(64, 'a')), std::string::npos) << out;
  EXPECT_NE(out.find("verify-backup"), std::string::npos) << out;

  ASSERT_EQ(Run({"--json", "backup", "create"}), 0) << err_.str();
  EXPECT_EQ(admin_.requests().back().label(), "");
  EXPECT_NE(out_.str().find("\"head_sequence\":\"1234\""), std::string::npos)
      << out_.str();
}

TEST_F(BackupCliTest, BadLabelIsAUsageErrorAndSendsNothing) {
  for (const char* label : {"", "../etc", "-x", ".hidden", "a b", "标签",
                            "x/y"}) {
    EXPECT_EQ(Run({"backup", "create", "--label", label}), 2) << label;
  }
  EXPECT_EQ(Run({"backup", "create", "--label", std::string(41, 'a')}), 2);
  EXPECT_EQ(Run({"backup"}), 2);
  EXPECT_TRUE(admin_.requests().empty());
}

TEST_F(BackupCliTest, NotConfiguredIsFailedPrecondition) {
  admin_.set_configured(false);
  EXPECT_EQ(Run({"backup", "create"}), 19);  // 10 + FAILED_PRECONDITION
  EXPECT_NE(err_.str().find("--backup-dir"), std::string::npos) << err_.str();
  EXPECT_NE(err_.str().find("BACKUP_NOT_CONFIGURED"), std::string::npos)
      << err_.str();
}

}  // namespace
}  // namespace reliefctl
