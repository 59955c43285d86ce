// The timeline (Gantt) of an execution: one row per node (nested children indented, eager child
// executions under their node), one bar per attempt (task execution), on a shared time axis.

import { h } from './dom.js';
import { durationMs, formatDuration, isTerminal, phaseLabel, phaseTone, timeMs } from './format.js';
import { walkGraph } from './graph.js';
import { executionUrl } from './routes.js';

function span(closure, phase, now) {
  const start = timeMs(closure?.started_at) ?? timeMs(closure?.created_at);
  if (start === undefined) return undefined;
  const d = durationMs(closure?.duration);
  const end = isTerminal(phase) ? start + d : Math.max(start + d, now);
  return { start, end };
}

/**
 * Rows of the timeline from a graph and the attempts known for its nodes:
 * `[{ key, label, depth, uniqueId?, href?, bars: [{ start, end, phase, title }] }]`.
 */
export function timelineRows(graph, state, now = Date.now()) {
  const rows = [];
  for (const { node, depth } of walkGraph(graph)) {
    if (node.kind === 'start' || node.kind === 'end' || !node.exec || node.phase === 'SKIPPED') continue;
    const attempts = state.tasks.get(node.uniqueId) ?? [];
    const bars = [];
    for (const te of attempts) {
      const phase = te.closure?.phase ?? 'UNDEFINED';
      const sp = span(te.closure, phase, now);
      if (sp) bars.push({ ...sp, phase, title: `attempt ${te.id?.retry_attempt ?? 0}: ${phaseLabel(phase)}, ${formatDuration(sp.end - sp.start)}` });
    }
    if (bars.length === 0) {
      const sp = span(node.exec.closure, node.phase, now);
      if (sp) bars.push({ ...sp, phase: node.phase, title: `${phaseLabel(node.phase)}, ${formatDuration(sp.end - sp.start)}` });
    }
    rows.push({ key: node.uniqueId, label: node.label, sub: node.id, depth, uniqueId: node.uniqueId, bars });
    for (const e of node.executions ?? []) {
      const sp = span(e.closure, e.phase, now);
      rows.push({
        key: `exec:${e.id.name}`,
        label: e.label,
        sub: e.id.name,
        depth: depth + 1,
        href: executionUrl(e.id),
        bars: sp ? [{ ...sp, phase: e.phase, title: `${e.id.name}: ${phaseLabel(e.phase)}, ${formatDuration(sp.end - sp.start)}` }] : [],
      });
    }
  }
  return rows;
}

function ticks(total) {
  const steps = [100, 250, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000];
  const step = steps.find((s) => total / s <= 6) ?? 3_600_000 * Math.ceil(total / 3_600_000 / 6);
  const out = [];
  for (let t = 0; t <= total + 1; t += step) out.push(t);
  return out;
}

/** The timeline view. `ctx` = { now, selected, onSelect(uniqueId), execStart (ms) }. */
export function timelineView(graph, state, ctx) {
  const rows = timelineRows(graph, state, ctx.now);
  if (rows.length === 0) return h('div', { class: 'empty' }, h('p', { class: 'empty-title' }, 'Nothing has run yet.'));
  const starts = rows.flatMap((r) => r.bars.map((b) => b.start));
  const t0 = Math.min(ctx.execStart ?? Infinity, ...starts);
  const t1 = Math.max(t0 + 1, ...rows.flatMap((r) => r.bars.map((b) => b.end)));
  const total = t1 - t0;
  const pct = (t) => `${(((t - t0) / total) * 100).toFixed(3)}%`;
  return h(
    'div',
    { class: 'timeline', role: 'table', 'aria-label': 'Timeline of node attempts' },
    h(
      'div',
      { class: 'tl-row tl-axis', role: 'row' },
      h('div', { class: 'tl-label', role: 'columnheader' }, 'Node'),
      h('div', { class: 'tl-track', role: 'columnheader' }, ticks(total).map((t) => h('span', { class: 'tl-tick', key: String(t), style: { left: `${((t / total) * 100).toFixed(3)}%` } }, formatDuration(t)))),
    ),
    rows.map((r) => {
      const labelInner = [h('span', { class: 'tl-name' }, r.label), h('span', { class: 'tl-sub' }, r.sub)];
      const label = r.href
        ? h('a', { href: r.href, class: 'tl-label-btn' }, ...labelInner)
        : h('button', { type: 'button', class: ['tl-label-btn', ctx.selected === r.uniqueId ? 'selected' : ''], onClick: () => ctx.onSelect(r.uniqueId) }, ...labelInner);
      return h(
        'div',
        { class: 'tl-row', role: 'row', key: r.key, dataset: { node: r.uniqueId } },
        h('div', { class: 'tl-label', role: 'cell', style: { paddingLeft: `${8 + r.depth * 16}px` } }, label),
        h(
          'div',
          { class: 'tl-track', role: 'cell' },
          r.bars.map((b, i) =>
            h('span', {
              key: String(i),
              class: ['tl-bar', `tone-${phaseTone(b.phase)}`, isTerminal(b.phase) ? '' : 'live'],
              style: { left: pct(b.start), width: `max(3px, ${(((b.end - b.start) / total) * 100).toFixed(3)}%)` },
              title: b.title,
            }),
          ),
        ),
      );
    }),
  );
}
