// A tiny view layer: h() builds DOM elements, morph() patches a live tree to look like a freshly
// built one (keeping focus, scroll and open <details>), so views can simply re-render on every
// poll. Event handlers are stored on the element (`__on`) and dispatched by one listener per type,
// which lets morph() swap them without re-binding.

const SVG_NS = 'http://www.w3.org/2000/svg';
const BOUND = Symbol('bound');

function dispatch(ev) {
  const fn = ev.currentTarget.__on && ev.currentTarget.__on[ev.type];
  if (fn) fn(ev);
}

function bind(el, type) {
  el[BOUND] ??= new Set();
  if (!el[BOUND].has(type)) {
    el.addEventListener(type, dispatch);
    el[BOUND].add(type);
  }
}

function applyProps(el, props, isSvg) {
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      const type = k.slice(2).toLowerCase();
      el.__on ??= {};
      el.__on[type] = v;
      bind(el, type);
    } else if (k === 'class' || k === 'className') {
      const cls = Array.isArray(v) ? v.filter(Boolean).join(' ') : String(v);
      if (cls) el.setAttribute('class', cls);
    } else if (k === 'style' && typeof v === 'object') {
      const text = Object.entries(v)
        .filter(([, x]) => x !== undefined && x !== null && x !== '')
        .map(([p, x]) => `${p.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}:${x}`)
        .join(';');
      if (text) el.setAttribute('style', text);
    } else if (k === 'dataset') {
      for (const [dk, dv] of Object.entries(v)) if (dv !== undefined && dv !== null) el.setAttribute(`data-${dk}`, String(dv));
    } else if (k === 'value' && !isSvg) {
      el.value = v;
      el.setAttribute('value', String(v));
    } else if ((k === 'checked' || k === 'selected' || k === 'disabled') && !isSvg) {
      el[k] = Boolean(v);
      if (v) el.setAttribute(k, '');
    } else if (k === 'key') {
      el.setAttribute('data-key', String(v));
    } else {
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false || c === true) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

/** Creates an HTML element: h('a', { href, class, onClick }, ...children). */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  append(el, children);
  // After the children, so that a <select>'s value finds its options.
  if (props) applyProps(el, props, false);
  return el;
}

/** Creates an SVG element (same signature as h). */
export function s(tag, props, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  if (props) applyProps(el, props, true);
  append(el, children);
  return el;
}

/** Replaces the children of `el`. */
export function replaceChildren(el, ...children) {
  el.textContent = '';
  append(el, children);
}

function keyOf(n) {
  return n.nodeType === 1 ? n.getAttribute('data-key') : null;
}

function syncAttributes(from, to) {
  for (const a of [...from.attributes]) if (!to.hasAttribute(a.name)) from.removeAttribute(a.name);
  for (const a of [...to.attributes]) if (from.getAttribute(a.name) !== a.value) from.setAttribute(a.name, a.value);
  from.__on = to.__on;
  if (to.__on) for (const type of Object.keys(to.__on)) bind(from, type);
  // Form state lives in properties; keep what the user typed unless the new tree sets it.
  if ('value' in from && to.hasAttribute('value') && from !== document.activeElement) {
    const v = to.getAttribute('value');
    if (from.value !== v) from.value = v;
  }
  if (from.tagName === 'DETAILS' && to.hasAttribute('data-keep-open')) from.open = from.open || to.open;
}

/**
 * Patches `from` (live) to match `to` (new, detached) and returns the live node. Children are
 * matched by `data-key` when present, else by position and tag. `data-morph="skip"` on a live
 * element leaves its subtree alone (e.g. a streaming log).
 */
export function morph(from, to) {
  if (from.nodeType !== to.nodeType || from.nodeName !== to.nodeName || keyOf(from) !== keyOf(to)) {
    from.replaceWith(to);
    return to;
  }
  if (from.nodeType === 3 || from.nodeType === 8) {
    if (from.nodeValue !== to.nodeValue) from.nodeValue = to.nodeValue;
    return from;
  }
  if (from.nodeType !== 1) return from;
  if (from.getAttribute('data-morph') === 'skip' && to.getAttribute('data-morph') === 'skip') {
    from.__on = to.__on;
    return from;
  }
  syncAttributes(from, to);
  morphChildren(from, to);
  return from;
}

function morphChildren(from, to) {
  const oldKids = [...from.childNodes];
  const keyed = new Map();
  for (const k of oldKids) {
    const key = keyOf(k);
    if (key !== null) keyed.set(key, k);
  }
  const used = new Set();
  let cursor = 0;
  const newKids = [...to.childNodes];
  for (let i = 0; i < newKids.length; i++) {
    const nk = newKids[i];
    const key = keyOf(nk);
    let match = null;
    if (key !== null) {
      const cand = keyed.get(key);
      if (cand && !used.has(cand) && cand.nodeName === nk.nodeName) match = cand;
    } else {
      while (cursor < oldKids.length && (used.has(oldKids[cursor]) || keyOf(oldKids[cursor]) !== null)) cursor++;
      const cand = oldKids[cursor];
      if (cand && cand.nodeName === nk.nodeName) {
        match = cand;
        cursor++;
      }
    }
    const ref = from.childNodes[i] ?? null;
    if (match) {
      used.add(match);
      if (ref !== match) from.insertBefore(match, ref);
      morph(match, nk);
    } else {
      from.insertBefore(nk, ref);
    }
  }
  while (from.childNodes.length > newKids.length) from.removeChild(from.lastChild);
}

/** Patches the children of `container` to be `children`. */
export function render(container, ...children) {
  const next = document.createElement(container.tagName);
  append(next, children);
  morphChildren(container, next);
}
