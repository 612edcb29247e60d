#include "load_runner.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <deque>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>

#include "workload.h"

namespace seam::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// Answers are small, but a profile with a long history is not: keep the
// buffer big enough that one read usually takes a whole answer.
constexpr std::size_t kReadBufferReserve = 64 * 1024;
constexpr uint64_t kAnswerBodyLimit = 64u << 20;
constexpr auto kReconnectPause = std::chrono::milliseconds(100);
// Room in the 48-bit messageId counter: 12 bits of connection, 36 of sequence.
constexpr int kCounterSequenceBits = 36;
constexpr int kMaxConnections = 4095;

uint32_t AcceptedIn(const std::string& body) {
  constexpr std::string_view kField = "\"accepted\":";
  auto at = body.find(kField);
  if (at == std::string::npos) return 0;
  const char* begin = body.data() + at + kField.size();
  uint32_t n = 0;
  std::from_chars(begin, body.data() + body.size(), n);
  return n;
}

// State every worker reads; `taken` is the only thing they share mutably.
struct Shared {
  const RunOptions& options;
  RequestPlan& plan;
  tcp::endpoint endpoint;
  Clock::time_point start, deadline, drain_end;
  std::atomic<uint64_t> taken{0};
  std::atomic<int> errors_shown{0};

  bool closed_loop() const { return options.rate <= 0; }

  // The next request slot, or nothing once the request budget is spent.
  std::optional<uint64_t> Take() {
    const uint64_t limit = plan.one_shot ? plan.requests.size() : options.max_requests;
    if (limit != 0 && taken.load(std::memory_order_relaxed) >= limit) return std::nullopt;
    const uint64_t slot = taken.fetch_add(1, std::memory_order_relaxed);
    if (limit != 0 && slot >= limit) return std::nullopt;
    return slot;
  }
};

class Worker;

class Connection {
 public:
  Connection(Worker& worker, Shared& shared, asio::io_context& io, int index)
      : worker_(worker), shared_(shared), io_(io), socket_(io), retry_(io), id_base_(uint64_t(index + 1)
                                                                                     << kCounterSequenceBits) {
    buffer_.reserve(kReadBufferReserve);
    const auto& all = shared.plan.requests;
    const auto n = static_cast<std::size_t>(shared.options.connections);
    if (!shared.plan.one_shot)
      for (std::size_t i = static_cast<std::size_t>(index); i < all.size(); i += n) mine_.push_back(i);
  }

  Status ConnectNow() {
    beast::error_code ec;
    socket_.connect(shared_.endpoint, ec);
    if (ec) return Status::Unavailable("cannot connect to " + Describe() + ": " + ec.message());
    socket_.set_option(tcp::no_delay(true), ec);
    return Status::Ok();
  }

  // Sends the request of `slot` (one-shot plans) or this connection's next one.
  void Send(Clock::time_point intended, uint64_t slot);
  void Finish() {
    beast::error_code ec;
    retry_.cancel();
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
  }

 private:
  std::string Describe() const { return shared_.endpoint.address().to_string() + ":" + std::to_string(shared_.endpoint.port()); }
  void OnWrite(beast::error_code ec);
  void OnRead(beast::error_code ec);
  void Reconnect();

  Worker& worker_;
  Shared& shared_;
  asio::io_context& io_;
  tcp::socket socket_;
  asio::steady_timer retry_;
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::string_body>> parser_;
  std::vector<std::size_t> mine_;
  std::size_t next_ = 0;
  uint64_t id_base_;
  uint64_t sequence_ = 0;
  PreparedRequest* current_ = nullptr;
  Clock::time_point intended_;
};

class Worker {
 public:
  Worker(Shared& shared, int index) : shared_(shared), index_(index), timer_(io_) {
    for (int c = index; c < shared.options.connections; c += shared.options.threads)
      connections_.push_back(std::make_unique<Connection>(*this, shared, io_, c));
    if (!shared.closed_loop()) interval_ = std::chrono::duration<double>(shared.options.threads / shared.options.rate);
  }

  Status ConnectAll() {
    for (auto& c : connections_)
      if (auto s = c->ConnectNow(); !s.ok()) return s;
    return Status::Ok();
  }

  void Run() {
    asio::post(io_, [this] {
      if (shared_.closed_loop()) {
        for (auto& c : connections_) Ready(*c);
      } else {
        for (auto& c : connections_) idle_.push_back(c.get());
        Tick();
      }
    });
    io_.run();
  }

  RunResult& result() { return result_; }
  Clock::time_point last_response() const { return last_response_; }

  void OnResponse(int status, Clock::time_point intended, uint32_t accepted) {
    const auto now = Clock::now();
    last_response_ = now;
    ++result_.responses;
    ++result_.status[status];
    if (status >= 200 && status < 300) {
      ++result_.successes;
      result_.events_accepted += accepted;
    }
    result_.latencies_ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(now - intended).count());
  }
  void OnError() { ++result_.errors; }

  // A connection is free: give it the next request, park it, or end it.
  void Ready(Connection& c) {
    const auto now = Clock::now();
    if (shared_.closed_loop()) {
      if (shared_.options.duration_s > 0 && now >= shared_.deadline) return c.Finish();
      auto slot = shared_.Take();
      if (!slot) return c.Finish();
      return c.Send(now, *slot);
    }
    if (!pending_.empty() && now >= shared_.drain_end) DropPending();
    if (!pending_.empty()) {
      const auto due = pending_.front();
      pending_.pop_front();
      return c.Send(due, 0);
    }
    if (generating_) return idle_.push_back(&c);
    timer_.cancel();  // the drain wait, if armed: nothing is left to drain
    c.Finish();
  }

 private:
  // Open loop: issues every request that is due by now, then sleeps until
  // the next one is due.
  void Tick() {
    const auto now = Clock::now();
    // Threads interleave their schedules so the combined arrivals are even.
    const auto offset = interval_ * (static_cast<double>(index_) / shared_.options.threads);
    while (generating_) {
      const auto due = shared_.start + std::chrono::duration_cast<Clock::duration>(interval_ * double(issued_) + offset);
      if (shared_.options.duration_s > 0 && due >= shared_.deadline) break;
      if (due > now) {
        timer_.expires_at(due);
        timer_.async_wait([this](beast::error_code ec) {
          if (!ec) Tick();
        });
        return;
      }
      if (!shared_.Take()) break;
      ++issued_;
      if (!idle_.empty()) {
        // Oldest idle first: every connection stays in use, so none sits
        // unused long enough for the server's first-request timeout.
        Connection* c = idle_.front();
        idle_.pop_front();
        c->Send(due, 0);
      } else {
        pending_.push_back(due);
      }
    }
    generating_ = false;
    if (pending_.empty()) {
      for (Connection* c : idle_) c->Finish();
      idle_.clear();
      return;
    }
    timer_.expires_at(shared_.drain_end);
    timer_.async_wait([this](beast::error_code ec) {
      if (ec) return;
      DropPending();
      for (Connection* c : idle_) c->Finish();
      idle_.clear();
    });
  }

  void DropPending() {
    result_.missed += pending_.size();
    pending_.clear();
  }

  Shared& shared_;
  int index_;
  asio::io_context io_{1};
  asio::steady_timer timer_;
  std::vector<std::unique_ptr<Connection>> connections_;
  std::deque<Connection*> idle_;
  std::deque<Clock::time_point> pending_;  // open loop: due, waiting for a connection
  bool generating_ = true;
  uint64_t issued_ = 0;
  std::chrono::duration<double> interval_{0};
  RunResult result_;
  Clock::time_point last_response_{};
};

void Connection::Send(Clock::time_point intended, uint64_t slot) {
  auto& requests = shared_.plan.requests;
  if (shared_.plan.one_shot) {
    current_ = &requests[slot];
  } else {
    current_ = &requests[mine_[next_++ % mine_.size()]];
    // Fresh messageIds for this send: the ids are the idempotency keys.
    for (uint32_t at : current_->counters) WriteCounter(current_->bytes.data() + at, id_base_ | sequence_++);
  }
  intended_ = intended;
  asio::async_write(socket_, asio::buffer(current_->bytes),
                    [this](beast::error_code ec, std::size_t) { OnWrite(ec); });
}

void Connection::OnWrite(beast::error_code ec) {
  if (ec) {
    worker_.OnError();
    return Reconnect();
  }
  parser_.emplace();
  parser_->body_limit(kAnswerBodyLimit);
  http::async_read(socket_, buffer_, *parser_, [this](beast::error_code rec, std::size_t) { OnRead(rec); });
}

void Connection::OnRead(beast::error_code ec) {
  if (ec) {
    worker_.OnError();
    return Reconnect();
  }
  auto& answer = parser_->get();
  if (answer.result_int() >= 300 && shared_.errors_shown.fetch_add(1) < shared_.options.show_errors) {
    const std::string& sent = current_->bytes;
    std::cerr << "answer " << answer.result_int() << " to " << sent.substr(0, sent.find('\r')) << ": "
              << answer.body().substr(0, 300) << "\n";
  }
  worker_.OnResponse(answer.result_int(), intended_, current_->events ? AcceptedIn(answer.body()) : 0);
  if (!answer.keep_alive()) return Reconnect();
  worker_.Ready(*this);
}

void Connection::Reconnect() {
  beast::error_code ignored;
  socket_.close(ignored);
  buffer_.clear();
  const bool over = shared_.options.duration_s > 0 && Clock::now() >= shared_.deadline;
  if (over && shared_.closed_loop()) return;
  socket_ = tcp::socket(io_);
  socket_.async_connect(shared_.endpoint, [this](beast::error_code ec) {
    if (!ec) {
      beast::error_code ignore;
      socket_.set_option(tcp::no_delay(true), ignore);
      return worker_.Ready(*this);
    }
    worker_.OnError();
    if (shared_.options.duration_s > 0 && Clock::now() >= shared_.deadline) return;
    retry_.expires_after(kReconnectPause);
    retry_.async_wait([this](beast::error_code wec) {
      if (!wec) Reconnect();
    });
  });
}

}  // namespace

Result<RunResult> RunLoad(const RunOptions& options, RequestPlan& plan) {
  if (options.connections < 1 || options.connections > kMaxConnections)
    return Status::Invalid("bad_option", "--connections must be 1.." + std::to_string(kMaxConnections));
  if (options.threads < 1 || options.threads > options.connections)
    return Status::Invalid("bad_option", "--threads must be 1..connections");
  if (plan.requests.empty()) return Status::Invalid("bad_plan", "no requests to send");
  if (!plan.one_shot && plan.requests.size() < static_cast<std::size_t>(options.connections))
    return Status::Invalid("bad_plan", "fewer prepared requests than connections");
  if (options.rate > 0 && options.duration_s <= 0 && options.max_requests == 0)
    return Status::Invalid("bad_option", "an open-loop run needs --duration or --requests");

  asio::io_context resolver_io;
  tcp::resolver resolver(resolver_io);
  beast::error_code ec;
  auto endpoints = resolver.resolve(options.host, options.port, ec);
  if (ec || endpoints.empty())
    return Status::Unavailable("cannot resolve " + options.host + ":" + options.port + ": " + ec.message());

  Shared shared{options, plan, endpoints.begin()->endpoint(), {}, {}, {}, {}};
  std::vector<std::unique_ptr<Worker>> workers;
  for (int t = 0; t < options.threads; ++t) workers.push_back(std::make_unique<Worker>(shared, t));
  for (auto& w : workers)
    if (auto s = w->ConnectAll(); !s.ok()) return s;

  shared.start = Clock::now();
  const auto duration = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.duration_s));
  shared.deadline = options.duration_s > 0 ? shared.start + duration : Clock::time_point::max();
  shared.drain_end = options.duration_s > 0
                         ? shared.deadline + std::chrono::duration_cast<Clock::duration>(
                                                 std::chrono::duration<double>(options.drain_s))
                         : Clock::time_point::max();

  std::vector<std::thread> threads;
  for (std::size_t t = 1; t < workers.size(); ++t) threads.emplace_back([&w = *workers[t]] { w.Run(); });
  workers[0]->Run();
  for (auto& t : threads) t.join();

  RunResult total;
  Clock::time_point last = shared.start;
  for (auto& w : workers) {
    RunResult& r = w->result();
    total.responses += r.responses;
    total.successes += r.successes;
    total.events_accepted += r.events_accepted;
    total.errors += r.errors;
    total.missed += r.missed;
    for (auto [code, n] : r.status) total.status[code] += n;
    total.latencies_ns.insert(total.latencies_ns.end(), r.latencies_ns.begin(), r.latencies_ns.end());
    last = std::max(last, w->last_response());
  }
  if (last == shared.start) last = Clock::now();
  total.elapsed_s = std::chrono::duration<double>(last - shared.start).count();
  return total;
}

}  // namespace seam::bench
