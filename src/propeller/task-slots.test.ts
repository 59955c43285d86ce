import { describe, expect, it } from 'vitest';
import { TaskSlots } from './task-slots.ts';

describe('TaskSlots', () => {
  it('holds at most max attempts and wakes waiters, oldest first, as slots free', () => {
    const slots = new TaskSlots(2);
    const woken: string[] = [];
    const wake = (n: string) => () => woken.push(n);
    const wc = wake('c');
    const wd = wake('d');
    expect(slots.tryAcquire('a', wake('a'))).toBe(true);
    expect(slots.tryAcquire('b', wake('b'))).toBe(true);
    expect(slots.tryAcquire('a', wake('a'))).toBe(true); // already held
    expect(slots.tryAcquire('c', wc)).toBe(false);
    expect(slots.tryAcquire('d', wd)).toBe(false);
    expect(slots.tryAcquire('c', wc)).toBe(false); // the same waiter is recorded once
    expect([slots.running, slots.waiting]).toEqual([2, 2]);
    slots.release('zzz'); // not held: nothing happens
    expect(woken).toEqual([]);
    slots.release('a');
    expect(woken).toEqual(['c']);
    expect(slots.tryAcquire('c', wc)).toBe(true);
    expect([slots.running, slots.waiting]).toEqual([2, 1]);
    slots.release('b');
    slots.release('c');
    expect(woken).toEqual(['c', 'd']);
  });

  it('has no limit when max is 0', () => {
    const slots = new TaskSlots(0);
    for (let i = 0; i < 1000; i++) expect(slots.tryAcquire(`k${i}`, () => undefined)).toBe(true);
    expect(slots.running).toBe(1000);
  });
});
