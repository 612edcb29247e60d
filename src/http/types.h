// The request/response values that flow between the HTTP session (I/O,
// limits, timeouts) and the handlers (routes). Handlers never see Beast.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "seam/status.h"

namespace seam::http {

struct Request {
  std::string method;  // "GET", "POST", ... as sent
  std::string target;  // raw request target, e.g. "/v1/profiles/email%3Aa%40b.c?limit=5"
  std::string path;    // target without the query, NOT percent-decoded
  // Query parameters, percent-decoded ('+' is a space in a query).
  std::map<std::string, std::string> query;
  // Header names lower-cased; values as sent.
  std::map<std::string, std::string> headers;
  // The body, already inflated when Content-Encoding was gzip/deflate.
  std::string body;
  // Path parameters filled by the router: "{ref}" -> percent-decoded value.
  std::map<std::string, std::string> params;
  // The route pattern that matched ("/v1/profiles/{ref}"), for metrics/logs.
  std::string route;

  // Header value or "" (name must be lower-case).
  const std::string& header(const std::string& lower_name) const;
  // Query value or `fallback`.
  std::string query_or(const std::string& name, std::string fallback = "") const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
};

// Calls back exactly once with the response; may be called from any thread.
using Responder = std::function<void(Response)>;
using Handler = std::function<void(Request&&, Responder)>;

// Takes a request body as it arrives, for bodies too large to hold (imports).
// The session reads the next piece only after `resume` is called, so a slow
// consumer slows the client down instead of buffering. The sink answers with
// the Responder it was created with — normally after OnEnd(true), or early
// to refuse the rest (the session then stops reading and closes).
class BodySink {
 public:
  virtual ~BodySink() = default;
  // A piece of the body, inflated when Content-Encoding says so. `resume`
  // may be called from any thread, once.
  virtual void OnData(std::string_view piece, std::function<void()> resume) = 0;
  // The body ended (`complete`), or the client went away or stalled.
  virtual void OnEnd(bool complete) = 0;
};
// For a request whose route streams: the sink for its body, or null when the
// selector refused the request (it has answered through `respond`, and the
// body is not read). nullopt: the route does not stream; the body is read
// whole and the Handler answers.
using StreamSelector =
    std::function<std::optional<std::unique_ptr<BodySink>>(Request& head, Responder respond)>;

// A JSON error body as SPEC §8: {"error":{"code":...,"message":...}}.
Response ErrorResponse(int status, std::string_view code, std::string_view message);
// The same, for a Status (the one place Status codes become HTTP statuses).
Response ErrorResponse(const Status& status);
int HttpStatusFor(Code code);
// 200 with a JSON body.
Response JsonResponse(std::string body, int status = 200);

// Every limit the session enforces, by name (config section "http").
struct Limits {
  std::size_t max_body_bytes = 4 * 1024 * 1024;       // on the wire: 413, not read further
  std::size_t max_inflated_bytes = 16 * 1024 * 1024;  // after gzip: 413, checked while inflating
  std::size_t max_header_bytes = 16 * 1024;           // 431 is not in SPEC §8: answered as 400
  std::chrono::milliseconds header_timeout{10'000};   // slowloris: the whole header must arrive in this
  std::chrono::milliseconds body_timeout{30'000};     // the whole body must arrive in this
  std::chrono::milliseconds idle_timeout{60'000};     // keep-alive connection with no request
  std::size_t max_connections = 10'000;
  // Streamed bodies (imports) have no whole-body deadline: each read must
  // make progress within body_timeout. 0 = no cap on their size.
  std::size_t max_stream_bytes = 0;
};

// Percent-decoding for paths and queries; false on a malformed escape.
bool PercentDecode(std::string_view in, std::string& out, bool plus_is_space);

}  // namespace seam::http
