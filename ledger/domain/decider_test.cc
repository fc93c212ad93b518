// Given these events, when this command, then these events or this rejection.
#include "ledger/domain/decider.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "ledger/domain/rejection.h"

namespace relief {
namespace {

v1::Event Registered(std::string code, v1::OrgLevel level,
                     std::string parent = "") {
  v1::Event e;
  auto* r = e.mutable_org_unit_registered();
  r->set_code(code);
  r->set_name_zh("工会");
  r->set_level(level);
  r->set_parent_code(parent);
  return e;
}

v1::Event Issued(std::string name, v1::Role role, char token_byte) {
  v1::Event e;
  auto* t = e.mutable_token_issued();
  t->set_name(name);
  t->add_roles(role);
  t->set_token_sha256(std::string(32, token_byte));
  return e;
}

v1::Command Register(std::string code, v1::OrgLevel level,
                     std::string parent = "", std::string name = "济宁市总工会") {
  v1::Command c;
  auto* r = c.mutable_register_org_unit();
  r->set_request_id("req-" + std::to_string(std::hash<std::string>{}(code)));
  r->set_code(code);
  r->set_name_zh(name);
  r->set_level(level);
  r->set_parent_code(parent);
  return c;
}

v1::Command Deactivate(std::string code) {
  v1::Command c;
  auto* d = c.mutable_deactivate_org_unit();
  d->set_request_id("deact-" + code);
  d->set_code(code);
  d->set_reason("merged");
  return c;
}

class DeciderTest : public ::testing::Test {
 protected:
  void Given(const std::vector<v1::Event>& events) {
    for (const auto& e : events) Evolve(state_, e, ++sequence_);
    state_.ForgetUndo();
  }
  absl::Status When(const v1::Command& command,
                    absl::string_view token_hash = {}) {
    produced_.clear();
    CommandContext context{"admin", 1700000000000000, token_hash};
    return Decide(state_, command, context, &produced_);
  }
  void ExpectRejected(const v1::Command& command, absl::StatusCode code,
                      v1::ErrorReason reason) {
    absl::Status s = When(command);
    EXPECT_EQ(s.code(), code) << s;
    EXPECT_EQ(ReasonOf(s), reason) << s;
    EXPECT_TRUE(produced_.empty());
    EXPECT_FALSE(s.message().empty());
  }

  State state_;
  uint64_t sequence_ = 0;
  std::vector<v1::Event> produced_;
};

TEST_F(DeciderTest, RegistersRootThenChild) {
  ASSERT_TRUE(When(Register("shandong", v1::ORG_LEVEL_PROVINCE)).ok());
  ASSERT_EQ(produced_.size(), 1u);
  EXPECT_EQ(produced_[0].org_unit_registered().code(), "shandong");
  Given(produced_);
  ASSERT_TRUE(
      When(Register("shandong.jining", v1::ORG_LEVEL_CITY, "shandong")).ok());
  Given(produced_);
  const OrgUnitState* parent = state_.FindUnit("shandong");
  ASSERT_NE(parent, nullptr);
  EXPECT_EQ(parent->active_children(), 1u);
  EXPECT_EQ(state_.FindUnit("shandong.jining")->registered_sequence(), 2u);
}

TEST_F(DeciderTest, RejectsDuplicateCode) {
  Given({Registered("shandong", v1::ORG_LEVEL_PROVINCE)});
  ExpectRejected(Register("shandong", v1::ORG_LEVEL_PROVINCE),
                 absl::StatusCode::kAlreadyExists, v1::ORG_UNIT_ALREADY_EXISTS);
}

TEST_F(DeciderTest, RejectsUnknownParent) {
  ExpectRejected(Register("shandong.jining", v1::ORG_LEVEL_CITY, "shandong"),
                 absl::StatusCode::kFailedPrecondition,
                 v1::ORG_PARENT_NOT_FOUND);
}

TEST_F(DeciderTest, RejectsCodeNotUnderParent) {
  Given({Registered("shandong", v1::ORG_LEVEL_PROVINCE),
         Registered("henan", v1::ORG_LEVEL_PROVINCE)});
  ExpectRejected(Register("henan.jining", v1::ORG_LEVEL_CITY, "shandong"),
                 absl::StatusCode::kFailedPrecondition,
                 v1::ORG_CODE_PARENT_MISMATCH);
  // A unit cannot be its own parent: the code would have to extend itself.
  ExpectRejected(Register("shandong", v1::ORG_LEVEL_CITY, "shandong"),
                 absl::StatusCode::kAlreadyExists, v1::ORG_UNIT_ALREADY_EXISTS);
  ExpectRejected(Register("x.y", v1::ORG_LEVEL_CITY, "x.y"),
                 absl::StatusCode::kFailedPrecondition,
                 v1::ORG_CODE_PARENT_MISMATCH);
}

TEST_F(DeciderTest, RejectsRootBelowProvinceAndDottedRoot) {
  ExpectRejected(Register("jining", v1::ORG_LEVEL_CITY),
                 absl::StatusCode::kFailedPrecondition,
                 v1::ORG_ROOT_LEVEL_INVALID);
  ExpectRejected(Register("a.b", v1::ORG_LEVEL_PROVINCE),
                 absl::StatusCode::kFailedPrecondition,
                 v1::ORG_CODE_PARENT_MISMATCH);
}

TEST_F(DeciderTest, RejectsLevelNotBelowParent) {
  Given({Registered("shandong", v1::ORG_LEVEL_PROVINCE),
         Registered("shandong.jining", v1::ORG_LEVEL_CITY, "shandong")});
  ExpectRejected(
      Register("shandong.jining.x", v1::ORG_LEVEL_CITY, "shandong.jining"),
      absl::StatusCode::kFailedPrecondition, v1::ORG_LEVEL_NOT_BELOW_PARENT);
  ExpectRejected(
      Register("shandong.jining.x", v1::ORG_LEVEL_PROVINCE, "shandong.jining"),
      absl::StatusCode::kFailedPrecondition, v1::ORG_LEVEL_NOT_BELOW_PARENT);
  // Skipping levels is allowed: a grassroots union directly under a city.
  EXPECT_TRUE(When(Register("shandong.jining.x", v1::ORG_LEVEL_GRASSROOTS,
                            "shandong.jining"))
                  .ok());
}

TEST_F(DeciderTest, RejectsBadShapes) {
  for (const std::string& bad : std::vector<std::string>{"", "Jining", "ji ning", "jining.", ".jining", "a..b", "_a", "中文",
        std::string(129, 'a'), std::string(33, 'a'), "a.b.c.d.e.f.g.h.i"}) {
    SCOPED_TRACE(bad);
    ExpectRejected(Register(bad, v1::ORG_LEVEL_PROVINCE),
                   absl::StatusCode::kInvalidArgument, v1::ORG_CODE_INVALID);
  }
  ExpectRejected(Register("a", v1::ORG_LEVEL_PROVINCE, "", ""),
                 absl::StatusCode::kInvalidArgument, v1::FIELD_INVALID);
  ExpectRejected(Register("a", v1::ORG_LEVEL_PROVINCE, "", "   "),
                 absl::StatusCode::kInvalidArgument, v1::FIELD_INVALID);
  ExpectRejected(Register("a", v1::ORG_LEVEL_PROVINCE, "", std::string(101 * 3, 'x')),
                 absl::StatusCode::kInvalidArgument, v1::FIELD_INVALID);
  ExpectRejected(Register("a", v1::ORG_LEVEL_PROVINCE, "", "tab\there"),
                 absl::StatusCode::kInvalidArgument, v1::FIELD_INVALID);
  ExpectRejected(Register("a", v1::ORG_LEVEL_UNSPECIFIED),
                 absl::StatusCode::kInvalidArgument, v1::ORG_LEVEL_INVALID);
  ExpectRejected(Register("a", static_cast<v1::OrgLevel>(42)),
                 absl::StatusCode::kInvalidArgument, v1::ORG_LEVEL_INVALID);
  v1::Command no_id = Register("a", v1::ORG_LEVEL_PROVINCE);
  no_id.mutable_register_org_unit()->clear_request_id();
  ExpectRejected(no_id, absl::StatusCode::kInvalidArgument,
                 v1::REQUEST_ID_INVALID);
  v1::Command long_id = Register("a", v1::ORG_LEVEL_PROVINCE);
  long_id.mutable_register_org_unit()->set_request_id(std::string(65, 'r'));
  ExpectRejected(long_id, absl::StatusCode::kInvalidArgument,
                 v1::REQUEST_ID_INVALID);
  ExpectRejected(v1::Command(), absl::StatusCode::kInvalidArgument,
                 v1::BATCH_INVALID);
}

TEST_F(DeciderTest, ChineseNamesCountCharactersNotBytes) {
  std::string hundred;
  for (int i = 0; i < 100; ++i) hundred += "工";
  EXPECT_TRUE(When(Register("a", v1::ORG_LEVEL_PROVINCE, "", hundred)).ok());
  ExpectRejected(Register("a", v1::ORG_LEVEL_PROVINCE, "", hundred + "会"),
                 absl::StatusCode::kInvalidArgument, v1::FIELD_INVALID);
}

TEST_F(DeciderTest, DeactivationRules) {
  Given({Registered("shandong", v1::ORG_LEVEL_PROVINCE),
         Registered("shandong.jining", v1::ORG_LEVEL_CITY, "shandong")});
  ExpectRejected(Deactivate("henan"), absl::StatusCode::kNotFound,
                 v1::ORG_UNIT_NOT_FOUND);
  ExpectRejected(Deactivate("shandong"), absl::StatusCode::kFailedPrecondition,
                 v1::ORG_UNIT_HAS_ACTIVE_CHILDREN);
  ASSERT_TRUE(When(Deactivate("shandong.jining")).ok());
  Given(produced_);
  EXPECT_FALSE(state_.FindUnit("shandong.jining")->active());
  EXPECT_EQ(state_.FindUnit("shandong")->active_children(), 0u);
  ExpectRejected(Deactivate("shandong.jining"),
                 absl::StatusCode::kFailedPrecondition, v1::ORG_UNIT_INACTIVE);
  ExpectRejected(
      Register("shandong.jining.x", v1::ORG_LEVEL_DISTRICT, "shandong.jining"),
      absl::StatusCode::kFailedPrecondition, v1::ORG_PARENT_INACTIVE);
  EXPECT_TRUE(When(Deactivate("shandong")).ok());
}

TEST_F(DeciderTest, TokenRules) {
  Given({Issued("admin", v1::ROLE_ADMIN, 'a')});
  v1::Command create;
  auto* c = create.mutable_create_token();
  c->set_request_id("t1");
  c->set_name("li.wei");
  c->add_roles(v1::ROLE_AUDITOR);
  std::string hash(32, 'b');
  ASSERT_TRUE(When(create, hash).ok());
  EXPECT_EQ(produced_[0].token_issued().token_sha256(), hash);
  Given(produced_);
  EXPECT_EQ(state_.FindPrincipalByTokenHash(hash)->name(), "li.wei");
  EXPECT_EQ(When(create, hash).code(), absl::StatusCode::kAlreadyExists);

  c->set_name("other");
  c->clear_roles();
  ExpectRejected(create, absl::StatusCode::kInvalidArgument, v1::ROLE_INVALID);
  c->add_roles(static_cast<v1::Role>(9));
  ExpectRejected(create, absl::StatusCode::kInvalidArgument, v1::ROLE_INVALID);

  v1::Command revoke;
  auto* r = revoke.mutable_revoke_token();
  r->set_request_id("r1");
  r->set_name("admin");
  r->set_reason("left");
  ExpectRejected(revoke, absl::StatusCode::kFailedPrecondition, v1::LAST_ADMIN);
  r->set_name("nobody");
  ExpectRejected(revoke, absl::StatusCode::kNotFound, v1::PRINCIPAL_NOT_FOUND);
  r->set_name("li.wei");
  ASSERT_TRUE(When(revoke).ok());
  Given(produced_);
  EXPECT_TRUE(state_.FindPrincipal("li.wei")->revoked());
  ExpectRejected(revoke, absl::StatusCode::kFailedPrecondition,
                 v1::PRINCIPAL_REVOKED);
}

TEST_F(DeciderTest, RollbackRestoresEverything) {
  Given({Registered("shandong", v1::ORG_LEVEL_PROVINCE),
         Issued("admin", v1::ROLE_ADMIN, 'a')});
  storage::v1::Snapshot before;
  state_.ExportTo(&before);
  size_t mark = state_.Mark();
  Evolve(state_, Registered("shandong.jining", v1::ORG_LEVEL_CITY, "shandong"),
         3);
  Evolve(state_, Issued("x", v1::ROLE_SERVICE, 'x'), 4);
  state_.RollbackTo(mark);
  storage::v1::Snapshot after;
  state_.ExportTo(&after);
  EXPECT_EQ(before.SerializeAsString(), after.SerializeAsString());
  EXPECT_EQ(state_.FindPrincipalByTokenHash(std::string(32, 'x')), nullptr);
}

}  // namespace
}  // namespace relief
