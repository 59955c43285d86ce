/**
 * The DataStore port: blobs addressed by URI. The sandbox's adapter keeps them on the local disk
 * under one root and uses `file://` URIs whose path is the absolute host path, so the same URI
 * is valid inside containers (the root is bind-mounted at the same path). An S3/GCS adapter can
 * be added behind this interface without touching the engine.
 *
 * Every method rejects a URI outside the store's root with a `StorageError` (code
 * `SBX_STORAGE_OUTSIDE_ROOT`): no path traversal through `..`, symlinks or other schemes.
 */
export interface DataStore {
  /** URI of the store root, e.g. `file:///home/u/.tflyte/sandbox/blobs`. */
  readonly rootUri: string;
  /** Joins URI segments below a base URI (`join(root, 'metadata', 'p', 'd')`). */
  join(base: string, ...segments: string[]): string;
  read(uri: string): Promise<Uint8Array>;
  /** Writes atomically (temp file + rename); creates parent directories. */
  write(uri: string, bytes: Uint8Array): Promise<void>;
  exists(uri: string): Promise<boolean>;
  /** Absolute local path for a URI in the store (for bind mounts and file values). */
  localPath(uri: string): string;
  /** Copies a local file or directory into the store at `uri`. */
  upload(localPath: string, uri: string): Promise<void>;
  /** Removes everything under `uri` (a file or a prefix); missing is fine. */
  delete(uri: string): Promise<void>;
}
