// relief_audit_bench: how long audits take on a big log (a program that
// prints figures, not a test).
//
//   1. writes --events events (default 1,000,000) through SubmitCommands in
//      batches of 1,000 receipts spread over 50 units and 4 fund sources;
//   2. restarts reliefd (a snapshot was written at the stop) and times the
//      start-up until the port is served;
//   3. stops it, runs `reliefd rebuild-projections`, starts it again and
//      times the rebuild of every read model from sequence 1 (GetStatus
//      until every checkpoint reaches the head);
//   4. times an as-of query at the middle of the log (GetBalance and
//      GetFundSummary with as_of, AuditService.GetTrialBalance).
//
// Usage: relief_audit_bench [--reliefd PATH] [--events N] [--data-parent DIR]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "harness/reliefd_process.h"
#include "relief/v1/audit_service.grpc.pb.h"
#include "relief/v1/ledger_service.grpc.pb.h"
#include "relief/v1/query_service.grpc.pb.h"

namespace relief::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

void Prepare(grpc::ClientContext* context, const std::string& token,
             int seconds = 120) {
  context->AddMetadata("authorization", "Bearer " + token);
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(seconds));
}

[[noreturn]] void Die(const std::string& what, const grpc::Status& s) {
  std::cerr << "relief_audit_bench: " << what << ": " << s.error_code() << " "
            << s.error_message() << "\n";
  std::exit(1);
}

[[noreturn]] void Die(const std::string& what, const absl::Status& s) {
  std::cerr << "relief_audit_bench: " << what << ": " << s << "\n";
  std::exit(1);
}

// Waits until every read model has reached `head`; returns false on timeout.
bool WaitForProjections(v1::QueryService::Stub* query, const std::string& token,
                        uint64_t head, std::chrono::seconds limit) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    grpc::ClientContext context;
    Prepare(&context, token, 10);
    v1::GetStatusResponse status;
    if (query->GetStatus(&context, {}, &status).ok()) {
      bool all = status.projections_size() > 0;
      for (const auto& p : status.projections()) {
        all = all && p.checkpoint_sequence() >= head;
      }
      if (all) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

uint64_t Head(v1::QueryService::Stub* query, const std::string& token) {
  grpc::ClientContext context;
  Prepare(&context, token);
  v1::GetStatusResponse status;
  grpc::Status s = query->GetStatus(&context, {}, &status);
  if (!s.ok()) Die("GetStatus", s);
  return status.head_sequence();
}

int Main(int argc, char** argv) {
  testing::ReliefdOptions options;
  uint64_t events = 1'000'000;
  std::string keep_data;  // copy the ledger here at the end (for profiling)
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--reliefd") {
      options.reliefd_path = value;
    } else if (flag == "--events") {
      if (!absl::SimpleAtoi(value, &events) || events < 10'000) {
        std::cerr << "--events needs a number >= 10000\n";
        return 2;
      }
    } else if (flag == "--data-parent") {
      options.temp_parent = value;
    } else if (flag == "--keep-data") {
      keep_data = value;
    } else {
      std::cerr << "usage: relief_audit_bench [--reliefd PATH] [--events N] "
                   "[--data-parent DIR] [--keep-data DIR]\n";
      return 2;
    }
  }
  options.start_timeout = std::chrono::minutes(10);
  options.stop_timeout = std::chrono::minutes(5);
  testing::ReliefdProcess server(options);
  if (auto s = server.Start(); !s.ok()) Die("starting reliefd", s);
  const std::string token = server.admin_token();
  auto ledger = v1::LedgerService::NewStub(server.channel());
  auto query = v1::QueryService::NewStub(server.channel());

  // A finance officer and 50 units under one root.
  std::string finance;
  {
    grpc::ClientContext context;
    Prepare(&context, token);
    v1::CreateTokenRequest request;
    request.set_request_id("bench-finance");
    request.set_name("bench.finance");
    request.add_roles(v1::ROLE_FINANCE_OFFICER);
    v1::CreateTokenResponse response;
    grpc::Status s = ledger->CreateToken(&context, request, &response);
    if (!s.ok()) Die("CreateToken", s);
    finance = response.token();
    v1::SubmitCommandsRequest units;
    auto* root = units.add_commands()->mutable_register_org_unit();
    root->set_request_id("bench-root");
    root->set_code("bench");
    root->set_name_zh("基准测试省总");
    root->set_level(v1::ORG_LEVEL_PROVINCE);
    for (int u = 0; u < 50; ++u) {
      auto* r = units.add_commands()->mutable_register_org_unit();
      r->set_request_id(absl::StrCat("bench-unit-", u));
      r->set_code(absl::StrCat("bench.u", u));
      r->set_name_zh("市总工会");
      r->set_level(v1::ORG_LEVEL_CITY);
      r->set_parent_code("bench");
    }
    grpc::ClientContext units_context;
    Prepare(&units_context, token);
    v1::SubmitCommandsResponse done;
    s = ledger->SubmitCommands(&units_context, units, &done);
    if (!s.ok()) Die("registering units", s);
  }

  // 1. Write.
  const uint64_t start_head = Head(query.get(), token);
  const auto write_start = Clock::now();
  uint64_t written = 0;
  while (written < events) {
    v1::SubmitCommandsRequest batch;
    const uint64_t n = std::min<uint64_t>(1000, events - written);
    for (uint64_t k = 0; k < n; ++k) {
      const uint64_t i = written + k;
      auto* r = batch.add_commands()->mutable_receive_funds();
      r->set_request_id(absl::StrCat("bench-r", i));
      r->set_unit_code(absl::StrCat("bench.u", i % 50));
      r->set_fund_source(static_cast<v1::FundSource>(1 + i % 4));
      r->set_amount_fen(static_cast<int64_t>(100 + i % 10000));
      r->set_payer("基准来款");
    }
    grpc::ClientContext context;
    Prepare(&context, finance);
    v1::SubmitCommandsResponse response;
    grpc::Status s = ledger->SubmitCommands(&context, batch, &response);
    if (!s.ok()) Die("SubmitCommands", s);
    written += n;
  }
  const double write_s = Seconds(Clock::now() - write_start);
  const uint64_t head = Head(query.get(), token);
  std::printf("events written        %llu (head %llu) in %.1f s: %.0f events/s\n",
              static_cast<unsigned long long>(head - start_head),
              static_cast<unsigned long long>(head), write_s,
              (head - start_head) / write_s);
  const auto live_start = Clock::now();
  if (!WaitForProjections(query.get(), token, head, std::chrono::minutes(30))) {
    std::cerr << "read models did not catch up\n";
    return 1;
  }
  std::printf("live read models caught up %.1f s after the last write\n",
              Seconds(Clock::now() - live_start));

  // 2. Start-up with a snapshot.
  if (auto s = server.Stop(); !s.ok()) Die("stop", s);
  auto started = Clock::now();
  if (auto s = server.Start(); !s.ok()) Die("restart", s);
  std::printf("start-up with snapshot   %.2f s to serving (%llu events)\n",
              Seconds(Clock::now() - started),
              static_cast<unsigned long long>(head));

  // 3. Rebuild every read model from sequence 1.
  if (auto s = server.Stop(); !s.ok()) Die("stop", s);
  const std::string rebuild = absl::StrCat(
      options.reliefd_path, " rebuild-projections --data-dir ",
      server.data_dir(), " > /dev/null");
  if (std::system(rebuild.c_str()) != 0) {
    std::cerr << "rebuild-projections failed\n";
    return 1;
  }
  started = Clock::now();
  if (auto s = server.Start(); !s.ok()) Die("start after rebuild", s);
  const double serving_s = Seconds(Clock::now() - started);
  query = v1::QueryService::NewStub(server.channel());
  if (!WaitForProjections(query.get(), token, head, std::chrono::minutes(60))) {
    std::cerr << "rebuild did not finish\n";
    return 1;
  }
  const double rebuild_s = Seconds(Clock::now() - started);
  // reliefd logs the catch-up (wall and CPU time) just after the last
  // chunk lands; give it a moment. Its figures are the rebuild's own: it
  // times the catch-up from its first event, which starts once the write
  // model is loaded (the start-up above).
  std::string caught_up;
  for (int attempt = 0; attempt < 100 && caught_up.empty(); ++attempt) {
    if (std::FILE* log = std::fopen(server.log_path().c_str(), "r")) {
      char line[512];
      while (std::fgets(line, sizeof line, log) != nullptr) {
        if (std::strstr(line, "read models caught up from 0 ") != nullptr) {
          caught_up = line;
        }
      }
      std::fclose(log);
    }
    if (caught_up.empty()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  double rebuilt = 0, seconds = 0;
  // "reliefd: read models caught up from 0 to N: E events in S s (...)"
  const char* figures = std::strstr(caught_up.c_str(), "caught up from 0 to ");
  if (figures != nullptr) figures = std::strstr(figures, ": ");
  if (figures == nullptr ||
      std::sscanf(figures, ": %lf events in %lf s", &rebuilt, &seconds) != 2 ||
      seconds <= 0) {
    std::cerr << "reliefd did not log the rebuild's figures\n";
    return 1;
  }
  std::printf("rebuild of all read models: %.0f events in %.2f s: %.0f "
              "events/s (target 1,000,000 events/s)\n"
              "  from the start of reliefd %.1f s (serving after %.1f s, "
              "when the rebuild starts)\n  %s",
              rebuilt, seconds, rebuilt / seconds, rebuild_s, serving_s,
              caught_up.c_str());

  // 4. As of the middle of the log.
  const uint64_t middle = head / 2;
  {
    v1::GetBalanceRequest request;
    request.set_account("bench.u7/government/pool");
    request.mutable_as_of()->set_sequence(middle);
    grpc::ClientContext context;
    Prepare(&context, token, 600);
    v1::GetBalanceResponse response;
    const auto t = Clock::now();
    grpc::Status s = query->GetBalance(&context, request, &response);
    const double took = Seconds(Clock::now() - t);
    if (!s.ok()) Die("GetBalance as_of", s);
    std::printf("GetBalance as of %llu     %.2f s\n",
                static_cast<unsigned long long>(middle), took);
  }
  {
    v1::GetFundSummaryRequest request;
    request.set_unit_code("bench");
    request.set_subtree(true);
    request.mutable_as_of()->set_sequence(middle);
    grpc::ClientContext context;
    Prepare(&context, token, 600);
    v1::GetFundSummaryResponse response;
    const auto t = Clock::now();
    grpc::Status s = query->GetFundSummary(&context, request, &response);
    const double took = Seconds(Clock::now() - t);
    if (!s.ok()) Die("GetFundSummary as_of", s);
    std::printf("GetFundSummary (subtree) as of %llu  %.2f s\n",
                static_cast<unsigned long long>(middle), took);
  }
  {
    auto audit = v1::AuditService::NewStub(server.channel());
    v1::GetTrialBalanceRequest request;
    request.mutable_as_of()->set_sequence(middle);
    grpc::ClientContext context;
    Prepare(&context, token, 600);
    v1::GetTrialBalanceResponse response;
    const auto t = Clock::now();
    grpc::Status s = audit->GetTrialBalance(&context, request, &response);
    const double took = Seconds(Clock::now() - t);
    if (!s.ok()) Die("GetTrialBalance", s);
    std::printf("GetTrialBalance as of %llu   %.2f s (%d accounts)\n",
                static_cast<unsigned long long>(middle), took,
                response.lines_size());
  }
  if (auto s = server.Stop(); !s.ok()) Die("stop", s);
  if (!keep_data.empty()) {
    std::filesystem::copy(server.data_dir(), keep_data,
                          std::filesystem::copy_options::recursive);
    std::printf("ledger copied to %s\n", keep_data.c_str());
  }
  return 0;
}

}  // namespace
}  // namespace relief::bench

int main(int argc, char** argv) { return relief::bench::Main(argc, argv); }
