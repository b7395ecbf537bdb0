#include "ical/serializer.h"

#include <array>
#include <cstdint>
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

// What a parameter value needs on the wire: double quotes around it (it holds
// ':' ';' or ','), RFC 6868 caret encoding (it holds '^' '"' or newline).
enum ParamValueNeeds : std::uint8_t { kQuotes = 1, kCarets = 2 };

constexpr std::array<std::uint8_t, 256> kParamValueNeeds = [] {
  std::array<std::uint8_t, 256> t{};
  t[':'] = t[';'] = t[','] = kQuotes;
  t['^'] = t['"'] = t['\n'] = kCarets;
  return t;
}();

unsigned NeedsOf(std::string_view v) {
  unsigned needs = 0;
  for (char c : v) needs |= kParamValueNeeds[static_cast<unsigned char>(c)];
  return needs;
}

char* Put(char* p, std::string_view s) {
  std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

char* PutParamValue(char* p, std::string_view v) {
  const unsigned needs = NeedsOf(v);
  if ((needs & kQuotes) != 0) *p++ = '"';
  if ((needs & kCarets) == 0) {
    p = Put(p, v);
  } else {
    for (char c : v) {
      switch (c) {
        case '^':
          p = Put(p, "^^");
          break;
        case '"':
          p = Put(p, "^'");
          break;
        case '\n':
          p = Put(p, "^n");
          break;
        default:
          *p++ = c;
      }
    }
  }
  if ((needs & kQuotes) != 0) *p++ = '"';
  return p;
}

// The most octets `p` can take on the wire, before folding: every parameter
// value caret-encoded (at most doubled) and quoted.
std::size_t MaxLineSize(const Property& p) {
  std::size_t n = p.name.size() + 1 + p.value.size();
  for (const Parameter& param : p.params) {
    n += 2 + param.name.size();
    for (const std::string& v : param.values) n += 2 * v.size() + 3;
  }
  return n;
}

// Calls f(segment, last) for the physical lines `line` folds into.
template <typename F>
void ForEachFoldSegment(std::string_view line, F&& f) {
  std::size_t pos = 0;
  std::size_t room = kFoldOctets;
  while (line.size() - pos > room) {
    const std::size_t cut = FoldCut(line, pos, room);
    f(line.substr(pos, cut - pos), false);
    pos = cut;
    room = kFoldOctets - 1;  // the leading space counts toward the 75
  }
  f(line.substr(pos), true);
}

// Appends `line` folded and ended with CRLF, growing `out` once.
void AppendFolded(std::string_view line, std::string* out) {
  std::size_t size = 0;
  ForEachFoldSegment(line,
                     [&](std::string_view seg, bool last) { size += seg.size() + (last ? 2 : 3); });
  const std::size_t start = out->size();
  out->resize(start + size);
  char* p = out->data() + start;
  ForEachFoldSegment(line, [&](std::string_view seg, bool last) {
    p = Put(p, seg);
    p = Put(p, last ? std::string_view("\r\n") : std::string_view("\r\n "));
  });
}

// Writes into the output through a pointer: each content line is sized
// (an upper bound), the string grown once for it and trimmed to what was
// written, which is much cheaper than a dozen appends per line.
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
    out_->resize(start + a.size() + b.size() + 2);
    Finish(start, Put(Put(out_->data() + start, a), b));
  }

  void WriteProperty(const Property& prop) {
    const std::size_t start = out_->size();
    out_->resize(start + MaxLineSize(prop) + 2);
    char* p = Put(out_->data() + start, prop.name);
    for (const Parameter& param : prop.params) {
      *p++ = ';';
      p = Put(p, param.name);
      if (param.values.empty()) continue;
      *p++ = '=';
      bool first = true;
      for (const std::string& v : param.values) {
        if (!first) *p++ = ',';
        first = false;
        p = PutParamValue(p, v);
      }
    }
    *p++ = ':';
    Finish(start, Put(p, prop.value));
  }

  // The logical line occupies out_[start, end) with room for CRLF after it;
  // ends it, folded if needed, and trims out_ to what was written.
  void Finish(std::size_t start, char* end) {
    const std::size_t size = static_cast<std::size_t>(end - (out_->data() + start));
    if (size <= kFoldOctets) {
      *end++ = '\r';
      *end++ = '\n';
      out_->resize(static_cast<std::size_t>(end - out_->data()));
      return;
    }
    scratch_.assign(out_->data() + start, size);
    out_->resize(start);
    AppendFolded(scratch_, out_);
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

void AppendFoldedLine(std::string_view line, std::string* out) { AppendFolded(line, out); }

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
