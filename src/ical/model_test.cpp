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

TEST(ModelTest, ParamValuesBehavesLikeAVectorOfStrings) {
  ParamValues none;
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(none.size(), 0u);
  EXPECT_EQ(none.begin(), none.end());

  ParamValues one;
  one.emplace_back() = "a";
  EXPECT_EQ(one.size(), 1u);
  EXPECT_EQ(one.front(), "a");
  ParamValues empty_value{""};  // one value, empty: not the same as none
  EXPECT_FALSE(empty_value.empty());
  EXPECT_NE(empty_value, none);

  ParamValues three{"a", "b", "c"};
  EXPECT_EQ(three.size(), 3u);
  EXPECT_EQ(std::vector<std::string>(three.begin(), three.end()),
            (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(three[2], "c");
  EXPECT_NE(three, one);

  // Copies are deep; moves leave the source empty.
  ParamValues copy = three;
  copy[1] = "B";
  EXPECT_EQ(three[1], "b");
  ParamValues assigned;
  assigned = copy;
  EXPECT_EQ(assigned, copy);
  assigned = one;
  EXPECT_EQ(assigned, one);
  assigned = three;
  EXPECT_EQ(assigned, three);
  ParamValues moved = std::move(copy);
  EXPECT_EQ(moved, (ParamValues{"a", "B", "c"}));
  EXPECT_TRUE(copy.empty());  // NOLINT(bugprone-use-after-move): as std::vector
  moved = std::move(one);
  EXPECT_EQ(moved, (ParamValues{"a"}));
  moved.push_back("z");
  EXPECT_EQ(moved, (ParamValues{"a", "z"}));
  moved.clear();
  EXPECT_TRUE(moved.empty());
  moved.push_back("again");
  EXPECT_EQ(moved, (ParamValues{"again"}));

  // Parameters built either way compare equal.
  Parameter built{"MEMBER", {}};
  built.values.push_back("mailto:a@x");
  built.values.push_back("mailto:b@x");
  EXPECT_EQ(built, (Parameter{"MEMBER", {"mailto:a@x", "mailto:b@x"}}));
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
