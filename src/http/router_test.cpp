#include "http/router.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>

#include "http/problem.h"

namespace almanac::http {
namespace {

Request Req(std::string method, std::string_view target) {
  Result<Request> r = Request::Make(std::move(method), target);
  EXPECT_TRUE(r.ok()) << target;
  return std::move(r).value();
}

Response Dispatch(const Router& router, std::string method, std::string_view target) {
  Request r = Req(std::move(method), target);
  return router.Dispatch(r);
}

// Answers "<route>:<param=value,...>" so tests see which route ran with what.
Handler Echo(std::string route) {
  return [route](Request& req) {
    std::string out = route + ":";
    for (const auto& [k, v] : req.params()) out += k + "=" + v + ",";
    return Response::Text(200, out);
  };
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add("GET", "/", Echo("root"));
    router_.Add("GET", "/api/v1/calendars", Echo("list"));
    router_.Add("POST", "/api/v1/calendars", Echo("create"));
    router_.Add("GET", "/api/v1/calendars/{id}", Echo("get"));
    router_.Add("DELETE", "/api/v1/calendars/{cal}", Echo("delete"));
    router_.Add("POST", "/api/v1/calendars/new", Echo("new"));
    router_.Add("GET", "/api/v1/calendars/{id}/events/{event}", Echo("event"));
    router_.Add("PROPFIND", "/dav/{path*}", Echo("dav"));
    router_.Add("GET", "/dav/{path*}", Echo("davget"));
    router_.Add("GET", "/dav/principals/{user}", Echo("principal"));
  }
  Router router_;
};

TEST_F(RouterTest, MatchesLiteralsAndParams) {
  EXPECT_EQ(Dispatch(router_, "GET", "/").body(), "root:");
  EXPECT_EQ(Dispatch(router_, "GET", "/api/v1/calendars").body(), "list:");
  EXPECT_EQ(Dispatch(router_, "POST", "/api/v1/calendars").body(), "create:");
  EXPECT_EQ(Dispatch(router_, "GET", "/api/v1/calendars/42").body(), "get:id=42,");
  EXPECT_EQ(Dispatch(router_, "DELETE", "/api/v1/calendars/42").body(), "delete:cal=42,");
  EXPECT_EQ(Dispatch(router_, "GET", "/api/v1/calendars/7/events/e%201").body(),
            "event:event=e 1,id=7,");
}

TEST_F(RouterTest, EncodedSlashStaysInsideAParameter) {
  EXPECT_EQ(Dispatch(router_, "GET", "/api/v1/calendars/a%2Fb").body(), "get:id=a/b,");
}

TEST_F(RouterTest, LiteralBeatsParamButOtherMethodsStillReachTheParam) {
  EXPECT_EQ(Dispatch(router_, "POST", "/api/v1/calendars/new").body(), "new:");
  EXPECT_EQ(Dispatch(router_, "GET", "/api/v1/calendars/new").body(), "get:id=new,");
}

TEST_F(RouterTest, Wildcard) {
  EXPECT_EQ(Dispatch(router_, "PROPFIND", "/dav/").body(), "dav:path=,");
  EXPECT_EQ(Dispatch(router_, "PROPFIND", "/dav/cal/ada/work.ics").body(),
            "dav:path=cal/ada/work.ics,");
  EXPECT_EQ(Dispatch(router_, "GET", "/dav/principals/ada").body(), "principal:user=ada,");
  EXPECT_EQ(Dispatch(router_, "GET", "/dav/principals/ada/x").body(),
            "davget:path=principals/ada/x,");
  // A wildcard needs the slash after its prefix.
  EXPECT_EQ(Dispatch(router_, "PROPFIND", "/dav").status(), 404);
}

TEST_F(RouterTest, UnknownPathIs404Problem) {
  for (std::string_view target :
       {"/nope", "/api/v1/calendars/", "/api/v1//calendars", "/api/v1/calendars/1/events"}) {
    Response r = Dispatch(router_, "GET", target);
    EXPECT_EQ(r.status(), 404) << target;
    EXPECT_EQ(r.Header("Content-Type"), "application/problem+json");
    EXPECT_EQ(nlohmann::json::parse(r.body())["status"], 404);
  }
  // An empty segment never matches a parameter.
  EXPECT_EQ(Dispatch(router_, "GET", "/api/v1/calendars//events/x").status(), 404);
}

TEST_F(RouterTest, WrongMethodIs405WithAllow) {
  Response r = Dispatch(router_, "PUT", "/api/v1/calendars/42");
  EXPECT_EQ(r.status(), 405);
  EXPECT_EQ(r.Header("Allow"), "DELETE, GET, HEAD, OPTIONS");
  EXPECT_EQ(r.Header("Content-Type"), "application/problem+json");
  // The union over every matching pattern.
  EXPECT_EQ(Dispatch(router_, "PUT", "/api/v1/calendars/new").Header("Allow"),
            "DELETE, GET, HEAD, OPTIONS, POST");
}

TEST_F(RouterTest, HeadRunsGetWithoutBody) {
  Response get = Dispatch(router_, "GET", "/api/v1/calendars/42");
  Response head = Dispatch(router_, "HEAD", "/api/v1/calendars/42");
  EXPECT_EQ(head.status(), 200);
  EXPECT_TRUE(head.body().empty());
  EXPECT_EQ(head.Header("Content-Length"), std::to_string(get.body().size()));
  EXPECT_EQ(head.Header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(Dispatch(router_, "HEAD", "/nope").status(), 404);
  EXPECT_EQ(Dispatch(router_, "HEAD", "/dav/x").status(), 200);
}

TEST_F(RouterTest, RegisteredHeadWins) {
  router_.Add("HEAD", "/api/v1/calendars/{id}",
              [](Request&) { return Response::Text(200, "12345").With("X-Head", "1"); });
  Response head = Dispatch(router_, "HEAD", "/api/v1/calendars/42");
  EXPECT_EQ(head.Header("X-Head"), "1");
  EXPECT_EQ(head.Header("Content-Length"), "5");
  EXPECT_TRUE(head.body().empty());
}

TEST_F(RouterTest, OptionsIsAutomaticUnlessRegistered) {
  Response r = Dispatch(router_, "OPTIONS", "/api/v1/calendars");
  EXPECT_EQ(r.status(), 204);
  EXPECT_EQ(r.Header("Allow"), "GET, HEAD, OPTIONS, POST");
  EXPECT_EQ(Dispatch(router_, "OPTIONS", "/nope").status(), 404);
  router_.Add("OPTIONS", "/dav/{path*}",
              [](Request&) { return Response::NoContent().With("DAV", "1, 2, calendar-access"); });
  EXPECT_EQ(Dispatch(router_, "OPTIONS", "/dav/x").Header("DAV"), "1, 2, calendar-access");
}

TEST_F(RouterTest, AsteriskForm) {
  EXPECT_EQ(Dispatch(router_, "OPTIONS", "*").status(), 204);
  EXPECT_EQ(Dispatch(router_, "GET", "*").status(), 400);
}

TEST_F(RouterTest, MiddlewareRunsInOrderAndCanReject) {
  std::vector<std::string> seen;
  router_.Use([&seen](Request& req) -> std::optional<Response> {
    seen.push_back("auth:" + std::string(req.Param("id")));
    if (!req.Header("Authorization")) {
      return ProblemResponse(MakeError(Code::kUnauthenticated, "Log in"));
    }
    req.SetAttribute("user", std::string("ada"));
    return std::nullopt;
  });
  router_.Use([&seen](Request&) -> std::optional<Response> {
    seen.push_back("second");
    return std::nullopt;
  });
  router_.Add("GET", "/me", [](Request& req) {
    return Response::Text(200, *req.AttributeAs<std::string>("user"));
  });

  EXPECT_EQ(Dispatch(router_, "GET", "/api/v1/calendars/9").status(), 401);
  EXPECT_EQ(seen, std::vector<std::string>{"auth:9"});

  Request ok = Req("GET", "/me");
  ok.AddHeader("Authorization", "Bearer x");
  Response r = router_.Dispatch(ok);
  EXPECT_EQ(r.body(), "ada");
  EXPECT_EQ(seen, (std::vector<std::string>{"auth:9", "auth:", "second"}));

  // Not for 404, 405 or automatic OPTIONS.
  seen.clear();
  EXPECT_EQ(Dispatch(router_, "GET", "/nope").status(), 404);
  EXPECT_EQ(Dispatch(router_, "PUT", "/me").status(), 405);
  EXPECT_EQ(Dispatch(router_, "OPTIONS", "/me").status(), 204);
  EXPECT_TRUE(seen.empty());
}

TEST_F(RouterTest, HandlerExceptionsPropagate) {
  router_.Add("GET", "/boom", [](Request&) -> Response { throw std::runtime_error("boom"); });
  EXPECT_THROW(Dispatch(router_, "GET", "/boom"), std::runtime_error);
}

TEST_F(RouterTest, AsHandler) {
  Handler h = router_.AsHandler();
  Request r = Req("GET", "/api/v1/calendars/5");
  EXPECT_EQ(h(r).body(), "get:id=5,");
}

TEST(RouterPatternTest, BadPatternsThrow) {
  Router router;
  Handler h = [](Request&) { return Response(); };
  for (std::string_view bad : {"", "nope", "/a/{", "/a/{}", "/a/{*}", "/a/{x}/{x}", "/a/{rest*}/b",
                               "/a/b{c}", "/a/{x/y}"}) {
    EXPECT_THROW(router.Add("GET", bad, h), std::invalid_argument) << bad;
  }
  router.Add("GET", "/a/{x}", h);
  EXPECT_THROW(router.Add("GET", "/a/{y}", h), std::invalid_argument);  // same shape
  EXPECT_NO_THROW(router.Add("PUT", "/a/{y}", h));
  EXPECT_THROW(router.Add("GET", "/b", Handler()), std::invalid_argument);
  EXPECT_THROW(router.Add("", "/b", h), std::invalid_argument);
}

TEST(RouterPatternTest, TrailingSlashIsSignificant) {
  Router router;
  router.Add("GET", "/a/", [](Request&) { return Response::Text(200, "slash"); });
  EXPECT_EQ(Dispatch(router, "GET", "/a/").body(), "slash");
  EXPECT_EQ(Dispatch(router, "GET", "/a").status(), 404);
}

}  // namespace
}  // namespace almanac::http
