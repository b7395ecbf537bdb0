// Unit tests of the month view's placement (calendar/month-view.js): lanes,
// the "+N more" counts, drawing order and how many lanes a row holds.
import { describe as group, it, expect } from 'vitest';
import { placeWeek, compareItems, lanesFor, LANE, HEAD } from '../src/calendar/month-view.js';
import { markerDay as isoDay, markerClock } from '../src/calendar/time.js';

const item = (startCol, endCol, extra = {}) => ({ startCol, endCol, allDay: false, start: 0, title: '', ...extra });

group('placeWeek', () => {
  it('puts events of different days in the first lane', () => {
    const r = placeWeek([item(0, 0), item(1, 1), item(6, 6)], 3);
    expect(r.lanes).toEqual([0, 0, 0]);
    expect(r.shown).toEqual([true, true, true]);
    expect(r.hidden).toEqual([0, 0, 0, 0, 0, 0, 0]);
  });

  it('stacks events of one day and keeps a multi-day bar in one lane across its days', () => {
    const bar = item(1, 4, { allDay: true });
    const r = placeWeek([bar, item(2, 2), item(2, 2), item(5, 5)], 5);
    expect(r.lanes).toEqual([0, 1, 2, 0]);
    expect(r.shown.every(Boolean)).toBe(true);
  });

  it('finds the lowest lane free on every day of a bar', () => {
    // Lane 0 is taken on day 3 only; the bar over days 2-4 needs lane 1.
    const r = placeWeek([item(3, 3), item(2, 4)], 4);
    expect(r.lanes).toEqual([0, 1]);
  });

  it('keeps the last lane for "+N more" when a day overflows and counts what is hidden per day', () => {
    const day = [item(0, 0), item(0, 0), item(0, 0), item(0, 0), item(0, 0)];
    const r = placeWeek([...day, item(3, 3), item(3, 3)], 3);
    // Capacity 3: day 0 needs 5 lanes, so the week shows 2 lanes and a "+N more" row.
    expect(r.limit).toBe(2);
    expect(r.shown).toEqual([true, true, false, false, false, true, true]);
    expect(r.hidden[0]).toBe(3);
    expect(r.hidden[3]).toBe(0);
  });

  it('counts a hidden bar on every day it covers', () => {
    const r = placeWeek([item(0, 0), item(0, 0), item(0, 2, { allDay: true })], 2);
    expect(r.limit).toBe(1);
    expect(r.shown).toEqual([true, false, false]);
    expect(r.hidden.slice(0, 4)).toEqual([2, 1, 1, 0]);
  });

  it('shows everything when exactly full', () => {
    const r = placeWeek([item(0, 0), item(0, 0), item(0, 0)], 3);
    expect(r.limit).toBe(3);
    expect(r.shown).toEqual([true, true, true]);
  });
});

group('compareItems', () => {
  it('orders by first day, then longer first, then all-day, then start, then title', () => {
    const items = [
      item(1, 1, { start: 10, title: 'b' }),
      item(1, 1, { start: 10, title: 'a' }),
      item(1, 1, { start: 5, title: 'z' }),
      item(1, 1, { allDay: true, start: 20, title: 'all day' }),
      item(1, 3, { allDay: true, start: 30, title: 'long' }),
      item(0, 0, { start: 99, title: 'first day' }),
    ];
    expect(items.sort(compareItems).map((i) => i.title)).toEqual(['first day', 'long', 'all day', 'z', 'a', 'b']);
  });
});

group('lanesFor and isoDay', () => {
  it('fits whole lanes under the day number, at least one', () => {
    expect(lanesFor(HEAD + 4 * LANE)).toBe(4);
    expect(lanesFor(HEAD + 4 * LANE - 1)).toBe(3);
    expect(lanesFor(10)).toBe(1);
  });
  it('names a date marker by its UTC fields', () => {
    expect(isoDay(new Date(Date.UTC(2025, 2, 9, 23, 59)))).toBe('2025-03-09');
    expect(markerClock(new Date(Date.UTC(2025, 2, 9, 7, 5)))).toBe('07:05');
  });
});
