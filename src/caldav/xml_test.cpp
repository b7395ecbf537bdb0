#include "caldav/xml.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace almanac::caldav {
namespace {

XmlElement MustParse(std::string_view body) {
  Result<XmlElement> r = ParseXml(body);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? std::move(r).value() : XmlElement{};
}

TEST(ParseXmlTest, ResolvesPrefixedNamespaces) {
  XmlElement root = MustParse(
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
      "<D:propfind xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:caldav\">\n"
      "  <D:prop><D:getetag/><C:calendar-data/></D:prop>\n"
      "</D:propfind>");
  EXPECT_EQ(root.ns, kDav);
  EXPECT_EQ(root.name, "propfind");
  const XmlElement* prop = root.Child(kDav, "prop");
  ASSERT_NE(prop, nullptr);
  ASSERT_EQ(prop->children.size(), 2u);
  EXPECT_TRUE(prop->children[0].Is(kDav, "getetag"));
  EXPECT_TRUE(prop->children[1].Is(kCalDav, "calendar-data"));
  EXPECT_EQ(prop->Child(kCalDav, "getetag"), nullptr);
}

TEST(ParseXmlTest, DefaultNamespaceAndRedeclaration) {
  XmlElement root = MustParse(
      "<propfind xmlns=\"DAV:\"><prop><getetag/>"
      "<calendar-color xmlns=\"http://apple.com/ns/ical/\"/><plain xmlns=\"\"/></prop></propfind>");
  EXPECT_TRUE(root.Is(kDav, "propfind"));
  const XmlElement* prop = root.Child(kDav, "prop");
  ASSERT_NE(prop, nullptr);
  ASSERT_EQ(prop->children.size(), 3u);
  EXPECT_TRUE(prop->children[0].Is(kDav, "getetag"));
  EXPECT_TRUE(prop->children[1].Is(kAppleIcal, "calendar-color"));
  EXPECT_TRUE(prop->children[2].Is("", "plain"));
}

TEST(ParseXmlTest, AttributesByLocalNameWithEntitiesDecoded) {
  XmlElement root = MustParse(
      "<C:comp-filter xmlns:C=\"urn:ietf:params:xml:ns:caldav\" xmlns:x=\"urn:x\" "
      "name=\"VEVENT\" x:flag='a &amp; &quot;b&quot; &#x41;'/>");
  ASSERT_EQ(root.attributes.size(), 2u);
  EXPECT_EQ(root.Attribute("name"), "VEVENT");
  EXPECT_EQ(root.Attribute("flag"), "a & \"b\" A");
  EXPECT_EQ(root.Attribute("missing"), std::nullopt);
}

TEST(ParseXmlTest, TextWithPredefinedEntitiesAndCdata) {
  XmlElement root = MustParse(
      "<D:href xmlns:D=\"DAV:\">/dav/a&amp;b/&lt;x&gt;&apos;&#233;<![CDATA[<raw & "
      "text>]]></D:href>");
  EXPECT_EQ(root.text, "/dav/a&b/<x>'\xC3\xA9<raw & text>");
}

TEST(ParseXmlTest, TextIsOwnCharacterDataUntrimmed) {
  XmlElement root = MustParse("<a xmlns=\"urn:t\">  one <b>inner</b> two </a>");
  EXPECT_EQ(root.text, "  one  two ");
  EXPECT_EQ(Trimmed(root.text), "one  two");
  EXPECT_EQ(root.children.at(0).text, "inner");
  EXPECT_EQ(Trimmed(" \t\r\n"), "");
  EXPECT_EQ(Trimmed("x"), "x");
}

TEST(ParseXmlTest, CommentsAndProcessingInstructionsAreDropped) {
  XmlElement root = MustParse("<?pi x?><!-- c --><a xmlns=\"urn:t\"><!-- d --><?pi y?><b/></a>");
  EXPECT_EQ(root.children.size(), 1u);
  EXPECT_EQ(root.text, "");
}

TEST(ParseXmlTest, OtherDeclaredEncodingIsReadAsUtf8) {
  const std::string body = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>\xE4</a>";
  XmlElement root = MustParse(body);
  EXPECT_EQ(root.text, "\xC3\xA4");
}

TEST(ParseXmlTest, MalformedInputIsInvalidArgumentWithOneLineMessage) {
  const char* bad[] = {
      "<a><b></a>",
      "<a>",
      "not xml at all",
      "<a/><b/>",
      "<a x=1/>",
      "<D:a xmlns:D=\"DAV:\"><X:b/></D:a>",  // undeclared prefix
      "<a>&unknown;</a>",                    // undeclared entity without a DTD
      "<a>\xFF</a>",                         // invalid UTF-8
      "<a>\x01</a>",                         // not an XML character
  };
  for (const char* body : bad) {
    testing::internal::CaptureStderr();
    Result<XmlElement> r = ParseXml(body);
    const std::string stderr_text = testing::internal::GetCapturedStderr();
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.error().code, Code::kInvalidArgument) << body;
    EXPECT_EQ(r.error().message.find('\n'), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("line"), std::string::npos) << r.error().message;
    EXPECT_EQ(stderr_text, "") << body;
  }
}

TEST(ParseXmlTest, EmptyBodyIsInvalid) {
  for (const char* body : {"", "  \n"}) {
    Result<XmlElement> r = ParseXml(body);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Code::kInvalidArgument);
  }
}

TEST(ParseXmlTest, BillionLaughsIsRefused) {
  std::string body =
      "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n"
      "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n";
  for (int i = 2; i <= 9; ++i) {
    body += "<!ENTITY lol" + std::to_string(i) + " \"";
    for (int j = 0; j < 10; ++j) body += "&lol" + std::to_string(i - 1) + ";";
    body += "\">\n";
  }
  body += "]>\n<lolz>&lol9;</lolz>";
  testing::internal::CaptureStderr();
  Result<XmlElement> r = ParseXml(body);
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kInvalidArgument);
  EXPECT_NE(r.error().message.find("DOCTYPE"), std::string::npos) << r.error().message;
}

TEST(ParseXmlTest, ExternalEntitiesAreRefused) {
  const char* attacks[] = {
      "<?xml version=\"1.0\"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
      "<D:href xmlns:D=\"DAV:\">&xxe;</D:href>",
      "<?xml version=\"1.0\"?><!DOCTYPE foo SYSTEM \"http://127.0.0.1:1/evil.dtd\"><foo/>",
      "<?xml version=\"1.0\"?><!DOCTYPE foo [<!ENTITY % p SYSTEM \"file:///etc/passwd\"> %p;]>"
      "<foo/>",
      "<!DOCTYPE foo><foo/>",
  };
  for (const char* body : attacks) {
    Result<XmlElement> r = ParseXml(body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.error().code, Code::kInvalidArgument) << body;
    EXPECT_EQ(r.error().message.find("root:"), std::string::npos);
  }
}

std::string Nested(int depth) {
  std::string s;
  for (int i = 0; i < depth; ++i) s += "<a>";
  for (int i = 0; i < depth; ++i) s += "</a>";
  return s;
}

TEST(ParseXmlTest, DepthLimit) {
  EXPECT_TRUE(ParseXml(Nested(64)).ok());
  Result<XmlElement> r = ParseXml(Nested(65));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kResourceExhausted);
  EXPECT_NE(r.error().message.find("deeper than 64"), std::string::npos) << r.error().message;
  // Far deeper than libxml2's own limit: still a clean error.
  EXPECT_EQ(ParseXml(Nested(100000)).error().code, Code::kResourceExhausted);
}

TEST(ParseXmlTest, ElementCountAndSizeLimits) {
  std::string body = "<r>";
  for (int i = 0; i < 100; ++i) body += "<e/>";
  body += "</r>";
  XmlLimits limits;
  limits.max_elements = 100;
  Result<XmlElement> r = ParseXml(body, limits);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kResourceExhausted);
  limits.max_elements = 101;
  EXPECT_TRUE(ParseXml(body, limits).ok());
  limits.max_bytes = 10;
  EXPECT_EQ(ParseXml(body, limits).error().code, Code::kResourceExhausted);
}

TEST(ParseXmlTest, ConcurrentParsesAreIndependent) {
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &ok] {
      for (int i = 0; i < 200; ++i) {
        Result<XmlElement> good = ParseXml("<D:a xmlns:D=\"DAV:\"><D:b>x</D:b></D:a>");
        Result<XmlElement> bad = ParseXml("<a><b></a>");
        if (good.ok() && good->children.size() == 1 && !bad.ok()) ++ok[t];
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (int n : ok) EXPECT_EQ(n, 200);
}

// ---- writer ----

TEST(XmlWriterTest, FixedPrefixesDeclaredOnceOnTheRoot) {
  XmlWriter w;
  w.Open(kDav, "multistatus");
  w.Open(kDav, "response");
  w.Leaf(kDav, "href", "/dav/cal/");
  w.Empty(kCalDav, "calendar");
  w.Leaf(kCalServer, "getctag", "1");
  w.Leaf(kAppleIcal, "calendar-color", "#ff0000");
  w.Close();
  w.Close();
  EXPECT_EQ(w.Finish(),
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
            "<D:multistatus xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:caldav\" "
            "xmlns:CS=\"http://calendarserver.org/ns/\" xmlns:A=\"http://apple.com/ns/ical/\">"
            "<D:response><D:href>/dav/cal/</D:href><C:calendar/><CS:getctag>1</CS:getctag>"
            "<A:calendar-color>#ff0000</A:calendar-color></D:response></D:multistatus>\n");
}

TEST(XmlWriterTest, UnknownNamespacesGetScopedGeneratedPrefixes) {
  XmlWriter w;
  w.Open(kDav, "prop");
  w.Open("urn:a", "outer");
  w.Empty("urn:a", "inner");
  w.Close();
  w.Empty("urn:a", "again");
  w.Empty("", "plain");
  const std::string doc = w.Finish();
  EXPECT_NE(doc.find("<x0:outer xmlns:x0=\"urn:a\"><x0:inner/></x0:outer>"), std::string::npos)
      << doc;
  EXPECT_NE(doc.find("<x1:again xmlns:x1=\"urn:a\"/><plain/>"), std::string::npos) << doc;
  XmlElement back = MustParse(doc);
  ASSERT_EQ(back.children.size(), 3u);
  EXPECT_TRUE(back.children[0].children.at(0).Is("urn:a", "inner"));
  EXPECT_TRUE(back.children[1].Is("urn:a", "again"));
  EXPECT_TRUE(back.children[2].Is("", "plain"));
}

TEST(XmlWriterTest, EscapesTextAndAttributes) {
  XmlWriter w;
  w.Open(kDav, "a", {{"v", "1 < 2 & \"q\"\n\t'"}});
  w.Text("x < y && z > w ]]> \"q\" 'a'\r\n");
  w.Close();
  const std::string doc = w.Finish();
  EXPECT_NE(doc.find("v=\"1 &lt; 2 &amp; &quot;q&quot;&#10;&#9;'\""), std::string::npos) << doc;
  EXPECT_NE(doc.find(">x &lt; y &amp;&amp; z &gt; w ]]&gt; \"q\" 'a'&#13;\n</D:a>"),
            std::string::npos)
      << doc;
  XmlElement back = MustParse(doc);
  EXPECT_EQ(back.Attribute("v"), "1 < 2 & \"q\"\n\t'");
  EXPECT_EQ(back.text, "x < y && z > w ]]> \"q\" 'a'\r\n");
}

TEST(XmlWriterTest, CharactersXmlCannotCarryBecomeReplacementCharacter) {
  std::string out;
  AppendXmlEscaped(
      "a\x01"
      "b\xFF"
      "c\xED\xA0\x80"
      "d\xEF\xBF\xBE"
      "\xC3\xA4\xF0\x9F\x98\x80",
      false, &out);
  EXPECT_EQ(out,
            "a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD"
            "c\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
            "d\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
            "\xC3\xA4\xF0\x9F\x98\x80");
  XmlWriter w;
  w.Leaf(kDav, "x", out);
  EXPECT_TRUE(ParseXml(w.Finish()).ok());
}

TEST(XmlWriterTest, RoundTripOfACopiedElement) {
  XmlElement original = MustParse(
      "<D:prop xmlns:D=\"DAV:\" xmlns:Z=\"urn:zzz\" xmlns:C=\"urn:ietf:params:xml:ns:caldav\">"
      "<Z:unknown-prop a=\"1 &amp; 2\">text &lt;here&gt;<Z:child>c</Z:child><D:href>h</D:href>"
      "</Z:unknown-prop><C:calendar-description>Caf\xC3\xA9 &amp; more</C:calendar-description>"
      "<empty xmlns=\"\"/></D:prop>");
  XmlWriter w;
  w.Open(kDav, "multistatus");
  w.Element(original);
  w.Close();
  XmlElement back = MustParse(w.Finish());
  ASSERT_EQ(back.children.size(), 1u);
  EXPECT_EQ(back.children[0], original);
}

TEST(XmlWriterTest, FinishClosesOpenElements) {
  XmlWriter w;
  w.Open(kDav, "a");
  w.Open(kDav, "b");
  EXPECT_EQ(w.depth(), 2u);
  const std::string doc = w.Finish();
  EXPECT_NE(doc.find("<D:b></D:b></D:a>"), std::string::npos) << doc;
}

TEST(XmlWriterTest, TenThousandResponsesAreFast) {
  const auto t0 = std::chrono::steady_clock::now();
  XmlWriter w;
  w.Open(kDav, "multistatus");
  for (int i = 0; i < 10000; ++i) {
    w.Open(kDav, "response");
    w.Leaf(kDav, "href", "/dav/calendars/alice/work/event-" + std::to_string(i) + ".ics");
    w.Open(kDav, "propstat");
    w.Open(kDav, "prop");
    w.Leaf(kDav, "getetag", "\"etag-" + std::to_string(i) + "\"");
    w.Leaf(kCalDav, "calendar-data",
           "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nSUMMARY:A & B\r\nEND:VEVENT\r\n"
           "END:VCALENDAR\r\n");
    w.Close();
    w.Leaf(kDav, "status", "HTTP/1.1 200 OK");
    w.Close();
    w.Close();
  }
  const std::string doc = w.Finish();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  EXPECT_GT(doc.size(), 2'000'000u);
  EXPECT_LT(ms, 1000) << "writing 10,000 responses took " << ms << " ms";
  Result<XmlElement> back = ParseXml(doc);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->children.size(), 10000u);
}

}  // namespace
}  // namespace almanac::caldav
