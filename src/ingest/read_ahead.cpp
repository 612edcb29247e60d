#include "ingest/read_ahead.h"

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

namespace seam::ingest {

ReadAhead::ReadAhead(std::string thread_name, Warm warm, std::size_t lookahead)
    : warm_(std::move(warm)), lookahead_(lookahead < 1 ? 1 : lookahead) {
  thread_ = std::thread([this, name = std::move(thread_name)] {
    pthread_setname_np(pthread_self(), name.c_str());
    // Idle CPU only: at nice 10 the scheduler gives this thread what the
    // writer and the request threads leave. Reading ahead is worth it when
    // the writer is the bottleneck and a core idles (an import); under
    // request load it would take the core the parsing needs. Failure to
    // lower the priority leaves it at the default, which is only slower.
    (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 10);
    Loop();
  });
}

ReadAhead::~ReadAhead() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void ReadAhead::Begin(std::vector<const Record*> records) {
  {
    std::lock_guard lock(mu_);
    records_ = std::move(records);
    next_ = 0;
    reached_ = 0;
    counts_ = Counts{};
    active_ = !records_.empty();
  }
  cv_.notify_all();
}

void ReadAhead::Reached(std::size_t index) {
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    reached_ = index;
    wake = waiting_;
  }
  if (wake) cv_.notify_all();
}

ReadAhead::Counts ReadAhead::End() {
  std::unique_lock lock(mu_);
  active_ = false;
  cv_.wait(lock, [&] { return !busy_; });
  records_.clear();
  return std::exchange(counts_, Counts{});
}

void ReadAhead::Loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    waiting_ = true;
    cv_.wait(lock, [&] {
      return stopping_ || (active_ && next_ < records_.size() && next_ < reached_ + 1 + lookahead_);
    });
    waiting_ = false;
    if (stopping_) return;
    if (next_ <= reached_) {
      // The writer is on it or past it already: warming it would only compete.
      const std::size_t to = std::min(reached_ + 1, records_.size());
      counts_.skipped += to - next_;
      next_ = to;
      continue;
    }
    const Record* record = records_[next_++];
    busy_ = true;
    lock.unlock();
    warm_(*record);
    lock.lock();
    busy_ = false;
    counts_.warmed += 1;
    if (!active_) cv_.notify_all();  // End is waiting
  }
}

}  // namespace seam::ingest
