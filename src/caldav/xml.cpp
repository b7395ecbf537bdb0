#include "caldav/xml.h"

#include <fmt/format.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>

#include <cassert>
#include <climits>
#include <cstring>
#include <mutex>

namespace almanac::caldav {

const XmlElement* XmlElement::Child(std::string_view child_ns, std::string_view child_name) const {
  for (const XmlElement& c : children) {
    if (c.Is(child_ns, child_name)) return &c;
  }
  return nullptr;
}

std::vector<const XmlElement*> XmlElement::Children(std::string_view child_ns,
                                                    std::string_view child_name) const {
  std::vector<const XmlElement*> out;
  for (const XmlElement& c : children) {
    if (c.Is(child_ns, child_name)) out.push_back(&c);
  }
  return out;
}

std::optional<std::string_view> XmlElement::Attribute(std::string_view attribute) const {
  for (const auto& [n, v] : attributes) {
    if (n == attribute) return std::string_view(v);
  }
  return std::nullopt;
}

std::string_view Trimmed(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  const std::size_t b = text.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  const std::size_t e = text.find_last_not_of(kSpace);
  return text.substr(b, e - b + 1);
}

// ---------------------------------------------------------------------------
// Parsing: libxml2's SAX2 interface builds our tree directly.

namespace {

// libxml2 reports some errors outside any parse context through the
// per-thread generic error function; this keeps them off stderr.
void SilentGenericError(void*, const char*, ...) {}

void InitLibxml() {
  static std::once_flag once;
  std::call_once(once, [] { xmlInitParser(); });
  // The generic error handler is a per-thread global in libxml2.
  thread_local bool silenced = false;
  if (!silenced) {
    xmlSetGenericErrorFunc(nullptr, SilentGenericError);
    silenced = true;
  }
}

// A libxml2 message made safe for a client: one line, printable ASCII only,
// bounded length.
std::string CleanMessage(const char* text) {
  std::string out;
  if (text == nullptr) return out;
  for (const char* p = text; *p != '\0' && out.size() < 160; ++p) {
    const unsigned char c = static_cast<unsigned char>(*p);
    if (c == '\n' || c == '\r') break;
    out.push_back(c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '?');
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

struct ParseState {
  xmlParserCtxtPtr ctxt = nullptr;
  const XmlLimits* limits = nullptr;
  XmlElement root;
  bool have_root = false;
  std::vector<XmlElement*> stack;  // open elements, innermost last
  std::size_t elements = 0;
  std::optional<Error> error;  // the first problem found

  int Line() const { return ctxt != nullptr && ctxt->input != nullptr ? ctxt->input->line : 0; }
  // Records `error` (the first one wins) and stops the parser.
  void Fail(Code code, std::string message) {
    if (!error) error = MakeError(code, std::move(message));
    xmlStopParser(ctxt);
  }
};

ParseState* StateOf(void* ctx) { return static_cast<ParseState*>(ctx); }

std::string Str(const xmlChar* s) { return s ? reinterpret_cast<const char*>(s) : ""; }

void OnStartElement(void* ctx, const xmlChar* localname, const xmlChar* /*prefix*/,
                    const xmlChar* uri, int /*nb_namespaces*/, const xmlChar** /*namespaces*/,
                    int nb_attributes, int /*nb_defaulted*/, const xmlChar** attributes) {
  ParseState* st = StateOf(ctx);
  if (st->error) return;
  if (++st->elements > st->limits->max_elements) {
    st->Fail(Code::kResourceExhausted, fmt::format("XML has more than {} elements (line {})",
                                                   st->limits->max_elements, st->Line()));
    return;
  }
  if (static_cast<int>(st->stack.size()) >= st->limits->max_depth) {
    st->Fail(Code::kResourceExhausted, fmt::format("XML nested deeper than {} elements at line {}",
                                                   st->limits->max_depth, st->Line()));
    return;
  }
  XmlElement* e;
  if (st->stack.empty()) {
    e = &st->root;
    st->have_root = true;
  } else {
    e = &st->stack.back()->children.emplace_back();
  }
  e->ns = Str(uri);
  e->name = Str(localname);
  e->attributes.reserve(static_cast<std::size_t>(nb_attributes));
  for (int i = 0; i < nb_attributes; ++i) {
    // (localname, prefix, URI, value, end) per attribute.
    const xmlChar** a = attributes + 5 * i;
    const char* begin = reinterpret_cast<const char*>(a[3]);
    const char* end = reinterpret_cast<const char*>(a[4]);
    std::string value(begin, static_cast<std::size_t>(end - begin));
    // Without entity substitution libxml2 hands '&' (from &amp; or &#38;)
    // over as "&#38;", for a tree builder to re-parse. No other '&' can be
    // there: an undeclared entity is an error and a DTD is refused.
    for (std::size_t pos = 0; (pos = value.find("&#38;", pos)) != std::string::npos; ++pos) {
      value.replace(pos, 5, "&");
    }
    e->attributes.emplace_back(Str(a[0]), std::move(value));
  }
  st->stack.push_back(e);
}

void OnEndElement(void* ctx, const xmlChar*, const xmlChar*, const xmlChar*) {
  ParseState* st = StateOf(ctx);
  if (st->error || st->stack.empty()) return;
  st->stack.pop_back();
}

void OnCharacters(void* ctx, const xmlChar* ch, int len) {
  ParseState* st = StateOf(ctx);
  if (st->error || st->stack.empty() || len <= 0) return;
  st->stack.back()->text.append(reinterpret_cast<const char*>(ch), static_cast<std::size_t>(len));
}

void OnDoctype(void* ctx, const xmlChar*, const xmlChar*, const xmlChar*) {
  ParseState* st = StateOf(ctx);
  st->Fail(Code::kInvalidArgument,
           fmt::format("XML with a DOCTYPE is not accepted (line {})", st->Line()));
}

void OnEntityDecl(void* ctx, const xmlChar*, int, const xmlChar*, const xmlChar*, xmlChar*) {
  ParseState* st = StateOf(ctx);
  st->Fail(Code::kInvalidArgument,
           fmt::format("XML entity declarations are not accepted (line {})", st->Line()));
}

xmlEntityPtr OnGetEntity(void*, const xmlChar*) { return nullptr; }

xmlParserInputPtr OnResolveEntity(void* ctx, const xmlChar*, const xmlChar*) {
  ParseState* st = StateOf(ctx);
  st->Fail(Code::kInvalidArgument, "XML external entities are not accepted");
  return nullptr;
}

void OnStructuredError(void* ctx, xmlErrorPtr err) {
  ParseState* st = StateOf(ctx);
  if (err == nullptr || err->level == XML_ERR_WARNING) return;
  if (st->error) return;
  const std::string what = CleanMessage(err->message);
  st->error =
      MakeError(Code::kInvalidArgument,
                what.empty() ? fmt::format("malformed XML at line {}", err->line)
                             : fmt::format("malformed XML at line {}: {}", err->line, what));
}

void SilentSaxMessage(void*, const char*, ...) {}

xmlSAXHandler MakeHandler() {
  xmlSAXHandler h;
  std::memset(&h, 0, sizeof(h));
  h.initialized = XML_SAX2_MAGIC;
  h.startElementNs = OnStartElement;
  h.endElementNs = OnEndElement;
  h.characters = OnCharacters;
  h.ignorableWhitespace = OnCharacters;
  h.cdataBlock = OnCharacters;
  h.internalSubset = OnDoctype;
  h.externalSubset = OnDoctype;
  h.entityDecl = OnEntityDecl;
  h.getEntity = OnGetEntity;
  h.getParameterEntity = OnGetEntity;
  h.resolveEntity = OnResolveEntity;
  h.serror = OnStructuredError;
  h.warning = SilentSaxMessage;
  h.error = SilentSaxMessage;
  h.fatalError = SilentSaxMessage;
  return h;
}

}  // namespace

Result<XmlElement> ParseXml(std::string_view body, const XmlLimits& limits) {
  if (body.size() > limits.max_bytes || body.size() > static_cast<std::size_t>(INT_MAX)) {
    return MakeError(
        Code::kResourceExhausted,
        fmt::format("XML body of {} bytes exceeds the limit of {}", body.size(), limits.max_bytes));
  }
  if (Trimmed(body).empty()) return MakeError(Code::kInvalidArgument, "empty XML body");
  InitLibxml();

  static const xmlSAXHandler kHandler = MakeHandler();
  ParseState state;
  state.limits = &limits;
  // The push parser copies the handler; our state is the SAX user data.
  xmlParserCtxtPtr ctxt =
      xmlCreatePushParserCtxt(const_cast<xmlSAXHandler*>(&kHandler), &state, nullptr, 0, nullptr);
  if (ctxt == nullptr) return MakeError(Code::kInternal, "cannot create an XML parser");
  state.ctxt = ctxt;
  // No network, no DTD loading, no entity substitution, no default
  // attributes from a DTD; the DOCTYPE callback refuses any DTD anyway.
  xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  ctxt->replaceEntities = 0;
  ctxt->loadsubset = 0;
  ctxt->validate = 0;

  xmlParseChunk(ctxt, body.data(), static_cast<int>(body.size()), /*terminate=*/1);
  const bool well_formed = ctxt->wellFormed != 0;
  const bool ns_well_formed = ctxt->nsWellFormed != 0;
  const int line = ctxt->input != nullptr ? ctxt->input->line : 0;
  xmlFreeParserCtxt(ctxt);

  if (state.error) return *state.error;
  if (!well_formed || !state.have_root) {
    return MakeError(Code::kInvalidArgument, fmt::format("malformed XML at line {}", line));
  }
  if (!ns_well_formed) {
    return MakeError(Code::kInvalidArgument,
                     fmt::format("malformed XML at line {}: namespace error", line));
  }
  return std::move(state.root);
}

// ---------------------------------------------------------------------------
// Writing.

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// The length of the valid UTF-8 sequence starting at s[0] (which is >= 0x80)
// that XML may carry, or 0 when it is invalid or a forbidden character.
std::size_t ValidXmlSequence(std::string_view s) {
  const auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const auto cont = [&](std::size_t i) { return i < s.size() && (b(i) & 0xC0) == 0x80; };
  const unsigned char c = b(0);
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    const unsigned cp = ((c & 0x0Fu) << 12) | ((b(1) & 0x3Fu) << 6) | (b(2) & 0x3Fu);
    if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF) return 0;
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    const unsigned cp =
        ((c & 0x07u) << 18) | ((b(1) & 0x3Fu) << 12) | ((b(2) & 0x3Fu) << 6) | (b(3) & 0x3Fu);
    if (cp < 0x10000 || cp > 0x10FFFF) return 0;
    return 4;
  }
  return 0;
}

}  // namespace

void AppendXmlEscaped(std::string_view text, bool attribute, std::string* out) {
  std::size_t run = 0;  // start of the pending run of bytes copied verbatim
  std::size_t i = 0;
  const auto flush = [&](std::size_t upto) { out->append(text.data() + run, upto - run); };
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const std::size_t n = ValidXmlSequence(text.substr(i));
      if (n != 0) {
        i += n;
        continue;
      }
      flush(i);
      out->append(kReplacement);
      run = ++i;
      continue;
    }
    const char* rep = nullptr;
    switch (c) {
      case '&':
        rep = "&amp;";
        break;
      case '<':
        rep = "&lt;";
        break;
      case '>':
        rep = "&gt;";
        break;
      case '"':
        if (attribute) rep = "&quot;";
        break;
      case '\r':
        rep = "&#13;";
        break;
      case '\n':
        if (attribute) rep = "&#10;";
        break;
      case '\t':
        if (attribute) rep = "&#9;";
        break;
      default:
        if (c < 0x20) rep = "\xEF\xBF\xBD";  // not an XML 1.0 character
        break;
    }
    if (rep == nullptr) {
      ++i;
      continue;
    }
    flush(i);
    out->append(rep);
    run = ++i;
  }
  flush(i);
}

XmlWriter::XmlWriter() {
  out_.reserve(4096);
  out_.append("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
}

void XmlWriter::StartTag(std::string_view ns, std::string_view name) {
  OpenElement el{std::string(), scopes_.size()};
  out_.push_back('<');
  const std::size_t qname_begin = out_.size();
  std::string_view declare;  // a generated prefix to declare on this element
  if (!ns.empty()) {
    std::string_view prefix;
    if (ns == kDav) {
      prefix = "D";
    } else if (ns == kCalDav) {
      prefix = "C";
    } else if (ns == kCalServer) {
      prefix = "CS";
    } else if (ns == kAppleIcal) {
      prefix = "A";
    } else {
      for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it) {
        if (it->first == ns) {
          prefix = it->second;
          break;
        }
      }
      if (prefix.empty()) {
        scopes_.emplace_back(std::string(ns), fmt::format("x{}", next_prefix_++));
        prefix = scopes_.back().second;
        declare = prefix;
      }
    }
    out_.append(prefix);
    out_.push_back(':');
  }
  out_.append(name);
  el.qname.assign(out_, qname_begin, out_.size() - qname_begin);
  if (!root_written_) {
    root_written_ = true;
    out_.append(
        " xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:caldav\""
        " xmlns:CS=\"http://calendarserver.org/ns/\" xmlns:A=\"http://apple.com/ns/ical/\"");
  }
  if (!declare.empty()) {
    out_.append(" xmlns:");
    out_.append(declare);
    out_.append("=\"");
    AppendXmlEscaped(ns, true, &out_);
    out_.push_back('"');
  }
  open_.push_back(std::move(el));
}

void XmlWriter::WriteAttribute(std::string_view name, std::string_view value) {
  out_.push_back(' ');
  out_.append(name);
  out_.append("=\"");
  AppendXmlEscaped(value, true, &out_);
  out_.push_back('"');
}

void XmlWriter::WriteAttributes(Attributes attributes) {
  for (const auto& [n, v] : attributes) WriteAttribute(n, v);
}

void XmlWriter::Open(std::string_view ns, std::string_view name, Attributes attributes) {
  StartTag(ns, name);
  WriteAttributes(attributes);
  out_.push_back('>');
}

void XmlWriter::Close() {
  assert(!open_.empty());
  OpenElement& el = open_.back();
  out_.append("</");
  out_.append(el.qname);
  out_.push_back('>');
  scopes_.resize(el.scopes);
  open_.pop_back();
}

void XmlWriter::Leaf(std::string_view ns, std::string_view name, std::string_view text) {
  Open(ns, name);
  AppendXmlEscaped(text, false, &out_);
  Close();
}

void XmlWriter::Empty(std::string_view ns, std::string_view name, Attributes attributes) {
  StartTag(ns, name);
  WriteAttributes(attributes);
  out_.append("/>");
  scopes_.resize(open_.back().scopes);
  open_.pop_back();
}

void XmlWriter::Text(std::string_view text) {
  assert(!open_.empty());
  AppendXmlEscaped(text, false, &out_);
}

void XmlWriter::Element(const XmlElement& element) {
  StartTag(element.ns, element.name);
  for (const auto& [n, v] : element.attributes) WriteAttribute(n, v);
  if (element.text.empty() && element.children.empty()) {
    out_.append("/>");
    scopes_.resize(open_.back().scopes);
    open_.pop_back();
    return;
  }
  out_.push_back('>');
  AppendXmlEscaped(element.text, false, &out_);
  for (const XmlElement& c : element.children) Element(c);
  Close();
}

std::string XmlWriter::Finish() {
  while (!open_.empty()) Close();
  out_.push_back('\n');
  return std::move(out_);
}

}  // namespace almanac::caldav
