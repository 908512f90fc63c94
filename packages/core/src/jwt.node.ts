/**
 * The Node.js face of `@mcp-auth/core/jwt` (the `node` export condition): the same names as
 * `jwt.ts`, with the Node fast paths installed by the entry itself (`node:crypto` for JWS),
 * so signing and verification use them even when nothing imports the root entry.
 * @packageDocumentation
 */
import { installNodeFastPaths } from './node/fast-paths.js';

installNodeFastPaths();

// Exactly the Web face's names: its list is the one to read and to change.
export * from './jwt.js';
