#include "query/identity_views.h"

#include <algorithm>
#include <set>

#include "identity/component.h"
#include "identity/snapshot_source.h"
#include "profile/profile_writer.h"
#include "query/match_fields.h"
#include "seam/crypto.h"

namespace seam::query {
namespace {

using store::Cf;

// Names nodes for people: identifiers by type and value, attribute nodes by
// the identifiers of the records that carry them.
class Names {
 public:
  Status AddProfile(store::Reader& view, const std::string& profile_id) {
    if (!profiles_.insert(profile_id).second) return Status::Ok();
    auto stats = profile::LoadStats(view, Cf::kProfiles, profile_id);
    if (!stats.ok()) return stats.status();
    for (const auto& [node, seen] : stats->identities)
      if (seen.type != identity::kAttrsType) values_[node] = {{"type", seen.type}, {"value", seen.value}};
    return Status::Ok();
  }
  void AddSigs(const std::vector<identity::ComponentSig>& sigs) {
    for (const auto& s : sigs)
      for (const auto& n : s.info.nodes)
        if (identity::NodeKeyType(n) == identity::kAttrsType) sigs_of_[n].push_back(&s.info);
  }
  nlohmann::json Of(const std::string& node) const {
    if (identity::NodeKeyType(node) != identity::kAttrsType) {
      auto it = values_.find(node);
      if (it != values_.end()) return it->second;
      return {{"type", std::string(identity::NodeKeyType(node))}, {"value", nullptr}};
    }
    std::set<std::string> of;
    if (auto it = sigs_of_.find(node); it != sigs_of_.end())
      for (const auto* sig : it->second)
        for (const auto& n : sig->nodes)
          if (auto v = values_.find(n); v != values_.end())
            of.insert(v->second["type"].get<std::string>() + ":" + v->second["value"].get<std::string>());
    return {{"type", "attributes"}, {"of", of}};
  }

 private:
  std::set<std::string> profiles_;
  std::map<std::string, nlohmann::json> values_;
  std::map<std::string, std::vector<const identity::SigInfo*>> sigs_of_;
};

}  // namespace

IdentityViews::IdentityViews(store::Store& store, ProfileQuery& profiles, identity::ModelStore& models,
                             const identity::LinkPolicy& policy, identity::BlockRule blocks, int max_component_sigs)
    : store_(store),
      profiles_(profiles),
      models_(models),
      policy_(policy),
      blocks_(blocks),
      max_component_sigs_(max_component_sigs) {}

Result<std::string> IdentityViews::NodeOfRef(std::string_view ref) {
  const auto colon = ref.find(':');
  if (colon == std::string_view::npos || colon == 0)
    return Status::Invalid("invalid_ref", "a reference is type:value, e.g. email:jane@example.com");
  const std::string type(ref.substr(0, colon));
  if (type != "profile_id") {
    auto node = profiles_.NodeKeyForRef(type, ref.substr(colon + 1));
    if (!node.ok()) return node.status();
    store::ReadView view(store_);
    auto known = view.Get(Cf::kNodeProfile, *node);
    if (!known.ok()) return known.status();
    if (!known->has_value()) return Status::NotFound("profile_not_found", "no profile for that reference");
    return *node;
  }
  store::ReadView view(store_);
  auto cluster = profiles_.Find(view, ref);
  if (!cluster.ok()) return cluster.status();
  const std::string* best = nullptr;
  for (const auto& n : cluster->nodes) {
    if (identity::NodeKeyType(n) == identity::kAttrsType) continue;
    if (best == nullptr || std::make_pair(policy_.RuleFor(identity::NodeKeyType(n)).priority, n) <
                               std::make_pair(policy_.RuleFor(identity::NodeKeyType(*best)).priority, *best))
      best = &n;
  }
  if (best == nullptr) return Status::NotFound("profile_not_found", "that profile holds no identifier");
  return *best;
}

Result<nlohmann::json> IdentityViews::Explain(std::string_view ref) {
  store::ReadView view(store_);
  auto cluster = profiles_.Find(view, ref);
  if (!cluster.ok()) return cluster.status();
  auto model = models_.Active();
  if (!model.ok()) return model.status();
  identity::SnapshotSource src(view);
  identity::GatherLimits limits{max_component_sigs_, blocks_, model->upper_threshold};
  identity::ComponentInput in;
  bool over_cap = false;
  if (auto s = identity::GatherComponent(src, cluster->nodes, {}, limits, in, over_cap); !s.ok()) return s;
  const identity::Partition partition = identity::ClusterComponent(in, policy_);

  Names names;
  names.AddSigs(in.sigs);
  if (auto s = names.AddProfile(view, cluster->id); !s.ok()) return s;
  for (const auto& c : partition.clusters)
    if (auto s = names.AddProfile(view, c.id); !s.ok()) return s;
  const std::set<std::string> mine(cluster->nodes.begin(), cluster->nodes.end());

  auto link_json = [&](const identity::Link& l) -> Result<nlohmann::json> {
    nlohmann::json j = {{"kind", identity::LinkKindName(l.kind)}, {"from", names.Of(l.a)}, {"to", names.Of(l.b)}};
    if (l.kind == identity::LinkKind::kProbabilistic) {
      j["score"] = l.total;
      j["probability"] = l.probability;
      auto edges = src.Edges(l.a);
      if (!edges.ok()) return edges.status();
      if (*edges)
        for (const auto& e : (*edges)->edges)
          if (e.other == l.b) j["fields"] = FieldsJson(e.fields);
    }
    if (!l.reason.empty()) j["reason"] = l.reason;
    return j;
  };
  auto links = nlohmann::json::array(), refused = nlohmann::json::array();
  for (const auto& l : partition.admitted) {
    if (!mine.count(l.a) || !mine.count(l.b)) continue;
    auto j = link_json(l);
    if (!j.ok()) return j.status();
    links.push_back(std::move(*j));
  }
  for (const auto& l : partition.refusals) {
    if (!mine.count(l.a) && !mine.count(l.b)) continue;
    auto j = link_json(l);
    if (!j.ok()) return j.status();
    refused.push_back(std::move(*j));
  }
  // Pairs scored as possible matches (or matches whose blocks grew too
  // large) with records of other profiles: candidates for review.
  auto possible = nlohmann::json::array();
  for (const auto& n : cluster->nodes) {
    if (identity::NodeKeyType(n) != identity::kAttrsType) continue;
    auto edges = src.Edges(n);
    if (!edges.ok()) return edges.status();
    if (!*edges) continue;
    for (const auto& e : (*edges)->edges) {
      if (mine.count(e.other)) continue;
      auto other = src.ProfileOf(e.other);
      if (!other.ok()) return other.status();
      possible.push_back({{"from", names.Of(n)},
                          {"profile_id", other->value_or("")},
                          {"probability", e.probability},
                          {"score", e.total},
                          {"fields", FieldsJson(e.fields)}});
    }
  }
  nlohmann::json out = {{"profile_id", cluster->id},
                        {"model", model->version},
                        {"links", std::move(links)},
                        {"refused", std::move(refused)},
                        {"possible_matches", std::move(possible)}};
  if (over_cap) out["truncated"] = true;
  return out;
}

Result<nlohmann::json> IdentityViews::Quarantined(std::size_t limit) {
  store::ReadView view(store_);
  auto items = nlohmann::json::array();
  Status bad;
  Status s = view.Scan(Cf::kGuards, "", [&](std::string_view key, std::string_view value) {
    identity::NodeGuard g;
    if (!identity::NodeGuard::Decode(value, g)) {
      bad = Status::Internal("corrupt guard");
      return false;
    }
    if (!g.quarantined || g.released) return true;
    const std::string node(key);
    std::map<std::string, int> by_type;
    for (const auto& seen : g.seen_with) by_type[std::string(identity::NodeKeyType(seen))] += 1;
    std::string reason;
    for (const auto& [type, n] : by_type) reason += (reason.empty() ? "" : ", ") + std::string("seen with more than ") +
                                                     std::to_string(n - 1) + " " + type + " values";
    nlohmann::json value_json = nullptr;
    auto pid = view.Get(Cf::kNodeProfile, node);
    if (pid.ok() && pid->has_value()) {
      auto stats = profile::LoadStats(view, Cf::kProfiles, **pid);
      if (stats.ok())
        if (auto it = stats->identities.find(node); it != stats->identities.end()) value_json = it->second.value;
    }
    items.push_back({{"type", std::string(identity::NodeKeyType(node))}, {"value", value_json}, {"reason", reason}});
    return items.size() < limit;
  });
  if (!s.ok()) return s;
  if (!bad.ok()) return bad;
  return nlohmann::json{{"items", std::move(items)}};
}

}  // namespace seam::query
