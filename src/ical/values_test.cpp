#include "ical/values.h"

#include <gtest/gtest.h>

namespace almanac::ical {
namespace {

using core::LocalDateTime;

TEST(TextTest, UnescapeDecodesTheFiveEscapes) {
  EXPECT_EQ(UnescapeText("a\\,b\\;c\\\\d\\ne\\Nf"), "a,b;c\\d\ne\nf");
  EXPECT_EQ(UnescapeText("plain"), "plain");
  EXPECT_EQ(UnescapeText("unknown \\x and trailing \\"), "unknown \\x and trailing \\");
}

TEST(TextTest, EscapeIsTheInverseOfUnescape) {
  const std::string raw = "Room 4, level 2; bring a \\ and\nnotes";
  EXPECT_EQ(EscapeText(raw), "Room 4\\, level 2\\; bring a \\\\ and\\nnotes");
  EXPECT_EQ(UnescapeText(EscapeText(raw)), raw);
  EXPECT_EQ(EscapeText("a\r\nb"), "a\\nb");
  EXPECT_EQ(EscapeText("日本語 🎉"), "日本語 🎉");
}

TEST(TextTest, SplitTextListSplitsOnUnescapedCommasOnly) {
  EXPECT_EQ(SplitTextList("Work,Q1\\, Q2,a\\\\"),
            (std::vector<std::string>{"Work", "Q1, Q2", "a\\"}));
  EXPECT_EQ(SplitTextList(""), (std::vector<std::string>{""}));
  EXPECT_EQ(SplitTextList("a,,b"), (std::vector<std::string>{"a", "", "b"}));
}

TEST(TextTest, ValidateTextReportsBadEscapesAndUnescapedSeparators) {
  EXPECT_TRUE(ValidateText("fine\\, really\\; ok\\n", false).ok());
  EXPECT_TRUE(ValidateText("a,b,c", true).ok());

  Status s = ValidateText("a, b", false);
  ASSERT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.error().message, "unescaped ',' in TEXT");
  s = ValidateText("a;b", true);
  ASSERT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.error().message, "unescaped ';' in TEXT");
  s = ValidateText("C:\\temp", false);
  ASSERT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.error().message, "invalid escape \"\\t\" in TEXT");
  s = ValidateText("end\\", false);
  ASSERT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.error().message, "invalid TEXT value: trailing backslash");
}

TEST(DateTimeTest, ParsesTheThreeForms) {
  Result<DateTimeValue> d = ParseDateTimeValue("20240229");
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->is_date);
  EXPECT_FALSE(d->utc);
  EXPECT_EQ(d->local, LocalDateTime::FromCivil(2024, 2, 29, 0, 0, 0));

  Result<DateTimeValue> local = ParseDateTimeValue("20240229T235959");
  ASSERT_TRUE(local.ok());
  EXPECT_FALSE(local->is_date);
  EXPECT_FALSE(local->utc);
  EXPECT_EQ(local->local, LocalDateTime::FromCivil(2024, 2, 29, 23, 59, 59));

  Result<DateTimeValue> utc = ParseDateTimeValue("19970714T173000Z");
  ASSERT_TRUE(utc.ok());
  EXPECT_TRUE(utc->utc);
  EXPECT_EQ(FormatDateTimeValue(*utc), "19970714T173000Z");
  EXPECT_EQ(FormatDateTimeValue(*d), "20240229");
  EXPECT_EQ(FormatDateTimeValue(*local), "20240229T235959");
}

TEST(DateTimeTest, RejectsMalformedValuesWithTheValueInTheMessage) {
  for (const char* bad : {"2024131", "20230229", "20240101T250000", "20240101T1200",
                          "20240101T120000z", "20240101T120000Z ", "20240101X120000", ""}) {
    Result<DateTimeValue> v = ParseDateTimeValue(bad);
    ASSERT_FALSE(v.ok()) << bad;
    EXPECT_EQ(v.error().code, Code::kInvalidArgument);
  }
  EXPECT_EQ(ParseDateTimeValue("2024131").error().message, "invalid DATE-TIME value \"2024131\"");
  EXPECT_EQ(ParseDateTimeValue("20231301").error().message, "invalid DATE value \"20231301\"");
}

TEST(DateTimeTest, ParsesLists) {
  Result<std::vector<DateTimeValue>> v = ParseDateTimeList("20240101T100000,20240108T100000Z");
  ASSERT_TRUE(v.ok());
  ASSERT_EQ(v->size(), 2u);
  EXPECT_FALSE((*v)[0].utc);
  EXPECT_TRUE((*v)[1].utc);
  Result<std::vector<DateTimeValue>> bad = ParseDateTimeList("20240101T100000,,20240108T100000");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Code::kInvalidArgument);
  EXPECT_EQ(bad.error().message, "invalid DATE-TIME value \"\"");
}

TEST(DurationTest, ParsesAllForms) {
  struct Case {
    const char* text;
    DurationValue want;
  } cases[] = {
      {"P15DT5H0M20S", {false, 0, 15, 5 * 3600 + 20}},
      {"P7W", {false, 7, 0, 0}},
      {"-PT15M", {true, 0, 0, 900}},
      {"+P1D", {false, 0, 1, 0}},
      {"PT0S", {false, 0, 0, 0}},
      {"-P0DT0H10M0S", {true, 0, 0, 600}},
      {"PT1H5S", {false, 0, 0, 3605}},
      {"P2DT36H", {false, 0, 2, 36 * 3600}},
  };
  for (const Case& c : cases) {
    Result<DurationValue> d = ParseDuration(c.text);
    ASSERT_TRUE(d.ok()) << c.text << ": " << d.error().message;
    EXPECT_EQ(*d, c.want) << c.text;
  }
}

TEST(DurationTest, RejectsMalformedDurations) {
  for (const char* bad : {"", "P", "PT", "1D", "P1H", "PT1D", "P1W2D", "P1DT", "PT5M1H", "P1D1D",
                          "P-1D", "P1.5D", "p1d", "P1234567890D", "P1DT1H1M1S1S", "P1WT1H"}) {
    Result<DurationValue> d = ParseDuration(bad);
    ASSERT_FALSE(d.ok()) << bad;
    EXPECT_EQ(d.error().code, Code::kInvalidArgument) << bad;
  }
  EXPECT_EQ(ParseDuration("P1H").error().message,
            "invalid DURATION value \"P1H\": H, M or S without T");
}

TEST(DurationTest, KeepsNominalDaysApartFromSeconds) {
  Result<DurationValue> d = ParseDuration("P1DT1H");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->days, 1);
  EXPECT_EQ(d->seconds, 3600);
  EXPECT_EQ(d->NominalSeconds(), 90000);
  EXPECT_EQ(ParseDuration("-P1W")->NominalSeconds(), -7 * 86400);
}

TEST(DurationTest, FormatsCanonically) {
  EXPECT_EQ(FormatDuration({false, 2, 0, 0}), "P2W");
  EXPECT_EQ(FormatDuration({true, 0, 1, 2 * 3600 + 30 * 60}), "-P1DT2H30M");
  EXPECT_EQ(FormatDuration({false, 0, 0, 900}), "PT15M");
  EXPECT_EQ(FormatDuration({false, 0, 0, 0}), "PT0S");
  EXPECT_EQ(FormatDuration({false, 1, 2, 0}), "P9D");
  EXPECT_EQ(FormatDuration({false, 0, 0, 3661}), "PT1H1M1S");
  for (const char* text : {"P2W", "-P1DT2H30M", "PT15M", "PT0S", "P3D", "PT1H1M1S"}) {
    EXPECT_EQ(FormatDuration(*ParseDuration(text)), text);
  }
}

TEST(PeriodTest, ParsesExplicitAndDurationForms) {
  Result<PeriodValue> p = ParsePeriod("19970101T180000Z/19970102T070000Z");
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE(p->end.has_value());
  EXPECT_FALSE(p->duration.has_value());
  EXPECT_TRUE(p->start.utc);
  EXPECT_EQ(FormatPeriod(*p), "19970101T180000Z/19970102T070000Z");

  Result<PeriodValue> d = ParsePeriod("19970101T180000Z/PT5H30M");
  ASSERT_TRUE(d.ok());
  ASSERT_TRUE(d->duration.has_value());
  EXPECT_EQ(d->duration->seconds, 5 * 3600 + 30 * 60);
  EXPECT_EQ(FormatPeriod(*d), "19970101T180000Z/PT5H30M");

  Result<std::vector<PeriodValue>> list =
      ParsePeriodList("19970101T180000Z/PT1H,19970102T180000Z/19970102T190000Z");
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 2u);
}

TEST(PeriodTest, RejectsBadPeriods) {
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      {"19970101T180000Z", "invalid PERIOD value \"19970101T180000Z\": missing '/'"},
      {"19970101/PT1H", "invalid PERIOD value \"19970101/PT1H\": start is not a DATE-TIME"},
      {"19970101T180000Z/19970101T170000Z",
       "invalid PERIOD value \"19970101T180000Z/19970101T170000Z\": end before start"},
      {"19970101T180000Z/19970101T190000",
       "invalid PERIOD value \"19970101T180000Z/19970101T190000\": start and end differ in UTC "
       "form"},
      {"19970101T180000Z/-PT1H",
       "invalid PERIOD value \"19970101T180000Z/-PT1H\": duration must be positive"},
      {"19970101T180000Z/PT0S",
       "invalid PERIOD value \"19970101T180000Z/PT0S\": duration must be positive"},
      {"19970101T180000Z/PX", "invalid PERIOD value \"19970101T180000Z/PX\": bad duration"},
  };
  for (const Case& c : cases) {
    Result<PeriodValue> p = ParsePeriod(c.text);
    ASSERT_FALSE(p.ok()) << c.text;
    EXPECT_EQ(p.error().code, Code::kInvalidArgument);
    EXPECT_EQ(p.error().message, c.message);
  }
}

TEST(UtcOffsetTest, ParsesAndFormats) {
  EXPECT_EQ(*ParseUtcOffset("+0100"), 3600);
  EXPECT_EQ(*ParseUtcOffset("-0530"), -(5 * 3600 + 30 * 60));
  EXPECT_EQ(*ParseUtcOffset("+005328"), 53 * 60 + 28);
  EXPECT_EQ(*ParseUtcOffset("+0000"), 0);
  EXPECT_EQ(FormatUtcOffset(3600), "+0100");
  EXPECT_EQ(FormatUtcOffset(-19800), "-0530");
  EXPECT_EQ(FormatUtcOffset(3208), "+005328");
  EXPECT_EQ(FormatUtcOffset(0), "+0000");
}

TEST(UtcOffsetTest, RejectsNegativeZeroAndBadFields) {
  for (const char* bad :
       {"-0000", "-000000", "0100", "+100", "+2400", "+0160", "+010060", "+01:00", "+01000", ""}) {
    Result<int> v = ParseUtcOffset(bad);
    ASSERT_FALSE(v.ok()) << bad;
    EXPECT_EQ(v.error().code, Code::kInvalidArgument);
  }
  EXPECT_EQ(ParseUtcOffset("-0000").error().message,
            "invalid UTC-OFFSET value \"-0000\": \"-0000\" is not allowed");
}

TEST(ScalarTest, Integer) {
  EXPECT_EQ(*ParseInteger("0"), 0);
  EXPECT_EQ(*ParseInteger("+12"), 12);
  EXPECT_EQ(*ParseInteger("-2147483648"), -2147483647 - 1);
  EXPECT_EQ(*ParseInteger("2147483647"), 2147483647);
  EXPECT_EQ(ParseInteger("2147483648").error().code, Code::kOutOfRange);
  EXPECT_EQ(ParseInteger("99999999999999999999").error().code, Code::kOutOfRange);
  for (const char* bad : {"", "-", "1.0", "1e3", " 1", "0x10"}) {
    EXPECT_EQ(ParseInteger(bad).error().code, Code::kInvalidArgument) << bad;
  }
  EXPECT_EQ(ParseInteger("abc").error().message, "invalid INTEGER value \"abc\"");
}

TEST(ScalarTest, FloatAndBoolean) {
  EXPECT_DOUBLE_EQ(*ParseFloat("1000000.0000001"), 1000000.0000001);
  EXPECT_DOUBLE_EQ(*ParseFloat("-1.5"), -1.5);
  EXPECT_DOUBLE_EQ(*ParseFloat("+3"), 3.0);
  for (const char* bad : {"", ".5", "1.", "1e5", "nan", "inf", "1,5", "--1"}) {
    EXPECT_EQ(ParseFloat(bad).error().code, Code::kInvalidArgument) << bad;
  }
  EXPECT_TRUE(*ParseBoolean("TRUE"));
  EXPECT_FALSE(*ParseBoolean("false"));
  EXPECT_EQ(ParseBoolean("yes").error().message,
            "invalid BOOLEAN value \"yes\": expected TRUE or FALSE");
}

TEST(ScalarTest, Geo) {
  Result<GeoValue> g = ParseGeo("37.386013;-122.082932");
  ASSERT_TRUE(g.ok());
  EXPECT_DOUBLE_EQ(g->latitude, 37.386013);
  EXPECT_DOUBLE_EQ(g->longitude, -122.082932);
  EXPECT_EQ(ParseGeo("37.386013,-122.082932").error().message,
            "invalid GEO value \"37.386013,-122.082932\": expected latitude;longitude");
  EXPECT_EQ(ParseGeo("91;0").error().message, "invalid GEO value \"91;0\": latitude out of range");
  EXPECT_EQ(ParseGeo("0;180.5").error().code, Code::kInvalidArgument);
}

TEST(UriTest, BasicSyntax) {
  for (const char* ok : {"mailto:jane@example.com", "https://example.com/a?b=c#d", "geo:1,2",
                         "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6", "MAILTO:X@Y",
                         "http://例え.jp/パス", "cid:part1.0@example.com"}) {
    EXPECT_TRUE(ValidateUri(ok).ok()) << ok;
  }
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      {"", "invalid URI value \"\": empty"},
      {"Chord", "invalid URI value \"Chord\": missing scheme"},
      {"1http://x", "invalid URI value \"1http://x\": missing scheme"},
      {"mailto:", "invalid URI value \"mailto:\": nothing after the scheme"},
      {"http://a b", "invalid URI value \"http://a b\": character not allowed in a URI"},
      {"http://a\"b", "invalid URI value \"http://a\"b\": character not allowed in a URI"},
  };
  for (const Case& c : cases) {
    Status s = ValidateUri(c.text);
    ASSERT_EQ(s.code(), Code::kInvalidArgument) << c.text;
    EXPECT_EQ(s.error().message, c.message);
  }
  EXPECT_EQ(ValidateCalAddress("jane@example.com").error().message,
            "invalid CAL-ADDRESS value \"jane@example.com\": missing scheme");
}

TEST(BinaryTest, Base64RoundTrip) {
  EXPECT_EQ(EncodeBase64(""), "");
  EXPECT_EQ(EncodeBase64("f"), "Zg==");
  EXPECT_EQ(EncodeBase64("fo"), "Zm8=");
  EXPECT_EQ(EncodeBase64("foo"), "Zm9v");
  EXPECT_EQ(EncodeBase64("Hello, Almanac!"), "SGVsbG8sIEFsbWFuYWMh");
  EXPECT_EQ(*DecodeBase64("SGVsbG8sIEFsbWFuYWMh"), "Hello, Almanac!");
  EXPECT_EQ(*DecodeBase64("Zg=="), "f");
  EXPECT_EQ(*DecodeBase64("Zm8="), "fo");
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  EXPECT_EQ(*DecodeBase64(EncodeBase64(all)), all);
}

TEST(BinaryTest, RejectsBadBase64) {
  EXPECT_EQ(ValidateBase64("Zg=").error().message,
            "invalid BINARY value: base64 length 3 is not a multiple of 4");
  EXPECT_EQ(ValidateBase64("Zm 9").error().message,
            "invalid BINARY value: bad base64 character at offset 2");
  EXPECT_EQ(ValidateBase64("Z===").error().code, Code::kInvalidArgument);
  EXPECT_EQ(ValidateBase64("Zg==Zg==").error().code, Code::kInvalidArgument);
  EXPECT_EQ(ValidateBase64("Z=g=").error().code, Code::kInvalidArgument);
  EXPECT_TRUE(ValidateBase64("").ok());
}

TEST(TzidTest, NormalizeStripsQuotesAndPrefix) {
  EXPECT_EQ(NormalizeTzid("Europe/Berlin"), "Europe/Berlin");
  EXPECT_EQ(NormalizeTzid("\"Europe/Berlin\""), "Europe/Berlin");
  EXPECT_EQ(NormalizeTzid("/Europe/Berlin"), "Europe/Berlin");
  EXPECT_EQ(NormalizeTzid("\"/example.com/Custom\""), "example.com/Custom");
}

TEST(ValueTypeTest, NamesAndGenericValidation) {
  EXPECT_EQ(ValueTypeFromName("date-time"), ValueType::kDateTime);
  EXPECT_EQ(ValueTypeFromName("X-CUSTOM"), std::nullopt);
  EXPECT_STREQ(ValueTypeName(ValueType::kUtcOffset), "UTC-OFFSET");
  EXPECT_TRUE(ValidateValue(ValueType::kDate, "20240101").ok());
  EXPECT_EQ(ValidateValue(ValueType::kDate, "20240101T000000").code(), Code::kInvalidArgument);
  EXPECT_EQ(ValidateValue(ValueType::kDateTime, "20240101").code(), Code::kInvalidArgument);
  EXPECT_TRUE(ValidateValue(ValueType::kTime, "235959Z").ok());
  EXPECT_EQ(ValidateValue(ValueType::kTime, "245959").code(), Code::kInvalidArgument);
  EXPECT_TRUE(ValidateValue(ValueType::kBoolean, "TRUE").ok());
  EXPECT_TRUE(ValidateValue(ValueType::kRecur, "FREQ=DAILY;COUNT=3").ok());
  EXPECT_EQ(ValidateValue(ValueType::kRecur, "COUNT=3").code(), Code::kInvalidArgument);
}

TEST(MessageTest, ShortForMessageCutsOnACharacterBoundary) {
  EXPECT_EQ(ShortForMessage("short"), "short");
  const std::string long_text = std::string(59, 'a') + "日本";
  const std::string s = ShortForMessage(long_text);
  EXPECT_EQ(s, std::string(59, 'a') + "...");
}

}  // namespace
}  // namespace almanac::ical

namespace almanac::ical {
namespace {

// Found by fuzz_ical_parser: a 19-digit count overflowed before the
// 9-digit limit was checked.
TEST(DurationTest, HugeNumberIsRejectedWithoutOverflow) {
  Result<DurationValue> d = ParseDuration("P7555555555555555555555D");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().code, Code::kInvalidArgument);
}

}  // namespace
}  // namespace almanac::ical
