#include "identity/person.h"

#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <array>

#include <nlohmann/json.hpp>

#include "identity/similarity.h"

namespace seam::identity {
namespace {

constexpr int kEncodingVersion = 1;
// No address or postal code comes near this; the cap bounds ICU work on
// hostile input.
constexpr std::size_t kMaxAttributeBytes = 4096;

// Compound Korean surnames (two syllables). A three-syllable name starting
// with one of these is read as compound family name + one-syllable given name.
constexpr std::array<std::string_view, 13> kCompoundSurnames = {
    "남궁", "황보", "제갈", "선우", "독고", "사공", "서문", "동방", "공손", "황목", "망절", "어금", "장곡"};

const icu::Normalizer2* NfkcCasefold() {
  static const icu::Normalizer2* const instance = [] {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* n = icu::Normalizer2::getNFKCCasefoldInstance(status);
    return U_SUCCESS(status) ? n : nullptr;
  }();
  return instance;
}

// NFKC + case fold, anything but letters and digits to one space, trimmed.
std::string FoldToWords(std::string_view raw) {
  if (raw.size() > kMaxAttributeBytes || !IsValidUtf8(raw) || NfkcCasefold() == nullptr) return {};
  std::string folded;
  icu::StringByteSink<std::string> sink(&folded);
  UErrorCode status = U_ZERO_ERROR;
  NfkcCasefold()->normalizeUTF8(0, icu::StringPiece(raw.data(), static_cast<int32_t>(raw.size())), sink, nullptr,
                                status);
  if (U_FAILURE(status)) return {};
  std::string out;
  bool gap = false;
  const auto* p = reinterpret_cast<const uint8_t*>(folded.data());
  const auto n = static_cast<int32_t>(folded.size());
  for (int32_t i = 0; i < n;) {
    const int32_t start = i;
    UChar32 c;
    U8_NEXT(p, i, n, c);
    const int8_t type = c < 0 ? static_cast<int8_t>(U_UNASSIGNED) : u_charType(c);
    const bool mark = type == U_NON_SPACING_MARK || type == U_COMBINING_SPACING_MARK || type == U_ENCLOSING_MARK;
    if (c < 0 || !(u_isalnum(c) || mark)) {
      gap = !out.empty();
      continue;
    }
    if (gap) out.push_back(' ');
    gap = false;
    out.append(folded, static_cast<std::size_t>(start), static_cast<std::size_t>(i - start));
  }
  return out;
}

bool AllHangulSyllables(const std::u32string& cps) {
  return !cps.empty() && std::all_of(cps.begin(), cps.end(), IsHangulSyllable);
}

std::string Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return std::string(s);
}

void SortUnique(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

}  // namespace

bool PersonAttributes::Empty() const {
  return first_name.empty() && last_name.empty() && full_name.empty() && birth_date.empty() && gender.empty() &&
         postal_code.empty() && address.empty() && city.empty() && phones.empty() && emails.empty();
}

std::string EncodePerson(const PersonAttributes& p) {
  const nlohmann::json doc = nlohmann::json::array({kEncodingVersion, p.first_name, p.last_name, p.full_name,
                                                    p.birth_date, p.gender, p.postal_code, p.address, p.city,
                                                    p.phones, p.emails});
  const std::vector<std::uint8_t> bytes = nlohmann::json::to_msgpack(doc);
  return std::string(bytes.begin(), bytes.end());
}

Result<PersonAttributes> DecodePerson(std::string_view bytes) {
  const nlohmann::json doc = nlohmann::json::from_msgpack(bytes.begin(), bytes.end(), /*strict=*/true,
                                                          /*allow_exceptions=*/false);
  auto bad = [](std::string why) { return Status::Invalid("bad_person_attributes", std::move(why)); };
  if (doc.is_discarded() || !doc.is_array() || doc.size() != 11) return bad("not a person attribute array");
  if (!doc[0].is_number_integer() || doc[0].get<int>() != kEncodingVersion) return bad("unknown encoding version");
  for (std::size_t i = 1; i <= 8; ++i)
    if (!doc[i].is_string()) return bad("field " + std::to_string(i) + " is not a string");
  for (std::size_t i = 9; i <= 10; ++i) {
    if (!doc[i].is_array()) return bad("field " + std::to_string(i) + " is not a list");
    for (const auto& v : doc[i])
      if (!v.is_string()) return bad("field " + std::to_string(i) + " holds a non-string");
  }
  PersonAttributes p;
  p.first_name = doc[1].get<std::string>();
  p.last_name = doc[2].get<std::string>();
  p.full_name = doc[3].get<std::string>();
  p.birth_date = doc[4].get<std::string>();
  p.gender = doc[5].get<std::string>();
  p.postal_code = doc[6].get<std::string>();
  p.address = doc[7].get<std::string>();
  p.city = doc[8].get<std::string>();
  p.phones = doc[9].get<std::vector<std::string>>();
  p.emails = doc[10].get<std::vector<std::string>>();
  return p;
}

std::optional<KoreanName> SplitKoreanName(std::string_view name) {
  const std::u32string cps = ToCodePoints(name);
  if (cps.size() < 2 || !AllHangulSyllables(cps)) return std::nullopt;
  std::size_t family = 1;
  if (cps.size() >= 3) {
    const std::string first_two = ToUtf8(std::u32string_view(cps).substr(0, 2));
    if (std::find(kCompoundSurnames.begin(), kCompoundSurnames.end(), first_two) != kCompoundSurnames.end())
      family = 2;
  }
  return KoreanName{ToUtf8(std::u32string_view(cps).substr(0, family)),
                    ToUtf8(std::u32string_view(cps).substr(family))};
}

void FillNameParts(PersonAttributes& p) {
  if (p.full_name.empty() && (!p.first_name.empty() || !p.last_name.empty())) {
    if (ContainsHangul(p.first_name) || ContainsHangul(p.last_name))
      p.full_name = p.last_name + p.first_name;  // Korean order, no space
    else
      p.full_name = Trim(p.first_name + " " + p.last_name);
  }
  if (!p.first_name.empty() || !p.last_name.empty() || p.full_name.empty()) return;
  if (auto korean = SplitKoreanName(p.full_name)) {
    p.last_name = std::move(korean->family);
    p.first_name = std::move(korean->given);
    return;
  }
  if (const auto comma = p.full_name.find(','); comma != std::string::npos) {
    p.last_name = Trim(std::string_view(p.full_name).substr(0, comma));
    p.first_name = Trim(std::string_view(p.full_name).substr(comma + 1));
    if (!p.first_name.empty() && !p.last_name.empty()) return;
    p.first_name.clear();
    p.last_name.clear();
  }
  const std::string_view full = p.full_name;
  const auto first_space = full.find(' ');
  if (first_space == std::string_view::npos) {
    p.first_name = p.full_name;
    return;
  }
  p.first_name = Trim(full.substr(0, first_space));
  p.last_name = Trim(full.substr(full.rfind(' ') + 1));
}

std::string NormalizePostalCode(std::string_view raw) {
  std::string words = FoldToWords(raw);
  std::erase(words, ' ');
  return words;
}

std::string NormalizeAddress(std::string_view raw) { return FoldToWords(raw); }

std::string NormalizeGender(std::string_view raw) {
  const std::string g = FoldToWords(raw);
  static constexpr std::array<std::string_view, 7> kMale = {"m", "male", "man", "남", "남자", "남성", "boy"};
  static constexpr std::array<std::string_view, 8> kFemale = {"f",  "female", "woman", "w",
                                                              "여", "여자",   "여성",  "girl"};
  if (std::find(kMale.begin(), kMale.end(), g) != kMale.end()) return "m";
  if (std::find(kFemale.begin(), kFemale.end(), g) != kFemale.end()) return "f";
  return {};
}

PersonAttributes NormalizePerson(const Normalizer& n, const RawPerson& raw) {
  PersonAttributes p;
  auto name = [&](const std::string& v) { return v.empty() ? std::string() : n.Name(v).value_or(""); };
  p.first_name = name(raw.first_name);
  p.last_name = name(raw.last_name);
  p.full_name = name(raw.name);
  p.city = name(raw.city);
  if (!raw.birth_date.empty()) p.birth_date = n.Date(raw.birth_date).value_or("");
  p.gender = NormalizeGender(raw.gender);
  p.postal_code = NormalizePostalCode(raw.postal_code);
  p.address = NormalizeAddress(raw.address);
  for (const auto& v : raw.phones)
    if (auto phone = n.Phone(v)) p.phones.push_back(std::move(*phone));
  for (const auto& v : raw.emails)
    if (auto email = n.Email(v)) p.emails.push_back(std::move(*email));
  SortUnique(p.phones);
  SortUnique(p.emails);
  FillNameParts(p);
  return p;
}

}  // namespace seam::identity
