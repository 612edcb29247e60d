// The HTTP session on a real socket: keep-alive, limits, gzip, timeouts,
// handlers that answer late or throw, and draining on shutdown.
#include "http/listener.h"

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "support/test_client.h"

namespace seam::http {
namespace {

using seam::testing::Gzip;
using seam::testing::RawExchange;
using seam::testing::TestClient;

class ListenerTest : public ::testing::Test {
 protected:
  void Start(Handler handler) {
    Limits limits;
    limits.max_body_bytes = 64 * 1024;
    limits.max_inflated_bytes = 1024 * 1024;
    limits.max_header_bytes = 4096;
    limits.header_timeout = std::chrono::milliseconds(300);
    limits.body_timeout = std::chrono::milliseconds(300);
    limits.idle_timeout = std::chrono::milliseconds(2000);
    server_ = std::make_unique<HttpServer>(
        io_, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0), limits,
        std::move(handler));
    ASSERT_TRUE(server_->Start().ok());
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { io_.run(); });
  }
  void Stop() {
    if (!server_) return;
    std::promise<void> drained;
    server_->Shutdown([&] { drained.set_value(); });
    EXPECT_EQ(drained.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
    io_.stop();
    for (auto& t : threads_) t.join();
    threads_.clear();
    server_.reset();
  }
  ~ListenerTest() override { Stop(); }

  static Handler Echo() {
    return [](Request&& req, Responder respond) {
      Response r;
      r.content_type = "text/plain";
      r.body = req.method + " " + req.path + " " + req.query_or("q") + " " + req.body;
      respond(std::move(r));
    };
  }

  boost::asio::io_context io_;
  std::unique_ptr<HttpServer> server_;
  std::vector<std::thread> threads_;
};

TEST_F(ListenerTest, KeepAliveQueryAndHeaders) {
  Start(Echo());
  TestClient c(server_->port());
  for (int i = 0; i < 5; ++i) {
    auto r = c.Request("POST", "/x?q=a%20b+c", "body" + std::to_string(i));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "POST /x a b c body" + std::to_string(i));
    EXPECT_EQ(r.headers["server"], "seam");
  }
}

TEST_F(ListenerTest, GzipBodyIsInflatedAndBombsAndJunkAreRefused) {
  Start(Echo());
  TestClient c(server_->port());
  auto r = c.Request("POST", "/z", Gzip("hello"), {{"Content-Encoding", "gzip"}});
  EXPECT_EQ(r.body, "POST /z  hello");
  r = c.Request("POST", "/z", Gzip(std::string(8 * 1024 * 1024, 'x')), {{"Content-Encoding", "gzip"}});
  EXPECT_EQ(r.status, 413);
  EXPECT_NE(r.body.find("inflated_too_large"), std::string::npos);
  r = c.Request("POST", "/z", "junk", {{"Content-Encoding", "gzip"}});
  EXPECT_EQ(r.status, 400);
  r = c.Request("POST", "/z", "x", {{"Content-Encoding", "br"}});
  EXPECT_EQ(r.status, 415);
}

TEST_F(ListenerTest, LimitsAndMalformedRequests) {
  Start(Echo());
  const uint16_t port = server_->port();
  auto reply = RawExchange(port, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n",
                           std::chrono::milliseconds(1000));
  EXPECT_EQ(reply.rfind("HTTP/1.1 413", 0), 0u) << reply;
  reply = RawExchange(port, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(8000, 'a') + "\r\n\r\n",
                      std::chrono::milliseconds(1000));
  EXPECT_EQ(reply.rfind("HTTP/1.1 400", 0), 0u) << reply;
  EXPECT_NE(reply.find("header_too_large"), std::string::npos);
  reply = RawExchange(port, "NONSENSE\r\n\r\n", std::chrono::milliseconds(1000));
  EXPECT_EQ(reply.rfind("HTTP/1.1 400", 0), 0u) << reply;
  // Slow header: answered 408 after the header timeout, then closed.
  reply = RawExchange(port, "GET / HTTP/1.1\r\nHo", std::chrono::milliseconds(1500));
  EXPECT_EQ(reply.rfind("HTTP/1.1 408", 0), 0u) << reply;
  // Slow body: the same.
  reply = RawExchange(port, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc", std::chrono::milliseconds(1500));
  EXPECT_EQ(reply.rfind("HTTP/1.1 408", 0), 0u) << reply;
  // Chunked bodies are read whole.
  reply = RawExchange(port, "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
                      std::chrono::milliseconds(1000));
  EXPECT_NE(reply.find("POST /c  abcde"), std::string::npos) << reply;
  // Expect: 100-continue gets its interim answer, then the real one.
  reply = RawExchange(port, "POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\nConnection: close\r\n\r\nok",
                      std::chrono::milliseconds(1000));
  EXPECT_EQ(reply.rfind("HTTP/1.1 100", 0), 0u) << reply;
  EXPECT_NE(reply.find("POST /e  ok"), std::string::npos) << reply;
  // After all that, the server still serves.
  TestClient c(port);
  EXPECT_EQ(c.Request("GET", "/alive").status, 200);
}

TEST_F(ListenerTest, LateAnswersFromOtherThreadsAndThrowingHandlers) {
  Start([](Request&& req, Responder respond) {
    if (req.path == "/throw") throw std::runtime_error("boom");
    std::thread([respond] {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      respond(JsonResponse(R"({"late":true})"));
      respond(JsonResponse(R"({"twice":true})"));  // ignored: one answer per request
    }).detach();
  });
  TestClient c(server_->port());
  auto r = c.Request("GET", "/late");
  EXPECT_EQ(r.body, R"({"late":true})");
  r = c.Request("GET", "/throw");
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.body.find("internal"), std::string::npos);
  EXPECT_EQ(c.Request("GET", "/late").status, 200) << "the connection survives a throwing handler";
}

TEST_F(ListenerTest, ShutdownDrainsARequestInFlight) {
  std::promise<void> entered;
  std::atomic<bool> release{false};
  Start([&](Request&&, Responder respond) {
    entered.set_value();
    std::thread([&release, respond] {
      while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      respond(JsonResponse(R"({"drained":true})"));
    }).detach();
  });
  const uint16_t port = server_->port();
  auto in_flight = std::async(std::launch::async, [port] {
    TestClient c(port);
    return c.Request("GET", "/slow");
  });
  entered.get_future().wait();
  std::promise<void> drained;
  auto drained_future = drained.get_future();
  server_->Shutdown([&] { drained.set_value(); });
  EXPECT_EQ(drained_future.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout)
      << "drained while a request was still being handled";
  release = true;
  auto r = in_flight.get();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"drained":true})");
  EXPECT_EQ(drained_future.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  io_.stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
  server_.reset();
}

}  // namespace
}  // namespace seam::http
