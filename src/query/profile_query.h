// The single customer view (SPEC §6), read from a RocksDB snapshot: never
// waits for the writer. Refs are normalised exactly as ingest normalises.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

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
  // read profiles are kept rendered, with the keys they were read from; a
  // read finds one exact while the store's change clock shows none of those
  // keys written since, and answers it without reading the store at all.
  Result<std::string> ProfileBody(std::string_view ref);
  Result<nlohmann::json> Identities(std::string_view ref);
  Result<nlohmann::json> Traits(std::string_view ref);
  Result<nlohmann::json> Events(std::string_view ref, const EventsQuery& q);

  // The node key a ref names (type:value, normalised), or the error to answer.
  Result<std::string> NodeKeyForRef(std::string_view type, std::string_view value) const;

  // The profile a ref names (type:value, profile_id:..., record keys such
  // as customer_id:...), read through `reader`.
  Result<identity::Cluster> Find(store::Reader& reader, std::string_view ref);

 private:
  // What a kept answer was read from, and whether it is still exact.
  struct Kept {
    std::uint64_t as_of = 0;                      // the change clock before it was read
    std::vector<store::ChangeClock::Token> read;  // the keys it was read from
    bool Exact(const store::ChangeClock& clock) const { return clock.UnchangedSince(read, as_of); }
  };
  struct Rendered : Kept {
    std::shared_ptr<const std::string> body;
  };
  struct Resolved : Kept {
    std::string profile_id;  // what an identifier's node key names
  };

  Result<identity::Cluster> FindById(store::Reader& reader, std::string_view id) const;
  Result<identity::Cluster> FindByNode(store::Reader& reader, std::string_view node) const;
  // The profile id an identifier's node key names (not quarantined).
  Result<std::string> ProfileIdOfNode(store::Reader& reader, std::string_view node) const;
  // The rendered profile `find` reads, kept under `key` (when `keep`) with
  // the keys it was read from.
  Result<std::string> Rendering(const std::string& key,
                                const std::function<Result<identity::Cluster>(store::Reader&)>& find,
                                bool keep = true);

  nlohmann::json RenderIdentities(const identity::Cluster& c, const profile::Stats& stats) const;
  nlohmann::json RenderProfile(const identity::Cluster& c, const profile::Stats& stats) const;

  store::Store& store_;
  const Config& config_;
  const Normalizer& normalizer_;
  const ingest::Blocklist& blocklist_;
  const Key256& lookup_key_;
  const identity::LinkPolicy& policy_;
  TwoGenerationCache<Rendered> rendered_;  // "p" profile id -> its last rendering
  TwoGenerationCache<Resolved> resolved_;  // identifier's node key -> the profile id it names
};

}  // namespace seam::query
