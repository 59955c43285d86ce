/**
 * Listening beyond loopback. The API has no authentication (like `flytectl demo`'s), so a
 * non-loopback `--host` needs `--expose` (or `expose: true` in config.yaml), and then a warning
 * says what it exposes.
 */
import { isLoopbackHost } from '../admin/core.ts';
import type { SandboxConfig } from './sandbox-home.ts';
import { UsageError } from './usage-error.ts';

/**
 * Undefined for a loopback host; the warning to print for an exposed one; throws a usage error
 * for a non-loopback host without `expose`.
 */
export function exposureWarning(config: Pick<SandboxConfig, 'host' | 'expose'>): string | undefined {
  if (isLoopbackHost(config.host)) return undefined;
  const what =
    `the API on ${config.host} has no authentication: anyone who can reach that address can register and run code in task containers ` +
    "(with the Docker engine behind them), read every execution's data and logs, and stop executions";
  if (!config.expose) {
    throw new UsageError(`refusing to listen on ${config.host}: ${what}. Add --expose (or expose: true in config.yaml) if that is what you want, or keep the default 127.0.0.1`);
  }
  return `listening on ${config.host}: ${what}`;
}
