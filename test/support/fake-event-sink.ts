/**
 * An {@link ExecutionEventSink} that records events and enforces admin's rules on them (the
 * phase transition tables of `src/core/phases.ts`): a repeated phase is accepted, leaving a
 * terminal phase is rejected with `SBX_ADMIN_ALREADY_TERMINAL`, any other illegal move throws.
 * Every event is also encoded as its protobuf message, so malformed events fail the test.
 */
import { encode } from '../../src/core/idl.ts';
import type { flyteidl } from '../../src/core/idl.ts';
import { NodePhases, TaskPhases, WorkflowPhases } from '../../src/core/phases.ts';
import type { NodePhase, TaskPhase, WorkflowPhase } from '../../src/core/phases.ts';
import type { ExecutionEventSink } from '../../src/propeller/index.ts';

type Waiter = { name: string; resolve: (ev: flyteidl.event.IWorkflowExecutionEvent) => void };

/** Recording sink with waiters on workflow phases. */
export class RecordingEventSink implements ExecutionEventSink {
  readonly workflowEvents: flyteidl.event.IWorkflowExecutionEvent[] = [];
  readonly nodeEvents: flyteidl.event.INodeExecutionEvent[] = [];
  readonly taskEvents: flyteidl.event.ITaskExecutionEvent[] = [];
  /** Errors other than "already terminal" that the sink raised (illegal transitions = engine bugs). */
  readonly violations: string[] = [];
  readonly #wf = new Map<string, WorkflowPhase>();
  readonly #nodes = new Map<string, NodePhase>();
  readonly #tasks = new Map<string, TaskPhase>();
  #waiters: Waiter[] = [];

  async workflowEvent(ev: flyteidl.event.IWorkflowExecutionEvent): Promise<void> {
    encode('flyteidl.event.WorkflowExecutionEvent', ev);
    const name = ev.executionId?.name ?? '';
    const to = WorkflowPhases.fromNumber(ev.phase ?? 0)!;
    this.#check(WorkflowPhases, this.#wf, name, to);
    this.workflowEvents.push(ev);
    if (WorkflowPhases.isTerminal(to)) {
      const ready = this.#waiters.filter((w) => w.name === name);
      this.#waiters = this.#waiters.filter((w) => w.name !== name);
      for (const w of ready) w.resolve(ev);
    }
  }

  async nodeEvent(ev: flyteidl.event.INodeExecutionEvent): Promise<void> {
    encode('flyteidl.event.NodeExecutionEvent', ev);
    const key = `${ev.id?.executionId?.name}/${ev.id?.nodeId}`;
    this.#check(NodePhases, this.#nodes, key, NodePhases.fromNumber(ev.phase ?? 0)!);
    this.nodeEvents.push(ev);
  }

  async taskEvent(ev: flyteidl.event.ITaskExecutionEvent): Promise<void> {
    encode('flyteidl.event.TaskExecutionEvent', ev);
    const key = `${ev.parentNodeExecutionId?.executionId?.name}/${ev.parentNodeExecutionId?.nodeId}/${ev.retryAttempt ?? 0}`;
    this.#check(TaskPhases, this.#tasks, key, TaskPhases.fromNumber(ev.phase ?? 0)!);
    this.taskEvents.push(ev);
  }

  #check<P extends string>(model: { isTerminal(p: P): boolean; assertTransition(a: P, b: P, w?: string): void }, m: Map<string, P>, key: string, to: P): void {
    const from = m.get(key) ?? ('UNDEFINED' as P);
    if (from === to) return;
    try {
      model.assertTransition(from, to, key);
    } catch (e) {
      if (!model.isTerminal(from)) this.violations.push((e as Error).message);
      throw e;
    }
    m.set(key, to);
  }

  /** Current workflow phase of an execution as recorded. */
  workflowPhase(name: string): WorkflowPhase | undefined {
    return this.#wf.get(name);
  }

  /** Current phase of a node (`nodeId` is the unique id). */
  nodePhase(execution: string, nodeId: string): NodePhase | undefined {
    return this.#nodes.get(`${execution}/${nodeId}`);
  }

  /** Resolves with the terminal workflow event of `name` (at once if already terminal). */
  waitForTerminal(name: string): Promise<flyteidl.event.IWorkflowExecutionEvent> {
    const done = this.workflowEvents.find((e) => e.executionId?.name === name && WorkflowPhases.isTerminal(WorkflowPhases.fromNumber(e.phase ?? 0)!));
    if (done) return Promise.resolve(done);
    return new Promise((resolve) => this.#waiters.push({ name, resolve }));
  }

  /** Node events of one node, as phase names. */
  nodePhases(execution: string, nodeId: string): NodePhase[] {
    return this.nodeEvents
      .filter((e) => e.id?.executionId?.name === execution && e.id?.nodeId === nodeId)
      .map((e) => NodePhases.fromNumber(e.phase ?? 0)!);
  }

  /** Task events of one node, as `attempt:PHASE`. */
  taskPhases(execution: string, nodeId: string): string[] {
    return this.taskEvents
      .filter((e) => e.parentNodeExecutionId?.executionId?.name === execution && e.parentNodeExecutionId?.nodeId === nodeId)
      .map((e) => `${e.retryAttempt ?? 0}:${TaskPhases.fromNumber(e.phase ?? 0)}`);
  }
}
