// The recurrence editor against the real engine: for editor states (weekly
// with weekdays, "the 2nd Tuesday", "the last Friday", end after N, end on a
// date across daylight-saving changes in Europe/Berlin and America/New_York)
// the RRULE that rule.js builds is sent to a real `almanac serve`
// (ALMANAC_BIN, default /work/main/build-dom/src/app/almanac). The test
// checks that POST /api/v1/recurrence/preview returns exactly the dates this
// test computes on its own, and that an event created with the rule lists
// the same instance starts in GET /api/v1/events.
import { describe as group, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { build, defaultState, WEEKDAYS } from '../src/recurrence/rule.js';

const BIN = process.env.ALMANAC_BIN || '/work/main/build-dom/src/app/almanac';
const PREVIEW_COUNT = 20;

// ---- an oracle independent of rule.js and of the server ----

const weekdayOf = (d) => WEEKDAYS[d.weekday - 1]; // Luxon: 1 = Monday
const mondayOf = (d) => d.minus({ days: d.weekday - 1 });

// Whether the civil date `d` (a Luxon DateTime at midnight, zone-free) is an
// occurrence of `state` for a series starting on `start`.
function matches(state, start, d) {
  const interval = state.interval || 1;
  switch (state.freq) {
    case 'DAILY':
      return Math.round(d.diff(start, 'days').days) % interval === 0;
    case 'WEEKLY': {
      const days = state.weekdays.length ? state.weekdays : [weekdayOf(start)];
      const weeks = Math.round(mondayOf(d).diff(mondayOf(start), 'days').days / 7);
      return weeks % interval === 0 && days.includes(weekdayOf(d));
    }
    case 'MONTHLY':
    case 'YEARLY': {
      const months = (d.year - start.year) * 12 + (d.month - start.month);
      if (state.freq === 'MONTHLY' && months % interval !== 0) return false;
      if (state.freq === 'YEARLY' && ((d.year - start.year) % interval !== 0 || d.month !== (state.month || start.month))) return false;
      if (state.monthly === 'day') return state.monthDay === -1 ? d.day === d.daysInMonth : d.day === state.monthDay;
      if (state.monthly === 'weekday') {
        if (weekdayOf(d) !== state.weekday) return false;
        return state.ordinal > 0 ? Math.ceil(d.day / 7) === state.ordinal : Math.ceil((d.daysInMonth - d.day + 1) / 7) === -state.ordinal;
      }
      return d.day === start.day;
    }
    default:
      throw new Error(`no oracle for ${state.freq}`);
  }
}

// The first `limit` starts (RFC 3339 in `zone`) of the series.
function expectedStarts(state, startDate, time, zone, limit) {
  const start = DateTime.fromISO(startDate, { zone: 'UTC' });
  const out = [];
  const max = state.end === 'count' ? Math.min(state.count, limit) : limit;
  for (let d = start; out.length < max && d.year < start.year + 12; d = d.plus({ days: 1 })) {
    if (state.end === 'until' && d.toISODate() > state.until) break;
    if (!matches(state, start, d)) continue;
    const [h, m] = time.split(':').map(Number);
    const local = DateTime.fromObject({ year: d.year, month: d.month, day: d.day, hour: h, minute: m }, { zone });
    out.push(local.toISO({ suppressMilliseconds: true }));
  }
  return out;
}

// ---- the editor states under test ----

const s = (date, freq, fields) => ({ ...defaultState(date, freq), ...fields });
const CASES = [
  { name: 'weekly on Tuesday and Thursday, 10 times (Berlin, across the March change)', zone: 'Europe/Berlin', date: '2025-03-18', time: '09:00', state: s('2025-03-18', 'WEEKLY', { weekdays: ['TU', 'TH'], end: 'count', count: 10 }) },
  { name: 'every 2 weeks on Monday, Wednesday and Friday (New York, across the March change)', zone: 'America/New_York', date: '2025-03-03', time: '08:30', state: s('2025-03-03', 'WEEKLY', { interval: 2, weekdays: ['MO', 'WE', 'FR'] }) },
  { name: 'monthly on the 2nd Tuesday (Berlin)', zone: 'Europe/Berlin', date: '2025-01-14', time: '10:00', state: s('2025-01-14', 'MONTHLY', { monthly: 'weekday', ordinal: 2, weekday: 'TU', end: 'count', count: 12 }) },
  { name: 'monthly on the last Friday (New York)', zone: 'America/New_York', date: '2025-01-31', time: '16:00', state: s('2025-01-31', 'MONTHLY', { monthly: 'weekday', ordinal: -1, weekday: 'FR', end: 'count', count: 12 }) },
  { name: 'monthly on the last Friday until a date (Berlin, across both changes)', zone: 'Europe/Berlin', date: '2025-02-28', time: '15:00', state: s('2025-02-28', 'MONTHLY', { monthly: 'weekday', ordinal: -1, weekday: 'FR', end: 'until', until: '2025-11-28' }) },
  { name: 'daily until a date across the spring change (Berlin)', zone: 'Europe/Berlin', date: '2025-03-27', time: '02:30', state: s('2025-03-27', 'DAILY', { end: 'until', until: '2025-04-02' }) },
  { name: 'daily every 3 days until a date across the autumn change (New York)', zone: 'America/New_York', date: '2025-10-25', time: '01:30', state: s('2025-10-25', 'DAILY', { interval: 3, end: 'until', until: '2025-11-20' }) },
  { name: 'weekly on Sunday until a date across the autumn change (New York)', zone: 'America/New_York', date: '2025-10-19', time: '09:00', state: s('2025-10-19', 'WEEKLY', { weekdays: ['SU'], end: 'until', until: '2025-11-30' }) },
  { name: 'weekly on weekdays, 15 times (Berlin, across the October change)', zone: 'Europe/Berlin', date: '2025-10-20', time: '07:45', state: s('2025-10-20', 'WEEKLY', { weekdays: ['MO', 'TU', 'WE', 'TH', 'FR'], end: 'count', count: 15 }) },
  { name: 'monthly on day 31, 8 times (short months are skipped)', zone: 'Europe/Berlin', date: '2025-01-31', time: '12:00', state: s('2025-01-31', 'MONTHLY', { monthly: 'day', monthDay: 31, end: 'count', count: 8 }) },
  { name: 'monthly on the last day, 6 times (New York)', zone: 'America/New_York', date: '2025-01-31', time: '18:00', state: s('2025-01-31', 'MONTHLY', { monthly: 'day', monthDay: -1, end: 'count', count: 6 }) },
  { name: 'yearly on the 4th Thursday of November, 5 times', zone: 'America/New_York', date: '2025-11-27', time: '12:00', state: s('2025-11-27', 'YEARLY', { monthly: 'weekday', ordinal: 4, weekday: 'TH', month: 11, end: 'count', count: 5 }) },
  { name: 'every 3 months on the 1st Monday until a date (Berlin)', zone: 'Europe/Berlin', date: '2025-01-06', time: '09:00', state: s('2025-01-06', 'MONTHLY', { interval: 3, monthly: 'weekday', ordinal: 1, weekday: 'MO', end: 'until', until: '2026-12-31' }) },
];

// ---- a real server ----

let server;
let base;
let cookie = '';
let csrf = '';
let dataDir;
let calendarId;

function startServer() {
  return new Promise((resolve, reject) => {
    dataDir = mkdtempSync(join(tmpdir(), 'almanac-web-test-'));
    const child = spawn(BIN, ['serve', '--data', dataDir, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let password = '';
    const onData = (chunk) => {
      out += chunk;
      const pw = out.match(/admin password \(shown only now\): (\S+)/);
      if (pw) password = pw[1];
      const url = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (url && password) resolve({ child, url: url[1], password });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`almanac serve exited (${code}): ${out}`)));
    setTimeout(() => reject(new Error(`almanac serve did not start: ${out}`)), 20000);
  });
}

async function call(method, path, body) {
  const headers = { Accept: 'application/json', Cookie: cookie };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET') headers['X-CSRF-Token'] = csrf;
  const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${data && data.detail}`);
  return data;
}

beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`no almanac binary at ${BIN}; set ALMANAC_BIN`);
  const started = await startServer();
  server = started.child;
  base = started.url;
  // Sign in as the web app does: a session cookie and its CSRF token.
  const res = await fetch(`${base}/api/v1/session`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: started.password }),
  });
  expect(res.status).toBe(200);
  cookie = res.headers.get('set-cookie').split(';')[0];
  csrf = (await res.json()).csrf_token;
  calendarId = (await call('POST', '/api/v1/calendars', { name: 'Recurrence editor test' })).id;
});

afterAll(() => {
  if (server) server.kill('SIGTERM');
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

group('the editor, the preview and the engine agree', () => {
  it('the oracle itself knows the DST offsets', () => {
    // Guards the oracle: Berlin moves to +02:00 on 30 March 2025.
    const starts = expectedStarts(CASES[5].state, CASES[5].date, CASES[5].time, CASES[5].zone, 10);
    expect(starts[0]).toBe('2025-03-27T02:30:00+01:00');
    expect(starts).toContain('2025-03-31T02:30:00+02:00');
  });

  for (const c of CASES) {
    it(`preview: ${c.name}`, async () => {
      const rrule = build(c.state);
      const start = DateTime.fromISO(`${c.date}T${c.time}`, { zone: c.zone }).toISO({ suppressMilliseconds: true });
      const expected = expectedStarts(c.state, c.date, c.time, c.zone, PREVIEW_COUNT);
      expect(expected.length).toBeGreaterThan(2);
      const answer = await call('POST', '/api/v1/recurrence/preview', { start, timezone: c.zone, rrule, count: PREVIEW_COUNT });
      expect(answer.occurrences).toEqual(expected);
      const finite = c.state.end !== 'never';
      const total = finite ? expectedStarts(c.state, c.date, c.time, c.zone, 10000).length : Infinity;
      expect(answer.more).toBe(total > PREVIEW_COUNT);
    });

    it(`instances of a created event: ${c.name}`, async () => {
      const rrule = build(c.state);
      const start = DateTime.fromISO(`${c.date}T${c.time}`, { zone: c.zone });
      const created = await call('POST', `/api/v1/calendars/${calendarId}/events`, {
        title: c.name,
        start: start.toISO({ suppressMilliseconds: true }),
        end: start.plus({ minutes: 30 }).toISO({ suppressMilliseconds: true }),
        timezone: c.zone,
        rrule,
      });
      const expected = expectedStarts(c.state, c.date, c.time, c.zone, PREVIEW_COUNT);
      const last = DateTime.fromISO(expected[expected.length - 1], { setZone: true });
      // The API serves windows of at most 400 days: read year by year.
      const starts = [];
      const end = last.plus({ minutes: 1 }).toUTC();
      for (let from = start.toUTC(); from < end; from = from.plus({ days: 365 })) {
        const to = DateTime.min(from.plus({ days: 365 }), end);
        const q = `from=${encodeURIComponent(from.toISO({ suppressMilliseconds: true }))}&to=${encodeURIComponent(to.toISO({ suppressMilliseconds: true }))}`;
        const list = await call('GET', `/api/v1/events?${q}&calendar=${calendarId}`);
        starts.push(...list.items.filter((i) => i.event_id === created.id).map((i) => i.start));
      }
      expect(starts).toEqual(expected);
    });
  }
});
