// The writer's decoded-object tables share one memory budget: clean objects
// of every table are evicted least recently used first once the budget is
// full, evicted objects read back from the store unchanged, and a table that
// goes away takes its objects out of the budget.
#include "store/object_table.h"

#include <gtest/gtest.h>

#include <vector>

#include "seam/crypto.h"
#include "store/cache_budget.h"
#include "store/store.h"
#include "support/temp_dir.h"

namespace seam::store {
namespace {

struct Blob {
  std::string bytes;
  std::string Encode() const { return bytes; }
  static bool Decode(std::string_view in, Blob& out) {
    out.bytes = std::string(in);
    return true;
  }
};

class FakeOwner final : public CacheBudget::Owner {
 public:
  void Evict(void* entry) override { evicted.push_back(*static_cast<int*>(entry)); }
  std::unique_ptr<CacheBudget::Released> TakeEvicted() override { return nullptr; }
  std::vector<int> evicted;
};

TEST(CacheBudget, EvictsTheLeastRecentlyUsedOfEveryOwnerUntilItFits) {
  CacheBudget budget(300);
  FakeOwner a, b;
  int ids[] = {0, 1, 2, 3};
  auto h0 = budget.Add(&a, &ids[0], 100);
  budget.Add(&b, &ids[1], 100);
  budget.Add(&a, &ids[2], 100);
  budget.Touch(h0);  // 0 is now the most recent
  budget.Add(&b, &ids[3], 100);
  EXPECT_EQ(budget.used_bytes(), 400u);
  budget.Trim();
  EXPECT_EQ(budget.used_bytes(), 300u);
  EXPECT_EQ(b.evicted, std::vector<int>{1});
  EXPECT_TRUE(a.evicted.empty());
  budget.Remove(h0);
  EXPECT_EQ(budget.used_bytes(), 200u);
  budget.Trim();
  EXPECT_EQ(budget.entries(), 2u) << "within the limit nothing more goes";
}

class SharedBudget : public ::testing::Test {
 protected:
  SharedBudget() : sealer_(Key(), true) {
    options_.path = dir_.str();
    options_.object_cache_bytes = 64 << 10;
    auto s = Store::Open(options_, sealer_);
    EXPECT_TRUE(s.ok());
    store_ = std::move(*s);
  }
  static Key256 Key() {
    Key256 k{};
    k.fill(3);
    return k;
  }
  static std::string Value(int i) { return std::string(1000, static_cast<char>('a' + i % 26)) + std::to_string(i); }

  // Writes `n` objects of about 1 KB into `table` and commits them.
  void Fill(ObjectTable<Blob>& table, const std::string& prefix, int n) {
    LiveReader reader(*store_);
    Batch batch(*store_);
    for (int i = 0; i < n; ++i) {
      const std::string key = prefix + std::to_string(i);
      ASSERT_TRUE(table.Get(reader, key).ok());
      table.Put(key, Blob{Value(i)});
    }
    table.Flush(batch);
    ASSERT_TRUE(batch.Commit(false).ok());
    table.Commit();
  }

  testing::TempDir dir_;
  Sealer sealer_;
  StoreOptions options_;
  std::unique_ptr<Store> store_;
};

TEST_F(SharedBudget, CachedObjectsStayWithinTheBudgetAndReadBackFromTheStore) {
  ObjectTable<Blob> profiles(Cf::kProfiles, store_->object_cache());
  Fill(profiles, "p", 500);  // ~1.5 MB of estimated objects against 64 KB
  EXPECT_LE(store_->object_cache().used_bytes(), options_.object_cache_bytes);
  EXPECT_GT(profiles.cached(), 5u);
  EXPECT_LT(profiles.cached(), 100u);
  LiveReader reader(*store_);
  for (int i = 0; i < 500; i += 37) {
    auto got = profiles.Get(reader, "p" + std::to_string(i));
    ASSERT_TRUE(got.ok());
    ASSERT_NE(*got, nullptr) << i;
    EXPECT_EQ((*got)->bytes, Value(i));
  }
}

TEST_F(SharedBudget, TablesEvictEachOthersLeastRecentlyUsedObjects) {
  // About 3 KB charged per object against 64 KB: some 20 fit.
  ObjectTable<Blob> sigs(Cf::kSigs, store_->object_cache());
  Fill(sigs, "s", 15);
  EXPECT_EQ(sigs.cached(), 15u);
  {
    ObjectTable<Blob> records(Cf::kRecords, store_->object_cache());
    LiveReader reader(*store_);
    ASSERT_TRUE(sigs.Get(reader, "s0").ok());  // s0 is used again
    Fill(records, "r", 10);
    EXPECT_LE(store_->object_cache().used_bytes(), options_.object_cache_bytes);
    EXPECT_FALSE(sigs.Cached("s1")) << "the least recently used object of another table goes first";
    EXPECT_TRUE(sigs.Cached("s0")) << "a recently read object outlives older ones";
    EXPECT_TRUE(sigs.Cached("s14"));
    for (int i = 0; i < 10; ++i) EXPECT_TRUE(records.Cached("r" + std::to_string(i))) << i;
  }
  // The records table is gone: its objects no longer count.
  EXPECT_EQ(store_->object_cache().entries(), sigs.cached());
}

// Write-once objects (an import's receipts) are kept for their group only:
// they never take budget from objects that are read again, they stay
// readable (from memory) until their batch is durable, and after that they
// come back from the store.
TEST_F(SharedBudget, GroupRetainedObjectsAreDroppedOnceTheirBatchIsDurable) {
  ObjectTable<Blob> sigs(Cf::kSigs, store_->object_cache());
  ObjectTable<Blob> records(Cf::kRecords, store_->object_cache(), Retention::kGroup);
  Fill(sigs, "s", 10);
  const std::size_t charged = store_->object_cache().used_bytes();
  LiveReader reader(*store_);

  // The writer's background-commit order: plan, flush, MarkClean, hand the
  // batch over; the next group plans (reading the flushed objects) before
  // the batch is durable, then Trim.
  Batch batch(*store_);
  for (int i = 0; i < 20; ++i) {
    const std::string key = "r" + std::to_string(i);
    ASSERT_TRUE(records.Get(reader, key).ok());
    records.Put(key, Blob{Value(i)});
  }
  records.Flush(batch);
  records.MarkClean();
  EXPECT_EQ(store_->object_cache().used_bytes(), charged) << "a group-retained object is never charged";
  auto in_flight = records.Get(reader, "r3");
  ASSERT_TRUE(in_flight.ok());
  ASSERT_NE(*in_flight, nullptr) << "readable while its batch is in flight, though not yet in the store";
  EXPECT_EQ((*in_flight)->bytes, Value(3));
  // r5 is written again by the next group before the Trim: it must survive
  // that Trim dirty, and still be dropped at the one after its own write.
  records.Put("r5", Blob{"again"});
  ASSERT_TRUE(batch.Commit(false).ok());
  records.Trim();
  EXPECT_EQ(records.cached(), 1u) << "only the object changed since is kept";
  EXPECT_TRUE(records.Cached("r5"));
  Batch second(*store_);
  records.Flush(second);
  records.MarkClean();
  ASSERT_TRUE(second.Commit(false).ok());
  records.Trim();
  EXPECT_EQ(records.cached(), 0u);
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(sigs.Cached("s" + std::to_string(i))) << i;

  for (int i : {0, 5, 19}) {
    auto got = records.Get(reader, "r" + std::to_string(i));
    ASSERT_TRUE(got.ok());
    ASSERT_NE(*got, nullptr) << i;
    EXPECT_EQ((*got)->bytes, i == 5 ? std::string("again") : Value(i));
  }
  auto missing = records.Get(reader, "r-none");
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(*missing, nullptr);
  records.Trim();
  EXPECT_EQ(records.cached(), 0u) << "looked-up objects go too, found or not";
  EXPECT_EQ(store_->object_cache().used_bytes(), charged);
}

}  // namespace
}  // namespace seam::store
