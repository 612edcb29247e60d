// Match model snapshots as evidence (SPEC §5): every model Seam scored with
// is kept under its version, with how it came to be; one is active. Scoring
// uses the active snapshot only.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "identity/match_model.h"
#include "store/store.h"

namespace seam::identity {

class ModelStore {
 public:
  explicit ModelStore(store::Store& store) : store_(store) {}

  // The active snapshot; the built-in default when none was activated.
  Result<MatchModel> Active();
  Result<std::string> ActiveVersion();
  // Stores a snapshot (idempotent per version) with facts about it.
  Status Save(const MatchModel& model, const nlohmann::json& about);
  Result<std::optional<MatchModel>> Find(const std::string& version);
  Status Activate(const std::string& version);
  // {version, about, active} per stored snapshot, the default included.
  Result<std::vector<nlohmann::json>> List();

 private:
  store::Store& store_;
};

}  // namespace seam::identity
