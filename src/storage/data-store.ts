/**
 * The DataStore port: blobs addressed by URI. Two adapters: `LocalDataStore` keeps them on the
 * local disk under one root, with `file://` URIs whose path is the absolute host path (so the
 * same URI is valid inside containers, where the parts an attempt needs are bind-mounted at the
 * same path); `S3DataStore` keeps them as objects under `s3://bucket/prefix`. A GCS adapter can
 * be added behind this interface without touching the engine.
 *
 * Every method rejects a URI outside the store's root with a `StorageError` (code
 * `SBX_STORAGE_OUTSIDE_ROOT`): no path traversal through `..`, symlinks, other buckets or other
 * schemes.
 */
export interface DataStore {
  /** URI of the store root, e.g. `file:///home/u/.tflyte/sandbox/blobs` or `s3://bucket/prefix`. */
  readonly rootUri: string;
  /** Joins URI segments below a base URI (`join(root, 'metadata', 'p', 'd')`). */
  join(base: string, ...segments: string[]): string;
  /** Whether `uri` names a place inside the store (links resolved, for the local disk). */
  contains(uri: string): boolean;
  /**
   * Whether `uri` lies inside one of `roots` (store URIs), links resolved on both sides for the
   * local disk; false for a URI outside the store or, on the local disk, one that does not exist.
   */
  within(uri: string, roots: string[]): Promise<boolean>;
  read(uri: string): Promise<Uint8Array>;
  /** Writes atomically (the old or the new content is seen, never a part); creates parents. */
  write(uri: string, bytes: Uint8Array): Promise<void>;
  exists(uri: string): Promise<boolean>;
  /** What is at `uri`: a file (with its size), a directory (objects under `uri/`), or nothing. */
  stat(uri: string): Promise<BlobStat | undefined>;
  /** The first `max` entries directly under a directory `uri`. */
  list(uri: string, max: number): Promise<BlobEntry[]>;
  /** Copies a local file or directory into the store at `uri`. */
  upload(localPath: string, uri: string): Promise<void>;
  /** Removes everything under `uri` (a file or a prefix); missing is fine. */
  delete(uri: string): Promise<void>;
  /**
   * Absolute local path of a URI in the store (for bind mounts and file values); only stores on
   * the local disk have it.
   */
  readonly localPath?: (uri: string) => string;
}

/** What {@link DataStore.stat} finds. */
export interface BlobStat {
  kind: 'file' | 'dir';
  /** Bytes of a file; 0 for a directory. */
  size: number;
}

/** One entry of {@link DataStore.list}. */
export interface BlobEntry {
  name: string;
  uri: string;
  size: number;
  dir: boolean;
}
