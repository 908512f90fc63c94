// The authorization-server route cases of a Node framework adapter, written once and run by
// the Express and Koa packages.
import type { AuthorizationServer } from '@mcp-auth/core';
import { describe, expect, it } from 'vitest';
import { createFixture, ISSUER, RESOURCE } from './fixture.js';

/** How a case drives one adapter's router. */
export interface RouterAdapter {
  /**
   * Starts an app with the adapter's router for `server`, then an app route `GET /hello`
   * answering `app`. With `formParserFirst`, the framework's urlencoded body parser runs first.
   * Returns the base URL.
   */
  start(server: AuthorizationServer, options?: { formParserFirst?: boolean }): Promise<string>;
  /** The adapter's router factory, for mount-time validation. */
  mount(server: unknown): unknown;
}

export function routerCases(adapter: RouterAdapter): void {
  describe('authorization server routes', () => {
    it('serves both well-known documents through core (RFC 8414 §3, RFC 9728 §3)', async () => {
      const { server } = await createFixture();
      const base = await adapter.start(server);
      const asm = await fetch(`${base}/.well-known/oauth-authorization-server`);
      expect(asm.status).toBe(200);
      expect(((await asm.json()) as { issuer: string }).issuer).toBe(ISSUER);
      const prm = await fetch(`${base}/.well-known/oauth-protected-resource/mcp`);
      expect(prm.status).toBe(200);
      expect(((await prm.json()) as { resource: string }).resource).toBe(RESOURCE);
      for (const route of server.routes) {
        const res = await fetch(`${base}${route.path}`, {
          method: route.method === 'GET' ? 'GET' : route.method,
        });
        // Every route listed by core is answered by core, never by the framework's 404.
        expect(res.status, `${route.method} ${route.path}`).not.toBe(404);
        await res.arrayBuffer();
      }
    });

    it('answers a wrong method with core’s 405 and Allow', async () => {
      const { server } = await createFixture();
      const base = await adapter.start(server);
      const res = await fetch(`${base}/token`, { method: 'GET' });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toContain('POST');
      expect(((await res.json()) as { error: string }).error).toBe('method_not_allowed');
    });

    it('passes other paths on to the app; unknown ones end in a 404', async () => {
      const { server } = await createFixture();
      const base = await adapter.start(server);
      expect(await (await fetch(`${base}/hello`)).text()).toBe('app');
      expect((await fetch(`${base}/nope`)).status).toBe(404);
    });

    it('reads the token request body itself and answers with core’s OAuth error (RFC 6749 §5.2)', async () => {
      const { server } = await createFixture();
      const base = await adapter.start(server);
      const res = await fetch(`${base}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=authorization_code&grant_type=authorization_code',
      });
      expect(res.status).toBe(400);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
    });

    it('still sees a repeated parameter when a form body parser ran first (RFC 6749 §3.1)', async () => {
      const { server } = await createFixture();
      const base = await adapter.start(server, { formParserFirst: true });
      const res = await fetch(`${base}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=authorization_code&grant_type=authorization_code',
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
    });

    it('refuses a body over 64 KiB with 413 (SECURITY-CASES 20)', async () => {
      const { server } = await createFixture();
      const base = await adapter.start(server);
      const res = await fetch(`${base}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ client_name: 'x'.repeat(70_000) }),
      });
      expect(res.status).toBe(413);
    });

    it('refuses a server it cannot use at mount time', () => {
      expect(() => adapter.mount({})).toThrow(TypeError);
    });
  });
}
