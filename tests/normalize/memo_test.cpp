#include "normalize/memo.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "seam/normalize.h"

namespace seam::normalize {
namespace {

TEST(StringMemo, AnswersRepeatsWithoutRecomputing) {
  StringMemo memo(1024);
  int calls = 0;
  auto upper = [&](std::string_view s) -> StringMemo::Value {
    ++calls;
    if (s.empty()) return std::nullopt;
    return std::string(s) + "!";
  };
  EXPECT_EQ(memo.Get("abc", upper), "abc!");
  EXPECT_EQ(memo.Get("abc", upper), "abc!");
  EXPECT_EQ(calls, 1);
  // A "cannot normalise" answer is remembered too.
  EXPECT_EQ(memo.Get("", upper), std::nullopt);
  EXPECT_EQ(memo.Get("", upper), std::nullopt);
  EXPECT_EQ(calls, 2);
}

TEST(StringMemo, StaysBoundedAndKeepsWhatIsUsed) {
  // 16 shards of 4: at most 2 generations x 4 entries per shard survive.
  StringMemo memo(64);
  int calls = 0;
  auto id = [&](std::string_view s) -> StringMemo::Value {
    ++calls;
    return std::string(s);
  };
  for (int round = 0; round < 3; ++round)
    for (int i = 0; i < 10000; ++i) {
      memo.Get("hot", id);  // used all the time: promoted, never dropped
      memo.Get("cold" + std::to_string(i), id);
    }
  // Each cold key was computed every round; "hot" only once.
  EXPECT_EQ(calls, 1 + 3 * 10000);
}

TEST(StringMemo, LongInputsAreComputedEveryTime) {
  StringMemo memo(1024, 8);
  int calls = 0;
  auto id = [&](std::string_view s) -> StringMemo::Value {
    ++calls;
    return std::string(s);
  };
  memo.Get("0123456789", id);
  memo.Get("0123456789", id);
  EXPECT_EQ(calls, 2);
}

TEST(StringMemo, ManyThreadsGetTheComputedAnswer) {
  StringMemo memo(256);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 20000; ++i) {
        const std::string key = "k" + std::to_string(i % 500);
        auto v = memo.Get(key, [](std::string_view s) -> StringMemo::Value { return std::string(s) + "v"; });
        if (v != key + "v") ++wrong;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(NormalizerPhoneMemo, RepeatedAndInvalidPhonesKeepTheirAnswers) {
  Normalizer n("KR");
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(n.Phone("010-1234-5678"), "+821012345678");
    EXPECT_EQ(n.Phone("not a phone"), std::nullopt);
  }
  // Copies share the memo and the region, so they agree.
  Normalizer copy = n;
  EXPECT_EQ(copy.Phone("010-1234-5678"), "+821012345678");
  // Another region's normaliser has its own memo: the same digits mean
  // another number there.
  Normalizer us("US");
  EXPECT_EQ(us.Phone("(201) 555-0123"), "+12015550123");
  EXPECT_EQ(n.Phone("(201) 555-0123"), std::nullopt);
}

}  // namespace
}  // namespace seam::normalize
