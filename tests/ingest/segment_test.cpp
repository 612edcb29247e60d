#include "ingest/segment.h"

#include <gtest/gtest.h>

namespace seam::ingest {
namespace {

class SegmentParserTest : public ::testing::Test {
 protected:
  SegmentParserTest() {
    auto loaded = LoadConfig({});
    config_ = *loaded;
    config_.max_message_bytes = 2048;
    config_.max_batch_messages = 10;
    config_.max_json_depth = 8;
    blocklist_ = std::make_unique<Blocklist>(config_.blocklist, normalizer_, config_.identifier_types);
    parser_ = std::make_unique<SegmentParser>(config_, normalizer_, *blocklist_);
  }
  Result<ParsedBatch> Batch(const std::string& body) { return parser_->Parse(body, "batch", "k1", kNow); }
  Result<ParsedBatch> Single(const std::string& type, const std::string& body) {
    return parser_->Parse(body, type, "k1", kNow);
  }
  static constexpr Micros kNow = 1'795'345'100'000'000;  // 2026-11-22T10:58:20Z
  Config config_;
  Normalizer normalizer_{"KR"};
  std::unique_ptr<Blocklist> blocklist_;
  std::unique_ptr<SegmentParser> parser_;
};

std::vector<std::string> Ids(const Record& r) {
  std::vector<std::string> out;
  for (const auto& i : r.identifiers) out.push_back(i.type + ":" + i.value);
  std::sort(out.begin(), out.end());
  return out;
}

TEST(DedupKey, IsAFixedSizeDigestOfKeyIdAndMessageId) {
  const std::string k = DedupKey("k1", "node-next-1733000000000-0b7c3a2e-1111");
  EXPECT_EQ(k.size(), 16u);
  EXPECT_EQ(k, DedupKey("k1", "node-next-1733000000000-0b7c3a2e-1111")) << "a retry must find its first delivery";
  EXPECT_NE(k, DedupKey("k2", "node-next-1733000000000-0b7c3a2e-1111")) << "idempotency is per write key";
  EXPECT_NE(k, DedupKey("k1", "node-next-1733000000000-0b7c3a2e-1112"));
  // The separator keeps the key id and the messageId apart.
  EXPECT_NE(DedupKey("k1", "2x"), DedupKey("k12", "x"));
  EXPECT_EQ(k.find("node-next"), std::string::npos) << "the messageId is not kept in clear";
}

TEST_F(SegmentParserTest, SegmentNodeBatchBecomesRecords) {
  // As @segment/analytics-node 3.1.0 sends it (sdk-wire-formats.md).
  auto r = Batch(R"({"batch":[
    {"timestamp":"2026-11-22T10:57:35.852Z","integrations":{},"type":"identify","userId":"u-1",
     "traits":{"email":"Jane.Doe@Example.com ","phone":"010-1234-5678","name":"Jane"},
     "context":{"library":{"name":"@segment/analytics-node","version":"3.1.0"}},
     "anonymousId":"anon-1","messageId":"node-next-1-a","_metadata":{"nodeVersion":"v20.20.2"}},
    {"timestamp":"2026-11-22T10:57:35.852Z","event":"Order Completed","type":"track",
     "properties":{"order_id":"o-1","revenue":39000,"currency":"KRW"},"userId":"u-1","messageId":"node-next-1-b"}],
    "writeKey":"wk","sentAt":"2026-11-22T10:57:35.855Z"})");
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->records.size(), 2u);
  EXPECT_TRUE(r->rejected.empty());
  EXPECT_EQ(r->write_key, "wk");
  const Record& id = r->records[0];
  EXPECT_EQ(Ids(id), (std::vector<std::string>{"anonymous_id:anon-1", "email:jane.doe@example.com",
                                               "phone:+821012345678", "user_id:u-1"}));
  EXPECT_EQ(id.traits["name"], "Jane");
  EXPECT_EQ(id.record_key, "seg:k1:node-next-1-a");
  EXPECT_EQ(id.occurred_at, *ParseIso8601("2026-11-22T10:57:35.852Z"));
  // Skew correction: receivedAt - (sentAt - timestamp) = now - 3 ms.
  EXPECT_EQ(id.display_at, kNow - 3000);
  EXPECT_EQ(id.channel, Channel::kServer);
  EXPECT_EQ(r->records[1].event, "Order Completed");
  EXPECT_EQ(r->records[1].properties["revenue"], 39000);
}

TEST_F(SegmentParserTest, RudderStackOriginalTimestampAndContextTraits) {
  auto r = Batch(R"({"batch":[{"userId":"u-1","anonymousId":"anon-1",
    "context":{"traits":{"email":"a@b.co"},"library":{"name":"analytics-node"}},"type":"identify",
    "channel":"server","originalTimestamp":"2026-11-22T10:58:02.267Z","messageId":"4b2b",
    "sentAt":"2026-11-22T10:58:02.267Z"}],"timestamp":"2026-11-22T10:58:02.267Z","sentAt":"2026-11-22T10:58:02.267Z"})");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->records.size(), 1u);
  EXPECT_EQ(r->records[0].occurred_at, *ParseIso8601("2026-11-22T10:58:02.267Z"));
  EXPECT_EQ(r->records[0].display_at, kNow);
  EXPECT_EQ(Ids(r->records[0]),
            (std::vector<std::string>{"anonymous_id:anon-1", "email:a@b.co", "user_id:u-1"}));
}

TEST_F(SegmentParserTest, BadMessagesAreRejectedOneByOne) {
  std::string deep = "{\"a\":";
  for (int i = 0; i < 10; ++i) deep += "{\"a\":";
  deep += "1";
  for (int i = 0; i < 11; ++i) deep += "}";
  const std::string big(3000, 'x');
  auto r = Batch(R"({"batch":[
      {"type":"track","userId":"ok","event":"E"},
      "not an object",
      {"type":"track","event":"E"},
      {"type":"track","userId":{"x":1},"event":"E"},
      {"type":"teleport","userId":"u"},
      {"type":"track","userId":"u"},
      {"type":"track","userId":"u","event":"E","timestamp":"yesterday"},
      {"type":"track","userId":"u","event":"E","properties":)" + deep + R"(},
      {"type":"track","userId":"u","event":"E","properties":{"p":")" + big + R"("}},
      {"type":"identify","userId":"null"}
    ]})");
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->records.size(), 1u);
  EXPECT_EQ(r->indexes[0], 0);
  std::map<int, std::string> codes;
  for (const auto& rej : r->rejected) codes[rej.index] = rej.code;
  EXPECT_EQ(codes, (std::map<int, std::string>{{1, "invalid_message"},
                                               {2, "missing_identifier"},
                                               {3, "invalid_field"},
                                               {4, "invalid_type"},
                                               {5, "missing_event"},
                                               {6, "invalid_timestamp"},
                                               {7, "too_deep"},
                                               {8, "message_too_large"},
                                               {9, "no_usable_identifier"}}));
}

TEST_F(SegmentParserTest, RequestLevelErrors) {
  EXPECT_EQ(Batch("{not json").status().error_code(), "invalid_json");
  EXPECT_EQ(Batch("").status().error_code(), "invalid_json");
  EXPECT_EQ(Batch("[1,2]").status().error_code(), "invalid_json");
  EXPECT_EQ(Batch(R"({"batch":{}})").status().error_code(), "invalid_batch");
  EXPECT_EQ(Batch("{\"batch\":[],\"x\":\"\xff\xfe\"}").status().error_code(), "invalid_utf8");
  std::string many = R"({"batch":[)";
  for (int i = 0; i < 11; ++i) many += std::string(i ? "," : "") + R"({"type":"track","userId":"u","event":"E"})";
  many += "]}";
  auto r = Batch(many);
  EXPECT_EQ(r.status().code(), Code::kTooLarge);
  EXPECT_EQ(r.status().error_code(), "batch_too_large");
  // A single-message endpoint: the message's problems are the request's.
  EXPECT_EQ(Single("track", R"({"userId":"u"})").status().code(), Code::kInvalid);
  EXPECT_EQ(Single("track", R"({"userId":"u","event":"E","properties":{"p":")" + std::string(3000, 'x') + "\"}}")
                .status()
                .code(),
            Code::kTooLarge);
}

TEST_F(SegmentParserTest, NumericUserIdIsItsDecimalString) {
  auto r = Single("identify", R"({"userId":12345,"anonymousId":"a"})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Ids(r->records[0]), (std::vector<std::string>{"anonymous_id:a", "user_id:12345"}));
}

TEST_F(SegmentParserTest, AliasLinksBothPossibleTypesOfPreviousId) {
  auto r = Single("alias", R"({"userId":"u2","previousId":"old"})");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->records[0].alias);
  EXPECT_EQ(Ids(r->records[0]), (std::vector<std::string>{"anonymous_id:old", "user_id:old", "user_id:u2"}));
  EXPECT_FALSE(Single("alias", R"({"userId":"u2"})").ok());
}

TEST_F(SegmentParserTest, GroupTraitsDescribeTheCompanyNotThePerson) {
  auto r = Single("group", R"({"userId":"u","groupId":"g1","traits":{"email":"billing@corp.com","name":"Corp"}})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Ids(r->records[0]), (std::vector<std::string>{"user_id:u"}));
  EXPECT_EQ(r->records[0].properties["traits"]["name"], "Corp");
  EXPECT_FALSE(r->records[0].traits.contains("name"));
}

TEST_F(SegmentParserTest, ValuesThatFailToNormaliseStayTraitsNotKeys) {
  auto r = Single("identify", R"({"userId":"u","traits":{"email":"not-an-email","phone":"12"}})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Ids(r->records[0]), (std::vector<std::string>{"user_id:u"}));
  EXPECT_EQ(r->records[0].traits["email"], "not-an-email");
}

TEST_F(SegmentParserTest, BlocklistedValuesNeverLink) {
  auto r = Single("identify", R"({"userId":"u","anonymousId":"undefined","traits":{"email":"TEST@test.com"}})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Ids(r->records[0]), (std::vector<std::string>{"user_id:u"}));
}

TEST_F(SegmentParserTest, ChannelFromContext) {
  auto channel = [&](const std::string& ctx) {
    auto r = Single("track", R"({"userId":"u","event":"E","context":)" + ctx + "}");
    EXPECT_TRUE(r.ok());
    return r.ok() ? r->records[0].channel : Channel::kCrm;
  };
  EXPECT_EQ(channel(R"({"device":{"id":"d1"}})"), Channel::kApp);
  EXPECT_EQ(channel(R"({"page":{"url":"https://x"}})"), Channel::kWeb);
  EXPECT_EQ(channel(R"({"library":{}})"), Channel::kServer);
}

TEST_F(SegmentParserTest, MissingMessageIdIsGeneratedFromContent) {
  auto a = Single("track", R"({"userId":"u","event":"E","timestamp":"2026-01-01T00:00:00Z"})");
  auto b = Single("track", R"({"userId":"u","event":"E","timestamp":"2026-01-01T00:00:00Z"})");
  auto c = Single("track", R"({"userId":"u","event":"F","timestamp":"2026-01-01T00:00:00Z"})");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->records[0].message_id, b->records[0].message_id);
  EXPECT_NE(a->records[0].message_id, c->records[0].message_id);
}

TEST_F(SegmentParserTest, ConsentFromCategoryPreferences) {
  auto r = Single("track", R"({"userId":"u","event":"E","context":{"consent":{"categoryPreferences":{"marketing_email":false,"analytics":true}}}})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->records[0].consent, (nlohmann::json{{"analytics", true}, {"marketing_email", false}}));
}

}  // namespace
}  // namespace seam::ingest
