// The HTTP/1.1 server: accepts connections and runs one session per
// connection (Beast, callback style — Boost 1.74). Sessions own I/O, limits
// and timeouts; handlers see only Request/Response (types.h).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <functional>
#include <memory>

#include "http/types.h"
#include "seam/status.h"

namespace seam::http {

class HttpServer {
 public:
  // `streams` picks the requests whose bodies stream into a BodySink
  // (types.h); the others are read whole and go to `handler`.
  HttpServer(boost::asio::io_context& io, boost::asio::ip::tcp::endpoint endpoint, Limits limits,
             Handler handler, StreamSelector streams = {});
  ~HttpServer();

  // Binds and listens; errors (address in use, ...) come back as a Status.
  Status Start();
  uint16_t port() const { return port_; }
  // Stops accepting, closes idle connections, lets requests in flight be
  // answered, then calls `on_drained` (from an I/O thread). Thread-safe.
  void Shutdown(std::function<void()> on_drained);

  struct State;

 private:
  boost::asio::io_context& io_;
  boost::asio::ip::tcp::endpoint endpoint_;
  uint16_t port_ = 0;
  std::shared_ptr<State> state_;
};

}  // namespace seam::http
