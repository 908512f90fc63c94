/**
 * Test helpers for implementers of mcp-auth ports. Framework-free: plug the cases into any
 * test runner.
 * @packageDocumentation
 */
export { type StoreContractCase, storeContract } from '../store/contract.js';
