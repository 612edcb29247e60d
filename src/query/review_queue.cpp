#include "query/review_queue.h"

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "identity/clusterer.h"
#include "identity/graph.h"
#include "identity/snapshot_source.h"
#include "query/match_fields.h"
#include "seam/crypto.h"

namespace seam::query {
namespace {

using identity::Decision;
using identity::kAttrsType;
using identity::MatchEdges;
using identity::MatchModel;
using identity::NodeDecisions;
using identity::NodeKeyType;
using identity::SnapshotSource;
using store::Cf;

constexpr std::size_t kMaxLimit = 1000;

bool Decided(const std::optional<NodeDecisions>& decisions, const std::string& other) {
  if (!decisions) return false;
  return std::any_of(decisions->decisions.begin(), decisions->decisions.end(),
                     [&](const Decision& d) { return d.other == other; });
}

// The pending pairs of `node` with larger nodes past `after` (the cursor's
// pair; empty: none), in order of the other node (MatchEdges keeps them
// sorted). Each pair is stored under both ends and listed under the smaller.
Result<std::vector<nlohmann::json>> PendingPairs(SnapshotSource& src, const MatchModel& model,
                                                 const std::string& node, const MatchEdges& edges,
                                                 const std::pair<std::string, std::string>& after) {
  std::vector<nlohmann::json> out;
  auto mine = src.ProfileOf(node);
  if (!mine.ok()) return mine.status();
  if (!mine->has_value()) return out;
  auto decisions = src.Decisions(node);
  if (!decisions.ok()) return decisions.status();
  for (const auto& e : edges.edges) {
    if (e.other <= node) continue;
    if (node == after.first && e.other <= after.second) continue;
    if (e.probability < model.lower_threshold || e.probability >= model.upper_threshold) continue;
    if (Decided(*decisions, e.other)) continue;
    auto theirs = src.ProfileOf(e.other);
    if (!theirs.ok()) return theirs.status();
    if (!theirs->has_value() || **theirs == **mine) continue;
    out.push_back({{"id", ReviewQueue::IdOf(node, e.other)},
                   {"probability", e.probability},
                   {"score", e.total},
                   {"profiles", {**mine, **theirs}},
                   {"fields", FieldsJson(e.fields)}});
  }
  return out;
}

}  // namespace

std::string ReviewQueue::IdOf(std::string_view a, std::string_view b) { return Hex(a) + "-" + Hex(b); }

Result<std::pair<std::string, std::string>> ReviewQueue::PairOf(std::string_view id) {
  const auto dash = id.find('-');
  if (dash == std::string_view::npos) return Status::NotFound("review_not_found", "no such review item");
  auto a = Unhex(id.substr(0, dash)), b = Unhex(id.substr(dash + 1));
  if (!a || !b || NodeKeyType(*a) != kAttrsType || NodeKeyType(*b) != kAttrsType)
    return Status::NotFound("review_not_found", "no such review item");
  return std::make_pair(std::move(*a), std::move(*b));
}

Result<nlohmann::json> ReviewQueue::Page(std::size_t limit, const std::string& cursor) {
  if (limit < 1 || limit > kMaxLimit) return Status::Invalid("invalid_limit", "limit must be between 1 and 1000");
  std::pair<std::string, std::string> after;
  if (!cursor.empty()) {
    auto pair = PairOf(cursor);
    if (!pair.ok()) return Status::Invalid("invalid_cursor", "cursor is not one this server issued");
    after = std::move(*pair);
  }
  auto model = models_.Active();
  if (!model.ok()) return model.status();
  store::ReadView view(store_);
  SnapshotSource src(view);
  auto items = nlohmann::json::array();
  bool more = false;
  Status failed;
  const std::string prefix = std::string(kAttrsType) + '\0';
  // From the cursor's node itself: its pairs past the cursor's come first.
  Status s = view.ScanFrom(Cf::kMatches, prefix, after.first.empty() ? prefix : after.first,
                           [&](std::string_view key, std::string_view value) {
                             MatchEdges edges;
                             if (!MatchEdges::Decode(value, edges)) {
                               failed = Status::Internal("corrupt match edges");
                               return false;
                             }
                             auto pairs = PendingPairs(src, *model, std::string(key), edges, after);
                             if (!pairs.ok()) {
                               failed = pairs.status();
                               return false;
                             }
                             for (auto& item : *pairs) {
                               // One pending item past a full page: there is a next page.
                               if (items.size() == limit) {
                                 more = true;
                                 return false;
                               }
                               items.push_back(std::move(item));
                             }
                             return true;
                           });
  if (!s.ok()) return s;
  if (!failed.ok()) return failed;
  nlohmann::json out = {{"next_cursor", more ? items.back()["id"] : nlohmann::json(nullptr)}};
  out["items"] = std::move(items);
  return out;
}

}  // namespace seam::query
