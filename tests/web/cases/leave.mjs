// End-to-end tests of the leave view (#/leave): requesting leave, the
// request list and balances against the API, an overlapping request's
// error sentence, cancelling, and the team's approved leave on the calendar.
import assert from 'node:assert/strict';
import { open, futureDate, plusDays, until } from '../lib/app.mjs';

async function balanceCell(page, type, column) {
  const row = page.locator(`[data-testid="leave-balance"][data-type="${type}"]`);
  const cells = await row.locator('td').allInnerTexts();
  return cells[column];
}

export const leaveTests = [
  {
    name: 'request-leave',
    async run(t) {
      const carol = await t.addUser({ username: 'carol', role: 'manager', displayName: 'Carol Manager' });
      const dave = await t.addUser({ username: 'dave', displayName: 'Dave Lister', managerId: carol.user.id });
      const monday = futureDate(28, 1);
      const wednesday = plusDays(monday, 2);

      const page = t.page;
      await t.signIn(page, 'dave', dave.password);
      await open(page, '#/leave', 'leave-view');
      await page.locator('[data-testid="leave-balance"][data-type="vacation"]').waitFor();
      const year = Number(monday.slice(0, 4));
      await page.getByTestId('leave-balance-year').selectOption(String(year));
      const before = (await dave.api.get(`/api/v1/leave/balances?year=${year}`)).items.find((b) => b.type === 'vacation');
      await until(async () => (await balanceCell(page, 'vacation', 4)) === String(before.remaining_days),
        'the remaining vacation days differ from the API');

      // A three-day request, the last day until noon.
      await page.getByTestId('leave-type').selectOption('vacation');
      await page.getByTestId('leave-start').fill(monday);
      await page.getByTestId('leave-start').dispatchEvent('change');
      await page.getByTestId('leave-end').fill(wednesday);
      await page.getByTestId('leave-end').dispatchEvent('change');
      await page.getByTestId('leave-last-half').check();
      assert.equal(await page.getByTestId('leave-half-day').isVisible(), false, 'the one-day half-day choice shows for several days');
      await page.getByTestId('leave-reason').fill('Summer trip');
      await page.getByTestId('leave-submit').click();
      await until(async () => /waits for approval/.test(await page.getByTestId('leave-form-status').innerText()),
        'the request was not confirmed');
      const mine = (await dave.api.get(`/api/v1/leave?user=${dave.user.id}`)).items;
      assert.equal(mine.length, 1, 'exactly one request exists');
      const request = mine[0];
      assert.equal(request.status, 'pending');
      assert.equal(request.type, 'vacation');
      assert.equal(request.start_date, monday);
      assert.equal(request.end_date, wednesday);
      assert.equal(request.last_day_half, true);
      assert.equal(request.first_day_half, false);
      assert.equal(request.reason, 'Summer trip');
      assert.equal(request.days, 2.5);
      const row = page.locator(`[data-testid="leave-request"][data-id="${request.id}"]`);
      await until(async () => (await row.getAttribute('data-status')) === 'pending', 'the new request is not listed as pending');
      assert.match(await row.innerText(), /Vacation[\s\S]*Pending[\s\S]*Summer trip/);
      const after = (await dave.api.get(`/api/v1/leave/balances?year=${year}`)).items.find((b) => b.type === 'vacation');
      assert.equal(after.pending_days, 2.5);
      await until(async () => (await balanceCell(page, 'vacation', 3)) === String(after.pending_days),
        'the pending days in the balances are not updated');
      await t.screenshot('requested');

      // The same dates again: the server's 409 as a sentence.
      await page.getByTestId('leave-submit').click();
      await until(async () => /overlaps/i.test(await page.getByTestId('leave-form-status').innerText()),
        'the overlap is not explained');
      const message = await page.getByTestId('leave-form-status').innerText();
      assert.ok(!/[{}]/.test(message), `the error is raw JSON: ${message}`);
      assert.equal((await dave.api.get(`/api/v1/leave?user=${dave.user.id}`)).items.length, 1, 'a second request was stored');

      // Cancel it.
      await row.getByTestId('leave-cancel').click();
      await page.getByTestId('confirm-dialog').waitFor();
      await page.getByTestId('confirm-choice-0').click();
      await until(async () => (await row.getAttribute('data-status')) === 'cancelled', 'the request is not shown as cancelled');
      assert.equal((await dave.api.get(`/api/v1/leave/${request.id}`)).status, 'cancelled');
      await t.screenshot('cancelled');
    },
  },
  {
    name: 'team-leave-on-calendar',
    async run(t) {
      const carol = await t.addUser({ username: 'carol', role: 'manager', displayName: 'Carol Manager' });
      const erin = await t.addUser({ username: 'erin', displayName: 'Erin Reports', managerId: carol.user.id });
      const day = futureDate(14, 3);
      // Sick leave needs no approval: it is approved at once.
      const sick = await erin.api.post('/api/v1/leave', { type: 'sick', start_date: day, end_date: day });
      assert.equal(sick.status, 'approved');

      // The organisation's "Staff leave" calendar holds the same absence.
      const week = await carol.api.get(`/api/v1/events?from=${day}T00:00:00Z&to=${plusDays(day, 1)}T00:00:00Z`);
      const copy = week.items.find((i) => /^leave-\d+@/.test(i.uid) && i.module === 'staff');
      assert.ok(copy, 'the staff calendar has no copy of the leave (the duplicate check would prove nothing)');

      const page = t.page;
      await t.signIn(page, 'carol', carol.password);
      await open(page, `#/week/${day}`, 'calendar');
      const toggle = page.getByTestId('toggle-team-leave');
      await toggle.waitFor();
      const erinsLeave = page.locator('.fc-event', { hasText: 'Erin Reports' });
      const event = page.locator('.fc-event', { hasText: 'Erin Reports: Sick leave' });
      // Off: the staff calendar's copy alone.
      if (await toggle.isChecked()) await toggle.uncheck();
      await until(async () => (await erinsLeave.count()) === 1 && (await event.count()) === 0, 'with "Team leave" off the staff calendar\'s entry is not shown once');
      await toggle.check();
      await until(async () => (await event.count()) === 1, 'the approved leave is not on the calendar');
      // Each absence shows once: the staff calendar's copy is left out.
      await page.waitForTimeout(500);
      assert.equal(await erinsLeave.count(), 1, `the leave shows ${await erinsLeave.count()} times: ${(await erinsLeave.allInnerTexts()).join(' | ')}`);
      await t.screenshot('team-leave');
      await toggle.uncheck();
      await until(async () => (await event.count()) === 0, 'turning "Team leave" off does not hide it');
      await until(async () => (await erinsLeave.count()) === 1, 'turning "Team leave" off does not bring back the staff calendar\'s entry');
    },
  },
];
