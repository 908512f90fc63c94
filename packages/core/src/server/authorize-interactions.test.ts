/**
 * Issue 19 items 7 and 8: the interaction cookie is per interaction (two sign-ins at once in
 * one browser both complete, local and proxy mode), and the upstream callback reads the state,
 * checks the browser's cookie, and only then consumes the state.
 */
import { describe, expect, it } from 'vitest';
import {
  authorizeParams,
  fakeUpstream,
  get,
  hiddenFields,
  ISSUER,
  makeServer,
  postForm,
} from '../../test/server/helpers.js';
import type { HttpResponse } from '../http/messages.js';

/** A cookie jar: keeps every Set-Cookie, drops cleared ones, sends all back. */
class Jar {
  readonly #cookies = new Map<string, string>();
  take(response: HttpResponse): HttpResponse {
    const set = response.headers['set-cookie'];
    for (const line of typeof set === 'string' ? [set] : (set ?? [])) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (value === '' || /Max-Age=0(;|$)/.test(line)) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
    return response;
  }
  header(): Record<string, string> {
    return { cookie: [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
  }
}

const location = (r: HttpResponse) => new URL(String(r.headers['location']));

describe('two authorizations at once in one browser (issue 19 item 8)', () => {
  it('local mode: both logins and consents complete, each with its own code', async () => {
    const { server } = makeServer();
    const jar = new Jar();
    const first = jar.take(await server.handle(get((await authorizeParams({ state: 'one' })).url)));
    const second = jar.take(
      await server.handle(get((await authorizeParams({ state: 'two' })).url)),
    );
    const login = async (page: HttpResponse) => {
      const consent = jar.take(
        await server.handle(
          postForm(
            `${ISSUER}/authorize/login`,
            { ...hiddenFields(page.body!), username: 'alice', password: 'alice-pw' },
            jar.header(),
          ),
        ),
      );
      expect(consent.status).toBe(200);
      return consent;
    };
    const approve = async (consent: HttpResponse) =>
      jar.take(
        await server.handle(
          postForm(
            `${ISSUER}/authorize/consent`,
            { ...hiddenFields(consent.body!), decision: 'approve', scope_0: 'read' },
            jar.header(),
          ),
        ),
      );
    // Interleaved: the first one goes on after the second started (failed before: 403).
    const consent1 = await login(first);
    const consent2 = await login(second);
    const done1 = await approve(consent1);
    const done2 = await approve(consent2);
    for (const [done, state] of [
      [done1, 'one'],
      [done2, 'two'],
    ] as const) {
      expect(done.status).toBe(303);
      expect(location(done).searchParams.get('state')).toBe(state);
      expect(location(done).searchParams.get('code')).toBeTruthy();
    }
  });

  it('proxy mode: both upstream callbacks succeed', async () => {
    const upstream = fakeUpstream();
    const { server } = makeServer({ identityProvider: upstream });
    const jar = new Jar();
    const toIdp = async (state: string) => {
      const page = jar.take(await server.handle(get((await authorizeParams({ state })).url)));
      const redirect = jar.take(
        await server.handle(
          postForm(
            `${ISSUER}/authorize/consent`,
            { ...hiddenFields(page.body!), decision: 'approve', scope_0: 'read' },
            jar.header(),
          ),
        ),
      );
      expect(redirect.status).toBe(303);
      return location(redirect).searchParams.get('state')!;
    };
    const upstreamState1 = await toIdp('one');
    const upstreamState2 = await toIdp('two');
    for (const [upstreamState, state] of [
      [upstreamState1, 'one'],
      [upstreamState2, 'two'],
    ] as const) {
      const back = jar.take(
        await server.handle(
          get(`${ISSUER}/oauth/callback?code=upstream-code&state=${upstreamState}`, jar.header()),
        ),
      );
      expect(back.status).toBe(302);
      expect(location(back).searchParams.get('state')).toBe(state);
      expect(location(back).searchParams.get('code')).toBeTruthy();
    }
  });
});

describe('upstream callback: check the cookie before consuming the state (issue 19 item 7)', () => {
  it('a callback URL replayed without the cookie → 400, and the victim’s own callback still works', async () => {
    const upstream = fakeUpstream();
    const { server } = makeServer({ identityProvider: upstream });
    const jar = new Jar();
    const page = jar.take(await server.handle(get((await authorizeParams()).url)));
    const redirect = jar.take(
      await server.handle(
        postForm(
          `${ISSUER}/authorize/consent`,
          { ...hiddenFields(page.body!), decision: 'approve', scope_0: 'read' },
          jar.header(),
        ),
      ),
    );
    const state = location(redirect).searchParams.get('state')!;
    const callback = `${ISSUER}/oauth/callback?code=upstream-code&state=${state}`;
    // The attacker holds the URL (logs, Referer, shoulder) but not the browser's cookie.
    const attacker = await server.handle(get(callback));
    expect(attacker.status).toBe(400);
    expect(upstream.completed).toBe(0);
    const victim = await server.handle(get(callback, jar.header()));
    expect(victim.status).toBe(302);
    expect(location(victim).searchParams.get('code')).toBeTruthy();
    // Single use still holds once the right browser used it.
    expect((await server.handle(get(callback, jar.header()))).status).toBe(400);
  });
});
