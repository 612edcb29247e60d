// The store refuses a data dir of another storage format instead of reading
// it as this one.
#include "store/store.h"

#include <gtest/gtest.h>

#include <rocksdb/db.h>

#include "seam/crypto.h"
#include "support/temp_dir.h"

namespace seam::store {
namespace {

Key256 TestKey() {
  Key256 k{};
  k.fill(7);
  return k;
}

class StoreFormat : public ::testing::Test {
 protected:
  StoreFormat() : sealer_(TestKey(), true) { options_.path = dir_.str(); }
  Result<std::unique_ptr<Store>> Open() { return Store::Open(options_, sealer_); }

  testing::TempDir dir_;
  Sealer sealer_;
  StoreOptions options_;
};

TEST_F(StoreFormat, ANewDirIsMarkedAndReopens) {
  {
    auto store = Open();
    ASSERT_TRUE(store.ok()) << store.status().message();
    auto mark = (*store)->GetMeta("storage_format");
    ASSERT_TRUE(mark.ok());
    EXPECT_TRUE(mark->has_value());
  }
  EXPECT_TRUE(Open().ok());
}

TEST_F(StoreFormat, AnotherFormatIsRefusedWithAClearError) {
  {
    auto store = Open();
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->PutMeta("storage_format", "1", true).ok());
  }
  auto again = Open();
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.status().message().find("storage format 1"), std::string::npos) << again.status().message();
  EXPECT_NE(again.status().message().find("re-ingest"), std::string::npos);
}

TEST_F(StoreFormat, AnOlderLayoutsColumnFamilyIsRefused) {
  // A data dir of the layout before this one: a plain RocksDB with a family
  // ("nodes") this build no longer has.
  rocksdb::Options o;
  o.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(o, dir_.str(), &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::ColumnFamilyHandle* nodes = nullptr;
  ASSERT_TRUE(db->CreateColumnFamily(rocksdb::ColumnFamilyOptions(), "nodes", &nodes).ok());
  ASSERT_TRUE(db->DestroyColumnFamilyHandle(nodes).ok());
  db.reset();

  auto store = Open();
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("\"nodes\""), std::string::npos) << store.status().message();
}

}  // namespace
}  // namespace seam::store
