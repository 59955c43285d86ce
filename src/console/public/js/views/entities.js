// Registered workflows, tasks and launch plans: a list per kind (latest version, interface, how
// many versions) and a page per entity (versions, interface with defaults, static graph, recent
// executions, launch button).

import { api } from '../api.js';
import { button, empty, errorText, facts, loading, notice, phaseBadge } from '../components.js';
import { h, render } from '../dom.js';
import { formatDate, formatRelative, moduleName, phaseName, shortName, elapsedMs, formatDuration } from '../format.js';
import { emptyRunState, buildGraph, interfaceText } from '../graph.js';
import { graphView, fitZoom } from '../graph-view.js';
import { readLiteral, toPlain, typeToString } from '../literals.js';
import { entitiesUrl, entityUrl, executionsUrl, executionUrl } from '../routes.js';

const TITLES = { WORKFLOW: 'Workflows', TASK: 'Tasks', LAUNCH_PLAN: 'Launch plans' };
const SINGULAR = { WORKFLOW: 'workflow', TASK: 'task', LAUNCH_PLAN: 'launch plan' };

function listKey(kind) {
  return kind === 'TASK' ? 'tasks' : kind === 'WORKFLOW' ? 'workflows' : 'launch_plans';
}

/** The interface of an entity: `{ inputs, outputs }` variable maps, and launch plan parameters. */
export function entityInterface(kind, e) {
  if (kind === 'TASK') return e.closure?.compiled_task?.template?.interface ?? {};
  if (kind === 'WORKFLOW') return e.closure?.compiled_workflow?.primary?.template?.interface ?? {};
  const params = e.closure?.expected_inputs?.parameters ?? {};
  return { inputs: { variables: Object.fromEntries(Object.entries(params).map(([k, p]) => [k, p.var ?? {}])) }, outputs: e.closure?.expected_outputs ?? {}, params, fixed: e.spec?.fixed_inputs?.literals ?? {} };
}

function signature(kind, e) {
  const i = entityInterface(kind, e);
  return `(${interfaceText(i.inputs)}) → (${interfaceText(i.outputs)})`;
}

/** The list of one kind of entity. */
export function entitiesView(root, route, app) {
  let state = { route, items: undefined, error: undefined, filter: new URLSearchParams(location.search).get('q') ?? '' };

  const load = async () => {
    const { project, domain, kind } = state.route;
    try {
      const all = [];
      let token = '';
      do {
        const page = await api.listEntities(kind, project, domain, { limit: 500, token });
        all.push(...(page[listKey(kind)] ?? []));
        token = page.token ?? '';
      } while (token && all.length < 5000);
      const byName = new Map();
      for (const e of all) {
        const name = e.id.name;
        if (kind !== 'TASK' && name.startsWith('.flytegen.')) continue;
        const cur = byName.get(name);
        if (!cur) byName.set(name, { latest: e, versions: 1 });
        else cur.versions++;
      }
      state = { ...state, items: [...byName.values()].sort((a, b) => a.latest.id.name.localeCompare(b.latest.id.name)), error: undefined };
    } catch (e) {
      state = { ...state, error: e };
    }
    draw();
  };

  const draw = () => {
    const { project, domain, kind } = state.route;
    const f = state.filter.trim().toLowerCase();
    const items = (state.items ?? []).filter((it) => !f || it.latest.id.name.toLowerCase().includes(f));
    let body;
    if (state.error) body = notice('error', `Could not list ${TITLES[kind].toLowerCase()}`, errorText(state.error));
    else if (!state.items) body = loading();
    else if (state.items.length === 0) body = empty(`No ${TITLES[kind].toLowerCase()} registered in ${project}/${domain}.`, 'Register some: tflyte-sandbox register examples/basic_workflow.ts (run --remote registers too).');
    else if (items.length === 0) body = empty(`No ${SINGULAR[kind]} matches “${state.filter}”.`);
    else
      body = h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'table entities' },
          h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'Interface'), h('th', { scope: 'col', class: 'num' }, 'Versions'), h('th', { scope: 'col' }, 'Registered'), h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')))),
          h(
            'tbody',
            null,
            items.map(({ latest, versions }) =>
              h(
                'tr',
                { key: latest.id.name, dataset: { entity: latest.id.name } },
                h('td', { class: 'col-name' }, h('a', { href: entityUrl(project, domain, kind, latest.id.name), class: 'entity-link' }, shortName(latest.id.name)), h('span', { class: 'wf-module' }, moduleName(latest.id.name))),
                h('td', { class: 'sig mono' }, signature(kind, latest)),
                h('td', { class: 'num' }, String(versions)),
                h('td', { title: formatDate(latest.closure?.created_at) }, formatRelative(latest.closure?.created_at)),
                h('td', { class: 'col-actions' }, button('Launch', () => app.launch({ kind, id: latest.id }), { iconName: 'play', variant: 'ghost', attrs: { 'aria-label': `Launch ${latest.id.name}` } })),
              ),
            ),
          ),
        ),
      );
    render(
      root,
      h(
        'div',
        { class: 'page' },
        h('div', { class: 'page-head' }, h('h1', null, TITLES[kind])),
        h(
          'div',
          { class: 'toolbar', role: 'search' },
          h(
            'label',
            { class: 'field-inline grow' },
            h('span', { class: 'label' }, 'Name'),
            h('input', {
              id: 'f-entity',
              class: 'input',
              type: 'search',
              placeholder: `Filter ${TITLES[kind].toLowerCase()}`,
              value: state.filter,
              onInput: (e) => {
                state = { ...state, filter: e.target.value };
                draw();
              },
            }),
          ),
        ),
        body,
      ),
    );
  };

  draw();
  load();
  return {
    update(next) {
      if (next.kind !== state.route.kind || next.project !== state.route.project || next.domain !== state.route.domain) {
        state = { ...state, route: next, items: undefined, filter: '' };
        draw();
        load();
      }
      return true;
    },
    destroy() {},
  };
}

function interfaceTables(kind, e, defaultLp) {
  const i = entityInterface(kind, e);
  if (defaultLp) i.params = entityInterface('LAUNCH_PLAN', defaultLp).params;
  const inVars = Object.entries(i.inputs?.variables ?? {});
  const outVars = Object.entries(i.outputs?.variables ?? {});
  const fixed = Object.entries(i.fixed ?? {});
  return h(
    'div',
    { class: 'two-col' },
    h(
      'section',
      null,
      h('h2', null, 'Inputs'),
      inVars.length + fixed.length === 0
        ? h('p', { class: 'muted' }, 'No inputs.')
        : h(
            'table',
            { class: 'values' },
            h(
              'tbody',
              null,
              inVars.map(([k, v]) => {
                const p = i.params?.[k];
                return h(
                  'tr',
                  { key: k },
                  h('th', { scope: 'row' }, h('span', { class: 'v-name' }, k), h('span', { class: 'v-type' }, typeToString(v.type))),
                  h('td', null, p?.default ? h('span', null, h('span', { class: 'muted' }, 'default '), h('code', null, JSON.stringify(toPlain(readLiteral(p.default))))) : h('span', { class: 'req' }, 'required')),
                );
              }),
              fixed.map(([k, lit]) => h('tr', { key: `fixed-${k}` }, h('th', { scope: 'row' }, h('span', { class: 'v-name' }, k)), h('td', null, h('span', { class: 'muted' }, 'fixed '), h('code', null, JSON.stringify(toPlain(readLiteral(lit))))))),
            ),
          ),
    ),
    h(
      'section',
      null,
      h('h2', null, 'Outputs'),
      outVars.length === 0
        ? h('p', { class: 'muted' }, 'No outputs.')
        : h('table', { class: 'values' }, h('tbody', null, outVars.map(([k, v]) => h('tr', { key: k }, h('th', { scope: 'row' }, h('span', { class: 'v-name' }, k)), h('td', null, h('span', { class: 'v-type' }, typeToString(v.type))))))),
    ),
  );
}

function executionFilterFor(kind, name) {
  if (kind === 'TASK') return `eq(workflow.name,.flytegen.${name})`;
  if (kind === 'LAUNCH_PLAN') return `eq(launch_plan.name,${name})`;
  return `eq(workflow.name,${name})`;
}

/** The page of one entity. */
export function entityView(root, route, app) {
  const { project, domain, kind, name } = route;
  let versions;
  let selected;
  let entity;
  let execs;
  let error;
  let zoom;

  const versionParam = () => new URLSearchParams(location.search).get('version') ?? undefined;

  let defaultLp;
  // A workflow's defaults live on its default launch plan (same name and version).
  const loadDefaults = async (version) => {
    defaultLp = kind === 'WORKFLOW' ? await api.getEntity('LAUNCH_PLAN', { project, domain, name, version }).catch(() => undefined) : undefined;
  };

  const loadEntity = async (version) => {
    entity = undefined;
    draw();
    try {
      entity = await api.getEntity(kind, { project, domain, name, version });
      selected = version;
      await loadDefaults(version);
    } catch (e) {
      error = e;
    }
    draw();
  };

  const load = async () => {
    try {
      const page = await api.listEntities(kind, project, domain, { name, limit: 200 });
      versions = page[listKey(kind)] ?? [];
      if (versions.length === 0) throw Object.assign(new Error(`no ${SINGULAR[kind]} named ${name} in ${project}/${domain}`), { code: 'NOT_FOUND' });
      const want = versionParam();
      const v = versions.find((x) => x.id.version === want) ?? versions[0];
      selected = v.id.version;
      await loadDefaults(selected);
      entity = v;
      draw();
      const list = await api.listExecutions(project, domain, { filters: executionFilterFor(kind, name), limit: 10 });
      execs = list.executions ?? [];
    } catch (e) {
      error = e;
    }
    draw();
  };

  const details = () => {
    if (kind === 'TASK') {
      const t = entity.closure?.compiled_task?.template ?? {};
      const m = t.metadata ?? {};
      const c = t.container ?? {};
      return facts([
        ['Type', t.type],
        ['Image', c.image ? h('span', { class: 'mono' }, c.image) : undefined],
        ['Retries', String(m.retries?.retries ?? 0)],
        ['Timeout', m.timeout],
        ['Cache', m.discoverable ? `on (version ${m.discovery_version || '—'}${m.cache_serializable ? ', serialized' : ''})` : 'off'],
        ['Eager', m.is_eager ? 'yes' : undefined],
        ['Resources', (c.resources?.limits ?? []).map((r) => `${String(r.name).toLowerCase()} ${r.value}`).join(', ') || undefined],
      ]);
    }
    if (kind === 'LAUNCH_PLAN') {
      const wf = entity.spec?.workflow_id;
      return facts([
        ['Workflow', wf ? h('a', { href: entityUrl(wf.project, wf.domain, 'WORKFLOW', wf.name, wf.version) }, wf.name) : undefined],
        ['State', entity.closure?.state],
      ]);
    }
    const tpl = entity.closure?.compiled_workflow?.primary?.template;
    return facts([
      ['Nodes', String((tpl?.nodes ?? []).filter((n) => n.id !== 'start-node' && n.id !== 'end-node').length)],
      ['On failure', tpl?.metadata?.on_failure === 'FAIL_AFTER_EXECUTABLE_NODES_COMPLETE' ? 'finish other nodes, then fail' : 'fail at once'],
    ]);
  };

  const draw = () => {
    if (error && !entity) {
      render(root, h('div', { class: 'page' }, notice('error', `Could not open ${SINGULAR[kind]} ${name}`, errorText(error)), h('p', null, h('a', { href: entitiesUrl(project, domain, kind) }, `All ${TITLES[kind].toLowerCase()}`))));
      return;
    }
    if (!entity) {
      render(root, h('div', { class: 'page' }, loading()));
      return;
    }
    let graph = null;
    if (kind === 'WORKFLOW' && entity.closure?.compiled_workflow) {
      const g = buildGraph(entity.closure.compiled_workflow, emptyRunState());
      zoom ??= fitZoom(g, root.clientWidth - 50);
      graph = h('section', null, h('h2', null, 'Graph'), graphView(g, { static: true, selected: undefined, onSelect: () => {}, now: Date.now(), zoom, onZoom: (z) => ((zoom = z === 'fit' ? fitZoom(g, root.clientWidth - 50) : z), draw()) }));
    }
    const versionSelect = h(
      'select',
      { class: 'input mono', 'aria-label': 'Version', value: selected, onChange: (e) => (app.navigate(entityUrl(project, domain, kind, name, e.target.value), { replace: true, silent: true }), loadEntity(e.target.value)) },
      (versions ?? []).map((v) => h('option', { value: v.id.version, selected: v.id.version === selected }, `${v.id.version} · ${formatDate(v.closure?.created_at)}`)),
    );
    const recent =
      execs === undefined
        ? loading()
        : execs.length === 0
          ? h('p', { class: 'muted' }, 'Not run yet.')
          : h('div', { class: 'table-wrap' }, h(
              'table',
              { class: 'table compact' },
              h(
                'tbody',
                null,
                execs.map((ex) => {
                  const ph = phaseName(ex.closure?.phase);
                  return h('tr', { key: ex.id.name }, h('td', null, phaseBadge(ph, { small: true })), h('td', null, h('a', { href: executionUrl(ex.id), class: 'mono' }, ex.id.name)), h('td', { title: formatDate(ex.closure?.created_at) }, formatRelative(ex.closure?.created_at)), h('td', { class: 'num' }, formatDuration(elapsedMs(ex.closure, ph))));
                }),
              ),
            ));
    render(
      root,
      h(
        'div',
        { class: 'page entity-page' },
        h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, h('a', { href: entitiesUrl(project, domain, kind) }, TITLES[kind]), h('span', { 'aria-hidden': 'true' }, '/'), h('span', { 'aria-current': 'page' }, name)),
        h(
          'div',
          { class: 'title-row' },
          h('h1', null, shortName(name)),
          h('span', { class: 'pill' }, SINGULAR[kind]),
          h('div', { class: 'spacer' }),
          h('label', { class: 'field-inline' }, h('span', { class: 'label' }, 'Version'), versionSelect),
          button('Launch', () => app.launch({ kind, id: entity.id }), { variant: 'primary', iconName: 'play' }),
        ),
        h('p', { class: 'muted mono small' }, name),
        details(),
        interfaceTables(kind, entity, defaultLp),
        graph,
        h('section', null, h('div', { class: 'section-head' }, h('h2', null, 'Recent executions'), h('a', { href: executionsUrl(project, domain, { q: kind === 'TASK' ? `.flytegen.${name}` : name, all: '1' }) }, 'All executions')), recent),
      ),
    );
  };

  draw();
  load();
  return {
    update(next) {
      return next.name === name && next.kind === kind && next.project === project && next.domain === domain;
    },
    destroy() {},
  };
}
