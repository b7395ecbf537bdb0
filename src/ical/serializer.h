// The iCalendar (RFC 5545) writer: a Component tree out as canonical text.
//
// Canonical form: names as stored (upper-cased by the parser), properties and
// parameters in model order, CRLF line ends, content lines folded so that no
// physical line exceeds 75 octets including the leading space of a
// continuation (RFC 5545 §3.1), never inside a UTF-8 sequence and, where
// possible, not just before a space or HTAB (so a reader that strips more than
// one whitespace char after a fold still gets the text right). Parameter
// values are double-quoted when they contain ':' ';' or ','; a '"', '^' or
// newline in a parameter value is written with RFC 6868 caret encoding
// (^' ^^ ^n). Property values are written verbatim: Property::value is the
// wire text. For every component `c` the parser accepted,
// Parse(Serialize(c)) in the same mode gives back `c` (ignoring line numbers).
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "ical/model.h"

namespace almanac::ical {

// The text of `c` and its sub-components.
// REQUIRES: names are non-empty and contain no ':' ';' or control character;
// property values contain no CR, LF or other control character except HTAB
// (build TEXT values with EscapeText); parameter values contain no control
// character other than HTAB and LF.
std::string Serialize(const Component& c);
// Appends the text of `c` to `*out`. REQUIRES: as Serialize; out != null.
void SerializeTo(const Component& c, std::string* out);

// Appends one content line (without its CRLF) to `*out`, folded as above,
// followed by CRLF. Exposed for writers of single properties.
void AppendFoldedLine(std::string_view line, std::string* out);

}  // namespace almanac::ical
