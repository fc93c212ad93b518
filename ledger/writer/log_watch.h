// LogWatch: the committed head of the log, for readers that follow it live
// (AuditService.Subscribe). The writer's commit listener publishes each new
// head; a follower waits for the head to move past what it has read.
//
// Thread-safe.
#ifndef RELIEF_LEDGER_WRITER_LOG_WATCH_H_
#define RELIEF_LEDGER_WRITER_LOG_WATCH_H_

#include <cstdint>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace relief {

class LogWatch {
 public:
  // A head never goes backwards; a lower one is ignored.
  void Publish(uint64_t head) {
    absl::MutexLock lock(&mu_);
    if (head > head_) head_ = head;
  }
  // Wakes every waiter for good: the server is stopping.
  void Close() {
    absl::MutexLock lock(&mu_);
    closed_ = true;
  }
  bool closed() const {
    absl::MutexLock lock(&mu_);
    return closed_;
  }
  uint64_t head() const {
    absl::MutexLock lock(&mu_);
    return head_;
  }
  // Waits until the head is beyond `after`, the watch is closed, or the
  // deadline passes; returns the head then.
  uint64_t WaitBeyond(uint64_t after, absl::Time deadline) const {
    absl::MutexLock lock(&mu_);
    auto moved = [this, after]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return head_ > after || closed_;
    };
    mu_.AwaitWithDeadline(absl::Condition(&moved), deadline);
    return head_;
  }

 private:
  mutable absl::Mutex mu_;
  uint64_t head_ ABSL_GUARDED_BY(mu_) = 0;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace relief

#endif  // RELIEF_LEDGER_WRITER_LOG_WATCH_H_
