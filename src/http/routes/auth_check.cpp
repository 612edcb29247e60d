#include <algorithm>
#include <cctype>

#include "http/routes/routes.h"
#include "seam/crypto.h"

namespace seam::http {

std::string PresentedKey(const Request& req) {
  const std::string& h = req.header("authorization");
  auto space = h.find(' ');
  if (space == std::string::npos) return {};
  std::string scheme = h.substr(0, space);
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string rest = h.substr(space + 1);
  while (!rest.empty() && rest.front() == ' ') rest.erase(rest.begin());
  while (!rest.empty() && rest.back() == ' ') rest.pop_back();
  if (scheme == "bearer") return rest;
  if (scheme != "basic") return {};
  auto decoded = Base64Decode(rest);
  if (!decoded) return {};
  auto colon = decoded->find(':');
  std::string user = decoded->substr(0, colon);
  if (!user.empty() || colon == std::string::npos) return user;
  return decoded->substr(colon + 1);
}

std::optional<Response> Authorize(const Request& req, const auth::KeyStore& keys, auth::Scope scope,
                                  auth::KeyInfo* who) {
  const std::string presented = PresentedKey(req);
  if (presented.empty()) {
    auto r = ErrorResponse(401, "unauthenticated", "an API key is required (Authorization: Bearer or Basic)");
    r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"seam\"");
    return r;
  }
  auto info = keys.Authenticate(presented);
  if (!info) return ErrorResponse(401, "unauthenticated", "the API key is not valid or was revoked");
  if (!auth::Allows(info->scope, scope))
    return ErrorResponse(403, "forbidden", std::string("this endpoint needs a key of scope ") +
                                               auth::ScopeName(scope));
  if (who) *who = *info;
  return std::nullopt;
}

}  // namespace seam::http
