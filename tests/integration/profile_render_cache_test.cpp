// GET /v1/profiles/{ref} answers from rendered text kept per profile; these
// tests hold it to what a user relies on: an answer read after a write that
// changed the profile is never the old one.
#include <gtest/gtest.h>

#include <cstdio>
#include <set>
#include <string>

#include "support/test_client.h"
#include "support/test_server.h"

namespace seam::testing {
namespace {

class ProfileRenderCache : public ::testing::TestWithParam<int> {
 protected:
  HttpResult Post(const std::string& path, const nlohmann::json& body) {
    return client_.Request("POST", path, body.dump(), {{"Authorization", BasicAuth(kWriteKey)}});
  }
  nlohmann::json Profile(const std::string& ref) {
    auto r = client_.Request("GET", "/v1/profiles/" + PathRef(ref), "", {{"Authorization", Bearer(kReadKey)}});
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? r.json() : nlohmann::json();
  }
  int message_ = 0;
  std::string NextId() { return "msg-" + std::to_string(++message_); }

  // The parameter is profile.render_cache_mb: with the cache and without it
  // the answers must be the same.
  TestServer server_{[](Config& c) {
    c.render_cache_mb = GetParam();
    c.quarantine_fanout = 3;
  }};
  TestClient client_{server_.port()};
};

TEST_P(ProfileRenderCache, EveryReadAfterAWriteSeesTheWrite) {
  for (int i = 0; i < 25; ++i) {
    // A later time each round: the most recent statement of a trait wins.
    char ts[32];
    std::snprintf(ts, sizeof ts, "2026-11-01T10:%02d:00Z", i);
    auto r = Post("/v1/identify", {{"userId", "u-1"}, {"messageId", NextId()}, {"timestamp", ts},
                                   {"traits", {{"visits", i}}}});
    ASSERT_EQ(r.status, 200) << r.body;
    // Read twice: the second read is the one a kept rendering would answer.
    EXPECT_EQ(Profile("user_id:u-1")["traits"]["visits"], i);
    EXPECT_EQ(Profile("user_id:u-1")["traits"]["visits"], i);
  }
}

TEST_P(ProfileRenderCache, ComputedTraitsFollowNewEvents) {
  ASSERT_EQ(Post("/v1/identify", {{"userId", "u-2"}, {"messageId", NextId()}}).status, 200);
  const auto before = Profile("user_id:u-2");
  for (int i = 1; i <= 3; ++i) {
    auto r = Post("/v1/track", {{"userId", "u-2"}, {"event", "Order Completed"}, {"messageId", NextId()},
                                {"properties", {{"order_id", "o-" + std::to_string(i)}, {"revenue", 1000}}}});
    ASSERT_EQ(r.status, 200) << r.body;
    const auto now = Profile("user_id:u-2");
    EXPECT_EQ(now["profile_id"], before["profile_id"]);
    EXPECT_EQ(now["computed"]["orders"], i) << now.dump();
  }
}

TEST_P(ProfileRenderCache, AMergeIsSeenThroughEveryIdentifier) {
  ASSERT_EQ(Post("/v1/track", {{"anonymousId", "cookie-7"}, {"event", "Viewed"}, {"messageId", NextId()}}).status,
            200);
  ASSERT_EQ(Post("/v1/identify", {{"userId", "u-3"}, {"messageId", NextId()}, {"traits", {{"email", "x@y.kr"}}}})
                .status,
            200);
  const auto anon = Profile("anonymous_id:cookie-7");
  const auto user = Profile("email:x@y.kr");
  ASSERT_NE(anon["profile_id"], user["profile_id"]);
  // Both ids are read (and kept) while they are live.
  EXPECT_EQ(Profile("profile_id:" + anon["profile_id"].get<std::string>()), anon);
  EXPECT_EQ(Profile("profile_id:" + user["profile_id"].get<std::string>()), user);

  // The cookie logs in: both renderings kept above describe profiles that
  // changed.
  ASSERT_EQ(Post("/v1/identify", {{"userId", "u-3"}, {"anonymousId", "cookie-7"}, {"messageId", NextId()}}).status,
            200);
  const auto via_cookie = Profile("anonymous_id:cookie-7");
  const auto via_email = Profile("email:x@y.kr");
  EXPECT_EQ(via_cookie["profile_id"], via_email["profile_id"]);
  EXPECT_EQ(via_cookie, via_email);
  std::set<std::string> types;
  for (const auto& id : via_cookie["identities"]) types.insert(id["type"].get<std::string>());
  EXPECT_EQ(types, (std::set<std::string>{"anonymous_id", "email", "user_id"}));
  // The retired id resolves to the same answer too.
  for (const auto& retired : {anon["profile_id"], user["profile_id"]}) {
    if (retired != via_cookie["profile_id"]) {
      EXPECT_EQ(Profile("profile_id:" + retired.get<std::string>()), via_cookie);
    }
  }
}

TEST_P(ProfileRenderCache, AValueQuarantinedAfterItWasReadStopsNamingAProfile) {
  ASSERT_EQ(Post("/v1/identify", {{"userId", "q-1"}, {"messageId", NextId()}, {"traits", {{"phone", "010-5555-0001"}}}})
                .status,
            200);
  EXPECT_EQ(Profile("phone:01055550001")["profile_id"], Profile("user_id:q-1")["profile_id"]);
  // A store's default phone typed for more people than the fan-out limit.
  for (int i = 2; i <= 5; ++i)
    ASSERT_EQ(Post("/v1/identify", {{"userId", "q-" + std::to_string(i)},
                                    {"messageId", NextId()},
                                    {"traits", {{"phone", "010-5555-0001"}}}})
                  .status,
              200);
  auto r = client_.Request("GET", "/v1/profiles/" + PathRef("phone:01055550001"), "",
                           {{"Authorization", Bearer(kReadKey)}});
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_NE(r.body.find("quarantined"), std::string::npos) << r.body;
  // The first person keeps a profile of their own.
  EXPECT_NE(Profile("user_id:q-1")["profile_id"], Profile("user_id:q-2")["profile_id"]);
}

TEST_P(ProfileRenderCache, SpellingsOfOneValueShareAnAnswerAndItsUpdates) {
  ASSERT_EQ(Post("/v1/identify", {{"userId", "s-1"}, {"messageId", NextId()}, {"traits", {{"phone", "010-7777-0002"}}}})
                .status,
            200);
  const auto a = Profile("phone:010-7777-0002");
  EXPECT_EQ(Profile("phone:+821077770002"), a);
  ASSERT_EQ(Post("/v1/identify", {{"userId", "s-1"}, {"messageId", NextId()}, {"traits", {{"plan", "gold"}}}}).status,
            200);
  EXPECT_EQ(Profile("phone:01077770002")["traits"]["plan"], "gold");
  EXPECT_EQ(Profile("phone:010-7777-0002")["traits"]["plan"], "gold");
}

std::string CacheName(const ::testing::TestParamInfo<int>& p) { return p.param ? "Cached" : "Uncached"; }

INSTANTIATE_TEST_SUITE_P(CacheOnAndOff, ProfileRenderCache, ::testing::Values(32, 0), CacheName);

}  // namespace
}  // namespace seam::testing
