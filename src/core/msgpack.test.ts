import { describe, expect, it } from 'vitest';
import { decodeMsgpack, MsgpackError } from './msgpack.ts';

const b = (...xs: number[]): Uint8Array => Uint8Array.from(xs);

describe('decodeMsgpack', () => {
  it('decodes the formats flytekit emits for JSON-like data', () => {
    expect(decodeMsgpack(b(0x05))).toBe(5);
    expect(decodeMsgpack(b(0xff))).toBe(-1);
    expect(decodeMsgpack(b(0xcc, 0xc8))).toBe(200);
    expect(decodeMsgpack(b(0xcd, 0x01, 0x00))).toBe(256);
    expect(decodeMsgpack(b(0xce, 0x00, 0x01, 0x00, 0x00))).toBe(65536);
    expect(decodeMsgpack(b(0xd0, 0x80))).toBe(-128);
    expect(decodeMsgpack(b(0xd1, 0xff, 0x00))).toBe(-256);
    expect(decodeMsgpack(b(0xd2, 0xff, 0xff, 0xff, 0xfe))).toBe(-2);
    expect(decodeMsgpack(b(0xd3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfd))).toBe(-3);
    expect(decodeMsgpack(b(0xcf, 0x80, 0, 0, 0, 0, 0, 0, 0))).toBe(2n ** 63n);
    expect(decodeMsgpack(b(0xca, 0x3f, 0xc0, 0, 0))).toBe(1.5);
    expect(decodeMsgpack(b(0xc0))).toBeNull();
    expect(decodeMsgpack(b(0xc2))).toBe(false);
    expect(decodeMsgpack(b(0xa2, 0xc3, 0xa9))).toBe('é');
    expect(decodeMsgpack(b(0xd9, 0x01, 0x7a))).toBe('z');
    expect(decodeMsgpack(b(0xc4, 0x02, 0x01, 0x02))).toEqual(b(1, 2));
    expect(decodeMsgpack(b(0x92, 0x01, 0x90))).toEqual([1, []]);
    expect(decodeMsgpack(b(0xdc, 0x00, 0x01, 0x07))).toEqual([7]);
    expect(decodeMsgpack(b(0x81, 0xa1, 0x6b, 0x80))).toEqual({ k: {} });
    expect(decodeMsgpack(b(0xde, 0x00, 0x01, 0x01, 0x02))).toEqual({ 1: 2 });
  });

  it('rejects truncated, trailing and extension data', () => {
    expect(() => decodeMsgpack(b(0xcd, 0x01))).toThrow(MsgpackError);
    expect(() => decodeMsgpack(b(0x01, 0x02))).toThrow(/trailing bytes/);
    expect(() => decodeMsgpack(b(0xd4, 0x01, 0x00))).toThrow(/unsupported msgpack type byte 0xd4/);
    expect(() => decodeMsgpack(b(0x81, 0x90, 0x01))).toThrow(/map keys/);
  });
});
