#include "identity/graph.h"

#include "store/codec.h"

namespace seam::identity {
namespace {

constexpr uint8_t kSigFormat = 2;
constexpr uint8_t kClusterFormat = 1;

constexpr uint8_t kRecordFormat = 1;
constexpr uint8_t kEdgesFormat = 1;
constexpr uint8_t kDecisionsFormat = 1;
constexpr uint8_t kGuardFormat = 1;

constexpr uint8_t kAttrsFormat = 1;  // never the first byte of EncodePerson (a MessagePack array)

}  // namespace

std::string MakeNodeKey(const Key256& lookup_key, std::string_view type, std::string_view value) {
  std::string material;
  material.reserve(type.size() + 1 + value.size());
  material.append(type).push_back('\0');
  material.append(value);
  std::string key(type);
  key.push_back('\0');
  key.append(HmacSha256(lookup_key, material).substr(0, 16));
  return key;
}

std::string_view NodeKeyType(std::string_view node_key) {
  return node_key.substr(0, node_key.find('\0'));
}

std::string MakeSigId(const std::vector<std::string>& sorted_nodes, bool alias) {
  std::string material(alias ? "A" : "R");
  for (const auto& n : sorted_nodes) {
    material.append(std::to_string(n.size())).push_back(':');
    material.append(n);
  }
  return Sha256(material).substr(0, 16);
}

std::string ProfileIdForRecord(std::string_view record_key) {
  return "p_" + Hex(Sha256(std::string("rec\0", 4) + std::string(record_key)).substr(0, 10));
}

std::string ProfileIdForNode(std::string_view node_key) {
  return "p_" + Hex(Sha256(std::string("node\0", 5) + std::string(node_key)).substr(0, 10));
}

std::pair<Micros, std::string> SigInfo::Earliest() const {
  std::pair<Micros, std::string> best{earliest_at, earliest_record};
  if (keyed_count > 0 && (earliest_record.empty() || keyed_earliest < best)) best = keyed_earliest;
  return best;
}

std::string SigRecordKey(std::string_view sig_id, Micros at, std::string_view record_key) {
  std::string key(sig_id);
  const uint64_t ordered = static_cast<uint64_t>(at) ^ (uint64_t{1} << 63);
  for (int shift = 56; shift >= 0; shift -= 8) key.push_back(static_cast<char>((ordered >> shift) & 0xff));
  key.append(record_key);
  return key;
}

std::pair<Micros, std::string> ParseSigRecordKey(std::string_view key) {
  uint64_t ordered = 0;
  for (std::size_t i = 0; i < 8 && i < key.size(); ++i) ordered = (ordered << 8) | static_cast<uint8_t>(key[i]);
  return {static_cast<Micros>(ordered ^ (uint64_t{1} << 63)), std::string(key.size() > 8 ? key.substr(8) : "")};
}

std::string SigInfo::Encode() const {
  store::Encoder e;
  e.Byte(kSigFormat);
  e.U64(nodes.size());
  for (const auto& n : nodes) e.Bytes(n);
  e.Byte(alias ? 1 : 0);
  e.I64(earliest_at);
  e.Bytes(earliest_record);
  e.U64(keyed_count);
  e.I64(keyed_earliest.first);
  e.Bytes(keyed_earliest.second);
  return e.Take();
}

bool SigInfo::Decode(std::string_view in, SigInfo& out) {
  store::Decoder d(in);
  uint8_t format = 0, alias = 0;
  uint64_t n = 0;
  if (!d.Byte(format) || format != kSigFormat || !d.Count(n)) return false;
  out = SigInfo{};
  out.nodes.resize(n);
  for (auto& node : out.nodes) d.Bytes(node);
  d.Byte(alias);
  out.alias = alias != 0;
  d.I64(out.earliest_at);
  d.Bytes(out.earliest_record);
  d.U64(out.keyed_count);
  d.I64(out.keyed_earliest.first);
  d.Bytes(out.keyed_earliest.second);
  return d.done();
}

std::string RecordEntry::Encode() const {
  store::Encoder e;
  e.Byte(kRecordFormat);
  e.Bytes(sig);
  e.Bytes(content_hash);
  e.Bytes(event_key);
  e.I64(occurred_at);
  return e.Take();
}

bool RecordEntry::Decode(std::string_view in, RecordEntry& out) {
  store::Decoder d(in);
  uint8_t format = 0;
  if (!d.Byte(format) || format != kRecordFormat) return false;
  d.Bytes(out.sig);
  d.Bytes(out.content_hash);
  d.Bytes(out.event_key);
  d.I64(out.occurred_at);
  return d.done();
}

std::string Cluster::Encode() const {
  store::Encoder e;
  e.Byte(kClusterFormat);
  e.Bytes(id);
  e.U64(nodes.size());
  for (const auto& n : nodes) e.Bytes(n);
  e.U64(sigs.size());
  for (const auto& s : sigs) e.Bytes(s);
  e.Bytes(origin);
  e.U64(merged_ids.size());
  for (const auto& m : merged_ids) e.Bytes(m);
  return e.Take();
}

bool Cluster::Decode(std::string_view in, Cluster& out) {
  store::Decoder d(in);
  uint8_t format = 0;
  uint64_t n = 0;
  if (!d.Byte(format) || format != kClusterFormat) return false;
  out = Cluster{};
  d.Bytes(out.id);
  if (!d.Count(n)) return false;
  out.nodes.resize(n);
  for (auto& x : out.nodes) d.Bytes(x);
  if (!d.Count(n)) return false;
  out.sigs.resize(n);
  for (auto& x : out.sigs) d.Bytes(x);
  d.Bytes(out.origin);
  if (!d.Count(n)) return false;
  out.merged_ids.resize(n);
  for (auto& x : out.merged_ids) d.Bytes(x);
  return d.done();
}

std::string MatchEdges::Encode() const {
  store::Encoder e;
  e.Byte(kEdgesFormat);
  e.U64(edges.size());
  for (const auto& x : edges) {
    e.Bytes(x.other);
    e.Double(x.total);
    e.Double(x.probability);
    e.Strings(x.support);
    e.Strings(x.fields);
  }
  return e.Take();
}

bool MatchEdges::Decode(std::string_view in, MatchEdges& out) {
  store::Decoder d(in);
  uint8_t format = 0;
  uint64_t n = 0;
  if (!d.Byte(format) || format != kEdgesFormat || !d.Count(n)) return false;
  out.edges.resize(n);
  for (auto& x : out.edges) {
    d.Bytes(x.other);
    d.Double(x.total);
    d.Double(x.probability);
    if (!d.Strings(x.support) || !d.Strings(x.fields)) return false;
  }
  return d.done();
}

std::string BlockInfo::Encode() const {
  store::Encoder e;
  e.U64(count);
  e.Strings(members);
  return e.Take();
}

bool BlockInfo::Decode(std::string_view in, BlockInfo& out) {
  store::Decoder d(in);
  return d.U64(out.count) && d.Strings(out.members) && d.done();
}

std::string AttrsEntry::Encode() const {
  store::Encoder e;
  e.Byte(kAttrsFormat);
  e.Bytes(encoded);
  e.Bytes(prepared);
  e.Bytes(fingerprint);
  e.Strings(blocks);
  return e.Take();
}

bool AttrsEntry::Decode(std::string_view in, AttrsEntry& out) {
  if (in.empty() || static_cast<uint8_t>(in[0]) != kAttrsFormat) {
    out = AttrsEntry{std::string(in), {}, {}, {}};
    return true;
  }
  store::Decoder d(in.substr(1));
  return d.Bytes(out.encoded) && d.Bytes(out.prepared) && d.Bytes(out.fingerprint) && d.Strings(out.blocks) &&
         d.done();
}

std::string SigList::Encode() const {
  std::string out;
  out.reserve(sigs.size() * 16);
  for (const auto& s : sigs) out.append(s);
  return out;
}

bool SigList::Decode(std::string_view in, SigList& out) {
  if (in.size() % 16 != 0) return false;
  out.sigs.clear();
  for (std::size_t i = 0; i < in.size(); i += 16) out.sigs.emplace_back(in.substr(i, 16));
  return true;
}

std::string NodeDecisions::Encode() const {
  store::Encoder e;
  e.Byte(kDecisionsFormat);
  e.U64(decisions.size());
  for (const auto& x : decisions) {
    e.Bytes(x.other);
    e.Byte(x.merge ? 1 : 0);
    e.I64(x.at);
    e.Bytes(x.note);
  }
  return e.Take();
}

bool NodeDecisions::Decode(std::string_view in, NodeDecisions& out) {
  store::Decoder d(in);
  uint8_t format = 0;
  uint64_t n = 0;
  if (!d.Byte(format) || format != kDecisionsFormat || !d.Count(n)) return false;
  out.decisions.resize(n);
  for (auto& x : out.decisions) {
    uint8_t merge = 0;
    d.Bytes(x.other);
    d.Byte(merge);
    x.merge = merge != 0;
    d.I64(x.at);
    d.Bytes(x.note);
  }
  return d.done();
}

std::string NodeGuard::Encode() const {
  store::Encoder e;
  e.Byte(kGuardFormat);
  e.Strings(seen_with);
  e.Byte(static_cast<uint8_t>((quarantined ? 1 : 0) | (released ? 2 : 0)));
  return e.Take();
}

bool NodeGuard::Decode(std::string_view in, NodeGuard& out) {
  store::Decoder d(in);
  uint8_t format = 0, flags = 0;
  if (!d.Byte(format) || format != kGuardFormat || !d.Strings(out.seen_with) || !d.Byte(flags)) return false;
  out.quarantined = flags & 1;
  out.released = flags & 2;
  return d.done();
}

}  // namespace seam::identity
