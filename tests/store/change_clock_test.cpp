// The change clock tells a reader that kept something derived from stored
// keys whether any of them was written since: a kept profile answer must
// never outlive a write to what it was read from.
#include "store/change_clock.h"

#include <gtest/gtest.h>

#include <array>
#include <thread>

#include "seam/crypto.h"
#include "store/store.h"
#include "support/temp_dir.h"

namespace seam::store {
namespace {

using Tokens = std::vector<ChangeClock::Token>;

Tokens TokensOf(std::initializer_list<std::string_view> keys) {
  Tokens out;
  for (auto k : keys) out.push_back(ChangeClock::TokenOf(k));
  return out;
}

TEST(ChangeClock, AStampedKeyIsChangedSinceAnyEarlierReading) {
  ChangeClock clock;
  ASSERT_NE(ChangeClock::TokenOf("profile-a"), ChangeClock::TokenOf("node-a"));
  const auto before = clock.Now();
  clock.Stamp(std::array<std::string_view, 2>{"profile-a", "node-a"});
  EXPECT_GT(clock.Now(), before);
  EXPECT_FALSE(clock.UnchangedSince(TokensOf({"profile-a"}), before));
  EXPECT_FALSE(clock.UnchangedSince(TokensOf({"other", "node-a"}), before));
  // Read after the write: exact until the next write of those keys.
  const auto after = clock.Now();
  EXPECT_TRUE(clock.UnchangedSince(TokensOf({"profile-a", "node-a"}), after));
  clock.Stamp(std::array<std::string_view, 1>{"node-a"});
  EXPECT_TRUE(clock.UnchangedSince(TokensOf({"profile-a"}), after));
  EXPECT_FALSE(clock.UnchangedSince(TokensOf({"node-a"}), after));
}

TEST(ChangeClock, KeysNotWrittenStayUnchanged) {
  ChangeClock clock;
  const auto as_of = clock.Now();
  ASSERT_NE(ChangeClock::TokenOf("written"), ChangeClock::TokenOf("kept"));
  clock.Stamp(std::array<std::string_view, 1>{"written"});
  EXPECT_TRUE(clock.UnchangedSince(TokensOf({"kept"}), as_of));
}

TEST(ChangeClock, ConcurrentStampsNeverMoveASlotBack) {
  ChangeClock clock;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 20000; ++i) clock.Stamp(std::array<std::string_view, 1>{"shared"});
    });
  for (auto& t : threads) t.join();
  // Every stamp numbered its write; the last number is the slot's.
  EXPECT_EQ(clock.Now(), 80000u);
  EXPECT_TRUE(clock.UnchangedSince(TokensOf({"shared"}), clock.Now()));
  EXPECT_FALSE(clock.UnchangedSince(TokensOf({"shared"}), clock.Now() - 1));
}

Key256 TestKey() {
  Key256 k{};
  k.fill(9);
  return k;
}

class StoreChanges : public ::testing::Test {
 protected:
  StoreChanges() : sealer_(TestKey(), true) {
    StoreOptions options;
    options.path = dir_.str();
    auto opened = Store::Open(options, sealer_);
    EXPECT_TRUE(opened.ok()) << opened.status().message();
    if (opened.ok()) store_ = std::move(*opened);
  }
  testing::TempDir dir_;
  Sealer sealer_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreChanges, ACommittedBatchStampsEveryKeyItWrote) {
  ASSERT_TRUE(store_);
  const auto as_of = store_->changes().Now();
  Batch batch(*store_);
  batch.Put(Cf::kClusters, "p-1", "cluster");
  batch.Put(Cf::kProfiles, "p-2", "stats");
  batch.Delete(Cf::kNodeProfile, "n-1");
  ASSERT_TRUE(batch.Commit(false).ok());
  for (auto key : {"p-1", "p-2", "n-1"})
    EXPECT_FALSE(store_->changes().UnchangedSince(TokensOf({key}), as_of)) << key;
  ASSERT_NE(ChangeClock::TokenOf("p-3"), ChangeClock::TokenOf("p-1"));
  EXPECT_TRUE(store_->changes().UnchangedSince(TokensOf({"p-3"}), as_of));
}

TEST_F(StoreChanges, WritesOutsideTheWriterStampToo) {
  ASSERT_TRUE(store_);
  const auto as_of = store_->changes().Now();
  ASSERT_TRUE(store_->PutOne(Cf::kImports, "imp-1", "{}", false).ok());
  ASSERT_TRUE(store_->PutMeta("model", "m", false).ok());
  EXPECT_FALSE(store_->changes().UnchangedSince(TokensOf({"imp-1"}), as_of));
  EXPECT_FALSE(store_->changes().UnchangedSince(TokensOf({"model"}), as_of));
  const auto later = store_->changes().Now();
  ASSERT_TRUE(store_->DeleteMeta("model", false).ok());
  EXPECT_FALSE(store_->changes().UnchangedSince(TokensOf({"model"}), later));
}

TEST_F(StoreChanges, AnEmptyBatchIsNoWrite) {
  ASSERT_TRUE(store_);
  const auto as_of = store_->changes().Now();
  Batch batch(*store_);
  ASSERT_TRUE(batch.Commit(true).ok());
  EXPECT_EQ(store_->changes().Now(), as_of);
}

}  // namespace
}  // namespace seam::store
