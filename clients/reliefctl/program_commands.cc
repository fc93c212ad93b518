// program defaults | set
//
// A program's policy (帮扶项目政策) is a dated event: it is in force from
// its date until a later one replaces it. There is no query for policies
// yet, so there is no `program show`; the commands print what they sent.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "clients/reliefctl/commands.h"
#include "clients/reliefctl/grant_views.h"
#include "clients/reliefctl/names.h"
#include "clients/reliefctl/options.h"
#include "ledger/domain/grants.h"
#include "ledger/domain/money.h"

namespace reliefctl {
namespace {

// Limits the server enforces (grants.cc ValidateSetProgramPolicy), checked
// here so a typo is a usage error.
constexpr uint32_t kMaxGrantsPerYear = 366;
constexpr uint32_t kMaxNoticeDays = 90;
constexpr uint32_t kMaxExpiryDays = 366;

int DaysInMonth(int year, int month) {
  const absl::CivilMonth next = absl::CivilMonth(year, month) + 1;
  return static_cast<int>(absl::CivilDay(next) -
                          absl::CivilDay(absl::CivilMonth(year, month)));
}

bool AllDigits(absl::string_view text) {
  return !text.empty() &&
         text.find_first_not_of("0123456789") == absl::string_view::npos;
}

CLI::Validator ProgramCheck() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        const absl::Status valid = relief::ValidateProgramCode(value);
        return valid.ok() ? "" : std::string(valid.message());
      },
      "PROGRAM", "program code");
}

// MMDD-MMDD, e.g. 0715-0831, within one year, start first.
std::optional<relief::v1::ProgramWindow> ParseWindow(absl::string_view text) {
  if (text.size() != 9 || text[4] != '-') return std::nullopt;
  const absl::string_view start = text.substr(0, 4), end = text.substr(5);
  int start_mmdd = 0, end_mmdd = 0;
  if (!AllDigits(start) || !AllDigits(end) ||
      !absl::SimpleAtoi(start, &start_mmdd) ||
      !absl::SimpleAtoi(end, &end_mmdd)) {
    return std::nullopt;
  }
  for (const int mmdd : {start_mmdd, end_mmdd}) {
    const int month = mmdd / 100, day = mmdd % 100;
    // A leap year, so 0229 is a month-day.
    if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(2024, month)) {
      return std::nullopt;
    }
  }
  if (start_mmdd > end_mmdd) return std::nullopt;
  relief::v1::ProgramWindow window;
  window.set_start_mmdd(start_mmdd);
  window.set_end_mmdd(end_mmdd);
  return window;
}

// 1 January of the current year, China time.
int JanuaryFirstThisYear() {
  const absl::CivilDay today =
      absl::ToCivilDay(absl::Now(), absl::FixedTimeZone(8 * 60 * 60));
  return static_cast<int>(today.year()) * 10000 + 101;
}

// Sends one SetProgramPolicy; fills `*result`.
int SendPolicy(Session& session, const relief::v1::ProgramPolicySet& policy,
               const std::string& request_id,
               relief::v1::SetProgramPolicyResponse* response) {
  relief::v1::SetProgramPolicyRequest request;
  *request.mutable_policy() = policy;
  return SendCommand(
      session, request, request_id,
      [&session](grpc::ClientContext* context, const auto& r, auto* out) {
        return session.ledger().SetProgramPolicy(context, r, out);
      },
      response);
}

int RunDefaults(Session& session, int effective_date,
                const std::string& given_request_id) {
  const std::vector<relief::v1::ProgramPolicySet> policies =
      relief::StandardPolicies(effective_date);
  std::vector<relief::v1::CommandResult> results;
  for (const relief::v1::ProgramPolicySet& policy : policies) {
    // One id per program, derived from a given id so the whole run can be
    // retried with it.
    std::string request_id;
    if (!given_request_id.empty()) {
      request_id = absl::StrCat(given_request_id, ".", policy.program());
      if (const std::string why = CheckRequestId(request_id); !why.empty()) {
        session.err() << "error: --request-id plus \"." << policy.program()
                      << "\" is not a valid request id: " << why << '\n';
        return kExitUsage;
      }
    }
    relief::v1::SetProgramPolicyResponse response;
    const int code = SendPolicy(session, policy, request_id, &response);
    if (code != kExitOk) {
      session.err() << "stopped at program " << policy.program() << "; "
                    << results.size() << " of " << policies.size()
                    << " policies were set before it\n";
      return code;
    }
    if (session.json()) {
      session.PrintJson(response);
    }
    results.push_back(response.result());
  }
  if (session.json()) return kExitOk;
  session.out() << RenderPolicies(policies, results);
  int replayed = 0;
  for (const auto& result : results) replayed += result.replayed();
  session.out() << "done: set the " << policies.size()
                << " standard program policies (标准帮扶项目), in force from "
                << effective_date / 10000 << "-"
                << absl::StrFormat("%02d-%02d", effective_date / 100 % 100,
                                   effective_date % 100)
                << " (UTC+8)";
  if (replayed > 0) {
    session.out() << "; " << replayed
                  << " were replayed (sent before with the same request id)";
  }
  session.out() << '\n';
  return kExitOk;
}

int RunSet(Session& session, const relief::v1::ProgramPolicySet& policy,
           const std::string& given_request_id) {
  relief::v1::SetProgramPolicyResponse response;
  std::string request_id = RequestIdOrNew(given_request_id);
  const int code = SendPolicy(session, policy, request_id, &response);
  if (code != kExitOk) return code;
  if (session.json()) return session.PrintJson(response);
  session.out() << RenderPolicies({policy}, {});
  PrintCommandResult(session,
                     absl::StrCat("set the policy of program ",
                                  policy.program(), " ", policy.name_zh()),
                     response.result(), request_id);
  return kExitOk;
}

}  // namespace

std::optional<int> ParseDate(absl::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-')
    return std::nullopt;
  int year = 0, month = 0, day = 0;
  if (!AllDigits(text.substr(0, 4)) || !AllDigits(text.substr(5, 2)) ||
      !AllDigits(text.substr(8, 2)) ||
      !absl::SimpleAtoi(text.substr(0, 4), &year) ||
      !absl::SimpleAtoi(text.substr(5, 2), &month) ||
      !absl::SimpleAtoi(text.substr(8, 2), &day)) {
    return std::nullopt;
  }
  if (year < 2000 || year > 2100 || month < 1 || month > 12 || day < 1 ||
      day > DaysInMonth(year, month)) {
    return std::nullopt;
  }
  return year * 10000 + month * 100 + day;
}

CLI::Validator DateCheck() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        return ParseDate(value) ? "" : "a date is YYYY-MM-DD, 2000..2100";
      },
      "YYYY-MM-DD", "date");
}

void AddProgramCommands(CLI::App& app, Action* selected) {
  CLI::App* program = app.add_subcommand(
      "program",
      "Relief programs (帮扶项目) and their policies: amounts, yearly limit, "
      "windows, eligible categories, fund sources, public notice");
  program->require_subcommand(1);
  {
    struct State {
      std::string from, request_id;
    };
    auto state = std::make_shared<State>();
    CLI::App* defaults = program->add_subcommand(
        "defaults",
        "Set the documented default policies of the 7 standard programs "
        "(festival 送温暖, education 金秋助学, medical 医疗救助, living "
        "生活救助, emergency 临时救助, housing 住房救助, training 培训), one "
        "SetProgramPolicy each; stops at the first failure");
    defaults
        ->add_option("--from", state->from,
                     "in force from this date, YYYY-MM-DD (China time; "
                     "default: 1 January of the current year)")
        ->check(DateCheck());
    AddRequestIdOption(*defaults, &state->request_id)
        ->description(
            "idempotency key: each program is sent with this id plus "
            "\".<program>\" (default: fresh UUIDv4s); resend with the same "
            "id to retry safely");
    defaults->callback([state, selected] {
      const int date = state->from.empty() ? JanuaryFirstThisYear()
                                           : *ParseDate(state->from);
      *selected = [date, state](Session& session) {
        return RunDefaults(session, date, state->request_id);
      };
    });
  }
  {
    struct State {
      std::string program, name_zh, name_en, from, min, max, request_id;
      uint32_t per_year = 0, notice_days = 0, expiry_days = 0;
      std::vector<std::string> windows, categories, sources;
      bool cash = false, goods = false;
    };
    auto state = std::make_shared<State>();
    CLI::App* set = program->add_subcommand(
        "set",
        "Set or replace one program's policy from a date on "
        "(LedgerService.SetProgramPolicy). Give --cash, --goods or both "
        "(default: --cash)");
    set->add_option("--program", state->program,
                    "program code, [a-z][a-z0-9_]{0,31}, e.g. education")
        ->required()
        ->check(ProgramCheck());
    set->add_option("--name-zh", state->name_zh, "中文名称, e.g. 金秋助学")
        ->required();
    set->add_option("--name-en", state->name_en, "English name");
    set->add_option("--from", state->from,
                    "in force from this date, YYYY-MM-DD (China time)")
        ->required()
        ->check(DateCheck());
    AddYuanOption(*set, "--min", &state->min, "smallest grant, yuan")
        ->required();
    AddYuanOption(*set, "--max", &state->max, "largest grant, yuan")
        ->required();
    set->add_option("--per-year", state->per_year,
                    "grants per person per year across all units, counting "
                    "recorded external aid (不重复救助), 1..366")
        ->required()
        ->check(CLI::Range(1u, kMaxGrantsPerYear));
    set->add_option("--window", state->windows,
                    "when proposals are accepted, MMDD-MMDD (China time), "
                    "e.g. 0715-0831; repeat for several; none: all year")
        ->check(CLI::Validator(
            [](std::string& value) -> std::string {
              return ParseWindow(value)
                         ? ""
                         : "a window is MMDD-MMDD within one year, start "
                           "first, e.g. 0715-0831";
            },
            "MMDD-MMDD", "window"));
    set->add_option("--category", state->categories,
                    absl::StrCat("eligible hardship category (困难类别); "
                                 "repeat for several; none: every category. ",
                                 HardshipCategoryChoices()))
        ->check(CLI::Validator(
            [](std::string& value) -> std::string {
              if (ParseHardshipCategory(value)) return "";
              return absl::StrCat("unknown category '", value,
                                  "'; expected one of ",
                                  HardshipCategoryChoices());
            },
            "CATEGORY", "hardship category"));
    set->add_option("--source", state->sources,
                    absl::StrCat("allowed fund source (资金来源); repeat for "
                                 "several. ",
                                 FundSourceChoices()))
        ->required()
        ->check(CLI::Validator(
            [](std::string& value) -> std::string {
              if (ParseFundSource(value)) return "";
              return absl::StrCat("unknown fund source '", value,
                                  "'; expected one of ", FundSourceChoices());
            },
            "SOURCE", "fund source"));
    set->add_option("--notice-days", state->notice_days,
                    "days of public notice (公示) before a grant can be paid, "
                    "0..90")
        ->required()
        ->check(CLI::Range(0u, kMaxNoticeDays));
    set->add_option("--expiry-days", state->expiry_days,
                    "an unpaid proposal is voided this many days after it "
                    "was proposed; more than --notice-days, at most 366")
        ->required()
        ->check(CLI::Range(1u, kMaxExpiryDays));
    set->add_flag("--cash", state->cash, "may be paid in cash (现金)");
    set->add_flag("--goods", state->goods, "may be paid in goods (实物)");
    AddRequestIdOption(*set, &state->request_id);
    set->callback([state, selected] {
      if (FenOf(state->min) > FenOf(state->max)) {
        throw CLI::ValidationError("--min", "more than --max");
      }
      if (state->expiry_days <= state->notice_days) {
        throw CLI::ValidationError("--expiry-days",
                                   "must be more than --notice-days");
      }
      relief::v1::ProgramPolicySet policy;
      policy.set_program(state->program);
      policy.set_name_zh(state->name_zh);
      policy.set_name_en(state->name_en);
      policy.set_effective_date(*ParseDate(state->from));
      policy.set_min_amount_fen(FenOf(state->min));
      policy.set_max_amount_fen(FenOf(state->max));
      policy.set_grants_per_year(state->per_year);
      for (const std::string& window : state->windows) {
        *policy.add_windows() = *ParseWindow(window);
      }
      for (const std::string& category : state->categories) {
        policy.add_eligible_categories(*ParseHardshipCategory(category));
      }
      for (const std::string& source : state->sources) {
        policy.add_fund_sources(*ParseFundSource(source));
      }
      policy.set_notice_days(state->notice_days);
      policy.set_expiry_days(state->expiry_days);
      policy.set_allow_cash(state->cash || !state->goods);
      policy.set_allow_goods(state->goods);
      *selected = [policy, state](Session& session) {
        return RunSet(session, policy, state->request_id);
      };
    });
  }
}

}  // namespace reliefctl
