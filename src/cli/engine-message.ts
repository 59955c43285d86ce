/** The line `status` and `run --wait` print while the container engine does not answer. */

/** What to tell the user while the container engine does not answer. */
export function engineWaitMessage(engine: { endpoint: string; since?: number; error?: string }): string {
  const since = engine.since ? ` since ${new Date(engine.since).toISOString()}` : '';
  return `waiting for the Docker engine at ${engine.endpoint}${since} (${engine.error ?? 'no answer'}): running tasks continue once it is back; start it (or see its log)`;
}

