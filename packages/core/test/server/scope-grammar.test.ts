import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfigFromEnv } from '../../src/config.js';
import { authorizeParams, get, header, makeServer } from './helpers.js';

// One scope-token rule (policy/scopes.ts, at most 256 characters) everywhere. Before, the
// authorization endpoint capped tokens at 200 while policies allowed 256, and the server
// options, the environment and the token endpoint had no cap at all.
const LONGEST = 's'.repeat(256);
const TOO_LONG = 's'.repeat(257);

describe('scope tokens: one grammar and one cap in every place', () => {
  it('a 256-character scope a policy may name is grantable at /authorize (was invalid_scope over 200)', async () => {
    const { server } = makeServer({ scopesSupported: ['read', LONGEST] });
    const { url } = await authorizeParams({ scope: `read ${LONGEST}` });
    const response = await server.handle(get(url));
    expect(header(response, 'location')).toBeUndefined();
    expect(response.status).toBe(200);
  });

  it('createAuthorizationServer refuses a 257-character scope in scopesSupported or defaultScopes', () => {
    expect(() => makeServer({ scopesSupported: ['read', TOO_LONG] })).toThrow(TypeError);
    expect(() => makeServer({ defaultScopes: [TOO_LONG] })).toThrow(TypeError);
  });

  it('OAUTH_SCOPES with a 257-character scope is a configuration problem', () => {
    let error: unknown;
    try {
      loadConfigFromEnv({
        JWT_SECRET: 'a-config-test-secret-0123456789-abcdefgh',
        MCP_AUTH_ISSUER: 'http://localhost:3000',
        OAUTH_SCOPES: `read ${TOO_LONG}`,
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.variable)).toContain('OAUTH_SCOPES');
  });
});
