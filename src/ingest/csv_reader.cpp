#include "ingest/csv_reader.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <utility>

#include <fmt/format.h>

namespace seam::ingest {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

// Field strings keep their capacity from row to row (most files have the
// same shape on every row), except big ones: otherwise a file whose rows
// each hold one large field in a different column would leave max_fields
// large buffers behind.
constexpr std::size_t kMaxReusedCapacity = 1024;

constexpr std::array<bool, 256> QuotedSpecial() {
  std::array<bool, 256> t{};
  t['"'] = t['\r'] = t['\n'] = true;
  return t;
}
constexpr std::array<bool, 256> kQuotedSpecial = QuotedSpecial();

inline bool Special(const std::array<bool, 256>& table, char c) {
  return table[static_cast<unsigned char>(c)];
}

// The first byte at or after `p` that `table` marks, or `end`.
inline const char* ScanTo(const std::array<bool, 256>& table, const char* p, const char* end) {
  while (p < end && !Special(table, *p)) ++p;
  return p;
}

}  // namespace

namespace detail {

BomFilter::Pieces BomFilter::Feed(std::string_view chunk) {
  if (done_) return {{}, chunk};
  std::size_t i = 0;
  while (i < chunk.size() && matched_ < kBom.size()) {
    if (chunk[i] != kBom[matched_]) {
      done_ = true;
      // What matched so far (here or in earlier chunks) was data after all.
      return {kBom.substr(0, matched_), chunk.substr(i)};
    }
    ++matched_;
    ++i;
  }
  if (matched_ == kBom.size()) done_ = true;
  return {{}, chunk.substr(i)};
}

std::string_view BomFilter::Flush() {
  const bool holding = !done_;
  done_ = true;
  return holding ? kBom.substr(0, matched_) : std::string_view{};
}

}  // namespace detail

// ---- CsvReader ----

CsvReader::CsvReader(RowCallback on_row, CsvOptions options)
    : on_row_(std::move(on_row)), options_(options) {
  assert(options_.delimiter != '"' && options_.delimiter != '\r' && options_.delimiter != '\n');
  unquoted_special_[static_cast<unsigned char>(options_.delimiter)] = true;
  unquoted_special_['"'] = unquoted_special_['\r'] = unquoted_special_['\n'] = true;
}

void CsvReader::Feed(std::string_view chunk) {
  if (stopped_ || finished_) return;
  const auto pieces = bom_.Feed(chunk);
  Parse(pieces.replay.data(), pieces.replay.data() + pieces.replay.size());
  if (!stopped_) Parse(pieces.rest.data(), pieces.rest.data() + pieces.rest.size());
}

void CsvReader::Finish() {
  if (stopped_ || finished_) return;
  finished_ = true;
  const std::string_view held = bom_.Flush();
  Parse(held.data(), held.data() + held.size());
  if (stopped_) return;
  switch (state_) {
    case State::kRowStart:
      return;
    case State::kFieldStart:  // after a trailing delimiter: one more empty field
      BeginField();
      break;
    case State::kQuoted:
      Fail("unterminated quoted field", field_count_);
      break;
    case State::kUnquoted:
    case State::kQuoteInQuoted:
      break;
  }
  EndRow();
}

void CsvReader::Parse(const char* p, const char* end) {
  if (p == end) return;
  if (pending_cr_) {
    // The chunk before ended with a CR, already counted as a line end; an
    // LF here completes that CRLF.
    pending_cr_ = false;
    if (*p == '\n') {
      if (state_ == State::kQuoted) Append(p, 1);
      ++p;
    }
  }
  // A line end outside quotes at `p` (CR, LF or CRLF): counts the line and
  // returns the byte after it.
  const auto line_end = [&](const char* q) {
    ++line_;
    if (*q++ == '\n') return q;
    if (q == end) {
      pending_cr_ = true;
    } else if (*q == '\n') {
      ++q;
    }
    return q;
  };

  const char delimiter = options_.delimiter;
  while (p < end && !stopped_) {
    switch (state_) {
      case State::kRowStart:
        if (*p == '\n' || *p == '\r') {  // a blank line
          p = line_end(p);
        } else {
          BeginRow();
          state_ = State::kFieldStart;
        }
        break;

      case State::kFieldStart: {
        const char c = *p;
        BeginField();
        if (c == '"') {
          state_ = State::kQuoted;
          ++p;
        } else if (c == delimiter) {
          ++p;  // an empty field; the next one starts here
        } else if (c == '\r' || c == '\n') {  // an empty last field
          EndRow();
          p = line_end(p);
        } else {
          state_ = State::kUnquoted;
        }
        break;
      }

      case State::kUnquoted: {
        const char* run = p;
        p = ScanTo(unquoted_special_, p, end);
        Append(run, static_cast<std::size_t>(p - run));
        if (p == end) break;
        const char c = *p;
        if (c == delimiter) {
          state_ = State::kFieldStart;
          ++p;
        } else if (c == '"') {
          if (!discarding_)
            Fail(fmt::format("stray quote in unquoted field at column {}", field_count_), field_count_);
          ++p;  // while resyncing, a quote mid-field opens nothing
        } else {
          EndRow();
          p = line_end(p);
        }
        break;
      }

      case State::kQuoted: {
        // Line ends inside quotes are content; only the quote ends the run.
        const char* run = p;
        while (true) {
          p = ScanTo(kQuotedSpecial, p, end);
          if (p == end || *p == '"') break;
          if (*p++ == '\n') {
            ++line_;
          } else if (p == end) {  // a CR; its LF, if any, is in the next chunk
            ++line_;
            pending_cr_ = true;
          } else if (*p != '\n') {  // a lone CR; a CRLF is counted at its LF
            ++line_;
          }
        }
        Append(run, static_cast<std::size_t>(p - run));
        if (p != end) {
          state_ = State::kQuoteInQuoted;
          ++p;
        }
        break;
      }

      case State::kQuoteInQuoted: {
        const char c = *p;
        if (c == '"') {  // "" is one quote
          Append(p, 1);
          state_ = State::kQuoted;
          ++p;
        } else if (c == delimiter) {
          state_ = State::kFieldStart;
          ++p;
        } else if (c == '\r' || c == '\n') {
          EndRow();
          p = line_end(p);
        } else {
          if (!discarding_)
            Fail(fmt::format("characters after closing quote at column {}", field_count_), field_count_);
          state_ = State::kUnquoted;  // discards up to the next delimiter or line end
        }
        break;
      }
    }
  }
}

void CsvReader::BeginRow() {
  row_.line = line_;
  row_.error.reset();
  row_.error_column = 0;
  field_count_ = 0;
  row_bytes_ = 0;
  discarding_ = false;
}

void CsvReader::BeginField() {
  if (discarding_) return;
  if (field_count_ == options_.max_fields) {
    Fail(fmt::format("row has more than {} fields", options_.max_fields), 0);
    return;
  }
  if (field_count_ < row_.fields.size()) {
    row_.fields[field_count_].clear();
  } else {
    row_.fields.emplace_back();
  }
  ++field_count_;
}

void CsvReader::EndRow() {
  row_.fields.resize(field_count_);
  if (!on_row_(row_)) stopped_ = true;
  for (std::string& field : row_.fields)
    if (field.capacity() > kMaxReusedCapacity) std::string().swap(field);
  row_bytes_ = 0;
  discarding_ = false;
  state_ = State::kRowStart;
}

void CsvReader::Append(const char* begin, std::size_t n) {
  if (discarding_ || n == 0) return;
  std::string& field = row_.fields[field_count_ - 1];
  const std::size_t field_room = options_.max_field_bytes - field.size();
  const std::size_t row_room = options_.max_row_bytes - row_bytes_;
  if (n > field_room || n > row_room) {
    // Keep the bytes up to the limit, so the row in error is the same
    // whatever the chunking; the limit reached first names the error.
    const std::size_t room = std::min(field_room, row_room);
    field.append(begin, room);
    row_bytes_ += room;
    if (field_room <= row_room) {
      Fail(fmt::format("field at column {} exceeds max_field_bytes ({})", field_count_, options_.max_field_bytes),
           field_count_);
    } else {
      Fail(fmt::format("row exceeds max_row_bytes ({})", options_.max_row_bytes), 0);
    }
    return;
  }
  field.append(begin, n);
  row_bytes_ += n;
}

void CsvReader::Fail(std::string message, std::size_t column) {
  if (!row_.error) {
    row_.error = std::move(message);
    row_.error_column = column;
  }
  discarding_ = true;
}

// ---- NdjsonReader ----

NdjsonReader::NdjsonReader(LineCallback on_line, NdjsonOptions options)
    : on_line_(std::move(on_line)), options_(options) {}

void NdjsonReader::Feed(std::string_view chunk) {
  if (stopped_ || finished_) return;
  const auto pieces = bom_.Feed(chunk);
  Parse(pieces.replay.data(), pieces.replay.data() + pieces.replay.size());
  if (!stopped_) Parse(pieces.rest.data(), pieces.rest.data() + pieces.rest.size());
}

void NdjsonReader::Finish() {
  if (stopped_ || finished_) return;
  finished_ = true;
  const std::string_view held = bom_.Flush();
  Parse(held.data(), held.data() + held.size());
  if (!stopped_ && (overlong_ || !line_.text.empty())) EndLine();
}

void NdjsonReader::Parse(const char* p, const char* end) {
  while (p < end && !stopped_) {
    const auto* lf = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    const char* stop = lf != nullptr ? lf : end;
    const auto n = static_cast<std::size_t>(stop - p);
    if (!overlong_) {
      if (line_.text.size() + n > options_.max_line_bytes) {
        overlong_ = true;
        std::string().swap(line_.text);
      } else {
        line_.text.append(p, n);
      }
    }
    if (lf == nullptr) return;
    EndLine();
    ++line_number_;
    p = lf + 1;
  }
}

void NdjsonReader::EndLine() {
  line_.line = line_number_;
  if (overlong_) {
    line_.error = fmt::format("line exceeds max_line_bytes ({})", options_.max_line_bytes);
    if (!on_line_(line_)) stopped_ = true;
  } else {
    if (!line_.text.empty() && line_.text.back() == '\r') line_.text.pop_back();
    if (line_.text.find_first_not_of(" \t\r") != std::string::npos && !on_line_(line_)) stopped_ = true;
  }
  line_.text.clear();
  line_.error.reset();
  overlong_ = false;
}

}  // namespace seam::ingest
