/**
 * Endpoint profiles: `register --profile FILE` and `run --remote --profile FILE` talk to another
 * Flyte backend — a Flyte cluster — instead of the local sandbox. The file is flytectl's config
 * (`admin:` with `endpoint`, `insecure`, `authType: ClientSecret`, `clientId`,
 * `clientSecretLocation`, `tokenUrl`, `scopes`…; `console.endpoint`), plus a `tflyte:` section
 * with what flytectl keeps elsewhere: the tasks' default image and the raw-output prefix.
 * The client id and secret may come from flytekit's `FLYTE_CREDENTIALS_CLIENT_ID` and
 * `FLYTE_CREDENTIALS_CLIENT_SECRET`.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ClientCredentials } from '../admin/client-auth.ts';
import type { ClientTls } from '../admin/client.ts';
import { UsageError } from './usage-error.ts';

/** A loaded endpoint profile. */
export interface EndpointProfile {
  /** The file it was read from (for messages). */
  file: string;
  /** The admin's base URL (`https://host:port`, or `http://` when `insecure`). */
  baseUrl: string;
  /** The console's base URL: `console.endpoint`, else the admin's. */
  consoleUrl: string;
  tls: ClientTls;
  /** Client credentials, when the profile (or the environment) names a client id. */
  credentials?: ClientCredentials;
  /** `tflyte.defaultImage`: the image of tasks that name none (one `image build --push` made). */
  defaultImage?: string;
  /** `tflyte.rawOutputPrefix`: where the executions' raw outputs go (e.g. `s3://bucket/raw`). */
  rawOutputPrefix?: string;
}

const ADMIN_KEYS = new Set([
  'endpoint', 'insecure', 'insecureSkipVerify', 'caCertFilePath', 'authType', 'clientId', 'clientSecretLocation', 'clientSecretEnvVar',
  'scopes', 'audience', 'useAudienceFromAdmin', 'tokenUrl', 'authorizationHeader', 'tokenRefreshWindow',
  // flytectl settings that do not change how this client talks (gRPC tuning, other flows' settings).
  'maxBackoffDelay', 'perRetryTimeout', 'maxRetries', 'maxMessageSizeBytes', 'useAuth', 'authorizationServerUrl', 'pkceConfig',
  'deviceFlowConfig', 'command', 'proxyCommand', 'defaultServiceConfig', 'httpProxyURL',
]);
const TFLYTE_KEYS = new Set(['defaultImage', 'rawOutputPrefix']);

/**
 * Reads a profile. Errors name the file and the key; relative paths in it (`caCertFilePath`,
 * `clientSecretLocation`) are relative to the profile's directory.
 */
export async function loadProfile(file: string, env: NodeJS.ProcessEnv): Promise<EndpointProfile> {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(abs, 'utf8');
  } catch (e) {
    throw new UsageError(`--profile ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const { default: YAML } = await import('yaml');
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (e) {
    throw new UsageError(`--profile ${file} is not valid YAML: ${(e as Error).message}`);
  }
  const bad = (key: string, what: string): UsageError => new UsageError(`--profile ${file}: ${key} ${what}`);
  const section = (name: string): Record<string, unknown> => {
    const v = (doc as Record<string, unknown> | null)?.[name];
    if (v === undefined || v === null) return {};
    if (typeof v !== 'object' || Array.isArray(v)) throw bad(name, 'must be a mapping');
    return v as Record<string, unknown>;
  };
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new UsageError(`--profile ${file}: expected flytectl's config (a mapping with admin.endpoint)`);
  const admin = section('admin');
  const tflyte = section('tflyte');
  for (const k of Object.keys(admin)) if (!ADMIN_KEYS.has(k)) throw bad(`admin.${k}`, `is not a setting of flytectl's admin section (known: ${[...ADMIN_KEYS].slice(0, 14).join(', ')}, …)`);
  for (const k of Object.keys(tflyte)) if (!TFLYTE_KEYS.has(k)) throw bad(`tflyte.${k}`, `is not a setting (known: ${[...TFLYTE_KEYS].join(', ')})`);
  const str = (o: Record<string, unknown>, prefix: string, key: string): string | undefined => {
    const v = o[key];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string') throw bad(`${prefix}.${key}`, `must be a string, got ${JSON.stringify(v)}`);
    return v;
  };
  const bool = (key: string): boolean => {
    const v = admin[key];
    if (v === undefined || v === null) return false;
    if (typeof v !== 'boolean') throw bad(`admin.${key}`, `must be true or false, got ${JSON.stringify(v)}`);
    return v;
  };
  const relative = (p: string): string => path.resolve(path.dirname(abs), p);

  const endpoint = str(admin, 'admin', 'endpoint');
  if (!endpoint) throw bad('admin.endpoint', 'is required (e.g. dns:///flyte.example.com:443, as flytectl writes it)');
  const baseUrl = adminBaseUrl(endpoint, bool('insecure'), (what) => bad('admin.endpoint', what));
  const consoleEndpoint = str(section('console'), 'console', 'endpoint');
  const tls: ClientTls = {};
  const ca = str(admin, 'admin', 'caCertFilePath');
  if (ca) {
    try {
      tls.ca = fs.readFileSync(relative(ca));
    } catch (e) {
      throw bad('admin.caCertFilePath', `names ${relative(ca)}, which cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }
  if (bool('insecureSkipVerify')) tls.insecureSkipVerify = true;

  const authType = str(admin, 'admin', 'authType') ?? 'ClientSecret';
  const clientId = env.FLYTE_CREDENTIALS_CLIENT_ID || str(admin, 'admin', 'clientId');
  let credentials: ClientCredentials | undefined;
  if (authType !== 'ClientSecret') {
    throw bad('admin.authType', `${JSON.stringify(authType)} is not supported here: use ClientSecret (OAuth2 client credentials: a client id and secret made for CI), the flow that needs no browser`);
  }
  if (clientId) {
    credentials = {
      clientId,
      clientSecret: clientSecretOf(env, relative, (key, what) => bad(key, what), str(admin, 'admin', 'clientSecretEnvVar'), str(admin, 'admin', 'clientSecretLocation')),
      ...optional('tokenUrl', str(admin, 'admin', 'tokenUrl')),
      ...optional('audience', str(admin, 'admin', 'audience')),
      ...optional('authorizationHeader', str(admin, 'admin', 'authorizationHeader')),
      ...(bool('useAudienceFromAdmin') ? { useAudienceFromAdmin: true } : {}),
      ...scopesOf(admin.scopes, env.FLYTE_CREDENTIALS_SCOPES, (what) => bad('admin.scopes', what)),
    };
  }
  const image = str(tflyte, 'tflyte', 'defaultImage');
  const raw = str(tflyte, 'tflyte', 'rawOutputPrefix');
  if (raw && !/^[a-z][a-z0-9+.-]*:\/\/./i.test(raw)) throw bad('tflyte.rawOutputPrefix', `must be a URI like s3://my-bucket/raw, got ${JSON.stringify(raw)}`);
  return {
    file,
    baseUrl,
    consoleUrl: (consoleEndpoint ?? baseUrl).replace(/\/+$/, '').replace(/\/console$/, ''),
    tls,
    ...(credentials ? { credentials } : {}),
    ...optional('defaultImage', image),
    ...optional('rawOutputPrefix', raw),
  };
}

function optional<K extends string>(key: K, v: string | undefined): Partial<Record<K, string>> {
  return (v === undefined ? {} : { [key]: v }) as Partial<Record<K, string>>;
}

/**
 * The admin's base URL from flytectl's `endpoint` (`dns:///host:port`, `host:port`, or a URL):
 * `https://` unless `insecure` (flytectl's plain-text switch) or the endpoint says `http://`.
 */
export function adminBaseUrl(endpoint: string, insecure: boolean, bad: (what: string) => Error): string {
  const explicit = /^(https?):\/\//i.exec(endpoint);
  const hostPort = explicit ? endpoint.slice(explicit[0].length) : endpoint.replace(/^dns:\/\/\//i, '');
  const scheme = explicit ? explicit[1]!.toLowerCase() : insecure ? 'http' : 'https';
  let url: URL;
  try {
    url = new URL(`${scheme}://${hostPort}`);
  } catch {
    throw bad(`${JSON.stringify(endpoint)} is not host:port, dns:///host:port or an http(s) URL`);
  }
  if (!url.hostname || (url.pathname !== '/' && url.pathname !== '') || url.search || url.username) {
    throw bad(`${JSON.stringify(endpoint)} must name only a host and port (dns:///flyte.example.com:443)`);
  }
  return `${url.protocol}//${url.host}`;
}

/** The client secret: the variable `clientSecretEnvVar` names, else FLYTE_CREDENTIALS_CLIENT_SECRET, else the file `clientSecretLocation`. */
function clientSecretOf(
  env: NodeJS.ProcessEnv,
  relative: (p: string) => string,
  bad: (key: string, what: string) => Error,
  envVar: string | undefined,
  location: string | undefined,
): string {
  if (envVar) {
    const v = env[envVar];
    if (!v) throw bad('admin.clientSecretEnvVar', `names ${envVar}, which is not set: export the client secret in it`);
    return v;
  }
  if (env.FLYTE_CREDENTIALS_CLIENT_SECRET) return env.FLYTE_CREDENTIALS_CLIENT_SECRET;
  if (location) {
    try {
      const secret = fs.readFileSync(relative(location), 'utf8').trim();
      if (secret) return secret;
    } catch (e) {
      throw bad('admin.clientSecretLocation', `names ${relative(location)}, which cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    throw bad('admin.clientSecretLocation', `names ${relative(location)}, which is empty`);
  }
  throw bad('admin.clientId', 'is set but no client secret is given: set FLYTE_CREDENTIALS_CLIENT_SECRET, or admin.clientSecretLocation (a file) or admin.clientSecretEnvVar');
}

function scopesOf(v: unknown, fromEnv: string | undefined, bad: (what: string) => Error): { scopes?: string[] } {
  if (fromEnv) return { scopes: fromEnv.split(/[\s,]+/).filter(Boolean) };
  if (v === undefined || v === null) return {};
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw bad(`must be a list of strings, got ${JSON.stringify(v)}`);
  return { scopes: v as string[] };
}
