#include "harness/stored_events.h"

#include <memory>
#include <vector>

#include "ledger/store/event_log.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"

namespace relief::testing {
namespace {

std::string SequenceKey(uint64_t sequence) {
  std::string key(8, '\0');
  for (int i = 7; i >= 0; --i) {
    key[i] = static_cast<char>(sequence & 0xff);
    sequence >>= 8;
  }
  return key;
}

}  // namespace

::testing::AssertionResult EditStoredEvent(
    const std::string& dir, uint64_t sequence,
    const std::function<bool(std::string*)>& edit) {
  std::vector<std::string> names;
  rocksdb::Status status =
      rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir, &names);
  if (!status.ok()) {
    return ::testing::AssertionFailure()
           << "ListColumnFamilies: " << status.ToString();
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  int events_index = -1;
  for (const std::string& name : names) {
    if (name == "events") events_index = static_cast<int>(descriptors.size());
    rocksdb::ColumnFamilyOptions options;
    // Read-model rows extended by merges may be flushed from the WAL.
    if (name == "projections") {
      options.merge_operator = relief::ProjectionsMergeOperator();
    }
    descriptors.emplace_back(name, options);
  }
  if (events_index < 0) {
    return ::testing::AssertionFailure() << "no column family \"events\"";
  }
  rocksdb::DB* raw = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  status = rocksdb::DB::Open(rocksdb::DBOptions(), dir, descriptors,
                             &handles, &raw);
  if (!status.ok()) {
    return ::testing::AssertionFailure() << "Open: " << status.ToString();
  }
  std::unique_ptr<rocksdb::DB> db(raw);
  auto close = [&] {
    for (rocksdb::ColumnFamilyHandle* handle : handles) {
      db->DestroyColumnFamilyHandle(handle);
    }
    rocksdb::Status closed = db->Close();
    db.reset();
    return closed;
  };
  rocksdb::ColumnFamilyHandle* events = handles[events_index];
  std::string value;
  status = db->Get(rocksdb::ReadOptions(), events, SequenceKey(sequence), &value);
  if (!status.ok()) {
    close();
    return ::testing::AssertionFailure()
           << "Get(" << sequence << "): " << status.ToString();
  }
  if (value.size() <= kStoredHashBytes) {
    close();
    return ::testing::AssertionFailure()
           << "stored value of " << sequence << " has only " << value.size()
           << " bytes";
  }
  const std::string original = value;
  if (!edit(&value) || value == original) {
    close();
    return ::testing::AssertionFailure() << "edit did not change the value";
  }
  rocksdb::WriteOptions write_options;
  write_options.sync = true;
  status = db->Put(write_options, events, SequenceKey(sequence), value);
  rocksdb::Status closed = close();
  if (!status.ok() || !closed.ok()) {
    return ::testing::AssertionFailure()
           << "Put: " << status.ToString() << ", Close: " << closed.ToString();
  }
  return ::testing::AssertionSuccess();
}

}  // namespace relief::testing
