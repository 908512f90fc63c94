export type { AuthContext, TokenVerifier } from './auth-context.js';
export type { Identity, UpstreamTokens } from './identity.js';
