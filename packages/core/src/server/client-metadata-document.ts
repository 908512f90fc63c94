import { OAuthError, TemporarilyUnavailableError } from '../errors/oauth-error.js';
import { sha256Base64Url } from '../runtime/sha256.js';
import { isControl, isInvisibleFormat } from '../encoding/unicode.js';
import type { Store, StoreValue } from '../store/store.js';
import { STORE_KEYS } from '../store/keys.js';
import { DISPOSABLE, storeCall } from '../store/store.js';
import {
  CONFIGURED_ONLY_GRANT_TYPES,
  type ClientMetadata,
  validateClientMetadata,
} from './client-metadata.js';
import { checkOutboundUrl } from '../net/host.js';
import { defaultOutboundFetch } from './outbound-fetch.js';
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
  /**
   * How long a fetched document is cached, in seconds, when its response says nothing about
   * freshness. Default 300. A `Cache-Control: max-age` is honoured up to
   * `maxCacheTtlSeconds`; `no-store`, `no-cache` or `max-age=0` means not cached at all.
   */
  cacheTtlSeconds?: number;
  /** The longest a document is cached whatever its `max-age` says, in seconds. Default 86,400. */
  maxCacheTtlSeconds?: number;
  /**
   * How long a failed fetch (unreachable, redirect, too large, invalid) is remembered, so a
   * flood of requests naming a bad document does not fetch it again each time. In seconds,
   * default 30; this process only.
   */
  failureCacheSeconds?: number;
  /**
   * Outbound fetches per document host per minute (in this process); past it the request is
   * answered 503 `temporarily_unavailable` (`Retry-After`) until the minute is over. Default 30.
   * Concurrent requests for one URL share one fetch, and at most 32 fetches run at once.
   */
  fetchesPerHostPerMinute?: number;
}

// Bounds of the in-process bookkeeping: never unbounded memory.
const MAX_INFLIGHT = 32;
const MAX_TRACKED = 1000;

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
  readonly #maxCacheTtlMs: number;
  readonly #failureTtlMs: number;
  readonly #perHost: number;
  readonly #scopesSupported: () => readonly string[];
  readonly #now: () => number;
  // Single flight: one fetch per URL at a time, shared by everyone asking meanwhile.
  readonly #inflight = new Map<string, Promise<ClientRecord>>();
  // Recent failures per URL and fetch counts per host: bounded, oldest dropped first.
  readonly #failures = new Map<string, { problem: ClientMetadataDocumentProblem; until: number }>();
  readonly #hosts = new Map<string, { count: number; windowStart: number }>();

  /** `now` (milliseconds) is for tests; default `Date.now`. */
  constructor(
    store: Store,
    options: ClientIdMetadataDocumentOptions,
    scopesSupported: () => readonly string[],
    now: () => number = Date.now,
  ) {
    this.#store = store;
    this.#now = now;
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
    this.#maxCacheTtlMs =
      positive(
        options.maxCacheTtlSeconds ?? 86_400,
        'clientIdMetadataDocuments.maxCacheTtlSeconds',
      ) * 1000;
    this.#failureTtlMs =
      positive(options.failureCacheSeconds ?? 30, 'clientIdMetadataDocuments.failureCacheSeconds') *
      1000;
    this.#perHost = positive(
      options.fetchesPerHostPerMinute ?? 30,
      'clientIdMetadataDocuments.fetchesPerHostPerMinute',
    );
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
    const cacheKey = STORE_KEYS.clientMetadataDocument(await sha256Base64Url(clientId));
    const cached = await storeCall(this.#store.get<StoreValue>(cacheKey));
    if (cached && typeof cached === 'object' && !Array.isArray(cached)) {
      return cached as unknown as ClientRecord;
    }
    const failed = this.#failures.get(clientId);
    if (failed && failed.until > this.#now()) {
      throw new ClientMetadataDocumentError(failed.problem, 'The document failed recently');
    }
    const running = this.#inflight.get(clientId);
    if (running) return running;
    if (this.#inflight.size >= MAX_INFLIGHT || !this.#admitHost(new URL(clientId).host)) {
      // Not the document's fault: a 503 with Retry-After, not an "invalid client" page.
      throw new TemporarilyUnavailableError('Too many client metadata document fetches', {
        retryAfterSeconds: 60,
      });
    }
    const fetching = this.#fetchRecord(clientId, cacheKey).catch((error: unknown) => {
      if (error instanceof ClientMetadataDocumentError) this.#rememberFailure(clientId, error);
      throw error;
    });
    this.#inflight.set(clientId, fetching);
    try {
      return await fetching;
    } finally {
      this.#inflight.delete(clientId);
    }
  }

  // Fixed one-minute window per host; the map holds at most MAX_TRACKED hosts.
  #admitHost(host: string): boolean {
    const now = this.#now();
    const entry = this.#hosts.get(host);
    if (entry && now - entry.windowStart < 60_000) {
      if (entry.count >= this.#perHost) return false;
      entry.count++;
      return true;
    }
    this.#hosts.delete(host);
    if (this.#hosts.size >= MAX_TRACKED) {
      for (const [key, value] of this.#hosts) {
        if (now - value.windowStart >= 60_000) this.#hosts.delete(key);
      }
      // Every tracked host is in its window: refuse rather than forget a count.
      if (this.#hosts.size >= MAX_TRACKED) return false;
    }
    this.#hosts.set(host, { count: 1, windowStart: now });
    return true;
  }

  #rememberFailure(clientId: string, error: ClientMetadataDocumentError): void {
    if (error.problem === 'forbidden_target') return;
    this.#failures.delete(clientId);
    // A disposable cache: when full, the oldest failure is forgotten (it is only refetched).
    if (this.#failures.size >= MAX_TRACKED) {
      const oldest = this.#failures.keys().next();
      if (!oldest.done) this.#failures.delete(oldest.value);
    }
    this.#failures.set(clientId, {
      problem: error.problem,
      until: this.#now() + this.#failureTtlMs,
    });
  }

  async #fetchRecord(clientId: string, cacheKey: string): Promise<ClientRecord> {
    const { body: raw, ttlMs } = await this.#download(clientId);
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
      metadata = validateClientMetadata(raw, 'metadata-document', this.#scopesSupported(), {
        allowInsecureLoopback: this.#allowInsecureLoopback,
      });
    } catch (error) {
      throw new ClientMetadataDocumentError(
        'invalid_document',
        error instanceof OAuthError ? error.message : 'The document is invalid',
      );
    }
    if (metadata.grantTypes.some((g) => CONFIGURED_ONLY_GRANT_TYPES.includes(g))) {
      throw new ClientMetadataDocumentError(
        'invalid_document',
        'jwt-bearer and token-exchange are for clients configured on the server',
      );
    }
    const record: ClientRecord = {
      clientId,
      ...metadata,
      clientIdIssuedAt: Math.floor(this.#now() / 1000),
      source: 'metadata-document',
    };
    if (ttlMs > 0) {
      // A cache: disposable, the store may drop it before anything durable.
      await storeCall(
        this.#store.set(cacheKey, record as unknown as StoreValue, ttlMs, DISPOSABLE),
      );
    }
    return record;
  }

  // How long the response may be cached: its Cache-Control within bounds, else the default.
  #cacheTtl(response: Response): number {
    const header = response.headers.get('cache-control');
    if (!header) return this.#cacheTtlMs;
    const directives = header
      .toLowerCase()
      .split(',')
      .map((d) => d.trim());
    if (directives.some((d) => d === 'no-store' || d === 'no-cache')) return 0;
    const maxAge = directives.find((d) => d.startsWith('max-age='));
    if (maxAge === undefined) return this.#cacheTtlMs;
    const seconds = Number(maxAge.slice('max-age='.length));
    if (!Number.isInteger(seconds) || seconds < 0) return this.#cacheTtlMs;
    return Math.min(seconds * 1000, this.#maxCacheTtlMs);
  }

  async #download(clientId: string): Promise<{ body: Record<string, unknown>; ttlMs: number }> {
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
    return { body: value as Record<string, unknown>, ttlMs: this.#cacheTtl(response) };
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
