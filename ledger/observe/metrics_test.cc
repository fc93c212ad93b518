// Histograms, the per-RPC registry and the stall detector.
#include "ledger/observe/metrics.h"

#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace relief {
namespace {

TEST(HistogramTest, BucketsAreInclusiveUpperBounds) {
  Histogram h({10, 100, 1000});
  for (uint64_t v : {0, 10, 11, 100, 101, 1000, 1001, 5000}) h.Observe(v);
  HistogramSnapshot s = h.Snapshot();
  EXPECT_EQ(s.counts, (std::vector<uint64_t>{2, 2, 2, 2}));
  EXPECT_EQ(s.count, 8u);
  EXPECT_EQ(s.sum, 0u + 10 + 11 + 100 + 101 + 1000 + 1001 + 5000);
  EXPECT_EQ(s.max, 5000u);
}

TEST(HistogramTest, QuantilesAreBucketBoundsCappedAtMax) {
  Histogram h({10, 100, 1000});
  EXPECT_EQ(h.Snapshot().Quantile(500), 0u);  // nothing observed
  for (int i = 0; i < 98; ++i) h.Observe(5);
  h.Observe(50);
  h.Observe(70);
  HistogramSnapshot s = h.Snapshot();
  EXPECT_EQ(s.Quantile(500), 10u);
  EXPECT_EQ(s.Quantile(980), 10u);   // the 98th of 100 is still <= 10
  EXPECT_EQ(s.Quantile(990), 70u);   // bucket bound 100, capped at max 70
  EXPECT_EQ(s.Quantile(1000), 70u);
  h.Observe(1'000'000);  // past the last bound: reported as the max
  EXPECT_EQ(h.Snapshot().Quantile(1000), 1'000'000u);
}

TEST(HistogramTest, ConcurrentObservationsAllCount) {
  Histogram h(LatencyBoundsMicros());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&h, t] {
      for (uint64_t i = 0; i < 10000; ++i) h.Observe(i * (t + 1));
    });
  }
  for (auto& t : threads) t.join();
  HistogramSnapshot s = h.Snapshot();
  EXPECT_EQ(s.count, 40000u);
  EXPECT_EQ(s.max, 9999u * 4);
}

TEST(HistogramTest, StandardBoundsAscend) {
  EXPECT_EQ(LatencyBoundsMicros().front(), 100u);
  EXPECT_EQ(LatencyBoundsMicros().back(), 10'000'000u);
  EXPECT_EQ(SizeBounds().front(), 1u);
  EXPECT_EQ(SizeBounds().back(), 65536u);
}

TEST(MetricsTest, CountsPerMethodAndCodeInThreeGroups) {
  Metrics metrics(1234);
  RpcStats* receive = metrics.ForMethod("/relief.v1.LedgerService/ReceiveFunds");
  EXPECT_EQ(metrics.ForMethod("relief.v1.LedgerService/ReceiveFunds"), receive);
  receive->Record(0, 300);
  receive->Record(0, 400);
  receive->Record(7, 50);   // PERMISSION_DENIED
  receive->Record(99, 50);  // out of range: UNKNOWN
  metrics.ForMethod("/relief.v1.QueryService/GetStatus")->Record(16, 10);
  metrics.ForMethod("/relief.v1.AuditService/VerifyChain")->Record(0, 10);
  metrics.ForMethod("/grpc.health.v1.Health/Check")->Record(0, 10);
  metrics.ForMethod("/relief.v1.QueryService/GetBalance");  // never called

  v1::GetMetricsResponse out;
  metrics.ToProto(&out);
  EXPECT_EQ(out.started_at_unix_micros(), 1234);
  ASSERT_EQ(out.commands_size(), 1);
  const v1::RpcMetrics& r = out.commands(0);
  EXPECT_EQ(r.method(), "relief.v1.LedgerService/ReceiveFunds");
  EXPECT_EQ(r.count(), 4u);
  ASSERT_EQ(r.results_size(), 3);
  EXPECT_EQ(r.results(0).code(), "OK");
  EXPECT_EQ(r.results(0).count(), 2u);
  EXPECT_EQ(r.results(1).code(), "UNKNOWN");
  EXPECT_EQ(r.results(2).code(), "PERMISSION_DENIED");
  EXPECT_EQ(r.latency_micros().count(), 4u);
  EXPECT_EQ(r.latency_micros().max(), 400u);
  EXPECT_EQ(r.latency_micros().p50(), 100u);
  EXPECT_EQ(r.latency_micros().p99(), 400u);
  EXPECT_EQ(r.latency_micros().counts_size(),
            r.latency_micros().upper_bounds_size() + 1);
  ASSERT_EQ(out.queries_size(), 2);
  EXPECT_EQ(out.queries(0).method(), "relief.v1.AuditService/VerifyChain");
  EXPECT_EQ(out.queries(1).method(), "relief.v1.QueryService/GetStatus");
  EXPECT_EQ(out.queries(1).results(0).code(), "UNAUTHENTICATED");
  ASSERT_EQ(out.other_size(), 1);
  EXPECT_EQ(out.other(0).method(), "grpc.health.v1.Health/Check");
}

TEST(MetricsTest, StatusCodeNames) {
  EXPECT_STREQ(StatusCodeName(0), "OK");
  EXPECT_STREQ(StatusCodeName(9), "FAILED_PRECONDITION");
  EXPECT_STREQ(StatusCodeName(16), "UNAUTHENTICATED");
  EXPECT_STREQ(StatusCodeName(-1), "UNKNOWN");
  EXPECT_STREQ(StatusCodeName(17), "UNKNOWN");
}

// The clock is the test's: seconds pass by assignment, never by sleeping.
TEST(StallDetectorTest, StalledOnlyWhileWorkWaitsWithoutProgress) {
  constexpr int64_t kSecond = 1'000'000;
  StallDetector detector(30 * kSecond);
  int64_t now = 1000 * kSecond;
  EXPECT_FALSE(detector.Observe(now, 5, false));
  now += 3600 * kSecond;  // idle for an hour: nothing waits, not stalled
  EXPECT_FALSE(detector.Observe(now, 5, false));
  EXPECT_FALSE(detector.Observe(now, 5, true));  // work arrives
  now += 30 * kSecond;
  EXPECT_FALSE(detector.Observe(now, 5, true));  // exactly the timeout
  now += 1;
  EXPECT_TRUE(detector.Observe(now, 5, true));
  now += 60 * kSecond;
  EXPECT_TRUE(detector.Observe(now, 5, true));
  EXPECT_FALSE(detector.Observe(now, 6, true));  // a group committed
  now += 29 * kSecond;
  EXPECT_FALSE(detector.Observe(now, 7, true));  // busy but moving
  now += 29 * kSecond;
  EXPECT_FALSE(detector.Observe(now, 8, true));
  now += 31 * kSecond;
  EXPECT_TRUE(detector.Observe(now, 8, true));
  EXPECT_FALSE(detector.Observe(now, 8, false));  // the queue drained
}

}  // namespace
}  // namespace relief
