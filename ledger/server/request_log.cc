#include "ledger/server/request_log.h"

#include <chrono>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "spdlog/pattern_formatter.h"
#include "spdlog/sinks/stdout_sinks.h"
#include "spdlog/spdlog.h"

namespace relief {
namespace {

// A logfmt value: bare when it is plain, else quoted with \" \\ and \xNN
// for control characters. "-" for empty.
std::string LogfmtValue(absl::string_view value) {
  if (value.empty()) return "-";
  bool plain = true;
  for (char c : value) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u <= ' ' || c == '"' || c == '=' || c == '\\' || u == 0x7f) {
      plain = false;
    }
  }
  if (plain) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < ' ' || u == 0x7f) {
      absl::StrAppendFormat(&out, "\\x%02x", u);
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

// One logger for the process: stderr, UTC timestamps with microseconds.
spdlog::logger* RequestLogger() {
  static spdlog::logger* logger = [] {
    auto* l = new spdlog::logger(
        "requests", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    l->set_formatter(std::make_unique<spdlog::pattern_formatter>(
        "ts=%Y-%m-%dT%H:%M:%S.%fZ level=%l %v",
        spdlog::pattern_time_type::utc));
    l->set_level(spdlog::level::info);
    l->flush_on(spdlog::level::info);
    return l;
  }();
  return logger;
}

spdlog::level::level_enum LevelOf(int code) {
  switch (static_cast<grpc::StatusCode>(code)) {
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::DATA_LOSS:
      return spdlog::level::err;
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return spdlog::level::warn;
    default:
      return spdlog::level::info;
  }
}

class RequestObserver final : public grpc::experimental::Interceptor {
 public:
  RequestObserver(grpc::experimental::ServerRpcInfo* info,
                  const PrincipalDirectory* directory, Metrics* metrics)
      : info_(info),
        directory_(directory),
        start_(std::chrono::steady_clock::now()),
        stats_(metrics->ForMethod(info->method())) {
    absl::string_view method = info->method();
    absl::ConsumePrefix(&method, "/");
    record_.method = std::string(method);
  }

  // A call that ends without a status sent (the client went away) still
  // gets its line.
  ~RequestObserver() override {
    if (!done_) Done(static_cast<int>(grpc::StatusCode::CANCELLED), "");
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods)
      override {
    using grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      if (auto* metadata = methods->GetRecvInitialMetadata()) {
        auto it = metadata->find("authorization");
        if (it != metadata->end()) {
          record_.principal = directory_->NameOfBearer(
              absl::string_view(it->second.data(), it->second.size()));
        }
      }
      if (info_->server_context() != nullptr) {
        record_.peer = info_->server_context()->peer();
      }
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS) &&
        !done_) {
      std::string reason;
      if (auto* trailing = methods->GetSendTrailingMetadata()) {
        auto it = trailing->find("relief-reason");
        if (it != trailing->end()) reason = it->second;
      }
      Done(static_cast<int>(methods->GetSendStatus().error_code()), reason);
    }
    methods->Proceed();
  }

 private:
  void Done(int code, std::string reason) {
    done_ = true;
    record_.code = code;
    record_.reason = std::move(reason);
    record_.latency_micros = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::steady_clock::now() - start_)
            .count());
    stats_->Record(code, record_.latency_micros);
    RequestLogger()->log(LevelOf(code), FormatRequestLine(record_));
  }

  grpc::experimental::ServerRpcInfo* const info_;
  const PrincipalDirectory* const directory_;
  const std::chrono::steady_clock::time_point start_;
  RpcStats* const stats_;
  RequestRecord record_;
  bool done_ = false;
};

class RequestObserverFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  RequestObserverFactory(const PrincipalDirectory* directory, Metrics* metrics)
      : directory_(directory), metrics_(metrics) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new RequestObserver(info, directory_, metrics_);
  }

 private:
  const PrincipalDirectory* const directory_;
  Metrics* const metrics_;
};

}  // namespace

std::string FormatRequestLine(const RequestRecord& record) {
  return absl::StrCat(
      "rpc=", LogfmtValue(record.method),
      " principal=", LogfmtValue(record.principal),
      " code=", StatusCodeName(record.code),
      " reason=", LogfmtValue(record.reason),
      " latency_us=", record.latency_micros,
      " peer=", LogfmtValue(record.peer));
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewRequestObserverFactory(const PrincipalDirectory* directory,
                          Metrics* metrics) {
  return std::make_unique<RequestObserverFactory>(directory, metrics);
}

}  // namespace relief
