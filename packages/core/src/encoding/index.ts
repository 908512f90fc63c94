export { base64UrlDecode, base64UrlEncode, isBase64Url } from './base64url.js';
export { timingSafeEqual, timingSafeEqualBytes } from './constant-time.js';
export { generateRandomToken, randomBytes } from './random.js';
export { utf8DecodeStrict, utf8Encode } from './utf8.js';
