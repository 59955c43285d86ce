/**
 * Flyte's copilot protocol for raw containers (`raw-container` tasks, flytecopilot
 * `data/download.go` + `data/upload.go`), done by propeller on the host instead of init/sidecar
 * containers:
 * - before the run, every input is written under the host input dir (mounted at
 *   `data_config.input_path`): primitives as text (integers/floats in decimal, booleans
 *   `true`/`false`, datetimes RFC 3339, none `null`), blobs copied as files/dirs, lists and maps as
 *   directories of such files, plus `inputs.pb`;
 * - after the exit, a `_ERROR` file fails the task with its content; otherwise one file per
 *   declared output is read from the host output dir (mounted at `data_config.output_path`):
 *   simple types parsed from text, blobs uploaded to the raw output prefix.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { flyteidl } from '../../core/idl.ts';
import { encode, structToJs } from '../../core/idl.ts';
import type { DataStore } from '../../storage/data-store.ts';
import { literalFromText, primitiveText } from '../literals.ts';
import { copyConfined, readConfinedText, UnsafeOutputError } from './output-guard.ts';

/** Name of the file a raw container writes to fail itself. */
export const COPILOT_ERROR_FILE = '_ERROR';

/** Writes the inputs into `dir` (created). */
export async function writeCopilotInputs(data: DataStore, inputs: flyteidl.core.ILiteralMap, dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(path.join(dir, 'inputs.pb'), encode('flyteidl.core.LiteralMap', inputs));
  for (const [name, lit] of Object.entries(inputs.literals ?? {})) await writeLiteral(data, lit, path.join(dir, name));
}

async function writeLiteral(data: DataStore, lit: flyteidl.core.ILiteral, target: string): Promise<void> {
  if (lit.collection) {
    await fs.mkdir(target, { recursive: true });
    let i = 0;
    for (const x of lit.collection.literals ?? []) await writeLiteral(data, x, path.join(target, String(i++)));
    return;
  }
  if (lit.map) {
    await fs.mkdir(target, { recursive: true });
    for (const [k, x] of Object.entries(lit.map.literals ?? {})) await writeLiteral(data, x, path.join(target, k));
    return;
  }
  const s = lit.scalar;
  if (s?.union?.value) return writeLiteral(data, s.union.value, target);
  if (s?.blob?.uri) {
    await fs.cp(localPathOf(data, s.blob.uri), target, { recursive: true });
    return;
  }
  if (s?.binary?.value) {
    await fs.writeFile(target, s.binary.value);
    return;
  }
  if (s?.generic) {
    await fs.writeFile(target, JSON.stringify(structToJs(s.generic as { fields?: Record<string, never> })));
    return;
  }
  const text = primitiveText(lit);
  if (text === undefined) throw new Error(`input ${path.basename(target)} has a value copilot cannot write`);
  await fs.writeFile(target, text);
}

/** Result of reading a raw container's outputs. */
export type CopilotOutputs =
  | { ok: true; outputs: flyteidl.core.ILiteralMap }
  | { ok: false; userError: string }
  | { ok: false; missing: string };

/**
 * Reads the declared outputs from `dir`; blobs are copied under `rawPrefix/<var>`. Nothing is
 * read through a link that leads outside `dir`, and at most `limit` bytes are read or copied in
 * all (a violation is a user error naming the output).
 */
export async function readCopilotOutputs(
  data: DataStore,
  vars: flyteidl.core.IVariableMap | null | undefined,
  dir: string,
  rawPrefix: string,
  limit: number,
): Promise<CopilotOutputs> {
  const budget = { left: limit };
  try {
    const errFile = path.join(dir, COPILOT_ERROR_FILE);
    if (await fs.lstat(errFile).catch(() => undefined)) {
      return { ok: false, userError: `User Error: ${await readConfinedText(errFile, dir, Math.min(limit, 1 << 20), COPILOT_ERROR_FILE)}` };
    }
    const literals: Record<string, flyteidl.core.ILiteral> = {};
    for (const [name, v] of Object.entries(vars?.variables ?? {})) {
      const file = path.join(dir, name);
      const stat = await fs.stat(file).catch(() => undefined);
      if (!stat) {
        if (await fs.lstat(file).catch(() => undefined)) throw new UnsafeOutputError(`output ${name} is a link to something that does not exist in the task's output directory`);
        return { ok: false, missing: `output ${name} was not written at ${file}` };
      }
      const t = v.type ?? {};
      if (t.blob) {
        const uri = data.join(rawPrefix, name);
        const dest = localPathOf(data, uri);
        const staging = `${dest}.staging-${process.pid}`;
        await fs.rm(staging, { recursive: true, force: true });
        await fs.mkdir(path.dirname(dest), { recursive: true });
        try {
          await copyConfined(file, staging, dir, budget, `output ${name}`);
          await fs.rm(dest, { recursive: true, force: true });
          await fs.rename(staging, dest);
        } finally {
          await fs.rm(staging, { recursive: true, force: true });
        }
        literals[name] = { scalar: { blob: { metadata: { type: t.blob }, uri } } };
      } else if (t.simple !== undefined && t.simple !== null) {
        if (stat.isDirectory()) return { ok: false, userError: `User Error: expected a file for output ${name}, found a directory` };
        const text = await readConfinedText(file, dir, budget.left, `output ${name}`);
        budget.left -= Buffer.byteLength(text);
        try {
          literals[name] = literalFromText(t.simple, text);
        } catch (e) {
          return { ok: false, userError: `User Error: output ${name}: ${(e as Error).message}` };
        }
      } else {
        return { ok: false, userError: `User Error: copilot does not support the type of output ${name}` };
      }
    }
    return { ok: true, outputs: { literals } };
  } catch (e) {
    if (e instanceof UnsafeOutputError) return { ok: false, userError: `User Error: ${e.message}` };
    throw e;
  }
}

/** Copilot works on the local disk only (raw containers are refused before launch otherwise). */
function localPathOf(data: DataStore, uri: string): string {
  if (!data.localPath) throw new Error(`copilot needs a blob store on the local disk, not ${data.rootUri}`);
  return data.localPath(uri);
}
