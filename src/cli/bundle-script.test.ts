import { describe, expect, test } from 'vitest';
import { CODE_CACHE_ASSET, codeCacheAssetFor, LEAN_CODE_CACHE_ASSET } from './bundle-script.ts';

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
