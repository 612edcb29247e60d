#include "support/test_server.h"

#include <cctype>
#include <cstdio>
#include <stdexcept>

#include "seam/crypto.h"

namespace seam::testing {
namespace {

std::string Base64(const std::string& in) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out.push_back(kAlphabet[(v >> s) & 63]);
  }
  if (i < in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

}  // namespace

std::string BasicAuth(const std::string& key) { return "Basic " + Base64(key + ":"); }
std::string Bearer(const std::string& key) { return "Bearer " + key; }

std::string PathRef(const std::string& ref) {
  std::string out;
  for (unsigned char c : ref) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

TestServer::TestServer(TestServerOptions options)
    : options_(std::move(options)),
      data_dir_(options_.data_dir.empty() ? (dir_ / "data").string() : options_.data_dir),
      key_file_(options_.key_file.empty() ? (dir_ / "secrets" / "seam.key").string() : options_.key_file) {
  StartApp();
}

TestServer::~TestServer() { Stop(); }

void TestServer::StartApp() {
  auto config = LoadConfig({});
  if (!config.ok()) throw std::runtime_error(config.status().message());
  config->listen = "127.0.0.1:0";
  config->data_dir = data_dir_;
  config->key_file = key_file_;
  config->threads = 2;
  if (options_.tweak) options_.tweak(*config);
  server::AppOptions options;
  options.config = std::move(*config);
  options.env = {{"SEAM_WRITE_KEY", kWriteKey}, {"SEAM_READ_KEY", kReadKey}, {"SEAM_ADMIN_KEY", kAdminKey}};
  options.rocksdb_env = options_.env;
  options.sync = options_.sync;
  auto app = server::App::Create(std::move(options));
  if (!app.ok()) throw std::runtime_error("App::Create: " + app.status().message());
  app_ = std::move(*app);
  if (auto s = app_->Start(); !s.ok()) throw std::runtime_error("App::Start: " + s.message());
}

void TestServer::Restart() {
  Stop();
  StartApp();
}

void TestServer::Stop() {
  if (app_) app_->Shutdown();
  app_.reset();
}

}  // namespace seam::testing
