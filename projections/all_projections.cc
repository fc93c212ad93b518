#include "projections/all_projections.h"

#include "projections/dossiers_projection.h"
#include "projections/funds_projections.h"
#include "projections/grants_projection.h"
#include "projections/loans_projection.h"
#include "projections/org_units_projection.h"
#include "projections/samples_projection.h"

namespace relief {

std::vector<std::unique_ptr<Projection>> AllProjections() {
  std::vector<std::unique_ptr<Projection>> projections;
  projections.push_back(std::make_unique<OrgUnitsProjection>());
  projections.push_back(std::make_unique<AccountsProjection>());
  projections.push_back(std::make_unique<FundSummaryProjection>());
  projections.push_back(std::make_unique<MatchingProjection>());
  projections.push_back(std::make_unique<DossiersProjection>());
  projections.push_back(std::make_unique<GrantsProjection>());
  projections.push_back(std::make_unique<LoansProjection>());
  projections.push_back(std::make_unique<SamplesProjection>());
  return projections;
}

}  // namespace relief
