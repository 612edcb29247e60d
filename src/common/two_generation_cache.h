// A bounded, thread-safe cache from strings to values, for what threads
// derive again and again from the same input: recent phone parses, rendered
// profiles. Sharded by key hash, each shard behind its own mutex.
//
// Eviction is by generations, not by a list: each shard has a current and a
// previous map; when the current one has used its budget it becomes the
// previous one and the old previous is dropped. A hit in the previous map
// moves the entry to the current one, so what is used keeps living (an LRU's
// effect) and eviction costs nothing per entry. At most twice the budget is
// held at the moment a shard turns over.
#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "common/string_hash.h"

namespace seam {

template <typename V>
class TwoGenerationCache {
 public:
  // What an entry costs against the budget (entries, bytes: the caller says).
  using CostFn = std::function<std::size_t(std::string_view key, const V& value)>;

  TwoGenerationCache(std::size_t budget, CostFn cost)
      : per_shard_(budget / kShards > 0 ? budget / kShards : 1), cost_(std::move(cost)) {}

  std::optional<V> Find(std::string_view key) {
    Shard& shard = ShardFor(key);
    std::lock_guard lock(shard.mu);
    if (auto it = shard.current.find(key); it != shard.current.end()) return it->second;
    auto it = shard.previous.find(key);
    if (it == shard.previous.end()) return std::nullopt;
    // Promoted: the map node (and its key) moves to the current generation.
    auto node = shard.previous.extract(it);
    V v = node.mapped();
    InsertLocked(shard, std::move(node.key()), std::move(node.mapped()));
    return v;
  }

  void Put(std::string_view key, V value) {
    Shard& shard = ShardFor(key);
    std::lock_guard lock(shard.mu);
    InsertLocked(shard, std::string(key), std::move(value));
  }

 private:
  static constexpr std::size_t kShards = 16;
  struct Shard {
    std::mutex mu;
    std::unordered_map<std::string, V, StringHash, std::equal_to<>> current, previous;
    std::size_t current_cost = 0;
  };

  Shard& ShardFor(std::string_view key) { return shards_[std::hash<std::string_view>{}(key) % kShards]; }

  void InsertLocked(Shard& shard, std::string key, V value) {
    const std::size_t cost = cost_(key, value);
    if (cost > per_shard_) return;  // would evict everything for one entry
    if (auto it = shard.current.find(key); it != shard.current.end()) {
      shard.current_cost -= cost_(key, it->second);
      shard.current.erase(it);
    }
    if (shard.current_cost + cost > per_shard_) {
      shard.previous = std::exchange(shard.current, {});
      shard.current_cost = 0;
    }
    shard.previous.erase(key);  // a stale copy must not be promoted later
    shard.current.emplace(std::move(key), std::move(value));
    shard.current_cost += cost;
  }

  const std::size_t per_shard_;
  const CostFn cost_;
  std::array<Shard, kShards> shards_;
};

}  // namespace seam
