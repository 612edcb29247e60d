// A small binary codec for the values the writer rewrites on every group
// (Stats, sigs, clusters): varints and length-prefixed bytes, written
// straight into one string. MessagePack through nlohmann builds a JSON tree
// first and cost more than the rest of the write path together.
//
// Every encoded value starts with a format byte owned by its type, so a type
// can change its layout later and still read what is on disk.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace seam::store {

class Encoder {
 public:
  void Byte(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void U64(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  // Zig-zag, so small negative numbers stay short.
  void I64(int64_t v) { U64((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }
  void Double(double v) {
    uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    for (int i = 0; i < 8; ++i) out_.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
  }
  void Bytes(std::string_view s) {
    U64(s.size());
    out_.append(s);
  }
  void Strings(const std::vector<std::string>& v) {
    U64(v.size());
    for (const auto& x : v) Bytes(x);
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

// Every read returns false on truncated or malformed input; once false, the
// decoder stays failed, so a caller may check once at the end.
class Decoder {
 public:
  explicit Decoder(std::string_view in) : in_(in) {}
  bool Byte(uint8_t& v) {
    if (!ok_ || pos_ >= in_.size()) return ok_ = false;
    v = static_cast<uint8_t>(in_[pos_++]);
    return true;
  }
  bool U64(uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t b;
      if (!Byte(b)) return false;
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return true;
    }
    return ok_ = false;
  }
  bool I64(int64_t& v) {
    uint64_t u;
    if (!U64(u)) return false;
    v = static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
    return true;
  }
  bool U32(uint32_t& v) {
    uint64_t u;
    if (!U64(u) || u > UINT32_MAX) return ok_ = false;
    v = static_cast<uint32_t>(u);
    return true;
  }
  bool Double(double& v) {
    if (!ok_ || in_.size() - pos_ < 8) return ok_ = false;
    uint64_t bits = 0;
    for (int i = 0; i < 8; ++i) bits |= static_cast<uint64_t>(static_cast<uint8_t>(in_[pos_ + i])) << (8 * i);
    pos_ += 8;
    std::memcpy(&v, &bits, sizeof v);
    return true;
  }
  bool Bytes(std::string& s) {
    uint64_t n;
    if (!U64(n) || n > in_.size() - pos_) return ok_ = false;
    s.assign(in_.substr(pos_, n));
    pos_ += n;
    return true;
  }
  bool Strings(std::vector<std::string>& v) {
    uint64_t n = 0;
    if (!Count(n)) return false;
    v.resize(n);
    for (auto& x : v) Bytes(x);
    return ok_;
  }
  // A count of items that each take at least one byte: bounded by what is left.
  bool Count(uint64_t& n) { return U64(n) && (n <= in_.size() - pos_ || (ok_ = false)); }
  bool ok() const { return ok_; }
  bool done() const { return ok_ && pos_ == in_.size(); }

 private:
  std::string_view in_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace seam::store
