import { describe, expect, test } from 'vitest';
import { encodeFrame, FrameReader, MAX_FRAME_BYTES, type WorkerMessage } from './worker-protocol.ts';

describe('worker frames', () => {
  test('frames split across chunks, or several in one chunk, come out whole with their bodies', () => {
    const a = encodeFrame({ type: 'log', job: 'j' }, Buffer.from('line one\n'));
    const b = encodeFrame({ type: 'done', job: 'j', exitCode: 0 });
    const all = Buffer.concat([a, b]);
    const reader = new FrameReader<WorkerMessage>();
    const out = [...reader.push(all.subarray(0, 5)), ...reader.push(all.subarray(5, a.length + 3)), ...reader.push(all.subarray(a.length + 3))];
    expect(out.map((f) => [f.message, f.body.toString()])).toEqual([
      [{ type: 'log', job: 'j' }, 'line one\n'],
      [{ type: 'done', job: 'j', exitCode: 0 }, ''],
    ]);
  });

  test('an oversized or typeless frame is refused (the peer is cut off)', () => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(2, 0);
    head.writeUInt32BE(MAX_FRAME_BYTES + 1, 4);
    expect(() => new FrameReader().push(head)).toThrow(/frame too large/);
    const json = Buffer.from('[1]');
    const h2 = Buffer.alloc(8);
    h2.writeUInt32BE(json.length, 0);
    expect(() => new FrameReader().push(Buffer.concat([h2, json]))).toThrow(/without a message type/);
  });
});
