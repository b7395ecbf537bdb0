// The calendar's time-zone plugin (src/calendar/zone-plugin.js) against
// Luxon on both sides of every kind of zone: DST north and south, a
// half-hour zone, a zone without DST, instants around the transitions, and
// wall-clock times in the gaps and overlaps.
import { describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { offsetAt, offsetForWall } from '../src/calendar/zone-plugin.js';

const ZONES = ['Europe/Berlin', 'America/New_York', 'Australia/Sydney', 'Australia/Lord_Howe',
  'Asia/Kolkata', 'Asia/Tokyo', 'America/Sao_Paulo', 'Pacific/Chatham', 'UTC'];

describe('offsetAt', () => {
  it('agrees with Luxon every 37 minutes through 2025 and around each transition', () => {
    for (const zone of ZONES) {
      const start = Date.UTC(2025, 0, 1);
      const end = Date.UTC(2026, 0, 1);
      for (let ms = start; ms < end; ms += 37 * 60000) {
        const want = DateTime.fromMillis(ms, { zone }).offset;
        if (offsetAt(zone, ms) !== want) {
          throw new Error(`${zone} at ${new Date(ms).toISOString()}: ${offsetAt(zone, ms)} != ${want}`);
        }
        // The second before and after an hour boundary, where transitions are.
        const hour = Math.floor(ms / 3600000) * 3600000;
        for (const t of [hour - 1000, hour, hour + 1000]) {
          expect(offsetAt(zone, t)).toBe(DateTime.fromMillis(t, { zone }).offset);
        }
      }
    }
  });

  it('knows the EU change of 30 March 2025 to the second', () => {
    const change = Date.UTC(2025, 2, 30, 1, 0, 0);
    expect(offsetAt('Europe/Berlin', change - 1000)).toBe(60);
    expect(offsetAt('Europe/Berlin', change)).toBe(120);
  });
});

describe('offsetForWall', () => {
  const wall = (y, m, d, h, min = 0) => [y, m - 1, d, h, min, 0, 0];

  it('reads ordinary times like Luxon', () => {
    for (const zone of ZONES) {
      for (const [y, m, d, h] of [[2025, 1, 15, 9], [2025, 7, 1, 23], [2025, 10, 5, 0]]) {
        const want = DateTime.fromObject({ year: y, month: m, day: d, hour: h }, { zone }).offset;
        expect(offsetForWall(zone, wall(y, m, d, h))).toBe(want);
      }
    }
  });

  it('moves a time in the spring gap forward and takes the earlier of two in the autumn', () => {
    // 02:30 on 30 March 2025 does not exist in Berlin: read with +01:00 it is 03:30 CEST.
    expect(offsetForWall('Europe/Berlin', wall(2025, 3, 30, 2, 30))).toBe(60);
    // 02:30 on 26 October 2025 happens twice: the first, CEST.
    expect(offsetForWall('Europe/Berlin', wall(2025, 10, 26, 2, 30))).toBe(120);
    expect(offsetForWall('America/New_York', wall(2025, 11, 2, 1, 30))).toBe(-240);
    expect(offsetForWall('America/New_York', wall(2025, 3, 9, 2, 30))).toBe(-300);
  });
});

describe('formatSpan', () => {
  it('writes spans in the zone as Luxon does', async () => {
    const { formatSpan } = await import('../src/calendar/time.js');
    const luxonSpan = (a, b, zone) => {
      const x = DateTime.fromISO(a, { setZone: true }).setZone(zone);
      const y = DateTime.fromISO(b, { setZone: true }).setZone(zone);
      if (x.hasSame(y, 'day')) return `${x.toFormat('ccc d LLL yyyy, HH:mm')}–${y.toFormat('HH:mm')}`;
      return `${x.toFormat('ccc d LLL yyyy, HH:mm')} – ${y.toFormat('ccc d LLL yyyy, HH:mm')}`;
    };
    const cases = [
      ['2025-03-10T09:00:00+01:00', '2025-03-10T10:30:00+01:00'],
      ['2025-03-29T23:30:00Z', '2025-03-30T02:00:00Z'], // across the Berlin change
      ['2025-10-26T00:30:00Z', '2025-10-26T01:30:00Z'],
      ['2025-12-31T22:00:00-05:00', '2026-01-01T01:00:00-05:00'],
    ];
    for (const zone of ZONES) {
      for (const [a, b] of cases) expect(formatSpan(a, b, zone)).toBe(luxonSpan(a, b, zone));
    }
    expect(formatSpan('2025-03-10T09:00:00Z', '2025-03-10T10:00:00Z', 'Asia/Kolkata')).toBe('Mon 10 Mar 2025, 14:30–15:30');
  });
});
