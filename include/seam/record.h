// The canonical Record: every input (a Segment message, later a POS or CRM
// row) becomes one before anything else happens. Everything after parsing —
// resolution, profiles, storage — works on Records only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "seam/time.h"

namespace seam {

// Where a record came from; also the channel of an event (SPEC §3).
enum class Channel : uint8_t { kWeb = 0, kApp = 1, kServer = 2, kPos = 3, kCrm = 4 };
inline constexpr int kChannelCount = 5;
const char* ChannelName(Channel c);

enum class RecordKind : uint8_t { kEvent = 0, kTransaction = 1, kCustomer = 2 };

// A normalised identifier value, ready to be a graph node.
struct Identifier {
  std::string type;   // "email", "user_id", ...
  std::string value;  // normalised ("+821012345678", "jane@x.com")
  bool operator==(const Identifier&) const = default;
};

struct Record {
  // Unique per record and stable across retries: "seg:<key id>:<messageId>".
  std::string record_key;
  // Idempotency key (SPEC §3: per write key): "<key id>\0<messageId>".
  std::string dedup_key;
  Channel channel = Channel::kServer;
  RecordKind kind = RecordKind::kEvent;
  // The client's own time (timestamp, else originalTimestamp). The resolver
  // orders by this alone: never by when the server received the record.
  Micros occurred_at = 0;
  // occurred_at corrected for client clock skew (SPEC §3): display only.
  Micros display_at = 0;
  // Linkable identifiers, normalised, blocklist already applied.
  std::vector<Identifier> identifiers;
  // An alias record: its identifiers are one person by the client's explicit
  // statement (exempt from per-type limits).
  bool alias = false;
  // Person traits this record states (identify traits, values that failed to
  // normalise included).
  nlohmann::json traits = nlohmann::json::object();
  // The event as the timeline shows it: type, event, properties, messageId.
  std::string type;        // identify | track | page | screen | group | alias
  std::string event;       // track event name, page/screen name
  std::string message_id;
  nlohmann::json properties = nlohmann::json::object();
  // Consent decisions carried by the record: purpose -> true/false.
  nlohmann::json consent = nlohmann::json::object();

  // A replaceable record (a POS receipt, a CRM row): a later record with the
  // same record_key replaces it as a whole, and an identical one is a no-op.
  // Online messages are immutable and deduplicated by dedup_key instead.
  bool replaceable = false;
  // For replaceable records: a hash of everything above that the record
  // states, so unchanged content on re-import is recognised.
  std::string content_hash;
  // Parts of one replaceable record may arrive apart within one import (a
  // POS receipt whose rows are far apart in the file): a part whose stored
  // version carries the same merge_group is merged with it, not replacing it.
  std::string merge_group;
  // The record's match attributes (a person's name, birth date, address...:
  // identity/person.h EncodePerson), normalised by ingest; empty when it
  // states none. They never link on their own; they are scored.
  std::string match_attributes;
  // Kept with the stored record but never shown: what ingest needs to merge
  // a later part (e.g. whether a receipt's total was stated or summed).
  nlohmann::json internal = nlohmann::json::object();

  // Derived on the ingest threads before the record is queued (see
  // ingest::PrepareRecord), so that the single writer does no hashing or
  // sealing: the keyed hashes of the identifiers (sorted, unique), the sig
  // id, and the timeline entry's key and sealed value.
  struct Derived {
    std::vector<std::string> node_keys;
    std::vector<std::size_t> node_ids;  // parallel to node_keys: index into identifiers
    std::string sig_id;
    std::string event_key;
    std::string sealed_event;
  } derived;
};

}  // namespace seam
