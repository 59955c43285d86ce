/**
 * Parses an entity's inputs from command-line words (`--a 50 --b hello`, `--a=50`) by its
 * interface: numbers, strings, booleans as text, lists/dicts/structs as JSON, files as paths.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseCliValue, type flyteidl, type TypeDescriptor } from '../core/index.ts';
import type { EntityDef } from '../sdk/internal.ts';
import { CommandError, UsageError } from './usage-error.ts';

/** Renders the inputs of an interface, one per line, for usage messages. */
export function describeInputs(
  vars: ReadonlyMap<string, TypeDescriptor>,
  defaults: Record<string, unknown>,
): string {
  if (vars.size === 0) return '  (no inputs)';
  return [...vars]
    .map(([n, d]) => {
      const dflt = n in defaults ? ` (default: ${JSON.stringify(defaults[n])})` : '';
      return `  --${n} <${d.toString()}>${dflt}`;
    })
    .join('\n');
}

/**
 * Parses `words` into input values. Unknown names, missing values and unparsable values are
 * UsageErrors listing the entity's inputs and their types. Inputs left out are not filled here.
 */
export function parseEntityInputs(
  entity: string,
  vars: ReadonlyMap<string, TypeDescriptor>,
  defaults: Record<string, unknown>,
  words: string[],
): Record<string, unknown> {
  const usage = (msg: string): UsageError =>
    new UsageError(`${msg}\n\nInputs of ${entity}:\n${describeInputs(vars, defaults)}`);
  const values: Record<string, unknown> = {};
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    if (!w.startsWith('--')) throw usage(`unexpected argument "${w}": give inputs as --name value`);
    let name = w.slice(2);
    let text: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      text = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const d = vars.get(name) ?? vars.get(name.replace(/-/g, '_'));
    if (!d) throw usage(`unknown input --${name}`);
    const key = vars.has(name) ? name : name.replace(/-/g, '_');
    if (text === undefined) {
      const next = words[i + 1];
      if (next === undefined || (next.startsWith('--') && d.kind !== 'int' && d.kind !== 'float')) {
        if (d.kind === 'bool') {
          text = 'true';
        } else {
          throw usage(`input --${name} needs a value of type ${d.toString()}`);
        }
      } else {
        text = next;
        i++;
      }
    }
    try {
      values[key] = parseCliValue(d, text, key);
    } catch (e) {
      throw usage(e instanceof Error ? e.message : String(e));
    }
  }
  return values;
}

/** Checks that every input without a default is given; the error lists what is missing. */
export function assertRequiredInputs(
  entity: string,
  vars: ReadonlyMap<string, TypeDescriptor>,
  defaults: Record<string, unknown>,
  values: Record<string, unknown>,
): void {
  const missing = [...vars]
    .filter(([n, d]) => !(n in values) && !(n in defaults) && !isOptional(d))
    .map(([n, d]) => `--${n} <${d.toString()}>`);
  if (missing.length > 0) {
    throw new UsageError(
      `missing input${missing.length > 1 ? 's' : ''} ${missing.join(', ')}\n\nInputs of ${entity}:\n${describeInputs(vars, defaults)}`,
    );
  }
}

/** Whether an input may be left out (an optional type). */
export function isOptionalInput(d: TypeDescriptor | undefined): boolean {
  return d !== undefined && isOptional(d);
}

function isOptional(d: TypeDescriptor): boolean {
  return (d.literalType().unionType?.variants ?? []).some((v) => v.simple === 0);
}

/** Puts a local file or directory where the backend's tasks can read it; answers its URI there. */
export type LocalFileUploader = (absPath: string, input: string) => Promise<string>;

/**
 * Converts JS inputs to literals for the API; local files and directories given for file/dir
 * inputs are sent with `upload` first (the local engine's store, or the backend's DataProxy:
 * `dataProxyUploader` in remote.ts).
 */
export async function inputsForApi(upload: LocalFileUploader, def: EntityDef, values: Record<string, unknown>): Promise<flyteidl.core.ILiteralMap> {
  const literals: Record<string, flyteidl.core.ILiteral> = {};
  for (const [k, v] of Object.entries(values)) {
    const d = def.iface.inputs.get(k);
    if (!d) continue;
    let value = v;
    if ((d.kind === 'file' || d.kind === 'dir') && typeof v === 'string' && !/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) {
      const abs = path.resolve(v);
      if (!fs.existsSync(abs)) throw new CommandError(`input --${k}: ${v} does not exist`);
      value = await upload(abs, k);
    }
    literals[k] = d.toLiteral(value, `--${k}`);
  }
  return { literals };
}
