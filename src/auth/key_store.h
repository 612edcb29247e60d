// API keys (SPEC §2): random, stored only as SHA-256 hashes with a short id,
// compared in constant time, revocable. Scopes: write (ingest), read
// (profile queries), admin (everything).
#pragma once

#include <map>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "seam/config.h"
#include "seam/status.h"
#include "seam/time.h"
#include "store/store.h"

namespace seam::auth {

enum class Scope { kWrite, kRead, kAdmin };
std::optional<Scope> ParseScope(std::string_view s);
const char* ScopeName(Scope s);
// admin may do everything; otherwise the scope must match.
bool Allows(Scope held, Scope needed);

struct KeyInfo {
  std::string id;      // "k_" + 12 hex digits of the hash: safe to log and show
  Scope scope = Scope::kRead;
  std::string hash;    // SHA-256 of the key, raw
  Micros created_at = 0;
  std::string origin;  // "generated", "api", "env", "config"
};

struct NewKey {
  KeyInfo info;
  std::string secret;  // shown once, never stored
};

class KeyStore {
 public:
  explicit KeyStore(store::Store& store);

  // Loads stored keys and adds configured ones (config `auth.keys`, then the
  // environment's SEAM_WRITE_KEY / SEAM_READ_KEY / SEAM_ADMIN_KEY). When the
  // store holds none and none are configured, one key per scope is generated
  // and returned, to be printed once.
  Result<std::vector<NewKey>> Init(const Config& config, const std::map<std::string, std::string>& env,
                                   Micros now);

  std::optional<KeyInfo> Authenticate(std::string_view secret) const;
  Result<NewKey> Create(Scope scope, Micros now);
  // Revoked keys stop working at once; configured keys cannot be revoked
  // over the API (they would come back at the next start).
  Status Revoke(std::string_view id);
  std::vector<KeyInfo> List() const;

  static std::string Generate(Scope scope);

 private:
  Status Persist(const KeyInfo& info);
  void AddLocked(KeyInfo info);

  store::Store& store_;
  mutable std::shared_mutex mu_;  // guards by_hash_
  std::map<std::string, KeyInfo> by_hash_;
};

}  // namespace seam::auth
