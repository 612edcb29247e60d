#include "seam/time.h"

#include <unicode/gregocal.h>
#include <unicode/timezone.h>
#include <unicode/ucal.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>

namespace seam {
namespace {

namespace chr = std::chrono;

constexpr Micros kMicrosPerSecond = 1'000'000;

struct CivilTime {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  Micros micros = 0;
  std::optional<int> offset_seconds;  // empty: no zone designator
};

class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool Done() const { return pos_ == s_.size(); }
  bool Take(char c) {
    if (Done() || s_[pos_] != c) return false;
    ++pos_;
    return true;
  }
  bool TakeAny(std::string_view set, char* got = nullptr) {
    if (Done() || set.find(s_[pos_]) == std::string_view::npos) return false;
    if (got) *got = s_[pos_];
    ++pos_;
    return true;
  }
  bool Digits(std::size_t n, int& out) {
    if (s_.size() - pos_ < n) return false;
    int v = 0;
    for (std::size_t i = pos_; i < pos_ + n; ++i) {
      if (s_[i] < '0' || s_[i] > '9') return false;
      v = v * 10 + (s_[i] - '0');
    }
    out = v;
    pos_ += n;
    return true;
  }
  // Up to nine digits of a fraction, as microseconds (truncated).
  bool Fraction(Micros& out) {
    std::size_t n = 0;
    Micros v = 0;
    while (!Done() && s_[pos_] >= '0' && s_[pos_] <= '9') {
      if (n < 6) v = v * 10 + (s_[pos_] - '0');
      ++n, ++pos_;
    }
    if (n == 0 || n > 9) return false;
    for (; n < 6; ++n) v *= 10;
    out = v;
    return true;
  }

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
};

std::string_view TrimAscii(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n";
  const auto b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(kSpace) - b + 1);
}

// YYYY-MM-DD[(T|t| )hh:mm[:ss[(.|,)f{1,9}]][Z|z|±hh[[:]mm]]]
std::optional<CivilTime> ParseCivil(std::string_view text) {
  Cursor in(TrimAscii(text));
  CivilTime t;
  if (!in.Digits(4, t.year) || !in.Take('-') || !in.Digits(2, t.month) || !in.Take('-') || !in.Digits(2, t.day))
    return std::nullopt;
  if (!in.Done()) {
    if (!in.TakeAny("Tt ") || !in.Digits(2, t.hour) || !in.Take(':') || !in.Digits(2, t.minute)) return std::nullopt;
    if (in.Take(':')) {
      if (!in.Digits(2, t.second)) return std::nullopt;
      if (in.TakeAny(".,") && !in.Fraction(t.micros)) return std::nullopt;
    }
    char sign = 0;
    if (in.TakeAny("Zz")) {
      t.offset_seconds = 0;
    } else if (in.TakeAny("+-", &sign)) {
      int oh = 0, om = 0;
      if (!in.Digits(2, oh)) return std::nullopt;
      if (!in.Done()) {
        in.Take(':');  // "+09:00" and "+0900" alike
        if (!in.Digits(2, om)) return std::nullopt;
      }
      if (oh > 23 || om > 59) return std::nullopt;
      t.offset_seconds = (sign == '-' ? -1 : 1) * (oh * 3600 + om * 60);
    }
  }
  if (!in.Done()) return std::nullopt;
  // 60: a leap second; it lands on the next second, as POSIX time has it.
  if (t.hour > 23 || t.minute > 59 || t.second > 60) return std::nullopt;
  const chr::year_month_day ymd{chr::year{t.year}, chr::month{static_cast<unsigned>(t.month)},
                                chr::day{static_cast<unsigned>(t.day)}};
  if (!ymd.ok()) return std::nullopt;
  return t;
}

Micros ToUtcMicros(const CivilTime& t) {
  const chr::sys_days day{chr::year{t.year} / t.month / t.day};
  const chr::seconds s = day.time_since_epoch() + chr::hours{t.hour} + chr::minutes{t.minute} + chr::seconds{t.second} -
                         chr::seconds{t.offset_seconds.value_or(0)};
  return chr::duration_cast<chr::microseconds>(s).count() + t.micros;
}

icu::UnicodeString ToUnicode(std::string_view s) {
  return icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size())));
}

// ICU answers an unknown id with a GMT zone named "Etc/Unknown", not an error.
std::unique_ptr<icu::TimeZone> KnownZone(std::string_view zone) {
  if (zone.empty() || zone.size() > 256) return nullptr;
  std::unique_ptr<icu::TimeZone> tz(icu::TimeZone::createTimeZone(ToUnicode(zone)));
  icu::UnicodeString id;
  if (!tz || tz->getID(id) == icu::UnicodeString(UCAL_UNKNOWN_ZONE_ID, -1, US_INV)) return nullptr;
  return tz;
}

// Calendars are costly to build and not thread-safe: one per thread, rebuilt
// only when the zone changes (an import uses one zone throughout).
icu::Calendar* CalendarFor(std::string_view zone) {
  struct Cached {
    std::string zone;
    std::unique_ptr<icu::GregorianCalendar> calendar;
  };
  thread_local Cached cached;
  if (cached.calendar && cached.zone == zone) return cached.calendar.get();
  auto tz = KnownZone(zone);
  if (!tz) return nullptr;
  UErrorCode status = U_ZERO_ERROR;
  auto calendar = std::make_unique<icu::GregorianCalendar>(tz.release(), status);
  // ICU switches to the Julian calendar before 1582; ParseIso8601 is
  // proleptic Gregorian and the two must agree. Any cutover before year 0 will
  // do (the far end of UDate overflows ICU's day arithmetic).
  constexpr auto kCutover = chr::sys_time<chr::milliseconds>{chr::sys_days{chr::year{-1000} / 1 / 1}};
  calendar->setGregorianChange(static_cast<UDate>(kCutover.time_since_epoch().count()), status);
  if (U_FAILURE(status)) return nullptr;
  // A wall time repeated when clocks go back is taken at its first
  // occurrence, one skipped when they go forward with the offset in force
  // before the change; java.time and Python (fold=0) do the same.
  calendar->setRepeatedWallTimeOption(UCAL_WALLTIME_FIRST);
  calendar->setSkippedWallTimeOption(UCAL_WALLTIME_LAST);
  cached = {std::string(zone), std::move(calendar)};
  return cached.calendar.get();
}

}  // namespace

std::optional<Micros> ParseIso8601(std::string_view text) {
  const auto t = ParseCivil(text);
  if (!t) return std::nullopt;
  return ToUtcMicros(*t);
}

std::string FormatIso8601(Micros t) {
  // Years 0000-9999 only: what four digits can write and ParseIso8601 reads
  // back; chrono::year could not hold the ends of the int64 range anyway.
  constexpr Micros kMin =
      chr::sys_time<chr::microseconds>{chr::sys_days{chr::year{0} / 1 / 1}}.time_since_epoch().count();
  constexpr Micros kMax =
      chr::sys_time<chr::microseconds>{chr::sys_days{chr::year{10000} / 1 / 1}}.time_since_epoch().count() - 1;
  const chr::sys_time<chr::microseconds> tp{chr::microseconds{std::clamp(t, kMin, kMax)}};
  const chr::sys_days day = chr::floor<chr::days>(tp);  // floor: pre-1970 times count up from midnight
  const chr::year_month_day ymd{day};
  const chr::hh_mm_ss<chr::microseconds> hms{tp - day};
  const auto micros = static_cast<long>(hms.subseconds().count());
  char buf[40];
  const int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", static_cast<int>(ymd.year()),
                              static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                              static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                              static_cast<int>(hms.seconds().count()));
  const auto tail = static_cast<std::size_t>(n);
  if (micros % 1000 == 0)
    std::snprintf(buf + tail, sizeof buf - tail, ".%03ldZ", micros / 1000);
  else
    std::snprintf(buf + tail, sizeof buf - tail, ".%06ldZ", micros);
  return buf;
}

std::optional<Micros> ParseLocalDateTime(std::string_view text, std::string_view zone) {
  const auto t = ParseCivil(text);
  if (!t) return std::nullopt;
  if (t->offset_seconds) return ToUtcMicros(*t);
  icu::Calendar* calendar = CalendarFor(zone);
  if (!calendar) return std::nullopt;
  calendar->clear();
  calendar->set(t->year, t->month - 1, t->day, t->hour, t->minute, t->second);
  UErrorCode status = U_ZERO_ERROR;
  const UDate ms = calendar->getTime(status);
  if (U_FAILURE(status)) return std::nullopt;
  return static_cast<Micros>(std::llround(ms)) * 1000 + t->micros;
}

bool IsKnownTimeZone(std::string_view zone) { return KnownZone(zone) != nullptr; }

}  // namespace seam
