export * from './base64url.js';
export * from './constant-time.js';
export * from './random.js';
export * from './utf8.js';
