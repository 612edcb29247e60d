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

StreamInflater::StreamInflater() {
  auto* zs = new z_stream{};
  inflateInit2(zs, 15 + 32);
  zs_ = zs;
}

StreamInflater::~StreamInflater() {
  auto* zs = static_cast<z_stream*>(zs_);
  inflateEnd(zs);
  delete zs;
}

void StreamInflater::Input(std::string_view compressed) {
  pending_.erase(0, consumed_);
  consumed_ = 0;
  pending_.append(compressed);
}

Result<std::string> StreamInflater::Output(std::size_t max) {
  auto* zs = static_cast<z_stream*>(zs_);
  std::string out(max, '\0');
  std::size_t produced = 0;
  while (!finished_ && produced < max && consumed_ < pending_.size()) {
    zs->next_in = reinterpret_cast<Bytef*>(pending_.data() + consumed_);
    zs->avail_in = static_cast<uInt>(pending_.size() - consumed_);
    zs->next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    zs->avail_out = static_cast<uInt>(max - produced);
    const int rc = inflate(zs, Z_NO_FLUSH);
    consumed_ = pending_.size() - zs->avail_in;
    produced = max - zs->avail_out;
    if (rc == Z_STREAM_END) finished_ = true;
    else if (rc == Z_BUF_ERROR) break;  // needs more input
    else if (rc != Z_OK) return Status::Invalid("bad_encoding", "the body is not valid gzip/deflate data");
  }
  out.resize(produced);
  return out;
}

}  // namespace seam::http
