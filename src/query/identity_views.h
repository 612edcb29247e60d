// Read-only views of the identity graph for people deciding about it: why a
// profile holds what it holds (explain), the possible matches waiting for a
// decision (review), and the values quarantined for their fan-out. Each reads
// one snapshot and re-runs the same pure clustering the writer runs, so what
// it shows is what the writer decided.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "identity/blocking.h"
#include "identity/clusterer.h"
#include "identity/model_store.h"
#include "query/profile_query.h"
#include "store/store.h"

namespace seam::query {

class IdentityViews {
 public:
  IdentityViews(store::Store& store, ProfileQuery& profiles, identity::ModelStore& models,
                const identity::LinkPolicy& policy, identity::BlockRule blocks, int max_component_sigs);

  // GET /v1/profiles/{ref}/explain
  Result<nlohmann::json> Explain(std::string_view ref);
  // GET /v1/quarantine
  Result<nlohmann::json> Quarantined(std::size_t limit);
  // The node a ref names: a type:value identifier, or the highest-priority
  // identifier of the profile a profile_id / record key names.
  Result<std::string> NodeOfRef(std::string_view ref);

 private:
  store::Store& store_;
  ProfileQuery& profiles_;
  identity::ModelStore& models_;
  const identity::LinkPolicy& policy_;
  identity::BlockRule blocks_;
  int max_component_sigs_;
};

}  // namespace seam::query
