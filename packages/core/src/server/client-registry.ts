import { generateRandomToken } from '../encoding/random.js';
import { sha256Base64Url } from '../runtime/sha256.js';
import type { Store, StoreValue } from '../store/store.js';
import { STORE_KEYS } from '../store/keys.js';
import { storeCall } from '../store/store.js';
import type { ClientMetadata } from './client-metadata.js';
import { validateClientMetadata } from './client-metadata.js';
import {
  ClientMetadataDocumentError,
  type ClientMetadataDocumentResolver,
  isUrlClientId,
} from './client-metadata-document.js';
import { checkRedirectUri } from './redirect-uri.js';
import type {
  ClientAssertionVerifier,
  ClientRecord,
  ClientRegistry,
  TokenEndpointAuthMethod,
} from './types.js';
import type { ClientKeyRules } from './client-keys.js';
import type { Jwks } from '../jwt/keys.js';
import type { JwsAlgorithm } from '../jwt/types.js';

/** A client configured in code (no registration needed). */
export interface StaticClientConfig {
  readonly clientId: string;
  /** The secret of a confidential client; kept only as its SHA-256 hash. */
  readonly clientSecret?: string;
  /** Where the code flow may send the browser; required with `authorization_code`. */
  readonly redirectUris?: readonly string[];
  /**
   * Default `client_secret_basic` with a secret, `private_key_jwt` with `jwks` or `jwksUri`,
   * `none` without either.
   */
  readonly tokenEndpointAuthMethod?: TokenEndpointAuthMethod;
  /**
   * Default `["authorization_code", "refresh_token"]`. A machine client (no user) lists
   * `["client_credentials"]`: it then needs a secret or keys, and no redirect URIs.
   */
  readonly grantTypes?: readonly string[];
  /** The public keys of a `private_key_jwt` client (a JWK Set; public keys only). */
  readonly jwks?: Jwks;
  /** Or where the `private_key_jwt` client publishes them (https). */
  readonly jwksUri?: string;
  /** The one algorithm its assertions use; default any of RS256, PS256, ES256, ES384, EdDSA. */
  readonly tokenEndpointAuthSigningAlg?: JwsAlgorithm;
  readonly clientName?: string;
  /** Space-separated scopes this client is limited to. */
  readonly scope?: string;
  /**
   * A resource server: may call the introspection endpoint for any token (it needs a
   * `clientSecret`, or `jwks`/`jwksUri` for `private_key_jwt`). Only configured clients can be
   * marked; registered ones never are.
   */
  readonly resourceServer?: boolean;
}

interface StoredClient extends ClientRecord {
  /** Milliseconds since the epoch when the record's TTL was last extended by use. */
  readonly usedAt?: number;
}

const CLIENT_ID = /^[A-Za-z0-9_-]{16,128}$/;
const DAY_MS = 86_400_000;

/** Lifetimes of dynamically registered clients. */
export interface ClientLifetimes {
  /** A registration never used for an authorization expires after this. */
  readonly unusedTtlMs: number;
  /** A used registration lives this long after its last use. */
  readonly usedTtlMs: number;
}

/** Why a client lookup failed, for the error page. */
export type ClientLookupProblem = 'unknown_client' | 'metadata_document';

/**
 * The {@link ClientRegistry} of the authorization server: static clients, dynamically
 * registered clients (in the store, secrets as hashes only) and, when enabled, client ID
 * metadata documents.
 */
export class ServerClientRegistry implements ClientRegistry {
  readonly #store: Store;
  readonly #static = new Map<string, Promise<ClientRecord>>();
  readonly #documents: ClientMetadataDocumentResolver | undefined;
  readonly #lifetimes: ClientLifetimes;
  readonly #now: () => number;
  /** Verifies the `private_key_jwt` assertions of these clients. */
  readonly assertions: ClientAssertionVerifier | undefined;

  /** `extras`: the `private_key_jwt` verifier and the rules for clients' `jwks_uri`. */
  constructor(
    store: Store,
    staticClients: readonly StaticClientConfig[],
    documents: ClientMetadataDocumentResolver | undefined,
    lifetimes: ClientLifetimes,
    now: () => number,
    extras: { assertions?: ClientAssertionVerifier; keyRules?: ClientKeyRules } = {},
  ) {
    this.#store = store;
    this.#documents = documents;
    this.#lifetimes = lifetimes;
    this.#now = now;
    this.assertions = extras.assertions;
    for (const client of staticClients) {
      const record = staticRecord(client, extras.keyRules ?? {});
      if (this.#static.has(client.clientId)) {
        throw new TypeError(
          `createAuthorizationServer: clients lists client_id ${client.clientId} twice`,
        );
      }
      this.#static.set(client.clientId, record);
      record.catch(() => {});
    }
  }

  /** The client, or `undefined` when unknown. Rejects on store failure (fail closed). */
  async getClient(clientId: string): Promise<ClientRecord | undefined> {
    return (await this.lookup(clientId)).client;
  }

  /** Like {@link getClient}, with the reason when the client cannot be used. */
  async lookup(
    clientId: string,
  ): Promise<
    | { client: ClientRecord; problem?: undefined }
    | { client?: undefined; problem: ClientLookupProblem; detail?: string }
  > {
    if (typeof clientId !== 'string' || clientId.length === 0 || clientId.length > 2000) {
      return { problem: 'unknown_client' };
    }
    const configured = this.#static.get(clientId);
    if (configured) return { client: await configured };
    if (isUrlClientId(clientId)) {
      if (!this.#documents) return { problem: 'unknown_client' };
      try {
        return { client: await this.#documents.resolve(clientId) };
      } catch (error) {
        if (error instanceof ClientMetadataDocumentError) {
          return { problem: 'metadata_document', detail: error.problem };
        }
        throw error;
      }
    }
    if (!CLIENT_ID.test(clientId)) return { problem: 'unknown_client' };
    const stored = await storeCall(this.#store.get<StoreValue>(clientKey(clientId)));
    if (!stored || typeof stored !== 'object' || Array.isArray(stored)) {
      return { problem: 'unknown_client' };
    }
    return { client: stored as unknown as StoredClient };
  }

  /**
   * Records that a registered client completed an authorization: its registration now lives
   * for `usedTtlMs` from this use (re-extended at most once a day).
   */
  async markUsed(client: ClientRecord): Promise<void> {
    if (client.source !== 'registration') return;
    const usedAt = (client as StoredClient).usedAt;
    const now = this.#now();
    if (usedAt !== undefined && now - usedAt < DAY_MS) return;
    const record: StoredClient = { ...client, usedAt: now };
    await storeCall(
      this.#store.set(
        clientKey(client.clientId),
        record as unknown as StoreValue,
        this.#lifetimes.usedTtlMs,
      ),
    );
  }

  /** Stores a new registration; returns the record and, for confidential clients, the secret. */
  async register(
    metadata: ClientMetadata,
  ): Promise<{ client: ClientRecord; clientSecret: string | undefined }> {
    const clientId = generateRandomToken(24);
    const clientSecret = usesSecret(metadata.tokenEndpointAuthMethod)
      ? generateRandomToken(32)
      : undefined;
    const client: StoredClient = {
      clientId,
      ...metadata,
      ...(clientSecret === undefined
        ? {}
        : { clientSecretHash: await sha256Base64Url(clientSecret), clientSecretExpiresAt: 0 }),
      clientIdIssuedAt: Math.floor(this.#now() / 1000),
      source: 'registration',
    };
    const stored = await storeCall(
      this.#store.setIfAbsent(
        clientKey(clientId),
        client as unknown as StoreValue,
        this.#lifetimes.unusedTtlMs,
      ),
    );
    // 192 random bits never collide in practice; refuse rather than overwrite if they do.
    if (!stored) throw new TypeError('client_id collision');
    return { client, clientSecret };
  }
}

const clientKey = STORE_KEYS.client;

function usesSecret(method: TokenEndpointAuthMethod): boolean {
  return method === 'client_secret_basic' || method === 'client_secret_post';
}

function staticRecord(config: StaticClientConfig, keyRules: ClientKeyRules): Promise<ClientRecord> {
  const where = 'createAuthorizationServer: clients';
  if (typeof config.clientId !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(config.clientId)) {
    throw new TypeError(`${where}: each clientId must be 1-200 visible ASCII characters`);
  }
  const raw: Record<string, unknown> = {
    redirect_uris: config.redirectUris,
    token_endpoint_auth_method:
      config.tokenEndpointAuthMethod ??
      (config.clientSecret !== undefined
        ? 'client_secret_basic'
        : config.jwks !== undefined || config.jwksUri !== undefined
          ? 'private_key_jwt'
          : 'none'),
    grant_types: config.grantTypes ?? ['authorization_code', 'refresh_token'],
    client_name: config.clientName,
    scope: config.scope,
    jwks: config.jwks,
    jwks_uri: config.jwksUri,
    token_endpoint_auth_signing_alg: config.tokenEndpointAuthSigningAlg,
  };
  for (const uri of config.redirectUris ?? []) {
    const problem = checkRedirectUri(uri);
    if (problem) throw new TypeError(`${where}: ${config.clientId}: a redirect URI ${problem}`);
  }
  let metadata: ClientMetadata;
  try {
    metadata = validateClientMetadata(raw, 'registration', [], keyRules);
  } catch (error) {
    throw new TypeError(`${where}: ${config.clientId}: ${(error as Error).message}`);
  }
  if (usesSecret(metadata.tokenEndpointAuthMethod) !== (config.clientSecret !== undefined)) {
    throw new TypeError(
      `${where}: ${config.clientId}: a clientSecret goes with client_secret_basic/post, and only with them`,
    );
  }
  if (config.resourceServer !== undefined && typeof config.resourceServer !== 'boolean') {
    throw new TypeError(`${where}: ${config.clientId}: resourceServer must be a boolean`);
  }
  if (config.resourceServer === true && metadata.tokenEndpointAuthMethod === 'none') {
    throw new TypeError(
      `${where}: ${config.clientId}: a resourceServer client needs a clientSecret or keys (introspection is for confidential callers)`,
    );
  }
  const base: ClientRecord = {
    clientId: config.clientId,
    ...metadata,
    clientIdIssuedAt: 0,
    source: 'static',
    ...(config.resourceServer === true ? { resourceServer: true } : {}),
  };
  if (config.clientSecret === undefined) return Promise.resolve(base);
  if (typeof config.clientSecret !== 'string' || config.clientSecret.length < 16) {
    throw new TypeError(
      `${where}: ${config.clientId}: clientSecret must be at least 16 characters`,
    );
  }
  return sha256Base64Url(config.clientSecret).then((hash) => ({
    ...base,
    clientSecretHash: hash,
    clientSecretExpiresAt: 0,
  }));
}
