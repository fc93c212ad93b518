// Read model of small loans (小额借款): every loan as the write model keeps
// it (the same EvolveLoanState builds both), indexed by unit, and the loan
// products.
//
//   loans/l/<loan_id>                  := relief.storage.v1.LoanState
//   loans/u/<unit_code> 0x00 seq:8     := loan_id  (seq: the disbursement)
//   loans/p/<product>                  := relief.storage.v1.LoanProductState
//
// Arrears, aging and PAR30 are not stored: they depend on the business date
// asked about, and are computed from these records by LoanAsOf
// (ledger/domain/loans.h) when queried.
#ifndef RELIEF_PROJECTIONS_LOANS_PROJECTION_H_
#define RELIEF_PROJECTIONS_LOANS_PROJECTION_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/store/event_log.h"
#include "projections/projection.h"
#include "relief/storage/v1/storage.pb.h"

namespace relief {

class LoansProjection : public Projection {
 public:
  static constexpr char kName[] = "loans";
  std::string name() const override { return kName; }
  absl::Status Apply(const v1::EventEnvelope& envelope,
                     ProjectionTxn& txn) override;
};

class LoansView {
 public:
  explicit LoansView(const EventLog* log) : log_(log) {}
  // NOT_FOUND (LOAN_NOT_FOUND) for an unknown id.
  absl::StatusOr<storage::v1::LoanState> Get(absl::string_view loan_id) const;
  // Loans of these units, in disbursement order.
  absl::StatusOr<std::vector<storage::v1::LoanState>> OfUnits(
      const std::vector<std::string>& units) const;
  // Every product, by name.
  absl::StatusOr<std::vector<storage::v1::LoanProductState>> Products() const;

 private:
  const EventLog* log_;
};

}  // namespace relief

#endif  // RELIEF_PROJECTIONS_LOANS_PROJECTION_H_
