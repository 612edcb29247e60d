// The Segment flow end to end against a real server: anonymous browsing ->
// identify -> second device -> alias -> order, looked up by every identifier
// in non-normalised forms.
#include <gtest/gtest.h>

#include "support/test_client.h"
#include "support/test_server.h"

namespace seam::testing {
namespace {

class SegmentFlow : public ::testing::Test {
 protected:
  HttpResult Post(const std::string& path, const nlohmann::json& body) {
    return client_.Request("POST", path, body.dump(), {{"Authorization", BasicAuth(kWriteKey)}});
  }
  HttpResult Get(const std::string& target) {
    return client_.Request("GET", target, "", {{"Authorization", Bearer(kReadKey)}});
  }
  static std::string Ref(const std::string& type, const std::string& value) { return PathRef(type + ":" + value); }
  TestServer server_;
  TestClient client_{server_.port()};
};

TEST_F(SegmentFlow, AnonymousToIdentifiedToSecondDeviceToOrder) {
  // 1. Anonymous browsing on the web.
  auto r = Post("/v1/batch", {{"batch",
                               {{{"type", "page"}, {"anonymousId", "cookie-1"}, {"name", "Home"},
                                 {"messageId", "m1"}, {"timestamp", "2026-11-01T10:00:00Z"},
                                 {"context", {{"page", {{"url", "https://shop.example/"}}}}}},
                                {{"type", "track"}, {"anonymousId", "cookie-1"}, {"event", "Product Viewed"},
                                 {"messageId", "m2"}, {"timestamp", "2026-11-01T10:01:00Z"},
                                 {"properties", {{"sku", "s1"}}},
                                 {"context", {{"page", {{"url", "https://shop.example/p/s1"}}}}}}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["accepted"], 2);

  // 2. Identify on the web with email and phone.
  r = Post("/v1/identify", {{"userId", "jane-1"}, {"anonymousId", "cookie-1"}, {"messageId", "m3"},
                            {"timestamp", "2026-11-01T10:05:00Z"},
                            {"traits", {{"email", " Jane.Doe@Example.com"}, {"phone", "010-1234-5678"}, {"name", "Jane"}}},
                            {"context", {{"page", {{"url", "https://shop.example/login"}}}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["success"], true);

  // 3. The app on a second device, before login: only the device.
  r = Post("/v1/track", {{"anonymousId", "app-install-9"}, {"event", "App Opened"}, {"messageId", "m4"},
                         {"timestamp", "2026-11-02T08:00:00Z"},
                         {"context", {{"device", {{"id", "ios-device-9"}}}, {"os", {{"name", "iOS"}}}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto before = Get("/v1/profiles/" + Ref("device_id", "ios-device-9"));
  ASSERT_EQ(before.status, 200) << before.body;
  auto jane_before = Get("/v1/profiles/" + Ref("user_id", "jane-1"));
  EXPECT_NE(before.json()["profile_id"], jane_before.json()["profile_id"]);

  // 4. alias: the app's anonymous id is Jane.
  r = Post("/v1/alias", {{"userId", "jane-1"}, {"previousId", "app-install-9"}, {"messageId", "m5"},
                         {"timestamp", "2026-11-02T08:01:00Z"}});
  ASSERT_EQ(r.status, 200) << r.body;

  // 5. An order in the app.
  r = Post("/v1/batch",
           {{"batch",
             {{{"type", "track"}, {"userId", "jane-1"}, {"event", "Order Completed"}, {"messageId", "m6"},
               {"timestamp", "2026-11-02T08:05:00Z"},
               {"properties", {{"order_id", "o-1"}, {"revenue", 39000}, {"currency", "KRW"},
                               {"products", {{{"sku", "s1"}, {"category", "shoes"}}}}}},
               {"context", {{"device", {{"id", "ios-device-9"}}}}}},
              // A retried delivery of the same order under another messageId counts once.
              {{"type", "track"}, {"userId", "jane-1"}, {"event", "Order Completed"}, {"messageId", "m7"},
               {"timestamp", "2026-11-02T08:05:01Z"},
               {"properties", {{"order_id", "o-1"}, {"revenue", 39000}, {"currency", "KRW"}}}}}}});
  ASSERT_EQ(r.status, 200) << r.body;

  // Every identifier, in non-normalised forms, finds the same profile.
  auto jane = Get("/v1/profiles/" + Ref("email", "JANE.DOE@example.COM "));
  ASSERT_EQ(jane.status, 200) << jane.body;
  const auto pid = jane.json()["profile_id"];
  for (const auto& ref : {Ref("phone", "+82 10-1234-5678"), Ref("phone", "01012345678"),
                          Ref("phone", "82-10-1234-5678"), Ref("user_id", "jane-1"),
                          Ref("anonymous_id", "cookie-1"), Ref("anonymous_id", "app-install-9"),
                          Ref("device_id", "ios-device-9"), Ref("profile_id", pid.get<std::string>())}) {
    auto p = Get("/v1/profiles/" + ref);
    ASSERT_EQ(p.status, 200) << ref << " " << p.body;
    EXPECT_EQ(p.json()["profile_id"], pid) << ref;
  }
  // The device's earlier profile id keeps resolving to the survivor.
  auto old = Get("/v1/profiles/" + Ref("profile_id", before.json()["profile_id"].get<std::string>()));
  ASSERT_EQ(old.status, 200) << old.body;
  EXPECT_EQ(old.json()["profile_id"], pid);

  const auto profile = jane.json();
  EXPECT_EQ(profile["traits"]["name"], "Jane");
  EXPECT_EQ(profile["computed"]["orders"], 1);
  EXPECT_EQ(profile["computed"]["orders_online"], 1);
  EXPECT_EQ(profile["computed"]["revenue"], 39000.0);
  EXPECT_EQ(profile["computed"]["aov"], 39000.0);
  EXPECT_EQ(profile["computed"]["last_order_at"], "2026-11-02T08:05:00.000Z");
  EXPECT_EQ(profile["computed"]["top_categories"], nlohmann::json::array({"shoes"}));
  EXPECT_EQ(profile["computed"]["channels"], nlohmann::json::array({"web", "app", "server"}));
  EXPECT_EQ(profile["consent"], nlohmann::json::object());
  EXPECT_EQ(profile["segments"], nlohmann::json::array());
  std::set<std::string> identities;
  for (const auto& i : profile["identities"]) identities.insert(i["type"].get<std::string>() + ":" + i["value"].get<std::string>());
  EXPECT_TRUE(identities.count("email:jane.doe@example.com"));
  EXPECT_TRUE(identities.count("phone:+821012345678"));
  EXPECT_TRUE(identities.count("device_id:ios-device-9"));

  // Timeline: newest first, every message once, cursor pagination.
  auto page1 = Get("/v1/profiles/" + Ref("user_id", "jane-1") + "/events?limit=4");
  ASSERT_EQ(page1.status, 200) << page1.body;
  auto events = page1.json()["events"];
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0]["messageId"], "m7");
  EXPECT_EQ(events[1]["messageId"], "m6");
  ASSERT_TRUE(page1.json()["next_cursor"].is_string());
  auto page2 = Get("/v1/profiles/" + Ref("user_id", "jane-1") + "/events?limit=4&cursor=" +
                   page1.json()["next_cursor"].get<std::string>());
  ASSERT_EQ(page2.status, 200) << page2.body;
  auto events2 = page2.json()["events"];
  ASSERT_EQ(events2.size(), 3u);
  EXPECT_EQ(events2[2]["messageId"], "m1");
  EXPECT_TRUE(page2.json()["next_cursor"].is_null());
  auto web_only = Get("/v1/profiles/" + Ref("user_id", "jane-1") + "/events?channel=web");
  EXPECT_EQ(web_only.json()["events"].size(), 3u);

  auto ids = Get("/v1/profiles/" + Ref("user_id", "jane-1") + "/identities");
  ASSERT_EQ(ids.status, 200);
  EXPECT_EQ(ids.json()["identities"].size(), profile["identities"].size());
  auto traits = Get("/v1/profiles/" + Ref("user_id", "jane-1") + "/traits");
  ASSERT_EQ(traits.status, 200);
  EXPECT_EQ(traits.json()["traits"]["email"], " Jane.Doe@Example.com");
}

TEST_F(SegmentFlow, RetriedMessageIsStoredOnce) {
  nlohmann::json batch = {{"batch",
                           {{{"type", "track"}, {"userId", "r1"}, {"event", "E"}, {"messageId", "same"}}}}};
  ASSERT_EQ(Post("/v1/batch", batch).status, 200);
  ASSERT_EQ(Post("/v1/batch", batch).status, 200);
  auto events = Get("/v1/profiles/user_id%3Ar1/events");
  ASSERT_EQ(events.status, 200);
  EXPECT_EQ(events.json()["events"].size(), 1u);
}

// SPEC §3: idempotency is per write key. The same messageId sent with
// another key is another message; retried with either key, it stays one each.
TEST_F(SegmentFlow, SameMessageIdUnderAnotherWriteKeyIsAnotherMessage) {
  auto created = client_.Request("POST", "/v1/keys", R"({"scope":"write"})", {{"Authorization", Bearer(kAdminKey)}});
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string other_key = created.json()["key"];
  nlohmann::json batch = {{"batch",
                           {{{"type", "track"}, {"userId", "wk-dup"}, {"event", "E"}, {"messageId", "shared-id"}}}}};
  auto first = Post("/v1/batch", batch);
  ASSERT_EQ(first.status, 200) << first.body;
  auto other = client_.Request("POST", "/v1/batch", batch.dump(), {{"Authorization", BasicAuth(other_key)}});
  ASSERT_EQ(other.status, 200) << other.body;
  ASSERT_EQ(Post("/v1/batch", batch).status, 200);
  ASSERT_EQ(client_.Request("POST", "/v1/batch", batch.dump(), {{"Authorization", BasicAuth(other_key)}}).status, 200);
  auto events = Get("/v1/profiles/user_id%3Awk-dup/events");
  ASSERT_EQ(events.status, 200) << events.body;
  EXPECT_EQ(events.json()["events"].size(), 2u) << events.body;
}

TEST_F(SegmentFlow, GzipBodyWithFormContentTypeAsRudderStackSendsIt) {
  nlohmann::json batch = {{"batch", {{{"type", "identify"}, {"userId", "gz-1"}, {"messageId", "g1"},
                                      {"originalTimestamp", "2026-11-22T10:58:02.267Z"},
                                      {"context", {{"traits", {{"email", "gz@example.com"}}}}}}}},
                          {"sentAt", "2026-11-22T10:58:02.267Z"}};
  auto r = client_.Request("POST", "/v1/batch", Gzip(batch.dump()),
                           {{"Authorization", BasicAuth(kWriteKey)},
                            {"Content-Type", "application/x-www-form-urlencoded"},
                            {"Content-Encoding", "gzip"}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto p = Get("/v1/profiles/email%3Agz%40example.com");
  ASSERT_EQ(p.status, 200) << p.body;
}

TEST_F(SegmentFlow, WriteKeyInBodyIsAccepted) {
  nlohmann::json batch = {{"batch", {{{"type", "track"}, {"userId", "wk-1"}, {"event", "E"}}}},
                          {"writeKey", kWriteKey}};
  auto r = client_.Request("POST", "/v1/batch", batch.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  batch["writeKey"] = "nope-not-a-key";
  EXPECT_EQ(client_.Request("POST", "/v1/batch", batch.dump()).status, 401);
}

}  // namespace
}  // namespace seam::testing
