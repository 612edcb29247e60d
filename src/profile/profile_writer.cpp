#include "profile/profile_writer.h"

#include "seam/crypto.h"

namespace seam::profile {

using store::Cf;

std::string EventKeySuffix(Micros at, std::string_view record_key) {
  std::string out;
  // Flip the sign bit so signed times sort as unsigned, then invert: newest first.
  const uint64_t ordered = static_cast<uint64_t>(at) ^ (uint64_t{1} << 63);
  store::PutBigEndian64(out, ~ordered);
  out.append(Sha256(record_key).substr(0, 8));
  return out;
}

std::string EventKey(std::string_view sig_id, Micros at, std::string_view record_key) {
  std::string key(sig_id);
  key.append(EventKeySuffix(at, record_key));
  return key;
}

nlohmann::json EventJson(const Record& r) {
  nlohmann::json e = {{"type", r.type},
                      {"channel", ChannelName(r.channel)},
                      {"timestamp", FormatIso8601(r.display_at)},
                      {"properties", r.properties}};
  if (!r.message_id.empty()) e["messageId"] = r.message_id;
  if (!r.event.empty()) e["event"] = r.event;
  if (r.type == "identify" || r.type == "group" || r.type == "customer") e["traits"] = r.traits;
  // What Stats are rebuilt from when a replaceable record in the same sig is
  // replaced (profile_writer.h).
  e["_o"] = r.occurred_at;
  e["_d"] = r.display_at;
  e["_r"] = r.record_key;
  if (!r.traits.empty()) e["_t"] = r.traits;
  if (!r.consent.empty()) e["_c"] = r.consent;
  if (r.replaceable) {
    // A replaceable record's identifiers, for merging its parts (ingest).
    auto ids = nlohmann::json::array();
    for (const auto& id : r.identifiers) ids.push_back({id.type, id.value});
    e["_i"] = std::move(ids);
    if (!r.merge_group.empty()) e["_g"] = r.merge_group;
    if (!r.internal.empty()) e["_x"] = r.internal;
  }
  return e;
}

namespace {

// Typed field reads without exceptions (and without nlohmann's value(),
// which GCC 12 flags with a false -Wnull-dereference).
const nlohmann::json* Field(const nlohmann::json& e, const char* key) {
  auto it = e.find(key);
  return it == e.end() ? nullptr : &*it;
}
std::optional<std::string> Text(const nlohmann::json& e, const char* key) {
  const nlohmann::json* f = Field(e, key);
  if (f == nullptr || !f->is_string()) return std::nullopt;
  return f->get_ref<const std::string&>();
}
std::optional<Micros> Time(const nlohmann::json& e, const char* key) {
  const nlohmann::json* f = Field(e, key);
  if (f == nullptr || !f->is_number_integer()) return std::nullopt;
  return f->get<Micros>();
}

}  // namespace

std::optional<Record> RecordFromEvent(const nlohmann::json& e) {
  if (!e.is_object()) return std::nullopt;
  Record r;
  auto type = Text(e, "type");
  auto channel = Text(e, "channel");
  auto occurred = Time(e, "_o");
  auto display = Time(e, "_d");
  auto key = Text(e, "_r");
  const nlohmann::json* properties = Field(e, "properties");
  if (!type || !channel || !occurred || !display || !key || properties == nullptr) return std::nullopt;
  bool known = false;
  for (int c = 0; c < kChannelCount; ++c) {
    if (*channel == ChannelName(static_cast<Channel>(c))) {
      r.channel = static_cast<Channel>(c);
      known = true;
    }
  }
  if (!known) return std::nullopt;
  r.type = *type;
  r.properties = *properties;
  r.message_id = Text(e, "messageId").value_or("");
  r.event = Text(e, "event").value_or("");
  r.occurred_at = *occurred;
  r.display_at = *display;
  r.record_key = *key;
  if (const auto* t = Field(e, "_t")) r.traits = *t;
  if (const auto* c = Field(e, "_c")) r.consent = *c;
  return r;
}

nlohmann::json PublicEvent(nlohmann::json event) {
  for (auto it = event.begin(); it != event.end();) {
    if (!it.key().empty() && it.key()[0] == '_')
      it = event.erase(it);
    else
      ++it;
  }
  // SPEC §6: a POS event names its receipt at the top level, as an online
  // one names its messageId (it stays in the properties too).
  if (event.is_object() && event.value("channel", "") == "pos") {
    auto props = event.find("properties");
    if (props != event.end() && props->is_object()) {
      auto txn = props->find("transaction_id");
      if (txn != props->end() && txn->is_string()) event["transaction_id"] = *txn;
    }
  }
  return event;
}

Result<Stats> LoadStats(store::Reader& reader, Cf cf, std::string_view key) {
  auto v = reader.Get(cf, key);
  if (!v.ok()) return v.status();
  Stats stats;
  if (v->has_value() && !Stats::Decode(**v, stats)) return Status::Internal("corrupt stats value");
  return stats;
}

ProfileWriter::ProfileWriter(store::Store& store, Survivorship rules)
    : reader_(store), rules_(std::move(rules)), profiles_(Cf::kProfiles, store.object_cache()) {}

namespace {

// Where each old profile's sigs and nodes went in the new partition.
struct Targets {
  std::map<std::string, std::size_t> of_sig, of_node;
  explicit Targets(const identity::Partition& partition) {
    for (std::size_t i = 0; i < partition.clusters.size(); ++i) {
      for (const auto& s : partition.clusters[i].sigs) of_sig[s] = i;
      for (const auto& n : partition.clusters[i].nodes) of_node[n] = i;
    }
  }
  // The one new profile holding all of `old`, or nullopt when it is
  // divided (or loses `lost_sig`, a sig whose record goes).
  // A sig outside the partition that is not deleted was not walked (a
  // quarantined value's own records): it stays where it was.
  std::optional<std::size_t> WholeIn(const identity::Cluster& old, const std::string& lost_sig,
                                     const std::vector<std::string>& deleted, bool* gone) const {
    std::set<std::size_t> to;
    bool divided = false;
    for (const auto& s : old.sigs) {
      auto it = of_sig.find(s);
      if (s == lost_sig || std::find(deleted.begin(), deleted.end(), s) != deleted.end())
        divided = true;
      else if (it != of_sig.end())
        to.insert(it->second);
    }
    for (const auto& n : old.nodes)
      if (auto it = of_node.find(n); it != of_node.end()) to.insert(it->second);
    if (gone != nullptr) *gone = to.empty() && !divided;
    if (divided || to.size() != 1) return std::nullopt;
    return *to.begin();
  }
};

void MergeSeen(std::map<std::string, Seen>& into, const std::map<std::string, Seen>& from) {
  for (const auto& [node, v] : from) {
    Seen& s = into[node];
    if (s.type.empty()) {
      s.type = v.type;
      s.value = v.value;
    }
    s.first = std::min(s.first, v.first);
    s.last = std::max(s.last, v.last);
    s.sources |= v.sources;
  }
}

}  // namespace

std::set<std::string> ProfileWriter::DividedProfiles(const identity::Plan& plan) const {
  std::set<std::string> divided;
  if (!plan.reclustered) return divided;
  const Targets targets(plan.partition);
  const std::string lost = plan.kind == identity::Plan::Kind::kRemove ? plan.sig_id : "";
  for (const auto& [id, old] : plan.old_clusters) {
    bool gone = false;
    if (!targets.WholeIn(old, lost, plan.deleted_sigs, &gone) && !gone) divided.insert(id);
  }
  return divided;
}

bool ProfileWriter::NeedsCommitBefore(const identity::Plan& plan) const {
  for (const auto& id : DividedProfiles(plan))
    for (const auto& sig : plan.old_clusters.at(id).sigs)
      if (touched_sigs_.count(sig)) return true;
  return false;
}

Result<Stats> ProfileWriter::RebuildSig(const std::string& sig, const std::string& skip_event_key) {
  if (store_barrier_) store_barrier_();
  Stats rebuilt;
  Status bad;
  auto s = reader_.Scan(Cf::kEvents, sig, [&](std::string_view key, std::string_view value) {
    if (key == skip_event_key) return true;
    auto r = RecordFromEvent(nlohmann::json::parse(value, nullptr, false));
    if (!r) {
      bad = Status::Internal("corrupt timeline entry");
      return false;
    }
    rebuilt.Apply(*r, &rules_);
    return true;
  });
  if (!s.ok()) return s;
  if (!bad.ok()) return bad;
  return rebuilt;
}

Status ProfileWriter::Prepare(const Record* record, const identity::Plan& plan) {
  pending_ = Pending{};
  pending_.kind = plan.kind;
  pending_.sig_id = plan.sig_id;
  pending_.removed_event_key = plan.removed_event_key;
  if (plan.kind == identity::Plan::Kind::kUnchanged) return Status::Ok();
  if (plan.kind == identity::Plan::Kind::kAdd && record == nullptr)
    return Status::Internal("an add needs its record");

  if (plan.kind == identity::Plan::Kind::kAdd && !plan.reclustered) {
    // The fast path: one profile, updated in place (or, over the component
    // cap, the anchor's profile and the old ones around it).
    if (!plan.attach_only) return profiles_.Get(reader_, plan.profile_id).status();
    for (const auto& [id, cluster] : plan.old_clusters)
      if (auto p = profiles_.Get(reader_, id); !p.ok()) return p.status();
    return Status::Ok();
  }

  pending_.reclustered = true;
  pending_.old_clusters = plan.old_clusters;
  pending_.deleted_sigs = plan.deleted_sigs;
  pending_.divided = DividedProfiles(plan);
  for (const auto& [id, cluster] : plan.old_clusters)
    if (auto p = profiles_.Get(reader_, id); !p.ok()) return p.status();
  // The sigs of divided profiles: rebuilt from the timeline, with their
  // identifiers seen exactly when the sig was (every record of a sig
  // carries all its identifiers).
  for (const auto& id : pending_.divided) {
    auto old = profiles_.Get(reader_, id);
    const std::map<std::string, Seen> no_seen;
    const auto& old_seen = (old.ok() && *old != nullptr) ? (*old)->identities : no_seen;
    for (const auto& sig : plan.old_clusters.at(id).sigs) {
      auto nodes = plan.sig_nodes.find(sig);
      if (nodes == plan.sig_nodes.end()) continue;  // the sig itself goes
      auto rebuilt = RebuildSig(sig, plan.removed_event_key);
      if (!rebuilt.ok()) return rebuilt.status();
      for (const auto& n : nodes->second) {
        Seen s{{}, {}, rebuilt->first_seen, rebuilt->last_seen, rebuilt->channels};
        if (auto it = old_seen.find(n); it != old_seen.end()) {
          s.type = it->second.type;
          s.value = it->second.value;
        }
        if (rebuilt->events > 0) rebuilt->identities[n] = std::move(s);
      }
      pending_.sig_stats[sig] = std::move(*rebuilt);
    }
  }
  return Status::Ok();
}

void ProfileWriter::Apply(const Record* record, const identity::ResolveResult& result, store::Batch& batch) {
  if (pending_.kind == identity::Plan::Kind::kUnchanged) return;
  const bool add = pending_.kind == identity::Plan::Kind::kAdd;
  if (!pending_.sig_id.empty()) touched_sigs_.insert(pending_.sig_id);
  if (add) batch.PutSealed(Cf::kEvents, record->derived.event_key, record->derived.sealed_event);
  if (pending_.kind == identity::Plan::Kind::kRemove) batch.Delete(Cf::kEvents, pending_.removed_event_key);

  if (add && result.attached) {
    for (const auto& cluster : result.clusters) {
      if (cluster.id == result.profile_id) {
        profiles_.Mutable(cluster.id).Apply(*record, &rules_);
        continue;
      }
      // A new single-identifier profile: what the record saw of it.
      Stats single;
      Stats from_record;
      from_record.Apply(*record);
      for (const auto& n : cluster.nodes)
        if (auto it = from_record.identities.find(n); it != from_record.identities.end())
          single.identities.emplace(n, it->second);
      profiles_.Put(cluster.id, std::move(single));
    }
    return;
  }
  if (add && !result.reclustered) {
    profiles_.Mutable(result.profile_id).Apply(*record, &rules_);
    return;
  }

  // A new partition: each new profile is the fold of the old profiles it
  // holds whole, the rebuilt sigs of divided ones, and the new record.
  identity::Partition now;
  now.clusters = result.clusters;
  const Targets targets(now);
  const std::string lost = pending_.kind == identity::Plan::Kind::kRemove ? pending_.sig_id : "";
  std::vector<Stats> folded(result.clusters.size());
  std::map<std::string, Seen> seen;
  for (const auto& [id, old] : pending_.old_clusters) {
    auto stats = profiles_.Get(reader_, id);  // loaded by Prepare: no store read
    if (!stats.ok() || *stats == nullptr) continue;
    MergeSeen(seen, (*stats)->identities);
    if (pending_.divided.count(id)) continue;
    if (auto to = targets.WholeIn(old, lost, pending_.deleted_sigs, nullptr)) folded[*to].Merge(**stats, &rules_);
  }
  for (const auto& [sig, stats] : pending_.sig_stats) {
    MergeSeen(seen, stats.identities);
    if (auto it = targets.of_sig.find(sig); it != targets.of_sig.end()) folded[it->second].Merge(stats, &rules_);
  }
  if (add) {
    Stats mine;
    mine.Apply(*record);
    MergeSeen(seen, mine.identities);
    folded[targets.of_sig.at(pending_.sig_id)].Apply(*record, &rules_);
  }
  for (std::size_t i = 0; i < result.clusters.size(); ++i) {
    folded[i].identities.clear();
    for (const auto& n : result.clusters[i].nodes)
      if (auto it = seen.find(n); it != seen.end()) folded[i].identities.emplace(n, it->second);
    profiles_.Put(result.clusters[i].id, std::move(folded[i]));
  }
  for (const auto& id : result.retired) profiles_.Erase(id);
}

void ProfileWriter::Flush(store::Batch& batch) { profiles_.Flush(batch); }

void ProfileWriter::Commit() {
  MarkClean();
  Trim();
}

void ProfileWriter::Trim() { profiles_.Trim(); }

void ProfileWriter::MarkClean() {
  profiles_.MarkClean();
  touched_sigs_.clear();
}

void ProfileWriter::Abort() {
  profiles_.Abort();
  touched_sigs_.clear();
}

}  // namespace seam::profile
