import * as sdk from '../sdk/index.ts';
import { installSdkResolution } from '../sdk/internal.ts';

/** Makes user files' `import … from "tflyte"` resolve to this process's SDK. */
export function setupSdk(): void {
  installSdkResolution(sdk as unknown as Record<string, unknown>);
}
