#!/usr/bin/env node
// `pnpm mcp-auth <args>`: the mcp-auth CLI run from this repository's source, no build needed
// (the published package's `mcp-auth` bin runs packages/cli/dist/bin.js instead).
// The CLI runs in the directory pnpm was started from (INIT_CWD), so relative paths such as
// `policy lint ./policy.json` mean what they say even though pnpm runs root scripts at the root.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../packages/cli/src/bin.ts', import.meta.url));
const tsx = import.meta.resolve('tsx');
const child = spawnSync(
  process.execPath,
  ['--conditions=@mcp-auth/source', '--import', tsx, bin, ...process.argv.slice(2)],
  { stdio: 'inherit', cwd: process.env.INIT_CWD || process.cwd() },
);
if (child.error) {
  console.error(`mcp-auth: could not start the CLI: ${child.error.message}`);
  process.exit(2);
}
if (child.signal) process.kill(process.pid, child.signal);
process.exit(child.status ?? 1);
