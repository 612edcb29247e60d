#include "server/secrets.h"

#include <sys/stat.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace seam::server {
namespace {

namespace fs = std::filesystem;

Result<Key256> ParseKey(std::string text, const std::string& where) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  auto raw = Unhex(text);
  if (!raw || raw->size() != 32)
    return Status::Invalid("bad_security_key", where + " must hold 64 hex digits (a 256-bit key)");
  Key256 k{};
  std::memcpy(k.data(), raw->data(), k.size());
  return k;
}

bool Inside(const fs::path& child, const fs::path& parent) {
  std::error_code ec;
  auto c = fs::weakly_canonical(child, ec);
  auto p = fs::weakly_canonical(parent, ec);
  auto ci = c.begin();
  for (auto pi = p.begin(); pi != p.end(); ++pi, ++ci) {
    if (pi->empty()) continue;  // trailing slash
    if (ci == c.end() || *ci != *pi) return false;
  }
  return true;
}

}  // namespace

Result<MasterKey> LoadMasterKey(const Config& config, const std::map<std::string, std::string>& env) {
  if (auto it = env.find("SEAM_SECURITY_KEY"); it != env.end() && !it->second.empty()) {
    auto k = ParseKey(it->second, "SEAM_SECURITY_KEY");
    if (!k.ok()) return k.status();
    return MasterKey{*k, "env"};
  }
  const fs::path path(config.key_file);
  if (Inside(path, config.data_dir))
    return Status::Invalid("bad_security_key",
                           "security.key_file must not be inside the data dir: a copy of the data dir "
                           "would then carry its own key");
  std::error_code ec;
  if (fs::exists(path, ec)) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    if (!in && !in.eof()) return Status::Invalid("bad_security_key", "cannot read " + path.string());
    auto k = ParseKey(ss.str(), path.string());
    if (!k.ok()) return k.status();
    return MasterKey{*k, "file"};
  }
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  if (ec) return Status::Invalid("bad_security_key", "cannot create " + path.parent_path().string());
  const std::string secret = RandomBytes(32);
  {
    // Created 0600 before the secret is written: never readable by others.
    const mode_t old = ::umask(077);
    std::ofstream out(path, std::ios::trunc);
    ::umask(old);
    out << Hex(secret) << '\n';
    out.flush();
    if (!out) return Status::Invalid("bad_security_key", "cannot write " + path.string());
  }
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace, ec);
  Key256 k{};
  std::memcpy(k.data(), secret.data(), k.size());
  return MasterKey{k, "generated"};
}

}  // namespace seam::server
