// The log as a stream: AuditService.ReadEvents (ranges, filters, resume) and
// Subscribe (catch up, follow live, no gap or duplicate, resume across a
// restart, a subscriber too slow is ended and may resume).
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/test_util.h"
#include "relief/v1/audit_service.grpc.pb.h"

namespace relief::testing {
namespace {

using grpc::StatusCode;

std::string Reason(const grpc::ClientContext& context) {
  const auto& trailers = context.GetServerTrailingMetadata();
  auto it = trailers.find("relief-reason");
  return it == trailers.end() ? "" : std::string(it->second.data(),
                                                 it->second.size());
}

class StreamTest : public ReliefdTest {
 protected:
  void SetUp() override {
    ReliefdTest::SetUp();
    if (HasFatalFailure()) return;
    ReliefClient admin = Admin();
    Register(admin, "sd", v1::ORG_LEVEL_PROVINCE, "");
    Register(admin, "sd.jn", v1::ORG_LEVEL_CITY, "sd");
    Register(admin, "sd.qd", v1::ORG_LEVEL_CITY, "sd");
    finance_ = CreateToken(admin, "cai.wu", {v1::ROLE_FINANCE_OFFICER});
    service_ = CreateToken(admin, "bi.service", {v1::ROLE_SERVICE});
    ASSERT_FALSE(finance_.empty());
    ASSERT_FALSE(service_.empty());
  }

  std::unique_ptr<v1::AuditService::Stub> Audit() {
    return v1::AuditService::NewStub(server().channel());
  }
  void Authorize(grpc::ClientContext* context, const std::string& token) {
    context->AddMetadata("authorization", "Bearer " + token);
    context->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::seconds(60));
  }

  // Money into sd, then down to sd.jn: two money events.
  void MoveMoney(int64_t fen) {
    ReliefClient finance = As(finance_);
    v1::ReceiveFundsRequest receive;
    receive.set_request_id(NewRequestId("receive"));
    receive.set_unit_code("sd");
    receive.set_fund_source(v1::FUND_SOURCE_DONATIONS);
    receive.set_amount_fen(fen);
    receive.set_payer("慈善总会");
    v1::ReceiveFundsResponse received;
    ASSERT_TRUE(RpcOk(finance.ReceiveFunds(receive, &received)));
    v1::AllocateFundsRequest allocate;
    allocate.set_request_id(NewRequestId("allocate"));
    allocate.set_from_unit_code("sd");
    allocate.set_to_unit_code("sd.jn");
    allocate.set_fund_source(v1::FUND_SOURCE_DONATIONS);
    allocate.set_amount_fen(fen / 2);
    v1::AllocateFundsResponse allocated;
    ASSERT_TRUE(RpcOk(finance.AllocateFunds(allocate, &allocated)));
  }

  // ReadEvents to the end: the events and the last scanned sequence.
  grpc::Status Read(const v1::ReadEventsRequest& request,
                    std::vector<v1::EventEnvelope>* events,
                    uint64_t* scanned = nullptr,
                    const std::string& token = "") {
    grpc::ClientContext context;
    Authorize(&context, token.empty() ? server().admin_token() : token);
    auto reader = Audit()->ReadEvents(&context, request);
    v1::ReadEventsResponse response;
    while (reader->Read(&response)) {
      if (response.has_event()) events->push_back(response.event());
      if (scanned != nullptr) *scanned = response.scanned_through_sequence();
    }
    grpc::Status status = reader->Finish();
    last_reason_ = Reason(context);
    return status;
  }

  std::string finance_, service_;
  std::string last_reason_;
};

TEST_F(StreamTest, ReadEventsRangesFiltersAndResume) {
  MoveMoney(100000);
  MoveMoney(40000);
  const std::vector<v1::EventEnvelope> all = ListAllEvents(Admin());
  ASSERT_GE(all.size(), 9u);

  std::vector<v1::EventEnvelope> events;
  uint64_t scanned = 0;
  ASSERT_TRUE(Read({}, &events, &scanned).ok());
  ASSERT_EQ(events.size(), all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(events[i].SerializeAsString(), all[i].SerializeAsString());
  }
  EXPECT_EQ(scanned, all.back().sequence());

  // By type.
  v1::ReadEventsRequest by_type;
  by_type.mutable_filter()->add_event_types("funds_allocated");
  events.clear();
  ASSERT_TRUE(Read(by_type, &events).ok());
  ASSERT_EQ(events.size(), 2u);
  for (const auto& e : events) EXPECT_TRUE(e.event().has_funds_allocated());

  // By unit: sd.qd had only its registration; sd.jn its registration and
  // both allocations; sd with its subtree: every unit and money event.
  v1::ReadEventsRequest qd;
  qd.mutable_filter()->set_unit_code("sd.qd");
  events.clear();
  ASSERT_TRUE(Read(qd, &events).ok());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].event().org_unit_registered().code(), "sd.qd");
  v1::ReadEventsRequest jn;
  jn.mutable_filter()->set_unit_code("sd.jn");
  events.clear();
  ASSERT_TRUE(Read(jn, &events).ok());
  ASSERT_EQ(events.size(), 3u);
  v1::ReadEventsRequest tree;
  tree.mutable_filter()->set_unit_code("sd");
  tree.mutable_filter()->set_subtree(true);
  events.clear();
  ASSERT_TRUE(Read(tree, &events).ok());
  EXPECT_EQ(events.size(), 3u + 4u);  // 3 registrations, 4 money events

  // A sequence range, and resuming from the middle.
  v1::ReadEventsRequest range;
  range.set_from_sequence(3);
  range.set_to_sequence(5);
  events.clear();
  ASSERT_TRUE(Read(range, &events, &scanned).ok());
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events.front().sequence(), 3u);
  EXPECT_EQ(events.back().sequence(), 5u);
  EXPECT_EQ(scanned, 5u);

  // A time range: recorded before the 4th event's time.
  v1::ReadEventsRequest before;
  before.set_to_unix_micros(all[3].recorded_at_unix_micros());
  events.clear();
  ASSERT_TRUE(Read(before, &events).ok());
  for (const auto& e : events) {
    EXPECT_LT(e.recorded_at_unix_micros(), all[3].recorded_at_unix_micros());
  }
  EXPECT_LE(events.size(), 3u);

  // A service may read; a finance officer may not.
  events.clear();
  EXPECT_TRUE(Read({}, &events, nullptr, service_).ok());
  events.clear();
  grpc::Status denied = Read({}, &events, nullptr, finance_);
  EXPECT_EQ(denied.error_code(), StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(events.empty());
}

TEST_F(StreamTest, ReadEventsRefusesBadRequests) {
  std::vector<v1::EventEnvelope> events;
  v1::ReadEventsRequest type;
  type.mutable_filter()->add_event_types("money_moved");
  grpc::Status s = Read(type, &events);
  EXPECT_EQ(s.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(last_reason_, "FIELD_INVALID");
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("funds_received"));
  v1::ReadEventsRequest backwards;
  backwards.set_from_sequence(5);
  backwards.set_to_sequence(2);
  EXPECT_EQ(Read(backwards, &events).error_code(),
            StatusCode::INVALID_ARGUMENT);
  v1::ReadEventsRequest loan;
  loan.mutable_filter()->set_loan_id("x7");
  EXPECT_EQ(Read(loan, &events).error_code(), StatusCode::INVALID_ARGUMENT);
  v1::ReadEventsRequest subtree;
  subtree.mutable_filter()->set_subtree(true);
  EXPECT_EQ(Read(subtree, &events).error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(events.empty());
}

// Reads a subscription until `until` has been scanned; appends events.
bool ReadUntil(grpc::ClientReader<v1::SubscribeResponse>* reader,
               uint64_t until, std::vector<v1::EventEnvelope>* events,
               uint64_t* scanned) {
  v1::SubscribeResponse response;
  while (*scanned < until) {
    if (!reader->Read(&response)) return false;
    if (response.has_event()) events->push_back(response.event());
    *scanned = response.scanned_through_sequence();
  }
  return true;
}

void ExpectExactlyOnce(const std::vector<v1::EventEnvelope>& events,
                       uint64_t from, uint64_t to) {
  ASSERT_EQ(events.size(), to - from + 1);
  for (size_t i = 0; i < events.size(); ++i) {
    ASSERT_EQ(events[i].sequence(), from + i) << "gap or duplicate at " << i;
  }
}

TEST_F(StreamTest, SubscribeCatchesUpFollowsLiveAndResumesAfterRestart) {
  MoveMoney(100000);
  const uint64_t head = HeadSequence(Admin());
  std::vector<v1::EventEnvelope> events;
  uint64_t scanned = 0;
  {
    grpc::ClientContext context;
    Authorize(&context, service_);
    v1::SubscribeRequest request;
    auto reader = Audit()->Subscribe(&context, request);
    ASSERT_TRUE(ReadUntil(reader.get(), head, &events, &scanned));
    // Live: events written while subscribed arrive in order.
    std::thread writer([this] {
      for (int i = 0; i < 10; ++i) MoveMoney(1000 + i);
    });
    ASSERT_TRUE(ReadUntil(reader.get(), head + 20, &events, &scanned));
    writer.join();
    context.TryCancel();
    reader->Finish();
  }
  ExpectExactlyOnce(events, 1, head + 20);

  // The server restarts; the subscriber resumes where it stopped, and
  // events written in between are not lost.
  {
    grpc::ClientContext context;
    Authorize(&context, service_);
    v1::SubscribeRequest request;
    request.set_after_sequence(scanned);
    auto reader = Audit()->Subscribe(&context, request);
    MoveMoney(5000);
    ASSERT_TRUE(ReadUntil(reader.get(), head + 22, &events, &scanned));
    RELIEF_ASSERT_OK(server().Restart());
    v1::SubscribeResponse response;
    while (reader->Read(&response)) {
      if (response.has_event()) events.push_back(response.event());
      scanned = response.scanned_through_sequence();
    }
    grpc::Status ended = reader->Finish();
    EXPECT_EQ(ended.error_code(), StatusCode::UNAVAILABLE) << ended.error_message();
  }
  MoveMoney(7000);
  {
    grpc::ClientContext context;
    Authorize(&context, service_);
    v1::SubscribeRequest request;
    request.set_after_sequence(scanned);
    auto reader = Audit()->Subscribe(&context, request);
    ASSERT_TRUE(ReadUntil(reader.get(), head + 24, &events, &scanned));
    context.TryCancel();
    reader->Finish();
  }
  ExpectExactlyOnce(events, 1, head + 24);
  EXPECT_EQ(HeadSequence(Admin()), head + 24);
}

TEST_F(StreamTest, FilteredSubscriptionReportsProgressAndRefusesFinance) {
  const uint64_t head = HeadSequence(Admin());
  grpc::ClientContext context;
  Authorize(&context, server().admin_token());
  v1::SubscribeRequest request;
  request.set_after_sequence(head);
  request.mutable_filter()->add_event_types("funds_allocated");
  auto reader = Audit()->Subscribe(&context, request);
  MoveMoney(3000);
  std::vector<v1::EventEnvelope> events;
  uint64_t scanned = head;
  ASSERT_TRUE(ReadUntil(reader.get(), head + 2, &events, &scanned));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].sequence(), head + 2);
  EXPECT_TRUE(events[0].event().has_funds_allocated());
  context.TryCancel();
  reader->Finish();

  grpc::ClientContext denied_context;
  Authorize(&denied_context, finance_);
  auto denied = Audit()->Subscribe(&denied_context, v1::SubscribeRequest());
  v1::SubscribeResponse response;
  EXPECT_FALSE(denied->Read(&response));
  EXPECT_EQ(denied->Finish().error_code(), StatusCode::PERMISSION_DENIED);

  grpc::ClientContext ahead_context;
  Authorize(&ahead_context, service_);
  v1::SubscribeRequest ahead;
  ahead.set_after_sequence(head + 1000);
  auto beyond = Audit()->Subscribe(&ahead_context, ahead);
  EXPECT_FALSE(beyond->Read(&response));
  EXPECT_EQ(beyond->Finish().error_code(), StatusCode::OUT_OF_RANGE);
}

class SlowSubscriberTest : public StreamTest {
 protected:
  SlowSubscriberTest() { options_.extra_args = {"--subscriber-max-lag", "50"}; }
};

TEST_F(SlowSubscriberTest, FallingTooFarBehindEndsTheStreamWhichMayResume) {
  const uint64_t head = HeadSequence(Admin());
  grpc::ClientContext context;
  Authorize(&context, service_);
  auto reader = Audit()->Subscribe(&context, v1::SubscribeRequest());
  std::vector<v1::EventEnvelope> events;
  uint64_t scanned = 0;
  ASSERT_TRUE(ReadUntil(reader.get(), head, &events, &scanned));
  // Caught up. 200 events land at once: the subscriber is 200 behind.
  v1::SubmitCommandsRequest batch;
  for (int i = 0; i < 200; ++i) {
    auto* r = batch.add_commands()->mutable_receive_funds();
    r->set_request_id(NewRequestId("r"));
    r->set_unit_code("sd.qd");
    r->set_fund_source(v1::FUND_SOURCE_OWN_FUNDS);
    r->set_amount_fen(100 + i);
    r->set_payer("本级经费");
  }
  v1::SubmitCommandsResponse submitted;
  ASSERT_TRUE(RpcOk(As(finance_).SubmitCommands(batch, &submitted)));
  v1::SubscribeResponse response;
  while (reader->Read(&response)) {
    if (response.has_event()) events.push_back(response.event());
    scanned = response.scanned_through_sequence();
  }
  grpc::Status ended = reader->Finish();
  EXPECT_EQ(ended.error_code(), StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(Reason(context), "SUBSCRIBER_TOO_SLOW");
  EXPECT_THAT(ended.error_message(),
              ::testing::HasSubstr(absl::StrCat("after_sequence ", scanned)));

  // Resuming catches up the rest (catch-up is not live: no limit).
  grpc::ClientContext again;
  Authorize(&again, service_);
  v1::SubscribeRequest resume;
  resume.set_after_sequence(scanned);
  auto second = Audit()->Subscribe(&again, resume);
  ASSERT_TRUE(ReadUntil(second.get(), head + 200, &events, &scanned));
  again.TryCancel();
  second->Finish();
  ExpectExactlyOnce(events, 1, head + 200);
}

}  // namespace
}  // namespace relief::testing
