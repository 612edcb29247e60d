// The deterministic single-writer stage: applies canonical Records to the
// identity graph. It reads no wall clock and no randomness; its state after
// any set of records is the same whatever order they came in (for one active
// match model).
//
// Every change is planned, then applied: Plan* only reads (and may fail:
// I/O, a corrupt value), Apply only writes (and cannot fail). So a record
// that fails leaves the graph as it was, without savepoints — and the
// profile writer can load what it needs between the two steps.
//
// Records with match attributes carry an attribute node; a new one is
// scored against candidates from its blocking keys and its edges (possible
// matches and matches) are stored on both ends. Edges above the upper
// threshold join profiles through the clusterer, after every guard.
#pragma once

#include <functional>
#include <list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "identity/blocking.h"
#include "identity/clusterer.h"
#include "identity/component.h"
#include "identity/graph.h"
#include "identity/match_model.h"
#include "identity/prepared_cache.h"
#include "seam/config.h"
#include "seam/record.h"
#include "seam/status.h"
#include "store/object_table.h"
#include "store/store.h"

namespace seam::identity {

LinkPolicy PolicyFromConfig(const Config& config);

// Fills record.derived.node_keys / node_ids / sig_id from the identifiers,
// adding the record's attribute node when it carries match attributes.
// Pure; callable from any thread.
void DeriveKeys(const Key256& lookup_key, Record& record);

// What a planned change will do, for the profile writer to prepare against.
struct Plan {
  enum class Kind { kAdd, kRemove, kUnchanged, kReshape };
  Kind kind = Kind::kAdd;
  std::string sig_id;
  // Add without a change of shape: the record lands in this profile.
  std::string profile_id;
  // A change of shape: the component is partitioned anew.
  bool reclustered = false;
  Partition partition;
  // Remove: the record's timeline entry, and whether its sig survives (then
  // the sig's stats are rebuilt from its remaining entries).
  std::string removed_event_key;
  bool sig_survives = false;
  std::vector<std::string> deleted_sigs;

  // Internals for Apply.
  SigInfo sig;
  bool new_sig = false;
  bool sig_changed = false;  // the sig's stored info must be rewritten
  std::string record_key;
  std::optional<RecordEntry> record_entry;  // add of a replaceable record
  std::optional<std::pair<Micros, std::string>> keyed_added, keyed_removed;  // sig_records entries
  std::vector<std::string> deleted_nodes;
  std::map<std::string, std::string> old_profile_of;  // node -> profile id before
  std::map<std::string, Cluster> old_clusters;        // the component's profiles before
  std::map<std::string, std::vector<std::string>> sig_nodes;  // the component's sigs -> their nodes
  bool attach_only = false;  // component over the cap: attach, do not re-cluster
  // A new sig whose known identifiers all belong to one profile, and whose
  // new ones fit its limits: it joins that profile, which nothing else about
  // the partition can change (docs/identity.md), so no component walk.
  std::optional<Cluster> joins;
  std::vector<std::string> join_fresh;  // its nodes no profile held before
  bool put_origin = false;   // record the record's would-be profile id (redirects)

  // Matching and guards: the stored objects as they will be.
  std::optional<std::pair<std::string, std::string>> new_attrs;  // node, encoded attributes
  std::vector<std::string> new_attrs_blocks;                     // its hashed blocking keys
  std::string new_attrs_prepared;                                // EncodePrepared of its prepared form
  std::vector<std::pair<std::string, std::vector<std::string>>> removed_blocks;  // attrs node -> blocks left
  std::map<std::string, BlockInfo> blocks;  // the blocking keys as they will be
  std::map<std::string, MatchEdges> edges;  // empty list: erase
  // Edges to upsert into a node's stored list, for nodes not in `edges`: a
  // new record adds one edge to each candidate it scored, and copying each
  // candidate's whole list (which grows with its look-alikes) into the plan
  // made adding a record cost the sum of its candidates' lists.
  std::map<std::string, std::vector<MatchEdge>> edge_adds;
  std::map<std::string, NodeGuard> guards;
  std::map<std::string, NodeDecisions> decisions;
  std::vector<std::string> quarantined_now;  // nodes this plan quarantines
  std::set<std::string> quarantined;         // quarantined nodes of the component
  std::set<std::string> walk_sigs;           // sigs to include though no walk reaches them
};

struct ResolveResult {
  std::string sig_id;
  std::string profile_id;  // where the record's events land (add)
  bool reclustered = false;
  // The component was over the cap: the record was attached to its anchor's
  // profile without re-clustering (then `clusters` holds only what changed).
  bool attached = false;
  std::vector<Cluster> clusters;  // the component's profiles now, when reclustered
  std::vector<std::string> retired;
  std::vector<std::string> created;
  std::vector<std::string> deleted_sigs;
  std::vector<std::string> quarantined;  // nodes quarantined by this change
};

class Resolver {
 public:
  struct Options {
    int max_component_sigs = 20000;
    BlockRule blocks;                    // which blocks draw candidates (blocking.h)
    // A node seen with more distinct values of one of these types than the
    // threshold is quarantined (a kiosk device, a store's default phone).
    std::vector<std::string> person_keys = {"user_id", "member_id", "card_token", "customer_id"};
    std::size_t quarantine_fanout = 50;  // 0: never
    // A new record re-partitions only the profiles it touches and their
    // neighbours when that is provably what the whole component would give
    // (docs/identity.md); false: always the whole component (for tests).
    bool region_reclustering = true;
  };
  // How re-partitions were planned: by region (and the rounds they took),
  // or by walking the whole component.
  struct ShapeCounts {
    uint64_t regions = 0;
    uint64_t region_rounds = 0;
    uint64_t components = 0;
  };
  Resolver(store::Store& store, LinkPolicy policy, const Key256& lookup_key, Options options,
           MatchModel model = MatchModel::Default());

  // Plans adding `record` (derived keys filled). A replaceable record whose
  // key is stored with the same content plans as kUnchanged; with other
  // content the caller removes the old version first (PlanRemove).
  Result<Plan> PlanAdd(const Record& record);
  // Plans removing the replaceable record stored under `record_key`;
  // nullopt when there is none.
  Result<std::optional<Plan>> PlanRemove(const std::string& record_key);
  // Plans an admin's decision between two nodes (merge or keep apart), or
  // the release of a quarantined node: the component is partitioned anew.
  Result<Plan> PlanDecision(const std::string& a, const std::string& b, bool merge, Micros at, std::string note);
  Result<Plan> PlanRelease(const std::string& node);
  // Plans re-partitioning the components of `nodes` (after the model changed).
  Result<Plan> PlanRecluster(const std::vector<std::string>& nodes);
  ResolveResult Apply(Plan plan, store::Batch& batch);

  // The stored entry of a replaceable record, or nullptr.
  Result<const RecordEntry*> FindRecord(const std::string& record_key);
  // The active match model; a new one takes effect for records planned
  // after it (Rescore re-evaluates what is stored).
  const MatchModel& model() const { return model_; }
  void SetModel(MatchModel model);
  // Re-scores the stored pairs of `node` with the active model, drawing its
  // candidates from its blocks again: the plan replaces its edges (and their
  // mirrors) and re-partitions what they touch.
  Result<Plan> PlanRescore(const std::string& node);

  // Group protocol (object_table.h): write changes, then commit or abort;
  // or, for a batch written in the background, MarkClean at once and Trim
  // once it is durable.
  void Flush(store::Batch& batch);
  void Commit();
  void Abort();
  void MarkClean();
  void Trim();
  // Called before the resolver scans the store directly (block members, a
  // sig's records): it must return once every flushed batch is durable, as
  // the scans see only the current group's own changes besides the store.
  void SetStoreBarrier(std::function<void()> barrier) { store_barrier_ = std::move(barrier); }

  const Key256& lookup_key() const { return lookup_key_; }
  const LinkPolicy& policy() const { return policy_; }
  const Options& options() const { return options_; }
  const ShapeCounts& shape_counts() const { return shape_counts_; }
  // The decoded candidates, which a thread reading ahead may fill
  // (candidate_prefetch.h).
  const std::shared_ptr<PreparedCache>& prepared_cache() const { return known_; }

  // For the component walk (component.h), seeing the plan in progress.
  class Source;

 private:
  friend class Source;
  Status ForEachSigOfNode(const std::string& node, const std::function<bool(const std::string&)>& fn);
  // A sig's replaceable records in (time, key) order until `fn` says stop.
  Status ForEachSigRecord(const std::string& sig, const std::function<bool(const std::pair<Micros, std::string>&)>& fn);
  Status ForEachBlockMember(const std::string& block, const std::function<bool(const std::string&)>& fn);
  // Whether a sig other than `except` holds `node`.
  Result<bool> NodeInOtherSig(const std::string& node, const std::string& except);
  Result<uint64_t> CountOf(const std::string& block, const Plan& plan);
  Result<BlockInfo> BlockOf(const std::string& block, const Plan& plan);
  Result<MatchEdges> EdgesOf(const std::string& node, const Plan& plan);
  MatchEdge Scored(const std::string& other, const MatchScore& score, std::vector<std::string> support) const;
  // Adds `node` (with `person`) to the match graph: its blocks, candidates,
  // edges. `touched` gets nodes whose components the change may reshape.
  Status PlanNewAttrs(Plan& p, const std::string& node, const std::string& encoded, std::set<std::string>& touched);
  Status PlanGoneAttrs(Plan& p, const std::string& node, std::set<std::string>& touched);
  Status PlanGuards(Plan& p, std::set<std::string>& touched);
  Status PlanShape(Plan& p, const std::vector<std::string>& start);
  // Re-partitions the profiles around a new sig; `done` false when only
  // the whole component can be re-partitioned (then the plan is untouched
  // but for its cached reads).
  Status PlanRegion(Plan& p, const std::vector<std::string>& start, bool& done);
  void DropUnchanged(Plan& p);
  // Sets p.joins when the new sig can join one profile without a walk.
  Status PlanJoin(Plan& p, const std::set<std::string>& touched);
  Status LoadOldProfiles(Plan& p, const std::set<std::string>& nodes);
  void ApplyShape(Plan& p, ResolveResult& result);
  void ApplyAttach(Plan& p, ResolveResult& result);
  void ApplyMatching(Plan& p, store::Batch& batch);
  // Every decoded table, for the group protocol: one list, so that no step
  // can miss a table.
  template <typename F>
  void ForEachTable(F&& f) {
    f(sigs_);
    f(clusters_);
    f(node_profile_);
    f(records_);
    f(attrs_);
    f(blocks_);
    f(adjacency_);
    f(edges_);
    f(decisions_);
    f(guards_);
  }
  // The group's block-member and sig-record changes not yet in the store.
  void ClearGroupOverlays();

  store::Store& store_;
  store::LiveReader reader_;
  LinkPolicy policy_;
  Key256 lookup_key_;
  Options options_;
  MatchModel model_;

  store::ObjectTable<SigInfo> sigs_;
  store::ObjectTable<Cluster> clusters_;
  store::ObjectTable<ProfileRef> node_profile_;
  store::ObjectTable<RecordEntry> records_;
  store::ObjectTable<AttrsEntry> attrs_;
  store::ObjectTable<BlockInfo> blocks_;
  store::ObjectTable<SigList> adjacency_;
  store::ObjectTable<MatchEdges> edges_;
  store::ObjectTable<NodeDecisions> decisions_;
  store::ObjectTable<NodeGuard> guards_;
  // Block members (kBlocks keys) and sig records written or deleted in
  // this group, not yet in the store: the rare scans see them through these.
  std::map<std::string, std::set<std::string>> members_added_, members_removed_;
  std::map<std::string, std::set<std::pair<Micros, std::string>>> sig_records_added_, sig_records_removed_;
  // Prepared attributes and hashed blocks of attribute nodes (immutable per
  // node): preparing (ICU transliteration) costs more than scoring.
  Result<PreparedCache::Ptr> KnownOf(const std::string& attrs_node, const Plan* plan);
  // A node's guard and decisions as this plan leaves them, without a copy
  // (a guard holds up to the fan-out threshold's person keys): nullptr when
  // none. Valid until Commit or Abort.
  Result<const NodeGuard*> GuardIn(const std::string& node, const Plan& plan);
  Result<const NodeDecisions*> DecisionsIn(const std::string& node, const Plan& plan);
  std::shared_ptr<PreparedCache> known_;
  std::function<void()> store_barrier_;
  ShapeCounts shape_counts_;
};

}  // namespace seam::identity
