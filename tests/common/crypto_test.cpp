#include "seam/crypto.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace seam {
namespace {

Key256 TestKey(uint8_t fill) {
  Key256 k{};
  k.fill(fill);
  return k;
}

TEST(Crypto, Sha256KnownAnswer) {
  EXPECT_EQ(Hex(Sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Crypto, HmacSha256KnownAnswer) {
  // RFC 4231 test case 2 uses a 4-byte key; this checks our 32-byte key path
  // against OpenSSL's own command-line result for key=0x0b*32, data="Hi There".
  EXPECT_EQ(Hex(HmacSha256(TestKey(0x0b), "Hi There")),
            "198a607eb44bfbc69903a0f1cf2bbdc5ba0aa3f3d9ae3c1c7a3b1696a0b68cf7");
  EXPECT_NE(HmacSha256(TestKey(1), "x"), HmacSha256(TestKey(2), "x"));
}

TEST(Crypto, SealRoundTripAndTamper) {
  Sealer sealer(TestKey(7), true);
  const std::string plain(2000, 'a');  // compressible and large: exercises the zlib path
  std::string sealed = sealer.Seal(plain, "key1");
  EXPECT_EQ(sealed.find("aaaa"), std::string::npos);
  ASSERT_TRUE(sealer.Open(sealed, "key1").has_value());
  EXPECT_EQ(*sealer.Open(sealed, "key1"), plain);
  EXPECT_FALSE(sealer.Open(sealed, "key2").has_value()) << "value moved under another key";
  sealed[sealed.size() / 2] ^= 1;
  EXPECT_FALSE(sealer.Open(sealed, "key1").has_value()) << "tampered ciphertext";
  Sealer other(TestKey(8), true);
  EXPECT_FALSE(other.Open(sealer.Seal("x", "k"), "k").has_value()) << "wrong key";
}


// Nonces come from a per-thread pool of random bytes and each thread keeps
// its key schedule: sealing many values (past several pool refills) must
// never repeat a nonce, and two keys used in turn on one thread must each
// seal and open only their own values, also right after a failed open.
TEST(Crypto, SealNoncesNeverRepeatAndKeysInTurnStayApart) {
  Sealer a(TestKey(1), true), b(TestKey(2), true);
  std::set<std::string> nonces;
  constexpr int kSeals = 5000;  // ~20 pool refills
  for (int i = 0; i < kSeals; ++i) {
    const std::string value = "value-" + std::to_string(i);
    Sealer& mine = i % 2 == 0 ? a : b;
    Sealer& theirs = i % 2 == 0 ? b : a;
    const std::string sealed = mine.Seal(value, "k");
    ASSERT_GT(sealed.size(), 14u);
    nonces.insert(sealed.substr(2, 12));
    ASSERT_FALSE(theirs.Open(sealed, "k").has_value()) << i;
    auto opened = mine.Open(sealed, "k");
    ASSERT_TRUE(opened.has_value()) << i;
    ASSERT_EQ(*opened, value);
  }
  EXPECT_EQ(nonces.size(), static_cast<std::size_t>(kSeals));
}
TEST(Crypto, SealWithoutEncryptionKeepsPlaintextVisible) {
  Sealer sealer(TestKey(7), false);
  std::string sealed = sealer.Seal("jane@example.com", "k");
  EXPECT_NE(sealed.find("jane@example.com"), std::string::npos);
  EXPECT_EQ(*sealer.Open(sealed, "k"), "jane@example.com");
}

TEST(Crypto, RandomBase62) {
  std::string a = RandomBase62(22), b = RandomBase62(22);
  EXPECT_EQ(a.size(), 22u);
  EXPECT_NE(a, b);
  for (char c : a) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)));
}

TEST(Crypto, HexRoundTrip) {
  EXPECT_EQ(*Unhex(Hex(std::string("\x00\xff\x10", 3))), std::string("\x00\xff\x10", 3));
  EXPECT_FALSE(Unhex("zz").has_value());
  EXPECT_FALSE(Unhex("abc").has_value());
}

TEST(Crypto, ConstantTimeEqual) {
  EXPECT_TRUE(ConstantTimeEqual("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEqual("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEqual("abc", "ab"));
}

}  // namespace
}  // namespace seam
