// UTF-8 and control-character checks for the iCalendar parser (module-private).
//
// Two entry points:
//  - Utf8SequenceLength checks one multi-octet sequence exactly (RFC 3629 §4:
//    no overlong forms, no UTF-16 surrogates, nothing above U+10FFFF, no
//    truncated sequence); the parser's per-line scan uses it to name the octet
//    where a line goes wrong.
//  - IsCleanStream answers, in one pass over a whole input, whether every line
//    of it would pass that per-line scan: the input is well-formed UTF-8 and
//    holds no control character other than HTAB, LF and a CR directly followed
//    by LF. When it does, the parser skips the per-line scan; when it does not,
//    the parser scans each line as before, so errors and their positions are
//    the same either way. Removing line ends, folds and control characters
//    from well-formed UTF-8 (all ASCII, never inside a sequence) keeps it
//    well-formed, which is why one answer for the input covers every logical
//    line built from it.
//
// IsCleanStream uses AVX2 when the CPU has it (the Keiser-Lemire lookup
// algorithm, "Validating UTF-8 In Less Than One Instruction Per Byte", 2021,
// as in simdjson), otherwise a scalar loop with an 8-octet ASCII fast path.
// Both give the same answer for every input (utf8_test.cpp compares them).
//
// Thread safety: pure functions.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define ALMANAC_ICAL_UTF8_AVX2 1
#include <immintrin.h>
#endif

namespace almanac::ical::internal {

// For each octet that starts a multi-octet UTF-8 sequence: the sequence
// length and the range allowed for the second octet, which is what rules out
// overlong forms (E0, F0), surrogates (ED) and code points above U+10FFFF
// (F4). len == 0: not a valid lead octet (ASCII, continuation, C0, C1, F5-FF).
struct Utf8Lead {
  std::uint8_t len;
  std::uint8_t lo;
  std::uint8_t hi;
};

inline constexpr std::array<Utf8Lead, 256> kUtf8Lead = [] {
  std::array<Utf8Lead, 256> t{};
  // Every field is set explicitly: g++ 12 drops default member initializers
  // of array elements in constant evaluation.
  for (int c = 0; c < 256; ++c) {
    const std::uint8_t len = c >= 0xC2 && c <= 0xDF   ? 2
                             : c >= 0xE0 && c <= 0xEF ? 3
                             : c >= 0xF0 && c <= 0xF4 ? 4
                                                      : 0;
    t[c] = Utf8Lead{len, 0x80, 0xBF};
  }
  t[0xE0].lo = 0xA0;
  t[0xED].hi = 0x9F;
  t[0xF0].lo = 0x90;
  t[0xF4].hi = 0x8F;
  return t;
}();

inline bool IsUtf8Continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// The length (2-4) of the well-formed multi-octet sequence at p[0, n), or 0
// when p[0] does not start one. REQUIRES: n >= 1.
inline std::size_t Utf8SequenceLength(const unsigned char* p, std::size_t n) {
  const Utf8Lead lead = kUtf8Lead[p[0]];
  if (lead.len == 0 || n < lead.len || p[1] < lead.lo || p[1] > lead.hi) return 0;
  if (lead.len >= 3 && !IsUtf8Continuation(p[2])) return 0;
  if (lead.len == 4 && !IsUtf8Continuation(p[3])) return 0;
  return lead.len;
}

// True when all 8 octets of `w` are printable ASCII (0x20-0x7E).
inline bool AllPrintableAscii(std::uint64_t w) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
  // (w - 0x20..) & ~w has an octet's high bit set where that octet is below
  // 0x20 (a borrow can only come from such an octet, so "any" is exact);
  // w + 0x01.. carries into the high bit of 0x7F; w itself marks >= 0x80.
  const std::uint64_t below_space = (w - 0x20 * kOnes) & ~w;
  const std::uint64_t del = w ^ (0x7F * kOnes);
  const std::uint64_t is_del = (del - kOnes) & ~del;
  return ((w | below_space | is_del) & kHigh) == 0;
}

// The portable IsCleanStream.
inline bool IsCleanStreamScalar(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    if (n - i >= 8) {
      std::uint64_t w;
      std::memcpy(&w, p + i, 8);
      if (AllPrintableAscii(w)) {
        i += 8;
        continue;
      }
    }
    const unsigned char c = p[i];
    if ((c >= 0x20 && c < 0x7F) || c == '\t' || c == '\n') {
      ++i;
    } else if (c == '\r') {
      if (i + 1 == n || p[i + 1] != '\n') return false;
      i += 2;
    } else if (c < 0x80) {
      return false;  // a control character or DEL
    } else {
      const std::size_t len = Utf8SequenceLength(p + i, n - i);
      if (len == 0) return false;
      i += len;
    }
  }
  return true;
}

#ifdef ALMANAC_ICAL_UTF8_AVX2

#define ALMANAC_AVX2_INLINE __attribute__((target("avx2"), always_inline)) inline

// The Keiser-Lemire checks of one 32-octet block `in` given the block before
// it: a non-zero octet in the result marks an error (see the paper, §6).
ALMANAC_AVX2_INLINE __m256i Utf8BlockErrors(__m256i in, __m256i prev_in) {
  // Error bits, each set in all three tables for the pairs of octets
  // (prev1 high nibble, prev1 low nibble, in high nibble) that are invalid.
  constexpr std::uint8_t kTooShort = 1 << 0;   // lead or ASCII, then lead or ASCII
  constexpr std::uint8_t kTooLong = 1 << 1;    // ASCII, then continuation
  constexpr std::uint8_t kOverlong3 = 1 << 2;  // E0, then 80-9F
  constexpr std::uint8_t kTooLarge = 1 << 3;   // F4 then 90-BF; F5-FF then 80-BF
  constexpr std::uint8_t kSurrogate = 1 << 4;  // ED, then A0-BF
  constexpr std::uint8_t kOverlong2 = 1 << 5;  // C0/C1, then continuation
  constexpr std::uint8_t kTooLarge1000 = 1 << 6;
  constexpr std::uint8_t kOverlong4 = 1 << 6;  // F0, then 80-8F
  constexpr std::uint8_t kTwoConts = 1 << 7;   // continuation, then continuation
  constexpr std::uint8_t kCarry = kTooShort | kTooLong | kTwoConts;

  const __m256i low_nibble = _mm256_set1_epi8(0x0F);
  // prev1 = the octet before each octet of `in`; prev2, prev3 likewise.
  const __m256i shifted = _mm256_permute2x128_si256(prev_in, in, 0x21);
  const __m256i prev1 = _mm256_alignr_epi8(in, shifted, 15);
  const __m256i prev2 = _mm256_alignr_epi8(in, shifted, 14);
  const __m256i prev3 = _mm256_alignr_epi8(in, shifted, 13);

#define ALMANAC_T16(a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p)                           \
  _mm256_setr_epi8(                                                                           \
      static_cast<char>(a), static_cast<char>(b), static_cast<char>(c), static_cast<char>(d), \
      static_cast<char>(e), static_cast<char>(f), static_cast<char>(g), static_cast<char>(h), \
      static_cast<char>(i), static_cast<char>(j), static_cast<char>(k), static_cast<char>(l), \
      static_cast<char>(m), static_cast<char>(n), static_cast<char>(o), static_cast<char>(p), \
      static_cast<char>(a), static_cast<char>(b), static_cast<char>(c), static_cast<char>(d), \
      static_cast<char>(e), static_cast<char>(f), static_cast<char>(g), static_cast<char>(h), \
      static_cast<char>(i), static_cast<char>(j), static_cast<char>(k), static_cast<char>(l), \
      static_cast<char>(m), static_cast<char>(n), static_cast<char>(o), static_cast<char>(p))

  const __m256i byte_1_high_table = ALMANAC_T16(
      kTooLong, kTooLong, kTooLong, kTooLong, kTooLong, kTooLong, kTooLong, kTooLong, kTwoConts,
      kTwoConts, kTwoConts, kTwoConts, kTooShort | kOverlong2, kTooShort,
      kTooShort | kOverlong3 | kSurrogate, kTooShort | kTooLarge | kTooLarge1000 | kOverlong4);
  const __m256i byte_1_low_table = ALMANAC_T16(
      kCarry | kOverlong3 | kOverlong2 | kOverlong4, kCarry | kOverlong2, kCarry, kCarry,
      kCarry | kTooLarge, kCarry | kTooLarge | kTooLarge1000, kCarry | kTooLarge | kTooLarge1000,
      kCarry | kTooLarge | kTooLarge1000, kCarry | kTooLarge | kTooLarge1000,
      kCarry | kTooLarge | kTooLarge1000, kCarry | kTooLarge | kTooLarge1000,
      kCarry | kTooLarge | kTooLarge1000, kCarry | kTooLarge | kTooLarge1000,
      kCarry | kTooLarge | kTooLarge1000 | kSurrogate, kCarry | kTooLarge | kTooLarge1000,
      kCarry | kTooLarge | kTooLarge1000);
  const __m256i byte_2_high_table = ALMANAC_T16(
      kTooShort, kTooShort, kTooShort, kTooShort, kTooShort, kTooShort, kTooShort, kTooShort,
      kTooLong | kOverlong2 | kTwoConts | kOverlong3 | kTooLarge1000 | kOverlong4,
      kTooLong | kOverlong2 | kTwoConts | kOverlong3 | kTooLarge,
      kTooLong | kOverlong2 | kTwoConts | kSurrogate | kTooLarge,
      kTooLong | kOverlong2 | kTwoConts | kSurrogate | kTooLarge, kTooShort, kTooShort, kTooShort,
      kTooShort);
#undef ALMANAC_T16

  const __m256i byte_1_high = _mm256_shuffle_epi8(
      byte_1_high_table, _mm256_and_si256(_mm256_srli_epi16(prev1, 4), low_nibble));
  const __m256i byte_1_low =
      _mm256_shuffle_epi8(byte_1_low_table, _mm256_and_si256(prev1, low_nibble));
  const __m256i byte_2_high = _mm256_shuffle_epi8(
      byte_2_high_table, _mm256_and_si256(_mm256_srli_epi16(in, 4), low_nibble));
  const __m256i special = _mm256_and_si256(_mm256_and_si256(byte_1_high, byte_1_low), byte_2_high);

  // The third and fourth octets of 3- and 4-octet sequences must be
  // continuations (the pair tables only see two octets): only 111xxxxx
  // two back or 1111xxxx three back reach 0x80 after these subtractions.
  const __m256i third = _mm256_subs_epu8(prev2, _mm256_set1_epi8(static_cast<char>(0xE0 - 0x80)));
  const __m256i fourth = _mm256_subs_epu8(prev3, _mm256_set1_epi8(static_cast<char>(0xF0 - 0x80)));
  const __m256i must_be_23 =
      _mm256_and_si256(_mm256_or_si256(third, fourth), _mm256_set1_epi8(static_cast<char>(0x80)));
  return _mm256_xor_si256(must_be_23, special);
}

// Non-zero where the last octets of `in` start a sequence that needs more
// octets than the block has left.
ALMANAC_AVX2_INLINE __m256i Utf8Incomplete(__m256i in) {
  const __m256i max =
      _mm256_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                       -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, static_cast<char>(0xF0 - 1),
                       static_cast<char>(0xE0 - 1), static_cast<char>(0xC0 - 1));
  return _mm256_subs_epu8(in, max);
}

// The control-character part of IsCleanStream for one block: non-zero
// octets where `in` has a control character other than HTAB, LF and CR, DEL,
// or a CR that is not followed by LF (`prev_in` is the block before).
ALMANAC_AVX2_INLINE __m256i ControlErrors(__m256i in, __m256i prev_in) {
  const __m256i prev1 = _mm256_alignr_epi8(in, _mm256_permute2x128_si256(prev_in, in, 0x21), 15);
  const __m256i lf = _mm256_cmpeq_epi8(in, _mm256_set1_epi8('\n'));
  const __m256i low = _mm256_cmpeq_epi8(_mm256_min_epu8(in, _mm256_set1_epi8(0x1F)), in);
  const __m256i allowed =
      _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(in, _mm256_set1_epi8('\t')), lf),
                      _mm256_cmpeq_epi8(in, _mm256_set1_epi8('\r')));
  const __m256i lone_cr = _mm256_andnot_si256(lf, _mm256_cmpeq_epi8(prev1, _mm256_set1_epi8('\r')));
  return _mm256_or_si256(_mm256_or_si256(_mm256_andnot_si256(allowed, low), lone_cr),
                         _mm256_cmpeq_epi8(in, _mm256_set1_epi8(0x7F)));
}

__attribute__((target("avx2"))) inline bool IsCleanStreamAvx2(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  __m256i prev_in = _mm256_setzero_si256();
  __m256i prev_incomplete = _mm256_setzero_si256();
  __m256i errors = _mm256_setzero_si256();
  std::size_t i = 0;
  // Two blocks at a time: text is mostly ASCII, and one test then skips the
  // UTF-8 checks of both.
  for (; n - i >= 64; i += 64) {
    const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i));
    const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 32));
    errors =
        _mm256_or_si256(errors, _mm256_or_si256(ControlErrors(a, prev_in), ControlErrors(b, a)));
    if (_mm256_movemask_epi8(_mm256_or_si256(a, b)) == 0) {
      // All ASCII: only a sequence left open before them is wrong.
      errors = _mm256_or_si256(errors, prev_incomplete);
      prev_incomplete = _mm256_setzero_si256();
    } else {
      errors = _mm256_or_si256(errors,
                               _mm256_or_si256(Utf8BlockErrors(a, prev_in), Utf8BlockErrors(b, a)));
      prev_incomplete = Utf8Incomplete(b);
    }
    prev_in = b;
  }
  // The rest, a block at a time; the final, partial (possibly empty) block is
  // padded with spaces: a sequence cut short by the end of the input, or a
  // final CR, then meets a space and is reported like any other.
  alignas(32) unsigned char tail[32];
  for (;; i += 32) {
    const bool last = n - i < 32;
    __m256i in;
    if (!last) {
      in = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i));
    } else {
      std::memset(tail, ' ', sizeof tail);
      std::memcpy(tail, p + i, n - i);
      in = _mm256_load_si256(reinterpret_cast<const __m256i*>(tail));
    }
    errors = _mm256_or_si256(errors, ControlErrors(in, prev_in));
    if (_mm256_movemask_epi8(in) == 0) {
      errors = _mm256_or_si256(errors, prev_incomplete);
      prev_incomplete = _mm256_setzero_si256();
    } else {
      errors = _mm256_or_si256(errors, Utf8BlockErrors(in, prev_in));
      prev_incomplete = Utf8Incomplete(in);
    }
    prev_in = in;
    if (last) break;
  }
  return _mm256_testz_si256(errors, errors) != 0;
}

#undef ALMANAC_AVX2_INLINE

inline bool CpuHasAvx2() {
  static const bool has = __builtin_cpu_supports("avx2") != 0;
  return has;
}

#endif  // ALMANAC_ICAL_UTF8_AVX2

// True when `text` is well-formed UTF-8 (RFC 3629) and contains no control
// character (U+0000-U+001F, U+007F) other than HTAB, LF, and CR immediately
// followed by LF.
inline bool IsCleanStream(std::string_view text) {
#ifdef ALMANAC_ICAL_UTF8_AVX2
  if (CpuHasAvx2()) return IsCleanStreamAvx2(text);
#endif
  return IsCleanStreamScalar(text);
}

}  // namespace almanac::ical::internal
