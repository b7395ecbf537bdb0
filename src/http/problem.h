// Errors as HTTP answers: the one mapping from almanac::Code to an HTTP
// status, and problem-details bodies (RFC 9457, application/problem+json).
//
// A problem body always has "type", "title", "status" and "detail", plus the
// extension member "code" (CodeName, e.g. "NOT_FOUND") when it comes from an
// Error, so clients can tell kAlreadyExists from kConflict (both 409):
//   {"type":"about:blank","title":"Not Found","status":404,
//    "detail":"No calendar with id 42","code":"NOT_FOUND"}
// "type" is "about:blank" (RFC 9457 §4.2.1): the status and "code" carry the
// meaning; "title" is the status's reason phrase.
//
// Thread safety: pure functions.
#pragma once

#include <string_view>

#include "core/result.h"
#include "http/response.h"

namespace almanac::http {

// The HTTP status for `code`. The single switch over Code in the HTTP layer,
// with no default, so that adding a Code fails the build until it is mapped:
//   kOk 200, kInvalidArgument 400, kUnauthenticated 401, kPermissionDenied 403,
//   kNotFound 404, kAlreadyExists 409, kConflict 409, kFailedPrecondition 412
//   (RFC 9110 §15.5.13: If-Match/ETag races), kResourceExhausted 413,
//   kUnsupportedMediaType 415, kOutOfRange 422, kRateLimited 429 (RFC 6585
//   §4; the caller adds Retry-After when it knows the wait), kInternal 500,
//   kUnimplemented 501, kUnavailable 503.
// kInvalidArgument stays 400 rather than 422: it also covers unparsable
// input, where 400 is the right answer, and clients treat both alike.
int HttpStatusFor(Code code);

// The reason phrase of `status` ("Not Found"); "Unknown" for codes we do not
// use. The view refers to static storage.
std::string_view ReasonPhrase(int status);

// A problem response for `error`: status HttpStatusFor(error.code), "detail"
// is error.message (safe for clients); error.detail is NOT included (it is for
// logs; the caller logs it). `extra_members`, when not empty, is a serialized
// JSON object whose members are added to the body (RFC 9457 §3.2 extension
// members, e.g. R"({"errors":[{"field":"start","message":"..."}]})"); members
// named like the standard ones are ignored. A kUnavailable answer carries
// Retry-After: 1. Callers add WWW-Authenticate to 401 answers themselves
// (RFC 9110 §11.6.1) with Response::With.
// REQUIRES: error.code != kOk, and `extra_members` is empty or a JSON object;
// violations are programmer errors: they are logged, the first yields a 500
// problem, the second drops the extra members.
Response ProblemResponse(const Error& error, std::string_view extra_members = {});

// A problem response with `status`, "title" `title` (empty: the reason
// phrase), "detail" `detail` and optional `extra_members` as above.
// For answers the HTTP layer makes itself (404 from the router, 413 from the
// server) and for handlers with no Error at hand.
Response Problem(int status, std::string_view title, std::string_view detail,
                 std::string_view extra_members = {});

}  // namespace almanac::http
