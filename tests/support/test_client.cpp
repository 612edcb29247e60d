#include "support/test_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <zlib.h>

#include <stdexcept>
#include <thread>

namespace seam::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

struct TestClient::Conn {
  asio::io_context io;
  beast::tcp_stream stream{io};
  beast::flat_buffer buffer;
};

TestClient::TestClient(uint16_t port) : port_(port) {}
TestClient::~TestClient() = default;

HttpResult TestClient::Request(const std::string& method, const std::string& target, const std::string& body,
                               const std::map<std::string, std::string>& headers) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    try {
      if (!conn_) {
        conn_ = std::make_unique<Conn>();
        conn_->stream.expires_after(std::chrono::seconds(10));
        conn_->stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
      }
      bhttp::request<bhttp::string_body> req(bhttp::string_to_verb(method), target, 11);
      req.set(bhttp::field::host, "127.0.0.1");
      for (const auto& [k, v] : headers) req.set(k, v);
      req.body() = body;
      req.prepare_payload();
      conn_->stream.expires_after(std::chrono::seconds(60));
      bhttp::write(conn_->stream, req);
      bhttp::response_parser<bhttp::string_body> parser;
      parser.body_limit(256 * 1024 * 1024);
      bhttp::read(conn_->stream, conn_->buffer, parser);
      auto res = parser.release();
      HttpResult out;
      out.status = res.result_int();
      out.body = std::move(res.body());
      for (const auto& f : res) {
        std::string name(f.name_string());
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        out.headers[name] = std::string(f.value());
      }
      if (!res.keep_alive()) conn_.reset();
      return out;
    } catch (const std::exception& e) {
      conn_.reset();
      if (attempt == 1) throw std::runtime_error(std::string("request failed: ") + e.what());
    }
  }
  throw std::runtime_error("unreachable");
}

std::string RawExchange(uint16_t port, const std::string& bytes, std::chrono::milliseconds wait) {
  asio::io_context io;
  tcp::socket socket(io);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  asio::write(socket, asio::buffer(bytes));
  std::string out;
  char buf[4096];
  const auto deadline = std::chrono::steady_clock::now() + wait;
  socket.non_blocking(true);
  while (std::chrono::steady_clock::now() < deadline) {
    boost::system::error_code ec;
    std::size_t n = socket.read_some(asio::buffer(buf), ec);
    if (ec == asio::error::would_block) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    if (ec) break;  // closed by the server
    out.append(buf, n);
  }
  return out;
}

struct RawConnection::Socket {
  asio::io_context io;
  tcp::socket socket{io};
};

RawConnection::RawConnection(uint16_t port) : socket_(std::make_unique<Socket>()) {
  socket_->socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
}

RawConnection::~RawConnection() { Close(); }

void RawConnection::Send(const std::string& bytes) { asio::write(socket_->socket, asio::buffer(bytes)); }

void RawConnection::Close() {
  boost::system::error_code ec;
  socket_->socket.shutdown(tcp::socket::shutdown_both, ec);
  socket_->socket.close(ec);
}

std::string Gzip(std::string_view data) {
  z_stream zs{};
  deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 31, 9, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, data.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

}  // namespace seam::testing
