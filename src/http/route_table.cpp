#include "http/route_table.h"

#include <chrono>

namespace seam::http {
namespace {

std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t start = 1;  // skip the leading '/'
  while (start <= path.size()) {
    auto slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

}  // namespace

void Router::Add(std::string method, std::string pattern, Handler handler) {
  Route r{std::move(method), pattern, {}, std::move(handler), nullptr};
  for (auto s : Split(pattern)) r.segments.emplace_back(s);
  routes_.push_back(std::move(r));
}

void Router::AddStream(std::string method, std::string pattern, StreamHandler handler) {
  Route r{std::move(method), pattern, {}, nullptr, std::move(handler)};
  for (auto s : Split(pattern)) r.segments.emplace_back(s);
  routes_.push_back(std::move(r));
}

const Router::Route* Router::Match(const Request& req, std::map<std::string, std::string>& params,
                                   std::string& allow) const {
  const auto parts = Split(req.path);
  for (const auto& route : routes_) {
    if (route.segments.size() != parts.size()) continue;
    params.clear();
    bool match = true;
    for (std::size_t i = 0; i < parts.size() && match; ++i) {
      const std::string& seg = route.segments[i];
      if (seg.size() > 2 && seg.front() == '{' && seg.back() == '}') {
        std::string decoded;
        if (parts[i].empty() || !PercentDecode(parts[i], decoded, false)) match = false;
        else params[seg.substr(1, seg.size() - 2)] = std::move(decoded);
      } else {
        match = parts[i] == seg;
      }
    }
    if (!match) continue;
    if (route.method != req.method) {
      if (allow.find(route.method) == std::string::npos) allow += (allow.empty() ? "" : ", ") + route.method;
      continue;
    }
    return &route;
  }
  return nullptr;
}

Responder Router::Observed(Responder respond, std::string route, std::string method) const {
  const auto started = std::chrono::steady_clock::now();
  return [this, respond = std::move(respond), started, method = std::move(method), route = std::move(route)](Response r) {
    if (observer_) {
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      observer_(route, method, r.status, secs);
    }
    respond(std::move(r));
  };
}

std::optional<std::unique_ptr<BodySink>> Router::SelectStream(Request& head, Responder respond) const {
  if (head.path.empty() || head.path[0] != '/') return std::nullopt;
  std::map<std::string, std::string> params;
  std::string allow;
  const Route* route = Match(head, params, allow);
  if (route == nullptr || !route->stream) return std::nullopt;
  head.params = std::move(params);
  head.route = route->pattern;
  return route->stream(std::move(head), Observed(std::move(respond), route->pattern, route->method));
}

void Router::Dispatch(Request&& req, Responder respond) const {
  if (req.path.empty() || req.path[0] != '/')
    return Observed(std::move(respond), "unmatched", req.method)(ErrorResponse(400, "bad_request", "bad path"));
  std::map<std::string, std::string> params;
  std::string allow;
  const Route* route = Match(req, params, allow);
  if (route != nullptr && route->handler) {
    req.params = std::move(params);
    req.route = route->pattern;
    Responder observed = Observed(std::move(respond), route->pattern, req.method);
    return route->handler(std::move(req), std::move(observed));
  }
  if (route == nullptr && !allow.empty()) {
    Response r = ErrorResponse(405, "method_not_allowed", req.method + " is not allowed here; allowed: " + allow);
    r.headers.emplace_back("Allow", allow);
    return Observed(std::move(respond), "unmatched", req.method)(std::move(r));
  }
  Observed(std::move(respond), "unmatched", req.method)(
      ErrorResponse(404, "not_found", "no route for " + req.method + " " + req.path));
}

}  // namespace seam::http
