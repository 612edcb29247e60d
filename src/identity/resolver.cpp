#include "identity/resolver.h"

#include <algorithm>
#include <deque>
#include <map>
#include <set>

#include <spdlog/spdlog.h>

namespace seam::identity {
namespace {

using store::Cf;

Status Corrupt(const char* what) { return Status::Internal(std::string("corrupt ") + what + " value"); }

Result<std::optional<Cluster>> LoadCluster(store::Reader& r, const std::string& id) {
  auto v = r.Get(Cf::kClusters, id);
  if (!v.ok()) return v.status();
  if (!v->has_value()) return std::optional<Cluster>();
  Cluster c;
  if (!Cluster::Decode(**v, c)) return Corrupt("cluster");
  return std::optional<Cluster>(std::move(c));
}

}  // namespace

LinkPolicy PolicyFromConfig(const Config& config) {
  LinkPolicy policy;
  for (const auto& [name, type] : config.identifier_types)
    policy.types[name] = {type.limit, type.priority};
  return policy;
}

Resolver::Resolver(LinkPolicy policy, const Key256& lookup_key, int max_component_sigs)
    : policy_(std::move(policy)), lookup_key_(lookup_key), max_component_sigs_(max_component_sigs) {}

Result<std::optional<std::string>> Resolver::ProfileOfNode(store::Reader& reader,
                                                           std::string_view node_key) {
  return reader.Get(Cf::kNodeProfile, node_key);
}

Status Resolver::TouchNode(store::WriteTxn& txn, const std::string& key, const Identifier& id,
                           const Record& record) {
  auto existing = txn.Get(Cf::kNodes, key);
  if (!existing.ok()) return existing.status();
  NodeInfo info;
  if (existing->has_value()) {
    if (!NodeInfo::Decode(**existing, info)) return Corrupt("node");
    info.first_seen = std::min(info.first_seen, record.display_at);
    info.last_seen = std::max(info.last_seen, record.display_at);
  } else {
    info.type = id.type;
    info.value = id.value;
    info.first_seen = info.last_seen = record.display_at;
    txn.Put(Cf::kIdOrigins, ProfileIdForNode(key), "n" + key);
  }
  info.sources |= 1u << static_cast<unsigned>(record.channel);
  info.records += 1;
  txn.Put(Cf::kNodes, key, info.Encode());
  return Status::Ok();
}

Result<ResolveResult> Resolver::Resolve(const Record& record, store::WriteTxn& txn) {
  if (record.identifiers.empty()) return Status::Invalid("no_identifier", "record has no identifier");
  std::map<std::string, const Identifier*> nodes;  // sorted, deduplicated
  for (const auto& id : record.identifiers) nodes.emplace(MakeNodeKey(lookup_key_, id.type, id.value), &id);
  for (const auto& [key, id] : nodes)
    if (auto s = TouchNode(txn, key, *id, record); !s.ok()) return s;

  SigInfo sig;
  for (const auto& [key, id] : nodes) sig.nodes.push_back(key);
  sig.alias = record.alias && sig.nodes.size() > 1;
  ResolveResult result;
  result.sig_id = MakeSigId(sig.nodes, sig.alias);

  auto existing = txn.Get(Cf::kSigs, result.sig_id);
  if (!existing.ok()) return existing.status();
  bool earliest_moved = false;
  if (existing->has_value()) {
    SigInfo stored;
    if (!SigInfo::Decode(**existing, stored)) return Corrupt("sig");
    stored.records += 1;
    if (std::tie(record.occurred_at, record.record_key) <
        std::tie(stored.earliest_at, stored.earliest_record)) {
      stored.earliest_at = record.occurred_at;
      stored.earliest_record = record.record_key;
      earliest_moved = true;
    }
    sig = std::move(stored);
  } else {
    sig.earliest_at = record.occurred_at;
    sig.earliest_record = record.record_key;
    sig.records = 1;
    result.new_sig = true;
    for (const auto& n : sig.nodes) txn.Put(Cf::kNodeSigs, n + result.sig_id, "");
  }
  txn.Put(Cf::kSigs, result.sig_id, sig.Encode());
  // Every id this record could ever give a profile resolves through its sig:
  // redirects are part of the state, the same whatever order built it.
  txn.Put(Cf::kIdOrigins, ProfileIdForRecord(record.record_key), "s" + result.sig_id);

  if (result.new_sig || earliest_moved) {
    if (auto s = Recluster(txn, result.sig_id, sig, result); !s.ok()) return s;
    return result;
  }
  // The graph's shape is unchanged: the record lands where its sig is anchored.
  auto pid = txn.Get(Cf::kNodeProfile, AnchorOf(sig, policy_));
  if (!pid.ok()) return pid.status();
  if (!pid->has_value()) return Status::Internal("sig without a profile");
  result.profile_id = **pid;
  return result;
}

Status Resolver::GatherComponent(store::WriteTxn& txn, const std::vector<std::string>& start,
                                 std::vector<ComponentSig>& out, bool& over_cap) {
  std::set<std::string> seen_nodes(start.begin(), start.end());
  std::set<std::string> seen_sigs;
  std::deque<std::string> queue(start.begin(), start.end());
  over_cap = false;
  while (!queue.empty()) {
    const std::string node = std::move(queue.front());
    queue.pop_front();
    std::vector<std::string> sig_ids;
    auto s = txn.Scan(Cf::kNodeSigs, node, [&](std::string_view key, std::string_view) {
      sig_ids.emplace_back(key.substr(node.size()));
      return true;
    });
    if (!s.ok()) return s;
    for (auto& sid : sig_ids) {
      if (!seen_sigs.insert(sid).second) continue;
      if (static_cast<int>(seen_sigs.size()) > max_component_sigs_) {
        over_cap = true;
        return Status::Ok();
      }
      auto v = txn.Get(Cf::kSigs, sid);
      if (!v.ok()) return v.status();
      if (!v->has_value()) return Status::Internal("dangling sig in adjacency");
      ComponentSig cs{sid, {}};
      if (!SigInfo::Decode(**v, cs.info)) return Corrupt("sig");
      for (const auto& n : cs.info.nodes)
        if (seen_nodes.insert(n).second) queue.push_back(n);
      out.push_back(std::move(cs));
    }
  }
  return Status::Ok();
}

Status Resolver::Recluster(store::WriteTxn& txn, const std::string& sig_id, const SigInfo& sig,
                           ResolveResult& result) {
  std::vector<ComponentSig> component;
  bool over_cap = false;
  if (auto s = GatherComponent(txn, sig.nodes, component, over_cap); !s.ok()) return s;
  if (over_cap) {
    // A component this large is glued by a junk value the guards did not
    // catch; re-clustering it on every record would stall the writer. The
    // record keeps to its anchor's profile until an admin quarantines the value.
    spdlog::warn("identity component over {} sigs: record attached without re-clustering",
                 max_component_sigs_);
    return AttachWithoutRecluster(txn, sig_id, sig, result);
  }

  Partition partition = ClusterComponent(component, policy_);

  // The profiles this component held before.
  std::set<std::string> all_nodes;
  for (const auto& cs : component) all_nodes.insert(cs.info.nodes.begin(), cs.info.nodes.end());
  std::map<std::string, std::string> old_profile_of;  // node -> old id
  std::map<std::string, Cluster> old_clusters;
  for (const auto& n : all_nodes) {
    auto pid = txn.Get(Cf::kNodeProfile, n);
    if (!pid.ok()) return pid.status();
    if (!pid->has_value()) continue;
    old_profile_of[n] = **pid;
    if (!old_clusters.count(**pid)) {
      auto c = LoadCluster(txn, **pid);
      if (!c.ok()) return c.status();
      if (c->has_value()) old_clusters.emplace(**pid, std::move(**c));
    }
  }

  // Where every sig and node is now.
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
  for (const auto& [old_id, old] : old_clusters) {
    std::optional<std::size_t> target;
    const std::string rest = old.origin.substr(1);
    if (!old.origin.empty() && old.origin[0] == 's' && cluster_of_sig.count(rest))
      target = cluster_of_sig[rest];
    else if (!old.origin.empty() && old.origin[0] == 'n' && cluster_of_node.count(rest))
      target = cluster_of_node[rest];
    if (!target) continue;
    auto& into = merged[*target];
    into.insert(old.merged_ids.begin(), old.merged_ids.end());
    into.insert(old_id);
  }

  for (std::size_t i = 0; i < partition.clusters.size(); ++i) {
    Cluster& c = partition.clusters[i];
    merged[i].erase(c.id);
    c.merged_ids.assign(merged[i].begin(), merged[i].end());
    txn.Put(Cf::kClusters, c.id, c.Encode());
    for (const auto& n : c.nodes) {
      auto it = old_profile_of.find(n);
      if (it == old_profile_of.end() || it->second != c.id) txn.Put(Cf::kNodeProfile, n, c.id);
    }
    if (!old_clusters.count(c.id)) result.created.push_back(c.id);
  }
  for (const auto& [old_id, old] : old_clusters) {
    if (new_ids.count(old_id)) continue;
    txn.Delete(Cf::kClusters, old_id);
    result.retired.push_back(old_id);
  }
  result.reclustered = true;
  result.profile_id = partition.clusters[cluster_of_sig.at(sig_id)].id;
  result.clusters = std::move(partition.clusters);
  return Status::Ok();
}

Status Resolver::AttachWithoutRecluster(store::WriteTxn& txn, const std::string& sig_id,
                                        const SigInfo& sig, ResolveResult& result) {
  const std::string& anchor = AnchorOf(sig, policy_);
  auto pid = txn.Get(Cf::kNodeProfile, anchor);
  if (!pid.ok()) return pid.status();
  Cluster cluster;
  if (pid->has_value()) {
    auto c = LoadCluster(txn, **pid);
    if (!c.ok()) return c.status();
    if (!c->has_value()) return Status::Internal("profile index points at no cluster");
    cluster = std::move(**c);
  } else {
    cluster.id = ProfileIdForRecord(sig.earliest_record);
    cluster.origin = "s" + sig_id;
    cluster.nodes.push_back(anchor);
    txn.Put(Cf::kNodeProfile, anchor, cluster.id);
    result.created.push_back(cluster.id);
  }
  if (!std::binary_search(cluster.sigs.begin(), cluster.sigs.end(), sig_id)) {
    cluster.sigs.insert(std::upper_bound(cluster.sigs.begin(), cluster.sigs.end(), sig_id), sig_id);
  }
  // Nodes of this sig that belong nowhere yet get a profile of their own.
  for (const auto& n : sig.nodes) {
    if (n == anchor) continue;
    auto other = txn.Get(Cf::kNodeProfile, n);
    if (!other.ok()) return other.status();
    if (other->has_value()) continue;
    Cluster single;
    single.id = ProfileIdForNode(n);
    single.origin = "n" + n;
    single.nodes.push_back(n);
    txn.Put(Cf::kClusters, single.id, single.Encode());
    txn.Put(Cf::kNodeProfile, n, single.id);
    result.created.push_back(single.id);
    result.clusters.push_back(std::move(single));
  }
  txn.Put(Cf::kClusters, cluster.id, cluster.Encode());
  result.reclustered = true;
  result.profile_id = cluster.id;
  result.clusters.push_back(std::move(cluster));
  return Status::Ok();
}

}  // namespace seam::identity
