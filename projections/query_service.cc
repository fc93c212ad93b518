#include "projections/query_service.h"

#include <algorithm>
#include <cstdlib>
#include <map>

#include "absl/strings/numbers.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "ledger/domain/accounts.h"
#include "ledger/domain/dossiers.h"
#include "ledger/domain/grants.h"
#include "ledger/domain/loans.h"
#include "ledger/store/sha256.h"
#include "projections/funds_asof.h"
#include "ledger/domain/limits.h"
#include "ledger/domain/rejection.h"
#include "ledger/domain/validation.h"

namespace relief {
namespace {

// `date` (yyyymmdd) or, if 0, today in China time.
absl::StatusOr<int> BusinessDate(int date) {
  if (date == 0) {
    return DateOf(absl::ToUnixMicros(absl::Now()));
  }
  if (!IsBusinessDate(date)) {
    return InvalidArgument(v1::FIELD_INVALID,
                           absl::StrCat("as_of_date ", date, " is not a real "
                                        "date yyyymmdd in 2000..2100 (0 = "
                                        "today)"));
  }
  return date;
}

bool LoanActive(const v1::Loan& loan) {
  return loan.status() == v1::LOAN_STATUS_CURRENT ||
         loan.status() == v1::LOAN_STATUS_OVERDUE;
}

uint32_t PageSize(uint32_t requested) {
  if (requested == 0) return limits::kDefaultPageSize;
  return std::min(requested, limits::kMaxPageSize);
}

}  // namespace

absl::StatusOr<uint64_t> QueryServiceImpl::Begin(grpc::ServerContext* context,
                                                 uint64_t min_sequence) {
  auto principal = directory_->Authenticate(*context);
  if (!principal.ok()) return principal.status();
  if (absl::Status h = runner_->health(); !h.ok()) {
    return Reject(absl::StatusCode::kUnavailable, v1::PROJECTIONS_STOPPED,
                  absl::StrCat("the read models are stopped (", h.message(),
                               "); the log is intact. An operator must fix "
                               "the cause and restart reliefd"));
  }
  const uint64_t head = writer_->Status().head.sequence;
  if (min_sequence > head) {
    return Reject(absl::StatusCode::kOutOfRange,
                  v1::MIN_SEQUENCE_NOT_REACHED,
                  absl::StrCat("min_sequence ", min_sequence,
                               " is beyond the log head ", head));
  }
  absl::Time deadline = std::min(
      absl::FromChrono(context->deadline()),
      absl::Now() + absl::Milliseconds(limits::kMaxMinSequenceWaitMillis));
  uint64_t reached = runner_->WaitFor(min_sequence, deadline);
  if (reached < min_sequence) {
    return Reject(absl::StatusCode::kDeadlineExceeded,
                  v1::MIN_SEQUENCE_NOT_REACHED,
                  absl::StrCat("the read model reached sequence ", reached,
                               " but not min_sequence ", min_sequence,
                               " before the deadline; retry"));
  }
  return reached;
}

grpc::Status QueryServiceImpl::GetOrgUnit(grpc::ServerContext* context,
                                          const v1::GetOrgUnitRequest* request,
                                          v1::GetOrgUnitResponse* response) {
  auto at = Begin(context, request->min_sequence());
  if (!at.ok()) return ToGrpcStatus(at.status(), context);
  if (auto s = ValidateOrgCode("code", request->code()); !s.ok()) {
    return ToGrpcStatus(s, context);
  }
  auto unit = org_units_.Get(request->code());
  if (!unit.ok()) return ToGrpcStatus(unit.status(), context);
  *response->mutable_unit() = *std::move(unit);
  response->set_as_of_sequence(*at);
  return grpc::Status::OK;
}

grpc::Status QueryServiceImpl::ListOrgUnits(
    grpc::ServerContext* context, const v1::ListOrgUnitsRequest* request,
    v1::ListOrgUnitsResponse* response) {
  auto at = Begin(context, request->min_sequence());
  if (!at.ok()) return ToGrpcStatus(at.status(), context);
  if (!request->under_code().empty()) {
    if (auto s = ValidateOrgCode("under_code", request->under_code());
        !s.ok()) {
      return ToGrpcStatus(s, context);
    }
    if (auto unit = org_units_.Get(request->under_code()); !unit.ok()) {
      return ToGrpcStatus(unit.status(), context);
    }
  }
  if (!request->page_token().empty()) {
    if (auto s = ValidateOrgCode("page_token", request->page_token());
        !s.ok()) {
      return ToGrpcStatus(s, context);
    }
  }
  std::string next;
  auto units = org_units_.List(request->under_code(),
                               request->include_inactive(),
                               request->page_token(),
                               PageSize(request->page_size()), &next);
  if (!units.ok()) return ToGrpcStatus(units.status(), context);
  for (auto& unit : *units) *response->add_units() = std::move(unit);
  response->set_next_page_token(next);
  response->set_as_of_sequence(*at);
  return grpc::Status::OK;
}

grpc::Status QueryServiceImpl::GetBalance(grpc::ServerContext* context,
                                          const v1::GetBalanceRequest* request,
                                          v1::GetBalanceResponse* response) {
  auto at = Begin(context, request->min_sequence());
  if (!at.ok()) return ToGrpcStatus(at.status(), context);
  if (auto id = ParseAccountName(request->account()); !id.ok()) {
    return ToGrpcStatus(id.status(), context);
  }
  if (request->has_as_of()) {
    // From the log, with the read model's own rules (funds_asof.h).
    auto point = ResolveLogPoint(*log_, request->as_of(),
                                 writer_->Status().head.sequence, "as_of");
    if (!point.ok()) return ToGrpcStatus(point.status(), context);
    FundsFold::Options options;
    options.only_account = request->account();
    options.summaries = false;
    FundsFold fold(options);
    if (auto s = fold.Run(*log_, point->sequence); !s.ok()) {
      return ToGrpcStatus(s, context);
    }
    const v1::AccountBalance* balance = fold.Balance(request->account());
    if (balance == nullptr) {
      return ToGrpcStatus(
          NotFound(v1::ACCOUNT_NOT_FOUND,
                   absl::StrCat("account ", request->account(),
                                " had not moved money as of sequence ",
                                point->sequence)),
          context);
    }
    *response->mutable_balance() = *balance;
    response->set_as_of_sequence(point->sequence);
    return grpc::Status::OK;
  }
  auto balance = funds_.Balance(request->account());
  if (!balance.ok()) return ToGrpcStatus(balance.status(), context);
  *response->mutable_balance() = *std::move(balance);
  response->set_as_of_sequence(*at);
  return grpc::Status::OK;
}

grpc::Status QueryServiceImpl::GetFundSummary(
    grpc::ServerContext* context, const v1::GetFundSummaryRequest* request,
    v1::GetFundSummaryResponse* response) {
  auto at = Begin(context, request->min_sequence());
  if (!at.ok()) return ToGrpcStatus(at.status(), context);
  if (auto s = ValidateOrgCode("unit_code", request->unit_code()); !s.ok()) {
    return ToGrpcStatus(s, context);
  }
  if (request->has_as_of()) {
    // From the log, with the read model's own rules (funds_asof.h); the
    // units are those registered by then.
    auto point = ResolveLogPoint(*log_, request->as_of(),
                                 writer_->Status().head.sequence, "as_of");
    if (!point.ok()) return ToGrpcStatus(point.status(), context);
    FundsFold::Options options;
    options.balances = false;
    FundsFold fold(options);
    if (auto s = fold.Run(*log_, point->sequence); !s.ok()) {
      return ToGrpcStatus(s, context);
    }
    if (!fold.HasUnit(request->unit_code())) {
      return ToGrpcStatus(
          NotFound(v1::ORG_UNIT_NOT_FOUND,
                   absl::StrCat("unit '", request->unit_code(),
                                "' was not registered as of sequence ",
                                point->sequence)),
          context);
    }
    const std::vector<std::string> codes =
        fold.UnitsOf(request->unit_code(), request->subtree());
    auto rows = fold.Summary(codes, request->unit_code());
    if (!rows.ok()) return ToGrpcStatus(rows.status(), context);
    for (auto& row : *rows) *response->add_rows() = std::move(row);
    response->set_units(static_cast<uint32_t>(codes.size()));
    response->set_as_of_sequence(point->sequence);
    return grpc::Status::OK;
  }
  if (auto unit = org_units_.Get(request->unit_code()); !unit.ok()) {
    return ToGrpcStatus(unit.status(), context);
  }
  auto codes = UnitsOf(request->unit_code(), request->subtree());
  if (!codes.ok()) return ToGrpcStatus(codes.status(), context);
  auto rows = funds_.Summary(*codes, request->unit_code());
  if (!rows.ok()) return ToGrpcStatus(rows.status(), context);
  for (auto& row : *rows) *response->add_rows() = std::move(row);
  response->set_units(static_cast<uint32_t>(codes->size()));
  response->set_as_of_sequence(*at);
  return grpc::Status::OK;
}

grpc::Status QueryServiceImpl::ListStatement(
    grpc::ServerContext* context, const v1::ListStatementRequest* request,
    v1::ListStatementResponse* response) {
  auto at = Begin(context, request->min_sequence());
  if (!at.ok()) return ToGrpcStatus(at.status(), context);
  if (auto id = ParseAccountName(request->account()); !id.ok()) {
    return ToGrpcStatus(id.status(), context);
  }
  if (auto balance = funds_.Balance(request->account()); !balance.ok()) {
    return ToGrpcStatus(balance.status(), context);
  }
  std::string next;
  auto entries = funds_.Statement(request->account(), request->page_token(),
                                  PageSize(request->page_size()), &next);
  if (!entries.ok()) return ToGrpcStatus(entries.status(), context);
  for (auto& e : *entries) *response->add_entries() = std::move(e);
  response->set_next_page_token(next);
  response->set_as_of_sequence(*at);
  return grpc::Status::OK;
}

grpc::Status QueryServiceImpl::GetMatching(grpc::ServerContext* context,
                                           const v1::GetMatchingRequest* request,
                                           v1::GetMatchingResponse* response) {
  auto at = Begin(context, request->min_sequence());
  if (!at.ok()) return ToGrpcStatus(at.status(), context);
  if (!request->unit_code().empty()) {
    if (auto s = ValidateOrgCode("unit_code", request->unit_code()); !s.ok()) {
      return ToGrpcStatus(s, context);
    }
    if (auto unit = org_units_.Get(request->unit_code()); !unit.ok()) {
      return ToGrpcStatus(unit.status(), context);
    }
  }
  if (request->year() != 0 &&
      (request->year() < 2000 || request->year() > 2100)) {
    return ToGrpcStatus(InvalidArgument(v1::YEAR_INVALID,
                                        "year must be 0 (all) or 2000..2100"),
                        context);
  }
  auto rows = funds_.Matching(request->unit_code(), request->year());
  if (!rows.ok()) return ToGrpcStatus(rows.status(), context);
  for (auto& row : *rows) *response->add_rows() = std::move(row);
  response->set_as_of_sequence(*at);
  return grpc::Status::OK;
}

namespace {
// Names, contacts and aid of people in hardship are for those who work
// with them or audit that work, not for every service or administrator.
absl::Status RequirePersonalDataRole(const PrincipalDirectory* directory,
                                     grpc::ServerContext* context) {
  auto principal = directory->Authenticate(*context);
  if (!principal.ok()) return principal.status();
  return PrincipalDirectory::Require(
      *principal,
      {v1::ROLE_FINANCE_OFFICER, v1::ROLE_LOAN_OFFICER, v1::ROLE_AUDITOR},
      "read beneficiaries' personal data");
}
}  // namespace

grpc::Status QueryServiceImpl::GetDossier(grpc::ServerContext* context,
                                          const v1::GetDossierRequest* request,
                                          v1::GetDossierResponse* response) {
  if (auto s = RequirePersonalDataRole(directory_, context); !s.ok()) {
    return ToGrpcStatus(s, context);
  }
  auto at = Begin(context, request->min_sequence());
  if (!at.ok()) return ToGrpcStatus(at.status(), context);
  if (request->dossier_id().empty() == request->national_id().empty()) {
    return ToGrpcStatus(InvalidArgument(v1::FIELD_INVALID,
                                        "give either dossier_id or "
                                        "national_id"),
                        context);
  }
  absl::StatusOr<v1::Dossier> dossier;
  if (!request->national_id().empty()) {
    if (auto s = ValidateNationalId(request->national_id()); !s.ok()) {
      return ToGrpcStatus(s, context);
    }
    dossier = dossiers_.GetByIdHash(HmacSha256(
        national_id_key_, CanonicalNationalId(request->national_id())));
  } else {
    dossier = dossiers_.Get(request->dossier_id());
  }
  if (!dossier.ok()) return ToGrpcStatus(dossier.status(), context);
  *response->mutable_dossier() = *std::move(dossier);
  response->set_as_of_sequence(*at);
  return grpc::Status::OK;
}

grpc::Status QueryServiceImpl::ListDossiers(
    grpc::ServerContext* context, const v1::ListDossiersRequest* request,
    v1::ListDossiersResponse* response) {
  if (auto s = RequirePersonalDataRole(directory_, context); !s.ok()) {
    return ToGrpcStatus(s, context);
  }
  auto at = Begin(context, request->min_sequence());
  if (!at.ok()) return ToGrpcStatus(at.status(), context);
  if (auto s = ValidateOrgCode("unit_code", request->unit_code()); !s.ok()) {
    return ToGrpcStatus(s, context);
  }
  if (auto unit = org_units_.Get(request->unit_code()); !unit.ok()) {
    return ToGrpcStatus(unit.status(), context);
  }
  std::string next;
  auto dossiers = dossiers_.List(request->unit_code(), request->subtree(),
                                 request->include_exited(),
                                 request->page_token(),
                                 PageSize(request->page_size()), &next);
  if (!dossiers.ok()) return ToGrpcStatus(dossiers.status(), context);
  for (auto& d : *dossiers) *response->add_dossiers() = std::move(d);
  response->set_next_page_token(next);
  response->set_as_of_sequence(*at);
  return grpc::Status::OK;
}

absl::StatusOr<std::vector<std::string>> QueryServiceImpl::UnitsOf(
    absl::string_view code, bool subtree) const {
  if (auto s = ValidateOrgCode("unit_code", code); !s.ok()) return s;
  if (auto unit = org_units_.Get(code); !unit.ok()) return unit.status();
  std::vector<std::string> codes;
  if (!subtree) {
    codes.emplace_back(code);
    return codes;
  }
  std::string token, next;
  do {
    auto page = org_units_.List(code, true, token, limits::kMaxPageSize, &next);
    if (!page.ok()) return page.status();
    for (const auto& unit : *page) codes.push_back(unit.code());
    token = next;
  } while (!token.empty());
  return codes;
}

grpc::Status QueryServiceImpl::GetAidHistory(
    grpc::ServerContext* context, const v1::GetAidHistoryRequest* request,
    v1::GetAidHistoryResponse* response) {
  if (auto s = RequirePersonalDataRole(directory_, context); !s.ok()) {
    return ToGrpcStatus(s, context);
  }
  auto at = Begin(context, request->min_sequence());
  if (!at.ok()) return ToGrpcStatus(at.status(), context);
  auto dossier = dossiers_.Get(request->dossier_id());
  if (!dossier.ok()) return ToGrpcStatus(dossier.status(), context);
  auto entries = grants_.History(request->dossier_id());
  if (!entries.ok()) return ToGrpcStatus(entries.status(), context);
  *response->mutable_dossier() = *std::move(dossier);
  for (auto& e : *entries) *response->add_entries() = std::move(e);
  response->set_as_of_sequence(*at);
  return grpc::Status::OK;
}

grpc::Status QueryServiceImpl::ListPublicNotice(
    grpc::ServerContext* context, const v1::ListPublicNoticeRequest* request,
    v1::ListPublicNoticeResponse* response) {
  if (auto s = RequirePersonalDataRole(directory_, context); !s.ok()) {
    return ToGrpcStatus(s, context);
  }
  auto at = Begin(context, request->min_sequence());
  if (!at.ok()) return ToGrpcStatus(at.status(), context);
  if (!request->program().empty()) {
    if (auto s = ValidateProgramCode(request->program()); !s.ok()) {
      return ToGrpcStatus(s, context);
    }
  }
  auto units = UnitsOf(request->unit_code(), request->subtree());
  if (!units.ok()) return ToGrpcStatus(units.status(), context);
  auto grants = grants_.PublicNotice(*units, request->program());
  if (!grants.ok()) return ToGrpcStatus(grants.status(), context);
  for (auto& g : *grants) *response->add_grants() = std::move(g);
  response->set_as_of_sequence(*at);
  return grpc::Status::OK;
}

grpc::Status QueryServiceImpl::GetProgramReport(
    grpc::ServerContext* context, const v1::GetProgramReportRequest* request,
    v1::GetProgramReportResponse* response) {
  auto at = Begin(context, request->min_sequence());
  if (!at.ok()) return ToGrpcStatus(at.status(), context);
  if (!request->program().empty()) {
    if (auto s = ValidateProgramCode(request->program()); !s.ok()) {
      return ToGrpcStatus(s, context);
    }
  }
  if (request->year() != 0 &&
      (request->year() < 2000 || request->year() > 2100)) {
    return ToGrpcStatus(InvalidArgument(v1::YEAR_INVALID,
                                        "year must be 0 (all) or 2000..2100"),
                        context);
  }
  auto units = UnitsOf(request->unit_code(), request->subtree());
  if (!units.ok()) return ToGrpcStatus(units.status(), context);
  auto rows = grants_.Report(*units, request->program(), request->year());
  if (!rows.ok()) return ToGrpcStatus(rows.status(), context);
  for (auto& r : *rows) *response->add_rows() = std::move(r);
  response->set_units(static_cast<uint32_t>(units->size()));
  response->set_as_of_sequence(*at);
  return grpc::Status::OK;
}

grpc::Status QueryServiceImpl::GetGrant(grpc::ServerContext* context,
                                        const v1::GetGrantRequest* request,
                                        v1::GetGrantResponse* response) {
  if (auto s = RequirePersonalDataRole(directory_, context); !s.ok()) {
    return ToGrpcStatus(s, context);
  }
  auto at = Begin(context, request->min_sequence());
  if (!at.ok()) return ToGrpcStatus(at.status(), context);
  auto grant = grants_.Get(request->grant_id());
  if (!grant.ok()) return ToGrpcStatus(grant.status(), context);
  *response->mutable_grant() = *std::move(grant);
  response->set_as_of_sequence(*at);
  return grpc::Status::OK;
}

grpc::Status QueryServiceImpl::GetLoan(grpc::ServerContext* context,
                                       const v1::GetLoanRequest* request,
                                       v1::GetLoanResponse* response) {
  if (auto s = RequirePersonalDataRole(directory_, context); !s.ok()) {
    return ToGrpcStatus(s, context);
  }
  auto at = Begin(context, request->min_sequence());
  if (!at.ok()) return ToGrpcStatus(at.status(), context);
  if (auto s = ValidateSequenceId("loan_id", 'l', request->loan_id(),
                                  "DisburseLoan");
      !s.ok()) {
    return ToGrpcStatus(s, context);
  }
  auto date = BusinessDate(request->as_of_date());
  if (!date.ok()) return ToGrpcStatus(date.status(), context);
  auto loan = loans_.Get(request->loan_id());
  if (!loan.ok()) return ToGrpcStatus(loan.status(), context);
  if (*date < loan->disbursed().disbursed_date()) {
    return ToGrpcStatus(
        InvalidArgument(
            v1::FIELD_INVALID,
            absl::StrCat("loan ", request->loan_id(), " was disbursed on ",
                         loan->disbursed().disbursed_date(),
                         "; as_of_date ", *date, " is before it")),
        context);
  }
  *response->mutable_loan() = LoanAsOf(*loan, *date);
  response->set_as_of_sequence(*at);
  return grpc::Status::OK;
}

absl::StatusOr<std::vector<v1::Loan>> QueryServiceImpl::LoansAsOf(
    grpc::ServerContext* context, absl::string_view unit_code, bool subtree,
    int* date, uint64_t min_sequence, uint64_t* at) {
  RELIEF_RETURN_IF_ERROR(RequirePersonalDataRole(directory_, context));
  auto reached = Begin(context, min_sequence);
  if (!reached.ok()) return reached.status();
  *at = *reached;
  auto business_date = BusinessDate(*date);
  if (!business_date.ok()) return business_date.status();
  *date = *business_date;
  auto codes = UnitsOf(unit_code, subtree);
  if (!codes.ok()) return codes.status();
  auto loans = loans_.OfUnits(*codes);
  if (!loans.ok()) return loans.status();
  std::vector<v1::Loan> out;
  for (const auto& loan : *loans) {
    if (loan.disbursed().disbursed_date() > *date) continue;
    out.push_back(LoanAsOf(loan, *date));
  }
  return out;
}

grpc::Status QueryServiceImpl::ListLoans(grpc::ServerContext* context,
                                         const v1::ListLoansRequest* request,
                                         v1::ListLoansResponse* response) {
  int date = request->as_of_date();
  uint64_t at = 0;
  auto loans = LoansAsOf(context, request->unit_code(), request->subtree(),
                         &date, request->min_sequence(), &at);
  if (!loans.ok()) return ToGrpcStatus(loans.status(), context);
  // The page: loans after the one whose disbursement sequence is the token.
  uint64_t after = 0;
  if (!request->page_token().empty() &&
      !absl::SimpleAtoi(request->page_token(), &after)) {
    return ToGrpcStatus(
        InvalidArgument(v1::FIELD_INVALID,
                        "page_token is not one this service returned"),
        context);
  }
  const uint32_t limit = PageSize(request->page_size());
  v1::LoanBook* book = response->mutable_book();
  std::vector<v1::AgingRow> aging(5);
  for (int b = 0; b < 5; ++b) {
    aging[b].set_bucket(static_cast<v1::AgingBucket>(b + 1));
  }
  int64_t outstanding = 0, par30 = 0;
  for (const v1::Loan& loan : *loans) {
    const uint64_t seq = static_cast<uint64_t>(
        std::strtoull(loan.terms().loan_id().c_str() + 1, nullptr, 10));
    book->set_loans(book->loans() + 1);
    book->set_disbursed_fen(book->disbursed_fen() + loan.terms().principal_fen());
    book->set_repaid_principal_fen(book->repaid_principal_fen() +
                                   loan.principal_repaid_fen());
    book->set_interest_paid_fen(book->interest_paid_fen() +
                                loan.interest_paid_fen());
    book->set_written_off_fen(book->written_off_fen() + loan.written_off_fen());
    book->set_recovered_fen(book->recovered_fen() + loan.recovered_fen());
    if (LoanActive(loan)) {
      book->set_active_loans(book->active_loans() + 1);
      outstanding += loan.outstanding_principal_fen();
      v1::AgingRow& row = aging[static_cast<int>(loan.bucket()) - 1];
      row.set_loans(row.loans() + 1);
      row.set_outstanding_principal_fen(row.outstanding_principal_fen() +
                                        loan.outstanding_principal_fen());
      if (loan.days_past_due() > 30) par30 += loan.outstanding_principal_fen();
    }
    if (seq > after && static_cast<uint32_t>(response->loans_size()) < limit) {
      *response->add_loans() = SummaryOf(loan);
    } else if (seq > after && response->next_page_token().empty()) {
      response->set_next_page_token(absl::StrCat(
          response->loans(response->loans_size() - 1).loan_id().substr(1)));
    }
  }
  book->set_outstanding_principal_fen(outstanding);
  for (auto& row : aging) *book->add_aging() = std::move(row);
  book->set_par30_principal_fen(par30);
  if (outstanding > 0) {
    const __int128 bp = (static_cast<__int128>(par30) * 10000 * 2 + outstanding) /
                        (static_cast<__int128>(outstanding) * 2);
    book->set_par30_bp(static_cast<uint32_t>(bp));
  }
  response->set_as_of_date(date);
  response->set_as_of_sequence(at);
  return grpc::Status::OK;
}

grpc::Status QueryServiceImpl::GetGuarantorExposure(
    grpc::ServerContext* context, const v1::GetGuarantorExposureRequest* request,
    v1::GetGuarantorExposureResponse* response) {
  int date = request->as_of_date();
  uint64_t at = 0;
  auto loans = LoansAsOf(context, request->unit_code(), request->subtree(),
                         &date, request->min_sequence(), &at);
  if (!loans.ok()) return ToGrpcStatus(loans.status(), context);
  std::map<std::string, v1::GuarantorExposure> by_name;
  for (const v1::Loan& loan : *loans) {
    if (!LoanActive(loan)) continue;
    std::string name = loan.terms().guarantor().employer_name();
    if (name.empty()) name = "(无担保 no guarantor)";
    v1::GuarantorExposure& g = by_name[name];
    g.set_employer_name(name);
    g.set_loans(g.loans() + 1);
    g.set_outstanding_principal_fen(g.outstanding_principal_fen() +
                                    loan.outstanding_principal_fen());
    if (loan.days_past_due() > 0) {
      g.set_overdue_principal_fen(g.overdue_principal_fen() +
                                  loan.outstanding_principal_fen());
    }
  }
  std::vector<v1::GuarantorExposure> rows;
  for (auto& [name, g] : by_name) rows.push_back(std::move(g));
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return a.outstanding_principal_fen() > b.outstanding_principal_fen();
  });
  for (auto& row : rows) *response->add_guarantors() = std::move(row);
  response->set_as_of_date(date);
  response->set_as_of_sequence(at);
  return grpc::Status::OK;
}

grpc::Status QueryServiceImpl::ListLoansDue(
    grpc::ServerContext* context, const v1::ListLoansDueRequest* request,
    v1::ListLoansDueResponse* response) {
  int date = request->as_of_date();
  uint64_t at = 0;
  auto loans = LoansAsOf(context, request->unit_code(), request->subtree(),
                         &date, request->min_sequence(), &at);
  if (!loans.ok()) return ToGrpcStatus(loans.status(), context);
  if (request->within_days() > 366) {
    return ToGrpcStatus(InvalidArgument(v1::FIELD_INVALID,
                                        "within_days must be 0..366"),
                        context);
  }
  const int horizon = AddDays(date, static_cast<int>(request->within_days()));
  std::vector<v1::DueInstallment> rows;
  for (const v1::Loan& loan : *loans) {
    if (!LoanActive(loan)) continue;
    const v1::LoanDisbursed& d = loan.terms();
    for (const auto& i : loan.schedule().installments()) {
      const int64_t owed = i.principal_fen() - i.principal_paid_fen() +
                           i.interest_fen() - i.interest_paid_fen();
      if (owed == 0 || i.due_date() > horizon) continue;
      v1::DueInstallment& row = rows.emplace_back();
      row.set_loan_id(d.loan_id());
      row.set_dossier_id(d.dossier_id());
      row.set_borrower_name(d.borrower_name());
      row.set_unit_code(d.unit_code());
      row.set_number(i.number());
      row.set_due_date(i.due_date());
      row.set_principal_due_fen(i.principal_fen() - i.principal_paid_fen());
      row.set_interest_due_fen(i.interest_fen() - i.interest_paid_fen());
      row.set_days_past_due(std::max(0, DaysBetween(i.due_date(), date)));
      row.set_guarantor(d.guarantor().employer_name());
      row.set_guarantor_contact(d.guarantor().contact());
    }
  }
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return a.due_date() < b.due_date();
  });
  for (auto& row : rows) *response->add_installments() = std::move(row);
  response->set_as_of_date(date);
  response->set_as_of_sequence(at);
  return grpc::Status::OK;
}

grpc::Status QueryServiceImpl::ListLoanProducts(
    grpc::ServerContext* context, const v1::ListLoanProductsRequest* request,
    v1::ListLoanProductsResponse* response) {
  auto at = Begin(context, request->min_sequence());
  if (!at.ok()) return ToGrpcStatus(at.status(), context);
  auto products = loans_.Products();
  if (!products.ok()) return ToGrpcStatus(products.status(), context);
  for (const auto& product : *products) {
    for (const auto& version : product.versions()) {
      *response->add_products() = version;
    }
  }
  response->set_as_of_sequence(*at);
  return grpc::Status::OK;
}

grpc::Status QueryServiceImpl::ListPrincipals(
    grpc::ServerContext* context, const v1::ListPrincipalsRequest* request,
    v1::ListPrincipalsResponse* response) {
  auto principal = directory_->Authenticate(*context);
  if (!principal.ok()) return ToGrpcStatus(principal.status(), context);
  if (auto s = PrincipalDirectory::Require(
          *principal, {v1::ROLE_ADMIN, v1::ROLE_AUDITOR}, "list principals");
      !s.ok()) {
    return ToGrpcStatus(s, context);
  }
  for (auto& p : directory_->List()) *response->add_principals() = std::move(p);
  response->set_as_of_sequence(writer_->Status().head.sequence);
  return grpc::Status::OK;
}

grpc::Status QueryServiceImpl::GetStatus(grpc::ServerContext* context,
                                         const v1::GetStatusRequest* request,
                                         v1::GetStatusResponse* response) {
  auto principal = directory_->Authenticate(*context);
  if (!principal.ok()) return ToGrpcStatus(principal.status(), context);
  WriterStatus status = writer_->Status();
  response->set_head_sequence(status.head.sequence);
  response->set_head_hash(status.head.hash);
  switch (status.phase) {
    case WriterStatus::Phase::kRunning:
      response->set_writer_state(v1::WRITER_STATE_RUNNING);
      break;
    case WriterStatus::Phase::kFailed:
      response->set_writer_state(v1::WRITER_STATE_FAILED);
      response->set_writer_error(std::string(status.error.message()));
      break;
    default:
      response->set_writer_state(v1::WRITER_STATE_STOPPING);
  }
  response->set_queue_depth(static_cast<uint32_t>(status.queue_depth_commands));
  response->set_queue_capacity(
      static_cast<uint32_t>(status.queue_capacity_commands));
  for (const auto& c : runner_->checkpoints()) {
    auto* p = response->add_projections();
    p->set_name(c.name);
    p->set_checkpoint_sequence(c.sequence);
  }
  response->set_snapshot_sequence(status.snapshot_sequence);
  response->set_principal(principal->name);
  for (v1::Role role : principal->roles) response->add_roles(role);
  response->set_server_time_unix_micros(absl::ToUnixMicros(absl::Now()));
  return grpc::Status::OK;
}

grpc::Status QueryServiceImpl::GetMetrics(grpc::ServerContext* context,
                                          const v1::GetMetricsRequest* request,
                                          v1::GetMetricsResponse* response) {
  auto principal = directory_->Authenticate(*context);
  if (!principal.ok()) return ToGrpcStatus(principal.status(), context);
  if (auto s = PrincipalDirectory::Require(
          *principal, {v1::ROLE_ADMIN, v1::ROLE_AUDITOR, v1::ROLE_SERVICE},
          "read the server's metrics");
      !s.ok()) {
    return ToGrpcStatus(s, context);
  }
  if (metrics_ != nullptr) metrics_->ToProto(response);
  const WriterStatus status = writer_->Status();
  const WriterMetrics writer = writer_->Metrics();
  HistogramToProto(writer.group_commands,
                   response->mutable_writer_group_commands());
  HistogramToProto(writer.write_micros,
                   response->mutable_writer_write_micros());
  response->set_writer_groups_committed(status.groups_committed);
  response->set_events_appended(writer.events_appended);
  response->set_snapshots_written(writer.snapshots_written);
  response->set_queue_depth(
      static_cast<uint32_t>(status.queue_depth_commands));
  response->set_queue_depth_max(
      static_cast<uint32_t>(status.queue_max_commands));
  response->set_queue_capacity(
      static_cast<uint32_t>(status.queue_capacity_commands));
  response->set_head_sequence(status.head.sequence);
  uint64_t largest_lag = 0;
  for (const auto& c : runner_->checkpoints()) {
    v1::ProjectionLag* p = response->add_projections();
    p->set_name(c.name);
    p->set_checkpoint_sequence(c.sequence);
    const uint64_t lag =
        status.head.sequence > c.sequence ? status.head.sequence - c.sequence
                                          : 0;
    p->set_lag_events(lag);
    largest_lag = std::max(largest_lag, lag);
  }
  response->set_projection_lag_events(largest_lag);
  response->set_server_time_unix_micros(absl::ToUnixMicros(absl::Now()));
  return grpc::Status::OK;
}

grpc::Status AuditServiceImpl::ListEvents(grpc::ServerContext* context,
                                          const v1::ListEventsRequest* request,
                                          v1::ListEventsResponse* response) {
  auto principal = directory_->Authenticate(*context);
  if (!principal.ok()) return ToGrpcStatus(principal.status(), context);
  if (auto s = PrincipalDirectory::Require(
          *principal, {v1::ROLE_ADMIN, v1::ROLE_AUDITOR, v1::ROLE_SERVICE},
          "read the event log");
      !s.ok()) {
    return ToGrpcStatus(s, context);
  }
  auto head = log_->ReadHead();
  if (!head.ok()) return ToGrpcStatus(head.status(), context);
  absl::Status s = log_->List(
      request->after_sequence(), request->before_sequence(),
      request->newest_first(), PageSize(request->page_size()),
      [&](v1::EventEnvelope e) { *response->add_events() = std::move(e); });
  if (!s.ok()) return ToGrpcStatus(s, context);
  response->set_head_sequence(head->sequence);
  return grpc::Status::OK;
}

grpc::Status AuditServiceImpl::VerifyChain(
    grpc::ServerContext* context, const v1::VerifyChainRequest* request,
    v1::VerifyChainResponse* response) {
  auto principal = directory_->Authenticate(*context);
  if (!principal.ok()) return ToGrpcStatus(principal.status(), context);
  if (auto s = PrincipalDirectory::Require(
          *principal, {v1::ROLE_ADMIN, v1::ROLE_AUDITOR}, "verify the chain");
      !s.ok()) {
    return ToGrpcStatus(s, context);
  }
  VerifyReport report = log_->Verify();
  response->set_ok(report.ok);
  response->set_verified_through_sequence(report.verified_through);
  response->set_first_bad_sequence(report.first_bad_sequence);
  response->set_problem(report.problem);
  response->set_head_sequence(report.head.sequence);
  response->set_head_hash(report.head.hash);
  return grpc::Status::OK;
}

}  // namespace relief
