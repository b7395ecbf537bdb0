// FullCalendar's named time zones (`timeZone: 'Europe/Berlin'`) through the
// browser's own time-zone data (Intl.DateTimeFormat), with the UTC offset of
// each zone cached per quarter hour. FullCalendar asks for offsets many
// times per render (every day cell, every event edge); asking Intl each time
// (as the luxon plugin does) was a fifth of a month change.
//
// Exact, not approximate: a cached day or quarter hour is used only when the
// zone has the same offset at its start and its end; around a transition
// (or an odd historical offset) the offset is computed for the instant
// itself.
import { createPlugin } from '@fullcalendar/core';
import { NamedTimeZoneImpl } from '@fullcalendar/core/internal';

const QUARTER = 15 * 60 * 1000;
const DAY = 24 * 3600 * 1000;
const formatters = new Map();
const spans = new Map(); // `${zone}|${size}|${n}` → offset in minutes, or null when it changes inside

function formatterFor(zone) {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

// The offset of `zone` at instant `ms`, in minutes east of UTC, from Intl.
function exactOffset(zone, ms) {
  const t = Math.floor(ms / 1000) * 1000; // Intl shows whole seconds
  const p = {};
  for (const { type, value } of formatterFor(zone).formatToParts(new Date(t))) p[type] = value;
  let year = Number(p.year);
  if (p.era === 'BC' || p.era === 'B') year = 1 - year;
  const wall = new Date(0);
  wall.setUTCFullYear(year, Number(p.month) - 1, Number(p.day));
  wall.setUTCHours(Number(p.hour) % 24, Number(p.minute), Number(p.second), 0);
  return (wall.getTime() - t) / 60000;
}

// The offset of `zone` throughout the span of `size` ms numbered `n` (the
// same at its first and last second), or null when it changes inside.
function spanOffset(zone, size, n) {
  const key = `${zone}|${size}|${n}`;
  let cached = spans.get(key);
  if (cached === undefined) {
    const a = exactOffset(zone, n * size);
    const b = exactOffset(zone, (n + 1) * size - 1000);
    cached = a === b ? a : null;
    if (spans.size > 50000) spans.clear();
    spans.set(key, cached);
  }
  return cached;
}

// The offset of `zone` at instant `ms`, in minutes east of UTC: from the
// UTC day when the offset holds all day, else from the quarter hour, else
// (a transition inside the quarter) exactly.
export function offsetAt(zone, ms) {
  const day = spanOffset(zone, DAY, Math.floor(ms / DAY));
  if (day !== null) return day;
  const quarter = spanOffset(zone, QUARTER, Math.floor(ms / QUARTER));
  return quarter === null ? exactOffset(zone, ms) : quarter;
}

// Wall-clock fields [year, month0, day, hour, minute, second, ms] as UTC
// milliseconds.
function wallMs(a) {
  const d = new Date(0);
  d.setUTCFullYear(a[0], a[1] || 0, a[2] === undefined ? 1 : a[2]);
  d.setUTCHours(a[3] || 0, a[4] || 0, a[5] || 0, a[6] || 0);
  return d.getTime();
}

// The offset that wall-clock time `a` has in `zone`. In a gap (a time the
// clocks skip) the offset before the change, so the time moves forward; in
// an overlap (a time that happens twice) the earlier of the two.
export function offsetForWall(zone, a) {
  const wall = wallMs(a);
  const before = offsetAt(zone, wall - 36 * 3600 * 1000);
  const after = offsetAt(zone, wall + 36 * 3600 * 1000);
  const candidates = before === after ? [before] : [before, after];
  for (const off of candidates) {
    if (offsetAt(zone, wall - off * 60000) === off) return off;
  }
  return before; // a gap: read the time with the offset in force before it
}

class CachedNamedTimeZone extends NamedTimeZoneImpl {
  offsetForArray(a) {
    return offsetForWall(this.timeZoneName, a);
  }

  timestampToArray(ms) {
    const d = new Date(ms + offsetAt(this.timeZoneName, ms) * 60000);
    return [
      d.getUTCFullYear(),
      d.getUTCMonth(),
      d.getUTCDate(),
      d.getUTCHours(),
      d.getUTCMinutes(),
      d.getUTCSeconds(),
      d.getUTCMilliseconds(),
    ];
  }
}

export default createPlugin({
  name: 'almanac-time-zones',
  namedTimeZonedImpl: CachedNamedTimeZone,
});
