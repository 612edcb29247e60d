// SPEC §8: every bad input gets a clear JSON error with the right status, the
// server stays up, and nothing accepted before is lost.
#include <thread>

#include <gtest/gtest.h>

#include "support/test_client.h"
#include "support/test_server.h"

namespace seam::testing {
namespace {

class BadInput : public ::testing::Test {
 protected:
  BadInput()
      : server_([](Config& c) {
          c.max_body_bytes = 64 * 1024;
          c.max_inflated_bytes = 256 * 1024;
          c.max_message_bytes = 8 * 1024;
          c.max_batch_messages = 50;
          c.header_timeout_ms = 500;
          c.body_timeout_ms = 500;
        }) {}

  HttpResult Ingest(const std::string& path, const std::string& body,
                    std::map<std::string, std::string> extra = {}) {
    extra["Authorization"] = BasicAuth(kWriteKey);
    return client_.Request("POST", path, body, extra);
  }
  static void ExpectError(const HttpResult& r, int status, const std::string& code) {
    EXPECT_EQ(r.status, status) << r.body;
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    ASSERT_TRUE(j.is_object()) << "error body is not JSON: " << r.body;
    EXPECT_EQ(j["error"]["code"], code) << r.body;
    EXPECT_TRUE(j["error"]["message"].is_string());
  }
  // The message stored before the bad input is still there afterwards.
  void StoreCanary() {
    auto r = Ingest("/v1/track", R"({"userId":"canary","event":"Kept","messageId":"canary-1"})");
    ASSERT_EQ(r.status, 200) << r.body;
  }
  void ExpectCanaryAndServerUp() {
    TestClient fresh(server_.port());
    auto r = fresh.Request("GET", "/v1/profiles/user_id%3Acanary/events", "", {{"Authorization", Bearer(kReadKey)}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json()["events"].size(), 1u);
  }

  TestServer server_;
  TestClient client_{server_.port()};
};

TEST_F(BadInput, MalformedJson) {
  StoreCanary();
  ExpectError(Ingest("/v1/batch", "{\"batch\":[{\"type\":"), 400, "invalid_json");
  ExpectError(Ingest("/v1/track", "null"), 400, "invalid_json");
  ExpectError(Ingest("/v1/track", ""), 400, "invalid_json");
  ExpectCanaryAndServerUp();
}

TEST_F(BadInput, WrongTypes) {
  ExpectError(Ingest("/v1/track", R"({"userId":["a"],"event":"E"})"), 400, "invalid_field");
  ExpectError(Ingest("/v1/track", R"({"userId":"u","event":"E","properties":[1]})"), 400, "invalid_field");
  ExpectError(Ingest("/v1/batch", R"({"batch":"nope"})"), 400, "invalid_batch");
  ExpectError(Ingest("/v1/identify", R"({"userId":"u","timestamp":12})"), 400, "invalid_timestamp");
}

TEST_F(BadInput, InvalidUtf8) {
  StoreCanary();
  ExpectError(Ingest("/v1/track", "{\"userId\":\"u\xc3\x28\",\"event\":\"E\"}"), 400, "invalid_utf8");
  ExpectCanaryAndServerUp();
}

TEST_F(BadInput, DeepNesting) {
  std::string deep;
  for (int i = 0; i < 70; ++i) deep += "{\"a\":";
  deep += "1" + std::string(70, '}');
  ExpectError(Ingest("/v1/track", R"({"userId":"u","event":"E","properties":)" + deep + "}"), 400, "too_deep");
  // In a batch the deep message alone is rejected, in a 200 report.
  auto r = Ingest("/v1/batch", R"({"batch":[{"type":"track","userId":"d","event":"E","properties":)" + deep +
                                   R"(},{"type":"track","userId":"d","event":"Fine"}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["accepted"], 1);
  EXPECT_EQ(r.json()["rejected"][0]["index"], 0);
  EXPECT_EQ(r.json()["rejected"][0]["code"], "too_deep");
  // Deeper than the parser goes at all: the request is refused as a whole.
  std::string abyss = std::string(5000, '[') + std::string(5000, ']');
  ExpectError(Ingest("/v1/batch", abyss), 400, "too_deep");
}

TEST_F(BadInput, OversizeMessageInBatchIsRejectedInTheReportNot413) {
  const std::string big(9 * 1024, 'x');
  auto r = Ingest("/v1/batch", R"({"batch":[{"type":"track","userId":"o","event":"E","properties":{"b":")" + big +
                                   R"("}},{"type":"track","userId":"o","event":"Small"}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["accepted"], 1);
  EXPECT_EQ(r.json()["rejected"][0]["code"], "message_too_large");
  ExpectError(Ingest("/v1/track", R"({"userId":"o","event":"E","properties":{"b":")" + big + "\"}}"), 413,
              "message_too_large");
}

TEST_F(BadInput, TooManyMessagesInBatch) {
  std::string body = R"({"batch":[)";
  for (int i = 0; i < 51; ++i) body += std::string(i ? "," : "") + R"({"type":"track","userId":"u","event":"E"})";
  ExpectError(Ingest("/v1/batch", body + "]}"), 413, "batch_too_large");
}

TEST_F(BadInput, HugeBodyIs413WithoutReadingIt) {
  StoreCanary();
  // Announce 10 MB, send nothing: the answer comes from the header alone.
  std::string reply = RawExchange(server_.port(),
                                  "POST /v1/batch HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n"
                                  "Authorization: " + BasicAuth(kWriteKey) + "\r\n\r\n",
                                  std::chrono::milliseconds(2000));
  EXPECT_NE(reply.find("413"), std::string::npos) << reply;
  EXPECT_NE(reply.find("body_too_large"), std::string::npos) << reply;
  ExpectCanaryAndServerUp();
}

TEST_F(BadInput, GzipBombIsNeverInflated) {
  const std::string zeros(50 * 1024 * 1024, '0');  // 50 MB of zeros gzip to ~50 KB
  const std::string bomb = Gzip(zeros);
  ASSERT_LT(bomb.size(), 64u * 1024);
  ExpectError(Ingest("/v1/batch", bomb, {{"Content-Encoding", "gzip"}}), 413, "inflated_too_large");
  ExpectError(Ingest("/v1/batch", "not gzip at all", {{"Content-Encoding", "gzip"}}), 400, "bad_encoding");
}

TEST_F(BadInput, SlowAndTruncatedRequests) {
  StoreCanary();
  // Half a header, then silence past the header timeout.
  std::string reply = RawExchange(server_.port(), "POST /v1/track HTTP/1.1\r\nHost: x\r\nContent-Le",
                                  std::chrono::milliseconds(2000));
  EXPECT_TRUE(reply.empty() || reply.find("408") != std::string::npos) << reply;
  // A body shorter than announced, then the client goes away.
  RawExchange(server_.port(),
              "POST /v1/track HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\nAuthorization: " + BasicAuth(kWriteKey) +
                  "\r\n\r\n{\"userId\":\"trunc\"",
              std::chrono::milliseconds(100));
  ExpectCanaryAndServerUp();
  auto r = client_.Request("GET", "/v1/profiles/user_id%3Atrunc", "", {{"Authorization", Bearer(kReadKey)}});
  EXPECT_EQ(r.status, 404) << "a truncated request must not be stored";
}

TEST_F(BadInput, UnknownRoutesAndMethods) {
  auto r = client_.Request("GET", "/v1/nothing-here", "", {{"Authorization", Bearer(kReadKey)}});
  ExpectError(r, 404, "not_found");
  r = client_.Request("DELETE", "/v1/batch", "", {{"Authorization", BasicAuth(kWriteKey)}});
  ExpectError(r, 405, "method_not_allowed");
  r = client_.Request("GET", "/v1/profiles/no-colon-here", "", {{"Authorization", Bearer(kReadKey)}});
  ExpectError(r, 400, "invalid_ref");
  r = client_.Request("GET", "/v1/profiles/shoe_size%3A42", "", {{"Authorization", Bearer(kReadKey)}});
  ExpectError(r, 400, "unknown_identifier_type");
  r = client_.Request("GET", "/v1/profiles/email%3Anobody%40example.com", "", {{"Authorization", Bearer(kReadKey)}});
  ExpectError(r, 404, "profile_not_found");
  r = client_.Request("GET", "/v1/profiles/email%3Atest%40test.com", "", {{"Authorization", Bearer(kReadKey)}});
  ExpectError(r, 404, "blocklisted");
  r = client_.Request("GET", "/v1/profiles/user_id%3Acanary/events?limit=abc", "", {{"Authorization", Bearer(kReadKey)}});
  ExpectError(r, 400, "invalid_limit");
  r = client_.Request("GET", "/v1/profiles/user_id%3Acanary/events?cursor=zz", "", {{"Authorization", Bearer(kReadKey)}});
  ExpectError(r, 400, "invalid_cursor");
}

}  // namespace
}  // namespace seam::testing
