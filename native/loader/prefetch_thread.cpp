// The loader's background threads (see prefetch_thread.hpp).
#include "loader/prefetch_thread.hpp"

#include <algorithm>

namespace replaydb::loader {

PrefetchThread::PrefetchThread(size_t threads) {
  for (size_t i = 0; i < std::max<size_t>(1, threads); i++) threads_.emplace_back([this] { run(); });
}

PrefetchThread::~PrefetchThread() { stop(); }

void PrefetchThread::submit(Part plan, Part work) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(Task{std::move(plan), std::move(work), stopping_, next_ticket_++});
  }
  wake_.notify_one();
}

void PrefetchThread::cancel_and_wait() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (Task& task : queue_) task.cancelled = true;
  idle_.wait(lock, [this] { return running_ == 0; });
}

void PrefetchThread::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    for (Task& task : queue_) task.cancelled = true;
  }
  wake_.notify_all();
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
}

void PrefetchThread::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and every task has run
    Task task = std::move(queue_.front());
    queue_.pop_front();
    running_++;
    // Plans run in ticket order: tasks leave the queue in that order, but two threads may
    // reach this point the other way round.
    turn_.wait(lock, [&] { return planning_turn_ == task.ticket; });
    const bool cancelled = task.cancelled;
    lock.unlock();
    task.plan(cancelled);
    lock.lock();
    planning_turn_++;
    turn_.notify_all();
    lock.unlock();
    task.work(cancelled);
    lock.lock();
    running_--;
    if (running_ == 0) idle_.notify_all();
  }
}

}  // namespace replaydb::loader
