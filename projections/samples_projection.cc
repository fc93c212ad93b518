#include "projections/samples_projection.h"

#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ledger/domain/rejection.h"

namespace relief {
namespace {

constexpr char kSamplePrefix[] = "samples/s/";

std::string SampleKey(uint64_t sequence) {
  return absl::StrCat(kSamplePrefix, EncodeSequenceKey(sequence));
}

absl::StatusOr<v1::Sample> Decode(absl::string_view value, uint64_t sequence) {
  v1::Sample sample;
  if (!sample.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    return absl::DataLossError(absl::StrCat(
        "the read model of sample s", sequence, " does not decode"));
  }
  return sample;
}

}  // namespace

absl::Status SamplesProjection::Apply(const v1::EventEnvelope& envelope,
                                      ProjectionTxn& txn) {
  if (!envelope.event().has_sample_drawn()) return absl::OkStatus();
  v1::Sample sample;
  *sample.mutable_drawn() = envelope.event().sample_drawn();
  sample.set_sequence(envelope.sequence());
  sample.set_recorded_at_unix_micros(envelope.recorded_at_unix_micros());
  sample.set_drawn_by(envelope.actor());
  sample.set_request_id(envelope.request_id());
  txn.Put(absl::StrCat("s/", EncodeSequenceKey(envelope.sequence())),
          sample.SerializeAsString());
  return absl::OkStatus();
}

absl::StatusOr<v1::Sample> SamplesView::Get(uint64_t sequence) const {
  std::string value;
  const rocksdb::Status s = log_->db()->Get(
      rocksdb::ReadOptions(), log_->projections(), SampleKey(sequence), &value);
  if (s.IsNotFound()) {
    return NotFound(v1::SAMPLE_NOT_FOUND,
                    absl::StrCat("there is no sample 's", sequence, "'"));
  }
  RELIEF_RETURN_IF_ERROR(FromRocks(s, "reading a sample"));
  return Decode(value, sequence);
}

absl::StatusOr<std::vector<v1::Sample>> SamplesView::List(uint64_t before,
                                                          uint32_t limit,
                                                          bool* more) const {
  *more = false;
  std::vector<v1::Sample> out;
  std::unique_ptr<rocksdb::Iterator> it(
      log_->db()->NewIterator(rocksdb::ReadOptions(), log_->projections()));
  if (before == 0) {
    // Past every sequence key: the prefix's last byte plus one.
    std::string end = kSamplePrefix;
    end.back() = static_cast<char>(end.back() + 1);
    it->SeekForPrev(end);
  } else {
    it->SeekForPrev(SampleKey(before));
  }
  for (; it->Valid(); it->Prev()) {
    const absl::string_view key(it->key().data(), it->key().size());
    if (!absl::StartsWith(key, kSamplePrefix)) break;
    const uint64_t sequence =
        DecodeSequenceKey(key.substr(sizeof(kSamplePrefix) - 1));
    if (before != 0 && sequence >= before) continue;
    if (out.size() == limit) {
      *more = true;
      break;
    }
    auto sample = Decode(
        absl::string_view(it->value().data(), it->value().size()), sequence);
    if (!sample.ok()) return sample.status();
    out.push_back(*std::move(sample));
  }
  RELIEF_RETURN_IF_ERROR(FromRocks(it->status(), "listing samples"));
  return out;
}

}  // namespace relief
