// Prepared candidates, decoded, shared by the writer and the thread that
// reads ahead of it (candidate_prefetch.h).
//
// An attribute node's key is a keyed hash of its attributes and identifiers,
// so its prepared form and hashed blocks never change: an entry is right
// whoever filled it and whenever. The writer's results therefore do not
// depend on what this cache holds, only its speed does.
//
// LRU by entries. Entries are handed out shared, so one evicted while the
// writer still compares against it stays alive until it is done, and the
// thread whose insert evicts an entry is the one that frees it (mostly the
// prefetch thread, not the writer).
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "identity/match_model.h"
#include "seam/crypto.h"
#include "seam/status.h"
#include "store/store.h"

namespace seam::identity {

struct AttrsEntry;

struct PreparedEntry {
  PreparedPerson prepared;
  std::vector<std::string> blocks;  // sorted hashed blocking keys
};

class PreparedCache {
 public:
  using Ptr = std::shared_ptr<const PreparedEntry>;

  explicit PreparedCache(std::size_t capacity) : capacity_(capacity < 1 ? 1 : capacity) {}
  PreparedCache(const PreparedCache&) = delete;
  PreparedCache& operator=(const PreparedCache&) = delete;

  // The entry of `node` (now the most recently used), or null.
  Ptr Find(const std::string& node);
  // Stores `entry` for `node` unless one is there already; returns the one
  // that is.
  Ptr Insert(const std::string& node, PreparedEntry entry);
  void Erase(const std::string& node);
  std::size_t size() const;
  std::size_t capacity() const { return capacity_; }

 private:
  struct Slot {
    Ptr entry;
    std::list<std::string>::iterator lru;
  };
  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Slot> map_;
  std::list<std::string> lru_;  // least recently used first
};

// A blocking key as stored: keyed hash, so the index holds no personal value.
std::string HashBlockKey(const Key256& lookup_key, std::string_view key);
// The hashed blocking keys of a prepared person, sorted and distinct.
std::vector<std::string> HashedBlocksOf(const Key256& lookup_key, const PreparedPerson& person);

// The prepared entry of a stored attribute node (kAttrs value, opened).
Result<PreparedEntry> PreparedEntryOf(const Key256& lookup_key, AttrsEntry stored);
// The prepared entry of a new attribute node, from its EncodePerson bytes.
Result<PreparedEntry> PreparedEntryOfEncoded(const Key256& lookup_key, std::string_view encoded_person);
// Reads and decodes the stored attributes of `node` from the store itself;
// nullopt when it holds none.
Result<std::optional<PreparedEntry>> ReadPreparedEntry(store::Reader& reader, const Key256& lookup_key,
                                                       const std::string& node);

}  // namespace seam::identity
