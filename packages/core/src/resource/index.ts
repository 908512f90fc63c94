export type { AuthContext, TokenVerifier } from './auth-context.js';
export * from './node-http.js';
