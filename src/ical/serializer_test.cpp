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

// The parameter value as the serializer must write it: RFC 6868 carets for
// '^' '"' and newline, double quotes when it holds ':' ';' or ','.
std::string ExpectedParamValue(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '^') {
      out += "^^";
    } else if (c == '"') {
      out += "^'";
    } else if (c == '\n') {
      out += "^n";
    } else {
      out += c;
    }
  }
  return v.find_first_of(":;,") == std::string::npos ? out : '"' + out + '"';
}

TEST(SerializerTest, ParameterValuesOfEveryLengthGetExactlyTheirQuotesAndCarets) {
  // The check for octets that need quoting works 16 octets at a time.
  for (std::size_t len = 1; len <= 40; ++len) {
    for (std::size_t k = 0; k < len; ++k) {
      for (char special : {',', ':', ';', '^', '"', '\n', 'x'}) {
        std::string v(len, 'v');
        v[k] = special;
        Component c;
        c.name = "X";
        c.properties.push_back(Prop("X-P", "1", {{"X-A", {v}}, {"X-B", {"w", v}}}));
        const std::string expected =
            "X-P;X-A=" + ExpectedParamValue(v) + ";X-B=w," + ExpectedParamValue(v) + ":1";
        std::string folded;
        AppendFoldedLine(expected, &folded);
        EXPECT_EQ(Serialize(c), "BEGIN:X\r\n" + folded + "END:X\r\n") << len << " " << k;
      }
    }
  }
}

// The folding rule of serializer.h, written out the plain way: cut at the
// last character boundary that leaves at most 75 octets (74 after the
// leading space) and does not start the next line with whitespace, else at
// the last character boundary, else (not UTF-8) at the limit.
std::string ReferenceFold(std::string_view line) {
  const auto cont = [](char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; };
  std::string out;
  std::size_t pos = 0;
  std::size_t room = 75;
  while (line.size() - pos > room) {
    std::size_t cut = 0;
    for (std::size_t c = pos + room; c > pos && cut == 0; --c) {
      if (!cont(line[c]) && line[c] != ' ' && line[c] != '\t') cut = c;
    }
    for (std::size_t c = pos + room; c > pos && cut == 0; --c) {
      if (!cont(line[c])) cut = c;
    }
    if (cut == 0) cut = pos + room;
    out.append(line.substr(pos, cut - pos));
    out += "\r\n ";
    pos = cut;
    room = 74;
  }
  out.append(line.substr(pos));
  out += "\r\n";
  return out;
}

TEST(SerializerTest, FoldsLongParametersAndValuesLikeTheReference) {
  // Lines folded where they are written: parameters longer than a line,
  // multi-octet text at every alignment, runs of spaces, very long values.
  const char* pieces[] = {"a", "é", "日", "🎉", " ", "  ", "\t", "x,y", "\\n"};
  std::string value;
  for (int round = 0; round < 400; ++round) {
    value += pieces[static_cast<std::size_t>(round * 7 + round / 9) % 9];
    if (round % 23 != 0) continue;
    std::vector<Parameter> params;
    for (int k = 0; k < round % 5; ++k) {
      params.push_back({"X-PARAM-" + std::to_string(k),
                        {std::string(static_cast<std::size_t>(round % 37), 'p')}});
    }
    const Property p = Prop("X-LONG", value, params);
    Component c;
    c.name = "X";
    c.properties.push_back(p);
    std::string logical = "X-LONG";
    for (const Parameter& param : params) logical += ";" + param.name + "=" + param.values.front();
    logical += ":" + value;
    EXPECT_EQ(Serialize(c), "BEGIN:X\r\n" + ReferenceFold(logical) + "END:X\r\n") << round;
    std::string out = "prefix";
    AppendFoldedLine(logical, &out);
    EXPECT_EQ(out, "prefix" + ReferenceFold(logical)) << round;
  }
}

TEST(SerializerTest, LargeCalendarsComeOutTheSameAsTheirParts) {
  // SerializeTo sizes its output from the first sub-components written;
  // sub-components of very different sizes must not change the text.
  Component cal;
  cal.name = "VCALENDAR";
  cal.properties = {Prop("VERSION", "2.0"), Prop("PRODID", "-//Almanac//Test//EN")};
  std::string expected = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Almanac//Test//EN\r\n";
  for (int i = 0; i < 300; ++i) {
    Component event;
    event.name = "VEVENT";
    event.properties.push_back(Prop("UID", std::to_string(i)));
    // Small events first, then ever larger ones.
    const std::size_t size =
        i < 100 ? 1 : static_cast<std::size_t>(i) * static_cast<std::size_t>(i);
    event.properties.push_back(Prop("DESCRIPTION", std::string(size, 'd')));
    expected += Serialize(event);
    cal.components.push_back(std::move(event));
  }
  expected += "END:VCALENDAR\r\n";
  EXPECT_EQ(Serialize(cal), expected);
  std::string out = "prefix\r\n";
  out.reserve(100);
  SerializeTo(cal, &out);
  EXPECT_EQ(out, "prefix\r\n" + expected);
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
