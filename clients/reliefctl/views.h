// Human text for the fund and dossier read models: pure functions from a
// QueryService response to the lines reliefctl prints, so the layout is
// tested without a server.
//
// Amounts are shown in yuan with two decimals and thousands separators
// ("1,500.50", FormatYuan), right-aligned. Headers carry the Chinese term
// beside the English one. A national ID is never an input here; dossiers
// show only the masked form the server returns.
#ifndef RELIEF_CLIENTS_RELIEFCTL_VIEWS_H_
#define RELIEF_CLIENTS_RELIEFCTL_VIEWS_H_

#include <string>
#include <string_view>

#include "relief/v1/query_service.pb.h"

namespace reliefctl {

// "1,500.50"; used for every amount reliefctl prints.
std::string Yuan(int64_t fen);

// Key/value block of one account's balance.
std::string RenderBalance(const relief::v1::GetBalanceResponse& response);

// One row per fund source plus a total row, then a line saying how many
// units were summed and the sequence it reflects.
std::string RenderFundSummary(
    const relief::v1::GetFundSummaryResponse& response,
    std::string_view unit_code, bool subtree);

// The postings of `account`, oldest first, from one or more merged pages.
std::string RenderStatement(const relief::v1::ListStatementResponse& merged,
                            std::string_view account);

std::string RenderMatching(const relief::v1::GetMatchingResponse& response);

// "active 在档" / "exited 已脱困".
std::string DossierStatusDisplay(const relief::v1::Dossier& dossier);
std::string RenderDossier(const relief::v1::GetDossierResponse& response);
std::string RenderDossierList(const relief::v1::ListDossiersResponse& merged);

}  // namespace reliefctl

#endif  // RELIEF_CLIENTS_RELIEFCTL_VIEWS_H_
