// The full event dialog: create or edit an event with its title, times,
// all-day flag, time zone, location, description, attendees, resources (with
// a live availability check), visibility, status, priority and recurrence.
// Saving a recurring occurrence asks which occurrences change; resources are
// booked after the event is saved, and a 409's clashes are shown as
// sentences.
import { query, ApiError, sentence } from '../api.js';
import { el, openModal } from '../ui.js';
import { timeZones } from '../prefs.js';
import { createRecurrenceEditor } from '../recurrence/editor.js';
import { wallToIso, isoToWall, formatSpan, formatWhen, shiftIso, dateIn } from './time.js';
import { listResources, bookedResources, checkResourcesFree, rememberBookings } from './bookings.js';

// The calendar new events go to by default: the user's own first calendar
// (not a resource's); null when the user owns none (an admin can write to
// everyone's calendars, but their events do not belong there).
export function defaultCalendar(calendars, user) {
  return calendars.find((c) => c.owner === user.id && c.module !== 'resources' && (c.access === 'owner' || c.access === 'write')) || null;
}

// Sentences for clashes: either from this app's checks ({resource, start,
// end, holder, kind}) or a 409 answer's BookingClash objects (with
// `resourceName` added).
export function describeClashes(clashes, zone) {
  return clashes.map((c) => {
    const name = c.resource ? c.resource.name : c.resourceName || 'The resource';
    const span = c.start && c.end ? formatSpan(c.holder_start || c.start, c.holder_end || c.end, zone) : '';
    if (c.kind === 'booking') {
      const who = c.holder && c.holder !== 'busy' && c.holder !== 'someone' ? ` by ${c.holder}` : '';
      return `${name} is taken ${span ? `on ${span}` : 'then'}${who}.`;
    }
    if (c.kind === 'rule') return `${name}: ${sentence(c.reason || 'the booking rules do not allow this time')}`;
    return `${name} is not available ${span ? `on ${span}` : 'then'}${c.reason ? ` (${c.reason})` : ''}.`;
  });
}

function freeSlotSentence(slots, zone) {
  if (!slots || slots.length === 0) return '';
  return `Free nearby: ${slots.map((s) => formatSpan(s.start, s.end, zone)).join('; ')}.`;
}

function parseEmails(text) {
  return text
    .split(/[\s,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

export async function openEventDialog({ ctx, app, calendars, ensureCalendar, init, instance, readOnly = false, onSaved }) {
  const { api, toast, confirmDialog } = ctx;
  let series = null;
  let override = null;
  if (instance) {
    try {
      series = await api.get(`/api/v1/events/${instance.event_id}`);
    } catch (err) {
      toast(err.message, 'error');
      return;
    }
    override = (series.overrides || []).find((o) => o.recurrence_id === instance.recurrence_id) || null;
  }
  const src = instance
    ? {
        title: instance.title,
        start: instance.start,
        end: instance.end,
        allDay: instance.all_day,
        timezone: instance.timezone || series.timezone || app.timezone,
        location: instance.location ?? series.location ?? '',
        description: instance.description ?? series.description ?? '',
        attendees: (override || series).attendees || [],
        visibility: instance.visibility || 'public',
        status: instance.status || 'confirmed',
        priority: instance.priority ?? 0,
        rrule: series.rrule || null,
      }
    : {
        title: init.title || '',
        start: init.start,
        end: init.end,
        allDay: Boolean(init.allDay),
        timezone: app.timezone,
        location: '',
        description: '',
        attendees: [],
        visibility: 'public',
        status: 'confirmed',
        priority: 0,
        rrule: null,
      };
  const zone0 = src.timezone || app.timezone;
  const startWall = src.allDay ? `${src.start.slice(0, 10)}T09:00` : isoToWall(src.start, zone0);
  const endWall = src.allDay ? `${shiftIso(src.end.slice(0, 10), { days: -1 }, zone0)}T10:00` : isoToWall(src.end, zone0);

  const field = (id, label, control, hint) =>
    el('div', { class: 'field' }, el('label', { for: id, text: label }), control, hint ? el('p', { class: 'muted small', id: `${id}-hint`, text: hint }) : null);

  const title = el('input', { id: 'ev-title', value: src.title, required: true, autocomplete: 'off', testid: 'event-title' });
  const writable = calendars.filter((c) => (c.access === 'owner' || c.access === 'write') && c.module !== 'resources');
  const calSelect = el(
    'select',
    { id: 'ev-calendar', testid: 'event-calendar', disabled: Boolean(instance) },
    (instance ? calendars.filter((c) => c.id === instance.calendar_id) : writable).map((c) => el('option', { value: String(c.id), text: c.name })),
  );
  if (!instance) {
    const def = defaultCalendar(calendars, app.user);
    if (def) calSelect.value = String(def.id);
    else {
      calSelect.prepend(el('option', { value: '', text: 'My calendar (created on save)' }));
      calSelect.value = '';
    }
  }
  const allDay = el('input', { type: 'checkbox', id: 'ev-allday', checked: src.allDay, testid: 'event-allday', on: { change: () => onTimesChanged(true) } });
  const startDate = el('input', { type: 'date', id: 'ev-start-date', value: startWall.slice(0, 10), required: true, testid: 'event-start-date', on: { input: () => onTimesChanged() } });
  const startTime = el('input', { type: 'time', id: 'ev-start-time', value: startWall.slice(11, 16), 'aria-label': 'Start time', testid: 'event-start-time', on: { input: () => onTimesChanged() } });
  const endDate = el('input', { type: 'date', id: 'ev-end-date', value: endWall.slice(0, 10), required: true, testid: 'event-end-date', on: { input: () => onTimesChanged() } });
  const endTime = el('input', { type: 'time', id: 'ev-end-time', value: endWall.slice(11, 16), 'aria-label': 'End time', testid: 'event-end-time', on: { input: () => onTimesChanged() } });
  const zoneSelect = el(
    'select',
    { id: 'ev-timezone', testid: 'event-timezone', on: { change: () => onTimesChanged() } },
    timeZones(zone0, app.timezone, app.user.timezone).map((z) => el('option', { value: z, text: z })),
  );
  zoneSelect.value = zone0;
  const location = el('input', { id: 'ev-location', value: src.location, testid: 'event-location' });
  const description = el('textarea', { id: 'ev-description', rows: 3, testid: 'event-description' });
  description.value = src.description;
  const attendees = el('textarea', { id: 'ev-attendees', rows: 2, testid: 'event-attendees', 'aria-describedby': 'ev-attendees-hint' });
  attendees.value = src.attendees.map((a) => a.email).join('\n');
  const visibility = el(
    'select',
    { id: 'ev-visibility', testid: 'event-visibility' },
    [
      ['public', 'Public: everyone with access sees the details'],
      ['private', 'Private: others see busy time only'],
      ['confidential', 'Confidential: others see busy time only'],
    ].map(([v, t]) => el('option', { value: v, text: t })),
  );
  visibility.value = src.visibility;
  const status = el('select', { id: 'ev-status', testid: 'event-status' }, ['confirmed', 'tentative', 'cancelled'].map((s) => el('option', { value: s, text: s[0].toUpperCase() + s.slice(1) })));
  status.value = src.status;
  const priority = el(
    'select',
    { id: 'ev-priority', testid: 'event-priority' },
    [el('option', { value: '0', text: 'None' }), ...Array.from({ length: 9 }, (_, i) => el('option', { value: String(i + 1), text: i === 0 ? '1 (highest)' : i === 8 ? '9 (lowest)' : String(i + 1) }))],
  );
  priority.value = String(src.priority || 0);

  const timeRow = el(
    'div',
    { class: 'time-grid' },
    el('div', { class: 'field' }, el('label', { for: 'ev-start-date', text: 'Starts' }), el('div', { class: 'row' }, startDate, startTime)),
    el('div', { class: 'field' }, el('label', { for: 'ev-end-date', text: 'Ends' }), el('div', { class: 'row' }, endDate, endTime)),
  );

  // Resources.
  const resourceList = el('ul', { class: 'resource-pick', testid: 'event-resources' }, el('li', { class: 'muted', text: 'Loading resources…' }));
  const resourceFilter = el('input', { id: 'ev-resource-filter', type: 'search', placeholder: 'Filter resources', testid: 'event-resource-filter', on: { input: () => renderResources() } });
  let resources = [];
  let alreadyBooked = new Set();
  const picked = new Set();
  const statusNodes = new Map();
  const resourceBox = el(
    'fieldset',
    { class: 'resources' },
    el('legend', { text: 'Resources' }),
    el('label', { for: 'ev-resource-filter', class: 'sr-only', text: 'Filter resources' }),
    resourceFilter,
    resourceList,
  );

  const recurrence = createRecurrenceEditor({ api, getAnchor: anchor, rrule: src.rrule });
  const error = el('div', { class: 'form-error', role: 'alert', testid: 'event-error', hidden: true });
  const saveBtn = el('button', { type: 'submit', class: 'btn btn-primary', text: instance ? 'Save' : 'Create', testid: 'event-save' });
  const deleteBtn = instance
    ? el('button', { type: 'button', class: 'btn btn-danger', text: 'Delete', testid: 'event-delete', on: { click: () => doDelete() } })
    : null;

  const form = el(
    'form',
    { class: 'event-form', testid: 'event-form', novalidate: true, on: { submit: (e) => { e.preventDefault(); save(); } } },
    field('ev-title', 'Title', title),
    field('ev-calendar', 'Calendar', calSelect),
    el('div', { class: 'field inline' }, allDay, el('label', { for: 'ev-allday', text: 'All day' })),
    timeRow,
    field('ev-timezone', 'Time zone', zoneSelect),
    field('ev-location', 'Location', location),
    field('ev-description', 'Description', description),
    field('ev-attendees', 'Attendees', attendees, 'E-mail addresses, one per line or separated by commas.'),
    resourceBox,
    recurrence.node,
    el('div', { class: 'grid-3' }, field('ev-visibility', 'Visibility', visibility), field('ev-status', 'Status', status), field('ev-priority', 'Priority', priority)),
    error,
    el('div', { class: 'dialog-actions' }, saveBtn, deleteBtn, el('button', { type: 'button', class: 'btn', text: 'Cancel', testid: 'event-cancel', on: { click: () => modal.close() } })),
  );
  if (readOnly) {
    form.querySelectorAll('input, select, textarea').forEach((n) => (n.disabled = true));
    saveBtn.hidden = true;
    if (deleteBtn) deleteBtn.hidden = true;
  }
  const modal = openModal({
    title: readOnly ? 'Event' : instance ? 'Edit event' : 'New event',
    content: form,
    testid: 'event-dialog',
    wide: true,
  });
  syncAllDay();
  if (!readOnly) loadResources();

  function syncAllDay() {
    startTime.hidden = allDay.checked;
    endTime.hidden = allDay.checked;
    zoneSelect.disabled = allDay.checked || readOnly;
  }

  // The series anchor the recurrence preview uses.
  function anchor() {
    const tz = zoneSelect.value;
    if (allDay.checked) return { start: startDate.value, timezone: tz, date: startDate.value };
    let start;
    try {
      start = wallToIso(`${startDate.value}T${startTime.value || '00:00'}`, tz);
    } catch {
      start = `${startDate.value}T00:00:00Z`;
    }
    return { start, timezone: tz, date: startDate.value };
  }

  // The start and end to save, or throws RangeError with a sentence.
  function times() {
    const tz = zoneSelect.value;
    if (!startDate.value || !endDate.value) throw new RangeError('Give a start and an end date.');
    if (allDay.checked) {
      const endExclusive = shiftIso(endDate.value, { days: 1 }, tz);
      if (endDate.value < startDate.value) throw new RangeError('The end is before the start.');
      return { start: startDate.value, end: endExclusive };
    }
    if (!startTime.value || !endTime.value) throw new RangeError('Give a start and an end time.');
    const start = wallToIso(`${startDate.value}T${startTime.value}`, tz);
    const end = wallToIso(`${endDate.value}T${endTime.value}`, tz);
    if (new Date(end) <= new Date(start)) throw new RangeError('The end must be after the start.');
    return { start, end };
  }

  let availTimer = 0;
  function onTimesChanged(allDayToggled = false) {
    if (allDayToggled) syncAllDay();
    if (endDate.value < startDate.value) endDate.value = startDate.value;
    recurrence.refresh();
    clearTimeout(availTimer);
    availTimer = setTimeout(checkAvailability, 300);
  }

  async function loadResources() {
    try {
      resources = await listResources(api);
      if (instance) {
        const booked = await bookedResources(api, instance).catch(() => []);
        alreadyBooked = new Set(booked.map((r) => r.id));
      }
    } catch (err) {
      resourceList.replaceChildren(el('li', { class: 'muted', text: err.message }));
      return;
    }
    renderResources();
    checkAvailability();
  }

  function renderResources() {
    const f = resourceFilter.value.trim().toLowerCase();
    resourceFilter.hidden = resources.length <= 6;
    const shown = resources.filter((r) => !f || `${r.name} ${r.type} ${r.location || ''}`.toLowerCase().includes(f));
    if (resources.length === 0) {
      resourceList.replaceChildren(el('li', { class: 'muted', text: 'No resources to book.' }));
      return;
    }
    resourceList.replaceChildren(
      ...shown.slice(0, 50).map((r) => {
        const booked = alreadyBooked.has(r.id);
        const box = el('input', {
          type: 'checkbox',
          checked: booked || picked.has(r.id),
          disabled: booked || r.available === false,
          testid: `resource-pick-${r.id}`,
          on: {
            change: () => {
              if (box.checked) picked.add(r.id);
              else picked.delete(r.id);
              checkAvailability();
            },
          },
        });
        let statusNode = statusNodes.get(r.id);
        if (!statusNode) {
          statusNode = el('span', { class: 'avail', testid: `resource-status-${r.id}`, 'aria-live': 'polite' });
          statusNodes.set(r.id, statusNode);
        }
        if (booked) statusNode.textContent = 'Booked for this event.';
        const facts = [r.type, r.capacity ? `${r.capacity} people` : '', r.location || ''].filter(Boolean).join(', ');
        return el('li', {}, el('label', {}, box, ` ${r.name}`, facts ? el('span', { class: 'muted small', text: ` (${facts})` }) : null), statusNode);
      }),
      ...(shown.length > 50 ? [el('li', { class: 'muted small', text: `${shown.length - 50} more: filter to find them.` })] : []),
    );
  }

  let availSeq = 0;
  async function checkAvailability() {
    const mine = ++availSeq;
    let t;
    try {
      t = times();
    } catch {
      return;
    }
    const zone = zoneSelect.value || app.timezone;
    const start = allDay.checked ? wallToIso(`${t.start}T00:00`, zone) : t.start;
    const end = allDay.checked ? wallToIso(`${t.end}T00:00`, zone) : t.end;
    for (const id of picked) {
      const r = resources.find((x) => x.id === id);
      const node = statusNodes.get(id);
      if (!r || !node) continue;
      node.textContent = 'Checking…';
      node.className = 'avail';
      try {
        const clashes = await checkResourcesFree(api, [r], start, end, instance ? instance.event_id : -1);
        if (mine !== availSeq) return;
        if (clashes.length === 0) {
          node.textContent = 'Free at this time.';
          node.className = 'avail avail-free';
        } else {
          node.textContent = describeClashes(clashes, app.timezone).join(' ');
          node.className = 'avail avail-taken';
        }
      } catch (err) {
        node.textContent = err.message;
      }
    }
    for (const [id, node] of statusNodes) if (!picked.has(id) && !alreadyBooked.has(id)) node.textContent = '';
  }

  function showError(text) {
    error.replaceChildren(...(Array.isArray(text) ? text.map((s) => el('p', { text: s })) : [el('p', { text })]));
    error.hidden = false;
  }

  async function askScope(rruleChanged) {
    if (!instance || !instance.recurring || !instance.recurrence_id) return 'all';
    const choices = [
      ...(rruleChanged ? [] : [{ label: 'This event', value: 'this' }]),
      { label: 'This and following', value: 'following' },
      { label: 'All events', value: 'all' },
    ];
    return confirmDialog({ title: 'Change a repeating event', message: `“${instance.title}” repeats. Which events should change?`, choices });
  }

  async function save() {
    error.hidden = true;
    const titleText = title.value.trim();
    let t;
    let rrule;
    let emails;
    try {
      if (!titleText) throw new RangeError('Give the event a title.');
      t = times();
      rrule = recurrence.getRule();
      emails = parseEmails(attendees.value);
      const bad = emails.find((e) => !/^[^@\s]+@[^@\s]+$/.test(e));
      if (bad) throw new RangeError(`“${bad}” is not an e-mail address.`);
    } catch (err) {
      showError(err instanceof RangeError ? sentence(err.message) : err.message);
      return;
    }
    saveBtn.disabled = true;
    try {
      let eventId;
      if (!instance) {
        let calId = calSelect.value;
        if (!calId) calId = String((await ensureCalendar()).id);
        const body = {
          title: titleText,
          start: t.start,
          end: t.end,
          all_day: allDay.checked,
          location: location.value,
          description: description.value,
          visibility: visibility.value,
          status: status.value,
          priority: Number(priority.value),
          attendees: emails.map((email) => ({ email })),
        };
        if (!allDay.checked) body.timezone = zoneSelect.value;
        if (rrule) body.rrule = rrule;
        const created = await api.post(`/api/v1/calendars/${calId}/events`, body);
        eventId = created.id;
      } else {
        const body = {};
        const rruleChanged = recurrence.changed();
        if (titleText !== src.title) body.title = titleText;
        if (location.value !== src.location) body.location = location.value;
        if (description.value !== src.description) body.description = description.value;
        if (visibility.value !== src.visibility) body.visibility = visibility.value;
        if (status.value !== src.status) body.status = status.value;
        if (Number(priority.value) !== (src.priority || 0)) body.priority = Number(priority.value);
        const oldEmails = src.attendees.map((a) => a.email).join('\n');
        if (emails.join('\n') !== oldEmails) body.attendees = emails.map((email) => ({ email, ...(src.attendees.find((a) => a.email === email) ? { name: src.attendees.find((a) => a.email === email).name || undefined } : {}) }));
        const timesChanged =
          allDay.checked !== src.allDay ||
          (!allDay.checked && zoneSelect.value !== zone0) ||
          (allDay.checked
            ? t.start !== src.start.slice(0, 10) || t.end !== src.end.slice(0, 10)
            : Date.parse(t.start) !== Date.parse(src.start) || Date.parse(t.end) !== Date.parse(src.end));
        const scope = await askScope(rruleChanged);
        if (!scope) {
          saveBtn.disabled = false;
          return;
        }
        if (timesChanged) {
          if (scope === 'all' && instance.recurring) {
            // Move the series' own start by what this occurrence moved.
            const zone = zoneSelect.value;
            const oldWall = src.allDay ? `${src.start.slice(0, 10)}T00:00` : isoToWall(src.start, zone0);
            const newWall = allDay.checked ? `${t.start}T00:00` : isoToWall(t.start, zone);
            const days = Math.round((Date.parse(`${newWall.slice(0, 10)}T00:00Z`) - Date.parse(`${oldWall.slice(0, 10)}T00:00Z`)) / 86400000);
            const ms = (Date.parse(`1970-01-01T${newWall.slice(11)}:00Z`) - Date.parse(`1970-01-01T${oldWall.slice(11)}:00Z`)) * (allDay.checked ? 0 : 1);
            const seriesStart = allDay.checked && !series.all_day ? dateIn(series.start, zone) : series.start;
            body.start = shiftIso(seriesStart, { years: 0, months: 0, days, milliseconds: ms }, zone);
            const durMs = new Date(allDay.checked ? `${t.end}T00:00Z` : t.end) - new Date(allDay.checked ? `${t.start}T00:00Z` : t.start);
            body.end = allDay.checked
              ? shiftIso(body.start.slice(0, 10), { days: Math.round(durMs / 86400000) }, zone)
              : shiftIso(body.start, { years: 0, months: 0, days: 0, milliseconds: durMs }, zone);
          } else {
            body.start = t.start;
            body.end = t.end;
          }
          if (allDay.checked !== src.allDay) body.all_day = allDay.checked;
          if (!allDay.checked && zoneSelect.value !== zone0) body.timezone = zoneSelect.value;
        }
        if (rruleChanged && scope !== 'this') body.rrule = rrule;
        const params = query({ scope, recurrence_id: instance.recurring && instance.recurrence_id ? instance.recurrence_id : undefined });
        if (Object.keys(body).length > 0) {
          const out = await api.patch(`/api/v1/events/${instance.event_id}${params}`, body, { ifMatch: series.etag });
          if (out && out.dropped_overrides && out.dropped_overrides.length) {
            toast(`${out.dropped_overrides.length} changed ${out.dropped_overrides.length === 1 ? 'occurrence no longer fits the rule and was' : 'occurrences no longer fit the rule and were'} removed.`, 'info');
          }
          eventId = out && out.created ? out.created.id : instance.event_id;
        } else eventId = instance.event_id;
      }
      const failures = await bookPicked(eventId, titleText);
      onSaved();
      modal.close();
      if (failures.length) {
        // The event exists now, so the dialog closes; the clashes stay on screen.
        openModal({
          title: 'Not every resource was booked',
          testid: 'booking-failed',
          content: el(
            'div',
            {},
            el('p', { text: `“${titleText}” was saved, but:` }),
            el('ul', {}, failures.map((f) => el('li', { text: f }))),
            el('p', { class: 'muted', text: 'Pick another time or resource and edit the event to try again.' }),
          ),
        });
        return;
      }
      toast(instance ? `“${titleText}” saved.` : `“${titleText}” created.`, 'success');
    } catch (err) {
      saveBtn.disabled = false;
      showError(err instanceof ApiError ? err.message : `Saving failed: ${err.message}`);
    }
  }

  // Books every picked resource for the event; returns sentences for the
  // bookings that failed.
  async function bookPicked(eventId, titleText) {
    const failures = [];
    for (const id of picked) {
      if (alreadyBooked.has(id)) continue;
      const r = resources.find((x) => x.id === id);
      try {
        const answer = await api.post('/api/v1/bookings', { resource_id: id, event_id: eventId, title: titleText });
        rememberBookings(eventId, [id]);
        alreadyBooked.add(id);
        if (answer.status === 'pending') toast(`${r.name} is requested and waits for approval.`, 'info');
      } catch (err) {
        if (err instanceof ApiError && err.status === 409 && err.body) {
          const clashes = (err.body.clashes || []).map((c) => ({ ...c, resourceName: r.name }));
          failures.push(...(clashes.length ? describeClashes(clashes, app.timezone) : [`${r.name}: ${err.message}`]));
          const free = freeSlotSentence(err.body.free_slots, app.timezone);
          if (free) failures.push(free);
        } else failures.push(`${r ? r.name : `Resource ${id}`}: ${err.message}`);
      }
    }
    return failures;
  }

  async function doDelete() {
    let scope = 'all';
    if (instance.recurring && instance.recurrence_id) {
      scope = await confirmDialog({
        title: 'Delete a repeating event',
        message: `“${instance.title}” repeats. Which events should go?`,
        choices: [
          { label: 'This event', value: 'this' },
          { label: 'This and following', value: 'following' },
          { label: 'All events', value: 'all' },
        ],
      });
    } else {
      scope = await confirmDialog({
        title: 'Delete event',
        message: `Delete “${instance.title}” on ${formatWhen(instance.start, app.timezone)}?`,
        choices: [{ label: 'Delete', value: 'all' }],
      });
    }
    if (!scope) return;
    try {
      const params = query({ scope, recurrence_id: instance.recurring && instance.recurrence_id ? instance.recurrence_id : undefined });
      await api.del(`/api/v1/events/${instance.event_id}${params}`, { ifMatch: series.etag });
      modal.close();
      toast(`“${instance.title}” deleted.`, 'success');
      onSaved();
    } catch (err) {
      showError(err.message);
    }
  }
}
