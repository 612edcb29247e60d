#include "identity/candidate_prefetch.h"

#include <map>
#include <string>
#include <utility>

#include "identity/clusterer.h"
#include "identity/graph.h"

namespace seam::identity {
namespace {

using store::Cf;

const std::string* AttrsNodeOf(const Record& r) {
  if (r.match_attributes.empty()) return nullptr;
  for (const auto& key : r.derived.node_keys)
    if (NodeKeyType(key) == kAttrsType) return &key;
  return nullptr;
}

}  // namespace

bool CandidatePrefetch::Wants(const Record& record) { return AttrsNodeOf(record) != nullptr; }

std::size_t CandidatePrefetch::Warm(const Record& record) {
  const std::string* node = AttrsNodeOf(record);
  if (node == nullptr) return 0;
  // Only a new attribute node draws candidates. Known ones (a returning
  // user's identify with the same traits: most of them under live traffic)
  // are in the cache or the store, and reading ahead for them would only
  // take CPU from the threads that parse requests.
  if (cache_->Find(*node)) return 0;
  if (auto stored = reader_.Get(Cf::kAttrs, *node); !stored.ok() || stored->has_value()) return 0;
  auto own = PreparedEntryOfEncoded(lookup_key_, record.match_attributes);
  if (!own.ok()) return 0;
  const PreparedCache::Ptr mine = cache_->Insert(*node, std::move(*own));
  std::size_t added = 1;
  // The candidates the writer will draw (Resolver::PlanNewAttrs), as far as
  // committed state tells: each block with this node in it.
  std::map<std::string, BlockRule::Support> shared;
  for (const auto& b : mine->blocks) {
    auto raw = reader_.Get(Cf::kBlockCounts, b);
    if (!raw.ok() || !raw->has_value()) continue;
    BlockInfo info;
    if (!BlockInfo::Decode(**raw, info)) continue;
    const uint64_t count = info.count + 1;
    if (count > rule_.max_block) continue;
    for (const auto& m : info.members)
      if (m != *node) rule_.Add(shared[m], count);
  }
  for (const auto& [member, support] : shared) {
    if (!BlockRule::Draws(support) || cache_->Find(member)) continue;
    auto entry = ReadPreparedEntry(reader_, lookup_key_, member);
    if (!entry.ok() || !*entry) continue;
    cache_->Insert(member, std::move(**entry));
    added += 1;
  }
  return added;
}

}  // namespace seam::identity
