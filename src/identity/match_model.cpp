#include "identity/match_model.h"

#include <algorithm>
#include <cmath>
#include <tuple>
#include <utility>

#include "identity/similarity.h"
#include "seam/crypto.h"

namespace seam::identity {
namespace {

constexpr std::string_view kFormat = "seam-fs-1";

constexpr std::array<std::string_view, kMatchFieldCount> kFieldNames = {
    "first_name", "last_name", "name_suffix", "birth_date", "gender",
    "postal_code", "address", "city", "phone", "email"};

// Shared level order of both name fields (last_name has no "alias").
enum NameLevel : int8_t { kNameExact, kNameRomanised, kNameFuzzyHigh, kNameAlias, kNameFuzzyMid, kNameDifferent };

std::size_t Index(MatchField f) { return static_cast<std::size_t>(f); }

// Jaro-Winkler thresholds of the name levels (Latin letters, or loose
// romanisation across scripts), and of single words in several-word names.
constexpr double kFuzzyHighJw = 0.92;
constexpr double kFuzzyMidJw = 0.85;
constexpr double kWordPairJw = 0.92;
constexpr double kWordBestJw = 0.90;

// Generational suffixes, taken off a name's last word.
constexpr std::array<std::string_view, 11> kSuffixes = {"jr", "sr", "junior", "senior", "ii", "iii",
                                                        "iv", "2nd", "3rd", "i", "snr"};

std::string CanonicalSuffix(std::string_view s) {
  if (s == "junior") return "jr";
  if (s == "senior" || s == "snr") return "sr";
  if (s == "2nd") return "ii";
  if (s == "3rd") return "iii";
  return std::string(s);
}

std::vector<std::string> Words(std::string_view s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t j = s.find(' ', i);
    const std::size_t end = j == std::string_view::npos ? s.size() : j;
    if (end > i) out.emplace_back(s.substr(i, end - i));
    i = end + 1;
  }
  return out;
}

std::string Join(const std::vector<std::string>& words, std::size_t from, std::size_t to) {
  std::string out;
  for (std::size_t i = from; i < to; ++i) {
    if (!out.empty()) out.push_back(' ');
    out += words[i];
  }
  return out;
}

PreparedName PrepareLatin(std::string text, std::string latin) {
  PreparedName n;
  n.text = std::move(text);
  n.latin = std::move(latin);
  n.loose = LooseRomanKey(n.latin);
  n.key = n.latin;
  n.code_points = ToCodePoints(n.latin);
  n.nickname_groups = NicknameGroups(n.latin);
  return n;
}

PreparedName PrepareName(const std::string& text, std::string& suffix) {
  if (text.empty()) return {};
  if (ContainsHangul(text)) {
    PreparedName n;
    n.hangul = true;
    n.text = text;
    n.key = text;
    n.latin = LatinKey(text);
    n.loose = LooseRomanKey(n.latin);
    n.jamo = HangulToJamo(text);
    n.code_points = ToCodePoints(n.latin);
    return n;
  }
  std::vector<std::string> words = Words(LatinKey(text));
  if (words.size() >= 2 &&
      std::find(kSuffixes.begin(), kSuffixes.end(), words.back()) != kSuffixes.end()) {
    if (suffix.empty()) suffix = CanonicalSuffix(words.back());
    words.pop_back();
  }
  return PrepareLatin(text, Join(words, 0, words.size()));
}

// Names of several words ("maria luis", "medina sentosa", "aleksandr
// pavlovich"): how well the words of the shorter pair up with words of the
// longer. Each word pairs at most once: equal, an initial of the other word,
// or Jaro-Winkler >= 0.92.
struct WordMatch {
  bool all_paired = false;  // every word of the shorter name paired, one of them equal
  double best = 0;          // best Jaro-Winkler of any two words
};

WordMatch MatchWords(const std::string& a, const std::string& b) {
  WordMatch r;
  std::vector<std::string> s = Words(a), l = Words(b);
  if (s.size() > l.size() || (s.size() == l.size() && l < s)) std::swap(s, l);
  if (s.empty() || l.size() < 2) return r;
  std::vector<char> used(l.size(), 0);
  bool all = true, any_equal = false;
  for (const auto& w : s) {
    std::size_t found = l.size();
    for (std::size_t j = 0; j < l.size() && found == l.size(); ++j)
      if (!used[j] && l[j] == w) found = j, any_equal = true;
    for (std::size_t j = 0; j < l.size() && found == l.size(); ++j)
      if (!used[j] && ((w.size() == 1 && l[j][0] == w[0]) || (l[j].size() == 1 && w[0] == l[j][0]) ||
                       JaroWinkler(std::string_view(w), std::string_view(l[j])) >= kWordPairJw))
        found = j;
    if (found == l.size()) all = false;
    else used[found] = 1;
    for (const auto& x : l) r.best = std::max(r.best, JaroWinkler(std::string_view(w), std::string_view(x)));
  }
  r.all_paired = all && any_equal;
  return r;
}

// A slip on a Korean keyboard changes one jamo (김민수/김민슈); two changed
// jamo in a short name are usually another name (민수/민호, siblings often
// share a syllable), so only longer names get the weaker fuzzy level.
NameLevel CompareHangulNames(const PreparedName& a, const PreparedName& b) {
  const int distance = DamerauLevenshtein(std::u32string_view(a.jamo), std::u32string_view(b.jamo), 2);
  const std::size_t shorter = std::min(a.jamo.size(), b.jamo.size());
  // In a two-syllable given name one jamo is also what tells siblings apart
  // (윤민/윤빈, 하은/하윤): a weaker level there.
  if (distance <= 1) return shorter >= 7 ? kNameFuzzyHigh : kNameFuzzyMid;
  if (distance == 2 && shorter >= 7) return kNameFuzzyMid;
  return kNameDifferent;
}

// One side Hangul, the other Latin: 김 vs kim, 민수 vs minsoo.
NameLevel CompareAcrossScripts(const PreparedName& hangul, const PreparedName& latin, bool surname) {
  if (surname) {
    const auto& spellings = SurnameRomanizations(hangul.text);
    const std::string joined = [&] {
      std::string s = latin.latin;
      std::erase(s, ' ');
      return s;
    }();
    if (std::binary_search(spellings.begin(), spellings.end(), joined)) return kNameRomanised;
  }
  if (!hangul.loose.empty() && hangul.loose == latin.loose) return kNameRomanised;
  const double jw = JaroWinkler(std::string_view(hangul.loose), std::string_view(latin.loose));
  if (jw >= kFuzzyHighJw) return kNameFuzzyHigh;
  if (jw >= kFuzzyMidJw) return kNameFuzzyMid;
  return kNameDifferent;
}

NameLevel CompareNameParts(const PreparedName& a, const PreparedName& b, bool surname) {
  if (a.key == b.key) return kNameExact;
  if (a.hangul && b.hangul) return CompareHangulNames(a, b);
  if (a.hangul != b.hangul) return a.hangul ? CompareAcrossScripts(a, b, surname) : CompareAcrossScripts(b, a, surname);
  // Both in Latin letters (after transliteration).
  if (a.latin.empty() || b.latin.empty()) return kNameDifferent;
  const bool transliterated = a.text != a.latin || b.text != b.latin;
  const double jw = JaroWinkler(std::u32string_view(a.code_points), std::u32string_view(b.code_points));
  if (transliterated && a.loose == b.loose) return kNameRomanised;
  const int distance = DamerauLevenshtein(std::u32string_view(a.code_points), std::u32string_view(b.code_points), 1);
  const std::size_t shorter = std::min(a.code_points.size(), b.code_points.size());
  // One slip in a long name; short names differing by a letter are often
  // two names (mary/mark).
  if (jw >= kFuzzyHighJw || (distance <= 1 && shorter >= 6)) return kNameFuzzyHigh;
  const WordMatch words = MatchWords(a.latin, b.latin);
  if (words.all_paired) return kNameFuzzyHigh;
  if (!surname) {
    for (int g : a.nickname_groups)
      if (std::binary_search(b.nickname_groups.begin(), b.nickname_groups.end(), g)) return kNameAlias;
    // An initial against the full name: "b" vs "bob".
    if ((a.code_points.size() == 1 && b.code_points.size() > 1 && b.code_points[0] == a.code_points[0]) ||
        (b.code_points.size() == 1 && a.code_points.size() > 1 && a.code_points[0] == b.code_points[0]))
      return kNameAlias;
  }
  // Short names: one slip is a third of the name, and the Jaro window is
  // too narrow to see a swap ("pia"/"pai").
  if (jw >= kFuzzyMidJw || (distance <= 1 && shorter >= 3) || words.best >= kWordBestJw) return kNameFuzzyMid;
  return kNameDifferent;
}

int8_t NameFieldLevel(NameLevel l, bool surname) {
  if (!surname) return static_cast<int8_t>(l);
  // last_name levels: exact, romanised, fuzzy_high, fuzzy_mid, different.
  switch (l) {
    case kNameExact: return 0;
    case kNameRomanised: return 1;
    case kNameFuzzyHigh: return 2;
    case kNameAlias:
    case kNameFuzzyMid: return 3;
    case kNameDifferent: return 4;
  }
  return 4;
}

// A rank for choosing the name alignment: lower is stronger agreement; a
// missing part sits between weak agreement and disagreement.
int Rank(NameLevel l) { return static_cast<int>(l) * 2; }
constexpr int kMissingRank = kNameFuzzyMid * 2 + 1;

struct NamePairing {
  int rank = kMissingRank;
  NameLevel level = kNameDifferent;
  bool compared = false;
  std::string_view value;
};

NamePairing PairNames(const PreparedName& a, const PreparedName& b, bool surname) {
  NamePairing p;
  if (a.empty() || b.empty()) return p;
  p.compared = true;
  p.level = CompareNameParts(a, b, surname);
  p.rank = Rank(p.level);
  if (p.level == kNameExact) p.value = a.key;
  return p;
}

void SetName(ComparisonVector& out, MatchField field, const NamePairing& p) {
  if (!p.compared) return;
  const bool surname = field == MatchField::kLastName;
  out[Index(field)].level = NameFieldLevel(p.level, surname);
  if (p.level == kNameExact) out[Index(field)].value = p.value;
}

void CompareNames(const PreparedPerson& a, const PreparedPerson& b, ComparisonVector& out) {
  const NamePairing first = PairNames(a.first, b.first, false), last = PairNames(a.last, b.last, true);
  if (first.rank + last.rank == 0) {  // both exact: no other alignment can do better
    SetName(out, MatchField::kFirstName, first);
    SetName(out, MatchField::kLastName, last);
    return;
  }
  // Crossed: given and family name written the other way round (FEBRL token
  // swaps, "minsu kim" vs 김민수). Compared as surnames, then assigned below.
  const NamePairing x1 = PairNames(a.first, b.last, true), x2 = PairNames(a.last, b.first, true);
  const int straight_rank = first.rank + last.rank, crossed_rank = x1.rank + x2.rank;
  if (crossed_rank >= straight_rank) {
    SetName(out, MatchField::kFirstName, first);
    SetName(out, MatchField::kLastName, last);
    return;
  }
  // Which crossed pairing counts as the family name: the stronger one, with
  // the other re-levelled under first-name rules (nicknames, initials). Both
  // options are built and the better chosen by their content, so (a, b) and
  // (b, a) come out alike.
  struct Option {
    NamePairing last, first;
  };
  auto relevel = [](NamePairing p, const PreparedName& x, const PreparedName& y) {
    if (p.compared) p.level = CompareNameParts(x, y, false);
    p.rank = Rank(p.level);
    return p;
  };
  const Option opt_a{x1, relevel(x2, a.last, b.first)}, opt_b{x2, relevel(x1, a.first, b.last)};
  auto order = [](const Option& o) {
    return std::tie(o.last.rank, o.first.rank, o.last.value, o.first.value);
  };
  const Option& chosen = order(opt_b) < order(opt_a) ? opt_b : opt_a;
  SetName(out, MatchField::kFirstName, chosen.first);
  SetName(out, MatchField::kLastName, chosen.last);
}

// The best level over every pair of values (a record may hold several
// phones or e-mails); for an exact level, the smallest agreed value.
// `compare(i, j)` compares a[i] with b[j].
template <typename Fn>
FieldComparison BestOf(const std::vector<std::string>& a, const std::vector<std::string>& b, Fn compare) {
  FieldComparison best;
  if (a.empty() || b.empty()) return best;
  int best_level = 1 << 20;
  for (std::size_t i = 0; i < a.size(); ++i) {
    for (std::size_t j = 0; j < b.size(); ++j) {
      const int level = static_cast<int>(compare(i, j));
      const std::string& value = std::min(a[i], b[j]);
      if (level < best_level || (level == best_level && level == 0 && value < best.value)) {
        best_level = level;
        best.value = level == 0 ? std::string_view(value) : std::string_view();
      }
    }
  }
  best.level = static_cast<int8_t>(best_level);
  return best;
}

int8_t ComparePostalCodes(const std::string& a, const std::string& b) {
  if (a == b) return 0;
  const std::size_t shorter = std::min(a.size(), b.size());
  if (shorter >= 5 && (a.compare(0, shorter, b, 0, shorter) == 0)) return 1;  // ZIP vs ZIP+4
  if (shorter >= 4 && DamerauLevenshtein(std::string_view(a), std::string_view(b), 1) <= 1) return 1;
  if (shorter >= 4 && a.compare(0, 3, b, 0, 3) == 0) return 2;
  return 3;
}

int8_t CompareAddresses(const PreparedPerson& a, const PreparedPerson& b) {
  if (a.address_key == b.address_key) return 0;
  const TokenSetScore s = SortedTokenSetSimilarity(a.address_tokens, b.address_tokens);
  const bool contained = s.overlap >= 0.999 && std::min(a.address_tokens.size(), b.address_tokens.size()) >= 3;
  if (s.numbers_conflict) return s.dice >= 0.8 ? 2 : 3;
  if (s.dice >= 0.8 || contained) return 1;
  if (s.dice >= 0.5) return 2;
  return 3;
}

int8_t CompareCities(const std::string& a, const std::string& b) {
  if (a == b) return 0;
  if (JaroWinkler(std::string_view(a), std::string_view(b)) >= 0.9) return 1;
  return 2;
}

double Log2(double x) { return std::log2(x); }

bool IsPlaceField(MatchField f) {
  return f == MatchField::kPostalCode || f == MatchField::kAddress || f == MatchField::kCity;
}


nlohmann::json FieldToJson(MatchField f, const FieldParams& p) {
  nlohmann::json levels = nlohmann::json::array();
  const auto& names = FieldLevels(f);
  for (std::size_t i = 0; i < names.size(); ++i)
    levels.push_back({{"level", names[i]}, {"m", p.levels[i].m}, {"u", p.levels[i].u}});
  nlohmann::json tf = nlohmann::json::object();
  for (const auto& [value, share] : p.tf) tf[value] = share;
  return {{"field", FieldName(f)}, {"levels", std::move(levels)}, {"tf", std::move(tf)},
          {"tf_unknown", p.tf_unknown}, {"tf_min", p.tf_min}};
}

bool IsProbability(const nlohmann::json& v, bool allow_zero) {
  if (!v.is_number()) return false;
  const double d = v.get<double>();
  return std::isfinite(d) && d <= 1.0 && (allow_zero ? d >= 0.0 : d > 0.0);
}

Status Bad(std::string message) { return Status::Invalid("bad_match_model", std::move(message)); }

// Korean surname shares, Statistics Korea 2015 census (population and
// housing census, surname by Hangul spelling), rounded. The main Latin
// spellings of the ten most common carry the same share.
const std::vector<std::pair<const char*, double>>& KoreanSurnameShares() {
  static const std::vector<std::pair<const char*, double>> shares = {
      {"김", 0.2151}, {"이", 0.1470}, {"박", 0.0844}, {"최", 0.0470}, {"정", 0.0433}, {"강", 0.0237},
      {"조", 0.0212}, {"윤", 0.0205}, {"장", 0.0200}, {"임", 0.0166}, {"한", 0.0156}, {"오", 0.0154},
      {"서", 0.0151}, {"신", 0.0149}, {"권", 0.0142}, {"황", 0.0140}, {"안", 0.0138}, {"송", 0.0138},
      {"전", 0.0113}, {"홍", 0.0112}, {"유", 0.0108}, {"고", 0.0095}, {"문", 0.0093}, {"양", 0.0093},
      {"손", 0.0092}, {"배", 0.0081}, {"백", 0.0077}, {"허", 0.0066}, {"남", 0.0055}, {"심", 0.0055},
      {"노", 0.0045}, {"하", 0.0047}, {"곽", 0.0041}, {"성", 0.0042}, {"차", 0.0038}, {"주", 0.0046},
      {"우", 0.0039}, {"구", 0.0042}, {"민", 0.0035}, {"류", 0.0034}, {"나", 0.0030}, {"진", 0.0034},
      {"지", 0.0031}, {"엄", 0.0029}, {"채", 0.0025}, {"원", 0.0027}, {"천", 0.0024}, {"방", 0.0025},
      {"공", 0.0019}, {"현", 0.0020}, {"함", 0.0017}, {"변", 0.0027}, {"염", 0.0014}, {"여", 0.0013},
      {"추", 0.0012}, {"도", 0.0011}, {"소", 0.0010}, {"석", 0.0010}, {"선", 0.0009}, {"설", 0.0009},
      {"마", 0.0008}, {"길", 0.0008}, {"연", 0.0007}, {"위", 0.0006}, {"표", 0.0006}, {"명", 0.0005},
      {"기", 0.0005}, {"반", 0.0005}, {"라", 0.0004}, {"왕", 0.0005}, {"금", 0.0004}, {"옥", 0.0003},
      {"육", 0.0003}, {"인", 0.0003}, {"맹", 0.0003}, {"제", 0.0005}, {"모", 0.0004}, {"탁", 0.0002},
      {"국", 0.0004}, {"남궁", 0.0004}, {"황보", 0.0002}, {"제갈", 0.0001}, {"선우", 0.0001},
      {"독고", 0.00004}, {"사공", 0.00008}, {"서문", 0.00004}, {"동방", 0.00001},
      {"kim", 0.2151}, {"lee", 0.1470}, {"park", 0.0844}, {"choi", 0.0470}, {"jung", 0.0433},
      {"kang", 0.0237}, {"cho", 0.0212}, {"yoon", 0.0205}, {"jang", 0.0200}, {"lim", 0.0166},
  };
  return shares;
}

}  // namespace

std::string_view FieldName(MatchField field) { return kFieldNames[Index(field)]; }

const std::vector<std::string>& FieldLevels(MatchField field) {
  static const std::array<std::vector<std::string>, kMatchFieldCount> levels = {{
      {"exact", "romanised", "fuzzy_high", "alias", "fuzzy_mid", "different"},
      {"exact", "romanised", "fuzzy_high", "fuzzy_mid", "different"},
      {"exact", "different"},
      {"exact", "one_digit", "day_month_swapped", "same_year_month", "within_year", "different"},
      {"exact", "different"},
      {"exact", "near", "district", "different"},
      {"exact", "high", "mid", "different"},
      {"exact", "fuzzy", "different"},
      {"exact", "one_edit", "different"},
      {"exact", "same_local_part", "similar_local_part", "different"},
  }};
  return levels[Index(field)];
}

PreparedPerson Prepare(const PersonAttributes& person) {
  PreparedPerson p;
  std::string first = person.first_name, last = person.last_name;
  // A name that arrived whole in a script without spaces (王杰) and could not
  // be split on the way in: family name first, as in Chinese and Korean.
  if (last.empty() && !first.empty() && !ContainsHangul(first) && first.find(' ') == std::string::npos) {
    const std::vector<std::string> words = Words(LatinKey(first));
    if (words.size() >= 2) {
      p.first = PrepareLatin(first, Join(words, 1, words.size()));
      p.last = PrepareLatin(first, words[0]);
    }
  }
  if (p.first.empty() && p.last.empty()) {
    p.first = PrepareName(first, p.suffix);
    p.last = PrepareName(last, p.suffix);
  }
  p.birth_date = person.birth_date;
  p.gender = person.gender;
  p.postal_code = person.postal_code;
  p.address_tokens = AddressTokens(person.address);
  std::sort(p.address_tokens.begin(), p.address_tokens.end());
  p.address_key = Join(p.address_tokens, 0, p.address_tokens.size());
  p.city = LatinKey(person.city);
  p.phones = person.phones;
  for (const auto& phone : p.phones) p.phone_national.push_back(NationalNumber(phone));
  p.emails = person.emails;
  return p;
}

ComparisonVector CompareFields(const PreparedPerson& a, const PreparedPerson& b) {
  ComparisonVector out;
  CompareNames(a, b, out);
  if (!a.suffix.empty() && !b.suffix.empty())
    out[Index(MatchField::kNameSuffix)].level = a.suffix == b.suffix ? 0 : 1;
  if (!a.birth_date.empty() && !b.birth_date.empty()) {
    auto& c = out[Index(MatchField::kBirthDate)];
    c.level = static_cast<int8_t>(CompareDates(a.birth_date, b.birth_date));
    if (c.level == 0) c.value = a.birth_date;
  }
  if (!a.gender.empty() && !b.gender.empty())
    out[Index(MatchField::kGender)].level = a.gender == b.gender ? 0 : 1;
  if (!a.postal_code.empty() && !b.postal_code.empty()) {
    auto& c = out[Index(MatchField::kPostalCode)];
    c.level = ComparePostalCodes(a.postal_code, b.postal_code);
    if (c.level == 0) c.value = a.postal_code;
  }
  if (!a.address_tokens.empty() && !b.address_tokens.empty()) {
    auto& c = out[Index(MatchField::kAddress)];
    c.level = CompareAddresses(a, b);
    if (c.level == 0) c.value = a.address_key;
  }
  if (!a.city.empty() && !b.city.empty()) {
    auto& c = out[Index(MatchField::kCity)];
    c.level = CompareCities(a.city, b.city);
    if (c.level == 0) c.value = a.city;
  }
  out[Index(MatchField::kPhone)] = BestOf(a.phones, b.phones, [&](std::size_t i, std::size_t j) {
    return ComparePhones(a.phones[i], a.phone_national[i], b.phones[j], b.phone_national[j]);
  });
  out[Index(MatchField::kEmail)] = BestOf(a.emails, b.emails, [&](std::size_t i, std::size_t j) {
    return CompareEmails(a.emails[i], b.emails[j]);
  });
  return out;
}

bool IsHouseholdField(MatchField f) {
  return f == MatchField::kPostalCode || f == MatchField::kAddress || f == MatchField::kCity ||
         f == MatchField::kPhone || f == MatchField::kEmail;
}

bool HouseholdPattern(int8_t first_name_level, int8_t birth_date_level, int8_t gender_level) {
  const auto first_levels = static_cast<int8_t>(FieldLevels(MatchField::kFirstName).size());
  const auto birth_levels = static_cast<int8_t>(FieldLevels(MatchField::kBirthDate).size());
  return first_name_level == first_levels - 1 ||
         (first_name_level == kNameFuzzyMid && (birth_date_level == birth_levels - 1 || gender_level == 1));
}

bool Contradicts(const ComparisonVector& c) {
  const auto last_level = [](MatchField f) { return static_cast<int8_t>(FieldLevels(f).size() - 1); };
  const int8_t first = c[Index(MatchField::kFirstName)].level;
  const int8_t dob = c[Index(MatchField::kBirthDate)].level, suffix = c[Index(MatchField::kNameSuffix)].level;
  const bool first_differs = first == last_level(MatchField::kFirstName);
  if (suffix == last_level(MatchField::kNameSuffix)) return true;
  if (first_differs && dob == last_level(MatchField::kBirthDate)) return true;
  return false;
}

double MatchModel::PriorWeight() const { return Log2(prior / (1.0 - prior)); }

double MatchModel::Weight(MatchField field, int level, std::string_view value) const {
  const FieldParams& p = fields[Index(field)];
  const LevelParams& l = p.levels[static_cast<std::size_t>(level)];
  double u = l.u;
  if (level == 0 && !p.tf.empty()) {
    const auto it = p.tf.find(value);
    if (it != p.tf.end()) u = it->second;
    else if (p.tf_unknown > 0) u = p.tf_unknown;
    u = std::max(u, p.tf_min);
  }
  return Log2(l.m / u);
}

MatchScore MatchModel::Score(const ComparisonVector& comparison) const {
  MatchScore s;
  ScoreInto(comparison, s.total, &s.fields);
  s.probability = 1.0 / (1.0 + std::exp2(-s.total));
  return s;
}

double MatchModel::Probability(const ComparisonVector& comparison) const {
  double total = 0;
  ScoreInto(comparison, total, nullptr);
  return 1.0 / (1.0 + std::exp2(-total));
}

void MatchModel::ScoreInto(const ComparisonVector& comparison, double& total, std::vector<FieldWeight>* fields_out) const {
  total = PriorWeight();
  const int8_t first = comparison[Index(MatchField::kFirstName)].level;
  const int8_t last = comparison[Index(MatchField::kLastName)].level;
  const int8_t birth = comparison[Index(MatchField::kBirthDate)].level;
  const bool household =
      household_rule && HouseholdPattern(first, birth, comparison[Index(MatchField::kGender)].level);
  // Twins: one family name, one birth date, two given names.
  const bool one_family = household && last != kNull && last <= 2;
  // Dependent evidence counts once: the largest positive weight of a group.
  double group_sum = 0, group_max = 0;
  for (std::size_t i = 0; i < kMatchFieldCount; ++i) {
    const FieldComparison& c = comparison[i];
    if (c.level == kNull) continue;
    const auto field = static_cast<MatchField>(i);
    double w = Weight(field, c.level, c.value);
    // Two people of one family share a birth date far more often than two
    // people drawn at random: twins.
    // Alike given names within a household are sibling names (윤민/윤빈):
    // no evidence of one person.
    if (household && field == MatchField::kFirstName && w > 0) w = 0;
    if (one_family && field == MatchField::kBirthDate && c.level == 0) {
      const double m = fields[i].levels[0].m;
      w = std::min(w, Log2(m / household_birth_u));
    }
    total += w;
    const bool grouped = household ? IsHouseholdField(field) : place_rule && IsPlaceField(field);
    if (grouped && w > 0) {
      group_sum += w;
      group_max = std::max(group_max, w);
    }
    if (fields_out != nullptr)
      fields_out->push_back(
          {std::string(FieldName(field)), FieldLevels(field)[static_cast<std::size_t>(c.level)], w});
  }
  const double taken_back = group_sum - group_max;
  if (taken_back > 0) {
    total -= taken_back;
    if (fields_out == nullptr) return;
    if (household)
      fields_out->push_back({"household", "given_names_differ", -taken_back});
    else
      fields_out->push_back({"place", "nested", -taken_back});
  }
}

MatchScore MatchModel::Compare(const PreparedPerson& a, const PreparedPerson& b) const {
  return Score(CompareFields(a, b));
}

std::optional<MatchScore> MatchModel::CompareAtLeast(const PreparedPerson& a, const PreparedPerson& b,
                                                     double min_probability) const {
  const ComparisonVector compared = CompareFields(a, b);
  if (Probability(compared) < min_probability) return std::nullopt;
  return Score(compared);
}

MatchScore MatchModel::Compare(const PersonAttributes& a, const PersonAttributes& b) const {
  return Compare(Prepare(a), Prepare(b));
}

nlohmann::json MatchModel::ToJson() const {
  nlohmann::json doc = {{"format", kFormat},
                        {"version", version},
                        {"prior", prior},
                        {"upper_threshold", upper_threshold},
                        {"lower_threshold", lower_threshold},
                        {"household_rule", household_rule},
                        {"place_rule", place_rule},
                        {"household_birth_u", household_birth_u}};
  nlohmann::json list = nlohmann::json::array();
  for (std::size_t i = 0; i < kMatchFieldCount; ++i) list.push_back(FieldToJson(static_cast<MatchField>(i), fields[i]));
  doc["fields"] = std::move(list);
  return doc;
}

Result<MatchModel> MatchModel::FromJson(const nlohmann::json& doc) {
  if (!doc.is_object()) return Bad("model is not an object");
  if (!doc.contains("format") || doc["format"] != kFormat) return Bad("unknown model format");
  MatchModel m;
  if (!doc.contains("version") || !doc["version"].is_string()) return Bad("version missing");
  m.version = doc["version"].get<std::string>();
  for (const char* key : {"prior", "upper_threshold", "lower_threshold"})
    if (!doc.contains(key) || !IsProbability(doc[key], false)) return Bad(std::string(key) + " is not in (0, 1]");
  m.prior = doc["prior"].get<double>();
  m.upper_threshold = doc["upper_threshold"].get<double>();
  m.lower_threshold = doc["lower_threshold"].get<double>();
  if (m.prior >= 1.0) return Bad("prior must be below 1");
  if (!doc.contains("household_rule") || !doc["household_rule"].is_boolean()) return Bad("household_rule missing");
  m.household_rule = doc["household_rule"].get<bool>();
  if (!doc.contains("place_rule") || !doc["place_rule"].is_boolean()) return Bad("place_rule missing");
  m.place_rule = doc["place_rule"].get<bool>();
  if (!doc.contains("household_birth_u") || !IsProbability(doc["household_birth_u"], false))
    return Bad("household_birth_u is not in (0, 1]");
  m.household_birth_u = doc["household_birth_u"].get<double>();
  if (m.lower_threshold > m.upper_threshold) return Bad("lower_threshold above upper_threshold");
  if (!doc.contains("fields") || !doc["fields"].is_array() || doc["fields"].size() != kMatchFieldCount)
    return Bad("fields must list every compared field");
  for (std::size_t i = 0; i < kMatchFieldCount; ++i) {
    const auto field = static_cast<MatchField>(i);
    const nlohmann::json& f = doc["fields"][i];
    if (!f.is_object() || !f.contains("field") || f["field"] != FieldName(field))
      return Bad("field " + std::to_string(i) + " is not " + std::string(FieldName(field)));
    const auto& names = FieldLevels(field);
    if (!f.contains("levels") || !f["levels"].is_array() || f["levels"].size() != names.size())
      return Bad(std::string(FieldName(field)) + ": levels differ from this build's");
    FieldParams& p = m.fields[i];
    for (std::size_t l = 0; l < names.size(); ++l) {
      const nlohmann::json& level = f["levels"][l];
      if (!level.is_object() || !level.contains("level") || level["level"] != names[l] || !level.contains("m") ||
          !level.contains("u") || !IsProbability(level["m"], false) || !IsProbability(level["u"], false))
        return Bad(std::string(FieldName(field)) + ": level " + names[l] + " malformed");
      p.levels.push_back({level["m"].get<double>(), level["u"].get<double>()});
    }
    if (!f.contains("tf") || !f["tf"].is_object()) return Bad(std::string(FieldName(field)) + ": tf missing");
    for (const auto& [value, share] : f["tf"].items()) {
      if (!IsProbability(share, false)) return Bad(std::string(FieldName(field)) + ": tf share out of range");
      p.tf.emplace(value, share.get<double>());
    }
    if (!f.contains("tf_unknown") || !IsProbability(f["tf_unknown"], true) || !f.contains("tf_min") ||
        !IsProbability(f["tf_min"], true))
      return Bad(std::string(FieldName(field)) + ": tf_unknown / tf_min malformed");
    p.tf_unknown = f["tf_unknown"].get<double>();
    p.tf_min = f["tf_min"].get<double>();
  }
  return m;
}

std::string MatchModel::ContentVersion() const {
  nlohmann::json doc = ToJson();
  doc.erase("version");
  return "fs1-" + Hex(Sha256(doc.dump())).substr(0, 16);
}

MatchModel MatchModel::Default() {
  MatchModel m;
  auto set = [&](MatchField f, std::vector<LevelParams> levels) { m.fields[Index(f)].levels = std::move(levels); };
  // m: close to what EM estimates on FEBRL, the Splink fakes and the
  // historical set (docs/matching.md), with fewer outright given-name changes
  // than FEBRL's generator makes. u: a base of 10^4..10^6 customers.
  //                         exact           romanised       fuzzy_high      alias           fuzzy_mid       different
  set(MatchField::kFirstName, {{0.70, 0.005}, {0.02, 1e-5}, {0.15, 0.002}, {0.05, 0.003}, {0.05, 0.003}, {0.03, 0.986990}});
  set(MatchField::kLastName, {{0.72, 0.004}, {0.02, 1e-5}, {0.17, 0.002}, {0.04, 0.004}, {0.05, 0.98999}});
  set(MatchField::kNameSuffix, {{0.999, 0.6}, {0.001, 0.4}});
  //                         exact          one_digit        dm_swapped     same_ym          within_year    different
  set(MatchField::kBirthDate, {{0.80, 1e-4}, {0.08, 0.0012}, {0.01, 2e-5}, {0.01, 0.0008}, {0.04, 0.03}, {0.06, 0.96808}});
  set(MatchField::kGender, {{0.98, 0.5}, {0.02, 0.5}});
  set(MatchField::kPostalCode, {{0.75, 0.001}, {0.10, 0.01}, {0.05, 0.02}, {0.10, 0.969}});
  set(MatchField::kAddress, {{0.45, 3e-5}, {0.30, 5e-5}, {0.12, 0.001}, {0.13, 0.99892}});
  set(MatchField::kCity, {{0.75, 0.02}, {0.15, 0.005}, {0.10, 0.975}});
  set(MatchField::kPhone, {{0.80, 1e-5}, {0.05, 1e-4}, {0.15, 0.99989}});
  set(MatchField::kEmail, {{0.60, 1e-5}, {0.15, 7e-5}, {0.15, 0.002}, {0.10, 0.99792}});
  FieldParams& last = m.fields[Index(MatchField::kLastName)];
  for (const auto& [surname, share] : KoreanSurnameShares()) last.tf.emplace(surname, share);
  m.prior = 1e-4;
  m.upper_threshold = 0.95;
  m.lower_threshold = 0.5;
  m.version = m.ContentVersion();
  return m;
}

}  // namespace seam::identity
