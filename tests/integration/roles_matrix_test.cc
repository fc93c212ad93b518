// Who may call what, as a matrix: every RPC of the three services, called by
// a principal of each role. A role that is not allowed gets
// PERMISSION_DENIED / ROLE_REQUIRED, checked before anything else (so the
// requests here can be empty or invalid: an allowed role gets some other
// answer, never PERMISSION_DENIED). Nothing a refused call sends changes the
// ledger.
//
//   the auditor (审计) reads everything and runs audits, but moves no money;
//   a service queries and subscribes only, and sees no personal data.
#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "harness/test_util.h"
#include "relief/v1/audit_service.grpc.pb.h"
#include "relief/v1/ledger_service.grpc.pb.h"
#include "relief/v1/query_service.grpc.pb.h"

namespace relief::testing {
namespace {

enum R { kAdmin, kFinance, kLoan, kAuditor, kService };
const char* kRoleNames[] = {"admin", "finance_officer", "loan_officer",
                            "auditor", "service"};

using Call = std::function<grpc::Status(grpc::ClientContext*)>;

struct Row {
  std::string rpc;
  std::set<R> allowed;
  Call call;
};

class RolesMatrixTest : public ReliefdTest {
 protected:
  void SetUp() override {
    ReliefdTest::SetUp();
    if (HasFatalFailure()) return;
    ReliefClient admin = Admin();
    Register(admin, "sd", v1::ORG_LEVEL_PROVINCE, "");
    tokens_[kAdmin] = server().admin_token();
    tokens_[kFinance] = CreateToken(admin, "cai.wu", {v1::ROLE_FINANCE_OFFICER});
    tokens_[kLoan] = CreateToken(admin, "dai.kuan", {v1::ROLE_LOAN_OFFICER});
    tokens_[kAuditor] = CreateToken(admin, "shen.ji", {v1::ROLE_AUDITOR});
    tokens_[kService] = CreateToken(admin, "bi.service", {v1::ROLE_SERVICE});
    for (const auto& [role, token] : tokens_) ASSERT_FALSE(token.empty());
    ledger_ = v1::LedgerService::NewStub(server().channel());
    query_ = v1::QueryService::NewStub(server().channel());
    audit_ = v1::AuditService::NewStub(server().channel());
  }

  // A unary RPC with a default (empty) request.
  template <typename Stub, typename Request, typename Response>
  static Call Unary(Stub* stub,
                    grpc::Status (Stub::*method)(grpc::ClientContext*,
                                                 const Request&, Response*),
                    Request request = Request()) {
    return [stub, method, request](grpc::ClientContext* context) {
      Response response;
      return (stub->*method)(context, request, &response);
    };
  }
  // A server-streaming RPC: the status after reading to the end.
  template <typename Stub, typename Request, typename Response>
  static Call Stream(Stub* stub,
                     std::unique_ptr<grpc::ClientReader<Response>> (
                         Stub::*method)(grpc::ClientContext*, const Request&),
                     Request request = Request()) {
    return [stub, method, request](grpc::ClientContext* context) {
      auto reader = (stub->*method)(context, request);
      Response response;
      while (reader->Read(&response)) {
      }
      return reader->Finish();
    };
  }

  std::map<R, std::string> tokens_;
  std::unique_ptr<v1::LedgerService::Stub> ledger_;
  std::unique_ptr<v1::QueryService::Stub> query_;
  std::unique_ptr<v1::AuditService::Stub> audit_;
};

TEST_F(RolesMatrixTest, EveryRpcByEveryRole) {
  const std::set<R> any = {kAdmin, kFinance, kLoan, kAuditor, kService};
  const std::set<R> admin = {kAdmin};
  const std::set<R> finance = {kFinance};
  const std::set<R> loan = {kLoan};
  const std::set<R> loan_or_finance = {kLoan, kFinance};
  const std::set<R> personal = {kFinance, kLoan, kAuditor};
  const std::set<R> log_readers = {kAdmin, kAuditor, kService};
  const std::set<R> auditors = {kAdmin, kAuditor};
  const std::set<R> auditor = {kAuditor};
  auto* l = ledger_.get();
  auto* q = query_.get();
  auto* a = audit_.get();
  using L = v1::LedgerService::Stub;
  using Q = v1::QueryService::Stub;
  using A = v1::AuditService::Stub;

  v1::SubmitCommandsRequest submit;  // one receipt: finance only
  submit.add_commands()->mutable_receive_funds();
  v1::SubscribeRequest beyond;       // allowed roles: OUT_OF_RANGE at once
  beyond.set_after_sequence(1'000'000);

  const std::vector<Row> rows = {
      // LedgerService: organisation and tokens.
      {"RegisterOrgUnit", admin, Unary(l, &L::RegisterOrgUnit)},
      {"DeactivateOrgUnit", admin, Unary(l, &L::DeactivateOrgUnit)},
      {"CreateToken", admin, Unary(l, &L::CreateToken)},
      {"RevokeToken", admin, Unary(l, &L::RevokeToken)},
      // Money, dossiers, grants: finance officers.
      {"ReceiveFunds", finance, Unary(l, &L::ReceiveFunds)},
      {"AllocateFunds", finance, Unary(l, &L::AllocateFunds)},
      {"ReverseEvent", finance, Unary(l, &L::ReverseEvent)},
      {"SetMatchingRule", finance, Unary(l, &L::SetMatchingRule)},
      {"RegisterDossier", finance, Unary(l, &L::RegisterDossier)},
      {"UpdateDossier", finance, Unary(l, &L::UpdateDossier)},
      {"ExitDossier", finance, Unary(l, &L::ExitDossier)},
      {"ReactivateDossier", finance, Unary(l, &L::ReactivateDossier)},
      {"SetProgramPolicy", finance, Unary(l, &L::SetProgramPolicy)},
      {"ProposeGrant", finance, Unary(l, &L::ProposeGrant)},
      {"PostGrant", finance, Unary(l, &L::PostGrant)},
      {"VoidGrant", finance, Unary(l, &L::VoidGrant)},
      {"RecordExternalAid", finance, Unary(l, &L::RecordExternalAid)},
      {"SubmitCommands(ReceiveFunds)", finance,
       Unary(l, &L::SubmitCommands, submit)},
      // Small loans.
      {"SetLoanProduct", loan_or_finance, Unary(l, &L::SetLoanProduct)},
      {"DisburseLoan", loan, Unary(l, &L::DisburseLoan)},
      {"RecordLoanRepayment", loan, Unary(l, &L::RecordLoanRepayment)},
      {"ReverseLoanRepayment", loan, Unary(l, &L::ReverseLoanRepayment)},
      {"ProposeLoanWriteOff", loan, Unary(l, &L::ProposeLoanWriteOff)},
      {"ApproveLoanWriteOff", loan_or_finance,
       Unary(l, &L::ApproveLoanWriteOff)},
      {"RescheduleLoan", loan, Unary(l, &L::RescheduleLoan)},
      // Spot-check samples: the auditor's one command; it moves no money.
      {"DrawSample", auditor, Unary(l, &L::DrawSample)},
      // QueryService: open reads.
      {"GetOrgUnit", any, Unary(q, &Q::GetOrgUnit)},
      {"ListOrgUnits", any, Unary(q, &Q::ListOrgUnits)},
      {"GetBalance", any, Unary(q, &Q::GetBalance)},
      {"GetFundSummary", any, Unary(q, &Q::GetFundSummary)},
      {"ListStatement", any, Unary(q, &Q::ListStatement)},
      {"GetMatching", any, Unary(q, &Q::GetMatching)},
      {"GetProgramReport", any, Unary(q, &Q::GetProgramReport)},
      {"ListLoanProducts", any, Unary(q, &Q::ListLoanProducts)},
      {"GetStatus", any, Unary(q, &Q::GetStatus)},
      {"ListPrincipals", auditors, Unary(q, &Q::ListPrincipals)},
      // Operations figures, no personal data: for the people and the
      // monitoring service that watch the server.
      {"GetMetrics", log_readers, Unary(q, &Q::GetMetrics)},
      // Personal data (beneficiaries, borrowers).
      {"GetDossier", personal, Unary(q, &Q::GetDossier)},
      {"ListDossiers", personal, Unary(q, &Q::ListDossiers)},
      {"GetAidHistory", personal, Unary(q, &Q::GetAidHistory)},
      {"ListPublicNotice", personal, Unary(q, &Q::ListPublicNotice)},
      {"GetGrant", personal, Unary(q, &Q::GetGrant)},
      {"GetLoan", personal, Unary(q, &Q::GetLoan)},
      {"ListLoans", personal, Unary(q, &Q::ListLoans)},
      {"GetGuarantorExposure", personal, Unary(q, &Q::GetGuarantorExposure)},
      {"ListLoansDue", personal, Unary(q, &Q::ListLoansDue)},
      // AuditService.
      {"ListEvents", log_readers, Unary(a, &A::ListEvents)},
      {"ReadEvents", log_readers, Stream(a, &A::ReadEvents)},
      {"Subscribe", log_readers, Stream(a, &A::Subscribe, beyond)},
      {"VerifyChain", auditors, Unary(a, &A::VerifyChain)},
      {"GetTrialBalance", auditors, Unary(a, &A::GetTrialBalance)},
      {"Reconcile", auditors, Stream(a, &A::Reconcile)},
      {"ListSamples", auditors, Unary(a, &A::ListSamples)},
      {"GetSample", auditors, Unary(a, &A::GetSample)},
  };

  const uint64_t head = HeadSequence(Admin());
  for (const Row& row : rows) {
    for (const auto& [role, token] : tokens_) {
      grpc::ClientContext context;
      context.AddMetadata("authorization", "Bearer " + token);
      context.set_deadline(std::chrono::system_clock::now() +
                           std::chrono::seconds(30));
      const grpc::Status status = row.call(&context);
      const bool denied =
          status.error_code() == grpc::StatusCode::PERMISSION_DENIED;
      EXPECT_EQ(denied, row.allowed.count(role) == 0)
          << row.rpc << " by " << kRoleNames[role] << ": "
          << status.error_code() << " " << status.error_message();
      if (denied) {
        const auto& trailers = context.GetServerTrailingMetadata();
        auto it = trailers.find("relief-reason");
        ASSERT_NE(it, trailers.end()) << row.rpc;
        EXPECT_EQ(std::string(it->second.data(), it->second.size()),
                  "ROLE_REQUIRED")
            << row.rpc << " by " << kRoleNames[role];
      }
      EXPECT_NE(status.error_code(), grpc::StatusCode::UNIMPLEMENTED)
          << row.rpc;
    }
  }
  // Every call above was refused or invalid: nothing was written.
  EXPECT_EQ(HeadSequence(Admin()), head);
}

}  // namespace
}  // namespace relief::testing
