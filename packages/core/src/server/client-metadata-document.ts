import { OAuthError } from '../errors/oauth-error.js';
import { sha256Base64Url } from '../encoding/random.js';
import { isControl, isInvisibleFormat } from '../encoding/unicode.js';
import type { Store, StoreValue } from '../store/store.js';
import { storeCall } from '../store/store.js';
import { type ClientMetadata, validateClientMetadata } from './client-metadata.js';
import { checkOutboundUrl, defaultOutboundFetch } from './ssrf.js';
import type { ClientRecord } from './types.js';
import { type CappedRead, readCapped as readCappedBody } from '../encoding/read-capped.js';

/**
 * Options of Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document):
 * a client uses an https URL as its `client_id`, and the server fetches its metadata there.
 */
export interface ClientIdMetadataDocumentOptions {
  /**
   * Allow `http://localhost`-style document URLs and loopback targets. Development only:
   * it opens server-side requests to this machine.
   */
  allowInsecureLoopback?: boolean;
  /**
   * The fetch used for documents. Default: on Node, one that checks the address each
   * connection is made to (a name resolving to a private address is refused, DNS rebinding
   * included); on other runtimes the global `fetch`, which cannot see the resolved address,
   * so only the URL checks apply there: pass a fetch that pins and checks resolved addresses
   * when that matters (SECURITY-CASES 23).
   */
  fetch?: typeof fetch;
  /** Largest document accepted, in bytes. Default 5120 (the draft's recommendation). */
  maxBytes?: number;
  /** Fetch timeout in milliseconds. Default 5000. */
  timeoutMs?: number;
  /** How long a fetched document is cached, in seconds. Default 300. */
  cacheTtlSeconds?: number;
}

/** Why a client ID metadata document was refused. */
export type ClientMetadataDocumentProblem =
  | 'invalid_url'
  | 'forbidden_target'
  | 'fetch_failed'
  | 'redirected'
  | 'too_large'
  | 'invalid_document'
  | 'client_id_mismatch';

/** Thrown when a metadata document cannot be used; `problem` says why. */
export class ClientMetadataDocumentError extends Error {
  readonly problem: ClientMetadataDocumentProblem;
  constructor(problem: ClientMetadataDocumentProblem, message: string) {
    super(message);
    this.name = 'ClientMetadataDocumentError';
    this.problem = problem;
  }
}

/** True when `clientId` has the shape of a metadata document URL (http(s) scheme). */
export function isUrlClientId(clientId: string): boolean {
  return /^https?:\/\//i.test(clientId);
}

/**
 * Checks a client ID URL: https (loopback http only when allowed), a path other than `/`,
 * no fragment, no user information, no dot segments, no backslash, control, space or bidi
 * character, and an allowed target host. The URL must already be in the canonical form a URL
 * parser gives it (`new URL(id).href === id`): the document is fetched from, and compared
 * against, exactly the string the user is shown, so `/a/%2e%2e/b`, `\`, tab, upper-case
 * host, default port and Unicode host forms are refused instead of being normalised.
 */
export function checkClientIdUrl(
  clientId: string,
  allowInsecureLoopback: boolean,
): string | undefined {
  if (clientId.length > 2000) return 'is too long';
  if (hasForbiddenCharacter(clientId)) return 'contains a forbidden character';
  let url: URL;
  try {
    url = new URL(clientId);
  } catch {
    return 'is not a URL';
  }
  if (url.href !== clientId) return 'is not in canonical form';
  if (clientId.includes('#')) return 'must not contain a fragment';
  if (url.pathname === '/' || url.pathname === '') return 'must contain a path';
  if (/\/\.\.?(\/|$)/.test(clientId.split('?', 1)[0] ?? '') || /%2e/i.test(url.pathname)) {
    return 'must not contain dot segments';
  }
  return checkOutboundUrl(url, { allowInsecureLoopback });
}

/**
 * True for C0/C1 controls, space, backslash, bidi controls, zero-width characters and other
 * invisible formatting marks (`isInvisibleFormat`).
 */
export function hasForbiddenCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 0x20 || isControl(c) || c === 0x5c) return true;
    if (isInvisibleFormat(c)) return true;
  }
  return false;
}

/** Fetches, validates and caches client ID metadata documents. */
export class ClientMetadataDocumentResolver {
  readonly #store: Store;
  readonly #fetch: typeof fetch;
  readonly #allowInsecureLoopback: boolean;
  readonly #maxBytes: number;
  readonly #timeoutMs: number;
  readonly #cacheTtlMs: number;
  readonly #scopesSupported: () => readonly string[];

  constructor(
    store: Store,
    options: ClientIdMetadataDocumentOptions,
    scopesSupported: () => readonly string[],
  ) {
    this.#store = store;
    this.#allowInsecureLoopback = options.allowInsecureLoopback ?? false;
    const f =
      options.fetch ?? defaultOutboundFetch({ allowInsecureLoopback: this.#allowInsecureLoopback });
    if (typeof f !== 'function') {
      throw new TypeError(
        'createAuthorizationServer: clientIdMetadataDocuments needs a fetch function (none is global here)',
      );
    }
    this.#fetch = f;
    this.#maxBytes = positive(options.maxBytes ?? 5120, 'clientIdMetadataDocuments.maxBytes');
    this.#timeoutMs = positive(options.timeoutMs ?? 5000, 'clientIdMetadataDocuments.timeoutMs');
    this.#cacheTtlMs =
      positive(options.cacheTtlSeconds ?? 300, 'clientIdMetadataDocuments.cacheTtlSeconds') * 1000;
    this.#scopesSupported = scopesSupported;
  }

  /**
   * The client described by the document at `clientId`. Rejects with
   * {@link ClientMetadataDocumentError} when the document cannot be used, and with a 503
   * `TemporarilyUnavailableError` when the cache store fails.
   */
  async resolve(clientId: string): Promise<ClientRecord> {
    const problem = checkClientIdUrl(clientId, this.#allowInsecureLoopback);
    if (problem) {
      throw new ClientMetadataDocumentError('forbidden_target', `The client_id URL ${problem}`);
    }
    const cacheKey = `as:cimd:${await sha256Base64Url(clientId)}`;
    const cached = await storeCall(this.#store.get<StoreValue>(cacheKey));
    if (cached && typeof cached === 'object' && !Array.isArray(cached)) {
      return cached as unknown as ClientRecord;
    }
    const raw = await this.#download(clientId);
    if (raw['client_id'] !== clientId) {
      throw new ClientMetadataDocumentError(
        'client_id_mismatch',
        'The document client_id does not equal its URL',
      );
    }
    for (const secretField of ['client_secret', 'client_secret_expires_at']) {
      if (secretField in raw) {
        throw new ClientMetadataDocumentError(
          'invalid_document',
          'A client metadata document must not carry a client secret',
        );
      }
    }
    let metadata: ClientMetadata;
    try {
      metadata = validateClientMetadata(raw, 'metadata-document', this.#scopesSupported());
    } catch (error) {
      throw new ClientMetadataDocumentError(
        'invalid_document',
        error instanceof OAuthError ? error.message : 'The document is invalid',
      );
    }
    const record: ClientRecord = {
      clientId,
      ...metadata,
      clientIdIssuedAt: Math.floor(Date.now() / 1000),
      source: 'metadata-document',
    };
    await storeCall(this.#store.set(cacheKey, record as unknown as StoreValue, this.#cacheTtlMs));
    return record;
  }

  async #download(clientId: string): Promise<Record<string, unknown>> {
    let response: Response;
    try {
      response = await this.#fetch(clientId, {
        method: 'GET',
        headers: { accept: 'application/json' },
        // Redirects are not followed: a redirect could lead to a forbidden target.
        redirect: 'manual',
        credentials: 'omit',
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch {
      throw new ClientMetadataDocumentError('fetch_failed', 'The document could not be fetched');
    }
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel().catch(() => {});
      throw new ClientMetadataDocumentError('redirected', 'The document URL redirects');
    }
    if (response.type === 'opaqueredirect') {
      throw new ClientMetadataDocumentError('redirected', 'The document URL redirects');
    }
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => {});
      throw new ClientMetadataDocumentError('fetch_failed', 'The document could not be fetched');
    }
    const text = await readCapped(response, this.#maxBytes);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new ClientMetadataDocumentError('invalid_document', 'The document is not JSON');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ClientMetadataDocumentError('invalid_document', 'The document is not an object');
    }
    return value as Record<string, unknown>;
  }
}

async function readCapped(response: Response, maxBytes: number): Promise<string> {
  let read: CappedRead;
  try {
    read = await readCappedBody(response.body, maxBytes, response.headers.get('content-length'));
  } catch {
    throw new ClientMetadataDocumentError('fetch_failed', 'The document could not be read');
  }
  if (read.overflow)
    throw new ClientMetadataDocumentError('too_large', 'The document is too large');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(read.bytes);
  } catch {
    throw new ClientMetadataDocumentError('invalid_document', 'The document is not UTF-8');
  }
}

function positive(value: number, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`createAuthorizationServer: ${name} must be a positive number`);
  }
  return value;
}
