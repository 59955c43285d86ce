// Layered left-to-right layout of a DAG (a small Sugiyama): ranks by longest path, dummy nodes on
// long edges, barycenter ordering to reduce crossings, then y positions that pull each node
// toward its neighbours without overlaps. Nested graphs (dynamic children, sub-workflows) are laid
// out first and become the size of their parent node. Pure (unit-tested in Node).

/** Spacing, in px. */
export const GAP_X = 56;
export const GAP_Y = 18;
const DUMMY_H = 6;
/** Padding around a nested graph inside its parent node, and the parent's header height. */
export const NEST_PAD = 14;
export const NEST_HEADER = 44;

function order(nodes, edges) {
  const idx = new Map(nodes.map((n, i) => [n.key, i]));
  const indeg = new Map(nodes.map((n) => [n.key, 0]));
  const out = new Map(nodes.map((n) => [n.key, []]));
  for (const e of edges) {
    out.get(e.from).push(e.to);
    indeg.set(e.to, indeg.get(e.to) + 1);
  }
  const ready = nodes.filter((n) => indeg.get(n.key) === 0).map((n) => n.key);
  const topo = [];
  while (ready.length) {
    ready.sort((a, b) => idx.get(a) - idx.get(b));
    const k = ready.shift();
    topo.push(k);
    for (const t of out.get(k)) {
      indeg.set(t, indeg.get(t) - 1);
      if (indeg.get(t) === 0) ready.push(t);
    }
  }
  // A cycle (should not happen in a compiled workflow): append what is left in input order.
  for (const n of nodes) if (!topo.includes(n.key)) topo.push(n.key);
  return topo;
}

/**
 * Lays out `graph` ({ nodes: [{ key, … }], edges: [{ from, to }] } with edges by node key).
 * `measure(node, inner)` returns `{ w, h }` of a node; `inner` is the laid-out nested graph when
 * the node has one (`node.graph`). Returns `{ width, height, nodes: [{ node, x, y, w, h, inner }],
 * edges: [{ from, to, points: [[x, y], …] }] }` with (x, y) the top-left corner.
 */
export function layoutGraph(graph, measure) {
  const nodes = graph?.nodes ?? [];
  if (nodes.length === 0) return { width: 0, height: 0, nodes: [], edges: [] };
  const keyOf = (n) => n.key ?? n.id;
  const items = nodes.map((n) => {
    const inner = n.graph && n.graph.nodes.length > 0 ? layoutGraph(n.graph, measure) : undefined;
    const { w, h } = measure(n, inner);
    return { key: keyOf(n), node: n, w, h, inner, dummy: false };
  });
  const byKey = new Map(items.map((it) => [it.key, it]));
  const edges = (graph.edges ?? []).filter((e) => byKey.has(e.from) && byKey.has(e.to) && e.from !== e.to);

  // 1. ranks
  const topo = order(items, edges);
  const rank = new Map(topo.map((k) => [k, 0]));
  const preds = new Map(items.map((it) => [it.key, []]));
  for (const e of edges) preds.get(e.to).push(e.from);
  for (const k of topo) for (const p of preds.get(k)) rank.set(k, Math.max(rank.get(k), rank.get(p) + 1));
  // end-node sits in the last column.
  const maxRank = Math.max(...rank.values());
  if (byKey.has('end-node') && items.length > 1) rank.set('end-node', maxRank);

  // 2. dummy nodes on long edges
  const all = [...items];
  const chains = [];
  const links = []; // adjacent-rank edges between items or dummies
  for (const e of edges) {
    const r0 = rank.get(e.from);
    const r1 = rank.get(e.to);
    if (r1 <= r0) continue;
    const chain = [e.from];
    for (let r = r0 + 1; r < r1; r++) {
      const key = `dummy:${e.from}->${e.to}:${r}`;
      const d = { key, node: null, w: 0, h: DUMMY_H, dummy: true };
      all.push(d);
      byKey.set(key, d);
      rank.set(key, r);
      chain.push(key);
    }
    chain.push(e.to);
    for (let i = 0; i + 1 < chain.length; i++) links.push([chain[i], chain[i + 1]]);
    chains.push({ from: e.from, to: e.to, chain });
  }
  const up = new Map(all.map((it) => [it.key, []]));
  const down = new Map(all.map((it) => [it.key, []]));
  for (const [a, b] of links) {
    down.get(a).push(b);
    up.get(b).push(a);
  }

  // 3. ordering within ranks
  const nRanks = Math.max(...rank.values()) + 1;
  const layers = Array.from({ length: nRanks }, () => []);
  const firstSeen = new Map(topo.map((k, i) => [k, i]));
  for (const it of all) layers[rank.get(it.key)].push(it.key);
  for (const l of layers) l.sort((a, b) => (firstSeen.get(a) ?? 1e9) - (firstSeen.get(b) ?? 1e9));
  const pos = new Map();
  const reindex = () => layers.forEach((l) => l.forEach((k, i) => pos.set(k, i)));
  reindex();
  const sweep = (r, neighbours) => {
    const bary = new Map();
    for (const k of layers[r]) {
      const ns = neighbours.get(k);
      bary.set(k, ns.length ? ns.reduce((s, n) => s + pos.get(n), 0) / ns.length : pos.get(k));
    }
    layers[r].sort((a, b) => bary.get(a) - bary.get(b) || pos.get(a) - pos.get(b));
    layers[r].forEach((k, i) => pos.set(k, i));
  };
  for (let it = 0; it < 6; it++) {
    for (let r = 1; r < nRanks; r++) sweep(r, up);
    for (let r = nRanks - 2; r >= 0; r--) sweep(r, down);
  }

  // 4. x by column, y pulled toward neighbours
  const colW = layers.map((l) => Math.max(0, ...l.map((k) => byKey.get(k).w)));
  const colX = [];
  let x = 0;
  for (let r = 0; r < nRanks; r++) {
    colX.push(x);
    x += colW[r] + (colW[r] > 0 ? GAP_X : GAP_X / 2);
  }
  const center = new Map();
  const place = (r, desiredOf) => {
    const keys = layers[r];
    const want = keys.map((k) => desiredOf(k));
    const ys = [];
    let bottom = -Infinity;
    keys.forEach((k, i) => {
      const h = byKey.get(k).h;
      const top = Math.max(want[i] - h / 2, bottom + (i === 0 ? 0 : GAP_Y));
      ys.push(top + h / 2);
      bottom = top + h;
    });
    // Shift the column so that, on average, nodes sit where they want to be.
    const shift = keys.length ? want.reduce((s, w, i) => s + (w - ys[i]), 0) / keys.length : 0;
    keys.forEach((k, i) => center.set(k, ys[i] + shift));
  };
  const stacked = (r) => {
    let y = 0;
    const m = new Map();
    for (const k of layers[r]) {
      const h = byKey.get(k).h;
      m.set(k, y + h / 2);
      y += h + GAP_Y;
    }
    return m;
  };
  const first = stacked(0);
  place(0, (k) => first.get(k));
  const mean = (ks, fallback) => (ks.length ? ks.reduce((s, n) => s + center.get(n), 0) / ks.length : fallback);
  for (let r = 1; r < nRanks; r++) {
    const st = stacked(r);
    place(r, (k) => mean(up.get(k), st.get(k)));
  }
  for (let pass = 0; pass < 2; pass++) {
    for (let r = nRanks - 2; r >= 0; r--) place(r, (k) => (center.get(k) + mean(down.get(k), center.get(k))) / 2);
    for (let r = 1; r < nRanks; r++) place(r, (k) => (center.get(k) + mean(up.get(k), center.get(k))) / 2);
  }
  let minY = Infinity;
  let maxY = -Infinity;
  for (const it of all) {
    minY = Math.min(minY, center.get(it.key) - it.h / 2);
    maxY = Math.max(maxY, center.get(it.key) + it.h / 2);
  }
  const boxes = new Map();
  for (const it of all) {
    const r = rank.get(it.key);
    const bx = colX[r] + (colW[r] - it.w) / 2;
    const by = center.get(it.key) - it.h / 2 - minY;
    boxes.set(it.key, { x: bx, y: by, w: it.w, h: it.h });
  }
  const outNodes = items.map((it) => ({ node: it.node, key: it.key, inner: it.inner, ...boxes.get(it.key) }));
  const outEdges = chains.map(({ from, to, chain }) => {
    const pts = [];
    const a = boxes.get(from);
    pts.push([a.x + a.w, a.y + a.h / 2]);
    for (const k of chain.slice(1, -1)) {
      const d = boxes.get(k);
      pts.push([d.x, d.y + d.h / 2]);
    }
    const b = boxes.get(to);
    pts.push([b.x, b.y + b.h / 2]);
    return { from, to, points: pts };
  });
  const width = Math.max(...[...boxes.values()].map((b) => b.x + b.w));
  return { width, height: maxY - minY, nodes: outNodes, edges: outEdges };
}

/** An SVG path through edge points: horizontal-tangent cubic curves between consecutive points. */
export function edgePath(points) {
  if (points.length < 2) return '';
  let d = `M${points[0][0].toFixed(1)},${points[0][1].toFixed(1)}`;
  for (let i = 1; i < points.length; i++) {
    const [x0, y0] = points[i - 1];
    const [x1, y1] = points[i];
    const dx = Math.max(12, (x1 - x0) / 2);
    d += ` C${(x0 + dx).toFixed(1)},${y0.toFixed(1)} ${(x1 - dx).toFixed(1)},${y1.toFixed(1)} ${x1.toFixed(1)},${y1.toFixed(1)}`;
  }
  return d;
}
