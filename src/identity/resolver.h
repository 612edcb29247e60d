// The deterministic single-writer stage: applies one canonical Record to the
// identity graph inside the writer's transaction. It reads no wall clock and
// no randomness; its state after any set of records is the same whatever
// order they came in.
#pragma once

#include <string>
#include <vector>

#include "identity/clusterer.h"
#include "identity/graph.h"
#include "seam/config.h"
#include "seam/record.h"
#include "seam/status.h"
#include "store/store.h"

namespace seam::identity {

struct ResolveResult {
  std::string sig_id;
  std::string profile_id;  // the profile the record's events land in
  // True when the record changed the graph's shape and its component was
  // re-clustered; then `clusters` are the component's profiles as they are
  // now and `retired` the ids that no longer name a profile.
  bool reclustered = false;
  std::vector<Cluster> clusters;
  std::vector<std::string> retired;
  std::vector<std::string> created;
  bool new_sig = false;
};

LinkPolicy PolicyFromConfig(const Config& config);

class Resolver {
 public:
  Resolver(LinkPolicy policy, const Key256& lookup_key, int max_component_sigs);

  // REQUIRES: record.identifiers non-empty, normalised, blocklist applied.
  Result<ResolveResult> Resolve(const Record& record, store::WriteTxn& txn);

  // Where a node key lives now (for lookups inside the writer).
  Result<std::optional<std::string>> ProfileOfNode(store::Reader& reader, std::string_view node_key);

  const Key256& lookup_key() const { return lookup_key_; }
  const LinkPolicy& policy() const { return policy_; }

 private:
  Status TouchNode(store::WriteTxn& txn, const std::string& key, const Identifier& id,
                   const Record& record);
  Status GatherComponent(store::WriteTxn& txn, const std::vector<std::string>& start,
                         std::vector<ComponentSig>& out, bool& over_cap);
  Status Recluster(store::WriteTxn& txn, const std::string& sig_id, const SigInfo& sig,
                   ResolveResult& result);
  Status AttachWithoutRecluster(store::WriteTxn& txn, const std::string& sig_id, const SigInfo& sig,
                                ResolveResult& result);

  LinkPolicy policy_;
  Key256 lookup_key_;
  int max_component_sigs_;
};

}  // namespace seam::identity
