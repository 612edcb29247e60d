// Key management (SPEC §1-§2): admin scope.
#include "http/routes/routes.h"

namespace seam::http {
namespace {

nlohmann::json KeyJson(const auth::KeyInfo& k) {
  return {{"id", k.id}, {"scope", auth::ScopeName(k.scope)}, {"created_at", FormatIso8601(k.created_at)},
          {"origin", k.origin}};
}

}  // namespace

void RegisterAdminRoutes(Router& router, Services& s) {
  router.Add("GET", "/v1/keys", [&s](Request&& req, Responder respond) {
    if (auto denied = Authorize(req, s.keys, auth::Scope::kAdmin)) return respond(std::move(*denied));
    auto list = nlohmann::json::array();
    for (const auto& k : s.keys.List()) list.push_back(KeyJson(k));
    respond(JsonResponse(nlohmann::json{{"keys", list}}.dump()));
  });
  router.Add("POST", "/v1/keys", [&s](Request&& req, Responder respond) {
    if (auto denied = Authorize(req, s.keys, auth::Scope::kAdmin)) return respond(std::move(*denied));
    auto body = nlohmann::json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object())
      return respond(ErrorResponse(400, "invalid_json", "body must be a JSON object like {\"scope\":\"read\"}"));
    auto scope_field = body.find("scope");
    if (scope_field == body.end() || !scope_field->is_string())
      return respond(ErrorResponse(400, "invalid_field", "scope must be one of write, read, admin"));
    auto scope = auth::ParseScope(scope_field->get<std::string>());
    if (!scope) return respond(ErrorResponse(400, "invalid_field", "scope must be one of write, read, admin"));
    auto created = s.keys.Create(*scope, s.now());
    if (!created.ok()) return respond(ErrorResponse(created.status()));
    nlohmann::json out = KeyJson(created->info);
    out["key"] = created->secret;  // shown once
    respond(JsonResponse(out.dump(), 201));
  });
  router.Add("DELETE", "/v1/keys/{id}", [&s](Request&& req, Responder respond) {
    if (auto denied = Authorize(req, s.keys, auth::Scope::kAdmin)) return respond(std::move(*denied));
    auto st = s.keys.Revoke(req.params.at("id"));
    if (!st.ok()) return respond(ErrorResponse(st));
    respond(JsonResponse(nlohmann::json{{"revoked", req.params.at("id")}}.dump()));
  });
}

}  // namespace seam::http
