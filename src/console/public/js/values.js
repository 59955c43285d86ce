// Inputs and outputs rendered by type: scalars inline, structs/lists/maps as highlighted JSON,
// files and directories as links (served by the sandbox's blob route).

import { h } from './dom.js';
import { copyButton, icon } from './components.js';
import { formatDate } from './format.js';
import { hasBlob, readLiteral, toPlain, typeToString } from './literals.js';

/** The URL that serves a blob-store file (or lists a directory). */
export function blobUrl(uri) {
  return `/api/v1/blobs?uri=${encodeURIComponent(uri)}`;
}

function baseName(uri) {
  const clean = uri.replace(/\/+$/, '');
  return decodeURIComponent(clean.slice(clean.lastIndexOf('/') + 1)) || uri;
}

/** JSON with spans for keys, strings, numbers and literals (for CSS colors). */
export function jsonView(value) {
  const text = JSON.stringify(value, null, 2) ?? 'null';
  const parts = [];
  const re = /("(?:\\.|[^"\\])*")(\s*:)?|\b(true|false|null)\b|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > last) parts.push(text.slice(last, m.index));
    if (m[1] !== undefined) {
      parts.push(h('span', { class: m[2] ? 'j-key' : 'j-str' }, m[1]));
      if (m[2]) parts.push(m[2]);
    } else if (m[3] !== undefined) parts.push(h('span', { class: 'j-lit' }, m[3]));
    else parts.push(h('span', { class: 'j-num' }, m[4]));
    last = m.index + m[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return h('pre', { class: 'json' }, ...parts);
}

function blobLink(kind, uri) {
  if (!uri) return h('span', { class: 'muted' }, '(no URI)');
  return h(
    'span',
    { class: 'v-blob' },
    h('a', { href: blobUrl(uri), target: '_blank', rel: 'noopener', class: 'blob-link', title: uri }, icon(kind === 'dir' ? 'folder' : 'file'), baseName(uri)),
    copyButton(uri, 'Copy URI'),
  );
}

function renderNested(v) {
  if (v.kind === 'list') return h('ol', { class: 'v-list', start: '0' }, v.value.map((x) => h('li', null, renderDisplay(x))));
  if (v.kind === 'map') return h('ul', { class: 'v-map' }, Object.entries(v.value).map(([k, x]) => h('li', null, h('span', { class: 'j-key' }, k), ': ', renderDisplay(x))));
  return renderDisplay(v);
}

/** Renders a display value from {@link readLiteral}. */
export function renderDisplay(v) {
  switch (v.kind) {
    case 'int':
    case 'float':
      return h('code', { class: 'v-num' }, String(v.value));
    case 'bool':
      return h('code', { class: 'v-lit' }, String(v.value));
    case 'str':
      return v.value.includes('\n') || v.value.length > 80 ? h('pre', { class: 'v-text' }, v.value) : h('code', { class: 'v-str' }, JSON.stringify(v.value));
    case 'datetime':
      return h('code', { class: 'v-str', title: formatDate(v.value) }, v.value);
    case 'duration':
      return h('code', { class: 'v-num' }, v.value);
    case 'none':
      return h('code', { class: 'v-lit' }, 'none');
    case 'file':
    case 'dir':
      return blobLink(v.kind, v.value);
    case 'error':
      return h('span', { class: 'v-error' }, v.value.message, v.value.failed_node_id ? ` (node ${v.value.failed_node_id})` : '');
    case 'offloaded':
      return h('span', { class: 'muted' }, `offloaded: ${v.value}`);
    case 'list':
    case 'map':
      return hasBlob(v) ? renderNested(v) : jsonView(toPlain(v));
    case 'struct':
      return jsonView(v.value);
    default:
      return h('span', { class: 'muted' }, v.kind === 'binary' ? String(v.value) : 'unknown value');
  }
}

/**
 * A table of named literals (`full_inputs` / `full_outputs` of a data response). `vars` (an
 * interface's VariableMap) gives types and order; `emptyText` is shown when there are none.
 */
/**
 * The type to show next to a value: a map item's interface is its map task's, whose mapped
 * inputs and outputs are lists; the item itself holds one element, so show the element's type.
 */
export function shownType(type, literal) {
  return type?.collection_type && literal && !literal.collection && !literal.offloaded_metadata ? type.collection_type : type;
}

export function literalTable(literalMap, vars, emptyText = 'None') {
  const lits = literalMap?.literals ?? {};
  const types = vars?.variables ?? {};
  const names = [...Object.keys(types).filter((k) => k in lits), ...Object.keys(lits).filter((k) => !(k in types))];
  if (names.length === 0) return h('p', { class: 'muted' }, emptyText);
  return h(
    'table',
    { class: 'values' },
    h(
      'tbody',
      null,
      names.map((k) =>
        h(
          'tr',
          { key: k, dataset: { name: k } },
          h('th', { scope: 'row' }, h('span', { class: 'v-name' }, k), types[k] ? h('span', { class: 'v-type' }, typeToString(shownType(types[k].type, lits[k]))) : null),
          h('td', null, renderDisplay(readLiteral(lits[k]))),
        ),
      ),
    ),
  );
}
