// The shared adapter cases (router, protection, official MCP SDK client) run against Koa 2,
// the older major of the peer range `koa ^2.15.0 || ^3.0.0`. Koa 2 is installed under the npm
// alias `koa2` (a devDependency); the other test files of this package run the same cases
// against Koa 3. Koa 2 has no types of its own under that alias: it is loaded with require()
// and typed with @types/koa (Koa 3's types; the API the adapter and these tests use — use,
// callback, listen, ctx.req/res/request/state/respond — is the same in both majors).
import { createRequire } from 'node:module';
import type Koa from 'koa';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll } from '../../express/test/fixture.js';
import { koaGuardSuite, koaMcpSdkSuite, koaProtectionSuite, koaRouterSuite } from './koa-suites.js';

const require = createRequire(import.meta.url);
const Koa2 = require('koa2') as typeof Koa;

afterEach(closeAll);

describe('Koa 2', () => {
  it('runs on Koa 2.x, not on the Koa 3 the other tests use', () => {
    expect((require('koa2/package.json') as { version: string }).version).toMatch(/^2\./);
    expect((require('koa/package.json') as { version: string }).version).toMatch(/^3\./);
    expect(Koa2).not.toBe(require('koa'));
  });

  koaRouterSuite(Koa2);
  koaProtectionSuite(Koa2);
  koaMcpSdkSuite(Koa2);
  koaGuardSuite(Koa2, 'Koa 2');
});
