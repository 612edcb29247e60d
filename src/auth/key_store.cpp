#include "auth/key_store.h"

#include <algorithm>
#include <mutex>

#include <nlohmann/json.hpp>

#include "seam/crypto.h"

namespace seam::auth {
namespace {

constexpr std::string_view kMetaPrefix = "key/";
// 22 base62 characters = 131 bits of entropy.
constexpr std::size_t kSecretChars = 22;

KeyInfo InfoFor(std::string_view secret, Scope scope, Micros now, std::string origin) {
  KeyInfo info;
  info.hash = Sha256(secret);
  info.id = "k_" + Hex(info.hash).substr(0, 12);
  info.scope = scope;
  info.created_at = now;
  info.origin = std::move(origin);
  return info;
}

}  // namespace

std::optional<Scope> ParseScope(std::string_view s) {
  if (s == "write") return Scope::kWrite;
  if (s == "read") return Scope::kRead;
  if (s == "admin") return Scope::kAdmin;
  return std::nullopt;
}

const char* ScopeName(Scope s) {
  switch (s) {
    case Scope::kWrite: return "write";
    case Scope::kRead: return "read";
    case Scope::kAdmin: return "admin";
  }
  return "read";
}

bool Allows(Scope held, Scope needed) { return held == Scope::kAdmin || held == needed; }

KeyStore::KeyStore(store::Store& store) : store_(store) {}

std::string KeyStore::Generate(Scope scope) {
  return std::string("seam_") + ScopeName(scope) + "_" + RandomBase62(kSecretChars);
}

void KeyStore::AddLocked(KeyInfo info) { by_hash_[info.hash] = std::move(info); }

Status KeyStore::Persist(const KeyInfo& info) {
  nlohmann::json j = {{"id", info.id},
                      {"scope", ScopeName(info.scope)},
                      {"hash", Hex(info.hash)},
                      {"created_at", info.created_at},
                      {"origin", info.origin}};
  return store_.PutMeta(std::string(kMetaPrefix) + info.id, j.dump(), /*sync=*/true);
}

Result<std::vector<NewKey>> KeyStore::Init(const Config& config,
                                           const std::map<std::string, std::string>& env, Micros now) {
  std::unique_lock lock(mu_);
  Status bad;
  auto s = store_.ScanMeta(kMetaPrefix, [&](std::string_view, std::string_view value) {
    auto j = nlohmann::json::parse(value, nullptr, false);
    auto hash = j.is_object() ? Unhex(j.value("hash", "")) : std::nullopt;
    auto scope = j.is_object() ? ParseScope(j.value("scope", "")) : std::nullopt;
    if (!hash || !scope) {
      bad = Status::Internal("corrupt key record in store");
      return false;
    }
    KeyInfo info;
    info.id = j.value("id", "");
    info.scope = *scope;
    info.hash = *hash;
    info.created_at = j.value("created_at", Micros{0});
    info.origin = j.value("origin", "api");
    AddLocked(std::move(info));
    return true;
  });
  if (!s.ok()) return s;
  if (!bad.ok()) return bad;

  bool configured = false;
  for (const auto& k : config.auth_keys) {
    auto scope = ParseScope(k.scope);
    if (!scope) return Status::Invalid("bad_config", "auth.keys: unknown scope " + k.scope);
    if (k.key.size() < 16) return Status::Invalid("bad_config", "auth.keys: a key needs at least 16 characters");
    AddLocked(InfoFor(k.key, *scope, now, "config"));
    configured = true;
  }
  for (auto [var, scope] : {std::pair{"SEAM_WRITE_KEY", Scope::kWrite}, std::pair{"SEAM_READ_KEY", Scope::kRead},
                            std::pair{"SEAM_ADMIN_KEY", Scope::kAdmin}}) {
    auto it = env.find(var);
    if (it == env.end() || it->second.empty()) continue;
    if (it->second.size() < 16)
      return Status::Invalid("bad_config", std::string(var) + " needs at least 16 characters");
    AddLocked(InfoFor(it->second, scope, now, "env"));
    configured = true;
  }

  std::vector<NewKey> generated;
  if (!configured && by_hash_.empty()) {
    for (Scope scope : {Scope::kWrite, Scope::kRead, Scope::kAdmin}) {
      NewKey k;
      k.secret = Generate(scope);
      k.info = InfoFor(k.secret, scope, now, "generated");
      if (auto ps = Persist(k.info); !ps.ok()) return ps;
      AddLocked(k.info);
      generated.push_back(std::move(k));
    }
  }
  return generated;
}

std::optional<KeyInfo> KeyStore::Authenticate(std::string_view secret) const {
  const std::string hash = Sha256(secret);
  std::shared_lock lock(mu_);
  auto it = by_hash_.find(hash);
  if (it == by_hash_.end() || !ConstantTimeEqual(it->second.hash, hash)) return std::nullopt;
  return it->second;
}

Result<NewKey> KeyStore::Create(Scope scope, Micros now) {
  NewKey k;
  k.secret = Generate(scope);
  k.info = InfoFor(k.secret, scope, now, "api");
  if (auto s = Persist(k.info); !s.ok()) return s;
  std::unique_lock lock(mu_);
  AddLocked(k.info);
  return k;
}

Status KeyStore::Revoke(std::string_view id) {
  std::unique_lock lock(mu_);
  for (auto it = by_hash_.begin(); it != by_hash_.end(); ++it) {
    if (it->second.id != id) continue;
    if (it->second.origin == "env" || it->second.origin == "config")
      return Status(Code::kConflict, "configured_key",
                    "key " + std::string(id) + " comes from configuration; remove it there");
    if (auto s = store_.DeleteMeta(std::string(kMetaPrefix) + std::string(id), true); !s.ok()) return s;
    by_hash_.erase(it);
    return Status::Ok();
  }
  return Status::NotFound("key_not_found", "no key with id " + std::string(id));
}

std::vector<KeyInfo> KeyStore::List() const {
  std::shared_lock lock(mu_);
  std::vector<KeyInfo> out;
  for (const auto& [hash, info] : by_hash_) out.push_back(info);
  std::sort(out.begin(), out.end(), [](const KeyInfo& a, const KeyInfo& b) { return a.id < b.id; });
  return out;
}

}  // namespace seam::auth
