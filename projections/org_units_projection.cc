#include "projections/org_units_projection.h"

#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ledger/domain/rejection.h"

namespace relief {
namespace {
constexpr char kPrefix[] = "org_units/";
}  // namespace

absl::Status OrgUnitsProjection::Apply(const v1::EventEnvelope& envelope,
                                       ProjectionTxn& txn) {
  const v1::Event& event = envelope.event();
  switch (event.kind_case()) {
    case v1::Event::kOrgUnitRegistered: {
      const auto& e = event.org_unit_registered();
      v1::OrgUnit unit;
      unit.set_code(e.code());
      unit.set_name_zh(e.name_zh());
      unit.set_name_en(e.name_en());
      unit.set_level(e.level());
      unit.set_parent_code(e.parent_code());
      unit.set_active(true);
      unit.set_registered_sequence(envelope.sequence());
      txn.Put(e.code(), unit.SerializeAsString());
      return absl::OkStatus();
    }
    case v1::Event::kOrgUnitDeactivated: {
      const auto& e = event.org_unit_deactivated();
      auto stored = txn.Get(e.code());
      if (!stored.ok()) return stored.status();
      v1::OrgUnit unit;
      if (!stored->has_value() || !unit.ParseFromString(**stored)) {
        return absl::InternalError(
            absl::StrCat("deactivated unit '", e.code(), "' is not in the "
                         "read model"));
      }
      unit.set_active(false);
      unit.set_deactivated_sequence(envelope.sequence());
      unit.set_deactivation_reason(e.reason());
      txn.Put(e.code(), unit.SerializeAsString());
      return absl::OkStatus();
    }
    default:
      return absl::OkStatus();
  }
}

absl::StatusOr<v1::OrgUnit> OrgUnitsView::Get(absl::string_view code) const {
  std::string value;
  rocksdb::Status s =
      log_->db()->Get(rocksdb::ReadOptions(), log_->projections(),
                      absl::StrCat(kPrefix, code), &value);
  if (s.IsNotFound()) {
    return NotFound(v1::ORG_UNIT_NOT_FOUND,
                    absl::StrCat("unit '", code, "' is not registered"));
  }
  if (auto st = FromRocks(s, "reading a unit"); !st.ok()) return st;
  v1::OrgUnit unit;
  if (!unit.ParseFromString(value)) {
    return absl::DataLossError(
        absl::StrCat("the read model of unit '", code, "' does not decode"));
  }
  return unit;
}

absl::StatusOr<std::vector<v1::OrgUnit>> OrgUnitsView::List(
    absl::string_view under, bool include_inactive,
    absl::string_view page_token_in, uint32_t limit,
    std::string* next_token) const {
  const std::string page_token(page_token_in);  // may alias *next_token
  next_token->clear();
  const std::string prefix = absl::StrCat(kPrefix, under);
  const std::string subtree = absl::StrCat(under, ".");
  std::unique_ptr<rocksdb::Iterator> it(
      log_->db()->NewIterator(rocksdb::ReadOptions(), log_->projections()));
  std::string start = page_token.empty() ? prefix
                                         : absl::StrCat(kPrefix, page_token);
  std::vector<v1::OrgUnit> out;
  for (it->Seek(start); it->Valid(); it->Next()) {
    absl::string_view key(it->key().data(), it->key().size());
    if (!absl::StartsWith(key, prefix)) break;
    absl::string_view code = key.substr(sizeof(kPrefix) - 1);
    if (!page_token.empty() && code == page_token) continue;
    if (!under.empty() && code != under && !absl::StartsWith(code, subtree)) {
      continue;
    }
    v1::OrgUnit unit;
    if (!unit.ParseFromArray(it->value().data(),
                             static_cast<int>(it->value().size()))) {
      return absl::DataLossError(
          absl::StrCat("the read model of unit '", code, "' does not decode"));
    }
    if (!include_inactive && !unit.active()) continue;
    if (out.size() == limit) {
      *next_token = out.back().code();
      break;
    }
    out.push_back(std::move(unit));
  }
  if (auto s = FromRocks(it->status(), "listing units"); !s.ok()) return s;
  return out;
}

}  // namespace relief
