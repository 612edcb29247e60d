#include <phonenumbers/phonenumberutil.h>
#include <simdjson.h>
#include <unicode/bytestream.h>
#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <stdexcept>

#include "seam/normalize.h"

#include "normalize/memo.h"

namespace seam {
namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

constexpr std::size_t kMaxOpaqueBytes = 512;
// RFC 5321 limits: a 64-octet local part, '@', a 255-octet domain.
constexpr std::size_t kMaxEmailBytes = 320;
// No identifier or name comes near this; the cap keeps ICU's int32 offsets
// safe and stops a hostile value from costing much.
constexpr std::size_t kMaxInputBytes = 64 * 1024;

const icu::Normalizer2& NfkcCasefold() {
  static const icu::Normalizer2* const instance = [] {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* n = icu::Normalizer2::getNFKCCasefoldInstance(status);
    if (U_FAILURE(status)) throw std::runtime_error("ICU NFKC_Casefold data unavailable");
    return n;
  }();
  return *instance;
}

const uint8_t* Bytes(std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }

// Beyond Unicode White_Space: ZWSP and BOM are invisible and arrive stuck to
// values pasted from web pages or read from CSV exports.
bool IsBlank(UChar32 c) { return u_isUWhiteSpace(c) || c == 0x200B || c == 0xFEFF; }

bool IsHangul(UChar32 c) {
  return (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0x1100 && c <= 0x11FF) || (c >= 0x3130 && c <= 0x318F) ||
         (c >= 0xA960 && c <= 0xA97F) || (c >= 0xD7B0 && c <= 0xD7FF);
}

// `s` must be valid UTF-8 shorter than kMaxInputBytes.
std::string_view TrimBlank(std::string_view s) {
  const uint8_t* p = Bytes(s);
  const auto n = static_cast<int32_t>(s.size());
  int32_t begin = -1, end = 0;
  for (int32_t i = 0; i < n;) {
    const int32_t at = i;
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (IsBlank(c)) continue;
    if (begin < 0) begin = at;
    end = i;
  }
  if (begin < 0) return {};
  return s.substr(static_cast<std::size_t>(begin), static_cast<std::size_t>(end - begin));
}

// The common first step: well-formed, bounded, trimmed.
std::optional<std::string_view> Clean(std::string_view raw) {
  if (raw.size() > kMaxInputBytes || !IsValidUtf8(raw)) return std::nullopt;
  return TrimBlank(raw);
}

bool HasBlankOrControl(std::string_view s) {
  const uint8_t* p = Bytes(s);
  const auto n = static_cast<int32_t>(s.size());
  for (int32_t i = 0; i < n;) {
    UChar32 c;
    U8_NEXT(p, i, n, c);
    // u_iscntrl also covers format characters (ZWJ, soft hyphen, bidi marks):
    // invisible, so two addresses that print alike could differ.
    if (IsBlank(c) || u_iscntrl(c)) return true;
  }
  return false;
}

std::string Lower(std::string_view s) {
  if (std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; })) {
    std::string out(s);
    for (char& c : out)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
  }
  // Root locale: the result must not depend on the process locale (Turkish i).
  std::string out;
  icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size())))
      .toLower(icu::Locale::getRoot())
      .toUTF8String(out);
  return out;
}

bool AllDigits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int ToInt(std::string_view digits) {
  int v = 0;
  for (char c : digits) v = v * 10 + (c - '0');
  return v;
}

}  // namespace

bool IsValidUtf8(std::string_view s) { return simdjson::validate_utf8(s.data(), s.size()); }

// Enough for the phones of a busy store day or a lookup-heavy backend's hot
// customers; a few MB at most.
constexpr std::size_t kPhoneMemoEntries = 32 * 1024;

Normalizer::Normalizer(std::string default_region)
    : default_region_(std::move(default_region)),
      phones_(std::make_shared<normalize::StringMemo>(kPhoneMemoEntries)) {
  // libphonenumber only knows upper-case region codes; "kr" from a config
  // file would otherwise silently fail every national number.
  for (char& c : default_region_)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  // Load the metadata now, not on the first request.
  PhoneNumberUtil::GetInstance();
  NfkcCasefold();
}

std::optional<std::string> Normalizer::Email(std::string_view raw) const {
  const auto s = Clean(raw);
  if (!s || s->size() > kMaxEmailBytes || HasBlankOrControl(*s)) return std::nullopt;
  std::string email = Lower(*s);
  const auto at = email.find('@');
  if (at == 0 || at == std::string::npos || email.find('@', at + 1) != std::string::npos) return std::nullopt;
  const std::string_view domain = std::string_view(email).substr(at + 1);
  if (domain.find('.') == std::string_view::npos || domain.front() == '.' || domain.back() == '.' ||
      domain.find("..") != std::string_view::npos)
    return std::nullopt;
  return email;
}

std::optional<std::string> Normalizer::Phone(std::string_view raw) const {
  return phones_->Get(raw, [this](std::string_view r) { return ParsePhone(r); });
}

std::optional<std::string> Normalizer::ParsePhone(std::string_view raw) const {
  const auto s = Clean(raw);
  if (!s || s->empty()) return std::nullopt;
  // Parse also reads full-width digits, and strips a leading country code
  // written without '+' ("82-10-...") when only the rest is a valid number.
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  PhoneNumber number;
  if (util.Parse(std::string(*s), default_region_, &number) != PhoneNumberUtil::NO_PARSING_ERROR ||
      !util.IsValidNumber(number))
    return std::nullopt;
  std::string e164;
  util.Format(number, PhoneNumberUtil::E164, &e164);
  return e164;
}

std::optional<std::string> Normalizer::Name(std::string_view raw) const {
  const auto s = Clean(raw);
  if (!s) return std::nullopt;
  // NFKC also composes conjoining jamo into syllables, so decomposed and
  // precomposed Hangul meet here.
  std::string folded;
  icu::StringByteSink<std::string> sink(&folded);
  UErrorCode status = U_ZERO_ERROR;
  NfkcCasefold().normalizeUTF8(0, icu::StringPiece(s->data(), static_cast<int32_t>(s->size())), sink, nullptr, status);
  if (U_FAILURE(status)) return std::nullopt;

  std::string out;
  out.reserve(folded.size());
  bool hangul = false, gap = false;
  const uint8_t* p = Bytes(folded);
  const auto n = static_cast<int32_t>(folded.size());
  for (int32_t i = 0; i < n;) {
    const int32_t start = i;
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (IsBlank(c) || u_iscntrl(c)) {
      gap = !out.empty();
      continue;
    }
    if (gap) out.push_back(' ');
    gap = false;
    hangul = hangul || IsHangul(c);
    out.append(folded, static_cast<std::size_t>(start), static_cast<std::size_t>(i - start));
  }
  // Korean names are written with and without a space between family and
  // given name; the space carries no identity.
  if (hangul) std::erase(out, ' ');
  if (out.empty()) return std::nullopt;
  return out;
}

std::optional<std::string> Normalizer::Date(std::string_view raw) const {
  const auto s = Clean(raw);
  if (!s) return std::nullopt;
  // Separators, when present, sit at [4] and [7] and must agree.
  std::size_t sep = 0;
  if (s->size() == 10) {
    const char c = (*s)[4];
    if ((c != '-' && c != '.' && c != '/') || (*s)[7] != c) return std::nullopt;
    sep = 1;
  } else if (s->size() != 8) {
    return std::nullopt;
  }
  const std::string_view y = s->substr(0, 4), m = s->substr(4 + sep, 2), d = s->substr(6 + 2 * sep, 2);
  if (!AllDigits(y) || !AllDigits(m) || !AllDigits(d)) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year{ToInt(y)},
                                        std::chrono::month{static_cast<unsigned>(ToInt(m))},
                                        std::chrono::day{static_cast<unsigned>(ToInt(d))}};
  if (!ymd.ok()) return std::nullopt;
  std::string out;
  out.reserve(10);
  out.append(y).append(1, '-').append(m).append(1, '-').append(d);
  return out;
}

std::optional<std::string> Normalizer::Opaque(std::string_view raw) const {
  const auto s = Clean(raw);
  if (!s || s->empty() || s->size() > kMaxOpaqueBytes) return std::nullopt;
  return std::string(*s);
}

std::optional<std::string> Normalizer::Identifier(std::string_view type, std::string_view raw) const {
  if (type == "email") return Email(raw);
  if (type == "phone") return Phone(raw);
  return Opaque(raw);
}

}  // namespace seam
