/**
 * `register`, `get executions`, `get execution NAME`, `logs EXECUTION [--node ID]`.
 */
import { AdminApiError, type AdminClient } from '../../admin/client.ts';
import type { flyteidl, google } from '../../core/idl.ts';
import { literalMapToJs } from '../../core/index.ts';
import { connect, nodePhaseName, phaseName, registerFile } from '../remote.ts';
import { CommandError } from '../usage-error.ts';

type ExecId = { project: string; domain: string; name: string };

/** The execution, or a clear error naming it and how to list the existing ones. */
async function findExecution(client: AdminClient, exec: ExecId): Promise<flyteidl.admin.IExecution> {
  try {
    return await client.getExecution(exec);
  } catch (e) {
    if (e instanceof AdminApiError && e.status === 404) {
      const scope = `${exec.project !== 'flytesnacks' ? ` -p ${exec.project}` : ''}${exec.domain !== 'development' ? ` -d ${exec.domain}` : ''}`;
      throw new CommandError(`no execution ${exec.name} in project ${exec.project}, domain ${exec.domain}. List them with: tflyte-sandbox get executions${scope}`);
    }
    throw e;
  }
}

function millis(t: google.protobuf.ITimestamp | null | undefined): number {
  return t ? Number(t.seconds ?? 0) * 1000 + Math.round((t.nanos ?? 0) / 1e6) : Number.POSITIVE_INFINITY;
}

const isBookend = (nodeId: string): boolean => nodeId === 'start-node' || nodeId === 'end-node';

/** Nodes in the order they started (not-started ones last), by id on ties. */
function inRunOrder(nodes: flyteidl.admin.INodeExecution[]): flyteidl.admin.INodeExecution[] {
  return [...nodes].sort((a, b) => millis(a.closure?.startedAt) - millis(b.closure?.startedAt) || (a.id?.nodeId ?? '').localeCompare(b.id?.nodeId ?? ''));
}

function ms(d: google.protobuf.IDuration | null | undefined): number | undefined {
  if (!d) return undefined;
  return Number(d.seconds ?? 0) * 1000 + Math.round((d.nanos ?? 0) / 1e6);
}

function secs(v: number | undefined): string {
  return v === undefined ? '-' : `${(v / 1000).toFixed(2)}s`;
}

function ts(t: google.protobuf.ITimestamp | null | undefined): string {
  if (!t) return '-';
  return new Date(Number(t.seconds ?? 0) * 1000 + Math.round((t.nanos ?? 0) / 1e6)).toISOString().replace('T', ' ').slice(0, 19);
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_c, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}

/** `prefix` before every line of `text` (a last line without newline included). */
export function prefixLines(text: string, prefix: string): string {
  if (text === '') return '';
  const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
  return `${lines.map((l) => prefix + l).join('\n')}\n`;
}

const CACHE = ['DISABLED', 'MISS', 'HIT', 'POPULATED', 'LOOKUP_FAILURE', 'PUT_FAILURE', 'SKIPPED', 'EVICTED'];

/** `register FILE...` */
export async function register(files: string[], opts: Record<string, string>): Promise<void> {
  const conn = await connect({ dataDir: opts.dataDir, profile: opts.profile });
  const problems: string[] = [];
  for (const f of files) {
    const r = await registerFile(conn, f, opts.project ?? 'flytesnacks', opts.domain ?? 'development', opts.image);
    console.log(`registered ${f} as version ${r.settings.version}:`);
    for (const n of r.tasks) console.log(`  task         ${n}`);
    for (const n of r.workflows) console.log(`  workflow     ${n}`);
    for (const n of r.launchPlans) console.log(`  launch plan  ${n}`);
    for (const s of r.skipped) {
      problems.push(`${f}: ${s.error.message}`);
      console.log(`  not registered: ${s.kind} ${s.name} (it does not compile; see below)`);
    }
  }
  // The others are registered and can run; the exit code still tells CI that something is wrong.
  if (problems.length > 0) throw new CommandError(`${problems.length} entit${problems.length === 1 ? 'y was' : 'ies were'} not registered:\n${problems.join('\n')}`, 2);
}

/** `get executions` */
export async function getExecutions(opts: Record<string, string>): Promise<void> {
  const conn = await connect({ dataDir: opts.dataDir, profile: opts.profile });
  const list = await conn.client.listExecutions(opts.project ?? 'flytesnacks', opts.domain ?? 'development', {
    limit: Number(opts.limit ?? 20),
    sortBy: { key: 'created_at', direction: 'DESCENDING' },
  });
  const execs = list.executions ?? [];
  if (opts.json) {
    console.log(JSON.stringify(execs.map((e) => ({ name: e.id?.name, phase: phaseName(e.closure?.phase), workflow: e.closure?.workflowId?.name, createdAt: ts(e.closure?.createdAt), durationMs: ms(e.closure?.duration) }))));
    return;
  }
  if (execs.length === 0) {
    console.log('no executions yet');
    return;
  }
  console.log(
    table([
      ['NAME', 'PHASE', 'WORKFLOW', 'STARTED', 'DURATION'],
      ...execs.map((e) => [e.id?.name ?? '', phaseName(e.closure?.phase), e.closure?.workflowId?.name ?? e.spec?.launchPlan?.name ?? '', ts(e.closure?.createdAt), secs(ms(e.closure?.duration))]),
    ]),
  );
}

/** `get execution NAME` */
export async function getExecution(name: string, opts: Record<string, string>): Promise<void> {
  const conn = await connect({ dataDir: opts.dataDir, profile: opts.profile });
  const exec = { project: opts.project ?? 'flytesnacks', domain: opts.domain ?? 'development', name };
  const e = await findExecution(conn.client, exec);
  const data = await conn.client.getExecutionData(exec);
  const nodes = inRunOrder(await allNodeExecutions(conn, exec));
  const rows: { node: string; phase: string; duration?: number; cache: string; outputs: unknown }[] = [];
  for (const n of nodes) {
    const nodeId = n.id?.nodeId ?? '';
    if (isBookend(nodeId) || isBookend(n.metadata?.specNodeId ?? '')) continue;
    let outputs: unknown = '';
    if (nodePhaseName(n.closure?.phase) === 'SUCCEEDED') {
      try {
        outputs = literalMapToJs((await conn.client.getNodeExecutionData(exec, nodeId)).fullOutputs ?? {});
      } catch {
        outputs = '?';
      }
    }
    const cache = n.closure?.taskNodeMetadata?.cacheStatus;
    rows.push({ node: nodeId, phase: nodePhaseName(n.closure?.phase), duration: ms(n.closure?.duration), cache: cache ? (CACHE[cache] ?? String(cache)) : '-', outputs });
  }
  const phase = phaseName(e.closure?.phase);
  if (opts.json) {
    console.log(
      JSON.stringify({
        execution: name,
        phase,
        inputs: literalMapToJs(data.fullInputs ?? {}),
        outputs: literalMapToJs(data.fullOutputs ?? {}),
        error: e.closure?.error ?? undefined,
        nodes: rows,
      }),
    );
    return;
  }
  console.log(`${name}  ${phase}  ${e.closure?.workflowId?.name ?? ''}  ${secs(ms(e.closure?.duration))}`);
  console.log(`  inputs:  ${JSON.stringify(literalMapToJs(data.fullInputs ?? {}))}`);
  if (phase === 'SUCCEEDED') console.log(`  outputs: ${JSON.stringify(literalMapToJs(data.fullOutputs ?? {}))}`);
  if (e.closure?.error) console.log(`  error:   [${e.closure.error.code}] ${e.closure.error.message}`);
  if (rows.length > 0) {
    console.log('');
    console.log(table([['NODE', 'PHASE', 'DURATION', 'CACHE', 'OUTPUTS'], ...rows.map((r) => [r.node, r.phase, secs(r.duration), r.cache, r.outputs === '' ? '' : JSON.stringify(r.outputs)])]));
  }
}

/** A node execution and the node it runs inside (sub-workflow, dynamic, branch or map), if any. */
interface NestedNode {
  node: flyteidl.admin.INodeExecution;
  parent?: flyteidl.admin.INodeExecution;
}

/** Every node execution of an execution, children of sub-workflow/dynamic/branch/map nodes included. */
async function allNodeExecutions(
  conn: Awaited<ReturnType<typeof connect>>,
  exec: { project: string; domain: string; name: string },
): Promise<flyteidl.admin.INodeExecution[]> {
  return (await nestedNodeExecutions(conn, exec)).map((n) => n.node);
}

async function nestedNodeExecutions(
  conn: Awaited<ReturnType<typeof connect>>,
  exec: { project: string; domain: string; name: string },
): Promise<NestedNode[]> {
  const out: NestedNode[] = [];
  const visit = async (parent?: flyteidl.admin.INodeExecution): Promise<void> => {
    const parentId = parent?.id?.nodeId;
    const list = await conn.client.listNodeExecutions(exec, { limit: 1000, ...(parentId ? { uniqueParentId: parentId } : {}) });
    for (const n of inRunOrder(list.nodeExecutions ?? [])) {
      out.push(parent ? { node: n, parent } : { node: n });
      if (n.metadata?.isParentNode || n.metadata?.isArray) await visit(n);
    }
  };
  await visit();
  return out;
}

/** The nodes `--node ID` selects: the node and everything that runs inside it (map items, a dynamic's nodes). */
function selectNodes(nodes: NestedNode[], wanted: string | undefined): NestedNode[] {
  if (!wanted) return nodes;
  const matches = (n: flyteidl.admin.INodeExecution): boolean => n.id?.nodeId === wanted || n.metadata?.specNodeId === wanted;
  const inside = new Set<string>();
  return nodes.filter(({ node, parent }) => {
    const hit = matches(node) || (parent !== undefined && inside.has(parent.id?.nodeId ?? ''));
    if (hit) inside.add(node.id?.nodeId ?? '');
    return hit;
  });
}

/** How a log section names its node: a map item by its parent and index (`n0[2]`), others by id. */
function nodeLabel({ node, parent }: NestedNode): { label: string; item: boolean } {
  const id = node.id?.nodeId ?? '';
  if (parent?.metadata?.isArray) {
    const index = /-(\d+)$/.exec(id)?.[1];
    return { label: `${parent.id?.nodeId ?? ''}[${index ?? id}]`, item: true };
  }
  return { label: id, item: false };
}

/** `logs EXECUTION [--node ID]` */
export async function logs(name: string, opts: Record<string, string>): Promise<void> {
  const conn = await connect({ dataDir: opts.dataDir });
  const exec = { project: opts.project ?? 'flytesnacks', domain: opts.domain ?? 'development', name };
  await findExecution(conn.client, exec);
  const nodes = await nestedNodeExecutions(conn, exec);
  const wanted = selectNodes(nodes, opts.node);
  if (opts.node && wanted.length === 0) {
    const known = nodes.map((n) => n.node.id?.nodeId ?? '').filter((id) => !isBookend(id));
    throw new CommandError(`execution ${name} has no node ${opts.node} (its nodes: ${known.join(', ') || 'none yet'})`);
  }
  let printed = 0;
  for (const n of wanted) {
    const nodeId = n.node.id?.nodeId ?? '';
    const { label, item } = nodeLabel(n);
    const attempts = (await conn.client.listTaskExecutions(exec, nodeId, { limit: 100 })).taskExecutions ?? [];
    for (const a of attempts) {
      if (!a.id) continue;
      // An attempt that ran in a reusable container names it (Flyte's external resource id).
      const warm = a.closure?.metadata?.externalResources?.[0]?.externalId;
      console.log(`=== ${label}${item ? ` (${nodeId})` : ''} attempt ${a.id.retryAttempt ?? 0} (${a.id.taskId?.name ?? ''})${warm ? ` in warm container ${warm}` : ''} ===`);
      let text: string;
      try {
        text = await conn.client.getTaskLog(a.id);
      } catch (e) {
        text = `(no log: ${e instanceof Error ? e.message : String(e)})\n`;
      }
      // Map items interleave in time: each line says which item wrote it.
      process.stdout.write(item ? prefixLines(text, `${label} | `) : text);
      printed++;
    }
  }
  if (printed === 0) console.log(opts.node ? `node ${opts.node} has no task attempts with logs yet` : 'no task attempts have logs yet');
}
