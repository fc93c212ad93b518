// The request log and the per-RPC metrics: one gRPC server interceptor sees
// every call of every service (commands, queries, audit, health,
// reflection), so no handler has to remember to log or count.
//
// One line per request on stderr (logfmt; spdlog adds ts and level):
//
//   ts=2026-11-24T19:02:27.123456Z level=info
//   rpc=relief.v1.LedgerService/ReceiveFunds principal=cai.wu code=OK
//   reason=- latency_us=1234 peer=ipv4:127.0.0.1:52910
//
// (one line in the log). `principal` is the name the bearer token
// belongs to, "-" when the call carried no live token; `reason` is the
// relief-reason of a refusal, "-" when there is none. Never logged: the
// token, the request or response payload, the error message (it may quote
// what the caller sent). So no national ID number can reach the log.
//
// Thread-safety: the factory is thread-safe; gRPC makes one interceptor per
// call.
#ifndef RELIEF_LEDGER_SERVER_REQUEST_LOG_H_
#define RELIEF_LEDGER_SERVER_REQUEST_LOG_H_

#include <cstdint>
#include <memory>
#include <string>

#include "grpcpp/support/server_interceptor.h"
#include "ledger/observe/metrics.h"
#include "ledger/server/auth.h"

namespace relief {

struct RequestRecord {
  std::string method;     // "relief.v1.QueryService/GetStatus"
  std::string principal;  // "" when unknown
  int code = 0;           // gRPC status code
  std::string reason;     // relief-reason, "" when none
  uint64_t latency_micros = 0;
  std::string peer;
};

// The line's fields after ts and level, logfmt, values quoted when needed.
std::string FormatRequestLine(const RequestRecord& record);

// Both must outlive every call of the server the factory is given to.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewRequestObserverFactory(const PrincipalDirectory* directory,
                          Metrics* metrics);

}  // namespace relief

#endif  // RELIEF_LEDGER_SERVER_REQUEST_LOG_H_
