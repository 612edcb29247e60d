// POS and customer rows -> canonical Records (SPEC §4). A customer row is one
// record under its customer_id; a POS receipt is one record under store_id +
// transaction_id, assembled from its rows (its line items), which need not
// be adjacent in the file. Both are replaceable: a later version of the same
// key replaces the record as a whole, an identical one is a no-op.
#pragma once

#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "ingest/import_schema.h"
#include "ingest/segment.h"
#include "seam/config.h"
#include "seam/normalize.h"
#include "seam/record.h"

namespace seam::ingest {

struct RowError {
  uint64_t line = 0;
  std::string column;  // empty when the whole row is at fault
  std::string reason;  // never echoes a value (it may be personal data or a card number)
};

struct ImportContext {
  const Config& config;
  const Normalizer& normalizer;
  const Blocklist& blocklist;
  std::string import_id;
  Micros received_at = 0;  // a customer row without updated_at takes this time
};

// A record built from one or more rows.
struct BuiltRecord {
  Record record;
  uint64_t first_line = 0;
  uint32_t rows = 0;
  // No identifier at all: not attributable to a customer, so not stored
  // (counted as anonymous in the report).
  bool anonymous() const { return record.identifiers.empty(); }
};

// One customer row -> one record, or why not.
std::variant<BuiltRecord, RowError> CustomerRecord(const ImportRow& row, const ImportContext& ctx);

// Collects POS rows into receipts. A receipt stays open while its rows may
// still come; it is handed out when it has been idle for `max_open`
// receipts' worth of others (or at Finish). A row arriving for a receipt
// already handed out becomes a second part, merged with the first by the
// writer (MergeReceiptParts), so memory stays bounded by `max_open` whatever
// the file's order.
class ReceiptAssembler {
 public:
  ReceiptAssembler(const ImportContext& ctx, std::size_t max_open);

  // Adds one row; receipts that leave the open set go to `out`.
  std::optional<RowError> Add(const ImportRow& row, std::vector<BuiltRecord>& out);
  // Hands out every open receipt.
  void Finish(std::vector<BuiltRecord>& out);
  std::size_t open() const { return open_.size(); }

 private:
  struct Open {
    BuiltRecord built;
    std::string key;
    nlohmann::json items = nlohmann::json::array();
    std::optional<double> total;
    std::list<std::string>::iterator lru;
  };
  void Close(Open& receipt, std::vector<BuiltRecord>& out);

  const ImportContext& ctx_;
  std::size_t max_open_;
  std::unordered_map<std::string, Open> open_;
  std::list<std::string> lru_;  // least recently touched first
};

// The writer's hook for a receipt that came in parts within one import: the
// stored part (its timeline entry) and the incoming part become one receipt.
// False when `stored_event` is not a part of the same import.
bool MergeReceiptParts(const nlohmann::json& stored_event, Record& incoming);

}  // namespace seam::ingest
