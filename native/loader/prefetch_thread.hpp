// The loader's background threads: a small pool that runs gather tasks while the JS thread
// trains on earlier batches. Each task has two parts. `plan` parts run one at a time and
// strictly in submission order (they advance the stream's cursor); `work` parts (the copy)
// may run on several threads at once: with one batch per task, batches are independent
// once planned, so n threads gather n batches in parallel (the binding uses one; see
// kGatherThreads there). It knows nothing of Node: the binding wraps each task so that its
// completion is handed back to the JS thread.
//
// Invariant the binding relies on: once cancel_and_wait() returns, no task is writing and
// none will write again (queued tasks run with cancelled = true and skip both parts), so
// the memory they were given (a mapped WebGPU range) may be released.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace replaydb::loader {

class PrefetchThread {
 public:
  /** Runs exactly once per task; `cancelled` tells it to skip its work. */
  using Part = std::function<void(bool cancelled)>;

  explicit PrefetchThread(size_t threads = 1);
  ~PrefetchThread();  // stop()
  PrefetchThread(const PrefetchThread&) = delete;
  PrefetchThread& operator=(const PrefetchThread&) = delete;

  /** Queues a task: `plan` in order with every other task's plan, then `work`. */
  void submit(Part plan, Part work);
  /** Marks every queued task cancelled and blocks until no task is running. */
  void cancel_and_wait();
  /** cancel_and_wait(), runs what is queued as cancelled, and joins the threads. Idempotent. */
  void stop();

 private:
  struct Task {
    Part plan;
    Part work;
    bool cancelled;
    uint64_t ticket;
  };

  void run();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::condition_variable turn_;
  std::deque<Task> queue_;
  uint64_t next_ticket_ = 0;   // given to the next submitted task
  uint64_t planning_turn_ = 0; // the ticket whose plan runs next
  size_t running_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace replaydb::loader
