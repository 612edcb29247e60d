// How a probabilistic link's per-field weights read in answers (explain and
// the review queue alike): "first_name=exact:3.210" ->
// {"field": "first_name", "level": "exact", "weight": 3.21}.
#pragma once

#include <cstdlib>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace seam::query {

inline nlohmann::json FieldsJson(const std::vector<std::string>& fields) {
  auto out = nlohmann::json::array();
  for (const auto& f : fields) {
    const auto eq = f.find('='), colon = f.rfind(':');
    if (eq == std::string::npos || colon == std::string::npos || colon < eq) continue;
    out.push_back({{"field", f.substr(0, eq)},
                   {"level", f.substr(eq + 1, colon - eq - 1)},
                   {"weight", std::strtod(f.c_str() + colon + 1, nullptr)}});
  }
  return out;
}

}  // namespace seam::query
