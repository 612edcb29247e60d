#include "store/store.h"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>
#include <rocksdb/write_buffer_manager.h>

#include <algorithm>
#include <array>
#include <ranges>
#include <tuple>
#include <filesystem>

namespace seam::store {
namespace {

constexpr std::array<const char*, static_cast<int>(Cf::kCount)> kCfNames = {
    "default", "dedup", "node_sigs", "sigs",
    "node_profile", "clusters", "id_origins", "profiles", "events", "records", "imports",
    "attrs", "blocks", "block_counts", "matches", "decisions", "guards", "sig_records"};

Status FromRocks(const rocksdb::Status& s) {
  if (s.ok()) return Status::Ok();
  if (s.IsBusy() || s.IsTryAgain() || s.IsIOError() || s.IsNoSpace())
    return Status::Unavailable("store: " + s.ToString());
  return Status::Internal("store: " + s.ToString());
}

rocksdb::CompressionType CompressionFor(const std::string& name) {
  if (name == "none") return rocksdb::kNoCompression;
  if (name == "zstd") return rocksdb::kZSTD;
  if (name == "snappy") return rocksdb::kSnappyCompression;
  return rocksdb::kLZ4Compression;
}

// The layout of keys and values (docs/storage-format.md): bumped by any
// change an older build could not read, or that this one cannot read back.
constexpr std::string_view kFormatKey = "storage_format";
constexpr std::string_view kStorageFormat = "3";

Status StaleFormat(const std::string& path, const std::string& why) {
  return Status::Unavailable("the data dir " + path + " " + why + "; this build reads storage format " +
                             std::string(kStorageFormat) +
                             ": re-ingest into a new data dir, or run the build that wrote it");
}

bool HasPrefix(const rocksdb::Slice& key, std::string_view prefix) {
  return key.size() >= prefix.size() && std::string_view(key.data(), prefix.size()) == prefix;
}

Status ScanIterator(rocksdb::Iterator* it, std::string_view prefix, std::string_view start,
                    const std::function<bool(std::string_view, std::string_view)>& fn,
                    const std::function<Result<std::optional<std::string>>(std::string_view, std::string)>& open) {
  std::unique_ptr<rocksdb::Iterator> owned(it);
  for (it->Seek(rocksdb::Slice(start.data(), start.size())); it->Valid(); it->Next()) {
    if (!HasPrefix(it->key(), prefix)) break;
    std::string_view key(it->key().data(), it->key().size());
    auto value = open(key, it->value().ToString());
    if (!value.ok()) return value.status();
    if (!fn(key, value->value_or(""))) break;
  }
  return FromRocks(it->status());
}

}  // namespace

const char* CfName(Cf cf) { return kCfNames[static_cast<int>(cf)]; }

bool CfIsSealed(Cf cf) {
  return cf == Cf::kSigs || cf == Cf::kProfiles ||
         cf == Cf::kEvents || cf == Cf::kRecords || cf == Cf::kAttrs;
}

void PutBigEndian64(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

uint64_t GetBigEndian64(std::string_view in) {
  uint64_t v = 0;
  for (std::size_t i = 0; i < 8 && i < in.size(); ++i) v = (v << 8) | static_cast<uint8_t>(in[i]);
  return v;
}

Store::Store(const Sealer& sealer, std::string path) : sealer_(sealer), path_(std::move(path)) {}

Store::~Store() { Close().IgnoreError(); }

Result<std::unique_ptr<Store>> Store::Open(const StoreOptions& options, const Sealer& sealer) {
  std::error_code ec;
  std::filesystem::create_directories(options.path, ec);
  if (ec) return Status::Unavailable("cannot create data dir " + options.path + ": " + ec.message());

  std::unique_ptr<Store> store(new Store(sealer, options.path));
  // One block cache and one write-buffer budget for all column families:
  // per-family defaults would reach ~1 GB with nine families (PLATFORM.md).
  // Memtables are charged to the cache so that the two together stay one
  // bound; the cache is sized for both, or full memtables would leave it no
  // room and every read would fetch its filter and index blocks from disk.
  store->object_cache_ = std::make_unique<CacheBudget>(options.object_cache_bytes);
  store->cache_ = rocksdb::NewLRUCache(options.block_cache_bytes + options.memtable_budget_bytes);
  store->write_buffers_ = std::make_shared<rocksdb::WriteBufferManager>(
      options.memtable_budget_bytes, store->cache_);

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.write_buffer_manager = store->write_buffers_;
  db_options.max_background_jobs = 2;
  db_options.keep_log_file_num = 4;
  db_options.max_total_wal_size = 256u << 20;
  db_options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  if (options.env != nullptr) db_options.env = options.env;

  rocksdb::BlockBasedTableOptions table;
  table.block_cache = store->cache_;
  table.cache_index_and_filter_blocks = true;
  table.cache_index_and_filter_blocks_with_high_priority = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  // Partitioned index and filters: a file's index and filter are split into
  // 4 KB partitions behind a small pinned top level, so a point read loads
  // the one partition it needs. With whole-file index blocks (hundreds of
  // KB per 64 MB file, compressed) a cache that could not hold them all made
  // every miss re-read and decompress one: at 1.5x10^5 customers that was 27%
  // of the writer's time, and it grew with the base.
  table.index_type = rocksdb::BlockBasedTableOptions::IndexType::kTwoLevelIndexSearch;
  table.partition_filters = true;
  table.pin_top_level_index_and_filter = true;
  table.metadata_block_size = 4096;

  rocksdb::ColumnFamilyOptions cf_options;
  cf_options.compression = CompressionFor(options.compression);
  // Most writer reads are misses (a new messageId, a new sig): a memtable
  // bloom filter answers them without walking the skip list.
  cf_options.memtable_prefix_bloom_size_ratio = 0.02;
  cf_options.memtable_whole_key_filtering = true;
  cf_options.write_buffer_size = 32u << 20;
  cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));

  // A data dir written by another storage format is refused with a clear
  // error, never read as this one (docs/storage-format.md).
  std::vector<std::string> existing;
  const bool fresh = !rocksdb::DB::ListColumnFamilies(db_options, options.path, &existing).ok();
  for (const auto& name : existing)
    if (std::find(kCfNames.begin(), kCfNames.end(), name) == kCfNames.end())
      return StaleFormat(options.path, "has column family \"" + name + "\" that this build does not know");

  // Sealed values are AES-GCM ciphertext under keyed-hash keys: nothing in
  // them compresses, so compressing their tables only spent flush and
  // compaction CPU (on the cores the writer and the request threads use)
  // to store each block uncompressed anyway.
  rocksdb::ColumnFamilyOptions sealed_options = cf_options;
  if (sealer.encrypts()) sealed_options.compression = rocksdb::kNoCompression;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (std::size_t i = 0; i < kCfNames.size(); ++i)
    descriptors.emplace_back(kCfNames[i], CfIsSealed(static_cast<Cf>(i)) ? sealed_options : cf_options);
  rocksdb::DB* raw = nullptr;
  auto s = rocksdb::DB::Open(db_options, options.path, descriptors, &store->handles_, &raw);
  if (!s.ok()) return Status::Unavailable("cannot open store at " + options.path + ": " + s.ToString());
  store->db_.reset(raw);

  auto format = store->GetMeta(kFormatKey);
  if (!format.ok()) return format.status();
  if (!format->has_value()) {
    if (!fresh) return StaleFormat(options.path, "has no storage format mark");
    if (Status put = store->PutMeta(kFormatKey, kStorageFormat, /*sync=*/true); !put.ok()) return put;
  } else if (**format != kStorageFormat) {
    return StaleFormat(options.path, "holds storage format " + **format);
  }
  return store;
}

Status Store::Close() {
  if (!db_) return Status::Ok();
  rocksdb::Status s, w;
  if (!failed_) {
    rocksdb::FlushOptions flush;
    flush.wait = true;
    s = db_->Flush(flush, handles_);
    w = db_->SyncWAL();
  }
  for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  handles_.clear();
  auto c = db_->Close();
  db_.reset();
  if (!s.ok()) return FromRocks(s);
  if (!w.ok()) return FromRocks(w);
  return FromRocks(c);
}

Status Store::Flush() {
  rocksdb::FlushOptions flush;
  flush.wait = true;
  return FromRocks(db_->Flush(flush, handles_));
}

uint64_t Store::ApproximateSize() {
  uint64_t total = 0;
  for (auto* h : handles_) {
    uint64_t v = 0;
    if (db_->GetIntProperty(h, "rocksdb.live-sst-files-size", &v)) total += v;
  }
  uint64_t wal = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(path_, ec))
    if (entry.path().extension() == ".log") wal += entry.file_size(ec);
  return total + wal;
}

std::string Store::SealFor(Cf cf, std::string_view key, std::string_view value) const {
  if (!CfIsSealed(cf)) return std::string(value);
  return sealer_.Seal(value, key);
}

Result<std::optional<std::string>> Store::OpenFor(Cf cf, std::string_view key, std::string value) const {
  if (!CfIsSealed(cf)) return std::optional<std::string>(std::move(value));
  auto opened = sealer_.Open(value, key);
  if (!opened) return Status::Internal(std::string("store: cannot open sealed value in ") + CfName(cf) +
                                       " (wrong security key or corrupt data)");
  return std::optional<std::string>(std::move(*opened));
}

Status Store::PutOne(Cf cf, std::string_view key, std::string_view value, bool sync) {
  if (failed_) return Status::Unavailable("store failed a write earlier; restart to recover");
  rocksdb::WriteOptions wo;
  wo.sync = sync;
  const std::string stored = SealFor(cf, key, value);
  auto s = db_->Put(wo, handle(cf), rocksdb::Slice(key.data(), key.size()), stored);
  if (!s.ok()) failed_ = true;
  if (s.ok()) changes_.Stamp(key);
  return FromRocks(s);
}

Result<std::optional<std::string>> Store::GetOne(Cf cf, std::string_view key) {
  LiveReader reader(*this);
  return reader.Get(cf, key);
}

Status Store::ScanOne(Cf cf, std::string_view prefix,
                      const std::function<bool(std::string_view, std::string_view)>& fn) {
  LiveReader reader(*this);
  return reader.Scan(cf, prefix, fn);
}

Result<std::optional<std::string>> Store::GetMeta(std::string_view key) {
  std::string value;
  auto s = db_->Get(rocksdb::ReadOptions(), handle(Cf::kMeta), rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocks(s);
  return std::optional<std::string>(std::move(value));
}

Status Store::PutMeta(std::string_view key, std::string_view value, bool sync) {
  if (failed_) return Status::Unavailable("store failed a write earlier; restart to recover");
  rocksdb::WriteOptions wo;
  wo.sync = sync;
  auto s = db_->Put(wo, handle(Cf::kMeta), rocksdb::Slice(key.data(), key.size()),
                    rocksdb::Slice(value.data(), value.size()));
  if (s.ok()) changes_.Stamp(key);
  return FromRocks(s);
}

Status Store::DeleteMeta(std::string_view key, bool sync) {
  if (failed_) return Status::Unavailable("store failed a write earlier; restart to recover");
  rocksdb::WriteOptions wo;
  wo.sync = sync;
  auto s = db_->Delete(wo, handle(Cf::kMeta), rocksdb::Slice(key.data(), key.size()));
  if (s.ok()) changes_.Stamp(key);
  return FromRocks(s);
}

Status Store::ScanMeta(std::string_view prefix,
                       const std::function<bool(std::string_view, std::string_view)>& fn) {
  return ScanIterator(db_->NewIterator(rocksdb::ReadOptions(), handle(Cf::kMeta)), prefix, prefix, fn,
                      [](std::string_view, std::string v) -> Result<std::optional<std::string>> {
                        return std::optional<std::string>(std::move(v));
                      });
}

// ---- Batch ----

Batch::Batch(Store& store) : store_(store) {}

Batch::~Batch() = default;

void Batch::Put(Cf cf, std::string_view key, std::string value) {
  if (CfIsSealed(cf)) value = store_.SealFor(cf, key, value);
  PutSealed(cf, key, std::move(value));
}

void Batch::PutSealed(Cf cf, std::string_view key, std::string sealed) {
  bytes_ += key.size() + sealed.size();
  ops_.push_back({cf, std::string(key), std::move(sealed), false});
}

void Batch::Delete(Cf cf, std::string_view key) {
  bytes_ += key.size();
  ops_.push_back({cf, std::string(key), {}, true});
}

std::size_t Batch::count() const { return ops_.size(); }
std::size_t Batch::data_size() const { return bytes_; }

Status Batch::Commit(bool sync) {
  if (ops_.empty()) return Status::Ok();
  if (store_.failed_) {
    Clear();
    return Status::Unavailable("store failed a write earlier; restart to recover");
  }
  // Sorted through pointers: an Op holds two strings, and moving them
  // through a merge sort was most of the sort's time. Stable: a later write
  // to the same key still wins.
  std::vector<const Op*> order;
  order.reserve(ops_.size());
  for (const auto& op : ops_) order.push_back(&op);
  std::stable_sort(order.begin(), order.end(), [](const Op* a, const Op* b) {
    if (a->cf != b->cf) return a->cf < b->cf;
    return a->key < b->key;
  });
  rocksdb::WriteBatch batch(bytes_ + 32 * ops_.size());
  for (const Op* op : order) {
    rocksdb::Slice key(op->key.data(), op->key.size());
    if (op->del)
      batch.Delete(store_.handle(op->cf), key).PermitUncheckedError();
    else
      batch.Put(store_.handle(op->cf), key, rocksdb::Slice(op->value.data(), op->value.size())).PermitUncheckedError();
  }
  rocksdb::WriteOptions wo;
  wo.sync = sync;
  auto s = store_.db_->Write(wo, &batch);
  if (!s.ok()) store_.failed_ = true;
  // Visible now, and not yet acknowledged to anyone: readers' kept results
  // that read these keys stop being exact from here (change_clock.h).
  if (s.ok()) store_.changes_.Stamp(std::views::transform(ops_, [](const Op& op) -> std::string_view { return op.key; }));
  Clear();
  return FromRocks(s);
}

void Batch::Clear() {
  ops_.clear();
  bytes_ = 0;
}

// ---- LiveReader ----

Result<std::optional<std::string>> LiveReader::Get(Cf cf, std::string_view key) {
  std::string value;
  auto s = store_.db_->Get(rocksdb::ReadOptions(), store_.handle(cf), rocksdb::Slice(key.data(), key.size()),
                           &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocks(s);
  return store_.OpenFor(cf, key, std::move(value));
}

Status LiveReader::Scan(Cf cf, std::string_view prefix,
                        const std::function<bool(std::string_view, std::string_view)>& fn) {
  return ScanFrom(cf, prefix, prefix, fn);
}

Status LiveReader::ScanFrom(Cf cf, std::string_view prefix, std::string_view start,
                            const std::function<bool(std::string_view, std::string_view)>& fn) {
  return ScanIterator(store_.db_->NewIterator(rocksdb::ReadOptions(), store_.handle(cf)), prefix, start, fn,
                      [&](std::string_view k, std::string v) { return store_.OpenFor(cf, k, std::move(v)); });
}

// ---- ReadView ----

ReadView::ReadView(Store& store) : store_(store), snapshot_(store.db_->GetSnapshot()) {}

ReadView::~ReadView() { store_.db_->ReleaseSnapshot(snapshot_); }

Result<std::optional<std::string>> ReadView::Get(Cf cf, std::string_view key) {
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot_;
  std::string value;
  auto s = store_.db_->Get(ro, store_.handle(cf), rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocks(s);
  return store_.OpenFor(cf, key, std::move(value));
}

Status ReadView::Scan(Cf cf, std::string_view prefix,
                      const std::function<bool(std::string_view, std::string_view)>& fn) {
  return ScanFrom(cf, prefix, prefix, fn);
}

Status ReadView::ScanFrom(Cf cf, std::string_view prefix, std::string_view start,
                          const std::function<bool(std::string_view, std::string_view)>& fn) {
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot_;
  return ScanIterator(store_.db_->NewIterator(ro, store_.handle(cf)), prefix, start, fn,
                      [&](std::string_view k, std::string v) { return store_.OpenFor(cf, k, std::move(v)); });
}

}  // namespace seam::store
