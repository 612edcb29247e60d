// The identity graph's values: nodes are distinct identifier values, a
// signature ("sig") is the set of nodes that appeared together on at least one
// record (so a thousand page views with one anonymousId are one sig), and a
// cluster is one person: the profile.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "seam/crypto.h"
#include "seam/time.h"

namespace seam::identity {

// "<type>\0<16 bytes of HMAC(lookup key, type \0 value)>": the value itself is
// never in a key, so the index works on keyed hashes (SPEC §7).
std::string MakeNodeKey(const Key256& lookup_key, std::string_view type, std::string_view value);
std::string_view NodeKeyType(std::string_view node_key);

// 16 bytes of SHA-256 over the sorted node keys and the alias flag.
std::string MakeSigId(const std::vector<std::string>& sorted_nodes, bool alias);

// The id a record would give the profile it founds: "p_" + 20 hex digits.
std::string ProfileIdForRecord(std::string_view record_key);
// The id of a cluster that holds no record of its own (only nodes refused
// from their records' links).
std::string ProfileIdForNode(std::string_view node_key);

struct SigInfo {
  std::vector<std::string> nodes;  // sorted node keys
  bool alias = false;
  // The earliest immutable (online) record carrying exactly these nodes, by
  // (time as sent, key); `earliest_record` is empty when there is none.
  Micros earliest_at = 0;
  std::string earliest_record;  // empty: no online record carries these nodes
  // Replaceable records (POS receipts, CRM rows) carrying these nodes: how
  // many, and the earliest by (time as sent, key). Each is also listed in
  // the sig_records family, so that when one goes the next earliest is found
  // there (a list here would grow with every receipt of a loyal customer).
  uint64_t keyed_count = 0;
  std::pair<Micros, std::string> keyed_earliest;  // key empty: none

  bool empty() const { return earliest_record.empty() && keyed_count == 0; }
  // The earliest record of any kind: what profile ids derive from.
  std::pair<Micros, std::string> Earliest() const;

  std::string Encode() const;
  static bool Decode(std::string_view in, SigInfo& out);
};

// The sig_records key of a replaceable record: sig id | time (big-endian,
// sign flipped, so it sorts) | record key.
std::string SigRecordKey(std::string_view sig_id, Micros at, std::string_view record_key);
std::pair<Micros, std::string> ParseSigRecordKey(std::string_view key);  // without the sig id

// A replaceable record's place in the graph, under its record key.
struct RecordEntry {
  std::string sig;           // the sig it was counted in
  std::string content_hash;  // unchanged content on re-import is a no-op
  std::string event_key;     // its timeline entry
  Micros occurred_at = 0;

  std::string Encode() const;
  static bool Decode(std::string_view in, RecordEntry& out);
};

// A scored pair of attribute nodes, stored under each end (kMatches).
struct MatchEdge {
  std::string other;                 // the other attribute node
  double total = 0, probability = 0;  // under the model that scored it
  std::vector<std::string> support;  // hashed blocking keys both ends share
  std::vector<std::string> fields;   // "field=level:weight" per compared field, for explain
};
struct MatchEdges {
  std::vector<MatchEdge> edges;  // sorted by other
  std::string Encode() const;
  static bool Decode(std::string_view in, MatchEdges& out);
};

// A blocking key's size, and its members while it is small enough to draw
// candidates from (kBlockCounts). Past the cap only the count is kept (the
// members stay listed one by one in kBlocks, read only when it shrinks back).
struct BlockInfo {
  uint64_t count = 0;
  std::vector<std::string> members;  // sorted attribute node keys; empty past the cap
  std::string Encode() const;
  static bool Decode(std::string_view in, BlockInfo& out);
};

// The sigs a node appears in (kNodeSigs): the adjacency of the graph, one
// value per node, kept decoded by the writer so a component walk reads no
// iterator.
struct SigList {
  std::vector<std::string> sigs;  // sorted 16-byte sig ids
  std::string Encode() const;
  static bool Decode(std::string_view in, SigList& out);
};

// A record's match attributes, under its attribute node (kAttrs, sealed),
// with what loading it as a match candidate needs: its prepared form and the
// hashed blocking keys it is indexed under (the keys a later removal must
// take it out of, whatever this build's blocking families are).
struct AttrsEntry {
  std::string encoded;              // identity/person.h EncodePerson
  std::string prepared;             // prepared_codec.h EncodePrepared, or empty
  std::string fingerprint;          // PrepareFingerprint() of the build that prepared it
  std::vector<std::string> blocks;  // sorted hashed blocking keys; empty when not stored
  // Values written before the prepared form was stored are the bare
  // EncodePerson bytes: they decode with `encoded` alone.
  std::string Encode() const;
  static bool Decode(std::string_view in, AttrsEntry& out);
};

// An admin's decision about two nodes (kDecisions, under each end): evidence
// that later data does not undo.
struct Decision {
  std::string other;
  bool merge = false;  // false: keep apart
  Micros at = 0;
  std::string note;
};
struct NodeDecisions {
  std::vector<Decision> decisions;  // sorted by other
  std::string Encode() const;
  static bool Decode(std::string_view in, NodeDecisions& out);
};

// Fan-out of a node: the person keys it was seen with, up to the quarantine
// threshold; past it the node is quarantined (it links nothing) unless an
// admin released it.
struct NodeGuard {
  std::vector<std::string> seen_with;  // sorted person-key node keys (capped)
  bool quarantined = false;
  bool released = false;
  std::string Encode() const;
  static bool Decode(std::string_view in, NodeGuard& out);
};

// The identifier index's value: the profile a node belongs to.
struct ProfileRef {
  std::string id;
  std::string Encode() const { return id; }
  static bool Decode(std::string_view in, ProfileRef& out) {
    out.id = std::string(in);
    return true;
  }
};

struct Cluster {
  std::string id;
  std::vector<std::string> nodes;  // sorted node keys
  std::vector<std::string> sigs;   // sorted ids of sigs anchored here
  // "s"+sig id or "n"+node key: what the id was derived from.
  std::string origin;
  std::vector<std::string> merged_ids;  // retired ids that now resolve here

  std::string Encode() const;
  static bool Decode(std::string_view in, Cluster& out);
};

}  // namespace seam::identity
