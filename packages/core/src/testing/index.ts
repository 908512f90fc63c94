/**
 * Test helpers for implementers of mcp-auth ports. Framework-free: plug the cases into any
 * test runner.
 * @packageDocumentation
 */
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
