export * from './jwt-error.js';
export * from './oauth-error.js';
