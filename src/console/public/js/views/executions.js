// The executions list: filter by phase and workflow name, sort by time, page, live updates.

import { api } from '../api.js';
import { button, empty, errorText, loading, notice, phaseBadge } from '../components.js';
import { h, render } from '../dom.js';
import { elapsedMs, FILTER_PHASES, formatDate, formatDuration, formatRelative, isTerminal, phaseLabel, phaseName, shortName, moduleName } from '../format.js';
import { poll } from '../poll.js';
import { entitiesUrl, executionsUrl, executionUrl } from '../routes.js';

const PAGE = 25;

/** Reads the list's filters from the URL query. */
function readQuery() {
  const q = new URLSearchParams(location.search);
  return {
    phase: FILTER_PHASES.includes(q.get('phase')) ? q.get('phase') : '',
    q: q.get('q') ?? '',
    sort: q.get('sort') === 'asc' ? 'asc' : 'desc',
    token: /^\d+$/.test(q.get('token') ?? '') ? q.get('token') : '',
    all: q.get('all') === '1',
  };
}

/** The filter string the API understands for the list's filters. */
export function executionFilters({ phase, q, all }) {
  const f = [];
  if (phase) f.push(`eq(phase,${phase})`);
  if (q.trim()) f.push(`contains(workflow.name,${q.trim().replace(/[(),+]/g, '')})`);
  if (!all) f.push('eq(nesting,0)');
  return f.join('+');
}

/** The page that lists executions. */
export function executionsView(root, route, app) {
  let state = { route, query: readQuery(), list: undefined, error: undefined, now: Date.now() };
  let searchTimer;

  const setQuery = (patch, { resetPage = true } = {}) => {
    const next = { ...state.query, ...patch };
    if (resetPage) next.token = '';
    app.navigate(executionsUrl(route.project, route.domain, { phase: next.phase, q: next.q, sort: next.sort === 'asc' ? 'asc' : '', token: next.token, all: next.all ? '1' : '' }), { replace: true });
  };

  const load = async () => {
    const { project, domain } = state.route;
    const query = state.query;
    try {
      const list = await api.listExecutions(project, domain, {
        filters: executionFilters(query),
        sortKey: 'created_at',
        sortDir: query.sort === 'asc' ? 'ASCENDING' : 'DESCENDING',
        limit: PAGE,
        token: query.token,
      });
      // Ignore answers for filters that changed meanwhile.
      if (query !== state.query) return true;
      state = { ...state, list, error: undefined, now: Date.now() };
    } catch (e) {
      state = { ...state, error: e, now: Date.now() };
    }
    draw();
    return true;
  };

  const terminate = async (ex) => {
    const ok = await app.confirm({ title: `Terminate ${ex.id.name}?`, body: 'Running tasks are stopped and the execution ends as Aborted.', confirm: 'Terminate', danger: true, withCause: true });
    if (!ok) return;
    try {
      await api.terminate(ex.id, ok.cause || 'terminated from the console');
      app.toast(`Terminating ${ex.id.name}`);
      poller.now();
    } catch (e) {
      app.toast(errorText(e), 'error');
    }
  };

  const row = (ex) => {
    const phase = phaseName(ex.closure?.phase);
    const lp = ex.spec?.launch_plan;
    const wfName = ex.closure?.workflow_id?.name ?? lp?.name ?? '';
    const parent = ex.spec?.metadata?.parent_node_execution?.execution_id;
    const eagerParent = ex.spec?.labels?.values?.['eager-exec'];
    const parentName = parent?.name || eagerParent;
    const ms = elapsedMs(ex.closure, phase, state.now);
    return h(
      'tr',
      { key: ex.id.name, class: 'exec-row', dataset: { execution: ex.id.name, phase } },
      h('td', { class: 'col-phase' }, phaseBadge(phase)),
      h(
        'td',
        { class: 'col-name' },
        h('a', { href: executionUrl(ex.id), class: 'exec-link' }, ex.id.name),
        parentName ? h('span', { class: 'child-of' }, '↳ child of ', h('a', { href: executionUrl({ ...ex.id, name: parentName }) }, parentName)) : null,
      ),
      h(
        'td',
        { class: 'col-wf' },
        h('span', { class: 'wf-short' }, shortName(wfName)),
        h('span', { class: 'wf-module' }, moduleName(wfName) || (wfName.startsWith('.flytegen.') ? 'single task' : '')),
      ),
      h('td', { class: 'col-time', title: formatDate(ex.closure?.created_at) }, formatRelative(ex.closure?.created_at, state.now)),
      h('td', { class: 'col-dur num' }, ms === undefined ? '—' : formatDuration(ms)),
      h('td', { class: 'col-mode' }, (ex.spec?.metadata?.mode ?? 'MANUAL').toLowerCase().replace('_', ' ')),
      h(
        'td',
        { class: 'col-actions' },
        isTerminal(phase) || phase === 'ABORTING'
          ? null
          : button('', () => terminate(ex), { variant: 'ghost', iconName: 'stop', title: `Terminate ${ex.id.name}`, attrs: { 'aria-label': `Terminate ${ex.id.name}`, class: 'btn btn-ghost btn-icon' } }),
      ),
    );
  };

  const draw = () => {
    const { query, list, error } = state;
    const execs = list?.executions ?? [];
    const offset = Number(query.token || 0);
    const phaseSelect = h(
      'select',
      { id: 'f-phase', class: 'input', value: query.phase, onChange: (e) => setQuery({ phase: e.target.value }) },
      h('option', { value: '' }, 'All phases'),
      FILTER_PHASES.map((p) => h('option', { value: p, selected: p === query.phase }, phaseLabel(p))),
    );
    const search = h('input', {
      id: 'f-name',
      class: 'input',
      type: 'search',
      placeholder: 'Workflow or task name',
      value: query.q,
      autocomplete: 'off',
      'aria-keyshortcuts': '/',
      onInput: (e) => {
        clearTimeout(searchTimer);
        const v = e.target.value;
        searchTimer = setTimeout(() => setQuery({ q: v }), 250);
      },
    });
    const sortBtn = h(
      'button',
      { type: 'button', class: 'btn btn-plain sort', onClick: () => setQuery({ sort: query.sort === 'asc' ? 'desc' : 'asc' }), 'aria-label': `Sort by start time, ${query.sort === 'asc' ? 'oldest' : 'newest'} first` },
      query.sort === 'asc' ? 'Oldest first' : 'Newest first',
    );
    let body;
    if (error && !list) body = notice('error', 'Could not list executions', errorText(error));
    else if (!list) body = loading('Loading executions…');
    else if (execs.length === 0)
      body = empty(
        query.phase || query.q ? 'No executions match these filters.' : 'No executions yet.',
        query.phase || query.q ? 'Clear the filters to see every execution.' : 'Run one: tflyte-sandbox run --remote examples/basic_workflow.ts my_wf --a 50 --b hello, or launch a workflow from the Workflows page.',
      );
    else
      body = h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'table executions' },
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              h('th', { class: 'col-phase', scope: 'col' }, 'Phase'),
              h('th', { class: 'col-name', scope: 'col' }, 'Execution'),
              h('th', { class: 'col-wf', scope: 'col' }, 'Workflow / task'),
              h('th', { class: 'col-time', scope: 'col', 'aria-sort': query.sort === 'asc' ? 'ascending' : 'descending' }, 'Started'),
              h('th', { class: 'col-dur num', scope: 'col' }, 'Duration'),
              h('th', { class: 'col-mode', scope: 'col' }, 'Mode'),
              h('th', { class: 'col-actions', scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')),
            ),
          ),
          h('tbody', null, execs.map(row)),
        ),
      );
    const hasNext = Boolean(list?.token);
    const pager = list && execs.length > 0
      ? h(
          'nav',
          { class: 'pager', 'aria-label': 'Pages' },
          h('span', { class: 'muted' }, `${offset + 1}–${offset + execs.length}`),
          button('Previous', () => setQuery({ token: offset - PAGE > 0 ? String(offset - PAGE) : '' }, { resetPage: false }), { iconName: 'chevronLeft', disabled: offset === 0 }),
          button('Next', () => setQuery({ token: list.token }, { resetPage: false }), { disabled: !hasNext, attrs: { class: 'btn btn-plain icon-after' }, iconName: 'chevronRight' }),
        )
      : null;
    render(
      root,
      h(
        'div',
        { class: 'page' },
        h(
          'div',
          { class: 'page-head' },
          h('h1', null, 'Executions'),
          h('span', { class: 'live-dot', title: 'Updates live', 'aria-hidden': 'true' }),
          h('div', { class: 'spacer' }),
          button('Launch…', () => app.navigate(entitiesUrl(state.route.project, state.route.domain, 'WORKFLOW')), { variant: 'primary', iconName: 'play', title: 'Pick a workflow to launch' }),
        ),
        h(
          'div',
          { class: 'toolbar', role: 'search' },
          h('label', { class: 'field-inline' }, h('span', { class: 'label' }, 'Phase'), phaseSelect),
          h('label', { class: 'field-inline grow' }, h('span', { class: 'label' }, 'Name'), search),
          h('label', { class: 'check' }, h('input', { type: 'checkbox', checked: query.all, onChange: (e) => setQuery({ all: e.target.checked }) }), 'Include child executions'),
          sortBtn,
        ),
        error && list ? notice('warn', null, `Live updates paused: ${errorText(error)}`) : null,
        body,
        pager,
      ),
    );
  };

  const onKey = (e) => {
    if (e.key === '/' && !['INPUT', 'TEXTAREA', 'SELECT'].includes(document.activeElement?.tagName ?? '')) {
      e.preventDefault();
      root.querySelector('#f-name')?.focus();
    }
  };
  document.addEventListener('keydown', onKey);
  draw();
  const poller = poll(load, 1000);

  return {
    update(next) {
      state = { ...state, route: next, query: readQuery(), list: state.route.project === next.project && state.route.domain === next.domain ? state.list : undefined };
      draw();
      poller.now();
    },
    destroy() {
      poller.stop();
      clearTimeout(searchTimer);
      document.removeEventListener('keydown', onKey);
    },
  };
}

