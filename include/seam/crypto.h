// Cryptographic primitives over OpenSSL 3: SHA-256, HMAC-SHA-256, AES-256-GCM
// sealing, random tokens. Algorithms are fetched once and contexts are kept
// per thread (OpenSSL 3's one-shot calls take locks on every call).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace seam {

using Key256 = std::array<uint8_t, 32>;

std::string Sha256(std::string_view data);  // 32 raw bytes
std::string HmacSha256(const Key256& key, std::string_view data);  // 32 raw bytes
std::string RandomBytes(std::size_t n);
// Lower-case hex of raw bytes.
std::string Hex(std::string_view raw);
std::optional<std::string> Unhex(std::string_view hex);
// Standard base64 (RFC 4648, with padding); nullopt on malformed input.
std::optional<std::string> Base64Decode(std::string_view in);
// n characters from [0-9A-Za-z], uniformly drawn (rejection sampling).
std::string RandomBase62(std::size_t n);
// Constant-time equality of two byte strings of equal length.
bool ConstantTimeEqual(std::string_view a, std::string_view b);

// Seals values at rest: LZ4-compress (when it pays), then AES-256-GCM with a
// random 96-bit nonce. `aad` binds the ciphertext to where it is stored (its
// RocksDB key), so a value copied under another key fails to open.
// Layout: version(1) | flags(1) | nonce(12) | ciphertext | tag(16).
// With encryption disabled (tests that prove the at-rest property can fail)
// the layout is version(1) | flags(1) | plaintext.
class Sealer {
 public:
  Sealer(const Key256& key, bool encrypt);
  std::string Seal(std::string_view plaintext, std::string_view aad) const;
  std::optional<std::string> Open(std::string_view sealed, std::string_view aad) const;
  bool encrypts() const { return encrypt_; }

 private:
  Key256 key_;
  bool encrypt_;
};

// The keys Seam derives from one 256-bit master secret (SEAM_SECURITY_KEY or
// the key file): one for sealing, one for keyed lookup hashes.
struct SecretKeys {
  Key256 seal;
  Key256 lookup;
  static SecretKeys Derive(const Key256& master);
};

}  // namespace seam
