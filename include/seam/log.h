// Logging set-up (spdlog). With format "json" every line is one JSON object.
// Identifier values are never logged at info level: call MaskValue() for
// anything that might name a person, and log values in clear only at debug.
#pragma once

#include <string>
#include <string_view>

namespace seam {

void SetupLogging(const std::string& level, const std::string& format);
// "ja***@***.com"-style masking: keeps the shape, hides the person.
std::string MaskValue(std::string_view value);

}  // namespace seam
