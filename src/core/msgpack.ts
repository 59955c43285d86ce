/**
 * A small MessagePack decoder, enough to read the `binary{tag: "msgpack"}` struct literals that
 * flytekit writes for dataclasses and dicts (maps, arrays, strings, numbers, booleans, nil, bin).
 * Extension types are rejected.
 * @internal
 */

/** Thrown for malformed or unsupported MessagePack input. */
export class MsgpackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MsgpackError';
  }
}

/** Decodes one MessagePack value; the whole buffer must be consumed. */
export function decodeMsgpack(bytes: Uint8Array): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = new TextDecoder('utf-8', { fatal: true });
  let pos = 0;

  const need = (n: number): void => {
    if (pos + n > bytes.length) throw new MsgpackError(`truncated msgpack at byte ${pos}`);
  };
  const u8 = (): number => {
    need(1);
    return view.getUint8(pos++);
  };
  const u16 = (): number => {
    need(2);
    const v = view.getUint16(pos);
    pos += 2;
    return v;
  };
  const u32 = (): number => {
    need(4);
    const v = view.getUint32(pos);
    pos += 4;
    return v;
  };
  const int64 = (signed: boolean): number | bigint => {
    need(8);
    const v = signed ? view.getBigInt64(pos) : view.getBigUint64(pos);
    pos += 8;
    const max = BigInt(Number.MAX_SAFE_INTEGER);
    return v >= -max && v <= max ? Number(v) : v;
  };
  const str = (n: number): string => {
    need(n);
    const s = text.decode(bytes.subarray(pos, pos + n));
    pos += n;
    return s;
  };
  const bin = (n: number): Uint8Array => {
    need(n);
    const b = bytes.slice(pos, pos + n);
    pos += n;
    return b;
  };
  const array = (n: number): unknown[] => {
    const out: unknown[] = [];
    for (let i = 0; i < n; i++) out.push(value());
    return out;
  };
  const map = (n: number): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      const k = value();
      if (typeof k !== 'string' && typeof k !== 'number') throw new MsgpackError('only string or number map keys are supported');
      out[String(k)] = value();
    }
    return out;
  };

  function value(): unknown {
    const b = u8();
    if (b <= 0x7f) return b;
    if (b >= 0xe0) return b - 0x100;
    if ((b & 0xf0) === 0x80) return map(b & 0x0f);
    if ((b & 0xf0) === 0x90) return array(b & 0x0f);
    if ((b & 0xe0) === 0xa0) return str(b & 0x1f);
    switch (b) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
        return bin(u8());
      case 0xc5:
        return bin(u16());
      case 0xc6:
        return bin(u32());
      case 0xca: {
        need(4);
        const v = view.getFloat32(pos);
        pos += 4;
        return v;
      }
      case 0xcb: {
        need(8);
        const v = view.getFloat64(pos);
        pos += 8;
        return v;
      }
      case 0xcc:
        return u8();
      case 0xcd:
        return u16();
      case 0xce:
        return u32();
      case 0xcf:
        return int64(false);
      case 0xd0: {
        const v = u8();
        return v > 0x7f ? v - 0x100 : v;
      }
      case 0xd1: {
        const v = u16();
        return v > 0x7fff ? v - 0x10000 : v;
      }
      case 0xd2: {
        need(4);
        const v = view.getInt32(pos);
        pos += 4;
        return v;
      }
      case 0xd3:
        return int64(true);
      case 0xd9:
        return str(u8());
      case 0xda:
        return str(u16());
      case 0xdb:
        return str(u32());
      case 0xdc:
        return array(u16());
      case 0xdd:
        return array(u32());
      case 0xde:
        return map(u16());
      case 0xdf:
        return map(u32());
      default:
        throw new MsgpackError(`unsupported msgpack type byte 0x${b.toString(16)} at byte ${pos - 1}`);
    }
  }

  const v = value();
  if (pos !== bytes.length) throw new MsgpackError(`trailing bytes after msgpack value at byte ${pos}`);
  return v;
}
