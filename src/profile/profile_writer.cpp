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
                      {"messageId", r.message_id},
                      {"properties", r.properties}};
  if (!r.event.empty()) e["event"] = r.event;
  if (r.type == "identify" || r.type == "group") e["traits"] = r.traits;
  return e;
}

Result<Stats> LoadStats(store::Reader& reader, Cf cf, std::string_view key) {
  auto v = reader.Get(cf, key);
  if (!v.ok()) return v.status();
  Stats stats;
  if (v->has_value() && !Stats::Decode(**v, stats)) return Status::Internal("corrupt stats value");
  return stats;
}

Result<Stats> FoldCluster(store::Reader& reader, const identity::Cluster& cluster) {
  Stats folded;
  for (const auto& sig : cluster.sigs) {
    auto s = LoadStats(reader, Cf::kSigStats, sig);
    if (!s.ok()) return s.status();
    folded.Merge(*s);
  }
  return folded;
}

Status ProfileWriter::Apply(const Record& record, const identity::ResolveResult& resolved,
                            store::WriteTxn& txn) {
  auto sig_stats = LoadStats(txn, Cf::kSigStats, resolved.sig_id);
  if (!sig_stats.ok()) return sig_stats.status();
  sig_stats->Apply(record);
  txn.Put(Cf::kSigStats, resolved.sig_id, sig_stats->Encode());

  if (resolved.reclustered) {
    // Re-fold every profile of the component: membership may have moved.
    for (const auto& cluster : resolved.clusters) {
      auto folded = FoldCluster(txn, cluster);
      if (!folded.ok()) return folded.status();
      txn.Put(Cf::kProfiles, cluster.id, folded->Encode());
    }
    for (const auto& id : resolved.retired) txn.Delete(Cf::kProfiles, id);
  } else {
    auto stats = LoadStats(txn, Cf::kProfiles, resolved.profile_id);
    if (!stats.ok()) return stats.status();
    stats->Apply(record);
    txn.Put(Cf::kProfiles, resolved.profile_id, stats->Encode());
  }

  txn.Put(Cf::kEvents, EventKey(resolved.sig_id, record.display_at, record.record_key),
          EventJson(record).dump());
  return Status::Ok();
}

}  // namespace seam::profile
