// A bounded memo of a pure function of a string: what the normaliser keeps
// of recent phone parses. libphonenumber's Parse and IsValidNumber run its
// metadata's regular expressions on every call (tens of microseconds), and
// the same numbers come back again and again: a customer's phone on each of
// their events, lookups of the same people.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/two_generation_cache.h"

namespace seam::normalize {

class StringMemo {
 public:
  using Value = std::optional<std::string>;

  // About `capacity` inputs are kept; inputs longer than `max_key_bytes`
  // are never kept.
  explicit StringMemo(std::size_t capacity, std::size_t max_key_bytes = 64)
      : max_key_bytes_(max_key_bytes), cache_(capacity, [](std::string_view, const Value&) { return std::size_t{1}; }) {}

  // `compute(raw)`, remembered: later calls with the same `raw` answer from
  // the memo. `compute` must be a pure function of `raw`. It runs outside
  // any lock: two threads may both compute a new input, which costs a parse,
  // never a wrong answer.
  Value Get(std::string_view raw, const std::function<Value(std::string_view)>& compute) {
    if (raw.size() > max_key_bytes_) return compute(raw);
    if (auto hit = cache_.Find(raw)) return *hit;
    Value v = compute(raw);
    cache_.Put(raw, v);
    return v;
  }

 private:
  std::size_t max_key_bytes_;
  TwoGenerationCache<Value> cache_;
};

}  // namespace seam::normalize
