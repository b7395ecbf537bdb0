// End-to-end tests of the resources view (#/resources) and the approvals
// inbox (#/approvals): filtering resources, booking from the grid, the clash
// warning before posting and the server's 409, and a manager deciding
// bookings and leave, one at a time and in bulk.
import assert from 'node:assert/strict';
import { open, futureDate, zonedToUtc, wallClock, until } from '../lib/app.mjs';

const ROW_PX = 24;      // the grid's row height (web/src/views/resources.js)
const SLOT_MIN = 30;    // minutes per row

const ALL_WEEK = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

function room(name, extra = {}) {
  return {
    type: 'room', name, capacity: 8, location: 'Floor 1, east wing', timezone: 'UTC',
    bookable_hours: ALL_WEEK.map((weekday) => ({ weekday, from: '06:00', to: '20:00' })),
    ...extra,
  };
}

// Drags in the grid column of `resourceId` on `date` from wall time
// `fromMin` to `toMin` (minutes after midnight, row boundaries).
async function dragInColumn(page, resourceId, date, fromMin, toMin) {
  const grid = page.getByTestId('resource-grid');
  await grid.scrollIntoViewIfNeeded();
  await grid.evaluate((g, top) => { g.scrollTop = top; }, Math.max(0, (fromMin / SLOT_MIN) * ROW_PX - 120));
  const column = page.locator(`[data-testid="resource-column"][data-resource-id="${resourceId}"][data-date="${date}"]`);
  const box = await column.boundingBox();
  assert.ok(box, `the grid has no column for resource ${resourceId} on ${date}`);
  const x = box.x + box.width / 2;
  const y1 = box.y + (fromMin / SLOT_MIN) * ROW_PX + ROW_PX / 2;
  const y2 = box.y + (toMin / SLOT_MIN) * ROW_PX - ROW_PX / 2;
  await page.mouse.move(x, y1);
  await page.mouse.down();
  await page.mouse.move(x, (y1 + y2) / 2, { steps: 3 });
  await page.mouse.move(x, y2, { steps: 3 });
  await page.mouse.up();
}

// "Monday 23 November, 09:00 to 10:00" the way the views write a span, built
// here with Intl so the test does not reuse the app's formatting code.
function spanText(startIso, endIso, zone) {
  const day = new Intl.DateTimeFormat('en-GB', { timeZone: zone, weekday: 'long', day: 'numeric', month: 'long' }).format(new Date(startIso));
  return `${day.replace(',', '')}, ${wallClock(startIso, zone)} to ${wallClock(endIso, zone)}`;
}

const ZONE = 'Europe/Berlin';

export const resourceTests = [
  {
    name: 'book-room-clash',
    async run(t) {
      const roomA = await t.admin.post('/api/v1/resources', room('Room Aster'));
      const van = await t.admin.post('/api/v1/resources', {
        type: 'vehicle', name: 'Blue van', capacity: 3, location: 'Garage', timezone: 'UTC',
      });
      await t.admin.post('/api/v1/resources', room('Room Birch', { capacity: 20, location: 'Floor 2' }));
      const alice = await t.addUser({ username: 'alice', displayName: 'Alice Liddell', timezone: ZONE });
      const day = futureDate(14, 2);  // a Tuesday two to three weeks ahead

      const page = t.page;
      await t.signIn(page, 'alice', alice.password);
      await open(page, '#/resources', 'resources-view');
      await until(async () => (await page.getByTestId('resource-row').count()) === 3, 'the list does not show the 3 resources');

      // Filters: type, minimum capacity, location text.
      await page.getByTestId('resource-filter-type').selectOption('room');
      await until(async () => (await page.getByTestId('resource-row').count()) === 2, 'the type filter does not leave the 2 rooms');
      assert.equal(await page.locator(`[data-testid="resource-row"][data-resource-id="${van.id}"]`).count(), 0, 'the van is listed as a room');
      await page.getByTestId('resource-filter-capacity').fill('10');
      await page.getByTestId('resource-filter-apply').click();
      await until(async () => (await page.getByTestId('resource-row').count()) === 1, 'the capacity filter does not leave 1 room');
      assert.match(await page.getByTestId('resource-list').innerText(), /Room Birch/);
      await page.getByTestId('resource-filter-capacity').fill('');
      await page.getByTestId('resource-filter-location').fill('east');
      await page.getByTestId('resource-filter-apply').click();
      await until(async () => {
        const rows = page.getByTestId('resource-row');
        return (await rows.count()) === 1 && (await rows.first().getAttribute('data-resource-id')) === String(roomA.id);
      }, 'the location filter does not leave Room Aster alone');

      // The grid for the chosen day; book a free hour by dragging.
      await page.getByTestId('resource-mode-day').click();
      await page.getByTestId('resource-date').fill(day);
      await page.getByTestId('resource-date').dispatchEvent('change');
      await page.locator(`[data-testid="resource-column"][data-resource-id="${roomA.id}"][data-date="${day}"]`).waitFor();
      await until(async () => (await page.getByTestId('free-slot').count()) > 0, 'the grid shows no free time');
      await dragInColumn(page, roomA.id, day, 14 * 60, 15 * 60);
      assert.equal(await page.getByTestId('booking-start').inputValue(), '14:00');
      assert.equal(await page.getByTestId('booking-end').inputValue(), '15:00');
      await until(async () => /is free/.test(await page.getByTestId('booking-check').innerText()), 'the check does not say the room is free');
      await page.getByTestId('booking-title').fill('Planning session');
      await page.getByTestId('booking-submit').click();
      await until(async () => /Booked Room Aster/.test(await page.getByTestId('booking-check').innerText()), 'the booking was not confirmed');
      const start = zonedToUtc(day, 14, 0, ZONE).toISOString().replace('.000Z', 'Z');
      const end = zonedToUtc(day, 15, 0, ZONE).toISOString().replace('.000Z', 'Z');
      const booked = (await t.admin.get(`/api/v1/resources/${roomA.id}/bookings?from=${day}&to=${futureDate(40)}`)).items;
      assert.equal(booked.length, 1, 'exactly one booking exists');
      assert.equal(booked[0].start, start);
      assert.equal(booked[0].end, end);
      assert.equal(booked[0].title, 'Planning session');
      assert.equal(booked[0].requester_id, alice.user.id);
      await until(async () => (await page.locator(`[data-testid="booking-block"][data-booking-id="${booked[0].id}"]`).count()) === 1,
        'the new booking is not drawn in the grid');

      // The week grid: one column per day for the one resource shown, the
      // booking in its day's column.
      await page.getByTestId('resource-mode-week').click();
      await until(async () => (await page.getByTestId('resource-column').count()) === 7, 'the week grid does not have 7 columns');
      await until(async () => (await page.locator(`[data-testid="resource-column"][data-date="${day}"] [data-testid="booking-block"][data-booking-id="${booked[0].id}"]`).count()) === 1,
        'the booking is not in its day\'s column of the week grid');
      await t.screenshot('week-grid');
      await page.getByTestId('resource-mode-day').click();
      await until(async () => (await page.getByTestId('resource-column').count()) === 1, 'the day grid does not come back');

      // An overlapping selection: the warning comes before anything is posted.
      await dragInColumn(page, roomA.id, day, 14 * 60 + 30, 15 * 60 + 30);
      const clash = page.getByTestId('booking-clash');
      await clash.waitFor();
      const warning = await clash.innerText();
      assert.match(warning, /Room Aster is not free/);
      assert.match(warning, /“Planning session” for Alice Liddell/, 'the warning does not name the holder');
      assert.ok((await page.getByTestId('free-slot-suggestion').count()) >= 1, 'the warning suggests no free slot');
      assert.equal((await t.admin.get(`/api/v1/resources/${roomA.id}/bookings?from=${day}&to=${futureDate(40)}`)).items.length, 1,
        'something was posted before the user confirmed');
      await t.screenshot('clash-warning');

      // Posting anyway shows the server's 409: the holder and its free slots.
      const attempt = await alice.api.raw('POST', '/api/v1/bookings', {
        resource_id: roomA.id,
        start: zonedToUtc(day, 14, 30, ZONE).toISOString(),
        end: zonedToUtc(day, 15, 30, ZONE).toISOString(),
      }).then(() => null, (e) => e);
      assert.ok(attempt && attempt.status === 409, 'the server accepted an overlapping booking');
      await page.getByTestId('booking-submit').click();
      const conflict = page.getByTestId('booking-conflict');
      await conflict.waitFor();
      const text = await conflict.innerText();
      assert.match(text, /The server refused the booking/);
      assert.match(text, /held by Planning session \(Alice Liddell\)/);
      assert.ok(!/[{}]/.test(text), 'the 409 is shown as raw JSON');
      const suggestions = await page.getByTestId('free-slot-suggestion').allInnerTexts();
      assert.equal(suggestions.length, attempt.body.free_slots.length, 'the free slots differ from the server\'s');
      attempt.body.free_slots.forEach((slot, i) => {
        assert.ok(suggestions[i].includes(spanText(slot.start, slot.end, ZONE)),
          `suggestion ${i + 1} "${suggestions[i]}" does not say ${spanText(slot.start, slot.end, ZONE)}`);
      });
      await t.screenshot('server-conflict');

      // "Use this time" takes the first suggestion into the form.
      await page.getByTestId('use-free-slot').first().click();
      assert.equal(await page.getByTestId('booking-start').inputValue(), wallClock(attempt.body.free_slots[0].start, ZONE));
      await until(async () => /is free/.test(await page.getByTestId('booking-check').innerText()), 'the suggested slot is not free');
    },
  },
  {
    name: 'approve-booking',
    async run(t) {
      const boardroom = await t.admin.post('/api/v1/resources', room('Boardroom', { requires_approval: true }));
      const carol = await t.addUser({ username: 'carol', role: 'manager', displayName: 'Carol Manager' });
      const bob = await t.addUser({ username: 'bob', displayName: 'Bob Builder', managerId: carol.user.id });
      const day = futureDate(21, 3);
      const first = await bob.api.post('/api/v1/bookings', {
        resource_id: boardroom.id, start: `${day}T09:00:00Z`, end: `${day}T10:00:00Z`, title: 'Quarterly review',
      });
      const second = await bob.api.post('/api/v1/bookings', {
        resource_id: boardroom.id, start: `${day}T15:00:00Z`, end: `${day}T16:00:00Z`, title: 'Retrospective',
      });
      assert.equal(first.status, 'pending');
      const leave = await bob.api.post('/api/v1/leave', { type: 'vacation', start_date: futureDate(35, 1), end_date: futureDate(35, 1), reason: 'Family visit' });
      assert.equal(leave.status, 'pending');

      // Bob has nothing to decide.
      const bobPage = await t.newPage();
      await t.signIn(bobPage, 'bob', bob.password);
      await open(bobPage, '#/approvals', 'approvals-view');
      await until(async () => /Nothing to approve/.test(await bobPage.getByTestId('approvals-status').innerText()),
        'a member is not told there is nothing to approve');
      await t.screenshot('nothing-to-approve', bobPage);

      // Carol sees the two bookings and the leave request.
      const page = t.page;
      await t.signIn(page, 'carol', carol.password);
      await open(page, '#/approvals', 'approvals-view');
      await until(async () => (await page.getByTestId('approval-item').count()) === 3, 'the inbox does not list 3 requests');
      const item = (kind, id) => page.locator(`[data-testid="approval-item"][data-kind="${kind}"][data-id="${id}"]`);
      assert.match(await item('booking', first.id).innerText(), /Boardroom[\s\S]*Quarterly review[\s\S]*Bob Builder/);
      assert.match(await item('leave', leave.id).innerText(), /Vacation for Bob Builder/);

      // Approve one booking with a comment.
      await item('booking', first.id).getByTestId('approval-comment').fill('Room is yours');
      await item('booking', first.id).getByTestId('approval-approve').click();
      await until(async () => /Approved/.test(await item('booking', first.id).getByTestId('approval-outcome').innerText()),
        'the approval outcome is not shown');
      const approved = await t.admin.get(`/api/v1/bookings/${first.id}`);
      assert.equal(approved.status, 'approved');
      assert.ok(approved.history.some((h) => h.comment === 'Room is yours' && h.actor_id === carol.user.id),
        'the comment and approver are not in the booking history');
      assert.equal((await t.admin.get(`/api/v1/bookings/${second.id}`)).status, 'pending', 'the other booking changed too');

      // Reject the other booking and the leave request in bulk.
      await item('booking', second.id).getByTestId('approval-select').check();
      await item('leave', leave.id).getByTestId('approval-select').check();
      await page.getByTestId('approvals-bulk-comment').fill('Not this week');
      await page.getByTestId('approvals-bulk-reject').click();
      await page.getByTestId('confirm-dialog').waitFor();
      await page.getByTestId('confirm-choice-0').click();
      await until(async () => /2 requests decided, 0 failed/.test(await page.getByTestId('approvals-bulk-summary').innerText()),
        'the bulk summary is missing');
      assert.match(await item('booking', second.id).getByTestId('approval-outcome').innerText(), /Rejected/);
      assert.match(await item('leave', leave.id).getByTestId('approval-outcome').innerText(), /Rejected/);
      assert.equal((await t.admin.get(`/api/v1/bookings/${second.id}`)).status, 'rejected');
      const rejectedLeave = await t.admin.get(`/api/v1/leave/${leave.id}`);
      assert.equal(rejectedLeave.status, 'rejected');
      assert.ok(rejectedLeave.history.some((h) => h.comment === 'Not this week'), 'the bulk comment is not in the leave history');
      await t.screenshot('decided');

      // After a refresh the inbox is empty.
      await page.getByTestId('approvals-refresh').click();
      await until(async () => /Nothing to approve/.test(await page.getByTestId('approvals-status').innerText()),
        'decided requests are still in the inbox');
    },
  },
];
