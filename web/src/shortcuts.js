// Single-key keyboard shortcuts. They are ignored while the user types in a
// field, while a dialog is open, and when a modifier key (Ctrl, Alt, Meta)
// is held.

export const SHORTCUTS = [
  ['n', 'New event'],
  ['t', 'Go to today'],
  ['d', 'Day view'],
  ['w', 'Week view'],
  ['m', 'Month view'],
  ['/', 'Search events'],
  ['?', 'Show this list'],
];

// Whether a key event happened while typing, so shortcuts must not fire.
export function isTyping(target) {
  if (!target || !(target instanceof Element)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag === 'INPUT') {
    const type = (target.getAttribute('type') || 'text').toLowerCase();
    return !['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color'].includes(type);
  }
  return false;
}

// `handlers` maps a key ('n', '?', '/') to a function.
export function installShortcuts(handlers) {
  const onKey = (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    if (isTyping(e.target)) return;
    if (document.querySelector('.overlay')) return;
    const fn = handlers[e.key];
    if (!fn) return;
    e.preventDefault();
    fn();
  };
  document.addEventListener('keydown', onKey);
  return () => document.removeEventListener('keydown', onKey);
}
