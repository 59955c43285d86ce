/**
 * In-process `ExecutionEventSink` (propeller's port) backed by admin's event manager: the same
 * code path as `POST /api/v1/events/*`, without HTTP. Rejections carry SandboxError codes, e.g.
 * `SBX_ADMIN_ALREADY_TERMINAL` for a late event, which propeller ignores.
 */
import type { flyteidl } from '../../core/idl.ts';
import type { ExecutionEventSink } from '../../propeller/ports.ts';
import type { EventManager } from '../managers/event-manager.ts';

/** Records propeller's events directly in the admin DB. */
export class AdminEventSink implements ExecutionEventSink {
  readonly #events: EventManager;
  constructor(events: EventManager) {
    this.#events = events;
  }

  workflowEvent(ev: flyteidl.event.IWorkflowExecutionEvent): Promise<void> {
    return this.#events.workflowEvent(ev);
  }

  nodeEvent(ev: flyteidl.event.INodeExecutionEvent): Promise<void> {
    return this.#events.nodeEvent(ev);
  }

  taskEvent(ev: flyteidl.event.ITaskExecutionEvent): Promise<void> {
    return this.#events.taskEvent(ev);
  }
}
