// POS import throughput and memory (issue: offline import), as users run it:
// a generated POS export of N rows (default 5 million) is posted to a real
// `seam serve` (identity resolution on) in one streamed request, and timed;
// the server's RSS is sampled from /proc while it works. In the same run a
// bare pipeline parses the same file with the same CSV reader and writes
// every row to RocksDB in synced WriteBatches of the same size, with the
// same RocksDB options: the ratio seam / bare is the figure.
//
//   seam_import_bench --seam PATH [--rows N] [--work DIR] [--repeat K] [--smoke] [--json] [--kind pos|customers]
// With --kind customers the file is a CRM export of about N persons (the
// per-record time at 10^4 vs 10^5 vs 10^6 is the matching issue's scaling figure).
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>
#include <rocksdb/write_buffer_manager.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "ingest/csv_reader.h"
#include "synth/synth.h"

namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const char* kWrite = "seam_write_importbench000000001";
constexpr std::size_t kBatchRows = 2000;  // Seam's import.batch_records default

double Since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// The file in 1 MB pieces.
template <typename F>
void ForEachPiece(const std::string& file, F&& fn) {
  std::FILE* f = std::fopen(file.c_str(), "rb");
  if (f == nullptr) return;
  std::vector<char> buf(1 << 20);
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) fn(std::string_view(buf.data(), n));
  std::fclose(f);
}

uint64_t RssBytes(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  return 0;
}

// CPU seconds (user + system) from a /proc stat line: fields 14 and 15,
// counted after the command name, which may hold spaces.
double StatCpuSeconds(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  const auto close = line.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i)
    if (i >= 14) ticks += std::stod(field);
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// The server's CPU seconds, all threads and its writer thread alone: on a
// shared machine CPU per row moves less than wall time, and the writer is
// the one stage that cannot use a second core.
struct CpuTimes {
  double process = 0, writer = 0;
};
CpuTimes ServerCpu(pid_t pid) {
  CpuTimes t;
  const std::string proc = "/proc/" + std::to_string(pid);
  t.process = StatCpuSeconds(proc + "/stat");
  std::error_code ec;
  for (const auto& task : fs::directory_iterator(proc + "/task", ec)) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    std::getline(comm, name);
    if (name == "seam-writer") t.writer += StatCpuSeconds((task.path() / "stat").string());
  }
  return t;
}

// `kind` "pos": a POS export of `rows` rows from rows/50 persons;
// "customers": the CRM export of about `rows` persons (one row per person
// with a row, duplicates and corrections: the row count is what it is).
std::string Generate(const fs::path& dir, uint64_t rows, const std::string& kind) {
  const fs::path file = dir / (kind + "-" + std::to_string(rows) + ".csv");
  if (fs::exists(file)) return file.string();
  seam::synth::Options o;
  o.persons = kind == "pos" ? std::max<uint64_t>(1000, rows / 50) : rows;
  seam::synth::Generator gen(o);
  std::ofstream out(file.string() + ".tmp", std::ios::binary);
  auto stats = kind == "pos" ? gen.WritePos(out, {}, rows, nullptr) : gen.WriteCrm(out, {}, nullptr);
  out.close();
  if (!stats.ok) {
    std::fprintf(stderr, "generator: %s\n", stats.error.c_str());
    std::exit(1);
  }
  fs::rename(file.string() + ".tmp", file);
  return file.string();
}

// The bare pipeline: same parser, one Put per row, synced batches.
double Bare(const std::string& file, const fs::path& dir, uint64_t* rows_out) {
  fs::remove_all(dir);
  auto cache = rocksdb::NewLRUCache(128u << 20);
  rocksdb::Options o;
  o.create_if_missing = true;
  o.write_buffer_manager = std::make_shared<rocksdb::WriteBufferManager>(128u << 20, cache);
  o.max_background_jobs = 2;
  o.compression = rocksdb::kLZ4Compression;
  o.write_buffer_size = 32u << 20;
  rocksdb::BlockBasedTableOptions t;
  t.block_cache = cache;
  t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  rocksdb::DB* raw = nullptr;
  if (!rocksdb::DB::Open(o, dir.string(), &raw).ok()) std::exit(1);
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::WriteBatch batch;
  rocksdb::WriteOptions wo;
  wo.sync = true;
  uint64_t rows = 0;
  std::string value;
  auto start = Clock::now();
  seam::ingest::CsvReader reader([&](const seam::ingest::CsvRow& row) {
    value.clear();
    for (const auto& f : row.fields) value.append(f).push_back('\x1f');
    char key[24];
    std::snprintf(key, sizeof key, "%016llu", static_cast<unsigned long long>(row.line));
    batch.Put(key, value);
    if (++rows % kBatchRows == 0) {
      db->Write(wo, &batch);
      batch.Clear();
    }
    return true;
  });
  ForEachPiece(file, [&](std::string_view piece) { reader.Feed(piece); });
  reader.Finish();
  if (batch.Count() > 0) db->Write(wo, &batch);
  const double s = Since(start);
  db.reset();
  fs::remove_all(dir);
  *rows_out = rows - 1;  // the header
  return s;
}

struct SeamRun {
  double seconds = 0;
  CpuTimes cpu;  // during the import
  uint64_t idle_rss = 0, peak_rss = 0;
  nlohmann::json report;
};

SeamRun Seam(const std::string& seam, const std::string& file, const fs::path& dir, const std::string& kind) {
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string out = (dir / "stdout").string();
  pid_t pid = fork();
  if (pid == 0) {
    setenv("SEAM_WRITE_KEY", kWrite, 1);
    setenv("SEAM_READ_KEY", "seam_read_importbench0000000001", 1);
    setenv("SEAM_ADMIN_KEY", "seam_admin_importbench000000001", 1);
    setenv("SEAM_SECURITY_KEY", "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", 1);
    setenv("SEAM_LOG_LEVEL", "warn", 1);
    if (!freopen(out.c_str(), "w", stdout)) _exit(1);
    const std::string data = (dir / "data").string();
    execl(seam.c_str(), seam.c_str(), "serve", "--listen", "127.0.0.1:0", "--data-dir", data.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  std::string port;
  for (int i = 0; i < 200 && port.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::string text;
    ForEachPiece(out, [&](std::string_view piece) { text.append(piece); });
    auto at = text.find("http://127.0.0.1:");
    if (at != std::string::npos) {
      auto end = text.find_first_not_of("0123456789", at + 17);
      port = text.substr(at + 17, end - at - 17);
    }
  }
  if (port.empty()) {
    std::fprintf(stderr, "seam did not start\n");
    std::exit(1);
  }
  SeamRun run;
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  run.idle_rss = RssBytes(pid);
  std::atomic<bool> done{false};
  std::thread sampler([&] {
    while (!done) {
      run.peak_rss = std::max(run.peak_rss, RssBytes(pid));
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });

  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(std::stoi(port))});
  const uint64_t size = fs::file_size(file);
  std::string head = "POST /v1/imports/" + kind + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + std::string(kWrite) +
                     "\r\nContent-Type: text/csv\r\nContent-Length: " + std::to_string(size) + "\r\n\r\n";
  const CpuTimes cpu_before = ServerCpu(pid);
  auto start = Clock::now();
  asio::write(socket, asio::buffer(head));
  ForEachPiece(file, [&](std::string_view piece) { asio::write(socket, asio::buffer(piece.data(), piece.size())); });
  std::string answer;
  boost::system::error_code ec;
  char chunk[65536];
  for (;;) {
    const std::size_t n = socket.read_some(asio::buffer(chunk), ec);
    answer.append(chunk, n);
    const auto body = answer.find("\r\n\r\n");
    if (ec || (body != std::string::npos && answer.find("}", body) != std::string::npos &&
               answer.size() > body + 4 && answer.back() == '}'))
      break;
  }
  run.seconds = Since(start);
  const CpuTimes cpu_after = ServerCpu(pid);
  run.cpu = {cpu_after.process - cpu_before.process, cpu_after.writer - cpu_before.writer};
  done = true;
  sampler.join();
  const auto body = answer.find("\r\n\r\n");
  run.report = nlohmann::json::parse(body == std::string::npos ? "{}" : answer.substr(body + 4), nullptr, false);
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  fs::remove_all(dir);
  return run;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  std::string seam;
  uint64_t rows = 5'000'000;
  fs::path work = fs::temp_directory_path() / "seam-import-bench";
  int repeat = 1;
  bool json = false;
  std::string kind = "pos";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--seam" && i + 1 < argc) seam = argv[++i];
    else if (a == "--rows" && i + 1 < argc) rows = std::stoull(argv[++i]);
    else if (a == "--work" && i + 1 < argc) work = argv[++i];
    else if (a == "--repeat" && i + 1 < argc) repeat = std::stoi(argv[++i]);
    else if (a == "--smoke") rows = 20000;
    else if (a == "--json") json = true;
    else if (a == "--kind" && i + 1 < argc) kind = argv[++i];
    else {
      std::fprintf(stderr, "usage: seam_import_bench --seam PATH [--rows N] [--work DIR] [--repeat K] [--smoke] [--json] [--kind pos|customers]\n");
      return 2;
    }
  }
  if (seam.empty()) {
    std::fprintf(stderr, "--seam PATH is required\n");
    return 2;
  }
  fs::create_directories(work);
  const std::string file = Generate(work, rows, kind);
  std::vector<double> bare_rate, seam_rate;
  std::vector<nlohmann::json> runs;
  uint64_t counted = 0;
  for (int r = 0; r < repeat; ++r) {
    const double bs = Bare(file, work / "bare", &counted);
    bare_rate.push_back(static_cast<double>(counted) / bs);
    SeamRun s = Seam(seam, file, work / "seam", kind);
    const double accepted = s.report.value("rows", 0.0);
    seam_rate.push_back(accepted / s.seconds);
    runs.push_back({{"bare_seconds", bs},
                    {"seam_seconds", s.seconds},
                    {"idle_rss_mb", static_cast<double>(s.idle_rss) / 1048576.0},
                    {"peak_rss_mb", static_cast<double>(s.peak_rss) / 1048576.0},
                    {"server_cpu_seconds", s.cpu.process},
                    {"writer_cpu_seconds", s.cpu.writer},
                    {"report", s.report}});
    if (!json)
      std::printf("run %d: bare %.0f rows/s, seam %.0f rows/s (%.1f us/row, ratio %.3f), server CPU %.1f us/row (writer %.1f), "
                  "RSS idle %.0f MB peak %.0f MB, report: "
                  "rows %s accepted %s rejected %s anonymous %s records %s profiles %s\n",
                  r + 1, bare_rate.back(), seam_rate.back(), 1e6 / seam_rate.back(), seam_rate.back() / bare_rate.back(),
                  1e6 * s.cpu.process / accepted, 1e6 * s.cpu.writer / accepted,
                  static_cast<double>(s.idle_rss) / 1048576.0, static_cast<double>(s.peak_rss) / 1048576.0,
                  s.report.value("rows", nlohmann::json(0)).dump().c_str(),
                  s.report.value("accepted", nlohmann::json(0)).dump().c_str(),
                  s.report.value("rejected", nlohmann::json(0)).dump().c_str(),
                  s.report.value("anonymous", nlohmann::json(0)).dump().c_str(),
                  s.report.value("records", nlohmann::json(0)).dump().c_str(),
                  s.report.value("profiles_created", nlohmann::json(0)).dump().c_str());
    std::fflush(stdout);
  }
  nlohmann::json summary = {{"rows", counted},
                            {"file_bytes", fs::file_size(file)},
                            {"bare_rows_per_s", Median(bare_rate)},
                            {"seam_rows_per_s", Median(seam_rate)},
                            {"ratio", Median(seam_rate) / Median(bare_rate)},
                            {"runs", runs}};
  if (json)
    std::printf("%s\n", summary.dump(2).c_str());
  else
    std::printf("median: bare %.0f rows/s, seam %.0f rows/s, ratio %.3f\n", Median(bare_rate), Median(seam_rate),
                Median(seam_rate) / Median(bare_rate));
  return 0;
}
