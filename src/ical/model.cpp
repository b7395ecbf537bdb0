#include "ical/model.h"

namespace almanac::ical {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x == y) continue;
    if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 'a' + 'A');
    if (y >= 'a' && y <= 'z') y = static_cast<char>(y - 'a' + 'A');
    if (x != y) return false;
  }
  return true;
}

void ToUpperAscii(std::string* s) {
  for (char& c : *s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
}

const Parameter* Property::FindParam(std::string_view param_name) const {
  for (const Parameter& p : params) {
    if (EqualsIgnoreCase(p.name, param_name)) return &p;
  }
  return nullptr;
}

std::optional<std::string_view> Property::ParamValue(std::string_view param_name) const {
  const Parameter* p = FindParam(param_name);
  if (p == nullptr || p->values.empty()) return std::nullopt;
  return std::string_view(p->values.front());
}

bool Property::operator==(const Property& o) const {
  return name == o.name && value == o.value && params == o.params;
}

const Property* Component::Find(std::string_view prop_name) const {
  for (const Property& p : properties) {
    if (EqualsIgnoreCase(p.name, prop_name)) return &p;
  }
  return nullptr;
}

std::vector<const Property*> Component::FindAll(std::string_view prop_name) const {
  std::vector<const Property*> out;
  for (const Property& p : properties) {
    if (EqualsIgnoreCase(p.name, prop_name)) out.push_back(&p);
  }
  return out;
}

std::vector<const Component*> Component::FindComponents(std::string_view comp_name) const {
  std::vector<const Component*> out;
  for (const Component& c : components) {
    if (EqualsIgnoreCase(c.name, comp_name)) out.push_back(&c);
  }
  return out;
}

bool Component::operator==(const Component& o) const {
  return name == o.name && properties == o.properties && components == o.components;
}

}  // namespace almanac::ical
