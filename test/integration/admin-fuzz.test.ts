/**
 * The admin never crashes and never answers 5xx or HTML on bad input: random JSON (and random
 * mutations of valid bodies) posted to every route, random path parameters and query strings.
 * Seeded, so a failure replays exactly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureProject, http, intLit, launchPlanBody, startAdminHarness, taskBody, workflowBody, type AdminHarness } from './admin-harness.ts';

let h: AdminHarness;
const P = 'fuzzproj';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WEIRD_STRINGS = ['', ' ', '..', '../../etc/passwd', 'a/b', '%00', '\u0000', 'ü', 'RUNNING', 'TASK', '-1', '1e999', 'null', 'x'.repeat(300), '{}', 'eq(phase,RUNNING)', 'file:///etc/passwd'];

function randomJson(r: () => number, depth = 0): unknown {
  const k = Math.floor(r() * (depth > 3 ? 6 : 8));
  switch (k) {
    case 0:
      return null;
    case 1:
      return r() < 0.5;
    case 2:
      return [0, -1, 1.5, 2 ** 53, -(2 ** 63), 1e308][Math.floor(r() * 6)];
    case 3:
    case 4:
      return WEIRD_STRINGS[Math.floor(r() * WEIRD_STRINGS.length)];
    case 5:
      return Math.floor(r() * 1000);
    case 6:
      return Array.from({ length: Math.floor(r() * 4) }, () => randomJson(r, depth + 1));
    default: {
      const keys = ['id', 'spec', 'project', 'domain', 'name', 'version', 'template', 'inputs', 'literals', 'event', 'phase', 'execution_id', 'launch_plan', 'state', 'cause', 'node_id', 'task_id', 'scalar', 'primitive', 'integer', 'resource_type', 'bogus'];
      const o: Record<string, unknown> = {};
      for (let i = 0; i < 1 + Math.floor(r() * 4); i++) o[keys[Math.floor(r() * keys.length)] as string] = randomJson(r, depth + 1);
      return o;
    }
  }
}

/** Replaces one random leaf (or subtree) of a valid body. */
function mutate(body: unknown, r: () => number): unknown {
  const copy = JSON.parse(JSON.stringify(body)) as unknown;
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, p: (string | number)[]): void => {
    paths.push(p);
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...p, i]));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...p, k]);
  };
  walk(copy, []);
  const target = paths[1 + Math.floor(r() * (paths.length - 1))] ?? [];
  let parent = copy as Record<string | number, unknown>;
  for (const seg of target.slice(0, -1)) parent = parent[seg] as Record<string | number, unknown>;
  const last = target.at(-1);
  if (last !== undefined) {
    if (r() < 0.2) delete parent[last];
    else parent[last] = randomJson(r, 2);
  }
  return copy;
}

const VALID_BODIES = (): [string, string, unknown][] => [
  ['POST', '/api/v1/tasks', taskBody(P, 'fz.t', 'v1')],
  ['POST', '/api/v1/workflows', workflowBody(P, 'fz.wf', 'v1', { name: 'fz.t', version: 'v1' })],
  ['POST', '/api/v1/launch_plans', launchPlanBody(P, 'fz.lp', 'v1', { name: 'fz.wf', version: 'v1' })],
  ['POST', '/api/v1/executions', { project: P, domain: 'development', spec: { launch_plan: { resource_type: 'LAUNCH_PLAN', project: P, domain: 'development', name: 'fz.lp', version: 'v1' } }, inputs: { literals: { a: intLit(1) } } }],
  ['POST', '/api/v1/events/workflows', { event: { execution_id: { project: P, domain: 'development', name: 'fz-exec' }, phase: 'RUNNING' } }],
  ['POST', '/api/v1/events/nodes', { event: { id: { node_id: 'n0', execution_id: { project: P, domain: 'development', name: 'fz-exec' } }, phase: 'RUNNING', input_uri: '' } }],
  [
    'POST',
    '/api/v1/events/tasks',
    {
      event: {
        task_id: { resource_type: 'TASK', project: P, domain: 'development', name: 'fz.t', version: 'v1' },
        parent_node_execution_id: { node_id: 'n0', execution_id: { project: P, domain: 'development', name: 'fz-exec' } },
        phase: 'RUNNING',
        logs: [{ name: 'l', uri: 'file:///tmp/x.log' }],
      },
    },
  ],
  ['POST', '/api/v1/projects', { project: { id: 'fz-p', name: 'x' } }],
  ['PUT', `/api/v1/launch_plans/${P}/development/fz.lp/v1`, { state: 'ACTIVE' }],
  ['DELETE', `/api/v1/executions/${P}/development/fz-exec`, { cause: 'x' }],
  ['POST', '/api/v1/executions/relaunch', { id: { project: P, domain: 'development', name: 'fz-exec' } }],
  ['POST', '/api/v1/executions/recover', { id: { project: P, domain: 'development', name: 'fz-exec' } }],
  ['PUT', `/api/v1/executions/${P}/development/fz-exec`, { state: 'EXECUTION_ARCHIVED' }],
  ['PUT', `/api/v1/projects/${P}`, { id: P, name: 'renamed' }],
];

const GET_TEMPLATES = [
  '/api/v1/projects/{s}',
  '/api/v1/tasks/{s}/{s}/{s}/{s}',
  '/api/v1/tasks/{s}/{s}?limit={s}&token={s}&filters={s}&sort_by.key={s}&sort_by.direction={s}',
  '/api/v1/workflows/{s}/{s}/{s}',
  '/api/v1/launch_plans/{s}/{s}?filters={s}',
  '/api/v1/active_launch_plans/{s}/{s}/{s}',
  '/api/v1/named_entities/{s}/{s}/{s}',
  '/api/v1/executions/{s}/{s}?filters={s}&sort_by.key={s}',
  '/api/v1/executions/{s}/{s}/{s}',
  '/api/v1/data/executions/{s}/{s}/{s}',
  '/api/v1/node_executions/{s}/{s}/{s}?unique_parent_id={s}',
  '/api/v1/node_executions/{s}/{s}/{s}/{s}/dynamic_workflow',
  '/api/v1/data/node_executions/{s}/{s}/{s}/{s}',
  '/api/v1/task_executions/{s}/{s}/{s}/{s}/{s}/{s}/{s}/{s}/{s}',
  '/api/v1/logs/task_executions/{s}/{s}/{s}/{s}/{s}/{s}/{s}/{s}/{s}?index={s}',
  '/api/v1/children/task_executions/{s}/{s}/{s}/{s}/{s}/{s}/{s}/{s}/{s}',
];

function expectCleanAnswer(label: string, r: { status: number; json: any; type: string }): void {
  expect(r.status, label).toBeLessThan(500);
  expect(r.type, label).toContain('application/json');
  if (r.status >= 400) expect(r.json?.error?.code, label).toMatch(/^SBX_[A-Z0-9_]+$/);
}

beforeAll(async () => {
  h = await startAdminHarness();
  await ensureProject(h, P);
  // A real execution to aim events and terminate at.
  for (const [method, route, body] of VALID_BODIES().slice(0, 3)) await http(`${h.url}${route}`, method, body);
  await http(`${h.url}/api/v1/executions`, 'POST', { ...(VALID_BODIES()[3]?.[2] as object), name: 'fz-exec' });
});
afterAll(async () => {
  await h?.close();
});

describe('fuzz', () => {
  it('random JSON to every mutating route never yields a 5xx or a non-JSON answer', async () => {
    const r = rng(42);
    const routes = VALID_BODIES().map(([m, p]) => [m, p] as const);
    for (let i = 0; i < 400; i++) {
      const [method, route] = routes[i % routes.length] ?? ['POST', '/api/v1/tasks'];
      const body = randomJson(r);
      const res = await http(`${h.url}${route}`, method, body);
      expectCleanAnswer(`${method} ${route} ${JSON.stringify(body).slice(0, 200)}`, res);
    }
  });

  it('mutated valid bodies never yield a 5xx', async () => {
    const r = rng(7);
    const bodies = VALID_BODIES();
    for (let i = 0; i < 600; i++) {
      const [method, route, body] = bodies[i % bodies.length] ?? ['POST', '/api/v1/tasks', {}];
      const mutated = mutate(body, r);
      const res = await http(`${h.url}${route}`, method, mutated);
      expectCleanAnswer(`${method} ${route} ${JSON.stringify(mutated).slice(0, 300)}`, res);
    }
  });

  it('random path parameters and query strings on every read route never yield a 5xx', async () => {
    const r = rng(99);
    for (let i = 0; i < 400; i++) {
      const tmpl = GET_TEMPLATES[i % GET_TEMPLATES.length] ?? '/';
      const url = tmpl.replace(/\{s\}/g, () => encodeURIComponent(WEIRD_STRINGS[Math.floor(r() * WEIRD_STRINGS.length)] || 'x'));
      const res = await http(`${h.url}${url}`, 'GET');
      expectCleanAnswer(`GET ${url}`, res);
    }
  });

  it('is still healthy and consistent afterwards', async () => {
    expect((await http(`${h.url}/healthz`, 'GET')).status).toBe(200);
    const task = await h.client.getTask({ project: P, domain: 'development', name: 'fz.t', version: 'v1' });
    expect(task.closure?.compiledTask?.template?.type).toBe('python-task');
  });
});
