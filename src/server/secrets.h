// The master secret behind at-rest encryption and keyed lookup hashes
// (SPEC §7): SEAM_SECURITY_KEY, else the key file, generated on first start
// (mode 0600) — never inside the data dir, so a copy of the data dir alone
// reveals nothing.
#pragma once

#include <map>
#include <string>

#include "seam/config.h"
#include "seam/crypto.h"
#include "seam/status.h"

namespace seam::server {

struct MasterKey {
  Key256 key{};
  std::string source;  // "env", "file", "generated"
};

// SEAM_SECURITY_KEY holds 64 hex digits (32 bytes). The key file holds the
// same, one line.
Result<MasterKey> LoadMasterKey(const Config& config, const std::map<std::string, std::string>& env);

}  // namespace seam::server
