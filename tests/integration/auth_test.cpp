// SPEC §2: 401 without a valid key, 403 with a key of the wrong scope; the
// keys API creates keys shown once and revokes them at once.
#include <gtest/gtest.h>

#include "support/test_client.h"
#include "support/test_server.h"

namespace seam::testing {
namespace {

TEST(Auth, MissingAndWrongKeysAndScopes) {
  TestServer server;
  TestClient c(server.port());
  const std::string track = R"({"userId":"u","event":"E"})";
  EXPECT_EQ(c.Request("POST", "/v1/track", track).status, 401);
  EXPECT_EQ(c.Request("POST", "/v1/track", track, {{"Authorization", BasicAuth("seam_write_wrong0000000000000")}}).status, 401);
  EXPECT_EQ(c.Request("POST", "/v1/track", track, {{"Authorization", "Basic !!!notbase64"}}).status, 401);
  EXPECT_EQ(c.Request("POST", "/v1/track", track, {{"Authorization", BasicAuth(kReadKey)}}).status, 403);
  EXPECT_EQ(c.Request("POST", "/v1/track", track, {{"Authorization", BasicAuth(kWriteKey)}}).status, 200);
  EXPECT_EQ(c.Request("POST", "/v1/track", track, {{"Authorization", Bearer(kAdminKey)}}).status, 200);

  EXPECT_EQ(c.Request("GET", "/v1/profiles/user_id%3Au").status, 401);
  EXPECT_EQ(c.Request("GET", "/v1/profiles/user_id%3Au", "", {{"Authorization", Bearer(kWriteKey)}}).status, 403);
  EXPECT_EQ(c.Request("GET", "/v1/profiles/user_id%3Au", "", {{"Authorization", Bearer(kReadKey)}}).status, 200);
  EXPECT_EQ(c.Request("GET", "/v1/profiles/user_id%3Au", "", {{"Authorization", BasicAuth(kReadKey)}}).status, 200);

  EXPECT_EQ(c.Request("GET", "/v1/keys", "", {{"Authorization", Bearer(kReadKey)}}).status, 403);
  auto err = c.Request("GET", "/v1/keys", "", {{"Authorization", Bearer(kReadKey)}}).json();
  EXPECT_EQ(err["error"]["code"], "forbidden");

  EXPECT_EQ(c.Request("GET", "/healthz").status, 200);
  EXPECT_EQ(c.Request("GET", "/readyz").status, 200);
  EXPECT_EQ(c.Request("GET", "/metrics").status, 401);
  auto metrics = c.Request("GET", "/metrics", "", {{"Authorization", Bearer(kWriteKey)}});
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("seam_http_requests_total{route=\"/v1/track\",method=\"POST\",status=\"200\"}"),
            std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("seam_events_ingested_total 2"), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("seam_http_request_duration_seconds_bucket"), std::string::npos);
}

TEST(Auth, CreateUseAndRevokeKeys) {
  TestServer server;
  TestClient c(server.port());
  auto created = c.Request("POST", "/v1/keys", R"({"scope":"read"})", {{"Authorization", Bearer(kAdminKey)}});
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string key = created.json()["key"];
  const std::string id = created.json()["id"];
  EXPECT_EQ(key.rfind("seam_read_", 0), 0u);
  EXPECT_GE(key.size(), 10u + 22u);

  EXPECT_EQ(c.Request("GET", "/v1/profiles/user_id%3Ax", "", {{"Authorization", Bearer(key)}}).status, 404);
  auto list = c.Request("GET", "/v1/keys", "", {{"Authorization", Bearer(kAdminKey)}});
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.body.find(key), std::string::npos) << "a key is shown once, never listed";
  EXPECT_NE(list.body.find(id), std::string::npos);

  EXPECT_EQ(c.Request("DELETE", "/v1/keys/" + id, "", {{"Authorization", Bearer(kAdminKey)}}).status, 200);
  EXPECT_EQ(c.Request("GET", "/v1/profiles/user_id%3Ax", "", {{"Authorization", Bearer(key)}}).status, 401);
  EXPECT_EQ(c.Request("DELETE", "/v1/keys/" + id, "", {{"Authorization", Bearer(kAdminKey)}}).status, 404);
  EXPECT_EQ(c.Request("POST", "/v1/keys", R"({"scope":"root"})", {{"Authorization", Bearer(kAdminKey)}}).status, 400);

  // Keys persist (as hashes) across restarts.
  auto second = c.Request("POST", "/v1/keys", R"({"scope":"write"})", {{"Authorization", Bearer(kAdminKey)}});
  const std::string write2 = second.json()["key"];
  server.Restart();
  TestClient c2(server.port());
  EXPECT_EQ(c2.Request("POST", "/v1/track", R"({"userId":"u","event":"E"})", {{"Authorization", BasicAuth(write2)}}).status,
            200);
}

}  // namespace
}  // namespace seam::testing
