// Materialises profiles as records resolve: per-sig and per-profile Stats and
// the timeline. Runs after the Resolver on the single writer thread, on the
// same protocol: Prepare (reads, may fail) between the resolver's Plan and
// Apply, then Apply (writes, cannot fail); Flush/Commit/Abort per group.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <unordered_set>

#include "common/string_hash.h"
#include "identity/resolver.h"
#include "profile/stats.h"
#include "seam/record.h"
#include "store/object_table.h"
#include "store/store.h"

namespace seam::profile {

// Timeline keys: sig id (16) | inverted time (8, big-endian: newest first) |
// 8 bytes of SHA-256(record key) (unique, and the cursor's tie-break).
std::string EventKeySuffix(Micros at, std::string_view record_key);
std::string EventKey(std::string_view sig_id, Micros at, std::string_view record_key);

// The stored timeline entry: what the events API shows, plus the fields a
// sig's Stats are rebuilt from (named with a leading '_', never shown).
nlohmann::json EventJson(const Record& record);
// The record a stored entry describes, as far as Stats need it.
std::optional<Record> RecordFromEvent(const nlohmann::json& event);
// The entry as the events API shows it (internal fields dropped).
nlohmann::json PublicEvent(nlohmann::json event);

Result<Stats> LoadStats(store::Reader& reader, store::Cf cf, std::string_view key);

// Keeps one Stats per profile. Stats cannot subtract, so when a change divides
// a profile (a split, a replaced or removed record), the Stats of the sigs it
// is divided along are rebuilt from their timeline entries; every other
// change folds whole profiles (and the new record) together.
class ProfileWriter {
 public:
  explicit ProfileWriter(store::Store& store, Survivorship rules = {});

  // True when Prepare(plan) would rebuild a sig from its stored timeline
  // while this group changed it: the writer commits the group first.
  bool NeedsCommitBefore(const identity::Plan& plan) const;
  // True when this group changed `sig`'s records (not yet in the store).
  bool Touched(const std::string& sig) const { return touched_sigs_.count(sig) > 0; }
  // Loads what Apply needs. `record` is null for a removal.
  Status Prepare(const Record* record, const identity::Plan& plan);
  void Apply(const Record* record, const identity::ResolveResult& result, store::Batch& batch);

  void Flush(store::Batch& batch);
  void Commit();
  void Abort();
  // For a batch written in the background (object_table.h).
  void MarkClean();
  void Trim();
  // Called before a sig's timeline is read back from the store (a profile
  // that divides): returns once every flushed batch is durable.
  void SetStoreBarrier(std::function<void()> barrier) { store_barrier_ = std::move(barrier); }

 private:
  // Old profiles that the plan divides (their sigs land in several new
  // profiles, or lose a record).
  std::set<std::string> DividedProfiles(const identity::Plan& plan) const;
  Result<Stats> RebuildSig(const std::string& sig, const std::string& skip_event_key);

  store::LiveReader reader_;
  Survivorship rules_;
  store::ObjectTable<Stats> profiles_;
  // Sigs that took a record in this group (order never matters: a lookup set).
  std::unordered_set<std::string, StringHash, std::equal_to<>> touched_sigs_;
  std::function<void()> store_barrier_;
  // Set by Prepare for the following Apply.
  struct Pending {
    identity::Plan::Kind kind = identity::Plan::Kind::kAdd;
    std::string sig_id;
    std::string removed_event_key;
    bool reclustered = false;
    // Old profile id -> its stats (whole) and the rebuilt stats of the sigs
    // of divided ones.
    std::map<std::string, identity::Cluster> old_clusters;
    std::vector<std::string> deleted_sigs;
    std::set<std::string> divided;
    std::map<std::string, Stats> sig_stats;
  } pending_;
};

}  // namespace seam::profile
