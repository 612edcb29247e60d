#include "common/two_generation_cache.h"

#include <gtest/gtest.h>

#include <string>

namespace seam {
namespace {

std::size_t Bytes(std::string_view key, const std::string& value) { return key.size() + value.size(); }

TEST(TwoGenerationCache, FindsWhatWasPut) {
  TwoGenerationCache<std::string> cache(1 << 20, Bytes);
  EXPECT_EQ(cache.Find("a"), std::nullopt);
  cache.Put("a", "1");
  EXPECT_EQ(cache.Find("a"), "1");
}

TEST(TwoGenerationCache, AReplacedValueIsNeverAnsweredAgain) {
  // A tiny budget so that shards turn over while the key is rewritten: the
  // old value must not come back from the previous generation.
  TwoGenerationCache<std::string> cache(16 * 8, Bytes);
  for (int i = 0; i < 1000; ++i) {
    cache.Put("k", "v" + std::to_string(i));
    cache.Put("filler" + std::to_string(i), "x");
    auto got = cache.Find("k");
    ASSERT_TRUE(!got || *got == "v" + std::to_string(i)) << *got;
  }
}

TEST(TwoGenerationCache, HoldsAtMostTwiceItsBudget) {
  const std::size_t budget = 16 * 100;  // 100 bytes a shard
  TwoGenerationCache<std::string> cache(budget, Bytes);
  for (int i = 0; i < 100000; ++i) cache.Put("key" + std::to_string(i), std::string(10, 'v'));
  int kept = 0;
  for (int i = 0; i < 100000; ++i) kept += cache.Find("key" + std::to_string(i)).has_value();
  // Each entry costs ~18 bytes: at most 2 x 100 / 18 per shard survive.
  EXPECT_GT(kept, 0);
  EXPECT_LE(kept * 18, static_cast<int>(2 * budget));
}

TEST(TwoGenerationCache, AnEntryOverTheShardBudgetIsNotKept) {
  TwoGenerationCache<std::string> cache(16 * 10, Bytes);
  cache.Put("small", "1");
  cache.Put("big", std::string(100, 'x'));
  EXPECT_EQ(cache.Find("big"), std::nullopt);
  EXPECT_EQ(cache.Find("small"), "1");
}

}  // namespace
}  // namespace seam
