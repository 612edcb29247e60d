// Runs a warm-up function over the records of the group the writer is
// resolving, on a thread of its own, a bounded distance ahead of it: the
// single writer then finds what they read already decoded or cached
// (identity/candidate_prefetch.h), using the core it leaves idle.
//
// Ahead by at most `lookahead` records, so that what is warmed is still
// cached when the writer gets there; a record the writer has reached is
// skipped. The records are only read, and only between Begin and End. The
// thread runs at nice 10: it uses the CPU the others leave.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "seam/record.h"

namespace seam::ingest {

class ReadAhead {
 public:
  using Warm = std::function<void(const Record&)>;
  // `thread_name` (at most 15 characters) names the thread in top -H and perf.
  ReadAhead(std::string thread_name, Warm warm, std::size_t lookahead);
  ~ReadAhead();
  ReadAhead(const ReadAhead&) = delete;
  ReadAhead& operator=(const ReadAhead&) = delete;

  // Writer thread. The records (in the order the writer will resolve them)
  // must stay alive and unchanged until End returns.
  void Begin(std::vector<const Record*> records);
  // The writer is resolving records[index] (of those given to Begin).
  void Reached(std::size_t index);
  // Of the group's records: warmed, and skipped because the writer got
  // there first.
  struct Counts {
    std::size_t warmed = 0, skipped = 0;
  };
  // Returns once the records are no longer read.
  Counts End();

 private:
  void Loop();

  const Warm warm_;
  const std::size_t lookahead_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<const Record*> records_;
  std::size_t next_ = 0;     // the next record to warm
  std::size_t reached_ = 0;  // the record the writer is on
  bool active_ = false, busy_ = false, waiting_ = false, stopping_ = false;
  Counts counts_;
  std::thread thread_;
};

}  // namespace seam::ingest
