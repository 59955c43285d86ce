/**
 * OAuth2 client credentials for {@link AdminClient}, as flytectl and flytekit do them
 * (`authType: ClientSecret`): the token endpoint is the profile's `tokenUrl` or the one flyteadmin
 * advertises at `/.well-known/oauth-authorization-server`; the scopes are the profile's or those of
 * `/config/v1/flyte_client`; the token is fetched on first use, kept until shortly before it
 * expires, and fetched again when it expires or the server refuses it (HTTP 401).
 */
import { AdminApiError, type AdminClient, type RequestAuth, type Transport } from './client.ts';

/** The client-credentials settings of an endpoint profile. */
export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
  /** The token endpoint; discovered from the admin when absent. */
  tokenUrl?: string;
  /** Scopes to ask for; the admin's public client config's when empty. */
  scopes?: string[];
  /** The `audience` parameter of the token request, when the identity provider needs one. */
  audience?: string;
  /** Take the audience from the admin's public client config. */
  useAudienceFromAdmin?: boolean;
  /**
   * Another header that carries the token besides `authorization` (flyteadmin's
   * `authorization_metadata_key`, e.g. `flyte-authorization`); from the admin when absent.
   */
  authorizationHeader?: string;
  /** Fetch a new token this long before the current one expires (default 30 s). */
  refreshWindowMs?: number;
}

interface Token {
  value: string;
  /** ms since the epoch; Infinity when the endpoint gave no `expires_in`. */
  expiresAt: number;
}

/** Fetches, caches and refreshes the bearer token of an {@link AdminClient}. */
export class ClientCredentialsAuth implements RequestAuth {
  readonly #creds: ClientCredentials;
  readonly #admin: Pick<AdminClient, 'authMetadata' | 'baseUrl'>;
  readonly #transport: Transport;
  readonly #now: () => number;
  #settings: Promise<{ tokenUrl: string; scopes: string[]; audience?: string; header?: string }> | undefined;
  #token: Promise<Token> | undefined;

  /**
   * @param admin where the token endpoint and scopes are discovered (only when the profile does
   *   not give them)
   * @param transport sends the token request (the admin client's: same TLS settings)
   */
  constructor(creds: ClientCredentials, admin: Pick<AdminClient, 'authMetadata' | 'baseUrl'>, transport: Transport, now: () => number = Date.now) {
    this.#creds = creds;
    this.#admin = admin;
    this.#transport = transport;
    this.#now = now;
  }

  async headers(): Promise<Record<string, string>> {
    const settings = await this.#discover();
    const window = this.#creds.refreshWindowMs ?? 30_000;
    let token = this.#token ? await this.#token.catch(() => undefined) : undefined;
    if (!token || token.expiresAt - window <= this.#now()) {
      this.#token = this.#fetch(settings);
      token = await this.#token.catch((e: unknown) => {
        this.#token = undefined;
        throw e;
      });
    }
    const bearer = `Bearer ${token.value}`;
    const header = settings.header?.toLowerCase();
    return { authorization: bearer, ...(header && header !== 'authorization' ? { [header]: bearer } : {}) };
  }

  refused(): boolean {
    this.#token = undefined;
    return true;
  }

  #discover(): Promise<{ tokenUrl: string; scopes: string[]; audience?: string; header?: string }> {
    this.#settings ??= (async () => {
      const c = this.#creds;
      let tokenUrl = c.tokenUrl;
      if (!tokenUrl) {
        const meta = await this.#admin.authMetadata('oauth2').catch((e: unknown) => {
          throw authError(`the profile names no tokenUrl and ${this.#admin.baseUrl} does not say where its token endpoint is (/.well-known/oauth-authorization-server: ${(e as Error).message}); add admin.tokenUrl to the profile`);
        });
        tokenUrl = typeof meta.token_endpoint === 'string' ? meta.token_endpoint : undefined;
        if (!tokenUrl) throw authError(`${this.#admin.baseUrl}/.well-known/oauth-authorization-server names no token_endpoint; add admin.tokenUrl to the profile`);
      }
      let scopes = c.scopes ?? [];
      let audience = c.audience;
      let header = c.authorizationHeader;
      if (scopes.length === 0 || c.useAudienceFromAdmin || !header) {
        // flyteadmin's public client config; an identity provider without it keeps the profile's settings.
        const client = await this.#admin.authMetadata('client').catch(() => ({}) as Record<string, unknown>);
        if (scopes.length === 0 && Array.isArray(client.scopes)) scopes = client.scopes.filter((x): x is string => typeof x === 'string');
        if (c.useAudienceFromAdmin && typeof client.audience === 'string') audience = client.audience;
        if (!header && typeof client.authorization_metadata_key === 'string') header = client.authorization_metadata_key;
      }
      return { tokenUrl, scopes, ...(audience ? { audience } : {}), ...(header ? { header } : {}) };
    })();
    this.#settings.catch(() => {
      this.#settings = undefined;
    });
    return this.#settings;
  }

  /** One token request (RFC 6749 §4.4): the client authenticates with HTTP Basic, as Go's oauth2 does first. */
  async #fetch(s: { tokenUrl: string; scopes: string[]; audience?: string }): Promise<Token> {
    const c = this.#creds;
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (s.scopes.length > 0) form.set('scope', s.scopes.join(' '));
    if (s.audience) form.set('audience', s.audience);
    const basic = Buffer.from(`${encodeURIComponent(c.clientId)}:${encodeURIComponent(c.clientSecret)}`).toString('base64');
    const asked = this.#now();
    let status: number;
    let text: string;
    try {
      const res = await this.#transport({
        method: 'POST',
        url: s.tokenUrl,
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
      });
      status = res.status;
      text = await res.text();
    } catch (e) {
      throw authError(`cannot reach the token endpoint ${s.tokenUrl}: ${(e as Error).message}`, e);
    }
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // not JSON: reported below
    }
    if (status < 200 || status >= 300) {
      const why = [body.error, body.error_description].filter((x) => typeof x === 'string' && x !== '').join(': ') || `HTTP ${status}`;
      const hint =
        body.error === 'invalid_client' || status === 401
          ? ': check the client id and secret (FLYTE_CREDENTIALS_CLIENT_ID, FLYTE_CREDENTIALS_CLIENT_SECRET, or the profile\'s clientId and clientSecretLocation)'
          : body.error === 'invalid_scope'
            ? ': check the profile\'s scopes'
            : '';
      throw authError(`the token endpoint ${s.tokenUrl} refused client ${c.clientId} (${why})${hint}`);
    }
    if (typeof body.access_token !== 'string' || body.access_token === '') {
      throw authError(`the token endpoint ${s.tokenUrl} answered no access_token (HTTP ${status}${text ? `: ${text.slice(0, 200)}` : ''})`);
    }
    const expiresIn = Number(body.expires_in);
    return { value: body.access_token, expiresAt: Number.isFinite(expiresIn) && expiresIn > 0 ? asked + expiresIn * 1000 : Infinity };
  }
}

function authError(message: string, cause?: unknown): AdminApiError {
  return new AdminApiError(401, 'SBX_ADMIN_CLIENT_AUTH_FAILED', message, cause === undefined ? {} : { cause });
}
