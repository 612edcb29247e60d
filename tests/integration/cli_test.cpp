// What only the real process shows: first start on the embedded default
// (keys printed once, key file generated outside the data dir), JSON logs,
// the `seam keys` CLI against the running server, and clean SIGTERM.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>

#include "support/seam_process.h"
#include "support/temp_dir.h"
#include "support/test_client.h"
#include "support/test_server.h"

namespace seam::testing {
namespace {

std::map<std::string, std::string> GeneratedKeys(const std::string& out) {
  std::map<std::string, std::string> keys;
  std::regex line(R"((write|read|admin)\t(seam_\w+))");
  for (std::sregex_iterator it(out.begin(), out.end(), line), end; it != end; ++it) keys[(*it)[1]] = (*it)[2];
  return keys;
}

TEST(Cli, FirstStartGeneratesKeysOnceAndTheCliManagesKeys) {
  TempDir dir;
  // No keys, no security key: the embedded default, as `scripts/run.sh` starts it.
  auto seam = StartSeam(dir.str(), {{"SEAM_LOG_FORMAT", "json"}}, {});
  auto keys = GeneratedKeys(seam.stdout_text);
  ASSERT_EQ(keys.size(), 3u) << seam.stdout_text;
  EXPECT_TRUE(std::filesystem::exists(dir / "data" / "CURRENT")) << "data dir is ./data";
  const auto key_file = dir / "secrets" / "seam.key";
  ASSERT_TRUE(std::filesystem::exists(key_file));
  struct stat st {};
  ASSERT_EQ(stat(key_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  // The CLI creates a read key through the admin API.
  const std::string url = "http://127.0.0.1:" + std::to_string(seam.port);
  auto [code, out] = RunSeam({"keys", "create", "--scope", "read", "--url", url}, {{"SEAM_ADMIN_KEY", keys["admin"]}});
  ASSERT_EQ(code, 0) << out;
  auto created = nlohmann::json::parse(out, nullptr, false);
  ASSERT_TRUE(created.is_object()) << out;
  const std::string read_key = created["key"];
  TestClient client(seam.port);
  EXPECT_EQ(client.Request("GET", "/v1/profiles/user_id%3Anobody", "", {{"Authorization", Bearer(read_key)}}).status, 404);
  auto [bad_code, bad_out] = RunSeam({"keys", "create", "--scope", "read", "--url", url}, {{"SEAM_ADMIN_KEY", keys["read"]}});
  EXPECT_NE(bad_code, 0) << "a read key cannot create keys: " << bad_out;
  auto [revoke_code, revoke_out] =
      RunSeam({"keys", "revoke", created["id"], "--url", url}, {{"SEAM_ADMIN_KEY", keys["admin"]}});
  EXPECT_EQ(revoke_code, 0) << revoke_out;
  EXPECT_EQ(client.Request("GET", "/v1/profiles/user_id%3Anobody", "", {{"Authorization", Bearer(read_key)}}).status, 401);

  // SIGTERM: a clean exit.
  int status = StopSeam(seam, SIGTERM);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);

  // JSON logs: every stderr line is one JSON object, and none holds a key.
  std::ifstream err(seam.stderr_path);
  std::string line;
  int lines = 0;
  while (std::getline(err, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    EXPECT_TRUE(j.is_object() && j.contains("level") && j.contains("msg")) << line;
    for (const auto& [scope, key] : keys) EXPECT_EQ(line.find(key), std::string::npos);
    ++lines;
  }
  EXPECT_GT(lines, 0);

  // Second start: the keys exist, nothing is generated or printed.
  auto again = StartSeam(dir.str(), {}, {});
  EXPECT_TRUE(GeneratedKeys(again.stdout_text).empty()) << again.stdout_text;
  TestClient c2(again.port);
  EXPECT_EQ(c2.Request("GET", "/v1/keys", "", {{"Authorization", Bearer(keys["admin"])}}).status, 200);
  StopSeam(again, SIGTERM);
}

TEST(Cli, WrongSecurityKeyForTheDataDirFailsAtStart) {
  TempDir dir;
  auto seam = StartSeam(dir.str(), {}, {});
  StopSeam(seam, SIGTERM);
  std::ofstream(dir / "secrets" / "seam.key", std::ios::trunc) << std::string(64, 'a') << "\n";
  EXPECT_THROW(StartSeam(dir.str(), {}, {}), std::runtime_error);
  std::ifstream err(dir / "seam.stderr");
  std::stringstream ss;
  ss << err.rdbuf();
  EXPECT_NE(ss.str().find("security key does not match"), std::string::npos) << ss.str();
}

TEST(Cli, UsageErrors) {
  EXPECT_EQ(RunSeam({"frobnicate"}, {}).first, 2);
  EXPECT_EQ(RunSeam({"keys", "create"}, {{"SEAM_ADMIN_KEY", "x"}}).first, 2);
  EXPECT_EQ(RunSeam({"serve", "--bogus", "1"}, {}).first, 2);
  EXPECT_EQ(RunSeam({"version"}, {}).first, 0);
}

}  // namespace
}  // namespace seam::testing
