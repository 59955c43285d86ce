import { describe, expect, it } from 'vitest';
import { containerResources, formatBytes, parseCpu, parseMemory } from './resources.ts';

describe('resources', () => {
  it('parses CPU and memory quantities', () => {
    expect(parseCpu('500m')).toBe(0.5);
    expect(parseCpu('2')).toBe(2);
    expect(parseCpu('lots')).toBeUndefined();
    expect(parseMemory('512Mi')).toBe(512 * 1024 ** 2);
    expect(parseMemory('1Gi')).toBe(1024 ** 3);
    expect(parseMemory('1G')).toBe(1e9);
    expect(parseMemory('100')).toBe(100);
    expect(parseMemory('1 parsec')).toBeUndefined();
    expect(formatBytes(1024 ** 3)).toBe('1Gi');
  });

  it('prefers limits over requests', () => {
    expect(
      containerResources({
        requests: [{ name: 1, value: '250m' }, { name: 3, value: '256Mi' }],
        limits: [{ name: 1, value: '1' }],
      }),
    ).toEqual({ cpu: 1, memoryBytes: 256 * 1024 ** 2 });
    expect(containerResources(undefined)).toEqual({});
  });
});
