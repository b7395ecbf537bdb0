#include "core/crypto.h"

#include <argon2.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <charconv>
#include <climits>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>

namespace almanac::core {
namespace {

const unsigned char* Bytes(std::string_view s) {
  // OpenSSL and argon2 want a non-null pointer even for zero bytes.
  static const unsigned char kEmpty = 0;
  return s.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(s.data());
}

unsigned char* MutableBytes(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

// Takes and clears this thread's OpenSSL error queue, for Error::detail.
std::string OpenSslErrors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "no OpenSSL error recorded" : out;
}

Error RandomUnavailable() {
  return MakeError(Code::kUnavailable, "secure random number generator unavailable",
                   "RAND_bytes failed: " + OpenSslErrors());
}

// --- base64 / hex -----------------------------------------------------------

constexpr char kStdAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kUrlAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

enum class Padding { kRequired, kForbidden, kOptional };

std::string Base64EncodeWith(std::string_view data, const char* alphabet, bool pad) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const std::uint32_t v = (std::uint32_t{p[i]} << 16) | (std::uint32_t{p[i + 1]} << 8) | p[i + 2];
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  const std::size_t rest = data.size() - i;
  if (rest == 1) {
    const std::uint32_t v = std::uint32_t{p[i]} << 16;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    if (pad) out += "==";
  } else if (rest == 2) {
    const std::uint32_t v = (std::uint32_t{p[i]} << 16) | (std::uint32_t{p[i + 1]} << 8);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    if (pad) out += '=';
  }
  return out;
}

int Base64Value(char c, bool url) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == (url ? '-' : '+')) return 62;
  if (c == (url ? '_' : '/')) return 63;
  return -1;
}

Result<std::string> Base64DecodeWith(std::string_view text, bool url, Padding padding) {
  const auto bad = [url] {
    return MakeError(Code::kInvalidArgument, url ? "invalid base64url" : "invalid base64");
  };
  std::size_t pad = 0;
  if (!text.empty() && text.back() == '=') {
    if (padding == Padding::kForbidden) return bad();
    pad = text.size() >= 2 && text[text.size() - 2] == '=' ? 2 : 1;
    if (text.size() % 4 != 0) return bad();
  } else if (padding == Padding::kRequired && text.size() % 4 != 0) {
    return bad();
  }
  const std::string_view body = text.substr(0, text.size() - pad);
  if (body.size() % 4 == 1) return bad();
  if (pad != 0 && (body.size() % 4) + pad != 4) return bad();

  std::string out;
  out.reserve(body.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : body) {
    const int v = Base64Value(c, url);
    if (v < 0) return bad();
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  // Canonical form only: the bits left over after the last whole byte are zero.
  if ((acc & ((1u << bits) - 1)) != 0) return bad();
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// --- argon2id ---------------------------------------------------------------

constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kTagBytes = 32;
constexpr std::size_t kMinSaltBytes = 8;
constexpr std::size_t kMaxSaltBytes = 64;
constexpr std::size_t kMinTagBytes = 16;
constexpr std::size_t kMaxTagBytes = 64;
constexpr std::uint32_t kMaxParallelism = 64;
constexpr std::uint32_t kMaxIterations = 64;
constexpr std::uint32_t kMaxMemoryKib = 1u << 20;  // 1 GiB

bool ParamsInBounds(const PasswordHashParams& p) {
  return p.parallelism >= 1 && p.parallelism <= kMaxParallelism && p.iterations >= 1 &&
         p.iterations <= kMaxIterations && p.memory_kib >= 8 * p.parallelism &&
         p.memory_kib <= kMaxMemoryKib;
}

bool PasswordLengthOk(std::string_view password) {
  return password.size() >= kMinPasswordBytes && password.size() <= kMaxPasswordBytes;
}

struct ParsedPhc {
  PasswordHashParams params;
  std::string salt;
  std::string tag;
};

// Reads a decimal without sign or leading zeros that fits in uint32.
bool ConsumeUint(std::string_view& s, std::uint32_t& out) {
  std::size_t n = 0;
  while (n < s.size() && s[n] >= '0' && s[n] <= '9') ++n;
  if (n == 0 || (n > 1 && s[0] == '0')) return false;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + n, out);
  if (ec != std::errc() || ptr != s.data() + n) return false;
  s.remove_prefix(n);
  return true;
}

bool ConsumeLiteral(std::string_view& s, std::string_view lit) {
  if (s.substr(0, lit.size()) != lit) return false;
  s.remove_prefix(lit.size());
  return true;
}

// Parses "$argon2id$v=19$m=M,t=T,p=P$SALT$TAG" (PHC string format; salt and
// tag in unpadded standard base64), the form libargon2 and HashPassword write.
Result<ParsedPhc> ParsePhc(std::string_view s) {
  const Error bad = MakeError(Code::kInvalidArgument, "malformed password hash");
  ParsedPhc out;
  if (!ConsumeLiteral(s, "$argon2id$v=19$m=") || !ConsumeUint(s, out.params.memory_kib) ||
      !ConsumeLiteral(s, ",t=") || !ConsumeUint(s, out.params.iterations) ||
      !ConsumeLiteral(s, ",p=") || !ConsumeUint(s, out.params.parallelism) ||
      !ConsumeLiteral(s, "$")) {
    return bad;
  }
  if (!ParamsInBounds(out.params)) return bad;
  const std::size_t dollar = s.find('$');
  if (dollar == std::string_view::npos) return bad;
  Result<std::string> salt = Base64DecodeWith(s.substr(0, dollar), false, Padding::kForbidden);
  Result<std::string> tag = Base64DecodeWith(s.substr(dollar + 1), false, Padding::kForbidden);
  if (!salt.ok() || !tag.ok()) return bad;
  if (salt->size() < kMinSaltBytes || salt->size() > kMaxSaltBytes || tag->size() < kMinTagBytes ||
      tag->size() > kMaxTagBytes) {
    return bad;
  }
  out.salt = std::move(*salt);
  out.tag = std::move(*tag);
  return out;
}

Result<std::string> Argon2idRaw(std::string_view password, std::string_view salt,
                                const PasswordHashParams& p, std::size_t tag_bytes) {
  std::string tag(tag_bytes, '\0');
  const int rc =
      argon2id_hash_raw(p.iterations, p.memory_kib, p.parallelism, Bytes(password), password.size(),
                        Bytes(salt), salt.size(), MutableBytes(tag), tag.size());
  if (rc == ARGON2_OK) return tag;
  const std::string detail = std::string("argon2id: ") + argon2_error_message(rc);
  if (rc == ARGON2_MEMORY_ALLOCATION_ERROR || rc == ARGON2_THREAD_FAIL) {
    return MakeError(Code::kUnavailable, "password hashing temporarily unavailable", detail);
  }
  return MakeError(Code::kInternal, "password hashing failed", detail);
}

std::string EncodePhc(const PasswordHashParams& p, std::string_view salt, std::string_view tag) {
  std::string out = "$argon2id$v=19$m=" + std::to_string(p.memory_kib) +
                    ",t=" + std::to_string(p.iterations) + ",p=" + std::to_string(p.parallelism) +
                    "$";
  out += Base64EncodeWith(salt, kStdAlphabet, false);
  out += '$';
  out += Base64EncodeWith(tag, kStdAlphabet, false);
  return out;
}

Status CheckHashInputs(std::string_view password, const PasswordHashParams& params) {
  if (!PasswordLengthOk(password)) {
    return MakeError(Code::kInvalidArgument, "password must be between 1 and 1024 bytes long");
  }
  if (!ParamsInBounds(params)) {
    return MakeError(Code::kInvalidArgument, "password hash parameters out of range");
  }
  return OkStatus();
}

// --- AES-256-GCM --------------------------------------------------------------

constexpr unsigned char kSealVersion = 0x01;

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

Error OpenSslFailure(const char* what) {
  return MakeError(Code::kInternal, "encryption failure",
                   std::string(what) + ": " + OpenSslErrors());
}

std::string TrimAsciiSpace(std::string_view s) {
  const auto is_space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return std::string(s);
}

// --- UUIDs ------------------------------------------------------------------

std::string FormatUuid(const unsigned char (&b)[16]) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[b[i] >> 4];
    out += kHex[b[i] & 15];
  }
  return out;
}

constexpr int kV7CounterBits = 42;
constexpr std::uint64_t kV7CounterLimit = std::uint64_t{1} << kV7CounterBits;

struct V7State {
  std::mutex mu;
  std::uint64_t last_ms = 0;
  std::uint64_t counter = 0;
  bool started = false;
};

V7State& GetV7State() {
  static V7State* const state = new V7State();  // never destroyed: usable during exit
  return *state;
}

}  // namespace

// --- public: randomness -------------------------------------------------------

Result<std::string> RandomBytes(std::size_t n) {
  std::string out(n, '\0');
  std::size_t done = 0;
  while (done < n) {
    const int chunk = static_cast<int>(std::min<std::size_t>(n - done, INT_MAX));
    if (RAND_bytes(MutableBytes(out) + done, chunk) != 1) return RandomUnavailable();
    done += static_cast<std::size_t>(chunk);
  }
  return out;
}

Result<std::string> RandomToken(std::size_t bytes) {
  ALMANAC_ASSIGN_OR_RETURN(std::string raw, RandomBytes(bytes));
  return Base64UrlEncode(raw);
}

// --- public: hashes -----------------------------------------------------------

std::string Sha256(std::string_view data) {
  std::string out(32, '\0');
  unsigned int len = 0;
  if (EVP_Digest(Bytes(data), data.size(), MutableBytes(out), &len, EVP_sha256(), nullptr) != 1 ||
      len != 32) {
    ERR_clear_error();
    throw std::bad_alloc();  // see the header: OpenSSL fails here only without memory
  }
  return out;
}

std::string Sha256Hex(std::string_view data) { return HexEncode(Sha256(data)); }

std::string HmacSha256(std::string_view key, std::string_view data) {
  std::string out(32, '\0');
  unsigned int len = 0;
  std::string hashed_key;
  if (key.size() > static_cast<std::size_t>(INT_MAX)) {  // RFC 2104 §2 hashes long keys anyway
    hashed_key = Sha256(key);
    key = hashed_key;
  }
  if (HMAC(EVP_sha256(), Bytes(key), static_cast<int>(key.size()), Bytes(data), data.size(),
           MutableBytes(out), &len) == nullptr ||
      len != 32) {
    ERR_clear_error();
    throw std::bad_alloc();
  }
  return out;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(Bytes(a), Bytes(b), a.size()) == 0;
}

// --- public: encodings --------------------------------------------------------

std::string Base64Encode(std::string_view data) {
  return Base64EncodeWith(data, kStdAlphabet, true);
}

Result<std::string> Base64Decode(std::string_view text) {
  return Base64DecodeWith(text, false, Padding::kRequired);
}

std::string Base64UrlEncode(std::string_view data) {
  return Base64EncodeWith(data, kUrlAlphabet, false);
}

Result<std::string> Base64UrlDecode(std::string_view text) {
  return Base64DecodeWith(text, true, Padding::kForbidden);
}

std::string HexEncode(std::string_view data) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(data.size() * 2);
  for (unsigned char c : data) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

Result<std::string> HexDecode(std::string_view text) {
  const Error bad = MakeError(Code::kInvalidArgument, "invalid hex");
  if (text.size() % 2 != 0) return bad;
  std::string out;
  out.reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const int hi = HexValue(text[i]);
    const int lo = HexValue(text[i + 1]);
    if (hi < 0 || lo < 0) return bad;
    out += static_cast<char>((hi << 4) | lo);
  }
  return out;
}

// --- public: passwords --------------------------------------------------------

Result<std::string> HashPassword(std::string_view password, const PasswordHashParams& params) {
  ALMANAC_RETURN_IF_ERROR(CheckHashInputs(password, params));
  ALMANAC_ASSIGN_OR_RETURN(std::string salt, RandomBytes(kSaltBytes));
  ALMANAC_ASSIGN_OR_RETURN(std::string tag, Argon2idRaw(password, salt, params, kTagBytes));
  return EncodePhc(params, salt, tag);
}

Result<std::string> HashPasswordWithSaltForTest(std::string_view password, std::string_view salt,
                                                const PasswordHashParams& params) {
  ALMANAC_RETURN_IF_ERROR(CheckHashInputs(password, params));
  if (salt.size() < kMinSaltBytes || salt.size() > kMaxSaltBytes) {
    return MakeError(Code::kInvalidArgument, "salt must be 8..64 bytes");
  }
  ALMANAC_ASSIGN_OR_RETURN(std::string tag, Argon2idRaw(password, salt, params, kTagBytes));
  return EncodePhc(params, salt, tag);
}

Result<bool> VerifyPassword(std::string_view password, std::string_view phc) {
  ALMANAC_ASSIGN_OR_RETURN(ParsedPhc parsed, ParsePhc(phc));
  if (!PasswordLengthOk(password)) return false;
  ALMANAC_ASSIGN_OR_RETURN(std::string tag,
                           Argon2idRaw(password, parsed.salt, parsed.params, parsed.tag.size()));
  return ConstantTimeEquals(tag, parsed.tag);
}

bool PasswordHashNeedsRehash(std::string_view phc, const PasswordHashParams& params) {
  Result<ParsedPhc> parsed = ParsePhc(phc);
  if (!parsed.ok()) return true;
  return parsed->params != params || parsed->salt.size() != kSaltBytes ||
         parsed->tag.size() != kTagBytes;
}

// --- public: SecretBox --------------------------------------------------------

Result<SecretBox> SecretBox::FromKeyMaterial(std::string_view material) {
  std::array<unsigned char, kKeyBytes> key{};
  if (material.size() == kKeyBytes) {
    std::memcpy(key.data(), material.data(), kKeyBytes);
    SecretBox box(key);
    OPENSSL_cleanse(key.data(), key.size());
    return box;
  }
  std::string text = TrimAsciiSpace(material);
  Result<std::string> decoded = MakeError(Code::kInvalidArgument, "");
  if (text.size() == 2 * kKeyBytes) {
    decoded = HexDecode(text);
  } else {
    decoded = Base64DecodeWith(text, false, Padding::kOptional);
    if (!decoded.ok()) decoded = Base64DecodeWith(text, true, Padding::kOptional);
  }
  OPENSSL_cleanse(text.data(), text.size());
  if (!decoded.ok() || decoded->size() != kKeyBytes) {
    if (decoded.ok()) OPENSSL_cleanse(decoded->data(), decoded->size());
    return MakeError(Code::kInvalidArgument,
                     "secret key must be 32 bytes: raw, 64 hex digits, or base64");
  }
  std::memcpy(key.data(), decoded->data(), kKeyBytes);
  OPENSSL_cleanse(decoded->data(), decoded->size());
  SecretBox box(key);
  OPENSSL_cleanse(key.data(), key.size());
  return box;
}

SecretBox::~SecretBox() { OPENSSL_cleanse(key_.data(), key_.size()); }

Result<std::string> SecretBox::Seal(std::string_view plaintext,
                                    std::string_view associated_data) const {
  if (plaintext.size() > kMaxPlaintextBytes) {
    return MakeError(Code::kInvalidArgument, "secret too large to store");
  }
  if (associated_data.size() > static_cast<std::size_t>(INT_MAX)) {
    return MakeError(Code::kInvalidArgument, "associated data too large");
  }
  ALMANAC_ASSIGN_OR_RETURN(std::string nonce, RandomBytes(kNonceBytes));

  std::string out(kOverheadBytes + plaintext.size(), '\0');
  unsigned char* p = MutableBytes(out);
  p[0] = kSealVersion;
  std::memcpy(p + 1, nonce.data(), kNonceBytes);
  unsigned char* ct = p + 1 + kNonceBytes;
  unsigned char* tag = ct + plaintext.size();

  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return OpenSslFailure("EVP_CIPHER_CTX_new");
  int len = 0;
  if (EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kNonceBytes),
                          nullptr) != 1 ||
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key_.data(), p + 1) != 1) {
    return OpenSslFailure("AES-256-GCM init");
  }
  if (!associated_data.empty() &&
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, Bytes(associated_data),
                        static_cast<int>(associated_data.size())) != 1) {
    return OpenSslFailure("AES-256-GCM aad");
  }
  if (!plaintext.empty() && (EVP_EncryptUpdate(ctx.get(), ct, &len, Bytes(plaintext),
                                               static_cast<int>(plaintext.size())) != 1 ||
                             static_cast<std::size_t>(len) != plaintext.size())) {
    return OpenSslFailure("AES-256-GCM encrypt");
  }
  if (EVP_EncryptFinal_ex(ctx.get(), ct + plaintext.size(), &len) != 1 || len != 0 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagBytes), tag) != 1) {
    return OpenSslFailure("AES-256-GCM final");
  }
  return out;
}

Result<std::string> SecretBox::Open(std::string_view sealed,
                                    std::string_view associated_data) const {
  const Error bad = MakeError(Code::kInvalidArgument, "stored secret cannot be decrypted");
  if (sealed.size() < kOverheadBytes || sealed.size() - kOverheadBytes > kMaxPlaintextBytes ||
      static_cast<unsigned char>(sealed[0]) != kSealVersion) {
    return bad;
  }
  if (associated_data.size() > static_cast<std::size_t>(INT_MAX)) return bad;
  const unsigned char* p = Bytes(sealed);
  const std::size_t ct_len = sealed.size() - kOverheadBytes;
  const unsigned char* ct = p + 1 + kNonceBytes;
  unsigned char tag[kTagBytes];
  std::memcpy(tag, ct + ct_len, kTagBytes);

  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return OpenSslFailure("EVP_CIPHER_CTX_new");
  if (EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(kNonceBytes),
                          nullptr) != 1 ||
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key_.data(), p + 1) != 1) {
    return OpenSslFailure("AES-256-GCM init");
  }
  int len = 0;
  if (!associated_data.empty() &&
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, Bytes(associated_data),
                        static_cast<int>(associated_data.size())) != 1) {
    return OpenSslFailure("AES-256-GCM aad");
  }
  std::string out(ct_len, '\0');
  if (ct_len != 0 &&
      (EVP_DecryptUpdate(ctx.get(), MutableBytes(out), &len, ct, static_cast<int>(ct_len)) != 1 ||
       static_cast<std::size_t>(len) != ct_len)) {
    OPENSSL_cleanse(out.data(), out.size());
    return OpenSslFailure("AES-256-GCM decrypt");
  }
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagBytes), tag) != 1) {
    OPENSSL_cleanse(out.data(), out.size());
    return OpenSslFailure("AES-256-GCM set tag");
  }
  // Final fails (without queuing an error) exactly when the tag does not match.
  unsigned char final_block[16];
  if (EVP_DecryptFinal_ex(ctx.get(), final_block, &len) != 1) {
    OPENSSL_cleanse(out.data(), out.size());
    ERR_clear_error();
    return bad;
  }
  return out;
}

// --- public: UUIDs ------------------------------------------------------------

Result<std::string> NewUuid() {
  ALMANAC_ASSIGN_OR_RETURN(std::string r, RandomBytes(16));
  unsigned char b[16];
  std::memcpy(b, r.data(), 16);
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // variant 10
  return FormatUuid(b);
}

Result<std::string> NewUuidV7(Instant now) {
  // 6 bytes seed the counter (41 bits: the top counter bit starts clear so
  // increments have room), 4 bytes are the random tail.
  ALMANAC_ASSIGN_OR_RETURN(std::string r, RandomBytes(10));
  const auto* rb = reinterpret_cast<const unsigned char*>(r.data());
  std::uint64_t seed = 0;
  for (int i = 0; i < 6; ++i) seed = (seed << 8) | rb[i];
  seed &= (kV7CounterLimit >> 1) - 1;

  const std::int64_t secs = std::max<std::int64_t>(now.unix_seconds(), 0);
  const std::uint64_t base_ms = static_cast<std::uint64_t>(secs) * 1000;
  std::uint64_t ms = 0;
  std::uint64_t counter = 0;
  {
    V7State& st = GetV7State();
    std::lock_guard<std::mutex> lock(st.mu);
    // Keep counting while `now` is within the second we last issued in
    // (including milliseconds borrowed by counter overflow); otherwise start
    // afresh at `now`.
    if (st.started && base_ms <= st.last_ms && st.last_ms - base_ms < 1000) {
      if (++st.counter >= kV7CounterLimit) {
        ++st.last_ms;
        st.counter = seed;
      }
    } else {
      st.last_ms = base_ms;
      st.counter = seed;
      st.started = true;
    }
    ms = st.last_ms;
    counter = st.counter;
  }

  unsigned char b[16];
  for (int i = 0; i < 6; ++i) b[i] = static_cast<unsigned char>(ms >> (8 * (5 - i)));
  const std::uint64_t hi12 = counter >> 30;               // rand_a
  const std::uint64_t lo30 = counter & ((1u << 30) - 1);  // top of rand_b
  b[6] = static_cast<unsigned char>(0x70 | (hi12 >> 8));
  b[7] = static_cast<unsigned char>(hi12 & 0xff);
  b[8] = static_cast<unsigned char>(0x80 | (lo30 >> 24));
  b[9] = static_cast<unsigned char>(lo30 >> 16);
  b[10] = static_cast<unsigned char>(lo30 >> 8);
  b[11] = static_cast<unsigned char>(lo30);
  std::memcpy(b + 12, rb + 6, 4);
  return FormatUuid(b);
}

bool IsUuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < 36; ++i) {
    const char c = text[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

}  // namespace almanac::core
