#include "http/listener.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <limits>
#include <mutex>
#include <optional>
#include <set>

#include "http/body_decoding.h"

namespace seam::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

class Session;

struct HttpServer::State {
  Limits limits;
  Handler handler;
  StreamSelector streams;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::mutex mu;  // guards sessions, shutting_down, on_drained
  std::set<Session*> sessions;
  bool shutting_down = false;
  std::function<void()> on_drained;
  // Keeps io_context::run() from returning while the server is up: a session
  // waiting for its handler's answer has no I/O pending, and during a drain
  // that may be all there is. Released once drained.
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;

  void Leave(Session* s) {
    std::function<void()> drained;
    {
      std::lock_guard lock(mu);
      sessions.erase(s);
      if (shutting_down && sessions.empty() && on_drained) drained = std::move(on_drained);
    }
    if (drained) Drained(std::move(drained));
  }

  void Drained(std::function<void()> cb) {
    cb();
    std::lock_guard lock(mu);
    work.reset();
  }
};

namespace {

// A default flat_buffer grows in tiny steps; reading a large batch into it
// was 17-28x slower than into one reserved up front (PLATFORM.md).
constexpr std::size_t kReadBufferReserve = 64 * 1024;

std::string Lower(beast::string_view s) {
  std::string out(s.data(), s.size());
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

class Session;

// What a Responder holds until it is first called.
struct PendingAnswer {
  std::atomic<bool> answered{false};
  std::shared_ptr<Session> self;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, std::shared_ptr<HttpServer::State> state)
      : stream_(std::move(socket)), timer_(stream_.get_executor()), state_(std::move(state)) {
    buffer_.reserve(kReadBufferReserve);
  }
  ~Session() { state_->Leave(this); }

  void Start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->ReadHeader(); });
  }

  // From Shutdown: close now if no request is being handled.
  void CloseIfIdle() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      self->closing_ = true;
      if (!self->busy_) self->Close();
    });
  }

 private:
  void ReadHeader() {
    if (closing_) return Close();
    answered_ = false;  // a new request: nothing answered yet
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(state_->limits.max_header_bytes));
    // Beast would check Content-Length against the body limit as the header
    // ends; which limit applies is known only once the route is (imports
    // stream without one), so it is set after the header. (Not boost::none:
    // Beast 1.74 compares the length against an empty optional as "over".)
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    Deadline(first_request_ ? state_->limits.header_timeout : state_->limits.idle_timeout);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    timer_.cancel();
    if (timed_out_) {
      // Part of a header then silence: a slow client gets a clear answer.
      if (buffer_.size() > 0) return Fail(408, "timeout", "the request header did not arrive in time");
      return Close();
    }
    if (ec == bhttp::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
        ec == asio::error::operation_aborted)
      return Close();
    if (ec == bhttp::error::header_limit) return Fail(400, "header_too_large", "the request header is too large");
    // Beast checks Content-Length against the body limit as the header ends.
    if (ec == bhttp::error::body_limit)
      return Fail(413, "body_too_large",
                  "the body is larger than " + std::to_string(state_->limits.max_body_bytes) + " bytes");
    if (ec) return Fail(400, "bad_request", "malformed HTTP request: " + ec.message());

    busy_ = true;
    first_request_ = false;
    auto& header = parser_->get();
    version_ = header.version();
    keep_alive_ = header.keep_alive();
    if (state_->streams) {
      Request head;
      if (!BuildHead(header, head)) return Fail(400, "bad_request", "malformed query string");
      auto selected = state_->streams(head, MakeResponder(false));
      if (selected) {
        // A streaming route: no whole-body limit, the sink takes the pieces.
        if (!*selected) {
          keep_alive_ = false;  // refused before the body: it is never read
          return;
        }
        sink_ = std::move(*selected);
        // Beast checks a Content-Length against the body limit only as the
        // header ends, when the limit of a streamed body is not known yet:
        // a declared length over it is refused here, before any is read.
        if (OverStreamLimit(parser_->content_length())) {
          StreamEnd(false);
          return Fail(413, "body_too_large",
                      "the body is larger than " + std::to_string(state_->limits.max_stream_bytes) + " bytes");
        }
        return ContinueThen([self = shared_from_this()] { self->StartStream(); });
      }
    }
    if (parser_->content_length() && *parser_->content_length() > state_->limits.max_body_bytes)
      return Fail(413, "body_too_large",
                  "the body is larger than " + std::to_string(state_->limits.max_body_bytes) + " bytes");
    ContinueThen([self = shared_from_this()] { self->ReadBody(); });
  }

  // Answers "Expect: 100-continue" before the body is read.
  void ContinueThen(std::function<void()> next) {
    auto& header = parser_->get();
    if (Lower(header[bhttp::field::expect]) != "100-continue") return next();
    auto cont = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_, header.version());
    bhttp::async_write(stream_, *cont, [self = shared_from_this(), cont, next](beast::error_code wec, std::size_t) {
      if (wec) return self->Close();
      next();
    });
  }

  // The request line and headers as a Request without a body.
  static bool BuildHead(const bhttp::request_header<>& msg, Request& req) {
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    const auto q = req.target.find('?');
    req.path = req.target.substr(0, q);
    if (q != std::string::npos) {
      std::string_view query = std::string_view(req.target).substr(q + 1);
      while (!query.empty()) {
        auto amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        auto eq = pair.find('=');
        std::string key, value;
        if (!PercentDecode(pair.substr(0, eq), key, true) ||
            (eq != std::string_view::npos && !PercentDecode(pair.substr(eq + 1), value, true)))
          return false;
        if (!key.empty()) req.query[key] = value;
        if (amp == std::string_view::npos) break;
        query = query.substr(amp + 1);
      }
    }
    for (const auto& field : msg) req.headers[Lower(field.name_string())] = std::string(field.value());
    return true;
  }

  // ---- streamed bodies (BodySink) ----

  bool OverStreamLimit(const boost::optional<std::uint64_t>& content_length) const {
    return state_->limits.max_stream_bytes > 0 && content_length && *content_length > state_->limits.max_stream_bytes;
  }

  void StartStream() {
    const std::string encoding = Lower(parser_->get()[bhttp::field::content_encoding]);
    if (encoding == "gzip" || encoding == "x-gzip" || encoding == "deflate") {
      inflater_ = std::make_unique<StreamInflater>();
    } else if (!encoding.empty() && encoding != "identity") {
      sink_->OnEnd(false);
      sink_.reset();
      return Fail(415, "unsupported_encoding", "Content-Encoding " + encoding + " is not supported");
    }
    stream_parser_.emplace(std::move(*parser_));
    stream_parser_->body_limit(state_->limits.max_stream_bytes > 0 ? state_->limits.max_stream_bytes
                                                                    : std::numeric_limits<std::uint64_t>::max());
    piece_.resize(kStreamPiece);
    StreamRead();
  }

  void StreamRead() {
    if (stream_parser_->is_done()) return StreamEnd(true);
    auto& body = stream_parser_->get().body();
    body.data = piece_.data();
    body.size = piece_.size();
    body.more = true;
    Deadline(state_->limits.body_timeout);  // per read: a large upload has no overall deadline
    bhttp::async_read_some(stream_, buffer_, *stream_parser_,
                           [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnStreamRead(ec); });
  }

  void OnStreamRead(beast::error_code ec) {
    timer_.cancel();
    if (answered_) return;  // the sink refused the rest; the answer closes the connection
    if (ec == bhttp::error::need_buffer) ec = {};
    if (timed_out_) {
      StreamEnd(false);
      return Fail(408, "timeout", "the request body stalled");
    }
    if (ec == bhttp::error::body_limit) {
      StreamEnd(false);
      return Fail(413, "body_too_large",
                  "the body is larger than " + std::to_string(state_->limits.max_stream_bytes) + " bytes");
    }
    if (ec) {
      StreamEnd(false);
      return Close();  // the client went away mid-upload
    }
    const std::size_t got = piece_.size() - stream_parser_->get().body().size;
    if (got == 0) return StreamRead();
    std::string_view data(piece_.data(), got);
    if (!inflater_) return Deliver(std::string(data));
    inflater_->Input(data);
    DrainInflater();
  }

  // Inflated output goes to the sink in bounded pieces, each waiting for
  // the sink's resume, so a small read of a gzip bomb cannot flood it.
  void DrainInflater() {
    auto out = inflater_->Output(kStreamPiece * 4);
    if (!out.ok()) {
      StreamEnd(false);
      return Fail(400, "bad_encoding", out.status().message());
    }
    if (out->empty()) {
      if (stream_parser_->is_done() && !inflater_->finished()) {
        StreamEnd(false);
        return Fail(400, "bad_encoding", "the gzip data is truncated");
      }
      return StreamRead();
    }
    Deliver(std::move(*out), /*from_inflater=*/true);
  }

  void Deliver(std::string data, bool from_inflater = false) {
    auto holder = std::make_shared<std::string>(std::move(data));
    auto resumed = std::make_shared<std::atomic<bool>>(false);
    sink_->OnData(*holder, [self = shared_from_this(), holder, resumed, from_inflater] {
      if (resumed->exchange(true)) return;
      asio::post(self->stream_.get_executor(), [self, from_inflater] {
        if (self->answered_ || !self->sink_) return;
        if (from_inflater) return self->DrainInflater();
        self->StreamRead();
      });
    });
  }

  void StreamEnd(bool complete) {
    if (!sink_) return;
    auto sink = std::move(sink_);
    sink->OnEnd(complete);
    // The sink may still be answering (an import finishing): it owns itself
    // through its Responder's work until then.
    retired_sinks_.push_back(std::move(sink));
  }

  void ReadBody() {
    parser_->body_limit(state_->limits.max_body_bytes);
    Deadline(state_->limits.body_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnBody(ec); });
  }

  void OnBody(beast::error_code ec) {
    timer_.cancel();
    if (timed_out_) return Fail(408, "timeout", "the request body did not arrive in time");
    if (ec == bhttp::error::body_limit)
      return Fail(413, "body_too_large",
                  "the body is larger than " + std::to_string(state_->limits.max_body_bytes) + " bytes");
    if (ec == bhttp::error::partial_message || ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
        ec == asio::error::connection_reset || ec == asio::error::operation_aborted)
      return Close();  // the client went away mid-request: nothing to answer
    if (ec) return Fail(400, "bad_request", "malformed HTTP request: " + ec.message());

    auto msg = parser_->release();
    keep_alive_ = msg.keep_alive();
    version_ = msg.version();
    Request req;
    if (!BuildHead(msg, req)) return Respond(ErrorResponse(400, "bad_request", "malformed query string"));
    req.body = std::move(msg.body());

    const std::string& raw_encoding = req.header("content-encoding");
    const std::string encoding = Lower(beast::string_view(raw_encoding.data(), raw_encoding.size()));
    if (encoding == "gzip" || encoding == "x-gzip" || encoding == "deflate") {
      auto inflated = Inflate(req.body, state_->limits.max_inflated_bytes);
      if (!inflated.ok()) return Respond(ErrorResponse(inflated.status()));
      req.body = std::move(*inflated);
    } else if (!encoding.empty() && encoding != "identity") {
      return Respond(ErrorResponse(415, "unsupported_encoding", "Content-Encoding " + encoding + " is not supported"));
    }

    // Nothing follows the handler here, so it may answer inline.
    Responder respond = MakeResponder(true);
    try {
      state_->handler(std::move(req), respond);
    } catch (const std::exception& e) {
      spdlog::error("handler threw: {}", e.what());
      respond(ErrorResponse(500, "internal", "internal error"));
    } catch (...) {
      respond(ErrorResponse(500, "internal", "internal error"));
    }
  }

  // The handler may answer from any thread: back onto this strand. The
  // first answer moves the session into the posted write, so a Responder
  // copy that outlives the request (a thread still finishing) holds nothing
  // of the io_context. With `may_answer_inline`, an answer given on the
  // strand (a lookup answered by the handler itself) is written at once:
  // a post costs a trip through the scheduler, often to the other io
  // thread, which was a third of a lookup's cost. Where the caller still has
  // work after handing the responder out (a stream being selected), the
  // answer is posted so that it comes after that work.
  Responder MakeResponder(bool may_answer_inline) {
    answered_ = false;
    auto pending = std::make_shared<PendingAnswer>();
    pending->self = shared_from_this();
    return [pending, may_answer_inline](Response r) {
      if (pending->answered.exchange(true)) return;
      std::shared_ptr<Session> self = std::move(pending->self);
      const asio::any_io_executor strand = self->stream_.get_executor();
      auto write = [self = std::move(self), r = std::move(r)]() mutable { self->Respond(std::move(r)); };
      if (may_answer_inline)
        asio::dispatch(strand, std::move(write));
      else
        asio::post(strand, std::move(write));
    };
  }

  // A read deadline of our own rather than the stream's: Beast's stream
  // timeout closes the socket, and a slow client should still be told 408.
  void Deadline(std::chrono::milliseconds after) {
    timed_out_ = false;
    timer_.expires_after(after);
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec) return;  // cancelled: the read finished first
      self->timed_out_ = true;
      beast::error_code ignored;
      self->stream_.socket().cancel(ignored);
    });
  }

  void Fail(int status, std::string_view code, const std::string& message) {
    keep_alive_ = false;
    busy_ = true;
    Respond(ErrorResponse(status, code, message));
  }

  void Respond(Response r) {
    // One answer per request. A sink told its body was cut off (OnEnd
    // false) may still answer after the session itself did (413, 408, 415):
    // that late answer is dropped, not written after the first.
    if (answered_) return;
    answered_ = true;
    if (stream_parser_ && !stream_parser_->is_done()) {
      // Answered before the whole body arrived (a refused import): the rest
      // is not read, so the connection cannot carry another request.
      keep_alive_ = false;
      StreamEnd(false);
    }
    if (stream_parser_) {
      stream_parser_.reset();
      inflater_.reset();
    }
    retired_sinks_.clear();
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>(static_cast<bhttp::status>(r.status), version_);
    res->set(bhttp::field::server, "seam");
    res->set(bhttp::field::content_type, r.content_type);
    for (auto& [name, value] : r.headers) res->set(name, value);
    res->body() = std::move(r.body);
    if (closing_) keep_alive_ = false;
    res->keep_alive(keep_alive_);
    res->prepare_payload();
    stream_.expires_after(state_->limits.body_timeout);
    bhttp::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
      self->busy_ = false;
      if (ec || !self->keep_alive_) return self->Close();
      self->ReadHeader();
    });
  }

  void Close() {
    timer_.cancel();
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  asio::steady_timer timer_;
  bool timed_out_ = false;
  beast::flat_buffer buffer_;
  std::shared_ptr<HttpServer::State> state_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  // Streamed bodies: the sink, the parser that reads into piece_, the
  // inflater for gzip uploads, sinks that ended but may still answer.
  static constexpr std::size_t kStreamPiece = 64 * 1024;
  std::unique_ptr<BodySink> sink_;
  std::optional<bhttp::request_parser<bhttp::buffer_body>> stream_parser_;
  std::vector<char> piece_;
  std::unique_ptr<StreamInflater> inflater_;
  std::vector<std::unique_ptr<BodySink>> retired_sinks_;
  bool answered_ = false;
  bool keep_alive_ = false;
  unsigned version_ = 11;
  bool busy_ = false;
  bool closing_ = false;
  bool first_request_ = true;

  friend class HttpServer;
};

namespace {

void Accept(std::shared_ptr<HttpServer::State> state, asio::io_context& io) {
  state->acceptor->async_accept(asio::make_strand(io), [state, &io](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) {
      std::shared_ptr<Session> session;
      {
        std::lock_guard lock(state->mu);
        if (state->shutting_down) return;
        if (state->sessions.size() < state->limits.max_connections) {
          session = std::make_shared<Session>(std::move(socket), state);
          state->sessions.insert(session.get());
        }
      }
      if (session) session->Start();
      // else: over the connection limit; the socket closes as it goes out of scope.
    }
    Accept(state, io);
  });
}

}  // namespace

HttpServer::HttpServer(asio::io_context& io, tcp::endpoint endpoint, Limits limits, Handler handler,
                       StreamSelector streams)
    : io_(io), endpoint_(endpoint), state_(std::make_shared<State>()) {
  state_->limits = limits;
  state_->handler = std::move(handler);
  state_->streams = std::move(streams);
}

HttpServer::~HttpServer() {
  std::lock_guard lock(state_->mu);
  state_->work.reset();
}

Status HttpServer::Start() {
  beast::error_code ec;
  auto acceptor = std::make_unique<tcp::acceptor>(asio::make_strand(io_));
  acceptor->open(endpoint_.protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint_, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Status::Unavailable("cannot listen on " + endpoint_.address().to_string() + ":" +
                                     std::to_string(endpoint_.port()) + ": " + ec.message());
  port_ = acceptor->local_endpoint().port();
  state_->acceptor = std::move(acceptor);
  {
    std::lock_guard lock(state_->mu);
    state_->work.emplace(io_.get_executor());
  }
  Accept(state_, io_);
  return Status::Ok();
}

void HttpServer::Shutdown(std::function<void()> on_drained) {
  std::vector<std::shared_ptr<Session>> live;
  bool drained_now = false;
  {
    std::lock_guard lock(state_->mu);
    state_->shutting_down = true;
    state_->on_drained = std::move(on_drained);
    for (Session* s : state_->sessions) {
      // weak_from_this: a session may be mid-destruction.
      if (auto sp = s->weak_from_this().lock()) live.push_back(std::move(sp));
    }
    drained_now = state_->sessions.empty();
  }
  if (state_->acceptor) {
    asio::post(state_->acceptor->get_executor(), [state = state_] {
      beast::error_code ec;
      state->acceptor->close(ec);
    });
  }
  for (auto& s : live) s->CloseIfIdle();
  live.clear();
  if (drained_now) {
    std::function<void()> cb;
    {
      std::lock_guard lock(state_->mu);
      cb = std::move(state_->on_drained);
    }
    if (cb) state_->Drained(std::move(cb));
  }
}

}  // namespace seam::http
