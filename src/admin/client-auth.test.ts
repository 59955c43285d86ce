import { describe, expect, it } from 'vitest';
import { AdminApiError, type HttpRequest, type Reply, type Transport } from './client.ts';
import { ClientCredentialsAuth } from './client-auth.ts';

/** A token endpoint in memory, answering as an identity provider does. */
function tokenEndpoint(answer: (form: URLSearchParams, basic: string) => { status: number; body: unknown }): { transport: Transport; requests: HttpRequest[] } {
  const requests: HttpRequest[] = [];
  const transport: Transport = async (req) => {
    requests.push(req);
    const basic = Buffer.from((req.headers?.authorization ?? '').replace(/^Basic /, ''), 'base64').toString('utf8');
    const { status, body } = answer(new URLSearchParams(String(req.body)), basic);
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    const reply: Reply = {
      status,
      ok: status >= 200 && status < 300,
      headers: {},
      text: async () => text,
      json: async () => JSON.parse(text) as unknown,
      chunks: async function* () {
        yield Buffer.from(text);
      },
    };
    return reply;
  };
  return { transport, requests };
}

const admin = (meta: Record<string, Record<string, unknown>>) => {
  const asked: string[] = [];
  return {
    asked,
    baseUrl: 'https://flyte.example.com',
    authMetadata: async (which: 'oauth2' | 'client') => {
      asked.push(which);
      const m = meta[which];
      if (!m) throw new AdminApiError(404, 'SBX_ADMIN_CLIENT_HTTP_ERROR', 'not found');
      return m;
    },
  };
};

describe('ClientCredentialsAuth', () => {
  it('discovers the token endpoint, scopes and header, then keeps the token until shortly before it expires', async () => {
    let n = 0;
    const idp = tokenEndpoint((form, basic) => {
      expect(basic).toBe('ci%20id:s%3Acret');
      expect(form.get('grant_type')).toBe('client_credentials');
      expect(form.get('scope')).toBe('all');
      return { status: 200, body: { access_token: `t${++n}`, token_type: 'Bearer', expires_in: 120 } };
    });
    const a = admin({ oauth2: { token_endpoint: 'https://idp.example.com/token' }, client: { scopes: ['all'], authorization_metadata_key: 'flyte-authorization' } });
    let now = 1_000_000;
    const auth = new ClientCredentialsAuth({ clientId: 'ci id', clientSecret: 's:cret' }, a, idp.transport, () => now);
    expect(await auth.headers()).toEqual({ authorization: 'Bearer t1', 'flyte-authorization': 'Bearer t1' });
    expect(idp.requests[0]?.url).toBe('https://idp.example.com/token');
    now += 60_000;
    expect((await auth.headers()).authorization).toBe('Bearer t1');
    now += 31_000; // within 30 s of expiry
    expect((await auth.headers()).authorization).toBe('Bearer t2');
    expect(auth.refused()).toBe(true);
    expect((await auth.headers()).authorization).toBe('Bearer t3');
    expect(a.asked).toEqual(['oauth2', 'client']);
  });

  it("uses the profile's token URL, scopes and header without asking the admin", async () => {
    const idp = tokenEndpoint(() => ({ status: 200, body: { access_token: 'x' } }));
    const a = admin({});
    const auth = new ClientCredentialsAuth({ clientId: 'c', clientSecret: 's', tokenUrl: 'http://idp/token', scopes: ['a', 'b'], audience: 'aud', authorizationHeader: 'authorization' }, a, idp.transport);
    expect(await auth.headers()).toEqual({ authorization: 'Bearer x' });
    expect(new URLSearchParams(String(idp.requests[0]?.body)).get('scope')).toBe('a b');
    expect(new URLSearchParams(String(idp.requests[0]?.body)).get('audience')).toBe('aud');
    expect(a.asked).toEqual([]);
  });

  it('explains a refused client, a missing token and an admin that names no token endpoint', async () => {
    const refused = tokenEndpoint(() => ({ status: 401, body: { error: 'invalid_client', error_description: 'bad secret' } }));
    await expect(new ClientCredentialsAuth({ clientId: 'c', clientSecret: 's', tokenUrl: 'http://idp/token', scopes: ['x'] }, admin({}), refused.transport).headers()).rejects.toMatchObject({
      code: 'SBX_ADMIN_CLIENT_AUTH_FAILED',
      message: expect.stringContaining('the token endpoint http://idp/token refused client c (invalid_client: bad secret): check the client id and secret'),
    });
    const empty = tokenEndpoint(() => ({ status: 200, body: '<html>' }));
    await expect(new ClientCredentialsAuth({ clientId: 'c', clientSecret: 's', tokenUrl: 'http://idp/token', scopes: ['x'] }, admin({}), empty.transport).headers()).rejects.toThrow(
      'the token endpoint http://idp/token answered no access_token (HTTP 200: <html>)',
    );
    const unreachable: Transport = async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:9');
    };
    await expect(new ClientCredentialsAuth({ clientId: 'c', clientSecret: 's', tokenUrl: 'http://127.0.0.1:9/t', scopes: ['x'] }, admin({}), unreachable).headers()).rejects.toThrow(
      'cannot reach the token endpoint http://127.0.0.1:9/t: connect ECONNREFUSED',
    );
    await expect(new ClientCredentialsAuth({ clientId: 'c', clientSecret: 's' }, admin({}), refused.transport).headers()).rejects.toThrow(
      'the profile names no tokenUrl and https://flyte.example.com does not say where its token endpoint is',
    );
  });

  it('asks again after a failed token request instead of keeping the failure', async () => {
    let fail = true;
    const idp = tokenEndpoint(() => (fail ? { status: 503, body: {} } : { status: 200, body: { access_token: 'ok' } }));
    const auth = new ClientCredentialsAuth({ clientId: 'c', clientSecret: 's', tokenUrl: 'http://idp/token', scopes: ['x'] }, admin({}), idp.transport);
    await expect(auth.headers()).rejects.toThrow('refused client c (HTTP 503)');
    fail = false;
    expect((await auth.headers()).authorization).toBe('Bearer ok');
  });
});
