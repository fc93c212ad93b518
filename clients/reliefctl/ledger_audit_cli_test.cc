// Drives `audit trial-balance`, `audit reconcile` and the --as-of options of
// `balance` and `summary` against an in-process fake of QueryService and
// AuditService: what is sent, what is printed, exit codes, usage errors that
// send nothing. Also the parsing of China times and the views.
#include <chrono>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "clients/reliefctl/cli.h"
#include "clients/reliefctl/ledger_audit_views.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "relief/v1/audit_service.grpc.pb.h"
#include "relief/v1/query_service.grpc.pb.h"

namespace reliefctl {
namespace {

using grpc::ServerContext;
using grpc::Status;
using grpc::StatusCode;

// 2026-11-24 18:00 China time = 10:00 UTC.
constexpr int64_t k1800 = 1795514400000000;

struct Seen {
  std::mutex mu;
  std::vector<relief::v1::GetBalanceRequest> balances;
  std::vector<relief::v1::GetFundSummaryRequest> summaries;
  std::vector<relief::v1::GetTrialBalanceRequest> trial_balances;
  int reconciles = 0;
  std::chrono::system_clock::time_point deadline;
  bool unbalanced = false;      // the fake trial balance does not balance
  bool differences = false;     // the fake reconcile finds differences
  bool deny = false;            // PERMISSION_DENIED for the audit RPCs
};

Status Deny(ServerContext* context) {
  context->AddTrailingMetadata("relief-reason", "ROLE_REQUIRED");
  return Status(StatusCode::PERMISSION_DENIED,
                "ROLE_REQUIRED: reconcile the read models needs the role "
                "admin or auditor");
}

relief::v1::AccountBalance Balance(const std::string& account,
                                   relief::v1::FundSource source,
                                   int64_t debits, int64_t credits,
                                   int64_t pending = 0) {
  relief::v1::AccountBalance b;
  b.set_account(account);
  b.set_fund_source(source);
  b.set_posted_debits_fen(debits);
  b.set_posted_credits_fen(credits);
  b.set_pending_debits_fen(pending);
  b.set_available_fen(credits - debits - pending);
  return b;
}

class FakeQuery final : public relief::v1::QueryService::Service {
 public:
  explicit FakeQuery(Seen* seen) : seen_(seen) {}
  Status GetBalance(ServerContext* context,
                    const relief::v1::GetBalanceRequest* request,
                    relief::v1::GetBalanceResponse* response) override {
    std::lock_guard<std::mutex> lock(seen_->mu);
    seen_->balances.push_back(*request);
    seen_->deadline = context->deadline();
    *response->mutable_balance() =
        Balance(request->account(), relief::v1::FUND_SOURCE_DONATIONS, 50000,
                150050, 20000);
    response->set_as_of_sequence(
        request->has_as_of() ? request->as_of().sequence() + 0 : 99);
    return Status::OK;
  }
  Status GetFundSummary(ServerContext* context,
                        const relief::v1::GetFundSummaryRequest* request,
                        relief::v1::GetFundSummaryResponse* response) override {
    std::lock_guard<std::mutex> lock(seen_->mu);
    seen_->summaries.push_back(*request);
    for (int s = 1; s <= 4; ++s) {
      auto* row = response->add_rows();
      row->set_unit_code(request->unit_code());
      row->set_fund_source(static_cast<relief::v1::FundSource>(s));
      row->set_received_fen(100000 * s);
      row->set_available_fen(100000 * s);
    }
    response->set_units(3);
    response->set_as_of_sequence(57);
    return Status::OK;
  }

 private:
  Seen* seen_;
};

class FakeAudit final : public relief::v1::AuditService::Service {
 public:
  explicit FakeAudit(Seen* seen) : seen_(seen) {}
  Status GetTrialBalance(ServerContext* context,
                         const relief::v1::GetTrialBalanceRequest* request,
                         relief::v1::GetTrialBalanceResponse* response) override {
    std::lock_guard<std::mutex> lock(seen_->mu);
    seen_->trial_balances.push_back(*request);
    seen_->deadline = context->deadline();
    if (seen_->deny) return Deny(context);
    using relief::v1::FUND_SOURCE_DONATIONS;
    *response->add_lines()->mutable_balance() =
        Balance("external/donations", FUND_SOURCE_DONATIONS, 150050, 0);
    *response->add_lines()->mutable_balance() =
        Balance("jining/donations/grants/education", FUND_SOURCE_DONATIONS, 0,
                30000);
    *response->add_lines()->mutable_balance() =
        Balance("jining/donations/pool", FUND_SOURCE_DONATIONS, 30000, 150050,
                20000);
    response->mutable_lines(1)->mutable_balance()->set_pending_credits_fen(
        20000);
    for (int s = 1; s <= 4; ++s) {
      auto* source = response->add_sources();
      source->set_fund_source(static_cast<relief::v1::FundSource>(s));
      source->set_balanced(true);
    }
    auto* donations = response->mutable_sources(2);
    donations->set_posted_debits_fen(180050);
    donations->set_posted_credits_fen(seen_->unbalanced ? 180051 : 180050);
    donations->set_pending_debits_fen(20000);
    donations->set_pending_credits_fen(20000);
    donations->set_balanced(!seen_->unbalanced);
    response->set_as_of_sequence(42);
    response->set_as_of_unix_micros(k1800 - 1000000);
    return Status::OK;
  }
  Status Reconcile(
      ServerContext* context, const relief::v1::ReconcileRequest*,
      grpc::ServerWriter<relief::v1::ReconcileResponse>* writer) override {
    bool differences;
    {
      std::lock_guard<std::mutex> lock(seen_->mu);
      ++seen_->reconciles;
      seen_->deadline = context->deadline();
      if (seen_->deny) return Deny(context);
      differences = seen_->differences;
    }
    relief::v1::ReconcileResponse progress;
    progress.set_sequence(250000);
    progress.set_events_replayed(100000);
    writer->Write(progress);
    progress.set_events_replayed(250000);
    progress.set_keys_compared(1234567);
    writer->Write(progress);
    relief::v1::ReconcileResponse done;
    done.set_sequence(250000);
    done.set_events_replayed(250000);
    done.set_keys_compared(2000000);
    done.set_done(true);
    done.set_ok(!differences);
    if (differences) {
      auto* d = done.add_differences();
      d->set_projection("fund_summary");
      d->set_key("jining\\x00\\x03");
      d->set_problem("values differ");
      d = done.add_differences();
      d->set_projection("accounts");
      d->set_key("b/zz/bogus");
      d->set_problem("missing in the rebuild");
      done.set_differences_total(1500);
    }
    writer->Write(done);
    return Status::OK;
  }

 private:
  Seen* seen_;
};

class LedgerAuditCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    unsetenv("RELIEF_SERVER");
    unsetenv("RELIEF_TOKEN");
    query_ = std::make_unique<FakeQuery>(&seen_);
    audit_ = std::make_unique<FakeAudit>(&seen_);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(query_.get());
    builder.RegisterService(audit_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    address_ = absl::StrCat("127.0.0.1:", port);
  }
  void TearDown() override { server_->Shutdown(); }

  int Run(std::vector<std::string> args) {
    args.insert(args.end(), {"--server", address_, "--token", "t0ken"});
    std::vector<const char*> argv = {"reliefctl"};
    for (const std::string& arg : args) argv.push_back(arg.c_str());
    out_.str("");
    err_.str("");
    return RunReliefctl(static_cast<int>(argv.size()), argv.data(), out_, err_);
  }
  bool Out(const std::string& needle) const {
    return out_.str().find(needle) != std::string::npos;
  }
  bool Err(const std::string& needle) const {
    return err_.str().find(needle) != std::string::npos;
  }
  // Seconds from now to the deadline the server saw.
  double DeadlineSeconds() {
    std::lock_guard<std::mutex> lock(seen_.mu);
    return std::chrono::duration<double>(seen_.deadline -
                                         std::chrono::system_clock::now())
        .count();
  }

  Seen seen_;
  std::unique_ptr<FakeQuery> query_;
  std::unique_ptr<FakeAudit> audit_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(LedgerAuditCliTest, BalanceAsOfSequence) {
  ASSERT_EQ(Run({"balance", "jining/donations/pool", "--as-of-sequence", "42"}),
            0)
      << err_.str();
  ASSERT_EQ(seen_.balances.size(), 1u);
  EXPECT_EQ(seen_.balances[0].as_of().sequence(), 42u);
  EXPECT_EQ(seen_.balances[0].as_of().unix_micros(), 0);
  EXPECT_TRUE(Out("as of")) << out_.str();
  EXPECT_TRUE(Out("sequence 42")) << out_.str();
  EXPECT_TRUE(Out("800.50")) << out_.str();  // available
  EXPECT_GT(DeadlineSeconds(), 100) << "an as-of read folds the log";
  // Without a point: none sent, the usual deadline.
  ASSERT_EQ(Run({"balance", "jining/donations/pool"}), 0);
  EXPECT_FALSE(seen_.balances[1].has_as_of());
}

TEST_F(LedgerAuditCliTest, SummaryAsOfChinaTime) {
  ASSERT_EQ(Run({"summary", "jining", "--subtree", "--as-of",
                 "2026-11-24T18:00"}),
            0)
      << err_.str();
  ASSERT_EQ(seen_.summaries.size(), 1u);
  EXPECT_TRUE(seen_.summaries[0].subtree());
  EXPECT_EQ(seen_.summaries[0].as_of().unix_micros(), k1800);
  EXPECT_EQ(seen_.summaries[0].as_of().sequence(), 0u);
  EXPECT_TRUE(Out("as of sequence 57")) << out_.str();
  // A date alone: the end of that day.
  ASSERT_EQ(Run({"summary", "jining", "--as-of", "2026-11-24"}), 0);
  EXPECT_EQ(seen_.summaries[1].as_of().unix_micros(),
            k1800 + 6 * 3600 * 1000000LL - 1);
}

TEST_F(LedgerAuditCliTest, BadPointsAreUsageErrorsAndSendNothing) {
  EXPECT_EQ(Run({"balance", "jining/donations/pool", "--as-of", "2026-02-30"}),
            2);
  EXPECT_TRUE(Err("China time")) << err_.str();
  EXPECT_EQ(Run({"balance", "jining/donations/pool", "--as-of",
                 "2026-11-24T24:00"}),
            2);
  EXPECT_EQ(Run({"summary", "jining", "--as-of", "yesterday"}), 2);
  EXPECT_EQ(Run({"summary", "jining", "--as-of-sequence", "0"}), 2);
  EXPECT_EQ(Run({"balance", "jining/donations/pool", "--as-of-sequence", "4",
                 "--as-of", "2026-11-24"}),
            2);
  EXPECT_EQ(Run({"audit", "trial-balance", "--subtree"}), 2)
      << "--subtree needs --unit";
  std::lock_guard<std::mutex> lock(seen_.mu);
  EXPECT_TRUE(seen_.balances.empty());
  EXPECT_TRUE(seen_.summaries.empty());
  EXPECT_TRUE(seen_.trial_balances.empty());
}

TEST_F(LedgerAuditCliTest, TrialBalanceTable) {
  ASSERT_EQ(Run({"audit", "trial-balance", "--as-of", "2026-11-24T18:00"}), 0)
      << err_.str();
  ASSERT_EQ(seen_.trial_balances.size(), 1u);
  EXPECT_EQ(seen_.trial_balances[0].as_of().unix_micros(), k1800);
  EXPECT_TRUE(seen_.trial_balances[0].unit_code().empty());
  const std::string out = out_.str();
  EXPECT_TRUE(Out("科目 ACCOUNT")) << out;
  EXPECT_TRUE(Out("借方 DEBITS (out)")) << out;
  EXPECT_TRUE(Out("[社会捐助 donations]")) << out;
  EXPECT_TRUE(Out("jining/donations/pool")) << out;
  EXPECT_TRUE(Out("1,500.50")) << out;
  EXPECT_TRUE(Out("1,800.50")) << out;  // the donations total
  EXPECT_TRUE(Out("yes 平衡")) << out;
  EXPECT_TRUE(Out("as of sequence 42, recorded 2026-11-24 17:59:59 (UTC+8)"))
      << out;
  EXPECT_TRUE(Out("借贷平衡")) << out;
  // Account lines come before the per-source table.
  EXPECT_LT(out.find("external/donations"), out.find("资金来源 FUND SOURCE"));
}

TEST_F(LedgerAuditCliTest, TrialBalanceOfAUnitSaysWhatIsLeftOut) {
  ASSERT_EQ(Run({"audit", "trial-balance", "--unit", "jining", "--subtree",
                 "--as-of-sequence", "40"}),
            0);
  ASSERT_EQ(seen_.trial_balances.size(), 1u);
  EXPECT_EQ(seen_.trial_balances[0].unit_code(), "jining");
  EXPECT_TRUE(seen_.trial_balances[0].subtree());
  EXPECT_EQ(seen_.trial_balances[0].as_of().sequence(), 40u);
  EXPECT_TRUE(Out("only the accounts of jining and every unit below it"))
      << out_.str();
  EXPECT_TRUE(Out("external accounts")) << out_.str();
}

TEST_F(LedgerAuditCliTest, UnbalancedLedgerExitsOne) {
  seen_.unbalanced = true;
  EXPECT_EQ(Run({"audit", "trial-balance"}), 1);
  EXPECT_TRUE(Out("NO 不平衡")) << out_.str();
  EXPECT_TRUE(Out("NOT BALANCED")) << out_.str();
  // A part of the ledger need not balance: exit 0.
  EXPECT_EQ(Run({"audit", "trial-balance", "--unit", "jining"}), 0);
  // --json: the response, and still the exit code.
  EXPECT_EQ(Run({"audit", "trial-balance", "--json"}), 1);
  EXPECT_TRUE(Out("\"as_of_sequence\"")) << out_.str();
}

TEST_F(LedgerAuditCliTest, ReconcileOk) {
  ASSERT_EQ(Run({"audit", "reconcile"}), 0) << err_.str();
  EXPECT_EQ(seen_.reconciles, 1);
  EXPECT_TRUE(Err("rebuilding, 100,000 of 250,000 events replayed"))
      << err_.str();
  EXPECT_TRUE(Err("comparing, 1,234,567 keys compared")) << err_.str();
  EXPECT_TRUE(Out("ok 一致")) << out_.str();
  EXPECT_TRUE(Out("sequence 250000")) << out_.str();
  EXPECT_TRUE(Out("2,000,000")) << out_.str();
  EXPECT_FALSE(Out("PROJECTION")) << out_.str();
  EXPECT_GT(DeadlineSeconds(), 3600) << "a reconcile may take long";
}

TEST_F(LedgerAuditCliTest, ReconcileDifferencesExitOne) {
  seen_.differences = true;
  EXPECT_EQ(Run({"audit", "reconcile"}), 1);
  EXPECT_TRUE(Out("DIFFERENCES 不一致: 1,500 difference(s)")) << out_.str();
  EXPECT_TRUE(Out("读模型 PROJECTION")) << out_.str();
  EXPECT_TRUE(Out("jining\\x00\\x03")) << out_.str();
  EXPECT_TRUE(Out("values differ 值不同")) << out_.str();
  EXPECT_TRUE(Out("missing in the rebuild 重建结果缺少")) << out_.str();
  EXPECT_TRUE(Out("showing the first 2 of 1,500 differences")) << out_.str();
  EXPECT_EQ(Run({"audit", "reconcile", "--json"}), 1);
  EXPECT_TRUE(Out("\"differences_total\"")) << out_.str();
}

TEST_F(LedgerAuditCliTest, RefusedRoleIsAnRpcExitCode) {
  seen_.deny = true;
  EXPECT_EQ(Run({"audit", "reconcile"}), 17);
  EXPECT_TRUE(Err("PERMISSION_DENIED")) << err_.str();
  EXPECT_TRUE(Err("ROLE_REQUIRED")) << err_.str();
  EXPECT_EQ(Run({"audit", "trial-balance"}), 17);
}

TEST(ChinaTimeTest, Parses) {
  EXPECT_EQ(ParseChinaTime("2026-11-24T18:00"), k1800);
  EXPECT_EQ(ParseChinaTime("2026-11-24 18:00"), k1800);
  EXPECT_EQ(ParseChinaTime("2026-11-24T18:00:30"), k1800 + 30000000);
  EXPECT_EQ(ParseChinaTime("2026-11-24"), k1800 + 6 * 3600 * 1000000LL - 1);
  EXPECT_EQ(ParseChinaTime("2024-02-29"),
            ParseChinaTime("2024-03-01T00:00").value() - 1);
  for (const char* bad :
       {"", "2026-11-24T18", "2026-02-30", "2026-13-01", "2026-11-24T24:00",
        "2026-11-24T18:60", "1999-12-31", "2101-01-01T00:00",
        "2026-11-24T18:00Z", "24.11.2026", "2026-11-24T18:00 ", "now"}) {
    EXPECT_FALSE(ParseChinaTime(bad).has_value()) << bad;
  }
  EXPECT_EQ(ChinaTime(k1800), "2026-11-24 18:00:00");
  EXPECT_EQ(ChinaTime(0), "-");
}

TEST(LedgerAuditViewsTest, EmptyLedger) {
  relief::v1::GetTrialBalanceResponse empty;
  for (int s = 1; s <= 4; ++s) {
    auto* source = empty.add_sources();
    source->set_fund_source(static_cast<relief::v1::FundSource>(s));
    source->set_balanced(true);
  }
  const std::string text = RenderTrialBalance(empty, "", false);
  EXPECT_NE(text.find("the empty ledger"), std::string::npos) << text;
  EXPECT_NE(text.find("无发生额"), std::string::npos) << text;
  EXPECT_TRUE(TrialBalanceBalanced(empty));
}

}  // namespace
}  // namespace reliefctl
