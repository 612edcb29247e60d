// The store refuses a data dir of another storage format instead of reading
// it as this one, and writes tables whose point reads stay cheap as they grow.
#include "store/store.h"

#include <filesystem>
#include <map>

#include <gtest/gtest.h>

#include <rocksdb/db.h>
#include <rocksdb/sst_file_reader.h>
#include <rocksdb/table_properties.h>

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

// A point read must load one small index and filter partition, not a whole
// file's index block: with whole-file blocks a base past the block cache
// re-read and decompressed one per read (27% of the writer at 1.5x10^5
// customers, growing with the base).
TEST_F(StoreFormat, TablesHavePartitionedIndexAndFilters) {
  {
    auto store = Open();
    ASSERT_TRUE(store.ok());
    Batch batch(**store);
    for (int i = 0; i < 20000; ++i) batch.Put(Cf::kAttrs, "node-" + std::to_string(i), std::string(200, 'x'));
    ASSERT_TRUE(batch.Commit(false).ok());
    ASSERT_TRUE((*store)->Close().ok());  // flushes the memtables into tables
  }
  int tables = 0;
  for (const auto& f : std::filesystem::directory_iterator(dir_.path())) {
    if (f.path().extension() != ".sst") continue;
    rocksdb::SstFileReader reader{rocksdb::Options()};
    ASSERT_TRUE(reader.Open(f.path().string()).ok());
    auto props = reader.GetTableProperties();
    if (props->num_entries < 1000) continue;  // the format mark's family
    ++tables;
    EXPECT_GT(props->index_partitions, 1u) << f.path();
    EXPECT_GT(props->filter_size, 0u);
    EXPECT_LE(props->top_level_index_size, props->index_size / 4) << "the pinned top level is a small part";
  }
  EXPECT_GE(tables, 1);
}

// Sealed families hold ciphertext: their tables are not compressed. The
// others use the configured compression.
TEST_F(StoreFormat, SealedTablesAreNotCompressedAndTheOthersAre) {
  {
    auto store = Open();
    ASSERT_TRUE(store.ok());
    Batch batch(**store);
    for (int i = 0; i < 20000; ++i) {
      batch.Put(Cf::kAttrs, "node-" + std::to_string(i), std::string(200, 'x'));
      batch.Put(Cf::kMatches, "node-" + std::to_string(i), std::string(200, 'y'));
    }
    ASSERT_TRUE(batch.Commit(false).ok());
    ASSERT_TRUE((*store)->Close().ok());
  }
  std::map<std::string, std::string> compression;  // column family -> compression of its table
  for (const auto& f : std::filesystem::directory_iterator(dir_.path())) {
    if (f.path().extension() != ".sst") continue;
    rocksdb::SstFileReader reader{rocksdb::Options()};
    ASSERT_TRUE(reader.Open(f.path().string()).ok());
    auto props = reader.GetTableProperties();
    compression[props->column_family_name] = props->compression_name;
  }
  ASSERT_TRUE(compression.count(CfName(Cf::kAttrs)));
  ASSERT_TRUE(compression.count(CfName(Cf::kMatches)));
  EXPECT_EQ(compression[CfName(Cf::kAttrs)], "NoCompression");
  EXPECT_EQ(compression[CfName(Cf::kMatches)], "LZ4");
}

}  // namespace
}  // namespace seam::store
