// seam_loadgen: drives Seam (or the baseline server) with Segment batches,
// single tracks or profile lookups, closed- or open-loop, and reports
// throughput, status counts and latency percentiles. Usage: --help.
#include <sys/resource.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "load_runner.h"
#include "workload.h"

namespace seam::bench {
namespace {

constexpr const char* kUsage = R"(usage: seam_loadgen MODE --url http://HOST:PORT [options]

MODE
  batch     POST /v1/batch with Segment batches (identify/track/page mix)
  track     POST /v1/track with one track message per request
  lookup    GET /v1/profiles/{type:value} for identifiers of the user pool
  preload   POST one identify (userId, anonymousId, email, phone) for each of
            users 0..N-1 (--preload N) in batches of 500, each sent once

options
  --url URL            server to load (required)
  --write-key K        ingest key (default $SEAM_WRITE_KEY), sent as HTTP Basic
  --read-key K         lookup key (default $SEAM_READ_KEY), sent as Bearer
  --connections C      keep-alive connections (default 16)
  --threads T          load generator threads, 1 or 2 (default 1)
  --duration S         seconds to run (default 10)
  --requests N         stop after N requests instead of after a duration
  --rate R             open loop: R requests/s on a fixed schedule, latency
                       measured from the scheduled time (default: closed loop)
  --batch-size N       messages per batch (default 500)
  --pool N             users in the pool (default 100000)
  --seed S             pool seed: the same seed gives the same identifiers (default 1)
  --bodies N           distinct pre-generated bodies (default 128 batches,
                       4096 tracks, 65536 lookups; at least one per connection)
  --preload N          lookup: first ingest one identify for each of users
                       0..N-1 (as the preload mode does) and then look up only
                       those; preload: the number of users
  --lookup-types LIST  comma-separated of user_id,email,phone (default all)
  --json               print a JSON summary on stdout (the human line goes to stderr)
  --smoke              a ~1-2 s run with small defaults, for CI
  --show-errors N      print the request line and body of the first N non-2xx answers
  --strict             fail unless every answer is a 2xx and no connection failed
Exit status: 0 if at least one request got a 2xx answer (with --strict: all
did), 1 otherwise, 2 on bad usage.
)";

enum class Mode { kBatch, kTrack, kLookup, kPreload };

struct Options {
  Mode mode = Mode::kBatch;
  std::string mode_name;
  std::string url;
  std::string write_key, read_key;
  RunOptions run;
  std::size_t batch_size = 500;
  uint64_t pool = 100'000;
  uint64_t seed = 1;
  std::size_t bodies = 0;
  uint64_t preload = 0;
  std::vector<IdType> lookup_types = {IdType::kUserId, IdType::kEmail, IdType::kPhone};
  bool json = false;
  bool smoke = false;
  bool strict = false;
};

template <typename T>
bool ParseNumber(std::string_view text, T& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

bool ParseDouble(const std::string& text, double& out) {
  char* end = nullptr;
  out = std::strtod(text.c_str(), &end);
  return !text.empty() && end == text.c_str() + text.size() && out >= 0;
}

Result<Options> ParseArgs(int argc, char** argv) {
  auto bad = [](std::string message) { return Status::Invalid("usage", std::move(message)); };
  if (argc < 2) return bad("a MODE is required");
  Options o;
  o.mode_name = argv[1];
  if (o.mode_name == "batch") o.mode = Mode::kBatch;
  else if (o.mode_name == "track") o.mode = Mode::kTrack;
  else if (o.mode_name == "lookup") o.mode = Mode::kLookup;
  else if (o.mode_name == "preload") o.mode = Mode::kPreload;
  else return bad("unknown mode " + o.mode_name);
  if (const char* k = std::getenv("SEAM_WRITE_KEY")) o.write_key = k;
  if (const char* k = std::getenv("SEAM_READ_KEY")) o.read_key = k;

  std::set<std::string> given;
  for (int i = 2; i < argc; ++i) {
    std::string name = argv[i];
    if (name == "--json") { o.json = true; continue; }
    if (name == "--smoke") { o.smoke = true; continue; }
    if (name == "--strict") { o.strict = true; continue; }
    if (name.rfind("--", 0) != 0 || i + 1 >= argc) return bad("bad argument " + name);
    const std::string value = argv[++i];
    given.insert(name);
    bool ok = true;
    if (name == "--url") o.url = value;
    else if (name == "--write-key") o.write_key = value;
    else if (name == "--read-key") o.read_key = value;
    else if (name == "--connections") ok = ParseNumber(value, o.run.connections);
    else if (name == "--threads") ok = ParseNumber(value, o.run.threads);
    else if (name == "--duration") ok = ParseDouble(value, o.run.duration_s);
    else if (name == "--requests") ok = ParseNumber(value, o.run.max_requests);
    else if (name == "--rate") ok = ParseDouble(value, o.run.rate);
    else if (name == "--batch-size") ok = ParseNumber(value, o.batch_size) && o.batch_size > 0;
    else if (name == "--pool") ok = ParseNumber(value, o.pool) && o.pool > 0 && o.pool <= UserPool::kMaxUsers;
    else if (name == "--seed") ok = ParseNumber(value, o.seed);
    else if (name == "--show-errors") ok = ParseNumber(value, o.run.show_errors);
    else if (name == "--bodies") ok = ParseNumber(value, o.bodies);
    else if (name == "--preload") ok = ParseNumber(value, o.preload) && o.preload <= UserPool::kMaxUsers;
    else if (name == "--lookup-types") {
      o.lookup_types.clear();
      std::string_view rest = value;
      while (!rest.empty()) {
        auto comma = rest.find(',');
        auto item = rest.substr(0, comma);
        if (item == "user_id") o.lookup_types.push_back(IdType::kUserId);
        else if (item == "email") o.lookup_types.push_back(IdType::kEmail);
        else if (item == "phone") o.lookup_types.push_back(IdType::kPhone);
        else return bad("unknown lookup type " + std::string(item));
        rest = comma == std::string_view::npos ? "" : rest.substr(comma + 1);
      }
      ok = !o.lookup_types.empty();
    } else return bad("unknown option " + name);
    if (!ok) return bad("bad value for " + name + ": " + value);
  }
  if (given.count("--requests") && !given.count("--duration")) o.run.duration_s = 0;
  if (o.smoke) {
    // Small enough for CI: about a second of load after a fast start-up.
    if (!given.count("--duration") && !given.count("--requests")) o.run.duration_s = 1;
    if (!given.count("--connections")) o.run.connections = 2;
    if (!given.count("--batch-size")) o.batch_size = 50;
    if (!given.count("--pool")) o.pool = 1000;
    if (!given.count("--bodies")) o.bodies = 8;
  }
  if (o.preload > 0 && o.mode != Mode::kLookup && o.mode != Mode::kPreload)
    return bad("--preload is for lookup and preload runs");
  if (o.mode == Mode::kPreload && o.preload == 0) return bad("preload needs --preload N");
  if (o.run.rate > 0 && o.run.duration_s <= 0 && o.run.max_requests == 0) return bad("--rate needs --duration or --requests");

  std::string_view url = o.url;
  if (url.rfind("http://", 0) != 0) return bad("--url http://HOST:PORT is required");
  url.remove_prefix(7);
  url = url.substr(0, url.find('/'));
  auto colon = url.rfind(':');
  if (colon == std::string_view::npos) return bad("--url needs a port");
  o.run.host = std::string(url.substr(0, colon));
  o.run.port = std::string(url.substr(colon + 1));
  const bool ingest = o.mode != Mode::kLookup || o.preload > 0;
  if (ingest && o.write_key.empty()) return bad("a write key is needed (--write-key or SEAM_WRITE_KEY)");
  if (o.mode == Mode::kLookup && o.read_key.empty()) return bad("a read key is needed (--read-key or SEAM_READ_KEY)");
  return o;
}

std::string PostRequest(const Options& o, std::string_view target, std::string_view body, std::size_t& header_size) {
  std::string bytes = fmt::format(
      "POST {} HTTP/1.1\r\nHost: {}:{}\r\nAuthorization: {}\r\nContent-Type: application/json\r\n"
      "User-Agent: seam-loadgen/1\r\nContent-Length: {}\r\n\r\n",
      target, o.run.host, o.run.port, BasicAuthHeader(o.write_key), body.size());
  header_size = bytes.size();
  bytes.append(body);
  return bytes;
}

PreparedRequest FromBody(const Options& o, std::string_view target, GeneratedBody body) {
  PreparedRequest r;
  std::size_t header = 0;
  r.bytes = PostRequest(o, target, body.json, header);
  for (uint32_t at : body.id_counter_offsets) r.counters.push_back(static_cast<uint32_t>(header + at));
  r.events = body.events;
  return r;
}

// A per-process nonce in every messageId: two runs against one server never
// send the same id, so neither measures Seam's duplicate path.
uint32_t ProcessNonce() {
  std::random_device rd;
  return rd();
}

RequestPlan IngestPlan(const Options& o, const UserPool& pool) {
  RequestPlan plan;
  const uint32_t nonce = ProcessNonce();
  const bool batch = o.mode == Mode::kBatch;
  const std::size_t wanted = o.bodies ? o.bodies : batch ? 128 : 4096;
  const std::size_t count = std::max(wanted, static_cast<std::size_t>(o.run.connections));
  TrafficGenerator gen(pool, nonce, 0);
  for (std::size_t i = 0; i < count; ++i) {
    if (batch) plan.requests.push_back(FromBody(o, "/v1/batch", gen.Batch(o.batch_size)));
    else plan.requests.push_back(FromBody(o, "/v1/track", gen.SingleTrack()));
  }
  return plan;
}

RequestPlan PreloadPlan(const Options& o, const UserPool& pool) {
  RequestPlan plan;
  plan.one_shot = true;
  TrafficGenerator gen(pool, ProcessNonce(), 1);
  const uint64_t per_batch = 500;
  for (uint64_t first = 0; first < o.preload; first += per_batch)
    plan.requests.push_back(FromBody(o, "/v1/batch", gen.IdentifyBatch(first, std::min(per_batch, o.preload - first))));
  return plan;
}

RequestPlan LookupPlan(const Options& o, const UserPool& pool) {
  RequestPlan plan;
  const uint64_t users = o.preload > 0 ? o.preload : pool.size();
  const std::size_t wanted = o.bodies ? o.bodies : 65536;
  const std::size_t count = std::max(wanted, static_cast<std::size_t>(o.run.connections));
  std::mt19937_64 rng(o.seed ^ 0x6c6f6f6b7570ULL);
  const std::string auth = "Bearer " + o.read_key;
  for (std::size_t i = 0; i < count; ++i) {
    const uint64_t user = rng() % users;
    const IdType type = o.lookup_types[rng() % o.lookup_types.size()];
    const std::string ref = std::string(IdTypeName(type)) + ":" + pool.Identifier(type, user);
    PreparedRequest r;
    r.bytes = fmt::format(
        "GET /v1/profiles/{} HTTP/1.1\r\nHost: {}:{}\r\nAuthorization: {}\r\nAccept: application/json\r\n"
        "User-Agent: seam-loadgen/1\r\n\r\n",
        UrlEncode(ref), o.run.host, o.run.port, auth);
    plan.requests.push_back(std::move(r));
  }
  return plan;
}

struct Summary {
  double p50, p90, p99, p999, max, mean;  // milliseconds
};

Summary Percentiles(std::vector<int64_t>& ns) {
  if (ns.empty()) return {0, 0, 0, 0, 0, 0};
  std::sort(ns.begin(), ns.end());
  auto at = [&](double q) {
    const auto i = std::min(ns.size() - 1, static_cast<std::size_t>(q * static_cast<double>(ns.size())));
    return static_cast<double>(ns[i]) / 1e6;
  };
  double sum = 0;
  for (auto v : ns) sum += static_cast<double>(v);
  return {at(0.50), at(0.90), at(0.99), at(0.999), static_cast<double>(ns.back()) / 1e6,
          sum / static_cast<double>(ns.size()) / 1e6};
}

// CPU seconds this process has used (user + system), to tell how much of
// the machine the load generator itself took.
double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return secs(u.ru_utime) + secs(u.ru_stime);
}

uint64_t CountOf(const RunResult& r, int code) {
  auto it = r.status.find(code);
  return it == r.status.end() ? 0 : it->second;
}

int Report(const Options& o, RunResult& r, double cpu_s) {
  const Summary lat = Percentiles(r.latencies_ns);
  const double secs = r.elapsed_s > 0 ? r.elapsed_s : 1e-9;
  const double rps = static_cast<double>(r.responses) / secs;
  const double eps = static_cast<double>(r.events_accepted) / secs;
  const uint64_t other = r.responses - CountOf(r, 200) - CountOf(r, 429) - CountOf(r, 503);
  const bool open = o.run.rate > 0;

  std::string statuses;
  for (auto [code, n] : r.status) statuses += fmt::format(" {}={}", code, n);
  std::string line = fmt::format("{} {}: ", o.mode_name, open ? fmt::format("open-loop@{:.0f}/s", o.run.rate) : "closed-loop");
  if (o.mode != Mode::kLookup) line += fmt::format("{:.0f} events/s, ", eps);
  line += fmt::format(
      "{:.1f} req/s over {:.2f} s, {} conn x {} thr | status{} (429={} 503={} other={}) errors={}{} | "
      "latency ms p50={:.3f} p99={:.3f} p999={:.3f} max={:.3f}",
      rps, secs, o.run.connections, o.run.threads, statuses, CountOf(r, 429), CountOf(r, 503), other, r.errors,
      open ? fmt::format(" missed={}", r.missed) : "", lat.p50, lat.p99, lat.p999, lat.max);

  if (o.json) {
    std::cerr << line << "\n";
    nlohmann::json status = nlohmann::json::object();
    for (auto [code, n] : r.status) status[std::to_string(code)] = n;
    nlohmann::json j = {
        {"mode", o.mode_name},
        {"open_loop", open},
        {"target_rate", o.run.rate},
        {"connections", o.run.connections},
        {"threads", o.run.threads},
        {"batch_size", o.mode == Mode::kBatch ? o.batch_size : o.mode == Mode::kPreload ? 500 : 1},
        {"elapsed_s", secs},
        {"requests", r.responses},
        {"successes", r.successes},
        {"requests_per_s", rps},
        {"events", r.events_accepted},
        {"events_per_s", eps},
        {"status", status},
        {"status_200", CountOf(r, 200)},
        {"status_429", CountOf(r, 429)},
        {"status_503", CountOf(r, 503)},
        {"status_other", other},
        {"errors", r.errors},
        {"missed", r.missed},
        {"loadgen_cpu_s", cpu_s},
        {"latency_ms", {{"p50", lat.p50}, {"p90", lat.p90}, {"p99", lat.p99}, {"p999", lat.p999},
                        {"max", lat.max}, {"mean", lat.mean}}},
    };
    std::cout << j.dump() << "\n";
  } else {
    std::cout << line << "\n";
  }
  if (o.strict) return r.successes > 0 && r.successes == r.responses && r.errors == 0 && r.missed == 0 ? 0 : 1;
  return r.successes > 0 ? 0 : 1;
}

int Main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (std::string_view(argv[i]) == "--help" || std::string_view(argv[i]) == "-h") {
      std::cout << kUsage;
      return 0;
    }
  auto parsed = ParseArgs(argc, argv);
  if (!parsed.ok()) {
    std::cerr << "seam_loadgen: " << parsed.status().message() << "\n" << kUsage;
    return 2;
  }
  Options& o = *parsed;
  const UserPool pool(o.seed, o.preload > 0 ? std::max(o.preload, uint64_t{1}) : o.pool);

  if (o.preload > 0) {
    RequestPlan preload = PreloadPlan(o, pool);
    RunOptions run = o.run;
    run.duration_s = 0;
    run.max_requests = 0;
    run.rate = 0;
    run.connections = std::min<int>(o.run.connections, static_cast<int>(preload.requests.size()));
    run.threads = std::min(run.threads, run.connections);
    const double cpu0 = CpuSeconds();
    auto result = RunLoad(run, preload);
    if (!result.ok()) {
      std::cerr << "seam_loadgen: preload: " << result.status().message() << "\n";
      return 1;
    }
    const bool complete = result->successes == preload.requests.size();
    if (o.mode == Mode::kPreload) {
      o.run = run;
      const int rc = Report(o, *result, CpuSeconds() - cpu0);
      return complete ? rc : 1;
    }
    std::cerr << fmt::format("preload: {} users in {:.2f} s ({:.0f} events/s), {} of {} batches answered 2xx\n",
                             o.preload, result->elapsed_s, static_cast<double>(result->events_accepted) / result->elapsed_s,
                             result->successes, preload.requests.size());
    if (!complete) {
      std::cerr << "seam_loadgen: preload failed: not every batch was accepted\n";
      return 1;
    }
  }

  const auto t0 = std::chrono::steady_clock::now();
  RequestPlan plan = o.mode == Mode::kLookup ? LookupPlan(o, pool) : IngestPlan(o, pool);
  const double gen_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!o.json)
    std::cerr << fmt::format("prepared {} requests in {:.2f} s\n", plan.requests.size(), gen_s);

  const double cpu0 = CpuSeconds();
  auto result = RunLoad(o.run, plan);
  if (!result.ok()) {
    std::cerr << "seam_loadgen: " << result.status().message() << "\n";
    return 1;
  }
  return Report(o, *result, CpuSeconds() - cpu0);
}

}  // namespace
}  // namespace seam::bench

int main(int argc, char** argv) { return seam::bench::Main(argc, argv); }
