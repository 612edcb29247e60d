// Time values. Seam keeps times as microseconds since the Unix epoch, UTC.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace seam {

using Micros = int64_t;

// ISO 8601 / RFC 3339 date-time: "2026-11-22T10:57:35.852Z",
// "2026-11-22T19:57:35+09:00", "2026-11-22T10:57:35" (taken as UTC),
// "2026-11-22 10:57:35Z", fractions of up to 9 digits (truncated to
// microseconds), and a bare date "2026-11-22" (midnight UTC).
std::optional<Micros> ParseIso8601(std::string_view text);

// "2026-11-22T10:57:35.852000Z" style: always UTC with 'Z'. Milliseconds are
// printed when the value has no sub-millisecond part ("...35.852Z"), else
// microseconds.
std::string FormatIso8601(Micros t);

// A wall-clock "YYYY-MM-DD HH:MM:SS" (or "YYYY-MM-DDTHH:MM:SS") in the IANA
// time zone `zone` (e.g. "Asia/Seoul"), converted with ICU. A string that
// carries its own offset or 'Z' is parsed as ISO 8601 instead.
std::optional<Micros> ParseLocalDateTime(std::string_view text, std::string_view zone);

// True when ICU knows the zone id.
bool IsKnownTimeZone(std::string_view zone);

}  // namespace seam
