// Dossiers: given these events, when this command, then these events or
// this rejection. National IDs here are made-up numbers with valid check
// characters (the first is the standard's own example).
#include "ledger/domain/dossiers.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "ledger/domain/decider.h"
#include "ledger/domain/rejection.h"

namespace relief {
namespace {

constexpr char kId1[] = "11010519491231002X";
constexpr char kId2[] = "370802198002291232";  // born 29 Feb 1980

TEST(NationalIdTest, AcceptsValidIds) {
  EXPECT_TRUE(ValidateNationalId(kId1).ok());
  EXPECT_TRUE(ValidateNationalId("11010519491231002x").ok());
  EXPECT_TRUE(ValidateNationalId(kId2).ok());
  EXPECT_EQ(CanonicalNationalId("11010519491231002x"), kId1);
  EXPECT_EQ(MaskNationalId(kId2), "370802********1232");
}

TEST(NationalIdTest, RejectsBirthDatesAfterToday) {
  // Born 1 January 2149: a valid check character, an impossible person.
  EXPECT_TRUE(ValidateNationalId("110105214901010027").ok());
  EXPECT_EQ(ReasonOf(ValidateNationalId("110105214901010027", 20261124)),
            v1::NATIONAL_ID_INVALID);
  EXPECT_TRUE(ValidateNationalId(kId1, 20261124).ok());
  EXPECT_TRUE(ValidateNationalId(kId1, 19491231).ok());  // born today
  EXPECT_FALSE(ValidateNationalId(kId1, 19491230).ok());
}

TEST(NationalIdTest, RejectsInvalidIdsWithoutEchoingThem) {
  for (const char* bad :
       {"", "1101051949123100", "11010519491231002X1", "110105194912310021",
        "11010519491331002X", "11010519490230002X", "11010518991231002X",
        "1101051949123100AX", "11010519491231002Y", "370802198102291232"}) {
    SCOPED_TRACE(bad);
    absl::Status s = ValidateNationalId(bad);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(ReasonOf(s), v1::NATIONAL_ID_INVALID);
    if (std::string(bad).size() > 6) {
      EXPECT_EQ(std::string(s.message()).find(bad), std::string::npos);
    }
  }
}

class DossiersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    v1::Command unit;
    auto* r = unit.mutable_register_org_unit();
    r->set_request_id("u");
    r->set_code("jn");
    r->set_name_zh("济宁市总工会");
    r->set_level(v1::ORG_LEVEL_PROVINCE);
    ASSERT_TRUE(Apply(unit).ok());
  }
  // The service's part: hash (here a stand-in) and mask the ID.
  v1::Command Register(const std::string& id, std::string unit = "jn") {
    v1::Command c;
    auto* r = c.mutable_register_dossier();
    r->set_request_id("reg-" + id);
    r->set_unit_code(unit);
    r->set_name("张三");
    r->set_category(v1::HARDSHIP_CATEGORY_SERIOUS_ILLNESS);
    r->set_household_size(3);
    r->set_national_id_hmac(std::string(32, id[16]));
    r->set_national_id_masked(MaskNationalId(id));
    return c;
  }
  absl::Status Apply(const v1::Command& command) {
    std::vector<v1::Event> events;
    CommandContext context{"finance", 0, {}, sequence_};
    absl::Status s = Decide(state_, command, context, &events);
    if (s.ok()) {
      for (const auto& e : events) Evolve(state_, e, ++sequence_);
      state_.ForgetUndo();
      last_ = events;
    }
    return s;
  }
  State state_;
  uint64_t sequence_ = 0;
  std::vector<v1::Event> last_;
};

TEST_F(DossiersTest, RegistersOnePersonOnce) {
  ASSERT_TRUE(Apply(Register(kId1)).ok());
  const auto& e = last_[0].dossier_registered();
  EXPECT_EQ(e.dossier_id(), "d2");
  EXPECT_EQ(e.national_id_masked(), "110105********002X");
  EXPECT_EQ(state_.FindDossier("d2")->active(), true);
  absl::Status again = Apply(Register(kId1));
  EXPECT_EQ(again.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ReasonOf(again), v1::DOSSIER_ALREADY_EXISTS);
  EXPECT_NE(again.message().find("d2"), absl::string_view::npos);
  EXPECT_NE(again.message().find("'jn'"), absl::string_view::npos);
  EXPECT_TRUE(Apply(Register(kId2)).ok());
}

TEST_F(DossiersTest, RejectsBadShapesAndUnknownUnits) {
  v1::Command c = Register(kId1);
  c.mutable_register_dossier()->set_category(v1::HARDSHIP_CATEGORY_UNSPECIFIED);
  EXPECT_EQ(ReasonOf(Apply(c)), v1::CATEGORY_INVALID);
  c = Register(kId1);
  c.mutable_register_dossier()->set_household_size(0);
  EXPECT_EQ(ReasonOf(Apply(c)), v1::FIELD_INVALID);
  c = Register(kId1);
  c.mutable_register_dossier()->set_name("");
  EXPECT_EQ(ReasonOf(Apply(c)), v1::FIELD_INVALID);
  c = Register(kId1);
  c.mutable_register_dossier()->set_national_id(kId1);  // unhashed: a bug
  EXPECT_EQ(Apply(c).code(), absl::StatusCode::kInternal);
  absl::Status s = Apply(Register(kId1, "nowhere"));
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(sequence_, 1u);
}

TEST_F(DossiersTest, ExitReactivateAndUpdate) {
  ASSERT_TRUE(Apply(Register(kId1)).ok());
  v1::Command exit;
  exit.mutable_exit_dossier()->set_request_id("x");
  exit.mutable_exit_dossier()->set_dossier_id("d2");
  exit.mutable_exit_dossier()->set_reason("再就业 found work");
  ASSERT_TRUE(Apply(exit).ok());
  EXPECT_FALSE(state_.FindDossier("d2")->active());
  EXPECT_EQ(ReasonOf(Apply(exit)), v1::DOSSIER_EXITED);
  v1::Command back;
  back.mutable_reactivate_dossier()->set_request_id("b");
  back.mutable_reactivate_dossier()->set_dossier_id("d2");
  back.mutable_reactivate_dossier()->set_reason("lost the job again");
  ASSERT_TRUE(Apply(back).ok());
  EXPECT_EQ(ReasonOf(Apply(back)), v1::DOSSIER_ACTIVE);
  v1::Command update;
  auto* u = update.mutable_update_dossier();
  u->set_request_id("up");
  u->set_dossier_id("d2");
  u->set_name("张三");
  u->set_category(v1::HARDSHIP_CATEGORY_SINGLE_PARENT);
  u->set_household_size(2);
  ASSERT_TRUE(Apply(update).ok());
  EXPECT_EQ(state_.FindDossier("d2")->details().category(),
            v1::HARDSHIP_CATEGORY_SINGLE_PARENT);
  u->set_dossier_id("d99");
  EXPECT_EQ(ReasonOf(Apply(update)), v1::DOSSIER_NOT_FOUND);
  u->set_dossier_id("x");
  EXPECT_EQ(ReasonOf(Apply(update)), v1::FIELD_INVALID);
}

TEST_F(DossiersTest, RollbackForgetsTheIdHash) {
  size_t mark = state_.Mark();
  std::vector<v1::Event> events;
  CommandContext context{"finance", 0, {}, sequence_};
  ASSERT_TRUE(Decide(state_, Register(kId1), context, &events).ok());
  Evolve(state_, events[0], sequence_ + 1);
  state_.RollbackTo(mark);
  EXPECT_EQ(state_.FindDossier("d2"), nullptr);
  EXPECT_TRUE(Apply(Register(kId1)).ok());
}

}  // namespace
}  // namespace relief
