#include "identity/resolver.h"

#include <algorithm>
#include <deque>
#include <limits>

#include <spdlog/spdlog.h>

namespace seam::identity {
namespace {

using store::Cf;

Status Missing(const char* what) { return Status::Internal(std::string("identity graph: missing ") + what); }

}  // namespace

LinkPolicy PolicyFromConfig(const Config& config) {
  LinkPolicy policy;
  for (const auto& [name, type] : config.identifier_types) policy.types[name] = {type.limit, type.priority};
  return policy;
}

void DeriveKeys(const Key256& lookup_key, Record& r) {
  std::vector<std::pair<std::string, std::size_t>> keyed;
  keyed.reserve(r.identifiers.size());
  for (std::size_t i = 0; i < r.identifiers.size(); ++i)
    keyed.emplace_back(MakeNodeKey(lookup_key, r.identifiers[i].type, r.identifiers[i].value), i);
  std::sort(keyed.begin(), keyed.end());
  keyed.erase(std::unique(keyed.begin(), keyed.end(), [](auto& a, auto& b) { return a.first == b.first; }),
              keyed.end());
  r.derived.node_keys.clear();
  r.derived.node_ids.clear();
  for (auto& [key, index] : keyed) {
    r.derived.node_keys.push_back(std::move(key));
    r.derived.node_ids.push_back(index);
  }
  const bool alias = r.alias && r.derived.node_keys.size() > 1;
  r.derived.sig_id = r.derived.node_keys.empty() ? "" : MakeSigId(r.derived.node_keys, alias);
}

Resolver::Resolver(store::Store& store, LinkPolicy policy, const Key256& lookup_key, Options options)
    : store_(store),
      reader_(store),
      policy_(std::move(policy)),
      lookup_key_(lookup_key),
      options_(options),
      sigs_(Cf::kSigs, options.cache_objects),
      clusters_(Cf::kClusters, options.cache_objects),
      node_profile_(Cf::kNodeProfile, options.cache_objects),
      records_(Cf::kRecords, options.cache_objects) {}

Result<const RecordEntry*> Resolver::FindRecord(const std::string& record_key) {
  return records_.Get(reader_, record_key);
}

Result<Plan> Resolver::PlanAdd(const Record& record) {
  const auto& keys = record.derived.node_keys;
  if (keys.empty()) return Status::Invalid("no_identifier", "record has no identifier");
  Plan p;
  p.kind = Plan::Kind::kAdd;
  p.sig_id = record.derived.sig_id;
  p.record_key = record.record_key;

  if (record.replaceable) {
    auto stored = records_.Get(reader_, record.record_key);
    if (!stored.ok()) return stored.status();
    if (*stored != nullptr) {
      if ((*stored)->content_hash == record.content_hash) {
        p.kind = Plan::Kind::kUnchanged;
        return p;
      }
      return Status::Internal("a replaced record must be removed before its new version is added");
    }
    p.record_entry = RecordEntry{p.sig_id, record.content_hash, record.derived.event_key, record.occurred_at};
    // A replaceable record may become its sig's earliest once others go.
    p.put_origin = true;
  }

  auto stored_sig = sigs_.Get(reader_, p.sig_id);
  if (!stored_sig.ok()) return stored_sig.status();
  std::optional<std::pair<Micros, std::string>> before;
  if (*stored_sig != nullptr) {
    p.sig = **stored_sig;
    before = p.sig.Earliest();
  } else {
    p.new_sig = true;
    p.sig.nodes = keys;
    p.sig.alias = record.alias && keys.size() > 1;
  }
  const std::pair<Micros, std::string> mine{record.occurred_at, record.record_key};
  if (record.replaceable) {
    p.sig.keyed.insert(std::upper_bound(p.sig.keyed.begin(), p.sig.keyed.end(), mine), mine);
    p.sig_changed = true;
  } else if (p.sig.earliest_record.empty() || mine < std::make_pair(p.sig.earliest_at, p.sig.earliest_record)) {
    p.sig.earliest_at = mine.first;
    p.sig.earliest_record = mine.second;
    p.sig_changed = true;
  }
  if (p.new_sig) p.sig_changed = true;

  if (!p.new_sig) {
    // The graph's shape is unchanged: the record lands where its sig is
    // anchored — when all its identifiers are there (a sig with a refused
    // identifier is re-clustered instead, so each profile's view of its
    // identifiers stays exact), and when it is not the profile's new
    // earliest record (then the profile is renamed).
    auto ref = node_profile_.Get(reader_, AnchorOf(p.sig, policy_));
    if (!ref.ok()) return ref.status();
    if (*ref == nullptr) return Missing("profile of an anchored sig");
    bool fast = true;
    for (const auto& n : p.sig.nodes) {
      auto other = node_profile_.Get(reader_, n);
      if (!other.ok()) return other.status();
      if (*other == nullptr || (*other)->id != (*ref)->id) fast = false;
    }
    if (fast && p.sig.Earliest() != *before) {
      auto cluster = clusters_.Get(reader_, (*ref)->id);
      if (!cluster.ok()) return cluster.status();
      if (*cluster == nullptr) return Missing("cluster of an indexed profile");
      const std::string& origin = (*cluster)->origin;
      std::optional<std::pair<Micros, std::string>> named_by;
      if (!origin.empty() && origin[0] == 's') {
        const std::string origin_sig = origin.substr(1);
        if (origin_sig == p.sig_id) {
          named_by = before;
        } else {
          auto o = sigs_.Get(reader_, origin_sig);
          if (!o.ok()) return o.status();
          if (*o != nullptr) named_by = (*o)->Earliest();
        }
      }
      fast = named_by && *named_by < p.sig.Earliest();
      if (fast) p.put_origin = true;  // earliest of its sig: it may name a profile later
    }
    if (fast) {
      p.profile_id = (*ref)->id;
      return p;
    }
  }
  // This record may name a profile: its would-be id must keep resolving.
  p.put_origin = true;
  Overrides overrides;
  overrides.sigs[p.sig_id] = &p.sig;
  if (auto s = PlanShape(p, p.sig.nodes, overrides); !s.ok()) return s;
  return p;
}

Result<std::optional<Plan>> Resolver::PlanRemove(const std::string& record_key) {
  auto entry = records_.Get(reader_, record_key);
  if (!entry.ok()) return entry.status();
  if (*entry == nullptr) return std::optional<Plan>();
  Plan p;
  p.kind = Plan::Kind::kRemove;
  p.sig_id = (*entry)->sig;
  p.record_key = record_key;
  p.removed_event_key = (*entry)->event_key;
  const std::pair<Micros, std::string> mine{(*entry)->occurred_at, record_key};

  auto sig = sigs_.Get(reader_, p.sig_id);
  if (!sig.ok()) return sig.status();
  if (*sig == nullptr) return Missing("sig of a stored record");
  p.sig = **sig;
  auto at = std::lower_bound(p.sig.keyed.begin(), p.sig.keyed.end(), mine);
  if (at == p.sig.keyed.end() || *at != mine) return Missing("record in its sig");
  p.sig.keyed.erase(at);
  p.sig_survives = !p.sig.empty();
  if (!p.sig_survives) p.deleted_sigs.push_back(p.sig_id);

  std::vector<std::string> start;
  for (const auto& n : p.sig.nodes) {
    bool elsewhere = true;
    if (!p.sig_survives) {
      auto other = NodeInOtherSig(n, p.sig_id);
      if (!other.ok()) return other.status();
      elsewhere = *other;
    }
    // A node that no other sig holds goes with this one.
    if (elsewhere)
      start.push_back(n);
    else
      p.deleted_nodes.push_back(n);
  }
  Overrides overrides;
  overrides.sigs[p.sig_id] = p.sig_survives ? &p.sig : nullptr;
  if (auto s = PlanShape(p, start, overrides); !s.ok()) return s;
  return std::optional<Plan>(std::move(p));
}

Status Resolver::ForEachSigOfNode(const std::string& node, const std::function<bool(const std::string&)>& fn) {
  const auto removed = adjacency_removed_.find(node);
  bool go_on = true;
  auto s = reader_.Scan(Cf::kNodeSigs, node, [&](std::string_view key, std::string_view) {
    std::string sig(key.substr(node.size()));
    if (removed != adjacency_removed_.end() && removed->second.count(sig)) return true;
    go_on = fn(sig);
    return go_on;
  });
  if (!s.ok() || !go_on) return s;
  if (auto added = adjacency_added_.find(node); added != adjacency_added_.end()) {
    for (const auto& sig : added->second)
      if (!fn(sig)) break;
  }
  return Status::Ok();
}

Result<bool> Resolver::NodeInOtherSig(const std::string& node, const std::string& except) {
  bool found = false;
  auto s = ForEachSigOfNode(node, [&](const std::string& sig) {
    found = sig != except;
    return !found;
  });
  if (!s.ok()) return s;
  return found;
}

Status Resolver::Gather(const std::vector<std::string>& start, const Overrides& overrides,
                        std::vector<ComponentSig>& out, bool& over_cap, int max_sigs) {
  std::set<std::string> seen_nodes;
  std::set<std::string> seen_sigs;
  std::deque<std::string> queue;
  over_cap = false;
  auto visit_node = [&](const std::string& n) {
    if (seen_nodes.insert(n).second) queue.push_back(n);
  };
  auto add_sig = [&](const std::string& id, const SigInfo& info) {
    out.push_back({id, info});
    for (const auto& n : info.nodes) visit_node(n);
  };
  // A planned sig is not in the adjacency yet: it joins the walk directly.
  for (const auto& [id, info] : overrides.sigs) {
    seen_sigs.insert(id);
    if (info != nullptr) add_sig(id, *info);
  }
  for (const auto& n : start) visit_node(n);

  while (!queue.empty()) {
    const std::string node = std::move(queue.front());
    queue.pop_front();
    std::vector<std::string> found;
    auto s = ForEachSigOfNode(node, [&](const std::string& sig) {
      if (!seen_sigs.count(sig)) found.push_back(sig);
      return true;
    });
    if (!s.ok()) return s;
    for (auto& sid : found) {
      if (!seen_sigs.insert(sid).second) continue;
      if (static_cast<int>(seen_sigs.size()) > max_sigs) {
        over_cap = true;
        return Status::Ok();
      }
      auto info = sigs_.Get(reader_, sid);
      if (!info.ok()) return info.status();
      if (*info == nullptr) return Missing("sig named by the adjacency");
      add_sig(sid, **info);
    }
  }
  return Status::Ok();
}

Status Resolver::LoadOldProfiles(Plan& p, const std::set<std::string>& nodes) {
  for (const auto& n : nodes) {
    auto ref = node_profile_.Get(reader_, n);
    if (!ref.ok()) return ref.status();
    if (*ref == nullptr) continue;
    const std::string id = (*ref)->id;
    p.old_profile_of[n] = id;
    if (p.old_clusters.count(id)) continue;
    auto c = clusters_.Get(reader_, id);
    if (!c.ok()) return c.status();
    if (*c != nullptr) p.old_clusters.emplace(id, **c);
  }
  return Status::Ok();
}

Status Resolver::PlanShape(Plan& p, const std::vector<std::string>& start, const Overrides& overrides) {
  std::vector<ComponentSig> component;
  bool over_cap = false;
  if (auto s = Gather(start, overrides, component, over_cap, options_.max_component_sigs); !s.ok())
    return s;
  if (over_cap && p.kind == Plan::Kind::kAdd) {
    // A component this large is glued by a junk value the guards did not
    // catch; re-clustering it on every record would stall the writer. The
    // record keeps to its anchor's profile until the value is quarantined.
    spdlog::warn("identity component over {} sigs: record attached without re-clustering",
                 options_.max_component_sigs);
    p.attach_only = true;
    return LoadOldProfiles(p, std::set<std::string>(p.sig.nodes.begin(), p.sig.nodes.end()));
  }
  if (over_cap) {
    // Removal must split correctly whatever the size: walk it all.
    component.clear();
    if (auto s = Gather(start, overrides, component, over_cap, std::numeric_limits<int>::max()); !s.ok())
      return s;
  }
  p.partition = ClusterComponent(component, policy_);
  p.reclustered = true;
  for (const auto& cs : component) p.sig_nodes[cs.id] = cs.info.nodes;
  std::set<std::string> nodes(p.deleted_nodes.begin(), p.deleted_nodes.end());
  for (const auto& cs : component) nodes.insert(cs.info.nodes.begin(), cs.info.nodes.end());
  return LoadOldProfiles(p, nodes);
}

ResolveResult Resolver::Apply(Plan p, store::Batch& batch) {
  ResolveResult result;
  result.sig_id = p.sig_id;
  if (p.kind == Plan::Kind::kUnchanged) return result;

  if (p.kind == Plan::Kind::kAdd) {
    if (p.new_sig) {
      for (const auto& n : p.sig.nodes) {
        batch.Put(Cf::kNodeSigs, n + p.sig_id, "");
        adjacency_added_[n].insert(p.sig_id);
        if (auto r = adjacency_removed_.find(n); r != adjacency_removed_.end()) r->second.erase(p.sig_id);
        // A profile holding only this node (a refused identifier) is named after it.
        batch.Put(Cf::kIdOrigins, ProfileIdForNode(n), "n" + n);
      }
    }
    if (p.sig_changed) sigs_.Put(p.sig_id, p.sig);
    // Every id this record could ever give a profile resolves through its
    // sig: redirects are part of the state, the same whatever order built it.
    // (A record that is not its sig's earliest when it arrives can never name
    // a profile, unless it is replaceable.)
    if (p.put_origin) batch.Put(Cf::kIdOrigins, ProfileIdForRecord(p.record_key), "s" + p.sig_id);
    if (p.record_entry) records_.Put(p.record_key, *p.record_entry);
    if (p.attach_only) {
      ApplyAttach(p, batch, result);
    } else if (p.reclustered) {
      ApplyShape(p, batch, result);
    } else {
      result.profile_id = p.profile_id;
    }
    return result;
  }

  // Remove.
  for (const auto& n : p.deleted_nodes) {
    node_profile_.Erase(n);
    batch.Delete(Cf::kIdOrigins, ProfileIdForNode(n));
  }
  if (p.sig_survives) {
    sigs_.Put(p.sig_id, p.sig);
  } else {
    sigs_.Erase(p.sig_id);
    for (const auto& n : p.sig.nodes) {
      batch.Delete(Cf::kNodeSigs, n + p.sig_id);
      adjacency_removed_[n].insert(p.sig_id);
      if (auto a = adjacency_added_.find(n); a != adjacency_added_.end()) a->second.erase(p.sig_id);
    }
  }
  records_.Erase(p.record_key);
  batch.Delete(Cf::kIdOrigins, ProfileIdForRecord(p.record_key));
  result.deleted_sigs = p.deleted_sigs;
  ApplyShape(p, batch, result);
  return result;
}

void Resolver::ApplyShape(Plan& p, store::Batch&, ResolveResult& result) {
  Partition& partition = p.partition;
  std::map<std::string, std::size_t> cluster_of_sig, cluster_of_node;
  for (std::size_t i = 0; i < partition.clusters.size(); ++i) {
    for (const auto& s : partition.clusters[i].sigs) cluster_of_sig[s] = i;
    for (const auto& n : partition.clusters[i].nodes) cluster_of_node[n] = i;
  }
  std::set<std::string> new_ids;
  for (const auto& c : partition.clusters) new_ids.insert(c.id);

  // A retired id follows what it was derived from (its origin record's sig,
  // or its node) into the profile that holds that now.
  std::vector<std::set<std::string>> merged(partition.clusters.size());
  for (const auto& [old_id, old] : p.old_clusters) {
    std::optional<std::size_t> target;
    const std::string rest = old.origin.empty() ? "" : old.origin.substr(1);
    if (!old.origin.empty() && old.origin[0] == 's' && cluster_of_sig.count(rest))
      target = cluster_of_sig[rest];
    else if (!old.origin.empty() && old.origin[0] == 'n' && cluster_of_node.count(rest))
      target = cluster_of_node[rest];
    if (!target) continue;
    merged[*target].insert(old.merged_ids.begin(), old.merged_ids.end());
    merged[*target].insert(old_id);
  }

  for (std::size_t i = 0; i < partition.clusters.size(); ++i) {
    Cluster& c = partition.clusters[i];
    merged[i].erase(c.id);
    c.merged_ids.assign(merged[i].begin(), merged[i].end());
    clusters_.Put(c.id, c);
    for (const auto& n : c.nodes) {
      auto it = p.old_profile_of.find(n);
      if (it == p.old_profile_of.end() || it->second != c.id) node_profile_.Put(n, ProfileRef{c.id});
    }
    if (!p.old_clusters.count(c.id)) result.created.push_back(c.id);
  }
  for (const auto& [old_id, old] : p.old_clusters) {
    if (new_ids.count(old_id)) continue;
    clusters_.Erase(old_id);
    result.retired.push_back(old_id);
  }
  result.reclustered = true;
  if (p.kind == Plan::Kind::kAdd) result.profile_id = partition.clusters[cluster_of_sig.at(p.sig_id)].id;
  result.clusters = std::move(partition.clusters);
}

void Resolver::ApplyAttach(Plan& p, store::Batch&, ResolveResult& result) {
  const std::string& anchor = AnchorOf(p.sig, policy_);
  Cluster cluster;
  if (auto it = p.old_profile_of.find(anchor); it != p.old_profile_of.end() && p.old_clusters.count(it->second)) {
    cluster = p.old_clusters.at(it->second);
  } else {
    cluster.id = ProfileIdForRecord(p.sig.Earliest().second);
    cluster.origin = "s" + p.sig_id;
    cluster.nodes.push_back(anchor);
    node_profile_.Put(anchor, ProfileRef{cluster.id});
    result.created.push_back(cluster.id);
  }
  if (!std::binary_search(cluster.sigs.begin(), cluster.sigs.end(), p.sig_id))
    cluster.sigs.insert(std::upper_bound(cluster.sigs.begin(), cluster.sigs.end(), p.sig_id), p.sig_id);
  // Nodes of this sig that belong nowhere yet get a profile of their own.
  for (const auto& n : p.sig.nodes) {
    if (n == anchor || p.old_profile_of.count(n)) continue;
    Cluster single;
    single.id = ProfileIdForNode(n);
    single.origin = "n" + n;
    single.nodes.push_back(n);
    clusters_.Put(single.id, single);
    node_profile_.Put(n, ProfileRef{single.id});
    result.created.push_back(single.id);
    result.clusters.push_back(std::move(single));
  }
  clusters_.Put(cluster.id, cluster);
  result.reclustered = true;
  result.attached = true;
  result.profile_id = cluster.id;
  result.clusters.push_back(std::move(cluster));
}

void Resolver::Flush(store::Batch& batch) {
  sigs_.Flush(batch);
  clusters_.Flush(batch);
  node_profile_.Flush(batch);
  records_.Flush(batch);
}

void Resolver::Commit() {
  sigs_.Commit();
  clusters_.Commit();
  node_profile_.Commit();
  records_.Commit();
  adjacency_added_.clear();
  adjacency_removed_.clear();
}

void Resolver::Abort() {
  sigs_.Abort();
  clusters_.Abort();
  node_profile_.Abort();
  records_.Abort();
  adjacency_added_.clear();
  adjacency_removed_.clear();
}

}  // namespace seam::identity
