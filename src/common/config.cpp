#include "seam/config.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

#include "default_config.h"
#include "seam/time.h"

extern char** environ;

namespace seam {
namespace {

Status Bad(const std::string& message) { return Status::Invalid("bad_config", message); }

// Merge `over` into `base` key by key; objects merge recursively, anything
// else replaces. A key unknown to the defaults is an error: a typo in a config
// file should fail loudly at start, not be ignored.
Status MergeInto(nlohmann::json& base, const nlohmann::json& over, const std::string& path,
                 bool allow_new_keys) {
  if (!over.is_object()) return Bad(path.empty() ? "config must be an object" : path + " must be an object");
  for (auto it = over.begin(); it != over.end(); ++it) {
    const std::string key_path = path.empty() ? it.key() : path + "." + it.key();
    if (!base.contains(it.key())) {
      if (!allow_new_keys) return Bad("unknown setting " + key_path);
      base[it.key()] = it.value();
      continue;
    }
    nlohmann::json& slot = base[it.key()];
    // identifier types and column maps are maps of user-chosen names
    const bool child_allows_new =
        key_path == "identity.types" || key_path == "import.pos_map" || key_path == "import.customers_map" ||
        key_path == "profile.survivorship";
    if (slot.is_object() && it.value().is_object()) {
      if (auto s = MergeInto(slot, it.value(), key_path, child_allows_new); !s.ok()) return s;
    } else {
      slot = it.value();
    }
  }
  return Status::Ok();
}

// Parse an environment/flag string in the type of the setting it replaces.
Result<nlohmann::json> ParseAs(const nlohmann::json& like, const std::string& text,
                               const std::string& name) {
  if (like.is_string()) return nlohmann::json(text);
  if (like.is_boolean()) {
    std::string t = text;
    std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::tolower(c); });
    if (t == "true" || t == "1" || t == "yes") return nlohmann::json(true);
    if (t == "false" || t == "0" || t == "no") return nlohmann::json(false);
    return Bad(name + " must be true or false");
  }
  auto parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return Bad(name + " is not valid JSON for its type");
  if (like.is_number() && !parsed.is_number()) return Bad(name + " must be a number");
  if (like.is_array() && !parsed.is_array()) return Bad(name + " must be a JSON array");
  if (like.is_object() && !parsed.is_object()) return Bad(name + " must be a JSON object");
  return parsed;
}

template <typename T>
Status Get(const nlohmann::json& j, const char* section, const char* key, T& out) {
  try {
    out = j.at(section).at(key).get<T>();
    return Status::Ok();
  } catch (const nlohmann::json::exception&) {
    return Bad(std::string(section) + "." + key + " has the wrong type");
  }
}

Status Typed(const nlohmann::json& j, Config& c) {
  Status s;
  auto take = [&](Status st) {
    if (s.ok() && !st.ok()) s = std::move(st);
  };
  take(Get(j, "server", "listen", c.listen));
  take(Get(j, "server", "threads", c.threads));
  take(Get(j, "store", "data_dir", c.data_dir));
  take(Get(j, "store", "compression", c.compression));
  take(Get(j, "store", "memtable_budget_mb", c.memtable_budget_mb));
  take(Get(j, "store", "block_cache_mb", c.block_cache_mb));
  take(Get(j, "store", "object_cache_mb", c.object_cache_mb));
  take(Get(j, "security", "key_file", c.key_file));
  take(Get(j, "security", "encrypt_at_rest", c.encrypt_at_rest));
  take(Get(j, "http", "max_body_bytes", c.max_body_bytes));
  take(Get(j, "http", "max_inflated_bytes", c.max_inflated_bytes));
  take(Get(j, "http", "max_header_bytes", c.max_header_bytes));
  take(Get(j, "http", "max_message_bytes", c.max_message_bytes));
  take(Get(j, "http", "max_batch_messages", c.max_batch_messages));
  take(Get(j, "http", "max_json_depth", c.max_json_depth));
  take(Get(j, "http", "header_timeout_ms", c.header_timeout_ms));
  take(Get(j, "http", "body_timeout_ms", c.body_timeout_ms));
  take(Get(j, "http", "idle_timeout_ms", c.idle_timeout_ms));
  take(Get(j, "http", "max_connections", c.max_connections));
  take(Get(j, "ingest", "queue_capacity", c.queue_capacity));
  take(Get(j, "ingest", "max_group_records", c.max_group_records));
  take(Get(j, "ingest", "read_ahead_records", c.read_ahead_records));
  take(Get(j, "ingest", "retry_after_seconds", c.retry_after_seconds));
  take(Get(j, "normalize", "default_region", c.default_region));
  take(Get(j, "normalize", "time_zone", c.time_zone));
  take(Get(j, "identity", "blocklist", c.blocklist));
  take(Get(j, "identity", "max_component_signatures", c.max_component_signatures));
  take(Get(j, "identity", "max_block_size", c.max_block_size));
  take(Get(j, "identity", "solo_block_size", c.solo_block_size));
  take(Get(j, "identity", "quarantine_fanout", c.quarantine_fanout));
  take(Get(j, "identity", "person_keys", c.person_keys));
  take(Get(j, "profile", "base_currency", c.base_currency));
  take(Get(j, "profile", "survivorship", c.survivorship));
  take(Get(j, "profile", "render_cache_mb", c.render_cache_mb));
  take(Get(j, "import", "pos_map", c.import_pos_map));
  take(Get(j, "import", "customers_map", c.import_customers_map));
  take(Get(j, "import", "batch_records", c.import_batch_records));
  take(Get(j, "import", "max_in_flight_batches", c.import_max_in_flight));
  take(Get(j, "import", "max_open_receipts", c.import_max_open_receipts));
  take(Get(j, "import", "max_errors_reported", c.import_max_errors));
  take(Get(j, "import", "max_bytes", c.import_max_bytes));
  take(Get(j, "import", "spool_dir", c.import_spool_dir));
  take(Get(j, "log", "level", c.log_level));
  take(Get(j, "log", "format", c.log_format));
  if (!s.ok()) return s;

  const auto& keys = j["auth"]["keys"];
  if (!keys.is_array()) return Bad("auth.keys must be a list");
  for (const auto& k : keys) {
    if (!k.is_object() || !k.value("key", nlohmann::json()).is_string() ||
        !k.value("scope", nlohmann::json()).is_string())
      return Bad("auth.keys entries need string \"key\" and \"scope\"");
    c.auth_keys.push_back({k["key"].get<std::string>(), k["scope"].get<std::string>()});
  }

  const auto& types = j["identity"]["types"];
  if (!types.is_object()) return Bad("identity.types must be an object");
  for (auto it = types.begin(); it != types.end(); ++it) {
    const auto& t = it.value();
    if (!t.is_object()) return Bad("identity.types." + it.key() + " must be an object");
    IdentifierType type;
    type.name = it.key();
    try {
      type.unique = t.value("unique", true);
      type.limit = t.value("limit", 0);
      type.priority = t.value("priority", 100);
      type.pii = t.value("pii", false);
    } catch (const nlohmann::json::exception&) {
      return Bad("identity.types." + it.key() + " has a field of the wrong type");
    }
    if (type.limit < 0) return Bad("identity.types." + it.key() + ".limit must be >= 0");
    if (type.name.empty() || type.name.find(':') != std::string::npos)
      return Bad("identifier type names must be non-empty and hold no ':'");
    c.identifier_types[type.name] = type;
  }

  if (c.threads < 0) return Bad("server.threads must be >= 0");
  if (c.render_cache_mb < 0) return Bad("profile.render_cache_mb must be >= 0");
  if (c.object_cache_mb < 0) return Bad("store.object_cache_mb must be >= 0");
  if (c.max_json_depth < 2) return Bad("http.max_json_depth must be >= 2");
  if (c.queue_capacity < 1) return Bad("ingest.queue_capacity must be >= 1");
  if (c.read_ahead_records < 0) return Bad("ingest.read_ahead_records must be >= 0");
  if (c.max_block_size < 2 || c.quarantine_fanout < 0)
    return Bad("identity.max_block_size must be >= 2 and identity.quarantine_fanout >= 0");
  if (c.solo_block_size < 2 || c.solo_block_size > c.max_block_size)
    return Bad("identity.solo_block_size must be >= 2 and <= identity.max_block_size");
  if (c.import_batch_records < 1 || c.import_max_in_flight < 1 || c.import_max_open_receipts < 1 ||
      c.import_max_errors < 0)
    return Bad("import.batch_records, max_in_flight_batches and max_open_receipts must be >= 1");
  if (c.log_format != "text" && c.log_format != "json") return Bad("log.format is text or json");
  // A typo here must stop the start, not quietly change behaviour (logging
  // off, every local import time refused, another compression).
  static const std::set<std::string> kLevels = {"trace", "debug", "info", "warn", "error", "critical", "off"};
  if (!kLevels.count(c.log_level)) return Bad("log.level is one of trace, debug, info, warn, error, critical, off");
  static const std::set<std::string> kCompressions = {"none", "lz4", "zstd", "snappy"};
  if (!kCompressions.count(c.compression)) return Bad("store.compression is one of none, lz4, zstd, snappy");
  if (!IsKnownTimeZone(c.time_zone))
    return Bad("normalize.time_zone \"" + c.time_zone + "\" is not a time zone id ICU knows (e.g. Asia/Seoul)");
  return Status::Ok();
}

}  // namespace

const IdentifierType* Config::FindType(const std::string& name) const {
  auto it = identifier_types.find(name);
  return it == identifier_types.end() ? nullptr : &it->second;
}

const nlohmann::json& DefaultConfigJson() {
  static const nlohmann::json defaults = nlohmann::json::parse(generated::kDefaultConfigJson);
  return defaults;
}

Result<Config> LoadConfig(const ConfigSources& sources) {
  nlohmann::json merged = DefaultConfigJson();
  if (sources.file) {
    std::ifstream in(*sources.file);
    if (!in) return Bad("cannot read config file " + *sources.file);
    std::stringstream ss;
    ss << in.rdbuf();
    auto file_json = nlohmann::json::parse(ss.str(), nullptr, false);
    if (file_json.is_discarded()) return Bad("config file " + *sources.file + " is not valid JSON");
    if (auto s = MergeInto(merged, file_json, "", false); !s.ok()) return s;
  }
  // SEAM_<SECTION>_<KEY>: the section is the first word, the key the rest.
  for (const auto& [name, value] : sources.env) {
    if (name.rfind("SEAM_", 0) != 0) continue;
    std::string rest = name.substr(5);
    std::transform(rest.begin(), rest.end(), rest.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    auto us = rest.find('_');
    if (us == std::string::npos) continue;
    std::string section = rest.substr(0, us), key = rest.substr(us + 1);
    if (!merged.contains(section) || !merged[section].is_object() || !merged[section].contains(key))
      continue;  // SEAM_WRITE_KEY and friends are not settings
    auto v = ParseAs(merged[section][key], value, name);
    if (!v.ok()) return v.status();
    merged[section][key] = *v;
  }
  for (const auto& [dotted, value] : sources.flags) {
    auto dot = dotted.find('.');
    std::string section = dotted.substr(0, dot), key = dotted.substr(dot + 1);
    if (!merged.contains(section) || !merged[section].contains(key)) return Bad("unknown setting " + dotted);
    auto v = ParseAs(merged[section][key], value, dotted);
    if (!v.ok()) return v.status();
    merged[section][key] = *v;
  }
  Config c;
  if (auto s = Typed(merged, c); !s.ok()) return s;
  c.raw = std::move(merged);
  return c;
}

std::map<std::string, std::string> SeamEnvironment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    if (kv.rfind("SEAM_", 0) != 0) continue;
    auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return env;
}

}  // namespace seam
