#include "ical/serializer.h"

#include <cstring>

namespace almanac::ical {
namespace {

constexpr std::size_t kFoldOctets = 75;

bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Where to end the segment that starts at `pos` and may hold at most `room`
// octets of line[pos..]. REQUIRES: line.size() - pos > room.
std::size_t FoldCut(std::string_view line, std::size_t pos, std::size_t room) {
  const std::size_t max_cut = pos + room;
  // Preferred: a character boundary that does not start with whitespace.
  for (std::size_t cut = max_cut; cut > pos; --cut) {
    const char c = line[cut];
    if (!IsContinuationByte(c) && c != ' ' && c != '\t') return cut;
  }
  for (std::size_t cut = max_cut; cut > pos; --cut) {
    if (!IsContinuationByte(line[cut])) return cut;
  }
  return max_cut;  // not valid UTF-8; never split less than one octet
}

bool NeedsQuotes(std::string_view v) {
  for (char c : v) {
    if (c == ':' || c == ';' || c == ',') return true;
  }
  return false;
}

bool NeedsCaret(std::string_view v) {
  for (char c : v) {
    if (c == '^' || c == '"' || c == '\n') return true;
  }
  return false;
}

void AppendParamValue(std::string_view v, std::string* out) {
  const bool quote = NeedsQuotes(v);
  if (quote) *out += '"';
  if (!NeedsCaret(v)) {
    out->append(v);
  } else {
    for (char c : v) {
      switch (c) {
        case '^':
          out->append("^^");
          break;
        case '"':
          out->append("^'");
          break;
        case '\n':
          out->append("^n");
          break;
        default:
          *out += c;
      }
    }
  }
  if (quote) *out += '"';
}

class Writer {
 public:
  explicit Writer(std::string* out) : out_(out) {}

  void Write(const Component& c) {
    Line("BEGIN:", c.name);
    for (const Property& p : c.properties) WriteProperty(p);
    for (const Component& sub : c.components) Write(sub);
    Line("END:", c.name);
  }

 private:
  void Line(std::string_view a, std::string_view b) {
    const std::size_t start = out_->size();
    out_->append(a);
    out_->append(b);
    Finish(start);
  }

  void WriteProperty(const Property& p) {
    const std::size_t start = out_->size();
    out_->append(p.name);
    for (const Parameter& param : p.params) {
      *out_ += ';';
      out_->append(param.name);
      if (param.values.empty()) continue;
      *out_ += '=';
      bool first = true;
      for (const std::string& v : param.values) {
        if (!first) *out_ += ',';
        first = false;
        AppendParamValue(v, out_);
      }
    }
    *out_ += ':';
    out_->append(p.value);
    Finish(start);
  }

  // The logical line occupies out_[start..]; fold it if needed and end it.
  void Finish(std::size_t start) {
    if (out_->size() - start <= kFoldOctets) {
      out_->append("\r\n");
      return;
    }
    scratch_.assign(*out_, start, std::string::npos);
    out_->resize(start);
    AppendFoldedLine(scratch_, out_);
  }

  std::string* out_;
  std::string scratch_;
};

std::size_t EstimateSize(const Component& c) {
  std::size_t n = 2 * (c.name.size() + 8);
  for (const Property& p : c.properties) {
    n += p.name.size() + p.value.size() + 3;
    for (const Parameter& param : p.params) {
      n += param.name.size() + 2;
      for (const std::string& v : param.values) n += v.size() + 3;
    }
  }
  for (const Component& sub : c.components) n += EstimateSize(sub);
  return n;
}

}  // namespace

void AppendFoldedLine(std::string_view line, std::string* out) {
  if (line.size() <= kFoldOctets) {
    out->append(line);
    out->append("\r\n");
    return;
  }
  out->reserve(out->size() + line.size() + line.size() / 24 + 8);
  std::size_t pos = 0;
  std::size_t room = kFoldOctets;
  while (line.size() - pos > room) {
    const std::size_t cut = FoldCut(line, pos, room);
    out->append(line.data() + pos, cut - pos);
    out->append("\r\n ");
    pos = cut;
    room = kFoldOctets - 1;  // the leading space counts toward the 75
  }
  out->append(line.data() + pos, line.size() - pos);
  out->append("\r\n");
}

void SerializeTo(const Component& c, std::string* out) {
  const std::size_t estimate = EstimateSize(c);
  out->reserve(out->size() + estimate + estimate / 32);
  Writer w(out);
  w.Write(c);
}

std::string Serialize(const Component& c) {
  std::string out;
  SerializeTo(c, &out);
  return out;
}

}  // namespace almanac::ical
