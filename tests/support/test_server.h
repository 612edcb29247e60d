// A real Seam server in the test process: 127.0.0.1, port 0, a temporary
// data dir and security key file, known API keys.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "seam/config.h"
#include "server/app.h"
#include "support/temp_dir.h"

namespace seam::testing {

inline constexpr const char* kWriteKey = "seam_write_test0000000000000001";
inline constexpr const char* kReadKey = "seam_read_test00000000000000001";
inline constexpr const char* kAdminKey = "seam_admin_test0000000000000001";

// "Basic base64(key:)" and "Bearer key" header values.
std::string BasicAuth(const std::string& key);
std::string Bearer(const std::string& key);
// A profile reference ("type:value") as one URL path segment: everything
// but ASCII letters, digits and -._ percent-encoded (':' too).
std::string PathRef(const std::string& ref);

struct TestServerOptions {
  std::function<void(Config&)> tweak;
  rocksdb::Env* env = nullptr;  // fault injection
  bool sync = true;             // false only to prove a durability test can fail
  std::string data_dir;         // default: a fresh temp dir
  std::string key_file;         // default: a fresh key in the temp dir
};

class TestServer {
 public:
  using Tweak = std::function<void(Config&)>;
  explicit TestServer(Tweak tweak = {}) : TestServer(WithTweak(std::move(tweak))) {}
  explicit TestServer(TestServerOptions options);
  ~TestServer();
  const std::string& key_file() const { return key_file_; }

  uint16_t port() const { return app_->port(); }
  const std::string& data_dir() const { return data_dir_; }
  server::App& app() { return *app_; }
  // Clean shutdown, then a new server on the same data dir and key.
  void Restart();
  void Stop();

 private:
  static TestServerOptions WithTweak(Tweak tweak) {
    TestServerOptions o;
    o.tweak = std::move(tweak);
    return o;
  }
  void StartApp();
  TempDir dir_;
  TestServerOptions options_;
  std::string data_dir_;
  std::string key_file_;
  std::unique_ptr<server::App> app_;
};

}  // namespace seam::testing
