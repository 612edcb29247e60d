#include "identity/prepared_cache.h"

#include <algorithm>
#include <utility>

#include "identity/blocking.h"
#include "identity/graph.h"
#include "identity/prepared_codec.h"

namespace seam::identity {
namespace {
constexpr std::size_t kBlockHashBytes = 16;
}  // namespace

PreparedCache::Ptr PreparedCache::Find(const std::string& node) {
  std::lock_guard lock(mu_);
  auto it = map_.find(node);
  if (it == map_.end()) return nullptr;
  lru_.splice(lru_.end(), lru_, it->second.lru);
  return it->second.entry;
}

PreparedCache::Ptr PreparedCache::Insert(const std::string& node, PreparedEntry entry) {
  auto fresh = std::make_shared<const PreparedEntry>(std::move(entry));
  std::vector<Ptr> evicted;  // freed after the lock is dropped
  std::lock_guard lock(mu_);
  if (auto it = map_.find(node); it != map_.end()) {
    lru_.splice(lru_.end(), lru_, it->second.lru);
    return it->second.entry;
  }
  while (map_.size() >= capacity_) {
    auto victim = map_.find(lru_.front());
    evicted.push_back(std::move(victim->second.entry));
    map_.erase(victim);
    lru_.pop_front();
  }
  map_.emplace(node, Slot{fresh, lru_.insert(lru_.end(), node)});
  return fresh;
}

void PreparedCache::Erase(const std::string& node) {
  Ptr gone;
  std::lock_guard lock(mu_);
  if (auto it = map_.find(node); it != map_.end()) {
    gone = std::move(it->second.entry);
    lru_.erase(it->second.lru);
    map_.erase(it);
  }
}

std::size_t PreparedCache::size() const {
  std::lock_guard lock(mu_);
  return map_.size();
}

std::string HashBlockKey(const Key256& lookup_key, std::string_view key) {
  return HmacSha256(lookup_key, std::string("block\0", 6) + std::string(key)).substr(0, kBlockHashBytes);
}

std::vector<std::string> HashedBlocksOf(const Key256& lookup_key, const PreparedPerson& person) {
  std::vector<std::string> out;
  for (const auto& key : BlockingKeys(person, DefaultBlockingFamilies())) out.push_back(HashBlockKey(lookup_key, key));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Result<PreparedEntry> PreparedEntryOf(const Key256& lookup_key, AttrsEntry stored) {
  auto prepared = PreparedOf(stored);
  if (!prepared.ok()) return prepared.status();
  PreparedEntry out{std::move(*prepared), std::move(stored.blocks)};
  if (out.blocks.empty()) out.blocks = HashedBlocksOf(lookup_key, out.prepared);
  return out;
}

Result<PreparedEntry> PreparedEntryOfEncoded(const Key256& lookup_key, std::string_view encoded_person) {
  auto prepared = PrepareEncoded(encoded_person);
  if (!prepared.ok()) return prepared.status();
  std::vector<std::string> blocks = HashedBlocksOf(lookup_key, *prepared);
  return PreparedEntry{std::move(*prepared), std::move(blocks)};
}

Result<std::optional<PreparedEntry>> ReadPreparedEntry(store::Reader& reader, const Key256& lookup_key,
                                                       const std::string& node) {
  auto raw = reader.Get(store::Cf::kAttrs, node);
  if (!raw.ok()) return raw.status();
  if (!raw->has_value()) return std::optional<PreparedEntry>();
  AttrsEntry stored;
  if (!AttrsEntry::Decode(**raw, stored)) return Status::Internal("corrupt value in attrs");
  auto entry = PreparedEntryOf(lookup_key, std::move(stored));
  if (!entry.ok()) return entry.status();
  return std::optional<PreparedEntry>(std::move(*entry));
}

}  // namespace seam::identity
