export type { AuthContext, TokenVerifier } from './auth-context.js';
