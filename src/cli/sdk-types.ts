/**
 * The SDK's type declarations (`.d.ts` files by path, `sdk/index.d.ts` the entry), for user
 * projects (`tflyte-sandbox init`). The build emits them with `tsc -p tsconfig.sdk-types.json`
 * and embeds them in the binary; from source they are emitted on demand.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The SDK's declaration files as JSON text (path → text), embedded by the build. */
declare const __TFLYTE_SDK_TYPES__: string | undefined;

/** Declaration files by path relative to the declarations root. */
export async function sdkTypeFiles(): Promise<Record<string, string>> {
  if (typeof __TFLYTE_SDK_TYPES__ !== 'undefined') return JSON.parse(__TFLYTE_SDK_TYPES__) as Record<string, string>;
  const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-sdk-types-'));
  try {
    execFileSync(path.join(repo, 'node_modules', '.bin', 'tsc'), ['-p', path.join(repo, 'tsconfig.sdk-types.json'), '--outDir', out], { stdio: 'pipe' });
    return readTree(out);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

/** Every file under `dir`, by `/`-separated relative path. */
export function readTree(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const rel of fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()) {
    const p = path.join(dir, rel);
    if (fs.statSync(p).isFile()) files[rel.split(path.sep).join('/')] = fs.readFileSync(p, 'utf8');
  }
  return files;
}
