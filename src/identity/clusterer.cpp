#include "identity/clusterer.h"

#include <algorithm>
#include <numeric>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <tuple>

namespace seam::identity {
namespace {

// Union-find over node indices with per-type value counts and the attribute
// nodes of each set at its root.
class DisjointSets {
 public:
  DisjointSets(std::size_t n, std::size_t types, const std::vector<int>& type_of, const std::vector<bool>& is_attrs)
      : parent_(n), counts_(n, std::vector<int>(types, 0)), attrs_(n) {
    std::iota(parent_.begin(), parent_.end(), 0);
    for (std::size_t i = 0; i < n; ++i) {
      counts_[i][type_of[i]] = 1;
      if (is_attrs[i]) attrs_[i].push_back(i);
    }
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
    attrs_[a].insert(attrs_[a].end(), attrs_[b].begin(), attrs_[b].end());
    attrs_[b].clear();
  }
  int Count(std::size_t root, std::size_t type) const { return counts_[root][type]; }
  const std::vector<std::size_t>& Attrs(std::size_t root) const { return attrs_[root]; }

 private:
  std::vector<std::size_t> parent_;
  std::vector<std::vector<int>> counts_;
  std::vector<std::vector<std::size_t>> attrs_;
};

}  // namespace

const char* LinkKindName(LinkKind kind) {
  switch (kind) {
    case LinkKind::kManual: return "manual";
    case LinkKind::kAlias: return "alias";
    case LinkKind::kIdentifier: return "identifier";
    case LinkKind::kProbabilistic: return "probabilistic";
  }
  return "identifier";
}

const LinkPolicy::TypeRule& LinkPolicy::RuleFor(std::string_view type) const {
  static const TypeRule kDefault;
  auto it = types.find(type);
  return it == types.end() ? kDefault : it->second;
}

const std::string& AnchorOf(const SigInfo& sig, const LinkPolicy& policy, const std::set<std::string>* quarantined) {
  auto rank = [&](const std::string& n) {
    const bool q = quarantined != nullptr && quarantined->count(n) > 0;
    return std::make_tuple(q, policy.RuleFor(NodeKeyType(n)).priority, std::string_view(n));
  };
  return *std::min_element(sig.nodes.begin(), sig.nodes.end(),
                           [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
}

Partition ClusterComponent(const std::vector<ComponentSig>& sigs, const LinkPolicy& policy) {
  ComponentInput in;
  in.sigs = sigs;
  return ClusterComponent(in, policy);
}

Partition ClusterComponent(const ComponentInput& input, const LinkPolicy& policy) {
  // Canonical input order: by sig id.
  std::vector<const ComponentSig*> sigs;
  sigs.reserve(input.sigs.size());
  for (const auto& s : input.sigs) sigs.push_back(&s);
  std::sort(sigs.begin(), sigs.end(), [](auto* a, auto* b) { return a->id < b->id; });

  // Nodes, sorted, indexed; types indexed.
  std::vector<std::string> nodes;
  for (auto* s : sigs) nodes.insert(nodes.end(), s->info.nodes.begin(), s->info.nodes.end());
  std::sort(nodes.begin(), nodes.end());
  nodes.erase(std::unique(nodes.begin(), nodes.end()), nodes.end());
  // Hashed: node keys share long type prefixes, and a binary search over
  // them per node of every sig was a large part of re-partitioning a region.
  std::unordered_map<std::string_view, std::size_t> position;
  position.reserve(nodes.size());
  for (std::size_t i = 0; i < nodes.size(); ++i) position.emplace(nodes[i], i);
  auto index_of = [&](const std::string& key) -> std::optional<std::size_t> {
    auto it = position.find(key);
    if (it == position.end()) return std::nullopt;
    return it->second;
  };
  std::vector<std::string> type_names;
  std::vector<int> type_of(nodes.size());
  std::vector<bool> is_attrs(nodes.size()), quarantined(nodes.size()), frozen(nodes.size());
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    std::string type(NodeKeyType(nodes[i]));
    auto it = std::find(type_names.begin(), type_names.end(), type);
    if (it == type_names.end()) it = type_names.insert(type_names.end(), type);
    type_of[i] = static_cast<int>(it - type_names.begin());
    is_attrs[i] = type == kAttrsType;
    quarantined[i] = input.quarantined.count(nodes[i]) > 0;
    frozen[i] = input.frozen.count(nodes[i]) > 0;
  }
  std::vector<int> limit_of(type_names.size()), priority_of(type_names.size());
  for (std::size_t t = 0; t < type_names.size(); ++t) {
    const auto& rule = policy.RuleFor(type_names[t]);
    limit_of[t] = rule.limit;
    priority_of[t] = rule.priority;
  }
  std::vector<std::pair<std::size_t, std::size_t>> apart;
  for (const auto& [a, b] : input.keep_apart) {
    auto ia = index_of(a), ib = index_of(b);
    if (ia && ib) apart.emplace_back(*ia, *ib);
  }
  std::sort(apart.begin(), apart.end());

  DisjointSets sets(nodes.size(), type_names.size(), type_of, is_attrs);
  Partition out;
  std::map<std::pair<std::size_t, std::size_t>, bool> contradiction_cache;
  auto contradicts = [&](std::size_t x, std::size_t y) {
    if (y < x) std::swap(x, y);
    auto [it, fresh] = contradiction_cache.try_emplace({x, y}, false);
    if (fresh) {
      auto px = input.people.find(nodes[x]), py = input.people.find(nodes[y]);
      if (px != input.people.end() && py != input.people.end())
        it->second = Contradicts(CompareFields(px->second, py->second));
    }
    return it->second;
  };

  // Why joining the sets of `a` and `b` would break a guard ("" if it would not).
  auto guard = [&](std::size_t a, std::size_t b, bool limits, bool admission) -> std::string {
    const std::size_t ra = sets.Find(a), rb = sets.Find(b);
    if (quarantined[a] || quarantined[b]) return "quarantined";
    if (frozen[a] || frozen[b]) return "outside the region";
    for (const auto& [x, y] : apart) {
      const std::size_t rx = sets.Find(x), ry = sets.Find(y);
      if ((rx == ra && ry == rb) || (rx == rb && ry == ra)) return "kept apart by an admin";
    }
    if (limits) {
      for (std::size_t t = 0; t < type_names.size(); ++t) {
        // Refused only when both sides hold values of the type: a side with
        // none adds nothing, even to a profile an alias took past the limit.
        const int ca = sets.Count(ra, t), cb = sets.Count(rb, t);
        if (limit_of[t] > 0 && ca > 0 && cb > 0 && ca + cb > limit_of[t])
          return "limit " + type_names[t] + "=" + std::to_string(limit_of[t]);
      }
    }
    if (admission) {
      for (std::size_t x : sets.Attrs(ra))
        for (std::size_t y : sets.Attrs(rb))
          if (contradicts(x, y)) return "attributes contradict (different given name and birth date, or suffix)";
    }
    return "";
  };
  // `make` builds the link only when it is decided: most links of a
  // component join nodes already in one set, and copying their keys for
  // nothing was most of the time spent here.
  auto consider = [&](const auto& make, std::size_t a, std::size_t b, bool limits, bool admission) {
    if (sets.Find(a) == sets.Find(b)) return;
    Link link = make();
    link.reason = guard(a, b, limits, admission);
    if (link.reason.empty()) {
      sets.Union(a, b);
      out.admitted.push_back(std::move(link));
    } else {
      out.refusals.push_back(std::move(link));
    }
  };

  // 1. Manual merges: an admin's decision, exempt from limits.
  {
    std::vector<std::pair<std::size_t, std::size_t>> merges;
    for (const auto& [a, b] : input.manual_merges) {
      auto ia = index_of(a), ib = index_of(b);
      if (ia && ib) merges.emplace_back(std::min(*ia, *ib), std::max(*ia, *ib));
    }
    std::sort(merges.begin(), merges.end());
    for (auto [a, b] : merges)
      consider([&] { return Link{LinkKind::kManual, nodes[a], nodes[b], "", 0, 0, ""}; }, a, b, false, false);
  }
  // 2. Alias links: the client's explicit statement, exempt from limits.
  for (auto* s : sigs) {
    if (!s->info.alias) continue;
    const std::size_t first = *index_of(s->info.nodes.front());
    for (const auto& n : s->info.nodes) {
      const std::size_t j = *index_of(n);
      if (j != first)
        consider([&] { return Link{LinkKind::kAlias, nodes[j], nodes[first], s->id, 0, 0, ""}; }, j, first, false,
                 false);
    }
  }
  // 3. Links through shared identifiers, as (joining node, the record's
  // anchor, sig), in canonical order.
  struct IdLink {
    int join_priority;
    std::size_t join;
    int anchor_priority;
    std::size_t anchor;
    const std::string* sig;
  };
  std::vector<IdLink> links;
  std::vector<std::size_t> anchor_of_sig(sigs.size());
  for (std::size_t i = 0; i < sigs.size(); ++i) {
    const auto& info = sigs[i]->info;
    const std::size_t anchor = *index_of(AnchorOf(info, policy, &input.quarantined));
    anchor_of_sig[i] = anchor;
    if (info.alias) continue;
    for (const auto& n : info.nodes) {
      const std::size_t j = *index_of(n);
      if (j == anchor) continue;
      links.push_back({priority_of[type_of[j]], j, priority_of[type_of[anchor]], anchor, &sigs[i]->id});
    }
  }
  // Node indices follow key order, so comparing indices compares keys.
  std::sort(links.begin(), links.end(), [](const IdLink& a, const IdLink& b) {
    return std::tie(a.join_priority, a.join, a.anchor_priority, a.anchor, *a.sig) <
           std::tie(b.join_priority, b.join, b.anchor_priority, b.anchor, *b.sig);
  });
  for (const auto& link : links) {
    const std::size_t before = out.refusals.size();
    consider([&] { return Link{LinkKind::kIdentifier, nodes[link.join], nodes[link.anchor], *link.sig, 0, 0, ""}; },
             link.join, link.anchor, true, false);
    if (out.refusals.size() > before)
      out.refused.push_back({*link.sig, nodes[link.anchor], nodes[link.join], out.refusals.back().reason});
  }
  // 4. Probabilistic links, strongest first.
  {
    std::vector<const ProbLink*> prob;
    for (const auto& l : input.prob_links) prob.push_back(&l);
    std::sort(prob.begin(), prob.end(), [](const ProbLink* x, const ProbLink* y) {
      if (x->total != y->total) return x->total > y->total;
      return std::tie(x->a, x->b) < std::tie(y->a, y->b);
    });
    for (const ProbLink* l : prob) {
      auto ia = index_of(l->a), ib = index_of(l->b);
      if (!ia || !ib) continue;
      consider([&] { return Link{LinkKind::kProbabilistic, l->a, l->b, "", l->total, l->probability, ""}; }, *ia, *ib,
               true, true);
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
    // A quarantined value's own profile is named after the value, whatever
    // records it holds: they arrive with it alone, in any order.
    const bool quarantined_only = std::all_of(cluster.nodes.begin(), cluster.nodes.end(),
                                              [&](const std::string& n) { return input.quarantined.count(n) > 0; });
    if (it != earliest.end() && !quarantined_only) {
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
