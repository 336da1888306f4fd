// The loader's background thread: runs gather tasks one at a time, in the order they were
// submitted, while the JS thread trains on earlier batches. It knows nothing of Node: the
// binding wraps each task so that its completion is handed back to the JS thread.
//
// Invariant the binding relies on: once cancel_and_wait() returns, no task is writing and
// none will write again (queued tasks run with cancelled = true and skip their work), so
// the memory they were given (a mapped WebGPU range) may be released.
#pragma once
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace replaydb::loader {

class PrefetchThread {
 public:
  /** A task runs exactly once, on the thread; `cancelled` tells it to skip its work. */
  using Task = std::function<void(bool cancelled)>;

  PrefetchThread();
  ~PrefetchThread();  // stop()
  PrefetchThread(const PrefetchThread&) = delete;
  PrefetchThread& operator=(const PrefetchThread&) = delete;

  void submit(Task task);
  /** Marks every queued task cancelled and blocks until the running task (if any) has finished. */
  void cancel_and_wait();
  /** cancel_and_wait(), runs what is queued as cancelled, and joins the thread. Idempotent. */
  void stop();

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<std::pair<Task, bool>> queue_;
  bool running_task_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace replaydb::loader
