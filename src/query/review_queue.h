// The review queue (SPEC §5, GET /v1/review): possible matches — pairs of
// attribute nodes scored between the active model's lower and upper
// thresholds, in two different profiles, with no admin decision — listed in
// the order of their ids.
//
// An id is "<hex of the smaller node>-<hex of the larger node>". Attribute
// node keys all have one length and hex keeps byte order, so id order is
// the order of (smaller node, larger node): the key order of the matches
// family, which a scan walks without sorting anything. A page's cursor is
// the id of its last item and the next page starts strictly after it — a
// position, not a count — so items decided, merged or added between two
// page requests never make another item repeat or go missing.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "identity/model_store.h"
#include "seam/status.h"
#include "store/store.h"

namespace seam::query {

class ReviewQueue {
 public:
  ReviewQueue(store::Store& store, identity::ModelStore& models) : store_(store), models_(models) {}

  // {"items": [...], "next_cursor": the id of the last item, or null when
  // no pending item follows it}. `cursor` empty: from the start.
  Result<nlohmann::json> Page(std::size_t limit, const std::string& cursor);

  static std::string IdOf(std::string_view a, std::string_view b);
  // The two attribute nodes an id names; review_not_found when it names none.
  static Result<std::pair<std::string, std::string>> PairOf(std::string_view id);

 private:
  store::Store& store_;
  identity::ModelStore& models_;
};

}  // namespace seam::query
