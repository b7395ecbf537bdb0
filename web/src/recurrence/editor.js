// The recurrence editor of the event dialog: frequency, interval, weekdays,
// "day 15" or "the 2nd Tuesday" / "the last Friday", and the end (never,
// after N times, on a date). It builds the RRULE with rule.js, describes it
// in words, and previews the next starts as the server's engine computes
// them (POST /api/v1/recurrence/preview), so what is shown is what is saved.
import { el } from '../ui.js';
import { ApiError } from '../api.js';
import { build, buildOrRaw, parse, sameRule, describe, defaultState, dateFacts, followStart, startOrdinal, WEEKDAYS, WEEKDAY_NAMES, MONTH_NAMES, ordinalWord } from './rule.js';
import { formatWhen } from '../calendar/time.js';

const FREQ_LABELS = { '': 'Does not repeat', DAILY: 'Daily', WEEKLY: 'Weekly', MONTHLY: 'Monthly', YEARLY: 'Yearly' };
const UNITS = { DAILY: ['day', 'days'], WEEKLY: ['week', 'weeks'], MONTHLY: ['month', 'months'], YEARLY: ['year', 'years'] };

// `getAnchor()` returns { start (RFC 3339 or date), timezone, date
// ('YYYY-MM-DD') } of the series being edited; `rrule` is its current rule
// or null. Returns { node, getRule(), refresh(), changed() }: getRule() is
// the rule to save (null: no repeat) and throws RangeError for an invalid
// field; refresh() re-reads the anchor (call it when the start changes).
export function createRecurrenceEditor({ api, getAnchor, rrule }) {
  const anchor0 = getAnchor();
  let state;
  let repeats = Boolean(rrule);
  try {
    state = rrule ? parse(rrule, anchor0.date) : defaultState(anchor0.date);
  } catch {
    state = { ...defaultState(anchor0.date), raw: rrule };
  }
  const initialRule = rrule || null;
  // Until the user picks them by hand, the weekday, the day of the month and
  // the month follow the start date (followStart in rule.js).
  const touched = { weekdays: false, monthly: false, month: false };
  let anchorDate = anchor0.date;

  const freq = el(
    'select',
    { id: 'rec-freq', testid: 'rec-freq', on: { change: () => onFreq() } },
    Object.entries(FREQ_LABELS).map(([v, label]) => el('option', { value: v, text: label })),
  );
  freq.value = repeats ? state.freq : '';
  const interval = el('input', { id: 'rec-interval', type: 'number', min: '1', max: '999', value: String(state.interval || 1), testid: 'rec-interval', on: { input: () => update('interval') } });
  const unit = el('span', { class: 'unit' });
  const dayBoxes = WEEKDAYS.map((d) =>
    el('label', { class: 'day-box' }, el('input', { type: 'checkbox', value: d, checked: (state.weekdays || []).includes(d), testid: `rec-day-${d}`, on: { change: () => update('weekdays') } }), ` ${WEEKDAY_NAMES[d].slice(0, 3)}`, el('span', { class: 'sr-only', text: WEEKDAY_NAMES[d].slice(3) })),
  );
  const monthlyDay = el('input', { type: 'radio', name: 'rec-monthly', id: 'rec-monthly-day', value: 'day', testid: 'rec-monthly-day', on: { change: () => update('monthly') } });
  const monthlyWeekday = el('input', { type: 'radio', name: 'rec-monthly', id: 'rec-monthly-weekday', value: 'weekday', testid: 'rec-monthly-weekday', on: { change: () => update('monthly') } });
  const monthDay = el(
    'select',
    { id: 'rec-monthday', 'aria-label': 'Day of the month', testid: 'rec-monthday', on: { change: () => selectMode('day') } },
    [...Array.from({ length: 31 }, (_, i) => el('option', { value: String(i + 1), text: String(i + 1) })), el('option', { value: '-1', text: 'last' })],
  );
  const ordinal = el(
    'select',
    { id: 'rec-ordinal', 'aria-label': 'Which week of the month', testid: 'rec-ordinal', on: { change: () => selectMode('weekday') } },
    [1, 2, 3, 4, 5, -1].map((n) => el('option', { value: String(n), text: ordinalWord(n) })),
  );
  const weekday = el(
    'select',
    { id: 'rec-weekday', 'aria-label': 'Weekday', testid: 'rec-weekday', on: { change: () => selectMode('weekday') } },
    WEEKDAYS.map((d) => el('option', { value: d, text: WEEKDAY_NAMES[d] })),
  );
  const month = el(
    'select',
    { id: 'rec-month', 'aria-label': 'Month', testid: 'rec-month', on: { change: () => update('month') } },
    MONTH_NAMES.map((m, i) => el('option', { value: String(i + 1), text: m })),
  );
  const endNever = el('input', { type: 'radio', name: 'rec-end', id: 'rec-end-never', value: 'never', testid: 'rec-end-never', on: { change: () => update('end') } });
  const endCount = el('input', { type: 'radio', name: 'rec-end', id: 'rec-end-count', value: 'count', testid: 'rec-end-count', on: { change: () => update('end') } });
  const endUntil = el('input', { type: 'radio', name: 'rec-end', id: 'rec-end-until', value: 'until', testid: 'rec-end-until', on: { change: () => update('end') } });
  const count = el('input', { type: 'number', id: 'rec-count', min: '1', max: '9999', 'aria-label': 'Number of times', testid: 'rec-count', on: { input: () => { endCount.checked = true; update('end'); } } });
  const until = el('input', { type: 'date', id: 'rec-until', 'aria-label': 'Last date', testid: 'rec-until', on: { input: () => { endUntil.checked = true; state.untilTime = ''; update('end'); } } });
  const summary = el('p', { class: 'rec-summary', testid: 'rec-summary', 'aria-live': 'polite' });
  const previewList = el('ol', { class: 'rec-preview', testid: 'rec-preview' });
  const previewNote = el('p', { class: 'muted small', testid: 'rec-preview-note', 'aria-live': 'polite' });
  const customNote = el('p', { class: 'muted small', testid: 'rec-custom', hidden: true });

  const weeklyRow = el('div', { class: 'rec-row', role: 'group', 'aria-label': 'On these days' }, el('span', { text: 'On' }), dayBoxes);
  const monthRow = el('div', { class: 'rec-row' }, el('label', { for: 'rec-month', text: 'In' }), month);
  const monthlyRows = el(
    'div',
    { class: 'rec-rows', role: 'radiogroup', 'aria-label': 'Which day' },
    el('div', { class: 'rec-row' }, monthlyDay, el('label', { for: 'rec-monthly-day', text: 'On day' }), monthDay),
    el('div', { class: 'rec-row' }, monthlyWeekday, el('label', { for: 'rec-monthly-weekday', text: 'On the' }), ordinal, weekday),
  );
  const details = el(
    'div',
    { class: 'rec-details' },
    el('div', { class: 'rec-row' }, el('label', { for: 'rec-interval', text: 'Every' }), interval, unit),
    weeklyRow,
    monthRow,
    monthlyRows,
    el(
      'fieldset',
      { class: 'rec-end' },
      el('legend', { text: 'Ends' }),
      el('div', { class: 'rec-row' }, endNever, el('label', { for: 'rec-end-never', text: 'Never' })),
      el('div', { class: 'rec-row' }, endCount, el('label', { for: 'rec-end-count', text: 'After' }), count, el('span', { text: 'times' })),
      el('div', { class: 'rec-row' }, endUntil, el('label', { for: 'rec-end-until', text: 'On' }), until),
    ),
    customNote,
    summary,
    el('h4', { text: 'Next dates' }),
    previewList,
    previewNote,
  );
  const node = el(
    'fieldset',
    { class: 'recurrence', testid: 'recurrence-editor' },
    el('legend', { text: 'Repeat' }),
    el('label', { for: 'rec-freq', class: 'sr-only', text: 'Repeats' }),
    freq,
    details,
  );

  function fillControls() {
    const n = Number(interval.value) || 1;
    const [one, many] = UNITS[state.freq] || ['', ''];
    unit.textContent = n === 1 ? one : many;
    weeklyRow.hidden = state.freq !== 'WEEKLY';
    monthRow.hidden = state.freq !== 'YEARLY';
    monthlyRows.hidden = state.freq !== 'MONTHLY' && state.freq !== 'YEARLY';
    const facts = dateFacts(getAnchor().date);
    const days = state.weekdays && state.weekdays.length ? state.weekdays : [facts.weekday];
    dayBoxes.forEach((l) => (l.querySelector('input').checked = days.includes(l.querySelector('input').value)));
    monthDay.value = String(state.monthly === 'day' ? state.monthDay : facts.monthDay);
    ordinal.value = String(state.monthly === 'weekday' ? state.ordinal : startOrdinal(facts));
    weekday.value = state.monthly === 'weekday' ? state.weekday : facts.weekday;
    month.value = String(state.month || facts.month);
    monthlyDay.checked = state.monthly === 'day' || state.monthly === 'start';
    monthlyWeekday.checked = state.monthly === 'weekday';
    endNever.checked = state.end === 'never';
    endCount.checked = state.end === 'count';
    endUntil.checked = state.end === 'until';
    count.value = String(state.count || 10);
    until.value = state.until || '';
    customNote.hidden = !state.raw && !state.extra;
    customNote.textContent = state.raw
      ? `This event has a rule the editor cannot show (${state.raw}); it is kept as it is unless you change a field.`
      : `Kept from the stored rule: ${state.extra}.`;
  }

  function onFreq() {
    repeats = freq.value !== '';
    details.hidden = !repeats;
    if (repeats) {
      const facts = dateFacts(getAnchor().date);
      const keep = state.freq === freq.value;
      state = { ...state, freq: freq.value, raw: undefined };
      if (!keep) {
        state.extra = '';
        state.weekdays = [facts.weekday];
        state.monthly = 'day';
        state.monthDay = facts.monthDay;
        state.ordinal = startOrdinal(facts);
        state.weekday = facts.weekday;
        state.month = facts.month;
      }
    }
    fillControls();
    changedSoon();
  }

  function selectMode(mode) {
    touched.monthly = true;
    (mode === 'day' ? monthlyDay : monthlyWeekday).checked = true;
    update('monthly');
  }

  function update(what) {
    if (what === 'weekdays' || what === 'month') touched[what] = true;
    state = {
      ...state,
      raw: undefined,
      interval: Number(interval.value) || 1,
      weekdays: dayBoxes.map((l) => l.querySelector('input')).filter((b) => b.checked).map((b) => b.value),
      monthly: monthlyWeekday.checked ? 'weekday' : 'day',
      monthDay: Number(monthDay.value),
      ordinal: Number(ordinal.value),
      weekday: weekday.value,
      month: Number(month.value),
      end: endCount.checked ? 'count' : endUntil.checked ? 'until' : 'never',
      count: Number(count.value) || 1,
      until: until.value,
    };
    fillControls();
    changedSoon();
  }

  let timer = 0;
  let seq = 0;
  function changedSoon() {
    clearTimeout(timer);
    renderSummary();
    timer = setTimeout(runPreview, 250);
  }

  function renderSummary() {
    if (!repeats) {
      summary.textContent = 'Does not repeat.';
      return;
    }
    try {
      buildOrRaw(state);
      summary.textContent = `${describe(state, getAnchor().date)}.`;
    } catch (err) {
      summary.textContent = `${err.message[0].toUpperCase()}${err.message.slice(1)}.`;
    }
  }

  async function runPreview() {
    const mine = ++seq;
    if (!repeats) {
      previewList.replaceChildren();
      previewNote.textContent = '';
      return;
    }
    let rule;
    try {
      rule = buildOrRaw(state);
    } catch {
      previewList.replaceChildren();
      previewNote.textContent = 'Fix the rule to see its dates.';
      return;
    }
    const anchor = getAnchor();
    previewNote.textContent = 'Loading the next dates…';
    try {
      const body = { start: anchor.start, rrule: rule, count: 10 };
      if (anchor.timezone) body.timezone = anchor.timezone;
      const answer = await api.post('/api/v1/recurrence/preview', body);
      if (mine !== seq) return;
      previewList.replaceChildren(...answer.occurrences.map((o) => el('li', { testid: 'rec-preview-item', dataset: { start: o }, text: formatWhen(o, answer.timezone || anchor.timezone || 'UTC') })));
      previewNote.textContent = answer.occurrences.length === 0 ? 'This rule gives no dates.' : answer.more ? 'And more after these.' : 'No more dates after these.';
      node.dataset.normalised = answer.rrule;
    } catch (err) {
      if (mine !== seq) return;
      previewList.replaceChildren();
      previewNote.textContent = err instanceof ApiError && err.status === 404 ? 'This server cannot preview dates.' : err.message;
    }
  }

  details.hidden = !repeats;
  fillControls();
  renderSummary();
  if (repeats) runPreview();

  return {
    node,
    getRule() {
      if (!repeats) return null;
      if (state.raw) return state.raw;
      return build(state);
    },
    changed() {
      const now = repeats ? (state.raw ? state.raw : build(state)) : null;
      return !sameRule(now, initialRule);
    },
    refresh() {
      const date = getAnchor().date;
      if (/^\d{4}-\d{2}-\d{2}$/.test(date || '')) {
        state = followStart(state, anchorDate, date, touched);
        anchorDate = date;
      }
      fillControls();
      changedSoon();
    },
  };
}
