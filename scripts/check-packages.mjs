#!/usr/bin/env node
// Checks every published package as npm would ship it: publint (strict) and
// @arethetypeswrong/cli (ESM-only profile). Run after `turbo run build`.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const packages = readdirSync('packages', { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => `packages/${d.name}`);
let failed = 0;
for (const dir of packages) {
  for (const [tool, args] of [
    ['publint', ['--strict', dir]],
    ['attw', ['--pack', dir, '--profile', 'esm-only', '--format', 'ascii']],
  ]) {
    // The binaries directly: `pnpm exec` would start pnpm 14 times (~1 CPU-second each).
    const run = spawnSync(join('node_modules', '.bin', tool), args, { encoding: 'utf8' });
    if (run.status !== 0) {
      failed++;
      console.error(`✗ ${tool} ${dir}\n${run.stdout}${run.stderr}`);
    } else {
      console.log(`✓ ${tool} ${dir}`);
    }
  }
}
if (failed > 0) {
  console.error(`${failed} package check(s) failed`);
  process.exit(1);
}
