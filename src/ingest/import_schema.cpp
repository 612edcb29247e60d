#include "ingest/import_schema.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace seam::ingest {
namespace {

constexpr std::array<const char*, kColumnCount> kNames = {
    "transaction_id", "store_id",   "occurred_at", "type",        "total_amount", "currency",  "member_id",
    "phone",          "email",      "card_token",  "name",        "customer_name", "first_name", "last_name",
    "birth_date",     "gender",     "postal_code", "address",     "city",          "sku",        "category",
    "quantity",       "unit_price", "customer_id", "joined_at",   "updated_at"};

std::string Normalised(std::string_view name) {
  auto begin = name.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return "";
  auto end = name.find_last_not_of(" \t");
  std::string out(name.substr(begin, end - begin + 1));
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::optional<Column> Known(std::string_view name) {
  for (std::size_t i = 0; i < kColumnCount; ++i)
    if (name == kNames[i]) return static_cast<Column>(i);
  return std::nullopt;
}

}  // namespace

const char* ImportKindName(ImportKind kind) { return kind == ImportKind::kPos ? "pos" : "customers"; }

const char* ColumnName(Column c) { return kNames[static_cast<std::size_t>(c)]; }

std::vector<Column> RequiredColumns(ImportKind kind) {
  if (kind == ImportKind::kPos) return {Column::kTransactionId, Column::kStoreId, Column::kOccurredAt};
  return {Column::kCustomerId};
}

Result<HeaderMap> HeaderMap::ForFields(ImportKind kind, const std::vector<std::string>& names,
                                       const std::map<std::string, std::string>& mapping, bool check_required) {
  std::map<std::string, std::string> lowered;
  for (const auto& [their, ours] : mapping) {
    const std::string target = Normalised(ours);
    if (!Known(target) && target.rfind("consent_", 0) != 0)
      return Status::Invalid("bad_mapping", "the mapping names an unknown column \"" + ours + "\"");
    lowered[Normalised(their)] = target;
  }
  HeaderMap map;
  std::set<Column> seen;
  std::set<std::string> seen_consent;
  for (const auto& raw : names) {
    std::string name = Normalised(raw);
    if (auto m = lowered.find(name); m != lowered.end()) name = m->second;
    Slot slot;
    if (name.empty()) {
      slot.kind = Slot::kIgnored;  // an unnamed column holds nothing we could name
    } else if (auto known = Known(name)) {
      if (!seen.insert(*known).second)
        return Status::Invalid("duplicate_column", std::string("two columns map to ") + ColumnName(*known));
      slot.kind = Slot::kKnown;
      slot.column = *known;
    } else if (name.rfind("consent_", 0) == 0 && name.size() > 8) {
      if (!seen_consent.insert(name).second)
        return Status::Invalid("duplicate_column", "two columns map to " + name);
      slot.kind = Slot::kConsent;
      slot.name = name.substr(8);
    } else {
      // Kept as a trait under the file's own name (trimmed, case kept).
      slot.kind = Slot::kExtra;
      const auto b = raw.find_first_not_of(" \t");
      const auto e = raw.find_last_not_of(" \t");
      slot.name = raw.substr(b, e - b + 1);
    }
    map.slots_.push_back(std::move(slot));
  }
  if (check_required) {
    std::vector<std::string> missing;
    for (Column c : RequiredColumns(kind))
      if (!seen.count(c)) missing.push_back(ColumnName(c));
    if (!missing.empty()) {
      std::string list;
      for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
      return Status::Invalid("missing_columns", std::string("the ") + ImportKindName(kind) +
                                                    " file lacks required column(s): " + list);
    }
  }
  return map;
}

Result<HeaderMap> HeaderMap::Build(ImportKind kind, const std::vector<std::string>& header,
                                   const std::map<std::string, std::string>& mapping) {
  return ForFields(kind, header, mapping, true);
}

void HeaderMap::Fill(const std::vector<std::string>& fields, ImportRow& row) const {
  for (auto& v : row.known) v.clear();
  row.consent.clear();
  row.extra.clear();
  for (std::size_t i = 0; i < slots_.size() && i < fields.size(); ++i) {
    const Slot& slot = slots_[i];
    switch (slot.kind) {
      case Slot::kKnown: row[slot.column] = fields[i]; break;
      case Slot::kConsent: row.consent.emplace_back(slot.name, fields[i]); break;
      case Slot::kExtra:
        if (!fields[i].empty()) row.extra.emplace_back(slot.name, fields[i]);
        break;
      case Slot::kIgnored: break;
    }
  }
}

Result<std::map<std::string, std::string>> ParseColumnMap(std::string_view text) {
  std::map<std::string, std::string> out;
  while (!text.empty()) {
    auto comma = text.find(',');
    std::string_view pair = text.substr(0, comma);
    auto colon = pair.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == pair.size())
      return Status::Invalid("bad_mapping", "map is their_name:column,their_name:column,...");
    out[std::string(pair.substr(0, colon))] = std::string(pair.substr(colon + 1));
    if (comma == std::string_view::npos) break;
    text = text.substr(comma + 1);
  }
  return out;
}

bool LooksLikePan(std::string_view value) {
  std::string digits;
  for (char c : value) {
    if (c >= '0' && c <= '9')
      digits.push_back(c);
    else if (c != ' ' && c != '-')
      return false;
  }
  if (digits.size() < 13 || digits.size() > 19) return false;
  int sum = 0;
  bool twice = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int d = *it - '0';
    if (twice) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

}  // namespace seam::ingest
