#include "http/problem.h"

#include <nlohmann/json.hpp>

#include <string>

#include "http/internal/logging.h"

namespace almanac::http {

int HttpStatusFor(Code code) {
  switch (code) {
    case Code::kOk:
      return 200;
    case Code::kInvalidArgument:
      return 400;
    case Code::kNotFound:
      return 404;
    case Code::kAlreadyExists:
      return 409;
    case Code::kPermissionDenied:
      return 403;
    case Code::kUnauthenticated:
      return 401;
    case Code::kFailedPrecondition:
      return 412;
    case Code::kConflict:
      return 409;
    case Code::kResourceExhausted:
      return 413;
    case Code::kUnimplemented:
      return 501;
    case Code::kUnavailable:
      return 503;
    case Code::kInternal:
      return 500;
    case Code::kOutOfRange:
      return 422;
    case Code::kUnsupportedMediaType:
      return 415;
    case Code::kRateLimited:
      return 429;
  }
  return 500;  // a value outside the enum: not reachable from valid code
}

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 207:
      return "Multi-Status";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 411:
      return "Length Required";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 416:
      return "Range Not Satisfiable";
    case 417:
      return "Expectation Failed";
    case 422:
      return "Unprocessable Content";
    case 423:
      return "Locked";
    case 428:
      return "Precondition Required";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 507:
      return "Insufficient Storage";
    default:
      return "Unknown";
  }
}

namespace {

Response MakeProblem(int status, std::string_view title, std::string_view detail,
                     const char* code_name, std::string_view extra_members) {
  nlohmann::json body = nlohmann::json::object();
  body["type"] = "about:blank";
  body["title"] = std::string(title.empty() ? ReasonPhrase(status) : title);
  body["status"] = status;
  body["detail"] = std::string(detail);
  if (code_name != nullptr) body["code"] = code_name;
  if (!extra_members.empty()) {
    nlohmann::json extra =
        nlohmann::json::parse(extra_members, nullptr, /*allow_exceptions=*/false);
    if (extra.is_object()) {
      for (auto& [key, value] : extra.items()) {
        if (!body.contains(key)) body[key] = value;
      }
    } else {
      internal::ErrorLog().error("problem extra members are not a JSON object; dropped");
    }
  }
  // Invalid UTF-8 in a message is replaced, never a reason to throw.
  Response r(status);
  r.With("Content-Type", "application/problem+json");
  r.set_body(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  return r;
}

}  // namespace

Response ProblemResponse(const Error& error, std::string_view extra_members) {
  if (error.code == Code::kOk) {
    internal::ErrorLog().error("ProblemResponse called with kOk (message: {})", error.message);
    return MakeProblem(500, {}, "Internal error", CodeName(Code::kInternal), {});
  }
  int status = HttpStatusFor(error.code);
  Response r = MakeProblem(status, {}, error.message, CodeName(error.code), extra_members);
  if (error.code == Code::kUnavailable) r.With("Retry-After", "1");
  return r;
}

Response Problem(int status, std::string_view title, std::string_view detail,
                 std::string_view extra_members) {
  return MakeProblem(status, title, detail, nullptr, extra_members);
}

}  // namespace almanac::http
