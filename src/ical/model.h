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

#include <cstddef>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace almanac::ical {

// The values of one parameter. Nearly every parameter has exactly one, so
// the first is kept inline and only further ones go to the heap: a calendar
// with a million parameters then costs a million fewer allocations, and a
// Parameter stays at 72 octets. Behaves like a std::vector<std::string> for
// the operations used here.
class ParamValues {
 public:
  using value_type = std::string;
  using size_type = std::size_t;
  using reference = std::string&;
  using const_reference = const std::string&;

  template <typename Owner, typename Value>
  class Iter {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = std::string;
    using difference_type = std::ptrdiff_t;
    using pointer = Value*;
    using reference = Value&;
    Iter() = default;
    Iter(Owner* owner, std::size_t i) : owner_(owner), i_(i) {}
    reference operator*() const { return (*owner_)[i_]; }
    pointer operator->() const { return &(*owner_)[i_]; }
    Iter& operator++() {
      ++i_;
      return *this;
    }
    Iter operator++(int) {
      Iter old = *this;
      ++i_;
      return old;
    }
    bool operator==(const Iter& o) const { return i_ == o.i_; }
    bool operator!=(const Iter& o) const { return i_ != o.i_; }

   private:
    Owner* owner_ = nullptr;
    std::size_t i_ = 0;
  };
  using iterator = Iter<ParamValues, std::string>;
  using const_iterator = Iter<const ParamValues, const std::string>;

  ParamValues() = default;
  ParamValues(std::initializer_list<std::string> values) {
    for (const std::string& v : values) push_back(v);
  }
  ParamValues(const ParamValues& o)
      : first_(o.first_), more_(o.HasRest() ? new Rest(o.rest()) : o.more_) {}
  ParamValues(ParamValues&& o) noexcept : first_(std::move(o.first_)), more_(o.more_) {
    o.first_.clear();
    o.more_ = nullptr;
  }
  ParamValues& operator=(const ParamValues& o) {
    if (this != &o) *this = ParamValues(o);
    return *this;
  }
  ParamValues& operator=(ParamValues&& o) noexcept {
    if (this != &o) {
      DeleteRest();
      first_ = std::move(o.first_);
      more_ = o.more_;
      o.first_.clear();
      o.more_ = nullptr;
    }
    return *this;
  }
  ~ParamValues() { DeleteRest(); }

  std::size_t size() const {
    return more_ == nullptr ? 0 : more_ == OnlyFirst() ? 1 : 1 + rest().size();
  }
  bool empty() const { return more_ == nullptr; }
  // REQUIRES: i < size().
  std::string& operator[](std::size_t i) { return i == 0 ? first_ : rest()[i - 1]; }
  const std::string& operator[](std::size_t i) const { return i == 0 ? first_ : rest()[i - 1]; }
  std::string& front() { return first_; }
  const std::string& front() const { return first_; }
  std::string& emplace_back() {
    if (more_ == nullptr) {
      more_ = OnlyFirst();
      return first_;
    }
    if (more_ == OnlyFirst()) more_ = new Rest();
    return rest().emplace_back();
  }
  void push_back(std::string v) { emplace_back() = std::move(v); }
  void clear() {
    first_.clear();
    DeleteRest();
    more_ = nullptr;
  }
  iterator begin() { return iterator(this, 0); }
  iterator end() { return iterator(this, size()); }
  const_iterator begin() const { return const_iterator(this, 0); }
  const_iterator end() const { return const_iterator(this, size()); }
  bool operator==(const ParamValues& o) const {
    const std::size_t n = size();
    if (n != o.size()) return false;
    for (std::size_t i = 0; i < n; ++i) {
      if ((*this)[i] != o[i]) return false;
    }
    return true;
  }

 private:
  using Rest = std::vector<std::string>;

  // The address more_ holds when first_ is the only value; never written.
  static void* OnlyFirst() { return &only_first_tag_; }
  bool HasRest() const { return more_ != nullptr && more_ != OnlyFirst(); }
  // REQUIRES: HasRest().
  Rest& rest() const { return *static_cast<Rest*>(more_); }
  void DeleteRest() {
    if (HasRest()) delete &rest();
  }

  static inline char only_first_tag_ = 0;
  std::string first_;
  // nullptr: no values; OnlyFirst(): first_ is the only one; otherwise an
  // owned Rest with the values after the first.
  void* more_ = nullptr;
};

// A property parameter (RFC 5545 §3.2): NAME=value[,value...].
struct Parameter {
  std::string name;    // upper-cased
  ParamValues values;  // unquoted, RFC 6868 caret-decoded, in order; may be empty
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
