/**
 * The default fetch for outbound requests to attacker-influenced URLs. The Node entry installs
 * a factory whose connections check the address they resolve to (`checkResolvedAddress` of
 * `net/host.ts`); Web runtimes use the global `fetch`.
 */
import type { OutboundUrlOptions } from '../net/host.js';

/** Makes the default fetch for outbound requests, given the options of the caller. @internal */
export type OutboundFetchFactory = (options: OutboundUrlOptions) => typeof fetch;

let outboundFetchFactory: OutboundFetchFactory | undefined;

/**
 * Installs (or, with `undefined`, removes) the factory of the default outbound fetch. The Node
 * entry installs one whose connections check the resolved address; Web runtimes use `fetch`.
 * @internal
 */
export function setOutboundFetchFactory(factory: OutboundFetchFactory | undefined): void {
  outboundFetchFactory = factory;
}

/**
 * The fetch used for outbound requests when the caller passed none: the installed factory's
 * (address-checking on Node), else the global `fetch` (`undefined` when there is none).
 * @internal
 */
export function defaultOutboundFetch(options: OutboundUrlOptions): typeof fetch | undefined {
  if (outboundFetchFactory) return outboundFetchFactory(options);
  return typeof globalThis.fetch === 'function' ? globalThis.fetch.bind(globalThis) : undefined;
}
