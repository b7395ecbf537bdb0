#include "ical/serializer.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

// What the n octets at p need. REQUIRES: p[0, n + kReadAhead) is readable
// (the SSE2 loop reads whole 16-octet blocks and ignores what lies past n).
constexpr std::size_t kReadAhead = 16;

unsigned NeedsOf(const char* p, std::size_t n) {
  unsigned needs = 0;
#if defined(__SSE2__)
  for (std::size_t i = 0; i < n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    const __m128i quotes = _mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(':')), _mm_cmpeq_epi8(v, _mm_set1_epi8(';'))),
        _mm_cmpeq_epi8(v, _mm_set1_epi8(',')));
    const __m128i carets = _mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('^')), _mm_cmpeq_epi8(v, _mm_set1_epi8('"'))),
        _mm_cmpeq_epi8(v, _mm_set1_epi8('\n')));
    const unsigned valid = n - i >= 16 ? 0xFFFFu : (1u << (n - i)) - 1;
    if ((static_cast<unsigned>(_mm_movemask_epi8(quotes)) & valid) != 0) needs |= kQuotes;
    if ((static_cast<unsigned>(_mm_movemask_epi8(carets)) & valid) != 0) needs |= kCarets;
  }
#else
  for (std::size_t i = 0; i < n; ++i) {
    switch (p[i]) {
      case ':':
      case ';':
      case ',':
        needs |= kQuotes;
        break;
      case '^':
      case '"':
      case '\n':
        needs |= kCarets;
        break;
      default:
        break;
    }
  }
#endif
  return needs;
}

// Copies n <= 16 octets with two (possibly overlapping) loads and stores:
// names and parameter values are short, and a call to memcpy costs more
// than the copy.
void CopySmall(char* dst, const char* src, std::size_t n) {
  const auto copy = [&](auto word) {
    constexpr std::size_t w = sizeof word;
    decltype(word) head;
    decltype(word) tail;
    std::memcpy(&head, src, w);
    std::memcpy(&tail, src + n - w, w);
    std::memcpy(dst, &head, w);
    std::memcpy(dst + n - w, &tail, w);
  };
  if (n >= 8) {
    copy(std::uint64_t{});
  } else if (n >= 4) {
    copy(std::uint32_t{});
  } else if (n >= 2) {
    copy(std::uint16_t{});
  } else if (n == 1) {
    *dst = *src;
  }
}

char* Put(char* p, std::string_view s) {
  if (s.size() <= 16) {
    CopySmall(p, s.data(), s.size());
  } else {
    std::memcpy(p, s.data(), s.size());
  }
  return p + s.size();
}

// Writes v at p as a parameter value. REQUIRES: room for what MaxLineSize
// counts for v, plus kReadAhead octets of readable buffer after that.
char* PutParamValue(char* p, std::string_view v) {
  // Nearly every value needs nothing: copy it, then look at the copy (whose
  // buffer has the read-ahead room the vector scan wants).
  Put(p, v);
  const unsigned needs = NeedsOf(p, v.size());
  if (needs == 0) return p + v.size();
  if (needs == kQuotes) {
    std::memmove(p + 1, p, v.size());
    *p = '"';
    p[v.size() + 1] = '"';
    return p + v.size() + 2;
  }
  // Carets needed: write it again, encoded.
  if ((needs & kQuotes) != 0) *p++ = '"';
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

// Writes into *out through a pointer. The string is grown ahead of the
// writer a chunk at a time (resize zero-fills each octet once, a reserve()
// made by the caller is used without reallocating) and trimmed to what was
// written by Finish(): no per-line resize, append or temporary string.
class Writer {
 public:
  explicit Writer(std::string* out) : out_(out), used_(out->size()) {}

  // Trims *out to the text written. Call once, last.
  void Finish() { out_->resize(used_); }

  void Write(const Component& c) {
    Line("BEGIN:", c.name);
    for (const Property& p : c.properties) WriteProperty(p);
    for (const Component& sub : c.components) Write(sub);
    Line("END:", c.name);
  }

  // As Write, and sizes the output from the sub-components written so far:
  // after 16, 32, 64... of them, reserves what the rest will need at the
  // same average size plus 1/8. A walk over the tree to add up its size
  // first would cost a third of the writing itself on a large calendar
  // (every property and parameter read twice, from memory); growing by
  // doubling alone would copy the text and fault in twice the pages. A
  // projection that falls short still just grows the string.
  void WriteTop(const Component& c) {
    Line("BEGIN:", c.name);
    for (const Property& p : c.properties) WriteProperty(p);
    const std::size_t total = c.components.size();
    const std::size_t subs_start = used_;
    for (std::size_t i = 0; i < total; ++i) {
      if (i >= 16 && (i & (i - 1)) == 0) Plan(used_ - subs_start, i, total);
      Write(c.components[i]);
    }
    Line("END:", c.name);
  }

  // Writes `line` folded and ended with CRLF.
  // REQUIRES: `line` does not point into *out.
  void Folded(std::string_view line) {
    // What resize() would throw anyway; also tells the compiler that the size
    // arithmetic below does not wrap.
    if (line.size() > out_->max_size() / 2) throw std::length_error("AppendFoldedLine");
    char* p = Room(line.size() + 2);
    std::memcpy(p, line.data(), line.size());
    EndLine(p, p + line.size());
  }

 private:
  static constexpr std::size_t kChunk = 64 * 1024;

  // `written` octets hold the first `done` of `total` sub-components.
  void Plan(std::size_t written, std::size_t done, std::size_t total) {
    const std::size_t rest = (written / done + 1) * (total - done);
    const std::size_t want = used_ + rest + rest / 8 + 64;
    if (want > out_->capacity()) out_->reserve(want);
  }

  // Where the next octet goes, with room for at least n octets after it.
  // Invalidates earlier pointers into *out.
  char* Room(std::size_t n) {
    if (out_->size() - used_ < n) Grow(n);
    return out_->data() + used_;
  }

  void Grow(std::size_t n) {
    std::size_t size = used_ + n;
    // Within the capacity: grow by a chunk at most, so that a generous
    // reserve() is not zero-filled all at once. Beyond it, resize()
    // reallocates geometrically.
    if (size <= out_->capacity()) size = std::min(out_->capacity(), size + kChunk);
    out_->resize(size);
  }

  void Line(std::string_view a, std::string_view b) {
    char* start = Room(a.size() + b.size() + 2);
    EndLine(start, Put(Put(start, a), b));
  }

  void WriteProperty(const Property& prop) {
    char* start = Room(MaxLineSize(prop) + 2 + kReadAhead);
    char* p = Put(start, prop.name);
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
    EndLine(start, Put(p, prop.value));
  }

  // The logical line was written at [start, end), the position Room() gave,
  // with room for two more octets: ends it with CRLF, folding it first if it
  // is longer than 75 octets.
  void EndLine(char* start, char* end) {
    const auto size = static_cast<std::size_t>(end - start);
    if (size <= kFoldOctets) {
      std::memcpy(end, "\r\n", 2);
      used_ += size + 2;
      return;
    }
    FoldInPlace(size);
  }

  // Folds the logical line at out_[used_, used_ + size) where it stands:
  // finds the cuts front to back, then moves each segment right to make room
  // for the CRLF SPACE before it, last segment first so that no segment is
  // overwritten before it has moved.
  void FoldInPlace(std::size_t size) {
    cuts_.clear();
    {
      const std::string_view line(out_->data() + used_, size);
      std::size_t pos = 0;
      std::size_t room = kFoldOctets;
      while (size - pos > room) {
        pos = FoldCut(line, pos, room);
        cuts_.push_back(pos);
        room = kFoldOctets - 1;  // the leading space counts toward the 75
      }
    }
    const std::size_t folds = cuts_.size();
    const std::size_t folded = size + 3 * folds;
    char* base = Room(folded + 2);  // may move the text; the view above is gone
    std::memcpy(base + folded, "\r\n", 2);
    std::size_t segment_end = size;
    for (std::size_t j = folds; j > 0; --j) {
      const std::size_t cut = cuts_[j - 1];
      char* dst = base + cut + 3 * j;
      std::memmove(dst, base + cut, segment_end - cut);
      std::memcpy(dst - 3, "\r\n ", 3);
      segment_end = cut;
    }
    used_ += folded + 2;
  }

  std::string* out_;
  std::size_t used_;               // octets of *out written so far
  std::vector<std::size_t> cuts_;  // fold positions of the line being folded
};

}  // namespace

void AppendFoldedLine(std::string_view line, std::string* out) {
  Writer w(out);
  w.Folded(line);
  w.Finish();
}

void SerializeTo(const Component& c, std::string* out) {
  Writer w(out);
  w.WriteTop(c);
  w.Finish();
}

std::string Serialize(const Component& c) {
  std::string out;
  SerializeTo(c, &out);
  return out;
}

}  // namespace almanac::ical
