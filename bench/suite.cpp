#include "suite.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <utility>

namespace almanac::bench {
namespace {

std::vector<std::string_view> SplitWhitespace(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// A wall-clock value: "YYYYMMDD" (midnight) or "YYYYMMDDTHHMMSS".
std::optional<core::LocalDateTime> ParseWallClock(std::string_view v) {
  if (v.size() == 8) {
    const std::optional<core::Date> d = core::ParseDate(v);
    if (!d) return std::nullopt;
    return core::LocalDateTime::FromDate(*d);
  }
  return core::ParseLocal(v);
}

Error LineError(std::size_t line_no, std::string_view what) {
  return MakeError(Code::kInvalidArgument,
                   "suite line " + std::to_string(line_no) + ": " + std::string(what));
}

Result<SuiteRule> ParseRuleLine(std::string_view line, std::size_t line_no) {
  const std::vector<std::string_view> tokens = SplitWhitespace(line);
  if (tokens.size() < 3) return LineError(line_no, "expected NAME DTSTART RRULE");
  SuiteRule rule;
  rule.name = std::string(tokens[0]);

  const std::string_view dt = tokens[1];
  const std::size_t colon = dt.find(':');
  if (!StartsWith(dt, "DTSTART") || colon == std::string_view::npos) {
    return LineError(line_no, "second token must be DTSTART[;params]:value");
  }
  std::string_view params = dt.substr(7, colon - 7);
  while (!params.empty()) {
    if (params[0] != ';') return LineError(line_no, "bad DTSTART parameters");
    params.remove_prefix(1);
    const std::size_t end = std::min(params.find(';'), params.size());
    const std::string_view p = params.substr(0, end);
    params.remove_prefix(end);
    if (StartsWith(p, "TZID=")) {
      rule.tzid = std::string(p.substr(5));
    } else if (p == "VALUE=DATE") {
      rule.all_day = true;
    } else if (p != "VALUE=DATE-TIME") {
      return LineError(line_no, "unknown DTSTART parameter " + std::string(p));
    }
  }
  std::string_view value = dt.substr(colon + 1);
  rule.dtstart_value = std::string(value);
  if (!value.empty() && value.back() == 'Z') {
    rule.utc = true;
    value.remove_suffix(1);
  }
  if (rule.all_day) {
    const std::optional<core::Date> d = core::ParseDate(value);
    if (!d) return LineError(line_no, "bad DTSTART date");
    rule.dtstart = core::LocalDateTime::FromDate(*d);
  } else {
    const std::optional<core::LocalDateTime> t = core::ParseLocal(value);
    if (!t) return LineError(line_no, "bad DTSTART date-time");
    rule.dtstart = *t;
  }

  if (!StartsWith(tokens[2], "RRULE:")) return LineError(line_no, "third token must be RRULE:");
  rule.rrule = std::string(tokens[2].substr(6));

  for (std::size_t i = 3; i < tokens.size(); ++i) {
    const std::string_view t = tokens[i];
    if (StartsWith(t, "EXDATE:")) {
      std::string_view list = t.substr(7);
      while (!list.empty()) {
        const std::size_t end = std::min(list.find(','), list.size());
        const std::optional<core::LocalDateTime> v = ParseWallClock(list.substr(0, end));
        if (!v) return LineError(line_no, "bad EXDATE value " + std::string(list.substr(0, end)));
        rule.exdates.push_back(*v);
        list.remove_prefix(std::min(end + 1, list.size()));
      }
    } else if (StartsWith(t, "FROM:") || StartsWith(t, "TO:")) {
      const bool is_from = t[0] == 'F';
      const std::optional<core::LocalDateTime> v = ParseWallClock(t.substr(is_from ? 5 : 3));
      if (!v) return LineError(line_no, "bad window value " + std::string(t));
      (is_from ? rule.from : rule.to) = *v;
    } else if (StartsWith(t, "MAX:")) {
      std::size_t n = 0;
      for (const char c : t.substr(4)) {
        if (c < '0' || c > '9') return LineError(line_no, "bad MAX");
        n = n * 10 + static_cast<std::size_t>(c - '0');
      }
      rule.max = n;
    } else {
      return LineError(line_no, "unknown token " + std::string(t));
    }
  }
  std::sort(rule.exdates.begin(), rule.exdates.end());
  return rule;
}

// SHA-256 round constants: the first 32 bits of the fractional parts of the
// cube roots of the first 64 primes (FIPS 180-4 §4.2.2).
constexpr std::array<std::uint32_t, 64> kSha256K = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

constexpr std::uint32_t Rotr(std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

void Sha256Block(const unsigned char* block, std::array<std::uint32_t, 8>& h) {
  std::array<std::uint32_t, 64> w{};
  for (int t = 0; t < 16; ++t) {
    w[t] = static_cast<std::uint32_t>(block[4 * t]) << 24 |
           static_cast<std::uint32_t>(block[4 * t + 1]) << 16 |
           static_cast<std::uint32_t>(block[4 * t + 2]) << 8 |
           static_cast<std::uint32_t>(block[4 * t + 3]);
  }
  for (int t = 16; t < 64; ++t) {
    const std::uint32_t s0 = Rotr(w[t - 15], 7) ^ Rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
    const std::uint32_t s1 = Rotr(w[t - 2], 17) ^ Rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
    w[t] = w[t - 16] + s0 + w[t - 7] + s1;
  }
  std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
  for (int t = 0; t < 64; ++t) {
    const std::uint32_t t1 =
        k + (Rotr(e, 6) ^ Rotr(e, 11) ^ Rotr(e, 25)) + ((e & f) ^ (~e & g)) + kSha256K[t] + w[t];
    const std::uint32_t t2 =
        (Rotr(a, 2) ^ Rotr(a, 13) ^ Rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    k = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
  h[4] += e;
  h[5] += f;
  h[6] += g;
  h[7] += k;
}

}  // namespace

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return MakeError(Code::kNotFound, "cannot open " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return MakeError(Code::kNotFound, "cannot read " + path);
  return std::move(ss).str();
}

Result<Suite> LoadSuite(const std::string& path) {
  ALMANAC_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  Suite suite;
  suite.sha256 = Sha256Hex(text);
  std::istringstream lines(text);
  std::string line;
  std::size_t line_no = 0;
  while (std::getline(lines, line)) {
    ++line_no;
    const std::vector<std::string_view> tokens = SplitWhitespace(line);
    if (tokens.empty() || tokens[0][0] == '#') continue;
    ALMANAC_ASSIGN_OR_RETURN(SuiteRule rule, ParseRuleLine(line, line_no));
    suite.rules.push_back(std::move(rule));
  }
  return suite;
}

Result<Expected> LoadExpected(const std::string& path) {
  ALMANAC_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  Expected expected;
  std::istringstream lines(text);
  std::string line;
  std::size_t line_no = 0;
  while (std::getline(lines, line)) {
    ++line_no;
    const std::vector<std::string_view> tokens = SplitWhitespace(line);
    if (tokens.empty()) continue;
    if (tokens[0][0] == '#') {
      for (const std::string_view t : tokens) {
        if (StartsWith(t, "sha256=") && expected.suite_sha256.empty()) {
          expected.suite_sha256 = std::string(t.substr(7));
        }
      }
      continue;
    }
    if (tokens.size() != 5) {
      return MakeError(Code::kInvalidArgument,
                       "expected line " + std::to_string(line_no) + ": want 5 fields");
    }
    ExpectedRow row;
    for (const char c : tokens[1]) {
      if (c < '0' || c > '9') {
        return MakeError(Code::kInvalidArgument,
                         "expected line " + std::to_string(line_no) + ": bad count");
      }
      row.count = row.count * 10 + static_cast<std::size_t>(c - '0');
    }
    row.first = std::string(tokens[2]);
    row.last = std::string(tokens[3]);
    row.digest = std::string(tokens[4]);
    expected.rows.emplace(std::string(tokens[0]), std::move(row));
  }
  return expected;
}

std::string Fnv1a64::Hex() const {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h_));
  return buf;
}

std::string Sha256Hex(std::string_view bytes) {
  std::array<std::uint32_t, 8> h = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  std::size_t n = bytes.size();
  while (n >= 64) {
    Sha256Block(p, h);
    p += 64;
    n -= 64;
  }
  // Padding: 0x80, zeros, then the message length in bits, big-endian.
  unsigned char tail[128] = {};
  std::copy(p, p + n, tail);
  tail[n] = 0x80;
  const std::size_t tail_len = n + 9 <= 64 ? 64 : 128;
  const std::uint64_t bits = static_cast<std::uint64_t>(bytes.size()) * 8;
  for (int i = 0; i < 8; ++i) {
    tail[tail_len - 1 - i] = static_cast<unsigned char>(bits >> (8 * i));
  }
  for (std::size_t off = 0; off < tail_len; off += 64) Sha256Block(tail + off, h);
  std::string out;
  out.reserve(64);
  for (const std::uint32_t word : h) {
    char buf[9];
    std::snprintf(buf, sizeof buf, "%08x", word);
    out += buf;
  }
  return out;
}

std::string FormatOccurrence(core::LocalDateTime t, const SuiteRule& rule) {
  if (rule.all_day) return core::FormatDate(t.date());
  return rule.utc ? core::FormatLocal(t) + 'Z' : core::FormatLocal(t);
}

DigestRow DigestOf(const std::vector<core::LocalDateTime>& occurrences, const SuiteRule& rule) {
  DigestRow row;
  Fnv1a64 fnv;
  for (const core::LocalDateTime t : occurrences) {
    std::string line = FormatOccurrence(t, rule);
    line += '\n';
    fnv.Update(line);
  }
  row.count = occurrences.size();
  if (!occurrences.empty()) {
    row.first = FormatOccurrence(occurrences.front(), rule);
    row.last = FormatOccurrence(occurrences.back(), rule);
  }
  row.digest = fnv.Hex();
  return row;
}

}  // namespace almanac::bench
