// A buffered RFC 4180 CSV writer that encodes on the way out: UTF-8 as is,
// or CP949 through ICU's "windows-949-2000" converter (Microsoft's UHC, what
// Korean Windows and POS systems write), stopping at the first character
// that converter cannot map rather than substituting it.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>

#include "synth.h"

struct UConverter;

namespace seam::synth {

class CsvSink {
 public:
  CsvSink(std::ostream& out, const CsvFormat& format);
  ~CsvSink();
  CsvSink(const CsvSink&) = delete;
  CsvSink& operator=(const CsvSink&) = delete;

  // A field, quoted when it holds a comma, quote, CR or LF.
  void Field(std::string_view value);
  void Field(int64_t value);
  void EndRow();
  // Flushes; false (with error()) when encoding or the stream failed.
  // After a failure nothing more is written.
  bool Finish();

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  uint64_t rows() const { return rows_; }  // EndRow calls, header included
  uint64_t bytes() const { return bytes_; }

 private:
  void Flush();

  std::ostream& out_;
  CsvFormat format_;
  UConverter* cp949_ = nullptr;
  UConverter* utf8_ = nullptr;
  std::string buffer_;   // UTF-8, whole rows
  std::string encoded_;  // CP949 scratch
  bool row_start_ = true;
  uint64_t rows_ = 0;
  uint64_t bytes_ = 0;
  uint64_t utf8_offset_ = 0;  // UTF-8 bytes flushed before buffer_
  std::string error_;
};

}  // namespace seam::synth
