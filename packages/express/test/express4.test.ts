// The shared adapter cases (router, protection, official MCP SDK client) run against
// Express 4, the older major of the peer range `express ^4.21.0 || ^5.0.0`. Express 4 is
// installed under the npm alias `express4` (a devDependency); the other test files of this
// package run the same cases against Express 5. Express 4 has no types of its own under that
// alias: it is loaded with require() and typed with @types/express (Express 5's types; the API
// the adapter and these tests use — express(), use, all, get, listen, json, urlencoded,
// req.body, res.json/send — is the same in both majors).
import { createRequire } from 'node:module';
import type express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import {
  expressGuardSuite,
  expressMcpSdkSuite,
  expressProtectionSuite,
  expressRouterSuite,
} from './express-suites.js';
import { closeAll } from './fixture.js';

const require = createRequire(import.meta.url);
const express4 = require('express4') as typeof express;

afterEach(closeAll);

describe('Express 4', () => {
  it('runs on Express 4.x, not on the Express 5 the other tests use', () => {
    expect((require('express4/package.json') as { version: string }).version).toMatch(/^4\./);
    expect((require('express/package.json') as { version: string }).version).toMatch(/^5\./);
    expect(express4).not.toBe(require('express'));
  });

  expressRouterSuite(express4);
  expressProtectionSuite(express4);
  expressMcpSdkSuite(express4);
  expressGuardSuite(express4, 'Express 4');
});
