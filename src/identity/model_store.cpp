#include "identity/model_store.h"

namespace seam::identity {
namespace {

const std::string kActive = "model/active";
const std::string kPrefix = "model/v/";

}  // namespace

Result<std::string> ModelStore::ActiveVersion() {
  auto v = store_.GetMeta(kActive);
  if (!v.ok()) return v.status();
  return v->has_value() ? **v : MatchModel::Default().version;
}

Result<std::optional<MatchModel>> ModelStore::Find(const std::string& version) {
  if (version == MatchModel::Default().version) return std::optional<MatchModel>(MatchModel::Default());
  auto raw = store_.GetMeta(kPrefix + version);
  if (!raw.ok()) return raw.status();
  if (!raw->has_value()) return std::optional<MatchModel>();
  auto doc = nlohmann::json::parse(**raw, nullptr, false);
  if (!doc.is_object() || !doc.contains("model")) return Status::Internal("corrupt model snapshot " + version);
  auto model = MatchModel::FromJson(doc["model"]);
  if (!model.ok()) return model.status();
  return std::optional<MatchModel>(std::move(*model));
}

Result<MatchModel> ModelStore::Active() {
  auto version = ActiveVersion();
  if (!version.ok()) return version.status();
  auto model = Find(*version);
  if (!model.ok()) return model.status();
  if (!model->has_value()) return Status::Internal("the active model snapshot " + *version + " is missing");
  return std::move(**model);
}

Status ModelStore::Save(const MatchModel& model, const nlohmann::json& about) {
  nlohmann::json doc = {{"model", model.ToJson()}, {"about", about}};
  return store_.PutMeta(kPrefix + model.version, doc.dump(), true);
}

Status ModelStore::Activate(const std::string& version) {
  auto found = Find(version);
  if (!found.ok()) return found.status();
  if (!found->has_value()) return Status::NotFound("model_not_found", "no model snapshot " + version);
  return store_.PutMeta(kActive, version, true);
}

Result<std::vector<nlohmann::json>> ModelStore::List() {
  auto active = ActiveVersion();
  if (!active.ok()) return active.status();
  const MatchModel def = MatchModel::Default();
  std::vector<nlohmann::json> out;
  out.push_back({{"version", def.version}, {"about", {{"source", "built-in default"}}}, {"active", *active == def.version}});
  Status s = store_.ScanMeta(kPrefix, [&](std::string_view key, std::string_view value) {
    auto doc = nlohmann::json::parse(value, nullptr, false);
    const std::string version(key.substr(kPrefix.size()));
    out.push_back({{"version", version},
                   {"about", doc.is_object() && doc.contains("about") ? doc["about"] : nlohmann::json::object()},
                   {"active", version == *active}});
    return true;
  });
  if (!s.ok()) return s;
  return out;
}

}  // namespace seam::identity
