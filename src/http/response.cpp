#include "http/response.h"

#include <algorithm>

#include "http/request.h"

namespace almanac::http {

Response Response::Json(int status, std::string json) {
  Response r(status);
  r.headers_.emplace_back("Content-Type", "application/json");
  r.body_ = std::move(json);
  return r;
}

Response Response::Text(int status, std::string text) {
  Response r(status);
  r.headers_.emplace_back("Content-Type", "text/plain; charset=utf-8");
  r.body_ = std::move(text);
  return r;
}

Response Response::NoContent() { return Response(204); }

Response Response::Redirect(std::string location, int status) {
  Response r(status);
  r.headers_.emplace_back("Location", std::move(location));
  return r;
}

Response& Response::With(std::string name, std::string value) & {
  if (!EqualsIgnoreCase(name, "set-cookie")) RemoveHeader(name);
  headers_.emplace_back(std::move(name), std::move(value));
  return *this;
}

Response&& Response::With(std::string name, std::string value) && {
  return std::move(With(std::move(name), std::move(value)));
}

void Response::AddHeader(std::string name, std::string value) {
  headers_.emplace_back(std::move(name), std::move(value));
}

void Response::RemoveHeader(std::string_view name) {
  headers_.erase(std::remove_if(headers_.begin(), headers_.end(),
                                [&](const Field& f) { return EqualsIgnoreCase(f.first, name); }),
                 headers_.end());
}

std::optional<std::string_view> Response::Header(std::string_view name) const {
  for (const Field& f : headers_) {
    if (EqualsIgnoreCase(f.first, name)) return std::string_view(f.second);
  }
  return std::nullopt;
}

}  // namespace almanac::http
