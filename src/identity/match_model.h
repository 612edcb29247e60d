// Fellegi-Sunter scoring of two person records (SPEC §5, probabilistic
// matching). Each field compares into one of a few discrete levels; each level
// has m = P(level | same person) and u = P(level | different people), and
// contributes log2(m / u) to the score. Exact agreement on a value is
// term-frequency adjusted: agreeing on 김 (21.5% of Koreans) says less than
// agreeing on 남궁. The total adds the prior log2(λ / (1 - λ)), λ being the
// probability that two records drawn at random are one person, so it is the
// log2 posterior odds of a match. docs/matching.md explains every formula.
//
// A model is a versioned snapshot: Default() needs no training, Train()
// (match_training.h) estimates m/u and term frequencies from data, ToJson /
// FromJson store it. Compare is deterministic and symmetric, bit for bit:
// fields are visited in a fixed order and nothing iterates an unordered
// container, so a score does not depend on which record came first.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "identity/person.h"
#include "seam/status.h"

namespace seam::identity {

// The compared fields, in scoring order.
enum class MatchField : uint8_t {
  kFirstName,
  kLastName,
  kNameSuffix,  // generational suffix (jr, sr, ii, ...): compared only when both carry one
  kBirthDate,
  kGender,
  kPostalCode,
  kAddress,
  kCity,
  kPhone,
  kEmail,
};
inline constexpr std::size_t kMatchFieldCount = 10;

std::string_view FieldName(MatchField field);
// The level names of a field, best agreement first, "different" last.
const std::vector<std::string>& FieldLevels(MatchField field);

// A name part ready for comparison.
struct PreparedName {
  std::string text;    // as normalised (Hangul kept as Hangul)
  std::string latin;   // LatinKey(text): ASCII words
  std::string loose;   // LooseRomanKey(latin), for Hangul vs Latin
  std::string key;     // what "exact" and term frequencies use: text for Hangul, else latin
  std::u32string jamo; // Hangul only: HangulToJamo(text)
  std::u32string code_points;  // of `latin`
  std::vector<int> nickname_groups;  // NicknameGroups(latin)
  bool hangul = false;
  bool empty() const { return key.empty(); }
  bool operator==(const PreparedName&) const = default;
};

// Comparison-ready forms of one person, computed once per record; comparing
// prepared records is what a candidate loop should do.
struct PreparedPerson {
  PreparedName first, last;
  std::string suffix;  // "jr", "sr", "ii", ... taken off the name parts
  std::string birth_date;
  std::string gender;
  std::string postal_code;
  std::vector<std::string> address_tokens;  // sorted
  std::string address_key;  // the tokens, space-joined
  std::string city;         // LatinKey
  std::vector<std::string> phones;
  std::vector<std::string> phone_national;  // NationalNumber of each phone
  std::vector<std::string> emails;
  bool operator==(const PreparedPerson&) const = default;
};
PreparedPerson Prepare(const PersonAttributes& person);

// Per field: the level index into FieldLevels, or kNull when either side lacks
// the value; `value` is the agreed value for term frequency (exact level only),
// a view into the compared records, which must outlive the comparison.
inline constexpr int8_t kNull = -1;
struct FieldComparison {
  int8_t level = kNull;
  std::string_view value;
};
using ComparisonVector = std::array<FieldComparison, kMatchFieldCount>;
ComparisonVector CompareFields(const PreparedPerson& a, const PreparedPerson& b);

// The household pattern of the dependence rules (MatchModel::household_rule):
// the given names differ outright, or are merely alike (mary/mark, 윤민/윤빈)
// next to another birth date or another gender. Then the fields a household shares (IsHouseholdField:
// postal code, address, city, phone, e-mail) are one piece of evidence —
// parents, children, spouses (who keep their own family names in Korea) and
// siblings share them.
bool HouseholdPattern(int8_t first_name_level, int8_t birth_date_level, int8_t gender_level);
bool IsHouseholdField(MatchField field);

// A hard contradiction: the two records are clearly two people, whatever
// else agrees — the generational suffixes conflict (Jr / Sr), or the given
// names differ outright and so do the birth dates or the family names. Model
// independent, so a cluster-level check can refuse a link that would put two
// such records into one profile (see docs/matching.md, admission rule).
bool Contradicts(const ComparisonVector& comparison);

struct FieldWeight {
  std::string field, level;
  double weight;  // log2 Bayes factor of this field, term frequency included
  bool operator==(const FieldWeight&) const = default;
};

struct MatchScore {
  double total = 0;        // log2 Bayes factor of all fields + the prior
  double probability = 0;  // 1 / (1 + 2^-total)
  std::vector<FieldWeight> fields;  // compared fields, in scoring order
};

struct LevelParams {
  double m = 0;
  double u = 0;
  bool operator==(const LevelParams&) const = default;
};

struct FieldParams {
  std::vector<LevelParams> levels;  // parallel to FieldLevels(field)
  // Term frequencies of values (share of records holding them); empty = no
  // adjustment. Used on the exact level only:
  //   u_value = max(tf(value) if known, else tf_unknown if > 0, else u_exact; tf_min)
  //   weight  = log2(m_exact / u_value)
  std::map<std::string, double, std::less<>> tf;
  double tf_unknown = 0;
  double tf_min = 0;
  bool operator==(const FieldParams&) const = default;
};

class MatchModel {
 public:
  // Scores a pair; deterministic and symmetric.
  MatchScore Compare(const PersonAttributes& a, const PersonAttributes& b) const;
  MatchScore Compare(const PreparedPerson& a, const PreparedPerson& b) const;
  MatchScore Score(const ComparisonVector& comparison) const;
  // Score(comparison).probability, bit for bit, without the per-field
  // explanation.
  double Probability(const ComparisonVector& comparison) const;
  // Compare for a candidate loop: nullopt for a pair below `min_probability`
  // (most pairs), whose explanation is then never built.
  std::optional<MatchScore> CompareAtLeast(const PreparedPerson& a, const PreparedPerson& b,
                                           double min_probability) const;

  // The weight of one field at one level (value for term frequency).
  double Weight(MatchField field, int level, std::string_view value) const;
  double PriorWeight() const;

  // True when a pair's score makes it a probabilistic link (joins profiles),
  // resp. a possible match listed for review (lower <= p < upper).
  bool IsMatch(const MatchScore& s) const { return s.probability >= upper_threshold; }
  bool IsPossibleMatch(const MatchScore& s) const {
    return s.probability >= lower_threshold && s.probability < upper_threshold;
  }

  nlohmann::json ToJson() const;
  // Validates fields and levels against this build's comparisons: a snapshot
  // written for other levels is refused, never half-applied.
  static Result<MatchModel> FromJson(const nlohmann::json& doc);
  // Sensible m/u without training, and built-in term frequencies of Korean
  // surnames (Statistics Korea, 2015 census).
  static MatchModel Default();

  // Content hash of everything but the version itself ("fs1-" + 16 hex).
  std::string ContentVersion() const;

  bool operator==(const MatchModel&) const = default;

  std::string version;
  double prior = 0;            // λ: P(two random records are one person)
  double upper_threshold = 0;  // match probability at or above which a pair links
  double lower_threshold = 0;  // ... at or above which it is a possible match
  // Household rule: for a pair with the household pattern (HouseholdPattern:
  // the given names disagree), agreement on what a household shares (postal
  // code, address, city, phone, e-mail) is one piece of evidence, "same
  // household", not several: only the largest of those weights counts, the
  // rest is taken back (a "household" entry in MatchScore::fields). When the
  // family names agree too, an exact birth date counts with
  // u = max(u, household_birth_u): within a family, a shared birth date is
  // what twins have. Fellegi-Sunter assumes fields independent; within a
  // household they are not.
  bool household_rule = true;
  double household_birth_u = 0.02;
  // Place rule: postal code, address and city are nested (the same address
  // implies the same postal code and city), so their positive weights do not
  // add up either: only the largest counts ("place" entry). Disagreements
  // still all count.
  bool place_rule = false;
  std::array<FieldParams, kMatchFieldCount> fields;

 private:
  // The total of Score; the explanation too when fields_out is set. One
  // body for both, so a probability is the same with or without it.
  void ScoreInto(const ComparisonVector& comparison, double& total, std::vector<FieldWeight>* fields_out) const;
};

}  // namespace seam::identity
