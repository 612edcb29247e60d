#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "seam/normalize.h"

namespace seam {
namespace {

using namespace std::string_view_literals;

// nullopt in `want`: the value must be rejected.
struct Case {
  std::string in;
  std::optional<std::string> want;
};

using Method = std::optional<std::string> (Normalizer::*)(std::string_view) const;

void ExpectAll(const Normalizer& n, Method method, const std::vector<Case>& cases) {
  for (const Case& c : cases) EXPECT_EQ((n.*method)(c.in), c.want) << "input: \"" << c.in << '"';
}

const Normalizer& Kr() {
  static const Normalizer n("KR");
  return n;
}

TEST(NormalizerEmail, TrimsAndLowerCases) {
  ExpectAll(Kr(), &Normalizer::Email,
            {
                {"john.doe@example.com", "john.doe@example.com"},
                {"  John.Doe@Example.COM  ", "john.doe@example.com"},
                {"\tUSER@Mail.Co.KR\r\n", "user@mail.co.kr"},
                {"\u3000kim@naver.com\u00A0", "kim@naver.com"},  // ideographic space, NBSP
                {"\uFEFFbom@example.com", "bom@example.com"},    // CSV byte-order mark
                {"\u200Bzwsp@example.com\u200B", "zwsp@example.com"},
                {"User+Tag@GMail.com", "user+tag@gmail.com"},
                {"ÜNÏCODE@Example.DE", "ünïcode@example.de"},
                {"홍길동@회사.한국", "홍길동@회사.한국"},
            });
}

TEST(NormalizerEmail, RejectsMalformed) {
  ExpectAll(Kr(), &Normalizer::Email,
            {
                {"", std::nullopt},
                {"   ", std::nullopt},
                {"plainaddress", std::nullopt},
                {"@example.com", std::nullopt},
                {"a@@example.com", std::nullopt},
                {"a@b@example.com", std::nullopt},
                {"a@localhost", std::nullopt},
                {"a@", std::nullopt},
                {"a@.example.com", std::nullopt},
                {"a@example.com.", std::nullopt},
                {"a@example..com", std::nullopt},
                {"john doe@example.com", std::nullopt},
                {"john@exa mple.com", std::nullopt},
                {"john\u3000doe@example.com", std::nullopt},
                {"john\tdoe@example.com", std::nullopt},
                {"jo\u200Dhn@example.com", std::nullopt},  // invisible joiner inside
                {"john\x01@example.com", std::nullopt},
                {"john@example.com\xFF", std::nullopt},      // not UTF-8
                {"john\xC0\xAE@example.com", std::nullopt},  // overlong '.'
            });
}

TEST(NormalizerEmail, RejectsOverlong) {
  const std::string local(64, 'a');
  EXPECT_EQ(Kr().Email(local + "@example.com"), local + "@example.com");
  EXPECT_EQ(Kr().Email(std::string(400, 'a') + "@example.com"), std::nullopt);
}

TEST(NormalizerPhone, KoreanVariantsGiveE164) {
  ExpectAll(Kr(), &Normalizer::Phone,
            {
                {"010-1234-5678", "+821012345678"},
                {"01012345678", "+821012345678"},
                {"010 1234 5678", "+821012345678"},
                {"010.1234.5678", "+821012345678"},
                {"+82 10-1234-5678", "+821012345678"},
                {"+82-10-1234-5678", "+821012345678"},
                {"+82 010-1234-5678", "+821012345678"},  // trunk 0 kept after +82
                {"82-10-1234-5678", "+821012345678"},    // country code without '+'
                {"821012345678", "+821012345678"},
                {"  010-1234-5678\n", "+821012345678"},
                {"\u3000010-1234-5678\u3000", "+821012345678"},
                {"０１０-１２３４-５６７８", "+821012345678"},  // full-width digits
                {"＋８２ １０-１２３４-５６７８", "+821012345678"},
                {"010-123-4567", "+82101234567"},  // old 3-digit exchange
                {"(02) 123-4567", "+8221234567"},  // Seoul landline
                {"02-1234-5678", "+82212345678"},
                {"+82-2-123-4567", "+8221234567"},
                {"822-123-4567", "+8221234567"},
                {"031-123-4567", "+82311234567"},        // Gyeonggi landline
                {"1588-1234", "+8215881234"},            // nationwide service number
                {"+1 212-555-0100", "+12125550100"},     // foreign, explicit '+'
                {"001-1-212-555-0100", "+12125550100"},  // foreign via Korean IDD 001
            });
}

TEST(NormalizerPhone, RejectsJunk) {
  ExpectAll(Kr(), &Normalizer::Phone,
            {
                {"", std::nullopt},
                {"   ", std::nullopt},
                {"123", std::nullopt},
                {"abc", std::nullopt},
                {"82", std::nullopt},
                {"010-0000-0000", std::nullopt},
                {"01000000000", std::nullopt},
                {"010-1234", std::nullopt},
                {"010-1234-56789", std::nullopt},
                {"1234-5678", std::nullopt},
                {"010 1234 5678 abc", std::nullopt},  // letters read as a vanity number: too long
                {"1-212-555-0100", std::nullopt},     // US number without '+' is not Korean
                {"0082-10-1234-5678", std::nullopt},  // 00 alone is not a Korean IDD
                {"010-1234-5678\xFF", std::nullopt},
                {"\xC0\xB0-1234-5678", std::nullopt},  // overlong digit
            });
}

TEST(NormalizerPhone, SpecExamplesAreOnePhone) {
  const auto a = Kr().Phone("010-1234-5678");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(Kr().Phone("01012345678"), a);
  EXPECT_EQ(Kr().Phone("+82 10-1234-5678"), a);
  EXPECT_EQ(Kr().Phone("82-10-1234-5678"), a);
  EXPECT_EQ(Kr().Phone("０１０-１２３４-５６７８"), a);
}

TEST(NormalizerPhone, DefaultRegionDecidesNationalNumbers) {
  const Normalizer us("US");
  ExpectAll(us, &Normalizer::Phone,
            {
                {"(212) 555-0100", "+12125550100"},
                {"1-212-555-0100", "+12125550100"},
                {"+82 10-1234-5678", "+821012345678"},
                {"010-1234-5678", std::nullopt},
            });
}

TEST(NormalizerPhone, RegionCodeIsCaseInsensitive) {
  const Normalizer lower("kr");
  EXPECT_EQ(lower.default_region(), "KR");
  EXPECT_EQ(lower.Phone("010-1234-5678"), "+821012345678");
}

TEST(NormalizerName, FoldsCaseWidthAndSpaces) {
  ExpectAll(Kr(), &Normalizer::Name,
            {
                {"JOHN  Smith", "john smith"},
                {"  john\t\n smith  ", "john smith"},
                {"John\u3000\u00A0Smith", "john smith"},
                {"ＪＯＨＮ　Ｓｍｉｔｈ", "john smith"},  // full-width Latin and space
                {"ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ タロウ"},           // half-width Katakana, voiced mark joined
                {"Straße", "strasse"},                   // full case folding
                {"Jo\u200Bhn", "john"},                  // default-ignorable dropped
                {"José", "josé"},
                {"Jose\u0301", "josé"},  // combining acute composed
                {"\u01C4", "d\u017E"},   // NFKC splits the digraph
            });
}

TEST(NormalizerName, HangulDropsInnerSpaces) {
  ExpectAll(Kr(), &Normalizer::Name,
            {
                {"김민수", "김민수"},
                {"김 민수", "김민수"},
                {"김  민 수", "김민수"},
                {" 김\u3000민수 ", "김민수"},
                {"남궁 민수", "남궁민수"},
                {"김 John", "김john"},                                            // any Hangul at all: every space goes
                {"\u1100\u1175\u11B7 \u1106\u1175\u11AB\u1109\u116E", "김민수"},  // conjoining jamo
                {"\uFFA1\uFFC2", "가"},                                           // half-width Hangul letters
                {"ㄱ ㄴ", "\u1100\u1102"},  // compatibility jamo: still Hangul, space removed
            });
}

TEST(NormalizerName, ComposedAndDecomposedHangulAgree) {
  const auto composed = Kr().Name("김민수");
  ASSERT_TRUE(composed.has_value());
  EXPECT_EQ(Kr().Name("\u1100\u1175\u11B7\u1106\u1175\u11AB\u1109\u116E"), composed);
  EXPECT_EQ(Kr().Name("\u1100\u1175\u11B7 \u1106\u1175\u11AB\u1109\u116E"), composed);
  EXPECT_EQ(Kr().Name("김 민수"), composed);
}

TEST(NormalizerName, RejectsEmptyAndInvalid) {
  ExpectAll(Kr(), &Normalizer::Name,
            {
                {"", std::nullopt},
                {"   ", std::nullopt},
                {"\u3000\t\n", std::nullopt},
                {"\u200B", std::nullopt},
                {"kim\xFF", std::nullopt},
                {"\xED\xA0\x80", std::nullopt},  // lone surrogate
            });
}

TEST(NormalizerDate, AcceptsFourLayouts) {
  ExpectAll(Kr(), &Normalizer::Date,
            {
                {"1990-07-01", "1990-07-01"},
                {"19900701", "1990-07-01"},
                {"1990.07.01", "1990-07-01"},
                {"1990/07/01", "1990-07-01"},
                {" 1990-07-01 ", "1990-07-01"},
                {"2024-02-29", "2024-02-29"},  // leap year
                {"2000-02-29", "2000-02-29"},  // divisible by 400
                {"1999-12-31", "1999-12-31"},
            });
}

TEST(NormalizerDate, RejectsImpossibleOrMalformed) {
  ExpectAll(Kr(), &Normalizer::Date,
            {
                {"2023-02-29", std::nullopt},
                {"1900-02-29", std::nullopt},  // century, not leap
                {"2024-04-31", std::nullopt},
                {"2024-13-01", std::nullopt},
                {"2024-00-10", std::nullopt},
                {"2024-01-00", std::nullopt},
                {"20240230", std::nullopt},
                {"2024-1-5", std::nullopt},
                {"2024-01/05", std::nullopt},  // mixed separators
                {"2024 01 05", std::nullopt},
                {"24-01-05", std::nullopt},
                {"2024010", std::nullopt},
                {"202401011", std::nullopt},
                {"2024-01-05T00:00:00", std::nullopt},
                {"abcd-ef-gh", std::nullopt},
                {"+202-01-05", std::nullopt},
                {"", std::nullopt},
            });
}

TEST(NormalizerOpaque, TrimsOnly) {
  const std::string max(512, 'x');
  ExpectAll(Kr(), &Normalizer::Opaque,
            {
                {"abc-123", "abc-123"},
                {"  abc-123 \n", "abc-123"},
                {"\u3000member#42\u00A0", "member#42"},
                {"Mixed Case Kept", "Mixed Case Kept"},  // inner space and case are data
                {"회원-001", "회원-001"},
                {max, max},
                {"  " + max + "  ", max},
                {max + "y", std::nullopt},
                {"", std::nullopt},
                {" \t ", std::nullopt},
                {"id\xFF", std::nullopt},
                {"\xF4\x90\x80\x80", std::nullopt},
            });
}

TEST(NormalizerIdentifier, DispatchesOnType) {
  EXPECT_EQ(Kr().Identifier("email", " A@B.COM "), "a@b.com");
  EXPECT_EQ(Kr().Identifier("phone", "010-1234-5678"), "+821012345678");
  EXPECT_EQ(Kr().Identifier("phone", "123"), std::nullopt);
  EXPECT_EQ(Kr().Identifier("user_id", " User-1 "), "User-1");  // no case folding
  EXPECT_EQ(Kr().Identifier("member_id", "M 001"), "M 001");
  EXPECT_EQ(Kr().Identifier("device_id", "A@B.COM"), "A@B.COM");
  EXPECT_EQ(Kr().Identifier("card_token", ""), std::nullopt);
}

TEST(IsValidUtf8, Table) {
  const std::vector<std::pair<std::string_view, bool>> cases = {
      {""sv, true},
      {"plain ascii"sv, true},
      {"a\0b"sv, true},  // NUL is a valid code point
      {"김민수"sv, true},
      {"\xC2\x80"sv, true},          // U+0080, smallest two-byte
      {"\xEF\xBF\xBF"sv, true},      // U+FFFF
      {"\xF0\x9F\x98\x80"sv, true},  // U+1F600
      {"\xF4\x8F\xBF\xBF"sv, true},  // U+10FFFF
      {"\xED\x9F\xBF"sv, true},      // U+D7FF, just below the surrogates
      {"\x80"sv, false},             // stray continuation byte
      {"\xC0\x80"sv, false},         // overlong NUL
      {"\xC1\xBF"sv, false},         // overlong
      {"\xE0\x80\xAF"sv, false},     // overlong '/'
      {"\xF0\x80\x80\xAF"sv, false},
      {"\xED\xA0\x80"sv, false},      // U+D800
      {"\xED\xBF\xBF"sv, false},      // U+DFFF
      {"\xF4\x90\x80\x80"sv, false},  // U+110000
      {"\xF5\x80\x80\x80"sv, false},
      {"\xFF"sv, false},
      {"\xE4\xB8"sv, false},  // truncated
      {"ok\xE4\xB8"sv, false},
      {"\xE4\xB8\xAD\x80"sv, false},
  };
  for (const auto& [in, want] : cases) {
    std::string hex;
    for (unsigned char c : in) hex += std::to_string(c) + ' ';
    EXPECT_EQ(IsValidUtf8(in), want) << "bytes: " << hex;
  }
}

TEST(NormalizerConcurrency, SharedInstanceGivesSameAnswers) {
  const Normalizer n("KR");
  const std::vector<std::string> inputs = {"010-1234-5678", "김 민수",          " A@B.COM ",
                                           "1990.07.01",    "+82 10-1234-5678", "ＪＯＨＮ　Ｓｍｉｔｈ"};
  auto run = [&] {
    std::vector<std::optional<std::string>> out;
    for (const auto& s : inputs) {
      out.push_back(n.Phone(s));
      out.push_back(n.Name(s));
      out.push_back(n.Email(s));
      out.push_back(n.Date(s));
    }
    return out;
  };
  const auto expected = run();
  std::vector<std::vector<std::optional<std::string>>> results(4);
  {
    std::vector<std::jthread> threads;
    for (auto& r : results)
      threads.emplace_back([&r, &run] {
        for (int i = 0; i < 200; ++i) r = run();
      });
  }
  for (const auto& r : results) EXPECT_EQ(r, expected);
}

}  // namespace
}  // namespace seam
