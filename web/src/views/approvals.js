// The approvals inbox (#/approvals): the pending bookings and leave requests
// the signed-in user may decide (GET /api/v1/approvals). Each can be approved
// or rejected with a comment; several can be selected and decided at once
// (POST /api/v1/approvals/bulk). The outcome is shown beside each item.
import './views.css';
import { DateTime } from 'luxon';
import { builder, field, errorSentence, spanSentence, longDate, daysText, capitalise } from './common.js';

export function mount(container, ctx) {
  const h = builder(ctx);
  const zone = ctx.timezone || (ctx.me && ctx.me.timezone) || 'UTC';
  let disposed = false;
  let items = [];
  const rows = new Map();  // "kind:id" -> {item, box, comment, outcome, buttons, decided}

  const status = h('p', { class: 'av-status', role: 'status', 'data-testid': 'approvals-status' }, 'Loading the requests waiting for you…');
  const selectAll = h('input', {
    type: 'checkbox', id: 'appr-select-all', 'data-testid': 'approvals-select-all',
    onchange: () => {
      for (const row of rows.values()) if (!row.decided) row.box.checked = selectAll.checked;
      updateBulk();
    },
  });
  const bulkComment = h('input', { type: 'text', id: 'appr-bulk-comment', maxlength: '4096', 'data-testid': 'approvals-bulk-comment' });
  const bulkApprove = h('button', { type: 'button', class: 'av-primary', 'data-testid': 'approvals-bulk-approve', onclick: () => decideBulk('approve') }, 'Approve selected');
  const bulkReject = h('button', { type: 'button', 'data-testid': 'approvals-bulk-reject', onclick: () => decideBulk('reject') }, 'Reject selected');
  const bulkSummary = h('p', { class: 'av-status', role: 'status', 'data-testid': 'approvals-bulk-summary' });
  const bulkBar = h('div', { class: 'av-bulk', role: 'group', 'aria-label': 'Decide the selected requests' },
    h('span', { class: 'av-inline' }, selectAll, h('label', { for: 'appr-select-all' }, 'Select all')),
    field(h, 'appr-bulk-comment', 'Comment for the selected', bulkComment),
    bulkApprove, bulkReject);
  const list = h('ul', { class: 'av-cards', 'data-testid': 'approvals-list', 'aria-label': 'Requests waiting for a decision' });
  const refresh = h('button', { type: 'button', 'data-testid': 'approvals-refresh', onclick: () => load() }, 'Refresh');

  const root = h('section', { class: 'av-view av-approvals', 'data-testid': 'approvals-view', 'aria-labelledby': 'appr-heading' },
    h('div', { class: 'av-titlebar' }, h('h1', { id: 'appr-heading' }, 'Approvals'), refresh),
    status, bulkBar, bulkSummary, list);
  container.append(root);
  load();

  async function load() {
    status.textContent = 'Loading the requests waiting for you…';
    bulkSummary.textContent = '';
    try {
      const answer = await ctx.api.get('/api/v1/approvals');
      if (disposed) return;
      items = answer.items || [];
      render();
    } catch (error) {
      if (disposed) return;
      items = [];
      rows.clear();
      list.replaceChildren();
      bulkBar.hidden = true;
      status.textContent = error && error.status === 403
        ? `You may not decide requests: ${errorSentence(error)} Managers, the approvers named on a resource or leave type, and administrators can.`
        : errorSentence(error, 'Loading the approvals');
    }
  }

  function render() {
    rows.clear();
    selectAll.checked = false;
    if (items.length === 0) {
      status.textContent = 'Nothing to approve: no booking or leave request is waiting for you.';
      bulkBar.hidden = true;
      list.replaceChildren();
      return;
    }
    const bookings = items.filter((i) => i.kind === 'booking').length;
    const leave = items.length - bookings;
    status.textContent = `${items.length} ${items.length === 1 ? 'request waits' : 'requests wait'} for you: `
      + `${bookings} ${bookings === 1 ? 'booking' : 'bookings'} and ${leave} leave ${leave === 1 ? 'request' : 'requests'}.`;
    bulkBar.hidden = false;
    list.replaceChildren(...items.map(renderItem));
    updateBulk();
  }

  function describe(item) {
    if (item.kind === 'booking') {
      const when = item.start && item.end ? spanSentence(DateTime.fromISO(item.start), DateTime.fromISO(item.end), zone) : '';
      return {
        heading: `Booking of ${item.resource_name || `resource ${item.resource_id}`}`,
        lines: [
          `${item.title ? `“${item.title}”, ` : ''}requested by ${item.requester_name || 'someone'}.`,
          when ? `${when} (${zone}).` : null,
          item.notes ? `Notes: ${item.notes}` : null,
          item.group_id ? 'Part of a series of bookings for a recurring event.' : null,
        ],
      };
    }
    const range = item.start_date === item.end_date ? longDate(item.start_date)
      : `${longDate(item.start_date)} to ${longDate(item.end_date)}`;
    const half = item.half_day === 'am' ? ', the morning only' : item.half_day === 'pm' ? ', the afternoon only' : '';
    return {
      heading: `${item.type_name || capitalise(item.type || 'Leave')} for ${item.user_name || 'someone'}`,
      lines: [
        `${range}${half}: ${daysText(item.days)}.`,
        item.reason ? `Reason: ${item.reason}` : null,
      ],
    };
  }

  function renderItem(item) {
    const key = `${item.kind}:${item.id}`;
    const { heading, lines } = describe(item);
    const headingId = `appr-h-${item.kind}-${item.id}`;
    const box = h('input', {
      type: 'checkbox', id: `appr-sel-${item.kind}-${item.id}`, 'data-testid': 'approval-select',
      onchange: updateBulk,
    });
    const comment = h('input', {
      type: 'text', id: `appr-comment-${item.kind}-${item.id}`, maxlength: '4096', 'data-testid': 'approval-comment',
    });
    const outcome = h('p', { class: 'av-outcome', role: 'status', 'data-testid': 'approval-outcome' });
    const approve = h('button', { type: 'button', class: 'av-primary', 'data-testid': 'approval-approve', onclick: () => decideOne(key, 'approve') }, 'Approve');
    const reject = h('button', { type: 'button', 'data-testid': 'approval-reject', onclick: () => decideOne(key, 'reject') }, 'Reject');
    const card = h('li', {
      class: `av-card av-card-${item.kind}`, 'data-testid': 'approval-item', 'data-kind': item.kind, 'data-id': item.id,
      'aria-labelledby': headingId,
    },
    h('div', { class: 'av-card-head' },
      box, h('label', { for: box.id, class: 'av-sr-only' }, `Select: ${heading}`),
      h('span', { class: 'av-kind' }, item.kind === 'booking' ? 'Booking' : 'Leave'),
      h('h2', { id: headingId }, heading)),
    lines.filter(Boolean).map((line) => h('p', {}, line)),
    h('div', { class: 'av-card-actions' },
      h('label', { for: comment.id }, 'Comment'), comment, approve, reject),
    outcome);
    rows.set(key, { item, box, comment, outcome, buttons: [approve, reject, box, comment], decided: false, card });
    return card;
  }

  function updateBulk() {
    const selected = [...rows.values()].filter((r) => r.box.checked && !r.decided).length;
    bulkApprove.disabled = selected === 0;
    bulkReject.disabled = selected === 0;
    bulkApprove.textContent = selected ? `Approve selected (${selected})` : 'Approve selected';
    bulkReject.textContent = selected ? `Reject selected (${selected})` : 'Reject selected';
  }

  function markDecided(row, ok, text) {
    row.outcome.textContent = text;
    row.outcome.className = `av-outcome ${ok ? 'av-outcome-ok' : 'av-outcome-error'}`;
    if (ok) {
      row.decided = true;
      row.box.checked = false;
      for (const b of row.buttons) b.disabled = true;
      row.card.classList.add('av-card-done');
      row.card.dataset.outcome = text.startsWith('Approved') ? 'approved' : 'rejected';
    }
  }

  function autoRejectedText(list) {
    if (!list || list.length === 0) return '';
    return ` ${list.length} clashing ${list.length === 1 ? 'request was' : 'requests were'} rejected with it.`;
  }

  async function decideOne(key, action) {
    const row = rows.get(key);
    if (!row || row.decided) return;
    const { item } = row;
    const path = item.kind === 'booking' ? `/api/v1/bookings/${item.id}/${action}` : `/api/v1/leave/${item.id}/${action}`;
    const body = {};
    if (row.comment.value.trim()) body.comment = row.comment.value.trim();
    for (const b of row.buttons) b.disabled = true;
    try {
      const answer = await ctx.api.post(path, body);
      if (disposed) return;
      const text = `${action === 'approve' ? 'Approved' : 'Rejected'}.${autoRejectedText(answer && answer.auto_rejected)}`;
      markDecided(row, true, text);
      ctx.toast(`${describe(item).heading}: ${text}`, 'success');
      if (answer && answer.auto_rejected && answer.auto_rejected.length) markAutoRejected(answer.auto_rejected);
    } catch (error) {
      if (disposed) return;
      for (const b of row.buttons) b.disabled = false;
      markDecided(row, false, errorSentence(error, action === 'approve' ? 'Approving' : 'Rejecting'));
    }
    updateBulk();
  }

  function markAutoRejected(ids) {
    for (const id of ids) {
      const row = rows.get(`booking:${id}`);
      if (row && !row.decided) markDecided(row, true, 'Rejected automatically: it clashed with a booking just approved.');
    }
  }

  async function decideBulk(action) {
    const chosen = [...rows.entries()].filter(([, r]) => r.box.checked && !r.decided);
    if (chosen.length === 0) return;
    const verb = action === 'approve' ? 'Approve' : 'Reject';
    const answer = await ctx.confirmDialog({
      title: `${verb} ${chosen.length} ${chosen.length === 1 ? 'request' : 'requests'}?`,
      message: `Each request is decided on its own; one that fails does not stop the others.`,
      choices: [{ label: verb, value: 'yes' }, { label: 'Cancel', value: null }],
    });
    if (answer !== 'yes' || disposed) return;
    const body = { action, items: chosen.map(([, r]) => ({ kind: r.item.kind, id: r.item.id })) };
    if (bulkComment.value.trim()) body.comment = bulkComment.value.trim();
    bulkApprove.disabled = true;
    bulkReject.disabled = true;
    const progress = ctx.progress(`${verb === 'Approve' ? 'Approving' : 'Rejecting'} ${chosen.length} requests`);
    try {
      const result = await ctx.api.post('/api/v1/approvals/bulk', body);
      if (disposed) return;
      for (const r of result.results || []) {
        const row = rows.get(`${r.kind}:${r.id}`);
        if (!row) continue;
        if (r.ok) {
          markDecided(row, true, `${capitalise(r.status || (action === 'approve' ? 'approved' : 'rejected'))}.${autoRejectedText(r.auto_rejected)}`);
          if (r.auto_rejected && r.auto_rejected.length) markAutoRejected(r.auto_rejected);
        } else {
          markDecided(row, false, errorSentence(r.problem || {}, `${verb === 'Approve' ? 'Approving' : 'Rejecting'}`));
        }
      }
      bulkSummary.textContent = `${result.decided} ${result.decided === 1 ? 'request' : 'requests'} decided, ${result.failed} failed.`;
      ctx.toast(bulkSummary.textContent, result.failed ? 'error' : 'success');
    } catch (error) {
      if (!disposed) bulkSummary.textContent = errorSentence(error, `${verb === 'Approve' ? 'Approving' : 'Rejecting'} the selected requests`);
    } finally {
      progress.done();
      updateBulk();
    }
  }

  return () => {
    disposed = true;
    root.remove();
  };
}
