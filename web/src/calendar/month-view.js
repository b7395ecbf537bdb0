// The month view, as a FullCalendar custom view: FullCalendar keeps the
// dates, the title, navigation and the event sources, and this draws the six
// weeks itself. FullCalendar's own day grid measures every event after
// drawing it and draws again (about 0.7 ms an event on the benchmark
// machine, most of a month change); here events sit in lanes of a fixed
// height, and the number of lanes a day has room for comes from the grid's
// size, known before the click, so a month change is one DOM build and one
// layout.
//
// Interactions match the other views: a click on an event opens it (Enter
// or Space from the keyboard), the day number opens that day, "+N more"
// lists a crowded day, a click or a drag over days selects them for a new
// event, an editable event is moved by dragging it to another day and an
// all-day one lengthened by dragging its end. On touch screens a drag starts
// after a long press, so that swipes still page.
import { createPlugin, sliceEvents } from '@fullcalendar/core';
import { TableDateProfileGenerator } from '@fullcalendar/daygrid/internal';
import { el, openModal } from '../ui.js';
import { markerDay as isoDay } from './time.js';

const DAY = 86400000;
// Pixels: one event lane, the day number's row, and how far a mouse moves
// before a press becomes a drag.
export const LANE = 20;
export const HEAD = 24;
const DRAG_SLOP = 4;
const TOUCH_SLOP = 8;

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const longDay = (d) => `${WEEKDAYS[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;

// How many event lanes fit in a week row `rowHeight` pixels high.
export function lanesFor(rowHeight) {
  return Math.max(1, Math.floor((rowHeight - HEAD) / LANE));
}

// Places one week's items ({ startCol, endCol } inclusive, 0-6, already in
// drawing order) in the lowest lane free on all their days. When some day
// needs more than `capacity` lanes, the week keeps its last lane for the
// "+N more" buttons. Returns the lane of each item, whether it is shown,
// and per day the items not shown.
export function placeWeek(items, capacity) {
  const taken = Array.from({ length: 7 }, () => []);
  const lanes = items.map((it) => {
    let lane = 0;
    for (;;) {
      let free = true;
      for (let c = it.startCol; c <= it.endCol; c++) if (taken[c][lane]) free = false;
      if (free) break;
      lane++;
    }
    for (let c = it.startCol; c <= it.endCol; c++) taken[c][lane] = true;
    return lane;
  });
  const deepest = Math.max(0, ...taken.map((t) => t.length));
  const limit = deepest > capacity ? Math.max(0, capacity - 1) : capacity;
  const hidden = Array.from({ length: 7 }, () => 0);
  const shown = lanes.map((lane, i) => {
    if (lane < limit) return true;
    for (let c = items[i].startCol; c <= items[i].endCol; c++) hidden[c]++;
    return false;
  });
  return { lanes, shown, hidden, limit };
}

// Drawing order within a week: earlier first day, then longer, then all-day
// before timed, then earlier start, then title.
export function compareItems(a, b) {
  return a.startCol - b.startCol || (b.endCol - b.startCol) - (a.endCol - a.startCol)
    || Number(b.allDay) - Number(a.allDay) || a.start - b.start || a.title.localeCompare(b.title);
}

// The FullCalendar plugin of the view type `almanacMonth` (a plugin, not a
// `views` option: only a plugin's views may bring their own date ranges,
// here whole weeks around the month). `hooks`:
//   open(seg)                   an event clicked (seg.def.extendedProps.inst)
//   openDay(dateIso)            a day number clicked
//   select(startIso, endIso)    days selected (end exclusive)
//   move(seg, days, revert)     an event dropped `days` days later (or earlier)
//   resize(seg, days, revert)   an all-day event's end moved by `days` days
//   decorate(seg, node)         labels an event element
//   timeText(seg)               'HH:MM' of a timed event
//   today()                     today's 'YYYY-MM-DD' in the calendar's zone
//   longPressDelay              milliseconds
export function monthPlugin(hooks) {
  let view = null;
  // The last row height seen, so that coming back to the month view draws
  // the right number of lanes at once.
  const size = { rowHeight: 0 };
  return createPlugin({ name: 'almanac-month', views: { almanacMonth: {
    dateProfileGeneratorClass: TableDateProfileGenerator,
    duration: { months: 1 },
    fixedWeekCount: true,
    classNames: ['am-month-view'],
    content: (props) => {
      if (!view) view = new MonthView(hooks, size);
      return { domNodes: [view.render(props)] };
    },
    didMount: () => view && view.mounted(),
    willUnmount: () => {
      if (view) view.destroy();
      view = null;
    },
  } } });
}

class MonthView {
  constructor(hooks, size) {
    this.hooks = hooks;
    this.size = size;
    this.root = el('div', { class: 'am-month', role: 'table', 'aria-label': 'Month' });
    this.head = el('div', { class: 'am-head', role: 'row' });
    this.body = el('div', { class: 'am-body', role: 'rowgroup' });
    this.root.append(this.head, this.body);
    this.last = null;
    // instanceId → { start, end } day shifts of an event dropped and not yet saved.
    this.shifts = new Map();
    this.gesture = null;
    this.suppressClick = false;
    this.root.addEventListener('click', (e) => this.onClick(e));
    this.root.addEventListener('keydown', (e) => this.onKey(e));
    this.root.addEventListener('pointerdown', (e) => this.onPointerDown(e));
    this.onPointerMove = (e) => this.pointerMove(e);
    this.onPointerUp = (e) => this.pointerUp(e, false);
    this.onPointerCancel = (e) => this.pointerUp(e, true);
  }

  mounted() {
    this.resizeObserver = new ResizeObserver(() => {
      const h = this.body.clientHeight / 6;
      if (h <= 0) return;
      this.size.rowHeight = h;
      if (this.last && lanesFor(h) !== this.capacity) this.draw(this.last);
    });
    this.resizeObserver.observe(this.body);
  }

  destroy() {
    if (this.resizeObserver) this.resizeObserver.disconnect();
    this.endGesture();
  }

  render(props) {
    const last = this.last;
    if (last && last.eventStore === props.eventStore && last.eventUiBases === props.eventUiBases
      && last.dateProfile === props.dateProfile) return this.root;
    if (!last || last.eventStore !== props.eventStore) this.shifts.clear();
    this.last = props;
    this.draw(props);
    return this.root;
  }

  // ---- drawing ----
  draw(props) {
    const start = props.dateProfile.activeRange.start;
    const month = props.dateProfile.currentRange.start.getUTCMonth();
    this.start = start.getTime();
    const today = this.hooks.today();
    const capacity = lanesFor(this.size.rowHeight || 6 * LANE + HEAD);
    this.capacity = capacity;
    const segs = sliceEvents(props, true);
    this.segs = new Map();
    const weeks = Array.from({ length: 6 }, () => []);
    for (const seg of segs) {
      const id = seg.instance.instanceId;
      this.segs.set(id, seg);
      const shift = this.shifts.get(id) || { start: 0, end: 0 };
      const first = Math.round((seg.range.start.getTime() - this.start) / DAY) + shift.start;
      const last = Math.round((seg.range.end.getTime() - this.start) / DAY) - 1 + shift.end;
      for (let w = Math.max(0, Math.floor(first / 7)); w <= Math.min(5, Math.floor(last / 7)); w++) {
        weeks[w].push({
          seg,
          id,
          startCol: Math.max(first, w * 7) - w * 7,
          endCol: Math.min(last, w * 7 + 6) - w * 7,
          isStart: first >= w * 7 && seg.isStart,
          isEnd: last <= w * 7 + 6 && seg.isEnd,
          allDay: seg.def.allDay,
          start: seg.instance.range.start.getTime(),
          title: seg.def.title || '',
        });
      }
    }
    this.head.replaceChildren(...Array.from({ length: 7 }, (_, c) => {
      const d = new Date(this.start + c * DAY);
      return el('div', { class: 'am-colhead', role: 'columnheader', 'aria-label': WEEKDAYS[d.getUTCDay()], text: WEEKDAYS[d.getUTCDay()].slice(0, 3) });
    }));
    this.weeks = weeks;
    this.body.replaceChildren(...weeks.map((items, w) => this.drawWeek(items.sort(compareItems), w, month, today, capacity)));
  }

  drawWeek(items, w, month, today, capacity) {
    const { lanes, shown, hidden } = placeWeek(items, capacity);
    const row = el('div', { class: 'am-week', role: 'row' });
    for (let c = 0; c < 7; c++) {
      const day = new Date(this.start + (w * 7 + c) * DAY);
      const iso = isoDay(day);
      const cell = el('div', {
        class: ['am-day', day.getUTCMonth() !== month && 'am-other', iso === today && 'am-today'],
        role: 'cell',
        dataset: { date: iso },
        'aria-label': `${longDay(day)}${iso === today ? ', today' : ''}`,
      },
      el('button', { type: 'button', class: 'am-daynum', text: String(day.getUTCDate()), 'aria-label': `Open ${longDay(day)}`, dataset: { date: iso } }));
      if (hidden[c] > 0) {
        cell.append(el('button', {
          type: 'button',
          class: 'am-more',
          testid: 'more-events',
          text: `+${hidden[c]}`,
          'aria-label': `${hidden[c]} more events on ${longDay(day)}`,
          dataset: { date: iso },
          style: { top: `${HEAD + (capacity - 1) * LANE}px` },
        }, el('span', { class: 'am-more-word', text: ' more' })));
      }
      row.append(cell);
    }
    items.forEach((it, i) => {
      if (shown[i]) row.append(this.drawEvent(it, lanes[i]));
    });
    return row;
  }

  drawEvent(it, lane) {
    const { seg } = it;
    const ui = seg.ui;
    const block = it.allDay || it.endCol > it.startCol || !seg.isStart || !seg.isEnd;
    const span = it.endCol - it.startCol + 1;
    const node = el('a', {
      class: ['fc-event', 'am-ev', block ? 'am-block' : 'am-dot-ev', !it.isStart && 'am-cont-left', !it.isEnd && 'am-cont-right',
        this.shifts.has(it.id) && 'am-pending', ...(ui.classNames || [])],
      tabindex: '0',
      role: 'button',
      dataset: { instance: it.id },
      style: {
        left: `calc(${(it.startCol * 100) / 7}% + 2px)`,
        width: `calc(${(span * 100) / 7}% - 4px)`,
        top: `${HEAD + lane * LANE}px`,
        ...(block ? { background: ui.backgroundColor, borderColor: ui.borderColor, color: ui.textColor } : {}),
      },
    });
    const inst = seg.def.extendedProps.inst;
    const title = `${inst && inst.recurring ? '↻ ' : ''}${seg.def.title}`;
    if (!block) node.append(el('span', { class: 'fc-daygrid-event-dot', style: { borderColor: ui.backgroundColor } }));
    if (!it.allDay && it.isStart) node.append(el('span', { class: 'fc-event-time', text: this.hooks.timeText(seg) }));
    node.append(el('span', { class: 'fc-event-title', text: title }));
    if (it.allDay && it.isEnd && ui.durationEditable) node.append(el('span', { class: 'am-resizer', 'aria-hidden': 'true' }));
    this.hooks.decorate(seg, node);
    return node;
  }

  // ---- clicks and keys ----
  onClick(e) {
    if (this.suppressClick) {
      this.suppressClick = false;
      e.preventDefault();
      return;
    }
    const num = e.target.closest('.am-daynum');
    if (num) {
      this.hooks.openDay(num.dataset.date);
      return;
    }
    const more = e.target.closest('.am-more');
    if (more) {
      this.openMore(more.dataset.date);
      return;
    }
    const ev = e.target.closest('.am-ev');
    if (ev) {
      e.preventDefault();
      this.hooks.open(this.segs.get(ev.dataset.instance));
    }
  }

  onKey(e) {
    const ev = e.target.closest('.am-ev');
    if (ev && (e.key === 'Enter' || e.key === ' ')) {
      e.preventDefault();
      this.hooks.open(this.segs.get(ev.dataset.instance));
    }
  }

  openMore(iso) {
    const index = Math.round((Date.parse(`${iso}T00:00:00Z`) - this.start) / DAY);
    const col = index % 7;
    const items = (this.weeks[Math.floor(index / 7)] || []).filter((it) => it.startCol <= col && col <= it.endCol).sort((a, b) => Number(b.allDay) - Number(a.allDay) || a.start - b.start);
    let modal;
    const list = el('ul', { class: 'am-more-list', testid: 'more-events-list' }, items.map((it) => {
      const label = el('button', {
        type: 'button',
        class: 'link-btn',
        text: `${it.allDay ? 'All day' : this.hooks.timeText(it.seg)} ${it.seg.def.title}`,
        on: {
          click: () => {
            modal.close();
            this.hooks.open(it.seg);
          },
        },
      });
      return el('li', {}, el('span', { class: 'swatch', style: { background: it.seg.ui.backgroundColor }, 'aria-hidden': 'true' }), label);
    }));
    modal = openModal({ title: longDay(new Date(`${iso}T00:00:00Z`)), content: list, testid: 'more-events-dialog' });
  }

  // ---- dragging: moving, lengthening, selecting ----
  // The day index (from the first day shown) under a viewport point, or
  // null outside the grid; week rectangles are read once per gesture.
  dayAt(x, y) {
    const g = this.gesture;
    if (!g.rects) g.rects = [...this.body.children].map((r) => r.getBoundingClientRect());
    const w = g.rects.findIndex((r) => y >= r.top && y < r.bottom);
    if (w < 0) return null;
    const r = g.rects[w];
    if (x < r.left || x >= r.right) return null;
    return w * 7 + Math.min(6, Math.floor(((x - r.left) / r.width) * 7));
  }

  onPointerDown(e) {
    if (e.button !== 0 || this.gesture) return;
    if (e.target.closest('.am-daynum, .am-more')) return;
    const evNode = e.target.closest('.am-ev');
    const seg = evNode ? this.segs.get(evNode.dataset.instance) : null;
    let kind = 'select';
    if (seg) {
      if (e.target.closest('.am-resizer')) kind = 'resize';
      else if (seg.ui.startEditable && seg.def.extendedProps.inst) kind = 'move';
      else return;
    }
    const touch = e.pointerType === 'touch';
    this.gesture = { kind, seg, node: evNode, x0: e.clientX, y0: e.clientY, touch, armed: false, dragging: false, from: null, to: null };
    const g = this.gesture;
    g.from = this.dayAt(e.clientX, e.clientY);
    if (g.from === null) {
      this.gesture = null;
      return;
    }
    g.to = g.from;
    if (touch) {
      g.timer = setTimeout(() => {
        g.armed = true;
        this.startDrag();
      }, this.hooks.longPressDelay);
    } else g.armed = true;
    window.addEventListener('pointermove', this.onPointerMove);
    window.addEventListener('pointerup', this.onPointerUp);
    window.addEventListener('pointercancel', this.onPointerCancel);
  }

  startDrag() {
    const g = this.gesture;
    if (!g || g.dragging) return;
    g.dragging = true;
    this.root.classList.add('am-dragging');
    if (g.node) g.node.classList.add('am-dragged');
    this.highlight();
  }

  pointerMove(e) {
    const g = this.gesture;
    if (!g) return;
    const moved = Math.hypot(e.clientX - g.x0, e.clientY - g.y0);
    if (!g.armed) {
      // A touch that moves before the long press is a swipe or a scroll.
      if (moved > TOUCH_SLOP) this.endGesture();
      return;
    }
    if (!g.dragging) {
      if (moved < DRAG_SLOP) return;
      this.startDrag();
    }
    e.preventDefault();
    const day = this.dayAt(e.clientX, e.clientY);
    if (day !== null && day !== g.to) {
      g.to = day;
      this.highlight();
    }
  }

  // The days the gesture would cover now, as [first, last] indexes.
  gestureSpan() {
    const g = this.gesture;
    if (g.kind === 'select') return [Math.min(g.from, g.to), Math.max(g.from, g.to)];
    const first = Math.round((g.seg.range.start.getTime() - this.start) / DAY);
    const last = Math.round((g.seg.range.end.getTime() - this.start) / DAY) - 1;
    const delta = g.to - g.from;
    if (g.kind === 'move') return [first + delta, last + delta];
    return [first, Math.max(first, last + delta)];
  }

  highlight() {
    const [a, b] = this.gestureSpan();
    const cells = this.body.querySelectorAll('.am-day');
    cells.forEach((cell, i) => cell.classList.toggle('am-hl', i >= a && i <= b));
  }

  pointerUp(e, cancelled) {
    const g = this.gesture;
    if (!g) return;
    const wasDragging = g.dragging;
    const span = wasDragging ? this.gestureSpan() : null;
    this.endGesture();
    if (cancelled) return;
    if (!wasDragging) {
      // A plain click on a day selects it; clicks on events open them.
      if (g.kind === 'select' && g.armed) this.selectDays(g.from, g.from);
      return;
    }
    this.suppressClick = g.kind !== 'select' || e.target.closest('.am-ev') !== null;
    setTimeout(() => (this.suppressClick = false), 0);
    if (g.kind === 'select') {
      this.selectDays(span[0], span[1]);
      return;
    }
    const delta = g.to - g.from;
    if (delta === 0) return;
    const id = g.seg.instance.instanceId;
    this.shifts.set(id, g.kind === 'move' ? { start: delta, end: delta } : { start: 0, end: Math.max(delta, 1 - this.daysOf(g.seg)) });
    const revert = () => {
      this.shifts.delete(id);
      if (this.last) this.draw(this.last);
    };
    if (this.last) this.draw(this.last);
    if (g.kind === 'move') this.hooks.move(g.seg, delta, revert);
    else this.hooks.resize(g.seg, Math.max(delta, 1 - this.daysOf(g.seg)), revert);
  }

  daysOf(seg) {
    return Math.round((seg.range.end.getTime() - seg.range.start.getTime()) / DAY);
  }

  selectDays(a, b) {
    this.hooks.select(isoDay(new Date(this.start + a * DAY)), isoDay(new Date(this.start + (b + 1) * DAY)));
  }

  endGesture() {
    const g = this.gesture;
    if (!g) return;
    clearTimeout(g.timer);
    this.gesture = null;
    window.removeEventListener('pointermove', this.onPointerMove);
    window.removeEventListener('pointerup', this.onPointerUp);
    window.removeEventListener('pointercancel', this.onPointerCancel);
    // The swipe handler (main.js) looks for .am-dragging at touchend, which
    // comes after pointerup.
    if (g.dragging) setTimeout(() => this.root.classList.remove('am-dragging'), 0);
    if (g.node) g.node.classList.remove('am-dragged');
    this.body.querySelectorAll('.am-hl').forEach((c) => c.classList.remove('am-hl'));
  }
}
