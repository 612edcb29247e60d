// The person attributes a record carries for probabilistic matching (SPEC §5:
// name, birth date, gender, postal code, address, city, plus the record's
// phones and e-mails). Values are normalised once, on the way in, so that a
// stored snapshot compares the same after a library upgrade.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "seam/normalize.h"
#include "seam/status.h"

namespace seam::identity {

// Every string is normalised (see NormalizePerson); empty = unknown.
struct PersonAttributes {
  std::string first_name;   // given name (Normalizer::Name)
  std::string last_name;    // family name (Normalizer::Name)
  std::string full_name;    // the whole name as given, or first + last
  std::string birth_date;   // "YYYY-MM-DD"
  std::string gender;       // "m", "f" or empty
  std::string postal_code;  // case-folded, letters and digits only ("tq138df", "06236")
  std::string address;      // NFKC case-folded, punctuation to spaces, spaces collapsed
  std::string city;         // Normalizer::Name
  std::vector<std::string> phones;  // E.164, sorted, unique
  std::vector<std::string> emails;  // lower-case, sorted, unique

  bool operator==(const PersonAttributes&) const = default;
  // True when nothing in it could be compared.
  bool Empty() const;
};

// Compact binary form (MessagePack array, version first) for storage.
std::string EncodePerson(const PersonAttributes& person);
Result<PersonAttributes> DecodePerson(std::string_view bytes);

// A Korean full name split into family and given name: the family name is the
// first syllable, or the first two when they form a compound surname
// (남궁, 황보, 제갈, 선우, 독고, 사공, 서문, 동방, ...). `name` must already be
// normalised (Normalizer::Name: no inner spaces). nullopt when `name` is not
// all Hangul syllables or has fewer than two.
struct KoreanName {
  std::string family;
  std::string given;
};
std::optional<KoreanName> SplitKoreanName(std::string_view name);

// Fills first_name / last_name from full_name when both are empty: a Korean
// name by SplitKoreanName; "last, first" by the comma; otherwise the first
// word is the given and the last word the family name ("kim minsu" and
// "minsu kim" both stay comparable: the match model tries both orders). A
// single word goes to first_name. Also fills full_name from the parts when it
// is empty.
void FillNameParts(PersonAttributes& person);

// The raw values of one record, as SPEC §4 names its columns.
struct RawPerson {
  std::string name;  // whole name ("name" / "customer_name")
  std::string first_name;
  std::string last_name;
  std::string birth_date;
  std::string gender;
  std::string postal_code;
  std::string address;
  std::string city;
  std::vector<std::string> phones;
  std::vector<std::string> emails;
};

// Normalises every value (names, city, e-mail, phone and date through
// `normalizer`; address, postal code and gender here) and fills the name
// parts. A value that does not normalise is left out: it is unknown to the
// matcher, never a guess.
PersonAttributes NormalizePerson(const Normalizer& normalizer, const RawPerson& raw);

// The canonical forms NormalizePerson uses for the fields Normalizer has no
// rule for.
std::string NormalizePostalCode(std::string_view raw);
std::string NormalizeAddress(std::string_view raw);
std::string NormalizeGender(std::string_view raw);

}  // namespace seam::identity
