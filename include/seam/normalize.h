// Normalisation of identifier values and match attributes (SPEC §5).
// Used by ingest (values on Records) and by query (the `type:value` refs of
// lookups), so both sides agree on one canonical form.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace seam {

namespace normalize {
class StringMemo;
}

// Thread-safe after construction: one instance is shared by all threads.
class Normalizer {
 public:
  // `default_region` is an ISO 3166 region code ("KR") used for phone numbers
  // written without a country code.
  explicit Normalizer(std::string default_region = "KR");

  const std::string& default_region() const { return default_region_; }

  // Each returns std::nullopt when the value cannot be normalised; such a
  // value is kept as a trait by the caller but never used as a key.

  // Trimmed, lower-cased; needs one '@' with a non-empty local part and a
  // domain holding a dot; no inner white space.
  std::optional<std::string> Email(std::string_view raw) const;
  // E.164 ("+821012345678") via libphonenumber; the number must be valid for
  // its region (IsValidNumber). Accepts "010-1234-5678", "01012345678",
  // "+82 10-1234-5678", "82-10-1234-5678", "(02) 123-4567". Recent inputs
  // are answered from a bounded memo (the parse is the costly part of a
  // lookup by phone).
  std::optional<std::string> Phone(std::string_view raw) const;
  // ICU NFKC + case fold; runs of white space collapse to one space and are
  // trimmed; when the name holds Hangul, inner spaces are removed
  // ("김 민수" == "김민수"). Empty after that: nullopt.
  std::optional<std::string> Name(std::string_view raw) const;
  // ISO date "YYYY-MM-DD" from "YYYY-MM-DD", "YYYYMMDD", "YYYY.MM.DD",
  // "YYYY/MM/DD" (a valid calendar date only).
  std::optional<std::string> Date(std::string_view raw) const;
  // An opaque identifier (user_id, anonymous_id, device_id, member_id,
  // card_token, custom types): trimmed of surrounding white space; must be
  // valid UTF-8, non-empty and at most 512 bytes.
  std::optional<std::string> Opaque(std::string_view raw) const;

  // Dispatch on the identifier type name: "email" -> Email, "phone" -> Phone,
  // anything else -> Opaque.
  std::optional<std::string> Identifier(std::string_view type, std::string_view raw) const;

 private:
  std::optional<std::string> ParsePhone(std::string_view raw) const;

  std::string default_region_;
  // Shared by copies of this normaliser: the answers depend on the region
  // only, which copies share too.
  std::shared_ptr<normalize::StringMemo> phones_;
};

// True when `s` is well-formed UTF-8.
bool IsValidUtf8(std::string_view s);

}  // namespace seam
