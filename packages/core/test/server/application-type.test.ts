// SEP-837 / OIDC DCR §2 `application_type` at registration: each type's redirect rules, the
// value stored on the client and echoed, and clients that send none keep today's rules.
import { describe, expect, it } from 'vitest';
import { validateClientMetadata } from '../../src/server/client-metadata.js';
import { checkApplicationTypeRedirectUri } from '../../src/server/redirect-uri.js';
import { ISSUER, makeServer, postJson } from './helpers.js';

const register = (body: unknown) => postJson(`${ISSUER}/register`, body);

async function registerWith(body: Record<string, unknown>) {
  const { server } = makeServer();
  const response = await server.handle(register(body));
  return { server, response, json: JSON.parse(response.body!) as Record<string, unknown> };
}

describe('application_type at registration (SEP-837, OIDC DCR §2)', () => {
  it.each([
    ['native', ['http://127.0.0.1:33418/callback', 'http://[::1]/cb', 'http://localhost:9/x']],
    ['native', ['com.example.app:/oauth/callback']],
    // The MCP SDK v2 sends native for any custom scheme (deriveApplicationType), dotted or not.
    ['native', ['cursor://anysphere.cursor-retrieval/oauth/callback', 'myapp:/cb']],
    ['web', ['https://app.example.test/cb']],
  ])('%s with fitting redirect URIs %j → 201, stored and echoed', async (type, uris) => {
    const { server, response, json } = await registerWith({
      application_type: type,
      redirect_uris: uris,
      token_endpoint_auth_method: 'none',
    });
    expect(response.status).toBe(201);
    expect(json['application_type']).toBe(type);
    const client = await server.clients.getClient(json['client_id'] as string);
    expect(client?.applicationType).toBe(type);
  });

  it.each([
    ['native with an https remote redirect', 'native', 'https://app.example.test/cb'],
    ['native with https on loopback', 'native', 'https://127.0.0.1:8443/cb'],
    ['native with a forbidden scheme', 'native', 'javascript:alert(1)'],
    ['web with an http loopback redirect', 'web', 'http://127.0.0.1:3000/callback'],
    ['web with https on localhost', 'web', 'https://localhost/cb'],
    ['web with a private-use scheme', 'web', 'com.example.app:/cb'],
  ])('hostile: %s → 400 invalid_redirect_uri, nothing stored', async (_, type, uri) => {
    const { response, json } = await registerWith({
      application_type: type,
      redirect_uris: [uri],
      token_endpoint_auth_method: 'none',
    });
    expect(response.status).toBe(400);
    expect(json['error']).toBe('invalid_redirect_uri');
    expect(json['client_id']).toBeUndefined();
  });

  it('hostile: one bad URI among good ones refuses the whole registration', async () => {
    const { response, json } = await registerWith({
      application_type: 'native',
      redirect_uris: ['http://127.0.0.1:3000/cb', 'https://evil.example.test/cb'],
    });
    expect(response.status).toBe(400);
    expect(json['error']).toBe('invalid_redirect_uri');
  });

  it.each([
    ['an unknown value', 'desktop'],
    ['another case', 'Native'],
    ['a number', 1],
    ['an array', ['native']],
    ['an empty string', ''],
  ])('hostile: application_type %s → 400 invalid_client_metadata', async (_, value) => {
    const { response, json } = await registerWith({
      application_type: value,
      redirect_uris: ['http://127.0.0.1:3000/cb'],
    });
    expect(response.status).toBe(400);
    expect(json['error']).toBe('invalid_client_metadata');
  });

  it('no application_type (mcp-remote, Inspector, SDK v1 today): loopback, https and private-use redirects keep registering; no type is stored or echoed', async () => {
    const { server, response, json } = await registerWith({
      redirect_uris: [
        'http://127.0.0.1:33418/callback',
        'https://vscode.dev/redirect',
        'cursor://anysphere.cursor-retrieval/oauth/callback',
      ],
      token_endpoint_auth_method: 'none',
    });
    expect(response.status).toBe(201);
    expect('application_type' in json).toBe(false);
    const client = await server.clients.getClient(json['client_id'] as string);
    expect(client?.applicationType).toBeUndefined();
  });

  it('the base rules still run first: native does not open http to a remote host', async () => {
    const { json } = await registerWith({
      application_type: 'native',
      redirect_uris: ['http://app.example.test/cb'],
    });
    expect(json['error']).toBe('invalid_redirect_uri');
  });

  it('a client ID metadata document is held to the same rules', () => {
    expect(() =>
      validateClientMetadata(
        { application_type: 'web', redirect_uris: ['http://localhost:3000/cb'] },
        'metadata-document',
        [],
      ),
    ).toThrow(/web application/);
    expect(
      validateClientMetadata(
        { application_type: 'native', redirect_uris: ['http://localhost:3000/cb'] },
        'metadata-document',
        [],
      ).applicationType,
    ).toBe('native');
  });

  it('checkApplicationTypeRedirectUri names why', () => {
    expect(checkApplicationTypeRedirectUri('web', 'https://a.example.test/cb')).toBeUndefined();
    expect(checkApplicationTypeRedirectUri('native', 'http://[::1]:1/cb')).toBeUndefined();
    expect(checkApplicationTypeRedirectUri('web', 'http://127.0.0.1/cb')).toMatch(/https/);
    expect(checkApplicationTypeRedirectUri('native', 'https://a.example.test/cb')).toMatch(
      /loopback http or a private-use scheme/,
    );
  });
});
