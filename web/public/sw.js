// Almanac's service worker. It keeps the app shell (index.html, the hashed
// bundles under /assets/, the manifest and icons) and the answers of
// GET /api/v1/events for the ranges the user has loaded, so the last loaded
// weeks can be shown offline. Every other API answer goes to the network
// only and is never stored.

const SHELL_CACHE = 'almanac-shell-v1';
const EVENTS_CACHE = 'almanac-events-v1';
const MAX_EVENT_ENTRIES = 60;
const SHELL_FILES = ['/', '/manifest.webmanifest', '/icons/icon-192.png', '/icons/icon-512.png'];

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL_CACHE);
      await cache.addAll(SHELL_FILES);
      // The bundles index.html names, found in its text (their names are hashed).
      const html = await (await cache.match('/')).text();
      const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
      await cache.addAll([...new Set(assets)]);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) if (key !== SHELL_CACHE && key !== EVENTS_CACHE) await caches.delete(key);
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('message', (event) => {
  // Sent on sign-out: saved weeks belong to the user who loaded them.
  if (event.data && event.data.type === 'clear-events') event.waitUntil(caches.delete(EVENTS_CACHE));
});

async function tell(type) {
  for (const client of await self.clients.matchAll({ type: 'window' })) client.postMessage({ type });
}

async function trim(cache) {
  const keys = await cache.keys();
  for (let i = 0; i < keys.length - MAX_EVENT_ENTRIES; i++) await cache.delete(keys[i]);
}

async function eventsFromNetworkOrCache(request) {
  const cache = await caches.open(EVENTS_CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) {
      await cache.delete(request);
      await cache.put(request, response.clone());
      trim(cache);
      tell('online-events');
    }
    return response;
  } catch (err) {
    const saved = await cache.match(request);
    tell('offline-events');
    if (saved) {
      const headers = new Headers(saved.headers);
      headers.set('X-Almanac-Offline', '1');
      return new Response(await saved.blob(), { status: 200, headers });
    }
    return new Response(
      JSON.stringify({ type: 'about:blank', title: 'Service Unavailable', status: 503, code: 'UNAVAILABLE', detail: 'You are offline and these dates were not loaded before.' }),
      { status: 503, headers: { 'Content-Type': 'application/problem+json', 'X-Almanac-Offline': '1' } },
    );
  }
}

async function shellNetworkFirst(request) {
  const cache = await caches.open(SHELL_CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put('/', response.clone());
    return response;
  } catch (err) {
    return (await cache.match('/')) || Response.error();
  }
}

async function assetCacheFirst(request) {
  const cache = await caches.open(SHELL_CACHE);
  const hit = await cache.match(request);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === '/api/v1/events') {
    event.respondWith(eventsFromNetworkOrCache(request));
    return;
  }
  if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/dav/') || url.pathname.startsWith('/feeds/')) return;
  if (request.mode === 'navigate' || url.pathname === '/' || url.pathname === '/index.html') {
    event.respondWith(shellNetworkFirst(request));
    return;
  }
  if (url.pathname.startsWith('/assets/') || SHELL_FILES.includes(url.pathname)) {
    event.respondWith(assetCacheFirst(request));
  }
});
