#include "http/problem.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <string>

#include "http/response.h"

namespace almanac::http {
namespace {

TEST(ProblemTest, HttpStatusForEveryCode) {
  const std::map<Code, int> expected = {
      {Code::kOk, 200},
      {Code::kInvalidArgument, 400},
      {Code::kNotFound, 404},
      {Code::kAlreadyExists, 409},
      {Code::kPermissionDenied, 403},
      {Code::kUnauthenticated, 401},
      {Code::kFailedPrecondition, 412},
      {Code::kConflict, 409},
      {Code::kResourceExhausted, 413},
      {Code::kUnimplemented, 501},
      {Code::kUnavailable, 503},
      {Code::kInternal, 500},
      {Code::kOutOfRange, 422},
      {Code::kUnsupportedMediaType, 415},
      {Code::kRateLimited, 429},
  };
  for (const auto& [code, status] : expected) {
    EXPECT_EQ(HttpStatusFor(code), status) << CodeName(code);
  }
  // Every code the enum has is in the table above: a new code must be mapped
  // here and in HttpStatusFor.
  int count = 0;
  while (std::string(CodeName(static_cast<Code>(count))) != "UNKNOWN") ++count;
  EXPECT_EQ(count, static_cast<int>(expected.size()));
}

TEST(ProblemTest, ProblemResponseShape) {
  Response r = ProblemResponse(
      MakeError(Code::kNotFound, "No calendar with id 42", "SELECT ... WHERE id=42"));
  EXPECT_EQ(r.status(), 404);
  EXPECT_EQ(r.Header("Content-Type"), "application/problem+json");
  nlohmann::json body = nlohmann::json::parse(r.body());
  EXPECT_EQ(body["type"], "about:blank");
  EXPECT_EQ(body["title"], "Not Found");
  EXPECT_EQ(body["status"], 404);
  EXPECT_EQ(body["detail"], "No calendar with id 42");
  EXPECT_EQ(body["code"], "NOT_FOUND");
  EXPECT_EQ(r.body().find("SELECT"), std::string::npos) << "Error::detail must not leak";
}

TEST(ProblemTest, ExtraMembersAreMergedButCannotOverrideStandardOnes) {
  Response r = ProblemResponse(MakeError(Code::kInvalidArgument, "Bad event"),
                               R"({"errors":[{"field":"start"}],"status":999,"title":"x"})");
  nlohmann::json body = nlohmann::json::parse(r.body());
  EXPECT_EQ(body["status"], 400);
  EXPECT_EQ(body["title"], "Bad Request");
  EXPECT_EQ(body["errors"][0]["field"], "start");
}

TEST(ProblemTest, MalformedExtraMembersAreDropped) {
  Response r = ProblemResponse(MakeError(Code::kConflict, "Room taken"), "[1,2]");
  nlohmann::json body = nlohmann::json::parse(r.body());
  EXPECT_EQ(body["status"], 409);
  EXPECT_EQ(body["code"], "CONFLICT");
  EXPECT_EQ(body.size(), 5u);
  Response r2 = ProblemResponse(MakeError(Code::kConflict, "Room taken"), "{not json");
  EXPECT_EQ(nlohmann::json::parse(r2.body()).size(), 5u);
}

TEST(ProblemTest, UnavailableSaysRetryAfter) {
  Response r = ProblemResponse(MakeError(Code::kUnavailable, "Database restarting"));
  EXPECT_EQ(r.status(), 503);
  EXPECT_EQ(r.Header("Retry-After"), "1");
}

TEST(ProblemTest, OkIsAProgrammerErrorAnswered500) {
  Response r = ProblemResponse(MakeError(Code::kOk, "fine"));
  EXPECT_EQ(r.status(), 500);
}

TEST(ProblemTest, CallerAddsWwwAuthenticate) {
  Response r = ProblemResponse(MakeError(Code::kUnauthenticated, "Log in"))
                   .With("WWW-Authenticate", R"(Basic realm="almanac")");
  EXPECT_EQ(r.status(), 401);
  EXPECT_EQ(r.Header("www-authenticate"), R"(Basic realm="almanac")");
}

TEST(ProblemTest, ProblemWithTitleAndInvalidUtf8) {
  Response r = Problem(422, "Validation failed", "bad \xff byte");
  nlohmann::json body = nlohmann::json::parse(r.body());
  EXPECT_EQ(body["title"], "Validation failed");
  EXPECT_EQ(body["status"], 422);
  EXPECT_FALSE(body.contains("code"));
  EXPECT_EQ(Problem(405, "", "x").status(), 405);
  EXPECT_EQ(nlohmann::json::parse(Problem(405, "", "x").body())["title"], "Method Not Allowed");
}

TEST(ResponseTest, FactoriesAndWith) {
  Response j = Response::Json(201, R"({"id":1})").With("Location", "/a/1").With("ETag", "\"1\"");
  EXPECT_EQ(j.status(), 201);
  EXPECT_EQ(j.Header("content-type"), "application/json");
  EXPECT_EQ(j.Header("Location"), "/a/1");
  EXPECT_EQ(j.body(), R"({"id":1})");
  j.With("etag", "\"2\"");  // replaces, case-insensitively
  EXPECT_EQ(j.Header("ETag"), "\"2\"");
  EXPECT_EQ(j.headers().size(), 3u);

  Response t = Response::Text(200, "hi");
  EXPECT_EQ(t.Header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(Response::NoContent().status(), 204);
  Response redirect = Response::Redirect("/login");
  EXPECT_EQ(redirect.status(), 303);
  EXPECT_EQ(redirect.Header("Location"), "/login");
  EXPECT_EQ(Response::Redirect("/x", 308).status(), 308);
}

TEST(ResponseTest, SetCookieAccumulates) {
  Response r = Response::NoContent().With("Set-Cookie", "a=1").With("Set-Cookie", "b=2");
  int cookies = 0;
  for (const auto& [name, value] : r.headers()) cookies += name == "Set-Cookie";
  EXPECT_EQ(cookies, 2);
  r.RemoveHeader("set-cookie");
  EXPECT_TRUE(r.headers().empty());
}

}  // namespace
}  // namespace almanac::http
