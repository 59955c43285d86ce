/**
 * Storage component: the DataStore port, its local filesystem adapter, Flyte's data layout,
 * protobuf document I/O and code bundles. See README.md.
 */
export type { DataStore, BlobStat, BlobEntry } from './data-store.ts';
export { S3DataStore, parseS3Uri, s3ConnectionFromEnv, s3ConnectionEnv, FLYTE_S3_ENV } from './s3-data-store.ts';
export type { S3Connection } from './s3-data-store.ts';
export { LocalDataStore, toFileUri } from './local-data-store.ts';
export { MemoryMetadataStore } from './memory-metadata-store.ts';
export { StorageError, STORAGE_ERROR_CODES, isStorageError } from './errors.ts';
export type { StorageErrorCode } from './errors.ts';
export {
  DOCUMENT_NAMES,
  executionPrefix,
  nodeDataDir,
  nodeInputsUri,
  attemptUris,
  rawDataRoot,
  attemptRawPrefix,
  uploadUri,
} from './layout.ts';
export type { ExecutionRef, AttemptUris } from './layout.ts';
export { readProto, readProtoIfExists, writeProto } from './proto-io.ts';
export { createBundle, extractBundle, DEFAULT_BUNDLE_GLOBS, DEFAULT_BUNDLE_EXCLUDES } from './bundle.ts';
export type { Bundle, BundleFile, BundleInput } from './bundle.ts';
export { diskOf, diskFullReason, LOW_DISK_BYTES, FULL_DISK_BYTES } from './disk.ts';
export { isInside, realpathOfDeepestExisting } from './path-inside.ts';
export { filesUnder } from './local-files.ts';
