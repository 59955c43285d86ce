/**
 * The blob store of a sandbox, as its config says (`storage`, `storageConnection`, and flytekit's
 * `FLYTE_AWS_*` variables): the data dir's `blobs/` on the local disk, or an S3 bucket. The
 * daemon and the CLI commands that talk to it open the same one.
 */
import type { DataStore } from '../storage/data-store.ts';
import { LocalDataStore, S3DataStore, s3ConnectionFromEnv, type S3Connection } from '../storage/index.ts';
import { homePaths, type SandboxConfig } from './sandbox-home.ts';
import { CommandError } from './usage-error.ts';

/** The S3 connection of a config: its `storageConnection`, under flytekit's variables in `env`. */
export function storageConnection(config: Pick<SandboxConfig, 'storageConnection'>, env: NodeJS.ProcessEnv): S3Connection {
  const c = config.storageConnection;
  const fromConfig: S3Connection = {
    ...(c.endpoint ? { endpoint: c.endpoint } : {}),
    ...(c.region ? { region: c.region } : {}),
    ...(c['access-key'] ? { accessKeyId: c['access-key'] } : {}),
    ...(c['secret-key'] ? { secretAccessKey: c['secret-key'] } : {}),
    ...(c['addressing-style'] ? { forcePathStyle: c['addressing-style'] === 'path' } : {}),
  };
  return { ...fromConfig, ...s3ConnectionFromEnv(env) };
}

/**
 * Opens the store of a sandbox. With `check`, an S3 bucket is asked once whether it can be used,
 * so a missing bucket or refused credentials stop `start` with the reason instead of failing
 * every task later.
 */
export async function openSandboxStore(
  dataDir: string,
  config: Pick<SandboxConfig, 'storage' | 'storageConnection'>,
  env: NodeJS.ProcessEnv,
  opts: { check?: boolean } = {},
): Promise<{ store: DataStore; connection?: S3Connection; close(): void }> {
  if (!config.storage) return { store: new LocalDataStore(homePaths(dataDir).blobs), close: () => undefined };
  const connection = storageConnection(config, env);
  const store = await S3DataStore.open(config.storage, connection);
  if (opts.check) {
    try {
      await store.check();
    } catch (e) {
      store.close();
      throw new CommandError(`storage ${config.storage} (config.yaml): ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return { store, connection, close: () => store.close() };
}
