// seam_baseline: what this machine can do for Seam's endpoints with the same
// libraries and no identity work, so Seam's figures have a yardstick.
//
//   POST /v1/batch    simdjson parse; one RocksDB WriteBatch per request with
//                     a Put per message (key messageId, value the raw
//                     message); WriteOptions.sync, as Seam: 200 = WAL synced.
//                     Writes run on a pool of writer threads, so concurrent
//                     requests share one WAL sync through RocksDB's write
//                     group (Seam gets the same from its group commit)
//   POST /v1/track    the same for one message
//   GET  /v1/profiles/{ref}  one Get of a ~1 KB document stored under
//                     "type:value" (written at start-up by --preload)
//
// Same auth header shape as Seam (Basic write key for ingest, Bearer read key
// for lookups, from SEAM_WRITE_KEY / SEAM_READ_KEY), same CLI shape, the same
// "listening on http://..." line, one io thread per core, and Seam's RocksDB
// settings (one block cache and one write-buffer budget, LZ4, bloom filters).
// Not done, unlike Seam: encryption at rest, normalisation, identity
// resolution, profiles, deduplication.
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <fmt/format.h>
#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>
#include <rocksdb/write_buffer_manager.h>
#include <simdjson.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "seam/status.h"
#include "workload.h"

namespace seam::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// Seam's limits and buffer sizes (config/seam.json, src/http/listener.cpp).
constexpr std::size_t kReadBufferReserve = 64 * 1024;
constexpr uint64_t kMaxBodyBytes = 4u << 20;
constexpr uint32_t kMaxHeaderBytes = 16 * 1024;
constexpr auto kIdleTimeout = std::chrono::seconds(60);
constexpr std::size_t kCacheBytes = 128u << 20;
constexpr std::size_t kMemtableBudgetBytes = 128u << 20;
constexpr uint64_t kPreloadUsersPerBatch = 1000;
// Enough writers that every connection of a typical run can wait on a sync
// at once: a blocked io thread would otherwise cap how many requests share one.
constexpr int kDefaultWriters = 16;

constexpr const char* kUsage = R"(usage: seam_baseline [serve] --listen HOST:PORT --data-dir DIR [--threads N]
                     [--writers N] [--preload USERS --seed S]
Keys come from SEAM_WRITE_KEY (ingest, HTTP Basic) and SEAM_READ_KEY (lookups, Bearer).
--preload stores a ~1 KB profile document under user_id:, email: and phone: of
each of users 0..USERS-1 of the load generator's pool with seed S.
)";

struct Store {
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;  // default, events, profiles
  std::shared_ptr<rocksdb::Cache> cache;
  std::shared_ptr<rocksdb::WriteBufferManager> write_buffers;

  rocksdb::ColumnFamilyHandle* events() const { return handles[1]; }
  rocksdb::ColumnFamilyHandle* profiles() const { return handles[2]; }

  ~Store() {
    if (!db) return;
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h).PermitUncheckedError();
    db->Close().PermitUncheckedError();
  }
};

Result<std::unique_ptr<Store>> OpenStore(const std::string& path) {
  auto store = std::make_unique<Store>();
  store->cache = rocksdb::NewLRUCache(kCacheBytes);
  store->write_buffers = std::make_shared<rocksdb::WriteBufferManager>(kMemtableBudgetBytes, store->cache);
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.write_buffer_manager = store->write_buffers;
  db_options.max_background_jobs = 2;
  db_options.keep_log_file_num = 4;
  db_options.max_total_wal_size = 256u << 20;
  db_options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;

  rocksdb::BlockBasedTableOptions table;
  table.block_cache = store->cache;
  table.cache_index_and_filter_blocks = true;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  rocksdb::ColumnFamilyOptions cf_options;
  cf_options.compression = rocksdb::kLZ4Compression;
  cf_options.write_buffer_size = 32u << 20;
  cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const char* name : {"default", "events", "profiles"}) descriptors.emplace_back(name, cf_options);
  rocksdb::DB* raw = nullptr;
  auto s = rocksdb::DB::Open(db_options, path, descriptors, &store->handles, &raw);
  if (!s.ok()) return Status::Unavailable("cannot open " + path + ": " + s.ToString());
  store->db.reset(raw);
  return store;
}

Status Preload(Store& store, uint64_t users, uint64_t seed) {
  const UserPool pool(seed, users);
  rocksdb::WriteBatch batch;
  for (uint64_t u = 0; u < users; ++u) {
    const std::string doc = ProfileDocument(pool, u);
    for (IdType type : {IdType::kUserId, IdType::kEmail, IdType::kPhone}) {
      const std::string key = std::string(IdTypeName(type)) + ":" + pool.Identifier(type, u);
      batch.Put(store.profiles(), key, doc).PermitUncheckedError();
    }
    if ((u + 1) % kPreloadUsersPerBatch == 0 || u + 1 == users) {
      auto s = store.db->Write(rocksdb::WriteOptions(), &batch);
      if (!s.ok()) return Status::Unavailable("preload: " + s.ToString());
      batch.Clear();
    }
  }
  auto s = store.db->SyncWAL();
  if (!s.ok()) return Status::Unavailable("preload: " + s.ToString());
  // Settle the store before serving: no flush or compaction of the preload
  // should run during a measured lookup run.
  rocksdb::FlushOptions flush;
  flush.wait = true;
  s = store.db->Flush(flush, store.profiles());
  if (s.ok()) s = store.db->CompactRange(rocksdb::CompactRangeOptions(), store.profiles(), nullptr, nullptr);
  return s.ok() ? Status::Ok() : Status::Unavailable("preload: " + s.ToString());
}

struct Service {
  Store& store;
  std::string write_auth;  // the whole Authorization header value
  std::string read_auth;
  asio::thread_pool& writers;
  std::atomic<uint64_t> unnamed{0};  // ids for messages without a messageId
};

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;
using Done = std::function<void(Response)>;

// What an answer needs of its request, so it can be built after the request is gone.
struct ReplyTo {
  unsigned version;
  bool keep_alive;
};
ReplyTo ReplyFor(const Request& req) { return {req.version(), req.keep_alive()}; }

Response Answer(ReplyTo to, http::status status, std::string body) {
  Response res{status, to.version};
  res.set(http::field::server, "seam-baseline");
  res.set(http::field::content_type, "application/json");
  res.keep_alive(to.keep_alive);
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}
Response Answer(const Request& req, http::status status, std::string body) {
  return Answer(ReplyFor(req), status, std::move(body));
}

Response Error(ReplyTo req, http::status status, std::string_view code, std::string_view message) {
  return Answer(req, status, fmt::format(R"({{"error":{{"code":"{}","message":"{}"}}}})", code, message));
}

// simdjson reads up to SIMDJSON_PADDING bytes past the end; the session
// reserved that room in the body, so no copy is needed in the common case.
simdjson::padded_string_view Padded(std::string& body, std::optional<simdjson::padded_string>& copy) {
  if (body.capacity() >= body.size() + simdjson::SIMDJSON_PADDING)
    return simdjson::padded_string_view(body.data(), body.size(), body.capacity());
  copy.emplace(body);
  return simdjson::padded_string_view(copy->data(), copy->size(), copy->size() + simdjson::SIMDJSON_PADDING);
}

// Puts one message, keyed by its messageId, into `batch`.
simdjson::error_code AddMessage(Service& s, simdjson::ondemand::object message, std::string_view raw_fallback,
                                rocksdb::WriteBatch& batch) {
  std::string_view id;
  std::string generated;
  if (message.find_field_unordered("messageId").get_string().get(id) != simdjson::SUCCESS) {
    generated = fmt::format("baseline-{}", s.unnamed.fetch_add(1, std::memory_order_relaxed));
    id = generated;
  }
  std::string_view raw = raw_fallback;
  if (raw.empty()) {
    if (auto e = message.reset().error()) return e;
    if (auto e = message.raw_json().get(raw)) return e;
  }
  batch.Put(s.store.events(), rocksdb::Slice(id.data(), id.size()), rocksdb::Slice(raw.data(), raw.size()))
      .PermitUncheckedError();
  return simdjson::SUCCESS;
}

// Writes the batch with sync on a writer thread and answers from there.
void Commit(Service& s, ReplyTo to, std::unique_ptr<rocksdb::WriteBatch> batch, std::size_t accepted, Done done) {
  asio::post(s.writers, [&s, to, batch = std::move(batch), accepted, done = std::move(done)] {
    rocksdb::WriteOptions sync;
    sync.sync = true;
    auto status = s.store.db->Write(sync, batch.get());
    if (!status.ok()) {
      Response res = Error(to, http::status::service_unavailable, "unavailable", "not stored, retry");
      res.set(http::field::retry_after, "1");
      return done(std::move(res));
    }
    done(Answer(to, http::status::ok, fmt::format(R"({{"success":true,"accepted":{},"rejected":[]}})", accepted)));
  });
}

void Ingest(Service& s, Request& req, bool batch_endpoint, Done done) {
  const ReplyTo to = ReplyFor(req);
  if (req[http::field::authorization] != s.write_auth)
    return done(Error(to, http::status::unauthorized, "unauthenticated", "a write key is required"));
  thread_local simdjson::ondemand::parser parser;
  std::optional<simdjson::padded_string> copy;
  simdjson::ondemand::document doc;
  if (parser.iterate(Padded(req.body(), copy)).get(doc) != simdjson::SUCCESS)
    return done(Error(to, http::status::bad_request, "invalid_json", "body is not JSON"));
  auto batch = std::make_unique<rocksdb::WriteBatch>();
  std::size_t accepted = 0;
  if (!batch_endpoint) {
    simdjson::ondemand::object message;
    if (doc.get_object().get(message) != simdjson::SUCCESS ||
        AddMessage(s, message, req.body(), *batch) != simdjson::SUCCESS)
      return done(Error(to, http::status::bad_request, "invalid_json", "body is not a JSON object"));
    return Commit(s, to, std::move(batch), 1, std::move(done));
  }
  simdjson::ondemand::array messages;
  if (doc.find_field_unordered("batch").get_array().get(messages) != simdjson::SUCCESS)
    return done(Error(to, http::status::bad_request, "invalid_field", "batch must be an array"));
  for (auto element : messages) {
    simdjson::ondemand::object message;
    if (element.get_object().get(message) != simdjson::SUCCESS ||
        AddMessage(s, message, {}, *batch) != simdjson::SUCCESS)
      return done(Error(to, http::status::bad_request, "invalid_json", "a batch element is not a JSON object"));
    ++accepted;
  }
  Commit(s, to, std::move(batch), accepted, std::move(done));
}

Response Lookup(Service& s, const Request& req, std::string_view encoded_ref) {
  if (req[http::field::authorization] != s.read_auth)
    return Error(ReplyFor(req), http::status::unauthorized, "unauthenticated", "a read key is required");
  std::string ref;
  if (!UrlDecode(encoded_ref, ref)) return Error(ReplyFor(req), http::status::bad_request, "invalid_ref", "bad escape");
  std::string value;
  auto status = s.store.db->Get(rocksdb::ReadOptions(), s.store.profiles(), ref, &value);
  if (status.IsNotFound()) return Error(ReplyFor(req), http::status::not_found, "profile_not_found", "no such profile");
  if (!status.ok()) return Error(ReplyFor(req), http::status::service_unavailable, "unavailable", "store read failed");
  return Answer(req, http::status::ok, std::move(value));
}

// Answers through `done`, at once or (ingest) from a writer thread.
void Handle(Service& s, Request& req, Done done) {
  const std::string_view target(req.target().data(), req.target().size());
  constexpr std::string_view kProfiles = "/v1/profiles/";
  if (req.method() == http::verb::post && target == "/v1/batch") return Ingest(s, req, true, std::move(done));
  if (req.method() == http::verb::post && target == "/v1/track") return Ingest(s, req, false, std::move(done));
  if (req.method() == http::verb::get && target.rfind(kProfiles, 0) == 0)
    return done(Lookup(s, req, target.substr(kProfiles.size())));
  if (target == "/healthz" || target == "/readyz") return done(Answer(req, http::status::ok, R"({"status":"ok"})"));
  done(Error(ReplyFor(req), http::status::not_found, "not_found", "unknown route"));
}

// Beast's callback-style session (example/http/server/async), which builds
// with Boost 1.74.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, Service& service) : stream_(std::move(socket)), service_(service) {
    // A default flat_buffer grows in tiny steps: 17-28x slower on big bodies.
    buffer_.reserve(kReadBufferReserve);
  }

  void Run() {
    asio::dispatch(stream_.get_executor(), beast::bind_front_handler(&Session::ReadHeader, shared_from_this()));
  }

 private:
  void ReadHeader() {
    parser_.emplace();
    parser_->header_limit(kMaxHeaderBytes);
    parser_->body_limit(kMaxBodyBytes);
    stream_.expires_after(kIdleTimeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::OnHeader, shared_from_this()));
  }

  void OnHeader(beast::error_code ec, std::size_t) {
    if (ec) return Close();
    // Room for simdjson's padding, so the body is parsed where it lies.
    if (auto length = parser_->content_length())
      parser_->get().body().reserve(static_cast<std::size_t>(*length) + simdjson::SIMDJSON_PADDING);
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, std::size_t) {
    if (ec) return Close();
    request_ = parser_->release();
    Handle(service_, request_, [self = shared_from_this()](Response res) {
      // Back on the session's strand, whichever thread answered.
      asio::dispatch(self->stream_.get_executor(), [self, res = std::move(res)]() mutable {
        self->response_ = std::move(res);
        http::async_write(self->stream_, self->response_,
                          beast::bind_front_handler(&Session::OnWrite, self->shared_from_this()));
      });
    });
  }

  void OnWrite(beast::error_code ec, std::size_t) {
    if (ec || !response_.keep_alive()) return Close();
    ReadHeader();
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  Request request_;
  Response response_;
  Service& service_;
};

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(asio::io_context& io, tcp::acceptor acceptor, Service& service)
      : io_(io), acceptor_(std::move(acceptor)), service_(service) {}

  void Accept() {
    acceptor_.async_accept(asio::make_strand(io_), beast::bind_front_handler(&Listener::OnAccept, shared_from_this()));
  }

 private:
  void OnAccept(beast::error_code ec, tcp::socket socket) {
    if (!ec) {
      socket.set_option(tcp::no_delay(true), ec);
      std::make_shared<Session>(std::move(socket), service_)->Run();
    }
    if (acceptor_.is_open()) Accept();
  }

  asio::io_context& io_;
  tcp::acceptor acceptor_;
  Service& service_;
};

Result<tcp::acceptor> Bind(asio::io_context& io, const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) return Status::Invalid("usage", "--listen must be HOST:PORT");
  beast::error_code ec;
  auto address = asio::ip::make_address(listen.substr(0, colon), ec);
  if (ec) return Status::Invalid("usage", "--listen: bad address " + listen.substr(0, colon));
  unsigned long port = std::strtoul(listen.c_str() + colon + 1, nullptr, 10);
  tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
  tcp::acceptor acceptor(io);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Status::Unavailable("cannot listen on " + listen + ": " + ec.message());
  return acceptor;
}

struct Args {
  std::string listen = "127.0.0.1:8080";
  std::string data_dir = "./baseline-data";
  int threads = 0;
  int writers = kDefaultWriters;
  uint64_t preload = 0;
  uint64_t seed = 1;
};

std::optional<Args> ParseArgs(int argc, char** argv) {
  Args a;
  int i = 1;
  if (i < argc && std::string_view(argv[i]) == "serve") ++i;
  for (; i < argc; ++i) {
    const std::string_view name = argv[i];
    if (i + 1 >= argc) return std::nullopt;
    const std::string value = argv[++i];
    if (name == "--listen") a.listen = value;
    else if (name == "--data-dir") a.data_dir = value;
    else if (name == "--threads") a.threads = std::atoi(value.c_str());
    else if (name == "--writers") a.writers = std::atoi(value.c_str());
    else if (name == "--preload") a.preload = std::strtoull(value.c_str(), nullptr, 10);
    else if (name == "--seed") a.seed = std::strtoull(value.c_str(), nullptr, 10);
    else return std::nullopt;
  }
  if (a.preload > UserPool::kMaxUsers || a.writers < 1) return std::nullopt;
  return a;
}

int Main(int argc, char** argv) {
  auto args = ParseArgs(argc, argv);
  if (!args) {
    std::cerr << kUsage;
    return 2;
  }
  const char* write_key = std::getenv("SEAM_WRITE_KEY");
  const char* read_key = std::getenv("SEAM_READ_KEY");
  if (!write_key || !read_key || !*write_key || !*read_key) {
    std::cerr << "seam_baseline: SEAM_WRITE_KEY and SEAM_READ_KEY are required\n";
    return 2;
  }
  auto store = OpenStore(args->data_dir);
  if (!store.ok()) {
    std::cerr << "seam_baseline: " << store.status().message() << "\n";
    return 1;
  }
  if (args->preload > 0) {
    const auto t0 = std::chrono::steady_clock::now();
    if (auto s = Preload(**store, args->preload, args->seed); !s.ok()) {
      std::cerr << "seam_baseline: " << s.message() << "\n";
      return 1;
    }
    std::cerr << fmt::format("seam_baseline: preloaded {} users ({} documents) in {:.2f} s\n", args->preload,
                             3 * args->preload,
                             std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  asio::thread_pool writers(static_cast<std::size_t>(args->writers));
  Service service{**store, BasicAuthHeader(write_key), std::string("Bearer ") + read_key, writers};

  const int threads = args->threads > 0 ? args->threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  asio::io_context io(threads);
  auto acceptor = Bind(io, args->listen);
  if (!acceptor.ok()) {
    std::cerr << "seam_baseline: " << acceptor.status().message() << "\n";
    return 1;
  }
  const auto bound = acceptor->local_endpoint();
  std::make_shared<Listener>(io, std::move(*acceptor), service)->Accept();
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&io](beast::error_code, int) { io.stop(); });

  std::cout << "seam_baseline listening on http://" << bound.address().to_string() << ":" << bound.port() << "\n"
            << std::flush;
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : pool) t.join();
  writers.join();
  return 0;
}

}  // namespace
}  // namespace seam::bench

int main(int argc, char** argv) { return seam::bench::Main(argc, argv); }
