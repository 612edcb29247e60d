#include "identity/resolver.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <optional>

#include <spdlog/spdlog.h>

#include "identity/blocking.h"
#include "identity/prepared_codec.h"

namespace seam::identity {
namespace {

using store::Cf;

Status Missing(const char* what) { return Status::Internal(std::string("identity graph: missing ") + what); }

// Prepared candidates kept decoded. A miss costs one read (often from the
// attrs table's cache) and a varint decode of the stored prepared form, so
// this holds the candidates of the last few thousand records, not the base.
constexpr std::size_t kKnownCapacity = 50000;

void UpsertEdge(MatchEdges& list, MatchEdge edge) {
  auto it = std::lower_bound(list.edges.begin(), list.edges.end(), edge.other,
                             [](const MatchEdge& e, const std::string& o) { return e.other < o; });
  if (it != list.edges.end() && it->other == edge.other)
    *it = std::move(edge);
  else
    list.edges.insert(it, std::move(edge));
}

void EraseEdge(MatchEdges& list, const std::string& other) {
  std::erase_if(list.edges, [&](const MatchEdge& e) { return e.other == other; });
}

void UpsertDecision(NodeDecisions& list, Decision d) {
  auto it = std::find_if(list.decisions.begin(), list.decisions.end(), [&](const Decision& x) { return x.other == d.other; });
  if (it != list.decisions.end())
    *it = std::move(d);  // the latest decision about a pair is the one that holds
  else
    list.decisions.push_back(std::move(d));
  std::sort(list.decisions.begin(), list.decisions.end(), [](auto& a, auto& b) { return a.other < b.other; });
}

// The members the block rule draws, from what each shares with the new node.
std::vector<std::string> Drawn(const std::map<std::string, BlockRule::Support>& shared) {
  std::vector<std::string> out;
  for (const auto& [member, support] : shared)
    if (BlockRule::Draws(support)) out.push_back(member);
  return out;
}

std::vector<std::string> Intersect(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::vector<std::string> out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

}  // namespace

// The component walk's view: the stored graph as this plan will leave it.
class Resolver::Source {
 public:
  Source(Resolver& r, const Plan& p) : r_(r), p_(p) {}
  Status ForEachSigOfNode(const std::string& node, const std::function<bool(const std::string&)>& fn) {
    return r_.ForEachSigOfNode(node, fn);
  }
  Result<std::optional<SigInfo>> Sig(const std::string& id) {
    auto v = r_.sigs_.Get(r_.reader_, id);
    if (!v.ok()) return v.status();
    if (*v == nullptr) return Missing("sig named by the adjacency");
    return std::optional<SigInfo>(**v);
  }
  Result<std::optional<MatchEdges>> Edges(const std::string& node) {
    auto e = r_.EdgesOf(node, p_);
    if (!e.ok()) return e.status();
    if (e->edges.empty()) return std::optional<MatchEdges>();
    return std::optional<MatchEdges>(std::move(*e));
  }
  Result<uint64_t> BlockCount(const std::string& block) { return r_.CountOf(block, p_); }
  Result<std::optional<NodeDecisions>> Decisions(const std::string& node) {
    auto d = r_.DecisionsIn(node, p_);
    if (!d.ok()) return d.status();
    return *d ? std::optional<NodeDecisions>(**d) : std::nullopt;
  }
  Result<std::optional<NodeGuard>> Guard(const std::string& node) {
    auto g = r_.GuardIn(node, p_);
    if (!g.ok()) return g.status();
    return *g ? std::optional<NodeGuard>(**g) : std::nullopt;
  }
  Result<std::optional<PreparedPerson>> Prepared(const std::string& node) {
    auto k = r_.KnownOf(node, &p_);
    if (!k.ok()) return k.status();
    return *k ? std::optional<PreparedPerson>((*k)->prepared) : std::nullopt;
  }

 private:
  Resolver& r_;
  const Plan& p_;
};

LinkPolicy PolicyFromConfig(const Config& config) {
  LinkPolicy policy;
  for (const auto& [name, type] : config.identifier_types) policy.types[name] = {type.limit, type.priority};
  // Attribute nodes join only by score; they never count against a limit.
  policy.types[std::string(kAttrsType)] = {0, std::numeric_limits<int>::max() / 2};
  return policy;
}

void DeriveKeys(const Key256& lookup_key, Record& r) {
  std::erase_if(r.identifiers, [](const Identifier& id) { return id.type == kAttrsType; });
  std::vector<std::pair<std::string, std::size_t>> keyed;
  keyed.reserve(r.identifiers.size() + 1);
  for (std::size_t i = 0; i < r.identifiers.size(); ++i)
    keyed.emplace_back(MakeNodeKey(lookup_key, r.identifiers[i].type, r.identifiers[i].value), i);
  std::sort(keyed.begin(), keyed.end());
  keyed.erase(std::unique(keyed.begin(), keyed.end(), [](auto& a, auto& b) { return a.first == b.first; }),
              keyed.end());
  if (!r.match_attributes.empty()) {
    // The attribute node: one per distinct (attributes, identifiers), keyed
    // so its value reveals nothing; records that state the same of the same
    // person share it, as records with the same identifiers share a sig.
    std::string material("attrs\0", 6);
    material.append(r.match_attributes);
    for (const auto& [key, index] : keyed) material.append(key);
    r.identifiers.push_back({std::string(kAttrsType), Hex(HmacSha256(lookup_key, material).substr(0, 16))});
    const auto& id = r.identifiers.back();
    keyed.emplace_back(MakeNodeKey(lookup_key, id.type, id.value), r.identifiers.size() - 1);
    std::sort(keyed.begin(), keyed.end());
  }
  r.derived.node_keys.clear();
  r.derived.node_ids.clear();
  for (auto& [key, index] : keyed) {
    r.derived.node_keys.push_back(std::move(key));
    r.derived.node_ids.push_back(index);
  }
  const bool alias = r.alias && r.derived.node_keys.size() > 1;
  r.derived.sig_id = r.derived.node_keys.empty() ? "" : MakeSigId(r.derived.node_keys, alias);
}

Resolver::Resolver(store::Store& store, LinkPolicy policy, const Key256& lookup_key, Options options,
                   MatchModel model)
    : store_(store),
      reader_(store),
      policy_(std::move(policy)),
      lookup_key_(lookup_key),
      options_(std::move(options)),
      model_(std::move(model)),
      sigs_(Cf::kSigs, store.object_cache()),
      clusters_(Cf::kClusters, store.object_cache()),
      node_profile_(Cf::kNodeProfile, store.object_cache()),
      // Each import record is looked up once and written once.
      records_(Cf::kRecords, store.object_cache(), store::Retention::kGroup),
      attrs_(Cf::kAttrs, store.object_cache()),
      blocks_(Cf::kBlockCounts, store.object_cache()),
      adjacency_(Cf::kNodeSigs, store.object_cache()),
      edges_(Cf::kMatches, store.object_cache()),
      decisions_(Cf::kDecisions, store.object_cache()),
      guards_(Cf::kGuards, store.object_cache()),
      known_(std::make_shared<PreparedCache>(kKnownCapacity)) {}

void Resolver::SetModel(MatchModel model) { model_ = std::move(model); }

Result<const RecordEntry*> Resolver::FindRecord(const std::string& record_key) {
  return records_.Get(reader_, record_key);
}

// ---- the match graph ----

Result<PreparedCache::Ptr> Resolver::KnownOf(const std::string& node, const Plan* plan) {
  if (auto hit = known_->Find(node)) return hit;
  if (plan != nullptr && plan->new_attrs && plan->new_attrs->first == node) {
    auto entry = PreparedEntryOfEncoded(lookup_key_, plan->new_attrs->second);
    if (!entry.ok()) return entry.status();
    return known_->Insert(node, std::move(*entry));
  }
  if (attrs_.Cached(node)) {
    auto cached = attrs_.Get(reader_, node);
    if (!cached.ok()) return cached.status();
    if (*cached == nullptr) return PreparedCache::Ptr();
    auto entry = PreparedEntryOf(lookup_key_, **cached);
    if (!entry.ok()) return entry.status();
    return known_->Insert(node, std::move(*entry));
  }
  // A candidate's stored attributes are read for their prepared form and
  // blocks, which known_ keeps decoded: caching the whole entry in attrs_
  // as well spent most of the writer's byte budget on candidates read
  // once. Not in attrs_ means not changed by a write still in flight
  // (object_table.h keeps those until they are durable), so the store has it.
  auto entry = ReadPreparedEntry(reader_, lookup_key_, node);
  if (!entry.ok()) return entry.status();
  if (!*entry) return PreparedCache::Ptr();
  return known_->Insert(node, std::move(**entry));
}

Result<const NodeGuard*> Resolver::GuardIn(const std::string& node, const Plan& plan) {
  if (auto it = plan.guards.find(node); it != plan.guards.end()) return &it->second;
  return guards_.Get(reader_, node);
}

Result<const NodeDecisions*> Resolver::DecisionsIn(const std::string& node, const Plan& plan) {
  if (auto it = plan.decisions.find(node); it != plan.decisions.end()) return &it->second;
  return decisions_.Get(reader_, node);
}

Result<BlockInfo> Resolver::BlockOf(const std::string& block, const Plan& plan) {
  if (auto it = plan.blocks.find(block); it != plan.blocks.end()) return it->second;
  auto c = blocks_.Get(reader_, block);
  if (!c.ok()) return c.status();
  return *c == nullptr ? BlockInfo{} : **c;
}

Result<uint64_t> Resolver::CountOf(const std::string& block, const Plan& plan) {
  if (auto it = plan.blocks.find(block); it != plan.blocks.end()) return it->second.count;
  auto c = blocks_.Get(reader_, block);
  if (!c.ok()) return c.status();
  return *c == nullptr ? uint64_t{0} : (*c)->count;
}

Result<MatchEdges> Resolver::EdgesOf(const std::string& node, const Plan& plan) {
  if (auto it = plan.edges.find(node); it != plan.edges.end()) return it->second;
  auto e = edges_.Get(reader_, node);
  if (!e.ok()) return e.status();
  MatchEdges out = *e == nullptr ? MatchEdges{} : **e;
  if (auto adds = plan.edge_adds.find(node); adds != plan.edge_adds.end())
    for (const auto& edge : adds->second) UpsertEdge(out, edge);
  return out;
}

Status Resolver::ForEachBlockMember(const std::string& block, const std::function<bool(const std::string&)>& fn) {
  if (store_barrier_) store_barrier_();
  const auto removed = members_removed_.find(block);
  bool go_on = true;
  auto s = reader_.Scan(Cf::kBlocks, block, [&](std::string_view key, std::string_view) {
    std::string node(key.substr(block.size()));
    if (removed != members_removed_.end() && removed->second.count(node)) return true;
    go_on = fn(node);
    return go_on;
  });
  if (!s.ok() || !go_on) return s;
  if (auto added = members_added_.find(block); added != members_added_.end())
    for (const auto& n : added->second)
      if (!fn(n)) break;
  return Status::Ok();
}

MatchEdge Resolver::Scored(const std::string& other, const MatchScore& score, std::vector<std::string> support) const {
  MatchEdge e{other, score.total, score.probability, std::move(support), {}};
  for (const auto& f : score.fields) {
    char weight[32];
    std::snprintf(weight, sizeof weight, "%.3f", f.weight);
    e.fields.push_back(f.field + "=" + f.level + ":" + weight);
  }
  return e;
}

Status Resolver::PlanNewAttrs(Plan& p, const std::string& node, const std::string& encoded,
                              std::set<std::string>& touched) {
  p.new_attrs = {node, encoded};
  auto mine = KnownOf(node, &p);
  if (!mine.ok()) return mine.status();
  const PreparedCache::Ptr entry = *mine;  // held: the cache may evict it meanwhile
  const std::vector<std::string>& blocks = entry->blocks;
  const PreparedPerson& me = entry->prepared;
  p.new_attrs_blocks = blocks;
  p.new_attrs_prepared = EncodePrepared(me);
  const BlockRule& rule = options_.blocks;
  std::map<std::string, BlockRule::Support> shared;  // member -> the blocks we share
  for (const auto& b : blocks) {
    auto info = BlockOf(b, p);
    if (!info.ok()) return info.status();
    info->count += 1;
    if (info->count > rule.max_block) {
      if (info->count == rule.max_block + 1) {
        // The block grows past the cap: it draws no more candidates, and the
        // edges it alone supported stop joining — their components reshape.
        touched.insert(info->members.begin(), info->members.end());
        info->members.clear();
      }
    } else {
      if (info->count == rule.solo_block + 1) {
        // Past the solo size the block draws a pair only with a second
        // shared block: a match it alone supported may stop joining.
        for (const auto& m : info->members) {
          auto theirs = EdgesOf(m, p);
          if (!theirs.ok()) return theirs.status();
          const bool supported = std::any_of(theirs->edges.begin(), theirs->edges.end(), [&](const MatchEdge& e) {
            return e.probability >= model_.upper_threshold && std::binary_search(e.support.begin(), e.support.end(), b);
          });
          if (supported) touched.insert(m);
        }
      }
      for (const auto& m : info->members)
        if (m != node) rule.Add(shared[m], info->count);
      info->members.insert(std::lower_bound(info->members.begin(), info->members.end(), node), node);
    }
    p.blocks[b] = std::move(*info);
  }
  const std::vector<std::string> candidates = Drawn(shared);
  MatchEdges own;
  for (const auto& cand : candidates) {
    auto theirs = KnownOf(cand, &p);
    if (!theirs.ok()) return theirs.status();
    if (*theirs == nullptr) continue;
    const std::optional<MatchScore> kept = model_.CompareAtLeast(me, (*theirs)->prepared, model_.lower_threshold);
    if (!kept) continue;
    const MatchScore& score = *kept;
    auto support = Intersect(blocks, (*theirs)->blocks);
    if (auto in_plan = p.edges.find(cand); in_plan != p.edges.end()) {
      UpsertEdge(in_plan->second, Scored(node, score, support));
    } else {
      // Loaded now, so that Apply changes it in place (plans read).
      if (auto stored = edges_.Get(reader_, cand); !stored.ok()) return stored.status();
      p.edge_adds[cand].push_back(Scored(node, score, support));
    }
    UpsertEdge(own, Scored(cand, score, std::move(support)));
    if (score.probability >= model_.upper_threshold) touched.insert(cand);
  }
  p.edges[node] = std::move(own);
  return Status::Ok();
}

Status Resolver::PlanGoneAttrs(Plan& p, const std::string& node, std::set<std::string>& touched) {
  auto known = KnownOf(node, &p);
  if (!known.ok()) return known.status();
  if (*known == nullptr) return Status::Ok();
  const std::vector<std::string> blocks = (*known)->blocks;
  p.removed_blocks.emplace_back(node, blocks);
  // Every block loses the node first, so the rule below sees their sizes
  // as they will be.
  const BlockRule& rule = options_.blocks;
  std::vector<std::pair<std::string, bool>> shrunk;  // block, from past the cap
  for (const auto& b : blocks) {
    auto info = BlockOf(b, p);
    if (!info.ok()) return info.status();
    const uint64_t before = info->count;
    info->count = before > 0 ? before - 1 : 0;
    std::erase(info->members, node);
    if (before == rule.max_block + 1)
      shrunk.emplace_back(b, true);
    else if (before == rule.solo_block + 1 && rule.solo_block < rule.max_block)
      shrunk.emplace_back(b, false);
    p.blocks[b] = std::move(*info);
  }
  // A block back at the cap (its members are candidates of one another
  // again) or at the solo size (it draws pairs on its own again): pairs the
  // rule draws now and that were never scored are scored now, so the edges
  // are what they would be had the block never grown.
  Source src(*this, p);
  for (const auto& [b, from_past_cap] : shrunk) {
    BlockInfo& info = p.blocks[b];
    std::vector<std::string> members;
    if (from_past_cap) {
      auto s = ForEachBlockMember(b, [&](const std::string& m) {
        if (m != node) members.push_back(m);
        return true;
      });
      if (!s.ok()) return s;
      std::sort(members.begin(), members.end());
      info.members = members;
    } else {
      members = info.members;
    }
    for (const auto& m : members) touched.insert(m);
    for (std::size_t i = 0; i < members.size(); ++i) {
      auto a = KnownOf(members[i], &p);
      if (!a.ok()) return a.status();
      if (*a == nullptr) continue;
      const PreparedCache::Ptr ka = *a;
      auto list_a = EdgesOf(members[i], p);
      if (!list_a.ok()) return list_a.status();
      for (std::size_t j = i + 1; j < members.size(); ++j) {
        const bool scored = std::any_of(list_a->edges.begin(), list_a->edges.end(),
                                        [&](const MatchEdge& e) { return e.other == members[j]; });
        if (scored) continue;
        auto kb = KnownOf(members[j], &p);
        if (!kb.ok()) return kb.status();
        if (*kb == nullptr) continue;
        auto support = Intersect(ka->blocks, (*kb)->blocks);
        auto drawn = BlocksDraw(src, support, rule);
        if (!drawn.ok()) return drawn.status();
        if (!*drawn) continue;
        const std::optional<MatchScore> kept =
            model_.CompareAtLeast(ka->prepared, (*kb)->prepared, model_.lower_threshold);
        if (!kept) continue;
        const MatchScore& score = *kept;
        auto list_b = EdgesOf(members[j], p);
        if (!list_b.ok()) return list_b.status();
        UpsertEdge(*list_b, Scored(members[i], score, support));
        p.edges[members[j]] = std::move(*list_b);
        UpsertEdge(*list_a, Scored(members[j], score, std::move(support)));
      }
      p.edges[members[i]] = std::move(*list_a);
    }
  }
  auto own = EdgesOf(node, p);
  if (!own.ok()) return own.status();
  for (const auto& e : own->edges) {
    auto theirs = EdgesOf(e.other, p);
    if (!theirs.ok()) return theirs.status();
    EraseEdge(*theirs, node);
    p.edges[e.other] = std::move(*theirs);
    touched.insert(e.other);
  }
  p.edges[node] = MatchEdges{};
  return Status::Ok();
}

Status Resolver::PlanGuards(Plan& p, std::set<std::string>& touched) {
  if (options_.quarantine_fanout == 0) return Status::Ok();
  std::vector<std::string> keys;
  for (const auto& n : p.sig.nodes) {
    const auto type = NodeKeyType(n);
    if (std::find(options_.person_keys.begin(), options_.person_keys.end(), type) != options_.person_keys.end())
      keys.push_back(n);
  }
  if (keys.empty()) return Status::Ok();
  for (const auto& x : p.sig.nodes) {
    const auto type = NodeKeyType(x);
    if (type == kAttrsType) continue;
    std::vector<std::string> others;
    for (const auto& k : keys)
      if (NodeKeyType(k) != type) others.push_back(k);
    if (others.empty()) continue;
    NodeGuard g;
    if (auto it = p.guards.find(x); it != p.guards.end()) {
      g = it->second;
    } else {
      auto stored = guards_.Get(reader_, x);
      if (!stored.ok()) return stored.status();
      if (*stored) g = **stored;
    }
    if (g.quarantined || g.released) continue;
    bool changed = false;
    for (const auto& o : others) {
      // Up to one past the threshold per type: enough to decide.
      const auto t = NodeKeyType(o);
      const auto of_type = std::count_if(g.seen_with.begin(), g.seen_with.end(),
                                         [&](const std::string& s) { return NodeKeyType(s) == t; });
      if (static_cast<std::size_t>(of_type) > options_.quarantine_fanout) continue;
      auto at = std::lower_bound(g.seen_with.begin(), g.seen_with.end(), o);
      if (at != g.seen_with.end() && *at == o) continue;
      g.seen_with.insert(at, o);
      changed = true;
      if (static_cast<std::size_t>(of_type) + 1 > options_.quarantine_fanout) g.quarantined = true;
    }
    if (!changed) continue;
    if (g.quarantined) {
      // What the value glued together falls apart: every node it was seen
      // with is re-partitioned without it.
      p.quarantined_now.push_back(x);
      std::vector<std::string> sigs;
      auto s = ForEachSigOfNode(x, [&](const std::string& sig) {
        sigs.push_back(sig);
        return true;
      });
      if (!s.ok()) return s;
      for (const auto& sid : sigs) {
        auto info = sigs_.Get(reader_, sid);
        if (!info.ok()) return info.status();
        if (*info) touched.insert((*info)->nodes.begin(), (*info)->nodes.end());
        p.walk_sigs.insert(sid);  // those carrying only the value stay in its own profile
      }
      spdlog::warn("quarantined a {} value seen with more than {} distinct person keys", std::string(type),
                   options_.quarantine_fanout);
    }
    p.guards[x] = std::move(g);
  }
  return Status::Ok();
}

// ---- planning ----

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
    p.sig.keyed_count += 1;
    if (p.sig.keyed_count == 1 || mine < p.sig.keyed_earliest) p.sig.keyed_earliest = mine;
    p.sig_changed = true;
    p.keyed_added = mine;
  } else if (p.sig.earliest_record.empty() || mine < std::make_pair(p.sig.earliest_at, p.sig.earliest_record)) {
    p.sig.earliest_at = mine.first;
    p.sig.earliest_record = mine.second;
    p.sig_changed = true;
  }
  if (p.new_sig) {
    p.sig_changed = true;
    // Apply adds the sig to each node's adjacency: loaded now (plans read).
    for (const auto& n : keys)
      if (auto a = adjacency_.Get(reader_, n); !a.ok()) return a.status();
  }

  if (!p.new_sig) {
    // The graph's shape is unchanged: the record lands where its sig is
    // anchored — when all its identifiers are there (a sig with a refused
    // identifier is re-clustered instead, so each profile's view of its
    // identifiers stays exact), and when it is not the profile's new
    // earliest record (then the profile is renamed). A quarantined value
    // has a profile of its own and does not count.
    std::set<std::string> quarantined;
    for (const auto& n : p.sig.nodes) {
      auto g = guards_.Get(reader_, n);
      if (!g.ok()) return g.status();
      if (*g && (*g)->quarantined && !(*g)->released) quarantined.insert(n);
    }
    const std::string& anchor = AnchorOf(p.sig, policy_, &quarantined);
    auto ref = node_profile_.Get(reader_, anchor);
    if (!ref.ok()) return ref.status();
    if (*ref == nullptr) return Missing("profile of an anchored sig");
    bool fast = true;
    for (const auto& n : p.sig.nodes) {
      if (quarantined.count(n) && n != anchor) continue;
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
  std::set<std::string> touched(p.sig.nodes.begin(), p.sig.nodes.end());
  if (p.new_sig) {
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (NodeKeyType(keys[i]) != kAttrsType || record.match_attributes.empty()) continue;
      auto stored = attrs_.Get(reader_, keys[i]);
      if (!stored.ok()) return stored.status();
      if (*stored != nullptr) continue;
      if (auto s = PlanNewAttrs(p, keys[i], record.match_attributes, touched); !s.ok()) return s;
    }
    if (auto s = PlanGuards(p, touched); !s.ok()) return s;
    if (auto s = PlanJoin(p, touched); !s.ok()) return s;
    if (p.joins) {
      p.profile_id = p.joins->id;
      return p;
    }
  }
  if (auto s = PlanShape(p, std::vector<std::string>(touched.begin(), touched.end())); !s.ok()) return s;
  return p;
}

Status Resolver::PlanJoin(Plan& p, const std::set<std::string>& touched) {
  // Why this needs no walk: every link the new sig adds ends inside one
  // final profile P (its known nodes are in P) or at a new node whose type
  // P has room for; in the canonical admission order such links only ever
  // join subsets of P plus the new nodes, whose counts stay within every
  // limit, and make no other link's guard fail that did not fail before.
  // An alias (exempt from limits), a match edge, a block or quarantine
  // transition, or a quarantined node take the walk.
  if (p.sig.alias || !p.quarantined_now.empty()) return Status::Ok();
  if (!std::includes(p.sig.nodes.begin(), p.sig.nodes.end(), touched.begin(), touched.end())) return Status::Ok();
  std::optional<std::string> profile;
  std::vector<std::string> fresh;
  for (const auto& n : p.sig.nodes) {
    auto g = guards_.Get(reader_, n);
    if (!g.ok()) return g.status();
    if (*g && (*g)->quarantined && !(*g)->released) return Status::Ok();
    auto ref = node_profile_.Get(reader_, n);
    if (!ref.ok()) return ref.status();
    if (*ref == nullptr) {
      fresh.push_back(n);
      continue;
    }
    if (profile && *profile != (*ref)->id) return Status::Ok();
    profile = (*ref)->id;
  }
  if (!profile) return Status::Ok();  // a new person: the walk is one sig long anyway
  // A new node has no decisions or edges of its own yet, except the new
  // attribute node (whose edges are all below the upper threshold here).
  auto cluster = clusters_.Get(reader_, *profile);
  if (!cluster.ok()) return cluster.status();
  if (*cluster == nullptr) return Missing("cluster of an indexed profile");
  const Cluster& c = **cluster;
  for (const auto& n : fresh) {
    const auto type = NodeKeyType(n);
    const int limit = policy_.RuleFor(type).limit;
    if (limit == 0) continue;
    const auto have = std::count_if(c.nodes.begin(), c.nodes.end(), [&](const std::string& x) { return NodeKeyType(x) == type; });
    const auto adding = std::count_if(fresh.begin(), fresh.end(), [&](const std::string& x) { return NodeKeyType(x) == type; });
    if (have + adding > limit) return Status::Ok();
  }
  // The profile keeps its id unless this record is its new earliest.
  if (!c.origin.empty() && c.origin[0] == 's') {
    auto origin = sigs_.Get(reader_, c.origin.substr(1));
    if (!origin.ok()) return origin.status();
    if (*origin == nullptr || !((*origin)->Earliest() < p.sig.Earliest())) return Status::Ok();
  } else {
    return Status::Ok();
  }
  Cluster joined = c;
  joined.sigs.insert(std::upper_bound(joined.sigs.begin(), joined.sigs.end(), p.sig_id), p.sig_id);
  for (const auto& n : fresh) joined.nodes.insert(std::upper_bound(joined.nodes.begin(), joined.nodes.end(), n), n);
  p.joins = std::move(joined);
  p.join_fresh = std::move(fresh);
  p.deleted_nodes.clear();
  p.sig_nodes.clear();
  return Status::Ok();
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
  if (p.sig.keyed_count == 0) return Missing("record in its sig");
  p.sig.keyed_count -= 1;
  p.keyed_removed = mine;
  if (p.sig.keyed_count == 0) {
    p.sig.keyed_earliest = {};
  } else if (p.sig.keyed_earliest == mine) {
    // The earliest goes: the next one is the first other entry of the index.
    std::optional<std::pair<Micros, std::string>> next;
    auto s = ForEachSigRecord(p.sig_id, [&](const std::pair<Micros, std::string>& r) {
      if (r == mine) return true;
      if (!next || r < *next) next = r;
      return false;  // in order: the first other one is the earliest (the overlay is checked too)
    });
    if (!s.ok()) return s;
    if (!next) return Missing("the other records of a sig");
    p.sig.keyed_earliest = *next;
  }
  p.sig_changed = true;
  p.sig_survives = !p.sig.empty();
  if (!p.sig_survives) p.deleted_sigs.push_back(p.sig_id);

  std::set<std::string> touched;
  for (const auto& n : p.sig.nodes) {
    bool elsewhere = true;
    if (!p.sig_survives) {
      auto other = NodeInOtherSig(n, p.sig_id);
      if (!other.ok()) return other.status();
      elsewhere = *other;
    }
    // A node that no other sig holds goes with this one.
    if (elsewhere) {
      touched.insert(n);
    } else {
      p.deleted_nodes.push_back(n);
      if (NodeKeyType(n) == kAttrsType)
        if (auto s = PlanGoneAttrs(p, n, touched); !s.ok()) return s;
    }
  }
  for (const auto& n : p.deleted_nodes) touched.erase(n);
  if (auto s = PlanShape(p, std::vector<std::string>(touched.begin(), touched.end())); !s.ok()) return s;
  return std::optional<Plan>(std::move(p));
}

Result<Plan> Resolver::PlanDecision(const std::string& a, const std::string& b, bool merge, Micros at, std::string note) {
  Plan p;
  p.kind = Plan::Kind::kReshape;
  for (const auto& [self, other] : {std::pair{a, b}, std::pair{b, a}}) {
    auto stored = decisions_.Get(reader_, self);
    if (!stored.ok()) return stored.status();
    NodeDecisions d = *stored ? **stored : NodeDecisions{};
    UpsertDecision(d, {other, merge, at, note});
    p.decisions[self] = std::move(d);
  }
  if (auto s = PlanShape(p, {a, b}); !s.ok()) return s;
  return p;
}

Result<Plan> Resolver::PlanRelease(const std::string& node) {
  Plan p;
  p.kind = Plan::Kind::kReshape;
  auto stored = guards_.Get(reader_, node);
  if (!stored.ok()) return stored.status();
  // Only a quarantined value is released (again: idempotent); releasing any
  // other would silently exempt it from quarantine for good.
  if (*stored == nullptr || !((*stored)->quarantined || (*stored)->released))
    return Status::NotFound("not_quarantined", "that value is not quarantined");
  NodeGuard g = **stored;
  g.quarantined = false;
  g.released = true;  // an admin vouched for it: never quarantined again
  p.guards[node] = std::move(g);
  if (auto s = PlanShape(p, {node}); !s.ok()) return s;
  return p;
}

Result<Plan> Resolver::PlanRecluster(const std::vector<std::string>& nodes) {
  Plan p;
  p.kind = Plan::Kind::kReshape;
  if (auto s = PlanShape(p, nodes); !s.ok()) return s;
  return p;
}

Result<Plan> Resolver::PlanRescore(const std::string& node) {
  Plan p;
  p.kind = Plan::Kind::kReshape;
  std::set<std::string> touched{node};
  auto known = KnownOf(node, nullptr);
  if (!known.ok()) return known.status();
  if (*known == nullptr) return p;
  const PreparedCache::Ptr me = *known;
  // The old pairs go (and their mirrors)...
  auto own = EdgesOf(node, p);
  if (!own.ok()) return own.status();
  for (const auto& e : own->edges) {
    auto theirs = EdgesOf(e.other, p);
    if (!theirs.ok()) return theirs.status();
    EraseEdge(*theirs, node);
    p.edges[e.other] = std::move(*theirs);
    touched.insert(e.other);
  }
  // ...and the candidates are drawn and scored again under the active model.
  std::map<std::string, BlockRule::Support> shared;
  for (const auto& b : me->blocks) {
    auto info = BlockOf(b, p);
    if (!info.ok()) return info.status();
    if (info->count > options_.blocks.max_block) continue;
    for (const auto& m : info->members)
      if (m != node) options_.blocks.Add(shared[m], info->count);
  }
  const std::vector<std::string> candidates = Drawn(shared);
  MatchEdges fresh;
  for (const auto& cand : candidates) {
    auto theirs = KnownOf(cand, &p);
    if (!theirs.ok()) return theirs.status();
    if (*theirs == nullptr) continue;
    const std::optional<MatchScore> kept =
        model_.CompareAtLeast(me->prepared, (*theirs)->prepared, model_.lower_threshold);
    if (!kept) continue;
    const MatchScore& score = *kept;
    auto support = Intersect(me->blocks, (*theirs)->blocks);
    auto list = EdgesOf(cand, p);
    if (!list.ok()) return list.status();
    UpsertEdge(*list, Scored(node, score, support));
    p.edges[cand] = std::move(*list);
    UpsertEdge(fresh, Scored(cand, score, std::move(support)));
    touched.insert(cand);
  }
  p.edges[node] = std::move(fresh);
  if (auto s = PlanShape(p, std::vector<std::string>(touched.begin(), touched.end())); !s.ok()) return s;
  return p;
}

Status Resolver::ForEachSigOfNode(const std::string& node, const std::function<bool(const std::string&)>& fn) {
  auto list = adjacency_.Get(reader_, node);
  if (!list.ok()) return list.status();
  if (*list == nullptr) return Status::Ok();
  // A copy: fn may plan changes to this very list's node.
  const std::vector<std::string> sigs = (*list)->sigs;
  for (const auto& sig : sigs)
    if (!fn(sig)) break;
  return Status::Ok();
}

Status Resolver::ForEachSigRecord(const std::string& sig,
                                  const std::function<bool(const std::pair<Micros, std::string>&)>& fn) {
  if (store_barrier_) store_barrier_();
  // The group's own additions first (they may be earlier than anything
  // stored), then the stored index in order, skipping what the group removed.
  std::set<std::pair<Micros, std::string>> added;
  if (auto a = sig_records_added_.find(sig); a != sig_records_added_.end()) added = a->second;
  const auto removed = sig_records_removed_.find(sig);
  auto it = added.begin();
  bool go_on = true;
  auto s = reader_.Scan(Cf::kSigRecords, sig, [&](std::string_view key, std::string_view) {
    auto r = ParseSigRecordKey(key.substr(sig.size()));
    if (removed != sig_records_removed_.end() && removed->second.count(r)) return true;
    while (go_on && it != added.end() && *it < r) go_on = fn(*it++);
    if (go_on) go_on = fn(r);
    return go_on;
  });
  if (!s.ok()) return s;
  while (go_on && it != added.end()) go_on = fn(*it++);
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

// Why re-partitioning a region is exact (docs/identity.md, "Re-clustering
// a region"): ClusterComponent decides each link from the two sets it would
// join, and sets only grow. Take the profiles the change touches (the core)
// and every profile one link away from them (the ring). If, replaying the
// core and the ring in canonical order, no link that joins two profiles
// which were apart before reaches a ring profile, then every ring profile
// grows exactly as it did before (its links are decided on the same sets),
// so the links between the ring and what lies beyond it are refused as
// before, and the core's sets are those the whole component would give.
// Otherwise the ring profiles that were reached join the core and the
// replay is done again; past a few rounds the whole component is walked.
Status Resolver::PlanRegion(Plan& p, const std::vector<std::string>& start, bool& done) {
  constexpr int kMaxRounds = 4;
  done = false;
  Source src(*this, p);
  const GatherLimits limits{options_.max_component_sigs, options_.blocks, model_.upper_threshold};
  std::set<std::string> core;   // profile ids re-partitioned
  std::set<std::string> fresh;  // nodes no profile holds yet
  for (const auto& n : start) {
    auto ref = node_profile_.Get(reader_, n);
    if (!ref.ok()) return ref.status();
    if (*ref != nullptr)
      core.insert((*ref)->id);
    else
      fresh.insert(n);
  }
  // A record whose every identifier is quarantined is attached without a
  // walk by the full path.
  if (std::all_of(p.sig.nodes.begin(), p.sig.nodes.end(), [&](const std::string& n) {
        auto it = p.guards.find(n);
        if (it != p.guards.end()) return it->second.quarantined && !it->second.released;
        auto g = guards_.Get(reader_, n);
        return g.ok() && *g != nullptr && (*g)->quarantined && !(*g)->released;
      }))
    return Status::Ok();
  // Only the new sig's own nodes may be fresh: anything else is a node the
  // full walk knows how to place and this path does not.
  for (const auto& n : fresh)
    if (!std::binary_search(p.sig.nodes.begin(), p.sig.nodes.end(), n)) return Status::Ok();

  for (int round = 0; round < kMaxRounds; ++round) {
    ComponentInput in;
    std::map<std::string, std::string> old_of;  // node -> its profile before ("" when fresh)
    std::set<std::string> sig_ids{p.sig_id}, ring;
    std::set<std::pair<std::string, std::string>> prob_pairs;
    in.sigs.push_back({p.sig_id, p.sig});
    for (const auto& n : fresh) old_of[n] = "";

    auto members_of = [&](const std::set<std::string>& ids, std::vector<std::string>& nodes) -> Result<bool> {
      for (const auto& id : ids) {
        auto c = clusters_.Get(reader_, id);
        if (!c.ok()) return c.status();
        if (*c == nullptr) return false;
        for (const auto& n : (*c)->nodes) {
          old_of[n] = id;
          nodes.push_back(n);
        }
      }
      return true;
    };
    // Whether `n` has a profile; records it, and the ring when asked.
    auto place = [&](const std::string& n, bool grow_ring) -> Result<bool> {
      if (old_of.count(n)) return true;
      auto ref = node_profile_.Get(reader_, n);
      if (!ref.ok()) return ref.status();
      if (*ref == nullptr) return false;
      old_of[n] = (*ref)->id;
      if (grow_ring && !core.count((*ref)->id)) ring.insert((*ref)->id);
      return true;
    };
    // The sigs, links and attributes around `nodes`. False: this region
    // holds something only the full walk handles (an admin's decision, a node
    // without a profile).
    auto gather = [&](const std::vector<std::string>& nodes, bool grow_ring) -> Result<bool> {
      std::vector<std::string> found;
      for (const auto& n : nodes) {
        auto guard = GuardIn(n, p);
        if (!guard.ok()) return guard.status();
        // A quarantined value links nothing and its sigs are not walked,
        // as in the whole-component walk (component.h).
        const bool quarantined = *guard != nullptr && (*guard)->quarantined && !(*guard)->released;
        if (quarantined) in.quarantined.insert(n);
        auto decisions = DecisionsIn(n, p);
        if (!decisions.ok()) return decisions.status();
        if (*decisions != nullptr && !(*decisions)->decisions.empty()) return false;
        if (NodeKeyType(n) == kAttrsType) {
          auto prepared = src.Prepared(n);
          if (!prepared.ok()) return prepared.status();
          if (*prepared) in.people.emplace(n, std::move(**prepared));
          auto edges = src.Edges(n);
          if (!edges.ok()) return edges.status();
          if (*edges) {
            for (const auto& e : (*edges)->edges) {
              auto valid = EdgeValid(src, e, limits);
              if (!valid.ok()) return valid.status();
              if (!*valid) continue;
              auto pair = n < e.other ? std::make_pair(n, e.other) : std::make_pair(e.other, n);
              if (!prob_pairs.insert(pair).second) continue;
              in.prob_links.push_back({pair.first, pair.second, e.total, e.probability});
              auto placed = place(e.other, grow_ring);
              if (!placed.ok()) return placed.status();
              if (!*placed && grow_ring) return false;
            }
          }
        }
        if (quarantined) continue;
        auto s = ForEachSigOfNode(n, [&](const std::string& sig) {
          if (sig_ids.insert(sig).second) found.push_back(sig);
          return true;
        });
        if (!s.ok()) return s;
      }
      for (const auto& sid : found) {
        auto info = src.Sig(sid);
        if (!info.ok()) return info.status();
        if (!*info) continue;
        for (const auto& n : (*info)->nodes) {
          auto placed = place(n, grow_ring);
          if (!placed.ok()) return placed.status();
          if (!*placed) return false;
        }
        in.sigs.push_back({sid, std::move(**info)});
        if (static_cast<int>(in.sigs.size()) > limits.max_sigs) return false;
      }
      return true;
    };

    std::vector<std::string> core_nodes(fresh.begin(), fresh.end());
    auto ok = members_of(core, core_nodes);
    if (!ok.ok()) return ok.status();
    if (!*ok) return Status::Ok();
    if (ok = gather(core_nodes, true); !ok.ok()) return ok.status();
    if (!*ok) return Status::Ok();
    std::vector<std::string> ring_nodes;
    if (ok = members_of(ring, ring_nodes); !ok.ok()) return ok.status();
    if (!*ok) return Status::Ok();
    if (ok = gather(ring_nodes, false); !ok.ok()) return ok.status();
    if (!*ok) return Status::Ok();

    // Links only join nodes the region's sigs hold.
    std::set<std::string> inside;
    for (const auto& cs : in.sigs) inside.insert(cs.info.nodes.begin(), cs.info.nodes.end());
    std::erase_if(in.prob_links, [&](const ProbLink& l) { return !inside.count(l.a) || !inside.count(l.b); });

    // Past the ring every link is refused: for as long as no ring profile
    // is reached, that is what the whole component decides there too.
    for (const auto& n : inside)
      if (auto o = old_of.find(n); o != old_of.end() && !o->second.empty() && !core.count(o->second) && !ring.count(o->second))
        in.frozen.insert(n);
    Partition partition = ClusterComponent(in, policy_);
    std::set<std::string> reached;  // ring profiles a joining link reached
    for (const auto& l : partition.admitted) {
      auto a = old_of.find(l.a), b = old_of.find(l.b);
      if (a == old_of.end() || b == old_of.end()) return Status::Ok();
      if (a->second == b->second) continue;
      for (const auto* id : {&a->second, &b->second})
        if (ring.count(*id)) reached.insert(*id);
    }
    if (!reached.empty()) {
      core.insert(reached.begin(), reached.end());
      continue;
    }

    // The core's new profiles: those holding a core node, and only those.
    const std::set<std::string> core_set(core_nodes.begin(), core_nodes.end());
    std::vector<Cluster> clusters;
    for (auto& c : partition.clusters) {
      const auto in_core = std::count_if(c.nodes.begin(), c.nodes.end(), [&](const std::string& n) { return core_set.count(n) > 0; });
      if (in_core == 0) continue;
      if (static_cast<std::size_t>(in_core) != c.nodes.size()) return Status::Ok();  // cannot happen: see above
      clusters.push_back(std::move(c));
    }
    p.partition = Partition{};
    p.partition.clusters = std::move(clusters);
    p.quarantined = std::move(in.quarantined);
    p.reclustered = true;
    for (const auto& cs : in.sigs) p.sig_nodes[cs.id] = cs.info.nodes;
    if (auto s = LoadOldProfiles(p, core_set); !s.ok()) return s;
    shape_counts_.regions += 1;
    shape_counts_.region_rounds += static_cast<uint64_t>(round) + 1;
    done = true;
    return Status::Ok();
  }
  return Status::Ok();
}

// A profile that comes out of a re-partition exactly as it went in needs no
// rewrite, and neither does its profile document: dropped from the plan.
void Resolver::DropUnchanged(Plan& p) {
  std::erase_if(p.partition.clusters, [&](const Cluster& c) {
    auto old = p.old_clusters.find(c.id);
    if (old == p.old_clusters.end()) return false;
    if (p.kind == Plan::Kind::kAdd && std::binary_search(c.sigs.begin(), c.sigs.end(), p.sig_id)) return false;
    const Cluster& o = old->second;
    if (o.origin != c.origin || o.nodes != c.nodes || o.sigs != c.sigs) return false;
    p.old_clusters.erase(old);
    return true;
  });
}

Status Resolver::PlanShape(Plan& p, const std::vector<std::string>& start) {
  if (options_.region_reclustering && p.kind == Plan::Kind::kAdd && p.walk_sigs.empty() &&
      p.quarantined_now.empty()) {
    bool done = false;
    if (auto s = PlanRegion(p, start, done); !s.ok()) return s;
    if (done) {
      DropUnchanged(p);
      return Status::Ok();
    }
    p.partition = Partition{};
    p.sig_nodes.clear();
  }
  shape_counts_.components += 1;
  Source src(*this, p);
  GatherLimits limits{options_.max_component_sigs, options_.blocks, model_.upper_threshold};
  std::vector<std::pair<std::string, const SigInfo*>> extra;
  if (p.kind == Plan::Kind::kAdd) extra.emplace_back(p.sig_id, &p.sig);
  if (p.kind == Plan::Kind::kRemove) extra.emplace_back(p.sig_id, p.sig_survives ? &p.sig : nullptr);
  std::vector<std::pair<std::string, SigInfo>> walked;
  walked.reserve(p.walk_sigs.size());
  for (const auto& sid : p.walk_sigs) {
    if (sid == p.sig_id) continue;
    auto info = sigs_.Get(reader_, sid);
    if (!info.ok()) return info.status();
    if (*info) walked.emplace_back(sid, **info);
  }
  for (const auto& [sid, info] : walked) extra.emplace_back(sid, &info);
  ComponentInput in;
  bool over_cap = false;
  if (auto s = GatherComponent(src, start, extra, limits, in, over_cap); !s.ok()) return s;
  if (over_cap && p.kind == Plan::Kind::kAdd) {
    // A component this large is glued by a junk value the guards did not
    // catch; re-clustering it on every record would stall the writer. The
    // record keeps to its anchor's profile until the value is quarantined.
    spdlog::warn("identity component over {} sigs: record attached without re-clustering",
                 options_.max_component_sigs);
    p.attach_only = true;
    p.reclustered = false;
    return LoadOldProfiles(p, std::set<std::string>(p.sig.nodes.begin(), p.sig.nodes.end()));
  }
  if (over_cap) {
    // Removals and decisions must partition correctly whatever the size.
    in = ComponentInput{};
    limits.max_sigs = std::numeric_limits<int>::max();
    if (auto s = GatherComponent(src, start, extra, limits, in, over_cap); !s.ok()) return s;
  }
  p.quarantined = in.quarantined;
  // A record whose every identifier is quarantined lands in that value's
  // own profile (its sigs are not walked).
  if (p.kind == Plan::Kind::kAdd &&
      std::all_of(p.sig.nodes.begin(), p.sig.nodes.end(), [&](const std::string& n) { return in.quarantined.count(n); })) {
    p.attach_only = true;
    return LoadOldProfiles(p, std::set<std::string>(p.sig.nodes.begin(), p.sig.nodes.end()));
  }
  p.partition = ClusterComponent(in, policy_);
  p.reclustered = true;
  for (const auto& cs : in.sigs) p.sig_nodes[cs.id] = cs.info.nodes;
  std::set<std::string> nodes(p.deleted_nodes.begin(), p.deleted_nodes.end());
  for (const auto& cs : in.sigs) nodes.insert(cs.info.nodes.begin(), cs.info.nodes.end());
  for (const auto& n : start) nodes.insert(n);
  if (auto s = LoadOldProfiles(p, nodes); !s.ok()) return s;
  DropUnchanged(p);
  return Status::Ok();
}

// ---- applying ----

void Resolver::ApplyMatching(Plan& p, store::Batch& batch) {
  if (p.new_attrs) {
    const auto& [node, encoded] = *p.new_attrs;
    attrs_.Put(node, AttrsEntry{encoded, p.new_attrs_prepared, PrepareFingerprint(), p.new_attrs_blocks});
    for (const auto& b : p.new_attrs_blocks) {
      batch.Put(Cf::kBlocks, b + node, "");
      members_added_[b].insert(node);
      if (auto r = members_removed_.find(b); r != members_removed_.end()) r->second.erase(node);
    }
  }
  for (const auto& [node, blocks] : p.removed_blocks) {
    for (const auto& b : blocks) {
      batch.Delete(Cf::kBlocks, b + node);
      members_removed_[b].insert(node);
      if (auto a = members_added_.find(b); a != members_added_.end()) a->second.erase(node);
    }
    attrs_.Erase(node);
    known_->Erase(node);
  }
  for (auto& [b, info] : p.blocks) {
    if (info.count == 0)
      blocks_.Erase(b);
    else
      blocks_.Put(b, std::move(info));
  }
  for (auto& [node, list] : p.edges) {
    if (list.edges.empty())
      edges_.Erase(node);
    else
      edges_.Put(node, std::move(list));
  }
  for (auto& [node, adds] : p.edge_adds) {
    // Loaded by the plan; read again only if a commit between plan and apply
    // let the cache drop it (Mutable must not start from an empty list).
    if (auto loaded = edges_.Get(reader_, node); !loaded.ok())
      spdlog::error("reloading the match edges of a node failed: {}", loaded.status().message());
    MatchEdges& list = edges_.Mutable(node);
    for (auto& edge : adds) UpsertEdge(list, std::move(edge));
  }
  for (auto& [node, g] : p.guards) guards_.Put(node, std::move(g));
  for (auto& [node, d] : p.decisions) decisions_.Put(node, std::move(d));
}

ResolveResult Resolver::Apply(Plan p, store::Batch& batch) {
  ResolveResult result;
  result.sig_id = p.sig_id;
  if (p.kind == Plan::Kind::kUnchanged) return result;
  ApplyMatching(p, batch);
  result.quarantined = p.quarantined_now;

  if (p.kind == Plan::Kind::kAdd) {
    if (p.new_sig) {
      for (const auto& n : p.sig.nodes) {
        auto& list = adjacency_.Mutable(n).sigs;
        list.insert(std::lower_bound(list.begin(), list.end(), p.sig_id), p.sig_id);
        // A profile holding only this node (a refused identifier) is named after it.
        batch.Put(Cf::kIdOrigins, ProfileIdForNode(n), "n" + n);
      }
    }
    if (p.sig_changed) sigs_.Put(p.sig_id, p.sig);
    if (p.keyed_added) {
      batch.Put(Cf::kSigRecords, SigRecordKey(p.sig_id, p.keyed_added->first, p.keyed_added->second), "");
      sig_records_added_[p.sig_id].insert(*p.keyed_added);
      if (auto r = sig_records_removed_.find(p.sig_id); r != sig_records_removed_.end()) r->second.erase(*p.keyed_added);
    }
    // Every id this record could ever give a profile resolves through its
    // sig: redirects are part of the state, the same whatever order built it.
    // (A record that is not its sig's earliest when it arrives can never name
    // a profile, unless it is replaceable.)
    if (p.put_origin) batch.Put(Cf::kIdOrigins, ProfileIdForRecord(p.record_key), "s" + p.sig_id);
    if (p.record_entry) records_.Put(p.record_key, *p.record_entry);
    if (p.joins) {
      for (const auto& n : p.join_fresh) node_profile_.Put(n, ProfileRef{p.joins->id});
      clusters_.Put(p.joins->id, *p.joins);
      result.profile_id = p.joins->id;
    } else if (p.attach_only) {
      ApplyAttach(p, result);
    } else if (p.reclustered) {
      ApplyShape(p, result);
    } else {
      result.profile_id = p.profile_id;
    }
    return result;
  }

  if (p.kind == Plan::Kind::kRemove) {
    for (const auto& n : p.deleted_nodes) {
      node_profile_.Erase(n);
      batch.Delete(Cf::kIdOrigins, ProfileIdForNode(n));
    }
    if (p.sig_survives) {
      sigs_.Put(p.sig_id, p.sig);
    } else {
      sigs_.Erase(p.sig_id);
      for (const auto& n : p.sig.nodes) {
        auto& list = adjacency_.Mutable(n).sigs;
        std::erase(list, p.sig_id);
        if (list.empty()) adjacency_.Erase(n);
      }
    }
    if (p.keyed_removed) {
      batch.Delete(Cf::kSigRecords, SigRecordKey(p.sig_id, p.keyed_removed->first, p.keyed_removed->second));
      sig_records_removed_[p.sig_id].insert(*p.keyed_removed);
      if (auto a = sig_records_added_.find(p.sig_id); a != sig_records_added_.end()) a->second.erase(*p.keyed_removed);
    }
    records_.Erase(p.record_key);
    batch.Delete(Cf::kIdOrigins, ProfileIdForRecord(p.record_key));
    result.deleted_sigs = p.deleted_sigs;
  }
  ApplyShape(p, result);
  return result;
}

void Resolver::ApplyShape(Plan& p, ResolveResult& result) {
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
    // A quarantined value's own profile keeps the records that carry only
    // it (they are never walked, so the partition does not list them).
    if (c.nodes.size() == 1 && p.quarantined.count(c.nodes[0])) {
      if (auto old = p.old_clusters.find(c.id); old != p.old_clusters.end()) {
        std::set<std::string> all(c.sigs.begin(), c.sigs.end());
        for (const auto& s : old->second.sigs)
          if (std::find(p.deleted_sigs.begin(), p.deleted_sigs.end(), s) == p.deleted_sigs.end()) all.insert(s);
        c.sigs.assign(all.begin(), all.end());
      }
    }
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
  result.clusters = partition.clusters;
}

void Resolver::ApplyAttach(Plan& p, ResolveResult& result) {
  const std::string& anchor = AnchorOf(p.sig, policy_, &p.quarantined);
  Cluster cluster;
  if (auto it = p.old_profile_of.find(anchor); it != p.old_profile_of.end() && p.old_clusters.count(it->second)) {
    cluster = p.old_clusters.at(it->second);
  } else {
    const bool lone_quarantined = p.quarantined.count(anchor) > 0;
    cluster.id = lone_quarantined ? ProfileIdForNode(anchor) : ProfileIdForRecord(p.sig.Earliest().second);
    cluster.origin = lone_quarantined ? "n" + anchor : "s" + p.sig_id;
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
  ForEachTable([&](auto& table) { table.Flush(batch); });
}

void Resolver::Commit() {
  MarkClean();
  Trim();
}

void Resolver::Trim() {
  ForEachTable([](auto& table) { table.Trim(); });
}

void Resolver::MarkClean() {
  ForEachTable([](auto& table) { table.MarkClean(); });
  ClearGroupOverlays();
}

void Resolver::Abort() {
  ForEachTable([](auto& table) { table.Abort(); });
  ClearGroupOverlays();
  // known_ needs no undo: its entries are immutable per node, and it is
  // only asked about nodes the graph holds (block members, nodes of a walk,
  // the node being added or removed), so an entry for attributes that were
  // never stored (this group's, or one read ahead) is never seen.
}

void Resolver::ClearGroupOverlays() {
  members_added_.clear();
  members_removed_.clear();
  sig_records_added_.clear();
  sig_records_removed_.clear();
}

}  // namespace seam::identity
