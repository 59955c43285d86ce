// Formatting of phases, times, durations and identifiers. Pure functions (unit-tested in Node).

import { NODE_PHASES, TASK_PHASES, TERMINAL_PHASES, WORKFLOW_PHASES } from './core.js';

/** Execution phases a user can filter the list by, in display order. */
export const FILTER_PHASES = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'ABORTED', 'TIMED_OUT'];

/** A phase name from the API (names, or numbers from older clients) for a lifecycle. */
export function phaseName(p, kind = 'workflow') {
  if (typeof p === 'number') {
    const table = kind === 'node' ? NODE_PHASES : kind === 'task' ? TASK_PHASES : WORKFLOW_PHASES;
    return table[p] ?? String(p);
  }
  return p ? String(p) : 'UNDEFINED';
}

// An attempt that failed and will be retried is over too: the retry is an attempt of its own.
const TERMINAL = new Set([...TERMINAL_PHASES, 'RETRYABLE_FAILED']);

/** True once a phase cannot change any more. */
export function isTerminal(phase) {
  return TERMINAL.has(phase);
}

/** True while something is actively happening (for animations and live timers). */
export function isActive(phase) {
  return ['RUNNING', 'SUCCEEDING', 'FAILING', 'ABORTING', 'DYNAMIC_RUNNING', 'INITIALIZING', 'WAITING_FOR_RESOURCES', 'QUEUED'].includes(phase);
}

/** The CSS color family of a phase: queued, running, succeeded, failed, aborted, timedout, skipped, paused. */
export function phaseTone(phase) {
  switch (phase) {
    case 'RUNNING':
    case 'DYNAMIC_RUNNING':
    case 'INITIALIZING':
    case 'SUCCEEDING':
      return 'running';
    case 'SUCCEEDED':
    case 'RECOVERED':
      return 'succeeded';
    case 'FAILED':
    case 'FAILING':
    case 'RETRYABLE_FAILED':
      return 'failed';
    case 'ABORTED':
    case 'ABORTING':
      return 'aborted';
    case 'TIMED_OUT':
      return 'timedout';
    case 'SKIPPED':
      return 'skipped';
    case 'WAITING_FOR_RESOURCES':
    case 'PAUSED':
      return 'paused';
    default:
      return 'queued';
  }
}

/** A human label for a phase: "Succeeded", "Timed out", "Running (dynamic)". */
export function phaseLabel(phase) {
  if (phase === 'DYNAMIC_RUNNING') return 'Running';
  if (phase === 'UNDEFINED') return 'Pending';
  if (phase === 'RETRYABLE_FAILED') return 'Failed (will retry)';
  const s = phase.toLowerCase().replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Milliseconds of a protobuf JSON duration ("1.5s", "0s", "3600s"); 0 when absent. */
export function durationMs(text) {
  if (typeof text === 'number') return text;
  if (typeof text !== 'string') return 0;
  const m = /^(-?\d+(?:\.\d+)?)s$/.exec(text.trim());
  return m ? Number(m[1]) * 1000 : 0;
}

/** Milliseconds since the epoch of an RFC 3339 timestamp, or undefined. */
export function timeMs(ts) {
  if (!ts) return undefined;
  const t = Date.parse(ts);
  // The zero timestamp means "not set" in protobuf JSON.
  return Number.isNaN(t) || t <= 0 ? undefined : t;
}

/** A short duration: "320ms", "4.2s", "1m 05s", "2h 03m", "3d 4h". */
export function formatDuration(ms) {
  if (ms === undefined || ms === null || Number.isNaN(ms)) return '—';
  if (ms < 0) ms = 0;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
  const totalS = Math.floor(ms / 1000);
  if (totalS < 3600) return `${Math.floor(totalS / 60)}m ${String(totalS % 60).padStart(2, '0')}s`;
  if (totalS < 86_400) return `${Math.floor(totalS / 3600)}h ${String(Math.floor((totalS % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(totalS / 86_400)}d ${Math.floor((totalS % 86_400) / 3600)}h`;
}

/**
 * How long something ran: its recorded duration when terminal, else the time since it started
 * (live). `closure` has `started_at`, `duration`, `phase`.
 */
export function elapsedMs(closure, phase, now = Date.now()) {
  const started = timeMs(closure?.started_at);
  const recorded = durationMs(closure?.duration);
  if (isTerminal(phase)) return started === undefined && recorded === 0 ? undefined : recorded;
  if (started === undefined) return undefined;
  return Math.max(recorded, now - started);
}

/** "just now", "42s ago", "5 min ago", "3 h ago", else a date. */
export function formatRelative(ts, now = Date.now()) {
  const t = timeMs(ts);
  if (t === undefined) return '—';
  const d = Math.max(0, now - t);
  if (d < 5000) return 'just now';
  if (d < 60_000) return `${Math.floor(d / 1000)}s ago`;
  if (d < 3_600_000) return `${Math.floor(d / 60_000)} min ago`;
  if (d < 86_400_000) return `${Math.floor(d / 3_600_000)} h ago`;
  return formatDate(ts);
}

/** A local date and time, to the second: "2024-05-01 14:03:22". */
export function formatDate(ts) {
  const t = timeMs(ts);
  if (t === undefined) return '—';
  const d = new Date(t);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** The last dotted part of an entity name: "examples.basic_workflow.my_wf" → "my_wf". */
export function shortName(name) {
  if (!name) return '';
  const clean = name.startsWith('.flytegen.') ? name.slice('.flytegen.'.length) : name;
  const i = clean.lastIndexOf('.');
  return i >= 0 ? clean.slice(i + 1) : clean;
}

/** The module part of an entity name: "examples.basic_workflow.my_wf" → "examples.basic_workflow". */
export function moduleName(name) {
  if (!name) return '';
  const clean = name.startsWith('.flytegen.') ? name.slice('.flytegen.'.length) : name;
  const i = clean.lastIndexOf('.');
  return i >= 0 ? clean.slice(0, i) : '';
}

/** Flyte's names for cache statuses, as sentences. */
export function cacheLabel(status) {
  switch (status) {
    case 'CACHE_HIT':
      return 'Read from cache';
    case 'CACHE_POPULATED':
      return 'Written to cache';
    case 'CACHE_MISS':
      return 'Cache miss';
    case 'CACHE_LOOKUP_FAILURE':
      return 'Cache lookup failed';
    case 'CACHE_PUT_FAILURE':
      return 'Cache write failed';
    case 'CACHE_SKIPPED':
      return 'Cache skipped';
    case 'CACHE_EVICTED':
      return 'Cache evicted';
    case 'CACHE_DISABLED':
    case undefined:
    case null:
    case '':
      return 'Not cached';
    default:
      return String(status);
  }
}
