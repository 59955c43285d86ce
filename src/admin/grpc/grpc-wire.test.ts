import zlib from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { CompileError, type ErrorCategory } from '../../core/errors.ts';
import { adminError, ADMIN_ERROR_CODES, type AdminErrorCode } from '../errors.ts';
import { encodeGrpcMessage, frameMessage, GrpcError, GrpcStatus, grpcStatusOf, unframeMessage } from './grpc-wire.ts';

describe('gRPC wire', () => {
  test('a message is framed with a zero flag and its big-endian length, and read back', () => {
    const f = frameMessage(Buffer.from('abc'));
    expect([...f]).toEqual([0, 0, 0, 0, 3, 0x61, 0x62, 0x63]);
    expect(unframeMessage(f, undefined).toString()).toBe('abc');
  });

  test('a gzip-compressed message is inflated; another encoding or a short body is refused with a status', () => {
    const z = zlib.gzipSync(Buffer.from('hello'));
    const f = Buffer.concat([Buffer.from([1, 0, 0, 0, 0]), z]);
    f.writeUInt32BE(z.length, 1);
    expect(unframeMessage(f, 'gzip').toString()).toBe('hello');
    expect(() => unframeMessage(f, 'snappy')).toThrow(expect.objectContaining({ status: GrpcStatus.UNIMPLEMENTED }));
    expect(() => unframeMessage(Buffer.from([0, 0]), undefined)).toThrow(expect.objectContaining({ status: GrpcStatus.INVALID_ARGUMENT }));
    expect(() => unframeMessage(Buffer.from([0, 0, 0, 0, 9, 1]), undefined)).toThrow(/exactly one gRPC message of 9 bytes, got 1/);
  });

  test('status messages are percent-encoded outside printable ASCII', () => {
    expect(encodeGrpcMessage('a b%c\né')).toBe('a b%25c%0A%C3%A9');
  });

  test('every admin error code maps to a real status — never UNKNOWN (2), which makes flytekit start OAuth', () => {
    for (const code of Object.keys(ADMIN_ERROR_CODES) as AdminErrorCode[]) {
      const category = ADMIN_ERROR_CODES[code] as ErrorCategory;
      const err = code === 'SBX_ADMIN_COMPILE_FAILED' ? new CompileError(code, 'x', []) : adminError(code as Exclude<AdminErrorCode, 'SBX_ADMIN_COMPILE_FAILED'>, 'x');
      const { status, message } = grpcStatusOf(err);
      expect(status, `${code} (${category})`).not.toBe(2);
      expect(status).toBeGreaterThan(0);
      expect(message).toContain(code);
    }
    expect(grpcStatusOf(adminError('SBX_ADMIN_ALREADY_EXISTS_DIFFERENT', 'x')).status).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(grpcStatusOf(adminError('SBX_ADMIN_TASK_NOT_FOUND', 'x')).status).toBe(GrpcStatus.NOT_FOUND);
    expect(grpcStatusOf(new TypeError('boom'))).toEqual({ status: GrpcStatus.INTERNAL, message: 'SBX_ADMIN_INTERNAL: boom', internal: true });
    expect(grpcStatusOf(new GrpcError(GrpcStatus.ALREADY_EXISTS, 'same')).status).toBe(6);
  });
});
