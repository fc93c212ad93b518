// reliefctl demo: loads a year of a city union (demo_plan.h) into a fresh
// reliefd and shows the balances per fund source, the program report and
// the loan aging, as `summary`, `report` and `loan aging`
// print them.
//
// The server stamps every event with its own clock, so the demo plays the
// year's work on one day:
//   - its program policies are the standard ones (amounts, grants per year,
//     categories) with no public-notice days and no windows, except that
//     education aid keeps one window, moved to the current month, so that
//     every grant can be posted at once and education aid is still paid in
//     its window — still by a second finance officer
//     (maker-checker) and still within the yearly limits, which the demo
//     shows by a refused second education grant;
//   - loans are disbursed today and repaid (early) today; the aging is shown
//     as of a business date 45 days ahead, when every first installment has
//     fallen due and the one borrower who paid nothing is overdue.
//
// It refuses a server that already has organisation units, before writing
// anything (exit 19, as FAILED_PRECONDITION): the demo is for an empty
// ledger. A run that fails half-way leaves what it wrote; start again with
// an empty data directory.
#include <algorithm>
#include <chrono>
#include <functional>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "clients/reliefctl/commands.h"
#include "clients/reliefctl/demo_plan.h"
#include "clients/reliefctl/grant_views.h"
#include "clients/reliefctl/loan_views.h"
#include "clients/reliefctl/names.h"
#include "clients/reliefctl/views.h"
#include "ledger/domain/grants.h"

namespace reliefctl {
namespace {

namespace v1 = relief::v1;

// Large batches are single durable writes; give them more than the
// default per-RPC deadline unless --timeout is given.
constexpr double kDemoTimeoutSeconds = 120;
// How far ahead the loan aging looks: past every first installment (due
// one month after disbursement), before any second one.
constexpr int kAgingDaysAhead = 45;

const char* const kPrincipals[] = {"demo-finance-maker",
                                   "demo-finance-checker",
                                   "demo-loan-officer"};

class Demo {
 public:
  Demo(Session& session, uint64_t seed)
      : session_(session), seed_(seed), plan_(MakeDemoPlan(seed)) {}

  int Run();

 private:
  // `token` empty: the session's own (admin) token.
  void Prepare(grpc::ClientContext* context, const std::string& token) const {
    if (token.empty()) {
      session_.Prepare(context, session_.TimeoutOr(kDemoTimeoutSeconds));
      return;
    }
    const auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::duration<double>(session_.TimeoutOr(kDemoTimeoutSeconds)));
    context->set_deadline(std::chrono::system_clock::now() + timeout);
    context->AddMetadata("authorization", absl::StrCat("Bearer ", token));
  }

  // One RPC as `token`; on failure prints the error and where the demo
  // stopped, and returns the exit code.
  template <typename Call>
  int Rpc(const std::string& token, Call call) {
    grpc::ClientContext context;
    Prepare(&context, token);
    const grpc::Status status = call(&context);
    if (status.ok()) return kExitOk;
    const int code = session_.Fail(status, context);
    session_.err() << "the demo stopped at: " << step_ << '\n';
    if (last_sequence_ == 0) {
      session_.err() << "nothing was written\n";
    } else {
      session_.err() << "what it wrote (up to sequence " << last_sequence_
                     << ") stays in the ledger; to run it again, start "
                        "reliefd on an empty data directory\n";
    }
    return code;
  }

  int Submit(const std::string& token, std::vector<v1::Command> commands,
             std::vector<v1::CommandResult>* results) {
    v1::SubmitCommandsRequest request;
    for (auto& c : commands) *request.add_commands() = std::move(c);
    v1::SubmitCommandsResponse response;
    const int code = Rpc(token, [&](grpc::ClientContext* context) {
      return session_.ledger().SubmitCommands(context, request, &response);
    });
    if (code != kExitOk) return code;
    Absorb(response.results(), results);
    return kExitOk;
  }

  int Batch(const std::string& token, std::vector<v1::Command> lines,
            int64_t control_sum_fen, std::vector<v1::CommandResult>* results) {
    v1::DisburseBatchRequest request;
    request.set_control_count(static_cast<uint32_t>(lines.size()));
    request.set_control_sum_fen(control_sum_fen);
    for (auto& c : lines) *request.add_lines() = std::move(c);
    v1::DisburseBatchResponse response;
    const int code = Rpc(token, [&](grpc::ClientContext* context) {
      return session_.ledger().DisburseBatch(context, request, &response);
    });
    if (code != kExitOk) return code;
    Absorb(response.results(), results);
    return kExitOk;
  }

  void Absorb(const google::protobuf::RepeatedPtrField<v1::CommandResult>& in,
              std::vector<v1::CommandResult>* results) {
    for (const v1::CommandResult& r : in) {
      last_sequence_ =
          std::max<uint64_t>(last_sequence_,
                             r.first_sequence() + r.event_count() - 1);
      if (results != nullptr) results->push_back(r);
    }
  }

  std::string Id(absl::string_view what, size_t index) const {
    return absl::StrCat("demo-", seed_, "-", what, "-", index);
  }

  void Say(absl::string_view text) {
    if (!session_.json()) session_.out() << text << std::flush;
  }
  void Done(size_t events) {
    Say(absl::StrCat(" done (", events, " events)\n"));
  }

  int CheckFresh();
  int RegisterUnits();
  int CreatePrincipals();
  int SetPoliciesAndReceiveFunds();
  int RegisterDossiers();
  int Grants();
  int Loans();
  int Show();

  Session& session_;
  const uint64_t seed_;
  const DemoPlan plan_;
  std::string step_ = "checking the server";
  int today_ = 0;  // the server's date (China time) when the demo started
  int year_ = 0;
  uint64_t last_sequence_ = 0;
  std::vector<std::string> tokens_;  // kPrincipals' tokens, in order
  std::vector<std::string> dossier_ids_;  // parallel to plan_.people
  int aging_date_ = 0;
};

int Demo::CheckFresh() {
  v1::GetStatusResponse status;
  int code = Rpc("", [&](grpc::ClientContext* context) {
    return session_.query().GetStatus(context, v1::GetStatusRequest(),
                                      &status);
  });
  if (code != kExitOk) return code;
  today_ = relief::DateOf(status.server_time_unix_micros());
  year_ = relief::YearOf(status.server_time_unix_micros());
  v1::ListOrgUnitsRequest request;
  request.set_page_size(1);
  request.set_include_inactive(true);
  v1::ListOrgUnitsResponse units;
  code = Rpc("", [&](grpc::ClientContext* context) {
    return session_.query().ListOrgUnits(context, request, &units);
  });
  if (code != kExitOk) return code;
  if (units.units_size() > 0) {
    session_.err()
        << "error: the server at " << session_.options().server
        << " is not empty: it has organisation units (e.g. '"
        << units.units(0).code() << "') and its log is at sequence "
        << status.head_sequence()
        << ".\nreliefctl demo loads its city union only into a fresh "
           "server, so that it never mixes made-up data with real records; "
           "nothing was written.\nStart reliefd with an empty --data-dir "
           "and run the demo against that.\n";
    return ExitCodeForStatus(grpc::StatusCode::FAILED_PRECONDITION);
  }
  Say(absl::StrCat("reliefctl demo: a year of 济宁市总工会 (Jining Municipal "
                   "Federation of Trade Unions), seed ",
                   seed_, ", into ", session_.options().server,
                   "\nthe server dates everything today (",
                   FormatDate(today_),
                   "): the year's work is played on one day\n\n"));
  return kExitOk;
}

int Demo::RegisterUnits() {
  step_ = "registering organisation units";
  int districts = 0, enterprises = 0;
  std::vector<v1::Command> commands;
  for (size_t i = 0; i < plan_.units.size(); ++i) {
    const DemoUnit& u = plan_.units[i];
    districts += u.level == v1::ORG_LEVEL_DISTRICT;
    enterprises += u.level == v1::ORG_LEVEL_GRASSROOTS;
    v1::RegisterOrgUnitRequest* r = commands.emplace_back().mutable_register_org_unit();
    r->set_request_id(Id("unit", i));
    r->set_code(u.code);
    r->set_name_zh(u.name_zh);
    r->set_name_en(u.name_en);
    r->set_level(u.level);
    r->set_parent_code(u.parent_code);
  }
  Say(absl::StrCat("registering the province root 山东省总工会, 1 city union "
                   "济宁市总工会, ",
                   districts, " district unions 区县总工会, ", enterprises,
                   " enterprise unions 基层工会 ..."));
  const int code = Submit("", std::move(commands), nullptr);
  if (code == kExitOk) Done(plan_.units.size());
  return code;
}

int Demo::CreatePrincipals() {
  step_ = "creating the demo's principals";
  Say("creating principals: demo-finance-maker (经办) and "
      "demo-finance-checker (复核), finance officers; demo-loan-officer ...");
  const v1::Role roles[] = {v1::ROLE_FINANCE_OFFICER, v1::ROLE_FINANCE_OFFICER,
                            v1::ROLE_LOAN_OFFICER};
  for (size_t i = 0; i < std::size(kPrincipals); ++i) {
    v1::CreateTokenRequest request;
    request.set_request_id(Id("token", i));
    request.set_name(kPrincipals[i]);
    request.add_roles(roles[i]);
    v1::CreateTokenResponse response;
    const int code = Rpc("", [&](grpc::ClientContext* context) {
      return session_.ledger().CreateToken(context, request, &response);
    });
    if (code != kExitOk) return code;
    last_sequence_ =
        std::max<uint64_t>(last_sequence_, response.result().first_sequence());
    tokens_.push_back(response.token());
  }
  Say(" done (tokens are kept in memory only; `reliefctl token create` "
      "issues new ones)\n");
  return kExitOk;
}

int Demo::SetPoliciesAndReceiveFunds() {
  step_ = "setting policies and receiving funds";
  const int effective = year_ * 10000 + 101;
  std::vector<v1::Command> commands;
  for (v1::ProgramPolicySet policy : relief::StandardPolicies(effective)) {
    const std::string& p = policy.program();
    if (p != "festival" && p != "education" && p != "medical" &&
        p != "living") {
      continue;
    }
    // One day plays the year: no notice days, and no windows except
    // education aid's, which is moved to the current month so its grants
    // are paid inside a window, as they are in September (see the top).
    policy.clear_windows();
    if (p == "education") {
      const absl::CivilDay today(today_ / 10000, today_ / 100 % 100,
                                 today_ % 100);
      const absl::CivilMonth month(today);
      const int last_day = static_cast<int>(
          (absl::CivilDay(month + 1) - 1).day());
      v1::ProgramWindow* w = policy.add_windows();
      w->set_start_mmdd(today.month() * 100 + 1);
      w->set_end_mmdd(today.month() * 100 + last_day);
    }
    policy.set_notice_days(0);
    v1::SetProgramPolicyRequest* r =
        commands.emplace_back().mutable_set_program_policy();
    r->set_request_id(Id("policy", commands.size()));
    *r->mutable_policy() = std::move(policy);
  }
  const size_t policies = commands.size();
  {
    v1::SetLoanProductRequest* r =
        commands.emplace_back().mutable_set_loan_product();
    r->set_request_id(Id("product", 0));
    v1::LoanProductSet* p = r->mutable_product();
    p->set_product("startup");
    p->set_name_zh("创业小额借款");
    p->set_name_en("Start-up small loan");
    p->set_effective_date(effective);
    p->set_min_principal_fen(5'000 * 100);
    p->set_max_principal_fen(50'000 * 100);
    p->set_min_term_months(6);
    p->set_max_term_months(36);
    p->set_annual_rate_bp(0);
    p->set_max_grace_months(3);
    p->add_fund_sources(v1::FUND_SOURCE_FEDERATION_ALLOCATION);
    p->add_fund_sources(v1::FUND_SOURCE_OWN_FUNDS);
    p->set_guarantor_required(true);
  }
  int64_t received = 0;
  for (size_t i = 0; i < plan_.receipts.size(); ++i) {
    const DemoReceipt& d = plan_.receipts[i];
    v1::ReceiveFundsRequest* r = commands.emplace_back().mutable_receive_funds();
    r->set_request_id(Id("receive", i));
    r->set_unit_code(d.unit_code);
    r->set_fund_source(d.source);
    r->set_amount_fen(d.amount_fen);
    r->set_payer(d.payer);
    r->set_document_number(d.document_number);
    r->set_memo(d.memo);
    if (d.goods_quantity > 0) {
      r->mutable_goods()->set_description(d.goods_description);
      r->mutable_goods()->set_quantity(d.goods_quantity);
      r->mutable_goods()->set_quantity_unit(d.goods_unit);
    }
    received += d.amount_fen;
  }
  for (size_t i = 0; i < plan_.allocations.size(); ++i) {
    const DemoAllocation& d = plan_.allocations[i];
    v1::AllocateFundsRequest* r =
        commands.emplace_back().mutable_allocate_funds();
    r->set_request_id(Id("allocate", i));
    r->set_from_unit_code(d.from_code);
    r->set_to_unit_code(d.to_code);
    r->set_fund_source(d.source);
    r->set_amount_fen(d.amount_fen);
    r->set_document_number(d.document_number);
    r->set_memo("帮扶资金下拨 relief funds passed down");
  }
  Say(absl::StrCat(
      "setting ", policies,
      " program policies (送温暖 festival, 金秋助学 education — its window "
      "moved to this month —, 医疗救助 medical, 生活救助 living) and the 创业小额借款 start-up loan product; "
      "receiving ",
      plan_.receipts.size(), " receipts, ", Yuan(received),
      " yuan from all four fund sources (rice donated in kind among them); ",
      plan_.allocations.size(), " allocations down the tree 逐级下拨 ..."));
  const size_t count = commands.size();
  const int code = Submit(tokens_[0], std::move(commands), nullptr);
  if (code == kExitOk) Done(count);
  return code;
}

int Demo::RegisterDossiers() {
  step_ = "registering dossiers";
  std::vector<v1::Command> commands;
  for (size_t i = 0; i < plan_.people.size(); ++i) {
    const DemoPerson& p = plan_.people[i];
    v1::RegisterDossierRequest* r =
        commands.emplace_back().mutable_register_dossier();
    r->set_request_id(Id("dossier", i));
    r->set_unit_code(p.unit_code);
    r->set_name(p.name);
    r->set_national_id(p.national_id);
    r->set_category(p.category);
    r->set_household_size(p.household_size);
  }
  Say(absl::StrCat("registering ", plan_.people.size(),
                   " beneficiary dossiers 困难职工档案 (synthetic names and "
                   "national IDs) ..."));
  std::vector<v1::CommandResult> results;
  const int code = Submit(tokens_[0], std::move(commands), &results);
  if (code != kExitOk) return code;
  for (const v1::CommandResult& r : results) {
    dossier_ids_.push_back(absl::StrCat("d", r.first_sequence()));
  }
  Done(results.size());
  return kExitOk;
}

int Demo::Grants() {
  step_ = "proposing grants (batch disbursement)";
  std::vector<v1::Command> proposals;
  int64_t sum = 0;
  int festival = 0, education = 0, medical = 0, living = 0;
  for (size_t i = 0; i < plan_.grants.size(); ++i) {
    const DemoGrant& g = plan_.grants[i];
    festival += g.program == "festival";
    education += g.program == "education";
    medical += g.program == "medical";
    living += g.program == "living";
    v1::ProposeGrantRequest* r =
        proposals.emplace_back().mutable_propose_grant();
    r->set_request_id(Id("propose", i));
    r->set_dossier_id(dossier_ids_[g.person]);
    r->set_program(g.program);
    r->set_unit_code(g.unit_code);
    r->set_fund_source(g.source);
    r->set_amount_fen(g.amount_fen);
    r->set_goods_quantity(g.goods_quantity);
    r->set_memo(g.memo);
    sum += g.amount_fen;
  }
  Say(absl::StrCat("proposing ", plan_.grants.size(), " grants 拟资助 as one "
                   "batch 集中发放 (",
                   festival, " festival relief 送温暖, ", education,
                   " education aid 金秋助学, ", medical, " medical 医疗救助, ",
                   living, " living aid 生活救助; ", Yuan(sum),
                   " yuan) by demo-finance-maker ..."));
  std::vector<v1::CommandResult> results;
  int code = Batch(tokens_[0], std::move(proposals), sum, &results);
  if (code != kExitOk) return code;
  Done(results.size());

  // The yearly limit: education aid is once a year per person, in any unit.
  step_ = "showing the yearly limit";
  {
    v1::ProposeGrantRequest again;
    again.set_request_id(Id("duplicate", 0));
    again.set_dossier_id(dossier_ids_[plan_.duplicate_education_person]);
    again.set_program("education");
    again.set_unit_code(plan_.city_code);
    again.set_fund_source(v1::FUND_SOURCE_DONATIONS);
    again.set_amount_fen(2'000 * 100);
    v1::ProposeGrantResponse response;
    grpc::ClientContext context;
    Prepare(&context, tokens_[0]);
    const grpc::Status status =
        session_.ledger().ProposeGrant(&context, again, &response);
    if (status.ok()) {
      session_.err() << "error: a second education grant in one year was "
                        "accepted (" << response.grant_id()
                     << "); the yearly limit did not hold\n";
      return kExitLocal;
    }
    if (status.error_code() != grpc::StatusCode::FAILED_PRECONDITION) {
      return session_.Fail(status, context, again.request_id());
    }
    Say(absl::StrCat("a second 金秋助学 grant this year for ",
                     dossier_ids_[plan_.duplicate_education_person],
                     " is refused, as the policy says: ",
                     status.error_message(), "\n"));
  }

  step_ = "posting grants (batch disbursement)";
  std::vector<v1::Command> posts;
  for (size_t i = 0; i < plan_.grants.size(); ++i) {
    v1::PostGrantRequest* r = posts.emplace_back().mutable_post_grant();
    r->set_request_id(Id("post", i));
    r->set_grant_id(absl::StrCat("g", results[i].first_sequence()));
    r->set_amount_fen(plan_.grants[i].amount_fen);
  }
  Say(absl::StrCat("posting them 发放 as a second batch by "
                   "demo-finance-checker (maker-checker: the proposer may not "
                   "post) ..."));
  std::vector<v1::CommandResult> posted;
  code = Batch(tokens_[1], std::move(posts), sum, &posted);
  if (code == kExitOk) Done(posted.size());
  return code;
}

int Demo::Loans() {
  step_ = "disbursing small loans";
  std::vector<v1::Command> commands;
  int64_t lent = 0;
  for (size_t i = 0; i < plan_.loans.size(); ++i) {
    const DemoLoan& l = plan_.loans[i];
    const DemoPerson& person = plan_.people[l.person];
    std::string employer;
    for (const DemoUnit& u : plan_.units) {
      if (u.code == person.unit_code) employer = u.employer_zh;
    }
    v1::DisburseLoanRequest* r =
        commands.emplace_back().mutable_disburse_loan();
    r->set_request_id(Id("loan", i));
    r->set_dossier_id(dossier_ids_[l.person]);
    r->set_unit_code(l.unit_code);
    r->set_fund_source(l.source);
    r->set_product("startup");
    r->set_principal_fen(l.principal_fen);
    r->set_term_months(l.term_months);
    r->set_method(v1::REPAYMENT_METHOD_EQUAL_PRINCIPAL);
    r->mutable_guarantor()->set_employer_name(employer);
    r->mutable_guarantor()->set_contact("工会办公室 union office");
    r->mutable_guarantor()->set_reference(
        absl::StrCat("DB-", year_, "-", 1 + i));
    r->set_purpose(l.purpose);
    lent += l.principal_fen;
  }
  Say(absl::StrCat("lending ", plan_.loans.size(),
                   " interest-free start-up loans 创业小额借款, ", Yuan(lent),
                   " yuan, guaranteed by the employers, by "
                   "demo-loan-officer ..."));
  std::vector<v1::CommandResult> results;
  int code = Submit(tokens_[2], std::move(commands), &results);
  if (code != kExitOk) return code;
  Done(results.size());

  step_ = "recording loan repayments";
  commands.clear();
  int64_t repaid = 0;
  for (size_t i = 0; i < plan_.loans.size(); ++i) {
    const DemoLoan& l = plan_.loans[i];
    if (l.repaid_fen == 0) continue;
    v1::RecordLoanRepaymentRequest* r =
        commands.emplace_back().mutable_record_loan_repayment();
    r->set_request_id(Id("repay", i));
    r->set_loan_id(absl::StrCat("l", results[i].first_sequence()));
    r->set_amount_fen(l.repaid_fen);
    r->set_value_date(0);  // today
    r->set_payer(absl::StrCat(plan_.people[l.person].name, " 借款人 borrower"));
    r->set_memo(l.repaid_fen == l.principal_fen ? "提前结清 paid off early"
                                                : "提前还款 paid ahead");
    repaid += l.repaid_fen;
  }
  Say(absl::StrCat("recording ", commands.size(), " repayments 还款, ",
                   Yuan(repaid),
                   " yuan (one loan paid off; one borrower pays nothing) ..."));
  const size_t count = commands.size();
  code = Submit(tokens_[2], std::move(commands), nullptr);
  if (code != kExitOk) return code;
  Done(count);
  const absl::CivilDay today(today_ / 10000, today_ / 100 % 100, today_ % 100);
  const absl::CivilDay ahead = today + kAgingDaysAhead;
  aging_date_ = static_cast<int>(ahead.year() * 10000 + ahead.month() * 100 +
                                 ahead.day());
  return kExitOk;
}

int Demo::Show() {
  step_ = "reading the results";
  v1::GetFundSummaryRequest summary_request;
  summary_request.set_unit_code(plan_.city_code);
  summary_request.set_subtree(true);
  summary_request.set_min_sequence(last_sequence_);
  v1::GetFundSummaryResponse summary;
  int code = Rpc("", [&](grpc::ClientContext* context) {
    return session_.query().GetFundSummary(context, summary_request, &summary);
  });
  if (code != kExitOk) return code;

  v1::GetProgramReportRequest report_request;
  report_request.set_unit_code(plan_.city_code);
  report_request.set_subtree(true);
  report_request.set_year(year_);
  report_request.set_min_sequence(last_sequence_);
  v1::GetProgramReportResponse report;
  code = Rpc("", [&](grpc::ClientContext* context) {
    return session_.query().GetProgramReport(context, report_request, &report);
  });
  if (code != kExitOk) return code;

  v1::ListLoansRequest book_request;
  book_request.set_unit_code(plan_.city_code);
  book_request.set_subtree(true);
  book_request.set_as_of_date(aging_date_);
  book_request.set_page_size(1);  // the totals cover every loan
  book_request.set_min_sequence(last_sequence_);
  v1::ListLoansResponse book;
  code = Rpc(tokens_[2], [&](grpc::ClientContext* context) {
    return session_.query().ListLoans(context, book_request, &book);
  });
  if (code != kExitOk) return code;
  book.clear_loans();
  book.clear_next_page_token();
  v1::GetGuarantorExposureRequest exposure_request;
  exposure_request.set_unit_code(plan_.city_code);
  exposure_request.set_subtree(true);
  exposure_request.set_as_of_date(aging_date_);
  exposure_request.set_min_sequence(last_sequence_);
  v1::GetGuarantorExposureResponse exposure;
  code = Rpc(tokens_[2], [&](grpc::ClientContext* context) {
    return session_.query().GetGuarantorExposure(context, exposure_request,
                                                 &exposure);
  });
  if (code != kExitOk) return code;

  if (session_.json()) {
    session_.PrintJson(summary);
    session_.PrintJson(report);
    session_.PrintJson(book);
    return session_.PrintJson(exposure);
  }
  std::ostream& out = session_.out();
  out << "\n== balances per fund source 各资金来源收支 (`reliefctl summary "
      << plan_.city_code << " --subtree`) ==\n"
      << RenderFundSummary(summary, plan_.city_code, true);
  out << "\n== program report " << year_ << " 帮扶项目统计 (`reliefctl report --unit "
      << plan_.city_code << " --subtree --year " << year_ << "`) ==\n"
      << RenderProgramReport(report, plan_.city_code, true);
  out << "\n== loan aging 逾期账龄 as of " << FormatDate(aging_date_) << ", "
      << kAgingDaysAhead
      << " days ahead: every first installment has fallen due (`reliefctl "
         "loan aging --unit "
      << plan_.city_code << " --subtree --as-of " << FormatDate(aging_date_)
      << "`) ==\n"
      << RenderLoanAging(book, exposure, plan_.city_code, true);
  out << "\nlog head: sequence " << last_sequence_
      << ". Look around: reliefctl org list, reliefctl loan list --unit "
      << plan_.city_code << " --subtree, reliefctl verify\n";
  return kExitOk;
}

int Demo::Run() {
  for (auto step : {&Demo::CheckFresh, &Demo::RegisterUnits,
                    &Demo::CreatePrincipals, &Demo::SetPoliciesAndReceiveFunds,
                    &Demo::RegisterDossiers, &Demo::Grants, &Demo::Loans,
                    &Demo::Show}) {
    const int code = (this->*step)();
    if (code != kExitOk) return code;
  }
  return kExitOk;
}

}  // namespace

void AddDemoCommand(CLI::App& app, Action* selected) {
  auto seed = std::make_shared<uint64_t>(2026);
  CLI::App* demo = app.add_subcommand(
      "demo",
      "Load a year of a city union (济宁市总工会: units, receipts from every "
      "fund source, 360 dossiers, festival relief, education, medical and "
      "living aid, small loans) into a FRESH server, then show the balances "
      "per fund source, the program report and the loan aging. Needs the "
      "admin token; refuses a server that already has organisation units");
  demo->add_option("--seed", *seed,
                   "the made-up people and their aid follow from it; the "
                   "same seed loads the same ledger")
      ->capture_default_str();
  demo->footer(absl::StrCat(
      "The server dates every event today, so the demo plays the year on "
      "one day: its program policies are the standard ones without "
      "public-notice days and without windows, except education aid's, "
      "moved to the current month (grants are still posted by a second officer "
      "and kept within the yearly limits), and the loan aging is shown 45 "
      "days ahead, when the one borrower who paid nothing is overdue. It "
      "creates the principals demo-finance-maker, demo-finance-checker and "
      "demo-loan-officer (their tokens are not shown). A server that is not "
      "empty is refused with exit code 19 and nothing written.\n\n",
      demo->get_footer()));
  demo->callback([seed, selected] {
    *selected = [seed](Session& session) {
      Demo run(session, *seed);
      return run.Run();
    };
  });
}

}  // namespace reliefctl
