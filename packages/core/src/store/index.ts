export { MemoryStore, type MemoryStoreOptions } from './memory-store.js';
export {
  assertTtl,
  countInWindow,
  DISPOSABLE,
  type Store,
  storeCall,
  StoreFullError,
  type StoreValue,
  type StoreWriteOptions,
} from './store.js';
