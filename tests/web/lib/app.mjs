// Steps through the web app that many tests share: signing in through the
// form, opening a page of the app, and small date helpers. The selectors
// are the data-testid values listed in web/TESTIDS.md (the shell and the
// calendar) and tests/web/TESTIDS-views.md (resources, approvals, leave).

// Signs in with the form at `${url}/` and waits for the signed-in shell.
export async function signIn(page, url, username, password) {
  await page.goto(`${url}/`);
  await page.getByTestId('signin-username').fill(username);
  await page.getByTestId('signin-password').fill(password);
  await page.getByTestId('signin-submit').click();
  // On a phone the name may be tucked away; the sign-out button is there.
  await page.getByTestId('signin-form').waitFor({ state: 'detached' });
  await page.getByTestId('signout').waitFor({ state: 'attached' });
}

// Opens `hash` (e.g. "#/resources") and waits for `testid` to be visible.
export async function open(page, hash, testid) {
  await page.evaluate((h) => { location.hash = h; }, hash);
  if (testid) await page.getByTestId(testid).first().waitFor({ state: 'visible' });
}

// Room Cedar (made by the admin) and Alice (UTC) with her calendar "Work",
// and a Tuesday two weeks ahead for events there.
export async function roomAndAlice(t) {
  const room = await t.admin.post('/api/v1/resources', { type: 'room', name: 'Room Cedar', capacity: 6, location: 'Floor 3', timezone: 'UTC' });
  const alice = await t.addUser({ username: 'alice', displayName: 'Alice Liddell', timezone: 'UTC' });
  const calendar = await alice.api.post('/api/v1/calendars', { name: 'Work', timezone: 'UTC' });
  return { room, alice, calendar, day: futureDate(14, 2) };
}

// The civil date (YYYY-MM-DD) `days` after today (UTC), moved forward to the
// weekday `weekday` (1 Monday ... 7 Sunday) when given. Tests use dates a
// few weeks ahead so that no booking rule about the past applies.
export function futureDate(days, weekday) {
  const d = new Date(Date.now() + days * 86400000);
  if (weekday) {
    const current = ((d.getUTCDay() + 6) % 7) + 1;
    d.setUTCDate(d.getUTCDate() + ((weekday - current + 7) % 7));
  }
  return d.toISOString().slice(0, 10);
}

// The civil date `days` after `date`.
export function plusDays(date, days) {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

// The UTC instant (a Date) of wall time `hh:mm` on `date` in `zone`,
// computed with Intl (independently of the app's own time code).
export function zonedToUtc(date, hh, mm, zone) {
  const guess = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)), hh, mm);
  const offsetAt = (t) => {
    const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
    }).formatToParts(new Date(t)).map((p) => [p.type, p.value]));
    const asUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
    return asUtc - t;
  };
  let t = guess - offsetAt(guess);
  t = guess - offsetAt(t);
  return new Date(t);
}

// Wall time "HH:MM" of the instant `iso` in `zone`.
export function wallClock(iso, zone) {
  return new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));
}

// Waits until `fn` resolves truthy (polling every 100 ms) or throws
// `message` after `ms`.
export async function until(fn, message, ms = 8000) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await fn();
      if (last) return last;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${message}${last instanceof Error ? ` (last error: ${last.message})` : ''}`);
}
