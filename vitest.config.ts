import { defineConfig } from 'vitest/config';

// Tests run against source: workspace packages resolve through the `@mcp-auth/source`
// export condition, so no build is needed before `vitest run`.
const conditions = ['@mcp-auth/source', 'node', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@mcp-auth/source'] } },
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'packages/*/test/**/*.test.ts',
      'examples/*/test/**/*.test.ts',
      'test/**/*.test.ts',
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
