// A headless "browser" for clients that open one to sign in (mcp-remote, …): pointed at by the
// `BROWSER` environment variable (xdg-open, and so the `open` package, runs `$BROWSER <url>` when
// no desktop is detected). It logs in and consents through the demo's real HTML forms (core's
// `authorizeWithForms`), then follows the redirect to the client's loopback callback, as a
// browser would. It never prints a token, code or the URL it was given.
//
//   SCRIPTED_BROWSER_USER=alice SCRIPTED_BROWSER_LOG=/tmp/opens.log \
//     node --conditions=@mcp-auth/source --import tsx examples/demo/test/scripted-browser.ts <url>
//
// Environment: SCRIPTED_BROWSER_USER (default alice), SCRIPTED_BROWSER_PASSWORD (default demo),
// SCRIPTED_BROWSER_UNTICK (space-separated scopes to untick), SCRIPTED_BROWSER_UNTICK_FIRST (the
// same, on the first visit only: a later step-up is approved in full), SCRIPTED_BROWSER_DECISION
// (approve | deny), SCRIPTED_BROWSER_LOG (a file: one JSON line per invocation).
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { authorizeWithForms } from '@mcp-auth/core/testing';

/** One line of the log: what the scripted user did, never a secret. */
export interface ScriptedBrowserVisit {
  user: string;
  /** The authorization endpoint's origin and path (the query holds state and PKCE values). */
  endpoint: string;
  /** The scope the client asked for. */
  scope: string | null;
  pages: readonly string[];
  /** `code` or the OAuth error the authorization server redirected with. */
  outcome: string;
  failure?: string;
}

/** How many visits the log already holds (0 without a log). */
function previousVisits(log: string | undefined): number {
  if (log === undefined || !existsSync(log)) return 0;
  return readFileSync(log, 'utf8').split('\n').filter(Boolean).length;
}

function scopesFromEnv(name: string): string[] {
  return (process.env[name] ?? '').split(' ').filter(Boolean);
}

/** Logs in and consents; returns what happened and where the server redirected the browser. */
async function visit(
  url: URL,
  first: boolean,
): Promise<{ line: ScriptedBrowserVisit; redirect?: URL }> {
  const user = process.env['SCRIPTED_BROWSER_USER'] ?? 'alice';
  const line: ScriptedBrowserVisit = {
    user,
    endpoint: `${url.origin}${url.pathname}`,
    scope: url.searchParams.get('scope'),
    pages: [],
    outcome: 'none',
  };
  try {
    const decision = process.env['SCRIPTED_BROWSER_DECISION'] === 'deny' ? 'deny' : 'approve';
    const result = await authorizeWithForms({
      fetch: (request) => fetch(request),
      authorizationUrl: url,
      username: user,
      password: process.env['SCRIPTED_BROWSER_PASSWORD'] ?? 'demo',
      untick: [
        ...scopesFromEnv('SCRIPTED_BROWSER_UNTICK'),
        ...(first ? scopesFromEnv('SCRIPTED_BROWSER_UNTICK_FIRST') : []),
      ],
      decision,
    });
    line.pages = result.pages;
    line.outcome = result.error ?? (result.code === undefined ? 'none' : 'code');
    return { line, redirect: result.redirect };
  } catch (error) {
    line.failure = error instanceof Error ? error.message : String(error);
    return { line };
  }
}

function record(log: string | undefined, line: ScriptedBrowserVisit): void {
  if (log) appendFileSync(log, `${JSON.stringify(line)}\n`);
  else console.error(JSON.stringify(line));
}

const target = process.argv[2];
if (target === undefined) {
  console.error('usage: scripted-browser <authorization-url>');
  process.exit(2);
}
const log = process.env['SCRIPTED_BROWSER_LOG'];
const { line, redirect } = await visit(new URL(target), previousVisits(log) === 0);
// Logged before the client gets its answer, so whoever reads the log after the client moved on
// finds this visit there.
record(log, line);
if (redirect === undefined) process.exit(1);
// Deliver the answer to the client's loopback listener, as the browser's redirect would.
// mcp-remote 0.15 opens the browser for a step-up before its callback listener is up again; a
// person takes longer than that to sign in, this script does not: retry a refused connection
// for up to 5 s, as a user reloading the page would.
async function deliver(target: URL): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(target, { redirect: 'manual' });
    } catch (error) {
      if (attempt >= 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
try {
  const callback = await deliver(redirect);
  await callback.arrayBuffer();
  if (callback.status >= 400) throw new Error(`the callback answered ${callback.status}`);
} catch (error) {
  record(log, { ...line, failure: `callback: ${error instanceof Error ? error.message : error}` });
  process.exit(1);
}
