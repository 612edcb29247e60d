// What a profile knows: its identifiers as seen, traits with survivorship,
// consent, and the inputs of computed traits. One Stats is kept per sig and
// one per profile; the profile's is the fold (Merge) of its sigs', and Merge
// is commutative and associative, so a profile's view does not depend on the
// order its records arrived in or on how its sigs were grouped before.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "seam/record.h"
#include "seam/status.h"

namespace seam::profile {

// One identifier value as its records saw it.
struct Seen {
  std::string type;
  std::string value;  // normalised
  Micros first = std::numeric_limits<Micros>::max();
  Micros last = std::numeric_limits<Micros>::min();
  uint32_t sources = 0;  // bit per Channel
};

struct TraitValue {
  std::string json;        // the value as JSON text
  Micros at = 0;           // the record's own time: survivorship is "most recent"
  std::string record_key;  // tie-break, so equal times still pick one winner
  uint8_t channel = 0;
};

struct Order {
  double amount = 0;  // as sent; returns and refunds subtract its absolute value
  std::string currency;
  Micros at = 0;
  std::string record_key;
  uint8_t channel = 0;
  std::vector<std::string> categories;
  std::string store_id;  // POS receipts
};

// Store purchases, aggregated: a POS receipt is a record of its own (a
// re-imported receipt replaces its record, and a profile that loses one is
// rebuilt from its timeline), so nothing here needs the receipts one by one,
// and a loyal customer's profile does not grow with every visit.
struct StoreSales {
  uint64_t sales = 0;
  uint64_t returns = 0;
  std::map<std::string, double> net;  // currency -> sales minus returns
  Micros last_sale = std::numeric_limits<Micros>::min();
  std::pair<Micros, std::string> last_visit{std::numeric_limits<Micros>::min(), ""};  // (time, store)
  std::map<std::string, uint64_t> categories;  // line items per category (sales)

  void Merge(const StoreSales& other);
};

struct ConsentValue {
  bool granted = false;
  Micros at = 0;
  std::string record_key;
  uint8_t channel = 0;
};

// Which value of a trait survives when sources disagree (SPEC §6): by
// default the most recent; for a trait with a source order ("crm > pos >
// web"), the value from the highest-ranked source, then the most recent.
struct Survivorship {
  // trait -> rank of each channel (lower wins); channels not listed rank last.
  std::map<std::string, std::array<int, kChannelCount>, std::less<>> ranks;
  // {"name": ["crm", "pos", "web"]}; kInvalid for an unknown channel name.
  static Result<Survivorship> FromConfig(const std::map<std::string, std::vector<std::string>>& rules);
  int Rank(std::string_view trait, uint8_t channel) const;
};

struct Stats {
  Micros first_seen = std::numeric_limits<Micros>::max();
  Micros last_seen = std::numeric_limits<Micros>::min();
  uint32_t channels = 0;
  uint64_t events = 0;
  std::map<std::string, Seen> identities;  // node key -> how it was seen
  std::map<std::string, TraitValue> traits;
  std::map<std::string, Order> orders;   // online, by order id: counted once
  std::map<std::string, Order> refunds;  // online, by order id (else message id)
  StoreSales store;                      // POS receipts
  std::map<std::string, ConsentValue> consent;

  // REQUIRES: record.derived.node_keys filled (ingest::Writer::Derive).
  void Apply(const Record& record, const Survivorship* rules = nullptr);
  void Merge(const Stats& other, const Survivorship* rules = nullptr);

  std::string Encode() const;
  static bool Decode(std::string_view in, Stats& out);
};

// The `computed` object of SPEC §6.
nlohmann::json RenderComputed(const Stats& stats, const std::string& base_currency);
nlohmann::json RenderTraits(const Stats& stats);
nlohmann::json RenderConsent(const Stats& stats);
// Channel bitmask -> ["web","app",...] in a fixed order.
nlohmann::json ChannelList(uint32_t mask);

}  // namespace seam::profile
