#include <cstdlib>
#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "ledger/writer/writer.h"
#include "projections/dossiers_projection.h"
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
  p.push_back(std::make_unique<DossiersProjection>());
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

TEST(ProjectionsTest, DossiersListBySubtreeWithoutSiblings) {
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
  uint64_t head = 0;
  auto submit = [&](v1::Command c) {
    Submission s;
    s.actor = "t";
    s.commands.push_back(std::move(c));
    auto r = (*writer)->SubmitAndWait(std::move(s));
    ASSERT_TRUE(r.ok()) << r.status();
    head = (*r)[0].first_sequence();
  };
  submit(Register("sd"));
  submit(Register("sd.jn", "sd"));
  submit(Register("sd.jn-x", "sd"));
  v1::Command c = Register("sd.jn.zc", "sd.jn");
  c.mutable_register_org_unit()->set_level(v1::ORG_LEVEL_DISTRICT);
  submit(c);
  int n = 0;
  for (const char* unit : {"sd.jn", "sd.jn-x", "sd.jn.zc", "sd.jn"}) {
    v1::Command d;
    auto* r = d.mutable_register_dossier();
    r->set_request_id("d" + std::to_string(n));
    r->set_unit_code(unit);
    r->set_name("李四");
    r->set_category(v1::HARDSHIP_CATEGORY_DISABILITY);
    r->set_household_size(2);
    r->set_national_id_hmac(std::string(32, static_cast<char>('a' + n)));
    r->set_national_id_masked("370802********1232");
    submit(d);
    ++n;
  }
  ASSERT_EQ(runner->WaitFor(head, absl::Now() + absl::Seconds(10)), head);
  DossiersView view(log->get());
  std::string next;
  auto own = view.List("sd.jn", false, false, "", 100, &next);
  ASSERT_TRUE(own.ok());
  EXPECT_EQ(own->size(), 2u);
  auto sub = view.List("sd.jn", true, false, "", 100, &next);
  ASSERT_TRUE(sub.ok());
  ASSERT_EQ(sub->size(), 3u);  // not the sibling sd.jn-x's
  for (const auto& d : *sub) EXPECT_NE(d.unit_code(), "sd.jn-x");
  auto page = view.List("sd.jn", true, false, "", 2, &next);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 2u);
  ASSERT_FALSE(next.empty());
  auto rest = view.List("sd.jn", true, false, next, 2, &next);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ(view.GetByIdHash(std::string(32, 'b'))->unit_code(), "sd.jn-x");
  EXPECT_EQ(view.Get("d999").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(view.List("sd.jn", false, false, "zz", 2, &next).status().code(),
            absl::StatusCode::kInvalidArgument);
  (*writer)->Stop();
}

}  // namespace
}  // namespace relief
