// Unit tests of the recurrence editor's model (src/recurrence/rule.js):
// rules round-trip through parse and build, editor states build the
// expected RRULE, descriptions read as English, and bad input is refused.
import { describe as group, it, expect } from 'vitest';
import { build, parse, buildOrRaw, sameRule, describe, defaultState, dateFacts, ordinalWord } from '../src/recurrence/rule.js';

const CANONICAL_RULES = [
  'FREQ=DAILY',
  'FREQ=DAILY;INTERVAL=3',
  'FREQ=DAILY;COUNT=5',
  'FREQ=DAILY;INTERVAL=2;UNTIL=20250630',
  'FREQ=DAILY;UNTIL=20250630T235959Z',
  'FREQ=WEEKLY',
  'FREQ=WEEKLY;BYDAY=MO',
  'FREQ=WEEKLY;BYDAY=TU,TH',
  'FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;COUNT=10',
  'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR',
  'FREQ=WEEKLY;BYDAY=MO,WE,FR;UNTIL=20251231T235959Z',
  'FREQ=WEEKLY;INTERVAL=3;BYDAY=SA,SU',
  'FREQ=MONTHLY',
  'FREQ=MONTHLY;BYMONTHDAY=15',
  'FREQ=MONTHLY;BYMONTHDAY=-1',
  'FREQ=MONTHLY;BYMONTHDAY=31;COUNT=6',
  'FREQ=MONTHLY;BYDAY=2TU',
  'FREQ=MONTHLY;BYDAY=-1FR',
  'FREQ=MONTHLY;INTERVAL=2;BYDAY=1MO;COUNT=12',
  'FREQ=MONTHLY;BYDAY=-2TH;UNTIL=20261231',
  'FREQ=YEARLY',
  'FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=10',
  'FREQ=YEARLY;BYMONTH=11;BYDAY=4TH',
  'FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29;COUNT=3',
  'FREQ=YEARLY;BYMONTH=5;BYDAY=-1MO',
  // Parts the editor does not model are kept verbatim.
  'FREQ=DAILY;BYHOUR=9,17',
  'FREQ=WEEKLY;BYDAY=MO;WKST=SU',
  'FREQ=YEARLY;BYMONTH=3',
];

group('build(parse(rule))', () => {
  for (const rule of CANONICAL_RULES) {
    it(`rebuilds ${rule} unchanged`, () => {
      const state = parse(rule, '2025-03-10');
      expect(state.raw).toBeUndefined();
      expect(build(state)).toBe(rule);
    });
  }

  it('accepts the RRULE: prefix and lower case', () => {
    expect(build(parse('rrule:freq=weekly;byday=tu,th', '2025-03-11'))).toBe('FREQ=WEEKLY;BYDAY=TU,TH');
  });

  it('keeps a rule it cannot rebuild (a part given twice) as raw text', () => {
    const state = parse('FREQ=DAILY;COUNT=3;COUNT=4', '2025-03-10');
    expect(state.raw).toBe('FREQ=DAILY;COUNT=3;COUNT=4');
    expect(buildOrRaw(state)).toBe('FREQ=DAILY;COUNT=3;COUNT=4');
  });

  it('keeps weekdays written out of order as raw text', () => {
    const state = parse('FREQ=WEEKLY;BYDAY=TH,TU', '2025-03-11');
    expect(buildOrRaw(state)).toBe('FREQ=WEEKLY;BYDAY=TH,TU');
  });

  it('refuses text that is not a rule', () => {
    expect(() => parse('', '2025-03-10')).toThrow(SyntaxError);
    expect(() => parse('BYDAY=MO', '2025-03-10')).toThrow(/no FREQ/);
    expect(() => parse('FREQ', '2025-03-10')).toThrow(SyntaxError);
  });
});

group('build(state)', () => {
  it('builds "the 2nd Tuesday" and "the last Friday"', () => {
    const s = defaultState('2025-03-11', 'MONTHLY');
    expect(build({ ...s, monthly: 'weekday', ordinal: 2, weekday: 'TU' })).toBe('FREQ=MONTHLY;BYDAY=2TU');
    expect(build({ ...s, monthly: 'weekday', ordinal: -1, weekday: 'FR', end: 'count', count: 4 })).toBe('FREQ=MONTHLY;BYDAY=-1FR;COUNT=4');
  });

  it('orders weekdays Monday first whatever order they were ticked in', () => {
    expect(build({ ...defaultState('2025-03-10'), weekdays: ['FR', 'MO', 'WE'] })).toBe('FREQ=WEEKLY;BYDAY=MO,WE,FR');
  });

  it('leaves out INTERVAL=1 and writes UNTIL as a date', () => {
    const s = { ...defaultState('2025-03-10', 'DAILY'), interval: 1, end: 'until', until: '2025-04-01' };
    expect(build(s)).toBe('FREQ=DAILY;UNTIL=20250401');
  });

  it('follows the start when the monthly mode is "start"', () => {
    expect(build(defaultState('2025-03-10', 'MONTHLY'))).toBe('FREQ=MONTHLY');
  });

  it('refuses fields out of range with a sentence naming the field', () => {
    const s = defaultState('2025-03-10', 'WEEKLY');
    expect(() => build({ ...s, interval: 0 })).toThrow(/interval/);
    expect(() => build({ ...s, end: 'count', count: 0 })).toThrow(/number of times/);
    expect(() => build({ ...s, end: 'until', until: '' })).toThrow(/end date/);
    expect(() => build({ ...s, freq: 'MONTHLY', monthly: 'weekday', ordinal: 0, weekday: 'TU' })).toThrow(/week of the month/);
    expect(() => build({ ...s, freq: 'MONTHLY', monthly: 'day', monthDay: 32 })).toThrow(/day of the month/);
    expect(() => build({ ...s, freq: 'HOURLY' })).toThrow(/frequency/);
  });
});

group('describe(state)', () => {
  const cases = [
    ['FREQ=DAILY', 'Every day'],
    ['FREQ=DAILY;INTERVAL=2;COUNT=1', 'Every 2 days, once'],
    ['FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;COUNT=10', 'Every 2 weeks on Tuesday and Thursday, 10 times'],
    ['FREQ=WEEKLY;BYDAY=MO,WE,FR', 'Every week on Monday, Wednesday and Friday'],
    ['FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU', 'Every week on every day of the week'],
    ['FREQ=MONTHLY;BYDAY=2TU', 'Every month on the 2nd Tuesday'],
    ['FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20251231', 'Every month on the last Friday, until 31 December 2025'],
    ['FREQ=MONTHLY;BYDAY=-2TH', 'Every month on the 2nd last Thursday'],
    ['FREQ=MONTHLY;BYMONTHDAY=15', 'Every month on day 15'],
    ['FREQ=MONTHLY;BYMONTHDAY=-1', 'Every month on the last day'],
    ['FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=10', 'Every year on 10 March'],
    ['FREQ=YEARLY;BYMONTH=11;BYDAY=4TH', 'Every year on the 4th Thursday of November'],
    ['FREQ=DAILY;BYHOUR=9,17', 'Every day (with BYHOUR=9,17)'],
  ];
  for (const [rule, text] of cases) {
    it(`describes ${rule}`, () => expect(describe(parse(rule, '2025-03-10'), '2025-03-10')).toBe(text));
  }

  it('names the start day for rules that follow the start', () => {
    expect(describe(parse('FREQ=WEEKLY', '2025-03-12'), '2025-03-12')).toBe('Every week on Wednesday');
    expect(describe(parse('FREQ=MONTHLY', '2025-03-12'), '2025-03-12')).toBe('Every month on day 12');
    expect(describe(parse('FREQ=YEARLY', '2025-03-12'), '2025-03-12')).toBe('Every year on 12 March');
  });

  it('describes a raw rule as custom', () => {
    expect(describe(parse('FREQ=DAILY;COUNT=2;COUNT=3'))).toBe('Custom rule: FREQ=DAILY;COUNT=2;COUNT=3');
  });
});

group('dateFacts', () => {
  it('finds the weekday and its place in the month', () => {
    expect(dateFacts('2025-03-11')).toMatchObject({ weekday: 'TU', ordinal: 2, monthDay: 11, month: 3, isLast: false });
    expect(dateFacts('2025-03-28')).toMatchObject({ weekday: 'FR', ordinal: 4, isLast: true });
    expect(dateFacts('2024-02-29')).toMatchObject({ weekday: 'TH', ordinal: 5, isLast: true, daysInMonth: 29 });
  });

  it('writes English ordinals', () => {
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, -1, -2].map(ordinalWord)).toEqual(['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd', 'last', '2nd last']);
  });
});

group('rules as the server stores them', () => {
  it('reads parts in any order, as the server normalises them', () => {
    const state = parse('FREQ=WEEKLY;COUNT=30;BYDAY=MO,WE,FR', '2025-03-03');
    expect(state.raw).toBeUndefined();
    expect(state.weekdays).toEqual(['MO', 'WE', 'FR']);
    expect(state.count).toBe(30);
    expect(build(state)).toBe('FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=30');
    expect(sameRule(build(state), 'FREQ=WEEKLY;COUNT=30;BYDAY=MO,WE,FR')).toBe(true);
  });

  it('tells different rules apart', () => {
    expect(sameRule('FREQ=WEEKLY;BYDAY=MO', 'FREQ=WEEKLY;BYDAY=TU')).toBe(false);
    expect(sameRule('FREQ=WEEKLY', null)).toBe(false);
    expect(sameRule(null, null)).toBe(true);
  });
});
