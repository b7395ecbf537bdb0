// Small accessible UI pieces shared by the shell and the views: a DOM
// builder, toasts, modal dialogs with a focus trap, confirmation dialogs and
// a progress indicator. No framework: plain DOM.

// Builds an element. `attrs` may hold: class, text, html-free attributes,
// `dataset` (object), `style` (object or string), `on` (object of event
// listeners), boolean properties (checked, disabled, hidden...) and
// `testid` (becomes data-testid). Children are nodes, strings, or arrays of
// them; null, undefined and false are skipped.
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : value;
    else if (key === 'text') node.textContent = value;
    else if (key === 'testid') node.dataset.testid = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key === 'style' && typeof value === 'object') Object.assign(node.style, value);
    else if (key === 'on') for (const [ev, fn] of Object.entries(value)) node.addEventListener(ev, fn);
    else if (key in node && typeof value !== 'string') node[key] = value;
    else if (value === true) node.setAttribute(key, '');
    else node.setAttribute(key, String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

let toastRegion = null;

function region() {
  if (!toastRegion || !toastRegion.isConnected) {
    toastRegion = el('div', { class: 'toasts', role: 'status', 'aria-live': 'polite', testid: 'toasts' });
    document.body.append(toastRegion);
  }
  return toastRegion;
}

// Shows `message` for a few seconds. Errors stay longer and are announced
// assertively; each kind also carries a word, not only a colour.
export function toast(message, kind = 'info') {
  const label = { info: 'Note', error: 'Error', success: 'Done' }[kind] || 'Note';
  const item = el(
    'div',
    { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : null, testid: `toast-${kind}` },
    el('strong', { text: `${label}: ` }),
    el('span', { text: message }),
    el('button', { type: 'button', class: 'toast-close', 'aria-label': 'Dismiss', text: '×', on: { click: () => item.remove() } }),
  );
  region().append(item);
  setTimeout(() => item.remove(), kind === 'error' ? 9000 : 4000);
  return item;
}

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

function focusables(root) {
  return [...root.querySelectorAll(FOCUSABLE)].filter((n) => n.offsetParent !== null || n === document.activeElement);
}

// Opens a modal dialog holding `content`. Focus moves into it and stays
// there (Tab and Shift+Tab wrap); Escape or the close button calls
// `onClose`. Returns { node, close } — close() removes the dialog and gives
// focus back to what had it before.
export function openModal({ title, content, testid = 'dialog', onClose, wide = false }) {
  const previous = document.activeElement;
  const titleId = `dlg-title-${Math.random().toString(36).slice(2, 8)}`;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    overlay.remove();
    document.removeEventListener('keydown', onKey, true);
    if (previous && previous.focus && previous.isConnected) previous.focus();
  };
  const dismiss = () => {
    if (onClose) onClose();
    close();
  };
  const dialog = el(
    'div',
    { class: ['dialog', wide && 'dialog-wide'], role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': titleId, testid },
    el(
      'div',
      { class: 'dialog-head' },
      el('h2', { id: titleId, text: title }),
      el('button', { type: 'button', class: 'icon-btn', 'aria-label': 'Close', text: '×', testid: `${testid}-close`, on: { click: dismiss } }),
    ),
    el('div', { class: 'dialog-body' }, content),
  );
  const overlay = el('div', { class: 'overlay', on: { mousedown: (e) => e.target === overlay && dismiss() } }, dialog);
  function onKey(e) {
    if (!overlay.isConnected) return;
    // Only the topmost dialog handles keys.
    const overlays = document.querySelectorAll('.overlay');
    if (overlays[overlays.length - 1] !== overlay) return;
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      dismiss();
    } else if (e.key === 'Tab') {
      const items = focusables(dialog);
      if (items.length === 0) return;
      const first = items[0];
      const last = items[items.length - 1];
      if (e.shiftKey && (document.activeElement === first || !dialog.contains(document.activeElement))) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && (document.activeElement === last || !dialog.contains(document.activeElement))) {
        e.preventDefault();
        first.focus();
      }
    }
  }
  document.addEventListener('keydown', onKey, true);
  document.body.append(overlay);
  const autofocus = focusables(dialog.querySelector('.dialog-body'))[0] || focusables(dialog)[0];
  if (autofocus) autofocus.focus();
  return { node: dialog, close };
}

// Asks a question with one button per choice. Resolves to the chosen
// choice's value, or null when the dialog is dismissed (Escape, ×, outside).
export function confirmDialog({ title, message, choices = [{ label: 'OK', value: true }] }) {
  return new Promise((resolve) => {
    let modal = null;
    const buttons = choices.map((choice, i) =>
      el('button', {
        type: 'button',
        class: i === 0 ? 'btn btn-primary' : 'btn',
        text: choice.label,
        testid: `confirm-choice-${i}`,
        dataset: { value: String(choice.value) },
        on: {
          click: () => {
            modal.close();
            resolve(choice.value);
          },
        },
      }),
    );
    const content = el(
      'div',
      {},
      message instanceof Node ? message : el('p', { text: message }),
      el('div', { class: 'dialog-actions' }, buttons, el('button', { type: 'button', class: 'btn', text: 'Cancel', testid: 'confirm-cancel', on: { click: () => { modal.close(); resolve(null); } } })),
    );
    modal = openModal({ title, content, testid: 'confirm-dialog', onClose: () => resolve(null) });
    buttons[0]?.focus();
  });
}

// Shows a progress bar labelled `label` until done() is called.
// update(fraction) takes a number in [0, 1].
export function progress(label) {
  const bar = el('progress', { max: 1, value: 0, 'aria-label': label });
  const text = el('span', { class: 'progress-text', text: label });
  const box = el('div', { class: 'progress-box', role: 'status', testid: 'progress' }, text, bar);
  region().append(box);
  return {
    update(fraction) {
      const f = Math.max(0, Math.min(1, Number(fraction) || 0));
      bar.value = f;
      text.textContent = `${label} (${Math.round(f * 100)}%)`;
    },
    done() {
      box.remove();
    },
  };
}
