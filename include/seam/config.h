// Every setting of the server, typed. Loaded from the embedded defaults (the
// same content as config/seam.json), then a config file, then environment
// variables SEAM_<SECTION>_<KEY>, then command-line flags — later wins.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "seam/status.h"

namespace seam {

struct IdentifierType {
  std::string name;
  bool unique = true;  // shared values link records deterministically
  int limit = 0;       // distinct values one profile may hold; 0 = unbounded
  int priority = 100;  // lower admits first, and anchors a record
  bool pii = false;
};

struct AuthKeyConfig {
  std::string key;  // the key itself (config is trusted input)
  std::string scope;
};

struct Config {
  // server
  std::string listen = "127.0.0.1:8080";
  int threads = 0;  // 0 = one per core
  // store
  std::string data_dir = "./data";
  std::string compression = "lz4";
  int memtable_budget_mb = 128;
  int block_cache_mb = 128;
  int object_cache_mb = 256;  // the writer's decoded graph and profile objects
  // security
  std::string key_file = "./secrets/seam.key";
  bool encrypt_at_rest = true;
  // auth
  std::vector<AuthKeyConfig> auth_keys;
  // http
  uint64_t max_body_bytes = 4 << 20;
  uint64_t max_inflated_bytes = 16 << 20;
  uint64_t max_header_bytes = 16 << 10;
  uint64_t max_message_bytes = 256 << 10;
  uint64_t max_batch_messages = 2500;
  int max_json_depth = 64;
  int header_timeout_ms = 10000;
  int body_timeout_ms = 30000;
  int idle_timeout_ms = 60000;
  int max_connections = 10000;
  // ingest
  int queue_capacity = 256;
  int max_group_records = 20000;
  int read_ahead_records = 128;  // 0: the writer reads its candidates itself
  int retry_after_seconds = 1;
  // normalize
  std::string default_region = "KR";
  std::string time_zone = "Asia/Seoul";
  // identity
  std::map<std::string, IdentifierType> identifier_types;
  std::vector<std::string> blocklist;
  int max_component_signatures = 20000;
  int max_block_size = 50;        // a blocking key with more records draws no candidates
  int solo_block_size = 30;       // a larger block draws a pair only with a second shared block
  int quarantine_fanout = 50;     // 0: never quarantine automatically
  std::vector<std::string> person_keys;  // the types fan-out is counted in
  // import
  std::map<std::string, std::string> import_pos_map;        // their header -> column
  std::map<std::string, std::string> import_customers_map;
  int import_batch_records = 2000;
  int import_max_in_flight = 4;
  int import_max_open_receipts = 5000;
  int import_max_errors = 100;
  uint64_t import_max_bytes = 0;  // 0: no cap on one upload
  std::string import_spool_dir;   // "": <data_dir>/imports
  // profile
  std::string base_currency = "KRW";
  int render_cache_mb = 32;  // rendered profiles kept for lookups; 0: none
  // trait -> source order, highest first ({"name": ["crm", "pos", "web"]});
  // traits not listed keep the most recent value.
  std::map<std::string, std::vector<std::string>> survivorship;
  // log
  std::string log_level = "info";
  std::string log_format = "text";

  // The resolved settings as JSON (for `seam config` and logs at start).
  nlohmann::json raw;

  const IdentifierType* FindType(const std::string& name) const;
};

// The built-in defaults, equal to config/seam.json (a test keeps them equal).
const nlohmann::json& DefaultConfigJson();

struct ConfigSources {
  std::optional<std::string> file;          // --config
  std::map<std::string, std::string> env;   // the process environment (SEAM_*)
  std::map<std::string, std::string> flags; // "server.listen" -> value
};

// Throws nothing: start-up reports the Status and exits.
Result<Config> LoadConfig(const ConfigSources& sources);

// The process environment as a map (only SEAM_* variables).
std::map<std::string, std::string> SeamEnvironment();

}  // namespace seam
