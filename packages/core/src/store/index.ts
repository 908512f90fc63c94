export * from './memory-store.js';
export * from './store.js';
