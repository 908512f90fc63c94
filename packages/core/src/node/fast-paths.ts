import { setJwsBackend } from '../runtime/backend.js';
import { setOutboundFetchFactory } from '../server/outbound-fetch.js';
import { nodeJwsBackend } from './jws-backend.js';
import { createNodeOutboundFetch } from './outbound-fetch.js';

/**
 * Installs the Node fast paths: `node:crypto` for JWS, and outbound fetches to
 * attacker-influenced URLs that check the address they connect to (SSRF). Called by the Node
 * entries themselves (`index.node.ts`, `node-http.ts`): with `"sideEffects": false` a separate
 * side-effect-only module could be dropped by bundlers. Idempotent.
 */
export function installNodeFastPaths(): void {
  setJwsBackend(nodeJwsBackend);
  setOutboundFetchFactory(createNodeOutboundFetch);
}
