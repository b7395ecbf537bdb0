// End-to-end test of the app on a phone-sized touch screen (390x844): the
// sidebar drawer, swiping between periods with real touch events (sent
// through the Chrome DevTools Protocol), and the resources and leave views
// fitting the width without sideways scrolling of the page.
import assert from 'node:assert/strict';
import { open, until } from '../lib/app.mjs';

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1 };

// A one-finger horizontal swipe from x0 to x1 at height y, in ~200 ms.
async function swipe(page, x0, x1, y) {
  await touchDrag(page, { x: x0, y }, { x: x1, y }, 0);
}

// One finger down at `from`, held for `holdMs`, moved to `to` in 8 steps of
// 20 ms, and lifted.
async function touchDrag(page, from, to, holdMs) {
  const cdp = await page.context().newCDPSession(page);
  const point = (x, y) => [{ x, y, id: 1, radiusX: 4, radiusY: 4, force: 1 }];
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: point(from.x, from.y) });
  if (holdMs) await new Promise((r) => setTimeout(r, holdMs));
  for (let i = 1; i <= 8; i++) {
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: point(from.x + ((to.x - from.x) * i) / 8, from.y + ((to.y - from.y) * i) / 8) });
    await new Promise((r) => setTimeout(r, 20));
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await cdp.detach();
}

// Whether the page, and the element with `testid` and its ancestors, need
// no sideways scrolling (wide tables and grids may scroll inside their own
// boxes).
async function pageFitsWidth(page, testid = null) {
  return page.evaluate((id) => {
    if (document.documentElement.scrollWidth > window.innerWidth + 1) return false;
    if (!id) return true;
    const node = document.querySelector(`[data-testid="${id}"]`);
    if (!node || node.getBoundingClientRect().right > window.innerWidth + 1) return false;
    for (let n = node; n && n !== document.documentElement; n = n.parentElement) {
      if (n.scrollWidth > n.clientWidth + 1) return false;
    }
    return true;
  }, testid);
}

export const phoneTests = [
  {
    name: 'phone',
    page: PHONE,
    async run(t) {
      const alice = await t.addUser({ username: 'alice', displayName: 'Alice Liddell', timezone: 'Europe/Lisbon' });
      const calendar = await alice.api.post('/api/v1/calendars', { name: 'Work', timezone: 'Europe/Lisbon' });
      await alice.api.post(`/api/v1/calendars/${calendar.id}/events`, {
        title: 'Dentist', start: '2025-06-11T09:00:00+01:00', end: '2025-06-11T10:00:00+01:00', timezone: 'Europe/Lisbon',
      });
      const page = t.page;
      await t.signIn(page, 'alice', alice.password);
      // The resources, leave and approvals views fit the width.
      for (const [hash, testid] of [['#/resources', 'resources-view'], ['#/leave', 'leave-view'], ['#/approvals', 'approvals-view']]) {
        await open(page, hash, testid);
        await page.waitForTimeout(300);
        assert.ok(await pageFitsWidth(page, testid), `${hash} is wider than a phone`);
      }
      await open(page, '#/leave', 'leave-view');
      await page.locator('[data-testid="leave-balance"]').first().waitFor();
      await t.screenshot('leave');

      await open(page, '#/week/2025-06-09', 'calendar');
      await page.locator('.fc-view').waitFor();
      assert.ok(await pageFitsWidth(page), 'the calendar page scrolls sideways on a phone');

      // The drawer: hidden at first, opened by the button, closed again.
      const sidebar = page.getByTestId('sidebar');
      const toggle = page.getByTestId('drawer-toggle');
      assert.ok(await toggle.isVisible(), 'there is no drawer button on a phone');
      const inView = async () => {
        const box = await sidebar.boundingBox();
        return Boolean(box && box.x >= -1 && box.x < 390 && box.width > 100 && await sidebar.isVisible());
      };
      assert.equal(await inView(), false, 'the sidebar is open on a phone before the drawer button is pressed');
      await toggle.tap();
      await until(inView, 'the drawer does not open');
      assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
      await t.screenshot('drawer-open');
      await page.keyboard.press('Escape');
      if (await toggle.getAttribute('aria-expanded') === 'true') await page.mouse.click(380, 600);
      await until(async () => !(await inView()), 'the drawer does not close');

      // Swipes: left moves to the next period, right back again.
      const calendarNode = page.getByTestId('calendar');
      const start0 = await calendarNode.getAttribute('data-start');
      const box = await calendarNode.boundingBox();
      const y = box.y + Math.min(box.height / 2, 300);
      await swipe(page, 330, 60, y);
      await until(async () => (await calendarNode.getAttribute('data-start')) > start0, 'a left swipe does not move to the next period');
      await t.screenshot('after-swipe');
      await swipe(page, 60, 330, y);
      // A horizontal swipe must not also trigger the browser's own "back"
      // gesture (overscroll history navigation), which would leave the week.
      await until(async () => (await calendarNode.getAttribute('data-start')) === start0, 'no return').catch(async () => {
        const [shown, hash] = await page.evaluate(() => [document.querySelector('[data-testid="calendar"]')?.dataset.start ?? 'no calendar', location.hash]);
        throw new Error(`a right swipe does not go back to the week of ${start0}: the page shows ${shown} at ${hash}`
          + ' (if the URL is the previous page, the browser\'s own swipe-back gesture took over: the app needs overscroll-behavior-x: none)');
      });

    },
  },
  {
    // The month view on a touch screen: a swipe that starts on an event
    // pages and moves nothing; a long press on the event, then a drag,
    // moves it to the day it is dropped on.
    name: 'phone-month-touch',
    page: PHONE,
    async run(t) {
      const zone = 'Europe/Lisbon';
      const alice = await t.addUser({ username: 'alice', displayName: 'Alice Liddell', timezone: zone });
      const calendar = await alice.api.post('/api/v1/calendars', { name: 'Work', timezone: zone });
      const dentist = await alice.api.post(`/api/v1/calendars/${calendar.id}/events`, {
        title: 'Dentist', start: '2025-06-11T09:00:00+01:00', end: '2025-06-11T10:00:00+01:00', timezone: zone,
      });
      const page = t.page;
      await t.signIn(page, 'alice', alice.password);
      await open(page, '#/month/2025-06-01', 'calendar');
      const calendarNode = page.getByTestId('calendar');
      const node = page.locator(`[data-testid="event"][data-event-id="${dentist.id}"]`);
      await node.waitFor();
      const centreOf = async (locator) => {
        const b = await locator.boundingBox();
        return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
      };
      const eventStart = async () => (await alice.api.get(`/api/v1/events/${dentist.id}`)).start;

      // A quick swipe from the event: the next month, the event unchanged.
      const from = await centreOf(node);
      await touchDrag(page, from, { x: Math.max(10, from.x - 250), y: from.y }, 0);
      await until(async () => (await calendarNode.getAttribute('data-start')) > '2025-06-01', 'a swipe over an event did not page');
      await page.waitForTimeout(300);
      assert.ok(Date.parse(await eventStart()) === Date.parse('2025-06-11T09:00:00+01:00'), 'a swipe moved the event');
      await page.getByTestId('prev').tap();
      await node.waitFor();

      // Long press, then drag to Friday 13 June.
      const target = await centreOf(page.locator('.am-day[data-date="2025-06-13"]'));
      await touchDrag(page, await centreOf(node), target, 650);
      await until(async () => Date.parse(await eventStart()) === Date.parse('2025-06-13T09:00:00+01:00'),
        'a long press and drag did not move the event to 13 June 09:00');
      assert.equal(await calendarNode.getAttribute('data-start'), '2025-06-01', 'the drag also paged');
      await until(async () => (await page.locator('.am-day[data-date="2025-06-13"]').evaluate((c) => {
        const r = c.getBoundingClientRect();
        const e = document.querySelector('[data-testid="event"]');
        const b = e && e.getBoundingClientRect();
        return Boolean(b) && b.left >= r.left - 1 && b.right <= r.right + 1;
      })), 'the event is not drawn on 13 June after the drag');
      await t.screenshot('month-after-touch-drag');
    },
  },
];
