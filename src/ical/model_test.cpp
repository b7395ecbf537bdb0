#include "ical/model.h"

#include <gtest/gtest.h>

namespace almanac::ical {
namespace {

Property Prop(std::string name, std::string value, std::vector<Parameter> params = {}) {
  Property p;
  p.name = std::move(name);
  p.value = std::move(value);
  p.params = std::move(params);
  return p;
}

TEST(ModelTest, FindParamIsCaseInsensitiveAndReturnsTheFirst) {
  Property p = Prop("ATTENDEE", "mailto:a@example.com",
                    {{"CN", {"Ana"}}, {"MEMBER", {"mailto:x@y", "mailto:z@y"}}, {"CN", {"Other"}}});
  ASSERT_NE(p.FindParam("cn"), nullptr);
  EXPECT_EQ(p.FindParam("cn")->values.front(), "Ana");
  EXPECT_EQ(p.FindParam("ROLE"), nullptr);
  EXPECT_EQ(p.ParamValue("member"), "mailto:x@y");
  EXPECT_EQ(p.ParamValue("ROLE"), std::nullopt);
  Property no_value = Prop("X", "v", {{"FLAG", {}}});
  EXPECT_NE(no_value.FindParam("FLAG"), nullptr);
  EXPECT_EQ(no_value.ParamValue("FLAG"), std::nullopt);
}

TEST(ModelTest, PropertyEqualityIgnoresTheLine) {
  Property a = Prop("SUMMARY", "x", {{"LANGUAGE", {"en"}}});
  Property b = a;
  b.line = 42;
  EXPECT_EQ(a, b);
  b.value = "y";
  EXPECT_NE(a, b);
  b = a;
  b.params[0].values[0] = "de";
  EXPECT_NE(a, b);
  b = a;
  b.name = "DESCRIPTION";
  EXPECT_NE(a, b);
}

TEST(ModelTest, ComponentFindAndEquality) {
  Component event;
  event.name = "VEVENT";
  event.properties = {Prop("UID", "1"), Prop("ATTENDEE", "mailto:a@x"),
                      Prop("ATTENDEE", "mailto:b@x")};
  Component alarm;
  alarm.name = "VALARM";
  event.components.push_back(alarm);

  ASSERT_NE(event.Find("uid"), nullptr);
  EXPECT_EQ(event.Find("uid")->value, "1");
  EXPECT_EQ(event.Find("DTSTART"), nullptr);
  const std::vector<const Property*> attendees = event.FindAll("Attendee");
  ASSERT_EQ(attendees.size(), 2u);
  EXPECT_EQ(attendees[1]->value, "mailto:b@x");
  EXPECT_EQ(event.FindComponents("valarm").size(), 1u);

  Component copy = event;
  copy.line = 7;
  copy.properties[0].line = 9;
  EXPECT_EQ(copy, event);
  copy.components[0].properties.push_back(Prop("ACTION", "DISPLAY"));
  EXPECT_NE(copy, event);
}

TEST(ModelTest, CaseHelpers) {
  EXPECT_TRUE(EqualsIgnoreCase("x-Wr-CalName", "X-WR-CALNAME"));
  EXPECT_FALSE(EqualsIgnoreCase("UID", "UIDS"));
  EXPECT_FALSE(EqualsIgnoreCase("a", "b"));
  std::string s = "dtStart-ü";
  ToUpperAscii(&s);
  EXPECT_EQ(s, "DTSTART-ü");
}

}  // namespace
}  // namespace almanac::ical
