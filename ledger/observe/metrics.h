// Metrics: what reliefd counts about itself, read by QueryService.GetMetrics
// and `reliefctl status`.
//
//   per RPC method: calls by gRPC status code, latency histogram (µs)
//   health: serving, writer stalled / failed, projections failed
//
// The writer keeps its own group-size and write-time histograms (see
// WriterMetrics in writer.h); GetMetrics puts both together.
//
// Thread-safety: every method may be called from any thread. ForMethod()
// takes a mutex (once per RPC); recording into the returned RpcStats is
// lock-free. RpcStats live as long as the Metrics.
#ifndef RELIEF_LEDGER_OBSERVE_METRICS_H_
#define RELIEF_LEDGER_OBSERVE_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/node_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "ledger/observe/histogram.h"
#include "relief/v1/query_service.pb.h"

namespace relief {

// gRPC status codes 0 (OK) .. 16 (UNAUTHENTICATED).
inline constexpr int kStatusCodeCount = 17;
// "OK", "CANCELLED", ..., "UNAUTHENTICATED"; "UNKNOWN" outside the range.
const char* StatusCodeName(int code);

class RpcStats {
 public:
  RpcStats() : latency_micros_(LatencyBoundsMicros()) {}
  // `code` outside 0..16 counts as UNKNOWN (2).
  void Record(int code, uint64_t latency_micros);
  void ToProto(v1::RpcMetrics* out) const;

 private:
  std::array<std::atomic<uint64_t>, kStatusCodeCount> by_code_{};
  Histogram latency_micros_;
};

class Metrics {
 public:
  // `started_at_unix_micros`: for the report only.
  explicit Metrics(int64_t started_at_unix_micros)
      : started_at_unix_micros_(started_at_unix_micros) {}

  // The stats of one method, "/package.Service/Method" as gRPC names it
  // (the leading slash is dropped); made on first use.
  RpcStats* ForMethod(absl::string_view method);

  // Fills commands (relief.v1.LedgerService), queries (relief.v1.QueryService
  // and relief.v1.AuditService) and other, each in method order, only
  // methods called at least once; the health fields; started_at.
  void ToProto(v1::GetMetricsResponse* out) const;

  // Health, as decided by the server (see server.cc).
  void set_writer_stalled(bool stalled) { writer_stalled_ = stalled; }
  void set_writer_failed(bool failed) { writer_failed_ = failed; }
  void set_projections_failed(bool failed) { projections_failed_ = failed; }
  void set_serving(bool serving) { serving_ = serving; }
  bool writer_stalled() const { return writer_stalled_; }
  bool serving() const { return serving_; }

 private:
  const int64_t started_at_unix_micros_;
  mutable absl::Mutex mu_;
  absl::node_hash_map<std::string, std::unique_ptr<RpcStats>> methods_
      ABSL_GUARDED_BY(mu_);
  std::atomic<bool> serving_{false};
  std::atomic<bool> writer_stalled_{false};
  std::atomic<bool> writer_failed_{false};
  std::atomic<bool> projections_failed_{false};
};

void HistogramToProto(const HistogramSnapshot& snapshot,
                      v1::MetricHistogram* out);

// Decides from what the writer reports whether it is stuck: work is waiting
// (queued or in a group) and no group has been committed for longer than
// `timeout_micros`. Pure: the caller passes the time (any monotonic clock in
// microseconds), so tests drive it with a fake one.
class StallDetector {
 public:
  explicit StallDetector(int64_t timeout_micros)
      : timeout_micros_(timeout_micros) {}
  // Returns true while stalled.
  bool Observe(int64_t now_micros, uint64_t groups_committed,
               bool work_waiting);

 private:
  const int64_t timeout_micros_;
  bool started_ = false;
  uint64_t last_groups_ = 0;
  int64_t last_progress_micros_ = 0;
};

}  // namespace relief

#endif  // RELIEF_LEDGER_OBSERVE_METRICS_H_
