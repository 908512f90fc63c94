import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_JSON_DEPTH } from '../../src/http/json.js';
import { ISSUER, makeServer, postJson } from './helpers.js';

// One JSON body rule (http/json.ts) for the MCP guard and the registration endpoint. Before,
// registration ran JSON.parse on any nesting the 64 KiB cap allowed, while the guard refused
// bodies nested deeper than 64 levels before parsing; now registration refuses them too.
const nested = (depth: number, inner: string) => '['.repeat(depth) + inner + ']'.repeat(depth);

describe('registration: the JSON body rule of the MCP guard', () => {
  it('a registration body nested deeper than 64 levels → 400 invalid_request, before JSON.parse', async () => {
    const { server } = makeServer();
    const body = `{"redirect_uris":["https://a.example.test/cb"],"x":${nested(DEFAULT_MAX_JSON_DEPTH, '1')}}`;
    const response = await server.handle(postJson(`${ISSUER}/register`, body));
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body!).error).toBe('invalid_request');
  });

  it('a registration body nested 64 levels deep is read (the guard allows it too)', async () => {
    const { server } = makeServer();
    const body = `{"redirect_uris":["https://a.example.test/cb"],"x":${nested(DEFAULT_MAX_JSON_DEPTH - 1, '1')}}`;
    const response = await server.handle(postJson(`${ISSUER}/register`, body));
    expect(response.status).toBe(201);
  });

  it('invalid JSON and invalid UTF-8 stay 400 invalid_request', async () => {
    const { server } = makeServer();
    const bad = await server.handle(postJson(`${ISSUER}/register`, '{"redirect_uris":'));
    expect(JSON.parse(bad.body!).error).toBe('invalid_request');
    const bytes = {
      ...postJson(`${ISSUER}/register`, ''),
      body: new Uint8Array([0x7b, 0xff, 0x7d]),
    };
    const notUtf8 = await server.handle(bytes);
    expect(notUtf8.status).toBe(400);
    expect(JSON.parse(notUtf8.body!).error).toBe('invalid_request');
  });
});
