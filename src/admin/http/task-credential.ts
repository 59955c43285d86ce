/**
 * Credentials of eager tasks, and the rule of the unix socket that task containers reach the API
 * through. Only eager tasks get the socket; each attempt gets a token (HMAC-SHA256 over its scope,
 * keyed by a secret kept in the data dir, so tokens outlive a daemon restart as their containers
 * do) that lets it do exactly what an eager body needs and nothing else:
 *
 * - create child executions of its own node (`parent_node_execution` = its execution and node),
 *   whose file and directory inputs are data it may read (below), with no raw output prefix of
 *   their own choosing;
 * - read those children: `GET executions/…`, `GET data/executions/…`, `GET children/executions/`
 *   of its own execution;
 * - download files its children returned: `GET blobs?uri=…&execution=<child>`.
 *
 * Data an attempt may read: its raw output area, the blobs of its inputs, and the outputs of its
 * children. Every other request over the socket is refused (401 without a valid token, 403 out of
 * scope).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { flyteidl } from '../../core/idl.ts';
import type { DataStore } from '../../storage/data-store.ts';
import { readLiteralMap } from '../managers/execution-views.ts';
import type { AdminManagers } from '../routes/helpers.ts';
import { refuse } from './browser-boundary.ts';
import { isInside } from '../../storage/path-inside.ts';
import { EAGER_LABELS } from '../../core/vocabulary.ts';

/** Header carrying the token (`Authorization: Bearer <token>`). */
export const TASK_TOKEN_ENV = 'TFLYTE_ADMIN_TOKEN';

/** What one eager attempt may do: its own execution and node, and where its data lives. */
export interface TaskScope {
  project: string;
  domain: string;
  execution: string;
  nodeId: string;
  attempt: number;
  /** The attempt's raw output prefix (files it uploads before passing them to children). */
  rawOutputPrefix: string;
  /** The node's `inputs.pb` (its blobs may be passed on to children). */
  inputsUri: string;
}

/**
 * Issues task tokens and checks them: {@link TaskCredentials.forDataDir} for the daemon, whose
 * tokens outlive it as its containers do, {@link TaskCredentials.ephemeral} for a local run, whose
 * eager tasks run in its own process.
 */
export abstract class TaskCredentials {
  /** A token that grants `scope`, to hand to the attempt (`TFLYTE_ADMIN_TOKEN`). */
  abstract issue(scope: TaskScope): string;

  /** The scope of a genuine token; undefined for anything else. */
  abstract verify(token: string | undefined): TaskScope | undefined;

  /** Tokens signed with `key` (HMAC-SHA256; at least 32 bytes): whoever holds the key checks them. */
  static signed(key: Buffer): TaskCredentials {
    return new SignedTokens(key);
  }

  /**
   * Tokens known to this object only: each a random string, kept in memory with its scope for the
   * object's life. No key to keep, and no `node:crypto` (~3 ms to load) for a local run.
   */
  static ephemeral(): TaskCredentials {
    return new IssuedTokens();
  }

  /**
   * Signed tokens with the key file of a data dir (`<data dir>/task-credential.key`, never mounted
   * into a container), created (mode 0600) on first use.
   */
  static forDataDir(dataDir: string): TaskCredentials {
    const file = path.join(dataDir, 'task-credential.key');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    try {
      fs.writeFileSync(file, randomBytes(32), { flag: 'wx', mode: 0o600 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    return TaskCredentials.signed(fs.readFileSync(file));
  }
}

/** `<scope as base64url JSON>.<its HMAC-SHA256, base64url>`. */
class SignedTokens extends TaskCredentials {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    super();
    if (key.length < 32) throw new RangeError('a task credential key needs at least 32 bytes');
    this.#key = key;
  }

  issue(scope: TaskScope): string {
    const body = Buffer.from(JSON.stringify(scope)).toString('base64url');
    return `${body}.${this.#sign(body)}`;
  }

  verify(token: string | undefined): TaskScope | undefined {
    if (!token) return undefined;
    const [body, sig, extra] = token.split('.');
    if (!body || !sig || extra !== undefined) return undefined;
    const want = Buffer.from(this.#sign(body));
    const got = Buffer.from(sig);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return undefined;
    try {
      return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as TaskScope;
    } catch {
      return undefined;
    }
  }

  #sign(body: string): string {
    return createHmac('sha256', this.#key).update(body).digest('base64url');
  }
}

/** 256 random bits per token, each mapped to the scope it was issued for. */
class IssuedTokens extends TaskCredentials {
  readonly #scopes = new Map<string, Readonly<TaskScope>>();

  issue(scope: TaskScope): string {
    const token = randomToken();
    this.#scopes.set(token, Object.freeze({ ...scope }));
    return token;
  }

  verify(token: string | undefined): TaskScope | undefined {
    const scope = token === undefined ? undefined : this.#scopes.get(token);
    return scope && { ...scope };
  }
}

/**
 * 32 random bytes, base64url: read from the kernel's generator (`/dev/urandom`, as `node:crypto`
 * draws them) where there is one, else from `node:crypto`.
 */
function randomToken(): string {
  const bytes = Buffer.alloc(32);
  let fd: number | undefined;
  try {
    fd = fs.openSync('/dev/urandom', 'r');
    if (fs.readSync(fd, bytes) === bytes.length) return bytes.toString('base64url');
  } catch {
    // no /dev/urandom: below
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
  return randomBytes(32).toString('base64url');
}

/** The token of an `Authorization: Bearer <token>` value (HTTP header or gRPC metadata). */
export function bearerToken(value: unknown): string | undefined {
  const m = typeof value === 'string' ? /^Bearer\s+(\S+)$/i.exec(value) : null;
  return m?.[1];
}

/** Every string under a `uri` key in a JSON value (blob literals, offloaded literals…). */
export function urisIn(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) for (const x of v) urisIn(x, out);
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (k === 'uri' && typeof x === 'string') out.push(x);
      else urisIn(x, out);
    }
  }
  return out;
}

/** Blob URIs of a literal map. */
export function blobUris(map: flyteidl.core.ILiteralMap | undefined): string[] {
  return map ? urisIn(JSON.parse(JSON.stringify(map)) as unknown) : [];
}

type Managers = Pick<AdminManagers, 'executions'>;

/** The data rules of a task scope, shared by the socket's REST and gRPC guards. */
export interface TaskScopeRules {
  /** Is `project/domain/name` a child execution of the scope's execution (created by its eager node)? */
  childOf(scope: TaskScope, project: string, domain: string, name: string): boolean;
  /** Blob URIs a child of the scope returned (empty for an execution that is not its child). */
  childOutputs(scope: TaskScope, name: string): Promise<string[]>;
  /** May the scope pass `uri` on to a child: its raw output area, its inputs' blobs, its children's outputs. */
  mayPass(scope: TaskScope, uri: string): Promise<boolean>;
  /**
   * Why the scope may not create this execution, or undefined when it may: in its own project and
   * domain, linked to it (`parent_node_execution` = its execution and node, or, flytekit's way, the
   * `eager-exec` label naming its execution), with no raw output prefix of its own, and input files
   * it may pass on. The one rule of the socket's REST and gRPC guards.
   */
  childExecutionRefusal(scope: TaskScope, child: ChildExecutionRequest): Promise<string | undefined>;
}

/** What a create-execution request says, as each transport reads it. */
export interface ChildExecutionRequest {
  project: unknown;
  domain: unknown;
  /** `spec.metadata.parent_node_execution`, when set. */
  parent?: { project: unknown; domain: unknown; name: unknown; nodeId: unknown };
  /** The `eager-exec` label, where the transport accepts label-linked children (gRPC: flytekit). */
  eagerLabel?: unknown;
  /** `spec.raw_output_data_config` as sent (undefined when absent). */
  rawOutputDataConfig: unknown;
  /** Every blob URI of the request's inputs. */
  inputUris: string[];
}

/** The rule of {@link TaskScopeRules.childExecutionRefusal}, given what the scope may pass on. */
export async function refuseChildExecution(
  scope: TaskScope,
  child: ChildExecutionRequest,
  mayPass: (scope: TaskScope, uri: string) => Promise<boolean>,
): Promise<string | undefined> {
  if (child.project !== scope.project || child.domain !== scope.domain) return `an eager task creates executions only in its own project and domain (${scope.project}/${scope.domain})`;
  const p = child.parent;
  const linked = p
    ? p.project === scope.project && p.domain === scope.domain && p.name === scope.execution && p.nodeId === scope.nodeId
    : child.eagerLabel === scope.execution;
  if (!linked) return 'an eager task may create only child executions of its own node (spec.metadata.parent_node_execution)';
  if (child.rawOutputDataConfig !== undefined) return "a child execution of an eager task writes to the sandbox's raw output area";
  for (const uri of child.inputUris) {
    if (!(await mayPass(scope, uri))) return `input ${uri} is not data this task may read (its inputs, its own outputs or its children's outputs)`;
  }
  return undefined;
}

/** The rules of {@link TaskScopeRules} over the admin's executions and the blob store. */
export function taskScopeRules(managers: Managers, store: DataStore): TaskScopeRules {
  const childOf = (scope: TaskScope, project: string, domain: string, name: string): boolean => {
    if (project !== scope.project || domain !== scope.domain) return false;
    try {
      const row = managers.executions.getRow({ project, domain, name });
      if (row.parent_project === scope.project && row.parent_domain === scope.domain && row.parent_name === scope.execution) return true;
      // flytekit's eager children are top-level executions labelled with the eager execution's name.
      return managers.executions.get({ project, domain, name }).spec?.labels?.values?.[EAGER_LABELS.parent] === scope.execution;
    } catch {
      return false;
    }
  };
  const childOutputs = async (scope: TaskScope, name: string): Promise<string[]> => {
    if (!childOf(scope, scope.project, scope.domain, name)) return [];
    const row = managers.executions.getRow({ project: scope.project, domain: scope.domain, name });
    return blobUris(await readLiteralMap(store, row.outputs_uri));
  };
  const mayPass = async (scope: TaskScope, uri: string): Promise<boolean> => {
    if (await store.within(uri, [scope.rawOutputPrefix])) return true;
    if (await store.within(uri, blobUris(await readLiteralMap(store, scope.inputsUri)))) return true;
    const children = managers.executions.listChildren(
      { project: scope.project, domain: scope.domain, name: scope.execution },
      undefined,
      { limit: 10_000, offset: 0, filters: 'eq(phase,SUCCEEDED)', sortDirection: 'ASCENDING' },
    );
    for (const ex of children.executions ?? []) {
      if (await store.within(uri, await childOutputs(scope, ex.id?.name ?? ''))) return true;
    }
    return false;
  };
  return { childOf, childOutputs, mayPass, childExecutionRefusal: (scope, child) => refuseChildExecution(scope, child, mayPass) };
}

/** What a task is told when a request is refused: one wording for the socket and the in-process port. */
export const TASK_REFUSALS = {
  unauthenticated: 'requests over the task socket need the credential of an eager task attempt (TFLYTE_ADMIN_TOKEN)',
  forbidden: (scope: TaskScope, why: string): string => `the credential of ${scope.execution}/${scope.nodeId} does not allow this: ${why}`,
  notOwnChildren: "an eager task may list only its own execution's children",
  notAChild: (scope: TaskScope, project: string, domain: string, name: string): string => `execution ${project}/${domain}/${name} is not a child of ${scope.execution}`,
  notChildOutput: 'an eager task may download only what its own child executions returned (blobs?uri=…&execution=<child>)',
} as const;

/**
 * Express middleware of the unix socket: every request needs a valid task token and must fall in
 * its scope (see the module comment). Mount after a JSON body parser.
 */
export function taskCredentialGuard(creds: TaskCredentials, managers: Managers, store: DataStore): RequestHandler {
  const { childOf, childOutputs, childExecutionRefusal } = taskScopeRules(managers, store);

  return (req: Request, res: Response, next: NextFunction) => {
    void (async () => {
      if (req.method === 'GET' && req.path === '/healthz') return next();
      const scope = creds.verify(bearerToken(req.headers.authorization));
      if (!scope) {
        refuse(res, 'SBX_ADMIN_UNAUTHENTICATED', TASK_REFUSALS.unauthenticated);
        return;
      }
      const forbid = (why: string): void => refuse(res, 'SBX_ADMIN_FORBIDDEN', TASK_REFUSALS.forbidden(scope, why));
      const m = /^\/api\/v1\/(executions|data\/executions|children\/executions)\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(req.path);
      if (req.method === 'GET' && m) {
        const [, kind, p, d, name] = m.map((x) => decodeURIComponent(x ?? '')) as [string, string, string, string, string];
        if (kind === 'children/executions') {
          if (p === scope.project && d === scope.domain && name === scope.execution) return next();
          return forbid(TASK_REFUSALS.notOwnChildren);
        }
        if (childOf(scope, p, d, name)) return next();
        return forbid(TASK_REFUSALS.notAChild(scope, p, d, name));
      }
      if (req.method === 'GET' && req.path === '/api/v1/blobs') {
        const uri = typeof req.query.uri === 'string' ? req.query.uri : '';
        const child = typeof req.query.execution === 'string' ? req.query.execution : '';
        if (uri && child && await store.within(uri, await childOutputs(scope, child))) return next();
        return forbid(TASK_REFUSALS.notChildOutput);
      }
      if (req.method === 'POST' && req.path === '/api/v1/executions') {
        // Protobuf JSON may name fields in snake_case or camelCase: read both.
        const f = (o: unknown, snake: string): unknown => {
          const r = (o ?? {}) as Record<string, unknown>;
          return r[snake] ?? r[snake.replace(/_([a-z])/g, (_x, c: string) => c.toUpperCase())];
        };
        const body = (req.body ?? {}) as Record<string, unknown>;
        const spec = f(body, 'spec');
        const parent = f(f(spec, 'metadata'), 'parent_node_execution');
        const pe = f(parent, 'execution_id');
        const refusal = await childExecutionRefusal(scope, {
          project: f(body, 'project'),
          domain: f(body, 'domain'),
          ...(parent !== undefined ? { parent: { project: f(pe, 'project'), domain: f(pe, 'domain'), name: f(pe, 'name'), nodeId: f(parent, 'node_id') } } : {}),
          rawOutputDataConfig: f(spec, 'raw_output_data_config'),
          inputUris: urisIn([f(body, 'inputs'), f(spec, 'inputs')]),
        });
        return refusal ? forbid(refusal) : next();
      }
      return forbid(`${req.method} ${req.path} is not an eager task's call`);
    })().catch(next);
  };
}
