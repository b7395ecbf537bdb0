#include "domain/series_edit.h"

#include <algorithm>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "domain/model.h"
#include "domain/resource.h"
#include "ical/instances.h"
#include "ical/parser.h"
#include "ical/serializer.h"

namespace almanac::domain {
namespace {

using ::testing::ElementsAre;

const core::Instant kNow = core::Instant::FromUnixSeconds(1735689600);  // 2025-01-01

ApiTime T(std::string_view text) {
  Result<ApiTime> t = ParseApiTime(text);
  EXPECT_TRUE(t.ok()) << text;
  return t.ok() ? *t : ApiTime{};
}

ical::Component MakeSeries(std::string_view start, std::string_view end, std::string_view tz,
                           std::string_view rrule, std::string_view title = "Standup") {
  ical::Component cal = NewCalendarShell();
  ical::Component ev;
  ev.name = "VEVENT";
  ev.properties.push_back(ical::Property{"UID", {}, "series-1", 0});
  EventChange c;
  c.title = std::string(title);
  c.start = T(start);
  c.end = T(end);
  c.timezone = std::string(tz);
  if (!rrule.empty()) c.rrule = std::optional<std::string>(std::string(rrule));
  ical::ZoneResolver zones(cal);
  ApplyOptions o;
  o.creating = true;
  o.now = kNow;
  Status s = ApplyChange(&ev, c, zones, o);
  EXPECT_TRUE(s.ok()) << s.error().message;
  cal.components.push_back(std::move(ev));
  return cal;
}

// "start|title" for every instance in [from, to).
std::vector<std::string> Instances(const ical::Component& cal, std::string_view from,
                                   std::string_view to) {
  // Round trip through text so the test sees what the store would keep.
  Result<ical::ParsedCalendar> parsed = ical::Parse(ical::Serialize(cal));
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
  if (!parsed.ok()) return {};
  const ical::Component copy = parsed->components.front();
  Result<ical::InstanceResult> r =
      ical::ExpandInstances(copy, T(from).instant, T(to).instant);
  EXPECT_TRUE(r.ok());
  std::vector<std::string> out;
  if (!r.ok()) return out;
  for (const ical::Instance& i : r->instances) {
    const ical::Property* summary = i.component->Find("SUMMARY");
    const int offset = i.zone ? i.zone->OffsetAt(i.start_instant) : 0;
    out.push_back(FormatRfc3339(i.start_instant, offset) + "|" +
                  (summary ? summary->value : std::string()));
  }
  return out;
}

std::vector<std::string> Instances(const SeriesEditResult& r, std::string_view from,
                                   std::string_view to) {
  std::vector<std::string> out = Instances(r.resource, from, to);
  if (r.split_off) {
    for (std::string& s : Instances(*r.split_off, from, to)) out.push_back(s + "|new");
  }
  std::sort(out.begin(), out.end());
  return out;
}

SeriesEditContext Ctx() {
  SeriesEditContext ctx;
  ctx.now = kNow + 60;
  ctx.new_uid = "series-2";
  return ctx;
}

TEST(ParseApiTime, AcceptsDatesAndOffsets) {
  EXPECT_TRUE(T("2025-03-10").all_day);
  EXPECT_EQ(T("2025-03-10T09:00:00-04:00").instant.unix_seconds(), 1741611600);
  EXPECT_EQ(T("2025-03-10T13:00:00Z").instant.unix_seconds(), 1741611600);
  EXPECT_EQ(T("2025-03-10T13:00:00.123Z").instant.unix_seconds(), 1741611600);
  for (const char* bad : {"2025-3-10", "2025-02-30", "2025-03-10T25:00:00Z", "2025-03-10T09:00:00",
                          "2025-03-10T09:00:00+0100", "tomorrow", ""}) {
    Result<ApiTime> t = ParseApiTime(bad);
    ASSERT_FALSE(t.ok()) << bad;
    EXPECT_EQ(t.error().code, Code::kInvalidArgument);
  }
}

TEST(ApplyChange, WritesZonedTimesAndReadsThemBack) {
  ical::Component cal = MakeSeries("2025-03-03T09:00:00-05:00", "2025-03-03T09:30:00-05:00",
                                   "America/New_York", "FREQ=WEEKLY;COUNT=3");
  const ical::Component& ev = cal.components.front();
  EXPECT_EQ(ev.Find("DTSTART")->value, "20250303T090000");
  EXPECT_EQ(ev.Find("DTSTART")->ParamValue("TZID"), "America/New_York");
  ical::ZoneResolver zones(cal);
  Result<EventView> view = ReadEvent(ev, zones);
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->start, "2025-03-03T09:00:00-05:00");
  EXPECT_EQ(view->end, "2025-03-03T09:30:00-05:00");
  EXPECT_EQ(view->rrule, "FREQ=WEEKLY;COUNT=3");
  EXPECT_EQ(view->sequence, 0);
  // Across the DST change the wall clock stays at 09:00.
  EXPECT_THAT(Instances(cal, "2025-03-01T00:00:00Z", "2025-04-01T00:00:00Z"),
              ElementsAre("2025-03-03T09:00:00-05:00|Standup",
                          "2025-03-10T09:00:00-04:00|Standup",
                          "2025-03-17T09:00:00-04:00|Standup"));
}

TEST(ApplyChange, RejectsBadInputWithFieldNames) {
  ical::Component cal = MakeSeries("2025-03-03T09:00:00Z", "2025-03-03T10:00:00Z", "UTC", "");
  ical::ZoneResolver zones(cal);
  ApplyOptions o;
  o.now = kNow;
  struct Case {
    EventChange change;
    const char* message;
  };
  std::vector<Case> cases(6);
  cases[0].change.end = T("2025-03-03T08:00:00Z");
  cases[0].message = "end must be after start";
  cases[1].change.rrule = std::optional<std::string>("FREQ=FORTNIGHTLY");
  cases[1].message = "rrule:";
  cases[2].change.timezone = "Mars/Olympus";
  cases[2].message = "unknown time zone";
  cases[3].change.status = "maybe";
  cases[3].message = "status must be";
  cases[4].change.attendees = std::vector<Attendee>{{"not-an-address", "", "required", ""}};
  cases[4].message = "not an address";
  cases[5].change.start = T("2025-03-04");
  cases[5].change.all_day = false;
  cases[5].message = "not dates";
  for (const Case& c : cases) {
    ical::Component ev = cal.components.front();
    Status s = ApplyChange(&ev, c.change, zones, o);
    ASSERT_FALSE(s.ok()) << c.message;
    EXPECT_EQ(s.error().code, Code::kInvalidArgument);
    EXPECT_THAT(s.error().message, ::testing::HasSubstr(c.message));
  }
}

TEST(ApplyChange, AttendeesBringTheOrganizerWhenThereIsNone) {
  ical::Component cal = MakeSeries("2025-03-03T09:00:00Z", "2025-03-03T10:00:00Z", "UTC", "");
  ical::ZoneResolver zones(cal);
  ApplyOptions o;
  o.now = kNow;
  o.organizer = Organizer{"ann@example.test", "Ann\r\nLee"};

  // No attendees: no ORGANIZER, even with one at hand.
  ical::Component ev = cal.components.front();
  EventChange title;
  title.title = "Solo";
  ASSERT_TRUE(ApplyChange(&ev, title, zones, o).ok());
  EXPECT_EQ(ev.Find("ORGANIZER"), nullptr);

  // Attendees: the organizer, its name on one line.
  EventChange invite;
  invite.attendees = std::vector<Attendee>{{"bob@example.test", "", "required", ""}};
  ASSERT_TRUE(ApplyChange(&ev, invite, zones, o).ok());
  const ical::Property* org = ev.Find("ORGANIZER");
  ASSERT_NE(org, nullptr);
  EXPECT_EQ(org->value, "mailto:ann@example.test");
  EXPECT_EQ(org->ParamValue("CN"), "Ann Lee");

  // One already there is kept, whoever changes the attendees.
  o.organizer = Organizer{"carl@example.test", "Carl"};
  invite.attendees->push_back({"dee@example.test", "", "optional", ""});
  ASSERT_TRUE(ApplyChange(&ev, invite, zones, o).ok());
  EXPECT_EQ(ev.Find("ORGANIZER")->value, "mailto:ann@example.test");
  EXPECT_EQ(std::count_if(ev.properties.begin(), ev.properties.end(),
                          [](const ical::Property& p) { return p.name == "ORGANIZER"; }),
            1);

  // No organizer known (a user without an e-mail address): none is made up.
  ical::Component other = cal.components.front();
  o.organizer = Organizer{};
  ASSERT_TRUE(ApplyChange(&other, invite, zones, o).ok());
  EXPECT_EQ(other.Find("ORGANIZER"), nullptr);
}

TEST(SeriesEdit, AnOccurrenceGivenAttendeesNamesTheOrganizer) {
  ical::Component cal = MakeSeries("2025-03-03T09:00:00-05:00", "2025-03-03T09:30:00-05:00",
                                   "America/New_York", "FREQ=WEEKLY;COUNT=4");
  EventChange c;
  c.attendees = std::vector<Attendee>{{"bob@example.test", "Bob", "required", ""}};
  SeriesEditContext ctx = Ctx();
  ctx.organizer = Organizer{"ann@example.test", "Ann"};
  Result<SeriesEditResult> r =
      EditSeries(cal, EditScope::kThis, T("2025-03-10T09:00:00-04:00"), c, ctx);
  ASSERT_TRUE(r.ok()) << r.error().message;
  const ical::Component& o = r->resource.components.back();
  ASSERT_NE(o.Find("RECURRENCE-ID"), nullptr);
  ASSERT_NE(o.Find("ORGANIZER"), nullptr);
  EXPECT_EQ(o.Find("ORGANIZER")->value, "mailto:ann@example.test");
  // The rest of the series has no attendees and stays without.
  const auto master = std::find_if(
      r->resource.components.begin(), r->resource.components.end(), [](const ical::Component& c) {
        return c.name == "VEVENT" && c.Find("RECURRENCE-ID") == nullptr;
      });
  ASSERT_NE(master, r->resource.components.end());
  EXPECT_EQ(master->Find("ORGANIZER"), nullptr);
}

TEST(SeriesEdit, ThisWritesOneOverride) {
  ical::Component cal = MakeSeries("2025-03-03T09:00:00-05:00", "2025-03-03T09:30:00-05:00",
                                   "America/New_York", "FREQ=WEEKLY;COUNT=4");
  EventChange c;
  c.title = "Moved standup";
  c.start = T("2025-03-10T11:00:00-04:00");
  Result<SeriesEditResult> r =
      EditSeries(cal, EditScope::kThis, T("2025-03-10T09:00:00-04:00"), c, Ctx());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->split_off);
  EXPECT_THAT(Instances(*r, "2025-03-01T00:00:00Z", "2025-04-01T00:00:00Z"),
              ElementsAre("2025-03-03T09:00:00-05:00|Standup",
                          "2025-03-10T11:00:00-04:00|Moved standup",
                          "2025-03-17T09:00:00-04:00|Standup",
                          "2025-03-24T09:00:00-04:00|Standup"));
  const ical::Component& o = r->resource.components.back();
  EXPECT_EQ(o.Find("RECURRENCE-ID")->value, "20250310T090000");
  EXPECT_EQ(o.Find("DTEND")->value, "20250310T113000");  // keeps the 30 minutes
  EXPECT_EQ(o.Find("SEQUENCE")->value, "1");
  EXPECT_EQ(o.Find("RRULE"), nullptr);

  // Editing the same occurrence again updates that override, not a new one.
  EventChange again;
  again.location = std::optional<std::string>("Room 2");
  Result<SeriesEditResult> r2 =
      EditSeries(r->resource, EditScope::kThis, T("2025-03-10T09:00:00-04:00"), again, Ctx());
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2->resource.components.size(), r->resource.components.size());
  EXPECT_EQ(r2->resource.components.back().Find("SEQUENCE")->value, "2");
}

TEST(SeriesEdit, UnknownOccurrenceIsNotFound) {
  ical::Component cal = MakeSeries("2025-03-03T09:00:00Z", "2025-03-03T09:30:00Z", "UTC",
                                   "FREQ=WEEKLY;COUNT=4");
  EventChange c;
  c.title = "x";
  Result<SeriesEditResult> r =
      EditSeries(cal, EditScope::kThis, T("2025-03-04T09:00:00Z"), c, Ctx());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kNotFound);
  Result<SeriesEditResult> missing = EditSeries(cal, EditScope::kThis, std::nullopt, c, Ctx());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Code::kInvalidArgument);
}

TEST(SeriesEdit, DeleteThisAddsExdateAndDropsOverride) {
  ical::Component cal = MakeSeries("2025-03-03T09:00:00Z", "2025-03-03T09:30:00Z", "UTC",
                                   "FREQ=DAILY;COUNT=3");
  EventChange c;
  c.title = "Special";
  Result<SeriesEditResult> edited =
      EditSeries(cal, EditScope::kThis, T("2025-03-04T09:00:00Z"), c, Ctx());
  ASSERT_TRUE(edited.ok());
  Result<SeriesEditResult> r =
      DeleteFromSeries(edited->resource, EditScope::kThis, T("2025-03-04T09:00:00Z"), Ctx());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->resource_deleted);
  EXPECT_EQ(r->resource.components.size(), 1u);
  EXPECT_THAT(Instances(*r, "2025-03-01T00:00:00Z", "2025-04-01T00:00:00Z"),
              ElementsAre("2025-03-03T09:00:00Z|Standup", "2025-03-05T09:00:00Z|Standup"));
  // Deleting the remaining two leaves nothing: the resource goes.
  Result<SeriesEditResult> r2 =
      DeleteFromSeries(r->resource, EditScope::kThis, T("2025-03-03T09:00:00Z"), Ctx());
  ASSERT_TRUE(r2.ok());
  Result<SeriesEditResult> r3 =
      DeleteFromSeries(r2->resource, EditScope::kThis, T("2025-03-05T09:00:00Z"), Ctx());
  ASSERT_TRUE(r3.ok());
  EXPECT_TRUE(r3->resource_deleted);
}

TEST(SeriesEdit, FollowingSplitsAcrossDstAndKeepsOverrides) {
  // Weekly Mondays 09:00 New York, 6 times, from before the DST change.
  ical::Component cal = MakeSeries("2025-02-24T09:00:00-05:00", "2025-02-24T10:00:00-05:00",
                                   "America/New_York", "FREQ=WEEKLY;COUNT=6");
  // An override on the 5th occurrence (after the split point) and the 1st.
  EventChange special;
  special.title = "Planning";
  Result<SeriesEditResult> a =
      EditSeries(cal, EditScope::kThis, T("2025-03-24T09:00:00-04:00"), special, Ctx());
  ASSERT_TRUE(a.ok());
  Result<SeriesEditResult> b =
      EditSeries(a->resource, EditScope::kThis, T("2025-02-24T09:00:00-05:00"), special, Ctx());
  ASSERT_TRUE(b.ok());
  // From the 3rd occurrence (2025-03-10, first after DST) on: 10:00 instead of 09:00.
  EventChange later;
  later.start = T("2025-03-10T10:00:00-04:00");
  Result<SeriesEditResult> r =
      EditSeries(b->resource, EditScope::kFollowing, T("2025-03-10T09:00:00-04:00"), later, Ctx());
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_TRUE(r->split_off.has_value());
  EXPECT_TRUE(r->dropped_overrides.empty());
  EXPECT_THAT(Instances(*r, "2025-02-01T00:00:00Z", "2025-05-01T00:00:00Z"),
              ElementsAre("2025-02-24T09:00:00-05:00|Planning",
                          "2025-03-03T09:00:00-05:00|Standup",
                          "2025-03-10T10:00:00-04:00|Standup|new",
                          "2025-03-17T10:00:00-04:00|Standup|new",
                          "2025-03-24T10:00:00-04:00|Planning|new",
                          "2025-03-31T10:00:00-04:00|Standup|new"));
  const ical::Component* old_master = MasterOf(r->resource);
  ASSERT_NE(old_master, nullptr);
  EXPECT_EQ(old_master->Find("RRULE")->value, "FREQ=WEEKLY;UNTIL=20250310T125959Z");
  const ical::Component* new_master = MasterOf(*r->split_off);
  EXPECT_EQ(new_master->Find("UID")->value, "series-2");
  EXPECT_EQ(new_master->Find("RRULE")->value, "FREQ=WEEKLY;COUNT=4");
  EXPECT_EQ(new_master->Find("DTSTART")->value, "20250310T100000");
  // The moved override points at its new slot and carries the new UID.
  const ical::Component& moved = r->split_off->components.back();
  EXPECT_EQ(moved.Find("UID")->value, "series-2");
  EXPECT_EQ(moved.Find("RECURRENCE-ID")->value, "20250324T100000");
  EXPECT_TRUE(AnalyzeResource(r->resource).ok());
  EXPECT_TRUE(AnalyzeResource(*r->split_off).ok());
}

TEST(SeriesEdit, FollowingFromTheFirstOccurrenceIsAll) {
  ical::Component cal = MakeSeries("2025-03-03T09:00:00Z", "2025-03-03T09:30:00Z", "UTC",
                                   "FREQ=DAILY;COUNT=2");
  EventChange c;
  c.title = "Renamed";
  Result<SeriesEditResult> r =
      EditSeries(cal, EditScope::kFollowing, T("2025-03-03T09:00:00Z"), c, Ctx());
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->split_off);
  EXPECT_THAT(Instances(*r, "2025-03-01T00:00:00Z", "2025-04-01T00:00:00Z"),
              ElementsAre("2025-03-03T09:00:00Z|Renamed", "2025-03-04T09:00:00Z|Renamed"));
}

TEST(SeriesEdit, AllShiftsOverridesAndExdates) {
  ical::Component cal = MakeSeries("2025-03-03T09:00:00Z", "2025-03-03T09:30:00Z", "UTC",
                                   "FREQ=DAILY;COUNT=5");
  EventChange rename;
  rename.title = "Renamed occurrence";
  Result<SeriesEditResult> a =
      EditSeries(cal, EditScope::kThis, T("2025-03-04T09:00:00Z"), rename, Ctx());
  ASSERT_TRUE(a.ok());
  EventChange moved;
  moved.start = T("2025-03-05T15:00:00Z");
  Result<SeriesEditResult> b =
      EditSeries(a->resource, EditScope::kThis, T("2025-03-05T09:00:00Z"), moved, Ctx());
  ASSERT_TRUE(b.ok());
  Result<SeriesEditResult> c =
      DeleteFromSeries(b->resource, EditScope::kThis, T("2025-03-06T09:00:00Z"), Ctx());
  ASSERT_TRUE(c.ok());
  // The whole series one hour later, renamed.
  EventChange all;
  all.start = T("2025-03-03T10:00:00Z");
  all.title = "Later standup";
  Result<SeriesEditResult> r = EditSeries(c->resource, EditScope::kAll, std::nullopt, all, Ctx());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->dropped_overrides.empty());
  EXPECT_THAT(Instances(*r, "2025-03-01T00:00:00Z", "2025-04-01T00:00:00Z"),
              ElementsAre("2025-03-03T10:00:00Z|Later standup",
                          "2025-03-04T10:00:00Z|Renamed occurrence",
                          "2025-03-05T15:00:00Z|Later standup",
                          "2025-03-07T10:00:00Z|Later standup"));
}

TEST(SeriesEdit, AllDropsOverridesTheNewRuleNoLongerHas) {
  ical::Component cal = MakeSeries("2025-03-03T09:00:00Z", "2025-03-03T09:30:00Z", "UTC",
                                   "FREQ=DAILY;COUNT=5");
  EventChange rename;
  rename.title = "Tuesday special";
  Result<SeriesEditResult> a =
      EditSeries(cal, EditScope::kThis, T("2025-03-04T09:00:00Z"), rename, Ctx());
  ASSERT_TRUE(a.ok());
  EventChange weekly;
  weekly.rrule = std::optional<std::string>("FREQ=WEEKLY;COUNT=3");
  Result<SeriesEditResult> r =
      EditSeries(a->resource, EditScope::kAll, std::nullopt, weekly, Ctx());
  ASSERT_TRUE(r.ok());
  EXPECT_THAT(r->dropped_overrides, ElementsAre("2025-03-04T09:00:00Z"));
  EXPECT_EQ(r->resource.components.size(), 1u);
}

TEST(SeriesEdit, AllDaySeriesSplit) {
  ical::Component cal = MakeSeries("2025-12-29", "2025-12-30", "", "FREQ=DAILY;COUNT=5", "Leave");
  EventChange c;
  c.title = "Leave (extended)";
  Result<SeriesEditResult> r = EditSeries(cal, EditScope::kFollowing, T("2026-01-01"), c, Ctx());
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_TRUE(r->split_off);
  EXPECT_EQ(MasterOf(r->resource)->Find("RRULE")->value, "FREQ=DAILY;UNTIL=20251231");
  EXPECT_EQ(MasterOf(*r->split_off)->Find("RRULE")->value, "FREQ=DAILY;COUNT=2");
  EXPECT_EQ(Instances(*r, "2025-12-01T00:00:00Z", "2026-02-01T00:00:00Z").size(), 5u);
}

TEST(SeriesEdit, DeleteFollowingTruncates) {
  ical::Component cal = MakeSeries("2025-03-03T09:00:00+01:00", "2025-03-03T09:30:00+01:00",
                                   "Europe/Berlin", "FREQ=WEEKLY");
  Result<SeriesEditResult> r = DeleteFromSeries(cal, EditScope::kFollowing,
                                                T("2025-03-31T09:00:00+02:00"), Ctx());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->resource_deleted);
  EXPECT_THAT(Instances(*r, "2025-03-01T00:00:00Z", "2026-01-01T00:00:00Z"),
              ElementsAre("2025-03-03T09:00:00+01:00|Standup",
                          "2025-03-10T09:00:00+01:00|Standup",
                          "2025-03-17T09:00:00+01:00|Standup",
                          "2025-03-24T09:00:00+01:00|Standup"));
  Result<ResourceInfo> info = AnalyzeResource(r->resource);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->last_end, T("2025-03-24T09:30:00+01:00").instant.unix_seconds());
}

TEST(SeriesEdit, FallBackOverrideKeepsItsExactLength) {
  // 01:30-02:00 New York daily; on 2025-11-02 01:30 EDT + 30 min is 01:00 EST,
  // a wall-clock time that comes before the start: DTEND must be written in UTC.
  ical::Component cal = MakeSeries("2025-10-31T01:30:00-04:00", "2025-10-31T02:00:00-04:00",
                                   "America/New_York", "FREQ=DAILY;COUNT=4", "Night");
  EventChange c;
  c.title = "Fold";
  Result<SeriesEditResult> r =
      EditSeries(cal, EditScope::kThis, T("2025-11-02T01:30:00-04:00"), c, Ctx());
  ASSERT_TRUE(r.ok()) << r.error().message;
  const ical::Component& o = r->resource.components.back();
  EXPECT_EQ(o.Find("DTEND")->value, "20251102T060000Z");
  Result<ical::InstanceResult> expanded =
      ical::ExpandInstances(r->resource, T("2025-11-02T00:00:00Z").instant,
                            T("2025-11-03T00:00:00Z").instant);
  ASSERT_TRUE(expanded.ok());
  ASSERT_EQ(expanded->instances.size(), 1u);
  EXPECT_EQ(expanded->instances[0].end_instant - expanded->instances[0].start_instant, 1800);
  ical::ZoneResolver zones(r->resource);
  Result<EventView> view = ReadEvent(o, zones);
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->start, "2025-11-02T01:30:00-04:00");
  EXPECT_EQ(view->end, "2025-11-02T01:00:00-05:00");
}

TEST(ApplyChange, StartInTheRepeatedHourIsRefusedEndIsAccepted) {
  ical::Component cal = NewCalendarShell();
  ical::ZoneResolver zones(cal);
  ApplyOptions o;
  o.creating = true;
  o.now = kNow;
  ical::Component ev;
  ev.name = "VEVENT";
  EventChange second_pass;
  second_pass.start = T("2025-11-02T01:10:00-05:00");
  second_pass.timezone = "America/New_York";
  Status s = ApplyChange(&ev, second_pass, zones, o);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Code::kInvalidArgument);
  EXPECT_THAT(s.error().message, ::testing::HasSubstr("give this event the time zone UTC"));
  EventChange ends_in_it;
  ends_in_it.start = T("2025-11-02T01:30:00-04:00");
  ends_in_it.end = T("2025-11-02T01:15:00-05:00");
  ends_in_it.timezone = "America/New_York";
  ical::Component ev2;
  ev2.name = "VEVENT";
  ASSERT_TRUE(ApplyChange(&ev2, ends_in_it, zones, o).ok());
  EXPECT_EQ(ev2.Find("DTSTART")->value, "20251102T013000");
  EXPECT_EQ(ev2.Find("DTEND")->value, "20251102T061500Z");
}

TEST(Resource, AnalyzeRejectsMixedUidsAndFindsSpan) {
  ical::Component cal = MakeSeries("2025-03-03T09:00:00Z", "2025-03-03T09:30:00Z", "UTC",
                                   "FREQ=DAILY;COUNT=3");
  Result<ResourceInfo> info = AnalyzeResource(cal);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->uid, "series-1");
  EXPECT_TRUE(info->recurring);
  EXPECT_EQ(info->first_start, T("2025-03-03T09:00:00Z").instant.unix_seconds());
  EXPECT_EQ(info->last_end, T("2025-03-05T09:30:00Z").instant.unix_seconds());
  ical::Component two = cal;
  two.components.push_back(cal.components.front());
  two.components.back().properties.front().value = "other";
  Result<ResourceInfo> bad = AnalyzeResource(two);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.error().message, ::testing::HasSubstr("one resource holds one UID"));
  ical::Component endless = MakeSeries("2025-03-03T09:00:00Z", "2025-03-03T09:30:00Z", "UTC",
                                       "FREQ=DAILY");
  EXPECT_EQ(AnalyzeResource(endless)->last_end, kUnboundedEnd);
}

// An open-ended series with an override years ahead starts at its DTSTART,
// not at the override (found by the CalDAV benchmark: such series were
// missing from time-range queries before the override).
TEST(Resource, EndlessSeriesWithAFarOverrideStartsAtItsFirstInstance) {
  const char* text =
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:t\r\nBEGIN:VEVENT\r\nUID:m\r\n"
      "DTSTAMP:20241215T090000Z\r\nDTSTART;TZID=Europe/Berlin:20241111T183000\r\n"
      "DTEND;TZID=Europe/Berlin:20241111T184500\r\nRRULE:FREQ=MONTHLY;BYDAY=2MO\r\n"
      "END:VEVENT\r\nBEGIN:VEVENT\r\nUID:m\r\nDTSTAMP:20241215T090000Z\r\n"
      "RECURRENCE-ID;TZID=Europe/Berlin:20270208T183000\r\n"
      "DTSTART;TZID=Europe/Berlin:20270208T213000\r\nDTEND;TZID=Europe/Berlin:20270208T214500\r\n"
      "END:VEVENT\r\nEND:VCALENDAR\r\n";
  Result<ical::ParsedCalendar> parsed = ical::Parse(text);
  ASSERT_TRUE(parsed.ok());
  Result<ResourceInfo> info = AnalyzeResource(parsed->components.front());
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->first_start, T("2024-11-11T18:30:00+01:00").instant.unix_seconds());
  EXPECT_EQ(info->last_end, kUnboundedEnd);
}

}  // namespace
}  // namespace almanac::domain
