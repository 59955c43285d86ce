// One execution: header (phase, duration, actions), error, and tabs for the graph, the timeline,
// a table of nodes and the inputs/outputs; the node panel opens beside them.

import { api } from '../api.js';
import { button, copyButton, errorText, facts, loading, notice, phaseBadge, tabs } from '../components.js';
import { h, render } from '../dom.js';
import { cacheLabel, elapsedMs, formatDate, formatDuration, isTerminal, phaseLabel, shortName, timeMs } from '../format.js';
import { findNode, walkGraph } from '../graph.js';
import { fitZoom, graphView } from '../graph-view.js';
import { poll } from '../poll.js';
import { createRunLoader } from '../run-loader.js';
import { entityUrl, executionsUrl, executionUrl } from '../routes.js';
import { timelineView } from '../timeline.js';
import { literalTable } from '../values.js';
import { errorBox, NodePanel } from './node-panel.js';

const TABS = ['graph', 'timeline', 'nodes', 'io'];

function readQuery() {
  const q = new URLSearchParams(location.search);
  return { node: q.get('node') || undefined, tab: TABS.includes(q.get('tab')) ? q.get('tab') : 'graph', panelTab: q.get('panel') || undefined };
}

/** The execution page. */
export function executionView(root, route, app) {
  const id = { project: route.project, domain: route.domain, name: route.name };
  const loader = createRunLoader(api, id);
  let snap;
  let error;
  let zoom = 1;
  // Until the user zooms, the graph is fitted to the width on every refresh (dynamic graphs grow).
  let userZoomed = false;
  let query = readQuery();
  const panel = new NodePanel(id, () => draw());
  panel.select(query.node, query.panelTab);

  const setQuery = (patch) => {
    query = { ...query, ...patch };
    app.navigate(executionUrl(id, { tab: query.tab === 'graph' ? undefined : query.tab, node: query.node }), { replace: true, silent: true });
    draw();
  };
  const selectNode = (uniqueId) => {
    const next = query.node === uniqueId ? undefined : uniqueId;
    panel.select(next);
    setQuery({ node: next });
    if (next) syncPanel();
  };
  const closePanel = () => {
    const was = query.node;
    panel.close();
    setQuery({ node: undefined });
    if (!was) return;
    // Back to the node the panel was about, at once (draw() has rendered it); a graph not drawn
    // yet gets it on the next frame.
    const target = () => root.querySelector(`[data-node="${CSS.escape(was)}"] .gnode-head, button[data-node="${CSS.escape(was)}"]`);
    const el = target();
    if (el) el.focus();
    else requestAnimationFrame(() => target()?.focus());
  };
  const syncPanel = () => {
    if (!snap || !query.node) return;
    const node = findNode(snap.graph, query.node);
    panel.sync(node, snap.run.tasks.get(query.node));
  };

  // The width the graph can use: its scroll box, or (before the first draw) the page.
  const graphWidth = () => root.querySelector('.graph-scroll')?.clientWidth ?? root.clientWidth - 50;

  const load = async () => {
    try {
      snap = await loader.refresh();
      error = undefined;
      // Fit wide graphs, but not below a readable size (the rest scrolls).
      if (!userZoomed && snap.graph.nodes.length) zoom = Math.max(0.5, fitZoom(snap.graph, graphWidth()));
      syncPanel();
    } catch (e) {
      error = e;
    }
    draw();
    return error ? true : snap.live;
  };

  const relaunch = async () => {
    try {
      const r = await api.relaunch(id);
      app.toast(`Relaunched as ${r.id.name}`);
      app.navigate(executionUrl(r.id));
    } catch (e) {
      app.toast(errorText(e), 'error');
    }
  };
  const recover = async () => {
    try {
      const r = await api.recover(id);
      app.toast(`Recovering as ${r.id.name}: nodes that succeeded are not run again`);
      app.navigate(executionUrl(r.id));
    } catch (e) {
      app.toast(errorText(e), 'error');
    }
  };
  const terminate = async () => {
    const ok = await app.confirm({ title: `Terminate ${id.name}?`, body: 'Running tasks are stopped and the execution ends as Aborted.', confirm: 'Terminate', danger: true, withCause: true });
    if (!ok) return;
    try {
      await api.terminate(id, ok.cause || 'terminated from the console');
      app.toast('Terminating…');
      poller.resume();
    } catch (e) {
      app.toast(errorText(e), 'error');
    }
  };
  const launchAgain = () => {
    const lp = snap?.exec?.spec?.launch_plan;
    if (!lp) return;
    app.launch({ kind: lp.resource_type === 'TASK' ? 'TASK' : 'LAUNCH_PLAN', id: lp, initial: snap.data?.full_inputs, title: 'Launch with new inputs' });
  };

  const header = () => {
    const exec = snap.exec;
    const phase = snap.phase;
    const c = exec.closure ?? {};
    const wfId = c.workflow_id;
    const lp = exec.spec?.launch_plan;
    const parent = exec.spec?.metadata?.parent_node_execution?.execution_id;
    const eagerParent = exec.spec?.labels?.values?.['eager-exec'];
    const ms = elapsedMs(c, phase, Date.now());
    const single = wfId?.name?.startsWith('.flytegen.');
    return h(
      'div',
      { class: 'exec-head' },
      h(
        'nav',
        { class: 'crumbs', 'aria-label': 'Breadcrumb' },
        h('a', { href: executionsUrl(id.project, id.domain) }, 'Executions'),
        h('span', { 'aria-hidden': 'true' }, '/'),
        h('span', { class: 'mono', 'aria-current': 'page' }, id.name),
        copyButton(id.name, 'Copy execution name'),
      ),
      h(
        'div',
        { class: 'title-row' },
        h('h1', null, shortName(wfId?.name ?? lp?.name ?? id.name)),
        phaseBadge(phase, { title: phaseLabel(phase) }),
        h('div', { class: 'spacer' }),
        h(
          'div',
          { class: 'actions' },
          button('Relaunch', relaunch, { iconName: 'refresh', title: 'Run again with the same inputs' }),
          phase === 'FAILED' || phase === 'ABORTED' || phase === 'TIMED_OUT'
            ? button('Recover', recover, { iconName: 'refresh', title: 'Run again, reusing the outputs of the nodes that succeeded' })
            : null,
          button('New inputs…', launchAgain, { iconName: 'play', title: 'Launch again with changed inputs' }),
          isTerminal(phase) || phase === 'ABORTING' ? null : button('Terminate', terminate, { variant: 'danger', iconName: 'stop' }),
        ),
      ),
      facts([
        [single ? 'Task' : 'Workflow', wfId ? h('a', { href: entityUrl(wfId.project, wfId.domain, single ? 'TASK' : 'WORKFLOW', single ? wfId.name.slice('.flytegen.'.length) : wfId.name) }, wfId.name.replace(/^\.flytegen\./, '')) : undefined],
        ['Launch plan', lp && !single && lp.resource_type === 'LAUNCH_PLAN' && lp.name !== wfId?.name ? h('a', { href: entityUrl(lp.project, lp.domain, 'LAUNCH_PLAN', lp.name) }, lp.name) : undefined],
        ['Version', wfId?.version ? h('span', { class: 'mono' }, wfId.version) : undefined],
        ['Started', c.started_at ? formatDate(c.started_at) : formatDate(c.created_at)],
        ['Duration', h('span', { class: 'num', dataset: { testid: 'duration' } }, ms === undefined ? '—' : formatDuration(ms))],
        ['Launched by', `${exec.spec?.metadata?.principal || 'unknown'} (${String(exec.spec?.metadata?.mode ?? 'MANUAL').toLowerCase()})`],
        ['Parent', parent?.name || eagerParent ? h('a', { href: executionUrl({ ...id, name: parent?.name || eagerParent }) }, parent?.name || eagerParent) : undefined],
        ['Abort cause', c.abort_metadata?.cause],
      ]),
    );
  };

  const nodesTable = () => {
    const rows = [...walkGraph(snap.graph)].filter(({ node }) => node.kind !== 'start' && node.kind !== 'end');
    return h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'table nodes compact' },
        h('thead', null, h('tr', null, ['Phase', 'Node', 'Kind', 'Started', 'Duration', 'Cache'].map((t) => h('th', { scope: 'col', class: t === 'Duration' ? 'num' : undefined }, t)))),
        h(
          'tbody',
          null,
          rows.map(({ node, depth }) =>
            h(
              'tr',
              { key: node.uniqueId, class: query.node === node.uniqueId ? 'selected' : '', dataset: { node: node.uniqueId, phase: node.phase } },
              h('td', null, phaseBadge(node.phase, { small: true })),
              h(
                'td',
                { style: { paddingLeft: `${12 + depth * 16}px` } },
                h('button', { type: 'button', class: 'linklike', onClick: () => selectNode(node.uniqueId) }, node.label),
                h('span', { class: 'muted mono small' }, ` ${node.uniqueId}`),
              ),
              h('td', null, node.kind === 'array' ? 'map' : node.kind),
              h('td', null, node.exec?.closure?.started_at ? formatDate(node.exec.closure.started_at) : '—'),
              h('td', { class: 'num' }, node.exec ? formatDuration(elapsedMs(node.exec.closure, node.phase)) : '—'),
              h('td', null, node.node?.task_node ? cacheLabel(node.exec?.closure?.task_node_metadata?.cache_status) : ''),
            ),
          ),
        ),
      ),
    );
  };

  const ioTab = () => {
    const iface = snap.workflow?.closure?.compiled_workflow?.primary?.template?.interface;
    const d = snap.data;
    if (!d) return loading();
    return h(
      'div',
      { class: 'io two-col' },
      h('section', null, h('h2', null, 'Inputs'), literalTable(d.full_inputs, iface?.inputs, 'No inputs.')),
      h(
        'section',
        null,
        h('h2', null, 'Outputs'),
        snap.exec.closure?.error ? h('p', { class: 'muted' }, 'None: the execution failed.') : literalTable(d.full_outputs, iface?.outputs, isTerminal(snap.phase) ? 'No outputs.' : 'Not yet: the execution is still running.'),
      ),
    );
  };

  const draw = () => {
    if (!snap) {
      render(root, h('div', { class: 'page' }, error ? notice('error', `Could not open execution ${id.name}`, errorText(error), h('p', null, h('a', { href: executionsUrl(id.project, id.domain) }, 'Back to the executions'))) : loading('Loading execution…')));
      return;
    }
    const now = Date.now();
    const selected = query.node ? findNode(snap.graph, query.node) : undefined;
    const ctx = {
      selected: query.node,
      onSelect: selectNode,
      now,
      zoom,
      onZoom: (z) => {
        zoom = z === 'fit' ? fitZoom(snap.graph, graphWidth()) : z;
        userZoomed = true;
        draw();
      },
      execStart: timeMs(snap.exec.closure?.started_at),
    };
    const tabItems = [
      { key: 'graph', label: 'Graph', iconName: 'graph' },
      { key: 'timeline', label: 'Timeline', iconName: 'timeline' },
      { key: 'nodes', label: 'Nodes', iconName: 'list' },
      { key: 'io', label: 'Inputs & outputs' },
    ];
    let tabBody;
    if (!snap.workflow && query.tab !== 'io') tabBody = notice('warn', 'The workflow of this execution is not available', 'Its closure could not be read, so there is no graph.');
    else if (query.tab === 'timeline') tabBody = timelineView(snap.graph, snap.run, ctx);
    else if (query.tab === 'nodes') tabBody = nodesTable();
    else if (query.tab === 'io') tabBody = ioTab();
    else tabBody = graphView(snap.graph, ctx);
    const err = snap.exec.closure?.error;
    render(
      root,
      h(
        'div',
        { class: ['page', 'exec-page', selected ? 'with-panel' : ''], dataset: { phase: snap.phase } },
        header(),
        err ? errorBox(err) : null,
        error ? notice('warn', null, `Live updates paused: ${errorText(error)}`) : null,
        h(
          'div',
          { class: 'exec-body' },
          h(
            'section',
            { class: 'exec-main' },
            tabs('exec', tabItems, query.tab, (t) => setQuery({ tab: t })),
            h('div', { class: 'tab-panel', id: 'exec-panel', role: 'tabpanel', 'aria-labelledby': `exec-tab-${query.tab}` }, tabBody),
          ),
          selected ? panel.render(selected, snap.run.tasks.get(selected.uniqueId), { now, onClose: closePanel }) : null,
        ),
      ),
    );
    const log = root.querySelector('pre.log');
    if (log && panel.stickToBottom) log.scrollTop = log.scrollHeight;
  };

  const onKey = (e) => {
    if (e.key === 'Escape' && query.node && !document.querySelector('dialog[open]')) closePanel();
  };
  document.addEventListener('keydown', onKey);
  draw();
  const poller = poll(load, 1000);

  return {
    update(next) {
      if (next.name !== id.name || next.project !== id.project || next.domain !== id.domain) return false;
      query = readQuery();
      panel.select(query.node, query.panelTab);
      syncPanel();
      draw();
      return true;
    },
    destroy() {
      poller.stop();
      panel.destroy();
      document.removeEventListener('keydown', onKey);
    },
  };
}
