#!/usr/bin/env node
// Runs the web app's end-to-end tests: playwright-core drives Debian's
// chromium (headless) against a fresh `almanac serve --web-root web/dist` on
// a temporary data directory for every test. Users and data are made through
// the REST API. Every test saves at least one screenshot in tests/web/out/;
// after each test the runner decodes every screenshot it saved and fails the
// test when one looks blank. Exits 0 only when every test passed; the last
// line is the summary.
//
//   node tests/web/run.mjs --almanac build/src/app/almanac [--web-root web/dist]
//        [--only NAME[,NAME...]] [--chromium /usr/bin/chromium]
import { mkdirSync, rmSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer, restClient, addUser } from './lib/server.mjs';
import { blankReason } from './lib/png.mjs';
import { signIn } from './lib/app.mjs';
import { tests } from './cases/index.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const OUT = path.join(HERE, 'out');

function parseArgs(argv) {
  const opts = {
    almanac: path.join(ROOT, 'build', 'src', 'app', 'almanac'),
    webRoot: path.join(ROOT, 'web', 'dist'),
    chromium: '/usr/bin/chromium',
    only: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
      return argv[++i];
    };
    if (arg === '--almanac') opts.almanac = path.resolve(value());
    else if (arg === '--web-root') opts.webRoot = path.resolve(value());
    else if (arg === '--chromium') opts.chromium = value();
    else if (arg === '--only') opts.only = value().split(',').map((s) => s.trim()).filter(Boolean);
    else if (arg === '--help' || arg === '-h') {
      console.log('usage: node tests/web/run.mjs --almanac PATH [--web-root DIR] [--only NAME,...] [--chromium PATH]');
      console.log(`tests: ${tests.map((t) => t.name).join(', ')}`);
      process.exit(0);
    } else throw new Error(`unknown argument ${arg}`);
  }
  return opts;
}

// The flags the brief of the project asks for: no GPU, no background
// traffic, no first-run UI. Playwright adds --headless and a fresh
// --user-data-dir (a temporary profile) itself.
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  for (const [what, file] of [['almanac', opts.almanac], ['chromium', opts.chromium], ['web root', path.join(opts.webRoot, 'index.html')]]) {
    if (!existsSync(file)) {
      console.error(`web e2e: the ${what} is missing: ${file}${what === 'web root' ? ' (run scripts/web.sh)' : ''}`);
      console.log('web e2e: 0 passed, 0 failed: could not start');
      process.exit(2);
    }
  }
  const selected = opts.only ? tests.filter((t) => opts.only.includes(t.name)) : tests;
  if (opts.only && selected.length !== opts.only.length) {
    console.error(`web e2e: unknown test in --only; known: ${tests.map((t) => t.name).join(', ')}`);
    process.exit(2);
  }
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });

  const browser = await chromium.launch({
    executablePath: opts.chromium,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  const started = Date.now();
  const results = [];
  try {
    await checkBlankDetector(browser);
    for (const test of selected) {
      results.push(await runOne(test, browser, opts));
    }
  } finally {
    await browser.close();
  }
  const failed = results.filter((r) => !r.ok);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`web e2e: ${results.length - failed.length} passed, ${failed.length} failed`
    + `${failed.length ? ` (${failed.map((r) => r.name).join(', ')})` : ''} in ${seconds} s`);
  process.exit(failed.length ? 1 : 0);
}

// The blank-screenshot check must be able to fail: an empty page has to be
// judged blank, or the check is broken and every result would be suspect.
async function checkBlankDetector(browser) {
  const context = await browser.newContext({ viewport: { width: 400, height: 300 } });
  try {
    const page = await context.newPage();
    await page.setContent('<html><body style="margin:0;background:#fff"></body></html>');
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'almanac-blank-')), 'blank.png');
    await page.screenshot({ path: file });
    const reason = blankReason(file);
    rmSync(path.dirname(file), { recursive: true, force: true });
    if (!reason) throw new Error('the blank-screenshot check accepted an empty page');
  } finally {
    await context.close();
  }
}

async function runOne(test, browser, opts) {
  const began = Date.now();
  const shots = [];
  const contexts = [];
  const pageErrors = [];
  let server = null;
  let defaultPage = null;
  const t = {
    name: test.name,
    log: (text) => console.log(`  ${test.name}: ${text}`),
    // A fresh browser context (its own cookies and storage) and page.
    async newPage(options = {}) {
      const context = await browser.newContext({
        viewport: { width: 1280, height: 860 },
        locale: 'en-GB',
        timezoneId: 'UTC',
        ...options,
      });
      contexts.push(context);
      const page = await context.newPage();
      page.setDefaultTimeout(10000);
      page.on('pageerror', (error) => pageErrors.push(`uncaught exception in the page: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error' && /Content.Security.Policy|Refused to/i.test(message.text())) {
          pageErrors.push(`console error: ${message.text()}`);
        }
      });
      return page;
    },
    get page() { return defaultPage; },
    // Saves a screenshot as out/<test>-<label>.png; the runner checks it.
    async screenshot(label, page = defaultPage) {
      const file = path.join(OUT, `${test.name}-${label}.png`);
      await page.screenshot({ path: file });
      shots.push(file);
      return file;
    },
    signIn: (page, username, password) => signIn(page, server.url, username, password),
    addUser: (spec) => addUser(server, t.admin, spec),
  };
  let error = null;
  try {
    server = await startServer({ almanac: opts.almanac, webRoot: opts.webRoot });
    t.server = server;
    t.url = server.url;
    t.adminPassword = server.adminPassword;
    t.admin = restClient(server.url, 'admin', server.adminPassword);
    defaultPage = await t.newPage(test.page || {});
    await test.run(t);
    if (pageErrors.length) throw new Error(pageErrors.join('\n'));
    if (shots.length === 0) throw new Error('the test saved no screenshot');
    for (const file of shots) {
      const reason = blankReason(file);
      if (reason) throw new Error(`the screenshot ${path.basename(file)} looks blank: ${reason}`);
    }
  } catch (e) {
    error = e;
    if (defaultPage) {
      await defaultPage.screenshot({ path: path.join(OUT, `${test.name}-FAILED.png`) }).catch(() => {});
    }
  } finally {
    for (const context of contexts) await context.close().catch(() => {});
    if (server) await server.stop();
  }
  const ms = Date.now() - began;
  if (error) {
    console.log(`FAIL ${test.name} (${ms} ms)`);
    console.log(String(error && error.stack ? error.stack : error).split('\n').slice(0, 8).map((l) => `     ${l}`).join('\n'));
  } else {
    console.log(`ok   ${test.name} (${ms} ms, ${shots.length} screenshot${shots.length === 1 ? '' : 's'})`);
  }
  return { name: test.name, ok: !error };
}

main().catch((error) => {
  console.error(`web e2e: ${error && error.stack ? error.stack : error}`);
  console.log('web e2e: 0 passed, 1 failed: the runner itself failed');
  process.exit(2);
});
