// loan product set | list, loan disburse | repay | reverse | writeoff |
// approve-writeoff | reschedule, and the reads loan show | list | aging | due
//
// Small loans (小额借款) from a unit's revolving pool (周转金), guaranteed by
// the borrower's employer (单位担保), repaid monthly. Amounts are typed and
// shown in yuan, dates as YYYY-MM-DD (business dates, China time); a date
// left out is "today" on the server's calendar. Write-offs are proposed by
// one officer and approved by another (maker-checker).
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "clients/reliefctl/commands.h"
#include "clients/reliefctl/loan_views.h"
#include "clients/reliefctl/names.h"
#include "clients/reliefctl/views.h"
#include "ledger/domain/grants.h"
#include "ledger/domain/loans.h"

namespace reliefctl {
namespace {

// Limits the server enforces (query_service.proto, loans.h), checked here so
// a typo is a usage error and nothing is sent.
constexpr uint32_t kMaxPageSize = 1000;
constexpr uint32_t kMaxWithinDays = 366;

bool AllDigits(absl::string_view text) {
  return !text.empty() &&
         text.find_first_not_of("0123456789") == absl::string_view::npos;
}

CLI::Validator ProductCheck() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        // Product codes follow the program-code rule (loans.cc).
        return relief::ValidateProgramCode(value).ok()
                   ? ""
                   : "a product code is 1..32 characters of a-z, 0-9 and _, "
                     "starting with a letter, e.g. startup";
      },
      "PRODUCT", "loan product code");
}

CLI::Validator MethodCheck() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        if (ParseRepaymentMethod(value)) return "";
        return absl::StrCat("unknown repayment method '", value,
                            "'; expected one of ", RepaymentMethodChoices());
      },
      "METHOD", "repayment method");
}

CLI::Validator FundSourceCheck() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        if (ParseFundSource(value)) return "";
        return absl::StrCat("unknown fund source '", value,
                            "'; expected one of ", FundSourceChoices());
      },
      "SOURCE", "fund source");
}

CLI::Validator RateCheck() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        return ParseAnnualRateBp(value)
                   ? ""
                   : "a rate is percent a year, 0..24 with at most two "
                     "decimals, e.g. 3.65 or 0";
      },
      "PERCENT", "annual rate");
}

// "2026-03-15", or `when_zero` for 0 (the server's today).
std::string DateOr(int yyyymmdd, const std::string& when_zero) {
  return yyyymmdd == 0 ? when_zero : FormatDate(yyyymmdd);
}

int DateOf(const std::string& text) {
  return text.empty() ? 0 : *ParseDate(text);
}

// One QueryService read; prints the error and returns its exit code.
template <typename Request, typename Response, typename Call>
int Read(Session& session, const Request& request, Call call,
         Response* response) {
  grpc::ClientContext context;
  session.Prepare(&context);
  const grpc::Status status = call(&context, request, response);
  if (!status.ok()) return session.Fail(status, context);
  return kExitOk;
}

template <typename Request, typename Response, typename Call>
int RunChange(Session& session, Request request,
              const std::string& given_request_id, Call call,
              const std::string& what) {
  Response response;
  const int code =
      SendCommand(session, request, given_request_id, call, &response);
  if (code != kExitOk) return code;
  if (session.json()) return session.PrintJson(response);
  PrintCommandResult(session, what, response.result(), request.request_id());
  return kExitOk;
}

int RunProductSet(Session& session, relief::v1::SetLoanProductRequest request,
                  const std::string& given_request_id) {
  relief::v1::SetLoanProductResponse response;
  const int code = SendCommand(
      session, request, given_request_id,
      [&session](grpc::ClientContext* context, const auto& r, auto* out) {
        return session.ledger().SetLoanProduct(context, r, out);
      },
      &response);
  if (code != kExitOk) return code;
  if (session.json()) return session.PrintJson(response);
  const relief::v1::LoanProductSet& p = request.product();
  session.out() << RenderLoanProducts({p}, {});
  PrintCommandResult(
      session,
      absl::StrCat("set loan product 借款产品 ", p.product(), " ", p.name_zh(),
                   ", in force from ", FormatDate(p.effective_date())),
      response.result(), request.request_id());
  return kExitOk;
}

int RunProductList(Session& session,
                   const relief::v1::ListLoanProductsRequest& request) {
  relief::v1::ListLoanProductsResponse response;
  const int code = Read(
      session, request,
      [&session](grpc::ClientContext* context, const auto& r, auto* out) {
        return session.query().ListLoanProducts(context, r, out);
      },
      &response);
  if (code != kExitOk) return code;
  if (session.json()) return session.PrintJson(response);
  const std::vector<relief::v1::LoanProductSet> products(
      response.products().begin(), response.products().end());
  session.out() << RenderLoanProducts(products, {}) << response.products_size()
                << " product version(s), each in force from its date until "
                   "the next; amounts in yuan (元); as of sequence "
                << response.as_of_sequence() << '\n';
  return kExitOk;
}

int RunDisburse(Session& session, relief::v1::DisburseLoanRequest request,
                const std::string& given_request_id) {
  relief::v1::DisburseLoanResponse response;
  const int code = SendCommand(
      session, request, given_request_id,
      [&session](grpc::ClientContext* context, const auto& r, auto* out) {
        return session.ledger().DisburseLoan(context, r, out);
      },
      &response);
  if (code != kExitOk) return code;
  if (session.json()) return session.PrintJson(response);
  // The schedule is in the loan's read model. Best effort: the loan is
  // disbursed either way.
  relief::v1::GetLoanResponse loan;
  bool have_schedule = false;
  {
    relief::v1::GetLoanRequest get;
    get.set_loan_id(response.loan_id());
    get.set_min_sequence(response.result().first_sequence());
    grpc::ClientContext context;
    session.Prepare(&context);
    have_schedule = session.query().GetLoan(&context, get, &loan).ok() &&
                    loan.loan().terms().loan_id() == response.loan_id();
  }
  PrintCommandResult(
      session,
      absl::StrCat(
          "disbursed 放款 ", Yuan(request.principal_fen()), " yuan to dossier ",
          request.dossier_id(), " from ", request.unit_code(), " ",
          FundSourceDisplay(request.fund_source()), ", product ",
          request.product(), ", ", request.term_months(), " month(s)",
          request.grace_months() > 0
              ? absl::StrCat(" (", request.grace_months(), " interest only)")
              : "",
          ", ", RepaymentMethodDisplay(request.method())),
      response.result(), request.request_id(),
      {{"loan id", response.loan_id()}});
  if (have_schedule) {
    session.out() << "\nschedule 还款计划\n"
                  << RenderLoanSchedule(loan.loan().schedule(),
                                        /*payments=*/false)
                  << "amounts in yuan (元)\n";
  } else {
    session.out() << "\nschedule 还款计划: not readable yet; see reliefctl "
                     "loan show --loan "
                  << response.loan_id() << '\n';
  }
  return kExitOk;
}

int RunRepay(Session& session, relief::v1::RecordLoanRepaymentRequest request,
             const std::string& given_request_id) {
  relief::v1::RecordLoanRepaymentResponse response;
  const int code = SendCommand(
      session, request, given_request_id,
      [&session](grpc::ClientContext* context, const auto& r, auto* out) {
        return session.ledger().RecordLoanRepayment(context, r, out);
      },
      &response);
  if (code != kExitOk) return code;
  if (session.json()) return session.PrintJson(response);
  PrintCommandResult(
      session,
      absl::StrCat("recorded repayment 还款 of ", Yuan(request.amount_fen()),
                   " yuan on loan ", request.loan_id(), ", paid ",
                   DateOr(request.value_date(), "today"), " by ",
                   request.payer()),
      response.result(), request.request_id(),
      {{"repayment id", response.repayment_id()}});
  return kExitOk;
}

int RunShow(Session& session, const relief::v1::GetLoanRequest& request) {
  relief::v1::GetLoanResponse response;
  const int code = Read(
      session, request,
      [&session](grpc::ClientContext* context, const auto& r, auto* out) {
        return session.query().GetLoan(context, r, out);
      },
      &response);
  if (code != kExitOk) return code;
  if (session.json()) return session.PrintJson(response);
  session.out() << RenderLoan(response);
  return kExitOk;
}

int RunList(Session& session, const relief::v1::ListLoansRequest& base) {
  relief::v1::ListLoansResponse merged;
  const int code = FollowPages<relief::v1::ListLoansResponse>(
      session,
      [&](grpc::ClientContext* context, const std::string& page_token,
          relief::v1::ListLoansResponse* response) {
        relief::v1::ListLoansRequest request = base;
        request.set_page_token(page_token);
        return session.query().ListLoans(context, request, response);
      },
      [&](relief::v1::ListLoansResponse& page) {
        for (auto& loan : *page.mutable_loans()) {
          *merged.add_loans() = std::move(loan);
        }
        // Every page carries the book's totals; pages may be read at
        // different sequences, so keep the newest page's.
        if (page.as_of_sequence() >= merged.as_of_sequence()) {
          *merged.mutable_book() = page.book();
          merged.set_as_of_date(page.as_of_date());
          merged.set_as_of_sequence(page.as_of_sequence());
        }
      });
  if (code != kExitOk) return code;
  if (session.json()) return session.PrintJson(merged);
  session.out() << RenderLoanBook(merged, base.unit_code(), base.subtree());
  return kExitOk;
}

int RunAging(Session& session, relief::v1::ListLoansRequest request,
             const relief::v1::GetGuarantorExposureRequest& exposure_request) {
  // The book's totals and aging cover every loan of the units whatever the
  // page; one row is enough.
  request.set_page_size(1);
  relief::v1::ListLoansResponse book;
  int code = Read(
      session, request,
      [&session](grpc::ClientContext* context, const auto& r, auto* out) {
        return session.query().ListLoans(context, r, out);
      },
      &book);
  if (code != kExitOk) return code;
  book.clear_loans();
  book.clear_next_page_token();
  relief::v1::GetGuarantorExposureResponse exposure;
  code = Read(
      session, exposure_request,
      [&session](grpc::ClientContext* context, const auto& r, auto* out) {
        return session.query().GetGuarantorExposure(context, r, out);
      },
      &exposure);
  if (code != kExitOk) return code;
  if (session.json()) {
    session.PrintJson(book);
    return session.PrintJson(exposure);
  }
  session.out() << RenderLoanAging(book, exposure, request.unit_code(),
                                   request.subtree());
  return kExitOk;
}

int RunDue(Session& session, const relief::v1::ListLoansDueRequest& request) {
  relief::v1::ListLoansDueResponse response;
  const int code = Read(
      session, request,
      [&session](grpc::ClientContext* context, const auto& r, auto* out) {
        return session.query().ListLoansDue(context, r, out);
      },
      &response);
  if (code != kExitOk) return code;
  if (session.json()) return session.PrintJson(response);
  session.out() << RenderLoansDue(response, request.within_days());
  return kExitOk;
}

constexpr char kLoanIdHelp[] = "loan id, e.g. l42";
constexpr char kAsOfHelp[] =
    "business date YYYY-MM-DD to see the loans as of (default: today, China "
    "time)";

// --unit, --subtree, --as-of and --min-sequence of the loan book reads.
struct BookOptions {
  std::string unit, as_of;
  bool subtree = false;
  uint64_t min_sequence = 0;
};

void AddBookOptions(CLI::App& command, BookOptions* options) {
  command.add_option("--unit", options->unit, "lending unit code")->required();
  command.add_flag("--subtree", options->subtree,
                   "the unit and every unit below it");
  command.add_option("--as-of", options->as_of, kAsOfHelp)->check(DateCheck());
  AddMinSequenceOption(command, &options->min_sequence);
}

}  // namespace

std::optional<uint32_t> ParseAnnualRateBp(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  if (absl::ConsumeSuffix(&text, "%")) {
    text = absl::StripTrailingAsciiWhitespace(text);
  }
  const size_t dot = text.find('.');
  const absl::string_view whole = text.substr(0, dot);
  const absl::string_view fraction =
      dot == absl::string_view::npos ? "" : text.substr(dot + 1);
  if (!AllDigits(whole) || whole.size() > 3) return std::nullopt;
  if (dot != absl::string_view::npos &&
      (!AllDigits(fraction) || fraction.size() > 2)) {
    return std::nullopt;
  }
  uint32_t bp = 0;
  for (const char c : whole) bp = bp * 10 + static_cast<uint32_t>(c - '0');
  bp *= 100;
  if (fraction.size() >= 1) bp += static_cast<uint32_t>(fraction[0] - '0') * 10;
  if (fraction.size() == 2) bp += static_cast<uint32_t>(fraction[1] - '0');
  if (bp > relief::kMaxLoanRateBp) return std::nullopt;
  return bp;
}

void AddLoanCommands(CLI::App& app, Action* selected) {
  CLI::App* loan = app.add_subcommand(
      "loan",
      "Small loans (小额借款) from a unit's revolving pool (周转金): products, "
      "disbursement with a monthly schedule, repayments, bounced-repayment "
      "reversal, write-off (maker-checker), reschedule; the loan, the loan "
      "book, arrears aging with PAR30, guarantor exposure, the worklist");
  loan->require_subcommand(1);

  CLI::App* product = loan->add_subcommand(
      "product", "Loan products (借款产品): terms as dated policy data");
  product->require_subcommand(1);
  {
    struct State {
      std::string product, name_zh, name_en, effective, min, max, rate,
          request_id;
      uint32_t min_term = 0, max_term = 0, max_grace = 0;
      std::vector<std::string> sources, methods;
      bool guarantor_required = false;
    };
    auto state = std::make_shared<State>();
    CLI::App* set = product->add_subcommand(
        "set",
        "Set or replace a loan product's terms from a date on "
        "(LedgerService.SetLoanProduct). Installments are monthly");
    set->add_option("--product", state->product,
                    "product code, [a-z][a-z0-9_]{0,31}, e.g. startup")
        ->required()
        ->check(ProductCheck());
    set->add_option("--name-zh", state->name_zh, "中文名称, e.g. 创业小额借款")
        ->required();
    set->add_option("--name-en", state->name_en, "English name");
    set->add_option("--effective", state->effective,
                    "in force from this date, YYYY-MM-DD (China time)")
        ->required()
        ->check(DateCheck());
    AddYuanOption(*set, "--min", &state->min, "smallest principal, yuan")
        ->required();
    AddYuanOption(*set, "--max", &state->max, "largest principal, yuan")
        ->required();
    set->add_option("--min-term", state->min_term,
                    "shortest term in months, grace included, 1..120")
        ->required()
        ->check(CLI::Range(1u, relief::kMaxLoanTermMonths));
    set->add_option("--max-term", state->max_term,
                    "longest term in months, grace included, 1..120")
        ->required()
        ->check(CLI::Range(1u, relief::kMaxLoanTermMonths));
    set->add_option("--rate", state->rate,
                    "annual interest rate in percent (年利率), at most two "
                    "decimals, 0..24, e.g. 3.65; 0 for interest-free (免息)")
        ->required()
        ->check(RateCheck());
    set->add_option("--max-grace", state->max_grace,
                    "interest-only months allowed at the start (宽限期), "
                    "fewer than --max-term (default 0)")
        ->check(CLI::Range(0u, relief::kMaxLoanTermMonths - 1));
    set->add_option("--source", state->sources,
                    absl::StrCat("fund source it may lend from (资金来源); "
                                 "repeat for several. ",
                                 FundSourceChoices()))
        ->required()
        ->check(FundSourceCheck());
    set->add_flag("--guarantor-required", state->guarantor_required,
                  "a loan needs a guarantor (单位担保)");
    set->add_option("--method", state->methods,
                    absl::StrCat("allowed repayment method; repeat for both; "
                                 "none: both. ",
                                 RepaymentMethodChoices()))
        ->check(MethodCheck());
    AddRequestIdOption(*set, &state->request_id);
    set->callback([state, selected] {
      if (FenOf(state->min) > FenOf(state->max)) {
        throw CLI::ValidationError("--min", "more than --max");
      }
      if (state->min_term > state->max_term) {
        throw CLI::ValidationError("--min-term", "more than --max-term");
      }
      if (state->max_grace >= state->max_term) {
        throw CLI::ValidationError("--max-grace",
                                   "must be fewer than --max-term");
      }
      relief::v1::SetLoanProductRequest request;
      relief::v1::LoanProductSet& p = *request.mutable_product();
      p.set_product(state->product);
      p.set_name_zh(state->name_zh);
      p.set_name_en(state->name_en);
      p.set_effective_date(*ParseDate(state->effective));
      p.set_min_principal_fen(FenOf(state->min));
      p.set_max_principal_fen(FenOf(state->max));
      p.set_min_term_months(state->min_term);
      p.set_max_term_months(state->max_term);
      p.set_annual_rate_bp(*ParseAnnualRateBp(state->rate));
      p.set_max_grace_months(state->max_grace);
      for (const std::string& source : state->sources) {
        p.add_fund_sources(*ParseFundSource(source));
      }
      p.set_guarantor_required(state->guarantor_required);
      for (const std::string& method : state->methods) {
        p.add_methods(*ParseRepaymentMethod(method));
      }
      *selected = [request, state](Session& session) {
        return RunProductSet(session, request, state->request_id);
      };
    });
  }
  {
    auto min_sequence = std::make_shared<uint64_t>(0);
    CLI::App* list = product->add_subcommand(
        "list",
        "Every version of every loan product, by product then date "
        "(QueryService.ListLoanProducts)");
    AddMinSequenceOption(*list, min_sequence.get());
    list->callback([min_sequence, selected] {
      relief::v1::ListLoanProductsRequest request;
      request.set_min_sequence(*min_sequence);
      *selected = [request](Session& session) {
        return RunProductList(session, request);
      };
    });
  }
  {
    struct State {
      std::string dossier, unit, source, product, principal, method, guarantor,
          contact, reference, purpose, request_id;
      uint32_t term = 0, grace = 0;
    };
    auto state = std::make_shared<State>();
    CLI::App* disburse = loan->add_subcommand(
        "disburse",
        "Lend to a beneficiary with an active dossier from a unit's pool "
        "(放款); the monthly schedule is fixed now. Prints the loan id and the "
        "schedule (LedgerService.DisburseLoan, then QueryService.GetLoan for "
        "the schedule; --json prints the DisburseLoan reply)");
    disburse->add_option("--dossier", state->dossier, "dossier id, e.g. d17")
        ->required();
    disburse
        ->add_option("--unit", state->unit,
                     "lending unit code: the dossier's unit or one above it")
        ->required();
    AddFundSourceOption(*disburse, &state->source)->required();
    disburse
        ->add_option("--product", state->product,
                     "loan product code, e.g. startup")
        ->required()
        ->check(ProductCheck());
    AddYuanOption(*disburse, "--principal", &state->principal,
                  "principal (本金) in yuan")
        ->required();
    disburse
        ->add_option("--term", state->term,
                     "term in months (期限), grace included, 1..120")
        ->required()
        ->check(CLI::Range(1u, relief::kMaxLoanTermMonths));
    disburse
        ->add_option("--grace", state->grace,
                     "interest-only months at the start (宽限期), fewer than "
                     "--term (default 0)")
        ->check(CLI::Range(0u, relief::kMaxLoanTermMonths - 1));
    disburse
        ->add_option("--method", state->method,
                     absl::StrCat("repayment method: equal_principal 等额本金 "
                                  "or equal_installment 等额本息. ",
                                  RepaymentMethodChoices()))
        ->required()
        ->check(MethodCheck());
    auto* guarantor = disburse->add_option(
        "--guarantor", state->guarantor,
        "guaranteeing employer (担保单位), 1..100 characters");
    auto* contact =
        disburse->add_option("--guarantor-contact", state->contact,
                             "the guarantor's contact person and telephone");
    auto* reference =
        disburse->add_option("--guarantee-ref", state->reference,
                             "number of the guarantee letter (担保书编号)");
    guarantor->needs(contact)->needs(reference);
    contact->needs(guarantor);
    reference->needs(guarantor);
    disburse
        ->add_option("--purpose", state->purpose,
                     "what the money is for: the business plan (经营项目), "
                     "1..500 characters")
        ->required();
    AddRequestIdOption(*disburse, &state->request_id);
    disburse->callback([state, selected] {
      if (state->grace >= state->term) {
        throw CLI::ValidationError("--grace", "must be fewer than --term");
      }
      relief::v1::DisburseLoanRequest request;
      request.set_dossier_id(state->dossier);
      request.set_unit_code(state->unit);
      request.set_fund_source(*ParseFundSource(state->source));
      request.set_product(state->product);
      request.set_principal_fen(FenOf(state->principal));
      request.set_term_months(state->term);
      request.set_grace_months(state->grace);
      request.set_method(*ParseRepaymentMethod(state->method));
      if (!state->guarantor.empty()) {
        relief::v1::Guarantor& g = *request.mutable_guarantor();
        g.set_employer_name(state->guarantor);
        g.set_contact(state->contact);
        g.set_reference(state->reference);
      }
      request.set_purpose(state->purpose);
      *selected = [request, state](Session& session) {
        return RunDisburse(session, request, state->request_id);
      };
    });
  }
  {
    struct State {
      std::string loan, amount, date, payer, memo, request_id;
    };
    auto state = std::make_shared<State>();
    CLI::App* repay = loan->add_subcommand(
        "repay",
        "Record money paid back on a loan (还款): interest first, then "
        "principal, oldest due installment first; the rest prepays later "
        "principal. More than the payoff is refused. On a written-off loan "
        "it is a recovery (核销后收回) (LedgerService.RecordLoanRepayment)");
    repay->add_option("--loan", state->loan, kLoanIdHelp)->required();
    AddYuanOption(*repay, "--amount", &state->amount, "amount paid, yuan")
        ->required();
    repay
        ->add_option("--date", state->date,
                     "value date YYYY-MM-DD the money was paid (default: "
                     "today, China time)")
        ->check(DateCheck());
    repay
        ->add_option("--payer", state->payer,
                     "who paid (还款人): the borrower, the guarantor, ... "
                     "1..100 characters")
        ->required();
    repay->add_option("--memo", state->memo, "备注 (0..500 characters)");
    AddRequestIdOption(*repay, &state->request_id);
    repay->callback([state, selected] {
      relief::v1::RecordLoanRepaymentRequest request;
      request.set_loan_id(state->loan);
      request.set_amount_fen(FenOf(state->amount));
      request.set_value_date(DateOf(state->date));
      request.set_payer(state->payer);
      request.set_memo(state->memo);
      *selected = [request, state](Session& session) {
        return RunRepay(session, request, state->request_id);
      };
    });
  }
  {
    struct State {
      std::string loan, repayment, reason, request_id;
    };
    auto state = std::make_shared<State>();
    CLI::App* reverse = loan->add_subcommand(
        "reverse",
        "Reverse a bounced repayment (退票冲正): its allocation and postings "
        "are undone; the original stays in the log "
        "(LedgerService.ReverseLoanRepayment)");
    reverse->add_option("--loan", state->loan, kLoanIdHelp)->required();
    reverse
        ->add_option("--repayment", state->repayment,
                     "repayment id, e.g. r57 (loan show lists them)")
        ->required();
    reverse
        ->add_option("--reason", state->reason,
                     "why, for the record, e.g. 银行退票 (1..500 characters)")
        ->required();
    AddRequestIdOption(*reverse, &state->request_id);
    reverse->callback([state, selected] {
      relief::v1::ReverseLoanRepaymentRequest request;
      request.set_loan_id(state->loan);
      request.set_repayment_id(state->repayment);
      request.set_reason(state->reason);
      *selected = [request, state](Session& session) {
        return RunChange<relief::v1::ReverseLoanRepaymentRequest,
                         relief::v1::ReverseLoanRepaymentResponse>(
            session, request, state->request_id,
            [&session](grpc::ClientContext* context, const auto& r, auto* out) {
              return session.ledger().ReverseLoanRepayment(context, r, out);
            },
            absl::StrCat("reversed 冲正 repayment ", request.repayment_id(),
                         " of loan ", request.loan_id(), ": ",
                         request.reason()));
      };
    });
  }
  {
    struct State {
      std::string loan, reason, memo, request_id;
    };
    auto state = std::make_shared<State>();
    CLI::App* writeoff = loan->add_subcommand(
        "writeoff",
        "Propose writing off a loan's outstanding principal (拟核销) with a "
        "reason; another officer approves it with approve-writeoff. A later "
        "proposal replaces an earlier one "
        "(LedgerService.ProposeLoanWriteOff)");
    writeoff->add_option("--loan", state->loan, kLoanIdHelp)->required();
    writeoff
        ->add_option(
            "--reason", state->reason,
            absl::StrCat("reason code (核销原因): ", WriteOffReasonChoices()))
        ->required()
        ->check(CLI::Validator(
            [](std::string& value) -> std::string {
              if (ParseWriteOffReason(value)) return "";
              return absl::StrCat("unknown reason '", value,
                                  "'; expected one of ",
                                  WriteOffReasonChoices());
            },
            "REASON", "write-off reason"));
    writeoff->add_option("--memo", state->memo,
                         "备注 (0..500 characters); required with --reason "
                         "other");
    AddRequestIdOption(*writeoff, &state->request_id);
    writeoff->callback([state, selected] {
      const relief::v1::WriteOffReason reason =
          *ParseWriteOffReason(state->reason);
      if (reason == relief::v1::WRITE_OFF_REASON_OTHER &&
          absl::StripAsciiWhitespace(state->memo).empty()) {
        throw CLI::ValidationError("--memo",
                                   "is required with --reason other: say what");
      }
      relief::v1::ProposeLoanWriteOffRequest request;
      request.set_loan_id(state->loan);
      request.set_reason_code(reason);
      request.set_memo(state->memo);
      *selected = [request, state](Session& session) {
        return RunChange<relief::v1::ProposeLoanWriteOffRequest,
                         relief::v1::ProposeLoanWriteOffResponse>(
            session, request, state->request_id,
            [&session](grpc::ClientContext* context, const auto& r, auto* out) {
              return session.ledger().ProposeLoanWriteOff(context, r, out);
            },
            absl::StrCat("proposed the write-off 拟核销 of loan ",
                         request.loan_id(), ": ",
                         WriteOffReasonDisplay(request.reason_code()),
                         "; another officer approves it with reliefctl loan "
                         "approve-writeoff --loan ",
                         request.loan_id()));
      };
    });
  }
  {
    struct State {
      std::string loan, request_id;
    };
    auto state = std::make_shared<State>();
    CLI::App* approve = loan->add_subcommand(
        "approve-writeoff",
        "Approve the proposed write-off (核销): the outstanding principal "
        "moves to loan losses; not by the officer who proposed it "
        "(LedgerService.ApproveLoanWriteOff)");
    approve->add_option("--loan", state->loan, kLoanIdHelp)->required();
    AddRequestIdOption(*approve, &state->request_id);
    approve->callback([state, selected] {
      relief::v1::ApproveLoanWriteOffRequest request;
      request.set_loan_id(state->loan);
      *selected = [request, state](Session& session) {
        return RunChange<relief::v1::ApproveLoanWriteOffRequest,
                         relief::v1::ApproveLoanWriteOffResponse>(
            session, request, state->request_id,
            [&session](grpc::ClientContext* context, const auto& r, auto* out) {
              return session.ledger().ApproveLoanWriteOff(context, r, out);
            },
            absl::StrCat("wrote off 已核销 loan ", request.loan_id(),
                         ": its outstanding principal moved to loan losses"));
      };
    });
  }
  {
    struct State {
      std::string loan, start, method, reason, request_id;
      uint32_t term = 0;
    };
    auto state = std::make_shared<State>();
    CLI::App* reschedule = loan->add_subcommand(
        "reschedule",
        "Replace the schedule of the outstanding principal from a date on "
        "(展期/重组); unpaid due interest goes into the first installment; "
        "earlier schedules stay in the history (LedgerService.RescheduleLoan)");
    reschedule->add_option("--loan", state->loan, kLoanIdHelp)->required();
    reschedule
        ->add_option("--start", state->start,
                     "YYYY-MM-DD, today or later; installment k is due k "
                     "months after it")
        ->required()
        ->check(DateCheck());
    reschedule->add_option("--term", state->term, "new term in months, 1..120")
        ->required()
        ->check(CLI::Range(1u, relief::kMaxLoanTermMonths));
    reschedule
        ->add_option("--method", state->method,
                     absl::StrCat("repayment method (default: the loan's). ",
                                  RepaymentMethodChoices()))
        ->check(MethodCheck());
    reschedule
        ->add_option("--reason", state->reason,
                     "why, for the record (1..500 characters)")
        ->required();
    AddRequestIdOption(*reschedule, &state->request_id);
    reschedule->callback([state, selected] {
      relief::v1::RescheduleLoanRequest request;
      request.set_loan_id(state->loan);
      request.set_start_date(*ParseDate(state->start));
      request.set_term_months(state->term);
      if (!state->method.empty()) {
        request.set_method(*ParseRepaymentMethod(state->method));
      }
      request.set_reason(state->reason);
      *selected = [request, state](Session& session) {
        return RunChange<relief::v1::RescheduleLoanRequest,
                         relief::v1::RescheduleLoanResponse>(
            session, request, state->request_id,
            [&session](grpc::ClientContext* context, const auto& r, auto* out) {
              return session.ledger().RescheduleLoan(context, r, out);
            },
            absl::StrCat(
                "rescheduled 展期 loan ", request.loan_id(), " from ",
                FormatDate(request.start_date()), " over ",
                request.term_months(), " month(s), ",
                request.method() == relief::v1::REPAYMENT_METHOD_UNSPECIFIED
                    ? "the loan's method"
                    : RepaymentMethodDisplay(request.method()),
                ": ", request.reason()));
      };
    });
  }
  {
    struct State {
      std::string loan, as_of;
      uint64_t min_sequence = 0;
    };
    auto state = std::make_shared<State>();
    CLI::App* show = loan->add_subcommand(
        "show",
        "One loan as of a date: terms, status, days past due, outstanding, "
        "payoff, the schedule with paid and unpaid installments, repayments "
        "(reversed ones marked), earlier schedules (QueryService.GetLoan)");
    show->add_option("--loan", state->loan, kLoanIdHelp)->required();
    show->add_option("--as-of", state->as_of, kAsOfHelp)->check(DateCheck());
    AddMinSequenceOption(*show, &state->min_sequence);
    show->callback([state, selected] {
      relief::v1::GetLoanRequest request;
      request.set_loan_id(state->loan);
      request.set_as_of_date(DateOf(state->as_of));
      request.set_min_sequence(state->min_sequence);
      *selected = [request](Session& session) {
        return RunShow(session, request);
      };
    });
  }
  {
    struct State {
      BookOptions book;
      uint32_t page_size = 100;
    };
    auto state = std::make_shared<State>();
    CLI::App* list = loan->add_subcommand(
        "list",
        "The loan book (借款台账) of a unit or its subtree as of a date, "
        "following every page, then the totals and PAR30 "
        "(QueryService.ListLoans); --json prints one merged response");
    AddBookOptions(*list, &state->book);
    list->add_option("--page-size", state->page_size, "loans per RPC")
        ->capture_default_str()
        ->check(CLI::Range(1u, kMaxPageSize));
    list->callback([state, selected] {
      relief::v1::ListLoansRequest request;
      request.set_unit_code(state->book.unit);
      request.set_subtree(state->book.subtree);
      request.set_as_of_date(DateOf(state->book.as_of));
      request.set_page_size(state->page_size);
      request.set_min_sequence(state->book.min_sequence);
      *selected = [request](Session& session) {
        return RunList(session, request);
      };
    });
  }
  {
    auto state = std::make_shared<BookOptions>();
    CLI::App* aging = loan->add_subcommand(
        "aging",
        "Arrears aging (逾期账龄): loans and outstanding principal per bucket "
        "(current, 1–30, 31–90, 91–180, over 180 days past due) with their "
        "share, PAR30, and outstanding principal per guarantor "
        "(QueryService.ListLoans and GetGuarantorExposure); --json prints "
        "the loan book without its rows, then the exposure, one per line");
    AddBookOptions(*aging, state.get());
    aging->callback([state, selected] {
      relief::v1::ListLoansRequest request;
      request.set_unit_code(state->unit);
      request.set_subtree(state->subtree);
      request.set_as_of_date(DateOf(state->as_of));
      request.set_min_sequence(state->min_sequence);
      relief::v1::GetGuarantorExposureRequest exposure;
      exposure.set_unit_code(state->unit);
      exposure.set_subtree(state->subtree);
      exposure.set_as_of_date(DateOf(state->as_of));
      exposure.set_min_sequence(state->min_sequence);
      *selected = [request, exposure](Session& session) {
        return RunAging(session, request, exposure);
      };
    });
  }
  {
    struct State {
      BookOptions book;
      uint32_t days = 30;
    };
    auto state = std::make_shared<State>();
    CLI::App* due = loan->add_subcommand(
        "due",
        "The loan officer's worklist (催收清单): unpaid installments overdue "
        "on the date or due within --days days, oldest due first, with the "
        "guarantor to call (QueryService.ListLoansDue)");
    AddBookOptions(*due, &state->book);
    due->add_option("--days", state->days,
                    "also installments due within this many days, 0..366")
        ->capture_default_str()
        ->check(CLI::Range(0u, kMaxWithinDays));
    due->callback([state, selected] {
      relief::v1::ListLoansDueRequest request;
      request.set_unit_code(state->book.unit);
      request.set_subtree(state->book.subtree);
      request.set_as_of_date(DateOf(state->book.as_of));
      request.set_within_days(state->days);
      request.set_min_sequence(state->book.min_sequence);
      *selected = [request](Session& session) {
        return RunDue(session, request);
      };
    });
  }
}

}  // namespace reliefctl
