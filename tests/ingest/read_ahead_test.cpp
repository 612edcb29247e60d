// The writer's read-ahead: a bounded distance ahead of the writer, never
// behind it, each record at most once, and never touching the records
// after End.
#include "ingest/read_ahead.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

namespace seam::ingest {
namespace {

std::vector<Record> Numbered(std::size_t n) {
  std::vector<Record> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i].record_key = std::to_string(i);
  return out;
}

std::vector<const Record*> Pointers(const std::vector<Record>& records) {
  std::vector<const Record*> out;
  for (const auto& r : records) out.push_back(&r);
  return out;
}

TEST(ReadAhead, StaysWithinItsDistanceAheadOfTheWriterAndWarmsEachRecordOnce) {
  const std::vector<Record> records = Numbered(200);
  std::mutex mu;
  std::vector<std::size_t> warmed;
  std::atomic<std::size_t> writer_at{0};
  std::atomic<bool> too_far{false};
  ReadAhead ahead("test-ahead", [&](const Record& r) {
    const std::size_t i = std::stoul(r.record_key);
    const std::size_t at = writer_at.load();
    if (i > at + 8) too_far = true;
    std::lock_guard lock(mu);
    warmed.push_back(i);
  }, /*lookahead=*/8);
  ahead.Begin(Pointers(records));
  for (std::size_t i = 0; i < records.size(); ++i) {
    writer_at = i;
    ahead.Reached(i);
    std::this_thread::sleep_for(std::chrono::microseconds(200));  // the writer's work
  }
  const ReadAhead::Counts counts = ahead.End();
  EXPECT_FALSE(too_far);
  std::lock_guard lock(mu);
  EXPECT_EQ(counts.warmed, warmed.size());
  // In order, each once; with a slow writer nearly every record is warmed.
  for (std::size_t k = 1; k < warmed.size(); ++k) EXPECT_LT(warmed[k - 1], warmed[k]);
  EXPECT_GT(warmed.size(), records.size() / 2);
  EXPECT_EQ(counts.warmed + counts.skipped, records.size()) << "each record warmed or skipped";
  EXPECT_EQ(std::count(warmed.begin(), warmed.end(), 0u), 0) << "the writer is on the first from the start";
}

TEST(ReadAhead, SkipsWhatTheWriterReachedFirstAndEndWaitsForTheRecordInHand) {
  const std::vector<Record> records = Numbered(50);
  std::atomic<bool> in_warm{false}, release{false};
  std::atomic<int> calls{0};
  std::atomic<bool> touched_after_end{false};
  std::atomic<bool> ended{false};
  ReadAhead ahead("test-ahead", [&](const Record&) {
    if (ended) touched_after_end = true;
    calls += 1;
    in_warm = true;
    while (!release) std::this_thread::yield();
    in_warm = false;
  }, /*lookahead=*/100);
  ahead.Begin(Pointers(records));
  while (!in_warm) std::this_thread::yield();  // it holds record 1
  ahead.Reached(40);                          // the writer overtakes it
  std::thread releaser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    release = true;
  });
  const ReadAhead::Counts counts = ahead.End();  // must wait for record 1
  ended = true;
  releaser.join();
  EXPECT_FALSE(in_warm);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(touched_after_end);
  // Record 1 only: End stopped it before it could go on past the writer.
  EXPECT_EQ(counts.warmed, 1u);
  EXPECT_EQ(calls.load(), 1);
}

TEST(ReadAhead, AGroupWithNothingToWarmNeedsNoThreadWork) {
  int calls = 0;
  ReadAhead ahead("test-ahead", [&](const Record&) { calls += 1; }, 8);
  ahead.Begin({});
  const ReadAhead::Counts counts = ahead.End();
  EXPECT_EQ(counts.warmed + counts.skipped, 0u);
  EXPECT_EQ(calls, 0);
}

}  // namespace
}  // namespace seam::ingest
