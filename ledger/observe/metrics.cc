#include "ledger/observe/metrics.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/strip.h"

namespace relief {

const char* StatusCodeName(int code) {
  static const char* const kNames[kStatusCodeCount] = {
      "OK",
      "CANCELLED",
      "UNKNOWN",
      "INVALID_ARGUMENT",
      "DEADLINE_EXCEEDED",
      "NOT_FOUND",
      "ALREADY_EXISTS",
      "PERMISSION_DENIED",
      "RESOURCE_EXHAUSTED",
      "FAILED_PRECONDITION",
      "ABORTED",
      "OUT_OF_RANGE",
      "UNIMPLEMENTED",
      "INTERNAL",
      "UNAVAILABLE",
      "DATA_LOSS",
      "UNAUTHENTICATED"};
  return code >= 0 && code < kStatusCodeCount ? kNames[code] : "UNKNOWN";
}

void RpcStats::Record(int code, uint64_t latency_micros) {
  if (code < 0 || code >= kStatusCodeCount) code = 2;
  by_code_[code].fetch_add(1, std::memory_order_relaxed);
  latency_micros_.Observe(latency_micros);
}

void RpcStats::ToProto(v1::RpcMetrics* out) const {
  uint64_t total = 0;
  for (int code = 0; code < kStatusCodeCount; ++code) {
    const uint64_t n = by_code_[code].load(std::memory_order_relaxed);
    if (n == 0) continue;
    total += n;
    v1::ResultCount* r = out->add_results();
    r->set_code(StatusCodeName(code));
    r->set_count(n);
  }
  out->set_count(total);
  HistogramToProto(latency_micros_.Snapshot(), out->mutable_latency_micros());
}

RpcStats* Metrics::ForMethod(absl::string_view method) {
  absl::ConsumePrefix(&method, "/");
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = methods_.try_emplace(std::string(method));
  if (inserted) it->second = std::make_unique<RpcStats>();
  return it->second.get();
}

void Metrics::ToProto(v1::GetMetricsResponse* out) const {
  std::vector<std::pair<std::string, const RpcStats*>> methods;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [name, stats] : methods_) {
      methods.emplace_back(name, stats.get());
    }
  }
  std::sort(methods.begin(), methods.end());
  for (const auto& [name, stats] : methods) {
    v1::RpcMetrics m;
    m.set_method(name);
    stats->ToProto(&m);
    if (m.count() == 0) continue;
    if (absl::StartsWith(name, "relief.v1.LedgerService/")) {
      *out->add_commands() = std::move(m);
    } else if (absl::StartsWith(name, "relief.v1.QueryService/") ||
               absl::StartsWith(name, "relief.v1.AuditService/")) {
      *out->add_queries() = std::move(m);
    } else {
      *out->add_other() = std::move(m);
    }
  }
  out->set_started_at_unix_micros(started_at_unix_micros_);
  out->set_serving(serving_);
  out->set_writer_stalled(writer_stalled_);
  out->set_writer_failed(writer_failed_);
  out->set_projections_failed(projections_failed_);
}

void HistogramToProto(const HistogramSnapshot& snapshot,
                      v1::MetricHistogram* out) {
  for (uint64_t b : snapshot.upper_bounds) out->add_upper_bounds(b);
  for (uint64_t c : snapshot.counts) out->add_counts(c);
  out->set_count(snapshot.count);
  out->set_sum(snapshot.sum);
  out->set_max(snapshot.max);
  out->set_p50(snapshot.Quantile(500));
  out->set_p90(snapshot.Quantile(900));
  out->set_p99(snapshot.Quantile(990));
}

bool StallDetector::Observe(int64_t now_micros, uint64_t groups_committed,
                            bool work_waiting) {
  if (!started_ || !work_waiting || groups_committed != last_groups_) {
    started_ = true;
    last_groups_ = groups_committed;
    last_progress_micros_ = now_micros;
    return false;
  }
  return now_micros - last_progress_micros_ > timeout_micros_;
}

}  // namespace relief
