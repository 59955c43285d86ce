import { describe, expect, test } from 'vitest';
import { CODE_CACHE_ASSET, codeCacheAssetFor, EXTRA_PREFIX, LEAN_CODE_CACHE_ASSET, requireWithExtras } from './bundle-script.ts';

describe('codeCacheAssetFor', () => {
  test('commands that load, register or run workflow code take the trained cache', () => {
    for (const command of ['run', 'execute', 'worker', 'register', 'package', 'demo']) {
      expect(codeCacheAssetFor([command, 'x.ts'])).toBe(CODE_CACHE_ASSET);
    }
  });

  test('the program name first (task templates put it there) does not change the choice', () => {
    expect(codeCacheAssetFor(['tflyte-sandbox', 'execute', '--inputs', 'x'])).toBe(CODE_CACHE_ASSET);
    expect(codeCacheAssetFor(['tflyte-sandbox', 'serve'])).toBe(LEAN_CODE_CACHE_ASSET);
  });

  test('the daemon, the other commands, options first and no arguments take the lean cache', () => {
    for (const args of [['serve'], ['start'], ['status'], ['get', 'executions'], ['--version'], ['--verbose', 'run', 'x.ts'], []]) {
      expect(codeCacheAssetFor(args)).toBe(LEAN_CODE_CACHE_ASSET);
    }
  });
});

describe('requireWithExtras', () => {
  const base = Object.assign((id: string) => `base:${id}`, { resolve: () => 'resolved', cache: {}, main: undefined, extensions: {} }) as unknown as NodeJS.Require;

  test('tflyte-extra:<id> comes from the extras, loaded once at the first such request; the rest from the base require', () => {
    let loads = 0;
    const made: string[] = [];
    const req = requireWithExtras(base, () => {
      loads++;
      return { express: () => (made.push('express'), 'the express module'), yaml: () => 'the yaml module' };
    });
    expect(req('node:fs')).toBe('base:node:fs');
    expect(loads).toBe(0);
    expect(req(`${EXTRA_PREFIX}express`)).toBe('the express module');
    expect(req(`${EXTRA_PREFIX}yaml`)).toBe('the yaml module');
    expect(loads).toBe(1);
    expect(made).toEqual(['express']);
    expect(req.resolve).toBe(base.resolve);
  });

  test('a module the extras lack is an error naming it and saying what to do', () => {
    const req = requireWithExtras(base, () => ({}));
    expect(() => req(`${EXTRA_PREFIX}left-pad`)).toThrow("left-pad is not in this binary's extras bundle: the binary is damaged or of another build (install it again)");
    expect(() => req(`${EXTRA_PREFIX}toString`)).toThrow(/toString is not in this binary's extras bundle/);
  });
});
