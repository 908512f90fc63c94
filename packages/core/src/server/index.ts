export * from './form.js';
export type { AuthRequest, AuthResponse } from './http.js';
export * from './responses.js';
export type * from './types.js';
