// Helpers shared by the resources, approvals and leave views: a DOM builder
// on top of ctx.el that also wires event listeners, error sentences, and the
// date and time formatting in the user's time zone (through luxon).
import { DateTime } from 'luxon';

// Returns a builder h(tag, attrs, ...children). Attributes whose value is a
// function and whose name starts with "on" become event listeners; `checked`,
// `disabled`, `selected`, `value` and `hidden` are set as properties (so
// false means off); null, undefined and false children are dropped. The
// element itself is made by ctx.el.
export function builder(ctx) {
  return function h(tag, attrs = {}, ...children) {
    const plain = {};
    const listeners = [];
    const props = [];
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined) continue;
      if (typeof value === 'function' && name.startsWith('on')) {
        listeners.push([name.slice(2).toLowerCase(), value]);
      } else if (['checked', 'disabled', 'selected', 'value', 'hidden'].includes(name)) {
        props.push([name, value]);
      } else {
        plain[name] = String(value);
      }
    }
    const kids = children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false);
    const node = ctx.el(tag, plain, ...kids);
    for (const [name, value] of props) node[name] = value;
    for (const [type, fn] of listeners) node.addEventListener(type, fn);
    return node;
  };
}

// A label and its control kept together on one line (they wrap as a pair).
export function field(h, id, text, control) {
  return h('span', { class: 'av-field' }, h('label', { for: id }, text), control);
}

// A sentence describing why `error` happened, for a person. Uses the
// ApiError's message (the problem's detail) and never shows raw JSON.
export function errorSentence(error, action) {
  let text = (error && (error.detail || error.message)) || 'Something went wrong.';
  text = String(text).trim();
  if (text && !/[.!?]$/.test(text)) text += '.';
  text = text.charAt(0).toUpperCase() + text.slice(1);
  return action ? `${action} failed: ${text}` : text;
}

// The DateTime for an RFC 3339 string (or a Date), shown in `zone`.
export function inZone(value, zone) {
  const dt = value instanceof Date ? DateTime.fromJSDate(value) : DateTime.fromISO(value, { setZone: true });
  return dt.setZone(zone || 'UTC');
}

// Today's civil date (YYYY-MM-DD) in `zone`.
export function todayIn(zone) {
  return DateTime.now().setZone(zone || 'UTC').toISODate();
}

// The civil date `days` after the civil date `date` (both YYYY-MM-DD).
export function addDays(date, days) {
  return DateTime.fromISO(date, { zone: 'UTC' }).plus({ days }).toISODate();
}

// The Monday on or before the civil date `date`.
export function mondayOf(date) {
  const d = DateTime.fromISO(date, { zone: 'UTC' });
  return d.minus({ days: d.weekday - 1 }).toISODate();
}

// The instant of the wall-clock time `minutes` after midnight of the civil
// date `date` in `zone`. A wall time in a daylight-saving gap moves forward
// by the gap, as luxon does.
export function wallToInstant(date, minutes, zone) {
  const start = DateTime.fromISO(date, { zone: zone || 'UTC' }).startOf('day');
  return start.set({ hour: Math.floor(minutes / 60), minute: minutes % 60 });
}

// Minutes after local midnight of `date` in `zone` for the instant `dt`,
// clamped to [0, 1440].
export function minutesInDay(dt, date, zone) {
  const local = dt.setZone(zone || 'UTC');
  const day = local.toISODate();
  if (day < date) return 0;
  if (day > date) return 1440;
  return local.hour * 60 + local.minute;
}

// "Monday 23 November 2026" for a civil date.
export function longDate(date) {
  return DateTime.fromISO(date, { zone: 'UTC' }).setLocale('en-GB').toFormat('cccc d LLLL yyyy');
}

// "Mon 23 Nov" for a civil date.
export function shortDate(date) {
  return DateTime.fromISO(date, { zone: 'UTC' }).setLocale('en-GB').toFormat('ccc d LLL');
}

// "09:30" for an instant in `zone`.
export function clock(dt, zone) {
  return dt.setZone(zone || 'UTC').toFormat('HH:mm');
}

// "Monday 23 November, 09:00 to 10:00" (or with both dates when the span
// crosses midnight) for two instants in `zone`.
export function spanSentence(start, end, zone) {
  const s = start.setZone(zone || 'UTC').setLocale('en-GB');
  const e = end.setZone(zone || 'UTC').setLocale('en-GB');
  if (s.toISODate() === e.toISODate()) {
    return `${s.toFormat('cccc d LLLL')}, ${s.toFormat('HH:mm')} to ${e.toFormat('HH:mm')}`;
  }
  return `${s.toFormat('cccc d LLLL, HH:mm')} to ${e.toFormat('cccc d LLLL, HH:mm')}`;
}

// A number of days as words: "1 day", "2.5 days".
export function daysText(n) {
  return `${n} ${n === 1 ? 'day' : 'days'}`;
}

// Upper-cases the first letter.
export function capitalise(text) {
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : text;
}
