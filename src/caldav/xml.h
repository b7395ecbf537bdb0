// A small, safe XML DOM for WebDAV/CalDAV request bodies, and a fast writer
// for multistatus responses (RFC 4918 §14, RFC 4791 §9).
//
// ParseXml reads a namespace-aware tree through libxml2 with every dangerous
// feature off: no DTD (a document with a DOCTYPE is refused, so entity
// declarations, "billion laughs" and external entities such as
// file:///etc/passwd never get a chance), no network, no entity expansion
// beyond the five predefined entities and character references, and hard
// bounds on size, depth and element count. libxml2 stays inside xml.cpp.
//
// XmlWriter appends to one std::string and never builds a tree, so a
// multistatus of 10,000 responses costs a few milliseconds.
//
// Thread safety: ParseXml may be called from many threads at once (libxml2
// is initialised once; errors go to the parse context, never to stderr).
// XmlElement is a plain value. An XmlWriter belongs to one thread.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace almanac::caldav {

// Namespaces of the WebDAV and CalDAV vocabularies.
inline constexpr std::string_view kDav = "DAV:";
inline constexpr std::string_view kCalDav = "urn:ietf:params:xml:ns:caldav";
inline constexpr std::string_view kCalServer = "http://calendarserver.org/ns/";
inline constexpr std::string_view kAppleIcal = "http://apple.com/ns/ical/";

// One element of a parsed document.
struct XmlElement {
  std::string ns;    // namespace URI; empty for no namespace
  std::string name;  // local name
  // Attributes by local name (namespace declarations are not attributes),
  // values with entities and character references decoded, in document order.
  std::vector<std::pair<std::string, std::string>> attributes;
  // The character data (text and CDATA) directly inside this element,
  // concatenated in document order, not that of its descendants. Not
  // trimmed: see Trimmed().
  std::string text;
  std::vector<XmlElement> children;

  // The first child element with this namespace and local name, or null.
  // The pointer is valid until `children` is modified.
  const XmlElement* Child(std::string_view ns, std::string_view name) const;
  // Every child element with this namespace and local name, in order.
  std::vector<const XmlElement*> Children(std::string_view ns, std::string_view name) const;
  // The value of the first attribute called `name`, or nullopt. The view is
  // valid until `attributes` is modified.
  std::optional<std::string_view> Attribute(std::string_view name) const;
  // True when this element has namespace `ns` and local name `name`.
  bool Is(std::string_view ns, std::string_view name) const {
    return this->ns == ns && this->name == name;
  }

  bool operator==(const XmlElement&) const = default;
};

// `text` without leading and trailing XML white space (space, tab, CR, LF).
// The view points into `text`.
std::string_view Trimmed(std::string_view text);

// Bounds on one ParseXml call.
struct XmlLimits {
  std::size_t max_bytes = 16u << 20;
  int max_depth = 64;  // the root element is depth 1
  std::size_t max_elements = 200'000;
};

// Parses a complete XML 1.0 document and returns its root element.
// Accepted: any encoding libxml2 knows that the document declares (the tree
// is UTF-8), the XML declaration, comments and processing instructions
// (both dropped), CDATA sections (kept as text), the predefined entities
// &amp; &lt; &gt; &apos; &quot; and character references.
// Errors:
//  - kInvalidArgument for a document that is not well-formed or not
//    namespace-well-formed (an undeclared prefix), is empty, has a DOCTYPE
//    (DTDs and entity declarations are refused outright), or uses an
//    undeclared entity. The message is one line, safe to show to a client,
//    like "malformed XML at line 3: Opening and ending tag mismatch: prop
//    line 2 and propfind".
//  - kResourceExhausted when the body exceeds limits.max_bytes, nesting
//    exceeds limits.max_depth or there are more than limits.max_elements
//    elements ("XML nested deeper than 64 elements at line 70").
// Pure and thread-safe; never blocks on I/O (no network, no files).
Result<XmlElement> ParseXml(std::string_view body, const XmlLimits& limits = {});

// Writes an XML document, element by element, into a string.
//
// The document starts with <?xml version="1.0" encoding="utf-8"?>. The root
// element declares the fixed prefixes D (DAV:), C (CalDAV), CS
// (calendarserver.org) and A (apple.com ical); any other namespace gets a
// generated prefix ("x0", "x1", ...) declared on the element that first
// needs it, and is reused by its descendants. An element with an empty
// namespace is written without a prefix (no default namespace is ever
// declared, so it stays in no namespace). Attributes are written without a
// prefix. Text and attribute values are escaped; characters XML 1.0 cannot
// carry (control characters other than tab/LF/CR, U+FFFE, U+FFFF, invalid
// UTF-8) become U+FFFD, so the output is always well-formed.
// REQUIRES for every name passed in: a valid XML NCName (names come from
// code or from a parsed XmlElement).
class XmlWriter {
 public:
  using Attributes = std::initializer_list<std::pair<std::string_view, std::string_view>>;

  XmlWriter();
  // Opens <ns:name attributes...>.
  void Open(std::string_view ns, std::string_view name, Attributes attributes = {});
  // Closes the innermost open element. REQUIRES: an element is open.
  void Close();
  // <ns:name>text</ns:name>.
  void Leaf(std::string_view ns, std::string_view name, std::string_view text);
  // <ns:name/>.
  void Empty(std::string_view ns, std::string_view name, Attributes attributes = {});
  // Escaped character data inside the innermost open element.
  // REQUIRES: an element is open.
  void Text(std::string_view text);
  // A copy of `element` and its descendants (its text first, then its
  // children), e.g. to echo an unknown property in a 404 propstat.
  void Element(const XmlElement& element);
  // Elements currently open.
  std::size_t depth() const { return open_.size(); }
  // Closes every open element and returns the document; the writer is then
  // empty and must not be used again.
  std::string Finish();

 private:
  struct OpenElement {
    std::string qname;
    std::size_t scopes;  // size of scopes_ before this element's declarations
  };
  // Writes "<qname" plus any namespace declarations for `ns`.
  void StartTag(std::string_view ns, std::string_view name);
  void WriteAttributes(Attributes attributes);
  void WriteAttribute(std::string_view name, std::string_view value);

  std::string out_;
  std::vector<OpenElement> open_;
  std::vector<std::pair<std::string, std::string>> scopes_;  // (namespace, prefix) in scope
  bool root_written_ = false;
  int next_prefix_ = 0;
};

// Appends `text` escaped for element content (attribute = false) or a
// double-quoted attribute value (attribute = true), replacing characters XML
// cannot carry by U+FFFD. Exposed for writers of single values.
void AppendXmlEscaped(std::string_view text, bool attribute, std::string* out);

}  // namespace almanac::caldav
