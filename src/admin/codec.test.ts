import { describe, expect, it } from 'vitest';
import { canonicalDigest, msToTimestamp, timestampToMs } from './codec.ts';

describe('canonicalDigest', () => {
  it('ignores map key order and differs when content differs', () => {
    const a = { template: { type: 'python-task', interface: { inputs: { variables: { a: { type: { simple: 1 } }, b: { type: { simple: 3 } } } } } } };
    const b = { template: { interface: { inputs: { variables: { b: { type: { simple: 3 } }, a: { type: { simple: 1 } } } } }, type: 'python-task' } };
    const c = { template: { type: 'python-task', interface: { inputs: { variables: { a: { type: { simple: 3 } } } } } } };
    expect(canonicalDigest('flyteidl.admin.TaskSpec', a)).toBe(canonicalDigest('flyteidl.admin.TaskSpec', b));
    expect(canonicalDigest('flyteidl.admin.TaskSpec', a)).not.toBe(canonicalDigest('flyteidl.admin.TaskSpec', c));
  });
});

describe('timestamps', () => {
  it('round-trip milliseconds', () => {
    expect(timestampToMs(msToTimestamp(1_700_000_000_123))).toBe(1_700_000_000_123);
    expect(timestampToMs(undefined)).toBeUndefined();
  });
});
