/**
 * The Node.js entry of `@mcp-auth/core` (selected by the `node` export condition): the same
 * API as the Web entry, with Node fast paths installed where they help.
 * @packageDocumentation
 */
import { installNodeFastPaths } from './node/fast-paths.js';

// Registered here, in the entry module itself: with `"sideEffects": false` a separate
// side-effect-only module could be dropped by bundlers. Outbound fetches to
// attacker-influenced URLs check the address they connect to (SSRF).
installNodeFastPaths();

// Exactly the Web face's names: its list is the one to read and to change.
export * from './index.js';
