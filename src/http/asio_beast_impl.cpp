// Asio and Beast are header-only by default; compiling their implementation
// once here (with BOOST_*_SEPARATE_COMPILATION) keeps every other translation
// unit that includes them fast to build.
#include <utility>  // Boost 1.74's asio needs it before awaitable.hpp on GCC 12
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
