/**
 * The console's reading and writing of Flyte literals (protobuf JSON), checked against core's
 * own conversions so the launch form builds exactly what admin and the SDK expect.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { t, toJson } from '../core/index.ts';

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any -- browser modules have no type declarations
let lit: Any;
let fmt: Any;
let launch: Any;
let routes: Any;

beforeAll(async () => {
  lit = await import('./public/js/literals.js' as string);
  fmt = await import('./public/js/format.js' as string);
  launch = await import('./public/js/views/launch.js' as string);
  routes = await import('./public/js/routes.js' as string);
});

/** Core's literal type and literal for a value, as the REST API carries them. */
function viaCore(d: { literalType(): unknown; toLiteral(v: unknown, p: string): unknown }, value: unknown): { lt: Any; literal: Any } {
  const strip = (x: unknown): unknown => JSON.parse(JSON.stringify(x, (k, v) => (k === 'hash' || (k === 'metadata' && v && typeof v === 'object' && Object.keys(v).length === 0) ? undefined : v)));
  return { lt: toJson('flyteidl.core.LiteralType', d.literalType() as object), literal: strip(toJson('flyteidl.core.Literal', d.toLiteral(value, 'x') as object)) };
}

function ltOf(d: { literalType(): unknown }): Any {
  return toJson('flyteidl.core.LiteralType', d.literalType() as object);
}

describe('typeToString and readLiteral', () => {
  test.each([
    ['int', t.int, 50, 'int', { kind: 'int', value: '50' }],
    ['float', t.float, 1.5, 'float', { kind: 'float', value: 1.5 }],
    ['str', t.str, 'hi', 'str', { kind: 'str', value: 'hi' }],
    ['bool', t.bool, true, 'bool', { kind: 'bool', value: true }],
    ['duration', t.duration, 1500, 'duration', { kind: 'duration', value: '1500ms' }],
    ['file', t.file, 'file:///tmp/a.txt', 'file', { kind: 'file', value: 'file:///tmp/a.txt' }],
    ['dir', t.dir, 'file:///tmp/d', 'dir', { kind: 'dir', value: 'file:///tmp/d' }],
    ['optional none', t.optional(t.int), null, 'optional<int>', { kind: 'none', value: null }],
    ['enum', t.enum('red', 'green'), 'red', 'enum<red | green>', { kind: 'str', value: 'red' }],
  ])('%s', (_n, d, value, typeText, display) => {
    const { lt, literal } = viaCore(d as never, value);
    expect(lit.typeToString(lt)).toBe(typeText);
    expect(lit.readLiteral(literal)).toEqual(display);
  });

  test('structs, lists and dicts become plain JSON', () => {
    const { literal, lt } = viaCore(t.struct({ a: t.int, n: t.list(t.str) }) as never, { a: 1, n: ['q'] });
    expect(lit.typeToString(lt)).toBe('struct{a: int, n: list<str>}');
    expect(lit.toPlain(lit.readLiteral(literal))).toEqual({ a: 1, n: ['q'] });
    const list = viaCore(t.list(t.dict(t.int)) as never, [{ k: 1 }, { j: 2 }]);
    expect(lit.typeToString(list.lt)).toBe('list<dict<str, int>>');
    expect(lit.toPlain(lit.readLiteral(list.literal))).toEqual([{ k: 1 }, { j: 2 }]);
  });

  test('msgpack binary structs are decoded', () => {
    // {"a": 1, "b": [true, null], "s": "x"} in msgpack
    const bytes = Uint8Array.from([0x83, 0xa1, 0x61, 0x01, 0xa1, 0x62, 0x92, 0xc3, 0xc0, 0xa1, 0x73, 0xa1, 0x78]);
    const b64 = Buffer.from(bytes).toString('base64');
    expect(lit.readLiteral({ scalar: { binary: { value: b64, tag: 'msgpack' } } })).toEqual({ kind: 'struct', value: { a: 1, b: [true, null], s: 'x' } });
  });
});

describe('inputTextToLiteral builds what core builds', () => {
  test.each([
    ['int', t.int, '50', 50],
    ['negative int', t.int, '-7', -7],
    ['float', t.float, '2.5', 2.5],
    ['str', t.str, 'hello world', 'hello world'],
    ['bool', t.bool, 'true', true],
    ['datetime', t.datetime, '2024-01-02T03:04:05Z', new Date('2024-01-02T03:04:05Z')],
    ['duration', t.duration, '1.5s', 1500],
    ['list', t.list(t.int), '[1, 2, 3]', [1, 2, 3]],
    ['dict', t.dict(t.str), '{"k": "v"}', { k: 'v' }],
    ['struct', t.struct({ a: t.int, n: t.list(t.str) }), '{"a": 1, "n": ["q"]}', { a: 1, n: ['q'] }],
    ['optional', t.optional(t.int), '4', 4],
    ['optional empty', t.optional(t.int), '', null],
    ['union', t.union(t.int, t.str), '"hey"', 'hey'],
    ['enum', t.enum('red', 'green'), 'green', 'green'],
    ['file', t.file, 'file:///tmp/x.txt', 'file:///tmp/x.txt'],
  ])('%s', (_n, d, text, value) => {
    const { lt, literal } = viaCore(d as never, value);
    expect(lit.inputTextToLiteral(text, lt, 'x')).toEqual(literal);
  });

  test.each([
    [t.int, 'abc', 'x: expected an integer, got "abc"'],
    [t.int, '1.5', 'x: expected an integer'],
    [t.int, '99999999999999999999', 'x: expected a 64-bit integer'],
    [t.float, 'many', 'x: expected a number'],
    [t.bool, 'yes', 'x: expected true or false'],
    [t.duration, 'soon', 'x: expected a duration like 1.5s'],
    [t.list(t.int), '[1, "a"]', 'x[1]: expected an integer, got "a"'],
    [t.list(t.int), '[1,', 'x: not valid JSON'],
    [t.struct({ a: t.int }), '{"b": 1}', 'x.a: missing field (expected int)'],
    [t.enum('red', 'green'), 'blue', 'x: expected one of red, green'],
    [t.file, '/tmp/x', 'is not a URI'],
  ])('%s rejects %s', (d, text, message) => {
    expect(() => lit.inputTextToLiteral(text, ltOf(d), 'x')).toThrow(message);
  });

  test('an empty field is undefined (missing), except for optionals', () => {
    expect(lit.inputTextToLiteral('', { simple: 'INTEGER' }, 'x')).toBeUndefined();
    expect(lit.inputTextToLiteral('  ', { collection_type: { simple: 'INTEGER' } }, 'x')).toBeUndefined();
  });

  test('literalToInputText round-trips defaults into form text', () => {
    const { lt, literal } = viaCore(t.list(t.int) as never, [1, 2]);
    expect(JSON.parse(lit.literalToInputText(literal, lt))).toEqual([1, 2]);
    const u = viaCore(t.union(t.int, t.str) as never, 'str');
    expect(lit.literalToInputText(u.literal, u.lt)).toBe('"str"');
    expect(lit.inputTextToLiteral('str', u.lt, 'x')).toEqual(u.literal);
    const o = viaCore(t.optional(t.str) as never, 'x');
    expect(lit.literalToInputText(o.literal, o.lt)).toBe('x');
    expect(lit.parseDuration('1h30m')).toBe('5400s');
    expect(lit.parseDuration('250ms')).toBe('0.25s');
  });
});

describe('launch form inputs', () => {
  test('readInputs reports required, invalid and fills valid inputs; fixed ones are skipped', () => {
    const params = [
      { name: 'a', type: { simple: 'INTEGER' }, required: true },
      { name: 'b', type: { simple: 'STRING' }, required: true },
      { name: 'c', type: { simple: 'INTEGER' }, required: false, default: { scalar: { primitive: { integer: '5' } } } },
      { name: 'd', type: undefined, fixed: { scalar: { primitive: { integer: '1' } } } },
    ];
    const r = launch.readInputs(params, { a: 'x', b: '', c: '' });
    expect(r.errors).toEqual({ a: 'a: expected an integer, got "x"', b: 'b is required (str)' });
    const ok = launch.readInputs(params, { a: '50', b: 'hello', c: '' });
    expect(ok.errors).toEqual({});
    expect(ok.literals).toEqual({ a: { scalar: { primitive: { integer: '50' } } }, b: { scalar: { primitive: { string_value: 'hello' } } } });
  });

  test('exampleFor shows the JSON shape of a type', () => {
    const { lt } = viaCore(t.struct({ a: t.int, n: t.list(t.str) }) as never, { a: 1, n: [] });
    expect(launch.exampleFor(lt)).toEqual({ a: 0, n: ['text'] });
  });
});

describe('format', () => {
  test('durations, phases, names', () => {
    expect(fmt.durationMs('1.5s')).toBe(1500);
    expect(fmt.formatDuration(320)).toBe('320ms');
    expect(fmt.formatDuration(4200)).toBe('4.20s');
    expect(fmt.formatDuration(65_000)).toBe('1m 05s');
    expect(fmt.formatDuration(2 * 3600_000 + 3 * 60_000)).toBe('2h 03m');
    expect(fmt.phaseName(4)).toBe('SUCCEEDED');
    expect(fmt.phaseName(7, 'node')).toBe('SKIPPED');
    expect(fmt.phaseTone('DYNAMIC_RUNNING')).toBe('running');
    expect(fmt.phaseLabel('TIMED_OUT')).toBe('Timed out');
    expect(fmt.shortName('.flytegen.examples.basic_workflow.t1')).toBe('t1');
    expect(fmt.moduleName('examples.basic_workflow.my_wf')).toBe('examples.basic_workflow');
    expect(fmt.cacheLabel('CACHE_HIT')).toBe('Read from cache');
  });

  test('elapsed time is live until terminal', () => {
    const closure = { started_at: '2024-01-01T00:00:00Z', duration: '0s' };
    expect(fmt.elapsedMs(closure, 'RUNNING', Date.parse('2024-01-01T00:00:05Z'))).toBe(5000);
    expect(fmt.elapsedMs({ ...closure, duration: '2s' }, 'SUCCEEDED', Date.parse('2024-01-01T00:00:05Z'))).toBe(2000);
  });
});

describe('parseRoute', () => {
  test.each([
    ['/console/', { view: 'home' }],
    ['/console/projects/p/domains/d/executions', { view: 'executions', project: 'p', domain: 'd' }],
    ['/console/projects/p/domains/d/executions/abc', { view: 'execution', project: 'p', domain: 'd', name: 'abc' }],
    ['/console/projects/p/domains/d', { view: 'executions', project: 'p', domain: 'd' }],
    ['/console/projects/p/domains/d/workflows', { view: 'entities', project: 'p', domain: 'd', kind: 'WORKFLOW' }],
    ['/console/projects/p/domains/d/launch_plans/x.y', { view: 'entity', project: 'p', domain: 'd', kind: 'LAUNCH_PLAN', name: 'x.y' }],
    ['/console/nope', { view: 'notfound' }],
  ])('%s', (path, route) => {
    expect(routes.parseRoute(path, '/console/')).toEqual(route);
  });
});
