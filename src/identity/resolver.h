// The deterministic single-writer stage: applies canonical Records to the
// identity graph. It reads no wall clock and no randomness; its state after
// any set of records is the same whatever order they came in.
//
// Every change is planned, then applied: Plan* only reads (and may fail:
// I/O, a corrupt value), Apply only writes (and cannot fail). So a record
// that fails leaves the graph as it was, without savepoints — and the
// profile writer can load what it needs between the two steps.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "identity/clusterer.h"
#include "identity/graph.h"
#include "seam/config.h"
#include "seam/record.h"
#include "seam/status.h"
#include "store/object_table.h"
#include "store/store.h"

namespace seam::identity {

LinkPolicy PolicyFromConfig(const Config& config);

// Fills record.derived.node_keys / node_ids / sig_id from the identifiers.
// Pure; callable from any thread.
void DeriveKeys(const Key256& lookup_key, Record& record);

// What a planned change will do, for the profile writer to prepare against.
struct Plan {
  enum class Kind { kAdd, kRemove, kUnchanged };
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
  std::vector<std::string> deleted_nodes;
  std::map<std::string, std::string> old_profile_of;  // node -> profile id before
  std::map<std::string, Cluster> old_clusters;        // the component's profiles before
  std::map<std::string, std::vector<std::string>> sig_nodes;  // the component's sigs -> their nodes
  bool attach_only = false;  // component over the cap: attach, do not re-cluster
  bool put_origin = false;   // record the record's would-be profile id (redirects)
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
};

class Resolver {
 public:
  struct Options {
    int max_component_sigs = 20000;
    std::size_t cache_objects = 200000;  // clean graph objects kept between groups, per table
  };
  Resolver(store::Store& store, LinkPolicy policy, const Key256& lookup_key, Options options);

  // Plans adding `record` (derived keys filled). A replaceable record whose
  // key is stored with the same content plans as kUnchanged; with other
  // content the caller removes the old version first (PlanRemove).
  Result<Plan> PlanAdd(const Record& record);
  // Plans removing the replaceable record stored under `record_key`;
  // nullopt when there is none.
  Result<std::optional<Plan>> PlanRemove(const std::string& record_key);
  ResolveResult Apply(Plan plan, store::Batch& batch);

  // The stored entry of a replaceable record, or nullptr.
  Result<const RecordEntry*> FindRecord(const std::string& record_key);

  // Group protocol (object_table.h): write changes, then commit or abort.
  void Flush(store::Batch& batch);
  void Commit();
  void Abort();

  const Key256& lookup_key() const { return lookup_key_; }
  const LinkPolicy& policy() const { return policy_; }

 private:
  // Sigs the plan changes or deletes, seen by the component walk in place of
  // what the store holds.
  struct Overrides {
    std::map<std::string, const SigInfo*> sigs;  // nullptr: deleted
  };
  Status ForEachSigOfNode(const std::string& node, const std::function<bool(const std::string&)>& fn);
  // Whether a sig other than `except` holds `node`.
  Result<bool> NodeInOtherSig(const std::string& node, const std::string& except);
  Status Gather(const std::vector<std::string>& start, const Overrides& overrides,
                std::vector<ComponentSig>& out, bool& over_cap, int max_sigs);
  Status PlanShape(Plan& plan, const std::vector<std::string>& start, const Overrides& overrides);
  Status LoadOldProfiles(Plan& plan, const std::set<std::string>& nodes);
  void ApplyShape(Plan& plan, store::Batch& batch, ResolveResult& result);
  void ApplyAttach(Plan& plan, store::Batch& batch, ResolveResult& result);

  store::Store& store_;
  store::LiveReader reader_;
  LinkPolicy policy_;
  Key256 lookup_key_;
  Options options_;

  store::ObjectTable<SigInfo> sigs_;
  store::ObjectTable<Cluster> clusters_;
  store::ObjectTable<ProfileRef> node_profile_;
  store::ObjectTable<RecordEntry> records_;
  // Adjacency (node | sig) written or deleted in this group, not yet in the store.
  std::map<std::string, std::set<std::string>> adjacency_added_, adjacency_removed_;
};

}  // namespace seam::identity
