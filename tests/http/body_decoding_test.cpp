#include "http/body_decoding.h"

#include <gtest/gtest.h>

#include "support/test_client.h"

namespace seam::http {
namespace {

TEST(Inflate, RoundTrip) {
  const std::string text = R"({"batch":[{"type":"track","userId":"김민수"}]})";
  auto out = Inflate(testing::Gzip(text), 1 << 20);
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(*out, text);
}

TEST(Inflate, BombStopsAtTheCap) {
  const std::string bomb = testing::Gzip(std::string(100 * 1024 * 1024, '\0'));
  EXPECT_LT(bomb.size(), 200u * 1024);
  auto out = Inflate(bomb, 16 << 20);
  EXPECT_EQ(out.status().code(), Code::kTooLarge);
  EXPECT_EQ(out.status().error_code(), "inflated_too_large");
}

TEST(Inflate, CorruptAndTruncated) {
  EXPECT_EQ(Inflate("definitely not gzip", 1 << 20).status().error_code(), "bad_encoding");
  std::string gz = testing::Gzip(std::string(10000, 'x'));
  EXPECT_EQ(Inflate(gz.substr(0, gz.size() / 2), 1 << 20).status().error_code(), "bad_encoding");
}

}  // namespace
}  // namespace seam::http
