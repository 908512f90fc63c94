/**
 * The Node.js entry of `@mcp-auth/core` (selected by the `node` export condition): the same
 * API as the Web entry, with Node fast paths installed where they help.
 * @packageDocumentation
 */
import { setJwsBackend } from './runtime/backend.js';
import { nodeJwsBackend } from './node/jws-backend.js';
import { createNodeOutboundFetch } from './node/outbound-fetch.js';
import { setOutboundFetchFactory } from './server/outbound-fetch.js';

// Registered here, in the entry module itself: with `"sideEffects": false` a separate
// side-effect-only module could be dropped by bundlers.
setJwsBackend(nodeJwsBackend);
// Outbound fetches to attacker-influenced URLs check the address they connect to (SSRF).
setOutboundFetchFactory(createNodeOutboundFetch);

export * from './index.js';
