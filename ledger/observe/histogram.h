// Histogram: counts of observations in fixed buckets, for latencies
// (microseconds) and sizes (commands per group). Integers only.
//
// Bucket i counts the observations v with bound[i-1] < v <= bound[i]; one
// more bucket, past the last bound, counts the rest. Quantiles are
// estimated as the upper bound of the bucket that holds them (so "p99 <= X"),
// never above the largest value seen.
//
// Thread-safety: Observe() and Snapshot() may be called from any thread;
// both are lock-free (relaxed atomics). A snapshot taken while others
// observe may be off by the observations in flight, never torn per counter.
#ifndef RELIEF_LEDGER_OBSERVE_HISTOGRAM_H_
#define RELIEF_LEDGER_OBSERVE_HISTOGRAM_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace relief {

struct HistogramSnapshot {
  std::vector<uint64_t> upper_bounds;
  std::vector<uint64_t> counts;  // upper_bounds.size() + 1
  uint64_t count = 0;            // the sum of `counts`
  uint64_t sum = 0;
  uint64_t max = 0;

  // The smallest bucket bound at or below which at least
  // `per_mille`/1000 of the observations lie, capped at `max`; `max` when
  // that is past the last bound; 0 when nothing was observed.
  // REQUIRES: 1 <= per_mille <= 1000.
  uint64_t Quantile(uint32_t per_mille) const;
};

class Histogram {
 public:
  // REQUIRES: `upper_bounds` is non-empty and strictly ascending.
  explicit Histogram(std::vector<uint64_t> upper_bounds);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  void Observe(uint64_t value);
  HistogramSnapshot Snapshot() const;

 private:
  const std::vector<uint64_t> upper_bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  std::atomic<uint64_t> sum_{0};
  std::atomic<uint64_t> max_{0};
};

// 100 µs .. 10 s in 1-2.5-5 steps: RPC latency and write (fsync) time.
const std::vector<uint64_t>& LatencyBoundsMicros();
// 1, 2, 4, .. 65536: commands per group commit.
const std::vector<uint64_t>& SizeBounds();

}  // namespace relief

#endif  // RELIEF_LEDGER_OBSERVE_HISTOGRAM_H_
