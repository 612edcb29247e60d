// Segment Tracking API endpoints (SPEC §3). Only the status code matters to
// the SDKs: 200 means durable, 5xx/429 mean "retry", any other 4xx drops the
// batch for good — so a batch with some bad messages gets 200 and a report.
#include <algorithm>

#include "http/routes/routes.h"

namespace seam::http {
namespace {

nlohmann::json RejectionsJson(std::vector<ingest::Rejection> rejected) {
  std::sort(rejected.begin(), rejected.end(), [](auto& a, auto& b) { return a.index < b.index; });
  auto out = nlohmann::json::array();
  for (const auto& r : rejected) out.push_back({{"index", r.index}, {"code", r.code}, {"error", r.error}});
  return out;
}

Response RetryLater(int status, const std::string& code, const std::string& message, int seconds) {
  Response r = ErrorResponse(status, code, message);
  r.headers.emplace_back("Retry-After", std::to_string(seconds));
  return r;
}

void HandleIngest(Services& s, const std::string& endpoint, Request&& req, Responder respond) {
  // A key in the header is checked before the body is parsed; without one,
  // Segment's body "writeKey" is looked for after parsing.
  const bool has_header_key = !PresentedKey(req).empty();
  auth::KeyInfo who;
  if (has_header_key) {
    if (auto denied = Authorize(req, s.keys, auth::Scope::kWrite, &who)) return respond(std::move(*denied));
  }
  const Micros received = s.now();
  auto parsed = s.segment.Parse(req.body, endpoint, has_header_key ? who.id : "", received);
  if (!has_header_key) {
    std::string body_key = parsed.ok() ? parsed->write_key : "";
    auto info = body_key.empty() ? std::nullopt : s.keys.Authenticate(body_key);
    if (!info) return respond(ErrorResponse(401, "unauthenticated", "a write key is required (HTTP Basic, user = write key)"));
    if (!auth::Allows(info->scope, auth::Scope::kWrite))
      return respond(ErrorResponse(403, "forbidden", "this endpoint needs a key of scope write"));
    who = *info;
    // Parsed with an empty key id: re-scope idempotency to this key.
    for (auto& r : parsed.ok() ? parsed->records : std::vector<Record>{}) {
      r.record_key = "seg:" + who.id + ":" + r.message_id;
      r.dedup_key = ingest::DedupKey(who.id, r.message_id);
    }
  }
  if (!parsed.ok()) return respond(ErrorResponse(parsed.status()));

  auto batch = std::move(parsed).value();
  const bool single = endpoint != "batch";
  if (batch.records.empty()) {
    nlohmann::json body = {{"success", true}, {"accepted", 0}, {"rejected", RejectionsJson(batch.rejected)}};
    return respond(JsonResponse(body.dump()));
  }
  auto rejected = std::make_shared<std::vector<ingest::Rejection>>(std::move(batch.rejected));
  const std::size_t records = batch.records.size();
  Metrics& metrics = s.metrics;
  const int retry_after = s.config.retry_after_seconds;
  bool queued = s.writer.Submit(
      std::move(batch.records), std::move(batch.indexes),
      [respond, rejected, single, retry_after, &metrics](ingest::WriteOutcome outcome) {
        if (!outcome.status.ok())
          return respond(RetryLater(503, "unavailable", "not stored, retry: " + outcome.status.message(), retry_after));
        metrics.Add("seam_messages_rejected_total", rejected->size() + outcome.rejected.size());
        rejected->insert(rejected->end(), outcome.rejected.begin(), outcome.rejected.end());
        if (single && !rejected->empty()) {
          const auto& r = rejected->front();
          return respond(ErrorResponse(500, r.code, r.error));
        }
        nlohmann::json body = {{"success", true},
                               {"accepted", outcome.accepted},
                               {"rejected", RejectionsJson(std::move(*rejected))}};
        respond(JsonResponse(body.dump()));
      });
  if (!queued) {
    s.metrics.Add("seam_ingest_overloaded_total");
    respond(RetryLater(429, "overloaded",
                       "the writer queue is full; retry after " + std::to_string(retry_after) + " s (" +
                           std::to_string(records) + " messages not taken)",
                       retry_after));
  }
}

}  // namespace

void RegisterIngestRoutes(Router& router, Services& s) {
  for (const char* type : {"identify", "track", "page", "screen", "group", "alias", "batch", "import"}) {
    const std::string endpoint = std::string(type) == "import" ? "batch" : type;
    router.Add("POST", std::string("/v1/") + type, [&s, endpoint](Request&& req, Responder respond) {
      HandleIngest(s, endpoint, std::move(req), std::move(respond));
    });
  }
}

}  // namespace seam::http
