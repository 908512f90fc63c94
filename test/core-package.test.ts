import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (p: string) => JSON.parse(readFileSync(new URL(p, import.meta.url), 'utf8'));

describe('@mcp-auth/core packaging', () => {
  it('has no runtime dependencies', () => {
    const pkg = read('../packages/core/package.json');
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(pkg.peerDependencies ?? {}).toEqual({});
  });

  it('every package is ESM, side-effect free, ships dist only, with types first in exports', () => {
    for (const name of ['core', 'sdk', 'express', 'koa', 'fastmcp', 'redis', 'cli', 'otel']) {
      const pkg = read(`../packages/${name}/package.json`);
      expect(pkg.type, name).toBe('module');
      expect(pkg.sideEffects, name).toBe(false);
      expect(pkg.files, name).toEqual(['dist']);
      expect(Object.keys(pkg.exports['.'])[0], name).toBe('types');
      if (name !== 'core' && name !== 'cli')
        expect(pkg.peerDependencies['@mcp-auth/core'], name).toBeDefined();
    }
  });
});
