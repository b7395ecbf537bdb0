// Which resources an event has booked, and whether they are free at another
// time. The event's bookings come from GET /api/v1/bookings?event_id=; for
// servers without that query the app falls back to the bookings it made
// itself and, in organisations with few resources, to reading each
// resource's bookings around the occurrence.
import { query, ApiError } from '../api.js';
import { loadPref, savePref } from '../prefs.js';
import { toMillis } from './time.js';

const SCAN_LIMIT = 25;
let resourcesPromise = null;

// Every resource of the organisation, fetched once per page load.
export function listResources(api, { refresh = false } = {}) {
  if (!resourcesPromise || refresh) {
    resourcesPromise = api.get('/api/v1/resources').then((r) => r.items).catch((err) => {
      resourcesPromise = null;
      throw err;
    });
  }
  return resourcesPromise;
}

// Notes that `eventId` booked `resourceIds`.
export function rememberBookings(eventId, resourceIds) {
  const map = loadPref('eventResources', {});
  const set = new Set([...(map[eventId] || []), ...resourceIds]);
  map[eventId] = [...set];
  savePref('eventResources', map);
}

// The bookings among `items` that hold a resource for the instance `inst`:
// approved or pending, of its event, and for the whole series (no
// recurrence_id) or for this occurrence.
export function liveBookingsFor(items, inst) {
  const occurrence = inst.recurrence_id ? toMillis(inst.recurrence_id) : null;
  return items.filter((b) => {
    if (b.event_id !== inst.event_id || (b.status !== 'approved' && b.status !== 'pending')) return false;
    if (!b.recurrence_id || occurrence === null) return true;
    return b.recurrence_id === inst.recurrence_id || toMillis(b.recurrence_id) === occurrence;
  });
}

// The resources (objects) with a live booking for the instance `inst`.
export async function bookedResources(api, inst) {
  let list;
  try {
    list = await api.get(`/api/v1/bookings${query({ event_id: inst.event_id })}`);
  } catch (err) {
    if (err instanceof ApiError && [400, 404, 405].includes(err.status)) return scanBookedResources(api, inst);
    throw err;
  }
  const live = liveBookingsFor(list.items || [], inst);
  if (live.length === 0) return [];
  const byId = new Map((await listResources(api).catch(() => [])).map((r) => [r.id, r]));
  const found = new Map();
  for (const b of live) found.set(b.resource_id, byId.get(b.resource_id) || { id: b.resource_id, name: b.resource_name });
  return [...found.values()];
}

// bookedResources for servers without GET /api/v1/bookings?event_id=.
async function scanBookedResources(api, inst) {
  const resources = await listResources(api);
  const byId = new Map(resources.map((r) => [r.id, r]));
  const remembered = new Set(loadPref('eventResources', {})[inst.event_id] || []);
  const found = new Map();
  const candidates = resources.length <= SCAN_LIMIT ? resources : resources.filter((r) => remembered.has(r.id));
  await Promise.all(
    candidates.map(async (r) => {
      const list = await api.get(`/api/v1/resources/${r.id}/bookings${query({ from: inst.start, to: inst.end })}`);
      if (list.items.some((b) => b.event_id === inst.event_id && (b.status === 'approved' || b.status === 'pending'))) found.set(r.id, r);
    }),
  );
  for (const id of remembered) if (!found.has(id) && byId.has(id) && resources.length > SCAN_LIMIT) found.set(id, byId.get(id));
  return [...found.values()];
}

// The clashes of booking `resources` for [start, end), not counting the
// bookings of `ownEventId` (they move with the event). Each clash is
// { resource, start, end, holder, kind }.
export async function checkResourcesFree(api, resources, start, end, ownEventId) {
  const clashes = [];
  await Promise.all(
    resources.map(async (r) => {
      const [bookings, avail] = await Promise.all([
        api.get(`/api/v1/resources/${r.id}/bookings${query({ from: start, to: end })}`),
        api.get(`/api/v1/resources/${r.id}/availability${query({ from: start, to: end })}`),
      ]);
      const others = bookings.items.filter((b) => b.blocking !== false && (b.status === 'approved' || b.status === 'pending') && b.event_id !== ownEventId);
      for (const b of others) {
        clashes.push({ resource: r, start: b.start, end: b.end, holder: b.details === false ? 'someone' : `${b.title}${b.requester_name ? ` (${b.requester_name})` : ''}`, kind: 'booking' });
      }
      if (others.length === 0) {
        // Free time minus our own booking: outside bookable hours or unavailable.
        const own = bookings.items.filter((b) => b.event_id === ownEventId && b.status !== 'rejected' && b.status !== 'cancelled');
        const spans = [...avail.free, ...own.map((b) => ({ start: b.block_start || b.start, end: b.block_end || b.end }))];
        if (!covers(spans, start, end)) clashes.push({ resource: r, start, end, holder: '', kind: 'unavailable' });
      }
    }),
  );
  return clashes;
}

// Whether the union of `spans` ({start, end} RFC 3339) covers [start, end).
export function covers(spans, start, end) {
  const a = toMillis(start);
  const b = toMillis(end);
  const sorted = spans.map((s) => [toMillis(s.start), toMillis(s.end)]).sort((x, y) => x[0] - y[0]);
  let reach = a;
  for (const [s, e] of sorted) {
    if (s > reach) break;
    if (e > reach) reach = e;
    if (reach >= b) return true;
  }
  return reach >= b;
}
