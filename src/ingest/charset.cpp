#include "ingest/charset.h"

#include <unicode/ucnv.h>
#include <unicode/ucnv_err.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>

#include <array>
#include <cstddef>
#include <cstdint>

#include <fmt/format.h>

#include "seam/normalize.h"

namespace seam::ingest {
namespace {

// Microsoft's CP949; see charset.h for why not ICU's "cp949".
constexpr const char* kCp949ConverterName = "windows-949-2000";

Status InvalidEncoding(std::string message) {
  return Status::Invalid("invalid_encoding", std::move(message));
}

Status BadUtf8(std::size_t offset) { return InvalidEncoding(fmt::format("invalid UTF-8 at byte {}", offset)); }

Status BadCp949(std::size_t offset) {
  return InvalidEncoding(fmt::format("invalid CP949 byte sequence at byte {}", offset));
}

bool IsAscii(std::string_view s) {
  for (const char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

// What windows-949-2000 decodes 0x80, 0xFF and the user-defined rows to:
// placeholders for bytes that are not CP949 text.
bool IsPlaceholder(UChar32 c) { return (c >= 0x80 && c <= 0x9F) || (c >= 0xE000 && c <= 0xF8FF); }

// Offset of the first ill-formed sequence in `s` (s is known to hold one).
std::size_t FirstBadUtf8(std::string_view s) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(s.data());
  const auto length = static_cast<int64_t>(s.size());
  for (int64_t i = 0; i < length;) {
    const int64_t start = i;
    UChar32 c = 0;
    U8_NEXT(bytes, i, length, c);
    if (c < 0) return static_cast<std::size_t>(start);
  }
  return s.size();
}

// One converter per thread, opened on first use and closed at thread exit:
// opening one parses the mapping table, and a UConverter is not thread-safe.
class ThreadConverter {
 public:
  ThreadConverter() {
    UErrorCode status = U_ZERO_ERROR;
    converter_ = ucnv_open(kCp949ConverterName, &status);
    if (U_FAILURE(status)) {
      converter_ = nullptr;
      return;
    }
    // Stop at the first invalid or unmappable sequence; the default
    // callbacks would substitute U+FFFD or 0x1A and keep going.
    ucnv_setToUCallBack(converter_, UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &status);
    ucnv_setFromUCallBack(converter_, UCNV_FROM_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &status);
    if (U_FAILURE(status)) {
      ucnv_close(converter_);
      converter_ = nullptr;
    }
  }
  ~ThreadConverter() {
    if (converter_ != nullptr) ucnv_close(converter_);
  }
  ThreadConverter(const ThreadConverter&) = delete;
  ThreadConverter& operator=(const ThreadConverter&) = delete;

  // Reset to its initial state, or null when ICU could not open it.
  static UConverter* Get() {
    thread_local ThreadConverter instance;
    if (instance.converter_ != nullptr) ucnv_reset(instance.converter_);
    return instance.converter_;
  }

 private:
  UConverter* converter_ = nullptr;
};

Status ConverterMissing() { return Status::Internal(fmt::format("ICU converter {} unavailable", kCp949ConverterName)); }

// Offset of the first byte sequence decoding to a placeholder (error path
// only: one character at a time, to know where each starts).
std::size_t FirstPlaceholder(UConverter* converter, std::string_view bytes) {
  ucnv_reset(converter);
  const char* source = bytes.data();
  const char* const limit = source + bytes.size();
  while (source < limit) {
    const char* const start = source;
    UErrorCode status = U_ZERO_ERROR;
    const UChar32 c = ucnv_getNextUChar(converter, &source, limit, &status);
    if (U_FAILURE(status) || IsPlaceholder(c)) return static_cast<std::size_t>(start - bytes.data());
  }
  return bytes.size();
}

Result<std::string> DecodeCp949(std::string_view bytes) {
  if (IsAscii(bytes)) return std::string(bytes);  // CP949 is ASCII below 0x80
  UConverter* converter = ThreadConverter::Get();
  if (converter == nullptr) return ConverterMissing();

  std::string out;
  out.reserve(bytes.size() + bytes.size() / 2);  // 2-byte Hangul -> 3 bytes
  std::array<UChar, 1024> buffer;
  const char* source = bytes.data();
  const char* const limit = source + bytes.size();
  while (true) {
    UChar* target = buffer.data();
    UErrorCode status = U_ZERO_ERROR;
    ucnv_toUnicode(converter, &target, buffer.data() + buffer.size(), &source, limit, nullptr, true, &status);
    const bool more = status == U_BUFFER_OVERFLOW_ERROR;
    if (U_FAILURE(status) && !more) {
      // `source` is past the bad sequence; it began invalid_length earlier.
      std::array<char, 32> invalid;
      int8_t invalid_length = static_cast<int8_t>(invalid.size());
      UErrorCode ignored = U_ZERO_ERROR;
      ucnv_getInvalidChars(converter, invalid.data(), &invalid_length, &ignored);
      if (U_FAILURE(ignored)) invalid_length = 0;
      return BadCp949(static_cast<std::size_t>(source - bytes.data()) - static_cast<std::size_t>(invalid_length));
    }
    const auto units = static_cast<int32_t>(target - buffer.data());
    for (int32_t i = 0; i < units; ++i)
      if (IsPlaceholder(buffer[static_cast<std::size_t>(i)])) return BadCp949(FirstPlaceholder(converter, bytes));
    // windows-949 maps to the BMP only: at most 3 UTF-8 bytes per unit.
    const std::size_t old_size = out.size();
    out.resize(old_size + static_cast<std::size_t>(units) * 3);
    int32_t written = 0;
    status = U_ZERO_ERROR;
    u_strToUTF8(out.data() + old_size, units * 3, &written, buffer.data(), units, &status);
    if (U_FAILURE(status)) return Status::Internal("UTF-16 to UTF-8 failed after CP949 decoding");
    out.resize(old_size + static_cast<std::size_t>(written));
    if (!more) return out;
  }
}

Result<std::string> EncodeCp949(std::string_view utf8) {
  // Placeholders decode only from bytes ToUtf8 refuses, so refuse to write
  // them too; walking the UTF-8 here also gives their byte offset.
  const auto* bytes = reinterpret_cast<const uint8_t*>(utf8.data());
  const auto length = static_cast<int64_t>(utf8.size());
  for (int64_t i = 0; i < length;) {
    const int64_t start = i;
    UChar32 c = 0;
    U8_NEXT(bytes, i, length, c);
    if (c < 0) return BadUtf8(static_cast<std::size_t>(start));
    if (IsPlaceholder(c))
      return InvalidEncoding(fmt::format("U+{:04X} at byte {} cannot be encoded in CP949", c, start));
  }
  if (IsAscii(utf8)) return std::string(utf8);
  if (utf8.size() > std::size_t{INT32_MAX} / 2) return InvalidEncoding("input too large to encode at once");
  UConverter* converter = ThreadConverter::Get();
  if (converter == nullptr) return ConverterMissing();

  std::u16string utf16(utf8.size(), u'\0');  // never more units than bytes
  int32_t units = 0;
  UErrorCode status = U_ZERO_ERROR;
  u_strFromUTF8(utf16.data(), static_cast<int32_t>(utf16.size()), &units, utf8.data(),
                static_cast<int32_t>(utf8.size()), &status);
  if (U_FAILURE(status)) return Status::Internal("UTF-8 to UTF-16 failed on validated input");

  std::string out(static_cast<std::size_t>(units) * 2, '\0');  // at most 2 bytes per unit
  char* target = out.data();
  const UChar* source = utf16.data();
  const UChar* const limit = source + units;
  ucnv_fromUnicode(converter, &target, out.data() + out.size(), &source, limit, nullptr, true, &status);
  if (U_FAILURE(status)) {
    std::array<UChar, 8> invalid;
    int8_t invalid_length = static_cast<int8_t>(invalid.size());
    UErrorCode ignored = U_ZERO_ERROR;
    ucnv_getInvalidUChars(converter, invalid.data(), &invalid_length, &ignored);
    if (U_FAILURE(ignored)) invalid_length = 0;
    const auto index = static_cast<int32_t>(source - utf16.data()) - invalid_length;
    UChar32 c = 0;
    U16_GET(utf16.data(), 0, index, units, c);
    int32_t offset = 0;
    UErrorCode preflight = U_ZERO_ERROR;
    u_strToUTF8(nullptr, 0, &offset, utf16.data(), index, &preflight);
    return InvalidEncoding(fmt::format("U+{:04X} at byte {} cannot be encoded in CP949", c, offset));
  }
  out.resize(static_cast<std::size_t>(target - out.data()));
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

}  // namespace

std::optional<Charset> CharsetFromName(std::string_view name) {
  static constexpr std::string_view kUtf8Names[] = {"utf-8", "utf8"};
  static constexpr std::string_view kCp949Names[] = {"cp949",       "euc-kr", "euckr",         "ms949",
                                                     "windows-949", "uhc",    "ks_c_5601-1987"};
  for (const std::string_view n : kUtf8Names)
    if (EqualsIgnoreCase(name, n)) return Charset::kUtf8;
  for (const std::string_view n : kCp949Names)
    if (EqualsIgnoreCase(name, n)) return Charset::kCp949;
  return std::nullopt;
}

std::string_view CharsetName(Charset charset) { return charset == Charset::kUtf8 ? "utf-8" : "cp949"; }

Result<std::string> ToUtf8(std::string_view bytes, Charset charset) {
  if (charset == Charset::kCp949) return DecodeCp949(bytes);
  if (IsValidUtf8(bytes)) return std::string(bytes);
  return BadUtf8(FirstBadUtf8(bytes));
}

Result<std::string> FromUtf8(std::string_view utf8, Charset charset) {
  if (charset == Charset::kCp949) return EncodeCp949(utf8);
  if (IsValidUtf8(utf8)) return std::string(utf8);
  return BadUtf8(FirstBadUtf8(utf8));
}

}  // namespace seam::ingest
