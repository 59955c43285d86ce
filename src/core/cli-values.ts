/**
 * Parsing command-line text into JS values of a declared type (`tflyte-sandbox run … --a 5`).
 */
import { describeValue, LiteralConversionError } from './conversion-error.ts';
import { parseDurationText } from './scalar-types.ts';
import { asKnownDescriptor, type TypeDescriptor } from './types.ts';

export { parseDurationText };

const INT_TEXT = /^[+-]?\d+$/;
const FLOAT_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const FLOAT_NAMES: Record<string, number> = {
  nan: Number.NaN,
  inf: Number.POSITIVE_INFINITY,
  '+inf': Number.POSITIVE_INFINITY,
  '-inf': Number.NEGATIVE_INFINITY,
  infinity: Number.POSITIVE_INFINITY,
  '+infinity': Number.POSITIVE_INFINITY,
  '-infinity': Number.NEGATIVE_INFINITY,
};
const TRUE_TEXT = new Set(['true', '1', 'yes', 'y', 'on']);
const FALSE_TEXT = new Set(['false', '0', 'no', 'n', 'off']);
const NULL_TEXT = new Set(['null', 'none']);

function fail(name: string, d: TypeDescriptor, text: string, hint: string): never {
  const got = describeValue(text);
  throw new LiteralConversionError(name, d.toString(), got, `${name}: expected ${d.toString()}, got ${got} (${hint})`);
}

function parseJson(d: TypeDescriptor, text: string, name: string): unknown {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    fail(name, d, text, `give it as JSON: ${(e as Error).message}`);
  }
  return d.fromJsonValue(json, name);
}

/**
 * Parses command-line text for an input of type `d`; `name` is how errors name the input (the CLI
 * passes e.g. `--a`). Returns a value that `d.toLiteral` accepts.
 *
 * - `int`: decimal digits (a bigint beyond ±2^53); `float`: decimal or exponent notation, `nan`, `inf`;
 * - `str`: the text as is; `bool`: `true/false`, `1/0`, `yes/no` (also `y/n`, `on/off`), any case;
 * - `datetime`: ISO 8601 (`2024-05-01`, `2024-05-01T10:00:00Z`); `duration`: milliseconds or
 *   `30s`, `5m`, `1h`, `1h30m`, `250ms`, `2d`;
 * - `none`: `null`, `none` or empty; `optional<T>`: the same, else T;
 * - `enum`: one of its values; `file` / `dir`: a local path or URI (not checked here);
 * - `list`, `dict`, `struct`: JSON (elements in their JSON form: datetimes as ISO strings,
 *   durations as milliseconds or text);
 * - `union`: `null`/`none` if it has a none variant, else the first variant whose parse succeeds,
 *   in declaration order.
 *
 * @throws LiteralConversionError naming `name` and the expected type, e.g.
 *   `--a: expected int, got "x" (use an integer like 42)`.
 */
export function parseCliValue(d: TypeDescriptor, text: string, name: string): unknown {
  const k = asKnownDescriptor(d);
  const s = text.trim();
  switch (k.kind) {
    case 'int': {
      if (!INT_TEXT.test(s)) fail(name, d, text, 'use an integer like 42');
      const big = BigInt(s);
      const n = Number(big);
      const value = Number.isSafeInteger(n) ? n : big;
      d.toLiteral(value, name); // range check (int64)
      return value;
    }
    case 'float': {
      const named = FLOAT_NAMES[s.toLowerCase()];
      if (named !== undefined) return named;
      if (!FLOAT_TEXT.test(s)) fail(name, d, text, 'use a number like 1.5');
      return Number(s);
    }
    case 'str':
      return text;
    case 'bool': {
      const l = s.toLowerCase();
      if (TRUE_TEXT.has(l)) return true;
      if (FALSE_TEXT.has(l)) return false;
      return fail(name, d, text, 'use true/false, 1/0 or yes/no');
    }
    case 'datetime': {
      if (!/^\d{4}-\d{2}-\d{2}/.test(s)) fail(name, d, text, 'use ISO 8601 like 2024-05-01T10:00:00Z');
      return d.fromJsonValue(s, name);
    }
    case 'duration': {
      const ms = parseDurationText(s);
      if (ms === undefined) fail(name, d, text, 'use milliseconds or text like 30s, 5m, 1h');
      return d.fromJsonValue(ms, name);
    }
    case 'none':
      if (s === '' || NULL_TEXT.has(s.toLowerCase())) return null;
      return fail(name, d, text, 'use null');
    case 'optional':
      if (NULL_TEXT.has(s.toLowerCase()) || (s === '' && k.inner.kind !== 'str')) return null;
      try {
        return parseCliValue(k.inner, text, name);
      } catch (e) {
        if (e instanceof LiteralConversionError && e.path === name) {
          throw new LiteralConversionError(name, d.toString(), e.got, e.message.replace(`expected ${e.expected}`, `expected ${d.toString()}`));
        }
        throw e;
      }
    case 'enum':
      if (!(k.values as readonly string[]).includes(s)) fail(name, d, text, `use one of ${k.values.join(', ')}`);
      return s;
    case 'file':
    case 'dir':
      if (s === '') fail(name, d, text, `give a ${k.kind === 'dir' ? 'directory' : 'file'} path or URI`);
      return s;
    case 'list':
    case 'dict':
    case 'struct':
      return parseJson(d, s, name);
    case 'union': {
      // As for optionals, `null` / `none` mean none when the union has a none variant.
      if (NULL_TEXT.has(s.toLowerCase()) && k.variants.some((v) => v.kind === 'none')) return null;
      for (const v of k.variants) {
        try {
          return parseCliValue(v, text, name);
        } catch (e) {
          if (!(e instanceof LiteralConversionError)) throw e;
        }
      }
      return fail(name, d, text, `no variant of ${d.toString()} accepts it`);
    }
    case 'unsupported':
      return d.fromJsonValue(text, name);
    default: {
      const never: never = k;
      throw new TypeError(`parseCliValue: unknown type ${String(never)}`);
    }
  }
}
