#include "csv_sink.h"

#include <unicode/ucnv.h>
#include <unicode/ucnv_err.h>

#include <array>
#include <charconv>
#include <ostream>

namespace seam::synth {
namespace {

constexpr std::size_t kFlushAt = 1 << 20;
constexpr const char* kCp949Converter = "windows-949-2000";

// Characters that make a field quoted (RFC 4180).
constexpr std::array<bool, 256> kSpecial = [] {
  std::array<bool, 256> t{};
  t[','] = t['"'] = t['\r'] = t['\n'] = true;
  return t;
}();

}  // namespace

CsvSink::CsvSink(std::ostream& out, const CsvFormat& format) : out_(out), format_(format) {
  buffer_.reserve(kFlushAt + 64 * 1024);
  if (format_.encoding == Encoding::kCp949) {
    UErrorCode status = U_ZERO_ERROR;
    cp949_ = ucnv_open(kCp949Converter, &status);
    if (U_SUCCESS(status)) utf8_ = ucnv_open("UTF-8", &status);
    if (U_SUCCESS(status))
      ucnv_setFromUCallBack(cp949_, UCNV_FROM_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &status);
    if (U_SUCCESS(status))
      ucnv_setToUCallBack(utf8_, UCNV_TO_U_CALLBACK_STOP, nullptr, nullptr, nullptr, &status);
    if (U_FAILURE(status))
      error_ = std::string("cannot open ICU converter ") + kCp949Converter + ": " + u_errorName(status);
  } else if (format_.bom) {
    buffer_ += "\xEF\xBB\xBF";
  }
}

CsvSink::~CsvSink() {
  if (cp949_ != nullptr) ucnv_close(cp949_);
  if (utf8_ != nullptr) ucnv_close(utf8_);
}

void CsvSink::Field(std::string_view value) {
  if (!row_start_) buffer_.push_back(',');
  row_start_ = false;
  bool quote = false;
  for (char c : value) quote |= kSpecial[static_cast<unsigned char>(c)];
  if (!quote) {
    buffer_.append(value);
    return;
  }
  buffer_.push_back('"');
  for (char c : value) {
    if (c == '"') buffer_.push_back('"');
    buffer_.push_back(c);
  }
  buffer_.push_back('"');
}

void CsvSink::Field(int64_t value) {
  if (!row_start_) buffer_.push_back(',');
  row_start_ = false;
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, value);
  buffer_.append(buf, r.ptr);
}

void CsvSink::EndRow() {
  buffer_ += format_.line_ending == LineEnding::kCrLf ? "\r\n" : "\n";
  row_start_ = true;
  ++rows_;
  if (buffer_.size() >= kFlushAt) Flush();
}

void CsvSink::Flush() {
  if (!error_.empty()) {
    buffer_.clear();
    return;
  }
  const char* data = buffer_.data();
  std::size_t size = buffer_.size();
  if (cp949_ != nullptr) {
    // CP949 takes at most as many bytes as UTF-8 for every character it maps.
    encoded_.resize(buffer_.size() + 16);
    const char* src = buffer_.data();
    char* target = encoded_.data();
    UErrorCode status = U_ZERO_ERROR;
    ucnv_convertEx(cp949_, utf8_, &target, encoded_.data() + encoded_.size(), &src,
                   buffer_.data() + buffer_.size(), nullptr, nullptr, nullptr, nullptr,
                   /*reset=*/true, /*flush=*/true, &status);
    if (U_FAILURE(status)) {
      error_ = std::string("CP949 (windows-949-2000) cannot encode the text near UTF-8 byte ") +
               std::to_string(utf8_offset_ + static_cast<uint64_t>(src - buffer_.data())) + ": " +
               u_errorName(status);
      buffer_.clear();
      return;
    }
    data = encoded_.data();
    size = static_cast<std::size_t>(target - encoded_.data());
  }
  out_.write(data, static_cast<std::streamsize>(size));
  if (!out_) error_ = "write failed";
  bytes_ += size;
  utf8_offset_ += buffer_.size();
  buffer_.clear();
}

bool CsvSink::Finish() {
  Flush();
  out_.flush();
  if (!out_ && error_.empty()) error_ = "write failed";
  return error_.empty();
}

}  // namespace seam::synth
