export type { AuthRequest, AuthResponse } from './http.js';
