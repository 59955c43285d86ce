import { describe, expect, it } from 'vitest';
import { DockerLogDemuxer } from './docker-logs.ts';
import { rewriteLoopback } from './docker-launcher.ts';
import { signalFromExitCode } from './errors.ts';

const frame = (stream: number, text: string) => {
  const body = Buffer.from(text);
  const h = Buffer.alloc(8);
  h[0] = stream;
  h.writeUInt32BE(body.length, 4);
  return Buffer.concat([h, body]);
};

describe('DockerLogDemuxer', () => {
  it('yields stdout and stderr payloads in order, whatever the chunk boundaries', () => {
    const all = Buffer.concat([frame(1, 'out-1\n'), frame(2, 'err-1\n'), frame(1, 'out-2\n')]);
    for (const cut of [1, 5, 8, 9, 13, 20]) {
      const d = new DockerLogDemuxer();
      const got = [...d.push(all.subarray(0, cut)), ...d.push(all.subarray(cut))].map(String);
      expect(got).toEqual(['out-1\n', 'err-1\n', 'out-2\n']);
    }
  });
});

describe('rewriteLoopback', () => {
  it('points loopback admin URLs at the host alias and leaves others alone', () => {
    expect(rewriteLoopback('http://127.0.0.1:30080')).toBe('http://host.docker.internal:30080');
    expect(rewriteLoopback('http://localhost:30080/api/v1')).toBe('http://host.docker.internal:30080/api/v1');
    expect(rewriteLoopback('http://[::1]:30080/')).toBe('http://host.docker.internal:30080/');
    expect(rewriteLoopback('http://172.17.0.1:30080')).toBe('http://172.17.0.1:30080');
  });
});

describe('signalFromExitCode', () => {
  it('names the signal behind 128+N exit codes', () => {
    expect(signalFromExitCode(137)).toBe('SIGKILL');
    expect(signalFromExitCode(143)).toBe('SIGTERM');
    expect(signalFromExitCode(3)).toBeUndefined();
  });
});
