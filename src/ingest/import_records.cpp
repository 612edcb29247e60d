#include "ingest/import_records.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "identity/person.h"
#include "seam/crypto.h"

namespace seam::ingest {
namespace {

RowError Err(uint64_t line, Column c, std::string reason) { return {line, ColumnName(c), std::move(reason)}; }

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string_view Trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

// "39000", "39,000", "-1500.5", "+12": a plain decimal, thousands commas allowed.
std::optional<double> ParseAmount(std::string_view raw) {
  std::string_view s = Trim(raw);
  if (s.empty()) return std::nullopt;
  std::string digits;
  std::size_t i = 0;
  if (s[0] == '-' || s[0] == '+') digits.push_back(s[i++]);
  bool any = false, dot = false;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c >= '0' && c <= '9') {
      digits.push_back(c);
      any = true;
    } else if (c == ',' && !dot && any) {
      continue;
    } else if (c == '.' && !dot) {
      digits.push_back(c);
      dot = true;
    } else {
      return std::nullopt;
    }
  }
  if (!any) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(digits.c_str(), &end);
  if (end != digits.c_str() + digits.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

// POS exports write times in many ways; the common ones become
// "YYYY-MM-DD HH:MM:SS" before ParseLocalDateTime (which also reads ISO
// 8601 with an offset as it stands).
std::optional<Micros> ParseWhen(std::string_view raw, const std::string& zone) {
  std::string s(Trim(raw));
  if (s.size() == 14 && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); }))
    s = s.substr(0, 4) + "-" + s.substr(4, 2) + "-" + s.substr(6, 2) + " " + s.substr(8, 2) + ":" + s.substr(10, 2) +
        ":" + s.substr(12, 2);
  if (s.size() >= 10 && (s[4] == '/' || s[4] == '.') && s[7] == s[4]) {
    s[4] = '-';
    s[7] = '-';
  }
  return ParseLocalDateTime(s, zone);
}

std::optional<bool> ParseConsent(std::string_view raw) {
  const std::string v = Lower(Trim(raw));
  if (v == "y" || v == "yes" || v == "true" || v == "1") return true;
  if (v == "n" || v == "no" || v == "false" || v == "0") return false;
  return std::nullopt;
}

// The identifier columns shared by both kinds. A value that fails to
// normalise (or is blocklisted) never becomes a key; it stays a trait.
std::optional<RowError> AddIdentifiers(const ImportRow& row, const ImportContext& ctx, Record& r,
                                       std::initializer_list<std::pair<Column, const char*>> columns) {
  for (const auto& [column, type] : columns) {
    const std::string& raw = row[column];
    if (Trim(raw).empty()) continue;
    if (column == Column::kCardToken && LooksLikePan(raw))
      return Err(row.line, column,
                 "looks like a raw card number (13-19 digits passing the Luhn check); Seam never stores one, "
                 "so the row is refused — send the payment token instead");
    const IdentifierType* t = ctx.config.FindType(type);
    if (t == nullptr || !t->unique) continue;
    auto norm = ctx.normalizer.Identifier(type, raw);
    if (!norm || ctx.blocklist.Blocks(type, *norm)) continue;
    Identifier id{type, *norm};
    if (std::find(r.identifiers.begin(), r.identifiers.end(), id) == r.identifiers.end())
      r.identifiers.push_back(std::move(id));
  }
  return std::nullopt;
}

void AddTraits(const ImportRow& row, Record& r, std::initializer_list<Column> columns) {
  for (Column c : columns) {
    std::string_view v = Trim(row[c]);
    if (!v.empty()) r.traits[ColumnName(c)] = std::string(v);
  }
  for (const auto& [name, value] : row.extra) r.traits[name] = value;
}

// Content hash over the mapped row: unchanged content on re-import is
// recognised whatever the column order or the file's own header names.
std::string HashRow(const ImportRow& row, std::string_view salt) {
  std::string material(salt);
  auto add = [&](std::string_view k, std::string_view v) {
    material.append(std::to_string(k.size())).push_back(':');
    material.append(k);
    material.append(std::to_string(v.size())).push_back(':');
    material.append(v);
  };
  for (std::size_t i = 0; i < kColumnCount; ++i)
    if (!row.known[i].empty()) add(ColumnName(static_cast<Column>(i)), row.known[i]);
  auto consent = row.consent;
  std::sort(consent.begin(), consent.end());
  for (const auto& [k, v] : consent) add("consent_" + k, v);
  auto extra = row.extra;
  std::sort(extra.begin(), extra.end());
  for (const auto& [k, v] : extra) add("x:" + k, v);
  return Sha256(material).substr(0, 16);
}

// The row's match attributes, normalised; empty unless it states something
// of the person beyond identifiers (a name, a birth date, an address...):
// identifiers alone link deterministically and need no scoring.
std::string MatchAttributes(const ImportRow& row, const ImportContext& ctx) {
  identity::RawPerson raw;
  raw.name = row[Column::kName].empty() ? row[Column::kCustomerName] : row[Column::kName];
  raw.first_name = row[Column::kFirstName];
  raw.last_name = row[Column::kLastName];
  raw.birth_date = row[Column::kBirthDate];
  raw.gender = row[Column::kGender];
  raw.postal_code = row[Column::kPostalCode];
  raw.address = row[Column::kAddress];
  raw.city = row[Column::kCity];
  if (!Trim(row[Column::kPhone]).empty()) raw.phones.push_back(row[Column::kPhone]);
  if (!Trim(row[Column::kEmail]).empty()) raw.emails.push_back(row[Column::kEmail]);
  identity::PersonAttributes person = identity::NormalizePerson(ctx.normalizer, raw);
  if (person.first_name.empty() && person.last_name.empty() && person.full_name.empty() &&
      person.birth_date.empty() && person.address.empty() && person.postal_code.empty())
    return "";
  return identity::EncodePerson(person);
}

}  // namespace

std::variant<BuiltRecord, RowError> CustomerRecord(const ImportRow& row, const ImportContext& ctx) {
  const std::string customer_id(Trim(row[Column::kCustomerId]));
  if (customer_id.empty()) return Err(row.line, Column::kCustomerId, "is empty; every customer row needs one");
  BuiltRecord b;
  b.first_line = row.line;
  b.rows = 1;
  Record& r = b.record;
  r.record_key = "crm:" + customer_id;
  r.replaceable = true;
  r.channel = Channel::kCrm;
  r.kind = RecordKind::kCustomer;
  r.type = "customer";
  r.occurred_at = ctx.received_at;
  for (Column c : {Column::kUpdatedAt, Column::kJoinedAt}) {
    if (Trim(row[c]).empty()) continue;
    auto t = ParseWhen(row[c], ctx.config.time_zone);
    if (!t) return Err(row.line, c, "is not a date-time (ISO 8601, or YYYY-MM-DD HH:MM:SS in " + ctx.config.time_zone + ")");
    if (c == Column::kUpdatedAt) r.occurred_at = *t;
  }
  r.display_at = r.occurred_at;
  r.identifiers.push_back({"customer_id", customer_id});
  if (auto e = AddIdentifiers(row, ctx, r,
                              {{Column::kMemberId, "member_id"},
                               {Column::kEmail, "email"},
                               {Column::kPhone, "phone"},
                               {Column::kCardToken, "card_token"}}))
    return *e;
  for (const auto& [purpose, raw] : row.consent) {
    if (Trim(raw).empty()) continue;
    auto v = ParseConsent(raw);
    if (!v) return RowError{row.line, "consent_" + purpose, "must be y or n"};
    r.consent[purpose] = *v;
  }
  AddTraits(row, r,
            {Column::kName, Column::kCustomerName, Column::kFirstName, Column::kLastName, Column::kBirthDate,
             Column::kGender, Column::kPostalCode, Column::kAddress, Column::kCity, Column::kEmail, Column::kPhone,
             Column::kJoinedAt});
  if (auto d = ctx.normalizer.Date(row[Column::kBirthDate])) r.traits["birth_date"] = *d;
  r.properties = {{"customer_id", customer_id}};
  r.match_attributes = MatchAttributes(row, ctx);
  // Without updated_at the row's time is its import time, which must not
  // make an unchanged re-import look new: the hash covers the row alone.
  r.content_hash = HashRow(row, "crm");
  return b;
}

ReceiptAssembler::ReceiptAssembler(const ImportContext& ctx, std::size_t max_open)
    : ctx_(ctx), max_open_(std::max<std::size_t>(max_open, 1)) {}

std::optional<RowError> ReceiptAssembler::Add(const ImportRow& row, std::vector<BuiltRecord>& out) {
  const std::string store(Trim(row[Column::kStoreId])), txn(Trim(row[Column::kTransactionId]));
  if (txn.empty()) return Err(row.line, Column::kTransactionId, "is empty; every POS row needs one");
  if (store.empty()) return Err(row.line, Column::kStoreId, "is empty; every POS row needs one");
  // Validate the row's own values before it touches its receipt.
  nlohmann::json item = nlohmann::json::object();
  if (auto sku = Trim(row[Column::kSku]); !sku.empty()) item["sku"] = std::string(sku);
  if (auto cat = Trim(row[Column::kCategory]); !cat.empty()) item["category"] = std::string(cat);
  for (Column c : {Column::kQuantity, Column::kUnitPrice}) {
    if (Trim(row[c]).empty()) continue;
    auto v = ParseAmount(row[c]);
    if (!v) return Err(row.line, c, "is not a number");
    item[ColumnName(c)] = *v;
  }
  std::optional<double> total;
  if (!Trim(row[Column::kTotalAmount]).empty()) {
    total = ParseAmount(row[Column::kTotalAmount]);
    if (!total) return Err(row.line, Column::kTotalAmount, "is not a number");
  }
  if (!Trim(row[Column::kCardToken]).empty() && LooksLikePan(row[Column::kCardToken]))
    return Err(row.line, Column::kCardToken,
               "looks like a raw card number (13-19 digits passing the Luhn check); Seam never stores one, "
               "so the row is refused — send the payment token instead");

  // ':' and '%' of the store id are escaped so that the key names one
  // receipt: store "a:b" + transaction "c" is not store "a" + "b:c".
  std::string escaped_store;
  for (char ch : store) {
    if (ch == '%') escaped_store += "%25";
    else if (ch == ':') escaped_store += "%3A";
    else escaped_store += ch;
  }
  const std::string key = "pos:" + escaped_store + ":" + txn;
  auto it = open_.find(key);
  if (it == open_.end()) {
    // The receipt's first row sets its receipt-level fields.
    auto when = ParseWhen(row[Column::kOccurredAt], ctx_.config.time_zone);
    if (!when)
      return Err(row.line, Column::kOccurredAt,
                 "is not a date-time (ISO 8601, or YYYY-MM-DD HH:MM:SS in " + ctx_.config.time_zone + ")");
    const std::string type = Lower(Trim(row[Column::kType]));
    if (!type.empty() && type != "sale" && type != "return")
      return Err(row.line, Column::kType, "must be sale or return");
    Open o;
    o.key = key;
    o.built.first_line = row.line;
    Record& r = o.built.record;
    r.record_key = key;
    r.replaceable = true;
    r.merge_group = ctx_.import_id;
    r.channel = Channel::kPos;
    r.kind = RecordKind::kTransaction;
    r.type = "transaction";
    r.event = type.empty() ? "sale" : type;
    r.occurred_at = r.display_at = *when;
    if (auto e = AddIdentifiers(row, ctx_, r,
                                {{Column::kMemberId, "member_id"},
                                 {Column::kEmail, "email"},
                                 {Column::kPhone, "phone"},
                                 {Column::kCardToken, "card_token"}}))
      return e;
    r.properties = {{"transaction_id", txn},
                    {"store_id", store},
                    {"type", r.event},
                    {"currency", Trim(row[Column::kCurrency]).empty() ? ctx_.config.base_currency
                                                                      : std::string(Trim(row[Column::kCurrency]))}};
    // What the receipt says of the person is a trait; extra columns
    // describe the receipt.
    for (Column c : {Column::kName, Column::kCustomerName, Column::kFirstName, Column::kLastName,
                     Column::kBirthDate, Column::kPostalCode, Column::kAddress, Column::kCity}) {
      std::string_view v = Trim(row[c]);
      if (!v.empty()) r.traits[ColumnName(c)] = std::string(v);
    }
    for (const auto& [name, value] : row.extra) r.properties["extra"][name] = value;
    r.match_attributes = MatchAttributes(row, ctx_);
    o.built.record.content_hash = HashRow(row, "pos");
    auto [slot, inserted] = open_.emplace(key, std::move(o));
    (void)inserted;
    it = slot;
    it->second.lru = lru_.insert(lru_.end(), key);
  } else {
    lru_.splice(lru_.end(), lru_, it->second.lru);
    // Each further row adds its line item to the hash, in file order.
    it->second.built.record.content_hash =
        Sha256(it->second.built.record.content_hash + HashRow(row, "pos")).substr(0, 16);
  }
  Open& o = it->second;
  o.built.rows += 1;
  if (total && !o.total) o.total = total;
  if (!item.empty()) o.items.push_back(std::move(item));
  while (open_.size() > max_open_) {
    auto oldest = open_.find(lru_.front());
    Close(oldest->second, out);
  }
  return std::nullopt;
}

void ReceiptAssembler::Close(Open& o, std::vector<BuiltRecord>& out) {
  Record& r = o.built.record;
  double total = 0;
  if (o.total) {
    total = *o.total;
  } else {
    for (const auto& item : o.items)
      total += item.value("quantity", 1.0) * item.value("unit_price", 0.0);
  }
  r.properties["total_amount"] = total;
  r.properties["items"] = std::move(o.items);
  r.internal["total_stated"] = o.total.has_value();
  out.push_back(std::move(o.built));
  lru_.erase(o.lru);
  open_.erase(o.key);
}

void ReceiptAssembler::Finish(std::vector<BuiltRecord>& out) {
  while (!lru_.empty()) Close(open_.find(lru_.front())->second, out);
}

bool MergeReceiptParts(const nlohmann::json& stored, Record& incoming) {
  auto group = stored.find("_g");
  if (group == stored.end() || !group->is_string() || *group != incoming.merge_group) return false;
  auto props = stored.find("properties");
  if (props == stored.end() || !props->is_object()) return false;
  // Line items in the order they came; the first part's receipt fields win.
  nlohmann::json merged = *props;
  auto& items = merged["items"];
  if (!items.is_array()) items = nlohmann::json::array();
  for (const auto& item : incoming.properties.value("items", nlohmann::json::array())) items.push_back(item);
  double total = 0;
  for (const auto& item : items) total += item.value("quantity", 1.0) * item.value("unit_price", 0.0);
  // A total the POS stated (repeated on the receipt's rows) stays; a total
  // summed from line items is summed again over all of them.
  const auto x = stored.find("_x");
  const bool stored_stated = x != stored.end() && x->is_object() && x->value("total_stated", false);
  const bool incoming_stated = incoming.internal.value("total_stated", false);
  if (stored_stated) {
    merged["total_amount"] = props->value("total_amount", 0.0);
  } else if (incoming_stated) {
    merged["total_amount"] = incoming.properties.value("total_amount", 0.0);
  } else {
    merged["total_amount"] = total;
  }
  incoming.internal["total_stated"] = stored_stated || incoming_stated;
  incoming.properties = std::move(merged);
  if (auto ids = stored.find("_i"); ids != stored.end() && ids->is_array()) {
    for (const auto& pair : *ids) {
      if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string()) continue;
      Identifier id{pair[0].get<std::string>(), pair[1].get<std::string>()};
      if (std::find(incoming.identifiers.begin(), incoming.identifiers.end(), id) == incoming.identifiers.end())
        incoming.identifiers.push_back(std::move(id));
    }
  }
  if (auto t = stored.find("_t"); t != stored.end() && t->is_object()) {
    nlohmann::json traits = *t;
    traits.update(incoming.traits);
    incoming.traits = std::move(traits);
  }
  if (auto o = stored.find("_o"); o != stored.end() && o->is_number_integer()) {
    incoming.occurred_at = o->get<Micros>();
    incoming.display_at = incoming.occurred_at;
  }
  return true;
}

}  // namespace seam::ingest
