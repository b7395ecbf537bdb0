// The iCalendar object model (RFC 5545 §3.4-§3.6): components holding
// properties holding parameters, exactly as they appear on the wire.
//
// The model is syntactic, not semantic: a Property keeps its raw value text
// (after unfolding; TEXT still escaped) so that unknown, X- and IANA
// properties and parameters survive a parse/serialize round trip verbatim.
// Typed access goes through values.h (ParseDateTimeValue, UnescapeText...).
// Names of components, properties and parameters are stored upper-cased,
// since RFC 5545 §2 makes them case-insensitive; parameter values and
// property values keep their case.
//
// Thread safety: plain values; const methods may be called concurrently.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace almanac::ical {

// A property parameter (RFC 5545 §3.2): NAME=value[,value...].
struct Parameter {
  std::string name;                 // upper-cased
  std::vector<std::string> values;  // unquoted, RFC 6868 caret-decoded, in order; may be empty
                                    // only for a lenient-parsed parameter without '='
  bool operator==(const Parameter&) const = default;
};

// A content line (RFC 5545 §3.1): NAME;PARAM=...:value.
struct Property {
  std::string name;               // upper-cased (X- and unknown names kept, upper-cased)
  std::vector<Parameter> params;  // in input order
  // The raw value text as on the wire after unfolding (TEXT still escaped).
  // REQUIRES (for serializing): no CR, LF or other control character except HTAB.
  std::string value;
  int line = 0;  // 1-based line of the property's first physical line; not part of ==

  // The first parameter called `name` (ASCII case-insensitive), or null.
  // The pointer is valid until `params` is modified.
  const Parameter* FindParam(std::string_view name) const;
  // The first value of the first parameter called `name`, or nullopt when the
  // parameter is absent or has no value. The view lives as long as the parameter.
  std::optional<std::string_view> ParamValue(std::string_view name) const;
  // Compares name, params and value; ignores `line`.
  bool operator==(const Property& o) const;
};

// A component (RFC 5545 §3.6): BEGIN:NAME ... END:NAME.
struct Component {
  // Upper-cased: VCALENDAR, VEVENT, VTODO, VJOURNAL, VFREEBUSY, VTIMEZONE,
  // STANDARD, DAYLIGHT, VALARM, or any X-/IANA name.
  std::string name;
  std::vector<Property> properties;   // in input order
  std::vector<Component> components;  // sub-components, in input order
  int line = 0;                       // 1-based line of BEGIN; not part of ==

  // The first property called `name` (ASCII case-insensitive), or null. The
  // pointer is valid until `properties` is modified.
  const Property* Find(std::string_view name) const;
  // Every property called `name`, in order. Pointers as for Find().
  std::vector<const Property*> FindAll(std::string_view name) const;
  // Every direct sub-component called `name`, in order. Pointers are valid
  // until `components` is modified.
  std::vector<const Component*> FindComponents(std::string_view name) const;
  // Compares name, properties and sub-components recursively; ignores `line`.
  bool operator==(const Component& o) const;
};

// ASCII case-insensitive equality (iCalendar names are ASCII).
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
// Upper-cases ASCII letters in place; other bytes are left alone.
void ToUpperAscii(std::string* s);

}  // namespace almanac::ical
