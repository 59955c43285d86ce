/**
 * A task attempt's environment inside a process that runs several attempts at once (local runs
 * execute tasks in-process): while an attempt runs, `process.env` shows its own variables —
 * `FLYTE_ATTEMPT_NUMBER`, `FLYTE_INTERNAL_*` — on top of the process's, in everything the
 * attempt calls and awaits, as a container would. Other code sees the process's environment.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const overlays = new AsyncLocalStorage<Readonly<Record<string, string>>>();
let installed = false;

/**
 * Replaces `process.env` by a view that consults the current attempt's variables first (once per
 * process). Writes and deletions still go to the process's environment.
 */
function installOverlay(): void {
  if (installed) return;
  installed = true;
  const base = process.env;
  const own = (k: string | symbol): Readonly<Record<string, string>> | undefined => {
    const o = overlays.getStore();
    return o && typeof k === 'string' && Object.hasOwn(o, k) ? o : undefined;
  };
  process.env = new Proxy(base, {
    get: (t, k) => own(k)?.[k as string] ?? Reflect.get(t, k),
    has: (t, k) => own(k) !== undefined || Reflect.has(t, k),
    ownKeys: (t) => {
      const o = overlays.getStore();
      return o ? [...new Set([...Reflect.ownKeys(t), ...Object.keys(o)])] : Reflect.ownKeys(t);
    },
    getOwnPropertyDescriptor: (t, k) => {
      const o = own(k);
      return o ? { value: o[k as string], writable: true, enumerable: true, configurable: true } : Reflect.getOwnPropertyDescriptor(t, k);
    },
  });
}

/** Runs `fn` (and everything it starts) with `env` layered over `process.env`. */
export function runWithTaskEnv<T>(env: Readonly<Record<string, string>>, fn: () => T): T {
  installOverlay();
  return overlays.run(env, fn);
}
