// Health, readiness and metrics (SPEC §1).
#include "http/routes/routes.h"

namespace seam::http {

void RegisterOpsRoutes(Router& router, Services& s) {
  router.Add("GET", "/healthz", [](Request&&, Responder respond) {
    respond(JsonResponse(R"({"status":"ok"})"));
  });
  router.Add("GET", "/readyz", [&s](Request&&, Responder respond) {
    if (!s.ready()) {
      Response r = ErrorResponse(503, "not_ready", "the store is not open or not accepting writes");
      r.headers.emplace_back("Retry-After", "1");
      return respond(std::move(r));
    }
    respond(JsonResponse(R"({"status":"ready"})"));
  });
  router.Add("GET", "/metrics", [&s](Request&& req, Responder respond) {
    // Any valid key may read metrics: they hold counts, never identifiers.
    if (PresentedKey(req).empty() || !s.keys.Authenticate(PresentedKey(req))) {
      if (auto denied = Authorize(req, s.keys, auth::Scope::kRead)) return respond(std::move(*denied));
    }
    Response r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = s.metrics.RenderPrometheus();
    respond(std::move(r));
  });
}

}  // namespace seam::http
