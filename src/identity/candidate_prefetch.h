// Reads ahead of the single writer what matching a record will read from
// the store: the prepared form of its attribute node, its blocks' member
// lists, and the prepared forms of the candidates they draw, decoded into
// the resolver's PreparedCache. Past the caches, each candidate cost the
// writer a RocksDB read that missed (a data block from the page cache, its
// checksum and decode): a quarter to 40% of its time at a few 10^5
// customers, on one core while the other was idle.
//
// It reads committed state only, and fills only the cache (whose entries
// cannot be wrong, prepared_cache.h) and RocksDB's block cache, so it
// changes no result: a candidate it misses (added by a write still in
// flight) the writer reads itself. Any thread; one Warm at a time.
#pragma once

#include <memory>

#include "identity/blocking.h"
#include "identity/prepared_cache.h"
#include "seam/crypto.h"
#include "seam/record.h"
#include "store/store.h"

namespace seam::identity {

class CandidatePrefetch {
 public:
  CandidatePrefetch(store::Store& store, const Key256& lookup_key, BlockRule rule,
                    std::shared_ptr<PreparedCache> cache)
      : reader_(store), lookup_key_(lookup_key), rule_(rule), cache_(std::move(cache)) {}

  // Whether `record` (keys derived) has anything to read ahead.
  static bool Wants(const Record& record);
  // Reads ahead for `record`; failures are left to the writer, which meets
  // them itself. Returns the number of entries it added to the cache.
  std::size_t Warm(const Record& record);

 private:
  store::LiveReader reader_;
  Key256 lookup_key_;
  BlockRule rule_;
  std::shared_ptr<PreparedCache> cache_;
};

}  // namespace seam::identity
