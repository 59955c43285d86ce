import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256, sha256Hex } from './sha256.ts';

const nodeHex = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

describe('sha256', () => {
  it('gives the FIPS 180-4 digests of the standard test messages', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
  });

  it('agrees with node:crypto on every length across the padding boundaries', () => {
    for (let n = 0; n <= 300; n++) {
      const bytes = randomBytes(n);
      expect(sha256Hex(bytes), `${n} bytes`).toBe(nodeHex(bytes));
    }
  });

  it('hashes a string as its UTF-8 bytes', () => {
    for (const s of ['é', 'naïve ☃ 𝄞', 'flyte/project/domain\n'.repeat(40)]) expect(sha256Hex(s)).toBe(nodeHex(Buffer.from(s, 'utf8')));
  });

  it('agrees with node:crypto on both sides of the size it hands over at, and gives 32 bytes', () => {
    for (const n of [64 * 1024 - 1, 64 * 1024, 200_000]) {
      const bytes = randomBytes(n);
      expect(sha256Hex(bytes), `${n} bytes`).toBe(nodeHex(bytes));
      expect(sha256(bytes)).toHaveLength(32);
    }
  });

  it('does not depend on what it hashed before (its schedule buffer is reused)', () => {
    const a = sha256Hex('first value');
    sha256Hex(randomBytes(1000));
    expect(sha256Hex('first value')).toBe(a);
  });
});
