/**
 * `demo`: starts the sandbox if needed, runs the bundled examples in it and prints each result
 * and the console URL. The examples ship inside the binary, so the demo works from anywhere.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { start } from './lifecycle.ts';
import { runRemote } from './run-remote.ts';
import { CommandError } from '../usage-error.ts';

/** The examples' sources as JSON text (file name → source), embedded by the build. */
declare const __TFLYTE_EXAMPLES__: string | undefined;

/** The examples' sources: embedded in the binary, else read from the checkout. */
function exampleSources(): Record<string, string> {
  if (typeof __TFLYTE_EXAMPLES__ !== 'undefined') return JSON.parse(__TFLYTE_EXAMPLES__) as Record<string, string>;
  const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../examples');
  const out: Record<string, string> = {};
  for (const f of fs.readdirSync(dir)) if (f.endsWith('.ts')) out[f] = fs.readFileSync(path.join(dir, f), 'utf8');
  return out;
}

/** What the demo runs: file, entity, inputs. */
export const DEMO_RUNS: [string, string, string[]][] = [
  ['basic_workflow.ts', 'my_wf', ['--a', '50', '--b', 'hello']],
  ['dynamic_workflow.ts', 'wf', ['--s1', 'Pear', '--s2', 'Earth']],
  ['dynamic_workflow.ts', 'merge_sort', ['--numbers', '[1813, 3105, 3260, 2634, 383, 7037, 3291, 2403, 315, 7164]', '--numbers_count', '10']],
  ['conditional_map.ts', 'sum_of_squares', ['--xs', '[1, 2, 3, 4]']],
  ['eager_workflows.ts', 'simple_eager_workflow', ['--x', '10']],
  ['all_types.ts', 'file_wf', ['--text', 'a file through the blob store']],
  ['all_types.ts', 'dir_wf', ['--count', '3']],
];

/** Runs the demo. */
export async function demo(opts: { dataDir?: string; launcher?: string; port?: string }): Promise<void> {
  const state = await start({ ...opts, quiet: false });
  // A tiny project: entities are named like in the repository (examples.basic_workflow.my_wf).
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-demo-'));
  const dir = path.join(root, 'examples');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(root, 'package.json'), '{ "name": "tflyte-demo", "private": true, "type": "module" }\n');
  const sources = exampleSources();
  for (const [f, src] of Object.entries(sources)) fs.writeFileSync(path.join(dir, f), src);
  let failed = 0;
  for (const [file, entity, inputs] of DEMO_RUNS) {
    console.log(`\n$ tflyte-sandbox run --remote --wait examples/${file} ${entity} ${inputs.map((i) => (i.includes(' ') ? `'${i}'` : i)).join(' ')}`);
    try {
      await runRemote(path.join(dir, file), entity, inputs, { wait: true, ...(opts.dataDir ? { dataDir: opts.dataDir } : {}) });
    } catch (e) {
      failed++;
      if (e instanceof Error && e.message) console.log(`  failed: ${e.message}`);
    }
  }
  fs.rmSync(root, { recursive: true, force: true });
  console.log(`\nOpen the console: ${state.url}/console`);
  if (failed > 0) throw new CommandError(`${failed} of ${DEMO_RUNS.length} demo runs did not succeed (see above)`, 1);
}
