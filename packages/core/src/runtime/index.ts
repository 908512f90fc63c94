export { sha256Base64Url } from './sha256.js';
