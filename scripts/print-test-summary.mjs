#!/usr/bin/env node
// Prints the plain closing line CI reads ("Tests: N passed, N failed, N skipped") from the
// JSON report `pnpm test` asks vitest to write.
import { readFileSync } from 'node:fs';

const report = JSON.parse(readFileSync('test-artifacts/vitest-results.json', 'utf8'));
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(
  `Tests: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skipped} skipped`,
);
process.exit(report.numFailedTests > 0 || !report.success ? 1 : 0);
