// A full disk, and an I/O error, under a running server: RocksDB is given a
// file system that starts failing every write and sync on demand (as a full
// disk or a dying one does), through the ServerOptions test seam.
//
// Proven: every acknowledged command survives; the command that hit the
// failure is not acknowledged; later commands get UNAVAILABLE /
// WRITER_STOPPED saying what happened and what to do; health is
// NOT_SERVING; once "space is back" and the server restarts, the chain
// verifies, every acknowledged event is there, a retry of the failed command
// with its request id is applied once, and new writes are accepted.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "ledger/server/server.h"
#include "relief/v1/audit_service.grpc.pb.h"
#include "relief/v1/ledger_service.grpc.pb.h"
#include "relief/v1/query_service.grpc.pb.h"
#include "rocksdb/file_system.h"

namespace relief {
namespace {

// Wraps the default file system; while `error` is set, creating, appending
// to, flushing and syncing writable files fail with it.
class FailingFileSystem : public rocksdb::FileSystemWrapper {
 public:
  FailingFileSystem() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "FailingFileSystem"; }

  void Fail(rocksdb::IOStatus error) {
    std::lock_guard<std::mutex> lock(mu_);
    error_ = std::move(error);
  }
  rocksdb::IOStatus error() const {
    std::lock_guard<std::mutex> lock(mu_);
    return error_;
  }

  rocksdb::IOStatus NewWritableFile(
      const std::string& name, const rocksdb::FileOptions& options,
      std::unique_ptr<rocksdb::FSWritableFile>* result,
      rocksdb::IODebugContext* debug) override {
    if (rocksdb::IOStatus e = error(); !e.ok()) return e;
    std::unique_ptr<rocksdb::FSWritableFile> file;
    rocksdb::IOStatus s = target()->NewWritableFile(name, options, &file, debug);
    if (s.ok()) result->reset(new File(std::move(file), this));
    return s;
  }

 private:
  class File : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSWritableFile> file,
         const FailingFileSystem* fs)
        : FSWritableFileOwnerWrapper(std::move(file)), fs_(fs) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data,
                             const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* debug) override {
      if (rocksdb::IOStatus e = fs_->error(); !e.ok()) return e;
      return FSWritableFileOwnerWrapper::Append(data, options, debug);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data,
                             const rocksdb::IOOptions& options,
                             const rocksdb::DataVerificationInfo& info,
                             rocksdb::IODebugContext* debug) override {
      if (rocksdb::IOStatus e = fs_->error(); !e.ok()) return e;
      return FSWritableFileOwnerWrapper::Append(data, options, info, debug);
    }
    rocksdb::IOStatus Flush(const rocksdb::IOOptions& options,
                            rocksdb::IODebugContext* debug) override {
      if (rocksdb::IOStatus e = fs_->error(); !e.ok()) return e;
      return FSWritableFileOwnerWrapper::Flush(options, debug);
    }
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* debug) override {
      if (rocksdb::IOStatus e = fs_->error(); !e.ok()) return e;
      return FSWritableFileOwnerWrapper::Sync(options, debug);
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                            rocksdb::IODebugContext* debug) override {
      if (rocksdb::IOStatus e = fs_->error(); !e.ok()) return e;
      return FSWritableFileOwnerWrapper::Fsync(options, debug);
    }

   private:
    const FailingFileSystem* fs_;
  };

  mutable std::mutex mu_;
  rocksdb::IOStatus error_;
};

std::string TempDir() {
  std::string pattern = ::testing::TempDir() + "/disk_full_XXXXXX";
  EXPECT_NE(mkdtemp(pattern.data()), nullptr);
  return pattern;
}

// One server over the failing file system, and calls to it.
class Running {
 public:
  Running(const std::string& data_dir, std::shared_ptr<rocksdb::Env> env) {
    ServerOptions options;
    options.data_dir = data_dir;
    options.listen = "127.0.0.1:0";
    options.env_for_testing = std::move(env);
    auto server = ReliefServer::Start(options);
    EXPECT_TRUE(server.ok()) << server.status();
    if (!server.ok()) return;
    server_ = *std::move(server);
    std::ifstream in(data_dir + "/admin.token");
    std::getline(in, token_);
    channel_ = grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(server_->port()),
        grpc::InsecureChannelCredentials());
  }
  bool ok() const { return server_ != nullptr; }

  void Prepare(grpc::ClientContext* context) const {
    context->AddMetadata("authorization", "Bearer " + token_);
    context->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::seconds(20));
  }

  grpc::Status Register(const std::string& request_id, const std::string& code,
                        uint64_t* first_sequence = nullptr) const {
    auto stub = v1::LedgerService::NewStub(channel_);
    grpc::ClientContext context;
    Prepare(&context);
    v1::RegisterOrgUnitRequest request;
    request.set_request_id(request_id);
    request.set_code(code);
    request.set_name_zh("工会 " + code);
    if (code == "nat") {
      request.set_level(v1::ORG_LEVEL_NATIONAL);
    } else {
      request.set_parent_code("nat");
      request.set_level(v1::ORG_LEVEL_PROVINCE);
    }
    v1::RegisterOrgUnitResponse response;
    grpc::Status s = stub->RegisterOrgUnit(&context, request, &response);
    if (s.ok() && first_sequence != nullptr) {
      *first_sequence = response.result().first_sequence();
    }
    return s;
  }

  grpc::health::v1::HealthCheckResponse::ServingStatus Health() const {
    auto stub = grpc::health::v1::Health::NewStub(channel_);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(20));
    grpc::health::v1::HealthCheckResponse response;
    EXPECT_TRUE(stub->Check(&context, {}, &response).ok());
    return response.status();
  }

  v1::GetStatusResponse Status() const {
    auto stub = v1::QueryService::NewStub(channel_);
    grpc::ClientContext context;
    Prepare(&context);
    v1::GetStatusResponse response;
    EXPECT_TRUE(stub->GetStatus(&context, {}, &response).ok());
    return response;
  }

  v1::VerifyChainResponse Verify() const {
    auto stub = v1::AuditService::NewStub(channel_);
    grpc::ClientContext context;
    Prepare(&context);
    v1::VerifyChainResponse response;
    EXPECT_TRUE(stub->VerifyChain(&context, {}, &response).ok());
    return response;
  }

  // The request ids of every event in the log, in order.
  std::vector<std::string> RequestIds() const {
    auto stub = v1::AuditService::NewStub(channel_);
    std::vector<std::string> ids;
    uint64_t after = 0;
    while (true) {
      grpc::ClientContext context;
      Prepare(&context);
      v1::ListEventsRequest request;
      request.set_after_sequence(after);
      request.set_page_size(1000);
      v1::ListEventsResponse response;
      grpc::Status s = stub->ListEvents(&context, request, &response);
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok() || response.events_size() == 0) break;
      for (const auto& e : response.events()) ids.push_back(e.request_id());
      after = response.events(response.events_size() - 1).sequence();
    }
    return ids;
  }

  void Stop() { server_.reset(); }

 private:
  std::unique_ptr<ReliefServer> server_;
  std::string token_;
  std::shared_ptr<grpc::Channel> channel_;
};

struct Case {
  const char* name;
  rocksdb::IOStatus error;
  const char* says;        // in every refusal's message
  const char* must_not_say;
};

class DiskFullTest : public ::testing::TestWithParam<int> {
 protected:
  Case TheCase() const {
    if (GetParam() == 0) {
      return {"no space", rocksdb::IOStatus::NoSpace("injected: No space left "
                                                     "on device"),
              "disk full", "I/O error"};
    }
    return {"I/O error",
            rocksdb::IOStatus::IOError("injected: Input/output error"),
            "I/O error", "disk full"};
  }
};

TEST_P(DiskFullTest, NoAcknowledgedEventIsLostAndTheServerRecovers) {
  const Case c = TheCase();
  SCOPED_TRACE(c.name);
  const std::string data_dir = TempDir();
  auto fs = std::make_shared<FailingFileSystem>();
  std::shared_ptr<rocksdb::Env> env(rocksdb::NewCompositeEnv(fs).release());

  std::vector<std::string> acknowledged;
  std::string failed_request_id = "r-fail";
  {
    Running server(data_dir, env);
    ASSERT_TRUE(server.ok());
    ASSERT_TRUE(server.Register("r-nat", "nat").ok());
    acknowledged.push_back("r-nat");
    for (int i = 0; i < 10; ++i) {
      const std::string id = "r-" + std::to_string(i);
      grpc::Status s = server.Register(id, "nat.p" + std::to_string(i));
      ASSERT_TRUE(s.ok()) << s.error_message();
      acknowledged.push_back(id);
    }
    EXPECT_EQ(server.Health(), grpc::health::v1::HealthCheckResponse::SERVING);

    fs->Fail(c.error);
    grpc::Status failed = server.Register(failed_request_id, "nat.fail");
    EXPECT_EQ(failed.error_code(), grpc::StatusCode::UNAVAILABLE);
    EXPECT_NE(failed.error_message().find("WRITER_STOPPED"), std::string::npos)
        << failed.error_message();
    EXPECT_NE(failed.error_message().find(c.says), std::string::npos)
        << failed.error_message();
    EXPECT_EQ(failed.error_message().find(c.must_not_say), std::string::npos)
        << failed.error_message();
    EXPECT_NE(failed.error_message().find("same request id"),
              std::string::npos)
        << failed.error_message();

    // Later commands: refused at once, saying why and what to do.
    for (int i = 0; i < 3; ++i) {
      grpc::Status later =
          server.Register("r-later-" + std::to_string(i), "nat.later");
      EXPECT_EQ(later.error_code(), grpc::StatusCode::UNAVAILABLE);
      EXPECT_NE(later.error_message().find("WRITER_STOPPED"),
                std::string::npos);
      EXPECT_NE(later.error_message().find(c.says), std::string::npos)
          << later.error_message();
      EXPECT_NE(later.error_message().find("restart reliefd"),
                std::string::npos)
          << later.error_message();
    }
    EXPECT_EQ(server.Health(),
              grpc::health::v1::HealthCheckResponse::NOT_SERVING);
    v1::GetStatusResponse status = server.Status();
    EXPECT_EQ(status.writer_state(), v1::WRITER_STATE_FAILED);
    EXPECT_NE(status.writer_error().find(c.says), std::string::npos)
        << status.writer_error();
    // The shutdown happens with the disk still failing.
    server.Stop();
  }

  // Space is back; restart.
  fs->Fail(rocksdb::IOStatus::OK());
  Running server(data_dir, env);
  ASSERT_TRUE(server.ok());
  EXPECT_EQ(server.Health(), grpc::health::v1::HealthCheckResponse::SERVING);
  v1::VerifyChainResponse verified = server.Verify();
  EXPECT_TRUE(verified.ok()) << verified.ShortDebugString();
  std::vector<std::string> ids = server.RequestIds();
  ASSERT_GE(ids.size(), acknowledged.size() + 1);  // + the admin token
  for (size_t i = 0; i < acknowledged.size(); ++i) {
    EXPECT_EQ(ids[i + 1], acknowledged[i]) << "sequence " << i + 2;
  }
  // The failed command may or may not have reached the disk (a failed
  // fsync cannot tell); its retry with the same request id is applied at
  // most once either way.
  uint64_t first = 0;
  grpc::Status retried = server.Register(failed_request_id, "nat.fail", &first);
  ASSERT_TRUE(retried.ok()) << retried.error_message();
  grpc::Status again = server.Register(failed_request_id, "nat.fail");
  ASSERT_TRUE(again.ok()) << again.error_message();
  grpc::Status later = server.Register("r-after", "nat.after");
  ASSERT_TRUE(later.ok()) << later.error_message();
  ids = server.RequestIds();
  int fail_events = 0;
  for (const std::string& id : ids) fail_events += id == failed_request_id;
  EXPECT_EQ(fail_events, 1);
  EXPECT_EQ(ids.back(), "r-after");
  EXPECT_TRUE(server.Verify().ok());
  server.Stop();
  std::error_code ignored;
  std::filesystem::remove_all(data_dir, ignored);
}

INSTANTIATE_TEST_SUITE_P(NoSpaceAndIoError, DiskFullTest,
                         ::testing::Values(0, 1),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return info.param == 0 ? "NoSpace" : "IoError";
                         });

}  // namespace
}  // namespace relief
