// The route table: every endpoint of SPEC §1-§3, §6 and the keys API, each a
// plain function from a parsed Request to one service call and one Response.
#pragma once

#include <functional>

#include "auth/key_store.h"
#include "http/route_table.h"
#include "ingest/import_service.h"
#include "ingest/segment.h"
#include "ingest/writer.h"
#include "identity/model_store.h"
#include "query/identity_views.h"
#include "query/profile_query.h"
#include "query/review_queue.h"
#include "seam/config.h"
#include "seam/metrics.h"
#include "seam/time.h"

namespace seam::http {

struct Services {
  const Config& config;
  auth::KeyStore& keys;
  const ingest::SegmentParser& segment;
  ingest::Writer& writer;
  query::ProfileQuery& profiles;
  ingest::ImportService& imports;
  query::IdentityViews& identity;
  query::ReviewQueue& review;  // GET /v1/review and the ids POST /v1/review/{id} takes
  identity::ModelStore& models;
  Metrics& metrics;
  std::function<bool()> ready;  // store open and writer accepting
  std::function<Micros()> now;  // wall clock (receivedAt, key creation)
  // Trains a match model on the stored attributes (EM, term frequencies),
  // stores it and, when asked, activates it and re-evaluates the graph.
  std::function<Result<nlohmann::json>(bool activate)> train;
  std::function<Result<nlohmann::json>(const std::string& version)> activate;
};

void RegisterOpsRoutes(Router& router, Services& services);
void RegisterIngestRoutes(Router& router, Services& services);
void RegisterProfileRoutes(Router& router, Services& services);
void RegisterAdminRoutes(Router& router, Services& services);
void RegisterImportRoutes(Router& router, Services& services);
void RegisterIdentityRoutes(Router& router, Services& services);

inline void RegisterRoutes(Router& router, Services& services) {
  RegisterOpsRoutes(router, services);
  RegisterIngestRoutes(router, services);
  RegisterProfileRoutes(router, services);
  RegisterAdminRoutes(router, services);
  RegisterImportRoutes(router, services);
  RegisterIdentityRoutes(router, services);
}

// The key a request presents: "Authorization: Bearer <key>", or Basic with
// the key as user name (Segment's convention; an empty user takes the
// password). Empty when none is presented.
std::string PresentedKey(const Request& req);

// 401 when no valid key, 403 when the key lacks `scope`; nullopt when allowed.
std::optional<Response> Authorize(const Request& req, const auth::KeyStore& keys, auth::Scope scope,
                                  auth::KeyInfo* who = nullptr);

}  // namespace seam::http
