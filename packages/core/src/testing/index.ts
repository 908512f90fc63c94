/**
 * Test helpers for implementers of mcp-auth ports. Framework-free: plug the cases into any
 * test runner. Also the client side of PKCE (`generateCodeVerifier`, `computeS256Challenge`),
 * to drive an authorization flow from a test or a diagnostic tool.
 * @packageDocumentation
 */
export { computeS256Challenge, generateCodeVerifier } from '../pkce.js';
export { type StoreContractCase, storeContract } from '../store/contract.js';
export {
  type AuthorizeWithFormsOptions,
  type AuthorizeWithFormsResult,
  authorizeWithForms,
  CookieJar,
  type FetchLike,
  type ParsedForm,
  parseForms,
} from './browser.js';
