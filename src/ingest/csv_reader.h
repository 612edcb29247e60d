// Incremental CSV (RFC 4180) and NDJSON readers for offline import (SPEC §4).
// An export file arrives as an HTTP body in chunks of any size; the readers
// turn bytes into rows as they come, so memory stays bounded by the named
// limits whatever the file size (a 1 GB file never needs 1 GB of RAM).
//
// Bytes are passed through untouched: the readers split on ASCII bytes only
// (delimiter, '"', CR, LF) and never validate or convert encodings; that is
// charset.h's job, per field. This is safe for UTF-8 (continuation and lead
// bytes are >= 0x80) and for CP949 / EUC-KR (lead bytes are >= 0x81, trail
// bytes are 0x41-0x5A, 0x61-0x7A or >= 0x81, so a trail byte is never '"',
// ',', CR, LF, tab, ';' or '|'). REQUIRES: the delimiter is ASCII
// punctuation or a control byte other than '"', CR and LF (',', ';', '\t',
// '|'), never a letter.
//
// Thread safety: a reader is used by one thread at a time. The callback runs
// on the thread calling Feed or Finish.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace seam::ingest {

struct CsvOptions {
  char delimiter = ',';
  // A field longer than this (content bytes, after unescaping "") is an
  // error row.
  std::size_t max_field_bytes = std::size_t{1} << 20;
  // Sum of the field contents of one record.
  std::size_t max_row_bytes = std::size_t{4} << 20;
  std::size_t max_fields = 1024;
};

struct CsvRow {
  std::vector<std::string> fields;
  // Physical 1-based line where the record starts (LF, CRLF and a lone CR
  // each end one physical line, inside quotes too).
  uint64_t line = 0;
  // Set when the record is malformed; `fields` then holds the fields before
  // the error and the field in error up to where it went wrong (a field over
  // a limit holds exactly the bytes the limit allowed), the same whatever
  // the chunking; later fields are dropped.
  std::optional<std::string> error;
  // 1-based field (column) where the error was found; 0 when `error` is
  // empty or the error concerns the whole row.
  std::size_t error_column = 0;
};

namespace detail {
// Drops a UTF-8 BOM (EF BB BF) at offset 0 of a stream only, even when it
// arrives split across chunks.
class BomFilter {
 public:
  // What to parse, in order: `replay` (bytes held back because they began
  // like a BOM but were not one) then `rest`.
  struct Pieces {
    std::string_view replay;
    std::string_view rest;
  };
  Pieces Feed(std::string_view chunk);
  // End of input: bytes still held (a stream that is a proper BOM prefix).
  std::string_view Flush();
  std::size_t held() const { return done_ ? 0 : matched_; }

 private:
  std::size_t matched_ = 0;
  bool done_ = false;
};
}  // namespace detail

// RFC 4180 reader.
//
// - Records end at LF, CRLF or a lone CR outside quotes; a CRLF split across
//   two chunks is one line end. The last record may lack a line end.
// - Empty lines (no byte between two line ends) are skipped and yield no row.
//   A line holding only white space is a row of one field.
// - "a,b," is three fields, the last one empty. `""` is one empty field.
// - Inside quotes, delimiters and line ends are content ("\r\n" stays
//   "\r\n"); `""` is one quote.
//
// Errors never stop the file. A stray quote inside an unquoted field
// ("stray quote in unquoted field at column N"), text after a closing quote
// ("characters after closing quote at column N"), or a limit exceeded
// ("field at column N exceeds max_field_bytes (L)", "row exceeds
// max_row_bytes (L)", "row has more than L fields") make the row an error
// row. The reader then resyncs at the next line end outside quotes: it keeps
// tracking quotes field by field while discarding content (a quote at the
// start of a later field opens a quoted span, a stray quote mid-field does
// not), so an overlong quoted field is skipped until its quote closes and
// the line ends, without buffering any of it. An unterminated quoted field
// at end of input is reported by Finish() as "unterminated quoted field"
// (the usual end of an interrupted upload). Only the first error of a row is
// reported.
//
// Memory: buffered_bytes() never exceeds max_row_bytes (plus two bytes of a
// pending BOM), whatever the input. Field buffers are reused from row to row
// for speed, but one grown past 1 KiB is freed after its row, so capacity
// kept between rows stays under max_fields KiB.
class CsvReader {
 public:
  // Return false to stop: later Feed and Finish calls then do nothing. The
  // row is only valid during the call (its storage is reused).
  using RowCallback = std::function<bool(const CsvRow&)>;

  explicit CsvReader(RowCallback on_row, CsvOptions options = {});

  void Feed(std::string_view chunk);
  // End of input: delivers the last record. REQUIRES: called once; no Feed
  // after it.
  void Finish();

  // True once the callback returned false.
  bool stopped() const { return stopped_; }
  // Content bytes held for the record being parsed.
  std::size_t buffered_bytes() const { return row_bytes_ + bom_.held(); }
  // Physical lines started so far (the line number of the current byte).
  uint64_t line() const { return line_; }

 private:
  enum class State : uint8_t {
    kRowStart,      // between records: blank lines are skipped here
    kFieldStart,    // after a delimiter, or at the first byte of a record
    kUnquoted,      // inside an unquoted field
    kQuoted,        // inside a quoted field
    kQuoteInQuoted  // a quote inside a quoted field: closing, or half of ""
  };

  void Parse(const char* p, const char* end);
  void BeginRow();
  void BeginField();
  void EndRow();
  void Append(const char* begin, std::size_t n);
  void Fail(std::string message, std::size_t column);

  RowCallback on_row_;
  CsvOptions options_;
  std::array<bool, 256> unquoted_special_{};
  detail::BomFilter bom_;
  State state_ = State::kRowStart;
  bool stopped_ = false;
  bool finished_ = false;
  bool pending_cr_ = false;  // the last byte fed was a CR (its LF may follow)
  bool discarding_ = false;  // after an error: skip to the record's end
  uint64_t line_ = 1;
  CsvRow row_;
  std::size_t field_count_ = 0;  // fields of row_ in use (the vector is reused)
  std::size_t row_bytes_ = 0;
};

struct NdjsonOptions {
  std::size_t max_line_bytes = std::size_t{4} << 20;
};

struct NdjsonLine {
  // The line without its line end (a trailing CR of CRLF is dropped).
  // Empty when `error` is set.
  std::string text;
  uint64_t line = 0;  // physical 1-based line number (lines end at LF)
  std::optional<std::string> error;
};

// Splits NDJSON into lines; does not parse JSON. Lines end at LF (CRLF
// tolerated); lines holding only JSON white space (space, tab, CR) are
// skipped. A line longer than max_line_bytes yields an error line ("line
// exceeds max_line_bytes (L)") and is skipped to its end without being
// buffered. A UTF-8 BOM at offset 0 is dropped. Same contract as CsvReader
// for the callback, Finish and thread safety.
class NdjsonReader {
 public:
  using LineCallback = std::function<bool(const NdjsonLine&)>;

  explicit NdjsonReader(LineCallback on_line, NdjsonOptions options = {});

  void Feed(std::string_view chunk);
  void Finish();

  bool stopped() const { return stopped_; }
  std::size_t buffered_bytes() const { return line_.text.size() + bom_.held(); }

 private:
  void Parse(const char* p, const char* end);
  void EndLine();

  LineCallback on_line_;
  NdjsonOptions options_;
  detail::BomFilter bom_;
  bool stopped_ = false;
  bool finished_ = false;
  bool overlong_ = false;
  uint64_t line_number_ = 1;
  NdjsonLine line_;
};

}  // namespace seam::ingest
