#include "core/result.h"

namespace almanac {

const char* CodeName(Code code) {
  switch (code) {
    case Code::kOk:
      return "OK";
    case Code::kInvalidArgument:
      return "INVALID_ARGUMENT";
    case Code::kNotFound:
      return "NOT_FOUND";
    case Code::kAlreadyExists:
      return "ALREADY_EXISTS";
    case Code::kPermissionDenied:
      return "PERMISSION_DENIED";
    case Code::kUnauthenticated:
      return "UNAUTHENTICATED";
    case Code::kFailedPrecondition:
      return "FAILED_PRECONDITION";
    case Code::kConflict:
      return "CONFLICT";
    case Code::kResourceExhausted:
      return "RESOURCE_EXHAUSTED";
    case Code::kUnimplemented:
      return "UNIMPLEMENTED";
    case Code::kUnavailable:
      return "UNAVAILABLE";
    case Code::kInternal:
      return "INTERNAL";
    case Code::kOutOfRange:
      return "OUT_OF_RANGE";
    case Code::kUnsupportedMediaType:
      return "UNSUPPORTED_MEDIA_TYPE";
    case Code::kRateLimited:
      return "RATE_LIMITED";
  }
  return "UNKNOWN";
}

}  // namespace almanac
