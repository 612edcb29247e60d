// Gathers one connected component of the identity graph — the sigs reachable
// through shared nodes, valid probabilistic edges and admins' merges — with
// the guards and decisions that touch it: the input of ClusterComponent.
// Shared by the writer (over its tables and the plan in progress) and the
// explain view (over a snapshot): both see the same component the same way.
#pragma once

#include <deque>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "identity/blocking.h"
#include "identity/clusterer.h"
#include "identity/graph.h"
#include "identity/person.h"
#include "seam/status.h"

namespace seam::identity {

struct GatherLimits {
  int max_sigs = 20000;             // past it: over_cap (a junk value the guards missed)
  BlockRule blocks;                 // an edge needs shared blocks that still draw it
  double upper_threshold = 0.95;    // an edge below it joins nothing (a possible match)
};

// Whether `rule` draws a pair that shares these blocks, at their sizes now.
template <class Source>
Result<bool> BlocksDraw(Source& src, const std::vector<std::string>& shared, const BlockRule& rule) {
  BlockRule::Support drawn;
  for (const auto& block : shared) {
    auto n = src.BlockCount(block);
    if (!n.ok()) return n.status();
    rule.Add(drawn, *n);
    if (BlockRule::Draws(drawn)) return true;
  }
  return false;
}

// An edge joins profiles when it is a match and the blocks it came from
// would still draw it, so edges do not depend on whether they were drawn
// before or after a block grew.
template <class Source>
Result<bool> EdgeValid(Source& src, const MatchEdge& e, const GatherLimits& limits) {
  if (e.probability < limits.upper_threshold) return false;
  return BlocksDraw(src, e.support, limits.blocks);
}

// Source needs:
//   Status ForEachSigOfNode(const std::string& node, const std::function<bool(const std::string&)>&)
//   Result<std::optional<SigInfo>> Sig(const std::string& id)          (nullopt: no such sig)
//   Result<std::optional<MatchEdges>> Edges(const std::string& node)
//   Result<uint64_t> BlockCount(const std::string& hashed_key)
//   Result<std::optional<NodeDecisions>> Decisions(const std::string& node)
//   Result<std::optional<NodeGuard>> Guard(const std::string& node)
//   Result<std::optional<PreparedPerson>> Prepared(const std::string& attrs_node)
// `extra_sigs` are planned sigs not yet in the adjacency. A quarantined node
// is not walked through (it glues nothing); it is still reported.
template <class Source>
Status GatherComponent(Source& src, const std::vector<std::string>& start,
                       const std::vector<std::pair<std::string, const SigInfo*>>& extra_sigs,
                       const GatherLimits& limits, ComponentInput& out, bool& over_cap) {
  std::set<std::string> seen_nodes, seen_sigs;
  std::set<std::pair<std::string, std::string>> seen_pairs;
  std::deque<std::string> queue;
  over_cap = false;
  auto visit = [&](const std::string& n) {
    if (seen_nodes.insert(n).second) queue.push_back(n);
  };
  auto add_sig = [&](const std::string& id, const SigInfo& info) {
    out.sigs.push_back({id, info});
    for (const auto& n : info.nodes) visit(n);
  };
  for (const auto& [id, info] : extra_sigs) {
    seen_sigs.insert(id);
    if (info != nullptr) add_sig(id, *info);
  }
  for (const auto& n : start) visit(n);

  while (!queue.empty()) {
    const std::string node = std::move(queue.front());
    queue.pop_front();
    auto guard = src.Guard(node);
    if (!guard.ok()) return guard.status();
    const bool quarantined = *guard && (*guard)->quarantined && !(*guard)->released;
    if (quarantined) out.quarantined.insert(node);

    auto decisions = src.Decisions(node);
    if (!decisions.ok()) return decisions.status();
    if (*decisions) {
      for (const auto& d : (*decisions)->decisions) {
        auto pair = node < d.other ? std::make_pair(node, d.other) : std::make_pair(d.other, node);
        if (!seen_pairs.insert({pair.first + (d.merge ? "m" : "k"), pair.second}).second) continue;
        if (d.merge) {
          out.manual_merges.push_back(pair);
          visit(d.other);
        } else {
          out.keep_apart.push_back(pair);
        }
      }
    }

    if (NodeKeyType(node) == kAttrsType) {
      auto prepared = src.Prepared(node);
      if (!prepared.ok()) return prepared.status();
      if (*prepared) out.people.emplace(node, std::move(**prepared));
      auto edges = src.Edges(node);
      if (!edges.ok()) return edges.status();
      if (*edges) {
        for (const auto& e : (*edges)->edges) {
          auto valid = EdgeValid(src, e, limits);
          if (!valid.ok()) return valid.status();
          if (!*valid) continue;
          auto pair = node < e.other ? std::make_pair(node, e.other) : std::make_pair(e.other, node);
          if (seen_pairs.insert({pair.first + "p", pair.second}).second)
            out.prob_links.push_back({pair.first, pair.second, e.total, e.probability});
          visit(e.other);
        }
      }
    }

    if (quarantined) continue;  // its sigs join through their other nodes, or not at all
    std::vector<std::string> found;
    auto s = src.ForEachSigOfNode(node, [&](const std::string& sig) {
      if (!seen_sigs.count(sig)) found.push_back(sig);
      return true;
    });
    if (!s.ok()) return s;
    for (auto& sid : found) {
      if (!seen_sigs.insert(sid).second) continue;
      if (static_cast<int>(seen_sigs.size()) > limits.max_sigs) {
        over_cap = true;
        return Status::Ok();
      }
      auto info = src.Sig(sid);
      if (!info.ok()) return info.status();
      if (*info) add_sig(sid, **info);
    }
  }
  // A link can only join nodes the component holds: drop those to nodes
  // reached only through a walk that stopped (a quarantined node's sigs).
  std::set<std::string> nodes;
  for (const auto& cs : out.sigs) nodes.insert(cs.info.nodes.begin(), cs.info.nodes.end());
  auto inside = [&](const std::pair<std::string, std::string>& p) { return nodes.count(p.first) && nodes.count(p.second); };
  std::erase_if(out.manual_merges, [&](const auto& p) { return !inside(p); });
  std::erase_if(out.keep_apart, [&](const auto& p) { return !inside(p); });
  std::erase_if(out.prob_links, [&](const ProbLink& l) { return !inside({l.a, l.b}); });
  return Status::Ok();
}

}  // namespace seam::identity
