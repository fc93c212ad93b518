// In-process tests of the server's transport rules: TLS, client
// certificates, the refusal to listen in clear beyond loopback, and the one
// place errors become gRPC statuses.
#include "ledger/server/server.h"

#include <condition_variable>
#include <functional>
#include <cstdlib>
#include <mutex>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "ledger/domain/rejection.h"
#include "ledger/server/ledger_service.h"
#include "ledger/server/request_log.h"
#include "ledger/store/event_log.h"
#include "rocksdb/db.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "relief/v1/ledger_service.grpc.pb.h"
#include "relief/v1/query_service.grpc.pb.h"

namespace relief {
namespace {

std::string TempDir() {
  std::string pattern = ::testing::TempDir() + "/server_XXXXXX";
  EXPECT_NE(mkdtemp(pattern.data()), nullptr);
  return pattern;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(ServerTest, LoopbackAddresses) {
  EXPECT_TRUE(IsLoopbackAddress("127.0.0.1:50051"));
  EXPECT_TRUE(IsLoopbackAddress("127.1.2.3:0"));
  EXPECT_TRUE(IsLoopbackAddress("localhost:1"));
  EXPECT_TRUE(IsLoopbackAddress("[::1]:50051"));
  EXPECT_FALSE(IsLoopbackAddress("0.0.0.0:50051"));
  EXPECT_FALSE(IsLoopbackAddress("[::]:50051"));
  EXPECT_FALSE(IsLoopbackAddress("10.0.0.5:50051"));
  EXPECT_FALSE(IsLoopbackAddress("127example.com:1"));
}

TEST(ServerTest, ErrorsCarryReasonInMessage) {
  grpc::Status s = ToGrpcStatus(
      FailedPrecondition(v1::ORG_PARENT_NOT_FOUND, "parent 'x' missing"),
      nullptr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(s.error_message(), "ORG_PARENT_NOT_FOUND: parent 'x' missing");
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus(), nullptr).ok());
}

// The auditor's one command: a spot-check sample moves no money, and only an
// auditor draws it; an auditor may send no command that moves money.
TEST(ServerTest, OnlyAuditorsDrawSamplesAndAuditorsMoveNoMoney) {
  v1::Command draw;
  draw.mutable_draw_sample();
  for (const v1::Role role :
       {v1::ROLE_ADMIN, v1::ROLE_FINANCE_OFFICER, v1::ROLE_LOAN_OFFICER,
        v1::ROLE_SERVICE}) {
    const absl::Status s = AuthorizeCommand(Principal{"p", {role}}, draw);
    EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied) << role;
    EXPECT_EQ(ReasonOf(s), v1::ROLE_REQUIRED);
  }
  const Principal auditor{"audit.wang", {v1::ROLE_AUDITOR}};
  EXPECT_TRUE(AuthorizeCommand(auditor, draw).ok());
  const google::protobuf::OneofDescriptor* kind =
      v1::Command::descriptor()->FindOneofByName("kind");
  for (int i = 0; i < kind->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* field = kind->field(i);
    if (field->name() == "draw_sample") continue;
    v1::Command command;
    command.GetReflection()->MutableMessage(&command, field);
    EXPECT_EQ(AuthorizeCommand(auditor, command).code(),
              absl::StatusCode::kPermissionDenied)
        << field->name();
  }
}

TEST(ServerTest, RefusesPlaintextBeyondLoopback) {
  ServerOptions options;
  options.data_dir = TempDir();
  options.listen = "0.0.0.0:0";
  auto server = ReliefServer::Start(options);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(server.status().message().find("--insecure"), std::string::npos);
  // Nothing was created: the refusal comes before the ledger is opened.
  EXPECT_FALSE(std::ifstream(options.data_dir + "/admin.token").good());
  options.tls_cert = "only-one.pem";
  server = ReliefServer::Start(options);
  EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument);
}

// Bytes that are no protobuf message at all: gRPC refuses them before any
// handler runs, and nothing is written. The code is gRPC's choice, not
// ours (UNIMPLEMENTED on the callback API); it is documented.
TEST(ServerTest, UndecodableRequestChangesNothing) {
  ServerOptions options;
  options.data_dir = TempDir();
  options.listen = "127.0.0.1:0";
  auto server = ReliefServer::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();
  std::string token = Slurp((*server)->admin_token_path());
  token.erase(token.find_last_not_of("\n") + 1);
  auto channel = grpc::CreateChannel(
      "127.0.0.1:" + std::to_string((*server)->port()),
      grpc::InsecureChannelCredentials());
  auto head = [&] {
    auto stub = v1::QueryService::NewStub(channel);
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token);
    v1::GetStatusResponse response;
    EXPECT_TRUE(stub->GetStatus(&context, {}, &response).ok());
    return response.head_sequence();
  };
  const uint64_t before = head();
  grpc::GenericStub generic(channel);
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + token);
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  // A field header announcing 200 bytes that never come.
  const char garbage[] = "\x12\xc8\x01\xff\xfe";
  std::string bytes(garbage, sizeof(garbage) - 1);
  grpc::Slice slice(bytes.data(), bytes.size());
  grpc::ByteBuffer request(&slice, 1), reply;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status status;
  generic.UnaryCall(&context, "/relief.v1.LedgerService/RegisterOrgUnit",
                    grpc::StubOptions(), &request, &reply,
                    [&](grpc::Status s) {
                      std::lock_guard<std::mutex> lock(mu);
                      status = s;
                      done = true;
                      cv.notify_all();
                    });
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return done; });
  // gRPC's own layer answers before any handler: the callback API says
  // UNIMPLEMENTED (the sync API INTERNAL); see docs/api.md.
  EXPECT_FALSE(status.ok());
  std::printf("undecodable request: code %d, %s\n", status.error_code(),
              status.error_message().c_str());
  EXPECT_EQ(head(), before);
}

// A failed write is sticky: the command fails UNAVAILABLE, later ones too,
// health says NOT_SERVING, and GetStatus names the writer's failure.
TEST(ServerTest, FailedWriteStopsWritesAndHealth) {
  ServerOptions options;
  options.data_dir = TempDir();
  options.listen = "127.0.0.1:0";
  auto server = ReliefServer::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();
  std::string token = Slurp((*server)->admin_token_path());
  token.erase(token.find_last_not_of("\n") + 1);
  auto channel = grpc::CreateChannel(
      "127.0.0.1:" + std::to_string((*server)->port()),
      grpc::InsecureChannelCredentials());
  auto health = [&] {
    auto stub = grpc::health::v1::Health::NewStub(channel);
    grpc::ClientContext context;
    grpc::health::v1::HealthCheckRequest request;
    grpc::health::v1::HealthCheckResponse response;
    EXPECT_TRUE(stub->Check(&context, request, &response).ok());
    return response.status();
  };
  auto register_unit = [&](const std::string& code) {
    auto stub = v1::LedgerService::NewStub(channel);
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token);
    v1::RegisterOrgUnitRequest request;
    request.set_request_id("r-" + code);
    request.set_code(code);
    request.set_name_zh("省总工会");
    request.set_level(v1::ORG_LEVEL_PROVINCE);
    v1::RegisterOrgUnitResponse response;
    return stub->RegisterOrgUnit(&context, request, &response);
  };
  EXPECT_EQ(health(), grpc::health::v1::HealthCheckResponse::SERVING);
  ASSERT_TRUE(register_unit("sd").ok());
  (*server)->event_log_for_testing()->FailWritesForTesting(
      absl::UnavailableError("injected: No space left on device"));
  grpc::Status failed = register_unit("hn");
  EXPECT_EQ(failed.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_NE(failed.error_message().find("WRITER_STOPPED"), std::string::npos);
  EXPECT_EQ(health(), grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  (*server)->event_log_for_testing()->FailWritesForTesting(absl::OkStatus());
  EXPECT_EQ(register_unit("js").error_code(), grpc::StatusCode::UNAVAILABLE);
  auto query = v1::QueryService::NewStub(channel);
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + token);
  v1::GetStatusResponse status;
  ASSERT_TRUE(query->GetStatus(&context, {}, &status).ok());
  EXPECT_EQ(status.writer_state(), v1::WRITER_STATE_FAILED);
  EXPECT_NE(status.writer_error().find("No space left"), std::string::npos);
  EXPECT_EQ(status.head_sequence(), 2u);  // admin token + "sd"
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = TempDir();
    // A CA, a server certificate for localhost and a client certificate.
    std::string script = "cd " + dir_ + R"( && {
      openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=relief-test-ca -keyout ca.key -out ca.pem &&
      openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout server.key -out server.csr &&
      printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > san.ext &&
      openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile san.ext -out server.pem &&
      openssl req -newkey rsa:2048 -nodes -subj /CN=client -keyout client.key -out client.csr &&
      openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -out client.pem ; } >openssl.log 2>&1)";
    ASSERT_EQ(std::system(script.c_str()), 0) << Slurp(dir_ + "/openssl.log");
  }

  absl::StatusOr<std::unique_ptr<ReliefServer>> StartServer(bool client_ca) {
    ServerOptions options;
    options.data_dir = dir_ + "/data";
    options.listen = "127.0.0.1:0";
    options.tls_cert = dir_ + "/server.pem";
    options.tls_key = dir_ + "/server.key";
    if (client_ca) options.client_ca = dir_ + "/ca.pem";
    return ReliefServer::Start(options);
  }

  grpc::Status Call(int port, bool with_client_cert, std::string token) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = Slurp(dir_ + "/ca.pem");
    if (with_client_cert) {
      ssl.pem_private_key = Slurp(dir_ + "/client.key");
      ssl.pem_cert_chain = Slurp(dir_ + "/client.pem");
    }
    auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                       grpc::SslCredentials(ssl));
    auto stub = v1::QueryService::NewStub(channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    context.AddMetadata("authorization", "Bearer " + token);
    v1::GetStatusResponse response;
    return stub->GetStatus(&context, v1::GetStatusRequest(), &response);
  }

  std::string dir_;
};

TEST_F(TlsTest, ServesOverTls) {
  auto server = StartServer(false);
  ASSERT_TRUE(server.ok()) << server.status();
  std::string token = Slurp((*server)->admin_token_path());
  token.erase(token.find_last_not_of("\n") + 1);
  EXPECT_TRUE(Call((*server)->port(), false, token).ok());
  EXPECT_EQ(Call((*server)->port(), false, "rlf_wrong").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  // A plaintext client cannot talk to it.
  auto plain = v1::QueryService::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string((*server)->port()),
      grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(5));
  v1::GetStatusResponse response;
  EXPECT_FALSE(plain->GetStatus(&context, {}, &response).ok());
}

TEST_F(TlsTest, RequiresClientCertificateWhenAsked) {
  auto server = StartServer(true);
  ASSERT_TRUE(server.ok()) << server.status();
  std::string token = Slurp((*server)->admin_token_path());
  token.erase(token.find_last_not_of("\n") + 1);
  EXPECT_TRUE(Call((*server)->port(), true, token).ok());
  EXPECT_FALSE(Call((*server)->port(), false, token).ok());
}

// The request line: logfmt, absent values as "-", odd values quoted so a
// principal's name cannot forge another field.
TEST(ServerTest, RequestLineIsLogfmt) {
  RequestRecord record;
  record.method = "relief.v1.LedgerService/ReceiveFunds";
  record.principal = "cai.wu";
  record.code = 7;
  record.reason = "ROLE_REQUIRED";
  record.latency_micros = 1234;
  record.peer = "ipv4:127.0.0.1:5000";
  EXPECT_EQ(FormatRequestLine(record),
            "rpc=relief.v1.LedgerService/ReceiveFunds principal=cai.wu "
            "code=PERMISSION_DENIED reason=ROLE_REQUIRED latency_us=1234 "
            "peer=ipv4:127.0.0.1:5000");
  record.principal = "x code=OK \"y\"\n";
  record.reason = "";
  record.peer = "";
  record.code = 0;
  EXPECT_EQ(FormatRequestLine(record),
            "rpc=relief.v1.LedgerService/ReceiveFunds "
            "principal=\"x code=OK \\\"y\\\"\\x0a\" code=OK reason=- "
            "latency_us=1234 peer=-");
  record.principal = "王芳";  // UTF-8 stays as it is
  EXPECT_NE(FormatRequestLine(record).find(" principal=王芳 "),
            std::string::npos);
}

// A server on loopback with the admin token, and the calls the health tests
// make.
struct TestServer {
  std::unique_ptr<ReliefServer> server;
  std::string token;
  std::shared_ptr<grpc::Channel> channel;

  static TestServer Start(ServerOptions options) {
    options.data_dir = TempDir();
    options.listen = "127.0.0.1:0";
    auto started = ReliefServer::Start(options);
    EXPECT_TRUE(started.ok()) << started.status();
    TestServer t;
    if (!started.ok()) return t;
    t.server = *std::move(started);
    t.token = Slurp(t.server->admin_token_path());
    t.token.erase(t.token.find_last_not_of("\n") + 1);
    t.channel = grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(t.server->port()),
        grpc::InsecureChannelCredentials());
    return t;
  }
  grpc::health::v1::HealthCheckResponse::ServingStatus Health() {
    auto stub = grpc::health::v1::Health::NewStub(channel);
    grpc::ClientContext context;
    grpc::health::v1::HealthCheckResponse response;
    EXPECT_TRUE(stub->Check(&context, {}, &response).ok());
    return response.status();
  }
  grpc::Status RegisterUnit(const std::string& code) {
    auto stub = v1::LedgerService::NewStub(channel);
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token);
    v1::RegisterOrgUnitRequest request;
    request.set_request_id("r-" + code);
    request.set_code(code);
    request.set_name_zh("省总工会");
    request.set_level(v1::ORG_LEVEL_PROVINCE);
    v1::RegisterOrgUnitResponse response;
    return stub->RegisterOrgUnit(&context, request, &response);
  }
  v1::GetMetricsResponse Metrics() {
    auto stub = v1::QueryService::NewStub(channel);
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token);
    v1::GetMetricsResponse response;
    EXPECT_TRUE(stub->GetMetrics(&context, {}, &response).ok());
    return response;
  }
  // Polls (never sleeps for time to pass) until `done` or 20 s.
  template <typename F>
  bool Await(F done) {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }
};

// The writer stuck inside a group (here: its clock blocks) while a command
// waits: once the watchdog's clock passes the stall timeout, health says
// NOT_SERVING and GetMetrics says writer_stalled; when the writer moves
// again, SERVING. The watchdog's clock is the test's.
TEST(ServerTest, StalledWriterTurnsHealthNotServingUntilItMoves) {
  struct Gate {
    std::mutex mu;
    std::condition_variable cv;
    bool closed = false;
  };
  auto gate = std::make_shared<Gate>();
  auto watchdog_now = std::make_shared<std::atomic<int64_t>>(1'000'000);
  ServerOptions options;
  options.writer.tick_millis = 3'600'000;  // no idle ticks during the test
  options.writer.clock = [gate] {
    std::unique_lock<std::mutex> lock(gate->mu);
    gate->cv.wait(lock, [&] { return !gate->closed; });
    return absl::ToUnixMicros(absl::Now());
  };
  options.writer_stall_timeout_seconds = 30;
  options.watchdog_interval_millis = 2;
  options.watchdog_clock = [watchdog_now] { return watchdog_now->load(); };
  TestServer t = TestServer::Start(options);
  ASSERT_NE(t.server, nullptr);
  EXPECT_EQ(t.Health(), grpc::health::v1::HealthCheckResponse::SERVING);
  ASSERT_TRUE(t.RegisterUnit("sd").ok());
  // Idle for an hour of the watchdog's time: nothing waits, still serving.
  *watchdog_now += 3600LL * 1'000'000;
  EXPECT_EQ(t.Health(), grpc::health::v1::HealthCheckResponse::SERVING);

  auto open_gate = [gate] {
    {
      std::lock_guard<std::mutex> lock(gate->mu);
      gate->closed = false;
    }
    gate->cv.notify_all();
  };
  {
    std::lock_guard<std::mutex> lock(gate->mu);
    gate->closed = true;
  }
  grpc::Status stuck_status;
  std::thread stuck([&] { stuck_status = t.RegisterUnit("hn"); });
  // Whatever fails below, the writer is let go and the caller joined.
  struct Release {
    std::function<void()> open;
    std::thread* thread;
    ~Release() {
      open();
      if (thread->joinable()) thread->join();
    }
  } release{open_gate, &stuck};
  ASSERT_TRUE(t.Await([&] {
    *watchdog_now += 31LL * 1'000'000;
    return t.Health() == grpc::health::v1::HealthCheckResponse::NOT_SERVING;
  }));
  v1::GetMetricsResponse metrics = t.Metrics();
  EXPECT_TRUE(metrics.writer_stalled());
  EXPECT_FALSE(metrics.serving());
  EXPECT_FALSE(metrics.writer_failed());

  open_gate();
  stuck.join();
  EXPECT_TRUE(stuck_status.ok()) << stuck_status.error_message();
  ASSERT_TRUE(t.Await([&] {
    return t.Health() == grpc::health::v1::HealthCheckResponse::SERVING;
  }));
  metrics = t.Metrics();
  EXPECT_FALSE(metrics.writer_stalled());
  EXPECT_TRUE(metrics.serving());
  EXPECT_EQ(metrics.head_sequence(), 3u);  // admin token, sd, hn
}

// A projection that cannot apply (the stored hash its next event chains to
// was altered) stops the read side: health NOT_SERVING for good.
TEST(ServerTest, FailedProjectionTurnsHealthNotServing) {
  TestServer t = TestServer::Start(ServerOptions());
  ASSERT_NE(t.server, nullptr);
  ASSERT_TRUE(t.RegisterUnit("sd").ok());
  ASSERT_TRUE(t.Await([&] {
    v1::GetMetricsResponse m = t.Metrics();
    return m.projections_size() > 0 && m.projection_lag_events() == 0;
  }));
  EXPECT_EQ(t.Health(), grpc::health::v1::HealthCheckResponse::SERVING);

  EventLog* log = t.server->event_log_for_testing();
  std::string value;
  ASSERT_TRUE(log->db()
                  ->Get(rocksdb::ReadOptions(), log->events(),
                        EncodeSequenceKey(2), &value)
                  .ok());
  value[0] = static_cast<char>(value[0] ^ 0x01);  // the stored hash
  ASSERT_TRUE(log->db()
                  ->Put(rocksdb::WriteOptions(), log->events(),
                        EncodeSequenceKey(2), value)
                  .ok());
  ASSERT_TRUE(t.RegisterUnit("hn").ok());
  ASSERT_TRUE(t.Await([&] {
    return t.Health() == grpc::health::v1::HealthCheckResponse::NOT_SERVING;
  }));
  v1::GetMetricsResponse metrics = t.Metrics();
  EXPECT_TRUE(metrics.projections_failed());
  EXPECT_FALSE(metrics.serving());
  EXPECT_EQ(metrics.projection_lag_events(), 1u);  // event 3 never applied
}

}  // namespace
}  // namespace relief
