/**
 * `@mcp-auth/core/store`: for store implementers (e.g. `@mcp-auth/redis`) — the `Store`
 * contract, its value and write-option types, `storeCall` (a backend failure becomes a 503
 * `temporarily_unavailable`), `StoreFullError` (a full store refuses, it never evicts security
 * state), the TTL and counting helpers, and `STORE_KEYS`, every key core writes (the
 * wire contract with a shared store). `MemoryStore` is in the root entry; the conformance
 * cases are `storeContract` in `@mcp-auth/core/testing`. Operators' grant management over a
 * store alone (`createGrantManager`: list and revoke grants, delete clients, as the CLI does)
 * is here too; an application uses its server's `server.grants`.
 * @packageDocumentation
 */
export {
  assertTtl,
  countInWindow,
  DISPOSABLE,
  type MemoryStoreOptions,
  type Store,
  StoreFullError,
  type StoreValue,
  type StoreWriteOptions,
  storeCall,
} from './store/index.js';
export { STORE_KEYS } from './store/keys.js';
export {
  createGrantManager,
  type GrantInfo,
  type GrantManager,
  type GrantManagerOptions,
} from './tokens/index.js';
