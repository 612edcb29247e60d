// Import charsets: Microsoft CP949 (not ICU's IBM-949 "cp949"), EUC-KR as
// its subset, UTF-8 validation; bad bytes are errors with their offset.
#include "ingest/charset.h"

#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace seam::ingest {
namespace {

// Microsoft CP949 bytes, checked against ICU's windows-949-2000 and the
// Windows code page table: these three are outside KS X 1001 (EUC-KR), so
// IBM-949 cannot produce or read them.
constexpr std::string_view kTtom = "\x8C\x63";    // 똠 U+B620
constexpr std::string_view kHaeng = "\xC1\x64";   // 햏 U+D54F
constexpr std::string_view kBwelk = "\x94\xEE";   // 뷁 U+BDC1
constexpr std::string_view kKimMinsu = "\xB1\xE8\xB9\xCE\xBC\xF6";  // 김민수, KS X 1001

std::string Utf8Of(std::string_view bytes, Charset charset) {
  const auto result = ToUtf8(bytes, charset);
  EXPECT_TRUE(result.ok()) << result.status().message();
  return result.ok() ? *result : std::string("<error>");
}

std::string ErrorOf(const Result<std::string>& result) {
  if (result.ok()) return "<ok>";
  EXPECT_EQ(result.status().code(), Code::kInvalid);
  EXPECT_EQ(result.status().error_code(), "invalid_encoding");
  return result.status().message();
}

TEST(CharsetTest, NamesAreCaseInsensitive) {
  for (const char* name : {"utf-8", "UTF-8", "utf8", "Utf8"}) EXPECT_EQ(CharsetFromName(name), Charset::kUtf8) << name;
  for (const char* name : {"cp949", "CP949", "euc-kr", "EUC-KR", "euckr", "ms949", "windows-949", "Windows-949",
                           "uhc", "UHC", "ks_c_5601-1987", "KS_C_5601-1987"})
    EXPECT_EQ(CharsetFromName(name), Charset::kCp949) << name;
  for (const char* name : {"", "latin1", "utf-16", "cp9490", "euc_kr", " utf-8", "ibm-949"})
    EXPECT_EQ(CharsetFromName(name), std::nullopt) << name;
}

TEST(CharsetTest, MicrosoftOnlyHangulDecodesAndEncodesToTheRealBytes) {
  EXPECT_EQ(Utf8Of(kTtom, Charset::kCp949), "똠");
  EXPECT_EQ(Utf8Of(kHaeng, Charset::kCp949), "햏");
  EXPECT_EQ(Utf8Of(kBwelk, Charset::kCp949), "뷁");
  EXPECT_EQ(Utf8Of(std::string(kTtom) + "," + std::string(kHaeng) + std::string(kBwelk), Charset::kCp949), "똠,햏뷁");

  const auto encoded = FromUtf8("똠햏뷁", Charset::kCp949);
  ASSERT_TRUE(encoded.ok()) << encoded.status().message();
  EXPECT_EQ(*encoded, std::string(kTtom) + std::string(kHaeng) + std::string(kBwelk));
}

TEST(CharsetTest, EucKrHangulDecodesTheSameUnderEveryKoreanName) {
  const auto euc_kr = CharsetFromName("euc-kr");
  const auto cp949 = CharsetFromName("cp949");
  ASSERT_TRUE(euc_kr && cp949);
  EXPECT_EQ(Utf8Of(kKimMinsu, *euc_kr), "김민수");
  EXPECT_EQ(Utf8Of(kKimMinsu, *cp949), "김민수");
  const auto encoded = FromUtf8("김민수", Charset::kCp949);
  ASSERT_TRUE(encoded.ok());
  EXPECT_EQ(*encoded, kKimMinsu);
}

TEST(CharsetTest, AsciiIsUnchangedIncludingBackslash) {
  // 0x5C is a backslash in Microsoft CP949 (only the font draws it as ₩).
  const std::string ascii = "id,name\\x~\t\r\n";
  EXPECT_EQ(Utf8Of(ascii, Charset::kCp949), ascii);
  EXPECT_EQ(Utf8Of(ascii + std::string(kKimMinsu), Charset::kCp949), ascii + "김민수");
}

TEST(CharsetTest, InvalidCp949IsAnErrorAtTheOffendingByte) {
  EXPECT_EQ(ErrorOf(ToUtf8("ab\xB1", Charset::kCp949)), "invalid CP949 byte sequence at byte 2");  // cut lead byte
  EXPECT_EQ(ErrorOf(ToUtf8("ab\xFF" "cd", Charset::kCp949)), "invalid CP949 byte sequence at byte 2");
  EXPECT_EQ(ErrorOf(ToUtf8("a\xB1\nb", Charset::kCp949)), "invalid CP949 byte sequence at byte 1");  // lead + LF
  EXPECT_EQ(ErrorOf(ToUtf8(std::string(kKimMinsu) + "\xFF", Charset::kCp949)),
            "invalid CP949 byte sequence at byte 6");
  EXPECT_EQ(ErrorOf(ToUtf8("\x81\x41\x81\x5B", Charset::kCp949)), "invalid CP949 byte sequence at byte 2");
  // Bytes Windows maps to placeholders rather than characters.
  EXPECT_EQ(ErrorOf(ToUtf8("x\x80", Charset::kCp949)), "invalid CP949 byte sequence at byte 1");
  EXPECT_EQ(ErrorOf(ToUtf8("\xB1\xE8\xC9\xA1", Charset::kCp949)), "invalid CP949 byte sequence at byte 2");
  EXPECT_EQ(ErrorOf(ToUtf8("\xFE\xA1", Charset::kCp949)), "invalid CP949 byte sequence at byte 0");
}

TEST(CharsetTest, ErrorsAreFoundPastTheConverterBuffer) {
  // Several thousand characters before the bad byte: the error offset is
  // still exact across the converter's internal chunks.
  std::string text;
  for (int i = 0; i < 3000; ++i) text += kKimMinsu;
  const std::string bad = text + "\xFF";
  EXPECT_EQ(ErrorOf(ToUtf8(bad, Charset::kCp949)), "invalid CP949 byte sequence at byte 18000");
  EXPECT_EQ(ErrorOf(ToUtf8(text + "\x80", Charset::kCp949)), "invalid CP949 byte sequence at byte 18000");
  std::string expected;
  for (int i = 0; i < 3000; ++i) expected += "김민수";
  EXPECT_EQ(Utf8Of(text, Charset::kCp949), expected);
}

TEST(CharsetTest, ConverterRecoversAfterAnError) {
  EXPECT_FALSE(ToUtf8("\xB1", Charset::kCp949).ok());  // leaves a lead byte pending
  EXPECT_FALSE(ToUtf8("\xE8", Charset::kCp949).ok());  // not 김 (B1 E8) from the leftover
  EXPECT_EQ(Utf8Of(kKimMinsu, Charset::kCp949), "김민수");
}

TEST(CharsetTest, EncodingRefusesWhatCp949Lacks) {
  EXPECT_EQ(ErrorOf(FromUtf8("ok😀", Charset::kCp949)), "U+1F600 at byte 2 cannot be encoded in CP949");
  EXPECT_EQ(ErrorOf(FromUtf8("김\xEE\x80\x80", Charset::kCp949)), "U+E000 at byte 3 cannot be encoded in CP949");
  EXPECT_EQ(ErrorOf(FromUtf8("a\xFF", Charset::kCp949)), "invalid UTF-8 at byte 1");
}

TEST(CharsetTest, Utf8IsValidatedWithTheOffset) {
  EXPECT_EQ(Utf8Of("김민수 ok", Charset::kUtf8), "김민수 ok");
  EXPECT_EQ(ErrorOf(ToUtf8("ab\xC3", Charset::kUtf8)), "invalid UTF-8 at byte 2");             // truncated
  EXPECT_EQ(ErrorOf(ToUtf8("\xED\xA0\x80", Charset::kUtf8)), "invalid UTF-8 at byte 0");       // surrogate
  EXPECT_EQ(ErrorOf(ToUtf8("x\xC0\xAF", Charset::kUtf8)), "invalid UTF-8 at byte 1");          // overlong
  EXPECT_EQ(ErrorOf(ToUtf8("김\xB1\xE8", Charset::kUtf8)), "invalid UTF-8 at byte 3");        // CP949 as UTF-8
  EXPECT_EQ(ErrorOf(FromUtf8("\xF5\x80\x80\x80", Charset::kUtf8)), "invalid UTF-8 at byte 0");  // > U+10FFFF
}

TEST(CharsetTest, ThreadsConvertIndependently) {
  std::vector<std::thread> threads;
  std::vector<int> good(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&good, t] {
      for (int i = 0; i < 500; ++i) {
        const auto ok = ToUtf8(kTtom, Charset::kCp949);
        const auto bad = ToUtf8("\xB1", Charset::kCp949);
        if (ok.ok() && *ok == "똠" && !bad.ok()) ++good[static_cast<std::size_t>(t)];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(good, std::vector<int>(4, 500));
}

}  // namespace
}  // namespace seam::ingest
