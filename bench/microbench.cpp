// almanac_microbench: Google Benchmark micro-benchmarks of the iCalendar hot
// paths, each beside its libical 3.0 counterpart (BM_Libical_*) so the
// ratio can be read off one run. See docs/benchmarks.md.
#include <benchmark/benchmark.h>
#include <libical/ical.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/time.h"
#include "core/time_zone.h"
#include "ical/parser.h"
#include "ical/recurrence.h"
#include "ical/rrule.h"
#include "ical/serializer.h"

namespace {

using almanac::core::LocalDateTime;
namespace ical = almanac::ical;

constexpr const char* kRule = "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;UNTIL=20441231T235959";

// One realistic invitation: a zone, a weekly series with exceptions,
// attendees, a folded UTF-8 description and an alarm.
constexpr const char* kEvent =
    "BEGIN:VCALENDAR\r\n"
    "VERSION:2.0\r\n"
    "PRODID:-//Almanac//Bench//EN\r\n"
    "BEGIN:VTIMEZONE\r\n"
    "TZID:Europe/Berlin\r\n"
    "BEGIN:DAYLIGHT\r\n"
    "TZOFFSETFROM:+0100\r\n"
    "TZOFFSETTO:+0200\r\n"
    "TZNAME:CEST\r\n"
    "DTSTART:19700329T020000\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n"
    "END:DAYLIGHT\r\n"
    "BEGIN:STANDARD\r\n"
    "TZOFFSETFROM:+0200\r\n"
    "TZOFFSETTO:+0100\r\n"
    "TZNAME:CET\r\n"
    "DTSTART:19701025T030000\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n"
    "END:STANDARD\r\n"
    "END:VTIMEZONE\r\n"
    "BEGIN:VEVENT\r\n"
    "UID:5f1c9a6e-21b4-4f0e-9a53-0d2f8c7b11aa@almanac.example\r\n"
    "DTSTAMP:20240105T083000Z\r\n"
    "CREATED:20240105T083000Z\r\n"
    "LAST-MODIFIED:20240210T121500Z\r\n"
    "SEQUENCE:3\r\n"
    "DTSTART;TZID=Europe/Berlin:20240108T093000\r\n"
    "DTEND;TZID=Europe/Berlin:20240108T100000\r\n"
    "RRULE:FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20241231T225959Z\r\n"
    "EXDATE;TZID=Europe/Berlin:20240401T093000,20240520T093000\r\n"
    "SUMMARY:Projektbesprechung Übersetzung\\, Qualität & Planung\r\n"
    "DESCRIPTION:Wöchentliche Abstimmung zu Übersetzungen\\, Terminologie und \r\n"
    " Qualitätssicherung. Bitte die Tagesordnung vorab lesen: offene Punkte a\r\n"
    " us dem letzten Treffen\\; neue Glossareinträge\\nZugang über den Raumka\r\n"
    " lender oder per Video.\r\n"
    "LOCATION:Raum 3.14 (Konferenzraum Süd)\r\n"
    "CATEGORIES:MEETING,PROJECT\r\n"
    "ORGANIZER;CN=Jana Müller:mailto:jana.mueller@example.org\r\n"
    "ATTENDEE;CN=Jana Müller;ROLE=CHAIR;PARTSTAT=ACCEPTED:mailto:jana.mueller@e\r\n"
    " xample.org\r\n"
    "ATTENDEE;CN=Ola Nordmann;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=T\r\n"
    " RUE:mailto:ola.nordmann@example.org\r\n"
    "ATTENDEE;CN=\"Chen, Wei\";ROLE=OPT-PARTICIPANT;PARTSTAT=TENTATIVE:mailto:we\r\n"
    " i.chen@example.org\r\n"
    "X-ALMANAC-COLOR:#3a87ad\r\n"
    "BEGIN:VALARM\r\n"
    "ACTION:DISPLAY\r\n"
    "DESCRIPTION:Projektbesprechung\r\n"
    "TRIGGER:-PT15M\r\n"
    "END:VALARM\r\n"
    "END:VEVENT\r\n"
    "END:VCALENDAR\r\n";

void BM_ParseRRule(benchmark::State& state) {
  for (auto _ : state) {
    auto rule = ical::ParseRecurrenceRule(kRule);
    benchmark::DoNotOptimize(rule);
  }
}
BENCHMARK(BM_ParseRRule);

void BM_Libical_ParseRRule(benchmark::State& state) {
  for (auto _ : state) {
    icalrecurrencetype rule = icalrecurrencetype_from_string(kRule);
    benchmark::DoNotOptimize(rule);
  }
}
BENCHMARK(BM_Libical_ParseRRule);

// A daily 09:30 series in New York (two DST changes), one year of it.
void BM_ExpandDailyYear(benchmark::State& state) {
  auto zone = almanac::core::FindIanaZone("America/New_York");
  auto rule = ical::ParseRecurrenceRule("FREQ=DAILY;UNTIL=20241231T235959Z");
  if (!zone.ok() || !rule.ok()) {
    state.SkipWithError("engine setup failed");
    return;
  }
  ical::SeriesSpec spec;
  spec.dtstart = LocalDateTime::FromCivil(2024, 1, 1, 9, 30, 0);
  spec.zone = *zone;
  spec.rrules.push_back(*rule);
  ical::ExpandLimits limits;
  limits.max_occurrences = 100000;
  std::int64_t total = 0;
  for (auto _ : state) {
    auto it = ical::RecurrenceIterator::Create(spec, limits);
    if (!it.ok()) {
      state.SkipWithError("RecurrenceIterator::Create failed");
      return;
    }
    ical::Occurrence occ;
    while (it->Next(&occ)) {
      benchmark::DoNotOptimize(occ);
      ++total;
    }
  }
  state.SetItemsProcessed(total);
}
BENCHMARK(BM_ExpandDailyYear);

void BM_Libical_ExpandDailyYear(benchmark::State& state) {
  const icalrecurrencetype rule =
      icalrecurrencetype_from_string("FREQ=DAILY;UNTIL=20241231T235959Z");
  icaltimetype dtstart = icaltime_from_string("20240101T093000");
  icaltimezone* zone = icaltimezone_get_builtin_timezone("America/New_York");
  dtstart = icaltime_set_timezone(&dtstart, zone);
  std::int64_t total = 0;
  for (auto _ : state) {
    icalrecur_iterator* it = icalrecur_iterator_new(rule, dtstart);
    for (icaltimetype t = icalrecur_iterator_next(it); !icaltime_is_null_time(t);
         t = icalrecur_iterator_next(it)) {
      benchmark::DoNotOptimize(t);
      ++total;
    }
    icalrecur_iterator_free(it);
  }
  state.SetItemsProcessed(total);
}
BENCHMARK(BM_Libical_ExpandDailyYear);

// One occurrence-window lookup 60 years into an unbounded weekly series.
void BM_SeekFarWindow(benchmark::State& state) {
  auto rule = ical::ParseRecurrenceRule("FREQ=WEEKLY;BYDAY=MO,TH");
  if (!rule.ok()) {
    state.SkipWithError("ParseRecurrenceRule failed");
    return;
  }
  ical::SeriesSpec spec;
  spec.dtstart = LocalDateTime::FromCivil(2020, 1, 6, 10, 0, 0);
  spec.rrules.push_back(*rule);
  const LocalDateTime from = LocalDateTime::FromCivil(2080, 1, 1, 0, 0, 0);
  for (auto _ : state) {
    auto it = ical::RecurrenceIterator::Create(spec);
    if (!it.ok()) {
      state.SkipWithError("RecurrenceIterator::Create failed");
      return;
    }
    it->SeekTo(from);
    ical::Occurrence occ;
    benchmark::DoNotOptimize(it->Next(&occ));
    benchmark::DoNotOptimize(occ);
  }
}
BENCHMARK(BM_SeekFarWindow);

void BM_Libical_SeekFarWindow(benchmark::State& state) {
  const icalrecurrencetype rule = icalrecurrencetype_from_string("FREQ=WEEKLY;BYDAY=MO,TH");
  const icaltimetype dtstart = icaltime_from_string("20200106T100000");
  const icaltimetype from = icaltime_from_string("20800101T000000");
  for (auto _ : state) {
    icalrecur_iterator* it = icalrecur_iterator_new(rule, dtstart);
    icalrecur_iterator_set_start(it, from);
    icaltimetype t = icalrecur_iterator_next(it);
    benchmark::DoNotOptimize(t);
    icalrecur_iterator_free(it);
  }
}
BENCHMARK(BM_Libical_SeekFarWindow);

void BM_ParseEvent(benchmark::State& state) {
  const std::string text = kEvent;
  for (auto _ : state) {
    auto parsed = ical::Parse(text);
    if (!parsed.ok()) {
      state.SkipWithError(parsed.error().message.c_str());
      return;
    }
    benchmark::DoNotOptimize(parsed);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_ParseEvent);

void BM_Libical_ParseEvent(benchmark::State& state) {
  const std::string text = kEvent;
  for (auto _ : state) {
    icalcomponent* c = icalparser_parse_string(text.c_str());
    benchmark::DoNotOptimize(c);
    icalcomponent_free(c);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_Libical_ParseEvent);

void BM_SerializeEvent(benchmark::State& state) {
  auto parsed = ical::Parse(kEvent);
  if (!parsed.ok() || parsed->components.empty()) {
    state.SkipWithError("Parse failed");
    return;
  }
  const ical::Component& cal = parsed->components.front();
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string out = ical::Serialize(cal);
    bytes += out.size();
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_SerializeEvent);

void BM_Libical_SerializeEvent(benchmark::State& state) {
  icalcomponent* cal = icalparser_parse_string(kEvent);
  std::size_t bytes = 0;
  for (auto _ : state) {
    char* out = icalcomponent_as_ical_string_r(cal);
    bytes += std::strlen(out);
    benchmark::DoNotOptimize(out);
    std::free(out);
  }
  icalcomponent_free(cal);
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_Libical_SerializeEvent);

}  // namespace

BENCHMARK_MAIN();
