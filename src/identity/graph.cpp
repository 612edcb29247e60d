#include "identity/graph.h"

#include <nlohmann/json.hpp>

namespace seam::identity {
namespace {

// Values are stored as MessagePack: compact, schema-tolerant (fields can be
// added later), and parsed by a library rather than by hand.
template <typename F>
bool DecodeWith(std::string_view in, F&& fill) {
  auto j = nlohmann::json::from_msgpack(in.begin(), in.end(), true, false);
  if (j.is_discarded() || !j.is_object()) return false;
  try {
    fill(j);
    return true;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

std::string ToBin(const std::string& s) { return s; }

nlohmann::json Binary(const std::string& s) {
  return nlohmann::json::binary(std::vector<uint8_t>(s.begin(), s.end()));
}
std::string FromBinary(const nlohmann::json& j) {
  const auto& b = j.get_binary();
  return std::string(b.begin(), b.end());
}
nlohmann::json BinaryList(const std::vector<std::string>& v) {
  auto arr = nlohmann::json::array();
  for (const auto& s : v) arr.push_back(Binary(s));
  return arr;
}
std::vector<std::string> FromBinaryList(const nlohmann::json& j) {
  std::vector<std::string> out;
  out.reserve(j.size());
  for (const auto& e : j) out.push_back(FromBinary(e));
  return out;
}

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

std::string NodeInfo::Encode() const {
  nlohmann::json j = {{"t", type},       {"v", value},     {"f", first_seen},
                      {"l", last_seen},  {"s", sources},   {"n", records}};
  auto bytes = nlohmann::json::to_msgpack(j);
  return {bytes.begin(), bytes.end()};
}

bool NodeInfo::Decode(std::string_view in, NodeInfo& out) {
  return DecodeWith(in, [&](const nlohmann::json& j) {
    out.type = j.at("t").get<std::string>();
    out.value = j.at("v").get<std::string>();
    out.first_seen = j.at("f").get<Micros>();
    out.last_seen = j.at("l").get<Micros>();
    out.sources = j.at("s").get<uint32_t>();
    out.records = j.at("n").get<uint64_t>();
  });
}

std::string SigInfo::Encode() const {
  nlohmann::json j = {{"n", BinaryList(nodes)},
                      {"a", alias},
                      {"t", earliest_at},
                      {"r", ToBin(earliest_record)},
                      {"c", records}};
  auto bytes = nlohmann::json::to_msgpack(j);
  return {bytes.begin(), bytes.end()};
}

bool SigInfo::Decode(std::string_view in, SigInfo& out) {
  return DecodeWith(in, [&](const nlohmann::json& j) {
    out.nodes = FromBinaryList(j.at("n"));
    out.alias = j.at("a").get<bool>();
    out.earliest_at = j.at("t").get<Micros>();
    out.earliest_record = j.at("r").get<std::string>();
    out.records = j.at("c").get<uint64_t>();
  });
}

std::string Cluster::Encode() const {
  nlohmann::json j = {{"i", id},
                      {"n", BinaryList(nodes)},
                      {"s", BinaryList(sigs)},
                      {"o", Binary(origin)},
                      {"m", merged_ids}};
  auto bytes = nlohmann::json::to_msgpack(j);
  return {bytes.begin(), bytes.end()};
}

bool Cluster::Decode(std::string_view in, Cluster& out) {
  return DecodeWith(in, [&](const nlohmann::json& j) {
    out.id = j.at("i").get<std::string>();
    out.nodes = FromBinaryList(j.at("n"));
    out.sigs = FromBinaryList(j.at("s"));
    out.origin = FromBinary(j.at("o"));
    out.merged_ids = j.at("m").get<std::vector<std::string>>();
  });
}

}  // namespace seam::identity
