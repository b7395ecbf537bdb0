// The REST client of the web app: every call to /api/v1 goes through here.
// It sends the session cookie (same origin) and, on state-changing requests,
// the session's CSRF token, which it holds in memory only: at start-up
// `resumeSession()` asks the server for it (GET /api/v1/session). It turns
// RFC 9457 problems and network failures into ApiError, whose message is
// always a sentence fit to show a person.

// Thrown for every failed call. `status` is the HTTP status (0 when the
// server could not be reached), `code` the problem's machine code (or ''),
// `detail` its human sentence, `body` the parsed problem (or null).
export class ApiError extends Error {
  constructor(status, code, detail, body) {
    super(sentence(detail || fallbackDetail(status)));
    this.name = 'ApiError';
    this.status = status;
    this.code = code || '';
    this.detail = detail || '';
    this.body = body ?? null;
  }
}

// Makes a server detail ("no such calendar") read as a sentence.
export function sentence(text) {
  const t = String(text).trim();
  if (!t) return t;
  const first = t[0].toUpperCase() + t.slice(1);
  return /[.!?]$/.test(first) ? first : first + '.';
}

function fallbackDetail(status) {
  if (status === 0) return 'The server could not be reached. Check your connection and try again';
  if (status === 401) return 'You are not signed in';
  if (status === 403) return 'You are not allowed to do that';
  if (status === 404) return 'That item no longer exists';
  if (status === 409) return 'That clashes with something already there';
  if (status === 412) return 'Someone else changed this item meanwhile. Reload and try again';
  if (status === 429) return 'Too many requests. Wait a moment and try again';
  if (status >= 500) return 'The server had a problem. Try again in a moment';
  return `The request failed (HTTP ${status})`;
}

let csrfToken = '';
const unauthorizedListeners = new Set();

// Earlier versions kept the token in localStorage; remove that copy.
try {
  localStorage.removeItem('almanac.csrf');
} catch {
  // Storage may be forbidden; there is then no copy either.
}

// Calls `fn` when any request answers 401 (the session ended).
export function onUnauthorized(fn) {
  unauthorizedListeners.add(fn);
  return () => unauthorizedListeners.delete(fn);
}

async function request(method, path, body, { ifMatch, signal, quiet401 } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  if (ifMatch) headers['If-Match'] = ifMatch.startsWith('"') || ifMatch === '*' ? ifMatch : `"${ifMatch}"`;
  const url = path.startsWith('/') ? path : `/api/v1/${path}`;
  let res;
  try {
    res = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      signal,
    });
  } catch (err) {
    if (err && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'NETWORK', '', null);
  }
  const offline = res.headers.get('X-Almanac-Offline') === '1';
  if (res.status === 204) return null;
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const detail = data && typeof data.detail === 'string' ? data.detail : '';
    const code = data && typeof data.code === 'string' ? data.code : '';
    if (res.status === 401 && !quiet401) unauthorizedListeners.forEach((fn) => fn());
    throw new ApiError(res.status, code, detail, data);
  }
  if (data && typeof data === 'object' && offline) {
    Object.defineProperty(data, 'offline', { value: true, enumerable: false });
  }
  if (data && typeof data === 'object') {
    const etag = res.headers.get('ETag');
    if (etag) Object.defineProperty(data, 'etagHeader', { value: etag, enumerable: false });
  }
  return data;
}

// Paths may be absolute ("/api/v1/me") or relative to /api/v1/ ("me").
export const api = {
  get: (path, opts) => request('GET', path, undefined, opts),
  post: (path, body = {}, opts) => request('POST', path, body, opts),
  put: (path, body = {}, opts) => request('PUT', path, body, opts),
  patch: (path, body = {}, opts) => request('PATCH', path, body, opts),
  del: (path, opts) => request('DELETE', path, undefined, opts),
};

// Builds a query string, repeating keys whose value is an array and leaving
// out undefined, null and empty values.
export function query(params) {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) value.forEach((v) => q.append(key, String(v)));
    else q.append(key, String(value));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

// Signs in; resolves to the user, rejects with ApiError (401 for a wrong
// username or password, 429 when rate-limited).
export async function signIn(username, password) {
  const session = await request('POST', '/api/v1/session', { username, password }, { quiet401: true });
  csrfToken = session.csrf_token || '';
  return session.user;
}

export async function signOut() {
  try {
    await request('DELETE', '/api/v1/session', undefined, { quiet401: true });
  } finally {
    csrfToken = '';
  }
}

// The user of the live session and its CSRF token (GET /api/v1/session),
// or null when there is none (401). A server without that endpoint (404,
// 405, 400) cannot give the token back, so the user signs in again: null.
// Rejects with ApiError status 0 when the server cannot be reached.
export async function resumeSession() {
  try {
    const session = await request('GET', '/api/v1/session', undefined, { quiet401: true });
    csrfToken = session.csrf_token || '';
    return session.user;
  } catch (err) {
    if (err instanceof ApiError && [400, 401, 404, 405].includes(err.status)) {
      csrfToken = '';
      return null;
    }
    throw err;
  }
}
