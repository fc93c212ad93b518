#include "clients/reliefctl/session.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "clients/reliefctl/errors.h"
#include "clients/reliefctl/names.h"
#include "google/protobuf/util/json_util.h"
#include "ledger/domain/limits.h"

namespace reliefctl {

absl::StatusOr<std::unique_ptr<Session>> Session::Open(
    const GlobalOptions& options, std::ostream& out, std::ostream& err) {
  absl::StatusOr<std::string> token = ResolveToken(options);
  if (!token.ok()) return token.status();

  std::shared_ptr<grpc::ChannelCredentials> credentials;
  grpc::ChannelArguments arguments;
  if (!options.tls_ca.empty() || !options.tls_cert.empty()) {
    grpc::SslCredentialsOptions ssl;
    if (!options.tls_ca.empty()) {
      absl::StatusOr<std::string> ca = ReadFile(options.tls_ca, "--tls-ca");
      if (!ca.ok()) return ca.status();
      ssl.pem_root_certs = *std::move(ca);
    }
    if (!options.tls_cert.empty()) {
      absl::StatusOr<std::string> cert =
          ReadFile(options.tls_cert, "--tls-cert");
      if (!cert.ok()) return cert.status();
      absl::StatusOr<std::string> key = ReadFile(options.tls_key, "--tls-key");
      if (!key.ok()) return key.status();
      ssl.pem_cert_chain = *std::move(cert);
      ssl.pem_private_key = *std::move(key);
    }
    credentials = grpc::SslCredentials(ssl);
    if (!options.tls_server_name.empty()) {
      arguments.SetSslTargetNameOverride(options.tls_server_name);
    }
  } else {
    credentials = grpc::InsecureChannelCredentials();
  }
  // A 10,000-line DisburseBatch with long memos, and the unpaged
  // public-notice list of a large subtree, can pass gRPC's default 4 MiB;
  // the server sends and accepts up to limits::kMaxMessageBytes.
  arguments.SetMaxSendMessageSize(relief::limits::kMaxMessageBytes);
  arguments.SetMaxReceiveMessageSize(relief::limits::kMaxMessageBytes);
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateCustomChannel(options.server, credentials, arguments);
  return std::unique_ptr<Session>(
      new Session(options, *std::move(token), std::move(channel), out, err));
}

Session::Session(const GlobalOptions& options, std::string token,
                 std::shared_ptr<grpc::Channel> channel, std::ostream& out,
                 std::ostream& err)
    : options_(options),
      token_(std::move(token)),
      channel_(std::move(channel)),
      ledger_(relief::v1::LedgerService::NewStub(channel_)),
      query_(relief::v1::QueryService::NewStub(channel_)),
      audit_(relief::v1::AuditService::NewStub(channel_)),
      admin_(relief::v1::AdminService::NewStub(channel_)),
      out_(out),
      err_(err) {}

void Session::Prepare(grpc::ClientContext* context) const {
  Prepare(context, options_.timeout_seconds);
}

double Session::TimeoutOr(double command_default_seconds) const {
  return options_.timeout_given ? options_.timeout_seconds
                                : command_default_seconds;
}

void Session::Prepare(grpc::ClientContext* context,
                      double timeout_seconds) const {
  const auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::duration<double>(timeout_seconds));
  context->set_deadline(std::chrono::system_clock::now() + timeout);
  context->AddMetadata("authorization", absl::StrCat("Bearer ", token_));
}

int Session::Fail(const grpc::Status& status,
                  const grpc::ClientContext& context,
                  std::string_view request_id) {
  std::string reason;
  const auto& trailers = context.GetServerTrailingMetadata();
  if (auto it = trailers.find(kReasonMetadataKey); it != trailers.end()) {
    reason.assign(it->second.data(), it->second.size());
  }
  const RpcError error = MakeRpcError(status, reason);
  err_ << FormatRpcErrorHuman(error, options_.server);
  if (!request_id.empty()) {
    err_ << "  request id " << request_id << '\n';
  }
  if (options_.json) err_ << FormatRpcErrorJson(error);
  err_.flush();
  return ExitCodeForStatus(status.error_code());
}

int Session::PrintJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions print_options;
  print_options.preserve_proto_field_names = true;
  print_options.always_print_primitive_fields = true;
  print_options.add_whitespace = false;
  std::string json;
  const auto status =
      google::protobuf::util::MessageToJsonString(message, &json, print_options);
  if (!status.ok()) {
    err_ << "error: cannot print the response as JSON: " << status.ToString()
         << '\n';
    return kExitLocal;
  }
  out_ << json << '\n';
  return kExitOk;
}

}  // namespace reliefctl
