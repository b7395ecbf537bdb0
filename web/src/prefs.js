// Per-browser preferences kept in localStorage (the displayed time zone,
// hidden calendars and modules, saved filter presets), and the list of time
// zones the zone selector offers.

const PREFIX = 'almanac.';

export function loadPref(name, fallback) {
  try {
    const raw = localStorage.getItem(PREFIX + name);
    return raw === null ? fallback : JSON.parse(raw);
  } catch {
    return fallback;
  }
}

export function savePref(name, value) {
  try {
    localStorage.setItem(PREFIX + name, JSON.stringify(value));
  } catch {
    // Storage may be full or forbidden; the preference then lasts this page only.
  }
}

// Every IANA zone the browser knows, with UTC and the given zones first.
export function timeZones(...first) {
  let all = [];
  try {
    all = Intl.supportedValuesOf('timeZone');
  } catch {
    all = ['Europe/London', 'Europe/Berlin', 'America/New_York', 'America/Los_Angeles', 'Asia/Tokyo', 'Australia/Sydney'];
  }
  const head = [...new Set([...first.filter(Boolean), 'UTC'])];
  return [...head, ...all.filter((z) => !head.includes(z))];
}
