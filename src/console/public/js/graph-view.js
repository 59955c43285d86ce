// Draws a laid-out graph: HTML node cards (real buttons and links, so the keyboard and screen
// readers work) over an SVG layer of edges. Nested graphs (dynamic children, sub-workflows) are
// drawn inside their parent's card; branch nodes list their cases; map nodes show a grid of items;
// eager nodes list their child executions with links.

import { h, s } from './dom.js';
import { icon, phaseBadge } from './components.js';
import { elapsedMs, formatDuration, isActive, phaseLabel, phaseTone } from './format.js';
import { edgePath, layoutGraph, NEST_HEADER, NEST_PAD } from './layout.js';
import { executionUrl } from './routes.js';

const NODE_H = 58;
const CASE_H = 30;
const ROW_H = 26;
const ITEM = 14;
const ITEM_GAP = 4;
const ITEMS_PER_ROW = 14;
const MAX_EAGER_ROWS = 8;

const KIND_LABEL = {
  task: 'task',
  dynamic: 'dynamic',
  eager: 'eager',
  branch: 'branch',
  array: 'map',
  gate: 'gate',
  subworkflow: 'sub-workflow',
  launchplan: 'launch plan',
};
const KIND_ICON = { task: 'task', dynamic: 'layers', eager: 'bolt', branch: 'branch', array: 'grid', gate: 'gate', subworkflow: 'graph', launchplan: 'link' };

let measureCtx;

/** Width in px of `text` in the node font (measured in the browser, estimated elsewhere). */
function textWidth(text, px = 7.2, font = '650 14px system-ui, sans-serif') {
  if (typeof document !== 'undefined') {
    measureCtx ??= document.createElement('canvas').getContext('2d');
    if (measureCtx) {
      measureCtx.font = font;
      return measureCtx.measureText(String(text)).width;
    }
  }
  return String(text).length * px;
}

const SUB_FONT = '400 11px ui-monospace, Menlo, Consolas, monospace';
const SMALL_FONT = '500 12px system-ui, sans-serif';

/** Size of a node's card (see layout.js); nested graphs add their laid-out size. */
export function measureNode(n, inner) {
  if (n.kind === 'start' || n.kind === 'end') return { w: 64, h: 30 };
  // Title and phase badge share the first line; the id/kind/duration line runs under both.
  const badge = textWidth(n.phase === 'NOT_RUN' ? 'Not run' : phaseLabel(n.phase), 6.6, '600 11px system-ui, sans-serif') + 34;
  // (Static graphs on entity pages have no badges, but the same sizes keep layouts comparable.)
  const base = Math.min(n.kind === 'eager' ? 420 : 360, Math.max(200, textWidth(n.label, 8.2) + badge + 72, textWidth(`${n.id} · ${KIND_LABEL[n.kind] ?? n.kind} · 00.00s`, 6.6, SUB_FONT) + 70));
  if (n.kind === 'branch') {
    const widest = Math.max(0, ...(n.cases ?? []).map((c) => textWidth(`${c.label} ${c.condition} → ${c.node?.label ?? c.error ?? ''} skipped`, 6.6, SMALL_FONT) + 64));
    const casesH = NODE_H + (n.cases?.length ?? 0) * CASE_H + 6;
    if (inner) return { w: Math.max(Math.min(440, Math.max(base, widest)), inner.width + NEST_PAD * 2), h: casesH + inner.height + NEST_PAD };
    return { w: Math.min(440, Math.max(base, widest)), h: casesH };
  }
  if (inner) return { w: Math.max(base, inner.width + NEST_PAD * 2), h: NEST_HEADER + inner.height + NEST_PAD };
  if (n.kind === 'array') {
    const count = n.items?.length ?? 0;
    const rows = Math.max(1, Math.ceil(count / ITEMS_PER_ROW));
    const w = Math.max(base, Math.min(count, ITEMS_PER_ROW) * (ITEM + ITEM_GAP) + 24);
    return { w, h: NODE_H + rows * (ITEM + ITEM_GAP) + 12 };
  }
  if (n.kind === 'eager') {
    const count = n.executions?.length ?? 0;
    const rows = Math.min(count, MAX_EAGER_ROWS) + (count > MAX_EAGER_ROWS ? 1 : 0);
    const widest = Math.max(0, ...(n.executions ?? []).slice(0, MAX_EAGER_ROWS).map((e) => textWidth(e.label, 6.8, SMALL_FONT) + 110));
    return { w: Math.min(420, Math.max(base, widest)), h: NODE_H + Math.max(1, rows) * ROW_H + 8 };
  }
  return { w: base, h: NODE_H };
}

function subLine(n, now) {
  const bits = [n.id];
  bits.push(KIND_LABEL[n.kind] ?? n.kind);
  if (n.exec) {
    const ms = elapsedMs(n.exec.closure, n.phase, now);
    if (ms !== undefined && n.phase !== 'UNDEFINED' && n.phase !== 'QUEUED') bits.push(formatDuration(ms));
  }
  if (n.retries > 0) bits.push(`retry ${n.retries}`);
  return bits.join(' · ');
}

function cardHeader(n, ctx) {
  const selected = ctx.selected === n.uniqueId;
  const badge = ctx.static ? null : phaseBadge(n.phase, { small: true });
  return h(
    'button',
    {
      type: 'button',
      class: ['gnode-head', selected ? 'selected' : ''],
      'aria-pressed': selected ? 'true' : 'false',
      'aria-label': `${n.label} (${KIND_LABEL[n.kind] ?? n.kind} ${n.id}): ${n.phase === 'NOT_RUN' ? 'not run' : phaseLabel(n.phase)}`,
      onClick: () => ctx.onSelect(n.uniqueId),
      dataset: { node: n.uniqueId },
    },
    h('span', { class: 'gnode-icon', 'aria-hidden': 'true' }, icon(KIND_ICON[n.kind] ?? 'task')),
    h('span', { class: 'gnode-text' }, h('span', { class: 'gnode-title' }, n.label), h('span', { class: 'gnode-sub' }, subLine(n, ctx.now))),
    badge,
  );
}

function branchBody(n, ctx) {
  return h(
    'div',
    { class: 'cases' },
    (n.cases ?? []).map((c, i) => {
      const target = c.node ? c.node.label : c.error !== undefined ? `fail: ${c.error}` : '';
      const inner = [
        h('span', { class: 'case-kw' }, c.label),
        c.condition ? h('code', { class: 'case-cond' }, c.condition) : null,
        h('span', { class: 'case-arrow', 'aria-hidden': 'true' }, '→'),
        h('span', { class: 'case-target' }, target),
        ctx.static ? null : h('span', { class: ['case-state', `cs-${c.state}`] }, c.state === 'taken' ? (c.node ? phaseLabel(c.node.phase) : 'taken') : c.state),
      ];
      const cls = ['case', `case-${c.state}`, c.node ? `tone-${phaseTone(c.node.phase)}` : c.state === 'taken' ? 'tone-failed' : ''];
      if (c.node && c.node.exec) {
        return h(
          'button',
          {
            type: 'button',
            key: `case-${i}`,
            class: [...cls, ctx.selected === c.node.uniqueId ? 'selected' : ''],
            onClick: () => ctx.onSelect(c.node.uniqueId),
            dataset: { node: c.node.uniqueId, case: c.state },
            'aria-label': `${c.label} ${c.condition}: ${target}, ${c.state}`,
          },
          ...inner,
        );
      }
      return h('div', { key: `case-${i}`, class: cls, dataset: { case: c.state } }, ...inner);
    }),
  );
}

function arrayBody(n, ctx) {
  const items = n.items ?? [];
  if (items.length === 0) return h('div', { class: 'items-empty muted' }, n.phase === 'UNDEFINED' || n.phase === 'QUEUED' ? 'waiting for inputs' : 'no items reported');
  const done = items.filter((i) => i.phase === 'SUCCEEDED').length;
  return h(
    'div',
    { class: 'items', role: 'list', 'aria-label': `${done} of ${items.length} items succeeded` },
    items.map((it) => {
      const props = { key: `item-${it.index}`, class: ['item', `tone-${phaseTone(it.phase)}`, ctx.selected && ctx.selected === it.uniqueId ? 'selected' : ''], title: `item ${it.index}: ${phaseLabel(it.phase)}`, dataset: { phase: it.phase, node: it.uniqueId } };
      // Items that ran as node executions open in the panel; the others are just squares.
      return it.node
        ? h('span', { role: 'listitem', key: `li-${it.index}` }, h('button', { ...props, type: 'button', 'aria-label': `item ${it.index}: ${phaseLabel(it.phase)}`, onClick: () => ctx.onSelect(it.uniqueId) }))
        : h('span', { ...props, role: 'listitem' });
    }),
  );
}

function eagerBody(n, ctx) {
  const list = n.executions ?? [];
  if (list.length === 0) {
    return h('div', { class: 'eager-empty muted' }, isActive(n.phase) ? 'no child executions yet' : n.phase === 'UNDEFINED' ? 'not started' : 'no child executions');
  }
  const rows = list.slice(0, MAX_EAGER_ROWS).map((e) =>
    h(
      'a',
      { class: ['eager-row', `tone-${phaseTone(e.phase)}`], key: e.id.name, href: executionUrl(e.id), dataset: { execution: e.id.name, phase: e.phase }, title: `${e.label}: ${e.id.name} (${phaseLabel(e.phase)})` },
      h('span', { class: 'dot', 'aria-hidden': 'true' }),
      h('span', { class: 'eager-label' }, e.label),
      h('span', { class: 'eager-time' }, formatDuration(elapsedMs(e.closure, e.phase, ctx.now))),
    ),
  );
  if (list.length > MAX_EAGER_ROWS) rows.push(h('button', { type: 'button', class: 'eager-more', onClick: () => ctx.onSelect(n.uniqueId) }, `+ ${list.length - MAX_EAGER_ROWS} more`));
  return h('div', { class: 'eager-list' }, rows);
}

function nodeCard(item, ctx) {
  const n = item.node;
  const style = { left: `${item.x}px`, top: `${item.y}px`, width: `${item.w}px`, height: `${item.h}px` };
  const tone = ctx.static ? 'static' : n.phase === 'NOT_RUN' ? 'notrun' : phaseTone(n.phase);
  if (n.kind === 'start' || n.kind === 'end') {
    return h('div', { class: ['gnode', 'gnode-terminal', `tone-${tone}`], key: n.uniqueId, style, dataset: { node: n.uniqueId, phase: n.phase, kind: n.kind } }, n.label);
  }
  const cls = ['gnode', `kind-${n.kind}`, `tone-${tone}`, isActive(n.phase) ? 'live' : '', item.inner && n.kind !== 'branch' ? 'compound' : '', item.inner && n.kind === 'branch' ? 'compound-branch' : '', ctx.selected === n.uniqueId ? 'is-selected' : ''];
  let body = null;
  if (n.kind === 'branch') {
    const top = NODE_H + (n.cases?.length ?? 0) * CASE_H + 6;
    body = [branchBody(n, ctx), item.inner ? h('div', { class: 'gnode-inner', style: { left: `${NEST_PAD}px`, top: `${top}px` } }, canvas(item.inner, ctx)) : null];
  } else if (item.inner) body = h('div', { class: 'gnode-inner', style: { left: `${NEST_PAD}px`, top: `${NEST_HEADER}px` } }, canvas(item.inner, ctx));
  else if (n.kind === 'array') body = arrayBody(n, ctx);
  else if (n.kind === 'eager') body = eagerBody(n, ctx);
  const childLink = n.childExecution
    ? h('a', { class: 'gnode-link', href: executionUrl(n.childExecution), title: `child execution ${n.childExecution.name}` }, icon('external'), 'open')
    : null;
  return h('div', { class: cls, key: n.uniqueId, style, dataset: { node: n.uniqueId, phase: n.phase, kind: n.kind } }, cardHeader(n, ctx), childLink, body);
}

function edgeClass(e, byKey, ctx) {
  if (ctx.static) return 'edge edge-done';
  const to = byKey.get(e.to)?.node;
  const from = byKey.get(e.from)?.node;
  const cls = ['edge'];
  if (!to || to.phase === 'UNDEFINED' || to.phase === 'NOT_RUN') cls.push('edge-idle');
  else if (to.phase === 'SKIPPED') cls.push('edge-skipped');
  else cls.push('edge-done');
  if (to && isActive(to.phase) && from && !isActive(from.phase)) cls.push('edge-live');
  return cls.join(' ');
}

function canvas(layout, ctx) {
  const byKey = new Map(layout.nodes.map((n) => [n.key, n]));
  const pad = 4;
  return h(
    'div',
    { class: 'gcanvas', style: { width: `${layout.width + pad * 2}px`, height: `${layout.height + pad * 2}px` } },
    s(
      'svg',
      { class: 'edges', width: layout.width + pad * 2, height: layout.height + pad * 2, 'aria-hidden': 'true' },
      s('g', { transform: `translate(${pad},${pad})` }, layout.edges.map((e) => s('path', { key: `${e.from}->${e.to}`, d: edgePath(e.points), class: edgeClass(e, byKey, ctx), 'marker-end': 'url(#arrow)' }))),
    ),
    h('div', { class: 'gnodes', style: { left: `${pad}px`, top: `${pad}px` } }, layout.nodes.map((item) => nodeCard(item, ctx))),
  );
}

/**
 * The whole graph view: zoom controls and the canvas. `ctx` = { selected, onSelect(uniqueId),
 * now, zoom, onZoom(z), static? } — `static` draws a registered workflow without phases.
 */
export function graphView(graph, ctx) {
  const layout = layoutGraph(graph, measureNode);
  if (layout.nodes.length === 0) return h('div', { class: 'graph-empty muted' }, 'This workflow has no nodes.');
  const zoom = ctx.zoom ?? 1;
  const defs = s(
    'svg',
    { class: 'defs', width: 0, height: 0, 'aria-hidden': 'true' },
    s('defs', null, s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrowhead' }))),
  );
  const zoomBtn = (name, label, z) => h('button', { type: 'button', class: 'btn btn-icon', title: label, 'aria-label': label, onClick: () => ctx.onZoom(z) }, icon(name));
  return h(
    'div',
    { class: 'graph' },
    defs,
    h(
      'div',
      { class: 'graph-tools', role: 'toolbar', 'aria-label': 'Zoom' },
      zoomBtn('zoomOut', 'Zoom out', Math.max(MIN_ZOOM, +(zoom - (zoom > 0.3 ? 0.15 : 0.05)).toFixed(2))),
      h('span', { class: 'zoom-level', 'aria-live': 'polite' }, `${Math.round(zoom * 100)}%`),
      zoomBtn('zoomIn', 'Zoom in', Math.min(2, +(zoom + 0.15).toFixed(2))),
      zoomBtn('fit', 'Fit to width', 'fit'),
    ),
    h(
      'div',
      { class: 'graph-scroll', tabindex: '-1' },
      h(
        'div',
        { class: 'graph-sizer', style: { width: `${(layout.width + 8) * zoom}px`, height: `${(layout.height + 8) * zoom}px` } },
        h('div', { class: 'graph-zoom', style: { transform: `scale(${zoom})` } }, canvas(layout, ctx)),
      ),
    ),
  );
}

/** The smallest zoom: "fit" of a very wide graph may go this far, so all of it is in view. */
export const MIN_ZOOM = 0.05;

/** The zoom that fits a graph into a scroll box `width` px wide (padding included; at most 1). */
export function fitZoom(graph, width) {
  const layout = layoutGraph(graph, measureNode);
  if (!layout.width) return 1;
  // Rounded down: rounding up could leave the last pixels of a wide graph out of view.
  return Math.max(MIN_ZOOM, Math.min(1, Math.floor(((width - 48) / (layout.width + 8)) * 100) / 100));
}
