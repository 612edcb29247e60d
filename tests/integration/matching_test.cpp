// Probabilistic matching through the public API (SPEC §5-§6): links by
// score, explain, review decisions, manual merge and split that later data
// does not undo, quarantine and release, model snapshots, and a correction
// that splits a profile joined by score.
#include <algorithm>
#include <functional>
#include <map>
#include <vector>

#include <gtest/gtest.h>

#include "support/test_client.h"
#include "support/test_server.h"

namespace seam::testing {
namespace {

std::string Ref(const std::string& ref) { return PathRef(ref); }

class Matching : public ::testing::Test {
 protected:
  explicit Matching(TestServer::Tweak tweak = {}) : server_(std::move(tweak)), client_(server_.port()) {}
  HttpResult Customers(const std::string& csv) {
    return client_.Request("POST", "/v1/imports/customers", csv, {{"Authorization", BasicAuth(kWriteKey)}});
  }
  HttpResult Admin(const std::string& method, const std::string& target, const nlohmann::json& body = nullptr) {
    return client_.Request(method, target, body.is_null() ? "" : body.dump(), {{"Authorization", Bearer(kAdminKey)}});
  }
  HttpResult Read(const std::string& target) {
    return client_.Request("GET", target, "", {{"Authorization", Bearer(kReadKey)}});
  }
  std::string Pid(const std::string& ref) {
    auto r = Read("/v1/profiles/" + Ref(ref));
    EXPECT_EQ(r.status, 200) << ref << " " << r.body;
    return r.json().value("profile_id", "");
  }
  // Walks GET /v1/review with `limit` per page and returns every id in the
  // order given; `between(page)` runs after each page but the last.
  std::vector<std::string> WalkReview(std::size_t limit, const std::function<void(int page, const std::string& cursor)>& between = {}) {
    std::vector<std::string> ids;
    std::string cursor;
    for (int page = 0; page < 200; ++page) {
      std::string target = "/v1/review?limit=" + std::to_string(limit);
      if (!cursor.empty()) target += "&cursor=" + cursor;
      auto r = Admin("GET", target);
      EXPECT_EQ(r.status, 200) << r.body;
      const auto j = r.json();
      EXPECT_LE(j["items"].size(), limit);
      for (const auto& item : j["items"]) ids.push_back(item["id"]);
      if (!j["next_cursor"].is_string()) return ids;
      cursor = j["next_cursor"];
      if (between) between(page, cursor);
    }
    ADD_FAILURE() << "the review walk did not end";
    return ids;
  }
  TestServer server_;
  TestClient client_;
};

// Customer rows in groups of three that share a name and a city and nothing
// else: every pair within a group is a possible match (not a match), so the
// smallest attribute node of a group holds two pending pairs and a page can
// end between them.
std::string ReviewGroups(int first, int count) {
  // Common surnames keep each pair's probability well inside the review
  // band of the default model (0.64-0.82; [0.5, 0.95) is the band).
  static const char* kNames[] = {"김민준", "이서준", "박지호", "김도윤", "이지우", "박서연"};
  static const char* kCities[] = {"서울", "부산", "대구", "서울", "부산", "대구"};
  std::string csv = "customer_id,name,city\n";
  for (int g = first; g < first + count; ++g)
    for (int i = 0; i < 3; ++i)
      csv += "G" + std::to_string(g) + "-" + std::to_string(i) + "," + kNames[g] + "," + kCities[g] + "\n";
  return csv;
}

std::map<std::string, int> Counts(const std::vector<std::string>& ids) {
  std::map<std::string, int> n;
  for (const auto& id : ids) n[id] += 1;
  return n;
}

const char* kTwoRows =
    "customer_id,name,birth_date,phone,address,postal_code\n"
    "C1,김민수,1990-01-02,010-1111-2222,서울 강남구 테헤란로 1,06236\n"
    "C2,김 민수,1990-01-02,010-1111-2223,서울 강남구 테헤란로 1,06236\n";

TEST_F(Matching, RowsWithoutASharedKeyJoinByScoreAndExplainSaysWhy) {
  ASSERT_EQ(Customers(kTwoRows).status, 200);
  EXPECT_EQ(Pid("customer_id:C1"), Pid("customer_id:C2"));
  auto r = Read("/v1/profiles/" + Ref("customer_id:C2") + "/explain");
  ASSERT_EQ(r.status, 200) << r.body;
  auto e = r.json();
  bool probabilistic = false;
  for (const auto& l : e["links"]) {
    if (l["kind"] != "probabilistic") continue;
    probabilistic = true;
    EXPECT_GE(l["probability"].get<double>(), 0.95);
    EXPECT_EQ(l["from"]["type"], "attributes");
    bool birth_date = false;
    for (const auto& f : l["fields"]) birth_date = birth_date || (f["field"] == "birth_date" && f["level"] == "exact");
    EXPECT_TRUE(birth_date) << l.dump();
  }
  EXPECT_TRUE(probabilistic) << e.dump();
  // Attribute nodes are no identifiers: the profile lists none.
  const auto profile = Read("/v1/profiles/" + Ref("customer_id:C1")).json();
  for (const auto& id : profile["identities"]) EXPECT_NE(id["type"], "attrs");
  EXPECT_EQ(Read("/v1/profiles/" + Ref("customer_id:nope") + "/explain").status, 404);
}

TEST_F(Matching, PossibleMatchesWaitForReviewAndTheDecisionHolds) {
  ASSERT_EQ(Customers("customer_id,name,city\nW1,강다니엘,서울\nW2,강다니엘,서울\nX1,정하늘,부산\nX2,정하늘,부산\n").status,
            200);
  EXPECT_NE(Pid("customer_id:W1"), Pid("customer_id:W2")) << "a possible match is not a match";
  auto review = Admin("GET", "/v1/review").json();
  ASSERT_EQ(review["items"].size(), 2u) << review.dump();
  std::string merge_id, apart_id;
  for (const auto& item : review["items"]) {
    EXPECT_LT(item["probability"].get<double>(), 0.95);
    EXPECT_GE(item["probability"].get<double>(), 0.5);
    const auto p = item["profiles"];
    (p[0] == Pid("customer_id:W1") || p[1] == Pid("customer_id:W1") ? merge_id : apart_id) = item["id"];
  }
  ASSERT_FALSE(merge_id.empty());
  ASSERT_FALSE(apart_id.empty());
  EXPECT_EQ(Admin("POST", "/v1/review/" + merge_id, {{"decision", "merge"}}).status, 200);
  EXPECT_EQ(Admin("POST", "/v1/review/" + apart_id, {{"decision", "keep_apart"}}).status, 200);
  EXPECT_EQ(Pid("customer_id:W1"), Pid("customer_id:W2"));
  EXPECT_NE(Pid("customer_id:X1"), Pid("customer_id:X2"));
  EXPECT_EQ(Admin("GET", "/v1/review").json()["items"].size(), 0u) << "decided pairs leave the queue";
  EXPECT_EQ(Admin("POST", "/v1/review/" + merge_id, {{"decision", "maybe"}}).status, 400);
  EXPECT_EQ(Admin("POST", "/v1/review/zz-zz", {{"decision", "merge"}}).status, 404);
  EXPECT_EQ(client_.Request("GET", "/v1/review", "", {{"Authorization", Bearer(kReadKey)}}).status, 403);
}

TEST_F(Matching, ReviewPagesListEveryItemOnceInIdOrder) {
  ASSERT_EQ(Customers(ReviewGroups(0, 4)).status, 200);
  const auto whole = Admin("GET", "/v1/review?limit=1000").json();
  std::vector<std::string> all;
  for (const auto& item : whole["items"]) all.push_back(item["id"]);
  ASSERT_EQ(all.size(), 12u) << "three pairs per group: " << whole.dump();
  EXPECT_TRUE(whole["next_cursor"].is_null());
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end())) << "the documented order: by id";
  // Pages of every size, those ending between two pairs of one record
  // included, list each item exactly once and in the same order.
  for (std::size_t limit : {1, 2, 3, 5, 11, 12, 13}) EXPECT_EQ(WalkReview(limit), all) << "limit " << limit;
  EXPECT_EQ(Admin("GET", "/v1/review?cursor=zz").status, 400);
  EXPECT_EQ(Admin("GET", "/v1/review?cursor=" + all[0].substr(0, all[0].find('-'))).status, 400)
      << "a cursor is an item id";
  EXPECT_EQ(Admin("GET", "/v1/review?limit=0").status, 400);
}

TEST_F(Matching, ReviewPagingSkipsNothingWhenItemsAreDecidedOrAddedBetweenPages) {
  ASSERT_EQ(Customers(ReviewGroups(0, 4)).status, 200);
  std::vector<std::string> all;
  const auto whole = Admin("GET", "/v1/review?limit=1000").json();
  for (const auto& item : whole["items"]) all.push_back(item["id"]);
  ASSERT_EQ(all.size(), 12u) << whole.dump();
  const std::string later = all[7];  // decided before its page comes
  std::vector<std::string> added_after;  // items added after the cursor of their time
  const auto seen = WalkReview(2, [&](int page, const std::string& cursor) {
    if (page == 0) {
      // The item the cursor names is merged, one not yet listed is kept apart.
      EXPECT_EQ(Admin("POST", "/v1/review/" + cursor, {{"decision", "merge"}}).status, 200);
      EXPECT_EQ(Admin("POST", "/v1/review/" + later, {{"decision", "keep_apart"}}).status, 200);
    }
    if (page == 1) {
      // New possible matches arrive; those past the cursor belong to this walk.
      EXPECT_EQ(Customers(ReviewGroups(4, 1)).status, 200);
      const auto now = Admin("GET", "/v1/review?limit=1000").json();
      for (const auto& item : now["items"])
        if (std::find(all.begin(), all.end(), item["id"]) == all.end() && item["id"].get<std::string>() > cursor)
          added_after.push_back(item["id"]);
    }
  });
  const auto counts = Counts(seen);
  for (const auto& [id, n] : counts) EXPECT_EQ(n, 1) << id << " listed more than once";
  for (const auto& id : all) EXPECT_EQ(counts.count(id), id == later ? 0u : 1u) << id;
  for (const auto& id : added_after) EXPECT_EQ(counts.count(id), 1u) << "added past the cursor: " << id;
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
}

TEST_F(Matching, ManualMergeAndSplitAreEvidenceLaterDataDoesNotUndo) {
  ASSERT_EQ(Customers("customer_id,email\nA1,a@x.com\nB1,b@x.com\n").status, 200);
  auto merged = Admin("POST", "/v1/profiles/merge", {{"refs", {"email:a@x.com", "customer_id:B1"}}, {"note", "same"}});
  ASSERT_EQ(merged.status, 200) << merged.body;
  EXPECT_EQ(Pid("email:a@x.com"), Pid("email:b@x.com"));

  // A record tying an email to a user, then an admin splits the email off.
  auto id = client_.Request("POST", "/v1/identify", nlohmann::json{{"userId", "u9"}, {"traits", {{"email", "s@x.com"}}}}.dump(),
                            {{"Authorization", BasicAuth(kWriteKey)}});
  ASSERT_EQ(id.status, 200);
  EXPECT_EQ(Pid("user_id:u9"), Pid("email:s@x.com"));
  auto split = Admin("POST", "/v1/profiles/" + Ref("user_id:u9") + "/split", {{"identity", "email:s@x.com"}});
  ASSERT_EQ(split.status, 200) << split.body;
  EXPECT_NE(Pid("user_id:u9"), Pid("email:s@x.com"));
  // The same pairing arrives again: the decision stands.
  id = client_.Request("POST", "/v1/identify",
                       nlohmann::json{{"userId", "u9"}, {"traits", {{"email", "s@x.com"}}}, {"messageId", "again"}}.dump(),
                       {{"Authorization", BasicAuth(kWriteKey)}});
  ASSERT_EQ(id.status, 200);
  EXPECT_NE(Pid("user_id:u9"), Pid("email:s@x.com"));
  // The explain view shows the refusal.
  bool refused = false;
  const auto explained = Read("/v1/profiles/" + Ref("user_id:u9") + "/explain").json();
  for (const auto& l : explained["refused"]) refused = refused || l["reason"] == "kept apart by an admin";
  EXPECT_TRUE(refused) << explained.dump();
  EXPECT_EQ(Admin("POST", "/v1/profiles/" + Ref("user_id:u9") + "/split", {{"identity", "email:a@x.com"}}).status, 409);
  EXPECT_EQ(Admin("POST", "/v1/profiles/merge", {{"refs", {"email:a@x.com"}}}).status, 400);
}

TEST_F(Matching, ACorrectionSplitsAProfileJoinedByScore) {
  ASSERT_EQ(Customers(kTwoRows).status, 200);
  ASSERT_EQ(Pid("customer_id:C1"), Pid("customer_id:C2"));
  auto r = Customers(
      "customer_id,name,birth_date,phone,address,postal_code\n"
      "C2,박지영,1985-03-04,010-1111-2223,부산 해운대구 해운대로 77,48058\n");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.json()["updated"], 1);
  EXPECT_NE(Pid("customer_id:C1"), Pid("customer_id:C2"));
}

TEST_F(Matching, TrainingStoresAVersionedSnapshotAndActivatingItReevaluates) {
  std::string csv = "customer_id,first_name,last_name,birth_date,city\n";
  const char* first[] = {"minsu", "jiyoung", "seojun", "hana", "doyun", "yuna", "jihoon", "sora", "taeyang", "eunji",
                         "hyunwoo", "nari", "junho", "bora", "sungmin", "dahye", "kyungsoo", "mina", "woojin", "yerin"};
  const char* last[] = {"kim", "lee", "park", "choi", "jung", "kang", "cho", "yoon", "jang", "lim",
                        "han", "oh", "seo", "shin", "kwon", "hwang", "ahn", "song", "ryu", "hong"};
  const char* cities[] = {"seoul", "busan", "incheon", "daegu", "daejeon", "gwangju", "ulsan", "suwon"};
  for (int i = 0; i < 400; ++i) {
    const std::string f = first[i % 20], l = last[(i / 20) % 20];
    const std::string dob = std::to_string(1950 + i % 50) + "-" + (i % 12 < 9 ? "0" : "") + std::to_string(1 + i % 12) +
                            "-" + std::to_string(10 + i % 18);
    const std::string row = "," + f + "," + l + "," + dob + "," + cities[i % 8] + "\n";
    csv += "P" + std::to_string(i) + row;
    if (i % 4 == 0) csv += "D" + std::to_string(i) + row;  // the same person in another system
  }
  ASSERT_EQ(Customers(csv).status, 200);
  auto before = Admin("GET", "/v1/model").json();
  auto trained = Admin("POST", "/v1/model/train");
  ASSERT_EQ(trained.status, 200) << trained.body;
  const std::string version = trained.json()["version"];
  EXPECT_EQ(trained.json()["activated"], true);
  EXPECT_GT(trained.json()["reevaluated"].get<int>(), 400);
  auto now = Admin("GET", "/v1/model").json();
  EXPECT_EQ(now["active"], version);
  EXPECT_NE(now["active"], before["active"]);
  EXPECT_EQ(now["snapshots"].size(), 2u) << "the default and the trained one, kept as evidence";
  EXPECT_EQ(Pid("customer_id:P0"), Pid("customer_id:D0"))
      << "duplicates still join " << Read("/v1/profiles/" + Ref("customer_id:P0") + "/explain").body;
  // Back to the default snapshot: re-evaluated again.
  auto back = Admin("POST", "/v1/model/activate", {{"version", before["active"]}});
  ASSERT_EQ(back.status, 200) << back.body;
  EXPECT_EQ(Admin("GET", "/v1/model").json()["active"], before["active"]);
  EXPECT_EQ(Admin("POST", "/v1/model/activate", {{"version", "fs1-nope"}}).status, 404);
  server_.Restart();
  TestClient again(server_.port());
  EXPECT_EQ(again.Request("GET", "/v1/model", "", {{"Authorization", Bearer(kAdminKey)}}).json()["active"],
            before["active"])
      << "the active snapshot survives a restart";
}

class MatchingQuarantine : public Matching {
 protected:
  MatchingQuarantine() : Matching([](Config& c) { c.quarantine_fanout = 3; }) {}
};

TEST_F(MatchingQuarantine, AKioskSeenWithManyUsersIsQuarantinedAndCanBeReleased) {
  for (int i = 0; i < 5; ++i) {
    auto r = client_.Request("POST", "/v1/track",
                             nlohmann::json{{"userId", "u" + std::to_string(i)},
                                            {"event", "Kiosk Used"},
                                            {"context", {{"device", {{"id", "kiosk-1"}}}}}}
                                 .dump(),
                             {{"Authorization", BasicAuth(kWriteKey)}});
    ASSERT_EQ(r.status, 200);
  }
  std::set<std::string> users;
  for (int i = 0; i < 5; ++i) users.insert(Pid("user_id:u" + std::to_string(i)));
  EXPECT_EQ(users.size(), 5u) << "no two users glued by the kiosk";
  auto q = Admin("GET", "/v1/quarantine").json();
  ASSERT_EQ(q["items"].size(), 1u) << q.dump();
  EXPECT_EQ(q["items"][0]["type"], "device_id");
  EXPECT_EQ(q["items"][0]["value"], "kiosk-1");
  EXPECT_NE(q["items"][0]["reason"].get<std::string>().find("user_id"), std::string::npos);
  // A quarantined value is no key: a lookup by it says so instead of
  // answering with a profile.
  auto by_kiosk = client_.Request("GET", "/v1/profiles/" + Ref("device_id:kiosk-1"), "",
                                  {{"Authorization", "Bearer " + std::string(kReadKey)}});
  EXPECT_EQ(by_kiosk.status, 404) << by_kiosk.body;
  EXPECT_EQ(nlohmann::json::parse(by_kiosk.body, nullptr, false).value("/error/code"_json_pointer, ""), "quarantined")
      << by_kiosk.body;
  // Released by an admin: it links again (here: the users it was seen with
  // stay apart by their own limit, user_id 1 per profile).
  auto released = Admin("DELETE", "/v1/quarantine/" + Ref("device_id:kiosk-1"));
  EXPECT_EQ(released.status, 200) << released.body;
  EXPECT_EQ(Admin("GET", "/v1/quarantine").json()["items"].size(), 0u);
  EXPECT_EQ(Admin("DELETE", "/v1/quarantine/" + Ref("device_id:kiosk-1")).status, 200) << "a second release is a no-op";
  EXPECT_EQ(Admin("DELETE", "/v1/quarantine/" + Ref("user_id:u0")).status, 404)
      << "a value that is not quarantined is not silently exempted from quarantine";
  // The device joins one user again (the first in canonical order); the
  // others stay apart by their own limit (user_id 1 per profile).
  std::set<std::string> now;
  for (int i = 0; i < 5; ++i) now.insert(Pid("user_id:u" + std::to_string(i)));
  EXPECT_EQ(now.size(), 5u);
  EXPECT_EQ(now.count(Pid("device_id:kiosk-1")), 1u);
}

}  // namespace
}  // namespace seam::testing
