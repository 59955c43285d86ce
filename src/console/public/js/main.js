// The console's entry point: the app shell (top bar with sections, project and domain), the
// router (real paths under the console's base, History API), toasts and the confirm dialog.

import { api } from './api.js';
import { button, icon, logo } from './components.js';
import { h, render } from './dom.js';
import { basePath, entitiesUrl, executionsUrl, executionUrl, parseRoute } from './routes.js';
import { entitiesView, entityView } from './views/entities.js';
import { executionsView } from './views/executions.js';
import { executionView } from './views/execution.js';
import { openLaunchDialog } from './views/launch.js';

const DEFAULT_PROJECT = 'flytesnacks';
const DEFAULT_DOMAIN = 'development';
const VIEWS = { executions: executionsView, execution: executionView, entities: entitiesView, entity: entityView };

const shell = document.getElementById('app');
const header = h('header', { class: 'topbar' });
const main = h('main', { id: 'main', class: 'main', tabindex: '-1' });
const toasts = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' });
// Says so while the sandbox cannot run tasks: its container engine away, its disk full.
const banner = h('div', { class: 'banner', role: 'alert', hidden: true });
shell.replaceChildren(h('a', { class: 'skip', href: '#main' }, 'Skip to content'), header, banner, main, toasts);

async function checkHealth() {
  let text = '';
  try {
    const res = await fetch('/healthz', { cache: 'no-store' });
    const health = await res.json();
    if (health.engine && !health.engine.reachable) {
      const since = health.engine.since ? ` since ${new Date(health.engine.since).toLocaleTimeString()}` : '';
      text = `Waiting for the Docker engine at ${health.engine.endpoint}${since}: running tasks continue once it is back.`;
    } else if (health.disk && health.disk.low) {
      text = `The disk holding ${health.disk.path} is almost full: executions cannot write their data until space is freed.`;
    }
  } catch {
    text = 'The sandbox does not answer: is it running? (tflyte-sandbox status)';
  }
  banner.textContent = text;
  banner.hidden = text === '';
}
void checkHealth();
setInterval(checkHealth, 5000);

let projects = [];
let current; // { route, view, key }

function scopeOf(route) {
  return {
    project: route.project ?? localStorage.getItem('tflyte.project') ?? DEFAULT_PROJECT,
    domain: route.domain ?? localStorage.getItem('tflyte.domain') ?? DEFAULT_DOMAIN,
  };
}

/** Shows a short message at the bottom of the page. */
function toast(text, kind = 'info') {
  const el = h('div', { class: ['toast', `toast-${kind}`], role: kind === 'error' ? 'alert' : undefined }, text);
  toasts.appendChild(el);
  setTimeout(() => el.classList.add('leaving'), kind === 'error' ? 6000 : 3000);
  setTimeout(() => el.remove(), kind === 'error' ? 6400 : 3400);
}

/** Asks for confirmation in a modal dialog; resolves to false or `{ cause }`. */
function confirmDialog({ title, body, confirm = 'OK', danger = false, withCause = false }) {
  return new Promise((resolve) => {
    const cause = h('input', { class: 'input', type: 'text', id: 'confirm-cause', placeholder: 'Why? (optional)' });
    const dialog = h(
      'dialog',
      { class: 'dialog confirm', 'aria-labelledby': 'confirm-title' },
      h('form', { method: 'dialog', onSubmit: (e) => (e.preventDefault(), done({ cause: cause.value.trim() })) },
        h('div', { class: 'dialog-head' }, h('h2', { id: 'confirm-title' }, title)),
        h('p', null, body),
        withCause ? h('div', { class: 'field' }, h('label', { for: 'confirm-cause', class: 'field-label' }, 'Cause'), cause) : null,
        h('div', { class: 'dialog-actions' }, button('Cancel', () => done(false)), button(confirm, undefined, { variant: danger ? 'danger' : 'primary', type: 'submit' })),
      ),
    );
    let settled = false;
    const done = (v) => {
      if (settled) return;
      settled = true;
      dialog.close();
      dialog.remove();
      resolve(v);
    };
    dialog.addEventListener('close', () => done(false));
    document.body.appendChild(dialog);
    dialog.showModal();
    (withCause ? cause : dialog.querySelector('.btn-danger, .btn-primary'))?.focus();
  });
}

/** Navigates within the console. `silent` updates the URL without re-rendering the view. */
function navigate(url, { replace = false, silent = false } = {}) {
  const target = new URL(url, location.href);
  if (target.href === location.href) {
    if (!silent) route();
    return;
  }
  history[replace ? 'replaceState' : 'pushState'](null, '', target.pathname + target.search + target.hash);
  if (!silent) route();
}

function launch({ kind, id, initial, title }) {
  openLaunchDialog({
    kind,
    id,
    initial,
    title,
    onLaunched: (exec) => {
      toast(`Started ${exec.name}`);
      navigate(executionUrl(exec));
    },
  });
}

const app = { navigate, toast, confirm: confirmDialog, launch };

function themeButton() {
  const mode = localStorage.getItem('tflyte.theme') ?? 'auto';
  const next = { auto: 'light', light: 'dark', dark: 'auto' }[mode];
  return h(
    'button',
    {
      type: 'button',
      class: 'btn btn-icon theme',
      title: `Theme: ${mode} (switch to ${next})`,
      'aria-label': `Color theme: ${mode}. Switch to ${next}.`,
      onClick: () => {
        localStorage.setItem('tflyte.theme', next);
        applyTheme();
        drawHeader(current?.route ?? { view: 'home' });
      },
    },
    icon('sun'),
  );
}

function applyTheme() {
  const mode = localStorage.getItem('tflyte.theme') ?? 'auto';
  if (mode === 'auto') document.documentElement.removeAttribute('data-theme');
  else document.documentElement.setAttribute('data-theme', mode);
}

function drawHeader(r) {
  const { project, domain } = scopeOf(r);
  const section = r.view === 'entities' || r.view === 'entity' ? r.kind : 'EXECUTIONS';
  const sectionUrl = (p, d) => (section === 'EXECUTIONS' ? executionsUrl(p, d) : entitiesUrl(p, d, section));
  const navItem = (key, label, href) => h('a', { href, class: ['nav-item', section === key ? 'active' : ''], 'aria-current': section === key ? 'page' : undefined }, label);
  const proj = projects.find((p) => p.id === project);
  const domains = proj?.domains?.map((d) => d.id) ?? ['development', 'staging', 'production'];
  const projectIds = projects.length ? projects.map((p) => p.id) : [project];
  if (!projectIds.includes(project)) projectIds.push(project);
  render(
    header,
    h('a', { class: 'brand', href: executionsUrl(project, domain), 'aria-label': 'tflyte sandbox console: executions' }, logo(), h('span', { class: 'brand-name' }, 'tflyte'), h('span', { class: 'brand-sub' }, 'sandbox')),
    h(
      'nav',
      { class: 'nav', 'aria-label': 'Sections' },
      navItem('EXECUTIONS', 'Executions', executionsUrl(project, domain)),
      navItem('WORKFLOW', 'Workflows', entitiesUrl(project, domain, 'WORKFLOW')),
      navItem('TASK', 'Tasks', entitiesUrl(project, domain, 'TASK')),
      navItem('LAUNCH_PLAN', 'Launch plans', entitiesUrl(project, domain, 'LAUNCH_PLAN')),
    ),
    h('div', { class: 'spacer' }),
    h(
      'div',
      { class: 'scope' },
      h(
        'label',
        { class: 'field-inline' },
        h('span', { class: 'label' }, 'Project'),
        h(
          'select',
          { id: 'scope-project', class: 'input', value: project, onChange: (e) => navigate(sectionUrl(e.target.value, domains.includes(domain) ? domain : DEFAULT_DOMAIN)) },
          projectIds.map((p) => h('option', { value: p, selected: p === project }, p)),
        ),
      ),
      h(
        'div',
        { class: 'segmented', role: 'group', 'aria-label': 'Domain' },
        domains.map((d) => h('a', { href: sectionUrl(project, d), class: ['seg', d === domain ? 'active' : ''], 'aria-current': d === domain ? 'true' : undefined, dataset: { domain: d } }, d)),
      ),
      themeButton(),
    ),
  );
}

function notFound() {
  const { project, domain } = scopeOf({});
  render(main, h('div', { class: 'page' }, h('h1', null, 'Page not found'), h('p', null, 'Nothing lives at ', h('code', null, location.pathname), '. '), h('p', null, h('a', { href: executionsUrl(project, domain) }, 'Go to the executions'))));
}

function route() {
  const r = parseRoute(location.pathname);
  if (r.view === 'home') {
    const { project, domain } = scopeOf(r);
    navigate(executionsUrl(project, domain), { replace: true });
    return;
  }
  if (r.project) localStorage.setItem('tflyte.project', r.project);
  if (r.domain) localStorage.setItem('tflyte.domain', r.domain);
  drawHeader(r);
  const key = `${r.view}|${r.project}|${r.domain}|${r.kind ?? ''}|${r.name ?? ''}`;
  if (current && current.route.view === r.view && current.view.update) {
    const kept = current.view.update(r);
    if (kept !== false) {
      current = { route: r, view: current.view, key };
      return;
    }
  }
  current?.view.destroy();
  current = undefined;
  const make = VIEWS[r.view];
  if (!make) {
    notFound();
    return;
  }
  main.replaceChildren();
  current = { route: r, view: make(main, r, app), key };
  const title = r.view === 'execution' ? r.name : r.view === 'entity' ? r.name : r.view === 'executions' ? 'Executions' : r.kind ? r.kind.toLowerCase().replace('_', ' ') + 's' : '';
  document.title = `${title ? `${title} · ` : ''}tflyte sandbox`;
}

// Links inside the console navigate without reloading.
document.addEventListener('click', (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = /** @type {HTMLAnchorElement | null} */ (/** @type {Element} */ (e.target).closest?.('a[href]'));
  if (!a || a.target || a.hasAttribute('download')) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || !url.pathname.startsWith(basePath())) return;
  e.preventDefault();
  navigate(url.href);
  if (!url.search.includes('node=')) main.focus({ preventScroll: true });
  window.scrollTo(0, 0);
});
window.addEventListener('popstate', route);

applyTheme();
route();
api
  .projects()
  .then((r) => {
    projects = r.projects ?? [];
    if (current) drawHeader(current.route);
  })
  .catch(() => undefined);
