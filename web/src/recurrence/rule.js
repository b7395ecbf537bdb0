// The recurrence editor's model: converts between the editor's state and an
// RFC 5545 RRULE value (§3.3.10), and describes a state in English. Pure: no
// DOM, no clock, no network. The server expands rules; this module never
// computes occurrences.
//
// State:
//   freq       'DAILY' | 'WEEKLY' | 'MONTHLY' | 'YEARLY'
//   interval   integer >= 1
//   weekdays   ['MO', 'TH', ...]          WEEKLY only (BYDAY)
//   monthly    'start' | 'day' | 'weekday' MONTHLY and YEARLY: the start's own
//                                          date, a day of the month
//                                          (BYMONTHDAY), or "the 2nd Tuesday"
//                                          (BYDAY with an ordinal)
//   monthDay   1..31 or -1 (last day)     with monthly 'day'
//   ordinal    1..5, -1..-5               with monthly 'weekday' (-1 = last)
//   weekday    'MO'..'SU'                 with monthly 'weekday'
//   month      1..12 or null              YEARLY only (BYMONTH)
//   end        'never' | 'count' | 'until'
//   count      integer >= 1               with end 'count'
//   until      'YYYY-MM-DD'               with end 'until' (last day included)
//   untilTime  '' or the time part of a parsed UNTIL ('T235959Z'), kept so a
//              stored rule is rebuilt unchanged; set it to '' when the date
//              is edited
//   extra      rule parts this editor does not model, kept verbatim
//              ('BYHOUR=9;WKST=SU'); non-empty means the editor cannot
//              show the whole rule

export const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];
export const WEEKDAY_NAMES = {
  MO: 'Monday',
  TU: 'Tuesday',
  WE: 'Wednesday',
  TH: 'Thursday',
  FR: 'Friday',
  SA: 'Saturday',
  SU: 'Sunday',
};
export const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const FREQS = ['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'];
const UNIT = { DAILY: 'day', WEEKLY: 'week', MONTHLY: 'month', YEARLY: 'year' };

// A state for a series starting on `date` ('YYYY-MM-DD'), repeating `freq`.
export function defaultState(date, freq = 'WEEKLY') {
  const { weekday, monthDay, month, ordinal } = dateFacts(date);
  return {
    freq,
    interval: 1,
    weekdays: [weekday],
    monthly: 'start',
    monthDay,
    ordinal,
    weekday,
    month,
    end: 'never',
    count: 10,
    until: '',
    untilTime: '',
    extra: '',
  };
}

// The weekday, day of month, month, and ordinal of the weekday within the
// month ("2" for the 2nd Tuesday, -1 when it is also the last) of a date.
export function dateFacts(date) {
  const [y, m, d] = String(date).split('-').map(Number);
  const jsDay = new Date(Date.UTC(y, m - 1, d)).getUTCDay(); // 0 = Sunday
  const weekday = WEEKDAYS[(jsDay + 6) % 7];
  const daysInMonth = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const nth = Math.ceil(d / 7);
  const isLast = d + 7 > daysInMonth;
  return { weekday, monthDay: d, month: m, ordinal: nth, isLast, daysInMonth };
}

// The ordinal the editor offers first for a start date: "last" for the
// 4th or 5th weekday that is also the month's last, else 1st to 4th.
export function startOrdinal(facts) {
  return facts.isLast && facts.ordinal >= 4 ? -1 : facts.ordinal;
}

// The state after the series' start moves from `oldDate` to `newDate`
// ('YYYY-MM-DD'). Parts that still say what the old start gave (the weekly
// weekday when it is the only one, day N of the month, "the 2nd Tuesday" or
// "the last Friday", a yearly rule's month) follow the new start, unless
// `touched` says the user picked them by hand: `touched.weekdays` (weekday
// boxes), `touched.monthly` (day N, ordinal or weekday), `touched.month`.
// Pure: returns a new state, or `state` itself when nothing follows.
export function followStart(state, oldDate, newDate, touched = {}) {
  if (!oldDate || !newDate || oldDate === newDate || state.raw) return state;
  const o = dateFacts(oldDate);
  const n = dateFacts(newDate);
  const next = { ...state };
  const days = state.weekdays || [];
  if (!touched.weekdays && (days.length === 0 || (days.length === 1 && days[0] === o.weekday))) {
    next.weekdays = [n.weekday];
  }
  if (!touched.monthly) {
    const wasLastDay = o.monthDay === o.daysInMonth;
    if (state.monthDay === o.monthDay || (state.monthDay === -1 && wasLastDay)) {
      next.monthDay = state.monthDay === -1 && n.monthDay === n.daysInMonth ? -1 : n.monthDay;
    }
    const sameOrdinal = state.ordinal === o.ordinal || (state.ordinal === -1 && o.isLast);
    if (state.weekday === o.weekday && sameOrdinal) {
      next.weekday = n.weekday;
      next.ordinal = startOrdinal(n);
    }
  }
  if (!touched.month && state.month === o.month) next.month = n.month;
  return next;
}

function checkInt(value, min, max, what) {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new RangeError(`${what} must be a whole number from ${min} to ${max}`);
  return n;
}

// Builds the RRULE value for `state`. Throws RangeError naming the field
// when a field is out of range.
export function build(state) {
  if (!FREQS.includes(state.freq)) throw new RangeError('frequency must be daily, weekly, monthly or yearly');
  const parts = [`FREQ=${state.freq}`];
  const interval = checkInt(state.interval ?? 1, 1, 999, 'the interval');
  if (interval > 1) parts.push(`INTERVAL=${interval}`);
  if (state.freq === 'WEEKLY') {
    const days = WEEKDAYS.filter((d) => (state.weekdays || []).includes(d));
    if (days.length > 0) parts.push(`BYDAY=${days.join(',')}`);
  }
  if (state.freq === 'YEARLY' && state.month && state.monthly !== 'start') {
    parts.push(`BYMONTH=${checkInt(state.month, 1, 12, 'the month')}`);
  }
  if (state.freq === 'MONTHLY' || state.freq === 'YEARLY') {
    if (state.monthly === 'day') {
      const d = Number(state.monthDay);
      if (!(Number.isInteger(d) && ((d >= 1 && d <= 31) || d === -1))) throw new RangeError('the day of the month must be 1 to 31, or the last day');
      parts.push(`BYMONTHDAY=${d}`);
    } else if (state.monthly === 'weekday') {
      const n = Number(state.ordinal);
      if (!(Number.isInteger(n) && n !== 0 && n >= -5 && n <= 5)) throw new RangeError('the week of the month must be 1st to 5th, or last');
      if (!WEEKDAYS.includes(state.weekday)) throw new RangeError('the weekday is not valid');
      parts.push(`BYDAY=${n}${state.weekday}`);
    }
  }
  if (state.extra) parts.push(state.extra);
  if (state.end === 'count') {
    parts.push(`COUNT=${checkInt(state.count, 1, 9999, 'the number of times')}`);
  } else if (state.end === 'until') {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(state.until || '')) throw new RangeError('the end date must be a date');
    parts.push(`UNTIL=${state.until.replaceAll('-', '')}${state.untilTime || ''}`);
  }
  return parts.join(';');
}

// Parses an RRULE value (with or without the "RRULE:" prefix) into a state.
// `start` ('YYYY-MM-DD'), when given, fills the fields the rule leaves to
// the series' start. Throws SyntaxError for text that is not a rule.
export function parse(rrule, start) {
  let text = String(rrule || '').trim();
  if (/^RRULE:/i.test(text)) text = text.slice(6);
  if (!text) throw new SyntaxError('the rule is empty');
  const state = start ? defaultState(start) : defaultState('2000-01-03');
  // A weekly rule without BYDAY follows the start's weekday.
  state.weekdays = [];
  const extra = [];
  let sawFreq = false;
  let monthlyParts = 0;
  for (const part of text.split(';')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    if (eq <= 0) throw new SyntaxError(`"${part}" is not a NAME=VALUE rule part`);
    const name = part.slice(0, eq).toUpperCase();
    const value = part.slice(eq + 1).toUpperCase();
    if (name === 'FREQ') {
      if (!FREQS.includes(value)) {
        extra.push(part);
        state.freq = value;
      } else state.freq = value;
      sawFreq = true;
    } else if (name === 'INTERVAL' && /^\d+$/.test(value)) {
      state.interval = Number(value);
    } else if (name === 'COUNT' && /^\d+$/.test(value)) {
      state.end = 'count';
      state.count = Number(value);
    } else if (name === 'UNTIL' && /^\d{8}(T\d{6}Z?)?$/.test(value)) {
      state.end = 'until';
      state.until = `${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6, 8)}`;
      state.untilTime = value.slice(8);
    } else if (name === 'BYDAY' && /^[A-Z]{2}(,[A-Z]{2})*$/.test(value) && value.split(',').every((d) => WEEKDAYS.includes(d))) {
      state.weekdays = value.split(',');
      state.byDayPlain = true;
    } else if (name === 'BYDAY' && /^[+-]?[1-5](MO|TU|WE|TH|FR|SA|SU)$/.test(value)) {
      const m = value.match(/^([+-]?[1-5])([A-Z]{2})$/);
      state.monthly = 'weekday';
      state.ordinal = Number(m[1]);
      state.weekday = m[2];
      monthlyParts++;
    } else if (name === 'BYMONTHDAY' && /^(-1|[1-9]|[12]\d|3[01])$/.test(value)) {
      state.monthly = 'day';
      state.monthDay = Number(value);
      monthlyParts++;
    } else if (name === 'BYMONTH' && /^([1-9]|1[0-2])$/.test(value)) {
      state.month = Number(value);
      state.byMonth = true;
    } else {
      extra.push(part);
    }
  }
  if (!sawFreq) throw new SyntaxError('the rule has no FREQ');
  // Parts that only the matching frequency models go back to `extra`, so
  // the rule is rebuilt exactly.
  const weekly = state.freq === 'WEEKLY';
  const monthlyish = state.freq === 'MONTHLY' || state.freq === 'YEARLY';
  if (state.byDayPlain && !weekly) extra.push(`BYDAY=${state.weekdays.join(',')}`);
  if (state.byDayPlain && weekly && !isCanonicalDays(state.weekdays)) {
    extra.push(`BYDAY=${state.weekdays.join(',')}`);
    state.weekdays = [];
  }
  if (!monthlyish && state.monthly !== 'start') {
    if (state.monthly === 'day') extra.push(`BYMONTHDAY=${state.monthDay}`);
    else extra.push(`BYDAY=${state.ordinal}${state.weekday}`);
    state.monthly = 'start';
  }
  if (monthlyParts > 1) {
    // BYMONTHDAY and an ordinal BYDAY together: not an editor shape.
    extra.push(state.monthly === 'day' ? `BYMONTHDAY=${state.monthDay}` : `BYDAY=${state.ordinal}${state.weekday}`);
  }
  if (state.byMonth && (state.freq !== 'YEARLY' || state.monthly === 'start')) {
    extra.push(`BYMONTH=${state.month}`);
  }
  delete state.byDayPlain;
  delete state.byMonth;
  state.extra = extra.join(';');
  if (sameRule(build(state), text) === false) {
    // A shape the builder cannot reproduce (a part given twice, weekdays
    // out of order): keep the whole rule as custom text so nothing is lost.
    return { ...state, raw: canonical(text) };
  }
  return state;
}

// Whether two RRULE values have the same parts, in any order and case
// (the server stores "FREQ=WEEKLY;COUNT=30;BYDAY=MO" for the builder's
// "FREQ=WEEKLY;BYDAY=MO;COUNT=30").
export function sameRule(a, b) {
  if (a === null || b === null || a === undefined || b === undefined) return a == b;
  const parts = (t) => canonical(String(t).replace(/^RRULE:/i, '')).split(';').sort().join(';');
  return parts(a) === parts(b);
}

function isCanonicalDays(days) {
  const sorted = WEEKDAYS.filter((d) => days.includes(d));
  return sorted.length === days.length && sorted.every((d, i) => d === days[i]);
}

function canonical(text) {
  return text
    .split(';')
    .filter(Boolean)
    .map((p) => {
      const eq = p.indexOf('=');
      return `${p.slice(0, eq).toUpperCase()}=${p.slice(eq + 1).toUpperCase()}`;
    })
    .join(';');
}

// Builds the rule for a state from parse(); a state parse() could only keep
// as raw text rebuilds to that text.
export function buildOrRaw(state) {
  return state.raw ? state.raw : build(state);
}

export function ordinalWord(n) {
  if (n === -1) return 'last';
  if (n < 0) return `${ordinalWord(-n)} last`;
  const s = n % 100 >= 11 && n % 100 <= 13 ? 'th' : { 1: 'st', 2: 'nd', 3: 'rd' }[n % 10] || 'th';
  return `${n}${s}`;
}

export function listWords(items) {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function formatDate(iso) {
  const [y, m, d] = iso.split('-').map(Number);
  return `${d} ${MONTH_NAMES[m - 1]} ${y}`;
}

// Describes a state in English: "Every 2 weeks on Tuesday and Thursday,
// 10 times". `start` ('YYYY-MM-DD'), when given, names the day a rule that
// follows its start falls on.
export function describe(state, start) {
  if (state.raw) return `Custom rule: ${state.raw}`;
  const unit = UNIT[state.freq];
  if (!unit) return `Custom rule: ${build(state)}`;
  const n = Number(state.interval) || 1;
  let text = n === 1 ? `Every ${unit}` : `Every ${n} ${unit}s`;
  const facts = start ? dateFacts(start) : null;
  if (state.freq === 'WEEKLY') {
    const days = WEEKDAYS.filter((d) => (state.weekdays || []).includes(d));
    if (days.length === 7) text += ' on every day of the week';
    else if (days.length > 0) text += ` on ${listWords(days.map((d) => WEEKDAY_NAMES[d]))}`;
    else if (facts) text += ` on ${WEEKDAY_NAMES[facts.weekday]}`;
  } else if (state.freq === 'MONTHLY' || state.freq === 'YEARLY') {
    const ofMonth = state.freq === 'YEARLY' && state.month ? ` of ${MONTH_NAMES[state.month - 1]}` : '';
    if (state.monthly === 'day') {
      if (state.monthDay === -1) text += ` on the last day${ofMonth || (state.freq === 'MONTHLY' ? '' : ' of the month')}`;
      else if (state.freq === 'YEARLY' && state.month) text += ` on ${state.monthDay} ${MONTH_NAMES[state.month - 1]}`;
      else text += ` on day ${state.monthDay}`;
    } else if (state.monthly === 'weekday') {
      text += ` on the ${ordinalWord(state.ordinal)} ${WEEKDAY_NAMES[state.weekday]}${ofMonth}`;
    } else if (facts) {
      text += state.freq === 'YEARLY' ? ` on ${facts.monthDay} ${MONTH_NAMES[facts.month - 1]}` : ` on day ${facts.monthDay}`;
    }
  }
  if (state.extra) text += ` (with ${state.extra})`;
  if (state.end === 'count') text += Number(state.count) === 1 ? ', once' : `, ${state.count} times`;
  else if (state.end === 'until' && state.until) text += `, until ${formatDate(state.until)}`;
  return text;
}
