// End-to-end tests of the shell around the views (web/src/main.js): a view
// mounts again with the new time zone when the zone changes, a view whose
// mount throws leaves a sentence in the page instead of a blank one, and the
// app still works against a server without GET /api/v1/session, the event
// filter parameters and GET /api/v1/bookings?event_id= (answers replaced in
// the browser with the problems such a server sends).
import assert from 'node:assert/strict';
import { open, until, roomAndAlice } from '../lib/app.mjs';

export const shellTests = [
  {
    name: 'views-remount-on-zone-change',
    async run(t) {
      const alice = await t.addUser({ username: 'alice', displayName: 'Alice Liddell', timezone: 'Europe/Lisbon' });
      const page = t.page;
      await t.signIn(page, 'alice', alice.password);
      for (const [hash, testid, zone] of [['#/leave', 'leave-view', 'Asia/Tokyo'], ['#/resources', 'resources-view', 'America/New_York'], ['#/approvals', 'approvals-view', 'Europe/Lisbon']]) {
        await open(page, hash, testid);
        // Tag the mounted view; a new mount has no tag.
        await page.evaluate((id) => { document.querySelector(`[data-testid="${id}"]`).dataset.before = 'yes'; }, testid);
        const options = await page.getByTestId('zone-select').locator('option').evaluateAll((os) => os.map((o) => o.value));
        assert.ok(options.includes(zone), `the zone list lacks ${zone}`);
        await page.getByTestId('zone-select').selectOption(zone);
        await until(() => page.evaluate((id) => {
          const node = document.querySelector(`[data-testid="${id}"]`);
          return Boolean(node && !node.dataset.before);
        }, testid), `${hash} does not mount again when the zone changes to ${zone}`);
        assert.equal(await page.getByTestId(`page-${hash.slice(2)}`).count(), 1, `${hash} is shown twice`);
      }
      await t.screenshot('approvals-after-zone-change');
    },
  },
  {
    name: 'view-mount-error-is-shown',
    async run(t) {
      const alice = await t.addUser({ username: 'alice', displayName: 'Alice Liddell' });
      // Without the service worker, whose fetches page.route cannot see.
      const page = await t.newPage({ serviceWorkers: 'block' });
      const logged = [];
      page.on('console', (m) => { if (m.type() === 'error') logged.push(m.text()); });
      // The approvals view, as served, is replaced by one whose mount throws.
      await page.route(/\/assets\/approvals-[\w-]+\.js$/, (route) => route.fulfill({
        status: 200,
        contentType: 'text/javascript',
        body: 'export function mount() { throw new TypeError("cannot read the approvals (test fault)"); }\n',
      }));
      await t.signIn(page, 'alice', alice.password);
      await open(page, '#/approvals', 'page-approvals');
      const error = page.getByTestId('page-error');
      await error.waitFor();
      const text = await error.innerText();
      assert.match(text, /^The Approvals page could not be shown because of an error in the app\. Reload the page to try again\.$/, `the error reads: ${text}`);
      assert.ok(!/test fault|TypeError|[{}]/.test(text), `the page shows the raw error: ${text}`);
      await until(async () => logged.some((l) => /test fault/.test(l)), 'the error is not logged to the console');
      await t.screenshot('mount-error', page);
      // The shell still works: the calendar shows.
      await open(page, '#/', 'calendar');
      await page.locator('.fc-view').waitFor();
    },
  },
];

// Problem answers of a server that predates GET /api/v1/session, the event
// filter parameters and GET /api/v1/bookings?event_id=.
const problem = (status, detail) => ({
  status, contentType: 'application/problem+json', body: JSON.stringify({ status, title: 'Old server', detail }),
});

shellTests.push({
  name: 'older-server-fallbacks',
  async run(t) {
    const { room, alice, calendar, day } = await roomAndAlice(t);
    const urgent = await alice.api.post(`/api/v1/calendars/${calendar.id}/events`, {
      title: 'Urgent', start: `${day}T10:00:00Z`, end: `${day}T11:00:00Z`, timezone: 'UTC', priority: 1,
    });
    await alice.api.post(`/api/v1/calendars/${calendar.id}/events`, {
      title: 'Routine', start: `${day}T13:00:00Z`, end: `${day}T14:00:00Z`, timezone: 'UTC', priority: 7,
    });
    await alice.api.post('/api/v1/bookings', { resource_id: room.id, event_id: urgent.id, title: 'Urgent' });

    const page = await t.newPage({ serviceWorkers: 'block' });
    const refused = [];
    await page.route((url) => url.pathname === '/api/v1/bookings' && url.searchParams.has('event_id'), (route) => {
      refused.push('bookings');
      return route.fulfill(problem(405, 'Method GET is not allowed on this resource'));
    });
    await page.route((url) => url.pathname === '/api/v1/events' && ['status', 'priority_min', 'priority_max', 'organizer'].some((k) => url.searchParams.has(k)), (route) => {
      refused.push('filters');
      return route.fulfill(problem(400, 'unknown parameter'));
    });
    await t.signIn(page, 'alice', alice.password);
    await open(page, `#/week/${day}`, 'calendar');
    const titles = async () => (await page.locator('[data-testid="event"] .fc-event-title').allInnerTexts()).sort().join(',');
    await until(async () => (await titles()) === 'Routine,Urgent', 'the week does not show both events');

    // The priority filter falls back to filtering in the browser.
    await page.getByTestId('filter-priority').selectOption('high');
    await until(async () => (await titles()) === 'Urgent', 'the priority filter does not work without the server\'s parameters');
    assert.ok(refused.includes('filters'), 'the app did not try the server\'s filter first');

    // The event's bookings fall back to the resources' own lists.
    await page.locator(`[data-testid="event"][data-event-id="${urgent.id}"]`).click();
    await page.getByTestId('event-dialog').waitFor();
    await until(async () => page.getByTestId(`resource-pick-${room.id}`).isChecked(), 'the dialog does not find the booking without GET /api/v1/bookings?event_id=');
    assert.ok(refused.includes('bookings'), 'the app did not try GET /api/v1/bookings?event_id= first');
    await t.screenshot('old-server-dialog', page);
    await page.keyboard.press('Escape');

    // Without GET /api/v1/session the token cannot come back: sign in again.
    await page.route((url) => url.pathname === '/api/v1/session', (route) => (route.request().method() === 'GET'
      ? route.fulfill(problem(405, 'Method GET is not allowed on this resource')) : route.fallback()));
    await page.reload();
    await page.getByTestId('signin-form').waitFor();
    await page.getByTestId('signin-username').fill('alice');
    await page.getByTestId('signin-password').fill(alice.password);
    await page.getByTestId('signin-submit').click();
    await page.getByTestId('user-name').waitFor();
    assert.equal(await page.getByTestId('user-name').innerText(), 'Alice Liddell');
  },
});
