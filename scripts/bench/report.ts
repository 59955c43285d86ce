/**
 * The benchmark's result rows, the console table and the generated block of docs/benchmarks.md.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './util.ts';

/** A target: a maximum ratio against the baseline and/or a maximum absolute value. */
export interface BenchTarget {
  /** Met when value / baseline <= maxRatio. */
  maxRatio?: number;
  /** Met when value <= max (in the row's unit). */
  max?: number;
  /** How the target reads in the table, e.g. "≤ 1.5×". */
  text: string;
}

/** One measured figure (the median of its samples) and, usually, its baseline from the same run. */
export interface BenchRow {
  /** Section key: `start`, `one-task`, `chain`, `rss`, `map`, `engine`, `eager`, `burst`. */
  section: string;
  /** What was measured. */
  name: string;
  /** Median of the samples; null when the measurement failed (see `note`). */
  value: number | null;
  unit: 'ms' | 'MB' | 'ms/node' | 's';
  samples?: number[];
  baseline?: { name: string; value: number | null; samples?: number[] };
  target?: BenchTarget;
  /** Why it failed, or what to keep in mind. */
  note?: string;
}

/** value / baseline, when both exist. */
export function ratioOf(row: BenchRow): number | undefined {
  const b = row.baseline?.value;
  if (row.value === null || b === null || b === undefined || b <= 0) return undefined;
  return row.value / b;
}

/** Whether the row meets its target: true, false, or undefined (no target, or no value). */
export function metOf(row: BenchRow): boolean | undefined {
  if (!row.target || row.value === null) return undefined;
  const r = ratioOf(row);
  let ok = true;
  if (row.target.maxRatio !== undefined) {
    if (r === undefined) return undefined;
    ok &&= r <= row.target.maxRatio;
  }
  if (row.target.max !== undefined) ok &&= row.value <= row.target.max;
  return ok;
}

function fmt(v: number | null | undefined, unit: string): string {
  if (v === null || v === undefined || Number.isNaN(v)) return 'n/a';
  if (unit === 'ms') return v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`;
  if (unit === 'ms/node') return `${v.toFixed(v < 1 ? 3 : 2)} ms/node`;
  if (unit === 'MB') return `${v.toFixed(1)} MB`;
  return `${v.toFixed(2)} ${unit}`;
}

function cells(row: BenchRow): string[] {
  const r = ratioOf(row);
  const met = metOf(row);
  return [
    row.name,
    fmt(row.value, row.unit),
    row.baseline ? `${fmt(row.baseline.value, row.unit)} (${row.baseline.name})` : '',
    r === undefined ? '' : `${r.toFixed(2)}×`,
    row.target?.text ?? '',
    met === undefined ? '' : met ? 'yes' : 'NO',
  ];
}

const HEADER = ['Measurement', 'Sandbox', 'Baseline (same run)', 'Ratio', 'Target', 'Met'];

/** The rows as an aligned plain-text table, with notes below. */
export function consoleTable(rows: BenchRow[]): string {
  const body = rows.map(cells);
  const widths = HEADER.map((h, i) => Math.max(h.length, ...body.map((c) => (c[i] ?? '').length)));
  const line = (c: string[]): string => c.map((x, i) => x.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  const out = [line(HEADER), widths.map((w) => '-'.repeat(w)).join('  ')];
  let section = '';
  for (const [i, row] of rows.entries()) {
    if (row.section !== section && section !== '') out.push('');
    section = row.section;
    out.push(line(body[i] as string[]));
  }
  const notes = rows.filter((r) => r.note).map((r) => `  - ${r.name}: ${r.note}`);
  if (notes.length) out.push('', 'Notes:', ...notes);
  return out.join('\n');
}

/** The rows as a Markdown table, with notes below. */
export function markdownTable(rows: BenchRow[]): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const out = [`| ${HEADER.join(' | ')} |`, `| ${HEADER.map(() => '---').join(' | ')} |`];
  for (const row of rows) out.push(`| ${cells(row).map(esc).join(' | ')} |`);
  const notes = rows.filter((r) => r.note).map((r) => `- ${r.name}: ${r.note}`);
  if (notes.length) out.push('', ...notes);
  return out.join('\n');
}

const START = '<!-- bench:results:start -->';
const END = '<!-- bench:results:end -->';

/**
 * Replaces the generated block of docs/benchmarks.md (between the `bench:results` markers) with
 * this run's figures; the hand-written text around it stays. Creates the markers if missing.
 */
export function writeBenchmarksDoc(rows: BenchRow[], meta: { date: string; machine: string; binary: string; docker: string; durationS: number; load: string }): string {
  const file = path.join(ROOT, 'docs', 'benchmarks.md');
  const block = [
    START,
    `Last run: ${meta.date}, ${meta.durationS.toFixed(0)} s in total.`,
    '',
    `Machine: ${meta.machine}; ${meta.docker}; binary ${meta.binary}; ${meta.load}.`,
    '',
    markdownTable(rows),
    END,
  ].join('\n');
  let text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n\n';
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  text = a >= 0 && b > a ? `${text.slice(0, a)}${block}${text.slice(b + END.length)}` : `${text.trimEnd()}\n\n## Latest results\n\n${block}\n`;
  fs.writeFileSync(file, text);
  return file;
}
