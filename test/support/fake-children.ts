/**
 * A {@link ChildExecutionPort} that behaves like admin for launch-plan nodes: `createChild`
 * (idempotent on name) writes the child's inputs and starts it on the given propeller with
 * `parent` set; `getStatus` answers from the workflow events the sink recorded; `terminate`
 * aborts the child.
 */
import type { flyteidl } from '../../src/core/idl.ts';
import { WorkflowPhases } from '../../src/core/phases.ts';
import type { ChildExecutionPort, ExecutionRunner } from '../../src/propeller/index.ts';
import type { DataStore } from '../../src/storage/index.ts';
import { executionPrefix, writeProto } from '../../src/storage/index.ts';
import type { RecordingEventSink } from './fake-event-sink.ts';

type ExecId = { project: string; domain: string; name: string };

/** Fake admin side of child executions. */
export class FakeChildExecutions implements ChildExecutionPort {
  /** Launch plans by name → the closure they run. */
  readonly launchPlans = new Map<string, flyteidl.core.ICompiledWorkflowClosure>();
  readonly created: string[] = [];
  readonly terminated: string[] = [];
  runner?: ExecutionRunner;
  readonly #data: DataStore;
  readonly #sink: RecordingEventSink;

  constructor(data: DataStore, sink: RecordingEventSink) {
    this.#data = data;
    this.#sink = sink;
  }

  async createChild(req: Parameters<ChildExecutionPort['createChild']>[0]): Promise<void> {
    if (this.created.includes(req.name)) return;
    const closure = this.launchPlans.get(req.launchPlan.name ?? '');
    if (!closure) throw new Error(`launch plan ${req.launchPlan.name} not registered`);
    this.created.push(req.name);
    const id = { project: req.project, domain: req.domain, name: req.name };
    const prefix = executionPrefix(this.#data, id);
    const inputsUri = this.#data.join(prefix, 'inputs.pb');
    await writeProto(this.#data, inputsUri, 'flyteidl.core.LiteralMap', req.inputs);
    await this.runner!.start({
      id,
      closure,
      inputsUri,
      metadataPrefix: prefix,
      rawOutputPrefix: this.#data.join(this.#data.rootUri, 'raw'),
      maxParallelism: 0,
      labels: {},
      envs: {},
      parent: {
        nodeExecutionId: {
          nodeId: req.parentNodeExecution.nodeId ?? '',
          executionId: req.parentNodeExecution.executionId as ExecId,
        },
      },
      nesting: req.nesting,
    });
  }

  async getStatus(id: ExecId): ReturnType<ChildExecutionPort['getStatus']> {
    const evs = this.#sink.workflowEvents.filter((e) => e.executionId?.name === id.name);
    const last = evs.at(-1);
    if (!last) return this.created.includes(id.name) ? { phase: 0 } : undefined;
    return {
      phase: last.phase ?? 0,
      ...(last.outputUri ? { outputsUri: last.outputUri } : {}),
      ...(last.error ? { error: last.error } : {}),
    };
  }

  async terminate(id: ExecId, cause: string): Promise<void> {
    this.terminated.push(id.name);
    const phase = WorkflowPhases.fromNumber((await this.getStatus(id))?.phase ?? 0);
    if (phase && WorkflowPhases.isTerminal(phase)) return;
    await this.runner!.abort(id, cause);
  }
}
