/**
 * An `ExecutionRunner` whose target is bound later: admin is built before propeller (propeller
 * needs admin's event sink, child port and state store), so the composition root passes this to
 * admin and calls `bind(propellerRunner)` once propeller exists.
 */
import { UnavailableError } from '../../core/errors.ts';
import type { ExecutionRequest } from '../../propeller/ports.ts';
import type { ExecutionRunner } from '../ports.ts';

/** A runner that forwards to the one given to `bind`; rejects with `SBX_ADMIN_RUNNER_UNAVAILABLE` before. */
export interface DeferredRunner extends ExecutionRunner {
  bind(target: ExecutionRunner): void;
}

/** Creates an unbound {@link DeferredRunner}. */
export function createDeferredRunner(): DeferredRunner {
  let target: ExecutionRunner | undefined;
  const get = (): ExecutionRunner => {
    if (!target) throw new UnavailableError('SBX_ADMIN_RUNNER_UNAVAILABLE', 'the execution engine is not running (no runner bound to admin)');
    return target;
  };
  return {
    bind(t) {
      target = t;
    },
    start: async (req: ExecutionRequest) => get().start(req),
    abort: async (id, cause) => get().abort(id, cause),
  };
}
