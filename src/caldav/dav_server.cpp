#include "caldav/dav_server.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "caldav/calendar_data.h"
#include "caldav/filter.h"
#include "caldav/xml.h"
#include "core/crypto.h"
#include "core/time.h"
#include "domain/access.h"
#include "http/auth.h"
#include "http/problem.h"
#include "ical/parser.h"
#include "ical/serializer.h"
#include "ical/values.h"
#include "ical/vtimezone_gen.h"
#include "schedule/freebusy.h"

namespace almanac::caldav {
namespace {

using domain::Access;
using domain::CalendarObject;
using domain::DavCollection;
using domain::Id;
using domain::Principal;
using http::Request;
using http::Response;

constexpr std::string_view kXmlType = "application/xml; charset=utf-8";
constexpr std::string_view kDavHeader = "1, 3, calendar-access, extended-mkcol";
constexpr std::string_view kAllow =
    "OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, PROPPATCH, REPORT, MKCALENDAR, MKCOL";
constexpr std::string_view kSyncPrefix = "http://almanac.invalid/ns/sync/";

// ---- responses -----------------------------------------------------------------

Response XmlResponse(int status, std::string body) {
  Response r(status);
  r.set_body(std::move(body));
  r.AddHeader("Content-Type", std::string(kXmlType));
  return r;
}

// <D:error><ns:name/></D:error> with `status` (RFC 4918 §16) and the reason
// as a human-readable D:responsedescription-like comment element.
Response DavError(int status, std::string_view ns, std::string_view name,
                  std::string_view message, std::string_view href = {}) {
  XmlWriter w;
  w.Open(kDav, "error");
  if (href.empty()) {
    w.Empty(ns, name);
  } else {
    w.Open(ns, name);
    w.Leaf(kDav, "href", href);
    w.Close();
  }
  if (!message.empty()) w.Leaf("http://almanac.invalid/ns/", "message", message);
  return XmlResponse(status, w.Finish());
}

Response Plain(int status, std::string_view message) {
  Response r(status);
  r.set_body(std::string(message) + "\n");
  r.AddHeader("Content-Type", "text/plain; charset=utf-8");
  return r;
}

Response FromError(const Error& e) {
  switch (e.code) {
    case Code::kNotFound:
      return Plain(404, e.message);
    case Code::kPermissionDenied:
      return DavError(403, kDav, "need-privileges", e.message);
    case Code::kFailedPrecondition:
      return Plain(412, e.message);
    case Code::kAlreadyExists:
      return DavError(405, kDav, "resource-must-be-null", e.message);
    case Code::kInvalidArgument:
      return Plain(400, e.message);
    case Code::kUnauthenticated:
      return Plain(401, e.message)
          .With("WWW-Authenticate", "Basic realm=\"Almanac\", charset=\"UTF-8\"");
    default:
      return http::ProblemResponse(e);
  }
}

std::string StatusLine(int code) {
  return fmt::format("HTTP/1.1 {} {}", code, http::ReasonPhrase(code));
}

std::string Quoted(std::string_view etag) { return fmt::format("\"{}\"", etag); }

// An IMF-fixdate (RFC 9110 §5.6.7).
std::string HttpDate(core::Instant t) {
  static constexpr const char* kDays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const core::LocalDateTime l = core::LocalDateTime::FromSeconds(t.unix_seconds());
  const core::CivilDate c = l.date().civil();
  return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
                     kDays[static_cast<int>(l.date().weekday())], c.day, kMonths[c.month - 1],
                     c.year, l.hour(), l.minute(), l.second());
}

// An If-Match / If-None-Match header (RFC 9110 §13.1.1-2): "*" or a list
// of entity tags, each strong or weak (W/"...").
struct EtagList {
  bool present = false;
  bool any = false;
  std::vector<std::pair<bool, std::string>> tags;  // (weak, opaque tag)
};

EtagList ParseEtags(const Request& req, std::string_view name) {
  EtagList out;
  std::optional<std::string_view> h = req.Header(name);
  if (!h) return out;
  out.present = true;
  std::string_view v = Trimmed(*h);
  if (v == "*") {
    out.any = true;
    return out;
  }
  while (!v.empty()) {
    v = Trimmed(v);
    bool weak = false;
    if (v.starts_with("W/")) {
      weak = true;
      v.remove_prefix(2);
    }
    if (v.empty() || v.front() != '"') break;
    const std::size_t close = v.find('"', 1);
    if (close == std::string_view::npos) break;
    out.tags.emplace_back(weak, std::string(v.substr(1, close - 1)));
    v.remove_prefix(close + 1);
    v = Trimmed(v);
    if (!v.empty() && v.front() == ',') v.remove_prefix(1);
  }
  return out;
}

// The write preconditions of a request: If-Match compares strongly (weak
// tags never match), If-None-Match weakly.
domain::PutConditions Conditions(const Request& req) {
  domain::PutConditions c;
  const EtagList match = ParseEtags(req, "If-Match");
  c.has_if_match = match.present;
  c.if_match_any = match.any;
  for (const auto& [weak, tag] : match.tags) {
    if (!weak) c.if_match.push_back(tag);
  }
  const EtagList none = ParseEtags(req, "If-None-Match");
  c.if_none_match_any = none.any;
  for (const auto& [weak, tag] : none.tags) c.if_none_match.push_back(tag);
  return c;
}

// ---- paths -----------------------------------------------------------------------

struct DavPath {
  enum class Kind { kRoot, kPrincipals, kPrincipal, kCalendars, kHome, kCollection, kObject };
  Kind kind = Kind::kRoot;
  std::string user;
  std::string collection;
  std::string object;
};

std::optional<DavPath> ParsePath(const Request& req) {
  std::vector<std::string> s;
  const auto& segs = req.path_segments();
  for (std::size_t i = 1; i < segs.size(); ++i) {  // after "dav"
    if (!segs[i].empty()) s.push_back(segs[i]);
  }
  DavPath p;
  if (s.empty()) return p;
  if (s[0] == "principals") {
    if (s.size() == 1) {
      p.kind = DavPath::Kind::kPrincipals;
    } else if (s.size() == 2) {
      p.kind = DavPath::Kind::kPrincipal;
      p.user = s[1];
    } else {
      return std::nullopt;
    }
    return p;
  }
  if (s[0] != "calendars" || s.size() > 4) return std::nullopt;
  p.kind = s.size() == 1   ? DavPath::Kind::kCalendars
           : s.size() == 2 ? DavPath::Kind::kHome
           : s.size() == 3 ? DavPath::Kind::kCollection
                           : DavPath::Kind::kObject;
  if (s.size() >= 2) p.user = s[1];
  if (s.size() >= 3) p.collection = s[2];
  if (s.size() >= 4) p.object = s[3];
  return p;
}

std::string PrincipalHref(std::string_view user) { return fmt::format("/dav/principals/{}/", user); }
std::string HomeHref(std::string_view user) { return fmt::format("/dav/calendars/{}/", user); }
std::string CollectionHref(std::string_view user, std::string_view segment) {
  return fmt::format("/dav/calendars/{}/{}/", user, segment);
}

// The resource name an href in a REPORT names inside `collection_href`, or
// nullopt when it lies elsewhere. Accepts absolute URLs and %-escapes.
std::optional<std::string> NameInCollection(std::string_view href, std::string_view collection_href) {
  if (std::size_t scheme = href.find("://"); scheme != std::string_view::npos) {
    std::size_t path = href.find('/', scheme + 3);
    href = path == std::string_view::npos ? std::string_view() : href.substr(path);
  }
  std::string decoded;
  for (std::size_t i = 0; i < href.size(); ++i) {
    if (href[i] == '%' && i + 2 < href.size() && std::isxdigit(static_cast<unsigned char>(href[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(href[i + 2]))) {
      decoded.push_back(static_cast<char>(std::stoi(std::string(href.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      decoded.push_back(href[i]);
    }
  }
  if (!decoded.starts_with(collection_href)) return std::nullopt;
  std::string name = decoded.substr(collection_href.size());
  if (name.empty() || name.find('/') != std::string::npos) return std::nullopt;
  return name;
}

std::string SyncToken(Id calendar_id, std::int64_t version) {
  return fmt::format("{}{}-{}", kSyncPrefix, calendar_id, version);
}

// The version a token names for `calendar_id`, or nullopt for a token that
// is not ours or names another calendar.
std::optional<std::int64_t> ParseSyncToken(std::string_view token, Id calendar_id) {
  token = Trimmed(token);
  if (!token.starts_with(kSyncPrefix)) return std::nullopt;
  token.remove_prefix(kSyncPrefix.size());
  const std::string prefix = fmt::format("{}-", calendar_id);
  if (!token.starts_with(prefix)) return std::nullopt;
  token.remove_prefix(prefix.size());
  if (token.empty() || token.size() > 18) return std::nullopt;
  std::int64_t v = 0;
  for (char c : token) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

// ---- property requests ------------------------------------------------------------

struct PropRequest {
  enum class Mode { kAllProp, kPropName, kProp } mode = Mode::kAllProp;
  std::vector<const XmlElement*> props;  // kProp: the requested elements (also include= for allprop)
};

// From a PROPFIND or REPORT body element holding D:prop / D:allprop / D:propname.
PropRequest PropsOf(const XmlElement* root) {
  PropRequest r;
  if (root == nullptr) return r;
  if (const XmlElement* prop = root->Child(kDav, "prop")) {
    r.mode = PropRequest::Mode::kProp;
    for (const XmlElement& c : prop->children) r.props.push_back(&c);
  } else if (root->Child(kDav, "propname") != nullptr) {
    r.mode = PropRequest::Mode::kPropName;
  } else if (const XmlElement* include = root->Child(kDav, "include")) {
    for (const XmlElement& c : include->children) r.props.push_back(&c);
  }
  return r;
}

// A live property of a resource: its name, whether allprop lists it, and
// its value writer.
struct LiveProp {
  std::string_view ns;
  std::string_view name;
  bool in_allprop;
  std::function<void(XmlWriter&)> write;
};

// <D:propstat> naming `props` (no values) with `status`.
void NamesPropstat(XmlWriter& w, const std::vector<const XmlElement*>& props, int status) {
  w.Open(kDav, "propstat");
  w.Open(kDav, "prop");
  for (const XmlElement* e : props) w.Empty(e->ns, e->name);
  w.Close();
  w.Leaf(kDav, "status", StatusLine(status));
  w.Close();
}

// Writes one <D:response> for `href` answering `request` from `props`
// (unknown ones in a 404 propstat; `dead` are stored dead properties).
void WriteResponse(XmlWriter& w, std::string_view href, const PropRequest& request,
                   const std::vector<LiveProp>& props, const std::vector<XmlElement>& dead = {}) {
  w.Open(kDav, "response");
  w.Leaf(kDav, "href", href);
  if (request.mode == PropRequest::Mode::kPropName) {
    w.Open(kDav, "propstat");
    w.Open(kDav, "prop");
    for (const LiveProp& p : props) w.Empty(p.ns, p.name);
    for (const XmlElement& d : dead) w.Empty(d.ns, d.name);
    w.Close();
    w.Leaf(kDav, "status", StatusLine(200));
    w.Close();
    w.Close();
    return;
  }
  std::vector<const LiveProp*> found;
  std::vector<const XmlElement*> found_dead;
  std::vector<const XmlElement*> missing;
  auto find = [&](const XmlElement& e) -> bool {
    for (const LiveProp& p : props) {
      if (e.ns == p.ns && e.name == p.name) {
        if (std::find(found.begin(), found.end(), &p) == found.end()) found.push_back(&p);
        return true;
      }
    }
    for (const XmlElement& d : dead) {
      if (e.ns == d.ns && e.name == d.name) {
        found_dead.push_back(&d);
        return true;
      }
    }
    return false;
  };
  if (request.mode == PropRequest::Mode::kAllProp) {
    for (const LiveProp& p : props) {
      if (p.in_allprop) found.push_back(&p);
    }
    for (const XmlElement& d : dead) found_dead.push_back(&d);
    for (const XmlElement* e : request.props) find(*e);  // D:include
  } else {
    for (const XmlElement* e : request.props) {
      if (!find(*e)) missing.push_back(e);
    }
  }
  if (!found.empty() || !found_dead.empty() || missing.empty()) {
    w.Open(kDav, "propstat");
    w.Open(kDav, "prop");
    for (const LiveProp* p : found) p->write(w);
    for (const XmlElement* d : found_dead) w.Element(*d);
    w.Close();
    w.Leaf(kDav, "status", StatusLine(200));
    w.Close();
  }
  if (!missing.empty()) NamesPropstat(w, missing, 404);
  w.Close();
}

LiveProp Leaf(std::string_view ns, std::string_view name, std::string value, bool all = true) {
  return LiveProp{ns, name, all, [ns, name, value = std::move(value)](XmlWriter& w) {
                    w.Leaf(ns, name, value);
                  }};
}
LiveProp HrefProp(std::string_view ns, std::string_view name, std::string href, bool all = true) {
  return LiveProp{ns, name, all, [ns, name, href = std::move(href)](XmlWriter& w) {
                    w.Open(ns, name);
                    w.Leaf(kDav, "href", href);
                    w.Close();
                  }};
}
LiveProp ResourceType(std::vector<std::pair<std::string_view, std::string_view>> types) {
  return LiveProp{kDav, "resourcetype", true, [types = std::move(types)](XmlWriter& w) {
                    w.Open(kDav, "resourcetype");
                    for (const auto& [ns, name] : types) w.Empty(ns, name);
                    w.Close();
                  }};
}
LiveProp Privileges(Access access) {
  return LiveProp{kDav, "current-user-privilege-set", false, [access](XmlWriter& w) {
                    w.Open(kDav, "current-user-privilege-set");
                    auto priv = [&](std::string_view ns, std::string_view name) {
                      w.Open(kDav, "privilege");
                      w.Empty(ns, name);
                      w.Close();
                    };
                    if (access >= Access::kFreeBusy) priv(kCalDav, "read-free-busy");
                    if (access >= Access::kRead) {
                      priv(kDav, "read");
                      priv(kDav, "read-current-user-privilege-set");
                    }
                    if (access >= Access::kWrite) {
                      priv(kDav, "write");
                      priv(kDav, "write-content");
                      priv(kDav, "bind");
                      priv(kDav, "unbind");
                    }
                    if (access >= Access::kOwner) {
                      priv(kDav, "write-properties");
                      priv(kDav, "all");
                    }
                    w.Close();
                  }};
}

// Dead properties of a calendar: serialized as one XML document whose root
// holds them as children.
std::vector<XmlElement> DeadProps(const std::string& stored) {
  if (stored.empty()) return {};
  Result<XmlElement> root = ParseXml(stored);
  if (!root.ok()) return {};
  return root->children;
}
std::string StoreDeadProps(const std::vector<XmlElement>& props) {
  if (props.empty()) return {};
  XmlWriter w;
  w.Open("http://almanac.invalid/ns/", "dead-properties");
  for (const XmlElement& p : props) w.Element(p);
  return w.Finish();
}

// A VCALENDAR with the VTIMEZONE of IANA zone `tzid` from 1970 on.
std::string TimezoneCalendar(const std::string& tzid) {
  ical::Component cal;
  cal.name = "VCALENDAR";
  cal.properties.push_back(ical::Property{"VERSION", {}, "2.0", 0});
  cal.properties.push_back(ical::Property{"PRODID", {}, "-//Almanac//Almanac Calendar Server//EN", 0});
  Result<ical::Component> zone = ical::GenerateVTimezone(
      tzid, core::Instant::FromUnixSeconds(0), core::Instant::FromUnixSeconds(2145916800));
  if (zone.ok()) cal.components.push_back(std::move(zone).value());
  return ical::Serialize(cal);
}

// The calendar's zone for floating times and dates, or null (UTC).
const core::TimeZone* ZoneOf(const domain::Calendar& calendar) {
  if (calendar.timezone.empty()) return nullptr;
  Result<const core::TimeZone*> zone = core::FindIanaZone(calendar.timezone);
  return zone.ok() ? *zone : nullptr;
}

// ---- the server ------------------------------------------------------------------

class Server {
 public:
  Server(const CalDavServices& s, const CalDavOptions& o) : s_(s), o_(o) {}

  static void Register(const std::shared_ptr<Server>& self, http::Router& r) {
    for (const char* m : {"GET", "HEAD", "PROPFIND", "OPTIONS"}) {
      r.Add(m, "/.well-known/caldav", [](Request&) {
        return Response(301).With("Location", "/dav/");
      });
    }
    for (const char* m : {"OPTIONS", "GET", "HEAD", "PUT", "DELETE", "PROPFIND", "PROPPATCH",
                          "REPORT", "MKCALENDAR", "MKCOL", "POST", "MOVE", "COPY", "LOCK",
                          "UNLOCK", "ACL"}) {
      for (const char* pattern : {"/dav", "/dav/{path*}"}) {
        r.Add(m, pattern, [self](Request& req) { return self->Handle(req); });
      }
    }
  }

 private:
  Response Handle(Request& req) {
    Response r = Dispatch(req);
    r.AddHeader("DAV", std::string(kDavHeader));
    return r;
  }

  Response Dispatch(Request& req) {
    const std::string& m = req.method();
    if (m == "OPTIONS") {
      return Response(200).With("Allow", std::string(kAllow)).With("Content-Length", "0");
    }
    Result<Principal> who =
        http::AuthenticateRequest(*s_.accounts, req, http::SessionUse::kNotAllowed);
    if (!who.ok()) {
      if (who.error().code == Code::kRateLimited) return http::ProblemResponse(who.error());
      return Plain(401, who.error().message)
          .With("WWW-Authenticate", "Basic realm=\"Almanac\", charset=\"UTF-8\"");
    }
    const Principal& p = *who;
    std::optional<DavPath> path = ParsePath(req);
    if (!path) return Plain(404, "no such resource");
    if (!path->user.empty() && path->user != p.username) {
      return DavError(403, kDav, "need-privileges", "this belongs to another user");
    }
    if (m == "MOVE" || m == "COPY" || m == "LOCK" || m == "UNLOCK" || m == "ACL" || m == "POST") {
      return Plain(501, fmt::format("{} is not supported", m));
    }
    switch (path->kind) {
      case DavPath::Kind::kRoot:
      case DavPath::Kind::kPrincipals:
      case DavPath::Kind::kCalendars:
      case DavPath::Kind::kPrincipal:
      case DavPath::Kind::kHome:
        if (m == "PROPFIND") return PropfindStatic(req, p, *path);
        if (m == "MKCALENDAR" || m == "MKCOL" || m == "PUT") {
          return DavError(403, kDav, "need-privileges", "create calendars inside your home");
        }
        if (m == "GET" || m == "HEAD") return Plain(200, "Almanac CalDAV");
        if (m == "REPORT") {
          return DavError(403, kDav, "supported-report", "no reports on this resource");
        }
        return Plain(405, "not allowed here").With("Allow", "OPTIONS, PROPFIND");
      case DavPath::Kind::kCollection:
        return OnCollection(req, p, *path);
      case DavPath::Kind::kObject:
        return OnObject(req, p, *path);
    }
    return Plain(404, "no such resource");
  }

  // Parses an XML body; empty bodies give nullopt (allowed for PROPFIND).
  std::variant<std::optional<XmlElement>, Response> Body(const Request& req) {
    if (Trimmed(req.body()).empty()) return std::optional<XmlElement>();
    if (req.body().size() > o_.max_xml_bytes) {
      return DavError(413, kDav, "error", "the request body is too large");
    }
    if (std::optional<std::string_view> type = req.Header("Content-Type")) {
      std::string_view t = Trimmed(type->substr(0, type->find(';')));
      if (!http::EqualsIgnoreCase(t, "application/xml") && !http::EqualsIgnoreCase(t, "text/xml")) {
        return Plain(415, "the body must be application/xml");
      }
    }
    Result<XmlElement> doc = ParseXml(req.body());
    if (!doc.ok()) return Plain(400, doc.error().message);
    return std::optional<XmlElement>(std::move(doc).value());
  }

  // A PROPFIND body (none: allprop) and what it asks for. `request` points
  // into `doc`.
  struct PropfindBody {
    std::optional<XmlElement> doc;
    PropRequest request;
  };
  std::variant<PropfindBody, Response> Propfind(const Request& req) {
    auto body = Body(req);
    if (auto* r = std::get_if<Response>(&body)) return std::move(*r);
    PropfindBody out;
    out.doc = std::move(std::get<std::optional<XmlElement>>(body));
    if (out.doc && !out.doc->Is(kDav, "propfind")) return Plain(400, "expected DAV:propfind");
    out.request = PropsOf(out.doc ? &*out.doc : nullptr);
    return out;
  }

  static int Depth(const Request& req, int otherwise) {
    std::optional<std::string_view> d = req.Header("Depth");
    if (!d) return otherwise;
    std::string_view v = Trimmed(*d);
    if (v == "0") return 0;
    if (v == "1") return 1;
    return 1;  // infinity: answered as 1 (every resource is at most one level down)
  }

  // ---- PROPFIND on the root, principals, calendar home ----

  std::vector<LiveProp> PrincipalProps(const Principal& p) {
    std::vector<LiveProp> props;
    props.push_back(ResourceType({{kDav, "principal"}, {kDav, "collection"}}));
    props.push_back(Leaf(kDav, "displayname", p.username));
    props.push_back(HrefProp(kDav, "current-user-principal", PrincipalHref(p.username)));
    props.push_back(HrefProp(kDav, "principal-URL", PrincipalHref(p.username)));
    props.push_back(HrefProp(kCalDav, "calendar-home-set", HomeHref(p.username)));
    props.push_back(Leaf(kCalDav, "calendar-user-type", "INDIVIDUAL"));
    props.push_back(HrefProp(kDav, "principal-collection-set", "/dav/principals/", false));
    Result<domain::User> user = s_.accounts->GetUser(p, p.user_id);
    std::vector<std::string> addresses;
    if (user.ok()) {
      if (!user->display_name.empty()) props[1] = Leaf(kDav, "displayname", user->display_name);
      if (!user->email.empty()) addresses.push_back("mailto:" + user->email);
    }
    addresses.push_back(PrincipalHref(p.username));
    props.push_back(LiveProp{kCalDav, "calendar-user-address-set", true,
                             [addresses](XmlWriter& w) {
                               w.Open(kCalDav, "calendar-user-address-set");
                               for (const std::string& a : addresses) w.Leaf(kDav, "href", a);
                               w.Close();
                             }});
    props.push_back(SupportedReports(false));
    return props;
  }

  static LiveProp SupportedReports(bool calendar) {
    return LiveProp{kDav, "supported-report-set", false, [calendar](XmlWriter& w) {
                      w.Open(kDav, "supported-report-set");
                      auto report = [&](std::string_view ns, std::string_view name) {
                        w.Open(kDav, "supported-report");
                        w.Open(kDav, "report");
                        w.Empty(ns, name);
                        w.Close();
                        w.Close();
                      };
                      if (calendar) {
                        report(kCalDav, "calendar-query");
                        report(kCalDav, "calendar-multiget");
                        report(kCalDav, "free-busy-query");
                        report(kDav, "sync-collection");
                      }
                      w.Close();
                    }};
  }

  std::vector<LiveProp> CollectionProps(const Principal& p, const DavCollection& c) {
    std::vector<LiveProp> props;
    const domain::Calendar& cal = c.calendar;
    props.push_back(ResourceType({{kDav, "collection"}, {kCalDav, "calendar"}}));
    props.push_back(Leaf(kDav, "displayname", cal.name));
    props.push_back(Leaf(kCalDav, "calendar-description", cal.description));
    props.push_back(Leaf(kAppleIcal, "calendar-color", c.color));
    props.push_back(Leaf(kCalServer, "getctag", std::to_string(cal.version)));
    props.push_back(Leaf(kDav, "sync-token", SyncToken(cal.id, cal.version)));
    props.push_back(HrefProp(kDav, "current-user-principal", PrincipalHref(p.username)));
    props.push_back(HrefProp(kDav, "owner",
                             cal.owner_user_id && *cal.owner_user_id == p.user_id
                                 ? PrincipalHref(p.username)
                                 : std::string("/dav/principals/")));
    props.push_back(Privileges(c.access));
    props.push_back(SupportedReports(true));
    props.push_back(LiveProp{kCalDav, "supported-calendar-component-set", true,
                             [comps = cal.components](XmlWriter& w) {
                               w.Open(kCalDav, "supported-calendar-component-set");
                               for (const std::string& comp : comps) {
                                 w.Empty(kCalDav, "comp", {{"name", comp}});
                               }
                               w.Close();
                             }});
    props.push_back(LiveProp{kCalDav, "supported-calendar-data", false, [](XmlWriter& w) {
                               w.Open(kCalDav, "supported-calendar-data");
                               w.Empty(kCalDav, "calendar-data",
                                       {{"content-type", "text/calendar"}, {"version", "2.0"}});
                               w.Close();
                             }});
    props.push_back(Leaf(kCalDav, "max-resource-size", std::to_string(1u << 20), false));
    if (!cal.timezone.empty()) {
      props.push_back(Leaf(kCalDav, "calendar-timezone-id", cal.timezone, false));
      // RFC 4791 §5.2.2: a VCALENDAR holding the zone's VTIMEZONE; made
      // only when asked for.
      props.push_back(LiveProp{kCalDav, "calendar-timezone", false, [tz = cal.timezone](XmlWriter& w) {
                                 w.Leaf(kCalDav, "calendar-timezone", TimezoneCalendar(tz));
                               }});
    }
    props.push_back(Leaf(kDav, "getcontenttype", "text/calendar; charset=utf-8", false));
    return props;
  }

  Response PropfindStatic(const Request& req, const Principal& p, const DavPath& path) {
    auto parsed = Propfind(req);
    if (auto* r = std::get_if<Response>(&parsed)) return std::move(*r);
    const PropRequest& request = std::get<PropfindBody>(parsed).request;
    const int depth = Depth(req, 1);
    XmlWriter w;
    w.Open(kDav, "multistatus");
    auto plain_collection = [&](std::string_view href, std::string_view name) {
      std::vector<LiveProp> props;
      props.push_back(ResourceType({{kDav, "collection"}}));
      props.push_back(Leaf(kDav, "displayname", std::string(name)));
      props.push_back(HrefProp(kDav, "current-user-principal", PrincipalHref(p.username)));
      props.push_back(HrefProp(kDav, "principal-collection-set", "/dav/principals/", false));
      props.push_back(HrefProp(kCalDav, "calendar-home-set", HomeHref(p.username), false));
      WriteResponse(w, href, request, props);
    };
    switch (path.kind) {
      case DavPath::Kind::kRoot:
        plain_collection("/dav/", "Almanac");
        if (depth >= 1) {
          plain_collection("/dav/principals/", "Principals");
          plain_collection("/dav/calendars/", "Calendars");
        }
        break;
      case DavPath::Kind::kPrincipals:
        plain_collection("/dav/principals/", "Principals");
        if (depth >= 1) WriteResponse(w, PrincipalHref(p.username), request, PrincipalProps(p));
        break;
      case DavPath::Kind::kCalendars:
        plain_collection("/dav/calendars/", "Calendars");
        if (depth >= 1) plain_collection(HomeHref(p.username), p.username);
        break;
      case DavPath::Kind::kPrincipal:
        WriteResponse(w, PrincipalHref(p.username), request, PrincipalProps(p));
        break;
      case DavPath::Kind::kHome: {
        std::vector<LiveProp> props;
        props.push_back(ResourceType({{kDav, "collection"}}));
        props.push_back(Leaf(kDav, "displayname", p.username));
        props.push_back(HrefProp(kDav, "current-user-principal", PrincipalHref(p.username)));
        props.push_back(HrefProp(kDav, "owner", PrincipalHref(p.username)));
        props.push_back(Privileges(Access::kWrite));
        props.push_back(SupportedReports(false));
        WriteResponse(w, HomeHref(p.username), request, props);
        if (depth >= 1) {
          Result<std::vector<DavCollection>> home = s_.dav->Home(p);
          if (!home.ok()) return FromError(home.error());
          for (const DavCollection& c : *home) {
            WriteResponse(w, CollectionHref(p.username, c.segment), request,
                          CollectionProps(p, c), DeadProps(c.calendar.dav_props));
          }
        }
        break;
      }
      default:
        return Plain(404, "no such resource");
    }
    return XmlResponse(207, w.Finish());
  }

  // ---- collections ----

  Response OnCollection(Request& req, const Principal& p, const DavPath& path) {
    const std::string& m = req.method();
    if (m == "MKCALENDAR" || m == "MKCOL") return MakeCalendar(req, p, path);
    Result<DavCollection> c = s_.dav->Collection(p, path.collection);
    if (!c.ok()) return FromError(c.error());
    if (m == "PROPFIND") return PropfindCollection(req, p, *c);
    if (m == "PROPPATCH") return Proppatch(req, p, *c);
    if (m == "REPORT") return Report(req, p, *c);
    if (m == "DELETE") {
      if (const EtagList im = ParseEtags(req, "If-Match"); im.present && !im.any) {
        return Plain(412, "collections have no ETag to match");
      }
      Status s = s_.dav->DeleteCollection(p, *c);
      if (!s.ok()) return FromError(s.error());
      return Response(204);
    }
    if (m == "GET" || m == "HEAD") {
      Result<std::string> ics = s_.events->Export(p, c->calendar.id);
      if (!ics.ok()) return FromError(ics.error());
      Response r(200);
      r.set_body(std::move(ics).value());
      r.AddHeader("Content-Type", "text/calendar; charset=utf-8");
      return r;
    }
    if (m == "PUT") {
      return DavError(405, kDav, "resource-must-be-null", "PUT a resource inside the calendar");
    }
    return Plain(405, "not allowed on a calendar collection").With("Allow", std::string(kAllow));
  }

  Response PropfindCollection(const Request& req, const Principal& p, const DavCollection& c) {
    auto parsed = Propfind(req);
    if (auto* r = std::get_if<Response>(&parsed)) return std::move(*r);
    const PropRequest& request = std::get<PropfindBody>(parsed).request;
    const int depth = Depth(req, 1);
    const std::string href = CollectionHref(p.username, c.segment);
    const std::string cache_key =
        depth >= 1 ? CacheKey(p, c, "PROPFIND", req.body()) : std::string();
    BuildClaim claim(this);
    if (!cache_key.empty()) {
      if (std::shared_ptr<const std::string> hit = CachedOrClaim(cache_key, &claim)) {
        return XmlResponse(207, *hit);
      }
    }
    XmlWriter w;
    w.Open(kDav, "multistatus");
    WriteResponse(w, href, request, CollectionProps(p, c), DeadProps(c.calendar.dav_props));
    if (depth >= 1) {
      const bool wants_data = Wants(request, kCalDav, "calendar-data");
      if (wants_data) {
        std::vector<std::string> names;
        Result<std::int64_t> v = s_.dav->ForEachIndex(
            p, c, [&](const CalendarObject& o) { names.push_back(o.name); });
        if (!v.ok()) return FromError(v.error());
        Result<std::vector<CalendarObject>> all = s_.dav->Multiget(p, c, names);
        if (!all.ok()) return FromError(all.error());
        for (const CalendarObject& o : *all) WriteObject(w, href, o, request, nullptr, nullptr);
      } else {
        Result<std::int64_t> v = s_.dav->ForEachIndex(p, c, [&](const CalendarObject& o) {
          WriteObject(w, href, o, request, nullptr, nullptr);
        });
        if (!v.ok()) return FromError(v.error());
      }
    }
    std::string out = w.Finish();
    if (!cache_key.empty()) Remember(cache_key, out);
    return XmlResponse(207, std::move(out));
  }

  static bool Wants(const PropRequest& r, std::string_view ns, std::string_view name) {
    if (r.mode != PropRequest::Mode::kProp) return false;
    return std::any_of(r.props.begin(), r.props.end(),
                       [&](const XmlElement* e) { return e->Is(ns, name); });
  }

  // One <D:response> for an object resource. `data` renders calendar-data
  // when requested (null: the stored text as is); `parsed` the parsed
  // resource when at hand.
  void WriteObject(XmlWriter& w, const std::string& collection_href, const CalendarObject& o,
                   const PropRequest& request, const CalendarDataRequest* data,
                   const ical::Component* parsed, const core::TimeZone* zone = nullptr) {
    const std::string href = collection_href + o.name;
    const std::string type =
        fmt::format("text/calendar; charset=utf-8; component={}",
                    o.component == "VTODO" ? "vtodo" : "vevent");
    std::vector<LiveProp> props;
    props.reserve(7);
    props.push_back(LiveProp{kDav, "getetag", true,
                             [&o](XmlWriter& x) { x.Leaf(kDav, "getetag", Quoted(o.etag)); }});
    props.push_back(LiveProp{kDav, "getcontenttype", true,
                             [&type](XmlWriter& x) { x.Leaf(kDav, "getcontenttype", type); }});
    props.push_back(LiveProp{kDav, "resourcetype", true, [](XmlWriter& x) {
                               x.Empty(kDav, "resourcetype");
                             }});
    props.push_back(LiveProp{kDav, "getlastmodified", true, [&o](XmlWriter& x) {
                               x.Leaf(kDav, "getlastmodified", HttpDate(o.updated_at));
                             }});
    if (!o.ics.empty()) {
      props.push_back(LiveProp{kDav, "getcontentlength", true, [&o](XmlWriter& x) {
                                 x.Leaf(kDav, "getcontentlength", std::to_string(o.ics.size()));
                               }});
      props.push_back(LiveProp{kCalDav, "calendar-data", false, [&](XmlWriter& x) {
                                 if (data != nullptr && parsed != nullptr && !IsIdentity(*data)) {
                                   RenderOptions render;
                                   render.default_zone = zone;
                                   x.Leaf(kCalDav, "calendar-data",
                                          RenderCalendarData(*data, *parsed, render));
                                 } else {
                                   x.Leaf(kCalDav, "calendar-data", o.ics);
                                 }
                               }});
    }
    WriteResponse(w, href, request, props);
  }

  Response MakeCalendar(Request& req, const Principal& p, const DavPath& path) {
    auto body = Body(req);
    if (auto* r = std::get_if<Response>(&body)) return std::move(*r);
    const auto& doc = std::get<std::optional<XmlElement>>(body);
    const bool mkcol = req.method() == "MKCOL";
    if (mkcol && !doc) {
      return DavError(403, kDav, "valid-resourcetype", "only calendar collections can be made");
    }
    domain::CalendarChange change;
    std::vector<XmlElement> dead;
    const XmlElement* set = nullptr;
    if (doc) {
      if (!(mkcol ? doc->Is(kDav, "mkcol") : doc->Is(kCalDav, "mkcalendar"))) {
        return Plain(400, mkcol ? "expected DAV:mkcol" : "expected CALDAV:mkcalendar");
      }
      set = doc->Child(kDav, "set");
    }
    const XmlElement* props = set != nullptr ? set->Child(kDav, "prop") : nullptr;
    bool calendar_type = !mkcol;
    if (props != nullptr) {
      for (const XmlElement& e : props->children) {
        if (e.Is(kDav, "resourcetype")) {
          calendar_type = e.Child(kCalDav, "calendar") != nullptr;
          continue;
        }
        if (std::optional<Response> bad = ApplyProp(e, &change, &dead)) return std::move(*bad);
      }
    }
    if (!calendar_type) {
      return DavError(403, kDav, "valid-resourcetype", "only calendar collections can be made");
    }
    if (!dead.empty()) change.dav_props = StoreDeadProps(dead);
    Result<DavCollection> made = s_.dav->MakeCollection(p, path.collection, change);
    if (!made.ok()) {
      if (made.error().code == Code::kAlreadyExists) {
        return DavError(405, kDav, "resource-must-be-null", "the collection exists");
      }
      if (made.error().code == Code::kInvalidArgument) {
        return DavError(403, kCalDav, "valid-calendar-data", made.error().message);
      }
      return FromError(made.error());
    }
    return Response(201).With("Location", CollectionHref(p.username, made->segment));
  }

  // Applies one property of a set to `change`; unknown ones become dead
  // properties. Returns an error response for a bad value.
  std::optional<Response> ApplyProp(const XmlElement& e, domain::CalendarChange* change,
                                    std::vector<XmlElement>* dead) {
    const std::string text(Trimmed(e.text));
    if (e.Is(kDav, "displayname")) {
      change->name = text;
    } else if (e.Is(kCalDav, "calendar-description")) {
      change->description = text;
    } else if (e.Is(kAppleIcal, "calendar-color")) {
      // Apple writes #RRGGBBAA; the alpha is dropped.
      if (text.size() == 9 && text[0] == '#') {
        change->color = text.substr(0, 7);
      } else {
        change->color = text;
      }
    } else if (e.Is(kCalDav, "calendar-timezone")) {
      Result<ical::ParsedCalendar> tz = ical::Parse(text);
      std::string tzid;
      if (tz.ok() && !tz->components.empty()) {
        for (const ical::Component& c : tz->components.front().components) {
          if (c.name == "VTIMEZONE" && c.Find("TZID") != nullptr) tzid = c.Find("TZID")->value;
        }
      }
      if (tzid.empty()) {
        return DavError(403, kCalDav, "valid-calendar-data", "calendar-timezone needs a VTIMEZONE");
      }
      change->timezone = tzid;
    } else if (e.Is(kCalDav, "calendar-timezone-id")) {
      change->timezone = text;
    } else if (e.Is(kCalDav, "supported-calendar-component-set")) {
      std::vector<std::string> comps;
      for (const XmlElement* comp : e.Children(kCalDav, "comp")) {
        if (std::optional<std::string_view> n = comp->Attribute("name")) comps.emplace_back(*n);
      }
      change->components = comps;
    } else if (e.ns == kDav || e.ns == kCalDav) {
      return DavError(403, kDav, "cannot-modify-protected-property",
                      fmt::format("{} cannot be set", e.name));
    } else {
      std::erase_if(*dead, [&](const XmlElement& d) { return d.ns == e.ns && d.name == e.name; });
      dead->push_back(e);
    }
    return std::nullopt;
  }

  Response Proppatch(const Request& req, const Principal& p, const DavCollection& c) {
    auto body = Body(req);
    if (auto* r = std::get_if<Response>(&body)) return std::move(*r);
    const auto& doc = std::get<std::optional<XmlElement>>(body);
    if (!doc || !doc->Is(kDav, "propertyupdate")) return Plain(400, "expected DAV:propertyupdate");
    domain::CalendarChange change;
    std::vector<XmlElement> dead = DeadProps(c.calendar.dav_props);
    std::vector<const XmlElement*> touched;
    for (const XmlElement& op : doc->children) {
      const XmlElement* prop = op.Child(kDav, "prop");
      if (prop == nullptr) continue;
      for (const XmlElement& e : prop->children) {
        touched.push_back(&e);
        if (op.Is(kDav, "set")) {
          if (e.Is(kCalDav, "supported-calendar-component-set") ||
              e.Is(kDav, "resourcetype") || e.Is(kCalServer, "getctag") ||
              e.Is(kDav, "sync-token")) {
            return PropstatFailure(CollectionHref(p.username, c.segment), touched, *doc, e);
          }
          if (std::optional<Response> bad = ApplyProp(e, &change, &dead)) {
            if (bad->status() == 403) {
              return PropstatFailure(CollectionHref(p.username, c.segment), touched, *doc, e);
            }
            return std::move(*bad);
          }
        } else if (op.Is(kDav, "remove")) {
          const bool removable = e.Is(kDav, "displayname") ||
                                 e.Is(kCalDav, "calendar-description") ||
                                 e.Is(kAppleIcal, "calendar-color") ||
                                 (e.ns != kDav && e.ns != kCalDav && e.ns != kCalServer);
          if (!removable) {
            return PropstatFailure(CollectionHref(p.username, c.segment), touched, *doc, e);
          }
          if (e.Is(kDav, "displayname")) {
            change.name = c.segment;
          } else if (e.Is(kCalDav, "calendar-description")) {
            change.description = "";
          } else if (e.Is(kAppleIcal, "calendar-color")) {
            change.color = "";
          } else if (e.ns != kDav && e.ns != kCalDav) {
            std::erase_if(dead,
                          [&](const XmlElement& d) { return d.ns == e.ns && d.name == e.name; });
          }
        }
      }
    }
    change.dav_props = StoreDeadProps(dead);
    Result<DavCollection> patched = s_.dav->PatchCollection(p, c, change);
    if (!patched.ok()) {
      if (patched.error().code == Code::kInvalidArgument) {
        return Plain(400, patched.error().message);
      }
      return FromError(patched.error());
    }
    XmlWriter w;
    w.Open(kDav, "multistatus");
    w.Open(kDav, "response");
    w.Leaf(kDav, "href", CollectionHref(p.username, c.segment));
    NamesPropstat(w, touched, 200);
    w.Close();
    return XmlResponse(207, w.Finish());
  }

  // PROPPATCH is atomic (RFC 4918 §9.2): the failing property 403, the
  // others 424.
  Response PropstatFailure(const std::string& href, std::vector<const XmlElement*> touched,
                           const XmlElement& doc, const XmlElement& failed) {
    for (const XmlElement& op : doc.children) {
      if (const XmlElement* prop = op.Child(kDav, "prop")) {
        for (const XmlElement& e : prop->children) {
          if (std::find(touched.begin(), touched.end(), &e) == touched.end()) touched.push_back(&e);
        }
      }
    }
    XmlWriter w;
    w.Open(kDav, "multistatus");
    w.Open(kDav, "response");
    w.Leaf(kDav, "href", href);
    w.Open(kDav, "propstat");
    w.Open(kDav, "prop");
    w.Empty(failed.ns, failed.name);
    w.Close();
    w.Leaf(kDav, "status", StatusLine(403));
    w.Open(kDav, "error");
    w.Empty(kDav, "cannot-modify-protected-property");
    w.Close();
    w.Close();
    std::erase(touched, &failed);
    if (!touched.empty()) NamesPropstat(w, touched, 424);
    w.Close();
    return XmlResponse(207, w.Finish());
  }

  // ---- REPORT ----

  Response Report(const Request& req, const Principal& p, const DavCollection& c) {
    auto body = Body(req);
    if (auto* r = std::get_if<Response>(&body)) return std::move(*r);
    const auto& doc = std::get<std::optional<XmlElement>>(body);
    if (!doc) return Plain(400, "REPORT needs a body");
    if (doc->Is(kCalDav, "free-busy-query")) return FreeBusy(p, c, *doc);
    const bool known = doc->Is(kCalDav, "calendar-query") || doc->Is(kCalDav, "calendar-multiget") ||
                       doc->Is(kDav, "sync-collection");
    if (!known) return DavError(403, kDav, "supported-report", "this report is not supported");
    const std::string key = CacheKey(p, c, "REPORT", req.body());
    BuildClaim claim(this);
    if (std::shared_ptr<const std::string> hit = CachedOrClaim(key, &claim)) {
      return XmlResponse(207, *hit);
    }
    Result<std::string> out = doc->Is(kCalDav, "calendar-query")      ? Query(p, c, *doc)
                              : doc->Is(kCalDav, "calendar-multiget") ? Multiget(p, c, *doc)
                                                                      : Sync(p, c, *doc);
    if (!out.ok()) {
      const Error& e = out.error();
      if (e.code == Code::kFailedPrecondition) {
        return DavError(403, kDav, "valid-sync-token", e.message);
      }
      if (e.code == Code::kUnimplemented) {
        return DavError(403, kCalDav, "supported-collation", e.message);
      }
      if (e.code == Code::kInvalidArgument) {
        return DavError(400, kCalDav, "valid-filter", e.message);
      }
      return FromError(e);
    }
    Remember(key, *out);
    return XmlResponse(207, std::move(out).value());
  }

  // The calendar-data request of a REPORT's D:prop, if any.
  static Result<std::optional<CalendarDataRequest>> DataRequest(const PropRequest& request) {
    for (const XmlElement* e : request.props) {
      if (e->Is(kCalDav, "calendar-data")) {
        ALMANAC_ASSIGN_OR_RETURN(CalendarDataRequest r, ParseCalendarData(*e));
        return std::optional<CalendarDataRequest>(std::move(r));
      }
    }
    return std::optional<CalendarDataRequest>();
  }

  Result<std::string> Query(const Principal& p, const DavCollection& c, const XmlElement& doc) {
    const XmlElement* filter_el = doc.Child(kCalDav, "filter");
    if (filter_el == nullptr) return MakeError(Code::kInvalidArgument, "calendar-query needs a filter");
    ALMANAC_ASSIGN_OR_RETURN(CompFilter filter, ParseFilter(*filter_el));
    const PropRequest request = PropsOf(&doc);
    ALMANAC_ASSIGN_OR_RETURN(std::optional<CalendarDataRequest> data, DataRequest(request));
    // The range index pre-selects candidates; Matches decides. The index
    // reads floating times and dates as UTC, so the range is widened by a
    // day each way (no zone is further from UTC); VTODOs (whose §9.9 rules
    // also match undated tasks) are not pre-selected.
    std::optional<std::pair<core::Instant, core::Instant>> range;
    const bool events_only = filter.comp_filters.size() == 1 &&
                             filter.comp_filters.front().name == "VEVENT";
    if (std::optional<TimeRange> tr = TopLevelTimeRange(filter); tr && events_only) {
      constexpr std::int64_t kDay = 86400;
      range = std::make_pair(
          tr->start ? *tr->start - kDay : core::Instant::FromUnixSeconds(-62135596800),
          tr->end ? *tr->end + kDay : core::Instant::FromUnixSeconds(domain::kUnboundedEnd));
    }
    MatchOptions match;
    match.default_zone = ZoneOf(c.calendar);
    const std::string href = CollectionHref(p.username, c.segment);
    XmlWriter w;
    w.Open(kDav, "multistatus");
    ALMANAC_RETURN_IF_ERROR(s_.dav->Candidates(
        p, c, range, [&](const CalendarObject& o, const ical::Component& parsed) {
          if (!Matches(filter, parsed, match)) return;
          WriteObject(w, href, o, request, data ? &*data : nullptr, &parsed, match.default_zone);
        }));
    return w.Finish();
  }

  Result<std::string> Multiget(const Principal& p, const DavCollection& c, const XmlElement& doc) {
    const PropRequest request = PropsOf(&doc);
    ALMANAC_ASSIGN_OR_RETURN(std::optional<CalendarDataRequest> data, DataRequest(request));
    const std::string href = CollectionHref(p.username, c.segment);
    std::vector<std::string> names;
    std::vector<std::string> foreign;  // hrefs outside this collection
    for (const XmlElement* h : doc.Children(kDav, "href")) {
      std::optional<std::string> name = NameInCollection(Trimmed(h->text), href);
      if (name) {
        names.push_back(*name);
      } else {
        foreign.emplace_back(Trimmed(h->text));
      }
    }
    if (names.size() > 10'000) return MakeError(Code::kInvalidArgument, "at most 10000 hrefs");
    ALMANAC_ASSIGN_OR_RETURN(std::vector<CalendarObject> found, s_.dav->Multiget(p, c, names));
    XmlWriter w;
    w.Open(kDav, "multistatus");
    std::map<std::string_view, const CalendarObject*> by_name;
    for (const CalendarObject& o : found) by_name[o.name] = &o;
    for (const std::string& n : names) {
      auto it = by_name.find(n);
      if (it == by_name.end()) {
        w.Open(kDav, "response");
        w.Leaf(kDav, "href", href + n);
        w.Leaf(kDav, "status", StatusLine(404));
        w.Close();
        continue;
      }
      std::shared_ptr<const ical::Component> parsed;
      if (data && !IsIdentity(*data)) parsed = s_.events->ParsedResource(*it->second);
      WriteObject(w, href, *it->second, request, data ? &*data : nullptr, parsed.get(),
                  ZoneOf(c.calendar));
    }
    for (const std::string& f : foreign) {
      w.Open(kDav, "response");
      w.Leaf(kDav, "href", f);
      w.Leaf(kDav, "status", StatusLine(404));
      w.Close();
    }
    return w.Finish();
  }

  Result<std::string> Sync(const Principal& p, const DavCollection& c, const XmlElement& doc) {
    const XmlElement* token_el = doc.Child(kDav, "sync-token");
    std::optional<std::int64_t> since;
    if (token_el != nullptr && !Trimmed(token_el->text).empty()) {
      since = ParseSyncToken(token_el->text, c.calendar.id);
      if (!since) return MakeError(Code::kFailedPrecondition, "unknown sync token");
    }
    if (const XmlElement* level = doc.Child(kDav, "sync-level")) {
      std::string_view l = Trimmed(level->text);
      if (l != "1" && l != "infinite") {
        return MakeError(Code::kInvalidArgument, "sync-level must be 1");
      }
    }
    const PropRequest request = PropsOf(&doc);
    ALMANAC_ASSIGN_OR_RETURN(domain::DavChanges changes, s_.dav->Changes(p, c, since));
    const std::string href = CollectionHref(p.username, c.segment);
    std::vector<std::string> present;
    for (const domain::ObjectChange& ch : changes.changes) {
      if (!ch.deleted) present.push_back(ch.name);
    }
    const bool wants_data = Wants(request, kCalDav, "calendar-data");
    std::map<std::string, CalendarObject> objects;
    if (wants_data) {
      ALMANAC_ASSIGN_OR_RETURN(std::vector<CalendarObject> found, s_.dav->Multiget(p, c, present));
      for (CalendarObject& o : found) objects.emplace(o.name, std::move(o));
    }
    XmlWriter w;
    w.Open(kDav, "multistatus");
    for (const domain::ObjectChange& ch : changes.changes) {
      if (ch.deleted) {
        w.Open(kDav, "response");
        w.Leaf(kDav, "href", href + ch.name);
        w.Leaf(kDav, "status", StatusLine(404));
        w.Close();
        continue;
      }
      if (wants_data) {
        auto it = objects.find(ch.name);
        if (it == objects.end()) continue;
        WriteObject(w, href, it->second, request, nullptr, nullptr);
      } else {
        CalendarObject o;
        o.name = ch.name;
        o.etag = ch.etag;
        WriteObject(w, href, o, request, nullptr, nullptr);
      }
    }
    w.Leaf(kDav, "sync-token", SyncToken(c.calendar.id, changes.token));
    return w.Finish();
  }

  Response FreeBusy(const Principal& p, const DavCollection& c, const XmlElement& doc) {
    const XmlElement* tr = doc.Child(kCalDav, "time-range");
    if (tr == nullptr) return DavError(400, kCalDav, "valid-filter", "free-busy-query needs a time-range");
    Result<TimeRange> range = ParseTimeRange(*tr, /*require_both=*/true);
    if (!range.ok() || *range->end <= *range->start) {
      return DavError(400, kCalDav, "valid-filter", "time-range needs UTC start < end");
    }
    const core::Instant from = *range->start;
    const core::Instant to = *range->end;
    std::vector<std::shared_ptr<const ical::Component>> resources;
    Status s = s_.dav->Candidates(p, c, std::make_pair(from - 86400, to + 86400),
                                  [&](const CalendarObject&, const ical::Component& parsed) {
                                    resources.push_back(
                                        std::make_shared<ical::Component>(parsed));
                                  });
    if (!s.ok()) return FromError(s.error());
    std::vector<const ical::Component*> list;
    for (const auto& r : resources) list.push_back(r.get());
    const schedule::FreeBusyWindow window{from, to};
    schedule::FreeBusyOptions options;
    options.floating_zone = ZoneOf(c.calendar);
    Response r(200);
    r.set_body(schedule::FreeBusyCalendar(schedule::BusyPeriods(list, window, options), window,
                                          s_.clock->Now()));
    r.AddHeader("Content-Type", "text/calendar; charset=utf-8");
    return r;
  }

  // ---- objects ----

  Response OnObject(Request& req, const Principal& p, const DavPath& path) {
    const std::string& m = req.method();
    Result<DavCollection> c = s_.dav->Collection(p, path.collection);
    if (!c.ok()) {
      if (m == "PUT" && c.error().code == Code::kNotFound) {
        return DavError(409, kDav, "error", "the calendar does not exist");
      }
      return FromError(c.error());
    }
    if (m == "GET" || m == "HEAD") {
      Result<CalendarObject> o = s_.dav->Get(p, *c, path.object);
      if (!o.ok()) return FromError(o.error());
      Response r(200);
      r.AddHeader("Content-Type", fmt::format("text/calendar; charset=utf-8; component={}",
                                              o->component == "VTODO" ? "vtodo" : "vevent"));
      r.AddHeader("ETag", Quoted(o->etag));
      r.AddHeader("Last-Modified", HttpDate(o->updated_at));
      const EtagList inm = ParseEtags(req, "If-None-Match");
      if (inm.any || std::any_of(inm.tags.begin(), inm.tags.end(),
                                 [&](const auto& t) { return t.second == o->etag; })) {
        Response nm(304);
        nm.AddHeader("ETag", Quoted(o->etag));
        return nm;
      }
      r.set_body(std::move(o->ics));
      return r;
    }
    if (m == "PUT") return Put(req, p, *c, path);
    if (m == "DELETE") {
      Status s = s_.dav->Delete(p, *c, path.object, Conditions(req));
      if (!s.ok()) return FromError(s.error());
      return Response(204);
    }
    if (m == "PROPFIND") {
      auto parsed = Propfind(req);
      if (auto* r = std::get_if<Response>(&parsed)) return std::move(*r);
      const PropRequest& request = std::get<PropfindBody>(parsed).request;
      Result<CalendarObject> o = s_.dav->Get(p, *c, path.object);
      if (!o.ok()) return FromError(o.error());
      XmlWriter w;
      w.Open(kDav, "multistatus");
      WriteObject(w, CollectionHref(p.username, c->segment), *o, request, nullptr, nullptr);
      return XmlResponse(207, w.Finish());
    }
    if (m == "PROPPATCH") {
      return DavError(403, kDav, "cannot-modify-protected-property",
                      "calendar object resources have no settable properties");
    }
    if (m == "MKCALENDAR" || m == "MKCOL") {
      return DavError(403, kDav, "need-privileges", "calendars cannot be nested");
    }
    if (m == "REPORT") return DavError(403, kDav, "supported-report", "report on the calendar");
    return Plain(405, "not allowed on a calendar object").With("Allow", std::string(kAllow));
  }

  Response Put(const Request& req, const Principal& p, const DavCollection& c,
               const DavPath& path) {
    if (std::optional<std::string_view> type = req.Header("Content-Type")) {
      std::string_view t = Trimmed(type->substr(0, type->find(';')));
      if (!http::EqualsIgnoreCase(t, "text/calendar")) {
        return DavError(415, kCalDav, "supported-calendar-data", "the body must be text/calendar");
      }
    }
    const domain::PutConditions cond = Conditions(req);
    Result<domain::PutOutcome> out = s_.dav->Put(p, c, path.object, req.body(), cond);
    if (!out.ok()) return FromError(out.error());
    if (out->refused) {
      switch (*out->refused) {
        case domain::PutRule::kValidCalendarData:
          return DavError(400, kCalDav, "valid-calendar-data", out->message);
        case domain::PutRule::kValidObjectResource:
          return DavError(403, kCalDav, "valid-calendar-object-resource", out->message);
        case domain::PutRule::kSupportedComponent:
          return DavError(403, kCalDav, "supported-calendar-component", out->message);
        case domain::PutRule::kMaxResourceSize:
          return DavError(413, kCalDav, "max-resource-size", out->message);
        case domain::PutRule::kNoUidConflict:
          return DavError(403, kCalDav, "no-uid-conflict", out->message,
                          CollectionHref(p.username, c.segment) + out->conflict_name);
      }
    }
    Response r(out->created ? 201 : 204);
    if (out->stored_as_sent) r.AddHeader("ETag", Quoted(out->object.etag));
    return r;
  }

  // ---- response cache ----

  // Responses depend on the calendar's content and properties (its
  // version), its colour (a module's colour is not part of the version), the
  // caller (access, hrefs in their home) and the request.
  static std::string CacheKey(const Principal& p, const DavCollection& c, std::string_view method,
                              std::string_view body) {
    return fmt::format("{}:{}:{}:{}:{}:{}:{}:{}", c.calendar.id, c.calendar.version, p.user_id,
                       static_cast<int>(c.access), c.segment, c.color, method,
                       core::Sha256Hex(body));
  }

  // Who builds a missing response: the first request for a key does, the
  // others wait for its answer instead of all building the same one (a
  // client's full resync, or several clients after a change).
  struct BuildClaim {
    explicit BuildClaim(Server* s) : server(s) {}
    ~BuildClaim() {
      if (key.empty()) return;
      std::lock_guard<std::mutex> lock(server->cache_mu_);
      server->building_.erase(key);
      server->cache_cv_.notify_all();
    }
    BuildClaim(const BuildClaim&) = delete;
    BuildClaim& operator=(const BuildClaim&) = delete;
    Server* server;
    std::string key;  // set when this request builds it
  };

  // The cached response for `key`, waiting (up to 10 s) while another
  // request builds it; null when the caller must build it (then `claim`
  // holds the key until the caller is done, Remember or not).
  std::shared_ptr<const std::string> CachedOrClaim(const std::string& key, BuildClaim* claim) {
    std::unique_lock<std::mutex> lock(cache_mu_);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    bool waited = false;
    for (;;) {
      auto it = cache_.find(key);
      if (it != cache_.end()) {
        lru_.splice(lru_.begin(), lru_, it->second.pos);
        return it->second.body;
      }
      if (building_.count(key) == 0) {
        // A response too large to cache is built by each waiter at once
        // rather than one after the other.
        if (waited) return nullptr;
        building_.insert(key);
        claim->key = key;
        return nullptr;
      }
      waited = true;
      if (cache_cv_.wait_until(lock, deadline) == std::cv_status::timeout) return nullptr;
    }
  }

  void Remember(const std::string& key, const std::string& body) {
    if (body.size() > o_.response_cache_bytes / 8) return;
    auto value = std::make_shared<const std::string>(body);
    std::lock_guard<std::mutex> lock(cache_mu_);
    if (cache_.count(key) != 0) return;
    lru_.push_front(key);
    cache_.emplace(key, Entry{value, lru_.begin()});
    bytes_ += body.size() + key.size();
    while (bytes_ > o_.response_cache_bytes && !lru_.empty()) {
      auto last = cache_.find(lru_.back());
      bytes_ -= last->second.body->size() + last->first.size();
      cache_.erase(last);
      lru_.pop_back();
    }
  }

  CalDavServices s_;
  CalDavOptions o_;
  std::mutex cache_mu_;
  std::list<std::string> lru_;
  struct Entry {
    std::shared_ptr<const std::string> body;
    std::list<std::string>::iterator pos;
  };
  std::unordered_map<std::string, Entry> cache_;
  std::size_t bytes_ = 0;
  std::condition_variable cache_cv_;
  std::set<std::string> building_;  // keys a request is building now
};

}  // namespace

void RegisterCalDav(http::Router& router, const CalDavServices& services,
                    const CalDavOptions& options) {
  // The handlers share the server (and its response cache).
  Server::Register(std::make_shared<Server>(services, options), router);
}

}  // namespace almanac::caldav
