#include <cstdlib>
#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "ledger/writer/writer.h"
#include "projections/org_units_projection.h"
#include "projections/projection_runner.h"

namespace relief {
namespace {

v1::Command Register(std::string code, std::string parent = "") {
  v1::Command c;
  auto* r = c.mutable_register_org_unit();
  r->set_request_id("req-" + code);
  r->set_code(code);
  r->set_name_zh("工会");
  r->set_level(parent.empty() ? v1::ORG_LEVEL_PROVINCE : v1::ORG_LEVEL_CITY);
  r->set_parent_code(parent);
  return c;
}

struct Notifier : CommitListener {
  ProjectionRunner* runner = nullptr;
  void OnCommitted(const State&, const LogHead& head,
                   const std::vector<v1::EventEnvelope>&) override {
    if (runner) runner->Notify(head.sequence);
  }
  void OnWriterFailed(const absl::Status&) override {}
};

std::vector<std::unique_ptr<Projection>> All() {
  std::vector<std::unique_ptr<Projection>> p;
  p.push_back(std::make_unique<OrgUnitsProjection>());
  return p;
}

std::string Dump(const EventLog& log) {
  OrgUnitsView view(&log);
  std::string next;
  auto units = view.List("", true, "", 1000, &next);
  EXPECT_TRUE(units.ok());
  std::string out;
  for (const auto& u : *units) out += u.SerializeAsString() + "|";
  return out;
}

TEST(ProjectionsTest, FollowsWriterAndRebuildsIdentically) {
  std::string dir = ::testing::TempDir() + "/proj_XXXXXX";
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  auto log = EventLog::Open(dir);
  ASSERT_TRUE(log.ok());
  Notifier notifier;
  auto runner = std::make_unique<ProjectionRunner>(log->get(), All());
  notifier.runner = runner.get();
  ASSERT_TRUE(runner->Start().ok());
  auto writer = Writer::Start(log->get(), {}, &notifier);
  ASSERT_TRUE(writer.ok());
  auto submit = [&](std::vector<v1::Command> commands) {
    Submission s;
    s.actor = "t";
    s.commands = std::move(commands);
    return (*writer)->SubmitAndWait(std::move(s));
  };
  ASSERT_TRUE(submit({Register("sd")}).ok());
  ASSERT_TRUE(submit({Register("sd.jn", "sd"), Register("sd.jn-x", "sd"),
                      Register("sd.hz", "sd")})
                  .ok());
  v1::Command deactivate;
  deactivate.mutable_deactivate_org_unit()->set_request_id("d1");
  deactivate.mutable_deactivate_org_unit()->set_code("sd.hz");
  deactivate.mutable_deactivate_org_unit()->set_reason("merged");
  auto last = submit({deactivate});
  ASSERT_TRUE(last.ok());
  uint64_t head = (*last)[0].first_sequence();
  EXPECT_EQ(runner->WaitFor(head, absl::Now() + absl::Seconds(10)), head);

  OrgUnitsView view(log->get());
  auto hz = view.Get("sd.hz");
  ASSERT_TRUE(hz.ok());
  EXPECT_FALSE(hz->active());
  EXPECT_EQ(hz->deactivated_sequence(), head);
  EXPECT_EQ(view.Get("nope").status().code(), absl::StatusCode::kNotFound);

  // Subtree of "sd.jn" must not include its sibling "sd.jn-x".
  std::string next;
  auto sub = view.List("sd.jn", false, "", 100, &next);
  ASSERT_TRUE(sub.ok());
  ASSERT_EQ(sub->size(), 1u);
  EXPECT_EQ((*sub)[0].code(), "sd.jn");
  // Paging: 2 at a time over the active units (sd, sd.jn, sd.jn-x).
  auto page = view.List("", false, "", 2, &next);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 2u);
  ASSERT_FALSE(next.empty());
  auto rest = view.List("", false, next, 2, &next);
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(rest->size(), 1u);
  EXPECT_TRUE(next.empty());

  std::string live = Dump(**log);
  (*writer)->Stop();
  runner->Stop();
  runner.reset();
  // Drop and rebuild from sequence 1: the same read model.
  runner = std::make_unique<ProjectionRunner>(log->get(), All());
  ASSERT_TRUE(runner->Drop(OrgUnitsProjection::kName).ok());
  EXPECT_EQ(Dump(**log), "");
  ASSERT_TRUE(runner->Start().ok());
  runner->Notify(head);
  EXPECT_EQ(runner->WaitFor(head, absl::Now() + absl::Seconds(10)), head);
  EXPECT_EQ(Dump(**log), live);
}

}  // namespace
}  // namespace relief
