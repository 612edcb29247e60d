// The only module that includes RocksDB. Column families are declared once
// here; values of the column families that can hold personal data are sealed
// (compressed, AES-GCM) on the way in and opened on the way out, so callers
// above this layer handle plaintext and never see ciphertext or RocksDB types.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "seam/crypto.h"
#include "seam/status.h"
#include "store/cache_budget.h"
#include "store/change_clock.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
class Env;
class Snapshot;
class WriteBatch;
class Cache;
class WriteBufferManager;
}  // namespace rocksdb

namespace seam::store {

// Column families. docs/storage-format.md describes each key and value.
enum class Cf : int {
  kMeta = 0,     // "default": storage format mark, auth keys, models
  kDedup,        // write key id \0 messageId -> ""             (outlives erasure)
  kNodeSigs,     // node key -> SigList (sorted sig ids)          (graph adjacency)
  kSigs,         // sig id -> SigInfo                            (sealed)
  kNodeProfile,  // node key -> profile id                       (identifier index)
  kClusters,     // profile id -> Cluster (nodes, sigs, merged ids)
  kIdOrigins,    // id any record/node would give -> "s"sig / "n"node (redirects)
  kProfiles,     // profile id -> Stats folded over its sigs     (sealed)
  kEvents,       // sig id | inverted time | record hash -> event (sealed)
  kRecords,      // record key of a replaceable record -> RecordEntry
  kImports,      // import id -> report (JSON)
  kAttrs,        // attribute node key -> a record's match attributes       (sealed)
  kBlocks,       // hashed blocking key | attribute node key -> ""      (candidate index)
  kBlockCounts,  // hashed blocking key -> members
  kMatches,      // attribute node key -> scored pairs with other attribute nodes
  kDecisions,    // node key -> admins' merge / keep-apart decisions
  kGuards,       // node key -> fan-out and quarantine
  kSigRecords,   // sig id | time | record key -> "": a sig's replaceable records
  kCount
};
const char* CfName(Cf cf);
bool CfIsSealed(Cf cf);

struct StoreOptions {
  std::string path;
  std::string compression = "lz4";  // "none", "lz4", "zstd", "snappy"
  std::size_t memtable_budget_bytes = 128u << 20;
  std::size_t block_cache_bytes = 128u << 20;
  // The writer's decoded objects (object_table.h), one budget for all tables.
  std::size_t object_cache_bytes = 256u << 20;
  rocksdb::Env* env = nullptr;  // tests inject a fault-injection Env
};

// Read access: a snapshot view or a write transaction, same calls.
class Reader {
 public:
  virtual ~Reader() = default;
  // The (opened) value, std::nullopt when absent; Status for I/O or seal errors.
  virtual Result<std::optional<std::string>> Get(Cf cf, std::string_view key) = 0;
  // Visits keys starting with `prefix` in key order until `fn` returns false.
  virtual Status Scan(Cf cf, std::string_view prefix,
                      const std::function<bool(std::string_view key, std::string_view value)>& fn) = 0;
  // Like Scan but starting at `start` (>= prefix), still bounded by prefix.
  virtual Status ScanFrom(Cf cf, std::string_view prefix, std::string_view start,
                          const std::function<bool(std::string_view key, std::string_view value)>& fn) = 0;
};

class Store;

// A group of changes that commit atomically: one RocksDB WriteBatch, synced
// on commit when asked (acknowledged means durable). Write-only: the single
// writer keeps what it reads and changes in ObjectTables (object_table.h), so
// the batch needs no index. Not thread-safe.
class Batch {
 public:
  struct Op {
    Cf cf;
    std::string key;
    std::string value;
    bool del = false;
  };
  explicit Batch(Store& store);
  ~Batch();
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;

  // Seals the value when `cf` is a sealed family. Values are taken by value
  // and moved in: a group writes every changed object, and copying each one
  // twice on the way into the batch showed in the writer's profile.
  void Put(Cf cf, std::string_view key, std::string value);
  // A value already sealed for (cf, key) by Store::SealFor (on another thread).
  void PutSealed(Cf cf, std::string_view key, std::string sealed);
  void Delete(Cf cf, std::string_view key);

  std::size_t count() const;
  std::size_t data_size() const;
  // Commits with the WAL synced when `sync`. The batch is empty afterwards,
  // whatever the outcome.
  Status Commit(bool sync);
  void Clear();

 private:
  Store& store_;
  // Kept here and written in (family, key) order at commit: memtable inserts
  // in key order reuse the skip list's last position instead of searching
  // from the top for every key, which was most of the writer's time.
  std::vector<Op> ops_;
  std::size_t bytes_ = 0;
};

// Reads the latest committed state, without a snapshot: what the single
// writer uses, since nothing else writes identity or profile data.
class LiveReader final : public Reader {
 public:
  explicit LiveReader(Store& store) : store_(store) {}
  Result<std::optional<std::string>> Get(Cf cf, std::string_view key) override;
  Status Scan(Cf cf, std::string_view prefix,
              const std::function<bool(std::string_view, std::string_view)>& fn) override;
  Status ScanFrom(Cf cf, std::string_view prefix, std::string_view start,
                  const std::function<bool(std::string_view, std::string_view)>& fn) override;

 private:
  Store& store_;
};

// A consistent read-only view (RocksDB snapshot). Thread-compatible: one per request.
class ReadView final : public Reader {
 public:
  explicit ReadView(Store& store);
  ~ReadView() override;
  ReadView(const ReadView&) = delete;
  ReadView& operator=(const ReadView&) = delete;

  Result<std::optional<std::string>> Get(Cf cf, std::string_view key) override;
  Status Scan(Cf cf, std::string_view prefix,
              const std::function<bool(std::string_view, std::string_view)>& fn) override;
  Status ScanFrom(Cf cf, std::string_view prefix, std::string_view start,
                  const std::function<bool(std::string_view, std::string_view)>& fn) override;

 private:
  Store& store_;
  const rocksdb::Snapshot* snapshot_;
};

class Store {
 public:
  static Result<std::unique_ptr<Store>> Open(const StoreOptions& options, const Sealer& sealer);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Flushes memtables and closes; called on clean shutdown.
  Status Close();
  // Forces memtables to SST files (tests that inspect files on disk use it).
  Status Flush();
  // Approximate bytes on disk (SST + WAL), for /metrics.
  uint64_t ApproximateSize();
  // One value written on its own, outside the writer's groups (import
  // reports: nothing the writer reads). Sealed families are sealed.
  Status PutOne(Cf cf, std::string_view key, std::string_view value, bool sync);
  Result<std::optional<std::string>> GetOne(Cf cf, std::string_view key);
  Status ScanOne(Cf cf, std::string_view prefix,
                 const std::function<bool(std::string_view, std::string_view)>& fn);
  // Plain (unsealed) metadata helpers for the meta column family.
  Result<std::optional<std::string>> GetMeta(std::string_view key);
  Status PutMeta(std::string_view key, std::string_view value, bool sync);
  Status DeleteMeta(std::string_view key, bool sync);
  Status ScanMeta(std::string_view prefix,
                  const std::function<bool(std::string_view, std::string_view)>& fn);

  // After a failed write RocksDB must not be written again until reopened
  // (its WAL writer is in an error state): the store refuses writes and
  // reports not ready, and ingest answers 503 so clients retry elsewhere/later.
  bool failed() const { return failed_.load(); }

  const Sealer& sealer() const { return sealer_; }
  // The stored form of `value` under (cf, key): sealed for sealed families.
  // Thread-safe, so ingest threads can seal timeline values off the writer.
  std::string SealFor(Cf cf, std::string_view key, std::string_view value) const;
  const std::string& path() const { return path_; }
  // When keys last changed: every successful write stamps the keys it wrote.
  const ChangeClock& changes() const { return changes_; }
  // The budget of the writer's decoded-object tables (the resolver's and
  // the profile writer's), next to RocksDB's own two: the server's memory is
  // about the sum of the three. Used by the writer thread only.
  CacheBudget& object_cache() { return *object_cache_; }

 private:
  friend class Batch;
  friend class LiveReader;
  friend class ReadView;
  Store(const Sealer& sealer, std::string path);
  rocksdb::ColumnFamilyHandle* handle(Cf cf) const { return handles_[static_cast<int>(cf)]; }
  Result<std::optional<std::string>> OpenFor(Cf cf, std::string_view key, std::string value) const;

  const Sealer& sealer_;
  std::string path_;
  std::shared_ptr<rocksdb::Cache> cache_;
  std::shared_ptr<rocksdb::WriteBufferManager> write_buffers_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::unique_ptr<rocksdb::DB> db_;
  std::atomic<bool> failed_{false};
  ChangeClock changes_;
  std::unique_ptr<CacheBudget> object_cache_;
};

// Big-endian encodings keep numeric key parts in byte order.
void PutBigEndian64(std::string& out, uint64_t v);
uint64_t GetBigEndian64(std::string_view in);

}  // namespace seam::store
