// Segment Tracking API messages -> canonical Records (SPEC §3). Parsing and
// normalisation run on the HTTP threads; nothing here touches the store.
#pragma once

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "seam/config.h"
#include "seam/normalize.h"
#include "seam/record.h"
#include "seam/status.h"

namespace seam::ingest {

struct Rejection {
  int index = 0;
  std::string code;
  std::string error;
};

// The idempotency key of an online message (SPEC §3: per write key): a
// 128-bit digest of the key id and the messageId. Fixed-size and random, so
// the dedup index's memtable and sort compare a few bytes per key, where
// SDK messageIds ("node-next-<ms>-<uuid>") share their first 25 or so.
std::string DedupKey(std::string_view key_id, std::string_view message_id);

struct ParsedBatch {
  std::vector<Record> records;
  std::vector<int> indexes;  // batch index of each record
  std::vector<Rejection> rejected;
  std::string write_key;     // "writeKey" from the body, if any
  std::size_t messages = 0;  // messages seen (accepted + rejected)
};

// Values that never link (SPEC §5), compared after normalisation.
class Blocklist {
 public:
  Blocklist(const std::vector<std::string>& values, const Normalizer& normalizer,
            const std::map<std::string, IdentifierType>& types);
  bool Blocks(const std::string& type, const std::string& normalised) const;

 private:
  std::set<std::pair<std::string, std::string>> typed_;
  std::set<std::string> any_;  // lower-cased raw entries, for every type
};

class SegmentParser {
 public:
  SegmentParser(const Config& config, const Normalizer& normalizer, const Blocklist& blocklist);

  // `endpoint` is "batch" for /v1/batch and /v1/import, else the message type
  // of a single-message endpoint ("identify", "track", ...). For a single
  // message every problem is a request error (400/413); in a batch each bad
  // message is rejected alone and the rest kept. `key_id` scopes messageId
  // idempotency to the write key.
  Result<ParsedBatch> Parse(std::string_view body, std::string_view endpoint,
                            std::string_view key_id, Micros received_at) const;

 private:
  const Config& config_;
  const Normalizer& normalizer_;
  const Blocklist& blocklist_;
};

}  // namespace seam::ingest
