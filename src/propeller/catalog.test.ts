import { describe, expect, it } from 'vitest';
import { canonicalInputs, catalogKeyFor, CacheReservations } from './catalog.ts';

const int = (n: number) => ({ scalar: { primitive: { integer: String(n) } } });
const task = (version: string, ignore: string[] = []) => ({
  id: { project: 'p', domain: 'd', name: 'sq', version: 'any' },
  metadata: { discoverable: true, discoveryVersion: version, cacheIgnoreInputVars: ignore },
  interface: { inputs: { variables: { a: { type: { simple: 1 } }, b: { type: { simple: 1 } } } }, outputs: { variables: { o0: { type: { simple: 1 } } } } },
});

describe('catalog keys', () => {
  it('is independent of map order and of the task version, dependent on inputs and cache version', () => {
    const k1 = catalogKeyFor(task('1'), { literals: { a: int(1), b: int(2) } });
    const k2 = catalogKeyFor({ ...task('1'), id: { ...task('1').id, version: 'other' } }, { literals: { b: int(2), a: int(1) } });
    expect(k1).toEqual(k2);
    expect(k1.datasetName).toBe('flyte_task-sq');
    expect(k1.datasetVersion).toMatch(/^1-[0-9a-f]{8}-[0-9a-f]{8}$/);
    expect(k1.tag).toMatch(/^flyte_cached-[A-Za-z0-9_-]+$/);
    expect(catalogKeyFor(task('1'), { literals: { a: int(1), b: int(3) } }).tag).not.toBe(k1.tag);
    expect(catalogKeyFor(task('2'), { literals: { a: int(1), b: int(2) } }).datasetVersion).not.toBe(k1.datasetVersion);
  });

  it('drops ignored inputs and uses a literal hash instead of its value', () => {
    const a = catalogKeyFor(task('1', ['b']), { literals: { a: int(1), b: int(2) } });
    const b = catalogKeyFor(task('1', ['b']), { literals: { a: int(1), b: int(9) } });
    expect(a.tag).toBe(b.tag);
    expect(canonicalInputs({ literals: { x: { ...int(1), hash: 'h1' } } })).toBe(canonicalInputs({ literals: { x: { ...int(2), hash: 'h1' } } }));
  });
});

describe('CacheReservations', () => {
  it('grants one holder per key and wakes waiters on release', () => {
    const r = new CacheReservations();
    let woken = 0;
    expect(r.tryAcquire('k', 'a')).toBe(true);
    expect(r.tryAcquire('k', 'a')).toBe(true);
    expect(r.tryAcquire('k', 'b')).toBe(false);
    r.onRelease('k', () => woken++);
    r.release('k', 'b');
    expect(woken).toBe(0);
    r.release('k', 'a');
    expect(woken).toBe(1);
    expect(r.tryAcquire('k', 'b')).toBe(true);
  });
});
