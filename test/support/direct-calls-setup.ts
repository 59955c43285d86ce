/**
 * Vitest setup: direct calls of entities in tests (`await my_wf({...})`) run through the engine,
 * as they do for users (`src/cli/direct-calls.ts`), with a task cache of this test process's own.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { installDirectCalls } from '../../src/cli/direct-calls.ts';

installDirectCalls({ cacheDir: fs.mkdtempSync(path.join(os.tmpdir(), 'tflyte-test-cache-')) });
