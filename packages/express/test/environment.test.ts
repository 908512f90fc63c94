import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

describe('test environment', () => {
  it('loads CommonJS dependencies of Express as CommonJS', () => {
    // Express 5's router does `require('is-promise')`. When test workers run with
    // `--conditions import` (vitest `ssr.resolve.conditions` containing "import"), that require
    // returns the ESM namespace and every middleware that calls next() asynchronously ends in a
    // 500. Fix: keep "import"/"module" out of ssr.resolve.conditions in vitest.config.ts.
    const expressRequire = createRequire(createRequire(import.meta.url).resolve('express'));
    const routerRequire = createRequire(expressRequire.resolve('router'));
    expect(typeof routerRequire('is-promise')).toBe('function');
  });
});
