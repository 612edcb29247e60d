// The single customer view (SPEC §6), read from a RocksDB snapshot: never
// waits for the writer. Refs are normalised exactly as ingest normalises.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "identity/clusterer.h"
#include "identity/graph.h"
#include "ingest/segment.h"
#include "profile/stats.h"
#include "seam/config.h"
#include "seam/normalize.h"
#include "store/store.h"

namespace seam::query {

struct EventsQuery {
  std::size_t limit = 50;  // 1..1000
  std::string cursor;      // from a previous page's next_cursor
  std::string channel;     // filter, optional
  std::string type;        // filter, optional
};

class ProfileQuery {
 public:
  ProfileQuery(store::Store& store, const Config& config, const Normalizer& normalizer,
               const ingest::Blocklist& blocklist, const Key256& lookup_key,
               const identity::LinkPolicy& policy);

  Result<nlohmann::json> Profile(std::string_view ref);
  Result<nlohmann::json> Identities(std::string_view ref);
  Result<nlohmann::json> Traits(std::string_view ref);
  Result<nlohmann::json> Events(std::string_view ref, const EventsQuery& q);

  // The node key a ref names (type:value, normalised), or the error to answer.
  Result<std::string> NodeKeyForRef(std::string_view type, std::string_view value) const;

  // The profile a ref names (type:value, profile_id:..., record keys such
  // as customer_id:...), read through `reader`.
  Result<identity::Cluster> Find(store::Reader& reader, std::string_view ref);

 private:
  nlohmann::json RenderIdentities(const identity::Cluster& c, const profile::Stats& stats) const;

  store::Store& store_;
  const Config& config_;
  const Normalizer& normalizer_;
  const ingest::Blocklist& blocklist_;
  const Key256& lookup_key_;
  const identity::LinkPolicy& policy_;
};

}  // namespace seam::query
