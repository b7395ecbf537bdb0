// The leave view (#/leave): request leave (type, dates, half days, reason),
// the signed-in user's requests with their status and a cancel button, and
// their balances for a year. Also leaveEventSource(ctx), the calendar's
// "Team leave" event source: the approved leave the user may see.
import './views.css';
import { DateTime } from 'luxon';
import { builder, field, errorSentence, todayIn, addDays, longDate, daysText, capitalise } from './common.js';

export function mount(container, ctx) {
  const h = builder(ctx);
  const zone = ctx.timezone || (ctx.me && ctx.me.timezone) || 'UTC';
  const me = ctx.me || {};
  let disposed = false;
  let types = [];

  // ---- The request form ----
  const typeSelect = h('select', { id: 'leave-type', required: 'required', 'data-testid': 'leave-type' });
  const today = todayIn(zone);
  const startInput = h('input', { id: 'leave-start', type: 'date', required: 'required', value: today, 'data-testid': 'leave-start' });
  const endInput = h('input', { id: 'leave-end', type: 'date', required: 'required', value: today, 'data-testid': 'leave-end' });
  const halfSelect = h('select', { id: 'leave-half', 'data-testid': 'leave-half-day' },
    h('option', { value: '' }, 'The whole day'),
    h('option', { value: 'am' }, 'The morning only'),
    h('option', { value: 'pm' }, 'The afternoon only'));
  const firstHalf = h('input', { id: 'leave-first-half', type: 'checkbox', 'data-testid': 'leave-first-half' });
  const lastHalf = h('input', { id: 'leave-last-half', type: 'checkbox', 'data-testid': 'leave-last-half' });
  const reasonInput = h('textarea', { id: 'leave-reason', rows: '3', maxlength: '4096', 'data-testid': 'leave-reason' });
  const formStatus = h('div', { class: 'av-check', role: 'status', 'aria-live': 'polite', 'data-testid': 'leave-form-status' });
  const submit = h('button', { type: 'submit', class: 'av-primary', 'data-testid': 'leave-submit' }, 'Request leave');
  const singleDay = h('div', { class: 'av-fields' }, field(h, 'leave-half', 'Half day', halfSelect));
  const severalDays = h('div', { class: 'av-fields' },
    h('span', { class: 'av-inline' }, firstHalf, h('label', { for: 'leave-first-half' }, 'The first day starts at noon')),
    h('span', { class: 'av-inline' }, lastHalf, h('label', { for: 'leave-last-half' }, 'The last day ends at noon')));
  const form = h('form', {
    class: 'av-form', 'data-testid': 'leave-form', 'aria-labelledby': 'leave-form-heading',
    onsubmit: (e) => { e.preventDefault(); requestLeave(); },
  },
  h('h2', { id: 'leave-form-heading' }, 'Request leave'),
  h('div', { class: 'av-fields' },
    field(h, 'leave-type', 'Type', typeSelect),
    field(h, 'leave-start', 'First day', startInput),
    field(h, 'leave-end', 'Last day', endInput)),
  singleDay, severalDays,
  h('div', { class: 'av-fields' }, field(h, 'leave-reason', 'Reason (optional)', reasonInput)),
  formStatus,
  h('div', { class: 'av-actions' }, submit));
  startInput.addEventListener('change', () => {
    if (startInput.value && (!endInput.value || endInput.value < startInput.value)) endInput.value = startInput.value;
    updateHalfDays();
  });
  endInput.addEventListener('change', updateHalfDays);
  typeSelect.addEventListener('change', describeType);
  const typeNote = h('p', { class: 'av-note', 'data-testid': 'leave-type-note' });
  form.insertBefore(typeNote, singleDay);

  // ---- My requests ----
  const requestsStatus = h('p', { class: 'av-status', role: 'status', 'data-testid': 'leave-requests-status' });
  const requestsBody = h('tbody', {});
  const requestsTable = h('table', { class: 'av-table', 'data-testid': 'leave-requests' },
    h('caption', { class: 'av-sr-only' }, 'My leave requests'),
    h('thead', {}, h('tr', {},
      ['Type', 'Dates', 'Days', 'Status', 'Reason', 'Action'].map((t) => h('th', { scope: 'col' }, t)))),
    requestsBody);

  // ---- Balances ----
  const thisYear = Number(today.slice(0, 4));
  const yearSelect = h('select', { id: 'leave-year', 'data-testid': 'leave-balance-year', onchange: () => loadBalances() },
    [thisYear - 1, thisYear, thisYear + 1].map((y) => h('option', { value: String(y), selected: y === thisYear }, String(y))));
  const balancesStatus = h('p', { class: 'av-status', role: 'status', 'data-testid': 'leave-balances-status' });
  const balancesBody = h('tbody', {});
  const balancesTable = h('table', { class: 'av-table', 'data-testid': 'leave-balances' },
    h('caption', { class: 'av-sr-only' }, 'My leave balances'),
    h('thead', {}, h('tr', {},
      ['Type', 'Allowance', 'Carried over', 'Used', 'Pending', 'Remaining'].map((t) => h('th', { scope: 'col' }, t)))),
    balancesBody);

  const root = h('section', { class: 'av-view av-leave', 'data-testid': 'leave-view', 'aria-labelledby': 'leave-heading' },
    h('h1', { id: 'leave-heading' }, 'Leave'),
    h('div', { class: 'av-columns' },
      form,
      h('section', { class: 'av-panel', 'aria-labelledby': 'leave-bal-heading' },
        h('div', { class: 'av-titlebar' }, h('h2', { id: 'leave-bal-heading' }, 'My balances'),
          field(h, 'leave-year', 'Year', yearSelect)),
        balancesStatus, h('div', { class: 'av-scroll-x' }, balancesTable))),
    h('section', { class: 'av-panel', 'aria-labelledby': 'leave-req-heading' },
      h('h2', { id: 'leave-req-heading' }, 'My requests'),
      requestsStatus, h('div', { class: 'av-scroll-x' }, requestsTable)));
  container.append(root);

  updateHalfDays();
  loadTypes();
  loadRequests();
  loadBalances();

  function updateHalfDays() {
    const oneDay = !endInput.value || endInput.value === startInput.value;
    singleDay.hidden = !oneDay;
    severalDays.hidden = oneDay;
  }

  function describeType() {
    const t = types.find((x) => x.key === typeSelect.value);
    if (!t) { typeNote.textContent = ''; return; }
    const parts = [];
    parts.push(t.requires_approval ? 'Needs approval.' : 'Approved at once.');
    if (t.counts_against_allowance) parts.push(`Counts against an allowance of ${daysText(t.allowance_days)} a year.`);
    typeNote.textContent = parts.join(' ');
  }

  async function loadTypes() {
    try {
      const answer = await ctx.api.get('/api/v1/leave/types');
      if (disposed) return;
      types = (answer.items || []).filter((t) => t.active);
      typeSelect.replaceChildren(...types.map((t) => h('option', { value: t.key }, t.name)));
      describeType();
      if (types.length === 0) formStatus.textContent = 'No leave type is active, so leave cannot be requested.';
    } catch (error) {
      if (!disposed) formStatus.textContent = errorSentence(error, 'Loading the leave types');
    }
  }

  async function loadRequests() {
    requestsStatus.textContent = 'Loading your requests…';
    try {
      const query = me.id ? `?user=${encodeURIComponent(me.id)}` : '';
      const answer = await ctx.api.get(`/api/v1/leave${query}`);
      if (disposed) return;
      const mine = (answer.items || []).filter((r) => !me.id || r.user_id === me.id);
      mine.sort((a, b) => (a.start_date < b.start_date ? 1 : a.start_date > b.start_date ? -1 : b.id - a.id));
      requestsStatus.textContent = mine.length === 0 ? 'You have not requested any leave.'
        : `${mine.length} ${mine.length === 1 ? 'request' : 'requests'}, latest dates first.`;
      requestsBody.replaceChildren(...mine.map(renderRequest));
    } catch (error) {
      if (!disposed) requestsStatus.textContent = errorSentence(error, 'Loading your requests');
    }
  }

  function renderRequest(r) {
    const dates = r.start_date === r.end_date ? longDate(r.start_date) : `${longDate(r.start_date)} to ${longDate(r.end_date)}`;
    const halves = [];
    if (r.half_day === 'am') halves.push('morning only');
    if (r.half_day === 'pm') halves.push('afternoon only');
    if (r.first_day_half) halves.push('first day from noon');
    if (r.last_day_half) halves.push('last day until noon');
    const canCancel = r.may_cancel && (r.status === 'pending' || r.status === 'approved');
    return h('tr', { 'data-testid': 'leave-request', 'data-id': r.id, 'data-status': r.status },
      h('td', {}, h('span', { class: 'av-dot', style: `background:${r.color || '#888'}`, 'aria-hidden': 'true' }), r.type_name || r.type),
      h('td', {}, dates, halves.length ? ` (${halves.join(', ')})` : ''),
      h('td', {}, String(r.days)),
      h('td', {}, h('span', { class: `av-status-tag av-status-${r.status}`, 'data-testid': 'leave-request-status' }, capitalise(r.status))),
      h('td', {}, r.reason || '—'),
      h('td', {}, canCancel ? h('button', {
        type: 'button', 'data-testid': 'leave-cancel', 'aria-label': `Cancel the ${r.type_name || r.type} of ${dates}`,
        onclick: () => cancelRequest(r, dates),
      }, 'Cancel') : '—'));
  }

  async function loadBalances() {
    balancesStatus.textContent = 'Loading your balances…';
    try {
      const answer = await ctx.api.get(`/api/v1/leave/balances?year=${encodeURIComponent(yearSelect.value)}`);
      if (disposed) return;
      const items = answer.items || [];
      balancesStatus.textContent = items.length ? `Days of leave in ${answer.year}, working days only.` : `No leave types apply in ${answer.year}.`;
      balancesBody.replaceChildren(...items.map((b) => h('tr', { 'data-testid': 'leave-balance', 'data-type': b.type },
        h('th', { scope: 'row' }, b.type_name),
        h('td', {}, b.counts_against_allowance ? String(b.allowance_days) : 'No limit'),
        h('td', {}, String(b.carried_over_days)),
        h('td', {}, String(b.used_days)),
        h('td', {}, String(b.pending_days)),
        h('td', { 'data-testid': 'leave-balance-remaining' }, b.remaining_days === null ? '—' : String(b.remaining_days)))));
    } catch (error) {
      if (!disposed) balancesStatus.textContent = errorSentence(error, 'Loading your balances');
    }
  }

  async function requestLeave() {
    if (!typeSelect.value) { setFormStatus('error', 'Choose a type of leave.'); return; }
    if (!startInput.value) { setFormStatus('error', 'Choose the first day.'); return; }
    const end = endInput.value || startInput.value;
    if (end < startInput.value) { setFormStatus('error', 'The last day must not be before the first day.'); return; }
    const body = { type: typeSelect.value, start_date: startInput.value, end_date: end };
    if (end === startInput.value) {
      if (halfSelect.value) body.half_day = halfSelect.value;
    } else {
      if (firstHalf.checked) body.first_day_half = true;
      if (lastHalf.checked) body.last_day_half = true;
    }
    if (reasonInput.value.trim()) body.reason = reasonInput.value.trim();
    submit.disabled = true;
    setFormStatus('info', 'Sending your request…');
    try {
      const created = await ctx.api.post('/api/v1/leave', body);
      if (disposed) return;
      const dates = created.start_date === created.end_date ? longDate(created.start_date)
        : `${longDate(created.start_date)} to ${longDate(created.end_date)}`;
      const message = created.status === 'approved'
        ? `${created.type_name} on ${dates} (${daysText(created.days)}) is approved.`
        : `${created.type_name} on ${dates} (${daysText(created.days)}) is requested and waits for approval.`;
      setFormStatus('ok', message);
      ctx.toast(message, 'success');
      reasonInput.value = '';
      loadRequests();
      loadBalances();
    } catch (error) {
      if (disposed) return;
      setFormStatus('error', leaveErrorSentence(error));
    } finally {
      submit.disabled = false;
    }
  }

  function leaveErrorSentence(error) {
    const body = (error && error.body) || {};
    let text = errorSentence(error, 'Requesting leave');
    if (error && error.status === 409 && body.overlapping) {
      const o = body.overlapping;
      text += ` It overlaps your ${o.status} request for ${o.start_date === o.end_date ? longDate(o.start_date) : `${longDate(o.start_date)} to ${longDate(o.end_date)}`}.`;
    } else if (error && error.status === 422 && body.balance) {
      const b = body.balance;
      text += ` ${body.year} has ${b.remaining_days} ${b.remaining_days === 1 ? 'day' : 'days'} of ${b.type_name} left and the request needs ${body.requested_days}.`;
    }
    return text;
  }

  function setFormStatus(kind, text) {
    formStatus.className = `av-check av-check-${kind}`;
    formStatus.textContent = text;
  }

  async function cancelRequest(r, dates) {
    const choice = await ctx.confirmDialog({
      title: 'Cancel this leave?',
      message: `${r.type_name || r.type} on ${dates} will be cancelled${r.status === 'approved' ? ' and taken off the staff calendar' : ''}.`,
      choices: [{ label: 'Cancel the leave', value: 'cancel' }, { label: 'Keep it', value: null }],
    });
    if (choice !== 'cancel' || disposed) return;
    try {
      await ctx.api.post(`/api/v1/leave/${r.id}/cancel`, {});
      if (disposed) return;
      ctx.toast(`${r.type_name || r.type} on ${dates} is cancelled.`, 'success');
      loadRequests();
      loadBalances();
    } catch (error) {
      if (!disposed) ctx.toast(errorSentence(error, 'Cancelling the leave'), 'error');
    }
  }

  return () => {
    disposed = true;
    root.remove();
  };
}

const LEAVE_UID = /^leave-(\d+)@/;

// A FullCalendar event-source function for the team's approved leave in the
// window FullCalendar asks for: the approved requests the user may see
// (their own, their reports', every request for approvers and admins) with
// the type's name and colour, plus the staff leave calendar's events (which
// every member of the organisation can read) for the people whose requests
// the user cannot see. Each person's leave appears once.
export function leaveEventSource(ctx) {
  return async function teamLeave(info, success, failure) {
    try {
      const fromDate = DateTime.fromJSDate(info.start).toUTC().toISODate();
      const toDate = DateTime.fromJSDate(info.end).toUTC().toISODate();
      const from = DateTime.fromJSDate(info.start).toUTC().toISO({ suppressMilliseconds: true });
      const to = DateTime.fromJSDate(info.end).toUTC().toISO({ suppressMilliseconds: true });
      const [requests, staff] = await Promise.all([
        ctx.api.get(`/api/v1/leave?status=approved&from=${fromDate}&to=${toDate}`),
        ctx.api.get(`/api/v1/events?module=staff&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&limit=2000`)
          .catch(() => ({ items: [] })),
      ]);
      const events = [];
      const seen = new Set();
      for (const r of requests.items || []) {
        seen.add(r.id);
        const half = r.half_day === 'am' ? ' (morning)' : r.half_day === 'pm' ? ' (afternoon)' : '';
        events.push({
          id: `leave-${r.id}`,
          title: `${r.user_name}: ${r.type_name}${half}`,
          start: r.start_date,
          end: addDays(r.end_date, 1),
          allDay: true,
          backgroundColor: r.color,
          borderColor: r.color,
          editable: false,
          classNames: ['av-team-leave'],
          extendedProps: { leave: r, source: 'team-leave' },
        });
      }
      for (const e of staff.items || []) {
        const m = LEAVE_UID.exec(e.uid || '');
        if (!m || seen.has(Number(m[1]))) continue;
        seen.add(Number(m[1]));
        events.push({
          id: `leave-${m[1]}`,
          title: e.title,
          start: e.start,
          end: e.end,
          allDay: e.all_day,
          backgroundColor: e.color,
          borderColor: e.color,
          editable: false,
          classNames: ['av-team-leave'],
          extendedProps: { instance: e, source: 'team-leave' },
        });
      }
      success(events);
    } catch (error) {
      failure(new Error(errorSentence(error, 'Loading the team’s leave')));
    }
  };
}
