#include "seam/config.h"

#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "support/temp_dir.h"

namespace seam {
namespace {

TEST(Config, EmbeddedDefaultsMatchTheSpec) {
  auto c = LoadConfig({});
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->listen, "127.0.0.1:8080");
  EXPECT_EQ(c->data_dir, "./data");
  EXPECT_EQ(c->default_region, "KR");
  EXPECT_EQ(c->time_zone, "Asia/Seoul");
  EXPECT_EQ(c->max_body_bytes, 4u << 20);
  EXPECT_EQ(c->max_inflated_bytes, 16u << 20);
  EXPECT_EQ(c->max_message_bytes, 256u << 10);
  EXPECT_EQ(c->max_batch_messages, 2500u);
  EXPECT_EQ(c->max_json_depth, 64);
  EXPECT_EQ(c->object_cache_mb, 256);
  EXPECT_EQ(c->max_block_size, 50);
  EXPECT_EQ(c->solo_block_size, 30);
  EXPECT_EQ(c->FindType("user_id")->limit, 1);
  EXPECT_EQ(c->FindType("email")->limit, 5);
  EXPECT_EQ(c->FindType("anonymous_id")->limit, 0);
  EXPECT_TRUE(c->FindType("phone")->pii);
  EXPECT_NE(std::find(c->blocklist.begin(), c->blocklist.end(), "[object Object]"), c->blocklist.end());
}

TEST(Config, FileThenEnvironmentThenFlags) {
  testing::TempDir dir;
  const auto file = dir / "seam.json";
  std::ofstream(file) << R"({"normalize":{"default_region":"JP"},"http":{"max_body_bytes":100},
                           "identity":{"types":{"loyalty_no":{"unique":true,"limit":1,"priority":2,"pii":false}}}})";
  ConfigSources sources;
  sources.file = file.string();
  sources.env = {{"SEAM_HTTP_MAX_BODY_BYTES", "200"}, {"SEAM_LOG_FORMAT", "json"}, {"SEAM_WRITE_KEY", "ignored-here"}};
  sources.flags = {{"server.listen", "0.0.0.0:9"}};
  auto c = LoadConfig(sources);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->default_region, "JP");
  EXPECT_EQ(c->max_body_bytes, 200u);
  EXPECT_EQ(c->log_format, "json");
  EXPECT_EQ(c->listen, "0.0.0.0:9");
  ASSERT_NE(c->FindType("loyalty_no"), nullptr);
  EXPECT_EQ(c->FindType("loyalty_no")->priority, 2);
  EXPECT_NE(c->FindType("email"), nullptr) << "declaring a type keeps the built-in ones";
}

TEST(Config, MistakesFailLoudly) {
  testing::TempDir dir;
  const auto file = dir / "seam.json";
  std::ofstream(file) << R"({"http":{"max_bodybytes":100}})";
  ConfigSources typo;
  typo.file = file.string();
  EXPECT_EQ(LoadConfig(typo).status().error_code(), "bad_config");

  ConfigSources bad_env;
  bad_env.env = {{"SEAM_HTTP_MAX_BODY_BYTES", "lots"}};
  EXPECT_FALSE(LoadConfig(bad_env).ok());
  ConfigSources bad_bool;
  bad_bool.env = {{"SEAM_SECURITY_ENCRYPT_AT_REST", "maybe"}};
  EXPECT_FALSE(LoadConfig(bad_bool).ok());
  ConfigSources bad_format;
  bad_format.env = {{"SEAM_LOG_FORMAT", "xml"}};
  EXPECT_FALSE(LoadConfig(bad_format).ok());
  // Values a typo would otherwise turn into a silent change of behaviour.
  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"SEAM_LOG_LEVEL", "verbose"}, {"SEAM_STORE_COMPRESSION", "lz5"}, {"SEAM_NORMALIZE_TIME_ZONE", "Asia/Seul"},
           {"SEAM_PROFILE_RENDER_CACHE_MB", "-1"}, {"SEAM_STORE_OBJECT_CACHE_MB", "-1"},
           {"SEAM_IDENTITY_SOLO_BLOCK_SIZE", "51"}, {"SEAM_IDENTITY_SOLO_BLOCK_SIZE", "1"}}) {
    ConfigSources bad;
    bad.env = {{name, value}};
    auto loaded = LoadConfig(bad);
    EXPECT_FALSE(loaded.ok()) << name << "=" << value;
    if (!loaded.ok()) {
      EXPECT_EQ(loaded.status().error_code(), "bad_config");
    }
  }
  ConfigSources good;
  good.env = {{"SEAM_LOG_LEVEL", "debug"}, {"SEAM_STORE_COMPRESSION", "zstd"}, {"SEAM_NORMALIZE_TIME_ZONE", "Europe/Berlin"},
              {"SEAM_PROFILE_RENDER_CACHE_MB", "0"}, {"SEAM_STORE_OBJECT_CACHE_MB", "64"},
              {"SEAM_IDENTITY_SOLO_BLOCK_SIZE", "50"}};
  auto loaded_good = LoadConfig(good);
  ASSERT_TRUE(loaded_good.ok()) << loaded_good.status().message();
  EXPECT_EQ(loaded_good->object_cache_mb, 64);
  EXPECT_EQ(loaded_good->solo_block_size, 50);  // at the cap: every block within it draws alone
  ConfigSources missing;
  missing.file = (dir / "nope.json").string();
  EXPECT_FALSE(LoadConfig(missing).ok());
}

}  // namespace
}  // namespace seam
