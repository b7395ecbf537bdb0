// End-to-end tests of the shell and the calendar page (helper A's UI; the
// test ids are in web/TESTIDS.md): signing in and out, the recurrence
// editor, moving one occurrence of a series by drag and drop, resizing,
// switching views and the time zone, and the keyboard shortcuts. Events are
// made through the API in a fixed past week (9-15 June 2025, no daylight
// saving change) and checked through the API afterwards.
import assert from 'node:assert/strict';
import { open, until, wallClock, roomAndAlice } from '../lib/app.mjs';

const ZONE = 'America/New_York';
const WEEK = '2025-06-09';  // a Monday

// A user in New York with one calendar of her own.
async function aliceWithCalendar(t) {
  const alice = await t.addUser({ username: 'alice', displayName: 'Alice Liddell', timezone: ZONE });
  const calendar = await alice.api.post('/api/v1/calendars', { name: 'Work', timezone: ZONE });
  return { alice, calendar };
}

async function instances(api, calendarId, from = '2025-06-01T00:00:00Z', to = '2025-08-01T00:00:00Z') {
  const answer = await api.get(`/api/v1/events?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&calendar=${calendarId}`);
  return answer.items;
}

const eventNode = (page, eventId, recurrenceId) => page.locator(
  `[data-testid="event"][data-event-id="${eventId}"]${recurrenceId ? `[data-recurrence-id="${recurrenceId}"]` : ''}`);

// The page position of the top of the time-grid row `time` ("14:00:00") in
// the column of `date`.
async function slotPoint(page, date, time) {
  const lane = await page.locator(`.fc-timegrid-slot-lane[data-time="${time}"]`).first().boundingBox();
  const column = await page.locator(`.fc-timegrid-col[data-date="${date}"]`).first().boundingBox();
  assert.ok(lane && column, `the time grid has no row ${time} or no column ${date}`);
  return { x: column.x + column.width / 2, y: lane.y, rowHeight: lane.height };
}

async function drag(page, from, to) {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(from.x, from.y + 8, { steps: 2 });
  await page.mouse.move(to.x, to.y, { steps: 12 });
  await page.waitForTimeout(100);
  await page.mouse.up();
}

const sameInstant = (a, b) => Date.parse(a) === Date.parse(b);

export const calendarTests = [
  {
    name: 'sign-in',
    async run(t) {
      const { alice } = await aliceWithCalendar(t);
      const page = t.page;
      await page.goto(`${t.url}/`);
      await page.getByTestId('signin-username').fill('alice');
      await page.getByTestId('signin-password').fill('not the password');
      await page.getByTestId('signin-submit').click();
      const error = page.getByTestId('signin-error');
      await error.waitFor({ state: 'visible' });
      const text = await error.innerText();
      assert.match(text, /wrong/i, `the sign-in error is not a sentence about the password: ${text}`);
      assert.ok(!/[{}]/.test(text), 'the sign-in error is raw JSON');
      await t.screenshot('wrong-password');

      await page.getByTestId('signin-password').fill(alice.password);
      await page.getByTestId('signin-submit').click();
      await page.getByTestId('user-name').waitFor();
      assert.equal(await page.getByTestId('user-name').innerText(), 'Alice Liddell');
      await page.getByTestId('calendar').waitFor();
      await until(async () => (await page.locator('.fc-view').count()) === 1, 'the calendar did not render');
      const marks = await until(() => page.evaluate(() => {
        const names = ['almanac:signed-in', 'almanac:calendar-rendered'];
        return names.every((n) => performance.getEntriesByName(n).length > 0) ? names : null;
      }), 'the performance marks almanac:signed-in and almanac:calendar-rendered are not set', 5000).catch(async (error) => {
        const set = await page.evaluate(() => performance.getEntriesByType('mark').map((m) => m.name).join(', ') || 'none');
        throw new Error(`${error.message} (marks set: ${set})`);
      });
      assert.equal(marks.length, 2);
      await t.screenshot('signed-in');

      // The session survives a reload (which marks both again), and signing
      // out ends it.
      // The CSRF token comes back from GET /api/v1/session, never from storage.
      const sessionCheck = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/session' && r.request().method() === 'GET');
      await page.reload();
      assert.equal((await sessionCheck).status(), 200);
      await page.getByTestId('user-name').waitFor();
      await until(() => page.evaluate(() => ['almanac:signed-in', 'almanac:calendar-rendered']
        .every((n) => performance.getEntriesByName(n).length === 1)), 'the marks are not set after a reload', 5000);
      const stored = await page.evaluate(() => Object.keys(localStorage).filter((k) => /csrf/i.test(k) || /csrf/i.test(localStorage.getItem(k))));
      assert.deepEqual(stored, [], 'the CSRF token is kept in localStorage');
      await page.getByTestId('signout').click();
      await page.getByTestId('signin-form').waitFor();
      const status = await page.evaluate(async () => (await fetch('/api/v1/me')).status);
      assert.equal(status, 401, 'the session still works after signing out');
    },
  },
  {
    name: 'recurring-event',
    async run(t) {
      const { alice, calendar } = await aliceWithCalendar(t);
      const page = t.page;
      await t.signIn(page, 'alice', alice.password);
      await open(page, `#/week/${WEEK}`, 'calendar');
      await page.getByTestId('new-event').click();
      await page.getByTestId('event-dialog').waitFor();
      await page.getByTestId('event-title').fill('Design review');
      await page.getByTestId('event-start-date').fill('2025-06-10');
      // The weekday and "the 2nd Tuesday" follow the start date while they
      // are not picked by hand.
      const checkedDays = () => page.evaluate(() => [...document.querySelectorAll('[data-testid^="rec-day-"]:checked')].map((b) => b.value).join(','));
      await page.getByTestId('rec-freq').selectOption('WEEKLY');
      assert.equal(await checkedDays(), 'TU');
      await page.getByTestId('event-start-date').fill('2025-06-12');
      await until(async () => (await checkedDays()) === 'TH', 'the weekly weekday does not follow the start date');
      await page.getByTestId('rec-freq').selectOption('MONTHLY');
      await page.getByTestId('rec-monthly-weekday').check();
      await until(async () => /2nd Thursday/.test(await page.getByTestId('rec-summary').innerText()), 'the monthly rule is not "the 2nd Thursday"');
      await page.getByTestId('event-start-date').fill('2025-06-27');
      await until(async () => /last Friday/.test(await page.getByTestId('rec-summary').innerText()),
        'the monthly "2nd Thursday" does not become "the last Friday" with the start date');
      assert.equal(await page.getByTestId('rec-ordinal').inputValue(), '-1');
      assert.equal(await page.getByTestId('rec-weekday').inputValue(), 'FR');
      await page.getByTestId('event-start-date').fill('2025-06-10');
      await page.getByTestId('event-start-time').fill('09:00');
      await page.getByTestId('event-end-date').fill('2025-06-10');
      await page.getByTestId('event-end-time').fill('10:00');
      await page.getByTestId('rec-freq').selectOption('WEEKLY');
      assert.equal(await checkedDays(), 'TU', 'weekly after monthly does not start on the start date\'s weekday');
      // On Tuesdays and Thursdays, six times in all.
      for (const day of ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU']) {
        await page.getByTestId(`rec-day-${day}`).setChecked(day === 'TU' || day === 'TH');
      }
      await page.getByTestId('rec-end-count').check();
      await page.getByTestId('rec-count').fill('6');
      await until(async () => (await page.getByTestId('rec-preview-item').count()) === 6, 'the editor does not preview 6 dates');
      const previewed = await page.getByTestId('rec-preview-item').evaluateAll((items) => items.map((i) => i.dataset.start));
      await t.screenshot('editor');
      await page.getByTestId('event-save').click();
      await page.getByTestId('event-dialog').waitFor({ state: 'detached' });

      const all = await until(async () => {
        const list = await instances(alice.api, calendar.id);
        return list.length ? list : null;
      }, 'no event was stored');
      const ids = [...new Set(all.map((i) => i.event_id))];
      assert.equal(ids.length, 1, 'more than one event was stored');
      const series = await alice.api.get(`/api/v1/events/${ids[0]}`);
      assert.equal(series.title, 'Design review');
      const parts = Object.fromEntries(series.rrule.split(';').map((p) => p.split('=')));
      assert.equal(parts.FREQ, 'WEEKLY');
      assert.equal(parts.COUNT, '6');
      assert.deepEqual(parts.BYDAY.split(',').sort(), ['TH', 'TU']);
      assert.equal(all.length, 6, 'the series does not have 6 occurrences');
      assert.deepEqual(all.map((i) => Date.parse(i.start)), previewed.map((s) => Date.parse(s)),
        'the stored occurrences differ from the previewed dates');
      assert.ok(sameInstant(all[0].start, '2025-06-10T09:00:00-04:00'), `the first occurrence starts at ${all[0].start}`);
      assert.ok(sameInstant(all[1].start, '2025-06-12T09:00:00-04:00'), `the second occurrence starts at ${all[1].start}`);
      await until(async () => (await eventNode(page, ids[0]).count()) === 2, 'the week does not show the Tuesday and Thursday occurrences');
      await t.screenshot('week');
    },
  },
  {
    name: 'move-occurrence',
    async run(t) {
      const { alice, calendar } = await aliceWithCalendar(t);
      const created = await alice.api.post(`/api/v1/calendars/${calendar.id}/events`, {
        title: 'Team sync', start: '2025-06-02T10:00:00-04:00', end: '2025-06-02T11:00:00-04:00',
        timezone: ZONE, rrule: 'FREQ=WEEKLY;COUNT=5',
      });
      const seriesBefore = await alice.api.get(`/api/v1/events/${created.id}`);
      const before = await instances(alice.api, calendar.id);
      assert.equal(before.length, 5);
      const target = before.find((i) => i.start.startsWith('2025-06-09'));
      assert.ok(target, 'no occurrence in the week of 9 June');

      const page = t.page;
      await t.signIn(page, 'alice', alice.password);
      await open(page, `#/week/${WEEK}`, 'calendar');
      const node = eventNode(page, created.id, target.recurrence_id);
      await node.waitFor();
      const box = await node.boundingBox();
      const from = { x: box.x + box.width / 2, y: box.y + 4 };
      const origin = await slotPoint(page, '2025-06-09', '10:00:00');
      const goal = await slotPoint(page, '2025-06-11', '14:00:00');
      await drag(page, from, { x: goal.x, y: goal.y + (from.y - origin.y) });
      const dialog = page.getByTestId('confirm-dialog');
      await dialog.waitFor();
      assert.match(await dialog.innerText(), /This event/);
      await t.screenshot('scope-question');
      await page.getByTestId('confirm-choice-0').click();

      const after = await until(async () => {
        const list = await instances(alice.api, calendar.id);
        return list.some((i) => i.overridden) ? list : null;
      }, 'no occurrence changed');
      assert.equal(after.length, 5, 'the number of occurrences changed');
      const moved = after.filter((i) => i.overridden);
      assert.equal(moved.length, 1, 'more than one occurrence changed');
      assert.equal(moved[0].recurrence_id, target.recurrence_id, 'a different occurrence changed');
      assert.ok(sameInstant(moved[0].start, '2025-06-11T14:00:00-04:00'), `the moved occurrence starts at ${moved[0].start}`);
      assert.ok(sameInstant(moved[0].end, '2025-06-11T15:00:00-04:00'), `the moved occurrence ends at ${moved[0].end}`);
      const othersBefore = before.filter((i) => i.recurrence_id !== target.recurrence_id).map((i) => [i.recurrence_id, i.start, i.end]);
      const othersAfter = after.filter((i) => i.recurrence_id !== target.recurrence_id).map((i) => [i.recurrence_id, i.start, i.end]);
      assert.deepEqual(othersAfter, othersBefore, 'other occurrences changed');
      const seriesAfter = await alice.api.get(`/api/v1/events/${created.id}`);
      for (const field of ['start', 'end', 'rrule', 'timezone', 'title']) {
        assert.deepEqual(seriesAfter[field], seriesBefore[field], `the series' ${field} changed`);
      }
      await until(async () => (await page.locator(`.fc-timegrid-col[data-date="2025-06-11"] [data-testid="event"][data-event-id="${created.id}"]`).count()) === 1,
        'the moved occurrence is not drawn on Wednesday');
      await t.screenshot('moved');
    },
  },
  {
    name: 'resize-event',
    async run(t) {
      const { alice, calendar } = await aliceWithCalendar(t);
      const created = await alice.api.post(`/api/v1/calendars/${calendar.id}/events`, {
        title: 'Budget call', start: '2025-06-12T09:00:00-04:00', end: '2025-06-12T10:00:00-04:00', timezone: ZONE,
      });
      const page = t.page;
      await t.signIn(page, 'alice', alice.password);
      await open(page, `#/week/${WEEK}`, 'calendar');
      const node = eventNode(page, created.id);
      await node.waitFor();
      await node.hover();
      const handle = node.locator('.fc-event-resizer-end');
      await handle.waitFor({ state: 'attached' });
      const box = await handle.boundingBox();
      assert.ok(box, 'the event has no resize handle');
      const row = await slotPoint(page, '2025-06-12', '10:00:00');
      const from = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
      await drag(page, from, { x: from.x, y: from.y + 2 * row.rowHeight });
      await until(async () => {
        const event = await alice.api.get(`/api/v1/events/${created.id}`);
        return sameInstant(event.end, '2025-06-12T11:00:00-04:00');
      }, 'the event does not end at 11:00 after the resize');
      const event = await alice.api.get(`/api/v1/events/${created.id}`);
      assert.ok(sameInstant(event.start, '2025-06-12T09:00:00-04:00'), `the start moved to ${event.start}`);
      await t.screenshot('resized');
    },
  },
  {
    name: 'views-and-time-zone',
    async run(t) {
      const { alice, calendar } = await aliceWithCalendar(t);
      const created = await alice.api.post(`/api/v1/calendars/${calendar.id}/events`, {
        title: 'Launch', start: '2025-06-11T10:00:00-04:00', end: '2025-06-11T11:00:00-04:00', timezone: ZONE,
      });
      const page = t.page;
      await t.signIn(page, 'alice', alice.password);
      await open(page, `#/week/${WEEK}`, 'calendar');
      const fcClass = {
        month: 'fc-almanacMonth-view', week: 'fc-timeGridWeek-view', day: 'fc-timeGridDay-view',
        agenda: 'fc-listMonth-view', weeks: 'fc-dayGridTwoWeeks-view', year: 'fc-multiMonthYear-view',
      };
      for (const view of ['month', 'day', 'agenda', 'weeks', 'year', 'week']) {
        await page.getByTestId(`view-${view}`).click();
        await until(async () => (await page.locator(`.${fcClass[view]}`).count()) === 1, `the ${view} view did not render`);
        assert.equal(await page.getByTestId(`view-${view}`).getAttribute('aria-pressed'), 'true');
        await until(async () => (await page.evaluate(() => location.hash)).startsWith(`#/${view}/`), `the URL does not name the ${view} view`);
        if (view === 'month') await t.screenshot('month');
      }
      await page.getByTestId('date-picker').fill('2025-06-11');
      await page.getByTestId('date-picker').dispatchEvent('change');
      const node = eventNode(page, created.id);
      await node.waitFor();
      assert.ok((await node.innerText()).includes(wallClock('2025-06-11T14:00:00Z', ZONE)), 'the event is not shown at 10:00 New York time');

      const options = await page.getByTestId('zone-select').locator('option').evaluateAll((os) => os.map((o) => o.value));
      const zone = ['Asia/Tokyo', 'Europe/Berlin', 'Europe/London', 'UTC'].find((z) => options.includes(z));
      assert.ok(zone, `the time zone selector offers none of the expected zones: ${options.slice(0, 10).join(', ')}`);
      await page.getByTestId('zone-select').selectOption(zone);
      const expected = wallClock('2025-06-11T14:00:00Z', zone);
      await until(async () => (await eventNode(page, created.id).first().innerText()).includes(expected),
        `the event is not shown at ${expected} ${zone} time after switching zones`);
      await t.screenshot(`zone-${zone.replace('/', '-')}`);
      await page.reload();
      await page.getByTestId('zone-select').waitFor();
      assert.equal(await page.getByTestId('zone-select').inputValue(), zone, 'the chosen zone is forgotten after a reload');
    },
  },
  {
    // The months next to the one shown are fetched ahead, so paging on
    // draws them from memory; a change saved in the app forgets what was
    // fetched before it, so paging back shows the change.
    name: 'month-paging-from-memory',
    // Without the service worker, whose fetches page.route cannot see.
    page: { serviceWorkers: 'block' },
    async run(t) {
      const { alice, calendar } = await aliceWithCalendar(t);
      const months = ['2025-06', '2025-07', '2025-08', '2025-09'];
      const made = {};
      for (const m of months) {
        made[m] = await alice.api.post(`/api/v1/calendars/${calendar.id}/events`, {
          title: `Review ${m}`, start: `${m}-17T10:00:00-04:00`, end: `${m}-17T11:00:00-04:00`, timezone: ZONE,
        });
      }
      const page = t.page;
      const requests = [];
      let pending = 0;
      const isEvents = (r) => new URL(r.url()).pathname === '/api/v1/events';
      page.on('request', (r) => { if (isEvents(r)) { requests.push(new URL(r.url())); pending++; } });
      const settle = () => { pending--; };
      page.on('requestfinished', (r) => { if (isEvents(r)) settle(); });
      page.on('requestfailed', (r) => { if (isEvents(r)) settle(); });
      const quiet = async () => {
        await until(async () => pending === 0, 'event requests are still under way');
        await page.waitForTimeout(150);
        await until(async () => pending === 0, 'event requests are still under way');
      };
      // Signing in shows the week of today first. Its prefetch is held back
      // so that it lands after the month's (as on a busy server): both must
      // stay in memory.
      await page.route((url) => url.pathname === '/api/v1/events', async (route) => {
        const u = new URL(route.request().url());
        const from = u.searchParams.get('from') || '';
        if (from >= '2026' && Date.parse(u.searchParams.get('to')) - Date.parse(from) > 30 * 86400000) {
          await new Promise((r) => setTimeout(r, 1200));
        }
        await route.continue();
      });
      await t.signIn(page, 'alice', alice.password);
      await open(page, '#/month/2025-06-01', 'calendar');
      await eventNode(page, made['2025-06'].id).waitFor();
      await quiet();
      // Days covered by one request.
      const spanDays = (u) => (Date.parse(u.searchParams.get('to')) - Date.parse(u.searchParams.get('from'))) / 86400000;
      const before = requests.length;
      for (const m of ['2025-07', '2025-08', '2025-09']) {
        await page.getByTestId('next').click();
        await eventNode(page, made[m].id).waitFor();
        const month = new Date(`${m}-15T12:00:00Z`).toLocaleString('en', { month: 'long', timeZone: 'UTC' });
        assert.ok((await page.getByTestId('view-title').innerText()).includes(month), `the title does not name ${month}`);
        await quiet();
      }
      const during = requests.slice(before);
      // Only wide prefetches went out: no month was fetched on its own.
      for (const u of during) assert.ok(spanDays(u) > 150, `a ${spanDays(u)}-day request ${u.search} went out while paging`);
      assert.ok(during.length >= 1, 'paging three months ahead never fetched further ahead');

      // Quick-create on 10 September; paging away and back shows it.
      await page.locator('.am-day[data-date="2025-09-10"]').click({ position: { x: 30, y: 60 } });
      await page.getByTestId('quick-title').fill('Fresh entry');
      await page.getByTestId('quick-save').click();
      await page.getByTestId('quick-dialog').waitFor({ state: 'detached' });
      const fresh = page.locator('[data-testid="event"]', { hasText: 'Fresh entry' });
      await fresh.waitFor();
      await quiet();
      await page.getByTestId('prev').click();
      await eventNode(page, made['2025-08'].id).waitFor();
      await page.getByTestId('next').click();
      await eventNode(page, made['2025-09'].id).waitFor();
      await fresh.waitFor();
      await t.screenshot('september');
    },
  },
  {
    // The month view (the app's own, calendar/month-view.js): six weeks from
    // Monday, an event dragged two days later keeps its wall-clock time, an
    // all-day event lengthened by its end, "+N more", Enter on an event, the
    // day number, and a drag over empty days to create an all-day event.
    name: 'month-view-interactions',
    async run(t) {
      const { alice, calendar } = await aliceWithCalendar(t);
      const post = (body) => alice.api.post(`/api/v1/calendars/${calendar.id}/events`, { timezone: ZONE, ...body });
      const standup = await post({ title: 'Standup', start: '2025-06-10T09:00:00-04:00', end: '2025-06-10T09:30:00-04:00' });
      const offsite = await post({ title: 'Offsite', start: '2025-06-12', end: '2025-06-14', all_day: true });
      const crowd = [];
      for (let i = 1; i <= 7; i++) {
        crowd.push(await post({ title: `Busy ${i}`, start: `2025-06-18T${String(8 + i).padStart(2, '0')}:00:00-04:00`, end: `2025-06-18T${String(8 + i).padStart(2, '0')}:30:00-04:00` }));
      }
      const page = t.page;
      await t.signIn(page, 'alice', alice.password);
      await open(page, '#/month/2025-06-01', 'calendar');
      await page.locator('.fc-almanacMonth-view').waitFor();
      const days = await page.locator('.am-day').evaluateAll((cells) => cells.map((c) => c.dataset.date));
      assert.equal(days.length, 42, 'the month view does not show six weeks');
      assert.equal(days[0], '2025-05-26', 'the month view does not start on the Monday before 1 June');
      const cell = (date) => page.locator(`.am-day[data-date="${date}"]`);
      const centre = async (locator) => {
        const b = await locator.boundingBox();
        assert.ok(b, 'an element of the month view is not on screen');
        return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
      };
      // Empty space near the bottom of a day, below its events.
      const emptyPoint = async (date) => {
        const b = await cell(date).boundingBox();
        return { x: b.x + b.width / 2, y: b.y + b.height - 6 };
      };

      // Drag Standup from Tuesday 10 to Thursday 12 June.
      const standupNode = eventNode(page, standup.id);
      await standupNode.waitFor();
      assert.match(await standupNode.innerText(), /09:00/, 'the month view does not show the start time');
      await drag(page, await centre(standupNode), await emptyPoint('2025-06-12'));
      await until(async () => {
        const e = await alice.api.get(`/api/v1/events/${standup.id}`);
        return sameInstant(e.start, '2025-06-12T09:00:00-04:00') && sameInstant(e.end, '2025-06-12T09:30:00-04:00');
      }, 'Standup did not move to 12 June 09:00 New York time');
      await until(async () => (await page.locator(`.am-ev[data-event-id="${standup.id}"]`).count()) === 1, 'Standup is not drawn once after the move');

      // Lengthen Offsite (12-13 June) to end on Monday 16 June, across the week's end.
      const offsiteNode = eventNode(page, offsite.id).first();
      await offsiteNode.waitFor();
      const handle = offsiteNode.locator('.am-resizer');
      await handle.waitFor({ state: 'attached' });
      const hb = await handle.boundingBox();
      await drag(page, { x: hb.x + hb.width / 2, y: hb.y + hb.height / 2 }, await emptyPoint('2025-06-16'));
      await until(async () => (await alice.api.get(`/api/v1/events/${offsite.id}`)).end === '2025-06-17', 'Offsite does not end after 16 June');
      assert.equal((await alice.api.get(`/api/v1/events/${offsite.id}`)).start, '2025-06-12', 'lengthening Offsite moved its start');
      await until(async () => (await eventNode(page, offsite.id).count()) === 2, 'Offsite is not drawn in both weeks it covers');
      await t.screenshot('after-drags');

      // Seven events on the 18th do not fit: "+N more" lists all of them.
      const more = cell('2025-06-18').getByTestId('more-events');
      await more.waitFor();
      const shown = await cell('2025-06-18').evaluate((c) => {
        const r = c.getBoundingClientRect();
        return [...c.parentElement.querySelectorAll('.am-ev')].filter((e) => {
          const b = e.getBoundingClientRect();
          return b.left >= r.left - 1 && b.right <= r.right + 1;
        }).length;
      });
      const hidden = Number((await more.innerText()).match(/\d+/)[0]);
      assert.equal(shown + hidden, 7, `the 18th shows ${shown} events and "+${hidden} more"`);
      await more.click();
      const list = page.getByTestId('more-events-list');
      await list.waitFor();
      for (let i = 1; i <= 7; i++) assert.ok((await list.innerText()).includes(`Busy ${i}`), `"+N more" does not list Busy ${i}`);
      await list.getByRole('button', { name: /Busy 7/ }).click();
      await page.getByTestId('event-dialog').waitFor();
      assert.equal(await page.getByTestId('event-title').inputValue(), 'Busy 7');
      await page.keyboard.press('Escape');
      await page.getByTestId('event-dialog').waitFor({ state: 'detached' });

      // Enter on a focused event opens it.
      await eventNode(page, standup.id).focus();
      await page.keyboard.press('Enter');
      await page.getByTestId('event-dialog').waitFor();
      assert.equal(await page.getByTestId('event-title').inputValue(), 'Standup');
      await page.keyboard.press('Escape');
      await page.getByTestId('event-dialog').waitFor({ state: 'detached' });

      // A drag over 23-25 June creates an all-day event of those three days.
      await drag(page, await emptyPoint('2025-06-23'), await emptyPoint('2025-06-25'));
      await page.getByTestId('quick-dialog').waitFor();
      assert.match(await page.getByTestId('quick-dialog').innerText(), /2025-06-23 to 2025-06-25, all day/);
      await page.getByTestId('quick-title').fill('Conference');
      await page.getByTestId('quick-save').click();
      const made = await until(async () => (await instances(alice.api, calendar.id)).find((i) => i.title === 'Conference'), 'the conference was not created');
      assert.equal(made.all_day, true);
      assert.equal(made.start, '2025-06-23');
      assert.equal(made.end, '2025-06-26');

      // The day number opens that day.
      await cell('2025-06-20').locator('.am-daynum').click();
      await until(async () => (await page.getByTestId('calendar').getAttribute('data-view')) === 'day', 'the day number did not open the day view');
      assert.equal(await page.getByTestId('date-picker').inputValue(), '2025-06-20');
    },
  },
  {
    name: 'keyboard-shortcuts',
    async run(t) {
      const { alice } = await aliceWithCalendar(t);
      const page = t.page;
      await t.signIn(page, 'alice', alice.password);
      await open(page, `#/week/${WEEK}`, 'calendar');
      await page.locator('.fc-timeGridWeek-view').waitFor();
      await page.locator('body').click({ position: { x: 5, y: 5 } });
      const viewIs = (name) => until(async () => (await page.getByTestId('calendar').getAttribute('data-view')) === name, `the key did not switch to the ${name} view`);
      await page.keyboard.press('m');
      await viewIs('month');
      await page.keyboard.press('d');
      await viewIs('day');
      await page.keyboard.press('w');
      await viewIs('week');
      await page.keyboard.press('t');
      const today = new Intl.DateTimeFormat('en-CA', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
      await until(async () => (await page.getByTestId('date-picker').inputValue()) === today, '"t" did not go to today');
      await page.keyboard.press('/');
      await until(async () => page.getByTestId('search-input').evaluate((n) => n === document.activeElement), '"/" did not focus the search');
      await page.keyboard.type('m');
      assert.equal(await page.getByTestId('calendar').getAttribute('data-view'), 'week', 'a shortcut fired while typing in the search');
      await page.keyboard.press('Escape');
      await page.locator('body').click({ position: { x: 5, y: 5 } });
      await page.keyboard.press('?');
      const list = page.getByTestId('shortcuts-dialog');
      await list.waitFor();
      for (const key of ['n', 't', 'd', 'w', 'm', '/', '?']) assert.ok((await list.innerText()).includes(key), `the list does not mention "${key}"`);
      await t.screenshot('shortcut-list');
      await page.keyboard.press('Escape');
      await list.waitFor({ state: 'detached' });
      await page.keyboard.press('n');
      await page.getByTestId('event-dialog').waitFor();
      await until(async () => page.getByTestId('event-dialog').evaluate((d) => d.contains(document.activeElement)), 'the new-event dialog does not take the focus');
      await page.keyboard.press('Escape');
      await page.getByTestId('event-dialog').waitFor({ state: 'detached' });
    },
  },
];

// Four events in WEEK imported as iCalendar, so that three carry an
// ORGANIZER (the REST API sets one only for events with attendees): Ana
// (outside the organisation), Bob (another user) and Alice herself; one
// has none.
const ORGANISED_ICS = [
  'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Almanac web tests//EN',
  ...[
    ['planning', '20250610T130000Z', 'Planning', 'ORGANIZER;CN=Ana Lima:mailto:Ana@Example.org', 'TENTATIVE', 1],
    ['review', '20250611T130000Z', 'Review', 'ORGANIZER;CN=Bob Builder:mailto:bob@example.test', 'CONFIRMED', 5],
    ['standup', '20250612T130000Z', 'Standup', 'ORGANIZER:mailto:alice@example.test', 'CONFIRMED', 0],
    ['solo', '20250613T130000Z', 'Solo', '', 'CANCELLED', 0],
  ].flatMap(([uid, start, title, organizer, status, priority]) => [
    'BEGIN:VEVENT', `UID:${uid}@web-test`, 'DTSTAMP:20250101T000000Z', `DTSTART:${start}`,
    `DTEND:${start.replace('T13', 'T14')}`, `SUMMARY:${title}`, ...(organizer ? [organizer] : []),
    `STATUS:${status}`, `PRIORITY:${priority}`, 'END:VEVENT',
  ]),
  'END:VCALENDAR', '',
].join('\r\n');

export const filterTests = [
  {
    name: 'organiser-status-priority-filters',
    async run(t) {
      const { alice, calendar } = await aliceWithCalendar(t);
      await t.addUser({ username: 'bob', displayName: 'Bob Builder' });
      const res = await fetch(`${t.url}/api/v1/calendars/${calendar.id}/import`, {
        method: 'POST',
        headers: { Authorization: `Basic ${Buffer.from(`alice:${alice.password}`).toString('base64')}`, 'Content-Type': 'text/calendar' },
        body: ORGANISED_ICS,
      });
      assert.equal(res.status, 200, `the import answered ${res.status}: ${await res.text()}`);
      const all = await instances(alice.api, calendar.id);
      assert.equal(all.length, 4);
      assert.deepEqual(all.map((i) => i.organizer && i.organizer.email.toLowerCase()), ['ana@example.org', 'bob@example.test', 'alice@example.test', null],
        'the server does not report the organisers');

      const page = t.page;
      const eventQueries = [];
      page.on('request', (r) => { if (new URL(r.url()).pathname === '/api/v1/events') eventQueries.push(new URL(r.url()).searchParams); });
      await t.signIn(page, 'alice', alice.password);
      await open(page, `#/week/${WEEK}`, 'calendar');
      const shown = async () => (await page.locator('[data-testid="event"] .fc-event-title').allInnerTexts()).map((x) => x.replace(/ \(\w+\)$/, '')).sort().join(',');
      await until(async () => (await shown()) === 'Planning,Review,Solo,Standup', 'the week does not show the 4 events');

      // The organiser list: anyone, me, and the organisers seen in the week.
      const select = page.getByTestId('filter-organiser');
      await until(async () => (await select.locator('option').count()) === 4, 'the organiser filter does not list me and the 2 others');
      const options = await select.locator('option').evaluateAll((os) => os.map((o) => [o.value, o.textContent]));
      assert.deepEqual(options.map(([v]) => v), ['', 'alice@example.test', 'ana@example.org', 'bob@example.test']);
      assert.match(options[2][1], /Ana Lima/);

      // Each filter is the server's: the query carries it, the answer is filtered.
      const lastQuery = () => eventQueries[eventQueries.length - 1];
      await select.selectOption('bob@example.test');
      await until(async () => (await shown()) === 'Review', 'the organiser filter does not leave Bob\'s event alone');
      assert.equal(lastQuery().get('organizer'), 'bob@example.test');
      await select.selectOption('alice@example.test');
      await until(async () => (await shown()) === 'Standup', 'the "me" organiser filter does not leave Alice\'s event alone');
      await select.selectOption('');
      await page.getByTestId('filter-status-tentative').check();
      await page.getByTestId('filter-status-cancelled').check();
      await until(async () => (await shown()) === 'Planning,Solo', 'the status filter does not leave the tentative and cancelled events');
      assert.deepEqual(lastQuery().getAll('status').sort(), ['cancelled', 'tentative']);
      assert.equal(lastQuery().get('organizer'), null);
      await page.getByTestId('filter-status-tentative').uncheck();
      await page.getByTestId('filter-status-cancelled').uncheck();
      await page.getByTestId('filter-priority').selectOption('high');
      await until(async () => (await shown()) === 'Planning', 'the priority filter does not leave the priority-1 event');
      assert.equal(lastQuery().get('priority_min'), '1');
      assert.equal(lastQuery().get('priority_max'), '4');
      assert.match(await page.getByTestId('filter-summary').innerText(), /high/i);
      await t.screenshot('priority-high');
      await page.getByTestId('filter-priority').selectOption('any');
      await until(async () => (await shown()) === 'Planning,Review,Solo,Standup', 'clearing the filters does not bring back every event');
    },
  },
  {
    name: 'move-booked-event-clash',
    async run(t) {
      const { room, alice, calendar, day } = await roomAndAlice(t);
      const event = await alice.api.post(`/api/v1/calendars/${calendar.id}/events`, {
        title: 'Design sync', start: `${day}T10:00:00Z`, end: `${day}T11:00:00Z`, timezone: 'UTC',
      });
      const mine = await alice.api.post('/api/v1/bookings', { resource_id: room.id, event_id: event.id, title: 'Design sync' });
      assert.equal(mine.status, 'approved');
      await t.admin.post('/api/v1/bookings', { resource_id: room.id, start: `${day}T14:00:00Z`, end: `${day}T15:00:00Z`, title: 'Board meeting' });

      const page = t.page;
      const bookingQueries = [];
      page.on('request', (r) => { if (/\/bookings/.test(new URL(r.url()).pathname)) bookingQueries.push(new URL(r.url())); });
      await t.signIn(page, 'alice', alice.password);
      await open(page, `#/week/${day}`, 'calendar');
      const node = eventNode(page, event.id);
      await node.waitFor();

      // The dialog knows the booking from GET /api/v1/bookings?event_id=.
      await node.click();
      await page.getByTestId('event-dialog').waitFor();
      await until(async () => page.getByTestId(`resource-pick-${room.id}`).isChecked(), 'the dialog does not show Room Cedar as booked');
      assert.ok(bookingQueries.some((u) => u.pathname === '/api/v1/bookings' && u.searchParams.get('event_id') === String(event.id)),
        'the dialog did not ask for the event\'s bookings');
      assert.ok(!bookingQueries.some((u) => /^\/api\/v1\/resources\/\d+\/bookings$/.test(u.pathname)), 'the dialog scanned the resources\' bookings');
      await page.getByTestId('event-cancel').click();
      await page.getByTestId('event-dialog').waitFor({ state: 'detached' });

      // Moving it onto the board meeting's hour: the clash is named first.
      bookingQueries.length = 0;
      const box = await node.boundingBox();
      const from = { x: box.x + box.width / 2, y: box.y + 6 };
      const at10 = await slotPoint(page, day, '10:00:00');
      const at14 = await slotPoint(page, day, '14:00:00');
      await drag(page, from, { x: from.x, y: from.y + (at14.y - at10.y) });
      await page.getByTestId('clash-warning').waitFor();
      const warning = await page.getByTestId('clash-warning').innerText();
      assert.match(warning, /Room Cedar/, `the warning does not name the room: ${warning}`);
      assert.ok(bookingQueries.some((u) => u.pathname === '/api/v1/bookings' && u.searchParams.get('event_id') === String(event.id)),
        'the move did not ask for the event\'s bookings');
      await t.screenshot('clash-warning');
      await page.getByTestId('confirm-choice-0').click();
      await page.getByTestId('confirm-dialog').waitFor({ state: 'detached' });
      const after = await alice.api.get(`/api/v1/events/${event.id}`);
      assert.ok(sameInstant(after.start, `${day}T10:00:00Z`), `the event moved to ${after.start} although the user kept the old time`);
    },
  },
];
