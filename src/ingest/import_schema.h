// The columns of POS and customer (CRM) exports (SPEC §4): which are known,
// which are required, and how a file's header maps onto them. Header names
// are matched case-insensitively after trimming, through an optional
// mapping from the file's own names ("their_name" -> a known column).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "seam/status.h"

namespace seam::ingest {

enum class ImportKind { kPos, kCustomers };
const char* ImportKindName(ImportKind kind);  // "pos" | "customers"

enum class Column : int {
  kTransactionId = 0,
  kStoreId,
  kOccurredAt,
  kType,
  kTotalAmount,
  kCurrency,
  kMemberId,
  kPhone,
  kEmail,
  kCardToken,
  kName,
  kCustomerName,
  kFirstName,
  kLastName,
  kBirthDate,
  kGender,
  kPostalCode,
  kAddress,
  kCity,
  kSku,
  kCategory,
  kQuantity,
  kUnitPrice,
  kCustomerId,
  kJoinedAt,
  kUpdatedAt,
  kCount
};
inline constexpr std::size_t kColumnCount = static_cast<std::size_t>(Column::kCount);
const char* ColumnName(Column c);

// One data row, by column. Values are UTF-8 (already converted).
struct ImportRow {
  uint64_t line = 0;  // physical line where the row starts (the header is line 1)
  std::array<std::string, kColumnCount> known;
  std::vector<std::pair<std::string, std::string>> consent;  // purpose -> raw value
  std::vector<std::pair<std::string, std::string>> extra;    // unknown column -> value

  const std::string& operator[](Column c) const { return known[static_cast<std::size_t>(c)]; }
  std::string& operator[](Column c) { return known[static_cast<std::size_t>(c)]; }
};

// Where each of a file's columns goes.
class HeaderMap {
 public:
  struct Slot {
    enum Kind { kKnown, kConsent, kExtra, kIgnored } kind = kIgnored;
    Column column = Column::kCount;
    std::string name;  // consent purpose, or the extra column's own name
  };

  // `mapping`: their header name (any case) -> a known column name.
  // kInvalid when a required column is missing, a mapping names an unknown
  // column, or two of the file's columns map to the same known column.
  static Result<HeaderMap> Build(ImportKind kind, const std::vector<std::string>& header,
                                 const std::map<std::string, std::string>& mapping);
  // The same for a record that names its own fields (an NDJSON line).
  static Result<HeaderMap> ForFields(ImportKind kind, const std::vector<std::string>& names,
                                     const std::map<std::string, std::string>& mapping, bool check_required);

  const std::vector<Slot>& slots() const { return slots_; }
  // Fills `row` from the fields in header order (REQUIRES: same count).
  void Fill(const std::vector<std::string>& fields, ImportRow& row) const;

 private:
  std::vector<Slot> slots_;
};

// Columns that must be present (SPEC §4: * columns).
std::vector<Column> RequiredColumns(ImportKind kind);

// Parses "their:ours,their2:ours2" (the ?map= query parameter).
Result<std::map<std::string, std::string>> ParseColumnMap(std::string_view text);

// True for 13-19 digits (spaces and dashes ignored) passing the Luhn check:
// a raw card number (PAN), which Seam never stores.
bool LooksLikePan(std::string_view value);

}  // namespace seam::ingest
