import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AlreadyExistsError, createError, ensureError, isSandboxError, NotFoundError, SandboxError, ValidationError } from './errors.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** A full code: `SBX_` + at least two segments, not a prefix such as `SBX_LAUNCHER_` or `SBX_ADMIN_*`. */
const CODE = /SBX_[A-Z0-9]+(?:_[A-Z0-9]+)+(?![A-Z0-9_])/g;

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) return d.name.startsWith('.') || d.name === 'node_modules' ? [] : sourceFiles(p);
    return /\.(ts|mts|js|mjs)$/.test(d.name) && !/\.test\.ts$/.test(d.name) ? [p] : [];
  });
}

describe('SandboxError', () => {
  it('carries code, category, kind and path; subclasses set defaults', () => {
    const e = new ValidationError('SBX_X_BAD', 'bad', { path: 'body.a' });
    expect([e.code, e.category, e.kind, e.retryable, e.path]).toEqual(['SBX_X_BAD', 'VALIDATION', 'USER', false, 'body.a']);
    expect(e).toBeInstanceOf(SandboxError);
    expect(e.toJSON()).toMatchObject({ code: 'SBX_X_BAD', message: 'bad', path: 'body.a' });
    expect(createError('NOT_FOUND', 'SBX_X_MISSING', 'gone')).toBeInstanceOf(NotFoundError);
    expect(createError('ALREADY_EXISTS', 'SBX_X_DUP', 'dup')).toBeInstanceOf(AlreadyExistsError);
  });

  it('isSandboxError works across copies (brand, not instanceof) and filters by code', () => {
    const e = new NotFoundError('SBX_X_MISSING', 'gone');
    expect(isSandboxError(e)).toBe(true);
    expect(isSandboxError(e, 'SBX_X_MISSING')).toBe(true);
    expect(isSandboxError(e, 'SBX_OTHER')).toBe(false);
    expect(isSandboxError({ code: 'SBX_X_MISSING', message: 'fake' })).toBe(false);
    const clone = Object.assign(Object.create(Error.prototype), e, { [Symbol.for('tflyte.SandboxError')]: true });
    expect(isSandboxError(clone, 'SBX_X_MISSING')).toBe(true);
    expect(ensureError('text').message).toBe('text');
  });
});

describe('docs/errors.md', () => {
  it('lists every SBX_ code used in src/, and only those', () => {
    const used = new Set<string>();
    for (const f of sourceFiles(path.join(ROOT, 'src'))) for (const m of fs.readFileSync(f, 'utf8').matchAll(CODE)) used.add(m[0]);
    const documented = new Set([...fs.readFileSync(path.join(ROOT, 'docs', 'errors.md'), 'utf8').matchAll(CODE)].map((m) => m[0]));
    const missing = [...used].filter((c) => !documented.has(c)).sort();
    const stale = [...documented].filter((c) => !used.has(c)).sort();
    expect({ missing, stale }).toEqual({ missing: [], stale: [] });
  });
});
