#include "identity/clusterer.h"

#include <algorithm>
#include <numeric>
#include <tuple>

namespace seam::identity {
namespace {

// Union-find over node indices with per-type value counts at each root.
class DisjointSets {
 public:
  DisjointSets(std::size_t n, std::size_t types, const std::vector<int>& type_of)
      : parent_(n), counts_(n, std::vector<int>(types, 0)) {
    std::iota(parent_.begin(), parent_.end(), 0);
    for (std::size_t i = 0; i < n; ++i) counts_[i][type_of[i]] = 1;
  }
  std::size_t Find(std::size_t x) {
    while (parent_[x] != x) x = parent_[x] = parent_[parent_[x]];
    return x;
  }
  // The root with the smaller index survives: the result does not depend on
  // which side a link names first.
  void Union(std::size_t a, std::size_t b) {
    a = Find(a);
    b = Find(b);
    if (a == b) return;
    if (b < a) std::swap(a, b);
    parent_[b] = a;
    for (std::size_t t = 0; t < counts_[a].size(); ++t) counts_[a][t] += counts_[b][t];
  }
  int Count(std::size_t root, std::size_t type) const { return counts_[root][type]; }

 private:
  std::vector<std::size_t> parent_;
  std::vector<std::vector<int>> counts_;
};

}  // namespace

const LinkPolicy::TypeRule& LinkPolicy::RuleFor(std::string_view type) const {
  static const TypeRule kDefault;
  auto it = types.find(type);
  return it == types.end() ? kDefault : it->second;
}

const std::string& AnchorOf(const SigInfo& sig, const LinkPolicy& policy) {
  return *std::min_element(sig.nodes.begin(), sig.nodes.end(), [&](const auto& a, const auto& b) {
    return std::make_tuple(policy.RuleFor(NodeKeyType(a)).priority, std::string_view(a)) <
           std::make_tuple(policy.RuleFor(NodeKeyType(b)).priority, std::string_view(b));
  });
}

Partition ClusterComponent(const std::vector<ComponentSig>& input, const LinkPolicy& policy) {
  // Canonical input order: by sig id.
  std::vector<const ComponentSig*> sigs;
  sigs.reserve(input.size());
  for (const auto& s : input) sigs.push_back(&s);
  std::sort(sigs.begin(), sigs.end(), [](auto* a, auto* b) { return a->id < b->id; });

  // Nodes, sorted, indexed; types indexed.
  std::vector<std::string> nodes;
  for (auto* s : sigs) nodes.insert(nodes.end(), s->info.nodes.begin(), s->info.nodes.end());
  std::sort(nodes.begin(), nodes.end());
  nodes.erase(std::unique(nodes.begin(), nodes.end()), nodes.end());
  auto index_of = [&](const std::string& key) {
    return static_cast<std::size_t>(std::lower_bound(nodes.begin(), nodes.end(), key) - nodes.begin());
  };
  std::vector<std::string> type_names;
  std::vector<int> type_of(nodes.size());
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    std::string type(NodeKeyType(nodes[i]));
    auto it = std::find(type_names.begin(), type_names.end(), type);
    if (it == type_names.end()) it = type_names.insert(type_names.end(), type);
    type_of[i] = static_cast<int>(it - type_names.begin());
  }
  std::vector<int> limit_of(type_names.size()), priority_of(type_names.size());
  for (std::size_t t = 0; t < type_names.size(); ++t) {
    const auto& rule = policy.RuleFor(type_names[t]);
    limit_of[t] = rule.limit;
    priority_of[t] = rule.priority;
  }

  DisjointSets sets(nodes.size(), type_names.size(), type_of);

  // Alias links first: the client's explicit statement, exempt from limits.
  for (auto* s : sigs) {
    if (!s->info.alias) continue;
    const std::size_t first = index_of(s->info.nodes.front());
    for (const auto& n : s->info.nodes) sets.Union(first, index_of(n));
  }

  // Every other link, as (joining node, anchor, sig), in canonical order.
  struct Link {
    int join_priority;
    std::size_t join;
    int anchor_priority;
    std::size_t anchor;
    const std::string* sig;
  };
  std::vector<Link> links;
  std::vector<std::size_t> anchor_of_sig(sigs.size());
  for (std::size_t i = 0; i < sigs.size(); ++i) {
    const auto& info = sigs[i]->info;
    const std::size_t anchor = index_of(AnchorOf(info, policy));
    anchor_of_sig[i] = anchor;
    if (info.alias) continue;
    for (const auto& n : info.nodes) {
      const std::size_t j = index_of(n);
      if (j == anchor) continue;
      links.push_back({priority_of[type_of[j]], j, priority_of[type_of[anchor]], anchor, &sigs[i]->id});
    }
  }
  // Node indices follow key order, so comparing indices compares keys.
  std::sort(links.begin(), links.end(), [](const Link& a, const Link& b) {
    return std::tie(a.join_priority, a.join, a.anchor_priority, a.anchor, *a.sig) <
           std::tie(b.join_priority, b.join, b.anchor_priority, b.anchor, *b.sig);
  });

  Partition out;
  for (const auto& link : links) {
    const std::size_t ra = sets.Find(link.anchor), rb = sets.Find(link.join);
    if (ra == rb) continue;
    std::string refusal;
    for (std::size_t t = 0; t < type_names.size(); ++t) {
      // Refused only when both sides hold values of the type: a side with
      // none adds nothing, even to a profile an alias took past the limit.
      const int a = sets.Count(ra, t), b = sets.Count(rb, t);
      if (limit_of[t] > 0 && a > 0 && b > 0 && a + b > limit_of[t]) {
        refusal = "limit " + type_names[t] + "=" + std::to_string(limit_of[t]);
        break;
      }
    }
    if (refusal.empty()) {
      sets.Union(ra, rb);
    } else {
      out.refused.push_back({*link.sig, nodes[link.anchor], nodes[link.join], std::move(refusal)});
    }
  }

  // Gather clusters by root, in node order.
  std::map<std::size_t, Cluster> by_root;
  for (std::size_t i = 0; i < nodes.size(); ++i) by_root[sets.Find(i)].nodes.push_back(nodes[i]);
  std::map<std::size_t, std::pair<Micros, std::string>> earliest;  // root -> (time, record key)
  std::map<std::size_t, std::string> earliest_sig;
  for (std::size_t i = 0; i < sigs.size(); ++i) {
    const std::size_t root = sets.Find(anchor_of_sig[i]);
    by_root[root].sigs.push_back(sigs[i]->id);
    std::pair<Micros, std::string> key = sigs[i]->info.Earliest();
    auto it = earliest.find(root);
    if (it == earliest.end() || key < it->second) {
      earliest[root] = key;
      earliest_sig[root] = sigs[i]->id;
    }
  }
  for (auto& [root, cluster] : by_root) {
    auto it = earliest.find(root);
    if (it != earliest.end()) {
      cluster.id = ProfileIdForRecord(it->second.second);
      cluster.origin = "s" + earliest_sig[root];
    } else {
      cluster.id = ProfileIdForNode(cluster.nodes.front());
      cluster.origin = "n" + cluster.nodes.front();
    }
    out.clusters.push_back(std::move(cluster));
  }
  std::sort(out.clusters.begin(), out.clusters.end(),
            [](const Cluster& a, const Cluster& b) { return a.id < b.id; });
  return out;
}

}  // namespace seam::identity
