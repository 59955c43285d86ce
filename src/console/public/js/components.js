// Small shared pieces of UI: icons, phase badges, buttons, notices, tabs, copy buttons.

import { h, s } from './dom.js';
import { phaseLabel, phaseTone } from './format.js';

const ICONS = {
  play: 'M8 5.5v13l11-6.5z',
  stop: 'M7 7h10v10H7z',
  refresh: 'M17.65 6.35A7.96 7.96 0 0 0 12 4a8 8 0 1 0 7.74 10h-2.08A6 6 0 1 1 12 6c1.66 0 3.14.69 4.22 1.78L13 11h7V4z',
  copy: 'M16 1H4a2 2 0 0 0-2 2v14h2V3h12zm3 4H8a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h11a2 2 0 0 0 2-2V7a2 2 0 0 0-2-2m0 16H8V7h11z',
  close: 'M19 6.41 17.59 5 12 10.59 6.41 5 5 6.41 10.59 12 5 17.59 6.41 19 12 13.41 17.59 19 19 17.59 13.41 12z',
  check: 'M9 16.17 4.83 12l-1.42 1.41L9 19 21 7l-1.41-1.41z',
  external: 'M19 19H5V5h7V3H5a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h14c1.1 0 2-.9 2-2v-7h-2zM14 3v2h3.59l-9.83 9.83 1.41 1.41L19 6.41V10h2V3z',
  zoomIn: 'M15.5 14h-.79l-.28-.27A6.47 6.47 0 0 0 16 9.5 6.5 6.5 0 1 0 9.5 16c1.61 0 3.09-.59 4.23-1.57l.27.28v.79l5 4.99L20.49 19zm-6 0C7.01 14 5 11.99 5 9.5S7.01 5 9.5 5 14 7.01 14 9.5 11.99 14 9.5 14m.5-7H9v2H7v1h2v2h1v-2h2V9h-2z',
  zoomOut: 'M15.5 14h-.79l-.28-.27A6.47 6.47 0 0 0 16 9.5 6.5 6.5 0 1 0 9.5 16c1.61 0 3.09-.59 4.23-1.57l.27.28v.79l5 4.99L20.49 19zm-6 0C7.01 14 5 11.99 5 9.5S7.01 5 9.5 5 14 7.01 14 9.5 11.99 14 9.5 14M7 9h5v1H7z',
  fit: 'M3 5v4h2V5h4V3H5a2 2 0 0 0-2 2m2 10H3v4a2 2 0 0 0 2 2h4v-2H5zm14 4h-4v2h4a2 2 0 0 0 2-2v-4h-2zm0-16h-4v2h4v4h2V5a2 2 0 0 0-2-2',
  chevronRight: 'M10 6 8.59 7.41 13.17 12l-4.58 4.59L10 18l6-6z',
  chevronLeft: 'M15.41 7.41 14 6l-6 6 6 6 1.41-1.41L10.83 12z',
  graph: 'M17 16l-4-4V8.82C14.16 8.4 15 7.3 15 6a3 3 0 0 0-6 0c0 1.3.84 2.4 2 2.82V12l-4 4H3v5h5v-3.05l4-4.2 4 4.2V21h5v-5z',
  branch: 'M6 3a3 3 0 0 0-1 5.83v6.34A3.001 3.001 0 1 0 7 15.2V13c0-1.1.9-2 2-2h6a4 4 0 0 0 4-4v-.17A3.001 3.001 0 1 0 17 6.8V7a2 2 0 0 1-2 2H9c-.73 0-1.41.2-2 .54V8.83A3.001 3.001 0 0 0 6 3',
  bolt: 'M7 2v11h3v9l7-12h-4l4-8z',
  layers: 'm11.99 18.54-7.37-5.73L3 14.07l9 7 9-7-1.63-1.27zM12 16l7.36-5.73L21 9l-9-7-9 7 1.63 1.27z',
  grid: 'M4 8h4V4H4zm6 12h4v-4h-4zm-6 0h4v-4H4zm0-6h4v-4H4zm6 0h4v-4h-4zm6-10v4h4V4zm-6 4h4V4h-4zm6 6h4v-4h-4zm0 6h4v-4h-4z',
  task: 'M19 3H5a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h14a2 2 0 0 0 2-2V5a2 2 0 0 0-2-2m-9 14-5-5 1.41-1.41L10 14.17l7.59-7.59L19 8z',
  link: 'M3.9 12c0-1.71 1.39-3.1 3.1-3.1h4V7H7a5 5 0 0 0 0 10h4v-1.9H7c-1.71 0-3.1-1.39-3.1-3.1M8 13h8v-2H8zm9-6h-4v1.9h4c1.71 0 3.1 1.39 3.1 3.1s-1.39 3.1-3.1 3.1h-4V17h4a5 5 0 0 0 0-10',
  file: 'M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8zm4 18H6V4h7v5h5z',
  folder: 'M10 4H4a2 2 0 0 0-2 2v12a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2V8a2 2 0 0 0-2-2h-8z',
  gate: 'M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20m1 15h-2v-6h2zm0-8h-2V7h2z',
  timeline: 'M4 6h10v2H4zm4 5h12v2H8zm-4 5h8v2H4z',
  list: 'M3 13h2v-2H3zm0 4h2v-2H3zm0-8h2V7H3zm4 4h14v-2H7zm0 4h14v-2H7zM7 7v2h14V7z',
  sun: 'M12 7a5 5 0 1 0 0 10 5 5 0 0 0 0-10M2 13h2v-2H2zm18 0h2v-2h-2zM11 2v2h2V2zm0 18v2h2v-2zM5.99 4.58 4.58 5.99l1.42 1.42 1.41-1.42zm12.02 12.02-1.41 1.42 1.41 1.41 1.42-1.41zm1.41-10.6-1.41-1.41-1.42 1.41 1.42 1.42zM7.41 18.01 6 16.6l-1.42 1.41L6 19.42z',
};

/** An inline SVG icon (Material-style 24px paths), decorative unless `label` is given. */
export function icon(name, label) {
  return s(
    'svg',
    { class: 'icon', viewBox: '0 0 24 24', width: 16, height: 16, 'aria-hidden': label ? undefined : 'true', role: label ? 'img' : undefined, 'aria-label': label, focusable: 'false' },
    s('path', { d: ICONS[name] ?? '' }),
  );
}

/** The product mark (a small node graph). */
export function logo() {
  return s(
    'svg',
    { class: 'logo', viewBox: '0 0 32 32', width: 26, height: 26, 'aria-hidden': 'true', focusable: 'false' },
    s('rect', { x: 1, y: 1, width: 30, height: 30, rx: 8, class: 'logo-bg' }),
    s('path', { d: 'M9 11 C15 11 15 21 23 21', class: 'logo-edge' }),
    s('path', { d: 'M9 11 C15 11 15 11 23 11', class: 'logo-edge' }),
    s('circle', { cx: 9, cy: 11, r: 3.2, class: 'logo-node' }),
    s('circle', { cx: 23, cy: 11, r: 3.2, class: 'logo-node' }),
    s('circle', { cx: 23, cy: 21, r: 3.2, class: 'logo-node' }),
  );
}

/** A phase badge: colored dot + label; `data-phase` carries the raw phase for tests. */
export function phaseBadge(phase, extra = {}) {
  return h('span', { class: ['badge', `tone-${phaseTone(phase)}`, extra.small ? 'badge-sm' : ''], 'data-phase': phase, title: extra.title }, h('span', { class: 'dot', 'aria-hidden': 'true' }), phase === 'NOT_RUN' ? 'Not run' : phaseLabel(phase));
}

/**
 * A button; `variant` is primary, danger, ghost or plain.
 */
export function button(label, onClick, /** @type {{ variant?: string, iconName?: string, title?: string, disabled?: boolean, type?: string, attrs?: Record<string, unknown> }} */ { variant = 'plain', iconName, title, disabled, type = 'button', attrs = {} } = {}) {
  return h('button', { type, class: ['btn', `btn-${variant}`], onClick, title, disabled, ...attrs }, iconName ? icon(iconName) : null, label ? h('span', null, label) : null);
}

/** A button that copies `text` and says so. */
export function copyButton(text, label = 'Copy') {
  const onClick = async (ev) => {
    const btn = ev.currentTarget;
    try {
      await navigator.clipboard.writeText(text);
      btn.classList.add('copied');
      btn.setAttribute('aria-label', 'Copied');
      setTimeout(() => {
        btn.classList.remove('copied');
        btn.setAttribute('aria-label', label);
      }, 1200);
    } catch {
      // Clipboard is unavailable on plain http in some browsers; nothing else to do.
    }
  };
  return h('button', { type: 'button', class: 'btn btn-icon copy', title: `${label}: ${text}`, 'aria-label': label, onClick }, icon('copy'));
}

/** A notice box: kind is error, info or warn. */
export function notice(kind, title, ...body) {
  return h('div', { class: ['notice', `notice-${kind}`], role: kind === 'error' ? 'alert' : 'status' }, title ? h('strong', null, title) : null, ...body);
}

/** The text of an error for the user (API errors carry a code). */
export function errorText(e) {
  if (!e) return '';
  return e.code && e.code !== 'NETWORK' ? `${e.message} (${e.code})` : e.message ?? String(e);
}

/** A placeholder while something loads. */
export function loading(text = 'Loading…') {
  return h('div', { class: 'loading', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), text);
}

/** An empty-state message. */
export function empty(title, hint) {
  return h('div', { class: 'empty' }, h('p', { class: 'empty-title' }, title), hint ? h('p', { class: 'muted' }, hint) : null);
}

/**
 * Accessible tabs: `tabs(id, [{ key, label, count? }], active, onSelect)`. Arrow keys move between
 * tabs, as WAI-ARIA describes.
 */
export function tabs(id, items, active, onSelect) {
  const onKeyDown = (ev) => {
    const i = items.findIndex((t) => t.key === active);
    let next = -1;
    if (ev.key === 'ArrowRight') next = (i + 1) % items.length;
    else if (ev.key === 'ArrowLeft') next = (i - 1 + items.length) % items.length;
    else if (ev.key === 'Home') next = 0;
    else if (ev.key === 'End') next = items.length - 1;
    if (next < 0) return;
    ev.preventDefault();
    onSelect(items[next].key);
    requestAnimationFrame(() => document.getElementById(`${id}-tab-${items[next].key}`)?.focus());
  };
  return h(
    'div',
    { class: 'tabs', role: 'tablist', onKeyDown },
    items.map((t) =>
      h(
        'button',
        {
          type: 'button',
          role: 'tab',
          id: `${id}-tab-${t.key}`,
          key: t.key,
          class: ['tab', t.key === active ? 'active' : ''],
          'aria-selected': t.key === active ? 'true' : 'false',
          'aria-controls': `${id}-panel`,
          tabindex: t.key === active ? '0' : '-1',
          onClick: () => onSelect(t.key),
        },
        t.iconName ? icon(t.iconName) : null,
        t.label,
        t.count !== undefined ? h('span', { class: 'count' }, String(t.count)) : null,
      ),
    ),
  );
}

/** A definition list from [label, value] pairs (values may be nodes); skips undefined values. */
export function facts(pairs) {
  return h(
    'dl',
    { class: 'facts' },
    pairs.filter(([, v]) => v !== undefined && v !== null && v !== '').map(([k, v]) => h('div', { class: 'fact' }, h('dt', null, k), h('dd', null, v))),
  );
}
