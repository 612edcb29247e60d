// Text forms of dates, times, phones and emails, in the variants real
// exports and SDK traffic carry. Times are Unix milliseconds (UTC); Seoul
// is UTC+9 all year (no daylight saving since 1988).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "rng.h"
#include "synth.h"

namespace seam::synth {

inline constexpr int64_t kSeoulOffsetMs = 9 * 3600 * 1000;
inline constexpr int64_t kDayMs = 86400 * 1000;

int64_t DaysFromCivil(const Date& d);
Date CivilFromDays(int64_t days);
int DaysInMonth(int year, int month);
// Midnight in Seoul at the start of `d`, as Unix ms.
int64_t SeoulMidnightMs(const Date& d);

std::string IsoUtcMs(int64_t unix_ms);    // "2024-03-05T02:33:44.123Z"
std::string SeoulLocal(int64_t unix_ms);  // "2024-03-05 11:33:44"

enum class DateStyle { kIso, kCompact, kDotted };  // 1990-05-03, 19900503, 1990.05.03
std::string FormatDate(const Date& d, DateStyle style);

// `digits` is "010XXXXXXXX".
enum class PhoneStyle {
  kDashed,         // 010-1234-5678
  kPlain,          // 01012345678
  kSpaced,         // 010 1234 5678
  kIntl,           // +82 10-1234-5678
  kIntlCompact,    // +821012345678
  kIntlNoPlus,     // 82-10-1234-5678
};
std::string FormatPhone(std::string_view digits, PhoneStyle style);
// One slip of the keyboard in the last eight digits: a digit off, or two
// adjacent different digits swapped. Never returns `digits` itself.
std::string PhoneTypo(Rng& rng, std::string_view digits);

// How people type an email into a form: as is, capitalised, with a stray
// space, or with the domain in capitals.
std::string EmailVariant(Rng& rng, std::string_view email);

// "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx" from 128 bits; lower or upper case.
std::string Uuid(uint64_t hi, uint64_t lo, bool upper = false);

// Append digits of v, left-padded with zeros to `width`.
void AppendPadded(std::string& out, uint64_t v, int width);

}  // namespace seam::synth
