// The Fellegi-Sunter model as the resolver uses it: the default model's
// judgement on typical Korean cases, term frequencies, symmetry,
// determinism and the stored snapshot.
#include "identity/match_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "identity/person.h"
#include "seam/normalize.h"

namespace seam::identity {
namespace {

const Normalizer& Kr() {
  static const Normalizer n("KR");
  return n;
}

PersonAttributes Person(std::string name, std::string birth = "", std::string address = "",
                        std::string postal = "", std::vector<std::string> phones = {}) {
  RawPerson raw;
  raw.name = std::move(name);
  raw.birth_date = std::move(birth);
  raw.address = std::move(address);
  raw.postal_code = std::move(postal);
  raw.phones = std::move(phones);
  return NormalizePerson(Kr(), raw);
}

const FieldWeight* Field(const MatchScore& s, std::string_view field) {
  for (const auto& f : s.fields)
    if (f.field == field) return &f;
  return nullptr;
}

TEST(MatchModel, SpacedAndUnspacedHangulNamesAreTheSameName) {
  const MatchModel m = MatchModel::Default();
  const MatchScore s = m.Compare(Person("김 민수"), Person("김민수"));
  ASSERT_NE(Field(s, "first_name"), nullptr);
  ASSERT_NE(Field(s, "last_name"), nullptr);
  EXPECT_EQ(Field(s, "first_name")->level, "exact");
  EXPECT_EQ(Field(s, "last_name")->level, "exact");
}

TEST(MatchModel, RomanisedNameMatchesHangulInEitherOrder) {
  const MatchModel m = MatchModel::Default();
  const double different = m.Compare(Person("김민수"), Person("park jiyoung")).total;
  for (const char* latin : {"kim minsu", "minsu kim", "Kim Min-soo", "gim minsu"}) {
    const MatchScore s = m.Compare(Person("김민수"), Person(latin));
    ASSERT_NE(Field(s, "last_name"), nullptr) << latin;
    EXPECT_EQ(Field(s, "last_name")->level, "romanised") << latin;
    EXPECT_GT(Field(s, "first_name")->weight, 0) << latin;
    EXPECT_GT(Field(s, "last_name")->weight, 0) << latin;
    EXPECT_GT(s.total, different + 15) << latin;
  }
}

TEST(MatchModel, OneSyllableApartIsBetweenSameAndDifferent) {
  const MatchModel m = MatchModel::Default();
  const double same = m.Compare(Person("김민수"), Person("김민수")).total;
  const double near = m.Compare(Person("김민수"), Person("김민준")).total;
  const double other = m.Compare(Person("김민수"), Person("박지영")).total;
  EXPECT_LT(near, same);
  EXPECT_GT(near, other);
  // A one-jamo slip is closer than another given name.
  EXPECT_GT(m.Compare(Person("김민수"), Person("김민슈")).total, near);
}

TEST(MatchModel, TwinsAreNotLinked) {
  const MatchModel m = MatchModel::Default();
  const auto a = Person("김민수", "1995-03-14", "서울특별시 강남구 테헤란로 152 101동 1203호", "06236");
  const auto b = Person("김민호", "1995-03-14", "서울특별시 강남구 테헤란로 152 101동 1203호", "06236");
  const MatchScore s = m.Compare(a, b);
  EXPECT_FALSE(m.IsMatch(s)) << s.probability;
  // The same records as one person with a typo in the given name do link.
  const auto typo = Person("김민슈", "1995-03-14", "서울특별시 강남구 테헤란로 152 101동 1203호", "06236");
  EXPECT_TRUE(m.IsMatch(m.Compare(a, typo)));
}

TEST(MatchModel, SpousesSharingAHomeAndAPhoneAreNotLinked) {
  // Korean spouses keep their own family names; the home and the family
  // phone are one piece of household evidence, not three.
  const MatchModel m = MatchModel::Default();
  const auto a = Person("김민수", "1971-05-02", "경기도 하남시 올림픽로 285 105동 302호", "12950", {"010-2222-3333"});
  const auto b = Person("이영희", "1973-11-20", "경기도 하남시 올림픽로 285 105동 302호", "12950", {"010-2222-3333"});
  const MatchScore s = m.Compare(a, b);
  EXPECT_FALSE(m.IsMatch(s)) << s.probability;
  ASSERT_NE(Field(s, "household"), nullptr);
  EXPECT_LT(Field(s, "household")->weight, 0);
}

TEST(MatchModel, SiblingsWhoseNamesDifferByOneJamoAreNotLinked) {
  const MatchModel m = MatchModel::Default();
  RawPerson brother, sister;
  brother.name = "강윤민";
  sister.name = "강윤빈";
  brother.birth_date = sister.birth_date = "2009-01-12";
  brother.gender = "M";
  sister.gender = "F";
  brother.address = sister.address = "전라남도 목포시 해운대로 3 107동 2802호";
  brother.postal_code = sister.postal_code = "60391";
  brother.phones = {"010-7789-5714"};
  sister.phones = {"010-5437-6731"};
  EXPECT_FALSE(m.IsMatch(m.Compare(NormalizePerson(Kr(), brother), NormalizePerson(Kr(), sister))));
}

TEST(MatchModel, NameAndBirthDateAloneAgainstOtherPhoneAndAddressIsNotALink) {
  const MatchModel m = MatchModel::Default();
  const auto a = Person("김민수", "1990-01-02", "서울특별시 마포구 월드컵로 10", "03925", {"010-1234-5678"});
  const auto b = Person("김민수", "1990-01-02", "부산광역시 해운대구 센텀로 55", "48058", {"010-9876-5432"});
  EXPECT_FALSE(m.IsMatch(m.Compare(a, b)));
  // With the same phone it is one person.
  const auto c = Person("김민수", "1990-01-02", "부산광역시 해운대구 센텀로 55", "48058", {"01012345678"});
  EXPECT_TRUE(m.IsMatch(m.Compare(a, c)));
}

TEST(MatchModel, CommonSurnameCountsForLessThanARareOne) {
  const MatchModel m = MatchModel::Default();
  const MatchScore common = m.Compare(Person("김민수"), Person("김민수"));
  const MatchScore rare = m.Compare(Person("남궁민수"), Person("남궁민수"));
  EXPECT_EQ(Field(rare, "last_name")->level, "exact");
  EXPECT_LT(Field(common, "last_name")->weight, Field(rare, "last_name")->weight);
  EXPECT_LT(Field(common, "last_name")->weight, m.Compare(Person("홍길동"), Person("홍길동")).fields[1].weight);
}

TEST(MatchModel, ConflictingGenerationalSuffixesAreTwoPeople) {
  const MatchModel m = MatchModel::Default();
  RawPerson jr, sr;
  jr.first_name = sr.first_name = "David";
  jr.last_name = "Dobbins Jr";
  sr.last_name = "Dobbins Sr";
  jr.address = sr.address = "1450 N City Rd Suite 900";
  const Normalizer us("US");
  const MatchScore s = m.Compare(NormalizePerson(us, jr), NormalizePerson(us, sr));
  ASSERT_NE(Field(s, "name_suffix"), nullptr);
  EXPECT_EQ(Field(s, "name_suffix")->level, "different");
  EXPECT_TRUE(Contradicts(CompareFields(Prepare(NormalizePerson(us, jr)), Prepare(NormalizePerson(us, sr)))));
}

std::vector<PersonAttributes> Variety() {
  RawPerson latin;
  latin.first_name = "Robert";
  latin.last_name = "Smith";
  latin.birth_date = "1978-12-11";
  latin.emails = {"bob@x.com", "robert.smith@y.org"};
  latin.phones = {"+1 702 919 1300"};
  RawPerson swapped;
  swapped.first_name = "Smith";
  swapped.last_name = "Bob";
  swapped.birth_date = "1978-11-12";
  swapped.emails = {"bob@z.com"};
  return {Person("김민수", "1990-01-02", "서울 마포구 월드컵로 10", "03925", {"010-1234-5678"}),
          Person("kim minsu", "1990-01-20", "서울 마포구 월드컵로 10 2층", "03925", {"010-1234-5687"}),
          Person("민수 김", "1990-02-01"),
          Person("남궁 민", "", "", "03925"),
          Person("王杰", "1993-09-14"),
          Person("Wang Jie", "1993-09-14"),
          NormalizePerson(Normalizer("US"), latin),
          NormalizePerson(Normalizer("US"), swapped),
          Person("")};
}

TEST(MatchModel, CompareIsSymmetricAndDeterministicBitForBit) {
  const MatchModel m = MatchModel::Default();
  const auto people = Variety();
  for (const auto& a : people) {
    for (const auto& b : people) {
      const MatchScore ab = m.Compare(a, b), ba = m.Compare(b, a), again = m.Compare(a, b);
      EXPECT_EQ(std::memcmp(&ab.total, &ba.total, sizeof(double)), 0) << a.full_name << " / " << b.full_name;
      EXPECT_EQ(std::memcmp(&ab.total, &again.total, sizeof(double)), 0);
      EXPECT_EQ(ab.fields, ba.fields) << a.full_name << " / " << b.full_name;
    }
  }
}

TEST(MatchModel, ProbabilityAloneIsTheScoresProbabilityBitForBit) {
  // The candidate loop filters on Probability and builds Score only for the
  // pairs it keeps: the two must never disagree on a threshold.
  const MatchModel m = MatchModel::Default();
  auto people = Variety();
  // A household: its shared home and phone are one piece of evidence.
  people.push_back(Person("김민수", "1971-05-02", "경기도 하남시 올림픽로 285 105동 302호", "12950", {"010-2222-3333"}));
  people.push_back(Person("이영희", "1973-11-20", "경기도 하남시 올림픽로 285 105동 302호", "12950", {"010-2222-3333"}));
  std::size_t household = 0;
  for (const auto& a : people) {
    for (const auto& b : people) {
      const PreparedPerson pa = Prepare(a), pb = Prepare(b);
      const ComparisonVector compared = CompareFields(pa, pb);
      const MatchScore full = m.Score(compared);
      const double alone = m.Probability(compared);
      EXPECT_EQ(std::memcmp(&full.probability, &alone, sizeof(double)), 0) << a.full_name << " / " << b.full_name;
      // A pair at the threshold is kept, with the whole explanation; one just below it is not.
      const auto kept = m.CompareAtLeast(pa, pb, full.probability);
      ASSERT_TRUE(kept.has_value());
      EXPECT_EQ(kept->fields, full.fields);
      EXPECT_FALSE(m.CompareAtLeast(pa, pb, std::nextafter(full.probability, 2.0)).has_value());
      household += Field(full, "household") != nullptr;
    }
  }
  EXPECT_GT(household, 0u);  // the taken-back weight is part of what is compared
}

TEST(MatchModel, SnapshotRoundTripsThroughJson) {
  const MatchModel m = MatchModel::Default();
  auto back = MatchModel::FromJson(nlohmann::json::parse(m.ToJson().dump()));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(*back, m);
  EXPECT_EQ(back->ContentVersion(), m.version);
}

TEST(MatchModel, SnapshotForOtherLevelsIsRefused) {
  nlohmann::json doc = MatchModel::Default().ToJson();
  doc["fields"][0]["levels"].erase(1);
  EXPECT_FALSE(MatchModel::FromJson(doc).ok());
  doc = MatchModel::Default().ToJson();
  doc["fields"][3]["levels"][0]["m"] = 1.5;
  EXPECT_FALSE(MatchModel::FromJson(doc).ok());
  doc = MatchModel::Default().ToJson();
  doc["fields"][1]["field"] = "surname";
  EXPECT_FALSE(MatchModel::FromJson(doc).ok());
  EXPECT_FALSE(MatchModel::FromJson(nlohmann::json::array()).ok());
}

TEST(MatchModel, VersionChangesWithContent) {
  MatchModel m = MatchModel::Default();
  m.fields[0].levels[0].m = 0.5;
  EXPECT_NE(m.ContentVersion(), MatchModel::Default().version);
}

TEST(Person, SplitsKoreanNamesIncludingCompoundSurnames) {
  auto kim = SplitKoreanName("김민수");
  ASSERT_TRUE(kim.has_value());
  EXPECT_EQ(kim->family, "김");
  EXPECT_EQ(kim->given, "민수");
  auto namgung = SplitKoreanName("남궁민수");
  ASSERT_TRUE(namgung.has_value());
  EXPECT_EQ(namgung->family, "남궁");
  EXPECT_EQ(namgung->given, "민수");
  auto two = SplitKoreanName("선우");  // too short for the compound: 선 + 우
  ASSERT_TRUE(two.has_value());
  EXPECT_EQ(two->family, "선");
  EXPECT_FALSE(SplitKoreanName("kim").has_value());
  EXPECT_FALSE(SplitKoreanName("김").has_value());
}

TEST(Person, NormalisesEveryField) {
  RawPerson raw;
  raw.name = "김 민수";
  raw.birth_date = "1990.01.02";
  raw.gender = "여성";
  raw.postal_code = " 06 236 ";
  raw.address = "서울특별시  강남구, 테헤란로 152";
  raw.phones = {"010-1234-5678", "01012345678", "not a phone"};
  raw.emails = {" Jane@Example.COM ", "bad"};
  const PersonAttributes p = NormalizePerson(Kr(), raw);
  EXPECT_EQ(p.full_name, "김민수");
  EXPECT_EQ(p.last_name, "김");
  EXPECT_EQ(p.first_name, "민수");
  EXPECT_EQ(p.birth_date, "1990-01-02");
  EXPECT_EQ(p.gender, "f");
  EXPECT_EQ(p.postal_code, "06236");
  EXPECT_EQ(p.address, "서울특별시 강남구 테헤란로 152");
  EXPECT_EQ(p.phones, std::vector<std::string>{"+821012345678"});
  EXPECT_EQ(p.emails, std::vector<std::string>{"jane@example.com"});
}

TEST(Person, EncodingRoundTripsAndRejectsGarbage) {
  const PersonAttributes p = Variety()[0];
  auto back = DecodePerson(EncodePerson(p));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, p);
  EXPECT_FALSE(DecodePerson("not msgpack at all").ok());
  EXPECT_FALSE(DecodePerson("").ok());
  std::string truncated = EncodePerson(p);
  truncated.resize(truncated.size() / 2);
  EXPECT_FALSE(DecodePerson(truncated).ok());
}

}  // namespace
}  // namespace seam::identity
