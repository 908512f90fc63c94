// Node 20 lacks `fs.globSync` (Node 22), which `@modelcontextprotocol/conformance` imports by
// name. Preload this with `node --import ./scripts/node20-fs-globsync.mjs <conformance bin>`: on
// the main thread it registers itself as a module hook; in the hooks thread it serves `fs` /
// `node:fs` as Node's own module plus a small `globSync` (`*`, `**` and `?` only, enough for
// the suite's `**/checks.json`). On Node 22 and later it does nothing.
import fs from 'node:fs';
import { register } from 'node:module';
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';

const SHIM = 'mcp-auth-shim:fs';

if (isMainThread && typeof fs.globSync !== 'function') register(import.meta.url);

/** Resolve hook: `fs` and `node:fs` become the shim (except for the shim's own import). */
export async function resolve(specifier, context, next) {
  if ((specifier === 'fs' || specifier === 'node:fs') && context.parentURL !== SHIM) {
    return { url: SHIM, shortCircuit: true };
  }
  return next(specifier, context);
}

/** Load hook: the shim re-exports every export of Node's `fs` and adds `globSync`. */
export async function load(url, context, next) {
  if (url !== SHIM) return next(url, context);
  const names = Object.keys(fs).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n) && n !== 'default');
  const source = `
import fs from 'node:fs';
import { globSync } from ${JSON.stringify(import.meta.url)};
export default fs;
export const { ${names.join(', ')} } = fs;
export { globSync };
`;
  return { format: 'module', source, shortCircuit: true };
}

function toRegExp(pattern) {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') {
      // `**/` matches any number of directories, `**` at the end anything.
      if (pattern[i + 2] === '/') {
        re += '(?:.*/)?';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** A minimal `fs.globSync(pattern | patterns, { cwd })`: relative paths, files and directories. */
export function globSync(patterns, options = {}) {
  const cwd = options.cwd ? String(options.cwd) : process.cwd();
  const matchers = (Array.isArray(patterns) ? patterns : [patterns]).map(toRegExp);
  if (!fs.existsSync(cwd)) return [];
  const entries = fs.readdirSync(cwd, { recursive: true }).map((p) => String(p));
  return entries
    .map((p) => p.split(path.sep).join('/'))
    .filter((p) => matchers.some((m) => m.test(p)));
}
