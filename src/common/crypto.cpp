#include "seam/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <lz4.h>
#include <zlib.h>

#include <array>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace seam {
namespace {

constexpr uint8_t kSealVersion = 1;
constexpr uint8_t kFlagCompressed = 1;  // zlib (read only: what older builds wrote)
constexpr uint8_t kFlagEncrypted = 2;
constexpr uint8_t kFlagLz4 = 4;         // LZ4 block, original size first (4 bytes, little-endian)
constexpr std::size_t kNonceLen = 12;
constexpr std::size_t kTagLen = 16;
// Small values gain little from zlib and pay its per-call set-up (a 64 KB
// hash table reset) on the writer's hot path.
constexpr std::size_t kCompressMin = 512;

const EVP_MD* Sha256Md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}
const EVP_CIPHER* AesGcm() {
  static EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  return cipher;
}

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct MacCtxDeleter {
  void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
};

EVP_MD_CTX* ThreadMdCtx() {
  thread_local std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  return ctx.get();
}

const uint8_t* U8(std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }
uint8_t* U8(std::string& s) { return reinterpret_cast<uint8_t*>(s.data()); }

void Check(int ok, const char* what) {
  if (ok != 1) throw std::runtime_error(std::string("openssl: ") + what);
}

// One AES-256-GCM context per thread and direction, keyed once: setting the
// key expands its schedule, which was a sixth of every Seal; a message then
// only sets its nonce. Re-keyed when another Sealer's key comes along.
class KeyedGcm {
 public:
  explicit KeyedGcm(bool encrypt) : encrypt_(encrypt), ctx_(EVP_CIPHER_CTX_new()) {}
  // The context, initialised for `key` and `nonce`; nullptr when OpenSSL fails.
  EVP_CIPHER_CTX* Begin(const Key256& key, const uint8_t* nonce) {
    const bool rekey = !keyed_ || key != key_;
    const EVP_CIPHER* cipher = rekey ? AesGcm() : nullptr;
    const uint8_t* k = rekey ? key.data() : nullptr;
    const int ok = encrypt_ ? EVP_EncryptInit_ex2(ctx_.get(), cipher, k, nonce, nullptr)
                            : EVP_DecryptInit_ex2(ctx_.get(), cipher, k, nonce, nullptr);
    keyed_ = ok == 1;
    if (keyed_) key_ = key;
    return keyed_ ? ctx_.get() : nullptr;
  }

 private:
  bool encrypt_;
  std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter> ctx_;
  bool keyed_ = false;
  Key256 key_{};
};

KeyedGcm& ThreadGcm(bool encrypt) {
  thread_local KeyedGcm seal(true), open(false);
  return encrypt ? seal : open;
}

// Random nonces, drawn from the DRBG a few hundred at a time: one
// RAND_bytes call per message cost more than the encryption of a profile.
// Every nonce is still 96 fresh random bits (none is derived from another),
// so the bound on repeats under one key is that of random nonces.
void FreshNonce(uint8_t* out) {
  constexpr std::size_t kPool = kNonceLen * 256;
  thread_local std::array<uint8_t, kPool> pool;
  thread_local std::size_t used = kPool;
  if (used == kPool) {
    Check(RAND_bytes(pool.data(), static_cast<int>(kPool)), "nonce");
    used = 0;
  }
  std::memcpy(out, pool.data() + used, kNonceLen);
  // Used bytes are wiped: a nonce is public, but a copy that outlives its
  // use is one more thing to reason about.
  std::memset(pool.data() + used, 0, kNonceLen);
  used += kNonceLen;
}

// zlib (values older builds compressed) is read with a stream reused per
// thread: inflateInit allocates ~40 KB, more than a value costs to inflate.
struct InflateStream {
  z_stream zs{};
  InflateStream() { inflateInit(&zs); }
  ~InflateStream() { inflateEnd(&zs); }
};

std::optional<std::string> Decompress(std::string_view in) {
  thread_local InflateStream z;
  inflateReset(&z.zs);
  std::string out;
  char buf[16384];
  z.zs.next_in = const_cast<Bytef*>(U8(in));
  z.zs.avail_in = static_cast<uInt>(in.size());
  int rc;
  do {
    z.zs.next_out = reinterpret_cast<Bytef*>(buf);
    z.zs.avail_out = sizeof buf;
    rc = inflate(&z.zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) return std::nullopt;
    out.append(buf, sizeof buf - z.zs.avail_out);
    if (rc == Z_OK && z.zs.avail_in == 0 && z.zs.avail_out != 0) return std::nullopt;  // truncated
  } while (rc != Z_STREAM_END);
  return out;
}

// LZ4: a profile's Stats are re-sealed on every group that touches them,
// and zlib (even at level 1) cost more than the rest of sealing.
std::string CompressLz4(std::string_view in) {
  if (in.size() > static_cast<std::size_t>(LZ4_MAX_INPUT_SIZE)) return {};
  std::string out(4 + static_cast<std::size_t>(LZ4_compressBound(static_cast<int>(in.size()))), '\0');
  for (int i = 0; i < 4; ++i) out[static_cast<std::size_t>(i)] = static_cast<char>((in.size() >> (8 * i)) & 0xff);
  const int n = LZ4_compress_default(in.data(), out.data() + 4, static_cast<int>(in.size()),
                                     static_cast<int>(out.size() - 4));
  if (n <= 0) return {};
  out.resize(4 + static_cast<std::size_t>(n));
  return out;
}

std::optional<std::string> DecompressLz4(std::string_view in) {
  if (in.size() < 4) return std::nullopt;
  std::size_t size = 0;
  for (int i = 0; i < 4; ++i) size |= static_cast<std::size_t>(static_cast<uint8_t>(in[static_cast<std::size_t>(i)])) << (8 * i);
  if (size > (1u << 30)) return std::nullopt;
  std::string out(size, '\0');
  const int n = LZ4_decompress_safe(in.data() + 4, out.data(), static_cast<int>(in.size() - 4), static_cast<int>(size));
  if (n < 0 || static_cast<std::size_t>(n) != size) return std::nullopt;
  return out;
}

}  // namespace

std::string Sha256(std::string_view data) {
  std::string out(32, '\0');
  EVP_MD_CTX* ctx = ThreadMdCtx();
  Check(EVP_DigestInit_ex(ctx, Sha256Md(), nullptr), "digest init");
  Check(EVP_DigestUpdate(ctx, data.data(), data.size()), "digest update");
  unsigned int len = 0;
  Check(EVP_DigestFinal_ex(ctx, U8(out), &len), "digest final");
  return out;
}

std::string HmacSha256(const Key256& key, std::string_view data) {
  // One MAC context per thread and key: initialising HMAC with a key costs two
  // compressions, so the keyed context is kept and duplicated per call.
  static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  struct Cached {
    Key256 key{};
    std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter> ctx;
  };
  thread_local Cached cached;
  if (!cached.ctx || cached.key != key) {
    cached.ctx.reset(EVP_MAC_CTX_new(mac));
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0),
                           OSSL_PARAM_construct_end()};
    Check(EVP_MAC_init(cached.ctx.get(), key.data(), key.size(), params), "hmac init");
    cached.key = key;
  }
  std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter> ctx(EVP_MAC_CTX_dup(cached.ctx.get()));
  Check(EVP_MAC_update(ctx.get(), U8(data), data.size()), "hmac update");
  std::string out(32, '\0');
  size_t len = 0;
  Check(EVP_MAC_final(ctx.get(), U8(out), &len, out.size()), "hmac final");
  return out;
}

std::string RandomBytes(std::size_t n) {
  std::string out(n, '\0');
  Check(RAND_bytes(U8(out), static_cast<int>(n)), "rand");
  return out;
}

std::string Hex(std::string_view raw) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(raw.size() * 2);
  for (unsigned char c : raw) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

std::optional<std::string> Unhex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out(hex.size() / 2, '\0');
  for (std::size_t i = 0; i < out.size(); ++i) {
    int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<char>(hi * 16 + lo);
  }
  return out;
}

std::optional<std::string> Base64Decode(std::string_view in) {
  if (in.size() % 4 != 0) return std::nullopt;
  if (in.empty()) return std::string();
  std::string out(in.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(U8(out), U8(in), static_cast<int>(in.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts padding as zero bytes: drop them.
  std::size_t len = static_cast<std::size_t>(n);
  if (in.back() == '=') --len;
  if (in[in.size() - 2] == '=') --len;
  out.resize(len);
  return out;
}

std::string RandomBase62(std::size_t n) {
  static constexpr char kAlphabet[] =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string out;
  out.reserve(n);
  while (out.size() < n) {
    for (unsigned char c : RandomBytes(n)) {
      if (c >= 248) continue;  // 248 = 4 * 62: keeps the draw uniform
      out.push_back(kAlphabet[c % 62]);
      if (out.size() == n) break;
    }
  }
  return out;
}

bool ConstantTimeEqual(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

Sealer::Sealer(const Key256& key, bool encrypt) : key_(key), encrypt_(encrypt) {}

std::string Sealer::Seal(std::string_view plaintext, std::string_view aad) const {
  uint8_t flags = 0;
  std::string compressed;
  // Ciphertext does not compress, so encrypted payloads are compressed first;
  // without encryption RocksDB's own block compression does that job.
  if (encrypt_ && plaintext.size() >= kCompressMin) {
    compressed = CompressLz4(plaintext);
    if (!compressed.empty() && compressed.size() < plaintext.size()) {
      plaintext = compressed;
      flags |= kFlagLz4;
    }
  }
  std::string out;
  if (!encrypt_) {
    out.reserve(2 + plaintext.size());
    out.push_back(static_cast<char>(kSealVersion));
    out.push_back(static_cast<char>(flags));
    out.append(plaintext);
    return out;
  }
  flags |= kFlagEncrypted;
  out.resize(2 + kNonceLen + plaintext.size() + kTagLen);
  out[0] = static_cast<char>(kSealVersion);
  out[1] = static_cast<char>(flags);
  FreshNonce(U8(out) + 2);
  EVP_CIPHER_CTX* ctx = ThreadGcm(true).Begin(key_, U8(out) + 2);
  Check(ctx != nullptr ? 1 : 0, "enc init");
  int len = 0;
  if (!aad.empty())
    Check(EVP_EncryptUpdate(ctx, nullptr, &len, U8(aad), static_cast<int>(aad.size())), "aad");
  uint8_t* ct = U8(out) + 2 + kNonceLen;
  Check(EVP_EncryptUpdate(ctx, ct, &len, U8(plaintext), static_cast<int>(plaintext.size())), "enc");
  int fin = 0;
  Check(EVP_EncryptFinal_ex(ctx, ct + len, &fin), "enc final");
  Check(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, kTagLen, ct + plaintext.size()), "tag");
  return out;
}

std::optional<std::string> Sealer::Open(std::string_view sealed, std::string_view aad) const {
  if (sealed.size() < 2 || static_cast<uint8_t>(sealed[0]) != kSealVersion) return std::nullopt;
  const auto flags = static_cast<uint8_t>(sealed[1]);
  std::string plain;
  if (flags & kFlagEncrypted) {
    if (sealed.size() < 2 + kNonceLen + kTagLen) return std::nullopt;
    const std::size_t ct_len = sealed.size() - 2 - kNonceLen - kTagLen;
    const uint8_t* nonce = U8(sealed) + 2;
    const uint8_t* ct = nonce + kNonceLen;
    plain.resize(ct_len);
    EVP_CIPHER_CTX* ctx = ThreadGcm(false).Begin(key_, nonce);
    if (ctx == nullptr) return std::nullopt;
    int len = 0;
    if (!aad.empty() &&
        EVP_DecryptUpdate(ctx, nullptr, &len, U8(aad), static_cast<int>(aad.size())) != 1)
      return std::nullopt;
    if (EVP_DecryptUpdate(ctx, U8(plain), &len, ct, static_cast<int>(ct_len)) != 1)
      return std::nullopt;
    std::string tag(reinterpret_cast<const char*>(ct + ct_len), kTagLen);
    if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, kTagLen, tag.data()) != 1)
      return std::nullopt;
    int fin = 0;
    if (EVP_DecryptFinal_ex(ctx, U8(plain) + len, &fin) != 1) return std::nullopt;
  } else {
    plain.assign(sealed.substr(2));
  }
  if (flags & kFlagLz4) return DecompressLz4(plain);
  if (flags & kFlagCompressed) return Decompress(plain);
  return plain;
}

SecretKeys SecretKeys::Derive(const Key256& master) {
  auto derive = [&](std::string_view label) {
    std::string mac = HmacSha256(master, label);
    Key256 k{};
    std::memcpy(k.data(), mac.data(), k.size());
    return k;
  };
  return {derive("seam/v1/seal"), derive("seam/v1/lookup")};
}

}  // namespace seam
