#include "projections/dossiers_projection.h"

#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ledger/domain/rejection.h"

namespace relief {
namespace {

std::string UnitKey(absl::string_view unit, uint64_t sequence) {
  return absl::StrCat("u/", unit, std::string(1, '\0'),
                      EncodeSequenceKey(sequence));
}

absl::StatusOr<v1::Dossier> LoadDossier(ProjectionTxn& txn,
                                        absl::string_view id) {
  auto stored = txn.Get(absl::StrCat("d/", id));
  if (!stored.ok()) return stored.status();
  v1::Dossier dossier;
  if (!stored->has_value() || !dossier.ParseFromString(**stored)) {
    return absl::InternalError(
        absl::StrCat("dossier ", id, " is not in the read model"));
  }
  return dossier;
}

}  // namespace

absl::Status DossiersProjection::Apply(const v1::EventEnvelope& envelope,
                                       ProjectionTxn& txn) {
  const v1::Event& event = envelope.event();
  switch (event.kind_case()) {
    case v1::Event::kDossierRegistered: {
      const auto& e = event.dossier_registered();
      v1::Dossier d;
      d.set_dossier_id(e.dossier_id());
      d.set_unit_code(e.unit_code());
      d.set_name(e.name());
      d.set_national_id_masked(e.national_id_masked());
      d.set_category(e.category());
      d.set_household_size(e.household_size());
      d.set_contact(e.contact());
      d.set_active(true);
      d.set_registered_sequence(envelope.sequence());
      txn.Put(absl::StrCat("d/", e.dossier_id()), d.SerializeAsString());
      txn.Put(absl::StrCat("h/", e.national_id_hmac()), e.dossier_id());
      txn.Put(UnitKey(e.unit_code(), envelope.sequence()), e.dossier_id());
      return absl::OkStatus();
    }
    case v1::Event::kDossierUpdated: {
      const auto& e = event.dossier_updated();
      auto d = LoadDossier(txn, e.dossier_id());
      if (!d.ok()) return d.status();
      d->set_name(e.name());
      d->set_category(e.category());
      d->set_household_size(e.household_size());
      d->set_contact(e.contact());
      txn.Put(absl::StrCat("d/", e.dossier_id()), d->SerializeAsString());
      return absl::OkStatus();
    }
    case v1::Event::kDossierExited:
    case v1::Event::kDossierReactivated: {
      const bool exit = event.has_dossier_exited();
      const std::string& id = exit ? event.dossier_exited().dossier_id()
                                   : event.dossier_reactivated().dossier_id();
      auto d = LoadDossier(txn, id);
      if (!d.ok()) return d.status();
      d->set_active(!exit);
      d->set_status_reason(exit ? event.dossier_exited().reason()
                                : event.dossier_reactivated().reason());
      txn.Put(absl::StrCat("d/", id), d->SerializeAsString());
      return absl::OkStatus();
    }
    default:
      return absl::OkStatus();
  }
}

absl::StatusOr<v1::Dossier> DossiersView::Get(
    absl::string_view dossier_id) const {
  std::string value;
  rocksdb::Status s = log_->db()->Get(
      rocksdb::ReadOptions(), log_->projections(),
      absl::StrCat(DossiersProjection::kName, "/d/", dossier_id), &value);
  if (s.IsNotFound()) {
    return NotFound(v1::DOSSIER_NOT_FOUND,
                    absl::StrCat("there is no dossier '", dossier_id, "'"));
  }
  if (auto st = FromRocks(s, "reading a dossier"); !st.ok()) return st;
  v1::Dossier dossier;
  if (!dossier.ParseFromString(value)) {
    return absl::DataLossError("a dossier does not decode");
  }
  return dossier;
}

absl::StatusOr<v1::Dossier> DossiersView::GetByIdHash(
    absl::string_view hmac) const {
  std::string id;
  rocksdb::Status s = log_->db()->Get(
      rocksdb::ReadOptions(), log_->projections(),
      absl::StrCat(DossiersProjection::kName, "/h/", hmac), &id);
  if (s.IsNotFound()) {
    return NotFound(v1::DOSSIER_NOT_FOUND,
                    "no dossier is registered for this national ID");
  }
  if (auto st = FromRocks(s, "reading a dossier"); !st.ok()) return st;
  return Get(id);
}

absl::StatusOr<std::vector<v1::Dossier>> DossiersView::List(
    absl::string_view unit, bool subtree, bool include_exited,
    absl::string_view page_token_in, uint32_t limit,
    std::string* next_token) const {
  const std::string page_token(page_token_in);
  next_token->clear();
  const std::string base = absl::StrCat(DossiersProjection::kName, "/u/");
  const std::string exact = absl::StrCat(base, unit, std::string(1, '\0'));
  const std::string below = absl::StrCat(base, unit, ".");
  std::string start = exact;
  if (!page_token.empty()) {
    bool hex = page_token.size() % 2 == 0;
    for (char c : page_token) hex = hex && absl::ascii_isxdigit(c);
    std::string last = hex ? absl::HexStringToBytes(page_token) : "";
    if (!hex || !absl::StartsWith(last, base)) {
      return InvalidArgument(v1::FIELD_INVALID,
                             "page_token is not one this server returned");
    }
    start = last + std::string(1, '\0');  // just after the last key seen
  }
  std::unique_ptr<rocksdb::Iterator> it(
      log_->db()->NewIterator(rocksdb::ReadOptions(), log_->projections()));
  std::vector<v1::Dossier> out;
  for (it->Seek(start); it->Valid(); it->Next()) {
    absl::string_view key(it->key().data(), it->key().size());
    const bool mine = absl::StartsWith(key, exact);
    const bool sub = subtree && absl::StartsWith(key, below);
    if (!mine && !sub) {
      // Siblings such as "jn-x" sort between "jn\0" and "jn.": skip them
      // while a subtree may still follow.
      if (subtree && absl::StartsWith(key, absl::StrCat(base, unit)) &&
          key < below) {
        continue;
      }
      break;
    }
    auto dossier = Get(absl::string_view(it->value().data(), it->value().size()));
    if (!dossier.ok()) return dossier.status();
    if (!include_exited && !dossier->active()) continue;
    if (out.size() == limit) break;
    out.push_back(*std::move(dossier));
    *next_token = absl::BytesToHexString(key);
  }
  if (auto s = FromRocks(it->status(), "listing dossiers"); !s.ok()) return s;
  if (out.size() < limit) next_token->clear();
  return out;
}

}  // namespace relief
