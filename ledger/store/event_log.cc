#include "ledger/store/event_log.h"

#include <deque>
#include <memory>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "ledger/domain/rejection.h"
#include "ledger/store/sha256.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/merge_operator.h"
#include "rocksdb/options.h"
#include "rocksdb/sst_file_writer.h"
#include "rocksdb/table.h"
#include "rocksdb/write_batch.h"

namespace relief {
namespace {

constexpr char kEventsFamily[] = "events";
constexpr char kRequestsFamily[] = "requests";
constexpr char kMetaFamily[] = "meta";
constexpr char kProjectionsFamily[] = "projections";
constexpr char kFormatKey[] = "format";
constexpr char kFormatValue[] = "relief-ledger-v1";
constexpr char kSnapshotKey[] = "snapshot";
// Table files WriteSorted builds before ingesting them: relief-ingest-<n>
// plus this (not a name RocksDB uses, so it never mistakes one for its own).
constexpr char kIngestSuffix[] = ".relief-ingest";

absl::Status DataLoss(absl::string_view message) {
  return Reject(absl::StatusCode::kDataLoss, v1::CHAIN_BROKEN, message);
}

}  // namespace

absl::Status FromRocks(const rocksdb::Status& status, absl::string_view what) {
  if (status.ok()) return absl::OkStatus();
  std::string message = absl::StrCat(what, ": ", status.ToString());
  if (status.IsNoSpace()) {
    return Reject(absl::StatusCode::kUnavailable, v1::STORAGE_ERROR,
                  absl::StrCat("disk full: ", message,
                               ". Free space on the data dir's file system "
                               "and restart reliefd"));
  }
  if (status.IsCorruption()) return DataLoss(message);
  if (status.IsIOError()) {
    return Reject(absl::StatusCode::kUnavailable, v1::STORAGE_ERROR,
                  absl::StrCat("I/O error: ", message,
                               ". Check the disk and the data dir's file "
                               "system (kernel log, SMART, mount state), "
                               "then restart reliefd"));
  }
  return Reject(absl::StatusCode::kInternal, v1::INTERNAL_ERROR, message);
}

std::string EncodeSequenceKey(uint64_t sequence) {
  std::string key(8, '\0');
  for (int i = 7; i >= 0; --i) {
    key[i] = static_cast<char>(sequence & 0xff);
    sequence >>= 8;
  }
  return key;
}

uint64_t DecodeSequenceKey(absl::string_view key) {
  uint64_t sequence = 0;
  for (unsigned char c : key.substr(0, 8)) sequence = (sequence << 8) | c;
  return sequence;
}

std::string EncodeEventValue(absl::string_view hash, absl::string_view payload) {
  std::string value;
  value.reserve(hash.size() + payload.size());
  value.append(hash.data(), hash.size());
  value.append(payload.data(), payload.size());
  return value;
}

const std::string& GenesisHash() {
  static const std::string* kGenesis = new std::string(kSha256Bytes, '\0');
  return *kGenesis;
}

namespace {

// Table files with whole-key bloom filters (10 bits per key): a lookup
// skips the files that do not hold its key.
rocksdb::BlockBasedTableOptions WholeKeyBloomTable() {
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.whole_key_filtering = true;
  return table;
}

// A verified walk over at least this many events reads ahead.
constexpr uint64_t kLongWalkEvents = 1024;

// Concatenation, in linear time however many operands pile up (one per
// chunk of events following the writer) before a compaction folds them.
class AppendOperator : public rocksdb::MergeOperator {
 public:
  const char* Name() const override { return "relief.Append"; }

  bool FullMergeV2(const MergeOperationInput& in,
                   MergeOperationOutput* out) const override {
    size_t size = in.existing_value != nullptr ? in.existing_value->size() : 0;
    for (const rocksdb::Slice& operand : in.operand_list) size += operand.size();
    out->new_value.clear();
    out->new_value.reserve(size);
    if (in.existing_value != nullptr) {
      out->new_value.append(in.existing_value->data(),
                            in.existing_value->size());
    }
    for (const rocksdb::Slice& operand : in.operand_list) {
      out->new_value.append(operand.data(), operand.size());
    }
    return true;
  }

  bool PartialMergeMulti(const rocksdb::Slice& /*key*/,
                         const std::deque<rocksdb::Slice>& operands,
                         std::string* new_value,
                         rocksdb::Logger* /*logger*/) const override {
    size_t size = 0;
    for (const rocksdb::Slice& operand : operands) size += operand.size();
    new_value->clear();
    new_value->reserve(size);
    for (const rocksdb::Slice& operand : operands) {
      new_value->append(operand.data(), operand.size());
    }
    return true;
  }

  bool AllowSingleOperand() const override { return true; }
};

}  // namespace

std::shared_ptr<rocksdb::MergeOperator> ProjectionsMergeOperator() {
  static const std::shared_ptr<rocksdb::MergeOperator> kOperator =
      std::make_shared<AppendOperator>();
  return kOperator;
}

bool ChainVerifier::Fail(uint64_t sequence, std::string problem) {
  bad_sequence_ = sequence;
  problem_ = std::move(problem);
  return false;
}

namespace {

// Reads a base-128 varint at `*p` (before `end`); false if it is cut short
// or too long.
bool ReadVarint(const char** p, const char* end, uint64_t* value) {
  *value = 0;
  for (int shift = 0; shift < 64 && *p < end; shift += 7) {
    const auto byte = static_cast<unsigned char>(*(*p)++);
    *value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if (byte < 0x80) return true;
  }
  return false;
}

// The field number of the kind that stored envelope bytes give their event
// first (the first field of the first `event`), or 0. A plain walk over the
// wire format: the fields before `event` are few and short.
int FirstKindOf(absl::string_view bytes) {
  const char* p = bytes.data();
  const char* const end = p + bytes.size();
  constexpr uint64_t kEventField = v1::EventEnvelope::kEventFieldNumber;
  uint64_t tag = 0, value = 0;
  while (p < end && ReadVarint(&p, end, &tag)) {
    switch (tag & 7) {
      case 0:  // varint
        if (!ReadVarint(&p, end, &value)) return 0;
        break;
      case 1:  // 64-bit
        p += 8;
        break;
      case 2:  // length-delimited
        if (!ReadVarint(&p, end, &value) ||
            value > static_cast<uint64_t>(end - p)) {
          return 0;
        }
        if ((tag >> 3) == kEventField) {
          uint64_t first = 0;
          if (value == 0 || !ReadVarint(&p, p + value, &first)) return 0;
          return first >> 3 > 0x1fffffff ? 0 : static_cast<int>(first >> 3);
        }
        p += value;
        break;
      case 5:  // 32-bit
        p += 4;
        break;
      default:
        return 0;
    }
  }
  return 0;
}

// Event's fields (each a kind of the oneof) by field number.
const google::protobuf::FieldDescriptor* EventKindField(int number) {
  static const auto* const kFields = [] {
    auto* fields =
        new absl::flat_hash_map<int, const google::protobuf::FieldDescriptor*>();
    const google::protobuf::Descriptor* d = v1::Event::descriptor();
    for (int i = 0; i < d->field_count(); ++i) {
      if (d->field(i)->type() == google::protobuf::FieldDescriptor::TYPE_MESSAGE) {
        fields->emplace(d->field(i)->number(), d->field(i));
      }
    }
    return fields;
  }();
  auto it = kFields->find(number);
  return it == kFields->end() ? nullptr : it->second;
}

}  // namespace

bool ParseEnvelopeReusing(absl::string_view bytes, v1::EventEnvelope* e) {
  const int kind = FirstKindOf(bytes);
  const google::protobuf::FieldDescriptor* field =
      kind != 0 && e->has_event() &&
              static_cast<int>(e->event().kind_case()) == kind
          ? EventKindField(kind)
          : nullptr;
  if (field == nullptr) {
    return e->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
  }
  // Clear() would delete the event and its payload; keep them, emptied.
  // The bytes set this kind before anything else touches the oneof, so
  // merging them into the emptied payload gives what a fresh parse gives.
  static const google::protobuf::Reflection* const reflection =
      v1::Event::GetReflection();
  std::unique_ptr<v1::Event> event(e->release_event());
  reflection->MutableMessage(event.get(), field)->Clear();
  // (Asking for the mutable set would allocate one.)
  if (!reflection->GetUnknownFields(*event).empty()) {
    reflection->MutableUnknownFields(event.get())->Clear();
  }
  e->Clear();
  e->set_allocated_event(event.release());
  google::protobuf::io::CodedInputStream in(
      reinterpret_cast<const uint8_t*>(bytes.data()),
      static_cast<int>(bytes.size()));
  return e->MergePartialFromCodedStream(&in) && in.ConsumedEntireMessage();
}

bool ChainVerifier::Check(absl::string_view key, absl::string_view value,
                          v1::EventEnvelope* envelope) {
  if (bad_sequence_ != 0) return false;
  const uint64_t expected = last_sequence_ + 1;
  if (key.size() != 8) {
    return Fail(expected, absl::StrCat("a key of ", key.size(),
                                       " bytes is in the events family"));
  }
  const uint64_t sequence = DecodeSequenceKey(key);
  if (sequence != expected) {
    return Fail(expected, absl::StrCat("sequence ", expected,
                                       " is missing (next stored is ",
                                       sequence, ")"));
  }
  if (value.size() < kSha256Bytes) {
    return Fail(sequence, "the stored value is shorter than its hash");
  }
  absl::string_view stored_hash = value.substr(0, kSha256Bytes);
  absl::string_view payload = value.substr(kSha256Bytes);
  v1::EventEnvelope decoded;
  v1::EventEnvelope* e = envelope != nullptr ? envelope : &decoded;
  if (!ParseEnvelopeReusing(payload, e)) {
    return Fail(sequence, "the stored envelope bytes do not decode");
  }
  if (e->sequence() != sequence) {
    return Fail(sequence, absl::StrCat("the envelope says sequence ",
                                       e->sequence(), " but is stored under ",
                                       sequence));
  }
  if (e->previous_hash() != last_hash_) {
    return Fail(sequence,
                "previous_hash does not match the hash of the event before");
  }
  unsigned char digest[kSha256Bytes];
  Sha256To(last_hash_, payload, digest);
  if (absl::string_view(reinterpret_cast<const char*>(digest),
                        kSha256Bytes) != stored_hash) {
    return Fail(sequence,
                "the stored hash does not match SHA-256(previous_hash || "
                "envelope bytes): the stored bytes were altered");
  }
  // assign, not a new string (set_hash builds a temporary one, which
  // allocates: 32 bytes do not fit in place): the scan reuses one envelope
  // and one verifier for every event, so these allocate once.
  e->mutable_hash()->assign(stored_hash.data(), stored_hash.size());
  last_sequence_ = sequence;
  last_hash_.assign(stored_hash.data(), stored_hash.size());
  return true;
}

absl::StatusOr<std::unique_ptr<EventLog>> EventLog::Open(
    const std::string& dir, OpenMode mode, rocksdb::Env* env) {
  const bool read_only = mode == OpenMode::kReadOnly;
  rocksdb::Options options;
  if (env != nullptr) options.env = env;
  options.create_if_missing = !read_only;
  options.create_missing_column_families = !read_only;
  options.max_background_jobs = 2;
  options.paranoid_checks = true;
  // The WAL is the durability point: replies go out only after a synced
  // write. Keep it on and recover strictly up to the last intact record.
  options.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;

  rocksdb::ColumnFamilyOptions cf_options;
  // Request ids are looked up once per command and almost never found:
  // whole-key bloom filters (in SST files and in the memtable) answer
  // "absent" without searching.
  rocksdb::ColumnFamilyOptions requests_options;
  requests_options.table_factory.reset(
      rocksdb::NewBlockBasedTableFactory(WholeKeyBloomTable()));
  requests_options.memtable_whole_key_filtering = true;
  requests_options.memtable_prefix_bloom_size_ratio = 0.05;
  // Read models are read by key (a balance, a dossier) and, while they are
  // rebuilt, from many level-0 files at once: whole-key bloom filters let a
  // lookup skip the files that do not hold the key.
  rocksdb::ColumnFamilyOptions projections_options;
  const rocksdb::BlockBasedTableOptions projections_table =
      WholeKeyBloomTable();
  projections_options.table_factory.reset(
      rocksdb::NewBlockBasedTableFactory(projections_table));
  projections_options.merge_operator = ProjectionsMergeOperator();
  // The log is read through in bulk (rebuilds, replays, as-of folds,
  // exports): LZ4 decompresses it faster than Snappy (reading and verifying
  // a million events: 7 % less CPU) and compresses it as well; blocks of
  // 16 KiB (not 4) take a few percent more off, and a single event read
  // (a statement line's) decompresses 16 KiB, a few microseconds.
  rocksdb::ColumnFamilyOptions events_options = cf_options;
  events_options.compression = rocksdb::kLZ4Compression;
  rocksdb::BlockBasedTableOptions events_table;
  events_table.block_size = 16 << 10;
  events_options.table_factory.reset(
      rocksdb::NewBlockBasedTableFactory(events_table));
  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, cf_options},
      {kEventsFamily, events_options},
      {kRequestsFamily, requests_options},
      {kMetaFamily, cf_options},
      {kProjectionsFamily, projections_options},
  };
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s =
      read_only ? rocksdb::DB::OpenForReadOnly(options, dir, families,
                                               &handles, &raw,
                                               /*error_if_wal_file_exists=*/false)
                : rocksdb::DB::Open(options, dir, families, &handles, &raw);
  if (!s.ok()) {
    if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
      return Reject(absl::StatusCode::kFailedPrecondition,
                    v1::ERROR_REASON_UNSPECIFIED,
                    absl::StrCat("the data dir ", dir,
                                 " is in use by another process (is reliefd "
                                 "running?): ",
                                 s.ToString()));
    }
    return FromRocks(s, absl::StrCat("opening the ledger in ", dir));
  }
  std::unique_ptr<EventLog> log(new EventLog());
  log->db_.reset(raw);
  log->read_only_ = read_only;
  log->default_ = handles[0];
  log->events_ = handles[1];
  log->requests_ = handles[2];
  log->meta_ = handles[3];
  log->projections_ = handles[4];
  log->dir_ = dir;
  log->options_ = options;
  log->bulk_table_options_ = projections_options;
  rocksdb::BlockBasedTableOptions bulk_table = projections_table;
  bulk_table.checksum = rocksdb::kXXH3;  // crc32c is slow in this build
  log->bulk_table_options_.table_factory.reset(
      rocksdb::NewBlockBasedTableFactory(bulk_table));
  if (!read_only) {
    // Files of a WriteSorted cut short by a crash were never ingested.
    std::vector<std::string> children;
    if (options.env->GetChildren(dir, &children).ok()) {
      for (const auto& name : children) {
        if (absl::EndsWith(name, kIngestSuffix)) {
          options.env->DeleteFile(absl::StrCat(dir, "/", name))
              .PermitUncheckedError();
        }
      }
    }
  }

  std::string format;
  s = raw->Get(rocksdb::ReadOptions(), log->meta_, kFormatKey, &format);
  if (s.IsNotFound() && read_only) {
    return Reject(absl::StatusCode::kFailedPrecondition,
                  v1::ERROR_REASON_UNSPECIFIED,
                  absl::StrCat(dir, " holds no ledger (no format marker)"));
  }
  if (s.IsNotFound()) {
    rocksdb::WriteOptions sync;
    sync.sync = true;
    if (auto st = FromRocks(raw->Put(sync, log->meta_, kFormatKey, kFormatValue),
                            "writing the format marker");
        !st.ok()) {
      return st;
    }
  } else if (!s.ok()) {
    return FromRocks(s, "reading the format marker");
  } else if (format != kFormatValue) {
    return Reject(absl::StatusCode::kFailedPrecondition,
                  v1::ERROR_REASON_UNSPECIFIED,
                  absl::StrCat("the data dir holds format '", format,
                               "', this reliefd reads '", kFormatValue, "'"));
  }
  return log;
}

EventLog::~EventLog() {
  if (db_ == nullptr) return;
  if (!read_only_ && injected_failure_.ok()) {
    // Write the memtables out, so the next open need not replay the WAL
    // (with 1,000,000 events that replay took seconds). Best effort: the
    // WAL still holds everything if this fails (a full disk).
    rocksdb::FlushOptions flush;
    flush.wait = true;
    std::vector<rocksdb::ColumnFamilyHandle*> families = {
        events_, requests_, meta_, projections_, default_};
    db_->Flush(flush, families).PermitUncheckedError();
  }
  for (auto* h : {events_, requests_, meta_, projections_, default_}) {
    if (h != nullptr) db_->DestroyColumnFamilyHandle(h);
  }
  db_->Close();
}

absl::Status EventLog::SetBulkLoading(rocksdb::ColumnFamilyHandle* family,
                                      bool bulk) {
  if (read_only_) return absl::OkStatus();
  // Bulk: files pile up in level 0 (a lookup skips most by their bloom
  // filters) and are compacted once when the load ends, instead of again
  // and again while it runs. Writes must not stall on the pile meanwhile:
  // RocksDB stalls every family's writes, the ledger's too.
  const rocksdb::ColumnFamilyOptions defaults;
  const auto number = [](int n) { return std::to_string(n); };
  rocksdb::Status s = db_->SetOptions(
      family,
      {{"disable_auto_compactions", bulk ? "true" : "false"},
       {"level0_slowdown_writes_trigger",
        number(bulk ? 1 << 20 : defaults.level0_slowdown_writes_trigger)},
       {"level0_stop_writes_trigger",
        number(bulk ? 1 << 20 : defaults.level0_stop_writes_trigger)}});
  return FromRocks(s, "changing the compaction of the read models");
}

absl::Status EventLog::WriteSorted(rocksdb::ColumnFamilyHandle* family,
                                   const std::vector<SortedRow>& rows) {
  if (!injected_failure_.ok()) return injected_failure_;
  if (rows.empty()) return absl::OkStatus();
  const std::string path =
      absl::StrCat(dir_, "/relief-ingest-", ingested_files_++, kIngestSuffix);
  // The family's options, but with a faster checksum: RocksDB compacts
  // these files into its own later.
  rocksdb::Options file_options(options_, bulk_table_options_);
  // Not compressed: RocksDB compacts these files soon (a rebuild piles
  // them up in level 0 and compacts them once at its end), compressing
  // them then; compressing them here too was most of the writing.
  file_options.compression = rocksdb::kNoCompression;
  // The file is read soon (the next chunk, queries): keep it in the page
  // cache.
  rocksdb::SstFileWriter writer(rocksdb::EnvOptions(file_options),
                                file_options, family,
                                /*invalidate_page_cache=*/false);
  rocksdb::Status s = writer.Open(path);
  for (size_t i = 0; s.ok() && i < rows.size(); ++i) {
    const rocksdb::Slice key(rows[i].key.data(), rows[i].key.size());
    const rocksdb::Slice value(rows[i].value.data(), rows[i].value.size());
    s = !rows[i].present  ? writer.Delete(key)
        : rows[i].extend ? writer.Merge(key, value)
                         : writer.Put(key, value);
  }
  if (s.ok()) s = writer.Finish();
  if (s.ok()) {
    rocksdb::IngestExternalFileOptions ingest;
    ingest.move_files = true;  // a hard link: nothing is copied
    s = db_->IngestExternalFile(family, {path}, ingest);
  }
  // Moved files were linked into the database; the name here goes either
  // way.
  options_.env->DeleteFile(path).PermitUncheckedError();
  return FromRocks(s, "writing read-model rows to the ledger");
}

absl::Status EventLog::Write(rocksdb::WriteBatch* batch, bool sync) {
  if (!injected_failure_.ok()) return injected_failure_;
  rocksdb::WriteOptions options;
  options.sync = sync;
  return FromRocks(db_->Write(options, batch), "writing to the ledger");
}

absl::StatusOr<LogHead> EventLog::ReadHead() const {
  LogHead head;
  head.hash = GenesisHash();
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), events_));
  it->SeekToLast();
  if (!it->Valid()) {
    if (auto s = FromRocks(it->status(), "reading the log head"); !s.ok()) {
      return s;
    }
    return head;
  }
  absl::string_view key(it->key().data(), it->key().size());
  absl::string_view value(it->value().data(), it->value().size());
  if (key.size() != 8 || value.size() < kSha256Bytes) {
    return DataLoss("the last record of the log is malformed");
  }
  v1::EventEnvelope envelope;
  absl::string_view payload = value.substr(kSha256Bytes);
  if (!envelope.ParseFromArray(payload.data(), static_cast<int>(payload.size())) ||
      envelope.sequence() != DecodeSequenceKey(key)) {
    return DataLoss(absl::StrCat("the last event (sequence ",
                                 DecodeSequenceKey(key),
                                 ") does not decode; run reliefd verify"));
  }
  head.sequence = envelope.sequence();
  head.hash = std::string(value.substr(0, kSha256Bytes));
  head.recorded_at_unix_micros = envelope.recorded_at_unix_micros();
  return head;
}

absl::StatusOr<std::string> EventLog::ReadHash(uint64_t sequence) const {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), events_,
                               EncodeSequenceKey(sequence), &value);
  if (s.IsNotFound()) {
    return NotFound(v1::ERROR_REASON_UNSPECIFIED,
                    absl::StrCat("no event with sequence ", sequence));
  }
  if (auto st = FromRocks(s, "reading an event"); !st.ok()) return st;
  if (value.size() < kSha256Bytes) {
    return DataLoss(absl::StrCat("event ", sequence, " is malformed"));
  }
  return value.substr(0, kSha256Bytes);
}

absl::StatusOr<std::optional<storage::v1::RequestRecord>>
EventLog::FindRequest(absl::string_view request_id) const {
  std::string value;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), requests_,
               rocksdb::Slice(request_id.data(), request_id.size()), &value);
  if (s.IsNotFound()) return std::nullopt;
  if (auto st = FromRocks(s, "reading a request record"); !st.ok()) return st;
  storage::v1::RequestRecord record;
  if (!record.ParseFromString(value)) {
    return DataLoss("a request record does not decode");
  }
  return record;
}

absl::StatusOr<std::optional<storage::v1::Snapshot>> EventLog::LoadSnapshot()
    const {
  std::string value;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), meta_, kSnapshotKey, &value);
  if (s.IsNotFound()) return std::nullopt;
  if (auto st = FromRocks(s, "reading the snapshot"); !st.ok()) return st;
  storage::v1::Snapshot snapshot;
  if (!snapshot.ParseFromString(value)) return std::nullopt;
  return snapshot;
}

absl::Status EventLog::SaveSnapshot(const storage::v1::Snapshot& snapshot) {
  std::string value;
  snapshot.SerializeToString(&value);
  rocksdb::WriteBatch batch;
  batch.Put(meta_, kSnapshotKey, value);
  return Write(&batch, /*sync=*/true);
}

absl::Status EventLog::VerifiedWalk(
    uint64_t from, uint64_t to,
    absl::FunctionRef<v1::EventEnvelope*()> slot,
    absl::FunctionRef<bool(const v1::EventEnvelope&)> visit,
    uint64_t* last) const {
  if (from == 0) from = 1;
  *last = from - 1;
  std::string previous_hash = GenesisHash();
  if (from > 1) {
    auto hash = ReadHash(from - 1);
    if (!hash.ok()) return hash.status();
    previous_hash = *std::move(hash);
  }
  ChainVerifier verifier(from - 1, std::move(previous_hash));
  rocksdb::ReadOptions read;
  if (to == 0 || to - from >= kLongWalkEvents) {
    // Long scans (replay, rebuilds, as-of folds) read the log sequentially
    // and once: read ahead, and leave the block cache to others.
    read.fill_cache = false;
    read.readahead_size = 2 << 20;
  }
  // Short ones (an event of a statement line) read a block or two: reading
  // 2 MiB ahead for them cost hundreds of microseconds each.
  const std::string end = to != 0 ? EncodeSequenceKey(to + 1) : std::string();
  const rocksdb::Slice upper(end);
  if (to != 0) read.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read, events_));
  for (it->Seek(EncodeSequenceKey(from)); it->Valid(); it->Next()) {
    v1::EventEnvelope* envelope = slot();
    if (!verifier.Check(absl::string_view(it->key().data(), it->key().size()),
                        absl::string_view(it->value().data(),
                                          it->value().size()),
                        envelope)) {
      return DataLoss(absl::StrCat("event ", verifier.bad_sequence(), ": ",
                                   verifier.problem(),
                                   "; run `reliefd verify` and restore from "
                                   "a backup"));
    }
    *last = verifier.last_good_sequence();
    if (!visit(*envelope)) return absl::OkStatus();
  }
  return FromRocks(it->status(), "scanning the log");
}

absl::Status EventLog::Scan(
    uint64_t from, uint64_t to,
    const std::function<bool(const v1::EventEnvelope&)>& visit) const {
  v1::EventEnvelope envelope;
  uint64_t last = 0;
  return VerifiedWalk(
      from, to, [&envelope] { return &envelope; }, visit, &last);
}

absl::Status EventLog::ReadRange(
    uint64_t from, uint64_t to,
    std::vector<std::unique_ptr<v1::EventEnvelope>>* envelopes,
    size_t* count) const {
  *count = 0;
  uint64_t last = 0;
  RELIEF_RETURN_IF_ERROR(VerifiedWalk(
      from, to,
      [&]() -> v1::EventEnvelope* {
        if (*count == envelopes->size()) {
          envelopes->push_back(std::make_unique<v1::EventEnvelope>());
        }
        return (*envelopes)[*count].get();
      },
      [&](const v1::EventEnvelope&) {
        ++*count;
        return true;
      },
      &last));
  if (last != to) {
    return absl::InternalError(absl::StrCat(
        "expected events up to ", to, " but the log ends at ", last));
  }
  return absl::OkStatus();
}

absl::Status EventLog::List(
    uint64_t after, uint64_t before, bool newest_first, uint32_t limit,
    const std::function<void(v1::EventEnvelope)>& visit) const {
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), events_));
  uint32_t n = 0;
  uint64_t bad_sequence = 0;
  auto emit = [&]() -> bool {
    absl::string_view value(it->value().data(), it->value().size());
    v1::EventEnvelope envelope;
    if (value.size() < kSha256Bytes ||
        !envelope.ParseFromArray(value.data() + kSha256Bytes,
                                 static_cast<int>(value.size() - kSha256Bytes))) {
      bad_sequence = DecodeSequenceKey(
          absl::string_view(it->key().data(), it->key().size()));
      return false;
    }
    envelope.set_hash(std::string(value.substr(0, kSha256Bytes)));
    visit(std::move(envelope));
    return ++n < limit;
  };
  if (newest_first) {
    if (before == 0) {
      it->SeekToLast();
    } else {
      it->SeekForPrev(EncodeSequenceKey(before - 1));
    }
    for (; it->Valid() && DecodeSequenceKey(absl::string_view(
                              it->key().data(), it->key().size())) > after;
         it->Prev()) {
      if (!emit()) break;
    }
  } else {
    for (it->Seek(EncodeSequenceKey(after + 1)); it->Valid(); it->Next()) {
      if (before != 0 && DecodeSequenceKey(absl::string_view(
                             it->key().data(), it->key().size())) >= before) {
        break;
      }
      if (!emit()) break;
    }
  }
  if (bad_sequence != 0) {
    return DataLoss(absl::StrCat("event ", bad_sequence,
                                 " does not decode; run `reliefd verify`"));
  }
  return FromRocks(it->status(), "listing events");
}

VerifyReport EventLog::Verify() const {
  VerifyReport report;
  ChainVerifier verifier(0, GenesisHash());
  rocksdb::ReadOptions read;
  read.fill_cache = false;
  read.verify_checksums = true;
  // One consistent view: the head reported is the one that was walked.
  const rocksdb::Snapshot* snapshot = db_->GetSnapshot();
  read.snapshot = snapshot;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read, events_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (!verifier.Check(absl::string_view(it->key().data(), it->key().size()),
                        absl::string_view(it->value().data(), it->value().size()),
                        nullptr)) {
      report.ok = false;
      report.first_bad_sequence = verifier.bad_sequence();
      report.problem = verifier.problem();
      break;
    }
  }
  if (report.ok && !it->status().ok()) {
    report.ok = false;
    report.first_bad_sequence = verifier.last_good_sequence() + 1;
    report.problem = absl::StrCat("storage error: ", it->status().ToString());
  }
  report.verified_through = verifier.last_good_sequence();
  report.head.sequence = verifier.last_good_sequence();
  report.head.hash = verifier.last_good_hash();
  if (!report.ok) {
    // Name the stored head too, so a person sees how much lies beyond.
    it->SeekToLast();
    if (it->Valid() && it->key().size() == 8) {
      report.head.sequence = DecodeSequenceKey(
          absl::string_view(it->key().data(), it->key().size()));
    }
  }
  it.reset();
  db_->ReleaseSnapshot(snapshot);
  return report;
}

}  // namespace relief
