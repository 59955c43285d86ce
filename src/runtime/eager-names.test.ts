import { describe, expect, it } from 'vitest';
import { childName, inputsDigest, parseExecutionError, retryName, slug } from './eager-names.ts';

const DNS_LABEL = /^[a-z]([a-z0-9-]*[a-z0-9])?$/;
const int = (n: number) => ({ scalar: { primitive: { integer: String(n) } } });

describe('child execution names', () => {
  const id = { parent: 'flytesnacks/development/abc', entity: 'examples.eager_workflows.add_one', inputs: inputsDigest({ literals: { x: int(1) } }), occurrence: 0 };

  it('are the same for the same call and differ by parent, entity, inputs and occurrence', () => {
    const a = childName(id, 'add_one');
    expect(childName({ ...id }, 'add_one')).toBe(a);
    const others = [
      childName({ ...id, parent: 'flytesnacks/development/abd' }, 'add_one'),
      childName({ ...id, entity: 'examples.eager_workflows.double' }, 'add_one'),
      childName({ ...id, inputs: inputsDigest({ literals: { x: int(2) } }) }, 'add_one'),
      childName({ ...id, occurrence: 1 }, 'add_one'),
    ];
    expect(new Set([a, ...others]).size).toBe(5);
    expect(a).toMatch(/^e-add-one-[0-9a-f]{20}$/);
  });

  it('are DNS labels of at most 63 characters, retry suffix included', () => {
    for (const short of ['add_one', 'A_Very_Long_Task_Name_That_Goes_On_And_On_Forever_123', '___', 'Ünïcode', '9lives']) {
      const n = retryName(childName(id, short), 12);
      expect(n.length).toBeLessThanOrEqual(63);
      expect(n).toMatch(DNS_LABEL);
    }
    expect(retryName('e-x-1', 0)).toBe('e-x-1');
    expect(retryName('e-x-1', 2)).toBe('e-x-1-r2');
    expect(slug('--Add__One--')).toBe('add-one');
  });

  it('digest inputs canonically: key order does not matter, values do', () => {
    const a = inputsDigest({ literals: { x: int(1), y: { scalar: { primitive: { stringValue: 's' } } } } });
    const b = inputsDigest({ literals: { y: { scalar: { primitive: { stringValue: 's' } } }, x: int(1) } });
    expect(a).toBe(b);
    expect(inputsDigest({ literals: { x: int(1) } })).not.toBe(inputsDigest({ literals: { x: int(2) } }));
    const bytes = (v: number[]) => ({ scalar: { binary: { value: new Uint8Array(v), tag: 'msgpack' } } });
    expect(inputsDigest({ literals: { b: bytes([1, 2]) } })).not.toBe(inputsDigest({ literals: { b: bytes([1, 3]) } }));
  });
});

describe('parseExecutionError', () => {
  it('recovers name, message and kind from the runtime format with a stack', () => {
    const e = parseExecutionError({ code: 'USER:RuntimeError', kind: 1, message: 'TypeError: some exception\n    at fn (file:///x.ts:1:2)\n    at run (y.ts:3:4)' });
    expect(e).toEqual({ errorName: 'TypeError', errorMessage: 'some exception', kind: 'USER' });
  });

  it('keeps multi-line messages, skips an engine prefix, and maps SYSTEM', () => {
    const e = parseExecutionError({ code: 'X', kind: 2, message: '[n0] RangeError: line one\nline two\n    at f (a.ts:1:1)' });
    expect(e).toEqual({ errorName: 'RangeError', errorMessage: 'line one\nline two', kind: 'SYSTEM' });
  });

  it('falls back to the error code as the name when the message has no name', () => {
    expect(parseExecutionError({ code: 'RetriesExhausted|ContainerNonZeroExit', kind: 1, message: 'container exited with code 3; see file:///log' })).toEqual({
      errorName: 'ContainerNonZeroExit',
      errorMessage: 'container exited with code 3; see file:///log',
      kind: 'USER',
    });
    expect(parseExecutionError(undefined)).toEqual({ errorName: 'Error', errorMessage: 'failed with code unknown', kind: 'UNKNOWN' });
  });
});
