// The loader's background thread (see prefetch_thread.hpp).
#include "loader/prefetch_thread.hpp"

namespace replaydb::loader {

PrefetchThread::PrefetchThread() : thread_([this] { run(); }) {}

PrefetchThread::~PrefetchThread() { stop(); }

void PrefetchThread::submit(Task task) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.emplace_back(std::move(task), stopping_);
  }
  wake_.notify_one();
}

void PrefetchThread::cancel_and_wait() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (auto& entry : queue_) entry.second = true;
  idle_.wait(lock, [this] { return !running_task_; });
}

void PrefetchThread::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
    for (auto& entry : queue_) entry.second = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void PrefetchThread::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and every task has run
    auto [task, cancelled] = std::move(queue_.front());
    queue_.pop_front();
    running_task_ = true;
    lock.unlock();
    task(cancelled);
    lock.lock();
    running_task_ = false;
    idle_.notify_all();
  }
}

}  // namespace replaydb::loader
