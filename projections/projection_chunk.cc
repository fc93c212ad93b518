// ProjectionChunk and ProjectionTxn (projection.h): the pending changes of
// a chunk of events, read-your-writes, written once and in key order.
#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "projections/projection.h"

namespace relief {

absl::string_view ByteArena::Copy(absl::string_view bytes) {
  if (bytes.empty()) return absl::string_view();
  char* to = Allocate(bytes.size());
  std::memcpy(to, bytes.data(), bytes.size());
  return absl::string_view(to, bytes.size());
}

char* ByteArena::Allocate(size_t size) {
  if (size > left_) {
    // Blocks grow from 4 KiB (a chunk of one event, following the writer,
    // needs little) to 1 MiB (a chunk of 32,768 events being rebuilt).
    const size_t block =
        std::min(kMaxBlockBytes, size_t{4096} << std::min<size_t>(
                                     blocks_.size(), 8));
    // A large value gets a block of its own; the current block stays.
    if (size > block / 4) {
      blocks_.push_back(std::make_unique<char[]>(size));
      return blocks_.back().get();
    }
    blocks_.push_back(std::make_unique<char[]>(block));
    next_ = blocks_.back().get();
    left_ = block;
  }
  char* out = next_;
  next_ += size;
  left_ -= size;
  return out;
}

ProjectionTxn::ProjectionTxn(ProjectionChunk* chunk, std::string prefix)
    : chunk_(chunk), prefix_(std::move(prefix)) {}

absl::StatusOr<std::optional<std::string>> ProjectionTxn::Get(
    absl::string_view key) {
  key_.assign(prefix_).append(key.data(), key.size());
  return chunk_->Get(key_);
}

void ProjectionTxn::Put(absl::string_view key, absl::string_view value) {
  key_.assign(prefix_).append(key.data(), key.size());
  chunk_->Set(key_, value);
}

void ProjectionTxn::Delete(absl::string_view key) {
  key_.assign(prefix_).append(key.data(), key.size());
  chunk_->Set(key_, std::nullopt);
}

void ProjectionTxn::Extend(absl::string_view key, absl::string_view bytes) {
  key_.assign(prefix_).append(key.data(), key.size());
  chunk_->Extend(key_, bytes);
}

google::protobuf::MessageLite* ProjectionTxn::FindMessage(
    absl::string_view key, absl::Status* status) {
  key_.assign(prefix_).append(key.data(), key.size());
  auto entry = chunk_->Find(key_);
  if (!entry.ok()) {
    *status = entry.status();
    return nullptr;
  }
  ProjectionChunk::Entry& e = **entry;
  if (e.message == nullptr) return nullptr;
  if (!e.dirty) {
    e.dirty = true;
    ++chunk_->changed_;
  }
  return e.message.get();
}

absl::Status ProjectionTxn::AdoptMessage(
    absl::string_view key, std::unique_ptr<google::protobuf::MessageLite> m) {
  // key_ still holds prefix_ + key (FindMessage just set it).
  (void)key;
  auto entry = chunk_->Find(key_);
  if (!entry.ok()) return entry.status();
  ProjectionChunk::Entry& e = **entry;
  if (e.present && !m->ParseFromArray(e.value.data(),
                                      static_cast<int>(e.value.size()))) {
    return absl::DataLossError(
        absl::StrCat("read model key ", key_, " does not decode"));
  }
  e.message = std::move(m);
  e.present = true;
  if (!e.dirty) {
    e.dirty = true;
    ++chunk_->changed_;
  }
  return absl::OkStatus();
}

absl::StatusOr<ProjectionChunk::Entry*> ProjectionChunk::Find(
    absl::string_view key) {
  if (auto it = entries_.find(key); it != entries_.end()) return &it->second;
  Entry entry;
  const ProjectionChunk::Entry* in_base = nullptr;
  if (base_ != nullptr) {
    if (auto it = base_->entries_.find(key); it != base_->entries_.end()) {
      in_base = &it->second;
    }
  }
  if (in_base != nullptr) {
    entry.present = in_base->present;
    if (entry.present) entry.value = arena_.Copy(in_base->value);
  } else {
    std::string value;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), family_,
                                 rocksdb::Slice(key.data(), key.size()), &value);
    if (!s.IsNotFound()) {
      RELIEF_RETURN_IF_ERROR(FromRocks(s, "reading a projection"));
      entry.present = true;
      entry.value = arena_.Copy(value);
    }
  }
  auto [it, inserted] = entries_.emplace(arena_.Copy(key), std::move(entry));
  return &it->second;
}

absl::StatusOr<std::optional<std::string>> ProjectionChunk::Get(
    absl::string_view key) {
  auto entry = Find(key);
  if (!entry.ok()) return entry.status();
  Entry& e = **entry;
  if (!e.present) return std::nullopt;
  if (e.message != nullptr) return e.message->SerializeAsString();
  return std::string(e.value);
}

ProjectionChunk::Entry& ProjectionChunk::Touch(absl::string_view key) {
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    it = entries_.emplace(arena_.Copy(key), Entry()).first;
  }
  if (!it->second.dirty) {
    it->second.dirty = true;
    ++changed_;
  }
  return it->second;
}

void ProjectionChunk::Set(absl::string_view key,
                          std::optional<absl::string_view> value) {
  Entry& e = Touch(key);
  e.message.reset();
  e.present = value.has_value();
  e.value = value.has_value() ? arena_.Copy(*value) : absl::string_view();
}

void ProjectionChunk::Extend(absl::string_view key, absl::string_view bytes) {
  auto it = extended_.find(key);
  if (it == extended_.end()) {
    it = extended_.emplace(arena_.Copy(key), std::string()).first;
  }
  it->second.append(bytes.data(), bytes.size());
}

absl::Status ProjectionChunk::Seal() {
  std::string buffer;
  for (auto& [key, entry] : entries_) {
    if (entry.message == nullptr) continue;
    buffer.clear();
    if (!entry.message->AppendToString(&buffer)) {
      return absl::InternalError(
          absl::StrCat("read model key ", key, " does not serialize"));
    }
    entry.value = arena_.Copy(buffer);
    entry.present = true;
    entry.message.reset();
  }
  sealed_ = true;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<EventLog::SortedRow>>
ProjectionChunk::SortedChanges() const {
  if (!sealed_) return absl::InternalError("a chunk was written unsealed");
  auto less = [](const EventLog::SortedRow& a, const EventLog::SortedRow& b) {
    return a.key < b.key;
  };
  std::vector<EventLog::SortedRow> changed;
  changed.reserve(changed_);
  for (const auto& [key, entry] : entries_) {
    if (entry.dirty) changed.push_back({key, entry.value, entry.present});
  }
  std::sort(changed.begin(), changed.end(), less);
  if (extended_.empty()) return changed;

  std::vector<EventLog::SortedRow> extended;
  extended.reserve(extended_.size());
  for (const auto& [key, bytes] : extended_) {
    extended.push_back({key, bytes, /*present=*/true, /*extend=*/true});
  }
  std::sort(extended.begin(), extended.end(), less);
  std::vector<EventLog::SortedRow> rows;
  rows.reserve(changed.size() + extended.size());
  std::merge(changed.begin(), changed.end(), extended.begin(), extended.end(),
             std::back_inserter(rows), less);
  for (size_t i = 1; i < rows.size(); ++i) {
    if (!(rows[i - 1].key < rows[i].key)) {
      return absl::InternalError(absl::StrCat(
          "read-model row ", rows[i].key,
          " was both extended and otherwise changed in a chunk"));
    }
  }
  return rows;
}

absl::Status ProjectionChunk::AppendChanges(rocksdb::WriteBatch* batch) const {
  auto rows = SortedChanges();
  if (!rows.ok()) return rows.status();
  for (const auto& row : *rows) {
    const rocksdb::Slice key(row.key.data(), row.key.size());
    const rocksdb::Slice value(row.value.data(), row.value.size());
    rocksdb::Status s = !row.present ? batch->Delete(family_, key)
                        : row.extend ? batch->Merge(family_, key, value)
                                     : batch->Put(family_, key, value);
    RELIEF_RETURN_IF_ERROR(FromRocks(s, "preparing read-model rows"));
  }
  return absl::OkStatus();
}

absl::Status ProjectionChunk::Drain(rocksdb::WriteBatch* batch) {
  RELIEF_RETURN_IF_ERROR(Seal());
  RELIEF_RETURN_IF_ERROR(AppendChanges(batch));
  entries_.clear();
  extended_.clear();
  changed_ = 0;
  arena_ = ByteArena();
  sealed_ = false;
  return absl::OkStatus();
}

}  // namespace relief
