// Tests of ical/internal/utf8.h: the whole-input check the parser uses to
// skip its per-line scan. Each implementation (AVX2 where the CPU has it,
// the portable scalar one) is compared with a plain reference decoder, with
// the interesting octets placed at every offset around the 8-, 16-, 32- and
// 64-octet block boundaries the fast paths work in.
#include "ical/internal/utf8.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace almanac::ical::internal {
namespace {

// RFC 3629 §3-4 by the book: decode each sequence and check its code point.
bool ReferenceClean(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  for (std::size_t i = 0; i < n;) {
    const unsigned c = p[i];
    if (c < 0x80) {
      if (c == '\r') {
        if (i + 1 == n || p[i + 1] != '\n') return false;
        i += 2;
        continue;
      }
      if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7F) return false;
      ++i;
      continue;
    }
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (c >= 0xC0 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF7) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;  // a continuation octet, or F8-FF
    }
    if (n - i < len) return false;
    for (std::size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    const std::uint32_t min = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

// Checks every implementation against the reference.
void ExpectAgree(const std::string& s) {
  const bool expected = ReferenceClean(s);
  EXPECT_EQ(IsCleanStreamScalar(s), expected) << testing::PrintToString(s);
#ifdef ALMANAC_ICAL_UTF8_AVX2
  if (CpuHasAvx2()) {
    EXPECT_EQ(IsCleanStreamAvx2(s), expected) << testing::PrintToString(s);
  }
#endif
  EXPECT_EQ(IsCleanStream(s), expected) << testing::PrintToString(s);
}

// `piece` at each offset 0..kSpan of an ASCII text, followed by more than
// two 64-octet blocks of ASCII, and at the very end of the input.
constexpr std::size_t kSpan = 140;

void ExpectAgreeAtEveryOffset(const std::string& piece) {
  for (std::size_t at = 0; at <= kSpan; ++at) {
    std::string s(at, 'a');
    s += piece;
    ExpectAgree(s);  // the piece ends the input
    s.append(130, 'b');
    ExpectAgree(s);
  }
}

TEST(Utf8Test, EmptyAndPlainAscii) {
  ExpectAgree("");
  ExpectAgree("a");
  for (std::size_t n = 0; n < 200; ++n) ExpectAgree(std::string(n, 'x'));
  EXPECT_TRUE(IsCleanStream("BEGIN:VCALENDAR\r\nX:a\tb\nEND:VCALENDAR\r\n"));
}

TEST(Utf8Test, EveryTwoOctetPairAtBlockBoundaries) {
  // Every pair of octets >= 0x80 or one of the controls, at offsets that put
  // it inside and across every block boundary of the fast paths.
  std::vector<unsigned> octets;
  for (unsigned c = 0x80; c <= 0xFF; ++c) octets.push_back(c);
  for (unsigned c : {0x00u, 0x09u, 0x0Au, 0x0Du, 0x1Fu, 0x20u, 0x41u, 0x7Fu}) octets.push_back(c);
  for (std::size_t at : {0u, 6u, 7u, 8u, 15u, 16u, 30u, 31u, 32u, 62u, 63u, 64u, 126u, 127u}) {
    for (unsigned a : octets) {
      for (unsigned b : octets) {
        std::string s(at, 'a');
        s += static_cast<char>(a);
        s += static_cast<char>(b);
        ExpectAgree(s);
        s.append(70, 'z');
        ExpectAgree(s);
      }
    }
  }
}

TEST(Utf8Test, ThreeAndFourOctetSequencesAndTheirLimits) {
  // Lead octets with every second octet, then continuations or not.
  const unsigned tails[] = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF};
  for (unsigned lead = 0xE0; lead <= 0xFF; ++lead) {
    for (unsigned second = 0x00; second <= 0xFF; ++second) {
      for (unsigned third : tails) {
        std::string s = "ab";
        s += static_cast<char>(lead);
        s += static_cast<char>(second);
        s += static_cast<char>(third);
        ExpectAgree(s);
        for (unsigned fourth : {0x41u, 0x80u, 0xBFu}) ExpectAgree(s + static_cast<char>(fourth));
      }
    }
  }
}

TEST(Utf8Test, NamedEdgeCasesAtEveryOffset) {
  const std::string valid[] = {
      "\xC2\x80",                              // U+0080, the first 2-octet code point
      "\xDF\xBF",                              // U+07FF
      "\xE0\xA0\x80",                          // U+0800
      "\xED\x9F\xBF",                          // U+D7FF, just below the surrogates
      "\xEE\x80\x80",                          // U+E000, just above them
      "\xEF\xBF\xBF",                          // U+FFFF
      "\xF0\x90\x80\x80",                      // U+10000
      "\xF4\x8F\xBF\xBF",                      // U+10FFFF, the last code point
      "\xC3\xA9\xE6\x97\xA5\xF0\x9F\x8E\x89",  // é日🎉
      "\r\n",
      "\t",
  };
  const std::string invalid[] = {
      "\xC0\xAF",              // overlong '/'
      "\xC1\xBF",              // overlong
      "\xE0\x9F\xBF",          // overlong 3-octet
      "\xF0\x8F\xBF\xBF",      // overlong 4-octet
      "\xED\xA0\x80",          // U+D800, a surrogate
      "\xED\xBF\xBF",          // U+DFFF
      "\xF4\x90\x80\x80",      // U+110000
      "\xF5\x80\x80\x80",      // lead above F4
      "\xF8\x88\x80\x80\x80",  // 5-octet form
      "\x80",                  // stray continuation
      "\xBF",                  // stray continuation, the last one
      "\xC3",                  // truncated 2-octet
      "\xE6\x97",              // truncated 3-octet
      "\xF0\x9F\x8E",          // truncated 4-octet
      "\xE6z\x97",             // interrupted
      "\xFE",
      "\xFF",
      "\r",      // CR without LF
      "\r\r\n",  // a CR before the CR LF
      "\n\r",
      std::string(1, '\0'),
      "\x01",
      "\x1F",
      "\x7F",
  };
  for (const std::string& piece : valid) {
    ExpectAgreeAtEveryOffset(piece);
    EXPECT_TRUE(IsCleanStream(std::string(40, 'a') + piece + std::string(40, 'b')));
  }
  for (const std::string& piece : invalid) {
    ExpectAgreeAtEveryOffset(piece);
    EXPECT_FALSE(IsCleanStream(std::string(40, 'a') + piece + std::string(40, 'b')))
        << testing::PrintToString(piece);
  }
}

TEST(Utf8Test, CrLfAcrossABlockBoundary) {
  for (std::size_t at = 0; at < 200; ++at) {
    std::string crlf(at, 'a');
    crlf += "\r\n";
    crlf.append(140, 'b');
    ExpectAgree(crlf);
    EXPECT_TRUE(IsCleanStream(crlf));
    std::string lone(at, 'a');
    lone += "\rb";
    lone.append(140, 'b');
    ExpectAgree(lone);
    EXPECT_FALSE(IsCleanStream(lone));
    EXPECT_FALSE(IsCleanStream(std::string(at, 'a') + "\r"));  // CR ends the input
  }
}

TEST(Utf8Test, RandomTextAgreesWithTheReference) {
  const std::uint32_t seed = 20240101;
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  // Mostly valid text (ASCII, CRLF, multi-octet characters), with a small
  // chance of any octet, so that both answers come up often.
  const std::string alphabet[] = {"a",  "Z",        " ",        "\t",           "\r\n",
                                  "\n", "\xC3\xA9", "\xD0\x96", "\xE6\x97\xA5", "\xF0\x9F\x8E\x89",
                                  ":",  ";"};
  std::uniform_int_distribution<int> pick(0, 11);
  std::uniform_int_distribution<int> any(0, 255);
  std::uniform_int_distribution<int> percent(0, 999);
  for (int round = 0; round < 3000; ++round) {
    std::string s;
    const int pieces = percent(rng) % 200;
    const int noise = percent(rng) % 4;  // 0: none
    for (int k = 0; k < pieces; ++k) {
      if (noise != 0 && percent(rng) < 3 * noise) {
        s += static_cast<char>(any(rng));
      } else {
        s += alphabet[pick(rng)];
      }
    }
    ExpectAgree(s);
  }
}

}  // namespace
}  // namespace almanac::ical::internal
