// The decoded-candidate cache shared by the writer and its read-ahead:
// bounded by entries, least recently used out first, an entry in use kept
// alive past its eviction, and safe to fill from two threads at once.
#include "identity/prepared_cache.h"

#include <algorithm>
#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "identity/graph.h"
#include "identity/match_model.h"

namespace seam::identity {
namespace {

PreparedEntry EntryFor(const std::string& node) {
  PreparedEntry e;
  e.blocks = {node + "-block"};
  return e;
}

TEST(PreparedCache, EvictsTheLeastRecentlyUsedAtCapacity) {
  PreparedCache cache(3);
  cache.Insert("a", EntryFor("a"));
  cache.Insert("b", EntryFor("b"));
  cache.Insert("c", EntryFor("c"));
  ASSERT_TRUE(cache.Find("a"));  // a is now the most recent: b goes first
  cache.Insert("d", EntryFor("d"));
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_FALSE(cache.Find("b"));
  EXPECT_TRUE(cache.Find("a"));
  EXPECT_TRUE(cache.Find("c"));
  EXPECT_TRUE(cache.Find("d"));
}

TEST(PreparedCache, AnEntryInUseOutlivesItsEviction) {
  PreparedCache cache(1);
  const PreparedCache::Ptr held = cache.Insert("a", EntryFor("a"));
  cache.Insert("b", EntryFor("b"));
  EXPECT_FALSE(cache.Find("a"));
  ASSERT_TRUE(held);
  EXPECT_EQ(held->blocks, std::vector<std::string>{"a-block"});
}

TEST(PreparedCache, TheFirstEntryForANodeStaysAndEraseForgetsIt) {
  PreparedCache cache(4);
  cache.Insert("a", EntryFor("a"));
  const PreparedCache::Ptr again = cache.Insert("a", EntryFor("other"));
  EXPECT_EQ(again->blocks, std::vector<std::string>{"a-block"});
  EXPECT_EQ(cache.size(), 1u);
  cache.Erase("a");
  EXPECT_FALSE(cache.Find("a"));
  EXPECT_EQ(cache.size(), 0u);
}

TEST(PreparedCache, TwoThreadsFillingAndReadingItSeeOnlyRightEntries) {
  PreparedCache cache(64);
  std::atomic<bool> wrong{false};
  auto work = [&](int seed) {
    for (int i = 0; i < 20000; ++i) {
      const std::string node = "n" + std::to_string((i * 7 + seed) % 500);
      if (auto hit = cache.Find(node)) {
        if (hit->blocks.front() != node + "-block") wrong = true;
      } else {
        if (cache.Insert(node, EntryFor(node))->blocks.front() != node + "-block") wrong = true;
      }
      if (cache.size() > cache.capacity()) wrong = true;
    }
  };
  std::thread other(work, 1);
  work(2);
  other.join();
  EXPECT_FALSE(wrong);
  EXPECT_LE(cache.size(), 64u);
}

TEST(PreparedCache, HashedBlocksAreSortedDistinctAndKeyed) {
  Key256 k1{}, k2{};
  k1.fill(1);
  k2.fill(2);
  PersonAttributes p;
  p.first_name = "민수";
  p.last_name = "김";
  p.full_name = "김민수";
  p.birth_date = "1990-01-02";
  p.postal_code = "06236";
  p.phones = {"+821012345678"};
  const PreparedPerson prepared = Prepare(p);
  const auto blocks = HashedBlocksOf(k1, prepared);
  ASSERT_GE(blocks.size(), 3u);
  EXPECT_TRUE(std::is_sorted(blocks.begin(), blocks.end()));
  EXPECT_EQ(std::adjacent_find(blocks.begin(), blocks.end()), blocks.end());
  for (const auto& b : blocks) {
    EXPECT_EQ(b.size(), 16u);
    EXPECT_EQ(b.find("1990"), std::string::npos) << "no personal value in a stored block key";
  }
  EXPECT_NE(HashedBlocksOf(k2, prepared), blocks) << "another lookup key, other block keys";
}

}  // namespace
}  // namespace seam::identity
