#include "core/crypto.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

namespace almanac::core {
namespace {

template <typename T>
Code CodeOf(const Result<T>& r) {
  return r.ok() ? Code::kOk : r.error().code;
}

std::string Unhex(std::string_view hex) {
  Result<std::string> r = HexDecode(hex);
  EXPECT_TRUE(r.ok()) << hex;
  return r.ok() ? *r : std::string();
}

TEST(HashTest, Sha256KnownAnswers) {
  // FIPS 180-4 examples (NIST CSRC "SHA256.pdf").
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256("abc"), Unhex(Sha256Hex("abc")));
  EXPECT_EQ(Sha256("abc").size(), 32u);
}

TEST(HashTest, HmacSha256Rfc4231) {
  // RFC 4231 §4.3, test case 2.
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // §4.2, test case 1.
  EXPECT_EQ(HexEncode(HmacSha256(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  // §4.7, test case 6: a key longer than the block size is hashed first.
  EXPECT_EQ(HexEncode(HmacSha256(std::string(131, '\xaa'),
                                 "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  EXPECT_EQ(HmacSha256("", "").size(), 32u);
}

TEST(HashTest, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("token", "token"));
  EXPECT_FALSE(ConstantTimeEquals("token", "tokeN"));
  EXPECT_FALSE(ConstantTimeEquals("token", "token2"));
  EXPECT_FALSE(ConstantTimeEquals("", "a"));
  EXPECT_TRUE(ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0b", 3)));
  EXPECT_FALSE(ConstantTimeEquals(std::string("a\0b", 3), std::string("a\0c", 3)));
}

TEST(EncodingTest, Base64Rfc4648Vectors) {
  // RFC 4648 §10.
  const std::vector<std::pair<std::string, std::string>> vectors = {{"", ""},
                                                                    {"f", "Zg=="},
                                                                    {"fo", "Zm8="},
                                                                    {"foo", "Zm9v"},
                                                                    {"foob", "Zm9vYg=="},
                                                                    {"fooba", "Zm9vYmE="},
                                                                    {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(Base64Encode(plain), encoded);
    Result<std::string> decoded = Base64Decode(encoded);
    ASSERT_TRUE(decoded.ok()) << encoded;
    EXPECT_EQ(*decoded, plain);

    std::string url = encoded;
    url.erase(std::remove(url.begin(), url.end(), '='), url.end());
    EXPECT_EQ(Base64UrlEncode(plain), url);
    Result<std::string> url_decoded = Base64UrlDecode(url);
    ASSERT_TRUE(url_decoded.ok()) << url;
    EXPECT_EQ(*url_decoded, plain);
  }
}

TEST(EncodingTest, Base64UrlUsesTheUrlAlphabet) {
  const std::string data("\xfb\xff\xbf", 3);
  EXPECT_EQ(Base64Encode(data), "+/+/");
  EXPECT_EQ(Base64UrlEncode(data), "-_-_");
  EXPECT_EQ(*Base64UrlDecode("-_-_"), data);
  EXPECT_EQ(CodeOf(Base64UrlDecode("+/+/")), Code::kInvalidArgument);
  EXPECT_EQ(CodeOf(Base64Decode("-_-_")), Code::kInvalidArgument);
}

TEST(EncodingTest, Base64RejectsMalformedInput) {
  for (const char* bad : {"Zg", "Zg=", "Zm9", "Z===", "====", "Zg==Zg==", "Zm9v\n", " Zm9v",
                          "Zm 9v", "Zh==", "Zm9=", "Zm9v!A==", "A"}) {
    EXPECT_EQ(CodeOf(Base64Decode(bad)), Code::kInvalidArgument) << bad;
  }
  for (const char* bad : {"Zg==", "Zg=", "A", "Zh", "Zm9", "Zm9v*", "Zm+v", "Zm/v"}) {
    EXPECT_EQ(CodeOf(Base64UrlDecode(bad)), Code::kInvalidArgument) << bad;
  }
  EXPECT_EQ(CodeOf(Base64UrlDecode("Zm9")), Code::kInvalidArgument);  // non-zero trailing bits
  EXPECT_TRUE(Base64UrlDecode("Zm8").ok());
}

TEST(EncodingTest, Base64RoundTripsEveryByteAndLength) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (std::size_t n = 0; n <= all.size(); n += 1) {
    const std::string_view s(all.data(), n);
    ASSERT_EQ(*Base64Decode(Base64Encode(s)), s);
    ASSERT_EQ(*Base64UrlDecode(Base64UrlEncode(s)), s);
    ASSERT_EQ(*HexDecode(HexEncode(s)), s);
  }
}

TEST(EncodingTest, Hex) {
  EXPECT_EQ(HexEncode(std::string("\x00\x01\xab\xff", 4)), "0001abff");
  EXPECT_EQ(*HexDecode("0001ABff"), std::string("\x00\x01\xab\xff", 4));
  EXPECT_EQ(*HexDecode(""), "");
  EXPECT_EQ(CodeOf(HexDecode("abc")), Code::kInvalidArgument);
  EXPECT_EQ(CodeOf(HexDecode("zz")), Code::kInvalidArgument);
  EXPECT_EQ(CodeOf(HexDecode("0x")), Code::kInvalidArgument);
}

TEST(RandomTest, BytesHaveTheRequestedLengthAndDiffer) {
  Result<std::string> a = RandomBytes(32);
  Result<std::string> b = RandomBytes(32);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a->size(), 32u);
  EXPECT_NE(*a, *b);
  EXPECT_EQ(RandomBytes(0)->size(), 0u);
  EXPECT_EQ(RandomBytes(100000)->size(), 100000u);
}

TEST(RandomTest, TokensAreUniqueUnpaddedBase64Url) {
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {
    Result<std::string> t = RandomToken();
    ASSERT_TRUE(t.ok());
    ASSERT_EQ(t->size(), 43u);  // 32 bytes
    for (char c : *t) {
      ASSERT_TRUE((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_')
          << *t;
    }
    ASSERT_EQ(Base64UrlDecode(*t)->size(), 32u);
    ASSERT_TRUE(seen.insert(*t).second) << "duplicate token " << *t;
  }
  EXPECT_EQ(RandomToken(16)->size(), 22u);  // 128-bit share-link token
}

// --- passwords ----------------------------------------------------------------

// Published argon2id v1.3 vectors (P-H-C reference implementation, src/test.c):
// password "password", salt "somesalt".
constexpr const char* kRefM256P1 =
    "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4";
constexpr const char* kRefM256P2 =
    "$argon2id$v=19$m=256,t=2,p=2$c29tZXNhbHQ$bQk8UB/VmZZF4Oo79iDXuL5/0ttZwg2f/5U52iv1cDc";

TEST(PasswordTest, VerifiesReferenceVectors) {
  EXPECT_EQ(VerifyPassword("password", kRefM256P1).value(), true);
  EXPECT_EQ(VerifyPassword("password", kRefM256P2).value(), true);
  EXPECT_EQ(VerifyPassword("Password", kRefM256P1).value(), false);
  EXPECT_EQ(VerifyPassword("differentpassword", kRefM256P2).value(), false);
}

TEST(PasswordTest, EncodesExactlyLikeTheReference) {
  Result<std::string> phc = HashPasswordWithSaltForTest("password", "somesalt", {256, 2, 1});
  ASSERT_TRUE(phc.ok()) << phc.error().detail;
  EXPECT_EQ(*phc, kRefM256P1);
  EXPECT_EQ(*HashPasswordWithSaltForTest("password", "somesalt", {256, 2, 2}), kRefM256P2);
}

TEST(PasswordTest, HashThenVerify) {
  const PasswordHashParams params = PasswordHashParams::ForTest();
  Result<std::string> phc = HashPassword("correct horse battery staple", params);
  ASSERT_TRUE(phc.ok()) << phc.error().detail;
  EXPECT_EQ(phc->rfind("$argon2id$v=19$m=8,t=1,p=1$", 0), 0u) << *phc;
  EXPECT_TRUE(VerifyPassword("correct horse battery staple", *phc).value());
  EXPECT_FALSE(VerifyPassword("correct horse battery stapl", *phc).value());
  EXPECT_FALSE(VerifyPassword("", *phc).value());
  EXPECT_FALSE(VerifyPassword(std::string(5000, 'x'), *phc).value());
  // A fresh salt each time.
  EXPECT_NE(*HashPassword("same", params), *HashPassword("same", params));
  // Passwords may hold any bytes, including NUL and non-ASCII UTF-8.
  const std::string odd("p\0\xc3\xa9", 4);
  EXPECT_TRUE(VerifyPassword(odd, *HashPassword(odd, params)).value());
  EXPECT_FALSE(VerifyPassword("p", *HashPassword(odd, params)).value());
}

TEST(PasswordTest, DefaultParametersAreOwaspArgon2id) {
  const PasswordHashParams d;
  EXPECT_EQ(d.memory_kib, 19456u);
  EXPECT_EQ(d.iterations, 2u);
  EXPECT_EQ(d.parallelism, 1u);
  Result<std::string> phc = HashPassword("pw");
  ASSERT_TRUE(phc.ok());
  EXPECT_EQ(phc->rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0), 0u) << *phc;
  EXPECT_TRUE(VerifyPassword("pw", *phc).value());
  EXPECT_FALSE(PasswordHashNeedsRehash(*phc));
}

TEST(PasswordTest, PasswordLengthLimits) {
  const PasswordHashParams params = PasswordHashParams::ForTest();
  EXPECT_EQ(CodeOf(HashPassword("", params)), Code::kInvalidArgument);
  EXPECT_EQ(CodeOf(HashPassword(std::string(kMaxPasswordBytes + 1, 'a'), params)),
            Code::kInvalidArgument);
  EXPECT_TRUE(HashPassword(std::string(kMaxPasswordBytes, 'a'), params).ok());
  EXPECT_TRUE(HashPassword("a", params).ok());
}

TEST(PasswordTest, RejectsParametersOutOfBounds) {
  for (const PasswordHashParams p :
       {PasswordHashParams{7, 1, 1}, PasswordHashParams{8, 0, 1}, PasswordHashParams{8, 1, 0},
        PasswordHashParams{15, 1, 2}, PasswordHashParams{(1u << 20) + 1, 1, 1},
        PasswordHashParams{8, 65, 1}, PasswordHashParams{1024, 1, 65}}) {
    EXPECT_EQ(CodeOf(HashPassword("pw", p)), Code::kInvalidArgument)
        << p.memory_kib << "," << p.iterations << "," << p.parallelism;
  }
}

TEST(PasswordTest, MalformedHashStringsAreInvalidArgument) {
  const std::string good = kRefM256P1;
  const std::vector<std::string> bad = {
      "",
      "password",
      "$argon2i$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
      "$argon2d$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
      "$argon2id$v=16$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
      "$argon2id$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
      "$argon2id$v=19$t=2,m=256,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
      "$argon2id$v=19$m=0256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
      "$argon2id$v=19$m=99999999999,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/"
      "4",
      "$argon2id$v=19$m=4194304,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
      "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ=$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
      "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4$",
      "$argon2id$v=19$m=256,t=2,p=1$c29tZQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",  // 4-byte
                                                                                          // salt
      "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgL",  // 6-byte tag
      "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR_uIPnA4rEsF5h7TKyQwu9U1bMCHGi-4",
      "$argon2id$v=19$m=256,t=2,p=1,keyid=x$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/"
      "4",
      good.substr(0, good.size() - 1),  // trailing bits no longer canonical
  };
  for (const std::string& phc : bad) {
    EXPECT_EQ(CodeOf(VerifyPassword("password", phc)), Code::kInvalidArgument) << phc;
    EXPECT_TRUE(PasswordHashNeedsRehash(phc)) << phc;
  }
}

TEST(PasswordTest, NeedsRehashWhenParametersChange) {
  const PasswordHashParams test = PasswordHashParams::ForTest();
  const std::string phc = *HashPassword("pw", test);
  EXPECT_FALSE(PasswordHashNeedsRehash(phc, test));
  EXPECT_TRUE(PasswordHashNeedsRehash(phc, {16, 1, 1}));
  EXPECT_TRUE(PasswordHashNeedsRehash(phc, {8, 2, 1}));
  EXPECT_TRUE(PasswordHashNeedsRehash(phc));  // the defaults are stronger
  // The reference vectors use an 8-byte salt: rehash even at equal parameters.
  EXPECT_TRUE(PasswordHashNeedsRehash(kRefM256P1, {256, 2, 1}));
}

// --- SecretBox ----------------------------------------------------------------

SecretBox TestBox(char fill = 'k') {
  return SecretBox::FromKeyMaterial(std::string(32, fill)).value();
}

TEST(SecretBoxTest, SealOpenRoundTrip) {
  const SecretBox box = TestBox();
  for (const std::string& plain :
       std::vector<std::string>{std::string(), std::string("s3cret refresh token"),
                                std::string(1000, '\0'), std::string(70000, 'x')}) {
    Result<std::string> sealed = box.Seal(plain, "oauth_account:42:refresh_token");
    ASSERT_TRUE(sealed.ok());
    EXPECT_EQ(sealed->size(), plain.size() + SecretBox::kOverheadBytes);
    EXPECT_EQ(static_cast<unsigned char>((*sealed)[0]), 1);
    Result<std::string> opened = box.Open(*sealed, "oauth_account:42:refresh_token");
    ASSERT_TRUE(opened.ok());
    EXPECT_EQ(*opened, plain);
  }
  // Random nonces: the same plaintext seals differently each time.
  EXPECT_NE(*box.Seal("same"), *box.Seal("same"));
  EXPECT_EQ(*box.Open(*box.Seal("no ad")), "no ad");
}

TEST(SecretBoxTest, FlippingAnyBitOfAnyByteIsDetected) {
  const SecretBox box = TestBox();
  const std::string sealed = *box.Seal("caldav password", "row-7");
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string tampered = sealed;
      tampered[i] = static_cast<char>(tampered[i] ^ (1 << bit));
      Result<std::string> r = box.Open(tampered, "row-7");
      ASSERT_EQ(CodeOf(r), Code::kInvalidArgument) << "byte " << i << " bit " << bit;
      EXPECT_EQ(r.error().message, "stored secret cannot be decrypted");
    }
  }
}

TEST(SecretBoxTest, WrongKeyAssociatedDataOrLengthIsRejected) {
  const SecretBox box = TestBox('k');
  const SecretBox other = TestBox('K');
  const std::string sealed = *box.Seal("secret", "row-7");
  EXPECT_EQ(CodeOf(other.Open(sealed, "row-7")), Code::kInvalidArgument);
  EXPECT_EQ(CodeOf(box.Open(sealed, "row-8")), Code::kInvalidArgument);
  EXPECT_EQ(CodeOf(box.Open(sealed)), Code::kInvalidArgument);
  for (std::size_t n = 0; n < sealed.size(); ++n) {
    EXPECT_EQ(CodeOf(box.Open(sealed.substr(0, n), "row-7")), Code::kInvalidArgument) << n;
  }
  EXPECT_EQ(CodeOf(box.Open(sealed + "x", "row-7")), Code::kInvalidArgument);
  EXPECT_TRUE(box.Open(sealed, "row-7").ok());
}

TEST(SecretBoxTest, RefusesOversizePlaintext) {
  EXPECT_EQ(CodeOf(TestBox().Seal(std::string(SecretBox::kMaxPlaintextBytes + 1, 'x'))),
            Code::kInvalidArgument);
}

TEST(SecretBoxTest, KeyMaterialForms) {
  const std::string raw = Unhex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  const SecretBox from_raw = *SecretBox::FromKeyMaterial(raw);
  const std::string sealed = *from_raw.Seal("x");
  for (const std::string& text : std::vector<std::string>{
           HexEncode(raw), HexEncode(raw) + "\n", "  " + Base64Encode(raw) + "\r\n",
           Base64UrlEncode(raw),
           "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"}) {
    Result<SecretBox> box = SecretBox::FromKeyMaterial(text);
    ASSERT_TRUE(box.ok()) << text;
    EXPECT_EQ(*box->Open(sealed), "x") << text;
  }
  for (const std::string& bad : std::vector<std::string>{
           std::string(), std::string(31, 'a'), std::string(33, 'a'), HexEncode(raw).substr(2),
           Base64Encode(raw.substr(1)), Base64Encode(raw + "x"), std::string(64, 'g')}) {
    Result<SecretBox> box = SecretBox::FromKeyMaterial(bad);
    ASSERT_EQ(CodeOf(box), Code::kInvalidArgument) << bad;
    EXPECT_EQ(box.error().message, "secret key must be 32 bytes: raw, 64 hex digits, or base64");
  }
}

// --- UUIDs ----------------------------------------------------------------------

TEST(UuidTest, V4FormatVersionAndVariant) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string u = NewUuid().value();
    ASSERT_TRUE(IsUuid(u)) << u;
    ASSERT_EQ(u[14], '4') << u;
    ASSERT_NE(std::string("89ab").find(u[19]), std::string::npos) << u;
    ASSERT_TRUE(seen.insert(u).second);
  }
}

std::uint64_t V7Millis(const std::string& u) {
  return std::stoull(u.substr(0, 8) + u.substr(9, 4), nullptr, 16);
}

TEST(UuidTest, V7CarriesTheTimestampAndSortsInCreationOrder) {
  const Instant t = Instant::FromUnixSeconds(1'700'000'000);  // 2023-11-14T22:13:20Z
  std::vector<std::string> ids;
  for (int i = 0; i < 5000; ++i) ids.push_back(NewUuidV7(t).value());
  for (int i = 0; i < 100; ++i) ids.push_back(NewUuidV7(t + 1).value());
  for (int i = 0; i < 100; ++i) ids.push_back(NewUuidV7(t + 3600).value());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const std::string& u = ids[i];
    ASSERT_TRUE(IsUuid(u)) << u;
    ASSERT_EQ(u[14], '7') << u;
    ASSERT_NE(std::string("89ab").find(u[19]), std::string::npos) << u;
    if (i > 0) {
      ASSERT_LT(ids[i - 1], u) << "at " << i;
    }
  }
  EXPECT_EQ(V7Millis(ids.front()), 1'700'000'000'000u);
  EXPECT_EQ(V7Millis(ids[5000]), 1'700'000'001'000u);
  EXPECT_EQ(V7Millis(ids.back()), 1'700'003'600'000u);
}

TEST(UuidTest, V7FollowsAClockThatStepsBack) {
  const std::string later = NewUuidV7(Instant::FromUnixSeconds(1'800'000'000)).value();
  const std::string earlier = NewUuidV7(Instant::FromUnixSeconds(1'600'000'000)).value();
  EXPECT_EQ(V7Millis(later), 1'800'000'000'000u);
  EXPECT_EQ(V7Millis(earlier), 1'600'000'000'000u);
  EXPECT_EQ(V7Millis(NewUuidV7(Instant::FromUnixSeconds(-5)).value()), 0u);
}

TEST(UuidTest, IsUuid) {
  EXPECT_TRUE(IsUuid("00000000-0000-0000-0000-000000000000"));
  EXPECT_TRUE(IsUuid("f81d4fae-7dec-11d0-a765-00a0c91e6bf6"));  // RFC 9562 §4
  EXPECT_FALSE(IsUuid("F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6"));
  EXPECT_FALSE(IsUuid("f81d4fae7dec11d0a76500a0c91e6bf6"));
  EXPECT_FALSE(IsUuid("{f81d4fae-7dec-11d0-a765-00a0c91e6bf6}"));
  EXPECT_FALSE(IsUuid("f81d4fae-7dec-11d0-a765-00a0c91e6bf"));
  EXPECT_FALSE(IsUuid("f81d4fae-7dec-11d0-a765-00a0c91e6bf6a"));
  EXPECT_FALSE(IsUuid("f81d4fae-7dec-11d0-a765_00a0c91e6bf6"));
  EXPECT_FALSE(IsUuid("g81d4fae-7dec-11d0-a765-00a0c91e6bf6"));
  EXPECT_FALSE(IsUuid(""));
}

}  // namespace
}  // namespace almanac::core
