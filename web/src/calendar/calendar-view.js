// The calendar page: FullCalendar with the app's own toolbar (today,
// previous, next, date picker, view switcher), the sidebar (calendars,
// module legend, filters, presets, team leave), loading instances from the
// API, quick-create on an empty slot, and moving or resizing events with the
// series-scope question, an availability check of booked resources, and
// revert on error.
import { Calendar } from '@fullcalendar/core';
import dayGridPlugin from '@fullcalendar/daygrid';
import timeGridPlugin from '@fullcalendar/timegrid';
import listPlugin from '@fullcalendar/list';
import multiMonthPlugin from '@fullcalendar/multimonth';
import interactionPlugin from '@fullcalendar/interaction';
import zonePlugin from './zone-plugin.js';
import { query, ApiError } from '../api.js';
import { el, openModal } from '../ui.js';
import { CALENDAR_VIEWS, calendarHash, viewForFc } from '../router.js';
import { loadPref, savePref } from '../prefs.js';
import { STATUSES, PRIORITIES, PAGE_LIMIT, passesFilter, filterParams, hasServerFilter, toFcEvent, isLeaveInstance, RangeCache, SpanCache, spans } from './events.js';
import { formatSpan, shiftIso, toMillis, nowInZone, markerClock } from './time.js';
import { openEventDialog, defaultCalendar, describeClashes } from './event-dialog.js';
import { bookedResources, checkResourcesFree } from './bookings.js';
import { monthPlugin } from './month-view.js';

const DEFAULT_VIEW = 'week';

export function mountCalendar({ content, sidebar, ctx, app, setOffline, searchInput, view, date }) {
  const { api, toast, confirmDialog } = ctx;
  const state = {
    calendars: [],
    calendarById: new Map(),
    modules: [],
    users: new Map(),
    hiddenCalendars: new Set(loadPref('hiddenCalendars', [])),
    hiddenChosen: loadPref('hiddenCalendars', null) !== null,
    hiddenModules: new Set(loadPref('hiddenModules', [])),
    filter: { q: '', statuses: [], priority: 'any', organiser: '' },
    presets: loadPref('presets', []),
    leaveSource: null,
    leaveOn: loadPref('teamLeave', false),
    leaveShown: false,
    // Organisers seen in loaded instances: lower-cased e-mail → name.
    organisers: new Map(),
    // False once the server refused the filter parameters (an older one).
    serverFilters: true,
    truncated: false,
  };
  const cache = new RangeCache(8);
  // Wider answers fetched in the background around the ranges shown (see
  // prefetchAround), by query without the range, a few spans per query
  // (newest first: a week far away and the month now shown may both be
  // kept): the next or previous period then renders from memory, without
  // waiting for the network. FullCalendar shows only what falls in its
  // range.
  const around = new SpanCache(4, 3);
  // The range whose rendering awaits its performance mark, and the last
  // range marked (see onEventsSet).
  let pendingMark = '';
  let markedRange = '';
  let destroyed = false;
  let resolveCalendars;
  const calendarsReady = new Promise((r) => (resolveCalendars = r));

  // ---- toolbar ----
  const title = el('h1', { class: 'view-title', testid: 'view-title', 'aria-live': 'polite' });
  const datePicker = el('input', {
    type: 'date',
    id: 'date-picker',
    testid: 'date-picker',
    on: { change: () => datePicker.value && fc.gotoDate(datePicker.value) },
  });
  const viewButtons = Object.entries(CALENDAR_VIEWS).filter(([, v]) => !v.hidden).map(([name, v]) =>
    el('button', {
      type: 'button',
      class: 'seg',
      text: v.label,
      testid: `view-${name}`,
      'aria-pressed': 'false',
      dataset: { view: name },
      on: { click: () => changeView(name) },
    }),
  );
  const loading = el('span', { class: 'loading', role: 'status', testid: 'loading', hidden: true, text: 'Loading…' });
  const note = el('span', { class: 'note', role: 'status', testid: 'calendar-note', hidden: true });
  const toolbar = el(
    'div',
    { class: 'toolbar', role: 'toolbar', 'aria-label': 'Calendar navigation' },
    el(
      'div',
      { class: 'toolbar-group' },
      el('button', { type: 'button', class: 'btn', text: 'Today', testid: 'today', on: { click: () => today() } }),
      el('button', { type: 'button', class: 'btn icon-btn', 'aria-label': 'Previous period', text: '‹', testid: 'prev', on: { click: () => prev() } }),
      el('button', { type: 'button', class: 'btn icon-btn', 'aria-label': 'Next period', text: '›', testid: 'next', on: { click: () => next() } }),
      el('label', { for: 'date-picker', class: 'sr-only', text: 'Go to date' }),
      datePicker,
    ),
    title,
    el('div', { class: 'toolbar-group' }, loading, note),
    el('div', { class: 'segmented', role: 'group', 'aria-label': 'View' }, viewButtons),
  );
  const calHost = el('div', { class: 'calendar-host', testid: 'calendar' });
  content.replaceChildren(el('div', { class: 'calendar-page' }, toolbar, calHost));

  // ---- sidebar ----
  const calList = el('ul', { class: 'check-list', testid: 'calendar-list' });
  const moduleList = el('ul', { class: 'check-list', testid: 'module-list' });
  const statusBoxes = STATUSES.map((s) =>
    el('li', {}, el('label', {}, el('input', { type: 'checkbox', value: s, testid: `filter-status-${s}`, on: { change: onFilterChange } }), ` ${s[0].toUpperCase()}${s.slice(1)}`)),
  );
  const prioritySelect = el(
    'select',
    { id: 'filter-priority', testid: 'filter-priority', on: { change: onFilterChange } },
    Object.entries(PRIORITIES).map(([k, p]) => el('option', { value: k, text: p.label })),
  );
  const organiserSelect = el('select', { id: 'filter-organiser', testid: 'filter-organiser', on: { change: onFilterChange } }, el('option', { value: '', text: 'Anyone' }));
  const presetName = el('input', { id: 'preset-name', placeholder: 'Name this filter', testid: 'preset-name' });
  const presetList = el('ul', { class: 'preset-list', testid: 'preset-list' });
  const leaveSlot = el('div', { class: 'leave-slot' });
  const activeFilter = el('p', { class: 'muted small', role: 'status', testid: 'filter-summary' });
  sidebar.replaceChildren(
    el('button', { type: 'button', class: 'btn btn-primary btn-block', text: '+ New event', testid: 'new-event', on: { click: () => newEvent() } }),
    el('section', { 'aria-labelledby': 'sb-cals' }, el('h2', { id: 'sb-cals', text: 'Calendars' }), calList),
    el(
      'section',
      { 'aria-labelledby': 'sb-mods' },
      el('h2', { id: 'sb-mods', text: 'Modules' }),
      el('p', { class: 'muted small', text: 'Each colour is a module. Untick one to hide its calendars.' }),
      moduleList,
    ),
    leaveSlot,
    el(
      'section',
      { 'aria-labelledby': 'sb-filters' },
      el('h2', { id: 'sb-filters', text: 'Filters' }),
      el('fieldset', {}, el('legend', { text: 'Status (none ticked: all)' }), el('ul', { class: 'check-list' }, statusBoxes)),
      el('label', { for: 'filter-priority', text: 'Priority' }),
      prioritySelect,
      el('label', { for: 'filter-organiser', text: 'Organiser' }),
      organiserSelect,
      activeFilter,
      el(
        'form',
        {
          class: 'preset-form',
          on: {
            submit: (e) => {
              e.preventDefault();
              savePreset();
            },
          },
        },
        el('label', { for: 'preset-name', text: 'Save this filter as' }),
        el('div', { class: 'row' }, presetName, el('button', { type: 'submit', class: 'btn btn-small', text: 'Save', testid: 'preset-save' })),
      ),
      el('h3', { text: 'Saved filters' }),
      presetList,
    ),
    el(
      'section',
      { 'aria-labelledby': 'sb-legend' },
      el('h2', { id: 'sb-legend', text: 'Legend' }),
      el(
        'ul',
        { class: 'legend' },
        el('li', {}, el('span', { class: 'legend-ev status-tentative', text: 'Meeting (tentative)' }), ' dashed border: tentative'),
        el('li', {}, el('span', { class: 'legend-ev status-cancelled', text: 'Meeting (cancelled)' }), ' struck through: cancelled'),
        el('li', {}, el('span', { class: 'legend-ev', text: '↻ Meeting' }), ' ↻: repeats'),
        el('li', {}, el('span', { class: 'legend-ev is-busy', text: 'Busy' }), ' hatched: busy time only'),
      ),
    ),
  );

  // ---- FullCalendar ----
  // Phones start on the day view until the user picks another.
  const narrow = window.matchMedia('(max-width: 760px)').matches;
  const wanted = view || loadPref('view', narrow ? 'day' : DEFAULT_VIEW);
  const initialView = CALENDAR_VIEWS[wanted] ? wanted : DEFAULT_VIEW;
  // The month view is the app's own (calendar/month-view.js), with the
  // same interactions as FullCalendar's.
  const month = monthPlugin({
    open: (seg) => seg.def.extendedProps.inst && editInstance(seg.def.extendedProps.inst),
    openDay: (iso) => fc.changeView('timeGridDay', iso),
    select: (startStr, endStr) => quickCreate({ allDay: true, startStr, endStr }),
    move: (seg, days, revert) => onMoveOrResize(dayShift(seg, days, days, revert), 'move'),
    resize: (seg, days, revert) => onMoveOrResize(dayShift(seg, 0, days, revert), 'resize'),
    decorate: (seg, node) => labelEvent(seg.def.extendedProps.inst, seg.def.title, node),
    timeText: (seg) => markerClock(seg.instance.range.start),
    today: () => nowInZone(app.timezone).toISODate(),
    longPressDelay: 400,
  });
  const fc = new Calendar(calHost, {
    plugins: [dayGridPlugin, timeGridPlugin, listPlugin, multiMonthPlugin, interactionPlugin, zonePlugin, month],
    timeZone: app.timezone,
    initialView: CALENDAR_VIEWS[initialView].fc,
    initialDate: date || undefined,
    headerToolbar: false,
    height: '100%',
    firstDay: 1,
    nowIndicator: true,
    navLinks: true,
    navLinkDayClick: (d) => {
      fc.changeView('timeGridDay', d);
    },
    dayMaxEvents: true,
    // Events take focus with Tab; Enter opens them (eventClick).
    eventInteractive: true,
    editable: true,
    selectable: true,
    selectMirror: true,
    longPressDelay: 400,
    eventTimeFormat: { hour: '2-digit', minute: '2-digit', hour12: false },
    slotLabelFormat: { hour: '2-digit', minute: '2-digit', hour12: false },
    scrollTime: '07:30:00',
    views: {
      dayGridTwoWeeks: { type: 'dayGrid', duration: { weeks: 2 }, dateIncrement: { weeks: 1 } },
      multiMonthYear: { multiMonthMaxColumns: 3 },
    },
    eventSources: [{ id: 'api', events: eventSource }],
    loading: (on) => {
      loading.hidden = !on;
      if (!on) onEventsSet();
    },
    datesSet: onDatesSet,
    eventsSet: onEventsSet,
    eventDidMount: decorateEvent,
    eventContent: (arg) => ({ domNodes: eventNodes(arg) }),
    select: (info) => quickCreate(info),
    eventClick: (info) => {
      info.jsEvent.preventDefault();
      const inst = info.event.extendedProps.inst;
      if (inst) editInstance(inst);
    },
    eventDrop: (info) => onMoveOrResize(info, 'move'),
    eventResize: (info) => onMoveOrResize(info, 'resize'),
  });
  fc.render();
  loadSidebarData();

  // The event's own content: time and title, with ↻ for a repeating one.
  function eventNodes(arg) {
    const inst = arg.event.extendedProps.inst;
    const text = `${inst && inst.recurring ? '↻ ' : ''}${arg.event.title}`;
    if (arg.view.type.startsWith('list')) return [el('span', { text })];
    const nodes = [];
    if (arg.timeText && !arg.event.allDay) nodes.push(el('span', { class: 'fc-event-time', text: arg.timeText }));
    nodes.push(el('span', { class: 'fc-event-title', text }));
    if (arg.view.type.startsWith('dayGrid') || arg.view.type.startsWith('multiMonth')) {
      if (!arg.event.allDay) {
        return [el('span', { class: 'fc-daygrid-event-dot', style: { borderColor: arg.event.backgroundColor } }), ...nodes];
      }
    }
    return [el('div', { class: 'fc-event-main-frame ev-frame' }, nodes)];
  }

  // Each instance's time as words, per zone: a month change re-mounts every
  // event, and formatting two times in a zone costs more than the rest of
  // the label.
  const spanLabels = new WeakMap();
  function spanLabel(inst) {
    let known = spanLabels.get(inst);
    if (!known || known.zone !== app.timezone) {
      known = { zone: app.timezone, text: formatSpan(inst.start, inst.end, app.timezone) };
      spanLabels.set(inst, known);
    }
    return known.text;
  }

  function decorateEvent(arg) {
    labelEvent(arg.event.extendedProps.inst, arg.event.title, arg.el);
  }

  // Marks an event's element with its ids and status, and labels it with
  // its title, time, calendar and whether it repeats.
  function labelEvent(inst, title, node) {
    if (!inst) return;
    node.dataset.testid = 'event';
    node.dataset.eventId = String(inst.event_id);
    if (inst.recurrence_id) node.dataset.recurrenceId = inst.recurrence_id;
    node.dataset.status = inst.status;
    const cal = state.calendarById.get(inst.calendar_id);
    const when = inst.all_day ? `${inst.start} all day` : spanLabel(inst);
    const label = `${title}, ${when}${cal ? `, ${cal.name}` : ''}${inst.recurring ? ', repeats' : ''}`;
    node.setAttribute('aria-label', label);
    node.title = label;
  }

  // What FullCalendar hands eventDrop/eventResize, for an event of the
  // month view whose start moves by `startDays` and end by `endDays` days
  // on the calendar's wall clock; `revert` puts it back.
  function dayShift(seg, startDays, endDays, revert) {
    const inst = seg.def.extendedProps.inst;
    const days = (n) => ({ years: 0, months: 0, days: n, milliseconds: 0 });
    return {
      event: {
        allDay: inst.all_day,
        startStr: shiftIso(inst.start, days(startDays), app.timezone),
        endStr: shiftIso(inst.end || inst.start, days(endDays), app.timezone),
        extendedProps: { inst },
      },
      oldEvent: { allDay: inst.all_day },
      delta: startDays ? days(startDays) : undefined,
      revert,
    };
  }

  // ---- loading instances ----
  function visibleCalendarIds() {
    return state.calendars.filter((c) => !state.hiddenCalendars.has(c.id) && !state.hiddenModules.has(c.module)).map((c) => c.id);
  }

  // The request of the instances of `info`'s range: its URL, the key of
  // the wider answers around it, and how to make the URL of another range.
  function requestFor(info, ids) {
    const all = ids.length === state.calendars.length;
    const urlFor = (withFilters, from = info.startStr, to = info.endStr) => `/api/v1/events${query({
      from,
      to,
      calendar: all ? undefined : ids,
      q: state.filter.q || undefined,
      ...(withFilters ? filterParams(state.filter) : {}),
      limit: PAGE_LIMIT,
    })}`;
    return { url: urlFor(state.serverFilters), aroundKey: urlFor(state.serverFilters, '', ''), urlFor };
  }

  // An answer for `info`'s range already in memory, or undefined.
  function knownAnswer(info, req) {
    const exact = cache.get(req.url);
    if (exact) return exact;
    return around.find(req.aroundKey, info.start.getTime(), info.end.getTime());
  }

  // FullCalendar's event source. An answer already in memory is handed over
  // at once, inside FullCalendar's own date change, so the new range is laid
  // out once with its events (a promise, even a resolved one, costs a second
  // layout of the whole grid); anything else is fetched.
  function eventSource(info, success, failure) {
    if (state.calendars.length > 0) {
      const ids = visibleCalendarIds();
      const req = ids.length > 0 ? requestFor(info, ids) : null;
      const known = req ? knownAnswer(info, req) : undefined;
      if (known) {
        success(eventsOf(info, known));
        // Keep the next period ahead in memory too.
        if (!known.offline) prefetchAround(info, req.aroundKey, (from, to) => req.urlFor(state.serverFilters, from, to));
        return;
      }
    }
    fetchInstances(info).then(success, failure);
  }

  async function fetchInstances(info) {
    if (state.calendars.length === 0) await calendarsReady;
    const ids = visibleCalendarIds();
    if (ids.length === 0) {
      note.textContent = state.calendars.length ? 'Every calendar is hidden.' : '';
      note.hidden = !state.calendars.length;
      if (rangeKey(info) !== markedRange) pendingMark = rangeKey(info);
      return [];
    }
    const req = requestFor(info, ids);
    const { aroundKey, urlFor } = req;
    let url = req.url;
    let answer = knownAnswer(info, req) || (await prefetchedAnswer(info, req));
    if (!answer) {
      try {
        try {
          answer = await api.get(url);
        } catch (err) {
          // An older server refuses the filter parameters: filter here.
          if (!(err instanceof ApiError && err.status === 400 && state.serverFilters && hasServerFilter(state.filter))) throw err;
          state.serverFilters = false;
          url = urlFor(false);
          answer = await api.get(url);
        }
      } catch (err) {
        toast(err instanceof ApiError ? err.message : 'Events could not be loaded.', 'error');
        throw err;
      }
      setOffline(Boolean(answer.offline));
      if (!answer.offline) {
        cache.set(url, answer);
        prefetchAround(info, aroundKey, (from, to) => urlFor(state.serverFilters, from, to));
      }
    }
    return eventsOf(info, answer);
  }

  // The FullCalendar events of an answer for `info`'s range, with the notes
  // above the calendar.
  function eventsOf(info, answer) {
    state.truncated = answer.truncated;
    noteOrganisers(answer.items);
    if (rangeKey(info) !== markedRange) pendingMark = rangeKey(info);
    const items = answer.items.filter((i) => passesFilter(i, state.filter, ownerEmail) && !(state.leaveShown && isLeaveInstance(i)));
    const parts = [];
    if (state.filter.q) parts.push(`${items.length} ${items.length === 1 ? 'event matches' : 'events match'} “${state.filter.q}”.`);
    if (answer.truncated) parts.push(`Only the first ${PAGE_LIMIT.toLocaleString('en')} events are shown; narrow the view or hide calendars.`);
    note.textContent = parts.join(' ');
    note.hidden = parts.length === 0;
    return items.map((i) => toFcEvent(i, state.calendarById.get(i.calendar_id)));
  }

  // Keeps the periods next to a range of at most 45 days in `around`: when
  // [start - 2 length, end + 2 length] is not in memory (nor on its way),
  // it fetches [start - 3 length, end + 3 length] after the current range
  // has rendered, so that paging on in either direction finds the next two
  // periods there. Prefetches under way are kept by key (`done` settles
  // when the answer is in `around` or has failed); answers of a generation
  // older than the last forgetAnswers() (a change saved, a zone switched)
  // are dropped.
  const inFlight = new Map();
  let generation = 0;
  function forgetAnswers() {
    cache.clear();
    around.clear();
    inFlight.clear();
    generation++;
  }
  function prefetchAround(info, key, urlOf) {
    const length = info.end.getTime() - info.start.getTime();
    if (length > 45 * 86400000) return;
    const [from, to] = [info.start.getTime() - 2 * length, info.end.getTime() + 2 * length];
    if (around.has(key, from, to) || (inFlight.get(key) || []).some((r) => spans(r, from, to))) return;
    const span = { from: info.start.getTime() - 3 * length, to: info.end.getTime() + 3 * length };
    const born = generation;
    span.done = new Promise((resolve) => setTimeout(resolve, 50)).then(async () => {
      try {
        if (destroyed) return;
        const answer = await api.get(urlOf(new Date(span.from).toISOString(), new Date(span.to).toISOString()));
        if (born === generation && !answer.truncated && !answer.offline) around.add(key, span.from, span.to, answer);
      } catch {
        // A prefetch that fails changes nothing: the range is fetched when shown.
      } finally {
        const left = (inFlight.get(key) || []).filter((r) => r !== span);
        if (left.length) inFlight.set(key, left);
        else inFlight.delete(key);
      }
    });
    inFlight.set(key, [...(inFlight.get(key) || []), span]);
  }

  // An answer for `info`'s range from a prefetch under way that spans it,
  // once that prefetch is done; undefined when there is none or it failed.
  async function prefetchedAnswer(info, req) {
    const pending = (inFlight.get(req.aroundKey) || []).find((r) => spans(r, info.start.getTime(), info.end.getTime()));
    if (!pending) return undefined;
    await pending.done;
    return knownAnswer(info, req);
  }

  // `almanac:calendar-rendered` is marked once per newly shown range, in the
  // first animation frame after FullCalendar has drawn that range's events
  // (eventsSet, or the end of loading when the event store did not change);
  // the browser benchmark (bench/web) times first renders and month changes
  // with it.
  function rangeKey(info) {
    return `${info.startStr}|${info.endStr}`;
  }
  function onEventsSet() {
    if (!pendingMark) return;
    const range = pendingMark;
    pendingMark = '';
    requestAnimationFrame(() => {
      if (destroyed) return;
      markedRange = range;
      performance.mark('almanac:calendar-rendered', { detail: { range, events: fc.getEvents().length } });
    });
  }

  function refetch({ keepCache = false } = {}) {
    if (!keepCache) {
      forgetAnswers();
    }
    fc.refetchEvents();
  }

  async function loadSidebarData() {
    try {
      let cals;
      let mods;
      try {
        [cals, mods] = await Promise.all([api.get('/api/v1/calendars'), api.get('/api/v1/modules')]);
        savePref('lastCalendars', { calendars: cals.items, modules: mods.items });
      } catch (err) {
        // Offline: the lists of the last visit let the saved weeks show.
        const saved = err instanceof ApiError && err.status === 0 ? loadPref('lastCalendars', null) : null;
        if (!saved) throw err;
        cals = { items: saved.calendars };
        mods = { items: saved.modules };
        setOffline(true);
      }
      state.calendars = cals.items;
      state.calendarById = new Map(cals.items.map((c) => [c.id, c]));
      state.modules = mods.items;
      if (!state.hiddenChosen) {
        // Until the user picks, resource calendars (bookings, which also
        // show as the booking events themselves) start hidden, and so, for
        // an admin (who may open every calendar of the organisation), do
        // other people's own calendars: a thousand staff calendars at once
        // are no one's calendar view.
        for (const c of state.calendars) {
          const othersOwn = app.user.role === 'admin' && c.owner !== null && c.owner !== app.user.id;
          if (c.module === 'resources' || othersOwn) state.hiddenCalendars.add(c.id);
        }
      }
    } catch (err) {
      toast(err.message, 'error');
    }
    resolveCalendars();
    renderCalendarList();
    renderModuleList();
    renderPresets();
    loadOrganisers();
    loadTeamLeave();
  }

  // A checkbox showing `key` unless it is in the set state[`which`]
  // ('hiddenCalendars' or 'hiddenModules', also the preference's name).
  function hideToggle(which, key, testid) {
    const box = el('input', {
      type: 'checkbox',
      checked: !state[which].has(key),
      testid,
      on: {
        change: () => {
          if (box.checked) state[which].delete(key);
          else state[which].add(key);
          savePref(which, [...state[which]]);
          refetch({ keepCache: true });
        },
      },
    });
    return box;
  }

  function renderCalendarList() {
    const items = state.calendars.map((c) => {
      const shared = c.owner !== null && c.owner !== app.user.id;
      const org = c.owner === null;
      const box = hideToggle('hiddenCalendars', c.id, `calendar-toggle-${c.id}`);
      return el(
        'li',
        {},
        el(
          'label',
          {},
          box,
          el('span', { class: 'swatch', style: { background: c.color }, 'aria-hidden': 'true' }),
          ` ${c.name}`,
          shared ? el('span', { class: 'tag', text: 'shared' }) : null,
          org ? el('span', { class: 'tag', text: 'organisation' }) : null,
          c.access === 'read' ? el('span', { class: 'tag', text: 'read only' }) : null,
        ),
      );
    });
    if (items.length === 0) {
      calList.replaceChildren(
        el('li', { class: 'muted', text: 'You have no calendars yet. Creating an event makes one for you.' }),
      );
    } else calList.replaceChildren(...items);
  }

  function renderModuleList() {
    moduleList.replaceChildren(
      ...state.modules.map((m) => {
        const box = hideToggle('hiddenModules', m.key, `module-toggle-${m.key}`);
        const count = state.calendars.filter((c) => c.module === m.key).length;
        return el(
          'li',
          {},
          el('label', {}, box, el('span', { class: 'swatch', style: { background: m.color }, 'aria-hidden': 'true' }), ` ${m.name}`, el('span', { class: 'muted small', text: ` (${count} ${count === 1 ? 'calendar' : 'calendars'})` })),
        );
      }),
    );
  }

  // The e-mail of a calendar's owner: the organiser filter's stand-in for
  // servers whose instances do not report their organiser.
  function ownerEmail(calendarId) {
    const cal = state.calendarById.get(calendarId);
    if (!cal || cal.owner === null) return '';
    if (cal.owner === app.user.id) return app.user.email || '';
    return state.users.get(cal.owner)?.email || '';
  }

  async function loadOrganisers() {
    try {
      const users = await api.get('/api/v1/users');
      for (const u of users.items) state.users.set(u.id, u);
    } catch {
      // Organisers are then named by their e-mail only.
    }
    state.filter.organiser = organiserValue(state.filter.organiser);
    renderOrganisers();
  }

  // The organiser filter's value for `saved`: filters saved before
  // organisers were e-mail addresses hold the calendar owner's user id.
  function organiserValue(saved) {
    if (!/^\d+$/.test(saved || '')) return saved || '';
    const u = Number(saved) === app.user.id ? app.user : state.users.get(Number(saved));
    return u?.email || '';
  }

  // Notes the organisers of `items` (or, from servers that do not report
  // them, the calendars' owners) and lists any new one in the filter.
  function noteOrganisers(items) {
    let added = false;
    for (const i of items) {
      let email = '';
      let name = '';
      if (i.organizer !== undefined) {
        if (!i.organizer || !i.organizer.email) continue;
        ({ email, name } = i.organizer);
      } else {
        email = ownerEmail(i.calendar_id);
      }
      const key = email.toLowerCase();
      if (!key || state.organisers.has(key)) continue;
      state.organisers.set(key, name || [...state.users.values()].find((u) => (u.email || '').toLowerCase() === key)?.display_name || '');
      added = true;
    }
    if (added) renderOrganisers();
  }

  // "Anyone", "Me" and every organiser seen so far, by name then e-mail.
  function renderOrganisers() {
    const mine = (app.user.email || '').toLowerCase();
    const others = [...state.organisers].filter(([email]) => email !== mine).sort((a, b) => (a[1] || a[0]).localeCompare(b[1] || b[0]));
    const chosen = (state.filter.organiser || '').toLowerCase();
    if (chosen && chosen !== mine && !state.organisers.has(chosen)) others.push([chosen, '']);
    organiserSelect.replaceChildren(
      el('option', { value: '', text: 'Anyone' }),
      mine ? el('option', { value: mine, text: `Me (${mine})` }) : null,
      ...others.map(([email, name]) => el('option', { value: email, text: name ? `${name} (${email})` : email })),
    );
    organiserSelect.value = chosen;
    describeFilter();
  }

  async function loadTeamLeave() {
    let mod;
    try {
      mod = await import('../views/leave.js');
    } catch {
      return;
    }
    if (destroyed || typeof mod.leaveEventSource !== 'function') return;
    const box = el('input', {
      type: 'checkbox',
      checked: state.leaveOn,
      testid: 'toggle-team-leave',
      on: {
        change: () => {
          state.leaveOn = box.checked;
          savePref('teamLeave', state.leaveOn);
          applyLeave();
        },
      },
    });
    leaveSlot.replaceChildren(
      el('section', { 'aria-labelledby': 'sb-leave' }, el('h2', { id: 'sb-leave', text: 'Leave' }), el('label', {}, box, ' Team leave')),
    );
    function applyLeave() {
      const existing = fc.getEventSourceById('leave');
      if (existing) existing.remove();
      if (state.leaveOn) fc.addEventSource({ id: 'leave', events: mod.leaveEventSource(ctx), editable: false, classNames: ['leave-event'] });
      // The staff calendar's copies of the same absences hide while the
      // source shows them.
      if (state.leaveShown !== state.leaveOn) {
        state.leaveShown = state.leaveOn;
        fc.getEventSourceById('api')?.refetch();
      }
    }
    applyLeave();
  }

  // ---- filters and presets ----
  function currentFilter() {
    return {
      q: state.filter.q,
      statuses: [...sidebar.querySelectorAll('input[data-testid^="filter-status-"]:checked')].map((b) => b.value),
      priority: prioritySelect.value,
      organiser: organiserSelect.value,
    };
  }

  function onFilterChange() {
    state.filter = currentFilter();
    describeFilter();
    refetch({ keepCache: true });
  }

  function describeFilter() {
    const f = state.filter;
    const parts = [];
    if (f.q) parts.push(`text “${f.q}”`);
    if (f.statuses.length) parts.push(`status ${f.statuses.join(' or ')}`);
    if (f.priority && f.priority !== 'any') parts.push(PRIORITIES[f.priority].label.toLowerCase());
    if (f.organiser) parts.push(`organiser ${organiserSelect.selectedOptions[0]?.textContent || f.organiser}`);
    activeFilter.textContent = parts.length ? `Showing: ${parts.join(', ')}.` : 'No filter.';
  }

  function applyFilter(f) {
    state.filter = { q: f.q || '', statuses: f.statuses || [], priority: f.priority || 'any', organiser: f.organiser || '' };
    sidebar.querySelectorAll('input[data-testid^="filter-status-"]').forEach((b) => (b.checked = state.filter.statuses.includes(b.value)));
    prioritySelect.value = state.filter.priority;
    state.filter.organiser = organiserValue(state.filter.organiser);
    renderOrganisers();
    searchInput.value = state.filter.q;
    if (f.hiddenCalendars) {
      state.hiddenCalendars = new Set(f.hiddenCalendars);
      state.hiddenModules = new Set(f.hiddenModules || []);
      savePref('hiddenCalendars', [...state.hiddenCalendars]);
      savePref('hiddenModules', [...state.hiddenModules]);
      renderCalendarList();
      renderModuleList();
    }
    describeFilter();
    refetch({ keepCache: true });
  }

  function savePreset() {
    const name = presetName.value.trim();
    if (!name) {
      toast('Give the filter a name first.', 'error');
      presetName.focus();
      return;
    }
    const preset = {
      name,
      ...currentFilter(),
      hiddenCalendars: [...state.hiddenCalendars],
      hiddenModules: [...state.hiddenModules],
    };
    state.presets = [...state.presets.filter((p) => p.name !== name), preset];
    savePref('presets', state.presets);
    presetName.value = '';
    renderPresets();
    toast(`Filter “${name}” saved.`, 'success');
  }

  function renderPresets() {
    if (state.presets.length === 0) {
      presetList.replaceChildren(el('li', { class: 'muted small', text: 'None yet.' }));
      return;
    }
    presetList.replaceChildren(
      ...state.presets.map((p, i) =>
        el(
          'li',
          {},
          el('button', { type: 'button', class: 'link-btn', text: p.name, testid: `preset-apply-${i}`, on: { click: () => applyFilter(p) } }),
          el('button', {
            type: 'button',
            class: 'icon-btn',
            'aria-label': `Delete saved filter ${p.name}`,
            text: '×',
            testid: `preset-delete-${i}`,
            on: {
              click: () => {
                state.presets = state.presets.filter((x) => x !== p);
                savePref('presets', state.presets);
                renderPresets();
              },
            },
          }),
        ),
      ),
    );
  }
  describeFilter();

  // ---- navigation ----
  function onDatesSet(info) {
    title.textContent = info.view.title;
    const name = viewForFc(info.view.type) || DEFAULT_VIEW;
    viewButtons.forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.view === name)));
    const d = fc.formatIso(fc.getDate(), true).slice(0, 10);
    datePicker.value = d;
    savePref('view', name);
    const hash = calendarHash(name, d);
    if (location.hash !== hash) history.replaceState(null, '', hash);
    app.lastCalendarHash = hash;
    calHost.dataset.view = name;
    calHost.dataset.start = fc.formatIso(info.view.currentStart, true).slice(0, 10);
  }

  function changeView(name) {
    if (!CALENDAR_VIEWS[name]) return;
    fc.changeView(CALENDAR_VIEWS[name].fc);
  }
  function today() {
    fc.today();
  }
  function prev() {
    fc.prev();
  }
  function next() {
    fc.next();
  }

  function show(viewName, dateStr) {
    if (viewName && CALENDAR_VIEWS[viewName] && fc.view.type !== CALENDAR_VIEWS[viewName].fc) {
      fc.changeView(CALENDAR_VIEWS[viewName].fc, dateStr || undefined);
    } else if (dateStr) fc.gotoDate(dateStr);
  }

  // ---- creating ----
  async function ensureCalendar() {
    const cal = defaultCalendar(state.calendars, app.user);
    if (cal) return cal;
    const created = await api.post('/api/v1/calendars', { name: 'My calendar', timezone: app.user.timezone || '' });
    state.calendars.push(created);
    state.calendarById.set(created.id, created);
    renderCalendarList();
    renderModuleList();
    toast('Created your calendar “My calendar”.', 'info');
    return created;
  }

  function quickCreate(sel) {
    fc.unselect();
    // A click selects one 30-minute slot; make that an hour.
    const info = { allDay: sel.allDay, startStr: sel.startStr, endStr: sel.endStr };
    if (!sel.allDay && sel.end - sel.start <= 30 * 60000) info.endStr = shiftIso(sel.startStr, { milliseconds: 3600000 }, app.timezone);
    const input = el('input', { id: 'quick-title', autocomplete: 'off', required: true, testid: 'quick-title' });
    const when = info.allDay
      ? info.endStr && info.endStr !== shiftIso(info.startStr, { days: 1 }, app.timezone)
        ? `${info.startStr} to ${shiftIso(info.endStr, { days: -1 }, app.timezone)}, all day`
        : `${info.startStr}, all day`
      : formatSpan(info.startStr, info.endStr, app.timezone);
    const error = el('p', { class: 'form-error', role: 'alert', hidden: true });
    let modal;
    const form = el(
      'form',
      {
        testid: 'quick-create',
        on: {
          submit: async (e) => {
            e.preventDefault();
            const titleText = input.value.trim();
            if (!titleText) {
              error.textContent = 'Type a title first.';
              error.hidden = false;
              return;
            }
            try {
              const cal = await ensureCalendar();
              await api.post(`/api/v1/calendars/${cal.id}/events`, {
                title: titleText,
                start: info.startStr,
                end: info.endStr,
                all_day: info.allDay,
                ...(info.allDay ? {} : { timezone: app.timezone }),
              });
              modal.close();
              toast(`“${titleText}” created in ${cal.name}.`, 'success');
              refetch();
            } catch (err) {
              error.textContent = err.message;
              error.hidden = false;
            }
          },
        },
      },
      el('p', { class: 'muted', text: when }),
      el('label', { for: 'quick-title', text: 'Title' }),
      input,
      error,
      el(
        'div',
        { class: 'dialog-actions' },
        el('button', { type: 'submit', class: 'btn btn-primary', text: 'Create', testid: 'quick-save' }),
        el('button', {
          type: 'button',
          class: 'btn',
          text: 'More options…',
          testid: 'quick-more',
          on: {
            click: () => {
              modal.close();
              openDialog({ start: info.startStr, end: info.endStr, allDay: info.allDay, title: input.value.trim() });
            },
          },
        }),
      ),
    );
    modal = openModal({ title: 'New event', content: form, testid: 'quick-dialog' });
  }

  function newEvent() {
    const start = nowInZone(app.timezone).plus({ hours: 1 }).startOf('hour');
    const viewDate = fc.getDate();
    let s = start;
    const viewStart = fc.view.currentStart;
    const viewEnd = fc.view.currentEnd;
    if (viewDate < viewStart || start.toJSDate() < viewStart || start.toJSDate() >= viewEnd) {
      // Outside the visible period: 09:00 on its first day.
      s = nowInZone(app.timezone).set({ hour: 9, minute: 0, second: 0, millisecond: 0 });
      const first = fc.formatIso(viewStart, true).slice(0, 10);
      s = s.set({ year: Number(first.slice(0, 4)), month: Number(first.slice(5, 7)), day: Number(first.slice(8, 10)) });
    }
    openDialog({
      start: s.toISO({ suppressMilliseconds: true }),
      end: s.plus({ hours: 1 }).toISO({ suppressMilliseconds: true }),
      allDay: false,
    });
  }

  function openDialog(init) {
    openEventDialog({
      ctx,
      app,
      calendars: state.calendars,
      ensureCalendar,
      init,
      onSaved: () => refetch(),
    });
  }

  function editInstance(inst) {
    const cal = state.calendarById.get(inst.calendar_id);
    openEventDialog({
      ctx,
      app,
      calendars: state.calendars,
      ensureCalendar,
      instance: inst,
      readOnly: !cal || !(cal.access === 'write' || cal.access === 'owner') || inst.busy_only,
      onSaved: () => refetch(),
    });
  }

  // ---- moving and resizing ----
  async function onMoveOrResize(info, kind) {
    const inst = info.event.extendedProps.inst;
    const ev = info.event;
    const zone = inst.timezone || app.timezone;
    const newStart = ev.allDay ? ev.startStr.slice(0, 10) : ev.startStr;
    let newEnd = ev.endStr ? (ev.allDay ? ev.endStr.slice(0, 10) : ev.endStr) : null;
    if (!newEnd) newEnd = ev.allDay ? shiftIso(newStart, { days: 1 }, zone) : shiftIso(newStart, { milliseconds: 3600000 }, zone);
    let scope = 'all';
    if (inst.recurring && inst.recurrence_id) {
      scope = await confirmDialog({
        title: kind === 'move' ? 'Move a repeating event' : 'Change a repeating event',
        message: `“${inst.title}” repeats. Which events should change?`,
        choices: [
          { label: 'This event', value: 'this' },
          { label: 'This and following', value: 'following' },
          { label: 'All events', value: 'all' },
        ],
      });
      if (!scope) {
        info.revert();
        return;
      }
    }
    try {
      const body = {};
      if (scope === 'all' && inst.recurring) {
        // The series' own start moves by the same amount as this occurrence.
        const series = await api.get(`/api/v1/events/${inst.event_id}`);
        const startDelta = info.delta || { years: 0, months: 0, days: 0, milliseconds: 0 };
        body.start = shiftIso(series.start, startDelta, series.timezone || zone);
        const durationMs = toMillis(newEnd) - toMillis(newStart);
        body.end = series.all_day || ev.allDay
          ? shiftIso(body.start, { years: 0, months: 0, days: Math.round(durationMs / 86400000), milliseconds: 0 }, zone)
          : shiftIso(body.start, { years: 0, months: 0, days: 0, milliseconds: durationMs }, series.timezone || zone);
      } else {
        body.start = newStart;
        body.end = newEnd;
      }
      if (info.oldEvent && info.oldEvent.allDay !== ev.allDay) {
        body.all_day = ev.allDay;
        if (!ev.allDay) body.timezone = app.timezone;
      }
      const clashes = await checkBookedResources(inst, newStart, newEnd);
      if (clashes === null) {
        info.revert();
        return;
      }
      const params = query({ scope, recurrence_id: inst.recurring && inst.recurrence_id ? inst.recurrence_id : undefined });
      await api.patch(`/api/v1/events/${inst.event_id}${params}`, body, { ifMatch: inst.etag });
      toast(kind === 'move' ? `“${inst.title}” moved.` : `“${inst.title}” changed.`, 'success');
      refetch();
    } catch (err) {
      info.revert();
      toast(err instanceof ApiError ? err.message : `The change failed: ${err.message}`, 'error');
    }
  }

  // Warns before a move that would clash with a booked resource. Resolves
  // to [] when there is nothing to warn about or the user goes ahead, and
  // to null when the user cancels.
  async function checkBookedResources(inst, newStart, newEnd) {
    let booked;
    try {
      booked = await bookedResources(api, inst);
    } catch {
      return [];
    }
    if (booked.length === 0) return [];
    const clashes = await checkResourcesFree(api, booked, newStart, newEnd, inst.event_id);
    if (clashes.length === 0) return [];
    const choice = await confirmDialog({
      title: 'A booked resource is not free',
      message: el(
        'div',
        { testid: 'clash-warning' },
        el('p', { text: 'The new time clashes:' }),
        el('ul', {}, describeClashes(clashes, app.timezone).map((s) => el('li', { text: s }))),
        el('p', { text: 'The server will refuse the move while the clash stands.' }),
      ),
      choices: [
        { label: 'Keep the old time', value: 'cancel' },
        { label: 'Try anyway', value: 'go' },
      ],
    });
    return choice === 'go' ? clashes : null;
  }

  return {
    show,
    changeView,
    today,
    prev,
    next,
    newEvent,
    setTimezone(tz) {
      fc.setOption('timeZone', tz);
      forgetAnswers();
    },
    setQuery(q, submit) {
      state.filter.q = q;
      describeFilter();
      if (submit && q && viewForFc(fc.view.type) !== 'search') changeView('search');
      if (!q && viewForFc(fc.view.type) === 'search') changeView('agenda');
      refetch({ keepCache: true });
    },
    unmount() {
      destroyed = true;
      fc.destroy();
      content.replaceChildren();
      sidebar.replaceChildren();
    },
  };
}
