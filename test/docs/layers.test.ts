// scripts/check-layers.ts (part of `pnpm lint`): core's floor plan — an import never runs up a
// floor, server/ and resource/ never import each other, no files import each other in a loop.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkLayers, importsOf, readTree } from '../../scripts/check-layers.js';

const tree = (files: Record<string, string>) => new Map(Object.entries(files));

describe('check-layers', () => {
  it('flags an upward import (jwt/ reaching into server/, as remote-key-set.ts once did)', () => {
    const problems = checkLayers(
      tree({
        'jwt/remote-key-set.ts': "import { isLoopbackHostname } from '../server/ssrf.js';\n",
        'server/ssrf.ts': 'export const isLoopbackHostname = () => true;\n',
      }),
    );
    expect(problems).toMatchObject([{ kind: 'upward', file: 'jwt/remote-key-set.ts' }]);
    expect(problems[0]!.message).toContain('server/ssrf.ts (floor 5');
  });

  it('flags a type-only upward import and an `export … from` the same way', () => {
    const problems = checkLayers(
      tree({
        'encoding/random.ts': "import type { JwsBackend } from '../jwt/backend.js';\n",
        'errors/index.ts': "export * from '../tokens/types.js';\n",
        'jwt/backend.ts': 'export interface JwsBackend {}\n',
        'tokens/types.ts': 'export type X = 1;\n',
      }),
    );
    expect(problems.map((p) => [p.kind, p.file])).toEqual([
      ['upward', 'encoding/random.ts'],
      ['upward', 'errors/index.ts'],
    ]);
  });

  it('flags server/ and resource/ importing each other, either way', () => {
    const problems = checkLayers(
      tree({
        'resource/cors.ts': "import type { HttpResponse } from '../server/http.js';\n",
        'server/authorization-server.ts':
          "import type { AuthContext } from '../resource/auth-context.js';\n",
        'resource/auth-context.ts': 'export interface AuthContext {}\n',
        'server/http.ts': 'export interface HttpResponse {}\n',
      }),
    );
    expect(problems.map((p) => [p.kind, p.file])).toEqual([
      ['apart', 'resource/cors.ts'],
      ['apart', 'server/authorization-server.ts'],
    ]);
  });

  it('flags files that import each other in a loop, even on one floor', () => {
    const problems = checkLayers(
      tree({
        'policy/engine.ts': "import { rule } from './rule.js';\nexport const engine = 1;\n",
        'policy/rule.ts': "import { engine } from './engine.js';\nexport const rule = 2;\n",
      }),
    );
    expect(problems).toMatchObject([
      { kind: 'cycle', message: expect.stringContaining('policy/engine.ts, policy/rule.ts') },
    ]);
  });

  it('flags a file on no floor, and accepts downward and same-floor imports', () => {
    expect(
      checkLayers(
        tree({
          'server/token-endpoint.ts':
            "import { jsonResponse } from '../http/responses.js';\nimport { x } from './types.js';\nimport 'node:crypto';\n",
          'server/types.ts': 'export const x = 1;\n',
          'http/responses.ts': "import { err } from '../errors/index.js';\n",
          'errors/index.ts': 'export const err = 1;\n',
        }),
      ),
    ).toEqual([]);
    expect(checkLayers(tree({ 'gadgets/thing.ts': '' }))).toMatchObject([{ kind: 'no-floor' }]);
    // A root file is an entry (floor 6) unless a lower floor names it (pkce.ts is a foundation).
    expect(
      checkLayers(tree({ 'pkce.ts': "import { x } from './store.js';\n", 'store.ts': '' })),
    ).toMatchObject([{ kind: 'upward', file: 'pkce.ts' }]);
  });

  it('reads static, re-exported and dynamic relative imports, not package imports', () => {
    expect(
      importsOf(
        "import a from './a.js';\nexport { b } from '../b.js';\nconst c = await import('./c.js');\nimport 'vitest';\n",
      ),
    ).toEqual(['./a.js', '../b.js', './c.js']);
  });

  it('finds nothing wrong in packages/core/src as it stands', () => {
    const core = readTree(fileURLToPath(new URL('../../packages/core/src', import.meta.url)));
    expect(core.size).toBeGreaterThan(50);
    expect(checkLayers(core).map((p) => p.message)).toEqual([]);
  });
});
