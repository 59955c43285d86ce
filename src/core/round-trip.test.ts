/**
 * Property-style round trips: many random (type, value) pairs, including nesting, go
 * value → toLiteral → protobuf binary → decode → fromLiteral and must come back deep-equal, both
 * through our reflection codec (`idl.ts`) and through the real static flyteidl classes.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { decode, encode, MessageName } from './idl.ts';
import { literalToJs } from './literals.ts';
import { descriptorFromLiteralType, t, type TypeDescriptor } from './types.ts';

const require = createRequire(import.meta.url);
// The package is CommonJS; its static classes are what other Flyte clients are generated from.
const pb = require('@flyteorg/flyteidl/gen/pb-js/flyteidl.js') as {
  flyteidl: {
    core: Record<
      string,
      {
        verify(m: object): string | null;
        encode(m: object): { finish(): Uint8Array };
        decode(b: Uint8Array): object;
      }
    >;
  };
};
const StaticLiteral = pb.flyteidl.core.Literal!;
const StaticLiteralType = pb.flyteidl.core.LiteralType!;

/** Deterministic PRNG (mulberry32) so failures reproduce; the seed is in the test name. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

type Gen = { d: TypeDescriptor; value: () => unknown };

class Random {
  readonly r: () => number;
  constructor(seed: number) {
    this.r = rng(seed);
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.r() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(0, xs.length - 1)] as T;
  }
  chance(p: number): boolean {
    return this.r() < p;
  }
  string(): string {
    const alphabet = ['a', 'b', 'Z', ' ', '"', '\\', '\n', 'é', 'ü', '中', '😀', '0', '{', '.'];
    const n = this.int(0, 8);
    let s = '';
    for (let i = 0; i < n; i++) s += this.pick(alphabet);
    return s;
  }
  key(): string {
    return this.pick(['a', 'b_c', 'x1', 'with space', 'ü', 'k', '0', '$d']);
  }
  safeInt(): number {
    return this.pick([
      () => 0,
      () => -1,
      () => Number.MAX_SAFE_INTEGER,
      () => Number.MIN_SAFE_INTEGER,
      () => this.int(-1000, 1000),
      () => this.int(-(2 ** 31), 2 ** 31),
      () => Math.floor((this.r() - 0.5) * 2 ** 53),
    ])();
  }
  float(json: boolean): number {
    const special = json ? [0, 1.5, -2.25, 1e308] : [0, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 5e-324];
    return this.chance(0.2) ? this.pick(special) : (this.r() - 0.5) * 10 ** this.int(-5, 12);
  }
  date(): Date {
    const min = -62_135_596_800_000;
    const max = 253_402_300_799_999;
    return new Date(this.pick([min, max, 0, Math.floor(min + this.r() * (max - min))]));
  }
  duration(): number {
    return this.pick([0, 1, -1500, 86_400_000, this.int(-1e9, 1e9), this.int(0, 1e6) + 0.5]);
  }
}

/** Value "families" that must not share a union, or the first variant would capture the other's values. */
const FAMILY: Record<string, string> = {
  int: 'num', float: 'num', duration: 'num', str: 'text', enum: 'text', file: 'text', dir: 'text',
  datetime: 'date', bool: 'bool', list: 'list', dict: 'obj', struct: 'obj', none: 'none',
};

/**
 * A random descriptor with a value generator. `json` marks positions inside a struct, whose values
 * travel as JSON (finite floats only).
 */
function genType(rand: Random, depth: number, json: boolean): Gen {
  const leaf: Array<() => Gen> = [
    () => ({ d: t.int, value: () => rand.safeInt() }),
    () => ({ d: t.float, value: () => rand.float(json) }),
    () => ({ d: t.str, value: () => rand.string() }),
    () => ({ d: t.bool, value: () => rand.chance(0.5) }),
    () => ({ d: t.datetime, value: () => rand.date() }),
    () => ({ d: t.duration, value: () => rand.duration() }),
    () => ({ d: t.none, value: () => null }),
    () => {
      const values = rand.pick([['a'], ['red', 'green', 'blue'], ['x y', 'Ü']]);
      return { d: t.enum(...values), value: () => rand.pick(values) };
    },
    () => ({ d: t.file, value: () => rand.pick(['/tmp/a.txt', 's3://bucket/key', 'file:///data/x']) }),
    () => ({ d: t.dir, value: () => rand.pick(['/tmp/dir', 'file:///data/d/']) }),
  ];
  if (depth <= 0) return rand.pick(leaf)();
  const nested: Array<() => Gen> = [
    () => {
      const e = genType(rand, depth - 1, json);
      return { d: t.list(e.d), value: () => Array.from({ length: rand.int(0, 4) }, () => e.value()) };
    },
    () => {
      const e = genType(rand, depth - 1, json);
      return {
        d: t.dict(e.d),
        value: () => Object.fromEntries(Array.from({ length: rand.int(0, 3) }, () => [rand.key(), e.value()])),
      };
    },
    () => {
      const names = [...new Set(Array.from({ length: rand.int(1, 3) }, () => rand.key()))];
      const fields = Object.fromEntries(names.map((n) => [n, genType(rand, depth - 1, true)]));
      const d = t.struct(Object.fromEntries(names.map((n) => [n, fields[n]!.d])));
      return { d, value: () => Object.fromEntries(names.map((n) => [n, fields[n]!.value()])) };
    },
    () => ({
      d: t.struct(),
      value: () => ({ n: rand.safeInt(), s: rand.string(), l: [true, null, { deep: [1.5] }] }),
    }),
    () => {
      const e = genType(rand, depth - 1, json);
      return { d: t.optional(e.d), value: () => (rand.chance(0.3) ? null : e.value()) };
    },
    () => {
      const variants: Gen[] = [];
      const families = new Set<string>();
      for (let i = 0; i < 6 && variants.length < 3; i++) {
        const g = genType(rand, depth - 1, json);
        const f = FAMILY[g.d.kind] ?? g.d.kind;
        // Text inside JSON would be read back as a date or a duration ("30s") by those variants.
        const clash = (f === 'text' && (families.has('date') || families.has('num'))) ||
          ((f === 'date' || f === 'num') && families.has('text'));
        if (families.has(f) || clash || g.d.kind === 'optional' || g.d.kind === 'union') continue;
        families.add(f);
        variants.push(g);
      }
      const d = t.union(...variants.map((v) => v.d));
      return { d, value: () => rand.pick(variants).value() };
    },
  ];
  return rand.chance(0.35) ? rand.pick(leaf)() : rand.pick(nested)();
}

function viaIdl(lit: object): Record<string, unknown> {
  return decode(MessageName.Literal, encode(MessageName.Literal, lit));
}

/** Encodes with the generated static class (after its own `verify`), decodes to a message instance. */
function viaStatic(lit: object): { instance: object; bytes: Uint8Array } {
  const problem = StaticLiteral.verify(lit);
  if (problem !== null) throw new Error(`static verify: ${problem}`);
  const bytes = StaticLiteral.encode(lit).finish();
  return { instance: StaticLiteral.decode(bytes), bytes };
}

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];
const CASES_PER_SEED = 150;

describe('round trip of random typed values', () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}: value -> literal -> binary -> literal -> value, through idl.ts and the static classes`, () => {
      const rand = new Random(seed);
      let checked = 0;
      for (let i = 0; i < CASES_PER_SEED; i++) {
        const { d, value } = genType(rand, rand.int(0, 3), false);
        const v = value();
        const where = `${d.toString()} <- ${JSON.stringify(v)}`;
        const lit = d.toLiteral(v, 'v');

        // Our reflection codec.
        const back = d.fromLiteral(viaIdl(lit) as object, 'v');
        expect(back, where).toEqual(v);

        // The real static flyteidl classes (message instances: Longs, prototype defaults).
        const s = viaStatic(lit);
        expect(d.fromLiteral(s.instance, 'v'), where).toEqual(v);
        // Both codecs read each other's bytes.
        expect(decode(MessageName.Literal, s.bytes), where).toEqual(viaIdl(lit));

        // The literal type survives the static classes and rebuilds the same descriptor.
        expect(StaticLiteralType.verify(d.literalType()), where).toBeNull();
        const lt = StaticLiteralType.decode(StaticLiteralType.encode(d.literalType()).finish());
        expect(descriptorFromLiteralType(lt).toString(), where).toBe(d.toString());

        // The rebuilt descriptor reads the same literal to the same value.
        expect(descriptorFromLiteralType(d.literalType()).fromLiteral(viaIdl(lit) as object, 'v'), where).toEqual(v);

        // literalToJs agrees with the descriptor's JSON form wherever JSON can hold the value.
        if (jsonSafe(v)) expect(literalToJs(viaIdl(lit) as object), where).toEqual(d.toJsonValue(v, 'v'));
        checked++;
      }
      expect(checked).toBe(CASES_PER_SEED);
    });
  }
});

function jsonSafe(v: unknown): boolean {
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every(jsonSafe);
  if (v instanceof Date) return true;
  if (typeof v === 'object' && v !== null) return Object.values(v).every(jsonSafe);
  return true;
}
