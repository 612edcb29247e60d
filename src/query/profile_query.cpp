#include "query/profile_query.h"

#include <algorithm>

#include "profile/profile_writer.h"
#include "profile/stats.h"
#include "seam/crypto.h"

namespace seam::query {
namespace {

using store::Cf;

Status Unknown() { return Status::NotFound("profile_not_found", "no profile for that reference"); }

// A reader that notes the keys read through it, so that what is derived
// from them can be kept for as long as none of them changes.
class RecordingReader final : public store::Reader {
 public:
  RecordingReader(store::Reader& inner, std::vector<store::ChangeClock::Token>& read)
      : inner_(inner), read_(read) {}
  Result<std::optional<std::string>> Get(Cf cf, std::string_view key) override {
    read_.push_back(store::ChangeClock::TokenOf(key));
    return inner_.Get(cf, key);
  }
  // A scan depends on keys it did not see (one added later in its range):
  // what is derived from one is not kept.
  Status Scan(Cf cf, std::string_view prefix,
              const std::function<bool(std::string_view, std::string_view)>& fn) override {
    scanned_ = true;
    return inner_.Scan(cf, prefix, fn);
  }
  Status ScanFrom(Cf cf, std::string_view prefix, std::string_view start,
                  const std::function<bool(std::string_view, std::string_view)>& fn) override {
    scanned_ = true;
    return inner_.ScanFrom(cf, prefix, start, fn);
  }
  bool scanned() const { return scanned_; }

 private:
  store::Reader& inner_;
  std::vector<store::ChangeClock::Token>& read_;
  bool scanned_ = false;
};

Result<identity::Cluster> LoadCluster(store::Reader& r, std::string_view id) {
  auto v = r.Get(Cf::kClusters, id);
  if (!v.ok()) return v.status();
  if (!v->has_value()) return Unknown();
  identity::Cluster c;
  if (!identity::Cluster::Decode(**v, c)) return Status::Internal("corrupt cluster value");
  return c;
}

Result<std::string> ProfileIdOfLinkedNode(store::Reader& r, std::string_view node_key) {
  auto pid = r.Get(Cf::kNodeProfile, node_key);
  if (!pid.ok()) return pid.status();
  if (!pid->has_value()) return Unknown();
  return std::move(**pid);
}

Result<identity::Cluster> ClusterOfNode(store::Reader& r, std::string_view node_key) {
  auto pid = ProfileIdOfLinkedNode(r, node_key);
  if (!pid.ok()) return pid.status();
  return LoadCluster(r, *pid);
}

// Keeps what was derived from the keys `reader` read, unless it scanned.
template <typename V>
void Keep(TwoGenerationCache<V>& cache, std::string_view key, V value, const RecordingReader& reader) {
  if (reader.scanned()) return;
  std::sort(value.read.begin(), value.read.end());
  value.read.erase(std::unique(value.read.begin(), value.read.end()), value.read.end());
  cache.Put(key, std::move(value));
}

// What a rendering costs against the cache's byte budget: the body, the key
// twice (map node and shard bookkeeping), the keys it was read from and the
// allocations around them.
std::size_t RenderedCost(std::string_view key, std::size_t body_bytes, std::size_t read) {
  return 2 * key.size() + body_bytes + read * sizeof(store::ChangeClock::Token) + 160;
}

struct SplitRef {
  std::string_view type, value;
};

Result<SplitRef> Split(std::string_view ref) {
  const auto colon = ref.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == ref.size())
    return Status::Invalid("invalid_ref", "a profile reference is type:value, e.g. email:jane@example.com");
  return SplitRef{ref.substr(0, colon), ref.substr(colon + 1)};
}

}  // namespace

ProfileQuery::ProfileQuery(store::Store& store, const Config& config, const Normalizer& normalizer,
                           const ingest::Blocklist& blocklist, const Key256& lookup_key,
                           const identity::LinkPolicy& policy)
    : store_(store),
      config_(config),
      normalizer_(normalizer),
      blocklist_(blocklist),
      lookup_key_(lookup_key),
      policy_(policy),
      rendered_(static_cast<std::size_t>(config.render_cache_mb) << 20,
                [](std::string_view key, const Rendered& r) {
                  return RenderedCost(key, r.body ? r.body->size() : 0, r.read.size());
                }),
      // Half as much for identifiers: a profile is read by ~3 of them (user id,
      // e-mail, phone) and an entry costs ~250 bytes against a rendering's
      // ~1.3 KB. At a quarter, 20k profiles' identifiers did not fit, and
      // a third of lookups missed and read the store again.
      resolved_(static_cast<std::size_t>(config.render_cache_mb) << 19, [](std::string_view key, const Resolved& r) {
        return RenderedCost(key, r.profile_id.size(), r.read.size());
      }) {}

Result<std::string> ProfileQuery::NodeKeyForRef(std::string_view type, std::string_view value) const {
  const IdentifierType* t = config_.FindType(std::string(type));
  if (t == nullptr)
    return Status::Invalid("unknown_identifier_type", "unknown identifier type \"" + std::string(type) + "\"");
  auto norm = normalizer_.Identifier(type, value);
  if (!norm) return Status::Invalid("invalid_ref", "the " + std::string(type) + " value cannot be normalised");
  if (blocklist_.Blocks(std::string(type), *norm))
    return Status::NotFound("blocklisted", "that value is blocklisted and never identifies a profile");
  return identity::MakeNodeKey(lookup_key_, type, *norm);
}

Result<identity::Cluster> ProfileQuery::Find(store::Reader& reader, std::string_view ref) {
  auto split = Split(ref);
  if (!split.ok()) return split.status();
  if (split->type == "profile_id") return FindById(reader, split->value);
  auto node = NodeKeyForRef(split->type, split->value);
  if (!node.ok()) return node.status();
  return FindByNode(reader, *node);
}

Result<identity::Cluster> ProfileQuery::FindById(store::Reader& reader, std::string_view id) const {
  auto direct = LoadCluster(reader, id);
  if (direct.ok() || direct.status().code() != Code::kNotFound) return direct;
  // A retired id resolves through what it was derived from (SPEC §5).
  auto origin = reader.Get(Cf::kIdOrigins, id);
  if (!origin.ok()) return origin.status();
  if (!origin->has_value() || (*origin)->empty()) return Unknown();
  const std::string& o = **origin;
  if (o[0] == 'n') return ClusterOfNode(reader, std::string_view(o).substr(1));
  auto sig_value = reader.Get(Cf::kSigs, std::string_view(o).substr(1));
  if (!sig_value.ok()) return sig_value.status();
  identity::SigInfo sig;
  if (!sig_value->has_value() || !identity::SigInfo::Decode(**sig_value, sig)) return Unknown();
  return ClusterOfNode(reader, identity::AnchorOf(sig, policy_));
}

Result<identity::Cluster> ProfileQuery::FindByNode(store::Reader& reader, std::string_view node) const {
  auto id = ProfileIdOfNode(reader, node);
  if (!id.ok()) return id.status();
  return LoadCluster(reader, *id);
}

Result<std::string> ProfileQuery::ProfileIdOfNode(store::Reader& reader, std::string_view node) const {
  // A quarantined value links nothing, so it is no key either (SPEC §6):
  // answering with the value's own leftover profile would look like a person.
  auto guard_value = reader.Get(Cf::kGuards, node);
  if (!guard_value.ok()) return guard_value.status();
  if (guard_value->has_value()) {
    identity::NodeGuard guard;
    if (identity::NodeGuard::Decode(**guard_value, guard) && guard.quarantined && !guard.released)
      return Status::NotFound("quarantined",
                              "that value was seen with too many different people and is quarantined: it "
                              "identifies no profile until an admin releases it (DELETE /v1/quarantine/{ref})");
  }
  return ProfileIdOfLinkedNode(reader, node);
}

nlohmann::json ProfileQuery::RenderIdentities(const identity::Cluster& c, const profile::Stats& stats) const {
  struct Row {
    int priority;
    std::string sort_value;
    nlohmann::json json;
  };
  std::vector<Row> rows;
  for (const auto& node : c.nodes) {
    auto it = stats.identities.find(node);
    if (it == stats.identities.end()) continue;  // not seen on any record (cannot happen after a fold)
    const profile::Seen& s = it->second;
    if (s.type == identity::kAttrsType) continue;  // match attributes are not identifiers
    rows.push_back({policy_.RuleFor(s.type).priority, s.type + '\0' + s.value,
                    {{"type", s.type},
                     {"value", s.value},
                     {"first_seen", FormatIso8601(s.first)},
                     {"last_seen", FormatIso8601(s.last)},
                     {"sources", profile::ChannelList(s.sources)}}});
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return std::tie(a.priority, a.sort_value) < std::tie(b.priority, b.sort_value);
  });
  auto out = nlohmann::json::array();
  for (auto& r : rows) out.push_back(std::move(r.json));
  return out;
}

nlohmann::json ProfileQuery::RenderProfile(const identity::Cluster& c, const profile::Stats& stats) const {
  return nlohmann::json{{"profile_id", c.id},
                        {"identities", RenderIdentities(c, stats)},
                        {"traits", profile::RenderTraits(stats)},
                        {"computed", profile::RenderComputed(stats, config_.base_currency)},
                        {"consent", profile::RenderConsent(stats)},
                        {"segments", nlohmann::json::array()},
                        {"merged_ids", c.merged_ids}};
}

Result<nlohmann::json> ProfileQuery::Profile(std::string_view ref) {
  store::ReadView view(store_);
  auto cluster = Find(view, ref);
  if (!cluster.ok()) return cluster.status();
  auto stats = profile::LoadStats(view, Cf::kProfiles, cluster->id);
  if (!stats.ok()) return stats.status();
  return RenderProfile(*cluster, *stats);
}

Result<std::string> ProfileQuery::ProfileBody(std::string_view ref) {
  auto split = Split(ref);
  if (!split.ok()) return split.status();
  const store::ChangeClock& clock = store_.changes();
  if (split->type == "profile_id") {
    // Kept under the id as given: a retired id's answer depends on the
    // redirect it was read through, which the keys read record too.
    return Rendering("p" + std::string(split->value),
                     [&](store::Reader& reader) { return FindById(reader, split->value); });
  }
  auto node = NodeKeyForRef(split->type, split->value);
  if (!node.ok()) return node.status();
  // Which profile the identifier names is kept apart from the profile's
  // rendering: every event rewrites the profile, rarely the identifier's
  // link to it, and all identifiers of a profile share its rendering.
  std::string id;
  if (auto hit = resolved_.Find(*node); hit && hit->Exact(clock)) {
    id = hit->profile_id;
  } else {
    Resolved now;
    now.as_of = clock.Now();  // before the snapshot is taken (change_clock.h)
    store::ReadView view(store_);
    RecordingReader reader(view, now.read);
    auto found = ProfileIdOfNode(reader, *node);
    if (!found.ok()) return found.status();
    id = now.profile_id = std::move(*found);
    Keep(resolved_, *node, std::move(now), reader);
  }
  auto body = Rendering("p" + id, [&](store::Reader& reader) { return LoadCluster(reader, id); });
  // The profile went (merged away) between the two reads: resolve afresh.
  if (!body.ok() && body.status().code() == Code::kNotFound)
    return Rendering("p" + id, [&](store::Reader& reader) { return FindByNode(reader, *node); }, false);
  return body;
}

Result<std::string> ProfileQuery::Rendering(
    const std::string& key, const std::function<Result<identity::Cluster>(store::Reader&)>& find, bool keep) {
  const store::ChangeClock& clock = store_.changes();
  if (keep)
    if (auto hit = rendered_.Find(key); hit && hit->Exact(clock)) return *hit->body;
  Rendered now;
  now.as_of = clock.Now();  // before the snapshot is taken (change_clock.h)
  store::ReadView view(store_);
  RecordingReader reader(view, now.read);
  auto cluster = find(reader);
  if (!cluster.ok()) return cluster.status();
  auto stats = profile::LoadStats(reader, Cf::kProfiles, cluster->id);
  if (!stats.ok()) return stats.status();
  now.body = std::make_shared<const std::string>(
      RenderProfile(*cluster, *stats).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  std::string body = *now.body;
  if (keep) Keep(rendered_, key, std::move(now), reader);
  return body;
}

Result<nlohmann::json> ProfileQuery::Identities(std::string_view ref) {
  store::ReadView view(store_);
  auto cluster = Find(view, ref);
  if (!cluster.ok()) return cluster.status();
  auto stats = profile::LoadStats(view, Cf::kProfiles, cluster->id);
  if (!stats.ok()) return stats.status();
  return nlohmann::json{{"profile_id", cluster->id}, {"identities", RenderIdentities(*cluster, *stats)}};
}

Result<nlohmann::json> ProfileQuery::Traits(std::string_view ref) {
  store::ReadView view(store_);
  auto cluster = Find(view, ref);
  if (!cluster.ok()) return cluster.status();
  auto stats = profile::LoadStats(view, Cf::kProfiles, cluster->id);
  if (!stats.ok()) return stats.status();
  return nlohmann::json{{"profile_id", cluster->id}, {"traits", profile::RenderTraits(*stats)}};
}

Result<nlohmann::json> ProfileQuery::Events(std::string_view ref, const EventsQuery& q) {
  if (q.limit < 1 || q.limit > 1000) return Status::Invalid("invalid_limit", "limit must be between 1 and 1000");
  std::string after;  // position suffix: inverted time | record hash
  if (!q.cursor.empty()) {
    auto raw = Unhex(q.cursor);
    if (!raw || raw->size() != 16) return Status::Invalid("invalid_cursor", "cursor is not one this server issued");
    after = *raw;
  }
  store::ReadView view(store_);
  auto cluster = Find(view, ref);
  if (!cluster.ok()) return cluster.status();

  // Each sig's events are in time order already; take up to `limit` from
  // each past the cursor, then merge: the page is the `limit` newest overall.
  std::vector<std::pair<std::string, nlohmann::json>> page;  // (suffix, event)
  for (const auto& sig : cluster->sigs) {
    std::string start = sig + after;
    std::size_t taken = 0;
    Status bad;
    auto s = view.ScanFrom(Cf::kEvents, sig, start, [&](std::string_view key, std::string_view value) {
      std::string suffix(key.substr(sig.size()));
      if (!after.empty() && suffix <= after) return true;
      auto e = nlohmann::json::parse(value, nullptr, false);
      if (e.is_discarded()) {
        bad = Status::Internal("corrupt event value");
        return false;
      }
      if (!q.channel.empty() && e.value("channel", "") != q.channel) return true;
      if (!q.type.empty() && e.value("type", "") != q.type) return true;
      page.emplace_back(std::move(suffix), profile::PublicEvent(std::move(e)));
      return ++taken < q.limit + 1;
    });
    if (!s.ok()) return s;
    if (!bad.ok()) return bad;
  }
  std::sort(page.begin(), page.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  const bool more = page.size() > q.limit;
  if (more) page.resize(q.limit);
  auto events = nlohmann::json::array();
  for (auto& [suffix, e] : page) events.push_back(std::move(e));
  nlohmann::json out = {{"profile_id", cluster->id}, {"events", std::move(events)}};
  out["next_cursor"] = more ? nlohmann::json(Hex(page.back().first)) : nlohmann::json(nullptr);
  return out;
}

}  // namespace seam::query
