#include "projections/grants_projection.h"

#include <map>
#include <memory>
#include <set>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ledger/domain/money.h"
#include "ledger/domain/rejection.h"
#include "relief/storage/v1/storage.pb.h"

namespace relief {
namespace {

const std::string kSep(1, '\0');

std::string Year4(int year) {
  std::string out(4, '\0');
  for (int i = 3; i >= 0; --i) {
    out[i] = static_cast<char>(year & 0xff);
    year >>= 8;
  }
  return out;
}

int FromYear4(absl::string_view bytes) {
  int year = 0;
  for (unsigned char c : bytes) year = (year << 8) | c;
  return year;
}

std::string ReportKey(absl::string_view unit, int year,
                      absl::string_view program, absl::string_view dossier) {
  return absl::StrCat("r/", unit, kSep, Year4(year), program, kSep, dossier);
}

template <typename Message>
absl::StatusOr<Message> Load(ProjectionTxn& txn, absl::string_view key,
                             bool required) {
  Message message;
  auto stored = txn.Get(key);
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) {
    if (required) {
      return absl::InternalError(absl::StrCat("read model lacks a record"));
    }
    return message;
  }
  if (!message.ParseFromString(**stored)) {
    return absl::DataLossError("a grants read-model record does not decode");
  }
  return message;
}

template <typename Message>
absl::StatusOr<Message> Read(const EventLog* log, const std::string& key) {
  std::string value;
  rocksdb::Status s =
      log->db()->Get(rocksdb::ReadOptions(), log->projections(), key, &value);
  if (s.IsNotFound()) return absl::NotFoundError(key);
  if (auto st = FromRocks(s, "reading grants"); !st.ok()) return st;
  Message message;
  if (!message.ParseFromString(value)) {
    return absl::DataLossError("a grants read-model record does not decode");
  }
  return message;
}

}  // namespace

absl::Status GrantsProjection::Apply(const v1::EventEnvelope& envelope,
                                     ProjectionTxn& txn) {
  const v1::Event& event = envelope.event();
  const uint64_t seq = envelope.sequence();
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
      txn.Put(absl::StrCat("p/", e.dossier_id()), d.SerializeAsString());
      return absl::OkStatus();
    }
    case v1::Event::kDossierUpdated: {
      const auto& e = event.dossier_updated();
      auto d = Load<v1::Dossier>(txn, absl::StrCat("p/", e.dossier_id()), true);
      if (!d.ok()) return d.status();
      d->set_name(e.name());
      d->set_category(e.category());
      d->set_household_size(e.household_size());
      txn.Put(absl::StrCat("p/", e.dossier_id()), d->SerializeAsString());
      return absl::OkStatus();
    }
    case v1::Event::kGrantProposed: {
      const auto& e = event.grant_proposed();
      auto d = Load<v1::Dossier>(txn, absl::StrCat("p/", e.dossier_id()), true);
      if (!d.ok()) return d.status();
      v1::Grant g;
      g.set_grant_id(e.grant_id());
      g.set_dossier_id(e.dossier_id());
      g.set_beneficiary_name(d->name());
      g.set_national_id_masked(d->national_id_masked());
      g.set_category(d->category());
      g.set_household_size(d->household_size());
      g.set_program(e.program());
      g.set_unit_code(e.unit_code());
      g.set_fund_source(e.fund_source());
      g.set_amount_fen(e.amount_fen());
      g.set_goods_quantity(e.goods_quantity());
      g.set_year(e.year());
      g.set_status(v1::GRANT_STATUS_PENDING);
      g.set_proposed_sequence(seq);
      g.set_proposed_at_unix_micros(envelope.recorded_at_unix_micros());
      g.set_proposed_by(e.proposed_by());
      g.set_notice_ends_unix_micros(e.notice_ends_unix_micros());
      g.set_expires_unix_micros(e.expires_unix_micros());
      g.set_memo(e.memo());
      txn.Put(absl::StrCat("g/", e.grant_id()), g.SerializeAsString());
      v1::AidHistoryEntry entry;
      entry.mutable_grant()->set_grant_id(e.grant_id());
      txn.Put(absl::StrCat("h/", e.dossier_id(), kSep, EncodeSequenceKey(seq)),
              entry.SerializeAsString());
      txn.Put(absl::StrCat("n/", e.unit_code(), kSep, EncodeSequenceKey(seq)),
              e.grant_id());
      return absl::OkStatus();
    }
    case v1::Event::kGrantPosted:
    case v1::Event::kGrantVoided: {
      const bool posted = event.has_grant_posted();
      const std::string& id = posted ? event.grant_posted().grant_id()
                                     : event.grant_voided().grant_id();
      auto g = Load<v1::Grant>(txn, absl::StrCat("g/", id), true);
      if (!g.ok()) return g.status();
      g->set_resolved_sequence(seq);
      g->set_resolved_by(envelope.actor());
      if (posted) {
        g->set_status(v1::GRANT_STATUS_POSTED);
      } else {
        g->set_status(event.grant_voided().expired() ? v1::GRANT_STATUS_EXPIRED
                                                     : v1::GRANT_STATUS_VOIDED);
        g->set_void_reason(event.grant_voided().reason());
      }
      txn.Put(absl::StrCat("g/", id), g->SerializeAsString());
      txn.Delete(absl::StrCat("n/", g->unit_code(), kSep,
                              EncodeSequenceKey(g->proposed_sequence())));
      if (posted) {
        const std::string key = ReportKey(g->unit_code(), g->year(),
                                          g->program(), g->dossier_id());
        auto r = Load<storage::v1::PersonAidRecord>(txn, key, false);
        if (!r.ok()) return r.status();
        r->set_dossier_id(g->dossier_id());
        r->set_category(g->category());
        r->set_household_size(g->household_size());
        r->set_grants(r->grants() + 1);
        int64_t total;
        if (!AddFen(r->amount_fen(), g->amount_fen(), &total)) {
          return absl::InternalError("a report total overflowed");
        }
        r->set_amount_fen(total);
        (*r->mutable_amount_by_source_fen())[g->fund_source()] += g->amount_fen();
        (*r->mutable_grants_by_source())[g->fund_source()] += 1;
        txn.Put(key, r->SerializeAsString());
      }
      return absl::OkStatus();
    }
    case v1::Event::kExternalAidRecorded: {
      const auto& e = event.external_aid_recorded();
      v1::AidHistoryEntry entry;
      auto* aid = entry.mutable_external_aid();
      aid->set_sequence(seq);
      aid->set_program(e.program());
      aid->set_year(e.year());
      aid->set_provider(e.provider());
      aid->set_amount_fen(e.amount_fen());
      aid->set_memo(e.memo());
      txn.Put(absl::StrCat("h/", e.dossier_id(), kSep, EncodeSequenceKey(seq)),
              entry.SerializeAsString());
      return absl::OkStatus();
    }
    default:
      return absl::OkStatus();
  }
}

absl::StatusOr<v1::Grant> GrantsView::Get(absl::string_view grant_id) const {
  auto g = Read<v1::Grant>(
      log_, absl::StrCat(GrantsProjection::kName, "/g/", grant_id));
  if (absl::IsNotFound(g.status())) {
    return NotFound(v1::GRANT_NOT_FOUND,
                    absl::StrCat("there is no grant '", grant_id, "'"));
  }
  return g;
}

absl::StatusOr<std::vector<v1::AidHistoryEntry>> GrantsView::History(
    absl::string_view dossier_id) const {
  const std::string prefix =
      absl::StrCat(GrantsProjection::kName, "/h/", dossier_id, kSep);
  std::unique_ptr<rocksdb::Iterator> it(
      log_->db()->NewIterator(rocksdb::ReadOptions(), log_->projections()));
  std::vector<v1::AidHistoryEntry> out;
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    if (!absl::StartsWith(
            absl::string_view(it->key().data(), it->key().size()), prefix)) {
      break;
    }
    v1::AidHistoryEntry entry;
    if (!entry.ParseFromArray(it->value().data(),
                              static_cast<int>(it->value().size()))) {
      return absl::DataLossError("an aid-history entry does not decode");
    }
    if (entry.has_grant()) {
      auto g = Get(entry.grant().grant_id());
      if (!g.ok()) return g.status();
      *entry.mutable_grant() = *std::move(g);
    }
    out.push_back(std::move(entry));
  }
  if (auto s = FromRocks(it->status(), "reading aid history"); !s.ok()) return s;
  return out;
}

absl::StatusOr<std::vector<v1::Grant>> GrantsView::PublicNotice(
    const std::vector<std::string>& units, absl::string_view program) const {
  std::vector<v1::Grant> out;
  std::unique_ptr<rocksdb::Iterator> it(
      log_->db()->NewIterator(rocksdb::ReadOptions(), log_->projections()));
  for (const std::string& unit : units) {
    const std::string prefix =
        absl::StrCat(GrantsProjection::kName, "/n/", unit, kSep);
    for (it->Seek(prefix); it->Valid(); it->Next()) {
      if (!absl::StartsWith(
              absl::string_view(it->key().data(), it->key().size()), prefix)) {
        break;
      }
      auto g = Get(absl::string_view(it->value().data(), it->value().size()));
      if (!g.ok()) return g.status();
      if (!program.empty() && g->program() != program) continue;
      out.push_back(*std::move(g));
    }
    if (auto s = FromRocks(it->status(), "reading the notice list"); !s.ok()) {
      return s;
    }
  }
  return out;
}

absl::StatusOr<std::vector<v1::ProgramReportRow>> GrantsView::Report(
    const std::vector<std::string>& units, absl::string_view program,
    int year) const {
  // (program, year) -> dossier -> merged record across the units.
  std::map<std::pair<std::string, int>,
           std::map<std::string, storage::v1::PersonAidRecord>>
      people;
  std::unique_ptr<rocksdb::Iterator> it(
      log_->db()->NewIterator(rocksdb::ReadOptions(), log_->projections()));
  for (const std::string& unit : units) {
    const std::string prefix =
        absl::StrCat(GrantsProjection::kName, "/r/", unit, kSep);
    const std::string start =
        year == 0 ? prefix : absl::StrCat(prefix, Year4(year));
    for (it->Seek(start); it->Valid(); it->Next()) {
      absl::string_view key(it->key().data(), it->key().size());
      if (!absl::StartsWith(key, prefix)) break;
      absl::string_view rest = key.substr(prefix.size());
      const int key_year = FromYear4(rest.substr(0, 4));
      if (year != 0 && key_year != year) break;
      rest.remove_prefix(4);
      const size_t sep = rest.find('\0');
      const std::string key_program(rest.substr(0, sep));
      if (!program.empty() && key_program != program) continue;
      storage::v1::PersonAidRecord r;
      if (!r.ParseFromArray(it->value().data(),
                            static_cast<int>(it->value().size()))) {
        return absl::DataLossError("a report record does not decode");
      }
      auto& merged = people[{key_program, key_year}][r.dossier_id()];
      if (merged.dossier_id().empty()) {
        merged = r;
        continue;
      }
      merged.set_grants(merged.grants() + r.grants());
      merged.set_amount_fen(merged.amount_fen() + r.amount_fen());
      for (const auto& [s, a] : r.amount_by_source_fen()) {
        (*merged.mutable_amount_by_source_fen())[s] += a;
      }
      for (const auto& [s, n] : r.grants_by_source()) {
        (*merged.mutable_grants_by_source())[s] += n;
      }
    }
    if (auto s = FromRocks(it->status(), "reading the report"); !s.ok()) {
      return s;
    }
  }
  std::vector<v1::ProgramReportRow> rows;
  for (const auto& [key, by_person] : people) {
    v1::ProgramReportRow row;
    row.set_program(key.first);
    row.set_year(key.second);
    std::map<int, v1::ReportBreakdown> by_category, by_source;
    for (const auto& [dossier, r] : by_person) {
      row.set_people(row.people() + 1);
      row.set_households(row.households() + 1);
      row.set_household_members(row.household_members() + r.household_size());
      row.set_grants(row.grants() + r.grants());
      int64_t total;
      if (!AddFen(row.amount_fen(), r.amount_fen(), &total)) {
        return absl::InternalError("a report total overflowed");
      }
      row.set_amount_fen(total);
      auto& c = by_category[r.category()];
      c.set_key(r.category());
      c.set_people(c.people() + 1);
      c.set_grants(c.grants() + r.grants());
      c.set_amount_fen(c.amount_fen() + r.amount_fen());
      for (const auto& [source, amount] : r.amount_by_source_fen()) {
        auto& b = by_source[source];
        b.set_key(source);
        b.set_people(b.people() + 1);
        auto n = r.grants_by_source().find(source);
        b.set_grants(b.grants() +
                     (n == r.grants_by_source().end() ? 0 : n->second));
        b.set_amount_fen(b.amount_fen() + amount);
      }
    }
    for (auto& [k, b] : by_category) *row.add_by_category() = b;
    for (auto& [k, b] : by_source) *row.add_by_fund_source() = b;
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace relief
