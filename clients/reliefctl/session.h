// Session: one invocation's connection to reliefd and its output streams.
//
// Owns the channel and the service stubs. Every RPC a command makes
// goes through Prepare(), which sets the deadline (--timeout) and the bearer
// token (`authorization: Bearer <token>`), and every failed RPC through
// Fail(), which prints the error and maps it to the exit code. Not
// thread-safe; reliefctl is single-threaded.
#ifndef RELIEF_CLIENTS_RELIEFCTL_SESSION_H_
#define RELIEF_CLIENTS_RELIEFCTL_SESSION_H_

#include <memory>
#include <ostream>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "clients/reliefctl/options.h"
#include "google/protobuf/message.h"
#include "grpcpp/grpcpp.h"
#include "relief/v1/admin_service.grpc.pb.h"
#include "relief/v1/audit_service.grpc.pb.h"
#include "relief/v1/ledger_service.grpc.pb.h"
#include "relief/v1/query_service.grpc.pb.h"

namespace reliefctl {

class Session {
 public:
  // Resolves the token and builds the channel (TLS when --tls-ca or
  // --tls-cert is given). Fails on a local problem: no token, unreadable
  // TLS files. Does not connect yet; the first RPC does.
  static absl::StatusOr<std::unique_ptr<Session>> Open(
      const GlobalOptions& options, std::ostream& out, std::ostream& err);

  relief::v1::LedgerService::Stub& ledger() { return *ledger_; }
  relief::v1::QueryService::Stub& query() { return *query_; }
  relief::v1::AuditService::Stub& audit() { return *audit_; }
  relief::v1::AdminService::Stub& admin() { return *admin_; }

  // Deadline and credentials on a fresh context.
  void Prepare(grpc::ClientContext* context) const;
  // The same with this deadline instead of --timeout's.
  void Prepare(grpc::ClientContext* context, double timeout_seconds) const;
  // --timeout when given, else `command_default_seconds`.
  double TimeoutOr(double command_default_seconds) const;

  // Prints a failed RPC to err (see errors.h) and returns its exit code.
  // `request_id`, for commands, is printed so a person can retry with it.
  // REQUIRES: !status.ok(); the call on `context` has finished.
  int Fail(const grpc::Status& status, const grpc::ClientContext& context,
           std::string_view request_id = "");

  bool json() const { return options_.json; }
  const GlobalOptions& options() const { return options_; }
  std::ostream& out() { return out_; }
  std::ostream& err() { return err_; }

  // `message` as one line of protobuf JSON (proto field names, default
  // values included) on out. Returns an exit code.
  int PrintJson(const google::protobuf::Message& message);

 private:
  Session(const GlobalOptions& options, std::string token,
          std::shared_ptr<grpc::Channel> channel, std::ostream& out,
          std::ostream& err);

  const GlobalOptions options_;
  const std::string token_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<relief::v1::LedgerService::Stub> ledger_;
  std::unique_ptr<relief::v1::QueryService::Stub> query_;
  std::unique_ptr<relief::v1::AuditService::Stub> audit_;
  std::unique_ptr<relief::v1::AdminService::Stub> admin_;
  std::ostream& out_;
  std::ostream& err_;
};

}  // namespace reliefctl

#endif  // RELIEF_CLIENTS_RELIEFCTL_SESSION_H_
