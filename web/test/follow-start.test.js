// Unit tests of followStart (src/recurrence/rule.js): when the start date of
// a series changes in the event dialog, the weekly weekday, day N of the
// month, "the 2nd Tuesday" / "the last Friday" and a yearly rule's month
// follow the new start, unless the user picked them by hand.
import { describe as group, it, expect } from 'vitest';
import { build, parse, defaultState, followStart, startOrdinal, dateFacts } from '../src/recurrence/rule.js';

// 2025-06-10 is the 2nd Tuesday of June; 2025-06-18 the 3rd Wednesday;
// 2025-06-27 the last Friday; 2025-07-25 the last Friday of July;
// 2025-07-11 the 2nd Friday of July.
group('followStart: weekly', () => {
  it('moves the single weekday with the start', () => {
    const state = { ...defaultState('2025-06-10'), freq: 'WEEKLY' };
    expect(build(state)).toBe('FREQ=WEEKLY;BYDAY=TU');
    const moved = followStart(state, '2025-06-10', '2025-06-12');
    expect(build(moved)).toBe('FREQ=WEEKLY;BYDAY=TH');
  });

  it('moves the weekday of a stored rule that repeats on the start day only', () => {
    const state = parse('FREQ=WEEKLY;BYDAY=TU;COUNT=5', '2025-06-10');
    expect(build(followStart(state, '2025-06-10', '2025-06-11'))).toBe('FREQ=WEEKLY;BYDAY=WE;COUNT=5');
  });

  it('keeps weekdays the user ticked by hand', () => {
    const state = { ...defaultState('2025-06-10'), freq: 'WEEKLY', weekdays: ['TU'] };
    const moved = followStart(state, '2025-06-10', '2025-06-12', { weekdays: true });
    expect(build(moved)).toBe('FREQ=WEEKLY;BYDAY=TU');
  });

  it('keeps a set of several weekdays', () => {
    const state = parse('FREQ=WEEKLY;BYDAY=TU,TH', '2025-06-10');
    expect(build(followStart(state, '2025-06-10', '2025-06-11'))).toBe('FREQ=WEEKLY;BYDAY=TU,TH');
  });

  it('keeps a weekday that was not the start\'s', () => {
    const state = parse('FREQ=WEEKLY;BYDAY=FR', '2025-06-10');
    expect(build(followStart(state, '2025-06-10', '2025-06-11'))).toBe('FREQ=WEEKLY;BYDAY=FR');
  });

  it('follows each of several moves in a row', () => {
    let state = { ...defaultState('2025-06-10'), freq: 'WEEKLY' };
    state = followStart(state, '2025-06-10', '2025-06-11');
    state = followStart(state, '2025-06-11', '2025-06-15');
    expect(build(state)).toBe('FREQ=WEEKLY;BYDAY=SU');
  });
});

group('followStart: monthly', () => {
  it('moves "the 2nd Tuesday" to "the 3rd Wednesday"', () => {
    const state = { ...defaultState('2025-06-10'), freq: 'MONTHLY', monthly: 'weekday', ordinal: 2, weekday: 'TU' };
    expect(build(state)).toBe('FREQ=MONTHLY;BYDAY=2TU');
    expect(build(followStart(state, '2025-06-10', '2025-06-18'))).toBe('FREQ=MONTHLY;BYDAY=3WE');
  });

  it('keeps "the last Friday" when the new start is a last Friday too', () => {
    const state = parse('FREQ=MONTHLY;BYDAY=-1FR', '2025-06-27');
    expect(build(followStart(state, '2025-06-27', '2025-07-25'))).toBe('FREQ=MONTHLY;BYDAY=-1FR');
  });

  it('turns "the 2nd Thursday" into "the last Friday", as the editor offers it', () => {
    const state = parse('FREQ=MONTHLY;BYDAY=2TH', '2025-06-12');
    expect(build(followStart(state, '2025-06-12', '2025-06-27'))).toBe('FREQ=MONTHLY;BYDAY=-1FR');
  });

  it('turns "the last Friday" into "the 2nd Friday" when the start moves there', () => {
    const state = parse('FREQ=MONTHLY;BYDAY=-1FR', '2025-06-27');
    expect(build(followStart(state, '2025-06-27', '2025-07-11'))).toBe('FREQ=MONTHLY;BYDAY=2FR');
  });

  it('turns "the 2nd Tuesday" into "the last Thursday" on a 5th Thursday', () => {
    const state = parse('FREQ=MONTHLY;BYDAY=2TU', '2025-06-10');
    // 2025-05-29 is the 5th (and last) Thursday of May.
    expect(build(followStart(state, '2025-06-10', '2025-05-29'))).toBe('FREQ=MONTHLY;BYDAY=-1TH');
  });

  it('moves "day 10" to "day 18"', () => {
    const state = parse('FREQ=MONTHLY;BYMONTHDAY=10', '2025-06-10');
    expect(build(followStart(state, '2025-06-10', '2025-06-18'))).toBe('FREQ=MONTHLY;BYMONTHDAY=18');
  });

  it('keeps "the last day" when the start moves to another last day', () => {
    const state = parse('FREQ=MONTHLY;BYMONTHDAY=-1', '2025-06-30');
    expect(build(followStart(state, '2025-06-30', '2025-07-31'))).toBe('FREQ=MONTHLY;BYMONTHDAY=-1');
    expect(build(followStart(state, '2025-06-30', '2025-07-15'))).toBe('FREQ=MONTHLY;BYMONTHDAY=15');
  });

  it('keeps an ordinal and weekday picked by hand', () => {
    const state = parse('FREQ=MONTHLY;BYDAY=2TU', '2025-06-10');
    expect(build(followStart(state, '2025-06-10', '2025-06-18', { monthly: true }))).toBe('FREQ=MONTHLY;BYDAY=2TU');
  });

  it('keeps "the 1st Monday" that has nothing to do with the start', () => {
    const state = parse('FREQ=MONTHLY;BYDAY=1MO', '2025-06-10');
    expect(build(followStart(state, '2025-06-10', '2025-06-18'))).toBe('FREQ=MONTHLY;BYDAY=1MO');
  });
});

group('followStart: yearly and the rest', () => {
  it('moves "the 2nd Tuesday of June" to "the 4th Thursday of November"', () => {
    const state = parse('FREQ=YEARLY;BYMONTH=6;BYDAY=2TU', '2025-06-10');
    // 2025-11-20 is the 3rd Thursday; 2025-11-27 the 4th and last.
    expect(build(followStart(state, '2025-06-10', '2025-11-20'))).toBe('FREQ=YEARLY;BYMONTH=11;BYDAY=3TH');
  });

  it('keeps a month picked by hand', () => {
    const state = parse('FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=10', '2025-06-10');
    expect(build(followStart(state, '2025-06-10', '2025-07-12', { month: true }))).toBe('FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=12');
  });

  it('changes nothing when the date stays or the rule is kept as raw text', () => {
    const state = parse('FREQ=WEEKLY;BYDAY=TU', '2025-06-10');
    expect(followStart(state, '2025-06-10', '2025-06-10')).toBe(state);
    const raw = { ...state, raw: 'FREQ=WEEKLY;BYDAY=TU;BYHOUR=9;BYHOUR=10' };
    expect(followStart(raw, '2025-06-10', '2025-06-11')).toBe(raw);
  });

  it('offers "last" first only for a 4th or 5th weekday that ends the month', () => {
    expect(startOrdinal(dateFacts('2025-06-10'))).toBe(2);
    expect(startOrdinal(dateFacts('2025-06-27'))).toBe(-1);
    expect(startOrdinal(dateFacts('2025-07-22'))).toBe(4);
  });
});
