#include "http/request.h"

#include <gtest/gtest.h>

#include <string>

namespace almanac::http {
namespace {

Request MustMake(std::string method, std::string_view target) {
  Result<Request> r = Request::Make(std::move(method), target);
  EXPECT_TRUE(r.ok()) << target << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? std::move(r).value() : *Request::Make("GET", "/");
}

TEST(RequestTest, SplitsPathAndDecodesSegmentsSeparately) {
  Request r = MustMake("GET", "/api/v1/calendars/a%20b/x%2Fy/");
  EXPECT_EQ(r.method(), "GET");
  EXPECT_EQ(r.target(), "/api/v1/calendars/a%20b/x%2Fy/");
  EXPECT_EQ(r.path(), "/api/v1/calendars/a b/x/y/");
  EXPECT_EQ(r.path_segments(),
            (std::vector<std::string>{"api", "v1", "calendars", "a b", "x/y", ""}));
}

TEST(RequestTest, RootPathHasOneEmptySegment) {
  Request r = MustMake("GET", "/");
  EXPECT_EQ(r.path(), "/");
  EXPECT_EQ(r.path_segments(), std::vector<std::string>{""});
}

TEST(RequestTest, QueryIsDecodedAndKeepsRepeats) {
  Request r = MustMake("GET", "/feed?module=events&module=tasks&q=team+meeting%21&empty=&flag&&");
  EXPECT_EQ(r.path(), "/feed");
  EXPECT_EQ(r.Query("q"), "team meeting!");
  EXPECT_EQ(r.Query("module"), "events");
  EXPECT_EQ(r.QueryAll("module"), (std::vector<std::string>{"events", "tasks"}));
  EXPECT_EQ(r.Query("empty"), "");
  EXPECT_EQ(r.Query("flag"), "");
  EXPECT_EQ(r.Query("missing"), std::nullopt);
  EXPECT_TRUE(r.QueryAll("missing").empty());
  EXPECT_EQ(r.query_params().size(), 5u);
}

TEST(RequestTest, PlusIsLiteralInThePath) { EXPECT_EQ(MustMake("GET", "/a+b").path(), "/a+b"); }

TEST(RequestTest, AbsoluteFormDropsAuthority) {
  Request r = MustMake("GET", "http://example.org:8080/dav/x?y=1");
  EXPECT_EQ(r.path(), "/dav/x");
  EXPECT_EQ(r.Query("y"), "1");
  EXPECT_EQ(MustMake("GET", "HTTPS://example.org").path(), "/");
}

TEST(RequestTest, AsteriskForm) { EXPECT_EQ(MustMake("OPTIONS", "*").path(), "*"); }

TEST(RequestTest, RejectsPathTricksAndBadEncoding) {
  for (std::string_view bad : {"", "relative", "/a/../b", "/a/./b", "/a/%2e%2E/b", "/..", "/a%zz",
                               "/a%2", "/a%00b", "/a?x=%G1", "/a?x=%00", "example.org:443"}) {
    Result<Request> r = Request::Make("GET", bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, Code::kInvalidArgument) << bad;
    EXPECT_FALSE(r.error().message.empty());
  }
}

TEST(RequestTest, HeadersAreCaseInsensitive) {
  Request r = MustMake("GET", "/");
  r.AddHeader("Content-Type", "text/calendar");
  r.AddHeader("X-Multi", "1");
  r.AddHeader("x-multi", "2");
  EXPECT_EQ(r.Header("content-type"), "text/calendar");
  EXPECT_EQ(r.Header("CONTENT-TYPE"), "text/calendar");
  EXPECT_EQ(r.Header("X-MULTI"), "1");
  EXPECT_EQ(r.Header("Accept"), std::nullopt);
  EXPECT_EQ(r.headers().size(), 3u);
}

TEST(RequestTest, CookiesParsedOnDemandAcrossHeaders) {
  Request r = MustMake("GET", "/");
  r.AddHeader("Cookie", "theme=dark; session=\"abc123\";  lang = fr ");
  r.AddHeader("cookie", "csrf=t0k=en; broken");
  EXPECT_EQ(r.Cookie("session"), "abc123");
  EXPECT_EQ(r.Cookie("theme"), "dark");
  EXPECT_EQ(r.Cookie("lang"), "fr");
  EXPECT_EQ(r.Cookie("csrf"), "t0k=en");
  EXPECT_EQ(r.Cookie("broken"), std::nullopt);
  EXPECT_EQ(r.Cookie("sess"), std::nullopt);
}

TEST(RequestTest, ParamsAndAttributes) {
  Request r = MustMake("GET", "/");
  EXPECT_EQ(r.Param("id"), "");
  r.SetParam("id", "42");
  EXPECT_EQ(r.Param("id"), "42");
  EXPECT_EQ(r.Attribute("principal"), nullptr);
  struct Principal {
    std::string user;
  };
  r.SetAttribute("principal", Principal{"ada"});
  ASSERT_NE(r.AttributeAs<Principal>("principal"), nullptr);
  EXPECT_EQ(r.AttributeAs<Principal>("principal")->user, "ada");
  EXPECT_EQ(r.AttributeAs<int>("principal"), nullptr);  // wrong type
  r.SetAttribute("principal", 7);
  ASSERT_NE(r.AttributeAs<int>("principal"), nullptr);
  EXPECT_EQ(*r.AttributeAs<int>("principal"), 7);
}

TEST(RequestTest, EqualsIgnoreCase) {
  EXPECT_TRUE(EqualsIgnoreCase("Content-Length", "content-LENGTH"));
  EXPECT_FALSE(EqualsIgnoreCase("abc", "abd"));
  EXPECT_FALSE(EqualsIgnoreCase("abc", "ab"));
}

}  // namespace
}  // namespace almanac::http
