#!/usr/bin/env node
// The browser half of the web benchmark (bench/web/run_web_bench.sh starts
// the server and runs this): in Debian's chromium, headless, driven by
// playwright-core, for each user it measures
//   - the time from navigation to a rendered week view (the app's
//     `almanac:calendar-rendered` performance mark; `almanac:signed-in`, the
//     shell shown, beside it), with an empty HTTP cache (a first visit,
//     already signed in) and with a warm one (a reload);
//   - the bytes that first load transfers over the wire (compressed, as the
//     server sends them, headers included; app files and API answers apart);
//   - the time from a click on "next" in the month view to the app's next
//     `almanac:calendar-rendered` mark (the next month drawn with its events).
// Prints one JSON object per user on stdout; progress goes to stderr.
//
//   node bench/web/measure.mjs --url http://127.0.0.1:PORT --users user0003,user0001
//        [--password P] [--week 2025-03-10] [--runs 5] [--months 3]
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { existsSync } from 'node:fs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PLAYWRIGHT = path.join(HERE, '..', '..', 'tests', 'web', 'node_modules', 'playwright-core', 'index.mjs');
if (!existsSync(PLAYWRIGHT)) {
  console.error('measure: playwright-core is not installed; run scripts/web.sh');
  process.exit(1);
}
const { chromium } = await import(pathToFileURL(PLAYWRIGHT).href);

function parseArgs(argv) {
  const o = { url: '', users: ['user0003'], password: 'benchmark-password', week: '2025-03-10', runs: 5, months: 3, chromium: '/usr/bin/chromium' };
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (v === undefined) throw new Error(`${k} needs a value`);
    if (k === '--url') o.url = v.replace(/\/$/, '');
    else if (k === '--users') o.users = v.split(',').filter(Boolean);
    else if (k === '--password') o.password = v;
    else if (k === '--week') o.week = v;
    else if (k === '--runs') o.runs = Number(v);
    else if (k === '--months') o.months = Number(v);
    else if (k === '--chromium') o.chromium = v;
    else throw new Error(`unknown argument ${k}`);
  }
  if (!o.url) throw new Error('--url is required');
  return o;
}

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// Counts the bytes received per request (CDP Network.loadingFinished's
// encodedDataLength: compressed body plus headers).
async function watchNetwork(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  const urls = new Map();
  const totals = { app: 0, api: 0, appRequests: 0, apiRequests: 0, cached: 0 };
  cdp.on('Network.responseReceived', (e) => {
    urls.set(e.requestId, e.response.url);
    if (e.response.fromDiskCache || e.response.fromMemoryCache) totals.cached++;
  });
  cdp.on('Network.loadingFinished', (e) => {
    const url = urls.get(e.requestId) || '';
    if (new URL(url, 'http://x').pathname.startsWith('/api/')) {
      totals.api += e.encodedDataLength;
      totals.apiRequests++;
    } else {
      totals.app += e.encodedDataLength;
      totals.appRequests++;
    }
  });
  return totals;
}

// Waits for the app's first `almanac:calendar-rendered` mark (set in the
// animation frame after the week's events are drawn) and returns its time
// since navigation start, with the `almanac:signed-in` mark's (the shell
// shown) beside it.
async function renderedAt(page) {
  await page.waitForFunction(() => performance.getEntriesByName('almanac:calendar-rendered').length > 0, null, { timeout: 60000 })
    .catch(() => { throw new Error('the app set no almanac:calendar-rendered mark within 60 s (is web/dist current?)'); });
  return page.evaluate(() => ({
    ms: performance.getEntriesByName('almanac:calendar-rendered')[0].startTime,
    shellMs: performance.getEntriesByName('almanac:signed-in')[0]?.startTime ?? NaN,
  }));
}

// Clicks "next" in the month view and resolves to the milliseconds from the
// click to the app's next `almanac:calendar-rendered` mark, i.e. the next
// month drawn with its events.
function nextMonth(page) {
  return page.evaluate(() => new Promise((resolve, reject) => {
    const seen = performance.getEntriesByName('almanac:calendar-rendered').length;
    const t0 = performance.now();
    document.querySelector('[data-testid="next"]').click();
    const deadline = t0 + 30000;
    const check = () => {
      const marks = performance.getEntriesByName('almanac:calendar-rendered');
      if (marks.length > seen) {
        resolve(marks[marks.length - 1].startTime - t0);
        return;
      }
      if (performance.now() > deadline) { reject(new Error('the next month did not render within 30 s')); return; }
      requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  }));
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const stats = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs), runs: xs.length });

async function measureUser(browser, o, username) {
  // Sign in once through the form; later contexts reuse the session.
  const login = await browser.newContext({ serviceWorkers: 'block' });
  const page0 = await login.newPage();
  await page0.goto(`${o.url}/`);
  await page0.getByTestId('signin-username').fill(username);
  await page0.getByTestId('signin-password').fill(o.password);
  await page0.getByTestId('signin-submit').click();
  await page0.getByTestId('signout').waitFor({ state: 'attached', timeout: 30000 });
  const storageState = await login.storageState();
  await login.close();

  const cold = []; const shell = []; const warm = []; const month = []; const bytes = []; let events = 0; let truncated = false;
  for (let run = 0; run < o.runs; run++) {
    // Service workers are blocked so that every request reaches the network
    // counters (a first visit has no worker yet either).
    const context = await browser.newContext({ storageState, serviceWorkers: 'block', viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    const net = await watchNetwork(page);
    await page.goto(`${o.url}/#/week/${o.week}`);
    const first = await renderedAt(page);
    cold.push(first.ms);
    shell.push(first.shellMs);
    bytes.push({ ...net });
    events = await page.locator('.fc-event').count();
    truncated = await page.evaluate(() => !(document.querySelector('[data-testid="calendar-note"]')?.hidden ?? true));

    await page.reload();
    warm.push((await renderedAt(page)).ms);

    const marksBefore = await page.evaluate(() => performance.getEntriesByName('almanac:calendar-rendered').length);
    await page.getByTestId('view-month').click();
    await page.waitForFunction((n) => performance.getEntriesByName('almanac:calendar-rendered').length > n, marksBefore, { timeout: 60000 });
    for (let m = 0; m < o.months; m++) month.push(await nextMonth(page));
    await context.close();
    process.stderr.write(`  ${username} run ${run + 1}/${o.runs}: first render ${first.ms.toFixed(0)} ms, ` +
      `warm ${warm[warm.length - 1].toFixed(0)} ms, next month ${month.slice(-o.months).map((x) => x.toFixed(0)).join('/')} ms\n`);
  }
  const b = bytes[0];
  return {
    user: username,
    events_in_week: events,
    note_shown: truncated,
    first_render_ms: stats(cold),
    shell_ms: stats(shell),
    warm_render_ms: stats(warm),
    next_month_ms: stats(month),
    first_load_bytes: b.app + b.api,
    app_bytes: b.app,
    api_bytes: b.api,
    app_requests: b.appRequests,
    api_requests: b.apiRequests,
  };
}

const o = parseArgs(process.argv.slice(2));
const browser = await chromium.launch({ executablePath: o.chromium, headless: true, args: ARGS });
try {
  for (const user of o.users) {
    process.stderr.write(`measuring as ${user}\n`);
    console.log(JSON.stringify(await measureUser(browser, o, user)));
  }
} finally {
  await browser.close();
}
