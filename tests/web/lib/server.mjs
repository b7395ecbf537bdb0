// Starts a fresh `almanac serve` on a temporary data directory and port 0
// for one test, and gives the test a small REST client (Basic auth) to set
// up users and data and to check results through the public API.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

// Starts the server; resolves to {url, adminPassword, dataDir, log(), stop()}.
// Rejects when the server does not say where it listens within 20 s.
export async function startServer({ almanac, webRoot }) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'almanac-web-'));
  const args = ['serve', '--data', dataDir, '--listen', '127.0.0.1:0', '--web-root', webRoot];
  const child = spawn(almanac, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk) => { output += chunk.toString(); };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));

  const ready = await new Promise((resolve) => {
    const deadline = setTimeout(() => resolve(null), 20000);
    const poll = setInterval(() => {
      const url = /almanac: listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      const password = /admin password \(shown only now\): (\S+)/.exec(output);
      if (url && password) {
        clearTimeout(deadline);
        clearInterval(poll);
        resolve({ url: url[1], adminPassword: password[1] });
      }
    }, 50);
    exited.then(() => { clearTimeout(deadline); clearInterval(poll); resolve(null); });
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  if (!ready) {
    await stop();
    throw new Error(`almanac serve did not start (${almanac} ${args.join(' ')}):\n${output.slice(-2000)}`);
  }
  return { ...ready, dataDir, log: () => output, stop };
}

// An error from the REST API, with the status and the parsed problem.
export class RestError extends Error {
  constructor(method, pathName, status, body) {
    super(`${method} ${pathName} answered ${status}: ${body && body.detail ? body.detail : JSON.stringify(body)}`);
    this.status = status;
    this.body = body;
  }
}

// A REST client for `baseUrl` signed in as `username` with Basic auth.
export function restClient(baseUrl, username, password) {
  const auth = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  async function call(method, pathName, body, headers = {}) {
    const res = await fetch(baseUrl + pathName, {
      method,
      headers: { Authorization: auth, Accept: 'application/json', ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const data = text ? JSON.parse(text) : null;
    if (!res.ok) throw new RestError(method, pathName, res.status, data);
    return { data, etag: res.headers.get('etag') };
  }
  return {
    get: async (p) => (await call('GET', p)).data,
    post: async (p, body = {}) => (await call('POST', p, body)).data,
    patch: async (p, body, headers) => (await call('PATCH', p, body, headers)).data,
    del: async (p, headers) => (await call('DELETE', p, undefined, headers)).data,
    raw: call,
  };
}

// Adds a user through the API (as an admin) and returns {user, password, api}.
export async function addUser(server, admin, { username, role = 'member', displayName, timezone, managerId }) {
  const password = `pw-${username}-${Math.random().toString(36).slice(2, 10)}`;
  const body = { username, email: `${username}@example.test`, role, password };
  if (displayName) body.display_name = displayName;
  if (timezone) body.timezone = timezone;
  if (managerId) body.manager_id = managerId;
  const user = await admin.post('/api/v1/users', body);
  return { user, password, api: restClient(server.url, username, password) };
}
