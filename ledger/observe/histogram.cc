#include "ledger/observe/histogram.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace relief {
namespace {

// Broken invariants stop the process, in production builds too.
void Check(bool condition, const char* message) {
  if (!condition) {
    std::fprintf(stderr, "reliefd: FATAL invariant: %s\n", message);
    std::abort();
  }
}

}  // namespace

Histogram::Histogram(std::vector<uint64_t> upper_bounds)
    : upper_bounds_(std::move(upper_bounds)),
      counts_(new std::atomic<uint64_t>[upper_bounds_.size() + 1]) {
  Check(!upper_bounds_.empty(), "a histogram needs buckets");
  for (size_t i = 1; i < upper_bounds_.size(); ++i) {
    Check(upper_bounds_[i - 1] < upper_bounds_[i],
                 "histogram bounds must ascend");
  }
  for (size_t i = 0; i <= upper_bounds_.size(); ++i) counts_[i] = 0;
}

void Histogram::Observe(uint64_t value) {
  const size_t bucket =
      std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), value) -
      upper_bounds_.begin();
  counts_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
  uint64_t seen = max_.load(std::memory_order_relaxed);
  while (value > seen &&
         !max_.compare_exchange_weak(seen, value, std::memory_order_relaxed)) {
  }
}

HistogramSnapshot Histogram::Snapshot() const {
  HistogramSnapshot s;
  s.upper_bounds = upper_bounds_;
  s.counts.resize(upper_bounds_.size() + 1);
  for (size_t i = 0; i < s.counts.size(); ++i) {
    s.counts[i] = counts_[i].load(std::memory_order_relaxed);
    s.count += s.counts[i];
  }
  s.sum = sum_.load(std::memory_order_relaxed);
  s.max = max_.load(std::memory_order_relaxed);
  return s;
}

uint64_t HistogramSnapshot::Quantile(uint32_t per_mille) const {
  Check(per_mille >= 1 && per_mille <= 1000, "quantile out of range");
  if (count == 0) return 0;
  // The rank of the quantile observation, 1-based, rounded up.
  const uint64_t rank = (count * per_mille + 999) / 1000;
  uint64_t seen = 0;
  for (size_t i = 0; i < upper_bounds.size(); ++i) {
    seen += counts[i];
    if (seen >= rank) return std::min(upper_bounds[i], max);
  }
  return max;
}

const std::vector<uint64_t>& LatencyBoundsMicros() {
  static const std::vector<uint64_t> bounds = {
      100,     250,     500,     1000,    2500,     5000,
      10000,   25000,   50000,   100000,  250000,   500000,
      1000000, 2500000, 5000000, 10000000};
  return bounds;
}

const std::vector<uint64_t>& SizeBounds() {
  static const std::vector<uint64_t> bounds = [] {
    std::vector<uint64_t> b;
    for (uint64_t v = 1; v <= 65536; v *= 2) b.push_back(v);
    return b;
  }();
  return bounds;
}

}  // namespace relief
