export * from './form.js';
export type { AuthRequest, AuthResponse } from './http.js';
export * from './responses.js';
export type * from './types.js';
export * from './client-auth.js';
export * from './introspection-endpoint.js';
export * from './revocation-endpoint.js';
export * from './token-endpoint.js';
