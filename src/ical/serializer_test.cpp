#include "ical/serializer.h"

#include <gtest/gtest.h>

#include "ical/parser.h"
#include "ical/values.h"

namespace almanac::ical {
namespace {

Property Prop(std::string name, std::string value, std::vector<Parameter> params = {}) {
  Property p;
  p.name = std::move(name);
  p.value = std::move(value);
  p.params = std::move(params);
  return p;
}

std::vector<std::string> PhysicalLines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t crlf = text.find("\r\n", start);
    EXPECT_NE(crlf, std::string::npos) << "every line must end in CRLF";
    if (crlf == std::string::npos) break;
    lines.push_back(text.substr(start, crlf - start));
    start = crlf + 2;
  }
  return lines;
}

bool ValidUtf8Boundary(const std::string& line) {
  if (line.empty()) return true;
  // Neither starts with a continuation byte nor ends inside a sequence.
  if ((static_cast<unsigned char>(line.front()) & 0xC0) == 0x80) return false;
  std::size_t i = line.size();
  std::size_t cont = 0;
  while (i > 0 && (static_cast<unsigned char>(line[i - 1]) & 0xC0) == 0x80) {
    --i;
    ++cont;
  }
  if (i == 0) return false;
  const unsigned char lead = static_cast<unsigned char>(line[i - 1]);
  const std::size_t need = lead < 0x80 ? 0 : lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : 1;
  return need == cont;
}

Component Calendar(std::vector<Property> event_props) {
  Component cal;
  cal.name = "VCALENDAR";
  cal.properties = {Prop("VERSION", "2.0"), Prop("PRODID", "-//Almanac//Test//EN")};
  Component event;
  event.name = "VEVENT";
  event.properties = std::move(event_props);
  cal.components.push_back(std::move(event));
  return cal;
}

TEST(SerializerTest, WritesCanonicalCrlfLinesInModelOrder) {
  Component cal = Calendar({Prop("UID", "1@example.com"), Prop("DTSTAMP", "20240101T000000Z"),
                            Prop("DTSTART", "20240101", {{"VALUE", {"DATE"}}}),
                            Prop("X-UNKNOWN", "kept; as is, verbatim", {{"X-P", {"1"}}})});
  EXPECT_EQ(Serialize(cal),
            "BEGIN:VCALENDAR\r\n"
            "VERSION:2.0\r\n"
            "PRODID:-//Almanac//Test//EN\r\n"
            "BEGIN:VEVENT\r\n"
            "UID:1@example.com\r\n"
            "DTSTAMP:20240101T000000Z\r\n"
            "DTSTART;VALUE=DATE:20240101\r\n"
            "X-UNKNOWN;X-P=1:kept; as is, verbatim\r\n"
            "END:VEVENT\r\n"
            "END:VCALENDAR\r\n");
}

TEST(SerializerTest, QuotesParameterValuesOnlyWhenNeeded) {
  Property p = Prop("ATTENDEE", "mailto:kim@example.com",
                    {{"CN", {"Lee, Kim"}},
                     {"X-A", {"a:b"}},
                     {"X-B", {"a;b"}},
                     {"X-PLAIN", {"plain value"}},
                     {"MEMBER", {"mailto:a@x", "mailto:b@x"}},
                     {"X-EMPTY", {""}},
                     {"X-NOVALUE", {}}});
  std::string out;
  Component c;
  c.name = "X";
  c.properties.push_back(p);
  SerializeTo(c, &out);
  EXPECT_EQ(out,
            "BEGIN:X\r\n"
            "ATTENDEE;CN=\"Lee, Kim\";X-A=\"a:b\";X-B=\"a;b\";X-PLAIN=plain value;MEMBER=\"mail\r\n"
            " to:a@x\",\"mailto:b@x\";X-EMPTY=;X-NOVALUE:mailto:kim@example.com\r\n"
            "END:X\r\n");
}

TEST(SerializerTest, CaretEncodesQuotesNewlinesAndCarets) {
  Component c;
  c.name = "X";
  c.properties.push_back(
      Prop("X-P", "v", {{"CN", {"Dr. \"Q\" Smith"}}, {"X-N", {"a\nb"}}, {"X-C", {"a^b"}}}));
  EXPECT_EQ(Serialize(c), "BEGIN:X\r\nX-P;CN=Dr. ^'Q^' Smith;X-N=a^nb;X-C=a^^b:v\r\nEND:X\r\n");
}

TEST(SerializerTest, FoldsAt75OctetsCountingTheLeadingSpace) {
  const std::string value(300, 'a');
  std::string out;
  AppendFoldedLine("DESCRIPTION:" + value, &out);
  const std::vector<std::string> lines = PhysicalLines(out);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0].size(), 75u);
  for (std::size_t i = 1; i < lines.size(); ++i) {
    EXPECT_EQ(lines[i][0], ' ');
    EXPECT_LE(lines[i].size(), 75u);
  }
  EXPECT_EQ(lines[1].size(), 75u);
  std::string unfolded = lines[0];
  for (std::size_t i = 1; i < lines.size(); ++i) unfolded += lines[i].substr(1);
  EXPECT_EQ(unfolded, "DESCRIPTION:" + value);
}

TEST(SerializerTest, ExactlySeventyFiveOctetsIsNotFolded) {
  std::string out;
  AppendFoldedLine(std::string(75, 'x'), &out);
  EXPECT_EQ(out, std::string(75, 'x') + "\r\n");
  out.clear();
  AppendFoldedLine(std::string(76, 'x'), &out);
  EXPECT_EQ(out, std::string(75, 'x') + "\r\n x\r\n");
}

TEST(SerializerTest, NeverSplitsAUtf8SequenceAtTheFold) {
  // Every alignment of 2-, 3- and 4-octet characters against the fold points.
  for (const char* ch : {"é", "日", "🎉"}) {
    for (int pad = 0; pad < 8; ++pad) {
      std::string value(static_cast<std::size_t>(pad), 'p');
      for (int i = 0; i < 60; ++i) value += ch;
      const std::string line = "SUMMARY:" + value;
      std::string out;
      AppendFoldedLine(line, &out);
      std::string unfolded;
      for (const std::string& l : PhysicalLines(out)) {
        EXPECT_LE(l.size(), 75u);
        const std::string content = unfolded.empty() ? l : l.substr(1);
        EXPECT_TRUE(ValidUtf8Boundary(content)) << "pad " << pad << " char " << ch;
        unfolded += content;
      }
      EXPECT_EQ(unfolded, line);
    }
  }
}

TEST(SerializerTest, AvoidsStartingAContinuationWithWhitespace) {
  // Octet 75 is a space: the fold moves back so the next line does not
  // start with "  " (which lenient readers flag).
  const std::string line = std::string(74, 'a') + "  bbb";
  std::string out;
  AppendFoldedLine(line, &out);
  const std::vector<std::string> lines = PhysicalLines(out);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], std::string(73, 'a'));
  EXPECT_EQ(lines[1], " a  bbb");
}

TEST(SerializerTest, LongRunsOfSpacesStillFold) {
  const std::string line = "X:" + std::string(200, ' ');
  std::string out;
  AppendFoldedLine(line, &out);
  std::string unfolded;
  for (const std::string& l : PhysicalLines(out)) {
    EXPECT_LE(l.size(), 75u);
    unfolded += unfolded.empty() ? l : l.substr(1);
  }
  EXPECT_EQ(unfolded, line);
}

TEST(SerializerTest, RoundTripsThroughTheParser) {
  std::string description = "Agenda\\n";
  for (int i = 0; i < 40; ++i) description += "日本語のテキスト🎉 and some ASCII\\, ";
  Component cal = Calendar(
      {Prop("UID", "1@example.com"), Prop("DTSTAMP", "20240101T000000Z"),
       Prop("DTSTART", "20240101T090000", {{"TZID", {"Europe/Berlin"}}}),
       Prop("DESCRIPTION", description),
       Prop("ATTENDEE", "mailto:kim@example.com",
            {{"CN", {"Lee, \"Kim\"\nNight ^ shift"}}, {"MEMBER", {"mailto:a@x", "mailto:b@x"}}}),
       Prop("X-EMPTY", "")});
  const std::string text = Serialize(cal);
  Result<ParsedCalendar> parsed = Parse(text);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_TRUE(parsed->warnings.empty());
  ASSERT_EQ(parsed->components.size(), 1u);
  EXPECT_EQ(parsed->components[0], cal);
  EXPECT_EQ(Serialize(parsed->components[0]), text);
}

TEST(SerializerTest, SerializeToAppends) {
  Component a;
  a.name = "X-A";
  std::string out = "prefix\r\n";
  SerializeTo(a, &out);
  SerializeTo(a, &out);
  EXPECT_EQ(out, "prefix\r\nBEGIN:X-A\r\nEND:X-A\r\nBEGIN:X-A\r\nEND:X-A\r\n");
}

}  // namespace
}  // namespace almanac::ical
