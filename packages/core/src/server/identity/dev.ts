import { base64UrlDecode, base64UrlEncode } from '../../encoding/base64url.js';
import { timingSafeEqualBytes } from '../../encoding/constant-time.js';
import { randomBytes } from '../../encoding/random.js';
import { MemoryStore } from '../../store/memory-store.js';
import type { StoreValue } from '../../store/store.js';
import type { LocalIdentityProvider, LoginContext } from '../types.js';
import type { Identity } from '../../domain/identity.js';
import { createLoginThrottle, type LoginThrottle } from './login-throttle.js';

/** Default PBKDF2-SHA-256 iteration count of {@link hashPassword}. */
export const DEFAULT_PBKDF2_ITERATIONS = 100_000;

/** One local user of {@link DevIdentityProvider}. */
export interface DevUser {
  /** The login name (matched exactly, case-sensitive). */
  readonly username: string;
  /** The password in clear; hashed with a random salt when the provider is created. */
  readonly password?: string;
  /** Or a hash made by {@link hashPassword} (`pbkdf2-sha256$<iterations>$<salt>$<hash>`). */
  readonly passwordHash?: string;
  /** The token `sub`. Default: the username. */
  readonly sub?: string;
  /** Shown on the consent page. Default: the username. */
  readonly displayName?: string;
  /** Attributes copied into tokens for policies (e.g. `{ role: 'admin' }`). */
  readonly attributes?: Readonly<Record<string, StoreValue>>;
  /** The scopes this user may be granted at most. */
  readonly scopes: readonly string[];
}

/**
 * The three users of every mcp-auth example, demo and contract test, **for development only**:
 * each has the password `demo` (in clear), so never configure them on a server anyone else can
 * reach. `attributes.role` is copied into their tokens; `scopes` caps what each may be granted:
 *
 * | user  | role   | may be granted                                         |
 * | ----- | ------ | ------------------------------------------------------ |
 * | alice | viewer | `mcp:tools:read`                                       |
 * | bob   | editor | `mcp:tools:read`, `mcp:tools:write`                    |
 * | carol | admin  | `mcp:tools:read`, `mcp:tools:write`, `mcp:tools:admin` |
 *
 * ```ts
 * const identityProvider = new DevIdentityProvider({ users: DEMO_USERS });
 * ```
 */
export const DEMO_USERS: readonly DevUser[] = Object.freeze([
  demoUser('alice', 'viewer', ['mcp:tools:read']),
  demoUser('bob', 'editor', ['mcp:tools:read', 'mcp:tools:write']),
  demoUser('carol', 'admin', ['mcp:tools:read', 'mcp:tools:write', 'mcp:tools:admin']),
]);

function demoUser(username: string, role: string, scopes: string[]): DevUser {
  const attributes = Object.freeze({ role });
  return Object.freeze({ username, password: 'demo', attributes, scopes: Object.freeze(scopes) });
}

/** Options of {@link DevIdentityProvider}. */
export interface DevIdentityProviderOptions {
  readonly users: readonly DevUser[];
  /** PBKDF2 iterations for clear-text passwords. Default {@link DEFAULT_PBKDF2_ITERATIONS}. */
  readonly iterations?: number;
  /**
   * Password-guessing limits per username and per caller address, with backoff. Default: a
   * {@link createLoginThrottle} throttle with its defaults over a private in-process store;
   * pass `createLoginThrottle({ store })` with the server's (shared) store when several
   * instances serve logins. `false` turns throttling off (tests only).
   */
  readonly throttle?: LoginThrottle | false;
}

const HASH_FORMAT = /^pbkdf2-sha256\$(\d{1,7})\$([A-Za-z0-9_-]{22,})\$([A-Za-z0-9_-]{43})$/;

async function pbkdf2(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(password),
    'PBKDF2',
    false,
    ['deriveBits'],
  );
  const bits = await crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt: salt as Uint8Array<ArrayBuffer>, iterations },
    key,
    256,
  );
  return new Uint8Array(bits);
}

/**
 * Hashes a password with PBKDF2-SHA-256 and a random 16-byte salt (WebCrypto), in the form
 * `pbkdf2-sha256$<iterations>$<salt>$<hash>` that {@link DevUser.passwordHash} accepts.
 */
export async function hashPassword(
  password: string,
  iterations = DEFAULT_PBKDF2_ITERATIONS,
): Promise<string> {
  checkIterations(iterations, 'hashPassword');
  const salt = randomBytes(16);
  const hash = await pbkdf2(password, salt, iterations);
  return `pbkdf2-sha256$${iterations}$${base64UrlEncode(salt)}$${base64UrlEncode(hash)}`;
}

function checkIterations(iterations: number, where: string): void {
  if (!Number.isInteger(iterations) || iterations < 10_000 || iterations > 5_000_000) {
    throw new TypeError(`${where}: iterations must be an integer from 10000 to 5000000`);
  }
}

interface ParsedHash {
  iterations: number;
  salt: Uint8Array;
  hash: Uint8Array;
}

function parseHash(value: string, where: string): ParsedHash {
  const m = HASH_FORMAT.exec(value);
  const salt = m ? base64UrlDecode(m[2]!) : undefined;
  const hash = m ? base64UrlDecode(m[3]!) : undefined;
  if (!m || !salt || !hash) {
    throw new TypeError(`${where}: passwordHash must come from hashPassword()`);
  }
  const iterations = Number(m[1]);
  checkIterations(iterations, where);
  return { iterations, salt, hash };
}

interface Account {
  readonly identity: Identity;
  readonly secret: Promise<ParsedHash>;
}

/**
 * The embedded identity provider: configured local users with salted PBKDF2-SHA-256
 * password hashes. Unknown users cost the same hashing work as wrong passwords and both
 * answer `undefined`, so they cannot be told apart; the hash comparison is constant-time.
 * Meant for development, demos and small deployments.
 */
export class DevIdentityProvider implements LocalIdentityProvider {
  readonly kind = 'local' as const;
  readonly #accounts = new Map<string, Account>();
  readonly #decoy: Promise<ParsedHash>;
  readonly #throttle: LoginThrottle | undefined;

  constructor(options: DevIdentityProviderOptions) {
    const where = 'DevIdentityProvider';
    if (!options || !Array.isArray(options.users) || options.users.length === 0) {
      throw new TypeError(`${where}: users must be a non-empty array`);
    }
    const iterations = options.iterations ?? DEFAULT_PBKDF2_ITERATIONS;
    checkIterations(iterations, where);
    const throttle = options.throttle ?? createLoginThrottle({ store: new MemoryStore() });
    if (throttle !== false && typeof throttle?.attempt !== 'function') {
      throw new TypeError(`${where}: throttle must come from createLoginThrottle() or be false`);
    }
    this.#throttle = throttle === false ? undefined : throttle;
    for (const user of options.users) {
      if (typeof user.username !== 'string' || !/^[^\s]{1,128}$/u.test(user.username)) {
        throw new TypeError(`${where}: each username must be 1-128 characters without spaces`);
      }
      if (this.#accounts.has(user.username)) {
        throw new TypeError(`${where}: username ${user.username} is listed twice`);
      }
      if ((user.password === undefined) === (user.passwordHash === undefined)) {
        throw new TypeError(
          `${where}: user ${user.username} needs exactly one of password or passwordHash`,
        );
      }
      if (user.password !== undefined && (typeof user.password !== 'string' || !user.password)) {
        throw new TypeError(`${where}: user ${user.username} has an empty password`);
      }
      if (
        !Array.isArray(user.scopes) ||
        (user.scopes as unknown[]).some((s) => typeof s !== 'string')
      ) {
        throw new TypeError(`${where}: user ${user.username} needs scopes (an array of strings)`);
      }
      const secret =
        user.passwordHash !== undefined
          ? Promise.resolve(parseHash(user.passwordHash, where))
          : hashPassword(user.password!, iterations).then((h) => parseHash(h, where));
      secret.catch(() => {});
      const identity: Identity = {
        sub: user.sub ?? user.username,
        attributes: { ...(user.attributes ?? {}) },
        grantableScopes: [...user.scopes],
        displayName: user.displayName ?? user.username,
      };
      this.#accounts.set(user.username, { identity, secret });
    }
    this.#decoy = hashPassword(base64UrlEncode(randomBytes(16)), iterations).then((h) =>
      parseHash(h, where),
    );
    this.#decoy.catch(() => {});
  }

  /**
   * The user's identity when the credentials are right; `undefined` otherwise. Rejects with
   * `TooManyRequestsError` (429) when the username or the caller's address must wait (the
   * password is then not checked). Known and unknown usernames cost the same work.
   */
  async authenticate(
    username: string,
    password: string,
    context?: LoginContext,
  ): Promise<Identity | undefined> {
    await this.#throttle?.attempt(typeof username === 'string' ? username : '', context);
    const account = typeof username === 'string' ? this.#accounts.get(username) : undefined;
    const secret = await (account?.secret ?? this.#decoy);
    const attempt = await pbkdf2(
      typeof password === 'string' ? password : '',
      secret.salt,
      secret.iterations,
    );
    const equal = timingSafeEqualBytes(attempt, secret.hash);
    if (!account || !equal) {
      await this.#throttle?.failed(typeof username === 'string' ? username : '', context);
      return undefined;
    }
    await this.#throttle?.succeeded(username);
    return account.identity;
  }

  /**
   * The user whose token `sub` is `subject`, without a password: how an identity asserted by a
   * trusted enterprise IdP (an ID-JAG's `sub`) names a local user. `undefined` when no user has
   * that `sub`.
   */
  async identityForSubject(subject: string): Promise<Identity | undefined> {
    if (typeof subject !== 'string') return undefined;
    for (const account of this.#accounts.values()) {
      if (account.identity.sub === subject) return account.identity;
    }
    return undefined;
  }
}
