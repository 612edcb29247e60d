#include "profile/stats.h"

#include <algorithm>
#include <cmath>
#include <tuple>

namespace seam::profile {
namespace {

// Segment e-commerce v2 names (SPEC §3).
constexpr std::string_view kOrderCompleted = "Order Completed";
constexpr std::string_view kOrderRefunded = "Order Refunded";

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
    try {
      std::size_t used = 0;
      double v = std::stod(it->get<std::string>(), &used);
      if (used == it->get<std::string>().size() && std::isfinite(v)) return v;
    } catch (const std::exception&) {
    }
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

Order OrderFrom(const Record& r) {
  Order o;
  const auto& p = r.properties;
  o.amount = Number(p, "revenue").value_or(Number(p, "total").value_or(0));
  o.currency = StringOr(p, "currency", "");
  o.at = r.display_at;
  o.record_key = r.record_key;
  o.channel = static_cast<uint8_t>(r.channel);
  if (auto it = p.find("products"); it != p.end() && it->is_array()) {
    for (const auto& product : *it) {
      if (!product.is_object()) continue;
      auto c = product.find("category");
      if (c != product.end() && c->is_string() && !c->get<std::string>().empty())
        o.categories.push_back(c->get<std::string>());
    }
  }
  return o;
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

nlohmann::json OrderJson(const Order& o) {
  return {{"a", o.amount}, {"c", o.currency}, {"t", o.at}, {"r", o.record_key},
          {"h", o.channel}, {"g", o.categories}};
}
Order OrderOf(const nlohmann::json& j) {
  return {j.at("a").get<double>(), j.at("c").get<std::string>(), j.at("t").get<Micros>(),
          j.at("r").get<std::string>(), j.at("h").get<uint8_t>(),
          j.at("g").get<std::vector<std::string>>()};
}

}  // namespace

void Stats::Apply(const Record& r) {
  first_seen = std::min(first_seen, r.display_at);
  last_seen = std::max(last_seen, r.display_at);
  channels |= 1u << static_cast<unsigned>(r.channel);
  events += 1;
  const auto channel = static_cast<uint8_t>(r.channel);
  for (auto it = r.traits.begin(); it != r.traits.end(); ++it) {
    TraitValue v{it.value(), r.occurred_at, r.record_key, channel};
    auto cur = traits.find(it.key());
    if (cur == traits.end() || Newer(v, cur->second)) traits[it.key()] = std::move(v);
  }
  for (auto it = r.consent.begin(); it != r.consent.end(); ++it) {
    if (!it.value().is_boolean()) continue;
    ConsentValue v{it.value().get<bool>(), r.occurred_at, r.record_key, channel};
    auto cur = consent.find(it.key());
    if (cur == consent.end() || Newer(v, cur->second)) consent[it.key()] = std::move(v);
  }
  if (r.type == "track" && (r.event == kOrderCompleted || r.event == kOrderRefunded)) {
    const std::string id = StringOr(r.properties, "order_id", "msg:" + r.message_id);
    Order o = OrderFrom(r);
    auto& into = r.event == kOrderCompleted ? orders : refunds;
    auto cur = into.find(id);
    if (cur == into.end() || Earlier(o, cur->second)) into[id] = std::move(o);
  }
}

void Stats::Merge(const Stats& o) {
  first_seen = std::min(first_seen, o.first_seen);
  last_seen = std::max(last_seen, o.last_seen);
  channels |= o.channels;
  events += o.events;
  MergeNewest(traits, o.traits);
  MergeNewest(consent, o.consent);
  MergeEarliest(orders, o.orders);
  MergeEarliest(refunds, o.refunds);
}

std::string Stats::Encode() const {
  nlohmann::json j;
  j["f"] = first_seen;
  j["l"] = last_seen;
  j["c"] = channels;
  j["e"] = events;
  auto& t = j["t"] = nlohmann::json::object();
  for (const auto& [k, v] : traits) t[k] = {{"v", v.value}, {"t", v.at}, {"r", v.record_key}, {"h", v.channel}};
  auto& o = j["o"] = nlohmann::json::object();
  for (const auto& [k, v] : orders) o[k] = OrderJson(v);
  auto& rf = j["x"] = nlohmann::json::object();
  for (const auto& [k, v] : refunds) rf[k] = OrderJson(v);
  auto& cs = j["k"] = nlohmann::json::object();
  for (const auto& [k, v] : consent) cs[k] = {{"g", v.granted}, {"t", v.at}, {"r", v.record_key}, {"h", v.channel}};
  auto bytes = nlohmann::json::to_msgpack(j);
  return {bytes.begin(), bytes.end()};
}

bool Stats::Decode(std::string_view in, Stats& out) {
  auto j = nlohmann::json::from_msgpack(in.begin(), in.end(), true, false);
  if (j.is_discarded() || !j.is_object()) return false;
  try {
    out.first_seen = j.at("f").get<Micros>();
    out.last_seen = j.at("l").get<Micros>();
    out.channels = j.at("c").get<uint32_t>();
    out.events = j.at("e").get<uint64_t>();
    for (auto it = j.at("t").begin(); it != j.at("t").end(); ++it) {
      const auto& v = it.value();
      out.traits[it.key()] = {v.at("v"), v.at("t").get<Micros>(), v.at("r").get<std::string>(),
                              v.at("h").get<uint8_t>()};
    }
    for (auto it = j.at("o").begin(); it != j.at("o").end(); ++it) out.orders[it.key()] = OrderOf(it.value());
    for (auto it = j.at("x").begin(); it != j.at("x").end(); ++it) out.refunds[it.key()] = OrderOf(it.value());
    for (auto it = j.at("k").begin(); it != j.at("k").end(); ++it) {
      const auto& v = it.value();
      out.consent[it.key()] = {v.at("g").get<bool>(), v.at("t").get<Micros>(), v.at("r").get<std::string>(),
                               v.at("h").get<uint8_t>()};
    }
    return true;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
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

  int64_t online = 0, offline = 0;
  std::map<std::string, double> by_currency;
  std::optional<Micros> last_order;
  std::map<std::string, int> categories;
  auto currency_of = [&](const Order& o) { return o.currency.empty() ? base_currency : o.currency; };
  for (const auto& [id, o] : s.orders) {
    (o.channel == static_cast<uint8_t>(Channel::kPos) ? offline : online) += 1;
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
  c["last_store_id"] = nullptr;
  std::vector<std::pair<std::string, int>> cats(categories.begin(), categories.end());
  std::stable_sort(cats.begin(), cats.end(), [](auto& a, auto& b) { return a.second > b.second; });
  auto top = nlohmann::json::array();
  for (std::size_t i = 0; i < cats.size() && i < 5; ++i) top.push_back(cats[i].first);
  c["top_categories"] = top;
  return c;
}

nlohmann::json RenderTraits(const Stats& s) {
  auto out = nlohmann::json::object();
  for (const auto& [k, v] : s.traits) out[k] = v.value;
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
