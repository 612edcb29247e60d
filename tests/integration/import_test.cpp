// Offline imports end to end (SPEC §4): POS and customer files through the
// real HTTP server into a temp RocksDB, looked up through the profile API.
#include <unicode/ucnv.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "support/test_client.h"
#include "support/test_server.h"

namespace seam::testing {
namespace {

std::string Cp949(const std::string& utf8) {
  UErrorCode status = U_ZERO_ERROR;
  UConverter* conv = ucnv_open("windows-949-2000", &status);
  EXPECT_TRUE(U_SUCCESS(status));
  std::string out(utf8.size() * 2 + 16, '\0');
  const int32_t n = ucnv_fromAlgorithmic(conv, UCNV_UTF8, out.data(), static_cast<int32_t>(out.size()), utf8.data(),
                                         static_cast<int32_t>(utf8.size()), &status);
  ucnv_close(conv);
  EXPECT_TRUE(U_SUCCESS(status));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string Ref(const std::string& type, const std::string& value) { return PathRef(type + ":" + value); }

class Import : public ::testing::Test {
 protected:
  explicit Import(TestServer::Tweak tweak = {}) : server_(std::move(tweak)), client_(server_.port()) {}

  HttpResult Upload(const std::string& kind, const std::string& body, const std::string& query = "",
                    std::map<std::string, std::string> headers = {}) {
    headers["Authorization"] = BasicAuth(kWriteKey);
    return client_.Request("POST", "/v1/imports/" + kind + query, body, headers);
  }
  HttpResult Get(const std::string& target) {
    return client_.Request("GET", target, "", {{"Authorization", Bearer(kReadKey)}});
  }
  nlohmann::json Profile(const std::string& type, const std::string& value) {
    auto r = Get("/v1/profiles/" + Ref(type, value));
    EXPECT_EQ(r.status, 200) << type << ":" << value << " " << r.body;
    return r.json();
  }
  HttpResult Identify(const nlohmann::json& message) {
    return client_.Request("POST", "/v1/identify", message.dump(), {{"Authorization", BasicAuth(kWriteKey)}});
  }

  TestServer server_;
  TestClient client_;
};

const char* kPosHeader =
    "transaction_id,store_id,occurred_at,type,total_amount,member_id,phone,card_token,sku,category,quantity,unit_price\n";

TEST_F(Import, PosReceiptsBecomeOrdersAndReturnsSubtract) {
  std::string csv = kPosHeader;
  csv += "T1,S01,2026-11-01 10:00:00,sale,39000,M100,010-1234-5678,,A1,shoes,1,30000\n";
  csv += "T1,S01,2026-11-01 10:00:00,sale,39000,M100,010-1234-5678,,B2,socks,3,3000\n";
  csv += "T2,S02,2026-11-02 12:30:00,return,-3000,,01012345678,,B2,socks,1,3000\n";
  auto r = Upload("pos", csv);
  ASSERT_EQ(r.status, 200) << r.body;
  auto report = r.json();
  EXPECT_EQ(report["status"], "done");
  EXPECT_EQ(report["rows"], 3);
  EXPECT_EQ(report["accepted"], 3);
  EXPECT_EQ(report["records"], 2) << "two receipts";
  EXPECT_EQ(report["rejected"], 0);
  EXPECT_EQ(report["profiles_created"], 1);

  // The return joined the member through the phone written another way.
  auto p = Profile("phone", "+82 10-1234-5678");
  EXPECT_EQ(p["computed"]["orders_offline"], 1);
  EXPECT_EQ(p["computed"]["orders"], 1);
  EXPECT_DOUBLE_EQ(p["computed"]["revenue"].get<double>(), 36000.0);
  EXPECT_EQ(p["computed"]["last_store_id"], "S02");
  EXPECT_EQ(p["computed"]["top_categories"][0], "shoes");
  EXPECT_EQ(p["computed"]["channels"], nlohmann::json::array({"pos"}));
  // Seoul 10:00 is 01:00 UTC.
  EXPECT_EQ(p["computed"]["last_order_at"], "2026-11-01T01:00:00.000Z");

  // The timeline holds each receipt once, with its line items.
  auto events = Get("/v1/profiles/" + Ref("member_id", "M100") + "/events").json();
  ASSERT_EQ(events["events"].size(), 2u) << events.dump();
  EXPECT_EQ(events["events"][0]["type"], "transaction");
  EXPECT_EQ(events["events"][0]["event"], "return");
  EXPECT_EQ(events["events"][1]["properties"]["transaction_id"], "T1");
  EXPECT_EQ(events["events"][1]["transaction_id"], "T1") << "a POS event names its receipt (SPEC §6)";
  EXPECT_FALSE(events["events"][1].contains("messageId"));
  EXPECT_EQ(events["events"][1]["properties"]["items"].size(), 2u);
  EXPECT_EQ(events["events"][1]["channel"], "pos");
  EXPECT_FALSE(events["events"][1].contains("_r")) << "internal fields are never shown";
}

TEST_F(Import, ReimportingTheSameFileChangesNothing) {
  std::string csv = kPosHeader;
  csv += "T1,S01,2026-11-01 10:00:00,sale,39000,M100,,,A1,shoes,1,39000\n";
  csv += "T2,S01,2026-11-02 10:00:00,sale,1000,M100,,,A2,socks,1,1000\n";
  ASSERT_EQ(Upload("pos", csv).status, 200);
  auto before = Profile("member_id", "M100");
  auto again = Upload("pos", csv).json();
  EXPECT_EQ(again["unchanged"], 2);
  EXPECT_EQ(again["updated"], 0);
  EXPECT_EQ(again["profiles_created"], 0);
  auto after = Profile("member_id", "M100");
  EXPECT_EQ(after["computed"]["orders"], 2) << "no double orders";
  EXPECT_DOUBLE_EQ(after["computed"]["revenue"].get<double>(), 40000.0) << "no double revenue";
  EXPECT_EQ(after["computed"], before["computed"]);
  EXPECT_EQ(Get("/v1/profiles/" + Ref("member_id", "M100") + "/events").json()["events"].size(), 2u);
}

TEST_F(Import, ReceiptRowsNeedNotBeAdjacent) {
  std::string csv = kPosHeader;
  csv += "T1,S01,2026-11-01 10:00:00,sale,,M1,,,A,shoes,1,10000\n";
  csv += "T9,S01,2026-11-01 10:05:00,sale,,M9,,,Z,hats,1,500\n";
  csv += "T1,S01,2026-11-01 10:00:00,sale,,M1,,,B,socks,2,1500\n";
  auto report = Upload("pos", csv).json();
  EXPECT_EQ(report["records"], 2);
  auto p = Profile("member_id", "M1");
  EXPECT_EQ(p["computed"]["orders"], 1);
  EXPECT_DOUBLE_EQ(p["computed"]["revenue"].get<double>(), 13000.0) << "the sum of its line items";
}

TEST_F(Import, AReceiptIsItsStoreAndTransactionWhateverCharactersTheyHold) {
  // Store "S:1" + transaction "T" and store "S" + transaction "1:T" are two
  // receipts, though joined with ':' they read the same.
  std::string csv = kPosHeader;
  csv += "T,S:1,2026-11-01 10:00:00,sale,,M1,,,A,shoes,1,10000\n";
  csv += "1:T,S,2026-11-01 10:05:00,sale,,M1,,,B,hats,1,500\n";
  auto report = Upload("pos", csv).json();
  EXPECT_EQ(report["records"], 2) << report.dump();
  auto p = Profile("member_id", "M1");
  EXPECT_EQ(p["computed"]["orders"], 2);
  EXPECT_DOUBLE_EQ(p["computed"]["revenue"].get<double>(), 10500.0);
}

TEST_F(Import, CsvQuotingBomCrlfAndExtraColumns) {
  // BOM, CRLF, a quoted name holding a comma, a quote and a line break, an
  // unknown column kept as a trait, and header names in any case.
  std::string csv = "\xEF\xBB\xBF" "Customer_ID,NAME,Phone,Grade,consent_marketing_sms\r\n";
  csv += "C1,\"Kim, \"\"Minsu\"\"\r\nJr\",010-1111-2222,gold,y\r\n";
  csv += "C2,Park,010-3333-4444,,n\r\n";
  auto report = Upload("customers", csv).json();
  EXPECT_EQ(report["rows"], 2) << report.dump();
  EXPECT_EQ(report["accepted"], 2);
  auto p = Profile("customer_id", "C1");
  EXPECT_EQ(p["traits"]["name"], "Kim, \"Minsu\"\r\nJr");
  EXPECT_EQ(p["traits"]["Grade"], "gold");
  EXPECT_EQ(p["consent"]["marketing_sms"]["granted"], true);
  EXPECT_EQ(p["consent"]["marketing_sms"]["source"], "crm");
  EXPECT_EQ(Profile("phone", "01033334444")["consent"]["marketing_sms"]["granted"], false);
}

TEST_F(Import, BadRowsAreReportedWithTheirLineAndNeverStopTheFile) {
  std::string csv = "customer_id,name,phone,updated_at,consent_marketing_email\n";
  csv += "C1,Kim,010-1111-2222,2026-11-01 10:00:00,y\n";       // line 2: fine
  csv += "C2,\"Lee\nSeo\",010-2222-3333,yesterday,y\n";         // lines 3-4: bad date
  csv += "C3,Park,010-3333-4444,,maybe\n";                      // line 5: bad consent
  csv += "C4,Choi\n";                                           // line 6: too few fields
  csv += "C5,\"Jung\"x,010-5555-6666,,\n";                      // line 7: text after a quote
  csv += ",Nobody,010-6666-7777,,\n";                           // line 8: no customer_id
  csv += "C6,Han,010-7777-8888,,n\n";                           // line 9: fine
  csv += "C7,\"unterminated,010";                               // line 10: cut off mid-quote
  auto r = Upload("customers", csv);
  ASSERT_EQ(r.status, 200) << r.body;
  auto report = r.json();
  EXPECT_EQ(report["rows"], 8);
  EXPECT_EQ(report["accepted"], 2);
  EXPECT_EQ(report["rejected"], 6);
  std::map<uint64_t, std::string> by_line;
  for (const auto& e : report["errors"]) by_line[e["line"].get<uint64_t>()] = e["column"].is_null() ? "" : e["column"].get<std::string>();
  EXPECT_EQ(by_line.at(3), "updated_at");
  EXPECT_EQ(by_line.at(5), "consent_marketing_email");
  EXPECT_EQ(by_line.count(6), 1u);
  EXPECT_EQ(by_line.count(7), 1u);
  EXPECT_EQ(by_line.at(8), "customer_id");
  EXPECT_EQ(by_line.count(10), 1u);
  EXPECT_EQ(Get("/v1/profiles/" + Ref("customer_id", "C6")).status, 200) << "rows after bad ones are kept";
  EXPECT_EQ(Get("/v1/profiles/" + Ref("customer_id", "C3")).status, 404);
}

TEST_F(Import, MissingRequiredColumnsAndEmptyFilesAre400) {
  auto r = Upload("pos", "transaction_id,occurred_at\nT1,2026-11-01 10:00:00\n");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.json()["error"]["code"], "missing_columns");
  EXPECT_NE(r.body.find("store_id"), std::string::npos);
  r = Upload("customers", "");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.json()["error"]["code"], "empty_file");
  r = Upload("customers", "customer_id\n", "?encoding=klingon");
  EXPECT_EQ(r.status, 415);
  r = Upload("pos", kPosHeader, "?map=broken");
  EXPECT_EQ(r.status, 400);
  // The server is still fine.
  EXPECT_EQ(Upload("customers", "customer_id\nC1\n").status, 200);
}

TEST_F(Import, Cp949NamesOnlyCp949CanEncode) {
  // 똠 and 햏 are in Microsoft's CP949 but not in EUC-KR / KS X 1001.
  const std::string utf8 = "customer_id,name,phone\nC1,똠방각하,010-1234-0001\nC2,햏자,010-1234-0002\n";
  const std::string bytes = Cp949(utf8);
  ASSERT_NE(bytes.find("\x8C\x63"), std::string::npos) << "똠 is 8C 63 in CP949";
  auto report = Upload("customers", bytes, "?encoding=cp949").json();
  EXPECT_EQ(report["accepted"], 2) << report.dump();
  EXPECT_EQ(Profile("customer_id", "C1")["traits"]["name"], "똠방각하");
  // charset= in Content-Type works the same.
  report = Upload("customers", Cp949("customer_id,name\nC3,김민수\n"), "", {{"Content-Type", "text/csv; charset=euc-kr"}}).json();
  EXPECT_EQ(report["accepted"], 1);
  EXPECT_EQ(Profile("customer_id", "C3")["traits"]["name"], "김민수");
  // The same bytes as UTF-8 are refused row by row, with line and column.
  report = Upload("customers", bytes).json();
  EXPECT_EQ(report["rejected"], 2);
  EXPECT_EQ(report["errors"][0]["line"], 2);
  EXPECT_EQ(report["errors"][0]["column"], "name");
  // Bytes invalid in CP949 reject their row, not the file.
  std::string bad = Cp949("customer_id,name\nC4,정상\n");
  bad += "C5,\xFF\xFF\nC6,ok\n";
  report = Upload("customers", bad, "?encoding=cp949").json();
  EXPECT_EQ(report["accepted"], 2);
  EXPECT_EQ(report["rejected"], 1);
  EXPECT_EQ(report["errors"][0]["line"], 3);
}

TEST_F(Import, RawCardNumbersAreRefusedAndNeverEchoed) {
  std::string csv = kPosHeader;
  csv += "T1,S01,2026-11-01 10:00:00,sale,1000,,,4111 1111 1111 1111,,,,\n";
  csv += "T2,S01,2026-11-01 10:00:00,sale,1000,,,tok_9f8e7d,,,,\n";
  auto r = Upload("pos", csv);
  auto report = r.json();
  EXPECT_EQ(report["rejected"], 1);
  EXPECT_EQ(report["accepted"], 1);
  EXPECT_EQ(report["errors"][0]["column"], "card_token");
  EXPECT_EQ(r.body.find("4111"), std::string::npos) << "the report must not echo the number";
  EXPECT_EQ(Get("/v1/profiles/" + Ref("card_token", "4111 1111 1111 1111")).status, 404);
  EXPECT_EQ(Get("/v1/profiles/" + Ref("card_token", "tok_9f8e7d")).status, 200);
  auto stored = client_.Request("GET", "/v1/imports/" + report["import_id"].get<std::string>(), "",
                                {{"Authorization", Bearer(kWriteKey)}});
  EXPECT_EQ(stored.body.find("4111"), std::string::npos);
}

TEST_F(Import, CorrectedCustomerRowReevaluatesItsProfile) {
  // CRM row C1 and an online user share an email: one person.
  ASSERT_EQ(Upload("customers", "customer_id,member_id,email,updated_at\nC1,M1,jane@x.com,2026-11-01 10:00:00\n").status,
            200);
  ASSERT_EQ(Identify({{"userId", "u1"}, {"traits", {{"email", "jane@x.com"}}}, {"timestamp", "2026-11-02T00:00:00Z"}})
                .status,
            200);
  EXPECT_EQ(Profile("user_id", "u1")["profile_id"], Profile("member_id", "M1")["profile_id"]);
  // The CRM fixes the row: another email. The link goes; the profile splits.
  auto report = Upload("customers", "customer_id,member_id,email,updated_at\nC1,M1,joan@x.com,2026-11-03 10:00:00\n").json();
  EXPECT_EQ(report["updated"], 1) << report.dump();
  auto user = Profile("user_id", "u1");
  auto member = Profile("member_id", "M1");
  EXPECT_NE(user["profile_id"], member["profile_id"]);
  EXPECT_EQ(Profile("email", "joan@x.com")["profile_id"], member["profile_id"]);
  EXPECT_EQ(Profile("email", "jane@x.com")["profile_id"], user["profile_id"]);
  EXPECT_EQ(user["computed"]["channels"], nlohmann::json::array({"server"}));
  // The old CRM email is no longer among the member's identities.
  for (const auto& id : member["identities"]) EXPECT_NE(id["value"], "jane@x.com");
}

TEST_F(Import, OnlineIdentifyWithAMembersEmailLandsInTheMembersProfile) {
  ASSERT_EQ(Upload("customers", "customer_id,member_id,email,phone\nC1,M1,Kim@Example.com,010-1234-5678\n").status, 200);
  std::string pos = kPosHeader;
  pos += "T1,S01,2026-11-01 10:00:00,sale,50000,M1,,,A1,shoes,1,50000\n";
  ASSERT_EQ(Upload("pos", pos).status, 200);
  ASSERT_EQ(Identify({{"userId", "web-7"},
                      {"traits", {{"email", " kim@example.com "}}},
                      {"context", {{"page", {{"url", "https://shop.example/"}}}}}})
                .status,
            200);
  auto p = Profile("user_id", "web-7");
  EXPECT_EQ(p["profile_id"], Profile("customer_id", "C1")["profile_id"]);
  EXPECT_EQ(p["computed"]["channels"], nlohmann::json::array({"web", "pos", "crm"}));
  EXPECT_EQ(p["computed"]["orders_offline"], 1);
}

TEST_F(Import, NdjsonGzipAndColumnMaps) {
  // NDJSON lines name their own fields; ?map= renames them.
  std::string nd = "{\"cust_no\":\"C1\",\"tel\":\"010-9999-0000\",\"name\":\"Han\"}\n";
  nd += "not json\n";
  nd += "{\"cust_no\":\"C2\",\"tel\":\"010-9999-0001\"}\r\n";
  auto report = Upload("customers", nd, "?map=cust_no:customer_id,tel:phone",
                       {{"Content-Type", "application/x-ndjson"}}).json();
  EXPECT_EQ(report["accepted"], 2) << report.dump();
  EXPECT_EQ(report["rejected"], 1);
  EXPECT_EQ(report["errors"][0]["line"], 2);
  EXPECT_EQ(Profile("phone", "01099990000")["traits"]["name"], "Han");
  // A gzipped CSV upload is inflated as it streams.
  std::string csv = "customer_id,phone\n";
  for (int i = 0; i < 3000; ++i) csv += "G" + std::to_string(i) + ",010-5" + std::to_string(100 + i % 900) + "-" + std::to_string(1000 + i) + "\n";
  report = Upload("customers", Gzip(csv), "", {{"Content-Encoding", "gzip"}}).json();
  EXPECT_EQ(report["accepted"], 3000) << report.dump();
  EXPECT_EQ(Get("/v1/profiles/" + Ref("customer_id", "G2999")).status, 200);
  auto broken = Upload("customers", "this is not gzip", "", {{"Content-Encoding", "gzip"}});
  EXPECT_EQ(broken.status, 400);
}

TEST_F(Import, ReportsAreKeptAndImportsNeedAWriteKey) {
  auto r = Upload("customers", "customer_id\nC1\n");
  const std::string id = r.json()["import_id"];
  auto stored = client_.Request("GET", "/v1/imports/" + id, "", {{"Authorization", Bearer(kWriteKey)}});
  ASSERT_EQ(stored.status, 200);
  EXPECT_EQ(stored.json()["accepted"], 1);
  EXPECT_EQ(stored.json()["status"], "done");
  EXPECT_EQ(client_.Request("GET", "/v1/imports/imp_nope", "", {{"Authorization", Bearer(kWriteKey)}}).status, 404);
  EXPECT_EQ(client_.Request("POST", "/v1/imports/customers", "customer_id\nC1\n").status, 401);
  EXPECT_EQ(client_.Request("POST", "/v1/imports/customers", "customer_id\nC1\n",
                            {{"Authorization", Bearer(kReadKey)}})
                .status,
            403);
  EXPECT_EQ(client_.Request("GET", "/v1/imports/pos", "", {{"Authorization", Bearer(kWriteKey)}}).status, 404)
      << "no import is called pos";
}

TEST_F(Import, AsyncImportAnswers202AndReportsLater) {
  std::string csv = "customer_id,phone\n";
  for (int i = 0; i < 500; ++i) csv += "A" + std::to_string(i) + ",010-7" + std::to_string(100 + i) + "-0000\n";
  auto r = Upload("customers", csv, "?async=true");
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id = r.json()["import_id"];
  nlohmann::json report;
  for (int i = 0; i < 200; ++i) {
    report = client_.Request("GET", "/v1/imports/" + id, "", {{"Authorization", Bearer(kWriteKey)}}).json();
    if (report["status"] == "done") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  EXPECT_EQ(report["status"], "done") << report.dump();
  EXPECT_EQ(report["accepted"], 500);
  EXPECT_EQ(Get("/v1/profiles/" + Ref("customer_id", "A499")).status, 200);
  // The spool is gone once the import is done.
  const auto spool = std::filesystem::path(server_.data_dir()) / "imports" / (id + ".spool");
  EXPECT_FALSE(std::filesystem::exists(spool));
}

class ImportSmallWindow : public Import {
 protected:
  ImportSmallWindow() : Import([](Config& c) { c.import_max_open_receipts = 1; }) {}
};

TEST_F(ImportSmallWindow, ReceiptPartsFarApartAreMergedIntoOneReceipt) {
  // With room for one open receipt, T1 is handed out before its last row
  // arrives; the writer merges the parts into one receipt.
  std::string csv = kPosHeader;
  csv += "T1,S01,2026-11-01 10:00:00,sale,,M1,,,A,shoes,1,10000\n";
  csv += "T2,S01,2026-11-01 11:00:00,sale,,M2,,,Z,hats,1,500\n";
  csv += "T1,S01,2026-11-01 10:00:00,sale,,M1,,,B,socks,2,1500\n";
  auto report = Upload("pos", csv).json();
  EXPECT_EQ(report["rejected"], 0) << report.dump();
  auto p = Profile("member_id", "M1");
  EXPECT_EQ(p["computed"]["orders"], 1);
  EXPECT_DOUBLE_EQ(p["computed"]["revenue"].get<double>(), 13000.0);
  auto events = Get("/v1/profiles/" + Ref("member_id", "M1") + "/events").json();
  ASSERT_EQ(events["events"].size(), 1u);
  EXPECT_EQ(events["events"][0]["properties"]["items"].size(), 2u);
  // Re-importing the file ends where it started.
  Upload("pos", csv);
  p = Profile("member_id", "M1");
  EXPECT_EQ(p["computed"]["orders"], 1);
  EXPECT_DOUBLE_EQ(p["computed"]["revenue"].get<double>(), 13000.0);
}

}  // namespace
}  // namespace seam::testing

namespace seam::testing {
namespace {

class ImportSurvivorship : public Import {
 protected:
  ImportSurvivorship() : Import([](Config& c) { c.survivorship = {{"name", {"crm", "pos", "web"}}}; }) {}
};

TEST_F(ImportSurvivorship, ASourceOrderBeatsRecencyForItsTraitOnly) {
  ASSERT_EQ(Upload("customers", "customer_id,email,name,city,updated_at\nC1,k@x.com,김민수,Seoul,2026-01-01 00:00:00\n")
                .status,
            200);
  // Later, the web says otherwise about both traits.
  ASSERT_EQ(Identify({{"userId", "u1"},
                      {"timestamp", "2026-06-01T00:00:00Z"},
                      {"traits", {{"email", "k@x.com"}, {"name", "minsu"}, {"city", "Busan"}}},
                      {"context", {{"page", {{"url", "https://shop.example/"}}}}}})
                .status,
            200);
  auto p = Profile("user_id", "u1");
  EXPECT_EQ(p["traits"]["name"], "김민수") << "crm > web for name, whatever the time";
  EXPECT_EQ(p["traits"]["city"], "Busan") << "other traits: the most recent value";
}

}  // namespace
}  // namespace seam::testing
