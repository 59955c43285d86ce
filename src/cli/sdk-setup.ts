import * as sdk from '../sdk/index.ts';
import { installSdkResolution, setTopLevelRunner } from '../sdk/internal.ts';

/**
 * Makes user files' `import … from "tflyte"` resolve to this process's SDK, and their direct calls
 * of entities (`await my_wf({...})`) run through the engine (`direct-calls.ts`, loaded on first use).
 */
export function setupSdk(): void {
  installSdkResolution(sdk as unknown as Record<string, unknown>);
  setTopLevelRunner(async (def, inputs) => (await import('./direct-calls.ts')).runDirect(def, inputs));
}
