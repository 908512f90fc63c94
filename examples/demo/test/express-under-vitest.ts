// Workaround, test-only: the root vitest config forwards its resolve conditions (including
// `import`) to the worker processes as `node --conditions import`, so Express 5's router gets
// the ESM build of `is-promise` from a plain `require()` and every route throws
// "isPromise is not a function". Pre-load the CommonJS build under the name the router will
// resolve. A no-op when the conditions are fixed. Import this before anything loads express.
import { createRequire, Module } from 'node:module';

const fromExpress = createRequire(createRequire(import.meta.url).resolve('express'));
const fromRouter = createRequire(fromExpress.resolve('router'));
const resolved = fromRouter.resolve('is-promise');
if (resolved.endsWith('.mjs')) {
  const cjsPath = resolved.replace(/index\.mjs$/, 'index.js');
  const cjs = fromRouter(cjsPath) as unknown;
  const cache = (Module as unknown as { _cache: Record<string, { exports: unknown }> })._cache;
  const entry = cache[cjsPath];
  if (entry) cache[resolved] = entry;
  else throw new Error(`express-under-vitest: could not pre-load ${cjsPath}`);
  void cjs;
}
