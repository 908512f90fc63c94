// oidc-provider ships no type declarations and @types/oidc-provider is not installed: the
// little of its API these tests use.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export default class Provider {
    constructor(issuer: string, configuration?: Record<string, unknown>);
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    /** Provider events (`grant.success`, …): oidc-provider is an EventEmitter. */
    on(event: string, listener: (...args: never[]) => void): this;
  }
}
