// Beneficiary dossiers and grants over gRPC: one dossier per person across
// units, the national ID never in clear (responses, events, server log, data
// files), maker-checker posting, the yearly limit, voiding, and batch
// disbursement of 10,000 lines with its control totals.
//
// Tree: sd (province) -> sd.jn, sd.qd (cities). Two finance officers.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/test_util.h"

namespace relief::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using grpc::StatusCode;

constexpr int64_t kYuan = 100;  // fen
constexpr v1::FundSource kDonations = v1::FUND_SOURCE_DONATIONS;

// Made-up IDs with valid check digits (GB 11643).
constexpr char kIdA[] = "11010519491231002X";
constexpr char kIdB[] = "370802198002291232";

// The i-th of many distinct valid IDs: birth years 1960.., 1,000 per year.
std::string ManyId(int i) {
  return NationalId(absl::StrCat("370802", 1960 + i / 1000, "0115",
                                 absl::Dec(i % 1000, absl::kZeroPad3)));
}

v1::RegisterDossierRequest MakeDossier(const std::string& unit,
                                       const std::string& national_id,
                                       const std::string& name = "张三") {
  v1::RegisterDossierRequest request;
  request.set_request_id(NewRequestId("dossier"));
  request.set_unit_code(unit);
  request.set_name(name);
  request.set_national_id(national_id);
  request.set_category(v1::HARDSHIP_CATEGORY_SERIOUS_ILLNESS);
  request.set_household_size(3);
  request.set_contact("13800000000");
  return request;
}

v1::ProposeGrantRequest MakeProposal(const std::string& dossier_id,
                                     const std::string& unit,
                                     int64_t amount_fen) {
  v1::ProposeGrantRequest request;
  request.set_request_id(NewRequestId("propose"));
  request.set_dossier_id(dossier_id);
  request.set_program("education");
  request.set_unit_code(unit);
  request.set_fund_source(kDonations);
  request.set_amount_fen(amount_fen);
  request.set_memo("子女大学学费");
  return request;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in),
                     std::istreambuf_iterator<char>());
}

class DossiersGrantsTest : public ReliefdTest {
 protected:
  void SetUp() override {
    ReliefdTest::SetUp();
    if (HasFatalFailure()) return;
    ReliefClient admin = Admin();
    Register(admin, "sd", v1::ORG_LEVEL_PROVINCE, "");
    Register(admin, "sd.jn", v1::ORG_LEVEL_CITY, "sd");
    Register(admin, "sd.qd", v1::ORG_LEVEL_CITY, "sd");
    officer_one_ = CreateToken(admin, "fin.one", {v1::ROLE_FINANCE_OFFICER});
    officer_two_ = CreateToken(admin, "fin.two", {v1::ROLE_FINANCE_OFFICER});
    ASSERT_FALSE(officer_one_.empty());
    ASSERT_FALSE(officer_two_.empty());
  }

  ReliefClient One() { return As(officer_one_); }
  ReliefClient Two() { return As(officer_two_); }

  // Runs `send`, which must fail with `code` / `reason`; the head must not
  // move. Returns the result for further checks.
  RpcResult ExpectRejected(const std::function<RpcResult()>& send,
                           StatusCode code, v1::ErrorReason reason,
                           const std::string& what) {
    SCOPED_TRACE(what);
    const v1::GetStatusResponse before = Status(Admin());
    const RpcResult result = send();
    EXPECT_TRUE(IsRpcError(result, code, reason));
    const v1::GetStatusResponse after = Status(Admin());
    EXPECT_EQ(after.head_sequence(), before.head_sequence());
    EXPECT_EQ(after.head_hash(), before.head_hash());
    return result;
  }

  // Registers and returns the dossier id ("" on failure).
  std::string RegisterDossier(const std::string& unit,
                              const std::string& national_id,
                              std::string* response_text = nullptr) {
    v1::RegisterDossierResponse response;
    RpcResult result = One().RegisterDossier(MakeDossier(unit, national_id),
                                             &response);
    EXPECT_TRUE(RpcOk(result)) << "RegisterDossier " << unit;
    if (response_text != nullptr) {
      absl::StrAppend(response_text, response.ShortDebugString(), "\n");
    }
    if (!result.ok()) return "";
    EXPECT_EQ(response.dossier_id(),
              absl::StrCat("d", response.result().first_sequence()));
    return response.dossier_id();
  }

  void SetEducationPolicy() {
    v1::SetProgramPolicyRequest request;
    request.set_request_id(NewRequestId("policy"));
    v1::ProgramPolicySet* policy = request.mutable_policy();
    policy->set_program("education");
    policy->set_name_zh("金秋助学");
    policy->set_name_en("Golden autumn education aid");
    policy->set_effective_date(20000101);  // in force whatever today is
    policy->set_min_amount_fen(2'000 * kYuan);
    policy->set_max_amount_fen(4'000 * kYuan);
    policy->set_grants_per_year(1);
    // No windows: the test does not depend on today's date.
    policy->add_fund_sources(kDonations);
    policy->set_notice_days(0);  // may be posted at once
    policy->set_expiry_days(30);
    policy->set_allow_cash(true);
    v1::SetProgramPolicyResponse response;
    ASSERT_TRUE(RpcOk(One().SetProgramPolicy(request, &response)));
  }

  uint64_t Receive(const std::string& unit, int64_t amount_fen) {
    v1::ReceiveFundsRequest request;
    request.set_request_id(NewRequestId("receive"));
    request.set_unit_code(unit);
    request.set_fund_source(kDonations);
    request.set_amount_fen(amount_fen);
    request.set_payer("爱心企业");
    v1::ReceiveFundsResponse response;
    EXPECT_TRUE(RpcOk(One().ReceiveFunds(request, &response)));
    return response.result().first_sequence();
  }

  v1::FundSummary Donations(const std::string& unit, uint64_t min_sequence) {
    v1::GetFundSummaryRequest request;
    request.set_unit_code(unit);
    request.set_min_sequence(min_sequence);
    v1::GetFundSummaryResponse response;
    EXPECT_TRUE(RpcOk(RetryWhileCatchingUp([&] {
      response.Clear();
      return One().GetFundSummary(request, &response);
    })));
    for (const v1::FundSummary& row : response.rows()) {
      if (row.fund_source() == kDonations) return row;
    }
    ADD_FAILURE() << "no donations row for " << unit;
    return {};
  }

  std::string officer_one_;
  std::string officer_two_;
};

TEST_F(DossiersGrantsTest, CheckDigitsOfTheSampleIds) {
  EXPECT_EQ(NationalId(std::string(kIdA, 17)), kIdA);
  EXPECT_EQ(NationalId(std::string(kIdB, 17)), kIdB);
}

TEST_F(DossiersGrantsTest, OneDossierPerPersonAndTheIdNeverInClear) {
  std::string seen;  // every response, as text
  const std::string a = RegisterDossier("sd.jn", kIdA, &seen);
  const std::string b = RegisterDossier("sd.qd", kIdB, &seen);
  ASSERT_FALSE(a.empty());
  ASSERT_FALSE(b.empty());

  // The same person in another unit.
  const RpcResult duplicate = ExpectRejected(
      [&] {
        v1::RegisterDossierResponse response;
        return One().RegisterDossier(MakeDossier("sd.qd", kIdA, "张叁"),
                                     &response);
      },
      StatusCode::ALREADY_EXISTS, v1::DOSSIER_ALREADY_EXISTS,
      "same person, other unit");
  EXPECT_THAT(duplicate.status.error_message(), HasSubstr("sd.jn"));
  absl::StrAppend(&seen, duplicate.status.error_message(), "\n");
  // A lower-case check character is the same person.
  ExpectRejected(
      [&] {
        std::string lower = kIdA;
        lower.back() = 'x';
        v1::RegisterDossierResponse response;
        return One().RegisterDossier(MakeDossier("sd.jn", lower), &response);
      },
      StatusCode::ALREADY_EXISTS, v1::DOSSIER_ALREADY_EXISTS,
      "same person, lower-case x");

  // Invalid IDs: check digit, length, characters, birth date.
  const std::string typo = "110105194912310021";  // check digit should be X
  std::vector<std::string> invalid = {
      typo, "11010519491231002", "11010519491231002XX", "1101051949123100AX",
      NationalId("11010519490231002"),  // 31 February
      NationalId("11010518991231002"),  // before 1900
      ""};
  for (const std::string& id : invalid) {
    const RpcResult result = ExpectRejected(
        [&] {
          v1::RegisterDossierResponse response;
          return One().RegisterDossier(MakeDossier("sd.jn", id), &response);
        },
        StatusCode::INVALID_ARGUMENT, v1::NATIONAL_ID_INVALID,
        "invalid ID '" + id + "'");
  }

  // Found by its national ID (through the keyed hash) and by its id.
  const uint64_t head = HeadSequence(Admin());
  for (bool by_national_id : {true, false}) {
    v1::GetDossierRequest request;
    if (by_national_id) {
      request.set_national_id(kIdA);
    } else {
      request.set_dossier_id(a);
    }
    request.set_min_sequence(head);
    v1::GetDossierResponse response;
    ASSERT_TRUE(RpcOk(Two().GetDossier(request, &response)));
    absl::StrAppend(&seen, response.ShortDebugString(), "\n");
    EXPECT_EQ(response.dossier().dossier_id(), a);
    EXPECT_EQ(response.dossier().unit_code(), "sd.jn");
    EXPECT_EQ(response.dossier().name(), "张三");
    EXPECT_EQ(response.dossier().national_id_masked(), "110105********002X");
    EXPECT_EQ(response.dossier().category(),
              v1::HARDSHIP_CATEGORY_SERIOUS_ILLNESS);
    EXPECT_TRUE(response.dossier().active());
  }
  {
    v1::GetDossierRequest request;
    request.set_national_id(NationalId("37080219800301123"));
    v1::GetDossierResponse response;
    EXPECT_TRUE(IsRpcError(One().GetDossier(request, &response),
                           StatusCode::NOT_FOUND, v1::DOSSIER_NOT_FOUND));
    request.set_national_id(typo);
    EXPECT_TRUE(IsRpcError(One().GetDossier(request, &response),
                           StatusCode::INVALID_ARGUMENT,
                           v1::NATIONAL_ID_INVALID));
  }

  // Update, exit, reactivate.
  {
    v1::UpdateDossierRequest update;
    update.set_request_id(NewRequestId("update"));
    update.set_dossier_id(a);
    update.set_name("张三");
    update.set_category(v1::HARDSHIP_CATEGORY_DISABILITY);
    update.set_household_size(4);
    update.set_contact("13900000000");
    v1::UpdateDossierResponse updated;
    ASSERT_TRUE(RpcOk(One().UpdateDossier(update, &updated)));
    v1::ExitDossierRequest exit;
    exit.set_request_id(NewRequestId("exit"));
    exit.set_dossier_id(a);
    exit.set_reason("已就业，脱困");
    v1::ExitDossierResponse exited;
    ASSERT_TRUE(RpcOk(One().ExitDossier(exit, &exited)));
    ExpectRejected(
        [&] {
          exit.set_request_id(NewRequestId("exit"));
          v1::ExitDossierResponse again;
          return One().ExitDossier(exit, &again);
        },
        StatusCode::FAILED_PRECONDITION, v1::DOSSIER_EXITED, "exit twice");

    v1::ListDossiersRequest list;
    list.set_unit_code("sd");
    list.set_subtree(true);
    list.set_min_sequence(exited.result().first_sequence());
    v1::ListDossiersResponse active;
    ASSERT_TRUE(RpcOk(One().ListDossiers(list, &active)));
    ASSERT_EQ(active.dossiers_size(), 1);
    EXPECT_EQ(active.dossiers(0).dossier_id(), b);
    list.set_include_exited(true);
    v1::ListDossiersResponse everyone;
    ASSERT_TRUE(RpcOk(One().ListDossiers(list, &everyone)));
    ASSERT_EQ(everyone.dossiers_size(), 2);
    absl::StrAppend(&seen, everyone.ShortDebugString(), "\n");
    EXPECT_EQ(everyone.dossiers(0).dossier_id(), a);
    EXPECT_FALSE(everyone.dossiers(0).active());
    EXPECT_EQ(everyone.dossiers(0).status_reason(), "已就业，脱困");
    EXPECT_EQ(everyone.dossiers(0).household_size(), 4u);
    EXPECT_EQ(everyone.dossiers(1).national_id_masked(), "370802********1232");

    v1::ReactivateDossierRequest reactivate;
    reactivate.set_request_id(NewRequestId("reactivate"));
    reactivate.set_dossier_id(a);
    reactivate.set_reason("再次失业");
    v1::ReactivateDossierResponse reactivated;
    ASSERT_TRUE(RpcOk(One().ReactivateDossier(reactivate, &reactivated)));
    ExpectRejected(
        [&] {
          reactivate.set_request_id(NewRequestId("reactivate"));
          v1::ReactivateDossierResponse again;
          return One().ReactivateDossier(reactivate, &again);
        },
        StatusCode::FAILED_PRECONDITION, v1::DOSSIER_ACTIVE,
        "reactivate an active dossier");
  }

  // Never in clear: not in any response, event, log line or data file;
  // not even the first 14 digits (area code and birth date).
  std::string events;
  for (const v1::EventEnvelope& envelope : ListAllEvents(Admin())) {
    absl::StrAppend(&events, envelope.ShortDebugString(), "\n",
                    envelope.SerializeAsString(), "\n");
  }
  ASSERT_THAT(events, HasSubstr("110105********002X"));
  RELIEF_ASSERT_OK(server().Stop());
  const std::string log = ReadFile(server().log_path());
  std::string data;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(server().data_dir())) {
    if (entry.is_regular_file()) data += ReadFile(entry.path().string());
  }
  for (const std::string& id : {std::string(kIdA), std::string(kIdB)}) {
    for (const std::string& needle : {id, id.substr(0, 14)}) {
      EXPECT_THAT(seen, Not(HasSubstr(needle))) << "in a response";
      EXPECT_THAT(events, Not(HasSubstr(needle))) << "in an event";
      EXPECT_THAT(log, Not(HasSubstr(needle))) << "in " << server().log_path();
      EXPECT_EQ(data.find(needle), std::string::npos)
          << needle << " in a file under " << server().data_dir();
    }
  }
  // Nor the rejected one with a typo in its check digit.
  EXPECT_THAT(events, Not(HasSubstr(typo.substr(0, 14))));
  EXPECT_THAT(log, Not(HasSubstr(typo.substr(0, 14))));
  // The request log did see these calls (and so had the chance to leak):
  // accepted, refused as a duplicate and as an invalid ID, each with the
  // officer's name, never a token.
  EXPECT_THAT(log, HasSubstr("rpc=relief.v1.LedgerService/RegisterDossier "
                             "principal=fin.one code=OK reason=- "));
  EXPECT_THAT(log, HasSubstr("rpc=relief.v1.LedgerService/RegisterDossier "
                             "principal=fin.one code=ALREADY_EXISTS "));
  EXPECT_THAT(log, HasSubstr("rpc=relief.v1.LedgerService/RegisterDossier "
                             "principal=fin.one code=INVALID_ARGUMENT "
                             "reason=NATIONAL_ID_INVALID "));
  EXPECT_THAT(log, HasSubstr("rpc=relief.v1.QueryService/GetDossier "));
  for (const std::string& token :
       {officer_one_, officer_two_, server().admin_token()}) {
    EXPECT_THAT(log, Not(HasSubstr(token.substr(4))));  // after "rlf_"
  }
}

// A valid check character on a person not yet born: refused.
TEST_F(DossiersGrantsTest, BirthDateInTheFutureIsInvalid) {
  const std::string born_2149 = NationalId("11010521490101002");
  ExpectRejected(
      [&] {
        v1::RegisterDossierResponse response;
        return One().RegisterDossier(MakeDossier("sd.jn", born_2149),
                                     &response);
      },
      StatusCode::INVALID_ARGUMENT, v1::NATIONAL_ID_INVALID, "born in 2149");
}

TEST_F(DossiersGrantsTest, MakerCheckerYearlyLimitAndVoid) {
  SetEducationPolicy();
  const uint64_t received = Receive("sd.jn", 1'000'000 * kYuan);
  const std::string a = RegisterDossier("sd.jn", kIdA);
  const std::string b = RegisterDossier("sd.jn", kIdB);
  ASSERT_FALSE(b.empty());

  ExpectRejected(
      [&] {
        v1::ProposeGrantResponse response;
        return One().ProposeGrant(MakeProposal(a, "sd.jn", 1'999 * kYuan),
                                  &response);
      },
      StatusCode::FAILED_PRECONDITION, v1::GRANT_AMOUNT_OUT_OF_POLICY,
      "below the policy's minimum");

  v1::ProposeGrantResponse proposed;
  ASSERT_TRUE(RpcOk(
      One().ProposeGrant(MakeProposal(a, "sd.jn", 3'000 * kYuan), &proposed)));
  const std::string grant = proposed.grant_id();
  EXPECT_EQ(grant, absl::StrCat("g", proposed.result().first_sequence()));
  v1::FundSummary summary =
      Donations("sd.jn", proposed.result().first_sequence());
  EXPECT_EQ(summary.reserved_fen(), 3'000 * kYuan);
  EXPECT_EQ(summary.available_fen(), 997'000 * kYuan);
  EXPECT_EQ(summary.granted_fen(), 0);

  // Maker-checker: the proposer may not pay it.
  v1::PostGrantRequest post;
  post.set_request_id(NewRequestId("post"));
  post.set_grant_id(grant);
  post.set_amount_fen(3'000 * kYuan);
  ExpectRejected(
      [&] {
        v1::PostGrantResponse response;
        return One().PostGrant(post, &response);
      },
      StatusCode::FAILED_PRECONDITION, v1::GRANT_SAME_PRINCIPAL,
      "posted by its proposer");
  ExpectRejected(
      [&] {
        v1::PostGrantRequest wrong = post;
        wrong.set_request_id(NewRequestId("post"));
        wrong.set_amount_fen(3'001 * kYuan);
        v1::PostGrantResponse response;
        return Two().PostGrant(wrong, &response);
      },
      StatusCode::FAILED_PRECONDITION, v1::GRANT_AMOUNT_MISMATCH,
      "posted with another amount");
  v1::PostGrantResponse posted;
  ASSERT_TRUE(RpcOk(Two().PostGrant(post, &posted)));
  summary = Donations("sd.jn", posted.result().first_sequence());
  EXPECT_EQ(summary.reserved_fen(), 0);
  EXPECT_EQ(summary.granted_fen(), 3'000 * kYuan);
  EXPECT_EQ(summary.available_fen(), 997'000 * kYuan);
  {
    v1::GetBalanceRequest request;
    request.set_account("sd.jn/donations/grants/education");
    request.set_min_sequence(posted.result().first_sequence());
    v1::GetBalanceResponse response;
    ASSERT_TRUE(RpcOk(One().GetBalance(request, &response)));
    EXPECT_EQ(response.balance().posted_credits_fen(), 3'000 * kYuan);
  }

  // Once a year, in every unit.
  for (const std::string unit : {"sd.jn", "sd.qd"}) {
    ExpectRejected(
        [&] {
          v1::ProposeGrantResponse response;
          return Two().ProposeGrant(MakeProposal(a, unit, 2'000 * kYuan),
                                    &response);
        },
        StatusCode::FAILED_PRECONDITION, v1::GRANT_YEARLY_LIMIT_REACHED,
        "second grant this year at " + unit);
  }

  // Voiding releases the reservation.
  v1::ProposeGrantResponse second;
  ASSERT_TRUE(RpcOk(
      One().ProposeGrant(MakeProposal(b, "sd.jn", 2'500 * kYuan), &second)));
  summary = Donations("sd.jn", second.result().first_sequence());
  EXPECT_EQ(summary.reserved_fen(), 2'500 * kYuan);
  EXPECT_EQ(summary.available_fen(), 994'500 * kYuan);
  v1::VoidGrantRequest void_request;
  void_request.set_request_id(NewRequestId("void"));
  void_request.set_grant_id(second.grant_id());
  void_request.set_reason("公示期间收到异议");
  v1::VoidGrantResponse voided;
  ASSERT_TRUE(RpcOk(Two().VoidGrant(void_request, &voided)));
  summary = Donations("sd.jn", voided.result().first_sequence());
  EXPECT_EQ(summary.reserved_fen(), 0);
  EXPECT_EQ(summary.available_fen(), 997'000 * kYuan);
  EXPECT_EQ(summary.received_fen(), 1'000'000 * kYuan);
  EXPECT_GT(voided.result().first_sequence(), received);
  // Aid from another body this year counts toward the limit too.
  v1::RecordExternalAidRequest aid;
  aid.set_request_id(NewRequestId("aid"));
  aid.set_dossier_id(b);
  aid.set_program("education");
  aid.set_year(ChinaYear(Status(Admin()).server_time_unix_micros()));
  aid.set_provider("市民政局");
  aid.set_amount_fen(2'000 * kYuan);
  v1::RecordExternalAidResponse recorded;
  ASSERT_TRUE(RpcOk(One().RecordExternalAid(aid, &recorded)));
  ExpectRejected(
      [&] {
        v1::ProposeGrantResponse response;
        return Two().ProposeGrant(MakeProposal(b, "sd.jn", 2'000 * kYuan),
                                  &response);
      },
      StatusCode::FAILED_PRECONDITION, v1::GRANT_YEARLY_LIMIT_REACHED,
      "after external aid this year");

  ExpectRejected(
      [&] {
        v1::PostGrantRequest late;
        late.set_request_id(NewRequestId("post"));
        late.set_grant_id(second.grant_id());
        v1::PostGrantResponse response;
        return One().PostGrant(late, &response);
      },
      StatusCode::FAILED_PRECONDITION, v1::GRANT_NOT_PENDING,
      "post a voided grant");
}

TEST_F(DossiersGrantsTest, DisburseTenThousandLinesAllOrNothing) {
  constexpr int kLines = 10'000;
  constexpr int64_t kAmount = 2'000 * kYuan;
  SetEducationPolicy();
  Receive("sd.jn", 100'000'000 * kYuan);

  // 10,000 dossiers, 1,000 per SubmitCommands.
  ReliefClient one = One();
  one.set_timeout(std::chrono::seconds(60));
  std::vector<std::string> dossiers;
  for (int start = 0; start < kLines; start += 1000) {
    v1::SubmitCommandsRequest request;
    for (int i = start; i < start + 1000; ++i) {
      *request.add_commands()->mutable_register_dossier() =
          MakeDossier("sd.jn", ManyId(i), absl::StrCat("职工", i));
    }
    v1::SubmitCommandsResponse response;
    ASSERT_TRUE(RpcOk(one.SubmitCommands(request, &response)))
        << "dossiers from " << start;
    ASSERT_EQ(response.results_size(), 1000);
    for (const v1::CommandResult& result : response.results()) {
      dossiers.push_back(absl::StrCat("d", result.first_sequence()));
    }
  }
  {
    v1::GetDossierRequest request;
    request.set_national_id(ManyId(kLines - 1));
    request.set_min_sequence(HeadSequence(Admin()));
    v1::GetDossierResponse response;
    ASSERT_TRUE(RpcOk(RetryWhileCatchingUp(
        [&] { return one.GetDossier(request, &response); })));
    EXPECT_EQ(response.dossier().dossier_id(), dossiers.back());
  }

  v1::DisburseBatchRequest batch;
  for (int i = 0; i < kLines; ++i) {
    *batch.add_lines()->mutable_propose_grant() =
        MakeProposal(dossiers[i], "sd.jn", kAmount);
  }
  batch.set_control_count(kLines);
  batch.set_control_sum_fen(kLines * kAmount);
  const v1::FundSummary before = Donations("sd.jn", HeadSequence(Admin()));

  // Wrong control sum: both figures named, nothing done.
  {
    v1::DisburseBatchRequest wrong = batch;
    wrong.set_control_sum_fen(kLines * kAmount + 1);
    const RpcResult result = ExpectRejected(
        [&] {
          v1::DisburseBatchResponse response;
          return one.DisburseBatch(wrong, &response);
        },
        StatusCode::INVALID_ARGUMENT, v1::BATCH_CONTROL_MISMATCH,
        "control sum off by one fen");
    EXPECT_THAT(result.status.error_message(), HasSubstr("20,000,000.01"));
    EXPECT_THAT(result.status.error_message(), HasSubstr("20,000,000.00"));
    wrong = batch;
    wrong.set_control_count(kLines - 1);
    const RpcResult count = ExpectRejected(
        [&] {
          v1::DisburseBatchResponse response;
          return one.DisburseBatch(wrong, &response);
        },
        StatusCode::INVALID_ARGUMENT, v1::BATCH_CONTROL_MISMATCH,
        "control count off by one");
    EXPECT_THAT(count.status.error_message(), HasSubstr("9999"));
    EXPECT_THAT(count.status.error_message(), HasSubstr("10000"));
  }

  // One bad line (no such dossier): named, nothing done.
  {
    v1::DisburseBatchRequest bad = batch;
    bad.mutable_lines(1717)->mutable_propose_grant()->set_dossier_id(
        "d999999999");
    const RpcResult result = ExpectRejected(
        [&] {
          v1::DisburseBatchResponse response;
          return one.DisburseBatch(bad, &response);
        },
        StatusCode::NOT_FOUND, v1::DOSSIER_NOT_FOUND, "line 1717");
    EXPECT_THAT(result.status.error_message(), HasSubstr("command 1717:"));
    bad = batch;
    bad.mutable_lines(42)->mutable_propose_grant()->set_amount_fen(1 * kYuan);
    bad.set_control_sum_fen(kLines * kAmount - kAmount + 1 * kYuan);
    const RpcResult amount = ExpectRejected(
        [&] {
          v1::DisburseBatchResponse response;
          return one.DisburseBatch(bad, &response);
        },
        StatusCode::FAILED_PRECONDITION, v1::GRANT_AMOUNT_OUT_OF_POLICY,
        "line 42");
    EXPECT_THAT(amount.status.error_message(), HasSubstr("command 42:"));
    const v1::FundSummary after = Donations("sd.jn", HeadSequence(Admin()));
    EXPECT_EQ(after.ShortDebugString(), before.ShortDebugString());
  }

  // The good batch: 10,000 proposals in consecutive sequences.
  const uint64_t head = HeadSequence(Admin());
  v1::DisburseBatchResponse response;
  ASSERT_TRUE(RpcOk(one.DisburseBatch(batch, &response)));
  ASSERT_EQ(response.results_size(), kLines);
  for (int i = 0; i < kLines; ++i) {
    ASSERT_EQ(response.results(i).first_sequence(), head + 1 + i) << i;
  }
  const v1::FundSummary after =
      Donations("sd.jn", response.results(kLines - 1).first_sequence());
  EXPECT_EQ(after.reserved_fen(), kLines * kAmount);
  EXPECT_EQ(after.available_fen(), before.available_fen() - kLines * kAmount);
}

}  // namespace
}  // namespace relief::testing
