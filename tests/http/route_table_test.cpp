#include "http/route_table.h"

#include <gtest/gtest.h>

namespace seam::http {
namespace {

Response Call(const Router& router, std::string method, std::string path, Request* seen = nullptr) {
  Request req;
  req.method = std::move(method);
  req.path = std::move(path);
  Response out;
  router.Dispatch(std::move(req), [&](Response r) { out = std::move(r); });
  if (seen) *seen = Request{};
  return out;
}

TEST(Router, MatchesDecodesAndReportsRoute) {
  Router router;
  std::map<std::string, std::string> params;
  std::string route;
  router.Add("GET", "/v1/profiles/{ref}/events", [&](Request&& r, Responder respond) {
    params = r.params;
    route = r.route;
    respond(JsonResponse("{}"));
  });
  std::vector<std::string> observed;
  router.SetObserver([&](const std::string& rt, const std::string& m, int status, double) {
    observed.push_back(m + " " + rt + " " + std::to_string(status));
  });
  EXPECT_EQ(Call(router, "GET", "/v1/profiles/email%3Aa%40b.c%2Fd/events").status, 200);
  EXPECT_EQ(params.at("ref"), "email:a@b.c/d");
  EXPECT_EQ(route, "/v1/profiles/{ref}/events");
  EXPECT_EQ(Call(router, "GET", "/v1/profiles/x/other").status, 404);
  auto r = Call(router, "POST", "/v1/profiles/x/events");
  EXPECT_EQ(r.status, 405);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0], (std::pair<std::string, std::string>{"Allow", "GET"}));
  EXPECT_NE(r.body.find("method_not_allowed"), std::string::npos);
  EXPECT_EQ(Call(router, "GET", "/v1/profiles/%zz/events").status, 404) << "a malformed escape matches nothing";
  EXPECT_EQ(observed, (std::vector<std::string>{"GET /v1/profiles/{ref}/events 200", "GET unmatched 404",
                                                "POST unmatched 405", "GET unmatched 404"}));
}

TEST(PercentDecode, QueryAndPath) {
  std::string out;
  ASSERT_TRUE(PercentDecode("a%20b+c", out, true));
  EXPECT_EQ(out, "a b c");
  ASSERT_TRUE(PercentDecode("a+b", out, false));
  EXPECT_EQ(out, "a+b");
  EXPECT_FALSE(PercentDecode("%4", out, false));
  EXPECT_FALSE(PercentDecode("%g0", out, false));
}

}  // namespace
}  // namespace seam::http
