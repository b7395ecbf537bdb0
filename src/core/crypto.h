// Security primitives for the server: CSPRNG bytes and tokens, SHA-256 and
// HMAC, base64/hex, constant-time comparison, argon2id password hashes,
// AES-256-GCM sealing of secrets at rest, and UUIDs (RFC 9562).
//
// OpenSSL 3 and libargon2 stay inside crypto.cpp: no third-party type appears
// here. Every function that draws from the operating system's CSPRNG returns
// a Result, because the entropy source can fail (a sandbox without getrandom,
// a broken /dev/urandom); there is no fallback to a weaker generator.
// Hashing and HMAC can fail inside OpenSSL only by running out of memory,
// which is reported as std::bad_alloc like any other allocation.
//
// Thread safety: every function is safe to call concurrently. SecretBox is
// immutable after construction; Seal and Open may run on many threads at once.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/time.h"

namespace almanac::core {

// ---------------------------------------------------------------------------
// Randomness

// `n` bytes from the OS CSPRNG (OpenSSL RAND_bytes).
// Errors: kUnavailable when the generator cannot produce output (retrying
// later may help; the message says nothing about the cause, `detail` does).
// May block briefly at boot until the kernel's pool is seeded.
Result<std::string> RandomBytes(std::size_t n);

// `bytes` random bytes as unpadded base64url (RFC 4648 §5): 32 bytes give a
// 43-character token. For session ids, API tokens, share links, CSRF tokens.
// Errors: kUnavailable as RandomBytes.
Result<std::string> RandomToken(std::size_t bytes = 32);

// ---------------------------------------------------------------------------
// Hashes and comparison

// SHA-256 (FIPS 180-4) of `data`: 32 raw bytes, or 64 lowercase hex digits.
std::string Sha256(std::string_view data);
std::string Sha256Hex(std::string_view data);

// HMAC-SHA-256 (RFC 2104) of `data` under `key`: 32 raw bytes. Any key length
// is allowed, including empty.
std::string HmacSha256(std::string_view key, std::string_view data);

// True when `a` and `b` hold the same bytes. The time taken depends only on
// the lengths, not on where the contents differ (OpenSSL CRYPTO_memcmp); the
// lengths themselves are not hidden, so compare fixed-length values (digests,
// MACs, tokens) when the length is secret.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// ---------------------------------------------------------------------------
// Encodings (RFC 4648)

// Standard alphabet with '=' padding (§4).
std::string Base64Encode(std::string_view data);
// Errors: kInvalidArgument unless `text` is canonical padded standard base64:
// length a multiple of 4, only A-Z a-z 0-9 + /, '=' only as the final one or
// two characters, unused trailing bits zero. No whitespace is skipped.
Result<std::string> Base64Decode(std::string_view text);

// URL- and filename-safe alphabet without padding (§5, §3.2).
std::string Base64UrlEncode(std::string_view data);
// Errors: kInvalidArgument unless `text` is canonical unpadded base64url
// (only A-Z a-z 0-9 - _, no '=', length mod 4 not 1, trailing bits zero).
Result<std::string> Base64UrlDecode(std::string_view text);

// Lowercase hex (§8, in lowercase).
std::string HexEncode(std::string_view data);
// Accepts upper- and lowercase digits.
// Errors: kInvalidArgument on an odd length or a non-hex character.
Result<std::string> HexDecode(std::string_view text);

// ---------------------------------------------------------------------------
// Passwords (argon2id, RFC 9106)

// Passwords outside [kMinPasswordBytes, kMaxPasswordBytes] are refused by
// HashPassword and never match in VerifyPassword; the cap bounds the work an
// anonymous login request can cause.
inline constexpr std::size_t kMinPasswordBytes = 1;
inline constexpr std::size_t kMaxPasswordBytes = 1024;

// argon2id cost parameters. The defaults are the OWASP Password Storage Cheat
// Sheet's first recommendation (m=19 MiB, t=2, p=1).
struct PasswordHashParams {
  std::uint32_t memory_kib = 19 * 1024;
  std::uint32_t iterations = 2;
  std::uint32_t parallelism = 1;

  // The cheapest parameters argon2 allows (8 KiB, one pass). Tests only:
  // hashes made with these offer no protection.
  static constexpr PasswordHashParams ForTest() { return PasswordHashParams{8, 1, 1}; }
  bool operator==(const PasswordHashParams&) const = default;
};

// Hashes `password` with argon2id v1.3, a fresh random 16-byte salt and a
// 32-byte tag. Returns the PHC string
// "$argon2id$v=19$m=<kib>,t=<t>,p=<p>$<salt>$<hash>" (unpadded standard
// base64), which is what to store.
// Errors: kInvalidArgument when the password length is outside
// [kMinPasswordBytes, kMaxPasswordBytes] or the parameters are outside what
// VerifyPassword accepts (p in 1..64, t in 1..64, m in 8p..1 GiB);
// kUnavailable when the CSPRNG fails or argon2 cannot allocate its memory.
// Blocks for the whole computation (tens of milliseconds at the defaults):
// call it off the I/O threads.
Result<std::string> HashPassword(std::string_view password, const PasswordHashParams& params = {});

// Same as HashPassword with a caller-chosen salt (8..64 bytes), to pin the
// encoding against published test vectors. Never use in production code.
Result<std::string> HashPasswordWithSaltForTest(std::string_view password, std::string_view salt,
                                                const PasswordHashParams& params);

// True when `password` hashes to `phc` (compared in constant time); false on
// a mismatch, including any password outside the accepted length range.
// Errors: kInvalidArgument when `phc` is not an argon2id v=19 PHC string as
// HashPassword writes it (also when its parameters exceed the bounds above, or
// its salt is not 8..64 bytes or its tag 16..64 bytes); kUnavailable when
// argon2 cannot allocate its memory.
// Blocks for the whole computation, like HashPassword.
Result<bool> VerifyPassword(std::string_view password, std::string_view phc);

// True when `phc` should be replaced by a new hash of the same password (after
// a successful VerifyPassword): it is malformed, not argon2id v=19, or was made
// with parameters, salt length or tag length other than HashPassword's now.
bool PasswordHashNeedsRehash(std::string_view phc, const PasswordHashParams& params = {});

// ---------------------------------------------------------------------------
// Secrets at rest

// Seals and opens secrets stored in the database (OAuth refresh tokens,
// CalDAV passwords) with AES-256-GCM under a key that lives outside the
// database. A fresh random 96-bit nonce per Seal: keep well under 2^32 Seals
// per key (NIST SP 800-38D §8.3) by rotating keys long before that.
//
// Sealed layout (stored in the database: never change version 1):
//   0x01 | nonce (12 bytes) | ciphertext (as long as the plaintext) | tag (16)
class SecretBox {
 public:
  static constexpr std::size_t kKeyBytes = 32;
  static constexpr std::size_t kNonceBytes = 12;
  static constexpr std::size_t kTagBytes = 16;
  static constexpr std::size_t kOverheadBytes = 1 + kNonceBytes + kTagBytes;
  // Plaintexts above this are refused: secrets are small.
  static constexpr std::size_t kMaxPlaintextBytes = 1 << 20;

  // A box keyed by `material`: exactly 32 raw bytes, or text (surrounding
  // ASCII whitespace ignored, so a key file may end in a newline) that is 64
  // hex digits or base64/base64url of 32 bytes (padded or not; e.g. the
  // output of `openssl rand -base64 32`). Beware that any 32-byte string is
  // taken as a raw key: generate keys, never type them.
  // Errors: kInvalidArgument otherwise; the message never contains the key.
  static Result<SecretBox> FromKeyMaterial(std::string_view material);

  SecretBox(const SecretBox&) = default;
  SecretBox& operator=(const SecretBox&) = default;
  ~SecretBox();  // wipes the key

  // Encrypts `plaintext`, binding `associated_data` (e.g. the row id and
  // column name, so a sealed value cannot be moved to another row): the same
  // associated data must be given to Open. Returns the sealed bytes (binary;
  // base64 them for text columns).
  // Errors: kInvalidArgument when plaintext exceeds kMaxPlaintextBytes;
  // kUnavailable when the CSPRNG fails; kInternal when OpenSSL fails.
  Result<std::string> Seal(std::string_view plaintext, std::string_view associated_data = {}) const;

  // The plaintext of a value made by Seal with the same key and associated data.
  // Errors: kInvalidArgument when `sealed` is truncated, has an unknown version
  // byte, was modified, or was sealed under another key or associated data
  // (GCM cannot tell these apart; the message is the same safe text for all);
  // kInternal when OpenSSL fails.
  Result<std::string> Open(std::string_view sealed, std::string_view associated_data = {}) const;

 private:
  explicit SecretBox(const std::array<unsigned char, kKeyBytes>& key) : key_(key) {}
  std::array<unsigned char, kKeyBytes> key_;
};

// ---------------------------------------------------------------------------
// UUIDs (RFC 9562)

// A random (version 4, §5.4) UUID in canonical lowercase text,
// "xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx".
// Errors: kUnavailable when the CSPRNG fails.
Result<std::string> NewUuid();

// A time-ordered (version 7, §5.7) UUID in canonical lowercase text whose
// 48-bit timestamp is `now` in Unix milliseconds (Instant has whole seconds).
// Within the process, UUIDs made with non-decreasing `now` sort in creation
// order, as bytes and as text: the 42 bits after the timestamp are a counter
// (§6.2 method 1) seeded randomly per millisecond and carried into the next
// millisecond on overflow; 32 bits stay random. When `now` steps back by a
// second or more (a fake clock, an NTP step) the timestamp follows `now` and
// ordering across the step is lost. Instants before 1970 are clamped to 0.
// Errors: kUnavailable when the CSPRNG fails.
// Thread-safe (a short critical section per call).
Result<std::string> NewUuidV7(Instant now);

// True when `text` is a UUID in canonical lowercase 8-4-4-4-12 hex form (any
// version and variant, as NewUuid and NewUuidV7 write). Uppercase is refused
// so that one id has one spelling; lowercase client input first if needed.
bool IsUuid(std::string_view text);

}  // namespace almanac::core
