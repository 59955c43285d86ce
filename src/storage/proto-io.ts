/** Reading and writing Flyte protobuf documents (`inputs.pb`, `outputs.pb`, …) in a {@link DataStore}. */
import { decode, encode } from '../core/idl.ts';
import type { DataStore } from './data-store.ts';
import { isStorageError, StorageError, STORAGE_ERROR_CODES } from './errors.ts';

/**
 * Reads and decodes the message `messageName` (e.g. `flyteidl.core.LiteralMap`) stored at `uri`.
 * Throws `SBX_STORAGE_NOT_FOUND` when missing and `SBX_STORAGE_CORRUPT_DOCUMENT` when the bytes
 * do not decode.
 */
export async function readProto<T = Record<string, unknown>>(store: DataStore, uri: string, messageName: string): Promise<T> {
  const bytes = await store.read(uri);
  try {
    return decode<T>(messageName, bytes);
  } catch (e) {
    throw new StorageError(STORAGE_ERROR_CODES.CORRUPT_DOCUMENT, `${uri} is not a valid ${messageName}: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

/** Like {@link readProto}, but resolves `undefined` when nothing is stored at `uri`. */
export async function readProtoIfExists<T = Record<string, unknown>>(
  store: DataStore,
  uri: string,
  messageName: string,
): Promise<T | undefined> {
  try {
    return await readProto<T>(store, uri, messageName);
  } catch (e) {
    if (isStorageError(e, STORAGE_ERROR_CODES.NOT_FOUND)) return undefined;
    throw e;
  }
}

/** Encodes `obj` as `messageName` and writes it atomically at `uri`; answers the bytes written. */
export async function writeProto(store: DataStore, uri: string, messageName: string, obj: object): Promise<Uint8Array> {
  const bytes = encode(messageName, obj);
  await store.write(uri, bytes);
  return bytes;
}
