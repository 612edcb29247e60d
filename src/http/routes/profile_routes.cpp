// The single customer view (SPEC §6): read scope.
#include <charconv>

#include "http/routes/routes.h"

namespace seam::http {
namespace {

template <typename F>
Handler ReadRoute(Services& s, F&& query) {
  return [&s, query = std::forward<F>(query)](Request&& req, Responder respond) {
    if (auto denied = Authorize(req, s.keys, auth::Scope::kRead)) return respond(std::move(*denied));
    Result<nlohmann::json> result = query(req);
    if (!result.ok()) return respond(ErrorResponse(result.status()));
    respond(JsonResponse(result->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)));
  };
}

}  // namespace

void RegisterProfileRoutes(Router& router, Services& s) {
  // The hot path of a lookup: answered from rendered text (ProfileBody).
  router.Add("GET", "/v1/profiles/{ref}", [&s](Request&& req, Responder respond) {
    if (auto denied = Authorize(req, s.keys, auth::Scope::kRead)) return respond(std::move(*denied));
    Result<std::string> body = s.profiles.ProfileBody(req.params.at("ref"));
    if (!body.ok()) return respond(ErrorResponse(body.status()));
    respond(JsonResponse(std::move(*body)));
  });
  router.Add("GET", "/v1/profiles/{ref}/identities", ReadRoute(s, [&s](const Request& req) {
               return s.profiles.Identities(req.params.at("ref"));
             }));
  router.Add("GET", "/v1/profiles/{ref}/traits", ReadRoute(s, [&s](const Request& req) {
               return s.profiles.Traits(req.params.at("ref"));
             }));
  router.Add("GET", "/v1/profiles/{ref}/events", ReadRoute(s, [&s](const Request& req) -> Result<nlohmann::json> {
               query::EventsQuery q;
               const std::string limit = req.query_or("limit", "50");
               std::size_t n = 0;
               auto [end, ec] = std::from_chars(limit.data(), limit.data() + limit.size(), n);
               if (ec != std::errc() || end != limit.data() + limit.size())
                 return Status::Invalid("invalid_limit", "limit must be a whole number between 1 and 1000");
               q.limit = n;
               q.cursor = req.query_or("cursor");
               q.channel = req.query_or("channel");
               q.type = req.query_or("type");
               return s.profiles.Events(req.params.at("ref"), q);
             }));
}

}  // namespace seam::http
