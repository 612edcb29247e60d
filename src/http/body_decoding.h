// Content-Encoding: inflates gzip/deflate bodies with the size checked while
// inflating, so a gzip bomb is stopped at the cap, never expanded in full.
#pragma once

#include <string>
#include <string_view>

#include "seam/status.h"

namespace seam::http {

// kTooLarge ("inflated_too_large") past `cap`; kInvalid ("bad_encoding") for
// corrupt or truncated data. Accepts gzip and zlib framing.
Result<std::string> Inflate(std::string_view compressed, std::size_t cap);

// Inflates a body that arrives in pieces (a streamed import), yielding output
// in bounded pieces so that a small read cannot turn into an unbounded one.
class StreamInflater {
 public:
  StreamInflater();
  ~StreamInflater();
  StreamInflater(const StreamInflater&) = delete;
  StreamInflater& operator=(const StreamInflater&) = delete;

  // Queues compressed bytes (copied).
  void Input(std::string_view compressed);
  // Up to `max` inflated bytes from what is queued; empty when more input is
  // needed (or the stream has ended). kInvalid on corrupt data.
  Result<std::string> Output(std::size_t max);
  // True once the compressed stream's end was seen.
  bool finished() const { return finished_; }

 private:
  void* zs_;  // z_stream, kept out of this header
  std::string pending_;
  std::size_t consumed_ = 0;
  bool finished_ = false;
};

}  // namespace seam::http
