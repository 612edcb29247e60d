#include "http/body_decoding.h"

#include <zlib.h>

namespace seam::http {

Result<std::string> Inflate(std::string_view compressed, std::size_t cap) {
  z_stream zs{};
  // 15 + 32: the largest window, gzip or zlib header detected automatically.
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return Status::Internal("zlib init failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  zs.avail_in = static_cast<uInt>(compressed.size());
  std::string out;
  out.reserve(std::min<std::size_t>(cap, compressed.size() * 4 + 1024));
  char chunk[64 * 1024];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(chunk);
    zs.avail_out = sizeof chunk;
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      return Status::Invalid("bad_encoding", "the body is not valid gzip/deflate data");
    }
    const std::size_t produced = sizeof chunk - zs.avail_out;
    if (out.size() + produced > cap) {
      inflateEnd(&zs);
      return Status(Code::kTooLarge, "inflated_too_large",
                    "the body inflates past " + std::to_string(cap) + " bytes");
    }
    out.append(chunk, produced);
    if (rc == Z_OK && produced == 0 && zs.avail_in == 0) {
      inflateEnd(&zs);
      return Status::Invalid("bad_encoding", "the gzip data is truncated");
    }
  }
  inflateEnd(&zs);
  return out;
}

}  // namespace seam::http
