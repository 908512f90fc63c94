/**
 * The Node.js face of `@mcp-auth/core/node-http` (the `node` export condition): the same names
 * as `node-http.ts`, and the Node fast paths installed by the entry itself (`node:crypto` for
 * JWS, and outbound fetches that check the address they connect to — SSRF), so they are on
 * even when nothing imports the root entry.
 * @packageDocumentation
 */
import { installNodeFastPaths } from './node/fast-paths.js';

installNodeFastPaths();

// Exactly the Web face's names: its list is the one to read and to change.
export * from './node-http.js';
