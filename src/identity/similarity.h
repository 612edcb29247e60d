// String, date, phone and e-mail similarity for probabilistic matching.
// Pure functions: no I/O, no clock, no global state beyond immutable tables
// and per-thread ICU objects. Every two-argument function is symmetric
// (f(a, b) == f(b, a), bit for bit): the match score must not depend on which
// record arrived first.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace seam::identity {

// UTF-8 -> code points; an ill-formed sequence becomes U+FFFD.
std::u32string ToCodePoints(std::string_view utf8);
std::string ToUtf8(std::u32string_view code_points);

// Jaro-Winkler over code points (prefix scale 0.1, prefix up to 4). 1 for two
// equal strings, 0 when either is empty and the other is not.
double JaroWinkler(std::u32string_view a, std::u32string_view b);
double JaroWinkler(std::string_view a, std::string_view b);

// Optimal-string-alignment Damerau-Levenshtein distance (insert, delete,
// substitute, swap of two adjacent code points), computed only up to
// `max_distance`: anything farther returns max_distance + 1.
int DamerauLevenshtein(std::u32string_view a, std::u32string_view b, int max_distance);
int DamerauLevenshtein(std::string_view a, std::string_view b, int max_distance);

// --- Hangul -----------------------------------------------------------------

bool IsHangulSyllable(char32_t c);
// True when any code point is a Hangul syllable or jamo.
bool ContainsHangul(std::string_view utf8);
// Syllables decomposed into conjoining jamo (ICU NFD): 김민수 -> ᄀ ᅵ ᆷ ᄆ ᅵ ᆫ ᄉ ᅮ.
// A typo on a Korean keyboard changes one jamo, not a whole syllable, so
// jamo-level edit distance is what tells 김민수/김민슈 from 김민수/김영희.
std::u32string HangulToJamo(std::string_view utf8);
// Revised Romanization of Korean, syllable by syllable, without the sound
// changes across syllables (as RR permits for personal names): 민수 -> minsu.
// Code points that are not Hangul syllables are copied unchanged.
std::string RomanizeHangul(std::string_view utf8);
// Spellings a Korean surname takes in Latin letters (passports, cards, web
// forms): 김 -> {gim, kim}; 이 -> {i, lee, rhee, yi, ...}. Sorted; empty for a
// surname outside the table (then RomanizeHangul is the one spelling).
const std::vector<std::string>& SurnameRomanizations(std::string_view hangul_surname);
// A loose key for comparing romanised Korean across spelling systems
// (McCune-Reischauer, passport habits, RR): voicing and long-vowel spellings
// folded, so "choi"/"choe", "jung"/"jeong", "minsoo"/"minsu" agree.
std::string LooseRomanKey(std::string_view latin);

// --- Names in other scripts ---------------------------------------------------

// A Latin, ASCII, lower-case form for comparing names across scripts and
// spellings: Hangul by RomanizeHangul, any other script by ICU
// "Any-Latin; Latin-ASCII" (王杰 -> wang jie, José -> jose); anything but
// letters and digits becomes a single space; trimmed.
std::string LatinKey(std::string_view utf8);

// True when `a` and `b` are the same English given name in full and
// familiar form (robert/bob, william/bill, margaret/peggy, ...): both
// lower-case ASCII.
bool IsNicknamePair(std::string_view a, std::string_view b);
// The nickname groups a name belongs to (sorted ids; empty for most names):
// two different names share a group iff IsNicknamePair. Computed once per
// record, so a candidate loop intersects two short lists.
std::vector<int> NicknameGroups(std::string_view name);

// --- Addresses ----------------------------------------------------------------

// Tokens of an address: split on anything but letters and digits, common
// street-type abbreviations expanded (st -> street, rd -> road, ...).
std::vector<std::string> AddressTokens(std::string_view normalised_address);

struct TokenSetScore {
  double dice = 0;     // 2 * matched / (|a| + |b|)
  double overlap = 0;  // matched / min(|a|, |b|)
  // Both hold numbers (house, unit) and share none of them.
  bool numbers_conflict = false;
};
// Soft token matching: tokens pair up when equal, or (letters only) with
// Jaro-Winkler >= 0.9; numbers must be equal. Greedy in a canonical order,
// so symmetric.
TokenSetScore TokenSetSimilarity(const std::vector<std::string>& a, const std::vector<std::string>& b);
// The same for lists already sorted (PreparedPerson keeps its address words
// sorted), without the copies: the candidate loop calls this per pair.
TokenSetScore SortedTokenSetSimilarity(const std::vector<std::string>& a, const std::vector<std::string>& b);

// --- Dates, phones, e-mails -----------------------------------------------------

enum class DateLevel : uint8_t {
  kExact,
  kOneDigit,          // one digit of YYYYMMDD changed, or two adjacent swapped
  kDayMonthSwapped,   // 1990-03-04 vs 1990-04-03
  kSameYearMonth,
  kWithinYear,        // at most 366 days apart (birthday typed as the wrong year-end, etc.)
  kDifferent,
};
// `a`, `b`: ISO dates "YYYY-MM-DD" (as Normalizer::Date writes them).
DateLevel CompareDates(std::string_view a, std::string_view b);

enum class PhoneLevel : uint8_t {
  kExact,
  kOneEdit,  // national significant number with one digit off or two adjacent swapped
  kDifferent,
};
// `a`, `b`: E.164 ("+821012345678").
PhoneLevel ComparePhones(std::string_view a, std::string_view b);
// The same with the national significant numbers already taken out
// (NationalNumber), as a candidate loop should call it: parsing a number
// costs more than comparing it.
PhoneLevel ComparePhones(std::string_view a, std::string_view a_national, std::string_view b,
                         std::string_view b_national);
// The national significant number of an E.164 value (libphonenumber), or the
// digits after '+' when it cannot be parsed.
std::string NationalNumber(std::string_view e164);

enum class EmailLevel : uint8_t {
  kExact,
  kSameLocalPart,     // jane@a.com vs jane@b.com
  kSimilarLocalPart,  // local parts within Jaro-Winkler 0.9 or two edits
  kDifferent,
};
// `a`, `b`: normalised (lower-case) addresses.
EmailLevel CompareEmails(std::string_view a, std::string_view b);

}  // namespace seam::identity
