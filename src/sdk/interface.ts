/**
 * Entity interfaces: how a user's `inputs` / `outputs` declarations map onto Flyte's
 * `TypedInterface`, and how output values are packed into / unpacked from named outputs.
 */
import type { flyteidl } from '../core/idl.ts';
import type { TypeDescriptor, ValueOf } from '../core/types.ts';

/** Declared inputs: input name → type. */
export type InputSpec = Record<string, TypeDescriptor>;

/**
 * Declared outputs: one type → a single output `o0`; a tuple → `o0, o1, …`; an object →
 * named outputs; omitted → no outputs.
 */
export type OutputSpec = TypeDescriptor | readonly TypeDescriptor[] | Record<string, TypeDescriptor> | undefined;

/** JS values of declared inputs. */
export type InputValues<I extends InputSpec> = { [K in keyof I]: ValueOf<I[K]> };

/** JS value shape of declared outputs (same shape as the declaration). */
export type OutputValue<O extends OutputSpec> = O extends undefined
  ? void
  : O extends TypeDescriptor<infer V>
    ? V
    : O extends readonly TypeDescriptor[]
      ? { -readonly [K in keyof O]: ValueOf<O[K]> }
      : O extends Record<string, TypeDescriptor>
        ? { [K in keyof O]: ValueOf<O[K]> }
        : never;

/** How the declared outputs are shaped, so values can be packed/unpacked by name. */
export type OutputShape =
  | { kind: 'none' }
  | { kind: 'single' }
  | { kind: 'tuple'; length: number }
  | { kind: 'named'; names: string[] };

/** A resolved interface: ordered variables plus the output shape. */
export interface ResolvedInterface {
  inputs: Map<string, TypeDescriptor>;
  outputs: Map<string, TypeDescriptor>;
  outputShape: OutputShape;
}

/** True if `x` is a type descriptor (has `literalType`). */
export function isTypeDescriptor(x: unknown): x is TypeDescriptor {
  return typeof x === 'object' && x !== null && typeof (x as TypeDescriptor).literalType === 'function';
}

/** Resolves user declarations into ordered variable maps. Throws on a malformed declaration. */
export function resolveInterface(inputs: InputSpec | undefined, outputs: OutputSpec, where: string): ResolvedInterface {
  const ins = new Map<string, TypeDescriptor>();
  for (const [name, d] of Object.entries(inputs ?? {})) {
    if (!isTypeDescriptor(d)) throw new TypeError(`${where}: input "${name}" must be a type from t (e.g. t.int)`);
    ins.set(name, d);
  }
  const outs = new Map<string, TypeDescriptor>();
  let shape: OutputShape;
  if (outputs === undefined) {
    shape = { kind: 'none' };
  } else if (isTypeDescriptor(outputs)) {
    outs.set('o0', outputs);
    shape = { kind: 'single' };
  } else if (Array.isArray(outputs)) {
    outputs.forEach((d, i) => {
      if (!isTypeDescriptor(d)) throw new TypeError(`${where}: output ${i} must be a type from t (e.g. t.int)`);
      outs.set(`o${i}`, d);
    });
    shape = { kind: 'tuple', length: outputs.length };
  } else {
    for (const [name, d] of Object.entries(outputs)) {
      if (!isTypeDescriptor(d)) throw new TypeError(`${where}: output "${name}" must be a type from t (e.g. t.int)`);
      outs.set(name, d);
    }
    shape = { kind: 'named', names: [...outs.keys()] };
  }
  return { inputs: ins, outputs: outs, outputShape: shape };
}

function variableMap(vars: Map<string, TypeDescriptor>): flyteidl.core.IVariableMap {
  const variables: Record<string, flyteidl.core.IVariable> = {};
  for (const [name, d] of vars) variables[name] = { type: d.literalType(), description: name };
  return { variables };
}

/** Flyte's `TypedInterface` for a resolved interface. */
export function toTypedInterface(iface: ResolvedInterface): flyteidl.core.ITypedInterface {
  return { inputs: variableMap(iface.inputs), outputs: variableMap(iface.outputs) };
}

/**
 * Splits a value of the declared output shape into named outputs (`o0`, … or names).
 * Throws a TypeError naming `where` if the value does not have the declared shape.
 */
export function unpackOutputs(shape: OutputShape, value: unknown, where: string): Map<string, unknown> {
  const out = new Map<string, unknown>();
  switch (shape.kind) {
    case 'none':
      return out;
    case 'single':
      out.set('o0', value);
      return out;
    case 'tuple': {
      if (!Array.isArray(value) || value.length !== shape.length) {
        throw new TypeError(`${where}: expected a tuple of ${shape.length} outputs, got ${describe(value)}`);
      }
      value.forEach((v, i) => out.set(`o${i}`, v));
      return out;
    }
    case 'named': {
      // `outputs: {}` declares no outputs: returning nothing is right.
      if (shape.names.length === 0 && (value === undefined || value === null)) return out;
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        const expected = shape.names.length === 0 ? 'nothing or an empty object (it declares no outputs)' : `an object { ${shape.names.join(', ')} }`;
        throw new TypeError(`${where}: expected ${expected}, got ${describe(value)}`);
      }
      const rec = value as Record<string, unknown>;
      const missing = shape.names.filter((n) => !(n in rec));
      const extra = Object.keys(rec).filter((k) => !shape.names.includes(k));
      if (missing.length > 0 || extra.length > 0) {
        const parts = [];
        if (missing.length > 0) parts.push(`missing ${missing.join(', ')}`);
        if (extra.length > 0) parts.push(`unknown ${extra.join(', ')}`);
        throw new TypeError(`${where}: outputs do not match the declaration (${parts.join('; ')})`);
      }
      for (const n of shape.names) out.set(n, rec[n]);
      return out;
    }
  }
}

/** Inverse of {@link unpackOutputs}: builds the declared shape from named outputs. */
export function packOutputs(shape: OutputShape, values: Map<string, unknown>): unknown {
  switch (shape.kind) {
    case 'none':
      return undefined;
    case 'single':
      return values.get('o0');
    case 'tuple':
      return Array.from({ length: shape.length }, (_v, i) => values.get(`o${i}`));
    case 'named':
      return Object.fromEntries(shape.names.map((n) => [n, values.get(n)]));
  }
}

/** Short rendering of a JS value for error messages. */
export function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return 'a function';
  try {
    const s = JSON.stringify(value);
    if (s === undefined) return String(value);
    return s.length > 60 ? `${s.slice(0, 57)}...` : s;
  } catch {
    return String(value);
  }
}
