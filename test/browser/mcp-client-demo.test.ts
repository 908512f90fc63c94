/// <reference lib="dom" />
// The browser MCP client journey of mcp-client.test.ts against the demo itself (examples/demo,
// `startDemo({ port: 0 })`, its default browser rules): a page on http://127.0.0.1:<p>, the
// demo at http://localhost:<q>. The demo is imported lazily, so a demo that does not start
// fails this file only.
import { mkdirSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ARTIFACTS,
  closeServer,
  connectFromPage,
  launchChromium,
  shot,
  startStatic,
  text,
} from './mcp-client-harness.js';

interface Demo {
  readonly issuer: string;
  readonly mcpUrl: string;
  close(): Promise<void>;
}

let demo: Demo;
const ran: string[] = [];
let app: { server: Server; origin: string };
let context: BrowserContext;
let profile: string;

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  await import('../../examples/demo/test/express-under-vitest.js');
  const { startDemo } = await import('../../examples/demo/src/app.js');
  demo = await startDemo({
    port: 0,
    env: {},
    passwordIterations: 10_000,
    log: () => {},
    onToolRun: (tool) => ran.push(tool),
  });
  app = await startStatic('127.0.0.1');
  ({ context, profile } = await launchChromium());
}, 60_000);

afterAll(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  await closeServer(app?.server);
  await demo?.close();
});

describe('a browser MCP client against the demo (Chromium, plain fetch)', () => {
  // carol (role admin) consents to mcp:tools:read only: delete_user is then a step-up (403),
  // not a denial (alice's and bob's roles could never delete, so scopes would not help them).
  it('carol connects from another loopback origin: discovery, registration, login and consent, token, both wires, a readable 403 step-up', async () => {
    expect(new URL(demo.mcpUrl).hostname).toBe('localhost');
    const page = await context.newPage();
    try {
      const [call, modern] = await connectFromPage(
        page,
        app.origin,
        { mcpUrl: demo.mcpUrl, origin: demo.issuer },
        'carol',
      );
      expect(text(call)).toContain('Paris');
      expect(text(modern)).toContain('Lyon');
      expect(ran).toEqual(['get_weather', 'get_weather']); // delete_user never ran
      await shot(page, 'browser-mcp-client-demo');
    } finally {
      await page.close();
    }
  });
});
