// A small synchronous HTTP client for integration tests (Beast), plus raw
// socket exchanges for malformed, slow and truncated requests.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

namespace seam::testing {

struct HttpResult {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-cased
  nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
};

// One keep-alive connection, reopened when the server closed it. Throws
// std::runtime_error when the server cannot be reached.
class TestClient {
 public:
  explicit TestClient(uint16_t port);
  ~TestClient();
  HttpResult Request(const std::string& method, const std::string& target, const std::string& body = "",
                     const std::map<std::string, std::string>& headers = {});

 private:
  struct Conn;
  uint16_t port_;
  std::unique_ptr<Conn> conn_;
};

// Writes `bytes` on a fresh connection and returns what comes back before
// the server closes or `wait` passes.
std::string RawExchange(uint16_t port, const std::string& bytes, std::chrono::milliseconds wait);

// A raw connection the test closes when it chooses: a client that hangs up
// in the middle of a request.
class RawConnection {
 public:
  explicit RawConnection(uint16_t port);
  ~RawConnection();
  void Send(const std::string& bytes);
  void Close();

 private:
  struct Socket;
  std::unique_ptr<Socket> socket_;
};

// gzip framing (zlib, windowBits 31).
std::string Gzip(std::string_view data);

}  // namespace seam::testing
