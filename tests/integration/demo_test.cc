// End to end: `reliefctl demo` (in process) against a real reliefd on a
// fresh data dir. What it prints must be what the server answers (the same
// renderers over the server's own responses), the figures must follow from
// the seed's plan (demo_plan.h), the aging must show exactly one overdue
// loan, and a second run must be refused without writing anything.
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "clients/reliefctl/cli.h"
#include "clients/reliefctl/demo_plan.h"
#include "clients/reliefctl/grant_views.h"
#include "clients/reliefctl/loan_views.h"
#include "clients/reliefctl/views.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "harness/test_util.h"
#include "relief/v1/query_service.grpc.pb.h"

namespace relief::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kCity[] = "shandong.jining";
constexpr uint64_t kSeed = 2026;

class DemoTest : public ReliefdTest {
 protected:
  // reliefctl in process, as `token`; returns the exit code.
  int Reliefctl(const std::string& token, std::vector<std::string> args) {
    args.insert(args.end(),
                {"--server", server().address(), "--token", token});
    std::vector<const char*> argv = {"reliefctl"};
    for (const std::string& arg : args) argv.push_back(arg.c_str());
    out_.str("");
    err_.str("");
    return reliefctl::RunReliefctl(static_cast<int>(argv.size()), argv.data(),
                                   out_, err_);
  }

  v1::GetProgramReportResponse ProgramReport(int year, uint64_t min_sequence) {
    auto stub = v1::QueryService::NewStub(server().channel());
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(20));
    context.AddMetadata("authorization",
                        absl::StrCat("Bearer ", server().admin_token()));
    v1::GetProgramReportRequest request;
    request.set_unit_code(kCity);
    request.set_subtree(true);
    request.set_year(year);
    request.set_min_sequence(min_sequence);
    v1::GetProgramReportResponse response;
    const grpc::Status status =
        stub->GetProgramReport(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  std::ostringstream out_, err_;
};

const v1::ProgramReportRow* Row(const v1::GetProgramReportResponse& report,
                                const std::string& program) {
  for (const auto& row : report.rows()) {
    if (row.program() == program) return &row;
  }
  return nullptr;
}

TEST_F(DemoTest, LoadsAYearShowsWhatTheServerHoldsAndRefusesASecondRun) {
  ASSERT_EQ(Reliefctl(server().admin_token(),
                      {"demo", "--seed", absl::StrCat(kSeed)}),
            0)
      << err_.str() << out_.str();
  const std::string output = out_.str();
  EXPECT_EQ(err_.str(), "");
  EXPECT_THAT(output, HasSubstr("registering the province root"));
  EXPECT_THAT(output, HasSubstr("GRANT_YEARLY_LIMIT_REACHED"));

  const reliefctl::DemoPlan plan = reliefctl::MakeDemoPlan(kSeed);
  ReliefClient admin = Admin();
  const v1::GetStatusResponse status = Status(admin);
  const int year = ChinaYear(status.server_time_unix_micros());
  const std::string auditor =
      CreateToken(admin, "demo-test-auditor", {v1::ROLE_AUDITOR});
  ASSERT_FALSE(auditor.empty());
  // The token above is one more event; everything the demo read was at
  // the sequence before it.
  const uint64_t demo_head = status.head_sequence();

  // Balances per fund source: the printed table is the server's answer.
  v1::GetFundSummaryRequest summary_request;
  summary_request.set_unit_code(kCity);
  summary_request.set_subtree(true);
  summary_request.mutable_as_of()->set_sequence(demo_head);
  v1::GetFundSummaryResponse summary;
  ASSERT_TRUE(RpcOk(admin.GetFundSummary(summary_request, &summary)));
  EXPECT_THAT(output,
              HasSubstr(reliefctl::RenderFundSummary(summary, kCity, true)));
  // ... and its figures follow from the plan.
  std::map<int, int64_t> granted, lent, repaid, received;
  for (const auto& g : plan.grants) granted[g.source] += g.amount_fen;
  for (const auto& l : plan.loans) {
    lent[l.source] += l.principal_fen;
    repaid[l.source] += l.repaid_fen;
  }
  for (const auto& r : plan.receipts) {
    if (r.unit_code != plan.province_code && r.goods_quantity == 0) {
      received[r.source] += r.amount_fen;
    }
  }
  ASSERT_EQ(summary.rows_size(), 4);
  int64_t total_granted = 0;
  for (const v1::FundSummary& row : summary.rows()) {
    SCOPED_TRACE(row.fund_source());
    EXPECT_EQ(row.received_fen(), received[row.fund_source()]);
    EXPECT_EQ(row.lent_fen(), lent[row.fund_source()]);
    EXPECT_EQ(row.repaid_fen(), repaid[row.fund_source()]);
    EXPECT_EQ(row.reserved_fen(), 0);  // every proposal was posted
    total_granted += row.granted_fen();
  }
  int64_t plan_granted = 0;
  for (const auto& [source, fen] : granted) plan_granted += fen;
  EXPECT_EQ(total_granted, plan_granted);
  EXPECT_EQ(summary.rows(1).granted_fen(),  // government: medical + living
            granted[v1::FUND_SOURCE_GOVERNMENT_MATCHING]);

  // The program report: 300 people got festival relief, 40 of them twice.
  v1::GetProgramReportResponse report = ProgramReport(year, demo_head);
  // Read after the auditor's token, which changes no report figure.
  report.set_as_of_sequence(demo_head);
  EXPECT_THAT(output,
              HasSubstr(reliefctl::RenderProgramReport(report, kCity, true)));
  const v1::ProgramReportRow* festival = Row(report, "festival");
  ASSERT_NE(festival, nullptr);
  EXPECT_EQ(festival->people(), 300u);
  EXPECT_EQ(festival->grants(), 340u);
  const v1::ProgramReportRow* education = Row(report, "education");
  ASSERT_NE(education, nullptr);
  EXPECT_EQ(education->people(), 40u);
  EXPECT_EQ(education->grants(), 40u);
  int plan_festival = 0;
  for (const auto& g : plan.grants) plan_festival += g.program == "festival";
  EXPECT_EQ(static_cast<int>(festival->grants()), plan_festival);

  // The loan aging 45 days after the loans were paid out: one loan
  // overdue, four current, one repaid (not active).
  const std::string heading = "loan aging 逾期账龄 as of ";
  const size_t at = output.find(heading);
  ASSERT_NE(at, std::string::npos);
  const std::string shown = output.substr(at + heading.size(), 10);  // Y-M-D
  absl::CivilDay aging_day;
  ASSERT_TRUE(absl::ParseCivilTime(shown, &aging_day)) << shown;
  const int aging_date = static_cast<int>(
      aging_day.year() * 10000 + aging_day.month() * 100 + aging_day.day());
  v1::ListLoansRequest book_request;
  book_request.set_unit_code(kCity);
  book_request.set_subtree(true);
  book_request.set_as_of_date(aging_date);
  v1::ListLoansResponse book;
  ASSERT_TRUE(RpcOk(As(auditor).ListLoans(book_request, &book)));
  EXPECT_EQ(book.book().loans(), 6u);
  ASSERT_EQ(book.loans_size(), 6);
  for (const v1::LoanSummary& loan : book.loans()) {
    const int d = loan.disbursed_date();
    EXPECT_EQ(absl::CivilDay(d / 10000, d / 100 % 100, d % 100) + 45,
              aging_day)
        << loan.loan_id();
  }
  EXPECT_EQ(book.book().active_loans(), 5u);
  std::map<int, uint32_t> loans_in;
  for (const v1::AgingRow& row : book.book().aging()) {
    loans_in[row.bucket()] = row.loans();
  }
  EXPECT_EQ(loans_in[v1::AGING_BUCKET_CURRENT], 4u);
  EXPECT_EQ(loans_in[v1::AGING_BUCKET_DPD_1_30], 1u);
  EXPECT_EQ(loans_in[v1::AGING_BUCKET_DPD_31_90], 0u);
  EXPECT_EQ(loans_in[v1::AGING_BUCKET_DPD_91_180], 0u);
  EXPECT_EQ(loans_in[v1::AGING_BUCKET_DPD_OVER_180], 0u);
  v1::GetGuarantorExposureRequest exposure_request;
  exposure_request.set_unit_code(kCity);
  exposure_request.set_subtree(true);
  exposure_request.set_as_of_date(aging_date);
  v1::GetGuarantorExposureResponse exposure;
  ASSERT_TRUE(
      RpcOk(As(auditor).GetGuarantorExposure(exposure_request, &exposure)));
  book.clear_loans();
  book.clear_next_page_token();
  // The demo read at demo_head; the auditor's token moved the sequence on.
  book.set_as_of_sequence(demo_head);
  exposure.set_as_of_sequence(demo_head);
  EXPECT_THAT(output, HasSubstr(reliefctl::RenderLoanAging(book, exposure,
                                                           kCity, true)));

  // A second run is refused before it writes anything.
  const v1::GetStatusResponse before = Status(admin);
  EXPECT_EQ(Reliefctl(server().admin_token(), {"demo"}), 19);  // 10 + 9
  EXPECT_THAT(err_.str(), HasSubstr("is not empty"));
  EXPECT_THAT(err_.str(), HasSubstr("nothing was written"));
  EXPECT_THAT(out_.str(), Not(HasSubstr("registering")));
  const v1::GetStatusResponse after = Status(admin);
  EXPECT_EQ(after.head_sequence(), before.head_sequence());
  EXPECT_EQ(after.head_hash(), before.head_hash());
}

// Without the admin role the demo stops at its first write, saying where.
TEST_F(DemoTest, NeedsTheAdminToken) {
  const std::string finance =
      CreateToken(Admin(), "fin.one", {v1::ROLE_FINANCE_OFFICER});
  ASSERT_FALSE(finance.empty());
  const uint64_t head = HeadSequence(Admin());
  EXPECT_EQ(Reliefctl(finance, {"demo"}), 17);  // PERMISSION_DENIED
  EXPECT_THAT(err_.str(), HasSubstr("the demo stopped at: registering "
                                    "organisation units\nnothing was "
                                    "written"));
  EXPECT_EQ(HeadSequence(Admin()), head);
}

}  // namespace
}  // namespace relief::testing
