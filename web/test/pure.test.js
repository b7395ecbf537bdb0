// Unit tests of the app's pure helpers: hash routes, the client-side
// filters and event conversion, booking coverage, and the API client's
// query strings and error sentences.
import { describe as group, it, expect } from 'vitest';
import { parseHash, calendarHash, viewForFc } from '../src/router.js';
import { passesFilter, filterParams, hasServerFilter, organiserEmail, isLeaveInstance, toFcEvent, textColorFor, statusSuffix, RangeCache, SpanCache, spans } from '../src/calendar/events.js';
import { covers, liveBookingsFor } from '../src/calendar/bookings.js';
import { query, sentence, ApiError } from '../src/api.js';
import { shiftIso, wallToIso, isoToWall } from '../src/calendar/time.js';

const inst = (fields) => ({
  event_id: 7,
  calendar_id: 2,
  recurrence_id: null,
  title: 'Review',
  start: '2025-03-11T10:00:00+01:00',
  end: '2025-03-11T11:00:00+01:00',
  all_day: false,
  recurring: false,
  busy_only: false,
  status: 'confirmed',
  priority: 0,
  color: '#3b82f6',
  ...fields,
});

group('routes', () => {
  it('parses calendar views, dates and pages', () => {
    expect(parseHash('#/week/2025-03-10')).toEqual({ page: 'calendar', view: 'week', date: '2025-03-10' });
    expect(parseHash('#/month')).toEqual({ page: 'calendar', view: 'month', date: null });
    expect(parseHash('#/day/2025-13-45')).toEqual({ page: 'calendar', view: 'day', date: null });
    expect(parseHash('#/resources')).toEqual({ page: 'resources', rest: [] });
    expect(parseHash('')).toEqual({ page: 'calendar', view: null, date: null });
    expect(parseHash('#/nonsense/x')).toEqual({ page: 'calendar', view: null, date: null });
  });

  it('builds hashes and maps FullCalendar views back to routes', () => {
    expect(calendarHash('agenda', '2025-03-01')).toBe('#/agenda/2025-03-01');
    expect(viewForFc('timeGridWeek')).toBe('week');
    expect(viewForFc('dayGridTwoWeeks')).toBe('weeks');
    expect(viewForFc('listYear')).toBe('search');
    expect(viewForFc('resourceTimeline')).toBeNull();
  });
});

group('event filters', () => {
  // Servers without `organizer` in instances: the calendar owner's e-mail.
  const owners = new Map([[2, 'ana@example.test']]);
  const ownerEmail = (id) => owners.get(id);

  it('asks the server for statuses, a priority band and an organiser', () => {
    expect(filterParams({ statuses: [], priority: 'any', organiser: '' })).toEqual({
      status: undefined, priority_min: undefined, priority_max: undefined, organizer: undefined,
    });
    expect(filterParams({ statuses: ['confirmed', 'tentative'], priority: 'high', organiser: 'Ana@Example.test' })).toEqual({
      status: ['confirmed', 'tentative'], priority_min: 1, priority_max: 4, organizer: 'Ana@Example.test',
    });
    expect(filterParams({ statuses: [], priority: 'none', organiser: '' })).toMatchObject({ priority_min: 0, priority_max: 0 });
    expect(filterParams({ statuses: [], priority: 'low', organiser: '' })).toMatchObject({ priority_min: 6, priority_max: 9 });
    expect(hasServerFilter({ statuses: [], priority: 'any', organiser: '' })).toBe(false);
    expect(hasServerFilter({ statuses: [], priority: 'medium', organiser: '' })).toBe(true);
    expect(query({ from: 'a', ...filterParams({ statuses: ['confirmed', 'cancelled'], priority: 'medium', organiser: 'x@y.z' }) }))
      .toBe('?from=a&status=confirmed&status=cancelled&priority_min=5&priority_max=5&organizer=x%40y.z');
  });

  it('keeps only the ticked statuses', () => {
    const f = { statuses: ['tentative'], priority: 'any', organiser: '' };
    expect(passesFilter(inst({ status: 'tentative' }), f, ownerEmail)).toBe(true);
    expect(passesFilter(inst({ status: 'confirmed' }), f, ownerEmail)).toBe(false);
    expect(passesFilter(inst({ status: 'confirmed' }), { ...f, statuses: [] }, ownerEmail)).toBe(true);
  });

  it('filters by priority band, never matching busy-only instances', () => {
    const f = { statuses: [], priority: 'high', organiser: '' };
    expect(passesFilter(inst({ priority: 1 }), f, ownerEmail)).toBe(true);
    expect(passesFilter(inst({ priority: 5 }), f, ownerEmail)).toBe(false);
    expect(passesFilter(inst({ priority: 1, busy_only: true }), f, ownerEmail)).toBe(false);
    expect(passesFilter(inst({ priority: 0 }), { ...f, priority: 'none' }, ownerEmail)).toBe(true);
    expect(passesFilter(inst({ busy_only: true }), { ...f, priority: 'any' }, ownerEmail)).toBe(true);
  });

  it('filters by the organiser\'s e-mail, ignoring case', () => {
    const f = { statuses: [], priority: 'any', organiser: 'ANA@example.test' };
    expect(passesFilter(inst({ organizer: { email: 'ana@Example.test', name: 'Ana' } }), f, ownerEmail)).toBe(true);
    expect(passesFilter(inst({ organizer: { email: 'bo@example.test', name: '' } }), f, ownerEmail)).toBe(false);
    // The server reports no organiser: it matches no organiser filter.
    expect(passesFilter(inst({ organizer: null, calendar_id: 2 }), f, ownerEmail)).toBe(false);
    // An older server says nothing about organisers: the calendar owner stands in.
    expect(passesFilter(inst({ calendar_id: 2 }), f, ownerEmail)).toBe(true);
    expect(passesFilter(inst({ calendar_id: 3 }), f, ownerEmail)).toBe(false);
    expect(organiserEmail(inst({ calendar_id: 3 }), ownerEmail)).toBe('');
  });

  it('recognises the staff calendar\'s copies of leave by their uid', () => {
    expect(isLeaveInstance(inst({ uid: 'leave-12@almanac' }))).toBe(true);
    expect(isLeaveInstance(inst({ uid: 'leave-x@almanac' }))).toBe(false);
    expect(isLeaveInstance(inst({ uid: 'my-leave-1@almanac' }))).toBe(false);
    expect(isLeaveInstance(inst({}))).toBe(false);
  });
});

group('FullCalendar events', () => {
  it('says the status in words and keeps the instance', () => {
    const ev = toFcEvent(inst({ status: 'tentative', recurring: true, recurrence_id: '2025-03-11T10:00:00+01:00' }), { access: 'owner' });
    expect(ev.title).toBe('Review (tentative)');
    expect(ev.id).toBe('7|2025-03-11T10:00:00+01:00');
    expect(ev.classNames).toEqual(['status-tentative', 'is-recurring']);
    expect(ev.editable).toBe(true);
    expect(ev.extendedProps.inst.event_id).toBe(7);
  });
  it('makes read-only and busy-only instances not editable', () => {
    expect(toFcEvent(inst({}), { access: 'read' }).editable).toBe(false);
    expect(toFcEvent(inst({ busy_only: true }), { access: 'owner' }).editable).toBe(false);
    expect(toFcEvent(inst({}), undefined).editable).toBe(false);
  });
  it('picks readable text colours', () => {
    expect(textColorFor('#f59e0b')).toBe('#111111');
    expect(textColorFor('#1d4ed8')).toBe('#ffffff');
    expect(statusSuffix('cancelled')).toBe(' (cancelled)');
    expect(statusSuffix('confirmed')).toBe('');
  });
  it('keeps the most recently used answers', () => {
    const c = new RangeCache(2);
    c.set('a', 1);
    c.set('b', 2);
    c.get('a');
    c.set('c', 3);
    expect([c.get('a'), c.get('b'), c.get('c')]).toEqual([1, undefined, 3]);
  });
});

group('booking coverage', () => {
  const span = (a, b) => ({ start: `2025-03-11T${a}:00Z`, end: `2025-03-11T${b}:00Z` });
  it('is covered by one span or by touching spans', () => {
    expect(covers([span('09:00', '12:00')], '2025-03-11T10:00:00Z', '2025-03-11T11:00:00Z')).toBe(true);
    expect(covers([span('10:30', '12:00'), span('09:00', '10:30')], '2025-03-11T10:00:00Z', '2025-03-11T11:00:00Z')).toBe(true);
  });
  it('is not covered across a gap or past the end', () => {
    expect(covers([span('09:00', '10:15'), span('10:30', '12:00')], '2025-03-11T10:00:00Z', '2025-03-11T11:00:00Z')).toBe(false);
    expect(covers([span('09:00', '10:45')], '2025-03-11T10:00:00+00:00', '2025-03-11T11:00:00Z')).toBe(false);
    expect(covers([], '2025-03-11T10:00:00Z', '2025-03-11T11:00:00Z')).toBe(false);
  });
});

group('API client helpers', () => {
  it('repeats array parameters and drops empty ones', () => {
    expect(query({ from: '2025-03-10T00:00:00+01:00', calendar: [1, 2], q: '', module: undefined })).toBe('?from=2025-03-10T00%3A00%3A00%2B01%3A00&calendar=1&calendar=2');
    expect(query({})).toBe('');
  });
  it('turns problems into sentences', () => {
    expect(sentence('no such calendar')).toBe('No such calendar.');
    expect(sentence('Done!')).toBe('Done!');
    const e = new ApiError(404, 'NOT_FOUND', 'no such calendar', { detail: 'no such calendar' });
    expect(e.message).toBe('No such calendar.');
    expect(e.status).toBe(404);
    expect(e.code).toBe('NOT_FOUND');
    expect(new ApiError(0, 'NETWORK', '', null).message).toMatch(/could not be reached/);
    expect(new ApiError(412, '', '', null).message).toMatch(/changed this item/);
  });
});

group('time helpers', () => {
  it('converts wall clock and RFC 3339 across a DST change', () => {
    expect(wallToIso('2025-03-30T09:00', 'Europe/Berlin')).toBe('2025-03-30T09:00:00+02:00');
    expect(wallToIso('2025-03-29T09:00', 'Europe/Berlin')).toBe('2025-03-29T09:00:00+01:00');
    expect(isoToWall('2025-03-30T07:00:00Z', 'Europe/Berlin')).toBe('2025-03-30T09:00');
  });
  it('moves a time by days on the wall clock and by milliseconds in real time', () => {
    expect(shiftIso('2025-03-29T09:00:00+01:00', { days: 1, milliseconds: 0 }, 'Europe/Berlin')).toBe('2025-03-30T09:00:00+02:00');
    expect(shiftIso('2025-03-29T09:00:00+01:00', { days: 0, milliseconds: 3600000 }, 'Europe/Berlin')).toBe('2025-03-29T10:00:00+01:00');
    expect(shiftIso('2025-03-10', { days: 2 }, 'UTC')).toBe('2025-03-12');
  });
});

group('bookings of an event', () => {
  const booking = (fields) => ({ id: 1, resource_id: 4, resource_name: 'Room A', event_id: 7, recurrence_id: null, status: 'approved', ...fields });
  it('keeps the live bookings of the series and of this occurrence', () => {
    const occurrence = inst({ recurring: true, recurrence_id: '2025-03-11T09:00:00Z' });
    const items = [
      booking({ id: 1 }),
      booking({ id: 2, recurrence_id: '2025-03-11T10:00:00+01:00' }),
      booking({ id: 3, recurrence_id: '2025-03-18T09:00:00Z' }),
      booking({ id: 4, status: 'cancelled' }),
      booking({ id: 5, status: 'rejected' }),
      booking({ id: 6, status: 'pending' }),
      booking({ id: 7, event_id: 8 }),
    ];
    expect(liveBookingsFor(items, occurrence).map((b) => b.id)).toEqual([1, 2, 6]);
  });
  it('keeps every live booking of an event that does not repeat', () => {
    expect(liveBookingsFor([booking({ id: 1 }), booking({ id: 2, status: 'cancelled' })], inst({})).map((b) => b.id)).toEqual([1]);
  });
});

group('SpanCache (the calendar\'s prefetched spans)', () => {
  it('finds an answer whose span holds the range, and nothing past its ends', () => {
    const c = new SpanCache();
    c.add('q', 100, 200, 'a');
    expect(c.find('q', 100, 200)).toBe('a');
    expect(c.find('q', 120, 180)).toBe('a');
    expect(c.find('q', 90, 150)).toBeUndefined();
    expect(c.find('q', 150, 201)).toBeUndefined();
    expect(c.find('other', 120, 180)).toBeUndefined();
    expect(spans({ from: 1, to: 2 }, 1, 2)).toBe(true);
    expect(spans(undefined, 1, 2)).toBe(false);
  });

  it('keeps a span that finishes late beside a newer one instead of losing the newer', () => {
    // A week's prefetch far away lands after the month's: both stay.
    const c = new SpanCache();
    c.add('q', 1000, 2000, 'month');
    c.add('q', 9000, 9100, 'far week');
    expect(c.find('q', 1100, 1900)).toBe('month');
    expect(c.find('q', 9000, 9050)).toBe('far week');
  });

  it('drops spans a new one holds, and the oldest beyond the limit', () => {
    const c = new SpanCache(4, 2);
    c.add('q', 100, 200, 'small');
    c.add('q', 0, 300, 'wide');
    expect(c.find('q', 100, 200)).toBe('wide');
    c.add('q', 1000, 1100, 'b');
    c.add('q', 2000, 2100, 'c');
    expect(c.find('q', 0, 300)).toBeUndefined();
    expect(c.find('q', 1000, 1100)).toBe('b');
    expect(c.find('q', 2000, 2100)).toBe('c');
    c.clear();
    expect(c.has('q', 2000, 2100)).toBe(false);
  });
});
