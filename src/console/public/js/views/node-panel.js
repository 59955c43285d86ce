// The panel beside the graph for one node: overview (phase, timing, cache, error, children),
// inputs and outputs, attempts (task executions) and logs, streamed while the attempt runs.

import { api, logUrl } from '../api.js';
import { copyButton, errorText, facts, icon, loading, notice, phaseBadge, tabs } from '../components.js';
import { h } from '../dom.js';
import { cacheLabel, elapsedMs, formatDate, formatDuration, isTerminal, phaseLabel, phaseName, shortName } from '../format.js';
import { entityUrl, executionUrl } from '../routes.js';
import { literalTable } from '../values.js';

const MAX_LOG_CHARS = 2_000_000;

/** "1 line", "12 lines", or "no output" for an empty log (the pane itself says "(empty log)"). */
export function lineCount(text) {
  const n = text === '' ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  return n === 0 ? 'no output' : n === 1 ? '1 line' : `${n} lines`;
}

/** Streams (or reads) one attempt's log into memory; calls `onChange` as text arrives. */
class LogStream {
  constructor(attempt, index, onChange) {
    this.attempt = attempt;
    this.index = index;
    this.text = '';
    this.state = 'loading'; // loading | streaming | done | error
    this.error = undefined;
    this.onChange = onChange;
    this.ctrl = new AbortController();
    this.startedAt = Date.now();
    this.tries = 0;
    this.start();
  }

  async start() {
    const follow = !isTerminal(phaseName(this.attempt.closure?.phase, 'task'));
    try {
      const res = await fetch(logUrl(this.attempt.id, this.index, follow), { signal: this.ctrl.signal, cache: 'no-store' });
      if (!res.ok) {
        let msg = `${res.status} ${res.statusText}`;
        try {
          const j = await res.json();
          msg = j.error?.message ?? msg;
        } catch {
          // not JSON
        }
        this.state = 'error';
        this.error = msg;
        this.onChange();
        return;
      }
      this.state = follow ? 'streaming' : 'loading';
      this.onChange();
      const reader = res.body.getReader();
      const dec = new TextDecoder();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        this.append(dec.decode(value, { stream: true }));
      }
      this.append(dec.decode());
      this.state = 'done';
      this.onChange();
    } catch (e) {
      if (e.name === 'AbortError') return;
      this.state = 'error';
      this.error = e.message;
      this.onChange();
    }
  }

  append(chunk) {
    if (!chunk) return;
    this.text += chunk;
    if (this.text.length > MAX_LOG_CHARS) this.text = `… (earlier output cut)\n${this.text.slice(-MAX_LOG_CHARS)}`;
    this.onChange();
  }

  stop() {
    this.ctrl.abort();
  }
}

/** The node panel's state and rendering; owned by the execution page. */
export class NodePanel {
  constructor(execId, onChange) {
    this.execId = execId;
    this.onChange = onChange;
    this.uniqueId = undefined;
    this.tab = 'overview';
    this.data = undefined;
    this.dataError = undefined;
    this.dataPhase = undefined;
    this.attemptIndex = undefined;
    this.log = undefined;
    this.stickToBottom = true;
  }

  /** Shows another node (or none), resetting what was loaded for the previous one. */
  select(uniqueId, tab) {
    if (uniqueId !== this.uniqueId) {
      this.log?.stop();
      this.log = undefined;
      this.data = undefined;
      this.dataError = undefined;
      this.dataPhase = undefined;
      this.attemptIndex = undefined;
      this.uniqueId = uniqueId;
    }
    if (tab) this.tab = tab;
  }

  close() {
    this.select(undefined);
  }

  /** Called on every refresh with the node's latest model; loads data and logs as needed. */
  sync(node, attempts) {
    if (!node || node.uniqueId !== this.uniqueId) return;
    if (node.exec && this.dataPhase !== node.phase && (this.tab === 'io' || this.data === undefined)) {
      this.dataPhase = node.phase;
      api
        .getNodeData(this.execId, node.uniqueId)
        .then((d) => {
          this.data = d;
          this.dataError = undefined;
          this.onChange();
        })
        .catch((e) => {
          this.dataError = e;
          this.onChange();
        });
    }
    if (this.tab === 'logs') this.ensureLog(attempts);
  }

  ensureLog(attempts) {
    if (!attempts || attempts.length === 0) return;
    const idx = Math.min(this.attemptIndex ?? attempts.length - 1, attempts.length - 1);
    const attempt = attempts[idx];
    if (!(attempt.closure?.logs ?? []).some((l) => (l.uri ?? '').startsWith('file:'))) return;
    const prev = this.log;
    if (prev && prev.attempt.id.retry_attempt === attempt.id.retry_attempt) {
      // Retry only a failed read (the file may not exist yet), a few times, not in a tight loop.
      if (prev.state !== 'error' || prev.tries >= 20 || Date.now() - prev.startedAt < 1500) return;
    }
    prev?.stop();
    this.stickToBottom = true;
    this.log = new LogStream(attempt, 0, () => this.onChange());
    this.log.tries = prev && prev.attempt.id.retry_attempt === attempt.id.retry_attempt ? prev.tries + 1 : 0;
  }

  setTab(tab, attempts) {
    this.tab = tab;
    if (tab === 'logs') this.ensureLog(attempts);
    this.onChange();
  }

  /** Renders the panel for `node` (a graph node) with its attempts. */
  render(node, attempts, ctx) {
    if (!node) return null;
    const tabItems = [
      { key: 'overview', label: 'Overview' },
      { key: 'io', label: 'Inputs & outputs' },
      { key: 'attempts', label: 'Attempts', count: attempts?.length ?? 0 },
      { key: 'logs', label: 'Logs' },
    ];
    let body;
    switch (this.tab) {
      case 'io':
        body = this.renderData(node);
        break;
      case 'attempts':
        body = this.renderAttempts(node, attempts);
        break;
      case 'logs':
        body = this.renderLogs(node, attempts);
        break;
      default:
        body = this.renderOverview(node, attempts, ctx);
    }
    return h(
      'aside',
      { class: 'panel', 'aria-label': `Node ${node.label}`, dataset: { node: node.uniqueId } },
      h(
        'div',
        { class: 'panel-head' },
        h('div', { class: 'panel-title' }, h('h2', null, node.label), h('span', { class: 'muted mono' }, node.uniqueId)),
        phaseBadge(node.phase),
        h('button', { type: 'button', class: 'btn btn-icon', title: 'Close (Esc)', 'aria-label': 'Close node panel', onClick: ctx.onClose }, icon('close')),
      ),
      tabs('node', tabItems, this.tab, (t) => this.setTab(t, attempts)),
      h('div', { class: 'panel-body', id: 'node-panel', role: 'tabpanel', 'aria-labelledby': `node-tab-${this.tab}` }, body),
    );
  }

  renderOverview(node, attempts, ctx) {
    const c = node.exec?.closure;
    const ref = node.node?.task_node?.reference_id ?? node.node?.workflow_node?.launchplan_ref ?? node.node?.workflow_node?.sub_workflow_ref;
    const refKind = node.node?.task_node ? 'TASK' : node.node?.workflow_node?.launchplan_ref ? 'LAUNCH_PLAN' : 'WORKFLOW';
    const ms = c ? elapsedMs(c, node.phase, ctx.now) : undefined;
    const err = c?.error;
    const cache = c?.task_node_metadata?.cache_status;
    const rows = [
      ['Kind', node.kind === 'array' ? 'map' : node.kind],
      ['Entity', ref ? h('a', { href: entityUrl(ref.project, ref.domain, refKind, ref.name, ref.version) }, ref.name) : undefined],
      ['Version', ref?.version ? h('span', { class: 'mono' }, ref.version) : undefined],
      ['Started', c?.started_at ? formatDate(c.started_at) : undefined],
      ['Duration', ms === undefined ? undefined : formatDuration(ms)],
      ['Attempts', attempts?.length ? String(attempts.length) : undefined],
      ['Cache', node.node?.task_node ? h('span', { class: ['cache', `cache-${(cache ?? 'CACHE_DISABLED').toLowerCase()}`] }, cacheLabel(cache)) : undefined],
      ['Child execution', node.childExecution ? h('a', { href: executionUrl(node.childExecution) }, node.childExecution.name) : undefined],
    ];
    const extra = [];
    if (err) extra.push(errorBox(err));
    if (node.cases) {
      extra.push(
        h('h3', null, 'Cases'),
        h(
          'ul',
          { class: 'case-list' },
          node.cases.map((cs) =>
            h('li', { class: `case-${cs.state}` }, h('strong', null, cs.label), ' ', cs.condition ? h('code', null, cs.condition) : null, ' → ', cs.node ? cs.node.label : `fail: ${cs.error}`, ' ', h('span', { class: 'muted' }, `(${cs.state})`)),
          ),
        ),
      );
    }
    if (node.graph) {
      const kids = node.graph.nodes.filter((n) => n.kind !== 'start' && n.kind !== 'end');
      const ok = kids.filter((n) => n.phase === 'SUCCEEDED').length;
      extra.push(h('p', { class: 'muted' }, `${kids.length} child node${kids.length === 1 ? '' : 's'}, ${ok} succeeded.`));
    }
    if (node.items) {
      const ok = node.items.filter((i) => i.phase === 'SUCCEEDED').length;
      extra.push(h('p', { class: 'muted' }, `${node.items.length} map item${node.items.length === 1 ? '' : 's'}, ${ok} succeeded.`));
    }
    if (node.kind === 'eager') extra.push(h('h3', null, 'Child executions'), eagerTable(node, ctx.now));
    return h('div', null, facts(rows), ...extra);
  }

  renderData(node) {
    if (!node.exec) return h('p', { class: 'muted' }, 'This node has not run.');
    if (this.dataError) return notice('error', 'Could not load the data', errorText(this.dataError));
    if (!this.data) return loading();
    const iface = node.taskTemplate?.interface;
    const failed = node.phase === 'FAILED' || node.phase === 'TIMED_OUT';
    return h(
      'div',
      { class: 'io' },
      h('h3', null, 'Inputs'),
      literalTable(this.data.full_inputs, iface?.inputs, 'No inputs.'),
      h('h3', null, 'Outputs'),
      failed && !this.data.full_outputs?.literals ? h('p', { class: 'muted' }, 'None: the node failed.') : literalTable(this.data.full_outputs, iface?.outputs, isTerminal(node.phase) ? 'No outputs.' : 'Not yet.'),
    );
  }

  renderAttempts(node, attempts) {
    if (!attempts || attempts.length === 0) return h('p', { class: 'muted' }, node.node?.task_node || node.kind === 'array' ? 'No attempts yet.' : 'This kind of node runs no task itself.');
    return h(
      'ol',
      { class: 'attempts' },
      attempts.map((te, i) => {
        const phase = phaseName(te.closure?.phase, 'task');
        const ms = elapsedMs(te.closure, phase);
        const logs = te.closure?.logs ?? [];
        return h(
          'li',
          { class: 'attempt', key: String(te.id.retry_attempt ?? i) },
          h('div', { class: 'attempt-head' }, h('strong', null, `Attempt ${(te.id.retry_attempt ?? i) + 1}`), phaseBadge(phase, { small: true }), h('span', { class: 'muted' }, `${formatDate(te.closure?.started_at)} · ${formatDuration(ms)}`)),
          te.closure?.reason ? h('p', { class: 'muted' }, te.closure.reason) : null,
          warmContainer(te) ? h('p', { class: 'muted attempt-container' }, `Ran in warm container ${warmContainer(te)}`) : null,
          te.closure?.error ? errorBox(te.closure.error) : null,
          h(
            'div',
            { class: 'attempt-logs' },
            logs.length === 0 ? h('span', { class: 'muted' }, 'No logs recorded.') : null,
            logs.map((l, li) =>
              (l.uri ?? '').startsWith('file:')
                ? h(
                    'button',
                    {
                      type: 'button',
                      class: 'btn btn-plain',
                      onClick: () => {
                        this.attemptIndex = i;
                        this.log?.stop();
                        this.log = undefined;
                        this.setTab('logs', attempts);
                      },
                    },
                    icon('file'),
                    `View ${l.name || 'log'}`,
                  )
                : h('a', { class: 'btn btn-plain', href: l.uri, target: '_blank', rel: 'noopener', key: String(li) }, icon('external'), l.name || l.uri),
            ),
          ),
        );
      }),
    );
  }

  renderLogs(node, attempts) {
    if (!attempts || attempts.length === 0) return h('p', { class: 'muted' }, node.phase === 'UNDEFINED' || node.phase === 'QUEUED' ? 'The task has not started yet.' : 'No attempts, so no logs.');
    const idx = Math.min(this.attemptIndex ?? attempts.length - 1, attempts.length - 1);
    const attempt = attempts[idx];
    const picker =
      attempts.length > 1
        ? h(
            'label',
            { class: 'field-inline' },
            h('span', { class: 'label' }, 'Attempt'),
            h(
              'select',
              {
                class: 'input',
                value: String(idx),
                onChange: (e) => {
                  this.attemptIndex = Number(e.target.value);
                  this.ensureLog(attempts);
                  this.onChange();
                },
              },
              attempts.map((te, i) => h('option', { value: String(i), selected: i === idx }, `Attempt ${(te.id.retry_attempt ?? i) + 1} (${phaseLabel(phaseName(te.closure?.phase, 'task'))})`)),
            ),
          )
        : null;
    const log = this.log;
    const status = !log
      ? h('span', { class: 'muted' }, (attempt.closure?.logs ?? []).length ? 'Opening…' : 'No log recorded for this attempt yet.')
      : log.state === 'streaming'
        ? h('span', { class: 'live-label' }, h('span', { class: 'live-dot', 'aria-hidden': 'true' }), 'Following')
        : log.state === 'error'
          ? h('span', { class: 'text-error' }, log.error)
          : log.state === 'done'
            ? h('span', { class: 'muted' }, lineCount(log.text))
            : h('span', { class: 'muted' }, 'Loading…');
    const rawHref = logUrl(attempt.id, 0, false);
    const onScroll = (e) => {
      const el = e.currentTarget;
      this.stickToBottom = el.scrollTop + el.clientHeight >= el.scrollHeight - 8;
    };
    return h(
      'div',
      { class: 'logs' },
      h('div', { class: 'logs-bar' }, picker, status, h('span', { class: 'spacer' }), h('a', { href: rawHref, target: '_blank', rel: 'noopener', class: 'btn btn-plain' }, icon('external'), 'Raw')),
      h('pre', { class: 'log', tabindex: '0', 'aria-label': 'Log output', 'aria-live': 'off', onScroll, dataset: { stick: this.stickToBottom ? '1' : '0' } }, log?.text ? log.text : h('span', { class: 'muted' }, log?.state === 'done' ? '(empty log)' : '')),
    );
  }

  destroy() {
    this.log?.stop();
  }
}

/** An error document: kind, code and message. */
export function errorBox(err) {
  const kind = err.kind ?? 'UNKNOWN';
  return h(
    'div',
    { class: 'error-box', role: 'alert' },
    h('div', { class: 'error-head' }, h('span', { class: ['kind', `kind-${String(kind).toLowerCase()}`] }, `${kind === 'USER' ? 'User' : kind === 'SYSTEM' ? 'System' : 'Unknown'} error`), err.code ? h('code', null, err.code) : null, copyButton(err.message ?? '', 'Copy message')),
    h('pre', { class: 'error-message' }, err.message ?? ''),
  );
}

function eagerTable(node, now) {
  const list = node.executions ?? [];
  if (list.length === 0) return h('p', { class: 'muted' }, 'None yet. Each awaited call of an eager workflow becomes a child execution.');
  return h(
    'table',
    { class: 'table compact' },
    h(
      'tbody',
      null,
      list.map((e) =>
        h(
          'tr',
          { key: e.id.name },
          h('td', null, phaseBadge(e.phase, { small: true })),
          h('td', null, h('div', { class: 'child-exec' }, h('a', { href: executionUrl(e.id) }, shortName(e.label)), h('span', { class: 'mono muted small' }, e.id.name))),
          h('td', { class: 'num' }, formatDuration(elapsedMs(e.closure, e.phase, now))),
        ),
      ),
    ),
  );
}

/** The reusable container an attempt ran in (Flyte's external resource id), if it ran in one. */
function warmContainer(te) {
  return te.closure?.metadata?.external_resources?.[0]?.external_id;
}
