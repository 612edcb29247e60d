// Character sets of imported files (SPEC §4): UTF-8, or the CP949 / EUC-KR
// that legacy Korean POS systems export. Conversion is per field or per row,
// after csv_reader.h has split the raw bytes.
//
// CP949 means Microsoft's code page 949 ("UHC", what Korean Windows writes),
// converted with ICU's "windows-949-2000". ICU's own "cp949" is IBM-949 and
// decodes Microsoft bytes such as 8C 63 (똠) wrongly, so it is never used.
// EUC-KR (KS X 1001) is a subset of CP949 and uses the same converter.
//
// Invalid or unmappable bytes are an error, never a substitution. That
// includes bytes Windows maps to placeholders rather than to characters:
// 0x80 (-> U+0080), 0xFF (-> U+F8F7) and the user-defined rows C9 and FE
// (-> private use area): in an export file they are corruption, not text.
//
// Thread safety: all functions may be called from any number of threads.
// Each thread opens its own ICU converter on first use (opening one parses
// the mapping table) and keeps it until the thread exits.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "seam/status.h"

namespace seam::ingest {

enum class Charset { kUtf8, kCp949 };

// Case-insensitive: "utf-8", "utf8" -> kUtf8; "cp949", "euc-kr", "euckr",
// "ms949", "windows-949", "uhc", "ks_c_5601-1987" -> kCp949. Anything else:
// nullopt (the caller answers 415).
std::optional<Charset> CharsetFromName(std::string_view name);

// "utf-8" or "cp949".
std::string_view CharsetName(Charset charset);

// `bytes` in `charset` -> UTF-8. kUtf8 validates only (surrogates, overlong
// forms and truncated sequences are invalid): error "invalid UTF-8 at byte
// N". kCp949: error "invalid CP949 byte sequence at byte N", N the offset of
// the first byte of the bad sequence (a lead byte cut off by the end of
// `bytes` is bad at its own offset). Errors are Code::kInvalid with
// error_code "invalid_encoding".
Result<std::string> ToUtf8(std::string_view bytes, Charset charset);

// UTF-8 -> `charset` (the synthetic data generator and tests write CP949
// files with it). Errors: "invalid UTF-8 at byte N"; "U+XXXX at byte N
// cannot be encoded in CP949" for a character CP949 lacks (it encodes only
// what ToUtf8 decodes).
Result<std::string> FromUtf8(std::string_view utf8, Charset charset);

}  // namespace seam::ingest
