// One memory budget for the writer's decoded objects: every ObjectTable (the
// resolver's graph tables, the profile writer's profiles) keeps its clean
// objects in one least-recently-used order charged against one byte limit.
// A count per table cannot bound memory: a profile with its traits and
// identities decodes to kilobytes, a profile reference to a few dozen bytes,
// and which tables fill depends on the workload (a CRM import fills
// profiles and match candidates, a POS import sigs and records). With one
// budget the objects that are used stay, whichever table they are in.
//
// Sizes are estimates (ObjectTable charges its key, its encoded value times
// a decoding factor and a fixed overhead per entry): the budget bounds what
// the caches hold to within that estimate, it does not count malloc's bytes.
// Not thread-safe: owned by the writer thread, like the tables.
#pragma once

#include <algorithm>
#include <cstddef>
#include <list>
#include <memory>
#include <string>
#include <vector>

#include "common/background_release.h"

namespace seam::store {

class CacheBudget {
 public:
  // What evicted objects become: destroyed on the budget's own thread, as
  // freeing thousands of decoded objects per group cost the writer ~8%.
  class Released {
   public:
    virtual ~Released() = default;
  };
  // What holds cached entries: Evict takes one out (keeping it alive), and
  // TakeEvicted hands over everything Evict took since the last call.
  class Owner {
   public:
    virtual void Evict(void* entry) = 0;
    virtual std::unique_ptr<Released> TakeEvicted() = 0;

   protected:
    ~Owner() = default;
  };
  struct Item {
    Owner* owner;
    void* entry;
    std::size_t bytes;
  };
  using Handle = std::list<Item>::iterator;

  explicit CacheBudget(std::size_t limit_bytes) : limit_(limit_bytes), release_("seam-evict") {}
  CacheBudget(const CacheBudget&) = delete;
  CacheBudget& operator=(const CacheBudget&) = delete;

  // A clean entry, now the most recently used.
  Handle Add(Owner* owner, void* entry, std::size_t bytes) {
    used_ += bytes;
    return lru_.insert(lru_.end(), Item{owner, entry, bytes});
  }
  void Touch(Handle h) { lru_.splice(lru_.end(), lru_, h); }
  // The entry left the cache (changed, erased or evicted by its owner).
  void Remove(Handle h) {
    used_ -= h->bytes;
    lru_.erase(h);
  }
  // Evicts least recently used entries, of any owner, until the cached
  // bytes fit the limit. Only when no pointer into any owner's entries is
  // held (the tables' Trim protocol).
  void Trim() {
    std::vector<Owner*> owners;
    while (used_ > limit_ && !lru_.empty()) {
      const Item item = lru_.front();
      Remove(lru_.begin());
      item.owner->Evict(item.entry);
      if (std::find(owners.begin(), owners.end(), item.owner) == owners.end()) owners.push_back(item.owner);
    }
    if (owners.empty()) return;
    std::vector<std::unique_ptr<Released>> evicted;
    for (Owner* owner : owners) evicted.push_back(owner->TakeEvicted());
    release_.Release(std::move(evicted));
  }

  // Objects an owner dropped by itself (not through Trim), destroyed on the
  // budget's thread like evicted ones.
  void Release(std::unique_ptr<Released> dropped) {
    if (!dropped) return;
    std::vector<std::unique_ptr<Released>> one;
    one.push_back(std::move(dropped));
    release_.Release(std::move(one));
  }
  std::size_t used_bytes() const { return used_; }
  std::size_t limit_bytes() const { return limit_; }
  std::size_t entries() const { return lru_.size(); }

 private:
  std::size_t limit_;
  std::size_t used_ = 0;
  std::list<Item> lru_;  // least recently used first
  BackgroundRelease<std::vector<std::unique_ptr<Released>>> release_;  // last: joins first
};

}  // namespace seam::store
