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
  /** The status of the client's loopback callback, when it was reached. */
  callbackStatus?: number;
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

async function visit(url: URL, first: boolean): Promise<ScriptedBrowserVisit> {
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
    // Deliver the answer to the client's loopback listener, as the browser's redirect would.
    const callback = await fetch(result.redirect, { redirect: 'manual' });
    await callback.arrayBuffer();
    line.callbackStatus = callback.status;
  } catch (error) {
    line.failure = error instanceof Error ? error.message : String(error);
  }
  return line;
}

const target = process.argv[2];
if (target === undefined) {
  console.error('usage: scripted-browser <authorization-url>');
  process.exit(2);
}
const log = process.env['SCRIPTED_BROWSER_LOG'];
const line = await visit(new URL(target), previousVisits(log) === 0);
if (log) appendFileSync(log, `${JSON.stringify(line)}\n`);
else console.error(JSON.stringify(line));
process.exit(line.failure === undefined ? 0 : 1);
