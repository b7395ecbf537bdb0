// Loads event instances for the visible range from GET /api/v1/events (one
// request per range, calendar selection and filter, the last few answers
// cached) and turns them into FullCalendar events. The server expands
// recurrences and applies the status, priority and organiser filters
// (`status=`, `priority_min=`/`priority_max=`, `organizer=`), so `limit` and
// `truncated` count the filtered events; passesFilter applies the same
// filters in the browser for servers without those parameters.

export const STATUSES = ['confirmed', 'tentative', 'cancelled'];
// `range` is the [priority_min, priority_max] the server filters on.
export const PRIORITIES = {
  any: { label: 'Any priority', test: () => true, range: null },
  high: { label: 'High (1–4)', test: (p) => p >= 1 && p <= 4, range: [1, 4] },
  medium: { label: 'Medium (5)', test: (p) => p === 5, range: [5, 5] },
  low: { label: 'Low (6–9)', test: (p) => p >= 6 && p <= 9, range: [6, 9] },
  none: { label: 'No priority', test: (p) => !p, range: [0, 0] },
};
export const PAGE_LIMIT = 5000;

// The query parameters of GET /api/v1/events for `filter` (statuses,
// priority, organiser e-mail); undefined values are left out by query().
export function filterParams(filter) {
  const range = (PRIORITIES[filter.priority || 'any'] || PRIORITIES.any).range;
  return {
    status: filter.statuses && filter.statuses.length ? filter.statuses : undefined,
    priority_min: range ? range[0] : undefined,
    priority_max: range ? range[1] : undefined,
    organizer: filter.organiser || undefined,
  };
}

// Whether a filter asks the server for anything beyond the range.
export function hasServerFilter(filter) {
  return Object.values(filterParams(filter)).some((v) => v !== undefined);
}

// The organiser's e-mail of an instance: its `organizer` when the server
// reports one (null: none), else, from servers that do not, the e-mail of
// the calendar's owner via `ownerEmail(calendarId)`.
export function organiserEmail(inst, ownerEmail) {
  if (inst.organizer !== undefined) return inst.organizer ? inst.organizer.email : '';
  return ownerEmail ? ownerEmail(inst.calendar_id) || '' : '';
}

// Whether an instance passes the filters. `filter` holds statuses (array),
// priority (key of PRIORITIES) and organiser (an e-mail or ''); busy-only
// instances never match a status, priority or organiser filter, as on the
// server.
export function passesFilter(inst, filter, ownerEmail) {
  const active = hasServerFilter(filter);
  if (active && inst.busy_only) return false;
  if (filter.statuses && filter.statuses.length && !filter.statuses.includes(inst.status || 'confirmed')) return false;
  const pr = PRIORITIES[filter.priority || 'any'] || PRIORITIES.any;
  if (!pr.test(inst.priority ?? 0)) return false;
  if (filter.organiser && organiserEmail(inst, ownerEmail).toLowerCase() !== String(filter.organiser).toLowerCase()) return false;
  return true;
}

// Whether an instance is an absence of the organisation's "Staff leave"
// calendar (the leave workflow stores each approved request there as
// `leave-{id}@...`). The "Team leave" source shows the same absences with
// their type, so the calendar skips these while it is on.
const LEAVE_UID = /^leave-\d+@/;
export function isLeaveInstance(inst) {
  return LEAVE_UID.test(inst.uid || '');
}

// Black or white, whichever reads better on `hex` (WCAG relative luminance).
export function textColorFor(hex) {
  const m = /^#?([0-9a-f]{6})$/i.exec(hex || '');
  if (!m) return '#ffffff';
  const n = parseInt(m[1], 16);
  const lin = (c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  const L = 0.2126 * lin((n >> 16) & 255) + 0.7152 * lin((n >> 8) & 255) + 0.0722 * lin(n & 255);
  return L > 0.4 ? '#111111' : '#ffffff';
}

// The words added to a title so status is never told by colour alone.
export function statusSuffix(status) {
  if (status === 'tentative') return ' (tentative)';
  if (status === 'cancelled') return ' (cancelled)';
  return '';
}

// A FullCalendar event input for an API instance.
export function toFcEvent(inst, calendar) {
  const writable = calendar ? calendar.access === 'write' || calendar.access === 'owner' : false;
  const status = inst.status || 'confirmed';
  return {
    id: `${inst.event_id}|${inst.recurrence_id || ''}`,
    title: `${inst.title || '(no title)'}${statusSuffix(status)}`,
    start: inst.start,
    end: inst.end,
    allDay: inst.all_day,
    backgroundColor: inst.color,
    borderColor: inst.color,
    textColor: textColorFor(inst.color),
    editable: writable && !inst.busy_only,
    classNames: [`status-${status}`, inst.recurring ? 'is-recurring' : '', inst.busy_only ? 'is-busy' : ''].filter(Boolean),
    extendedProps: { inst },
  };
}

// A small least-recently-used cache of answers keyed by request URL.
export class RangeCache {
  constructor(size = 8) {
    this.size = size;
    this.map = new Map();
  }
  get(key) {
    if (!this.map.has(key)) return undefined;
    const v = this.map.get(key);
    this.map.delete(key);
    this.map.set(key, v);
    return v;
  }
  set(key, value) {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.size) this.map.delete(this.map.keys().next().value);
  }
  clear() {
    this.map.clear();
  }
}

// Whether the span { from, to } (milliseconds) holds [from, to].
export function spans(r, from, to) {
  return Boolean(r) && r.from <= from && to <= r.to;
}

// Answers over wide spans of time, a few per query key (newest first), in
// a least-recently-used cache of keys: the calendar's prefetches. A span is
// { from, to } in milliseconds.
export class SpanCache {
  constructor(keys = 4, spansPerKey = 3) {
    this.keys = new RangeCache(keys);
    this.perKey = spansPerKey;
  }
  // The answer of a span of `key` that holds [from, to], or undefined.
  find(key, from, to) {
    const hit = (this.keys.get(key) || []).find((r) => spans(r, from, to));
    return hit ? hit.answer : undefined;
  }
  has(key, from, to) {
    return this.find(key, from, to) !== undefined;
  }
  // Keeps `answer` for [from, to] of `key`, in place of spans it holds.
  add(key, from, to, answer) {
    const kept = (this.keys.get(key) || []).filter((r) => !spans({ from, to }, r.from, r.to));
    this.keys.set(key, [{ from, to, answer }, ...kept].slice(0, this.perKey));
  }
  clear() {
    this.keys.clear();
  }
}
