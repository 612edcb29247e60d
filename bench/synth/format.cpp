#include "format.h"

#include <cctype>

namespace seam::synth {

// Howard Hinnant's civil calendar algorithms (proleptic Gregorian).
int64_t DaysFromCivil(const Date& d) {
  const int64_t y = d.year - (d.month <= 2 ? 1 : 0);
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t mp = d.month > 2 ? d.month - 3 : d.month + 9;
  const int64_t doy = (153 * mp + 2) / 5 + d.day - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

Date CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return {static_cast<int>(year), static_cast<int>(month), static_cast<int>(day)};
}

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

int64_t SeoulMidnightMs(const Date& d) { return DaysFromCivil(d) * kDayMs - kSeoulOffsetMs; }

void AppendPadded(std::string& out, uint64_t v, int width) {
  char buf[24];
  int n = 0;
  do {
    buf[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  for (int i = n; i < width; ++i) out.push_back('0');
  while (n > 0) out.push_back(buf[--n]);
}

namespace {

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

void AppendDateTime(std::string& out, int64_t ms, char sep) {
  const int64_t days = FloorDiv(ms, kDayMs);
  const int64_t in_day = ms - days * kDayMs;
  const Date d = CivilFromDays(days);
  const int64_t secs = in_day / 1000;
  AppendPadded(out, static_cast<uint64_t>(d.year), 4);
  out.push_back('-');
  AppendPadded(out, static_cast<uint64_t>(d.month), 2);
  out.push_back('-');
  AppendPadded(out, static_cast<uint64_t>(d.day), 2);
  out.push_back(sep);
  AppendPadded(out, static_cast<uint64_t>(secs / 3600), 2);
  out.push_back(':');
  AppendPadded(out, static_cast<uint64_t>(secs / 60 % 60), 2);
  out.push_back(':');
  AppendPadded(out, static_cast<uint64_t>(secs % 60), 2);
}

}  // namespace

std::string IsoUtcMs(int64_t unix_ms) {
  std::string out;
  out.reserve(24);
  AppendDateTime(out, unix_ms, 'T');
  out.push_back('.');
  AppendPadded(out, static_cast<uint64_t>(unix_ms - FloorDiv(unix_ms, 1000) * 1000), 3);
  out.push_back('Z');
  return out;
}

std::string SeoulLocal(int64_t unix_ms) {
  std::string out;
  out.reserve(19);
  AppendDateTime(out, unix_ms + kSeoulOffsetMs, ' ');
  return out;
}

std::string FormatDate(const Date& d, DateStyle style) {
  std::string out;
  const char* sep = style == DateStyle::kIso ? "-" : style == DateStyle::kDotted ? "." : "";
  AppendPadded(out, static_cast<uint64_t>(d.year), 4);
  out += sep;
  AppendPadded(out, static_cast<uint64_t>(d.month), 2);
  out += sep;
  AppendPadded(out, static_cast<uint64_t>(d.day), 2);
  return out;
}

std::string FormatPhone(std::string_view digits, PhoneStyle style) {
  if (digits.size() != 11) return std::string(digits);
  const std::string_view a = digits.substr(0, 3), b = digits.substr(3, 4), c = digits.substr(7, 4);
  const std::string_view national = digits.substr(1);  // "1012345678"
  std::string out;
  switch (style) {
    case PhoneStyle::kDashed: out.append(a).append("-").append(b).append("-").append(c); break;
    case PhoneStyle::kPlain: out.append(digits); break;
    case PhoneStyle::kSpaced: out.append(a).append(" ").append(b).append(" ").append(c); break;
    case PhoneStyle::kIntl:
      out.append("+82 ").append(a.substr(1)).append("-").append(b).append("-").append(c);
      break;
    case PhoneStyle::kIntlCompact: out.append("+82").append(national); break;
    case PhoneStyle::kIntlNoPlus:
      out.append("82-").append(a.substr(1)).append("-").append(b).append("-").append(c);
      break;
  }
  return out;
}

std::string PhoneTypo(Rng& rng, std::string_view digits) {
  std::string out(digits);
  if (out.size() < 5) return out + "0";
  const size_t first = out.size() >= 8 ? out.size() - 8 : 0;
  for (int attempt = 0; attempt < 8 && rng.Chance(0.5); ++attempt) {
    const size_t i = first + rng.Below(out.size() - first - 1);
    if (out[i] != out[i + 1]) {
      std::swap(out[i], out[i + 1]);
      return out;
    }
  }
  const size_t i = first + rng.Below(out.size() - first);
  const int d = out[i] - '0';
  out[i] = static_cast<char>('0' + (d + 1 + static_cast<int>(rng.Below(9))) % 10);
  return out;
}

std::string EmailVariant(Rng& rng, std::string_view email) {
  std::string out(email);
  const uint64_t r = rng.Below(100);
  if (r < 70) return out;
  if (r < 82) {
    out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  } else if (r < 92) {
    out += ' ';
  } else {
    for (size_t i = out.find('@'); i < out.size(); ++i)
      out[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[i])));
  }
  return out;
}

std::string Uuid(uint64_t hi, uint64_t lo, bool upper) {
  hi = (hi & ~0xF000ULL) | 0x4000ULL;                   // version 4
  lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  const char* hex = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 15; i >= 0; --i) {
    out.push_back(hex[(hi >> (i * 4)) & 0xF]);
    if (i == 8 || i == 4) out.push_back('-');
  }
  out.push_back('-');
  for (int i = 15; i >= 0; --i) {
    out.push_back(hex[(lo >> (i * 4)) & 0xF]);
    if (i == 12) out.push_back('-');
  }
  return out;
}

}  // namespace seam::synth
