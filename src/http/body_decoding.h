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

}  // namespace seam::http
