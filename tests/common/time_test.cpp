#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "seam/time.h"

namespace seam {
namespace {

constexpr Micros kSec = 1'000'000;
// 2026-11-22T10:57:35Z, from `date -u -d 2026-11-22T10:57:35Z +%s`.
constexpr Micros kT = 1'795'345'055 * kSec;
constexpr Micros kMidnight = 1'795'305'600 * kSec;  // 2026-11-22T00:00:00Z

struct ParseCase {
  std::string in;
  std::optional<Micros> want;
};

TEST(ParseIso8601, AcceptsRfc3339AndListedVariants) {
  const std::vector<ParseCase> cases = {
      {"2026-11-22T10:57:35Z", kT},
      {"2026-11-22T10:57:35.852Z", kT + 852'000},
      {"2026-11-22T19:57:35+09:00", kT},
      {"2026-11-22T19:57:35+0900", kT},
      {"2026-11-22T19:57:35+09", kT},
      {"2026-11-22T05:57:35-05:00", kT},
      {"2026-11-22T10:57:35-00:00", kT},
      {"2026-11-22T10:57:35", kT},  // no designator: UTC
      {"2026-11-22 10:57:35Z", kT},
      {"2026-11-22t10:57:35z", kT},
      {" 2026-11-22T10:57:35Z\n", kT},
      {"2026-11-22T10:57Z", kT - 35 * kSec},
      {"2026-11-22T10:57:35.1Z", kT + 100'000},
      {"2026-11-22T10:57:35,5Z", kT + 500'000},
      {"2026-11-22T10:57:35.000001Z", kT + 1},
      {"2026-11-22T10:57:35.123456789Z", kT + 123'456},  // truncated, not rounded
      {"2026-11-22T10:57:35.999999999+09:00", kT - 9 * 3600 * kSec + 999'999},
      {"2026-11-23T00:30:00+09:00", kMidnight + (15 * 3600 + 30 * 60) * kSec},  // previous UTC day
      {"2026-11-22", kMidnight},
      {"1970-01-01T00:00:00Z", 0},
      {"1969-12-31T23:59:59.999999Z", -1},
      {"1900-01-01T00:00:00Z", -2'208'988'800 * kSec},
      {"0001-01-01T00:00:00Z", -62'135'596'800 * kSec},
      {"2024-02-29T12:00:00Z", 1'709'208'000 * kSec},
      {"2016-12-31T23:59:60Z", 1'483'228'800 * kSec},  // leap second: next second
  };
  for (const auto& c : cases) EXPECT_EQ(ParseIso8601(c.in), c.want) << c.in;
}

TEST(ParseIso8601, RejectsGarbage) {
  const std::vector<std::string> cases = {
      "",
      "garbage",
      "2026",
      "2026-11",
      "26-11-22",
      "2026/11/22T10:57:35Z",
      "20261122T105735Z",
      "2026-11-22T",
      "2026-11-22X10:57:35",
      "2026-11-22T10",
      "2026-11-22T10:5",
      "2026-13-01T00:00:00Z",
      "2026-00-01T00:00:00Z",
      "2026-02-29T00:00:00Z",
      "2026-11-31",
      "2026-11-22T24:00:00Z",
      "2026-11-22T10:60:00Z",
      "2026-11-22T10:57:61Z",
      "2026-11-22T10:57:35Zjunk",
      "2026-11-22T10:57:35+09:00 x",
      "2026-11-22T10:57:35.Z",
      "2026-11-22T10:57:35.1234567890Z",
      "2026-11-22T10:57:35+9:00",
      "2026-11-22T10:57:35+09:0",
      "2026-11-22T10:57:35+09:60",
      "2026-11-22T10:57:35+24:00",
      "2026-11-22T10:57:35+",
      "2026-11-22T10:57:35 +09:00",
      "2026-11-22Z",
      "+2026-11-22",
      "２０２６-11-22",
  };
  for (const auto& c : cases) EXPECT_EQ(ParseIso8601(c), std::nullopt) << c;
}

TEST(FormatIso8601, Table) {
  const std::vector<std::pair<Micros, std::string>> cases = {
      {0, "1970-01-01T00:00:00.000Z"},
      {kT, "2026-11-22T10:57:35.000Z"},
      {kT + 852'000, "2026-11-22T10:57:35.852Z"},
      {kT + 852'001, "2026-11-22T10:57:35.852001Z"},
      {kT + 1, "2026-11-22T10:57:35.000001Z"},
      {-1, "1969-12-31T23:59:59.999999Z"},
      {-1000, "1969-12-31T23:59:59.999Z"},
      {-kSec, "1969-12-31T23:59:59.000Z"},
      {-kSec - 1, "1969-12-31T23:59:58.999999Z"},
      {-2'208'988'800 * kSec, "1900-01-01T00:00:00.000Z"},
      {-62'135'596'800 * kSec, "0001-01-01T00:00:00.000Z"},
      {1'709'208'000 * kSec, "2024-02-29T12:00:00.000Z"},
      {253'402'300'799 * kSec + 999'999, "9999-12-31T23:59:59.999999Z"},
      // Beyond four-digit years: clamped, still parseable.
      {std::numeric_limits<Micros>::min(), "0000-01-01T00:00:00.000Z"},
      {std::numeric_limits<Micros>::max(), "9999-12-31T23:59:59.999999Z"},
  };
  for (const auto& [t, want] : cases) EXPECT_EQ(FormatIso8601(t), want) << t;
}

TEST(FormatIso8601, RoundTripsThroughParse) {
  for (Micros t : {Micros{0}, kT, kT + 852'000, kT + 852'001, Micros{-1}, -62'135'596'800 * kSec + 7,
                   -30'605'126'400 * kSec, 253'402'300'799 * kSec + 999'999}) {
    const std::string s = FormatIso8601(t);
    EXPECT_EQ(ParseIso8601(s), t) << s;
  }
}

struct LocalCase {
  std::string text, zone;
  std::optional<Micros> want;
};

TEST(ParseLocalDateTime, ConvertsWallClockInZone) {
  const std::vector<LocalCase> cases = {
      {"2026-11-22 19:57:35", "Asia/Seoul", kT},
      {"2026-11-22T19:57:35", "Asia/Seoul", kT},
      {"2026-11-22 19:57:35.250", "Asia/Seoul", kT + 250'000},
      {"2026-11-22 19:57:35.123456789", "Asia/Seoul", kT + 123'456},
      {"2026-11-22", "Asia/Seoul", kMidnight - 9 * 3600 * kSec},
      {"2026-11-22 10:57:35", "UTC", kT},
      {"2026-11-22 10:57:35", "Etc/UTC", kT},
      // Korea kept summer time (UTC+10) in 1987-88.
      {"1988-07-01 12:00:00", "Asia/Seoul", 583'725'600 * kSec},
      // New York: EDT (UTC-4) in July, EST (UTC-5) in January.
      {"2026-07-01 12:00:00", "America/New_York", 1'782'921'600 * kSec},
      {"2026-01-15 12:00:00", "America/New_York", 1'768'496'400 * kSec},
      // 2026-03-08 02:30 does not exist there: read with the pre-change
      // offset (EST), i.e. 03:30 EDT.
      {"2026-03-08 02:30:00", "America/New_York", 1'772'955'000 * kSec},
      // 2026-11-01 01:30 happens twice: the first (EDT) is taken.
      {"2026-11-01 01:30:00", "America/New_York", 1'793'511'000 * kSec},
      // Own offset or Z wins over the zone argument, known or not.
      {"2026-11-22T10:57:35Z", "America/New_York", kT},
      {"2026-11-22T19:57:35+09:00", "UTC", kT},
      {"2026-11-22T10:57:35Z", "Mars/Olympus", kT},
  };
  for (const auto& c : cases) EXPECT_EQ(ParseLocalDateTime(c.text, c.zone), c.want) << c.text << " in " << c.zone;
}

TEST(ParseLocalDateTime, RejectsUnknownZone) {
  // Ids are case-sensitive, and "KST" is an abbreviation, not an id.
  for (const std::string zone : {"Mars/Olympus", "", "asia/seoul", "Etc/Unknown", "KST", "Asia/Seoul "})
    EXPECT_EQ(ParseLocalDateTime("2026-11-22 19:57:35", zone), std::nullopt) << '"' << zone << '"';
}

TEST(ParseLocalDateTime, RejectsBadText) {
  for (const std::string text : {"2026-02-30 10:00:00", "2026-11-22 25:00:00", "22/11/2026 19:57", "", "now"})
    EXPECT_EQ(ParseLocalDateTime(text, "Asia/Seoul"), std::nullopt) << text;
}

TEST(ParseLocalDateTime, SwitchingZonesOnOneThreadUsesEachZone) {
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(ParseLocalDateTime("2026-11-22 19:57:35", "Asia/Seoul"), kT);
    EXPECT_EQ(ParseLocalDateTime("2026-11-22 05:57:35", "America/New_York"), kT);
    EXPECT_EQ(ParseLocalDateTime("2026-11-22 19:57:35", "Nope/Nope"), std::nullopt);
  }
}

TEST(ParseLocalDateTime, AgreesWithParseIso8601BeforeGregorianReform) {
  // ICU's default calendar is Julian before 1582-10-15; ours is proleptic
  // Gregorian everywhere. 1000-03-01 is 5 days apart in the two calendars.
  EXPECT_EQ(ParseLocalDateTime("1000-03-01 00:00:00", "UTC"), -30'605'126'400 * kSec);
  EXPECT_EQ(ParseLocalDateTime("1000-03-01 00:00:00", "UTC"), ParseIso8601("1000-03-01T00:00:00Z"));
}

TEST(IsKnownTimeZone, Table) {
  const std::vector<std::pair<std::string, bool>> cases = {
      {"Asia/Seoul", true},
      {"America/New_York", true},
      {"Europe/London", true},
      {"UTC", true},
      {"Etc/UTC", true},
      {"US/Eastern", true},
      {"", false},
      {"Mars/Olympus", false},
      {"asia/seoul", false},
      {"Etc/Unknown", false},
      {"+09:00", false},
      {"Asia/Seoul ", false},
  };
  for (const auto& [zone, want] : cases) EXPECT_EQ(IsKnownTimeZone(zone), want) << '"' << zone << '"';
}

}  // namespace
}  // namespace seam
