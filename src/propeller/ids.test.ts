import { describe, expect, it } from 'vitest';
import { attemptKey, childExecutionName, executionKey, fixedLengthUniqueId, parseExecutionKey, uniqueNodeId } from './ids.ts';

describe('ids', () => {
  it('matches Flyte FixedLengthUniqueIDForParts (values from flyteplugins encoder_test.go)', () => {
    expect(fixedLengthUniqueId(20, ['xxxxxxxxxxxxxxxxxxxxxxxx'])).toBe('fuaa3aji');
    const parts = ['x', 'y', 'z', 'm', 'n', 'y', 'z', 'm', 'n', 'y', 'z', 'm', 'n'];
    expect(fixedLengthUniqueId(15, parts)).toBe('fe63sz6y');
    expect(fixedLengthUniqueId(15, parts, 64)).toBe('fwp4bky2kucex5');
    expect(fixedLengthUniqueId(10, ['x', 'y', 'z'])).toBe('x-y-z');
  });

  it('builds unique node ids from the parent lineage', () => {
    expect(uniqueNodeId(undefined, 'n0')).toBe('n0');
    expect(uniqueNodeId({ uniqueId: 'n1', attempt: 2 }, 'n0')).toBe('n1-2-n0');
    expect(uniqueNodeId({ uniqueId: 'a-long-parent-id', attempt: 0 }, 'node-x')).toMatch(/^f[a-z1-6]{7}$/);
  });

  it('names child executions and attempt keys deterministically and DNS-safely', () => {
    expect(childExecutionName('abc', 'n0', 1)).toBe('abc-n0-1');
    expect(childExecutionName('abcdefghijklmnop', 'n0', 1)).toMatch(/^f[a-z1-6]{13}$/);
    expect(attemptKey('abc', 'n0', 0)).toBe('abc-n0-0');
    const odd = attemptKey('Exec_1', 'n0', 0);
    expect(odd).toMatch(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/);
    expect(odd).toBe(attemptKey('Exec_1', 'n0', 0));
    expect(odd).not.toBe(attemptKey('exec-1', 'n0', 0));
    expect(attemptKey('e'.repeat(70), 'n0', 0).length).toBeLessThanOrEqual(63);
  });

  it('round-trips execution keys', () => {
    const id = { project: 'p', domain: 'd', name: 'a1' };
    expect(parseExecutionKey(executionKey(id))).toEqual(id);
  });
});
