#include "profile/stats.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <tuple>

#include "store/codec.h"

namespace seam::profile {
namespace {

// Segment e-commerce v2 names (SPEC §3).
constexpr std::string_view kOrderCompleted = "Order Completed";
constexpr std::string_view kOrderRefunded = "Order Refunded";
constexpr uint8_t kStatsFormat = 2;

template <typename T>
bool Newer(const T& a, const T& b) {
  return std::tie(a.at, a.record_key) > std::tie(b.at, b.record_key);
}
template <typename T>
bool Earlier(const T& a, const T& b) {
  return std::tie(a.at, a.record_key) < std::tie(b.at, b.record_key);
}

std::optional<double> Number(const nlohmann::json& props, const char* key) {
  auto it = props.find(key);
  if (it == props.end()) return std::nullopt;
  if (it->is_number()) return it->get<double>();
  if (it->is_string()) {
    const auto& text = it->get_ref<const std::string&>();
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (!text.empty() && end == text.c_str() + text.size() && std::isfinite(v)) return v;
  }
  return std::nullopt;
}

std::string StringOr(const nlohmann::json& props, const char* key, std::string fallback) {
  auto it = props.find(key);
  if (it == props.end()) return fallback;
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<int64_t>());
  return fallback;
}

void Categories(const nlohmann::json& props, const char* list, std::vector<std::string>& out) {
  auto it = props.find(list);
  if (it == props.end() || !it->is_array()) return;
  for (const auto& item : *it) {
    if (!item.is_object()) continue;
    auto c = item.find("category");
    if (c != item.end() && c->is_string() && !c->get_ref<const std::string&>().empty())
      out.push_back(c->get<std::string>());
  }
}

Order OrderFrom(const Record& r, const char* amount_key, const char* fallback_key) {
  Order o;
  const auto& p = r.properties;
  o.amount = Number(p, amount_key).value_or(Number(p, fallback_key).value_or(0));
  o.currency = StringOr(p, "currency", "");
  o.at = r.display_at;
  o.record_key = r.record_key;
  o.channel = static_cast<uint8_t>(r.channel);
  Categories(p, "products", o.categories);
  Categories(p, "items", o.categories);
  o.store_id = StringOr(p, "store_id", "");
  return o;
}

void MergeSeen(Seen& into, const Seen& from) {
  if (into.type.empty()) {
    into.type = from.type;
    into.value = from.value;
  }
  into.first = std::min(into.first, from.first);
  into.last = std::max(into.last, from.last);
  into.sources |= from.sources;
}

// Whether trait value `a` beats `b`: source rank first (when the trait has
// rules), then recency. A total order, so folds stay order-independent.
bool Wins(std::string_view trait, const TraitValue& a, const TraitValue& b, const Survivorship* rules) {
  if (rules != nullptr) {
    const int ra = rules->Rank(trait, a.channel), rb = rules->Rank(trait, b.channel);
    if (ra != rb) return ra < rb;
  }
  return Newer(a, b);
}

template <typename Map>
void MergeNewest(Map& into, const Map& from) {
  for (const auto& [k, v] : from) {
    auto it = into.find(k);
    if (it == into.end() || Newer(v, it->second)) into[k] = v;
  }
}
template <typename Map>
void MergeEarliest(Map& into, const Map& from) {
  for (const auto& [k, v] : from) {
    auto it = into.find(k);
    if (it == into.end() || Earlier(v, it->second)) into[k] = v;
  }
}

}  // namespace

Result<Survivorship> Survivorship::FromConfig(const std::map<std::string, std::vector<std::string>>& rules) {
  Survivorship out;
  for (const auto& [trait, order] : rules) {
    std::array<int, kChannelCount> rank;
    rank.fill(kChannelCount);
    for (std::size_t i = 0; i < order.size(); ++i) {
      bool known = false;
      for (int c = 0; c < kChannelCount; ++c) {
        if (order[i] == ChannelName(static_cast<Channel>(c))) {
          if (rank[c] == kChannelCount) rank[c] = static_cast<int>(i);
          known = true;
        }
      }
      if (!known)
        return Status::Invalid("bad_config", "profile.survivorship." + trait + ": unknown source \"" + order[i] +
                                                 "\" (web, app, server, pos, crm)");
    }
    out.ranks.emplace(trait, rank);
  }
  return out;
}

int Survivorship::Rank(std::string_view trait, uint8_t channel) const {
  auto it = ranks.find(trait);
  if (it == ranks.end() || channel >= kChannelCount) return 0;
  return it->second[channel];
}

namespace {

void EncodeOrder(store::Encoder& e, const std::string& id, const Order& o) {
  e.Bytes(id);
  e.Double(o.amount);
  e.Bytes(o.currency);
  e.I64(o.at);
  e.Bytes(o.record_key);
  e.Byte(o.channel);
  e.U64(o.categories.size());
  for (const auto& c : o.categories) e.Bytes(c);
  e.Bytes(o.store_id);
}

bool DecodeOrders(store::Decoder& d, std::map<std::string, Order>& out) {
  uint64_t n = 0;
  if (!d.Count(n)) return false;
  for (uint64_t i = 0; i < n; ++i) {
    std::string id;
    Order o;
    uint64_t cats = 0;
    d.Bytes(id);
    d.Double(o.amount);
    d.Bytes(o.currency);
    d.I64(o.at);
    d.Bytes(o.record_key);
    d.Byte(o.channel);
    if (!d.Count(cats)) return false;
    o.categories.resize(cats);
    for (auto& c : o.categories) d.Bytes(c);
    d.Bytes(o.store_id);
    if (!d.ok()) return false;
    out.emplace(std::move(id), std::move(o));
  }
  return d.ok();
}

}  // namespace

void Stats::Apply(const Record& r, const Survivorship* rules) {
  first_seen = std::min(first_seen, r.display_at);
  last_seen = std::max(last_seen, r.display_at);
  const uint32_t bit = 1u << static_cast<unsigned>(r.channel);
  channels |= bit;
  events += 1;
  for (std::size_t i = 0; i < r.derived.node_keys.size(); ++i) {
    Seen& s = identities[r.derived.node_keys[i]];
    if (s.type.empty()) {
      const Identifier& id = r.identifiers[r.derived.node_ids[i]];
      s.type = id.type;
      s.value = id.value;
    }
    s.first = std::min(s.first, r.display_at);
    s.last = std::max(s.last, r.display_at);
    s.sources |= bit;
  }
  const auto channel = static_cast<uint8_t>(r.channel);
  for (auto it = r.traits.begin(); it != r.traits.end(); ++it) {
    auto cur = traits.find(it.key());
    if (cur != traits.end() && !Wins(it.key(), TraitValue{{}, r.occurred_at, r.record_key, channel}, cur->second, rules))
      continue;
    traits[it.key()] = TraitValue{it.value().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                                  r.occurred_at, r.record_key, channel};
  }
  for (auto it = r.consent.begin(); it != r.consent.end(); ++it) {
    if (!it.value().is_boolean()) continue;
    ConsentValue v{it.value().get<bool>(), r.occurred_at, r.record_key, channel};
    auto cur = consent.find(it.key());
    if (cur == consent.end() || Newer(v, cur->second)) consent[it.key()] = std::move(v);
  }
  if (r.type == "track" && (r.event == kOrderCompleted || r.event == kOrderRefunded)) {
    const std::string id = StringOr(r.properties, "order_id", "msg:" + r.message_id);
    Order o = OrderFrom(r, "revenue", "total");
    auto& into = r.event == kOrderCompleted ? orders : refunds;
    auto cur = into.find(id);
    if (cur == into.end() || Earlier(o, cur->second)) into[id] = std::move(o);
  } else if (r.type == "transaction") {
    // A POS receipt: a sale adds, a return subtracts whatever the sign of
    // its amount.
    Order o = OrderFrom(r, "total_amount", "total");
    const std::string currency = o.currency;
    if (r.event == "return") {
      store.returns += 1;
      store.net[currency] -= std::fabs(o.amount);
    } else {
      store.sales += 1;
      store.net[currency] += o.amount;
      store.last_sale = std::max(store.last_sale, o.at);
      for (const auto& c : o.categories) store.categories[c] += 1;
    }
    if (!o.store_id.empty()) store.last_visit = std::max(store.last_visit, std::make_pair(o.at, o.store_id));
  }
}

void Stats::Merge(const Stats& o, const Survivorship* rules) {
  first_seen = std::min(first_seen, o.first_seen);
  last_seen = std::max(last_seen, o.last_seen);
  channels |= o.channels;
  events += o.events;
  for (const auto& [k, v] : o.identities) MergeSeen(identities[k], v);
  for (const auto& [k, v] : o.traits) {
    auto it = traits.find(k);
    if (it == traits.end() || Wins(k, v, it->second, rules)) traits[k] = v;
  }
  MergeNewest(consent, o.consent);
  MergeEarliest(orders, o.orders);
  MergeEarliest(refunds, o.refunds);
  store.Merge(o.store);
}

void StoreSales::Merge(const StoreSales& o) {
  sales += o.sales;
  returns += o.returns;
  for (const auto& [c, v] : o.net) net[c] += v;
  last_sale = std::max(last_sale, o.last_sale);
  last_visit = std::max(last_visit, o.last_visit);
  for (const auto& [c, n] : o.categories) categories[c] += n;
}

std::string Stats::Encode() const {
  store::Encoder e;
  e.Byte(kStatsFormat);
  e.I64(first_seen);
  e.I64(last_seen);
  e.U64(channels);
  e.U64(events);
  e.U64(identities.size());
  for (const auto& [k, s] : identities) {
    e.Bytes(k);
    e.Bytes(s.type);
    e.Bytes(s.value);
    e.I64(s.first);
    e.I64(s.last);
    e.U64(s.sources);
  }
  e.U64(traits.size());
  for (const auto& [k, t] : traits) {
    e.Bytes(k);
    e.Bytes(t.json);
    e.I64(t.at);
    e.Bytes(t.record_key);
    e.Byte(t.channel);
  }
  e.U64(orders.size());
  for (const auto& [k, o] : orders) EncodeOrder(e, k, o);
  e.U64(refunds.size());
  for (const auto& [k, o] : refunds) EncodeOrder(e, k, o);
  e.U64(store.sales);
  e.U64(store.returns);
  e.U64(store.net.size());
  for (const auto& [c, v] : store.net) {
    e.Bytes(c);
    e.Double(v);
  }
  e.I64(store.last_sale);
  e.I64(store.last_visit.first);
  e.Bytes(store.last_visit.second);
  e.U64(store.categories.size());
  for (const auto& [c, n] : store.categories) {
    e.Bytes(c);
    e.U64(n);
  }
  e.U64(consent.size());
  for (const auto& [k, c] : consent) {
    e.Bytes(k);
    e.Byte(c.granted ? 1 : 0);
    e.I64(c.at);
    e.Bytes(c.record_key);
    e.Byte(c.channel);
  }
  return e.Take();
}

bool Stats::Decode(std::string_view in, Stats& out) {
  store::Decoder d(in);
  uint8_t format = 0;
  if (!d.Byte(format) || format != kStatsFormat) return false;
  out = Stats{};
  uint64_t n = 0;
  d.I64(out.first_seen);
  d.I64(out.last_seen);
  d.U32(out.channels);
  d.U64(out.events);
  if (!d.Count(n)) return false;
  for (uint64_t i = 0; i < n; ++i) {
    std::string k;
    Seen s;
    d.Bytes(k);
    d.Bytes(s.type);
    d.Bytes(s.value);
    d.I64(s.first);
    d.I64(s.last);
    d.U32(s.sources);
    if (!d.ok()) return false;
    out.identities.emplace(std::move(k), std::move(s));
  }
  if (!d.Count(n)) return false;
  for (uint64_t i = 0; i < n; ++i) {
    std::string k;
    TraitValue t;
    d.Bytes(k);
    d.Bytes(t.json);
    d.I64(t.at);
    d.Bytes(t.record_key);
    d.Byte(t.channel);
    if (!d.ok()) return false;
    out.traits.emplace(std::move(k), std::move(t));
  }
  if (!DecodeOrders(d, out.orders) || !DecodeOrders(d, out.refunds)) return false;
  d.U64(out.store.sales);
  d.U64(out.store.returns);
  if (!d.Count(n)) return false;
  for (uint64_t i = 0; i < n; ++i) {
    std::string c;
    double v = 0;
    d.Bytes(c);
    d.Double(v);
    out.store.net[c] = v;
  }
  d.I64(out.store.last_sale);
  d.I64(out.store.last_visit.first);
  d.Bytes(out.store.last_visit.second);
  if (!d.Count(n)) return false;
  for (uint64_t i = 0; i < n; ++i) {
    std::string c;
    uint64_t count = 0;
    d.Bytes(c);
    d.U64(count);
    out.store.categories[c] = count;
  }
  if (!d.Count(n)) return false;
  for (uint64_t i = 0; i < n; ++i) {
    std::string k;
    ConsentValue c;
    uint8_t granted = 0;
    d.Bytes(k);
    d.Byte(granted);
    d.I64(c.at);
    d.Bytes(c.record_key);
    d.Byte(c.channel);
    c.granted = granted != 0;
    if (!d.ok()) return false;
    out.consent.emplace(std::move(k), std::move(c));
  }
  return d.done();
}

nlohmann::json ChannelList(uint32_t mask) {
  auto out = nlohmann::json::array();
  for (int c = 0; c < kChannelCount; ++c)
    if (mask & (1u << c)) out.push_back(ChannelName(static_cast<Channel>(c)));
  return out;
}

nlohmann::json RenderComputed(const Stats& s, const std::string& base_currency) {
  nlohmann::json c;
  const bool seen = s.events > 0;
  c["first_seen"] = seen ? nlohmann::json(FormatIso8601(s.first_seen)) : nlohmann::json(nullptr);
  c["last_seen"] = seen ? nlohmann::json(FormatIso8601(s.last_seen)) : nlohmann::json(nullptr);
  c["channels"] = ChannelList(s.channels);
  c["events"] = s.events;

  int64_t online = 0;
  const auto offline = static_cast<int64_t>(s.store.sales);
  std::map<std::string, double> by_currency;
  std::optional<Micros> last_order;
  std::map<std::string, int64_t> categories;
  auto currency_of = [&](const Order& o) { return o.currency.empty() ? base_currency : o.currency; };
  for (const auto& [id, o] : s.orders) {
    online += 1;
    by_currency[currency_of(o)] += o.amount;
    if (!last_order || o.at > *last_order) last_order = o.at;
    for (const auto& cat : o.categories) categories[cat] += 1;
  }
  for (const auto& [id, r] : s.refunds) {
    // A refund without an amount refunds the whole order it names.
    double amount = std::fabs(r.amount);
    std::string currency = currency_of(r);
    if (amount == 0) {
      auto order = s.orders.find(id);
      if (order != s.orders.end()) {
        amount = order->second.amount;
        currency = currency_of(order->second);
      }
    }
    by_currency[currency] -= amount;
  }
  for (const auto& [cur, v] : s.store.net) by_currency[cur.empty() ? base_currency : cur] += v;
  if (s.store.sales > 0 && (!last_order || s.store.last_sale > *last_order)) last_order = s.store.last_sale;
  for (const auto& [cat, n] : s.store.categories) categories[cat] += static_cast<int64_t>(n);
  const int64_t orders = online + offline;
  const double revenue = by_currency.count(base_currency) ? by_currency[base_currency] : 0.0;
  c["orders"] = orders;
  c["orders_online"] = online;
  c["orders_offline"] = offline;
  c["revenue"] = revenue;
  c["currency"] = base_currency;
  auto other = nlohmann::json::object();
  for (const auto& [cur, amount] : by_currency)
    if (cur != base_currency) other[cur] = amount;
  c["revenue_by_currency"] = other;
  c["aov"] = orders > 0 ? revenue / static_cast<double>(orders) : 0.0;
  c["last_order_at"] = last_order ? nlohmann::json(FormatIso8601(*last_order)) : nlohmann::json(nullptr);
  c["last_store_id"] = s.store.last_visit.second.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.store.last_visit.second);
  std::vector<std::pair<std::string, int>> cats(categories.begin(), categories.end());
  std::stable_sort(cats.begin(), cats.end(), [](auto& a, auto& b) { return a.second > b.second; });
  auto top = nlohmann::json::array();
  for (std::size_t i = 0; i < cats.size() && i < 5; ++i) top.push_back(cats[i].first);
  c["top_categories"] = top;
  return c;
}

nlohmann::json RenderTraits(const Stats& s) {
  auto out = nlohmann::json::object();
  for (const auto& [k, v] : s.traits) out[k] = nlohmann::json::parse(v.json, nullptr, false);
  return out;
}

nlohmann::json RenderConsent(const Stats& s) {
  auto out = nlohmann::json::object();
  for (const auto& [k, v] : s.consent)
    out[k] = {{"granted", v.granted},
              {"updated_at", FormatIso8601(v.at)},
              {"source", ChannelName(static_cast<Channel>(v.channel))}};
  return out;
}

}  // namespace seam::profile
