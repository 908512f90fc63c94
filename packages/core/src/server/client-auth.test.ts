import { describe, expect, it } from 'vitest';
import { basic, createClients, formRequest, SECRET } from '../../test/tokens/helpers.js';
import { authenticateClient } from './client-auth.js';
import { parseFormBody } from '../http/form.js';
import type { ClientRegistry } from './types.js';
import { sha256Base64Url } from '../runtime/sha256.js';

async function auth(
  body: Record<string, string>,
  headers: Record<string, string> = {},
  clients?: ClientRegistry,
  options = {},
) {
  const request = formRequest(body, headers);
  return authenticateClient(
    request,
    parseFormBody(request),
    clients ?? (await createClients()),
    options,
  );
}

describe('authenticateClient (RFC 6749 §2.3, OAuth 2.1 §2.4)', () => {
  it('none: a public client by client_id', async () => {
    expect((await auth({ client_id: 'pub' })).clientId).toBe('pub');
  });

  it('client_secret_basic, with form-urlencoded credentials (RFC 6749 §2.3.1)', async () => {
    expect((await auth({}, basic('conf', SECRET))).clientId).toBe('conf');
    // The same client_id in the form is tolerated.
    expect((await auth({ client_id: 'conf' }, basic('conf', SECRET))).clientId).toBe('conf');
  });

  it('client_secret_basic with a secret holding + or %: the official MCP SDK clients (v1 and v2) and curl -u send it unencoded, and it is accepted as well as the RFC 6749 §2.3.1 form-encoded one', async () => {
    const secret = 'abc+def/ghi%41=0123456789';
    const clients = await createClients();
    const plain = clients.records.get('conf')!;
    clients.records.set('conf', { ...plain, clientSecretHash: await sha256Base64Url(secret) });
    const raw = { authorization: `Basic ${btoa(`conf:${secret}`)}` };
    expect((await auth({}, raw, clients)).clientId).toBe('conf');
    expect((await auth({}, basic('conf', secret), clients)).clientId).toBe('conf');
    // Neither reading of another string matches: the form-decoded spelling sent raw, a wrong one.
    for (const wrong of ['abc def/ghiA=0123456789', 'abc+def/ghi%42=0123456789']) {
      const header = { authorization: `Basic ${btoa(`conf:${wrong}`)}` };
      const err = await auth({}, header, clients).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'invalid_client', status: 401 });
    }
  });

  it('client_secret_post', async () => {
    expect((await auth({ client_id: 'post', client_secret: SECRET })).clientId).toBe('post');
  });

  it('SECURITY-CASES 13: a wrong secret over Basic → 401 invalid_client with WWW-Authenticate: Basic', async () => {
    const err = await auth({}, basic('conf', 'nope')).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'invalid_client', status: 401 });
    expect((err as { headers: Record<string, string> }).headers['WWW-Authenticate']).toMatch(
      /^Basic /,
    );
  });

  it('an unknown client over Basic → 401 with WWW-Authenticate: Basic', async () => {
    const err = await auth({}, basic('nobody', SECRET)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'invalid_client', status: 401 });
    expect((err as { headers: Record<string, string> }).headers['WWW-Authenticate']).toMatch(
      /^Basic /,
    );
  });

  it('refuses malformed Basic credentials', async () => {
    for (const header of [
      'Basic',
      'Basic !!!',
      `Basic ${btoa('no-colon')}`,
      `Basic ${btoa(':secret')}`,
      `Basic ${btoa('conf:%E0%A4%A')}`,
    ]) {
      await expect(auth({}, { authorization: header })).rejects.toMatchObject({
        code: 'invalid_client',
        status: 401,
      });
    }
  });

  it('refuses mixing methods, and a client_id that differs from Basic', async () => {
    await expect(auth({ client_secret: SECRET }, basic('conf', SECRET))).rejects.toMatchObject({
      code: 'invalid_request',
    });
    await expect(auth({ client_id: 'pub' }, basic('conf', SECRET))).rejects.toMatchObject({
      code: 'invalid_request',
    });
  });

  it('a method other than the registered one → invalid_client', async () => {
    // conf is registered for client_secret_basic; post for client_secret_post.
    await expect(auth({ client_id: 'conf', client_secret: SECRET })).rejects.toMatchObject({
      code: 'invalid_client',
    });
    await expect(auth({}, basic('post', SECRET))).rejects.toMatchObject({ code: 'invalid_client' });
    await expect(auth({ client_id: 'conf' })).rejects.toMatchObject({ code: 'invalid_client' });
    await expect(auth({ client_id: 'pub', client_secret: 'x' })).rejects.toMatchObject({
      code: 'invalid_client',
    });
  });

  it('no credentials at all → 401 invalid_client', async () => {
    await expect(auth({})).rejects.toMatchObject({ code: 'invalid_client', status: 401 });
  });

  it('requireSecret refuses public clients', async () => {
    await expect(
      auth({ client_id: 'pub' }, {}, undefined, { requireSecret: true }),
    ).rejects.toMatchObject({ code: 'invalid_client' });
  });

  it('an expired client secret → invalid_client (RFC 7591 §3.2.1)', async () => {
    const clients = await createClients();
    const conf = clients.records.get('conf')!;
    clients.records.set('conf', {
      ...conf,
      clientSecretExpiresAt: Math.floor(Date.now() / 1000) - 1,
    });
    await expect(auth({}, basic('conf', SECRET), clients)).rejects.toMatchObject({
      code: 'invalid_client',
    });
  });

  it('a failing client registry → 503 (fail closed)', async () => {
    const clients: ClientRegistry = { getClient: () => Promise.reject(new Error('down')) };
    await expect(auth({ client_id: 'pub' }, {}, clients)).rejects.toMatchObject({
      code: 'temporarily_unavailable',
      status: 503,
    });
  });
});
