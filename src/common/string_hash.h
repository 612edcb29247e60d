// Lets unordered maps keyed by std::string be searched with a string_view,
// without building a std::string for each lookup (C++20 heterogeneous lookup:
// use it with std::equal_to<>).
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>

namespace seam {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

}  // namespace seam
