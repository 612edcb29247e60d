// String, date, phone and e-mail comparisons behind probabilistic matching.
#include "identity/similarity.h"

#include <gtest/gtest.h>
#include <phonenumbers/phonenumberutil.h>

#include <set>
#include <string>
#include <vector>

namespace seam::identity {
namespace {

TEST(JaroWinkler, MatchesTheTextbookValues) {
  EXPECT_NEAR(JaroWinkler("martha", "marhta"), 0.9611, 1e-4);
  EXPECT_NEAR(JaroWinkler("dwayne", "duane"), 0.84, 1e-4);
  EXPECT_NEAR(JaroWinkler("dixon", "dicksonx"), 0.8133, 1e-4);
  EXPECT_DOUBLE_EQ(JaroWinkler("same", "same"), 1.0);
  EXPECT_DOUBLE_EQ(JaroWinkler("", "x"), 0.0);
}

TEST(JaroWinkler, CountsCodePointsNotBytes) {
  // Three syllables each; two agree. Over bytes the lengths would be 9.
  const double syllables = JaroWinkler("김민수", "김민준");
  EXPECT_NEAR(syllables, (2.0 / 3 + 2.0 / 3 + 1.0) / 3 + 2 * 0.1 * (1 - (2.0 / 3 + 2.0 / 3 + 1.0) / 3), 1e-12);
}

TEST(JaroWinkler, IsSymmetricBitForBit) {
  const std::vector<std::string> words = {"jones", "johnson", "jonas", "sjones", "김민수", "민수김", "abcde", "edcba",
                                          "aab", "aba", "crate", "trace", "dwayne", "duane"};
  for (const auto& a : words)
    for (const auto& b : words) EXPECT_EQ(JaroWinkler(a, b), JaroWinkler(b, a)) << a << " / " << b;
}

TEST(DamerauLevenshtein, CountsEditsAndAdjacentSwaps) {
  EXPECT_EQ(DamerauLevenshtein("kitten", "sitting", 5), 3);
  EXPECT_EQ(DamerauLevenshtein("ab", "ba", 5), 1);
  EXPECT_EQ(DamerauLevenshtein("", "abc", 5), 3);
  EXPECT_EQ(DamerauLevenshtein("same", "same", 0), 0);
}

TEST(DamerauLevenshtein, StopsAtTheBound) {
  EXPECT_EQ(DamerauLevenshtein("abcdefgh", "hgfedcba", 2), 3);
  EXPECT_EQ(DamerauLevenshtein("a", "abcdef", 2), 3);
}

TEST(Hangul, DecomposesSyllablesIntoJamo) {
  EXPECT_EQ(HangulToJamo("김"), (std::u32string{0x1100, 0x1175, 0x11B7}));
  EXPECT_EQ(HangulToJamo("민수").size(), 5u);
  // A keyboard slip changes one jamo, not a whole syllable.
  EXPECT_EQ(DamerauLevenshtein(HangulToJamo("김민수"), HangulToJamo("김민슈"), 3), 1);
  EXPECT_TRUE(ContainsHangul("kim 민수"));
  EXPECT_FALSE(ContainsHangul("kim minsu"));
}

TEST(Hangul, RomanizesByRevisedRomanization) {
  EXPECT_EQ(RomanizeHangul("김민수"), "gimminsu");
  EXPECT_EQ(RomanizeHangul("박지영"), "bakjiyeong");
  EXPECT_EQ(RomanizeHangul("이서연"), "iseoyeon");
  EXPECT_EQ(RomanizeHangul("최"), "choe");
}

TEST(Hangul, KnowsHowSurnamesAreSpelled) {
  const auto& kim = SurnameRomanizations("김");
  EXPECT_NE(std::find(kim.begin(), kim.end(), "kim"), kim.end());
  const auto& lee = SurnameRomanizations("이");
  EXPECT_NE(std::find(lee.begin(), lee.end(), "lee"), lee.end());
  EXPECT_NE(std::find(SurnameRomanizations("남궁").begin(), SurnameRomanizations("남궁").end(), "namkoong"),
            SurnameRomanizations("남궁").end());
  EXPECT_TRUE(SurnameRomanizations("없음").empty());
}

TEST(Hangul, LooseKeyJoinsSpellingSystems) {
  EXPECT_EQ(LooseRomanKey("minsoo"), LooseRomanKey(RomanizeHangul("민수")));
  EXPECT_EQ(LooseRomanKey("choi"), LooseRomanKey("choe"));
  EXPECT_EQ(LooseRomanKey("jung"), LooseRomanKey("jeong"));
  EXPECT_EQ(LooseRomanKey("youngho"), LooseRomanKey(RomanizeHangul("영호")));
  EXPECT_NE(LooseRomanKey("minsu"), LooseRomanKey("minho"));
}

TEST(LatinKey, TransliteratesOtherScripts) {
  EXPECT_EQ(LatinKey("王杰"), "wang jie");
  EXPECT_EQ(LatinKey("José"), "jose");
  EXPECT_EQ(LatinKey("O'Hare"), "o hare");
  EXPECT_EQ(LatinKey("김민수"), "gimminsu");
}

TEST(Nicknames, PairFullAndFamiliarForms) {
  EXPECT_TRUE(IsNicknamePair("robert", "bob"));
  EXPECT_TRUE(IsNicknamePair("bill", "william"));
  EXPECT_FALSE(IsNicknamePair("robert", "william"));
  EXPECT_FALSE(IsNicknamePair("robert", "robert"));
}

TEST(TokenSet, ExpandsStreetAbbreviationsAndChecksNumbers) {
  const auto a = AddressTokens("1515 adela lane"), b = AddressTokens("1515 adela ln");
  EXPECT_DOUBLE_EQ(TokenSetSimilarity(a, b).dice, 1.0);
  const auto other_house = TokenSetSimilarity(AddressTokens("12 main street"), AddressTokens("14 main street"));
  EXPECT_TRUE(other_house.numbers_conflict);
  const auto typo = TokenSetSimilarity(AddressTokens("7 wallaby place"), AddressTokens("7 walaby place"));
  EXPECT_DOUBLE_EQ(typo.dice, 1.0);
  EXPECT_FALSE(typo.numbers_conflict);
  const auto contained = TokenSetSimilarity(AddressTokens("445 overpass rd"), AddressTokens("445 overpass rd san ramon"));
  EXPECT_DOUBLE_EQ(contained.overlap, 1.0);
  EXPECT_LT(contained.dice, 1.0);
}

TEST(TokenSet, IsSymmetric) {
  const auto a = AddressTokens("12 bridge road old vythiri"), b = AddressTokens("bridge rd 12 vythiri");
  const auto ab = TokenSetSimilarity(a, b), ba = TokenSetSimilarity(b, a);
  EXPECT_EQ(ab.dice, ba.dice);
  EXPECT_EQ(ab.overlap, ba.overlap);
}

TEST(Dates, CompareAtLevels) {
  EXPECT_EQ(CompareDates("1990-01-02", "1990-01-02"), DateLevel::kExact);
  EXPECT_EQ(CompareDates("1990-01-02", "1990-01-07"), DateLevel::kOneDigit);
  EXPECT_EQ(CompareDates("1990-01-23", "1990-01-32"), DateLevel::kOneDigit);  // swap of adjacent digits
  EXPECT_EQ(CompareDates("1990-03-04", "1990-04-03"), DateLevel::kDayMonthSwapped);
  EXPECT_EQ(CompareDates("1990-03-04", "1990-03-27"), DateLevel::kSameYearMonth);
  EXPECT_EQ(CompareDates("1990-12-30", "1991-02-11"), DateLevel::kWithinYear);
  EXPECT_EQ(CompareDates("1990-01-02", "1975-06-30"), DateLevel::kDifferent);
  EXPECT_EQ(CompareDates("1990-03-04", "1990-04-03"), CompareDates("1990-04-03", "1990-03-04"));
}

TEST(Phones, CompareOnTheNationalNumber) {
  EXPECT_EQ(ComparePhones("+821012345678", "+821012345678"), PhoneLevel::kExact);
  EXPECT_EQ(ComparePhones("+821012345678", "+821012345679"), PhoneLevel::kOneEdit);
  EXPECT_EQ(ComparePhones("+821012345678", "+821012346578"), PhoneLevel::kOneEdit);  // 56 swapped
  EXPECT_EQ(ComparePhones("+821012345678", "+821098765432"), PhoneLevel::kDifferent);
  EXPECT_EQ(NationalNumber("+821012345678"), "1012345678");
}

TEST(Phones, TheNationalNumberFollowsTheCallingCode) {
  EXPECT_EQ(NationalNumber("+8225551234"), "25551234");        // 82, Seoul
  EXPECT_EQ(NationalNumber("+14155552671"), "4155552671");     // 1, one digit
  EXPECT_EQ(NationalNumber("+442079460958"), "2079460958");    // 44
  EXPECT_EQ(NationalNumber("+390612345678"), "0612345678");    // 39: Italy keeps its leading zero
  EXPECT_EQ(NationalNumber("+61412345678"), "412345678");      // 61
  EXPECT_EQ(NationalNumber("+85291234567"), "91234567");       // 852, three digits
  EXPECT_EQ(NationalNumber("+80012345678"), "12345678");       // 800, non-geographic
  // Every region's example numbers, mobile and fixed, as the library formats them.
  const auto& util = *i18n::phonenumbers::PhoneNumberUtil::GetInstance();
  std::set<std::string> regions;
  util.GetSupportedRegions(&regions);
  std::size_t checked = 0;
  for (const auto& region : regions) {
    for (const auto type : {i18n::phonenumbers::PhoneNumberUtil::MOBILE, i18n::phonenumbers::PhoneNumberUtil::FIXED_LINE}) {
      i18n::phonenumbers::PhoneNumber number;
      if (!util.GetExampleNumberForType(region, type, &number)) continue;
      std::string e164, nsn;
      util.Format(number, i18n::phonenumbers::PhoneNumberUtil::E164, &e164);
      util.GetNationalSignificantNumber(number, &nsn);
      EXPECT_EQ(NationalNumber(e164), nsn) << region << " " << e164;
      ++checked;
    }
  }
  EXPECT_GT(checked, 400u);
  // Not E.164: the library's parse, else the digits.
  EXPECT_EQ(NationalNumber("+82 10-1234-5678"), "1012345678");
  EXPECT_EQ(NationalNumber("+8201012345678"), "1012345678");  // a national prefix left in
  EXPECT_EQ(NationalNumber("010-1234-5678"), "01012345678");
}

TEST(Emails, CompareAtLevels) {
  EXPECT_EQ(CompareEmails("jane@x.com", "jane@x.com"), EmailLevel::kExact);
  EXPECT_EQ(CompareEmails("jane@x.com", "jane@y.com"), EmailLevel::kSameLocalPart);
  EXPECT_EQ(CompareEmails("roberta25@smith.net", "robert255@smith.net"), EmailLevel::kSimilarLocalPart);
  EXPECT_EQ(CompareEmails("jane@x.com", "zoltan@x.com"), EmailLevel::kDifferent);
}

}  // namespace
}  // namespace seam::identity
