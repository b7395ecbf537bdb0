// Hash routes of the app. The server only falls back to index.html at "/",
// so every route lives in the URL fragment: #/ (calendar, default view),
// #/{view}/{date} (calendar), #/resources, #/approvals, #/leave.

export const CALENDAR_VIEWS = {
  month: { fc: 'almanacMonth', label: 'Month' },
  week: { fc: 'timeGridWeek', label: 'Week' },
  day: { fc: 'timeGridDay', label: 'Day' },
  agenda: { fc: 'listMonth', label: 'Agenda' },
  weeks: { fc: 'dayGridTwoWeeks', label: '2 weeks' },
  year: { fc: 'multiMonthYear', label: 'Year' },
  // Search results: a year's list, reached by searching, not by a button.
  search: { fc: 'listYear', label: 'Search results', hidden: true },
};

export const PAGES = ['resources', 'approvals', 'leave'];

const DATE = /^\d{4}-\d{2}-\d{2}$/;

// Parses a location hash. Unknown routes fall back to the calendar.
// Returns { page: 'calendar', view, date } or { page, rest }.
export function parseHash(hash) {
  const path = String(hash || '').replace(/^#\/?/, '');
  const [head = '', ...rest] = path.split('/').filter(Boolean);
  if (PAGES.includes(head)) return { page: head, rest };
  if (head in CALENDAR_VIEWS) {
    const date = DATE.test(rest[0] || '') && !Number.isNaN(Date.parse(rest[0])) ? rest[0] : null;
    return { page: 'calendar', view: head, date };
  }
  return { page: 'calendar', view: null, date: null };
}

// The hash of a calendar view on a date ('YYYY-MM-DD').
export function calendarHash(view, date) {
  return date ? `#/${view}/${date}` : `#/${view}`;
}

// The route name of a FullCalendar view type, or null.
export function viewForFc(fcType) {
  for (const [name, v] of Object.entries(CALENDAR_VIEWS)) if (v.fc === fcType) return name;
  return null;
}
