// Time helpers for the calendar on Luxon (which the FullCalendar zone
// plugin already brings): wall-clock values in a named zone to RFC 3339 and
// back, and short human formats.
import { DateTime } from 'luxon';
import { offsetAt } from './zone-plugin.js';

// RFC 3339 with the zone's offset for a wall-clock 'YYYY-MM-DDTHH:mm' in `zone`.
export function wallToIso(local, zone) {
  const dt = DateTime.fromISO(local, { zone });
  if (!dt.isValid) throw new RangeError('the time is not valid');
  return dt.toISO({ suppressMilliseconds: true });
}

// The wall-clock 'YYYY-MM-DDTHH:mm' in `zone` of an RFC 3339 time or Date.
export function isoToWall(iso, zone) {
  const dt = iso instanceof Date ? DateTime.fromJSDate(iso) : DateTime.fromISO(iso, { setZone: true });
  return dt.setZone(zone).toFormat("yyyy-MM-dd'T'HH:mm");
}

// 'Tue 10 Mar, 09:00' in `zone` (dates alone for 'YYYY-MM-DD').
export function formatWhen(iso, zone) {
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) return DateTime.fromISO(iso).toFormat('ccc d LLL yyyy');
  const dt = DateTime.fromISO(iso, { setZone: true }).setZone(zone);
  return dt.toFormat('ccc d LLL yyyy, HH:mm');
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n) => String(n).padStart(2, '0');

// 'HH:MM' and 'YYYY-MM-DD' of a Date read by its UTC fields: a wall clock
// (wallOf below) or a FullCalendar date marker.
export const markerClock = (d) => `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`;
export const markerDay = (d) => `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}`;

// The wall clock of instant `ms` in `zone` as UTC fields of a Date.
function wallOf(ms, zone) {
  return new Date(ms + offsetAt(zone, ms) * 60000);
}

// "Tue 10 Mar 2025, 09:00–10:00" or across days "… – Wed 11 Mar 2025, 10:00".
// Through the calendar's cached zone offsets, not Luxon: the calendar
// labels every event it draws with this.
export function formatSpan(startIso, endIso, zone) {
  const z = zone || Intl.DateTimeFormat().resolvedOptions().timeZone;
  const a = wallOf(Date.parse(startIso), z);
  const b = wallOf(Date.parse(endIso), z);
  if (Number.isNaN(a.getTime()) || Number.isNaN(b.getTime())) return `${startIso} – ${endIso}`;
  const day = (d) => `${WEEKDAYS[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
  if (day(a) === day(b)) return `${day(a)}, ${markerClock(a)}–${markerClock(b)}`;
  return `${day(a)}, ${markerClock(a)} – ${day(b)}, ${markerClock(b)}`;
}

export function toMillis(iso) {
  return DateTime.fromISO(iso, { setZone: true }).toMillis();
}

// `iso` moved by a FullCalendar Duration ({years, months, days,
// milliseconds}), the calendar parts on the wall clock of `zone`.
export function shiftIso(iso, delta, zone) {
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) {
    return DateTime.fromISO(iso).plus({ years: delta.years, months: delta.months, days: delta.days }).toISODate();
  }
  return DateTime.fromISO(iso, { setZone: true })
    .setZone(zone || 'UTC')
    .plus({ years: delta.years, months: delta.months, days: delta.days })
    .plus({ milliseconds: delta.milliseconds })
    .toISO({ suppressMilliseconds: true });
}

// The date 'YYYY-MM-DD' of a time in `zone`.
export function dateIn(iso, zone) {
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) return iso;
  return DateTime.fromISO(iso, { setZone: true }).setZone(zone).toISODate();
}

export function nowInZone(zone) {
  return DateTime.now().setZone(zone);
}
