// Tests of the as-of fold, the trial balance and the reconcile (being written).
#include "gtest/gtest.h"
#include "projections/funds_asof.h"

namespace relief {
namespace {
TEST(FundsAsOfTest, Placeholder) { SUCCEED(); }
}  // namespace
}  // namespace relief
