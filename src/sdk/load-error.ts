/**
 * Errors in the user's own code while it loads, told the way a compiler tells them: the user's
 * `file:line:col`, the message, and a code frame — never our internal stack frames (the CLI shows
 * those only with `--verbose` or `TFLYTE_DEBUG=1`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Brand that survives duplicated copies of this module (the CLI bundle and the SDK). */
const BRAND = Symbol.for('tflyte.UserCodeError');

/**
 * The user's code (or what it imports) is at fault: the message says where and what to do, so the
 * CLI prints it without a stack trace.
 */
export class UserCodeError extends Error {
  /** Where in the user's code, when known. */
  readonly location?: SourceLocation;
  declare readonly [BRAND]: true;

  constructor(message: string, options: { cause?: unknown; location?: SourceLocation } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UserCodeError';
    if (options.location) this.location = options.location;
    Object.defineProperty(this, BRAND, { value: true, enumerable: false });
  }
}

/** Whether `e` is a {@link UserCodeError} (from any copy of this module). */
export function isUserCodeError(e: unknown): e is UserCodeError {
  return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[BRAND] === true;
}

/** A position in a source file: 1-based line and column. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

/**
 * Explains why `file` failed to load: a syntax error at its position, a throw at the user's line
 * that threw, a missing npm package with the install command. `root` is the project root: frames
 * outside it (the SDK, Node's internals, node_modules) are never shown as the user's line.
 */
export function describeLoadError(e: unknown, file: string, root: string): UserCodeError {
  const err = e instanceof Error ? e : new Error(String(e));
  const code = (err as { code?: string }).code;
  const shown = (abs: string): string => path.relative(process.cwd(), abs) || abs;
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
    const pkg = /Cannot find (?:package|module) '([^']+)'(?: imported from (.+))?/.exec(err.message);
    if (pkg?.[1] && !pkg[1].startsWith('.') && !pkg[1].startsWith('/') && !pkg[1].startsWith('file:')) {
      const name = packageName(pkg[1]);
      const from = pkg[2] ? shown(pkg[2].startsWith('file:') ? fileURLToPath(pkg[2]) : pkg[2]) : shown(file);
      return new UserCodeError(
        `cannot load ${shown(file)}: ${from} imports "${pkg[1]}", which is not installed. Install it in the project: npm install ${name} (in ${root})`,
        { cause: err },
      );
    }
    return new UserCodeError(`cannot load ${shown(file)}: ${firstLine(err.message)}`, { cause: err });
  }
  const location = err.name === 'SyntaxError' ? syntaxLocation(err) : userFrame(err, root);
  if (!location) return new UserCodeError(`cannot load ${shown(file)}: ${firstLine(err.message)}`, { cause: err });
  const what = err.name === 'SyntaxError' ? 'syntax error' : err.name && err.name !== 'Error' ? err.name : 'error thrown while loading';
  const frame = codeFrame(location);
  return new UserCodeError(`${shown(location.file)}:${location.line}:${location.column}: ${what}: ${firstLine(err.message)}${frame ? `\n${frame}` : ''}`, {
    cause: err,
    location,
  });
}

/** `lodash/fp` → `lodash`; `@scope/pkg/sub` → `@scope/pkg`. */
export function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}

/**
 * Node's syntax errors (type stripping and the JS parser) start their stack with
 * `FILE:LINE`, the source line, and a caret line under the column.
 */
function syntaxLocation(err: Error): SourceLocation | undefined {
  const lines = (err.stack ?? '').split('\n');
  const head = /^(.+):(\d+)$/.exec(lines[0] ?? '');
  if (!head?.[1] || !head[2]) return undefined;
  const caret = lines.findIndex((l, i) => i >= 2 && /^\s*\^/.test(l));
  const column = caret >= 0 ? (lines[caret] ?? '').indexOf('^') + 1 : 1;
  const file = head[1].startsWith('file:') ? fileURLToPath(head[1]) : head[1];
  return { file, line: Number(head[2]), column };
}

/** The first stack frame in the user's project (not in node_modules). */
function userFrame(err: Error, root: string): SourceLocation | undefined {
  for (const l of (err.stack ?? '').split('\n').slice(1)) {
    const m = /\(?((?:file:\/\/)?\/[^():]+):(\d+):(\d+)\)?\s*$/.exec(l);
    if (!m?.[1]) continue;
    const file = m[1].startsWith('file:') ? fileURLToPath(m[1]) : m[1];
    if (!file.startsWith(root + path.sep) || file.includes(`${path.sep}node_modules${path.sep}`)) continue;
    return { file, line: Number(m[2]), column: Number(m[3]) };
  }
  return undefined;
}

/** Two lines around `loc`, numbered, with a `^` under the column. */
export function codeFrame(loc: SourceLocation): string | undefined {
  let text: string;
  try {
    text = fs.readFileSync(loc.file, 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n');
  const from = Math.max(1, loc.line - 2);
  const to = Math.min(lines.length, loc.line + 2);
  const width = String(to).length;
  const out: string[] = [];
  for (let n = from; n <= to; n++) {
    out.push(`${n === loc.line ? '>' : ' '} ${String(n).padStart(width)} | ${(lines[n - 1] ?? '').replace(/\t/g, '  ')}`);
    if (n === loc.line) out.push(`  ${' '.repeat(width)} | ${' '.repeat(Math.max(0, loc.column - 1))}^`);
  }
  return out.join('\n');
}
