#include "ingest/segment.h"

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include "identity/person.h"
#include "seam/crypto.h"

namespace seam::ingest {

std::string DedupKey(std::string_view key_id, std::string_view message_id) {
  std::string joined;
  joined.reserve(key_id.size() + 1 + message_id.size());
  joined.append(key_id).push_back('\0');
  joined.append(message_id);
  return Sha256(joined).substr(0, 16);
}

namespace {

namespace dom = simdjson::dom;

// The document may nest deeper than one message may (the envelope and the
// batch array add two levels); messages are checked against the configured
// depth one by one so that one deep message is rejected alone.
constexpr std::size_t kDocumentDepth = 1024;

constexpr std::string_view kTypes[] = {"identify", "track", "page", "screen", "group", "alias"};

struct MessageError {
  std::string code;
  std::string message;
};

nlohmann::json ToJson(dom::object o);

nlohmann::json ToJson(dom::element e) {
  switch (e.type()) {
    case dom::element_type::OBJECT: {
      auto out = nlohmann::json::object();
      for (auto field : dom::object(e)) out[std::string(field.key)] = ToJson(field.value);
      return out;
    }
    case dom::element_type::ARRAY: {
      auto out = nlohmann::json::array();
      for (auto v : dom::array(e)) out.push_back(ToJson(v));
      return out;
    }
    case dom::element_type::STRING: return std::string(std::string_view(e));
    case dom::element_type::INT64: return int64_t(e);
    case dom::element_type::UINT64: return uint64_t(e);
    case dom::element_type::DOUBLE: return double(e);
    case dom::element_type::BOOL: return bool(e);
    case dom::element_type::NULL_VALUE: return nullptr;
  }
  return nullptr;
}

nlohmann::json ToJson(dom::object o) {
  auto out = nlohmann::json::object();
  for (auto field : o) out[std::string(field.key)] = ToJson(field.value);
  return out;
}

std::size_t Depth(dom::element e, std::size_t limit) {
  if (limit == 0) return 1;
  std::size_t deepest = 0;
  if (e.is_object()) {
    for (auto field : dom::object(e)) deepest = std::max(deepest, Depth(field.value, limit - 1));
    return deepest + 1;
  }
  if (e.is_array()) {
    for (auto v : dom::array(e)) deepest = std::max(deepest, Depth(v, limit - 1));
    return deepest + 1;
  }
  return 0;
}

std::optional<dom::element> Field(dom::object obj, std::string_view key) {
  dom::element v;
  if (obj.at_key(key).get(v) != simdjson::SUCCESS) return std::nullopt;
  if (v.is_null()) return std::nullopt;
  return v;
}

std::optional<dom::object> ObjectField(dom::object obj, std::string_view key) {
  auto v = Field(obj, key);
  if (!v || !v->is_object()) return std::nullopt;
  return dom::object(*v);
}

// userId / anonymousId / previousId: a string, or a number taken as its
// decimal string (SPEC §3). Anything else is a wrong type.
std::optional<std::string> IdString(dom::element v) {
  switch (v.type()) {
    case dom::element_type::STRING: return std::string(std::string_view(v));
    case dom::element_type::INT64: return std::to_string(int64_t(v));
    case dom::element_type::UINT64: return std::to_string(uint64_t(v));
    case dom::element_type::DOUBLE: {
      double d = double(v);
      if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15)
        return std::to_string(static_cast<int64_t>(d));
      return nlohmann::json(d).dump();
    }
    default: return std::nullopt;
  }
}

std::optional<std::string> StringField(dom::object obj, std::string_view key) {
  auto v = Field(obj, key);
  if (!v || !v->is_string()) return std::nullopt;
  return std::string(std::string_view(*v));
}

Channel ChannelOf(const std::optional<dom::object>& context) {
  if (!context) return Channel::kServer;
  if (Field(*context, "app") || Field(*context, "device") || Field(*context, "os")) return Channel::kApp;
  if (Field(*context, "page") || Field(*context, "userAgent")) return Channel::kWeb;
  return Channel::kServer;
}

}  // namespace

Blocklist::Blocklist(const std::vector<std::string>& values, const Normalizer& normalizer,
                     const std::map<std::string, IdentifierType>& types) {
  for (const auto& raw : values) {
    std::string lower = raw;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    any_.insert(lower);
    for (const auto& [name, type] : types)
      if (auto n = normalizer.Identifier(name, raw)) typed_.emplace(name, *n);
  }
}

bool Blocklist::Blocks(const std::string& type, const std::string& normalised) const {
  if (typed_.count({type, normalised})) return true;
  std::string lower = normalised;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return any_.count(lower) > 0;
}

SegmentParser::SegmentParser(const Config& config, const Normalizer& normalizer,
                             const Blocklist& blocklist)
    : config_(config), normalizer_(normalizer), blocklist_(blocklist) {}

namespace {

// Segment's reserved identify traits that describe the person: her match
// attributes (scored, never linking on their own).
std::string TraitText(const nlohmann::json& traits, std::initializer_list<const char*> names) {
  for (const char* n : names) {
    auto it = traits.find(n);
    if (it != traits.end() && it->is_string()) return it->get<std::string>();
  }
  return "";
}

class MessageBuilder {
 public:
  std::string MatchAttributes(const Record& r) const {
    identity::RawPerson raw;
    raw.name = TraitText(r.traits, {"name"});
    raw.first_name = TraitText(r.traits, {"firstName", "first_name"});
    raw.last_name = TraitText(r.traits, {"lastName", "last_name"});
    raw.birth_date = TraitText(r.traits, {"birthday", "birth_date"});
    if (raw.birth_date.size() > 10 && raw.birth_date[10] == 'T') raw.birth_date.resize(10);  // ISO date-time
    raw.gender = TraitText(r.traits, {"gender"});
    if (auto a = r.traits.find("address"); a != r.traits.end() && a->is_object()) {
      raw.city = TraitText(*a, {"city"});
      raw.postal_code = TraitText(*a, {"postalCode", "postal_code"});
      raw.address = TraitText(*a, {"street"});
    }
    if (raw.name.empty() && raw.first_name.empty() && raw.last_name.empty() && raw.birth_date.empty()) return "";
    for (const auto& id : r.identifiers) {
      if (id.type == "phone") raw.phones.push_back(id.value);
      if (id.type == "email") raw.emails.push_back(id.value);
    }
    return identity::EncodePerson(identity::NormalizePerson(normalizer_, raw));
  }

  MessageBuilder(const Config& config, const Normalizer& normalizer, const Blocklist& blocklist)
      : config_(config), normalizer_(normalizer), blocklist_(blocklist) {}

  // Builds one Record or says why not.
  std::variant<Record, MessageError> Build(dom::element element, std::string_view forced_type,
                                           std::string_view key_id, Micros received_at,
                                           std::optional<Micros> envelope_sent_at) {
    if (!element.is_object()) return MessageError{"invalid_message", "message must be a JSON object"};
    const std::string minified = simdjson::to_string(element);
    if (minified.size() > config_.max_message_bytes)
      return MessageError{"message_too_large", "message is " + std::to_string(minified.size()) +
                                                   " bytes; the limit is " +
                                                   std::to_string(config_.max_message_bytes)};
    if (Depth(element, config_.max_json_depth + 1) > static_cast<std::size_t>(config_.max_json_depth))
      return MessageError{"too_deep", "message nests deeper than " + std::to_string(config_.max_json_depth)};
    dom::object msg(element);

    Record r;
    // Type
    auto type_field = Field(msg, "type");
    if (type_field && !type_field->is_string()) return MessageError{"invalid_type", "type must be a string"};
    std::string type = forced_type.empty() ? (type_field ? std::string(std::string_view(*type_field)) : "")
                                           : std::string(forced_type);
    if (std::find(std::begin(kTypes), std::end(kTypes), type) == std::end(kTypes))
      return MessageError{"invalid_type", type.empty() ? "message has no type"
                                                       : "unknown message type \"" + type + "\""};
    r.type = type;

    // Identifiers of the envelope.
    std::optional<std::string> user_id, anonymous_id, previous_id;
    for (auto [name, slot] : {std::pair<const char*, std::optional<std::string>*>{"userId", &user_id},
                              {"anonymousId", &anonymous_id},
                              {"previousId", &previous_id}}) {
      if (auto v = Field(msg, name)) {
        *slot = IdString(*v);
        if (!*slot) return MessageError{"invalid_field", std::string(name) + " must be a string or a number"};
      }
    }
    if (type == "alias") {
      if (!user_id || !previous_id)
        return MessageError{"missing_identifier", "alias needs userId and previousId"};
    } else if (!user_id && !anonymous_id) {
      return MessageError{"missing_identifier", "message needs userId or anonymousId"};
    }
    if (type == "track") {
      auto ev = StringField(msg, "event");
      if (!ev || ev->empty()) return MessageError{"missing_event", "track needs a non-empty event name"};
      r.event = *ev;
    } else if (type == "page" || type == "screen") {
      if (auto v = Field(msg, "name"); v && !v->is_string())
        return MessageError{"invalid_field", "name must be a string"};
      r.event = StringField(msg, "name").value_or("");
    }

    // Objects that must be objects when present.
    for (const char* name : {"properties", "traits", "context", "integrations"}) {
      if (auto v = Field(msg, name); v && !v->is_object())
        return MessageError{"invalid_field", std::string(name) + " must be an object"};
    }
    auto context = ObjectField(msg, "context");
    auto traits = ObjectField(msg, "traits");
    std::optional<dom::object> context_traits = context ? ObjectField(*context, "traits") : std::nullopt;

    // Time: timestamp, else originalTimestamp; corrected for client clock
    // skew for display when sentAt is known.
    std::optional<Micros> occurred;
    for (const char* name : {"timestamp", "originalTimestamp"}) {
      auto v = Field(msg, name);
      if (!v) continue;
      if (!v->is_string()) return MessageError{"invalid_timestamp", std::string(name) + " must be an ISO 8601 string"};
      occurred = ParseIso8601(std::string_view(*v));
      if (!occurred) return MessageError{"invalid_timestamp", std::string(name) + " is not ISO 8601"};
      break;
    }
    std::optional<Micros> sent_at = envelope_sent_at;
    if (auto v = Field(msg, "sentAt"); v && v->is_string()) {
      if (auto t = ParseIso8601(std::string_view(*v))) sent_at = t;
    }
    // A message without a time of its own is placed at its sentAt, which it
    // carries; only with neither does the server's clock decide.
    r.occurred_at = occurred ? *occurred : sent_at ? *sent_at : received_at;
    r.display_at = occurred && sent_at ? received_at - (*sent_at - *occurred) : r.occurred_at;

    // messageId: the idempotency key; generated from content when absent.
    if (auto v = Field(msg, "messageId")) {
      auto id = IdString(*v);
      if (!id || id->empty() || id->size() > 512)
        return MessageError{"invalid_field", "messageId must be a non-empty string of at most 512 bytes"};
      r.message_id = *id;
    } else {
      r.message_id = "gen-" + Hex(Sha256(minified).substr(0, 16));
    }
    r.record_key = "seg:" + std::string(key_id) + ":" + r.message_id;
    r.dedup_key = DedupKey(key_id, r.message_id);
    r.channel = ChannelOf(context);

    // Payload.
    if (auto p = ObjectField(msg, "properties")) r.properties = ToJson(*p);
    if (type == "page" || type == "screen") {
      if (!r.event.empty()) r.properties["name"] = r.event;
      if (auto c = StringField(msg, "category")) r.properties["category"] = *c;
    }
    if (type == "group") {
      if (auto g = Field(msg, "groupId"); g && IdString(*g)) r.properties["groupId"] = *IdString(*g);
      if (traits) r.properties["traits"] = ToJson(*traits);
    }
    if (type == "alias") r.properties["previousId"] = *previous_id;

    // Person traits: a group call's top-level traits describe the company.
    if (context_traits) r.traits = ToJson(*context_traits);
    if (traits && type != "group") r.traits.update(ToJson(*traits));

    // Consent (Segment consent object).
    if (context) {
      if (auto consent = ObjectField(*context, "consent")) {
        if (auto prefs = ObjectField(*consent, "categoryPreferences")) {
          for (auto field : *prefs)
            if (field.value.is_bool()) r.consent[std::string(field.key)] = bool(field.value);
        }
      }
    }

    // Identifiers.
    auto add = [&](const std::string& id_type, const std::string& raw) {
      const IdentifierType* t = config_.FindType(id_type);
      if (t == nullptr || !t->unique) return;
      auto norm = normalizer_.Identifier(id_type, raw);
      if (!norm || blocklist_.Blocks(id_type, *norm)) return;
      Identifier id{id_type, *norm};
      if (std::find(r.identifiers.begin(), r.identifiers.end(), id) == r.identifiers.end())
        r.identifiers.push_back(std::move(id));
    };
    if (type == "alias") {
      add("user_id", *user_id);
      add("user_id", *previous_id);
      add("anonymous_id", *previous_id);
      r.alias = true;
    } else {
      if (user_id) add("user_id", *user_id);
      if (anonymous_id) add("anonymous_id", *anonymous_id);
    }
    auto from_traits = [&](const char* trait, const char* id_type) {
      for (const auto* source : {&traits, &context_traits}) {
        if (!*source || (source == &traits && type == "group")) continue;
        auto v = Field(**source, trait);
        if (v && (v->is_string() || v->is_int64() || v->is_uint64())) add(id_type, *IdString(*v));
      }
    };
    from_traits("email", "email");
    from_traits("phone", "phone");
    from_traits("member_id", "member_id");
    if (context) {
      if (auto device = ObjectField(*context, "device"))
        if (auto id = Field(*device, "id"); id && IdString(*id)) add("device_id", *IdString(*id));
      if (auto ext = Field(*context, "externalIds"); ext && ext->is_array()) {
        for (auto e : dom::array(*ext)) {
          if (!e.is_object()) continue;
          auto id = Field(dom::object(e), "id");
          auto t = StringField(dom::object(e), "type");
          if (id && t && IdString(*id)) add(*t, *IdString(*id));
        }
      }
    }
    if (type == "identify") r.match_attributes = MatchAttributes(r);
    if (r.identifiers.empty())
      return MessageError{"no_usable_identifier",
                          "message has no identifier that can be used (blocklisted or invalid)"};
    return r;
  }

 private:
  const Config& config_;
  const Normalizer& normalizer_;
  const Blocklist& blocklist_;
};

}  // namespace

Result<ParsedBatch> SegmentParser::Parse(std::string_view body, std::string_view endpoint,
                                         std::string_view key_id, Micros received_at) const {
  thread_local dom::parser parser;
  if (parser.max_depth() != kDocumentDepth || parser.capacity() < body.size()) {
    if (parser.allocate(std::max<std::size_t>(body.size(), 1 << 16), kDocumentDepth) != simdjson::SUCCESS)
      return Status::Internal("cannot allocate JSON parser");
  }
  dom::element doc;
  auto err = parser.parse(body.data(), body.size(), true).get(doc);
  if (err == simdjson::DEPTH_ERROR) return Status::Invalid("too_deep", "JSON nests too deeply");
  if (err == simdjson::UTF8_ERROR) return Status::Invalid("invalid_utf8", "body is not valid UTF-8");
  if (err == simdjson::EMPTY) return Status::Invalid("invalid_json", "body is empty");
  if (err != simdjson::SUCCESS)
    return Status::Invalid("invalid_json", std::string("body is not valid JSON: ") + simdjson::error_message(err));
  if (!doc.is_object()) return Status::Invalid("invalid_json", "body must be a JSON object");
  dom::object root(doc);

  ParsedBatch out;
  if (auto wk = StringField(root, "writeKey")) out.write_key = *wk;
  std::optional<Micros> envelope_sent_at;
  if (auto s = StringField(root, "sentAt")) envelope_sent_at = ParseIso8601(*s);

  MessageBuilder builder(config_, normalizer_, blocklist_);
  if (endpoint == "batch") {
    auto batch = Field(root, "batch");
    if (!batch || !batch->is_array()) return Status::Invalid("invalid_batch", "batch must be an array");
    dom::array messages(*batch);
    if (messages.size() > config_.max_batch_messages)
      return Status(Code::kTooLarge, "batch_too_large",
                    "batch holds " + std::to_string(messages.size()) + " messages; the limit is " +
                        std::to_string(config_.max_batch_messages));
    int index = 0;
    for (auto m : messages) {
      auto built = builder.Build(m, "", key_id, received_at, envelope_sent_at);
      if (auto* rec = std::get_if<Record>(&built)) {
        out.records.push_back(std::move(*rec));
        out.indexes.push_back(index);
      } else {
        auto& e = std::get<MessageError>(built);
        out.rejected.push_back({index, e.code, e.message});
      }
      ++index;
    }
    out.messages = static_cast<std::size_t>(index);
    return out;
  }

  auto built = builder.Build(doc, endpoint, key_id, received_at, envelope_sent_at);
  if (auto* e = std::get_if<MessageError>(&built)) {
    const Code code = e->code == "message_too_large" ? Code::kTooLarge : Code::kInvalid;
    return Status(code, e->code, e->message);
  }
  out.records.push_back(std::move(std::get<Record>(built)));
  out.indexes.push_back(0);
  out.messages = 1;
  return out;
}

}  // namespace seam::ingest
