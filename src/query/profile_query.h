// The single customer view (SPEC §6), read from a RocksDB snapshot: never
// waits for the writer. Refs are normalised exactly as ingest normalises.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/two_generation_cache.h"
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
  // Profile(ref) as the JSON text GET /v1/profiles/{ref} answers. Recently
  // read profiles are kept rendered, each with stamps of the stored cluster
  // and profile it came from; a read that finds both unchanged answers
  // without decoding or rendering (about half of a lookup's work).
  Result<std::string> ProfileBody(std::string_view ref);
  Result<nlohmann::json> Identities(std::string_view ref);
  Result<nlohmann::json> Traits(std::string_view ref);
  Result<nlohmann::json> Events(std::string_view ref, const EventsQuery& q);

  // The node key a ref names (type:value, normalised), or the error to answer.
  Result<std::string> NodeKeyForRef(std::string_view type, std::string_view value) const;

  // The profile a ref names (type:value, profile_id:..., record keys such
  // as customer_id:...), read through `reader`.
  // When `cluster_stamp` is given it receives a digest of the cluster's
  // stored bytes.
  Result<identity::Cluster> Find(store::Reader& reader, std::string_view ref,
                                 std::uint64_t* cluster_stamp = nullptr);

 private:
  struct Rendered {
    std::uint64_t cluster_stamp = 0, profile_stamp = 0;
    std::shared_ptr<const std::string> body;
  };

  nlohmann::json RenderIdentities(const identity::Cluster& c, const profile::Stats& stats) const;
  nlohmann::json RenderProfile(const identity::Cluster& c, const profile::Stats& stats) const;

  store::Store& store_;
  const Config& config_;
  const Normalizer& normalizer_;
  const ingest::Blocklist& blocklist_;
  const Key256& lookup_key_;
  const identity::LinkPolicy& policy_;
  TwoGenerationCache<Rendered> rendered_;  // profile id -> its last rendering
};

}  // namespace seam::query
