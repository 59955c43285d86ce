import http from 'node:http';
import fs from 'node:fs';
import { execa } from 'execa';
const img = 'tflyte-try-node:1';
const mk = () => http.createServer((req, res) => res.end('pong from ' + req.socket.localAddress));
async function listen(s: http.Server, ...args: any[]) { await new Promise<void>((r) => s.listen(...args, () => r())); }
const probe = (url: string) => `fetch(${JSON.stringify(url)},{signal:AbortSignal.timeout(3000)}).then(r=>r.text()).then(t=>console.log('OK',t),e=>console.log('FAIL',e.cause?.code??e.message))`;
const s1 = mk(); await listen(s1, 0, '127.0.0.1'); const p1 = (s1.address() as any).port;
const gw = '172.17.0.1';
console.log('bridge gateway', gw);
const s2 = mk(); await listen(s2, 0, gw); const p2 = (s2.address() as any).port;
const sock = '/tmp/tflyte-reach/admin.sock'; fs.rmSync('/tmp/tflyte-reach', { recursive: true, force: true }); fs.mkdirSync('/tmp/tflyte-reach');
const s3 = mk(); await listen(s3, sock);
const run = async (name: string, extra: string[], script: string) => {
  const r = await execa('docker', ['run', '--rm', '--add-host', 'host.docker.internal:host-gateway', ...extra, img, '-e', script], { reject: false });
  console.log(name, '=>', r.stdout.trim(), r.stderr.trim().slice(0, 200));
};
await run('127.0.0.1 via host-gateway', [], probe(`http://host.docker.internal:${p1}/`));
await run('bridge gw via host-gateway', [], probe(`http://host.docker.internal:${p2}/`));
const unixScript = (p: string) => `require('http').get({socketPath:${JSON.stringify(p)},path:'/'},r=>{let b='';r.on('data',d=>b+=d);r.on('end',()=>console.log('OK',b))}).on('error',e=>console.log('FAIL',e.code))`;
await run('unix socket rw dir mount', ['--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '-v', '/tmp/tflyte-reach:/tmp/tflyte-reach'], unixScript(sock));
await run('unix socket ro file mount', ['--cap-drop', 'ALL', '-v', `${sock}:/run/tflyte/admin.sock:ro`], unixScript('/run/tflyte/admin.sock'));
await run('unix socket, network none', ['--network', 'none', '--cap-drop', 'ALL', '-v', `${sock}:/run/tflyte/admin.sock:ro`], unixScript('/run/tflyte/admin.sock'));
await run('unix socket as uid 1000', ['--user', '1000:1000', '--cap-drop', 'ALL', '-v', `${sock}:/run/tflyte/admin.sock:ro`], unixScript('/run/tflyte/admin.sock'));
s1.close(); s2.close(); s3.close();
