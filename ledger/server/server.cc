#include "ledger/server/server.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "ledger/domain/limits.h"
#include "ledger/domain/rejection.h"
#include "ledger/server/admin_service.h"
#include "ledger/server/ledger_service.h"
#include "ledger/server/request_log.h"
#include "ledger/store/sha256.h"
#include "projections/all_projections.h"
#include "projections/dossiers_projection.h"
#include "projections/funds_projections.h"
#include "projections/grants_projection.h"
#include "projections/loans_projection.h"
#include "projections/org_units_projection.h"
#include "projections/projection_runner.h"
#include "projections/query_service.h"

namespace relief {
namespace {

constexpr char kAdminTokenFile[] = "admin.token";

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(absl::StrCat("cannot read ", path));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Writes `content` to `path` durably and atomically, with `mode`.
absl::Status WriteFileAtomically(const std::string& path,
                                 const std::string& content, mode_t mode) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) {
    return absl::InternalError(absl::StrCat("cannot create ", tmp, ": ",
                                            std::strerror(errno)));
  }
  ::fchmod(fd, mode);
  bool ok = ::write(fd, content.data(), content.size()) ==
                static_cast<ssize_t>(content.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::InternalError(absl::StrCat("cannot write ", path, ": ",
                                            std::strerror(errno)));
  }
  // The rename is durable only once the directory is synced.
  std::string dir = std::filesystem::path(path).parent_path().string();
  int dir_fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY);
  bool synced = dir_fd >= 0 && ::fsync(dir_fd) == 0;
  if (dir_fd >= 0) ::close(dir_fd);
  if (!synced) {
    return absl::InternalError(absl::StrCat("cannot sync the directory of ",
                                            path, ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace

// AllProjections() is in projections/all_projections.cc: Reconcile
// rebuilds the same list.

absl::Status DropAllProjections(const std::string& data_dir) {
  auto log = EventLog::Open(data_dir);
  if (!log.ok()) return log.status();
  ProjectionRunner runner(log->get(), AllProjections());
  std::vector<std::string> names;
  for (const auto& c : runner.checkpoints()) names.push_back(c.name);
  for (const auto& name : names) {
    if (auto s = runner.Drop(name); !s.ok()) return s;
  }
  return absl::OkStatus();
}

bool IsLoopbackAddress(const std::string& host_port) {
  std::string host = host_port;
  if (absl::StartsWith(host, "[")) {
    host = host.substr(1, host.find(']') - 1);
  } else if (size_t colon = host.rfind(':'); colon != std::string::npos) {
    host = host.substr(0, colon);
  }
  return host == "localhost" || host == "::1" || absl::StartsWith(host, "127.");
}

// What grpc.health.v1 says: SERVING once started, unless the writer failed
// or a projection stopped (both for good), the writer is stalled (until it
// moves again), or the server is shutting down. Mirrored into Metrics.
class ReliefServer::Health {
 public:
  explicit Health(Metrics* metrics) : metrics_(metrics) {}
  void set_server(grpc::Server* server) { Set([&] { server_ = server; }); }
  void SetStarted() { Set([&] { started_ = true; }); }
  void SetWriterFailed() {
    metrics_->set_writer_failed(true);
    Set([&] { writer_failed_ = true; });
  }
  void SetProjectionsFailed() {
    metrics_->set_projections_failed(true);
    Set([&] { projections_failed_ = true; });
  }
  void SetStalled(bool stalled) {
    metrics_->set_writer_stalled(stalled);
    Set([&] { stalled_ = stalled; });
  }
  void SetShuttingDown() { Set([&] { shutting_down_ = true; }); }

 private:
  template <typename F>
  void Set(F change) {
    absl::MutexLock lock(&mu_);
    change();
    const bool serving = started_ && !writer_failed_ && !projections_failed_ &&
                         !stalled_ && !shutting_down_;
    metrics_->set_serving(serving);
    if (server_ != nullptr && server_->GetHealthCheckService() != nullptr) {
      server_->GetHealthCheckService()->SetServingStatus(serving);
    }
  }

  Metrics* const metrics_;
  absl::Mutex mu_;
  grpc::Server* server_ ABSL_GUARDED_BY(mu_) = nullptr;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool writer_failed_ ABSL_GUARDED_BY(mu_) = false;
  bool projections_failed_ ABSL_GUARDED_BY(mu_) = false;
  bool stalled_ ABSL_GUARDED_BY(mu_) = false;
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
};

// Fans the writer's news out to the directory, the projections and health.
class ReliefServer::Listener : public CommitListener {
 public:
  Listener(PrincipalDirectory* directory, ProjectionRunner* runner,
           LogWatch* watch, Health* health)
      : directory_(directory), runner_(runner), watch_(watch),
        health_(health) {}
  void OnCommitted(const State& state, const LogHead& head,
                   const std::vector<v1::EventEnvelope>& envelopes) override {
    if (envelopes.empty()) {
      directory_->Load(state);
      dossiers_at_start_ = state.dossier_count();
    } else {
      directory_->Update(state, envelopes);
    }
    runner_->Notify(head.sequence);
    watch_->Publish(head.sequence);
  }
  // Health turns NOT_SERVING for good.
  void OnWriterFailed(const absl::Status& error) override {
    health_->SetWriterFailed();
  }
  size_t dossiers_at_start() const { return dossiers_at_start_; }

 private:
  PrincipalDirectory* directory_;
  ProjectionRunner* runner_;
  LogWatch* watch_;
  Health* health_;
  size_t dossiers_at_start_ = 0;
};

namespace {
constexpr char kNationalIdKeyFile[] = "national_id.key";

// The key of the national-ID HMAC: made on first use, then needed forever
// (without it the same person is no longer recognised). REQUIRES: the data
// dir exists.
absl::StatusOr<std::string> LoadOrCreateNationalIdKey(
    const std::string& data_dir, size_t dossiers) {
  const std::string path =
      (std::filesystem::path(data_dir) / kNationalIdKeyFile).string();
  if (std::filesystem::exists(path)) {
    auto text = ReadFile(path);
    if (!text.ok()) return text.status();
    std::string hex(absl::StripAsciiWhitespace(*text));
    bool hex_ok = hex.size() == 64;
    for (char c : hex) hex_ok = hex_ok && absl::ascii_isxdigit(c);
    std::string key = hex_ok ? absl::HexStringToBytes(hex) : "";
    if (!hex_ok) {
      return absl::DataLossError(absl::StrCat(
          path, " is not a national-ID key (64 hex characters); restore it "
                "from the backup of the data dir"));
    }
    return key;
  }
  if (dossiers > 0) {
    return absl::DataLossError(absl::StrCat(
        path, " is missing but the ledger holds ", dossiers,
        " dossiers: without the key the same person is not recognised. "
        "Restore the file from the backup of the data dir"));
  }
  std::string key = RandomBytes(32);
  if (auto s = WriteFileAtomically(path, ToHex(key) + "\n", 0600); !s.ok()) {
    return s;
  }
  return key;
}
}  // namespace

absl::Status ValidateServerOptions(const ServerOptions& options) {
  const bool tls = !options.tls_cert.empty() || !options.tls_key.empty();
  if (tls && (options.tls_cert.empty() || options.tls_key.empty())) {
    return absl::InvalidArgumentError(
        "--tls-cert and --tls-key must be given together");
  }
  if (!options.client_ca.empty() && !tls) {
    return absl::InvalidArgumentError(
        "--client-ca needs --tls-cert and --tls-key");
  }
  if (!tls && !options.insecure && !IsLoopbackAddress(options.listen)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "refusing to listen on ", options.listen,
        " (--listen) without TLS: bearer tokens would cross the network in clear. Give "
        "--tls-cert and --tls-key, listen on 127.0.0.1, or pass --insecure "
        "if something else (a tunnel, a mesh) encrypts the wire"));
  }
  const std::pair<const char*, const std::string*> files[] = {
      {"--tls-cert", &options.tls_cert},
      {"--tls-key", &options.tls_key},
      {"--client-ca", &options.client_ca}};
  for (const auto& [flag, path] : files) {
    if (path->empty()) continue;
    std::ifstream in(*path, std::ios::binary);
    if (!in) {
      return absl::InvalidArgumentError(
          absl::StrCat(flag, " ", *path, ": cannot read the file: ",
                       std::strerror(errno)));
    }
  }
  if (!options.port_file.empty()) {
    std::filesystem::path dir =
        std::filesystem::path(options.port_file).parent_path();
    std::error_code ec;
    if (!dir.empty() && !std::filesystem::is_directory(dir, ec)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--port-file ", options.port_file, ": the directory ",
                       dir.string(), " does not exist"));
    }
  }
  std::error_code ec;
  if (std::filesystem::exists(options.data_dir, ec) &&
      !std::filesystem::is_directory(options.data_dir, ec)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--data-dir ", options.data_dir, " exists and is not a directory"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<ReliefServer>> ReliefServer::Start(
    ServerOptions options) {
  if (auto s = ValidateServerOptions(options); !s.ok()) return s;
  const bool tls = !options.tls_cert.empty() || !options.tls_key.empty();

  std::unique_ptr<ReliefServer> server(new ReliefServer());
  server->options_ = options;
  server->metrics_ =
      std::make_unique<Metrics>(absl::ToUnixMicros(absl::Now()));
  server->health_ = std::make_unique<Health>(server->metrics_.get());
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot create the data dir ", options.data_dir, ": ", ec.message()));
  }
  ::chmod(options.data_dir.c_str(), 0700);
  auto log = EventLog::Open(options.data_dir, OpenMode::kReadWrite,
                           options.env_for_testing.get());
  if (!log.ok()) return log.status();
  server->log_ = *std::move(log);
  server->directory_ = std::make_unique<PrincipalDirectory>();
  server->runner_ = std::make_unique<ProjectionRunner>(server->log_.get(),
                                                       AllProjections());
  server->listener_ = std::make_unique<Listener>(
      server->directory_.get(), server->runner_.get(), &server->watch_,
      server->health_.get());
  server->runner_->set_on_failure(
      [health = server->health_.get()](const absl::Status&) {
        health->SetProjectionsFailed();
      });
  if (auto s = server->runner_->Start(); !s.ok()) return s;
  auto writer = Writer::Start(server->log_.get(), options.writer,
                              server->listener_.get());
  if (!writer.ok()) return writer.status();
  server->writer_ = *std::move(writer);
  std::fprintf(stderr,
               "reliefd: ledger at sequence %llu (%s, %llu events replayed)\n",
               static_cast<unsigned long long>(
                   server->writer_->Status().head.sequence),
               server->writer_->snapshot_note().c_str(),
               static_cast<unsigned long long>(
                   server->writer_->replayed_events()));
  {
    const uint64_t head = server->writer_->Status().head.sequence;
    const uint64_t from = server->runner_->started_from();
    const std::string lag =
        from >= head ? "caught up"
                     : absl::StrCat(head - from,
                                    " events to catch up in the background");
    std::fprintf(stderr, "reliefd: read models at sequence %llu (%s)\n",
                 static_cast<unsigned long long>(from), lag.c_str());
  }

  server->admin_token_path_ =
      (std::filesystem::path(options.data_dir) / kAdminTokenFile).string();
  if (auto s = server->BootstrapAdmin(); !s.ok()) return s;

  auto id_key = LoadOrCreateNationalIdKey(
      options.data_dir, server->listener_->dossiers_at_start());
  if (!id_key.ok()) return id_key.status();
  server->ledger_service_ = std::make_unique<LedgerServiceImpl>(
      server->writer_.get(), server->directory_.get(), *id_key);
  server->query_service_ = std::make_unique<QueryServiceImpl>(
      server->log_.get(), server->runner_.get(), server->writer_.get(),
      server->directory_.get(), *id_key);
  server->query_service_->set_metrics(server->metrics_.get());
  AuditStreamOptions stream_options;
  stream_options.subscriber_max_lag = options.subscriber_max_lag;
  server->audit_service_ = std::make_unique<AuditServiceImpl>(
      server->log_.get(), server->directory_.get(), server->runner_.get(),
      &server->watch_, stream_options);

  server->admin_service_ = std::make_unique<AdminServiceImpl>(
      server->log_.get(), server->directory_.get(), options.data_dir,
      options.backup_dir,
      std::vector<std::string>{kNationalIdKeyFile},
      options.writer.clock ? options.writer.clock
                           : std::function<int64_t()>([] {
                               return absl::ToUnixMicros(absl::Now());
                             }));

  std::shared_ptr<grpc::ServerCredentials> credentials;
  if (tls) {
    grpc::SslServerCredentialsOptions ssl(
        options.client_ca.empty()
            ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
            : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    auto cert = ReadFile(options.tls_cert);
    auto key = ReadFile(options.tls_key);
    if (!cert.ok()) return cert.status();
    if (!key.ok()) return key.status();
    ssl.pem_key_cert_pairs.push_back({*key, *cert});
    if (!options.client_ca.empty()) {
      auto ca = ReadFile(options.client_ca);
      if (!ca.ok()) return ca.status();
      ssl.pem_root_certs = *ca;
    }
    credentials = grpc::SslServerCredentials(ssl);
  } else {
    credentials = grpc::InsecureServerCredentials();
  }

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen, credentials, &server->port_);
  builder.SetMaxReceiveMessageSize(limits::kMaxMessageBytes);
  builder.SetMaxSendMessageSize(limits::kMaxMessageBytes);
  builder.RegisterService(server->ledger_service_.get());
  builder.RegisterService(server->query_service_.get());
  builder.RegisterService(server->audit_service_.get());
  builder.RegisterService(server->admin_service_.get());
  // Every call of every service: one request-log line, counted per method.
  std::vector<std::unique_ptr<
      grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(NewRequestObserverFactory(server->directory_.get(),
                                                   server->metrics_.get()));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on ", options.listen,
        " (is another process using the port? is the address valid?)"));
  }
  server->health_->set_server(server->server_.get());
  server->health_->SetStarted();
  server->watchdog_ = std::thread([s = server.get()] { s->WatchWriter(); });
  if (!options.port_file.empty()) {
    if (auto s = WriteFileAtomically(options.port_file,
                                     absl::StrCat(server->port_, "\n"), 0644);
        !s.ok()) {
      return s;
    }
  }
  return server;
}

absl::Status ReliefServer::BootstrapAdmin() {
  if (!directory_->empty()) return absl::OkStatus();
  // The file first: if we crash after it, the next start makes a new one;
  // the other order could leave an admin whose token nobody has.
  std::string token = NewToken();
  if (auto s = WriteFileAtomically(admin_token_path_, token + "\n", 0600);
      !s.ok()) {
    return s;
  }
  Submission submission;
  submission.actor = "system";
  v1::Command& command = submission.commands.emplace_back();
  auto* create = command.mutable_create_token();
  create->set_request_id(absl::StrCat("bootstrap-admin-", ToHex(RandomBytes(8))));
  create->set_name("admin");
  create->add_roles(v1::ROLE_ADMIN);
  submission.issued_token_sha256.push_back(TokenHash(token));
  auto result = writer_->SubmitAndWait(std::move(submission));
  if (!result.ok()) return result.status();
  std::fprintf(stderr, "reliefd: first start: admin token written to %s\n",
               admin_token_path_.c_str());
  return absl::OkStatus();
}

void ReliefServer::WatchWriter() {
  std::function<int64_t()> clock = options_.watchdog_clock;
  if (!clock) {
    clock = [] {
      return std::chrono::duration_cast<std::chrono::microseconds>(
                 std::chrono::steady_clock::now().time_since_epoch())
          .count();
    };
  }
  StallDetector detector(options_.writer_stall_timeout_seconds * 1'000'000);
  bool stalled = false;
  while (!stop_watchdog_.WaitForNotificationWithTimeout(
      absl::Milliseconds(options_.watchdog_interval_millis))) {
    const WriterStatus status = writer_->Status();
    const bool now_stalled = detector.Observe(
        clock(), status.groups_committed,
        status.queue_depth_commands > 0 || status.busy);
    if (now_stalled == stalled) continue;
    stalled = now_stalled;
    if (stalled) {
      std::fprintf(stderr,
                   "reliefd: WARNING writer stalled: %zu commands queued%s "
                   "and no group committed for over %lld s; health is "
                   "NOT_SERVING until it moves\n",
                   status.queue_depth_commands,
                   status.busy ? ", a group in progress," : "",
                   static_cast<long long>(options_.writer_stall_timeout_seconds));
    } else {
      std::fprintf(stderr, "reliefd: writer moving again; health SERVING "
                           "unless something else is wrong\n");
    }
    health_->SetStalled(stalled);
  }
}

void ReliefServer::Wait() { server_->Wait(); }

void ReliefServer::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  if (health_ != nullptr) health_->SetShuttingDown();
  stop_watchdog_.Notify();
  if (watchdog_.joinable()) watchdog_.join();
  // Finish every accepted command (their replies go out), then the server.
  if (writer_ != nullptr) writer_->Stop();
  // Subscribers end now (UNAVAILABLE, resume) instead of holding the
  // shutdown for its whole grace.
  watch_.Close();
  if (server_ != nullptr) {
    // Queries waiting for a min_sequence get their answer or their error
    // within this grace; then calls are cancelled.
    server_->Shutdown(std::chrono::system_clock::now() +
                      std::chrono::seconds(10));
  }
  if (runner_ != nullptr) runner_->Stop();
}

ReliefServer::~ReliefServer() {
  Shutdown();
  server_.reset();
  writer_.reset();
  runner_.reset();
}

}  // namespace relief
