// Maps (method, path) to a handler. Patterns are literal segments and
// "{name}" captures of one whole segment, percent-decoded (so a ref such as
// "email%3Aa%40b.c" arrives as "email:a@b.c", and "%2F" stays inside it).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "http/types.h"

namespace seam::http {

class Router {
 public:
  using Observer = std::function<void(const std::string& route, const std::string& method, int status, double seconds)>;

  using StreamHandler = std::function<std::unique_ptr<BodySink>(Request&& head, Responder respond)>;

  void Add(std::string method, std::string pattern, Handler handler);
  // A route whose body streams into a BodySink (see types.h).
  void AddStream(std::string method, std::string pattern, StreamHandler handler);
  // The StreamSelector of the server: nullopt unless (method, path) is a
  // streaming route.
  std::optional<std::unique_ptr<BodySink>> SelectStream(Request& head, Responder respond) const;
  // Called once per answered request: route pattern ("unmatched" for 404s).
  void SetObserver(Observer observer) { observer_ = std::move(observer); }
  // 404 for an unknown path, 405 (with Allow) for a known path and another method.
  void Dispatch(Request&& req, Responder respond) const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
    StreamHandler stream;  // set for streaming routes (handler is then empty)
  };
  // The route matching (method, path), with its parameters; nullptr when
  // none. `allow` collects the methods of routes matching the path alone.
  const Route* Match(const Request& req, std::map<std::string, std::string>& params, std::string& allow) const;
  Responder Observed(Responder respond, std::string route, std::string method) const;

  Observer observer_;
  std::vector<Route> routes_;
};

}  // namespace seam::http
