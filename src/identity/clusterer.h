// The pure core of resolution: a component of the graph (its sigs, its
// probabilistic links, the manual decisions and guards that touch it) in, its
// partition into profiles out, with every link admitted or refused and why.
// No I/O, no clock, no randomness, no iteration over unordered containers:
// the output is a function of the input set alone, whatever order it came in.
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "identity/graph.h"
#include "identity/match_model.h"

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

// The node type of a record's match attributes (a person's name, birth date,
// address...): what probabilistic links join. Internal: never a lookup key.
inline constexpr std::string_view kAttrsType = "attrs";

struct ComponentSig {
  std::string id;
  SigInfo info;
};

// A scored pair of attribute nodes above the upper threshold (a < b).
struct ProbLink {
  std::string a, b;
  double total = 0;        // log2 Bayes factor
  double probability = 0;
};

enum class LinkKind { kManual, kAlias, kIdentifier, kProbabilistic };
const char* LinkKindName(LinkKind kind);

// A link between two nodes, admitted or refused.
struct Link {
  LinkKind kind = LinkKind::kIdentifier;
  std::string a, b;   // node keys; for an identifier link a = the joining node, b = the record's anchor
  std::string sig;    // identifier and alias links: the sig (records) that carry it
  double total = 0, probability = 0;  // probabilistic links
  std::string reason;                 // refused links: why
};

// Kept for the explain view: a link the guards refused. For an identifier
// link, `detached` stays on the record but does not link it to `anchor`.
struct RefusedLink {
  std::string sig;
  std::string anchor;
  std::string detached;
  std::string reason;  // e.g. "limit user_id=1"
};

struct ComponentInput {
  std::vector<ComponentSig> sigs;
  std::vector<ProbLink> prob_links;
  std::vector<std::pair<std::string, std::string>> manual_merges;  // node pairs an admin joined
  std::vector<std::pair<std::string, std::string>> keep_apart;     // node pairs an admin kept apart
  std::set<std::string> quarantined;                               // nodes that link nothing
  // Nodes at the edge of a partial re-partition (resolver.cpp, PlanRegion):
  // every link to them is refused, but unlike a quarantined node they stay
  // their sigs' anchors, so the links among the other nodes are unchanged.
  std::set<std::string> frozen;
  // Attribute nodes' prepared attributes: a probabilistic link that would put
  // two clearly different people (Contradicts) into one profile is refused.
  std::map<std::string, PreparedPerson> people;
};

struct Partition {
  std::vector<Cluster> clusters;  // sorted by id; merged_ids left empty
  std::vector<RefusedLink> refused;
  std::vector<Link> admitted;     // every link that joined two sets
  std::vector<Link> refusals;     // every link refused, with its reason
};

// The anchor of a sig: its node of highest priority (then lowest key), a
// quarantined node only when all are.
const std::string& AnchorOf(const SigInfo& sig, const LinkPolicy& policy,
                            const std::set<std::string>* quarantined = nullptr);

// Partitions one component. Links are admitted in a canonical order —
// manual merges (exempt from limits), aliases (exempt from limits), links
// through shared identifiers by (priority of the joining node, its key,
// priority of the anchor, its key), then probabilistic links by score — and
// refused when they would break a guard: a per-type limit (not for manual or
// alias links), a keep-apart decision, a quarantined node, or (probabilistic
// only) a hard contradiction between two records' attributes.
Partition ClusterComponent(const ComponentInput& input, const LinkPolicy& policy);
Partition ClusterComponent(const std::vector<ComponentSig>& sigs, const LinkPolicy& policy);

}  // namespace seam::identity
