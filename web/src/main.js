// The app's entry point: signs the user in, builds the shell (header,
// navigation, sidebar drawer), routes the URL fragment to the calendar or to
// the resource, approval and leave views, and wires the keyboard shortcuts
// and the service worker.
import './style.css';
import { api, resumeSession, signOut, onUnauthorized, ApiError } from './api.js';
import { el, toast, confirmDialog, progress, openModal } from './ui.js';
import { parseHash, PAGES } from './router.js';
import { showSignIn } from './signin.js';
import { installShortcuts, SHORTCUTS } from './shortcuts.js';
import { timeZones, loadPref, savePref } from './prefs.js';
import { mountCalendar } from './calendar/calendar-view.js';

const pageModules = {
  resources: () => import('./views/resources.js'),
  approvals: () => import('./views/approvals.js'),
  leave: () => import('./views/leave.js'),
};
const PAGE_LABELS = { calendar: 'Calendar', resources: 'Resources', approvals: 'Approvals', leave: 'Leave' };

const root = document.getElementById('app');

async function boot() {
  let user = null;
  try {
    user = await resumeSession();
  } catch (err) {
    // Offline: start with the user of the last visit, if any, to show the
    // weeks the service worker saved.
    const saved = err instanceof ApiError && err.status === 0 ? loadPref('lastUser', null) : null;
    if (!saved) {
      root.replaceChildren(el('main', { class: 'signin-page' }, el('p', { role: 'alert', text: err.message })));
      return;
    }
    user = saved;
  }
  if (!user) user = await showSignIn(root);
  savePref('lastUser', { id: user.id, username: user.username, display_name: user.display_name, timezone: user.timezone, role: user.role });
  startApp(user);
}

function startApp(user) {
  const app = {
    user,
    timezone: loadPref('timezone', '') || user.timezone || 'UTC',
    calendar: null,
    unmountPage: null,
    pageName: null,
    // Counts view mounts, so that a slow mount overtaken by another is dropped.
    mounts: 0,
    listeners: new Set(),
  };

  const zoneSelect = el(
    'select',
    { id: 'zone-select', testid: 'zone-select', on: { change: () => setTimezone(zoneSelect.value) } },
    timeZones(app.timezone, user.timezone).map((z) => el('option', { value: z, text: z === user.timezone ? `${z} (profile)` : z, selected: z === app.timezone })),
  );
  const search = el('input', { id: 'search', type: 'search', placeholder: 'Search events', autocomplete: 'off', testid: 'search-input' });
  const searchForm = el(
    'form',
    {
      role: 'search',
      class: 'search',
      testid: 'search-form',
      on: {
        submit: (e) => {
          e.preventDefault();
          runSearch(search.value.trim(), true);
        },
      },
    },
    el('label', { for: 'search', class: 'sr-only', text: 'Search events' }),
    search,
  );
  let searchTimer = 0;
  search.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => runSearch(search.value.trim(), false), 400);
  });
  search.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      search.value = '';
      runSearch('', false);
      search.blur();
    }
  });

  const drawerBtn = el('button', {
    type: 'button',
    class: 'icon-btn drawer-btn',
    'aria-label': 'Show calendars and filters',
    'aria-controls': 'sidebar',
    'aria-expanded': 'false',
    testid: 'drawer-toggle',
    text: '☰',
    on: { click: () => toggleDrawer() },
  });
  const navLinks = ['calendar', ...PAGES].map((p) =>
    el('a', {
      href: p === 'calendar' ? '#/' : `#/${p}`,
      text: PAGE_LABELS[p],
      testid: `nav-${p}`,
      dataset: { page: p },
      on: {
        click: (e) => {
          // Back to the period the calendar showed last.
          if (p === 'calendar' && app.lastCalendarHash) {
            e.preventDefault();
            navigate(app.lastCalendarHash);
          }
        },
      },
    }),
  );
  const header = el(
    'header',
    { class: 'topbar' },
    drawerBtn,
    el('a', { class: 'brand', href: '#/', text: 'Almanac', 'aria-label': 'Almanac, calendar' }),
    el('nav', { 'aria-label': 'Main', class: 'mainnav' }, navLinks),
    searchForm,
    el('label', { for: 'zone-select', class: 'sr-only', text: 'Time zone' }),
    zoneSelect,
    el(
      'div',
      { class: 'user' },
      el('span', { class: 'user-name', text: user.display_name || user.username, testid: 'user-name' }),
      el('button', { type: 'button', class: 'btn btn-small', text: 'Sign out', testid: 'signout', on: { click: doSignOut } }),
    ),
  );
  const sidebar = el('aside', { id: 'sidebar', class: 'sidebar', 'aria-label': 'Calendars and filters', testid: 'sidebar' });
  const scrim = el('div', { class: 'scrim', on: { click: () => toggleDrawer(false) } });
  const content = el('main', { id: 'content', class: 'content', tabindex: '-1' });
  const offlineBanner = el('div', { class: 'banner', role: 'status', testid: 'offline-banner', hidden: true, text: 'Offline — showing saved weeks.' });
  root.replaceChildren(el('div', { class: 'shell' }, header, offlineBanner, el('div', { class: 'body' }, sidebar, scrim, content)));
  // The browser benchmark (bench/web) and the sign-in test read this mark.
  performance.mark('almanac:signed-in');

  function toggleDrawer(open) {
    const isOpen = open ?? !document.body.classList.contains('drawer-open');
    document.body.classList.toggle('drawer-open', isOpen);
    drawerBtn.setAttribute('aria-expanded', String(isOpen));
    if (isOpen) sidebar.querySelector('input, button, select, a')?.focus();
  }

  function setOffline(offline) {
    offlineBanner.hidden = !offline;
  }
  window.addEventListener('online', () => setOffline(false));

  function setTimezone(tz) {
    app.timezone = tz;
    savePref('timezone', tz === user.timezone ? '' : tz);
    if (app.calendar) app.calendar.setTimezone(tz);
    // The other pages read ctx.timezone when they mount: mount them again.
    else if (app.pageName && app.pageName !== 'calendar') route();
  }

  function runSearch(q, submit) {
    if (app.pageName !== 'calendar') {
      if (!q) return;
      navigate('#/search');
      setTimeout(() => app.calendar && app.calendar.setQuery(q, true), 0);
      return;
    }
    app.calendar.setQuery(q, submit);
  }

  async function doSignOut() {
    try {
      navigator.serviceWorker?.controller?.postMessage({ type: 'clear-events' });
      if (window.caches) await caches.delete('almanac-events-v1');
      savePref('lastUser', null);
      savePref('lastCalendars', null);
      await signOut();
    } catch (err) {
      toast(err.message, 'error');
    }
    location.hash = '#/';
    location.reload();
  }

  function navigate(hash) {
    if (location.hash === hash) route();
    else location.hash = hash;
  }

  const ctx = { api, me: user, toast, confirmDialog, progress, el, navigate, get timezone() { return app.timezone; } };

  async function route() {
    const r = parseHash(location.hash);
    toggleDrawer(false);
    navLinks.forEach((a) => (a.dataset.page === r.page ? a.setAttribute('aria-current', 'page') : a.removeAttribute('aria-current')));
    document.body.dataset.page = r.page;
    if (r.page === 'calendar') {
      document.title = 'Calendar — Almanac';
      if (app.pageName === 'calendar' && app.calendar) {
        app.calendar.show(r.view, r.date);
        return;
      }
      unmountPage();
      app.pageName = 'calendar';
      app.calendar = mountCalendar({ content, sidebar, ctx, app, setOffline, searchInput: search, view: r.view, date: r.date });
      app.unmountPage = () => app.calendar.unmount();
      return;
    }
    unmountPage();
    app.pageName = r.page;
    document.title = `${PAGE_LABELS[r.page]} — Almanac`;
    sidebar.replaceChildren(el('p', { class: 'muted sidebar-note', text: `${PAGE_LABELS[r.page]}: use the page's own filters.` }));
    const holder = el('div', { class: 'page', testid: `page-${r.page}` }, el('p', { class: 'muted', text: 'Loading…' }));
    content.replaceChildren(holder);
    const mounting = ++app.mounts;
    try {
      const mod = await pageModules[r.page]();
      if (app.mounts !== mounting) return;
      holder.replaceChildren();
      // A view may mount synchronously or return a promise of its unmount.
      const unmount = await mod.mount(holder, ctx);
      if (app.mounts !== mounting) {
        if (typeof unmount === 'function') unmount();
        return;
      }
      app.unmountPage = typeof unmount === 'function' ? unmount : null;
    } catch (err) {
      if (app.mounts !== mounting) return;
      console.error(`The ${r.page} page failed to mount:`, err);
      holder.replaceChildren(el('p', { role: 'alert', class: 'form-error', testid: 'page-error', text: mountErrorSentence(PAGE_LABELS[r.page], err) }));
    }
  }

  function unmountPage() {
    if (app.unmountPage) {
      try {
        app.unmountPage();
      } catch (err) {
        console.error(err);
      }
    }
    app.unmountPage = null;
    app.calendar = null;
    app.pageName = null;
    app.mounts++;
  }

  window.addEventListener('hashchange', route);
  onUnauthorized(() => {
    toast('Your session has ended. Sign in again.', 'error');
    setTimeout(() => location.reload(), 1500);
  });

  installShortcuts({
    n: () => app.calendar ? app.calendar.newEvent() : navigate('#/'),
    t: () => app.calendar ? app.calendar.today() : navigate('#/'),
    d: () => (app.calendar ? app.calendar.changeView('day') : navigate('#/day')),
    w: () => (app.calendar ? app.calendar.changeView('week') : navigate('#/week')),
    m: () => (app.calendar ? app.calendar.changeView('month') : navigate('#/month')),
    '/': () => {
      search.focus();
      search.select();
    },
    '?': () => showShortcuts(),
  });

  enableSwipe(content, () => app.calendar?.next(), () => app.calendar?.prev());
  registerServiceWorker(setOffline);
  route();
}

// The sentence shown in place of a page whose view failed to load or
// mount: the server's sentence for an API error, else a plain one (the
// error itself goes to the console).
function mountErrorSentence(label, err) {
  if (err instanceof ApiError) return `The ${label} page could not be shown. ${err.message}`;
  if (/dynamically imported module|Importing a module script failed|fetch/i.test(String(err && err.message))) {
    return `The ${label} page could not be loaded. Check your connection and reload the page.`;
  }
  return `The ${label} page could not be shown because of an error in the app. Reload the page to try again.`;
}

function showShortcuts() {
  if (document.querySelector('[data-testid="shortcuts-dialog"]')) return;
  const rows = SHORTCUTS.map(([key, what]) => el('tr', {}, el('th', { scope: 'row' }, el('kbd', { text: key })), el('td', { text: what })));
  openModal({
    title: 'Keyboard shortcuts',
    testid: 'shortcuts-dialog',
    content: el(
      'div',
      {},
      el('table', { class: 'shortcuts' }, el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: 'Key' }), el('th', { scope: 'col', text: 'Does' }))), el('tbody', {}, rows)),
      el('p', { class: 'muted', text: 'Shortcuts do nothing while you type in a field.' }),
    ),
  });
}

// Left and right swipes on touch screens move to the next and previous
// period. A swipe must be mostly horizontal, at least 60 px long and under
// 0.8 s. style.css turns off the browser's own horizontal overscroll
// gestures, which would otherwise take a right swipe as "back".
function enableSwipe(node, onLeft, onRight) {
  let x0 = 0;
  let y0 = 0;
  let t0 = 0;
  node.addEventListener(
    'touchstart',
    (e) => {
      if (e.touches.length !== 1) return;
      x0 = e.touches[0].clientX;
      y0 = e.touches[0].clientY;
      t0 = Date.now();
    },
    { passive: true },
  );
  node.addEventListener(
    'touchend',
    (e) => {
      if (!t0 || document.querySelector('.fc-event-dragging, .fc-event-resizing, .am-dragging')) return;
      const t = e.changedTouches[0];
      const dx = t.clientX - x0;
      const dy = t.clientY - y0;
      const fast = Date.now() - t0 < 800;
      t0 = 0;
      if (fast && Math.abs(dx) > 60 && Math.abs(dx) > 2 * Math.abs(dy)) (dx < 0 ? onLeft : onRight)();
    },
    { passive: true },
  );
  node.addEventListener('touchcancel', () => {
    t0 = 0;
  });
}

function registerServiceWorker(setOffline) {
  if (!('serviceWorker' in navigator) || import.meta.env.DEV) return;
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {
    // The app works without it; only offline viewing is lost.
  });
  navigator.serviceWorker.addEventListener('message', (e) => {
    if (e.data && e.data.type === 'offline-events') setOffline(true);
    if (e.data && e.data.type === 'online-events') setOffline(false);
  });
}

boot();
