// Matching accuracy measured through the public API, as users run Seam: each
// labelled dataset is loaded into a fresh server as customer rows
// (POST /v1/imports/customers; the dataset's record id is the customer_id, a
// record key, never a person key; no national id column), every record's
// profile is read back (GET /v1/profiles/customer_id:<id>), and pairwise
// precision / recall / F1 over implied pairs plus B-cubed are reported —
// with the built-in model, then after POST /v1/model/train. One fixed
// configuration for all datasets; only normalize.default_region changes.
//
//   seam_accuracy [--data DIR] [--datasets a,b,...] [--json]
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "datasets.h"
#include "metrics.h"
#include "seam/config.h"
#include "server/app.h"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using Clock = std::chrono::steady_clock;

const char* kWrite = "seam_write_accuracy0000000000001";
const char* kRead = "seam_read_accuracy00000000000001";
const char* kAdmin = "seam_admin_accuracy0000000000001";

class Client {
 public:
  explicit Client(uint16_t port) : stream_(io_) {
    stream_.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }
  std::pair<int, std::string> Call(bhttp::verb verb, const std::string& target, const std::string& key,
                                   const std::string& body = "") {
    bhttp::request<bhttp::string_body> req(verb, target, 11);
    req.set(bhttp::field::host, "127.0.0.1");
    req.set(bhttp::field::authorization, "Bearer " + key);
    req.body() = body;
    req.prepare_payload();
    bhttp::write(stream_, req);
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64u << 20);
    bhttp::read(stream_, buffer_, parser);
    auto res = parser.release();
    return {res.result_int(), res.body()};
  }

 private:
  asio::io_context io_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
};

std::string Csv(const std::string& v) {
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string Escape(const std::string& v) {
  std::string out;
  for (unsigned char c : v) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

const std::vector<std::string> kColumns = {"first_name", "last_name", "name",    "birth_date", "gender",
                                           "postal_code", "address",  "city",    "email",      "phone"};

struct Scores {
  seam::bench::Prf pairwise, bcubed;
};

Scores Read(Client& c, const seam::bench::Dataset& d) {
  std::map<std::string, int> ids;
  std::vector<int> predicted, truth;
  for (const auto& row : d.rows) {
    auto [status, body] = c.Call(bhttp::verb::get, "/v1/profiles/" + Escape("customer_id:" + row.record_id), kRead);
    std::string pid = status == 200 ? nlohmann::json::parse(body)["profile_id"].get<std::string>() : "missing:" + row.record_id;
    auto [it, fresh] = ids.try_emplace(pid, static_cast<int>(ids.size()));
    (void)fresh;
    predicted.push_back(it->second);
    truth.push_back(row.truth_cluster);
  }
  return {seam::bench::PairwiseScores(seam::bench::CountPairs(predicted, truth)), seam::bench::BCubed(predicted, truth)};
}

}  // namespace

int main(int argc, char** argv) {
  std::string data = "/work/shared/datasets";
  std::vector<std::string> names = {"febrl3", "febrl4", "fake_1000", "senzing", "historical_50k", "synth_kr"};
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--data" && i + 1 < argc) {
      data = argv[++i];
    } else if (a == "--datasets" && i + 1 < argc) {
      names.clear();
      std::string list = argv[++i];
      for (std::size_t p = 0; p <= list.size();) {
        const auto q = std::min(list.find(',', p), list.size());
        if (q > p) names.push_back(list.substr(p, q - p));
        p = q + 1;
      }
    } else if (a == "--json") {
      json = true;
    } else {
      std::fprintf(stderr, "usage: seam_accuracy [--data DIR] [--datasets a,b,...] [--json]\n");
      return 2;
    }
  }
  spdlog::set_level(spdlog::level::warn);
  auto out = nlohmann::json::array();
  if (!json)
    std::printf("%-16s %7s | %-27s | %-27s | %7s %7s\n", "dataset", "records", "default P / R / F1 (B3)",
                "trained P / R / F1 (B3)", "import s", "train s");
  for (const auto& name : names) {
    auto d = seam::bench::LoadDataset(name, data);
    if (!d.ok()) {
      std::fprintf(stderr, "%s: %s\n", name.c_str(), d.status().message().c_str());
      return 1;
    }
    const auto dir = std::filesystem::temp_directory_path() / ("seam-accuracy-" + name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    seam::ConfigSources sources;
    auto config = seam::LoadConfig(sources);
    if (!config.ok()) return 1;
    config->listen = "127.0.0.1:0";
    config->data_dir = (dir / "data").string();
    config->key_file = (dir / "seam.key").string();
    config->default_region = d->region;
    seam::server::AppOptions options;
    options.config = *config;
    options.env = {{"SEAM_WRITE_KEY", kWrite}, {"SEAM_READ_KEY", kRead}, {"SEAM_ADMIN_KEY", kAdmin}};
    auto app = seam::server::App::Create(std::move(options));
    if (!app.ok() || !(*app)->Start().ok()) {
      std::fprintf(stderr, "cannot start: %s\n", app.ok() ? "listen" : app.status().message().c_str());
      return 1;
    }
    Client client((*app)->port());

    std::string csv = "customer_id";
    for (const auto& c : kColumns) csv += "," + c;
    csv += "\n";
    for (const auto& row : d->rows) {
      csv += Csv(row.record_id);
      for (const auto& c : kColumns) {
        auto it = row.fields.find(c);
        csv += "," + (it == row.fields.end() || it->second.empty() ? std::string() : Csv(it->second.front()));
      }
      csv += "\n";
    }
    auto t0 = Clock::now();
    auto [status, body] = client.Call(bhttp::verb::post, "/v1/imports/customers", kWrite, csv);
    const double import_s = std::chrono::duration<double>(Clock::now() - t0).count();
    if (status != 200) {
      std::fprintf(stderr, "%s: import answered %d %s\n", name.c_str(), status, body.substr(0, 300).c_str());
      return 1;
    }
    const auto report = nlohmann::json::parse(body);
    const Scores before = Read(client, *d);
    t0 = Clock::now();
    auto [tstatus, tbody] = client.Call(bhttp::verb::post, "/v1/model/train", kAdmin);
    const double train_s = std::chrono::duration<double>(Clock::now() - t0).count();
    if (tstatus != 200) {
      std::fprintf(stderr, "%s: train answered %d %s\n", name.c_str(), tstatus, tbody.substr(0, 300).c_str());
      return 1;
    }
    const Scores after = Read(client, *d);
    (*app)->Shutdown();
    app->reset();
    std::filesystem::remove_all(dir);
    auto prf = [](const seam::bench::Prf& p) { return nlohmann::json{{"precision", p.precision}, {"recall", p.recall}, {"f1", p.f1}}; };
    out.push_back({{"dataset", name},
                   {"records", d->rows.size()},
                   {"accepted", report["accepted"]},
                   {"default", {{"pairwise", prf(before.pairwise)}, {"bcubed", prf(before.bcubed)}}},
                   {"trained", {{"pairwise", prf(after.pairwise)}, {"bcubed", prf(after.bcubed)}}},
                   {"import_seconds", import_s},
                   {"train_seconds", train_s}});
    if (!json)
      std::printf("%-16s %7zu | %.3f / %.3f / %.4f (%.3f) | %.3f / %.3f / %.4f (%.3f) | %7.1f %7.1f\n", name.c_str(),
                  d->rows.size(), before.pairwise.precision, before.pairwise.recall, before.pairwise.f1, before.bcubed.f1,
                  after.pairwise.precision, after.pairwise.recall, after.pairwise.f1, after.bcubed.f1, import_s, train_s);
    std::fflush(stdout);
  }
  if (json) std::printf("%s\n", out.dump(2).c_str());
  return 0;
}
