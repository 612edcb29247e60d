#include "server/app.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>

#include <spdlog/spdlog.h>

#include <chrono>
#include <future>
#include <mutex>
#include <thread>

#include "http/route_table.h"
#include "http/routes/routes.h"
#include "http/listener.h"
#include "identity/match_training.h"
#include "identity/model_store.h"
#include "identity/resolver.h"
#include "query/review_queue.h"
#include "ingest/import_records.h"
#include "ingest/import_service.h"
#include "ingest/segment.h"
#include "ingest/writer.h"
#include "query/identity_views.h"
#include "query/profile_query.h"
#include "seam/crypto.h"
#include "seam/metrics.h"
#include "seam/normalize.h"
#include "server/secrets.h"
#include "store/store.h"

namespace seam::server {
namespace {

namespace asio = boost::asio;

Micros WallClock() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<asio::ip::tcp::endpoint> ParseListen(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) return Status::Invalid("bad_config", "listen must be HOST:PORT");
  std::string host = listen.substr(0, colon);
  if (host.size() > 1 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) return Status::Invalid("bad_config", "listen host must be an IP address: " + host);
  int port = 0;
  try {
    port = std::stoi(listen.substr(colon + 1));
  } catch (const std::exception&) {
    port = -1;
  }
  if (port < 0 || port > 65535) return Status::Invalid("bad_config", "listen port must be 0-65535");
  return asio::ip::tcp::endpoint(address, static_cast<unsigned short>(port));
}

}  // namespace

struct App::Impl {
  AppOptions options;
  Config& config = options.config;
  SecretKeys secrets{};
  std::unique_ptr<Sealer> sealer;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<Normalizer> normalizer;
  std::unique_ptr<ingest::Blocklist> blocklist;
  identity::LinkPolicy policy;
  std::unique_ptr<identity::Resolver> resolver;
  Metrics metrics;
  std::unique_ptr<ingest::Writer> writer;
  std::unique_ptr<ingest::SegmentParser> segment;
  std::unique_ptr<ingest::ImportService> imports;
  std::unique_ptr<query::ProfileQuery> profiles;
  std::unique_ptr<identity::ModelStore> models;
  std::unique_ptr<query::IdentityViews> views;
  std::unique_ptr<query::ReviewQueue> review;
  std::mutex train_mu;  // one training or activation at a time
  std::unique_ptr<auth::KeyStore> keys;
  std::vector<auth::NewKey> generated;
  std::unique_ptr<http::Services> services;
  http::Router router;
  asio::io_context io;
  std::unique_ptr<http::HttpServer> http;
  std::vector<std::thread> threads;
  std::atomic<bool> accepting{false};
  bool shut_down = false;

  explicit Impl(AppOptions o) : options(std::move(o)) {}

  // EM and term frequencies over every stored record's attributes, read
  // from a snapshot (ingest goes on), then stored as a snapshot and, when
  // asked, activated: the graph is re-evaluated under it.
  Result<nlohmann::json> Train(bool activate) {
    std::lock_guard lock(train_mu);
    const auto started = std::chrono::steady_clock::now();
    std::vector<identity::PersonAttributes> people;
    {
      store::ReadView view(*store);
      Status bad;
      Status s = view.Scan(store::Cf::kAttrs, "", [&](std::string_view, std::string_view value) {
        identity::AttrsEntry entry;
        if (!identity::AttrsEntry::Decode(value, entry)) {
          bad = Status::Internal("undecodable match attributes");
          return false;
        }
        auto person = identity::DecodePerson(entry.encoded);
        if (!person.ok()) {
          bad = person.status();
          return false;
        }
        people.push_back(std::move(*person));
        return true;
      });
      if (!s.ok()) return s;
      if (!bad.ok()) return bad;
    }
    if (people.size() < 2) return Status::Invalid("too_little_data", "training needs records with match attributes");
    auto start = models->Active();
    if (!start.ok()) return start.status();
    identity::TrainOptions to;
    to.max_block_size = static_cast<std::size_t>(config.max_block_size);
    to.solo_block_size = static_cast<std::size_t>(config.solo_block_size);
    identity::TrainingReport report;
    identity::MatchModel model = identity::Train(people, *start, to, &report);
    nlohmann::json about = {{"source", "trained"},
                            {"records", people.size()},
                            {"trained_at", FormatIso8601(WallClock())},
                            {"from", start->version},
                            {"expected_matches", report.expected_matches}};
    if (auto s = models->Save(model, about); !s.ok()) return s;
    nlohmann::json out = {{"version", model.version}, {"records", people.size()}, {"activated", false}};
    if (activate) {
      auto done = ActivateLocked(model);
      if (!done.ok()) return done.status();
      out["activated"] = true;
      out["reevaluated"] = *done;
    }
    out["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return out;
  }

  Result<nlohmann::json> Activate(const std::string& version) {
    std::lock_guard lock(train_mu);
    auto model = models->Find(version);
    if (!model.ok()) return model.status();
    if (!model->has_value()) return Status::NotFound("model_not_found", "no model snapshot " + version);
    auto done = ActivateLocked(**model);
    if (!done.ok()) return done.status();
    return nlohmann::json{{"version", version}, {"activated", true}, {"reevaluated", *done}};
  }

  Result<std::size_t> ActivateLocked(const identity::MatchModel& model) {
    if (auto s = models->Activate(model.version); !s.ok()) return s;
    return writer->Reevaluate(model);
  }
};

App::App(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

App::~App() { Shutdown(); }

Result<std::unique_ptr<App>> App::Create(AppOptions options) {
  auto impl = std::make_unique<Impl>(std::move(options));
  Impl& a = *impl;
  const Config& c = a.config;

  auto master = LoadMasterKey(c, a.options.env);
  if (!master.ok()) return master.status();
  if (master->source == "generated")
    spdlog::warn("generated a new security key at {}: back it up; without it the data dir cannot be read",
                 c.key_file);
  a.secrets = SecretKeys::Derive(master->key);
  a.sealer = std::make_unique<Sealer>(a.secrets.seal, c.encrypt_at_rest);
  if (!c.encrypt_at_rest) spdlog::warn("security.encrypt_at_rest is off: personal data is stored in clear");

  store::StoreOptions so;
  so.path = c.data_dir;
  so.compression = c.compression;
  so.memtable_budget_bytes = static_cast<std::size_t>(c.memtable_budget_mb) << 20;
  so.block_cache_bytes = static_cast<std::size_t>(c.block_cache_mb) << 20;
  so.object_cache_bytes = static_cast<std::size_t>(c.object_cache_mb) << 20;
  so.env = a.options.rocksdb_env;
  auto st = store::Store::Open(so, *a.sealer);
  if (!st.ok()) return st.status();
  a.store = std::move(*st);

  // The key check value proves the security key matches the data dir.
  const std::string probe_key = "security/check";
  auto probe = a.store->GetMeta(probe_key);
  if (!probe.ok()) return probe.status();
  const std::string expected = Hex(HmacSha256(a.secrets.lookup, "seam key check"));
  if (!probe->has_value()) {
    if (auto s = a.store->PutMeta(probe_key, expected, true); !s.ok()) return s;
  } else if (**probe != expected) {
    return Status::Invalid("wrong_security_key",
                           "the security key does not match the one this data dir was created with");
  }

  a.normalizer = std::make_unique<Normalizer>(c.default_region);
  a.blocklist = std::make_unique<ingest::Blocklist>(c.blocklist, *a.normalizer, c.identifier_types);
  a.policy = identity::PolicyFromConfig(c);
  identity::Resolver::Options ro;
  ro.max_component_sigs = c.max_component_signatures;
  ro.blocks = identity::BlockRule{static_cast<std::size_t>(c.max_block_size), static_cast<std::size_t>(c.solo_block_size)};
  ro.quarantine_fanout = static_cast<std::size_t>(c.quarantine_fanout);
  ro.person_keys = c.person_keys;
  a.models = std::make_unique<identity::ModelStore>(*a.store);
  auto active_model = a.models->Active();
  if (!active_model.ok()) return active_model.status();
  a.resolver = std::make_unique<identity::Resolver>(*a.store, a.policy, a.secrets.lookup, ro, std::move(*active_model));
  ingest::WriterOptions wo;
  wo.queue_capacity = static_cast<std::size_t>(c.queue_capacity);
  wo.max_group_records = static_cast<std::size_t>(c.max_group_records);
  wo.read_ahead = static_cast<std::size_t>(c.read_ahead_records);
  wo.sync = a.options.sync;
  wo.merge_parts = ingest::MergeReceiptParts;
  auto rules = profile::Survivorship::FromConfig(c.survivorship);
  if (!rules.ok()) return rules.status();
  wo.survivorship = std::move(*rules);
  a.writer = std::make_unique<ingest::Writer>(*a.store, *a.resolver, a.metrics, wo);
  a.segment = std::make_unique<ingest::SegmentParser>(c, *a.normalizer, *a.blocklist);
  a.profiles = std::make_unique<query::ProfileQuery>(*a.store, c, *a.normalizer, *a.blocklist,
                                                     a.secrets.lookup, a.policy);
  a.views = std::make_unique<query::IdentityViews>(*a.store, *a.profiles, *a.models, a.policy,
                                                   ro.blocks, c.max_component_signatures);
  a.review = std::make_unique<query::ReviewQueue>(*a.store, *a.models);
  ingest::ImportSettings is;
  is.pos_map = c.import_pos_map;
  is.customers_map = c.import_customers_map;
  is.batch_records = static_cast<std::size_t>(c.import_batch_records);
  is.max_in_flight = static_cast<std::size_t>(c.import_max_in_flight);
  is.max_open_receipts = static_cast<std::size_t>(c.import_max_open_receipts);
  is.max_errors = static_cast<std::size_t>(c.import_max_errors);
  is.spool_dir = c.import_spool_dir;
  a.imports = std::make_unique<ingest::ImportService>(*a.store, c, *a.normalizer, *a.blocklist, *a.writer, is,
                                                      WallClock);
  a.keys = std::make_unique<auth::KeyStore>(*a.store);
  auto generated = a.keys->Init(c, a.options.env, WallClock());
  if (!generated.ok()) return generated.status();
  a.generated = std::move(*generated);

  a.metrics.Describe("seam_events_ingested_total", "Records resolved and stored", "counter");
  a.metrics.Describe("seam_profile_merges_total", "Profile ids retired by merges", "counter");
  a.metrics.Describe("seam_http_requests_total", "HTTP requests by route, method and status", "counter");
  a.metrics.Describe("seam_store_size_bytes", "Approximate bytes on disk (SST and WAL)", "gauge");
  store::Store* store_ptr = a.store.get();
  a.metrics.Gauge("seam_store_size_bytes", [store_ptr] { return static_cast<double>(store_ptr->ApproximateSize()); });

  Impl* raw = impl.get();
  a.services.reset(new http::Services{c, *a.keys, *a.segment, *a.writer, *a.profiles, *a.imports, *a.views,
                                      *a.review, *a.models, a.metrics,
                                      [raw] { return raw->accepting.load() && !raw->store->failed(); }, WallClock,
                                      [raw](bool activate) { return raw->Train(activate); },
                                      [raw](const std::string& v) { return raw->Activate(v); }});
  http::RegisterRoutes(a.router, *a.services);
  a.router.SetObserver([raw](const std::string& route, const std::string& method, int status, double seconds) {
    raw->metrics.Add("seam_http_requests_total", 1,
                     Labels({{"route", route}, {"method", method}, {"status", std::to_string(status)}}));
    raw->metrics.ObserveLatency(Labels({{"route", route}}), seconds);
  });
  return std::unique_ptr<App>(new App(std::move(impl)));
}

Status App::Start() {
  Impl& a = *impl_;
  auto endpoint = ParseListen(a.config.listen);
  if (!endpoint.ok()) return endpoint.status();
  http::Limits limits;
  limits.max_body_bytes = a.config.max_body_bytes;
  limits.max_inflated_bytes = a.config.max_inflated_bytes;
  limits.max_header_bytes = a.config.max_header_bytes;
  limits.header_timeout = std::chrono::milliseconds(a.config.header_timeout_ms);
  limits.body_timeout = std::chrono::milliseconds(a.config.body_timeout_ms);
  limits.idle_timeout = std::chrono::milliseconds(a.config.idle_timeout_ms);
  limits.max_connections = static_cast<std::size_t>(a.config.max_connections);
  limits.max_stream_bytes = a.config.import_max_bytes;
  Impl* raw = impl_.get();
  a.http = std::make_unique<http::HttpServer>(
      a.io, *endpoint, limits,
      [raw](http::Request&& req, http::Responder respond) { raw->router.Dispatch(std::move(req), std::move(respond)); },
      [raw](http::Request& head, http::Responder respond) {
        return raw->router.SelectStream(head, std::move(respond));
      });
  if (auto s = a.http->Start(); !s.ok()) return s;
  a.writer->Start();
  if (auto s = a.imports->Resume(); !s.ok()) spdlog::error("cannot resume imports: {}", s.message());
  a.accepting = true;
  int n = a.config.threads > 0 ? a.config.threads : static_cast<int>(std::thread::hardware_concurrency());
  n = std::max(n, 1);
  for (int i = 0; i < n; ++i) a.threads.emplace_back([&io = a.io] { io.run(); });
  spdlog::info("seam listening on {}:{} (data dir {})", endpoint->address().to_string(), port(),
               a.config.data_dir);
  return Status::Ok();
}

uint16_t App::port() const { return impl_->http ? impl_->http->port() : 0; }

const std::vector<auth::NewKey>& App::generated_keys() const { return impl_->generated; }

void App::Shutdown() {
  Impl& a = *impl_;
  if (a.shut_down) return;
  a.shut_down = true;
  a.accepting = false;
  if (a.http) {
    std::promise<void> drained;
    auto done = drained.get_future();
    asio::post(a.io, [&] { a.http->Shutdown([&drained] { drained.set_value(); }); });
    if (!a.threads.empty()) done.wait_for(std::chrono::seconds(30));
  }
  a.imports->Stop();  // an async import resumes at the next start
  a.writer->Stop();
  a.io.stop();
  for (auto& t : a.threads) t.join();
  a.threads.clear();
  a.http.reset();
  if (auto s = a.store->Close(); !s.ok()) spdlog::error("closing the store: {}", s.message());
  spdlog::info("seam stopped");
}

Status App::FlushStore() { return impl_->store->Flush(); }

void App::RunUntilSignal() {
  asio::io_context signals_io;
  asio::signal_set signals(signals_io, SIGINT, SIGTERM);
  signals.async_wait([](const boost::system::error_code&, int sig) {
    spdlog::info("signal {} received: draining", sig);
  });
  signals_io.run();
  Shutdown();
}

}  // namespace seam::server
