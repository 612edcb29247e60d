// Asynchronous imports (SPEC §4, ?async=true) through the real HTTP server:
// an upload that never completes leaves no spool file behind, an import
// whose spool is gone fails visibly, and a running import reports its
// progress. The writer is stopped between two commits by holding WAL syncs
// (FaultInjectionFs), so what a poll sees mid-import is fixed, not timed.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "support/fault_injection_fs.h"
#include "support/temp_dir.h"
#include "support/test_client.h"
#include "support/test_server.h"

namespace seam::testing {
namespace {

namespace fs = std::filesystem;

// The *.spool files under the default spool dir (<data_dir>/imports).
std::vector<fs::path> SpoolFiles(const std::string& data_dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fs::path(data_dir) / "imports", ec))
    if (e.path().extension() == ".spool") out.push_back(e.path());
  return out;
}

// Polls `done` for up to 20 s: only to bound a failure, a passing run
// returns as soon as the server got there.
bool Eventually(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

std::string Customers(int rows) {
  std::string csv = "customer_id,email\n";
  for (int i = 0; i < rows; ++i) csv += "R" + std::to_string(i) + ",r" + std::to_string(i) + "@example.com\n";
  return csv;
}

HttpResult UploadAsync(TestClient& client, const std::string& csv) {
  return client.Request("POST", "/v1/imports/customers?async=true", csv, {{"Authorization", BasicAuth(kWriteKey)}});
}

nlohmann::json Report(TestClient& client, const std::string& id) {
  auto r = client.Request("GET", "/v1/imports/" + id, "", {{"Authorization", Bearer(kWriteKey)}});
  EXPECT_EQ(r.status, 200) << r.body;
  return r.json();
}

bool Finished(const nlohmann::json& report) {
  return report["status"] != "queued" && report["status"] != "running";
}

// Every report a poll saw of one import: a running one never shows more rows
// than the file has, and no count ever goes down.
class ReportWatch {
 public:
  explicit ReportWatch(uint64_t file_rows) : file_rows_(file_rows) {}
  void Saw(const nlohmann::json& r) {
    EXPECT_LE(r["rows"].get<uint64_t>(), file_rows_) << r.dump();
    EXPECT_LE(r["accepted"].get<uint64_t>() + r["rejected"].get<uint64_t>() + r["anonymous"].get<uint64_t>(),
              r["rows"].get<uint64_t>())
        << "only rows read can be counted: " << r.dump();
    for (const char* field : {"rows", "accepted", "rejected", "anonymous", "records"}) {
      EXPECT_GE(r[field].get<uint64_t>(), last_[field]) << field << " went down: " << r.dump();
      last_[field] = r[field].get<uint64_t>();
    }
  }

 private:
  uint64_t file_rows_;
  std::map<std::string, uint64_t> last_;
};

// Polls an import's report until it has finished, checking each one seen;
// the last report, or nullopt when it never finished.
std::optional<nlohmann::json> PollUntilFinished(TestClient& client, const std::string& id, ReportWatch& watch) {
  nlohmann::json report;
  if (!Eventually([&] {
        report = Report(client, id);
        watch.Saw(report);
        return Finished(report);
      }))
    return std::nullopt;
  return report;
}

class AsyncImport : public ::testing::Test {
 protected:
  explicit AsyncImport(TestServer::Tweak tweak = {}) : server_(std::move(tweak)), client_(server_.port()) {}
  // The server still imports: an async upload runs to done and its spool goes.
  void ExpectAsyncImportsStillWork() {
    auto r = UploadAsync(client_, Customers(3));
    ASSERT_EQ(r.status, 202) << r.body;
    const std::string id = r.json()["import_id"];
    nlohmann::json report;
    ASSERT_TRUE(Eventually([&] { return Finished(report = Report(client_, id)); }));
    EXPECT_EQ(report["status"], "done") << report.dump();
    EXPECT_EQ(report["accepted"], 3);
    EXPECT_TRUE(Eventually([&] { return SpoolFiles(server_.data_dir()).empty(); }))
        << "the spool goes just after the final report is saved";
  }
  TestServer server_;
  TestClient client_;
};

// Room for two connections: a session an abandoned upload kept alive would
// soon lock every client out.
class AsyncImportFewConnections : public AsyncImport {
 protected:
  AsyncImportFewConnections() : AsyncImport([](Config& c) { c.max_connections = 2; }) {}
};

TEST_F(AsyncImportFewConnections, AnUploadCutOffByTheClientLeavesNoSpoolFile) {
  for (int i = 0; i < 3; ++i) {
    {
      RawConnection conn(server_.port());
      conn.Send("POST /v1/imports/customers?async=true HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " +
                BasicAuth(kWriteKey) + "\r\nContent-Type: text/csv\r\nContent-Length: 1000000\r\n\r\n" +
                Customers(20));
      ASSERT_TRUE(Eventually([&] { return SpoolFiles(server_.data_dir()).size() == 1; })) << "the upload started";
      conn.Close();  // 999 KB short
    }
    ASSERT_TRUE(Eventually([&] { return SpoolFiles(server_.data_dir()).empty(); }))
        << "the spool of abandoned upload " << i << " is removed";
  }
  // The abandoned uploads hold no connection slot.
  EXPECT_TRUE(Eventually([&] {
    try {
      return TestClient(server_.port()).Request("GET", "/healthz").status == 200;
    } catch (const std::exception&) {
      return false;
    }
  }));
  ExpectAsyncImportsStillWork();
}

class AsyncImportSmallLimit : public AsyncImport {
 protected:
  AsyncImportSmallLimit() : AsyncImport([](Config& c) { c.import_max_bytes = 1024; }) {}
};

TEST_F(AsyncImportSmallLimit, ADeclaredLengthOverTheLimitIs413AndLeavesNoSpoolFile) {
  // Announce 2 KB, send none of it: the answer comes from the header alone.
  for (const std::string query : {"?async=true", ""}) {
    const std::string answer =
        RawExchange(server_.port(),
                    "POST /v1/imports/customers" + query + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " +
                        BasicAuth(kWriteKey) + "\r\nContent-Length: 2048\r\n\r\n",
                    std::chrono::seconds(10));
    EXPECT_NE(answer.find(" 413 "), std::string::npos) << query << " " << answer;
    EXPECT_NE(answer.find("body_too_large"), std::string::npos) << query << " " << answer;
    EXPECT_EQ(answer.find("HTTP/1.1", 1), std::string::npos) << "one answer only: " << answer;
    EXPECT_TRUE(SpoolFiles(server_.data_dir()).empty());
  }
  ExpectAsyncImportsStillWork();
}

TEST_F(AsyncImportSmallLimit, AChunkedUploadOverTheLimitIs413AndLeavesNoSpoolFile) {
  const std::string csv = Customers(100);
  std::string chunks;
  for (std::size_t at = 0; at < csv.size(); at += 300) {
    const std::string piece = csv.substr(at, 300);
    char size[16];
    std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
    chunks += size + piece + "\r\n";
  }
  chunks += "0\r\n\r\n";
  const std::string answer =
      RawExchange(server_.port(),
                  "POST /v1/imports/customers?async=true HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " +
                      BasicAuth(kWriteKey) + "\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks,
                  std::chrono::seconds(10));
  EXPECT_NE(answer.find(" 413 "), std::string::npos) << answer;
  EXPECT_NE(answer.find("body_too_large"), std::string::npos) << answer;
  EXPECT_TRUE(SpoolFiles(server_.data_dir()).empty());
  ExpectAsyncImportsStillWork();
}

TEST_F(AsyncImport, ASpoolFileNoUploadOwnsIsRemovedAtStart) {
  // What a crash in the middle of an upload leaves: a spool without a report.
  fs::create_directories(fs::path(server_.data_dir()) / "imports");
  const fs::path orphan = fs::path(server_.data_dir()) / "imports" / "imp_crashedmidupload0000.spool";
  std::ofstream(orphan) << "sealed frames of an upload that never finished";
  const fs::path other = fs::path(server_.data_dir()) / "imports" / "README";
  std::ofstream(other) << "not a spool file";
  server_.Restart();
  EXPECT_FALSE(fs::exists(orphan));
  EXPECT_TRUE(fs::exists(other)) << "only spool files are Seam's to remove";
  TestClient client(server_.port());
  auto r = UploadAsync(client, Customers(2));
  ASSERT_EQ(r.status, 202) << r.body;
}

// 40 batches of 25 records, each its own writer group: one WAL sync each.
void SmallBatches(Config& c) {
  c.import_batch_records = 25;
  c.max_group_records = 25;
}

TEST(AsyncImportProgress, ARunningImportReportsTheBatchesStoredSoFar) {
  FaultInjectionEnv fault;
  TestServerOptions options;
  options.env = fault.env.get();
  options.tweak = SmallBatches;
  TestServer server(options);
  TestClient client(server.port());
  constexpr int kRows = 1000;
  // Syncs that pass: the queued report's, then three batch commits; the
  // fourth commit waits, so the import is caught part-way.
  SyncHold hold(*fault.fs, 4);
  auto r = UploadAsync(client, Customers(kRows));
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id = r.json()["import_id"];
  ReportWatch watch(kRows);
  nlohmann::json report;
  const bool progressed = Eventually([&] {
    report = Report(client, id);
    watch.Saw(report);
    return report["status"] == "running" && report["accepted"].get<int>() > 0;
  });
  EXPECT_TRUE(progressed) << "a running import shows what it stored so far: " << report.dump();
  EXPECT_EQ(report["status"], "running") << report.dump();
  EXPECT_LT(report["accepted"].get<int>(), kRows) << "the writer is held: the import cannot be done";
  EXPECT_EQ(report["accepted"].get<int>() % 25, 0) << "progress is saved per stored batch: " << report.dump();
  EXPECT_TRUE(report["finished_at"].is_null());

  hold.Release();
  auto finished = PollUntilFinished(client, id, watch);
  ASSERT_TRUE(finished);
  report = *finished;
  EXPECT_EQ(report["status"], "done") << report.dump();
  EXPECT_EQ(report["rows"], kRows);
  EXPECT_EQ(report["accepted"], kRows);
  EXPECT_EQ(report["records"], kRows);
  EXPECT_EQ(report["rows"].get<int>(),
            report["accepted"].get<int>() + report["rejected"].get<int>() + report["anonymous"].get<int>());
  EXPECT_TRUE(report["finished_at"].is_string());
}

TEST(AsyncImportProgress, PollingAnUnheldImportSeesConsistentReports) {
  // No hold: whatever a poll happens to catch, the reports add up.
  TestServer server(SmallBatches);
  TestClient client(server.port());
  constexpr int kRows = 3000;
  auto r = UploadAsync(client, Customers(kRows));
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string id = r.json()["import_id"];
  ReportWatch watch(kRows);
  auto finished = PollUntilFinished(client, id, watch);
  ASSERT_TRUE(finished);
  const nlohmann::json& report = *finished;
  EXPECT_EQ(report["status"], "done") << report.dump();
  EXPECT_EQ(report["rows"], kRows);
  EXPECT_EQ(report["accepted"], kRows);
  // The spool is deleted just after the final report is saved (a crash in
  // between then re-runs an idempotent import rather than losing its end),
  // so a poll can see "done" a moment before the file is gone.
  EXPECT_TRUE(Eventually([&] { return SpoolFiles(server.data_dir()).empty(); }));
}

TEST(AsyncImportSpool, AQueuedImportWhoseSpoolIsGoneFailsClearly) {
  // A copy of the data dir as the disk held it once the import was queued
  // (its report synced, the import held at its first commit) — without the
  // spool directory, as when the spool was lost with its disk.
  TempDir copy;
  FaultInjectionEnv fault;
  std::string id;
  const std::string key_file = (copy / "seam.key").string();
  {
    TestServerOptions options;
    options.env = fault.env.get();
    options.tweak = SmallBatches;
    TestServer server(options);
    fs::copy_file(server.key_file(), key_file);
    TestClient client(server.port());
    SyncHold hold(*fault.fs, 1);
    auto r = UploadAsync(client, Customers(100));
    ASSERT_EQ(r.status, 202) << r.body;
    id = r.json()["import_id"];
    fault.fs->CopySyncedState(server.data_dir(), (copy / "data").string());
  }
  ASSERT_FALSE(fs::exists(copy / "data" / "imports"));
  TestServerOptions options;
  options.data_dir = (copy / "data").string();
  options.key_file = key_file;
  TestServer after(options);
  TestClient client(after.port());
  const auto report = Report(client, id);
  EXPECT_EQ(report["status"], "failed") << report.dump();
  EXPECT_EQ(report["code"], "spool_missing") << report.dump();
  EXPECT_TRUE(report["finished_at"].is_string()) << report.dump();
  EXPECT_EQ(report["rows"], 0);
}

}  // namespace
}  // namespace seam::testing
