// How profiles came to be and the decisions people make about them (SPEC
// §5-§6): explain (read), review of possible matches, manual merge and
// split, quarantine, and the match model's snapshots (admin).
#include <charconv>

#include "http/routes/routes.h"

namespace seam::http {
namespace {

Result<nlohmann::json> Body(const Request& req) {
  auto body = nlohmann::json::parse(req.body.empty() ? std::string("{}") : req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return Status::Invalid("invalid_json", "body must be a JSON object");
  return body;
}

std::string NoteOf(const nlohmann::json& body) {
  auto it = body.find("note");
  return it != body.end() && it->is_string() ? it->get<std::string>() : "";
}

Response Json(const Result<nlohmann::json>& r, int status = 200) {
  if (!r.ok()) return ErrorResponse(r.status());
  return JsonResponse(r->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), status);
}

template <typename F>
Handler Admin(Services& s, F&& f) {
  return [&s, f = std::forward<F>(f)](Request&& req, Responder respond) {
    if (auto denied = Authorize(req, s.keys, auth::Scope::kAdmin)) return respond(std::move(*denied));
    respond(f(req));
  };
}

std::size_t LimitOf(const Request& req, std::size_t fallback) {
  const std::string text = req.query_or("limit");
  std::size_t n = fallback;
  if (!text.empty()) std::from_chars(text.data(), text.data() + text.size(), n);
  return n;
}

// The profile as it stands after a decision, for the answer.
Response ProfileAfter(Services& s, const std::string& ref, const Result<identity::ResolveResult>& done) {
  if (!done.ok()) return ErrorResponse(done.status());
  return Json(s.profiles.Profile(ref));
}

}  // namespace

void RegisterIdentityRoutes(Router& router, Services& s) {
  router.Add("GET", "/v1/profiles/{ref}/explain", [&s](Request&& req, Responder respond) {
    if (auto denied = Authorize(req, s.keys, auth::Scope::kRead)) return respond(std::move(*denied));
    respond(Json(s.identity.Explain(req.params.at("ref"))));
  });

  router.Add("POST", "/v1/profiles/merge", Admin(s, [&s](const Request& req) -> Response {
               auto body = Body(req);
               if (!body.ok()) return ErrorResponse(body.status());
               auto refs = body->find("refs");
               if (refs == body->end() || !refs->is_array() || refs->size() != 2 || !(*refs)[0].is_string() ||
                   !(*refs)[1].is_string())
                 return ErrorResponse(400, "invalid_field", "refs must be two references, e.g. [\"email:a@x.com\", \"member_id:M1\"]");
               auto a = s.identity.NodeOfRef((*refs)[0].get<std::string>());
               if (!a.ok()) return ErrorResponse(a.status());
               auto b = s.identity.NodeOfRef((*refs)[1].get<std::string>());
               if (!b.ok()) return ErrorResponse(b.status());
               if (*a == *b) return ErrorResponse(400, "invalid_field", "the two references name the same identifier");
               const Micros at = s.now();
               auto done = s.writer.RunPlan([&](identity::Resolver& r) { return r.PlanDecision(*a, *b, true, at, NoteOf(*body)); });
               return ProfileAfter(s, (*refs)[0].get<std::string>(), done);
             }));

  router.Add("POST", "/v1/profiles/{ref}/split", Admin(s, [&s](const Request& req) -> Response {
               auto body = Body(req);
               if (!body.ok()) return ErrorResponse(body.status());
               auto identity = body->find("identity");
               if (identity == body->end() || !identity->is_string())
                 return ErrorResponse(400, "invalid_field", "identity must be a type:value reference");
               const std::string ref = req.params.at("ref");
               auto owner = s.profiles.Profile(ref);
               if (!owner.ok()) return ErrorResponse(owner.status());
               const std::string pid = (*owner)["profile_id"];
               auto node = s.identity.NodeOfRef(identity->get<std::string>());
               if (!node.ok()) return ErrorResponse(node.status());
               auto holder = s.profiles.Profile(identity->get<std::string>());
               if (!holder.ok() || (*holder)["profile_id"] != pid)
                 return ErrorResponse(409, "not_in_profile", "that identity is not in this profile");
               // Kept apart from the profile's strongest other identifier.
               auto from = s.identity.NodeOfRef("profile_id:" + pid);
               if (!from.ok()) return ErrorResponse(from.status());
               std::string other = *from;
               if (other == *node) {
                 // The identity is the strongest: keep it apart from the next.
                 auto ids = (*owner)["identities"];
                 other.clear();
                 for (const auto& i : ids) {
                   const std::string r = i["type"].get<std::string>() + ":" + i["value"].get<std::string>();
                   auto n = s.identity.NodeOfRef(r);
                   if (n.ok() && *n != *node) {
                     other = *n;
                     break;
                   }
                 }
                 if (other.empty()) return ErrorResponse(409, "nothing_to_split", "the profile holds only that identity");
               }
               const Micros at = s.now();
               auto done = s.writer.RunPlan([&](identity::Resolver& r) { return r.PlanDecision(*node, other, false, at, NoteOf(*body)); });
               if (!done.ok()) return ErrorResponse(done.status());
               auto left = s.profiles.Profile("profile_id:" + pid);
               auto split = s.profiles.Profile(identity->get<std::string>());
               if (!left.ok()) return ErrorResponse(left.status());
               if (!split.ok()) return ErrorResponse(split.status());
               return JsonResponse(nlohmann::json{{"profile", *left}, {"split", *split}}.dump(
                   -1, ' ', false, nlohmann::json::error_handler_t::replace));
             }));

  router.Add("GET", "/v1/review", Admin(s, [&s](const Request& req) -> Response {
               return Json(s.review.Page(LimitOf(req, 50), req.query_or("cursor")));
             }));
  router.Add("POST", "/v1/review/{id}", Admin(s, [&s](const Request& req) -> Response {
               auto body = Body(req);
               if (!body.ok()) return ErrorResponse(body.status());
               auto decision = body->find("decision");
               if (decision == body->end() || !decision->is_string() ||
                   (*decision != "merge" && *decision != "keep_apart"))
                 return ErrorResponse(400, "invalid_field", "decision must be merge or keep_apart");
               auto pair = query::ReviewQueue::PairOf(req.params.at("id"));
               if (!pair.ok()) return ErrorResponse(pair.status());
               const bool merge = *decision == "merge";
               const Micros at = s.now();
               auto done = s.writer.RunPlan(
                   [&](identity::Resolver& r) { return r.PlanDecision(pair->first, pair->second, merge, at, NoteOf(*body)); });
               if (!done.ok()) return ErrorResponse(done.status());
               nlohmann::json out = {{"id", req.params.at("id")}, {"decision", *decision}};
               auto profiles = nlohmann::json::array();
               for (const auto& c : done->clusters) profiles.push_back(c.id);
               out["profiles"] = profiles;
               return JsonResponse(out.dump());
             }));

  router.Add("GET", "/v1/quarantine", Admin(s, [&s](const Request& req) -> Response {
               return Json(s.identity.Quarantined(LimitOf(req, 100)));
             }));
  router.Add("DELETE", "/v1/quarantine/{ref}", Admin(s, [&s](const Request& req) -> Response {
               const std::string ref = req.params.at("ref");
               const auto colon = ref.find(':');
               if (colon == std::string::npos) return ErrorResponse(400, "invalid_ref", "a reference is type:value");
               auto node = s.profiles.NodeKeyForRef(ref.substr(0, colon), ref.substr(colon + 1));
               if (!node.ok()) return ErrorResponse(node.status());
               auto done = s.writer.RunPlan([&](identity::Resolver& r) { return r.PlanRelease(*node); });
               return ProfileAfter(s, ref, done);
             }));

  router.Add("GET", "/v1/model", Admin(s, [&s](const Request&) -> Response {
               auto list = s.models.List();
               if (!list.ok()) return ErrorResponse(list.status());
               auto active = s.models.Active();
               if (!active.ok()) return ErrorResponse(active.status());
               return JsonResponse(nlohmann::json{{"active", active->version},
                                                  {"upper_threshold", active->upper_threshold},
                                                  {"lower_threshold", active->lower_threshold},
                                                  {"snapshots", *list}}
                                       .dump());
             }));
  router.Add("POST", "/v1/model/train", Admin(s, [&s](const Request& req) -> Response {
               const bool activate = req.query_or("activate", "true") != "false";
               return Json(s.train(activate));
             }));
  router.Add("POST", "/v1/model/activate", Admin(s, [&s](const Request& req) -> Response {
               auto body = Body(req);
               if (!body.ok()) return ErrorResponse(body.status());
               auto version = body->find("version");
               if (version == body->end() || !version->is_string())
                 return ErrorResponse(400, "invalid_field", "version must name a stored snapshot");
               return Json(s.activate(version->get<std::string>()));
             }));
}

}  // namespace seam::http
