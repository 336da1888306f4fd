// A flag a statement checks between batches, set from the JS thread by an AbortSignal.
#pragma once
#include <atomic>

namespace replaydb {

class CancellationToken {
 public:
  void cancel() { cancelled_.store(true, std::memory_order_relaxed); }
  bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }

 private:
  std::atomic<bool> cancelled_{false};
};

}  // namespace replaydb
