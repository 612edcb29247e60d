// The single writer's decoded view of one column family: the objects a group
// of records reads and changes, over an LRU cache of clean objects, over the
// store. A group's changes stay decoded in memory and are encoded, sealed and
// written once, when the group is flushed into its batch — so a profile that
// a thousand events touch in one group is written once, not a thousand times,
// and a hot profile is decoded once, not on every event.
//
// Protocol per group: Get (fallible: reads the store on a miss), then
// Mutable/Put/Erase (infallible), then Flush into the group's Batch, then
// Commit (the batch is durable: changes become clean cache entries) or Abort
// (the batch failed: changes are dropped, the cache forgets those keys).
// A batch written in the background takes MarkClean at once and Trim after.
// Pointers returned by Get and Mutable stay valid until Commit or Abort.
// Not thread-safe: owned by the writer thread.
//
// A table of write-once objects (Retention::kGroup) keeps them only for the
// group that reads or writes them and until that group's batch is durable:
// an import's receipts are each looked up once and written once, and kept
// as clean entries they took ~85 MB of a 359 MB heap at 500k POS rows,
// budget that the profiles and sigs, which are read again, need.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/string_hash.h"
#include "seam/status.h"
#include "store/cache_budget.h"
#include "store/store.h"

namespace seam::store {

enum class Retention {
  kCache,  // clean objects stay cached between groups, within the budget
  kGroup,  // dropped once their group's batch is durable (write-once data)
};

// T needs `std::string Encode() const` and `static bool Decode(std::string_view, T&)`.
template <typename T>
class ObjectTable final : public CacheBudget::Owner {
 public:
  // Clean objects stay cached between groups within `budget`, shared with
  // the other tables (cache_budget.h); `budget` must outlive the table.
  ObjectTable(Cf cf, CacheBudget& budget, Retention retention = Retention::kCache)
      : cf_(cf), budget_(budget), retention_(retention) {}
  ObjectTable(const ObjectTable&) = delete;
  ObjectTable& operator=(const ObjectTable&) = delete;
  ~ObjectTable() {
    for (auto& [key, e] : map_)
      if (!e.dirty && !e.transient) budget_.Remove(e.lru);
  }

  // The object under `key`, or nullptr when there is none.
  Result<const T*> Get(Reader& reader, std::string_view key) {
    auto e = Load(reader, key);
    if (!e.ok()) return e.status();
    return (*e)->value ? &*(*e)->value : static_cast<const T*>(nullptr);
  }

  // The object under `key` for changing, created empty when absent.
  // REQUIRES: Get(key) earlier in this group (mutation never reads the store),
  // or `key` known to be free.
  T& Mutable(std::string_view key) {
    Entry& e = Touched(key);
    if (!e.value) e.value.emplace();
    return *e.value;
  }
  void Put(std::string_view key, T value) { Touched(key).value = std::move(value); }
  void Erase(std::string_view key) { Touched(key).value.reset(); }

  // Writes every object changed since the last Commit into `batch`.
  void Flush(Batch& batch) {
    for (Entry* e : dirty_) {
      if (e->value) {
        std::string encoded = e->value->Encode();
        e->encoded_bytes = encoded.size();
        batch.Put(cf_, *e->key, std::move(encoded));
      } else {
        e->encoded_bytes = 0;
        batch.Delete(cf_, *e->key);
      }
    }
  }

  // The flushed batch is durable: changed objects become clean cache entries.
  void Commit() {
    MarkClean();
    Trim();
  }

  // Commit in two steps, for a batch that is written while the next group
  // is planned: MarkClean once the batch is flushed (the next group reads
  // the objects as they will be), Trim only once the batch is durable and
  // no pointer from Get is held: evicting an object whose write is still in
  // flight would make the next Get read the store's older value.
  void MarkClean() {
    for (Entry* e : dirty_) {
      e->dirty = false;
      if (retention_ == Retention::kGroup)
        Transient(*e);
      else
        e->lru = budget_.Add(this, e, Charge(*e));
    }
    dirty_.clear();
  }
  // Evicts least recently used clean objects of every table sharing the
  // budget until it fits, and drops a kGroup table's clean objects.
  void Trim() {
    for (const auto& key : transient_) {
      auto it = map_.find(key);
      if (it != map_.end() && it->second.transient && !it->second.dirty) TakeOut(it);
    }
    transient_.clear();
    budget_.Release(TakeEvicted());
    budget_.Trim();
  }

  // The batch was not written: forget every change (the next Get reloads).
  void Abort() {
    for (Entry* e : dirty_) map_.erase(map_.find(*e->key));
    dirty_.clear();
  }

  std::size_t cached() const { return map_.size(); }
  bool Cached(std::string_view key) const { return map_.find(key) != map_.end(); }

 private:
  struct Entry {
    std::optional<T> value;  // nullopt: absent (or erased in this group)
    const std::string* key = nullptr;  // the map's own key (node-based: stable)
    bool dirty = false;
    bool transient = false;         // clean in a kGroup table: not in the budget, dropped at Trim
    std::size_t encoded_bytes = 0;  // of the value as stored
    CacheBudget::Handle lru;        // valid when clean and not transient
  };

  // The estimated memory of a cached entry: decoded objects (strings,
  // vectors, maps) take a few times their varint encoding, plus the map
  // node, the LRU item and the key.
  static constexpr std::size_t kDecodedFactor = 3;
  static constexpr std::size_t kEntryOverhead = sizeof(Entry) + 96;
  static std::size_t Charge(const Entry& e) {
    return kEntryOverhead + e.key->size() + kDecodedFactor * e.encoded_bytes;
  }

  using Map = std::unordered_map<std::string, Entry, StringHash, std::equal_to<>>;
  struct Evicted final : CacheBudget::Released {
    std::vector<typename Map::node_type> nodes;
  };

  void Evict(void* entry) override {
    if (auto it = map_.find(*static_cast<Entry*>(entry)->key); it != map_.end()) TakeOut(it);
  }
  // Out of the map, kept alive until handed to the budget's thread (freed
  // off the writer).
  void TakeOut(typename Map::iterator it) {
    if (!evicted_) evicted_ = std::make_unique<Evicted>();
    evicted_->nodes.push_back(map_.extract(it));
  }
  std::unique_ptr<CacheBudget::Released> TakeEvicted() override { return std::move(evicted_); }

  Entry& Insert(std::string_view key, Entry e) {
    auto it = map_.emplace(std::string(key), std::move(e)).first;
    it->second.key = &it->first;
    return it->second;
  }

  Result<Entry*> Load(Reader& reader, std::string_view key) {
    auto it = map_.find(key);
    if (it != map_.end()) {
      if (!it->second.dirty && !it->second.transient) budget_.Touch(it->second.lru);  // most recent
      return &it->second;
    }
    auto raw = reader.Get(cf_, key);
    if (!raw.ok()) return raw.status();
    Entry e;
    if (raw->has_value()) {
      T value;
      if (!T::Decode(**raw, value)) return Status::Internal(std::string("corrupt value in ") + CfName(cf_));
      e.value = std::move(value);
      e.encoded_bytes = (*raw)->size();
    }
    Entry& in = Insert(key, std::move(e));
    if (retention_ == Retention::kGroup)
      Transient(in);
    else
      in.lru = budget_.Add(this, &in, Charge(in));
    return &in;
  }

  // Keys, not pointers: an entry may be listed twice (loaded, then written
  // after a Trim that had to keep it dirty) or erased by Abort before Trim.
  void Transient(Entry& e) {
    transient_.push_back(*e.key);
    e.transient = true;
  }

  Entry& Touched(std::string_view key) {
    auto it = map_.find(key);
    Entry* e;
    if (it == map_.end()) {
      e = &Insert(key, Entry{});
    } else {
      e = &it->second;
      if (e->dirty) return *e;
      if (!e->transient) budget_.Remove(e->lru);
    }
    e->dirty = true;
    dirty_.push_back(e);
    return *e;
  }

  Cf cf_;
  CacheBudget& budget_;
  Retention retention_;
  Map map_;
  std::vector<std::string> transient_;  // kGroup: keys of entries to drop at Trim
  std::vector<Entry*> dirty_;  // entries changed since the last Commit
  std::unique_ptr<Evicted> evicted_;  // taken out by Evict, not yet handed over
};

}  // namespace seam::store
