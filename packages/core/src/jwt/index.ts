export type { JwsAlgorithm, JwtHeader, JwtKey, JwtPayload } from './types.js';
