// The resources view (#/resources): a filterable list of the organisation's
// resources, and a day or week grid with one column per resource (per day in
// the week) and half-hour rows, drawn by hand, showing bookings and free
// time. Selecting a range in a column fills the booking form, which checks
// availability at once and warns about a clash (who holds the resource and
// the nearest free slots) before anything is posted; the server's own 409
// answer is shown the same way.
import './views.css';
import { DateTime } from 'luxon';
import {
  builder, field, errorSentence, todayIn, addDays, mondayOf, wallToInstant, minutesInDay,
  longDate, shortDate, spanSentence, capitalise,
} from './common.js';

const SLOT_MIN = 30;        // minutes per grid row
const ROW_PX = 24;          // height of a row
const DAY_MIN = 24 * 60;
const FIRST_VISIBLE_HOUR = 7;
const DEFAULT_COLUMNS = 6;  // resources shown in the grid at first

export function mount(container, ctx) {
  const h = builder(ctx);
  const zone = ctx.timezone || (ctx.me && ctx.me.timezone) || 'UTC';
  const state = {
    all: [],                // every resource
    matching: [],           // those the filters match
    shown: new Set(),       // ids shown as grid columns
    mode: 'day',
    date: todayIn(zone),
    data: new Map(),        // resource id -> {bookings, free}
    selection: null,        // {resourceId, date, startMin, endMin}
    lastCheck: null,        // {clash: boolean} for the form's current values
  };
  let disposed = false;
  let checkSeq = 0;
  let loadSeq = 0;
  let checkTimer = 0;
  let scrolled = false;

  // ---- Filters and list ----
  const typeSelect = h('select', { id: 'res-filter-type', 'data-testid': 'resource-filter-type' },
    h('option', { value: '' }, 'Any type'));
  const capacityInput = h('input', {
    id: 'res-filter-capacity', type: 'number', min: '0', step: '1', inputmode: 'numeric',
    'data-testid': 'resource-filter-capacity',
  });
  const locationInput = h('input', {
    id: 'res-filter-location', type: 'search', 'data-testid': 'resource-filter-location',
    placeholder: 'e.g. Floor 2',
  });
  const filterForm = h('form', {
    class: 'av-filters', role: 'search', 'aria-label': 'Filter resources',
    onsubmit: (e) => { e.preventDefault(); applyFilters(); },
  },
  field(h, 'res-filter-type', 'Type', typeSelect),
  field(h, 'res-filter-capacity', 'Minimum capacity', capacityInput),
  field(h, 'res-filter-location', 'Location contains', locationInput),
  h('button', { type: 'submit', 'data-testid': 'resource-filter-apply' }, 'Apply filters'));
  typeSelect.addEventListener('change', () => applyFilters());

  const listStatus = h('p', { class: 'av-status', role: 'status', 'data-testid': 'resource-count' }, 'Loading resources…');
  const listBody = h('tbody', {});
  const listTable = h('table', { class: 'av-table', 'data-testid': 'resource-list' },
    h('caption', { class: 'av-sr-only' }, 'Resources matching the filters'),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, 'In grid'), h('th', { scope: 'col' }, 'Name'),
      h('th', { scope: 'col' }, 'Type'), h('th', { scope: 'col' }, 'Capacity'),
      h('th', { scope: 'col' }, 'Location'), h('th', { scope: 'col' }, 'Approval'))),
    listBody);

  // ---- Grid toolbar ----
  const dayButton = h('button', { type: 'button', 'data-testid': 'resource-mode-day', onclick: () => setMode('day') }, 'Day');
  const weekButton = h('button', { type: 'button', 'data-testid': 'resource-mode-week', onclick: () => setMode('week') }, 'Week');
  const dateInput = h('input', {
    id: 'res-grid-date', type: 'date', 'data-testid': 'resource-date',
    onchange: () => { if (dateInput.value) { state.date = dateInput.value; loadGrid(); } },
  });
  const rangeLabel = h('h2', { class: 'av-range', 'data-testid': 'resource-range', 'aria-live': 'polite' });
  const toolbar = h('div', { class: 'av-toolbar', role: 'toolbar', 'aria-label': 'Grid period' },
    h('div', { class: 'av-segmented', role: 'group', 'aria-label': 'Grid length' }, dayButton, weekButton),
    h('button', { type: 'button', 'data-testid': 'resource-prev', 'aria-label': 'Previous period', onclick: () => step(-1) }, '‹ Previous'),
    h('button', { type: 'button', 'data-testid': 'resource-today', onclick: () => { state.date = todayIn(zone); loadGrid(); } }, 'Today'),
    h('button', { type: 'button', 'data-testid': 'resource-next', 'aria-label': 'Next period', onclick: () => step(1) }, 'Next ›'),
    field(h, 'res-grid-date', 'Go to date', dateInput));

  const grid = h('div', {
    class: 'av-grid', 'data-testid': 'resource-grid', tabindex: '0',
    'aria-label': 'Bookings and free time; choose a time with the booking form or drag in a column',
  });
  const legend = h('p', { class: 'av-legend' },
    h('span', { class: 'av-swatch av-swatch-free', 'aria-hidden': 'true' }), ' free  ',
    h('span', { class: 'av-swatch av-swatch-closed', 'aria-hidden': 'true' }), ' not bookable  ',
    h('span', { class: 'av-swatch av-swatch-approved', 'aria-hidden': 'true' }), ' booked  ',
    h('span', { class: 'av-swatch av-swatch-pending', 'aria-hidden': 'true' }), ' pending approval (marked “pending”)  ',
    `Times are in ${zone}.`);

  // ---- Booking form ----
  const resourceSelect = h('select', { id: 'book-resource', 'data-testid': 'booking-resource', required: 'required' });
  const bookDate = h('input', { id: 'book-date', type: 'date', required: 'required', 'data-testid': 'booking-date' });
  const bookStart = h('input', { id: 'book-start', type: 'time', step: '300', required: 'required', 'data-testid': 'booking-start' });
  const bookEnd = h('input', { id: 'book-end', type: 'time', step: '300', required: 'required', 'data-testid': 'booking-end' });
  const bookTitle = h('input', { id: 'book-title', type: 'text', maxlength: '1024', 'data-testid': 'booking-title', placeholder: 'What it is for' });
  const checkPanel = h('div', { class: 'av-check', role: 'status', 'aria-live': 'polite', 'data-testid': 'booking-check' });
  const bookButton = h('button', { type: 'submit', class: 'av-primary', 'data-testid': 'booking-submit' }, 'Book');
  const bookForm = h('form', {
    class: 'av-form av-book-form', 'data-testid': 'booking-form', 'aria-labelledby': 'book-heading',
    onsubmit: (e) => { e.preventDefault(); submitBooking(); },
  },
  h('h2', { id: 'book-heading' }, 'Book a resource'),
  h('div', { class: 'av-fields' },
    field(h, 'book-resource', 'Resource', resourceSelect),
    field(h, 'book-date', 'Date', bookDate),
    field(h, 'book-start', 'From', bookStart),
    field(h, 'book-end', 'To', bookEnd),
    field(h, 'book-title', 'Title', bookTitle)),
  checkPanel,
  h('div', { class: 'av-actions' }, bookButton));
  for (const input of [resourceSelect, bookDate, bookStart, bookEnd]) {
    input.addEventListener('change', () => { syncSelectionFromForm(); scheduleCheck(); });
  }

  const root = h('section', { class: 'av-view av-resources', 'data-testid': 'resources-view', 'aria-labelledby': 'res-heading' },
    h('h1', { id: 'res-heading' }, 'Resources'),
    filterForm, listStatus, h('div', { class: 'av-scroll-x' }, listTable),
    toolbar, rangeLabel, legend, grid, bookForm);
  container.append(root);

  loadResources();

  // ---- Loading ----

  async function loadResources() {
    try {
      const list = await ctx.api.get('/api/v1/resources');
      if (disposed) return;
      state.all = list.items || [];
      const types = [...new Set(state.all.map((r) => r.type))].sort();
      for (const t of types) typeSelect.append(h('option', { value: t }, capitalise(t)));
      state.matching = state.all;
      for (const r of state.all.slice(0, DEFAULT_COLUMNS)) state.shown.add(r.id);
      renderList();
      loadGrid();
    } catch (error) {
      if (disposed) return;
      listStatus.textContent = errorSentence(error, 'Loading the resources');
    }
  }

  async function applyFilters() {
    const params = new URLSearchParams();
    if (typeSelect.value) params.set('type', typeSelect.value);
    const capacity = capacityInput.value.trim();
    if (capacity) {
      if (!/^\d+$/.test(capacity)) {
        listStatus.textContent = 'The minimum capacity must be a whole number.';
        return;
      }
      params.set('min_capacity', capacity);
    }
    if (locationInput.value.trim()) params.set('location', locationInput.value.trim());
    try {
      const query = params.toString();
      const list = query ? await ctx.api.get(`/api/v1/resources/search?${query}`) : { items: state.all };
      if (disposed) return;
      state.matching = list.items || [];
      // The grid shows the matching resources (the first few, by default).
      state.shown = new Set(state.matching.slice(0, DEFAULT_COLUMNS).map((r) => r.id));
      renderList();
      loadGrid();
    } catch (error) {
      if (!disposed) listStatus.textContent = errorSentence(error, 'Filtering the resources');
    }
  }

  function renderList() {
    const n = state.matching.length;
    if (state.all.length === 0) {
      listStatus.textContent = 'There are no resources yet; an administrator can add them.';
    } else {
      listStatus.textContent = n === 0 ? 'No resource matches these filters.'
        : `${n} ${n === 1 ? 'resource matches' : 'resources match'}; ${state.shown.size} shown in the grid.`;
    }
    listBody.replaceChildren(...state.matching.map((r) => {
      const box = h('input', {
        type: 'checkbox', checked: state.shown.has(r.id), id: `res-show-${r.id}`,
        'data-testid': 'resource-show', 'data-resource-id': r.id,
        onchange: () => {
          if (box.checked) state.shown.add(r.id); else state.shown.delete(r.id);
          renderList();
          loadGrid();
        },
      });
      return h('tr', { 'data-testid': 'resource-row', 'data-resource-id': r.id },
        h('td', {}, box, h('label', { for: `res-show-${r.id}`, class: 'av-sr-only' }, `Show ${r.name} in the grid`)),
        h('td', {}, r.name, r.available === false ? ' (not bookable now)' : ''),
        h('td', {}, capitalise(r.type)),
        h('td', {}, String(r.capacity ?? '')),
        h('td', {}, r.location || '—'),
        h('td', {}, r.requires_approval ? 'Needs approval' : 'Booked at once'));
    }));
    const current = resourceSelect.value;
    resourceSelect.replaceChildren(...state.all.map((r) => h('option', { value: String(r.id) }, r.name)));
    if (current && state.all.some((r) => String(r.id) === current)) resourceSelect.value = current;
  }

  function days() {
    if (state.mode === 'day') return [state.date];
    const monday = mondayOf(state.date);
    return Array.from({ length: 7 }, (_, i) => addDays(monday, i));
  }

  function shownResources() {
    return state.matching.filter((r) => state.shown.has(r.id));
  }

  async function loadGrid() {
    const seq = ++loadSeq;
    const ds = days();
    dateInput.value = state.date;
    dayButton.setAttribute('aria-pressed', String(state.mode === 'day'));
    weekButton.setAttribute('aria-pressed', String(state.mode === 'week'));
    rangeLabel.textContent = state.mode === 'day' ? longDate(ds[0])
      : `Week of ${longDate(ds[0])} to ${longDate(ds[6])}`;
    const from = wallToInstant(ds[0], 0, zone).toUTC().toISO({ suppressMilliseconds: true });
    const to = wallToInstant(addDays(ds[ds.length - 1], 1), 0, zone).toUTC().toISO({ suppressMilliseconds: true });
    const resources = shownResources();
    grid.setAttribute('aria-busy', 'true');
    const window = `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
    const results = await Promise.all(resources.map(async (r) => {
      try {
        const [bookings, availability] = await Promise.all([
          ctx.api.get(`/api/v1/resources/${r.id}/bookings?${window}`),
          ctx.api.get(`/api/v1/resources/${r.id}/availability?${window}`),
        ]);
        return [r.id, { bookings: bookings.items || [], free: availability.free || [] }];
      } catch (error) {
        return [r.id, { error }];
      }
    }));
    if (disposed || seq !== loadSeq) return;
    state.data = new Map(results);
    grid.removeAttribute('aria-busy');
    renderGrid();
  }

  function step(direction) {
    state.date = addDays(state.date, direction * (state.mode === 'day' ? 1 : 7));
    loadGrid();
  }

  function setMode(mode) {
    state.mode = mode;
    loadGrid();
  }

  // ---- The grid ----

  function renderGrid() {
    const resources = shownResources();
    const ds = days();
    if (resources.length === 0) {
      grid.replaceChildren(h('p', { class: 'av-empty' },
        state.all.length === 0 ? 'There are no resources to show.' : 'Tick “In grid” for the resources to show here.'));
      return;
    }
    const columns = [];
    for (const date of ds) for (const r of resources) columns.push({ date, r });
    const head = h('div', { class: 'av-grid-head' },
      h('div', { class: 'av-grid-corner' }),
      columns.map(({ date, r }) => h('div', { class: 'av-grid-colhead', title: r.location || r.name },
        state.mode === 'week' ? h('span', { class: 'av-grid-day' }, shortDate(date)) : null,
        h('span', {}, r.name))));
    const times = h('div', { class: 'av-grid-times', 'aria-hidden': 'true' },
      Array.from({ length: DAY_MIN / 60 }, (_, hour) => h('div', { class: 'av-grid-hour', style: `height:${2 * ROW_PX}px` },
        `${String(hour).padStart(2, '0')}:00`)));
    const body = h('div', { class: 'av-grid-body' }, times, columns.map(({ date, r }) => renderColumn(date, r)));
    grid.replaceChildren(head, body);
    grid.style.setProperty('--av-cols', String(columns.length));
    if (!scrolled) {
      grid.scrollTop = FIRST_VISIBLE_HOUR * 2 * ROW_PX;
      scrolled = true;
    }
  }

  function renderColumn(date, r) {
    const data = state.data.get(r.id) || { bookings: [], free: [] };
    const column = h('div', {
      class: 'av-grid-col', 'data-testid': 'resource-column', 'data-resource-id': r.id, 'data-date': date,
      role: 'group', 'aria-label': `${r.name}, ${longDate(date)}`,
      style: `height:${(DAY_MIN / SLOT_MIN) * ROW_PX}px`,
    });
    if (data.error) {
      column.append(h('p', { class: 'av-col-error' }, errorSentence(data.error)));
      return column;
    }
    for (const span of data.free) {
      const placed = place(DateTime.fromISO(span.start), DateTime.fromISO(span.end), date);
      if (!placed) continue;
      column.append(h('div', {
        class: 'av-free', 'data-testid': 'free-slot', style: `top:${placed.top}px;height:${placed.height}px`,
        title: `Free: ${spanSentence(DateTime.fromISO(span.start), DateTime.fromISO(span.end), zone)}`,
      }));
    }
    for (const b of data.bookings) {
      if (b.status !== 'pending' && b.status !== 'approved') continue;
      const start = DateTime.fromISO(b.start);
      const end = DateTime.fromISO(b.end);
      const placed = place(start, end, date);
      if (!placed) continue;
      const who = b.details ? [b.title || 'Untitled', b.requester_name].filter(Boolean).join(' · ') : 'Busy';
      const label = `${who}, ${spanSentence(start, end, zone)}${b.status === 'pending' ? ', pending approval' : ''}`;
      column.append(h('div', {
        class: `av-booking av-booking-${b.status}`, 'data-testid': 'booking-block', 'data-booking-id': b.id,
        'data-status': b.status, style: `top:${placed.top}px;height:${placed.height}px`, title: label,
        role: 'note', 'aria-label': label,
      }, h('span', { class: 'av-booking-text' }, who), b.status === 'pending' ? h('span', { class: 'av-tag' }, 'pending') : null));
    }
    const sel = state.selection;
    if (sel && sel.resourceId === r.id && sel.date === date) {
      column.append(h('div', {
        class: 'av-selection', 'data-testid': 'grid-selection',
        style: `top:${(sel.startMin / SLOT_MIN) * ROW_PX}px;height:${((sel.endMin - sel.startMin) / SLOT_MIN) * ROW_PX}px`,
      }));
    }
    attachSelection(column, r, date);
    return column;
  }

  // The pixel position of the part of [start, end) that falls on `date`.
  function place(start, end, date) {
    const a = minutesInDay(start, date, zone);
    const b = minutesInDay(end, date, zone);
    if (b <= a) return null;
    return { top: (a / SLOT_MIN) * ROW_PX, height: Math.max(((b - a) / SLOT_MIN) * ROW_PX, 4) };
  }

  // Dragging in a column selects whole rows; a tap with a finger selects one
  // hour (dragging with a finger scrolls the grid instead).
  function attachSelection(column, r, date) {
    let anchor = null;
    const rowAt = (event) => {
      const rect = column.getBoundingClientRect();
      const y = Math.min(Math.max(event.clientY - rect.top, 0), rect.height - 1);
      return Math.floor(y / ROW_PX);
    };
    column.addEventListener('pointerdown', (event) => {
      if (event.button !== 0) return;
      if (event.pointerType === 'touch') return;
      event.preventDefault();
      anchor = rowAt(event);
      column.setPointerCapture(event.pointerId);
      select(r.id, date, anchor, anchor, column);
    });
    column.addEventListener('pointermove', (event) => {
      if (anchor === null) return;
      select(r.id, date, anchor, rowAt(event), column);
    });
    const finish = (event) => {
      if (anchor === null) return;
      select(r.id, date, anchor, rowAt(event), column);
      anchor = null;
      fillFormFromSelection();
    };
    column.addEventListener('pointerup', finish);
    column.addEventListener('pointercancel', () => { anchor = null; });
    column.addEventListener('click', (event) => {
      if (event.pointerType !== 'touch' && !(event.sourceCapabilities && event.sourceCapabilities.firesTouchEvents)) return;
      const row = rowAt(event);
      select(r.id, date, row, row + 1, column);
      fillFormFromSelection();
    });
  }

  function select(resourceId, date, rowA, rowB, column) {
    const first = Math.min(rowA, rowB);
    const last = Math.max(rowA, rowB);
    state.selection = { resourceId, date, startMin: first * SLOT_MIN, endMin: (last + 1) * SLOT_MIN };
    for (const old of grid.querySelectorAll('.av-selection')) old.remove();
    column.append(h('div', {
      class: 'av-selection', 'data-testid': 'grid-selection',
      style: `top:${first * ROW_PX}px;height:${(last - first + 1) * ROW_PX}px`,
    }));
  }

  // ---- The booking form ----

  const hhmm = (minutes) => `${String(Math.floor(minutes / 60) % 24).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
  const toMinutes = (text) => {
    const m = /^(\d{2}):(\d{2})/.exec(text || '');
    return m ? Number(m[1]) * 60 + Number(m[2]) : null;
  };

  function fillFormFromSelection() {
    const sel = state.selection;
    if (!sel) return;
    resourceSelect.value = String(sel.resourceId);
    bookDate.value = sel.date;
    bookStart.value = hhmm(sel.startMin);
    bookEnd.value = hhmm(sel.endMin);
    scheduleCheck(0);
  }

  function syncSelectionFromForm() {
    const form = readForm();
    for (const old of grid.querySelectorAll('.av-selection')) old.remove();
    if (!form.ok) { state.selection = null; return; }
    state.selection = { resourceId: form.resource.id, date: form.date, startMin: form.startMin, endMin: form.endMin };
    const column = grid.querySelector(`[data-testid="resource-column"][data-resource-id="${form.resource.id}"][data-date="${form.date}"]`);
    if (column) {
      column.append(h('div', {
        class: 'av-selection', 'data-testid': 'grid-selection',
        style: `top:${(form.startMin / SLOT_MIN) * ROW_PX}px;height:${((form.endMin - form.startMin) / SLOT_MIN) * ROW_PX}px`,
      }));
    }
  }

  // The form's values: {ok, resource, date, startMin, endMin, start, end}
  // or {ok: false, problem} with a sentence.
  function readForm() {
    const resource = state.all.find((r) => String(r.id) === resourceSelect.value);
    if (!resource) return { ok: false, problem: 'Choose a resource.' };
    if (!bookDate.value) return { ok: false, problem: 'Choose a date.' };
    const startMin = toMinutes(bookStart.value);
    let endMin = toMinutes(bookEnd.value);
    if (startMin === null || endMin === null) return { ok: false, problem: 'Choose a start and an end time.' };
    if (endMin === 0) endMin = DAY_MIN;  // "to 00:00" is the end of the day
    if (endMin <= startMin) return { ok: false, problem: 'The end must be after the start.' };
    const start = wallToInstant(bookDate.value, startMin, zone);
    const end = wallToInstant(bookDate.value, endMin, zone);
    return { ok: true, resource, date: bookDate.value, startMin, endMin, start, end };
  }

  function scheduleCheck(delay = 250) {
    clearTimeout(checkTimer);
    checkTimer = setTimeout(checkAvailability, delay);
  }

  const iso = (dt) => dt.toUTC().toISO({ suppressMilliseconds: true });

  async function checkAvailability() {
    const seq = ++checkSeq;
    const form = readForm();
    state.lastCheck = null;
    bookButton.textContent = 'Book';
    if (!form.ok) {
      showCheck('info', [form.problem]);
      return;
    }
    showCheck('info', [`Checking whether ${form.resource.name} is free…`]);
    try {
      const around = `from=${encodeURIComponent(iso(form.start.minus({ days: 7 })))}&to=${encodeURIComponent(iso(form.end.plus({ days: 7 })))}`;
      const exact = `from=${encodeURIComponent(iso(form.start))}&to=${encodeURIComponent(iso(form.end))}`;
      const [availability, bookings] = await Promise.all([
        ctx.api.get(`/api/v1/resources/${form.resource.id}/availability?${around}`),
        ctx.api.get(`/api/v1/resources/${form.resource.id}/bookings?${exact}`),
      ]);
      if (disposed || seq !== checkSeq) return;
      const free = mergeSpans((availability.free || []).map((s) => ({ start: DateTime.fromISO(s.start), end: DateTime.fromISO(s.end) })));
      const fits = free.some((s) => s.start <= form.start && s.end >= form.end);
      const when = spanSentence(form.start, form.end, zone);
      if (fits) {
        state.lastCheck = { clash: false };
        showCheck('ok', [`${form.resource.name} is free on ${when}.`]);
        return;
      }
      state.lastCheck = { clash: true };
      bookButton.textContent = 'Try to book anyway';
      const lines = [`${form.resource.name} is not free on ${when}.`];
      const holders = (bookings.items || []).filter((b) => b.blocking !== false
        && (b.status === 'pending' || b.status === 'approved')
        && DateTime.fromISO(b.block_start || b.start) < form.end && DateTime.fromISO(b.block_end || b.end) > form.start);
      for (const b of holders) {
        const holder = b.details ? `“${b.title || 'Untitled'}” for ${b.requester_name}` : 'someone (the details are private)';
        lines.push(`It is ${b.status === 'pending' ? 'requested (pending approval)' : 'booked'} by ${holder}, ${spanSentence(DateTime.fromISO(b.start), DateTime.fromISO(b.end), zone)}.`);
      }
      if (holders.length === 0) lines.push('It is outside its bookable hours, marked unavailable, or too soon to book then.');
      const length = form.end.diff(form.start);
      const slots = nearestSlots(free, form.start, length);
      showCheck('clash', lines, slots, 'booking-clash');
    } catch (error) {
      if (disposed || seq !== checkSeq) return;
      showCheck('error', [errorSentence(error, 'Checking availability')]);
    }
  }

  async function submitBooking() {
    const form = readForm();
    if (!form.ok) {
      showCheck('error', [form.problem]);
      return;
    }
    clearTimeout(checkTimer);
    checkSeq++;
    bookButton.disabled = true;
    const body = { resource_id: form.resource.id, start: iso(form.start), end: iso(form.end) };
    if (bookTitle.value.trim()) body.title = bookTitle.value.trim();
    try {
      const created = await ctx.api.post('/api/v1/bookings', body);
      if (disposed) return;
      const when = spanSentence(form.start, form.end, zone);
      const message = created.status === 'pending'
        ? `Requested ${form.resource.name} for ${when}; it waits for approval.`
        : `Booked ${form.resource.name} for ${when}.`;
      showCheck('ok', [message]);
      ctx.toast(message, 'success');
      state.selection = null;
      state.lastCheck = null;
      bookButton.textContent = 'Book';
      loadGrid();
    } catch (error) {
      if (disposed) return;
      if (error && error.status === 409 && error.body) {
        showServerClash(form, error);
      } else {
        showCheck('error', [errorSentence(error, 'Booking')]);
        ctx.toast(errorSentence(error, 'Booking'), 'error');
      }
    } finally {
      bookButton.disabled = false;
    }
  }

  // Shows the server's 409 answer: its detail, each clash and the free slots.
  function showServerClash(form, error) {
    const body = error.body || {};
    const lines = [`The server refused the booking: ${errorSentence(error)}`];
    for (const c of body.clashes || []) {
      if (c.kind === 'booking') {
        const span = c.holder_start && c.holder_end
          ? `, ${spanSentence(DateTime.fromISO(c.holder_start), DateTime.fromISO(c.holder_end), zone)}` : '';
        lines.push(`It is held by ${c.holder || 'someone'}${span}.`);
      } else if (c.kind === 'unavailable') {
        lines.push(`It is unavailable then${c.reason ? `: ${c.reason}` : ''}.`.replace(/\.\.$/, '.'));
      } else {
        lines.push(`${capitalise(c.reason || 'A booking rule does not allow this time')}.`.replace(/\.\.$/, '.'));
      }
    }
    const slots = (body.free_slots || []).map((s) => ({ start: DateTime.fromISO(s.start), end: DateTime.fromISO(s.end) }));
    state.lastCheck = { clash: true };
    bookButton.textContent = 'Try to book anyway';
    showCheck('clash', lines, slots.map((s) => ({ ...s, label: s.start < form.start ? 'before' : 'after' })), 'booking-conflict');
  }

  // Shows sentences in the check panel, with a "use this time" button per
  // free slot.
  function showCheck(kind, lines, slots = [], testid = null) {
    checkPanel.className = `av-check av-check-${kind}`;
    const children = lines.map((line) => h('p', {}, line));
    if (slots.length) {
      children.push(h('p', {}, slots.length === 1 ? 'The nearest free slot of the same length:' : 'The nearest free slots of the same length:'));
      children.push(h('ul', { class: 'av-slots' }, slots.map((s) => h('li', { 'data-testid': 'free-slot-suggestion' },
        `${capitalise(s.label || '')}${s.label ? ': ' : ''}${spanSentence(s.start, s.end, zone)}. `,
        h('button', {
          type: 'button', class: 'av-link', 'data-testid': 'use-free-slot',
          onclick: () => useSlot(s),
        }, 'Use this time')))));
    } else if (kind === 'clash') {
      children.push(h('p', {}, 'There is no free slot of the same length within a week either side.'));
    }
    const wrapper = testid ? h('div', { 'data-testid': testid }, children) : children;
    checkPanel.replaceChildren(...[wrapper].flat());
  }

  function useSlot(slot) {
    const start = slot.start.setZone(zone);
    const end = slot.end.setZone(zone);
    bookDate.value = start.toISODate();
    bookStart.value = start.toFormat('HH:mm');
    bookEnd.value = end.toFormat('HH:mm');
    if (state.mode === 'day' && state.date !== start.toISODate()) {
      state.date = start.toISODate();
      loadGrid().then(syncSelectionFromForm);
    } else {
      syncSelectionFromForm();
    }
    scheduleCheck(0);
  }

  return () => {
    disposed = true;
    clearTimeout(checkTimer);
    root.remove();
  };
}

// Sorts spans and joins those that touch or overlap.
function mergeSpans(spans) {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  const out = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && s.start <= last.end) {
      if (s.end > last.end) last.end = s.end;
    } else {
      out.push({ ...s });
    }
  }
  return out;
}

// The latest free slot of `length` that starts before `start` and the
// earliest that starts after it, within the merged free spans, each with a
// label "before" or "after".
export function nearestSlots(free, start, length) {
  let before = null;
  let after = null;
  for (const span of free) {
    const latestEnd = span.end < start ? span.end : start;
    const b = latestEnd.minus(length);
    if (b >= span.start && b < start) before = { start: b, end: b.plus(length), label: 'before' };
    // A span that began before `start` and still holds the whole length
    // would have fitted the request, so the next slot starts a span.
    if (!after && span.start > start && span.start.plus(length) <= span.end) {
      after = { start: span.start, end: span.start.plus(length), label: 'after' };
    }
  }
  return [before, after].filter(Boolean);
}
