// Destroys values on a thread of its own, so that a busy thread does not pay
// for freeing what it is done with. The single writer freed every group's
// Records (JSON trees and many small strings) itself, which took a tenth of
// its time; the writer is the one stage that cannot use the second core.
//
// Bounded: when `max_pending` values are already waiting, Release destroys
// the value on the caller's thread instead, so memory cannot pile up behind a
// releaser that falls behind.
#pragma once

#include <pthread.h>

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace seam {

template <typename T>
class BackgroundRelease {
 public:
  // `thread_name` (at most 15 characters) names the thread in top -H and perf.
  explicit BackgroundRelease(std::string thread_name, std::size_t max_pending = 8)
      : max_pending_(max_pending), thread_([this, name = std::move(thread_name)] {
          pthread_setname_np(pthread_self(), name.c_str());
          Loop();
        }) {}
  BackgroundRelease(const BackgroundRelease&) = delete;
  BackgroundRelease& operator=(const BackgroundRelease&) = delete;

  // Destroys whatever is still pending, then joins.
  ~BackgroundRelease() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }

  void Release(T value) {
    {
      std::lock_guard lock(mu_);
      if (pending_.size() < max_pending_) {
        pending_.push_back(std::move(value));
        value = T();
      }
    }
    cv_.notify_one();
    // `value` is empty here unless the queue was full: then it is freed now,
    // after the lock is dropped.
  }

 private:
  void Loop() {
    std::vector<T> batch;
    for (;;) {
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
        if (pending_.empty()) return;  // stopping, nothing left
        batch.swap(pending_);
      }
      batch.clear();  // the destruction happens here, outside the lock
    }
  }

  const std::size_t max_pending_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<T> pending_;
  bool stopping_ = false;
  std::thread thread_;  // last: it starts once everything above is built
};

}  // namespace seam
