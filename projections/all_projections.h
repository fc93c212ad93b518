// Every projection reliefd keeps, in the order the runner applies them.
// The server runs them; AuditService.Reconcile rebuilds the same list into
// scratch space to compare with the live read models.
#ifndef RELIEF_PROJECTIONS_ALL_PROJECTIONS_H_
#define RELIEF_PROJECTIONS_ALL_PROJECTIONS_H_

#include <memory>
#include <vector>

#include "projections/projection.h"

namespace relief {

std::vector<std::unique_ptr<Projection>> AllProjections();

}  // namespace relief

#endif  // RELIEF_PROJECTIONS_ALL_PROJECTIONS_H_
