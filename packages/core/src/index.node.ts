/**
 * The Node.js entry of `@mcp-auth/core` (selected by the `node` export condition): the same
 * API as the Web entry, with Node fast paths installed where they help.
 * @packageDocumentation
 */
export * from './index.js';
