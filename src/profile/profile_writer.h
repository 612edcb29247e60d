// Materialises profiles as records resolve: per-sig and per-profile Stats and
// the timeline, in the writer's transaction. Runs after the Resolver on the
// single writer thread.
#pragma once

#include <string>

#include "identity/resolver.h"
#include "profile/stats.h"
#include "seam/record.h"
#include "store/store.h"

namespace seam::profile {

// Timeline keys: sig id (16) | inverted time (8, big-endian: newest first) |
// 8 bytes of SHA-256(record key) (unique, and the cursor's tie-break).
std::string EventKeySuffix(Micros at, std::string_view record_key);
std::string EventKey(std::string_view sig_id, Micros at, std::string_view record_key);
// The event as the timeline shows it.
nlohmann::json EventJson(const Record& record);

Result<Stats> LoadStats(store::Reader& reader, store::Cf cf, std::string_view key);
// The fold of the Stats of every sig of a cluster.
Result<Stats> FoldCluster(store::Reader& reader, const identity::Cluster& cluster);

class ProfileWriter {
 public:
  Status Apply(const Record& record, const identity::ResolveResult& resolved, store::WriteTxn& txn);
};

}  // namespace seam::profile
