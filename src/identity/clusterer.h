// The pure core of deterministic resolution: a component of the graph (its
// sigs) in, its partition into profiles out. No I/O, no clock, no randomness,
// no iteration over unordered containers: the output is a function of the
// input set alone, whatever order the sigs are given in.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "identity/graph.h"

namespace seam::identity {

// Per identifier type: how many distinct values one profile may hold (0 =
// unbounded) and its admission priority (lower first). Types without an entry
// are unbounded with the lowest priority.
struct LinkPolicy {
  struct TypeRule {
    int limit = 0;
    int priority = 1000;
  };
  std::map<std::string, TypeRule, std::less<>> types;

  const TypeRule& RuleFor(std::string_view type) const;
};

struct ComponentSig {
  std::string id;
  SigInfo info;
};

// A link the per-type limits refused: `detached` stays on the record but does
// not link it to `anchor` (the explain view shows these).
struct RefusedLink {
  std::string sig;
  std::string anchor;
  std::string detached;
  std::string reason;  // e.g. "limit user_id=1"
};

struct Partition {
  std::vector<Cluster> clusters;  // sorted by id; merged_ids left empty
  std::vector<RefusedLink> refused;
  // sig id -> index into clusters (where its records' events land).
};

// The anchor of a sig: its node of highest priority (then lowest key).
const std::string& AnchorOf(const SigInfo& sig, const LinkPolicy& policy);

// Partitions one connected component. Links are admitted in a canonical
// order — alias links first (exempt from limits), then every other link by
// (priority of the joining node, its key, priority of the anchor, its key) —
// and a link that would join two sets both holding values of a limited type,
// past that type's limit, is refused.
Partition ClusterComponent(const std::vector<ComponentSig>& sigs, const LinkPolicy& policy);

}  // namespace seam::identity
