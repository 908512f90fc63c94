// The signed-in user's session on the authorization server: a small signed cookie set when the
// login form accepts the password (with an upstream IdP: when the code is issued), read by the
// `/grants` page. It names the user and
// expires; the store keeps only the ids of sessions ended by signing out (until they would have
// expired). HttpOnly, SameSite=Lax, `__Host-` and Secure on https; every state-changing POST
// also carries a CSRF token bound to it.

import { base64UrlDecode, base64UrlEncode } from '../encoding/base64url.js';
import { generateRandomToken } from '../encoding/random.js';
import { STORE_KEYS } from '../store/keys.js';
import { type Store, storeCall } from '../store/store.js';
import {
  type CookieSettings,
  cookieName,
  readCookie,
  type Signer,
  serializeCookie,
} from './cookies.js';

/** How long a session lasts after the sign-in: one hour. */
export const SESSION_TTL_SECONDS = 3600;

/** A signed-in user, as the session cookie names them. */
export interface Session {
  /** The user's `sub`. */
  readonly userId: string;
  /** What to call them (display name, else `sub`). */
  readonly name: string;
  /** Random per sign-in: what CSRF tokens are bound to. */
  readonly id: string;
  /** Seconds since the epoch when the session ends. */
  readonly expiresAt: number;
}

/** Issues, reads and clears the session cookie. @internal */
export interface SessionCookies {
  /** The cookie's name (`__Host-mcp-auth-session` on https). */
  readonly name: string;
  /** A `Set-Cookie` value starting a session for the user. */
  issue(user: { readonly sub: string; readonly displayName?: string | undefined }): Promise<string>;
  /**
   * The session of a request's `Cookie` header, if valid, unexpired and not signed out. Rejects
   * on a store error (503).
   */
  read(cookieHeader: string | undefined): Promise<Session | undefined>;
  /** A `Set-Cookie` value that ends the session in this browser. */
  clear(): string;
  /** Ends a session everywhere (signing out): its cookie is refused from now on. */
  end(session: Session): Promise<void>;
  /** The CSRF token of a session's forms. */
  csrf(session: Session): Promise<string>;
  /** Whether `token` is the CSRF token of `session` (constant time). */
  checkCsrf(session: Session, token: string | undefined): Promise<boolean>;
}

const BASE_NAME = 'mcp-auth-session';
const MAX_COOKIE_LENGTH = 4096;

/** Creates the session cookies of a server (its signer, cookie settings and clock). @internal */
export function createSessionCookies(options: {
  readonly signer: Signer;
  readonly cookie: CookieSettings;
  readonly now: () => number;
  readonly store: Store;
}): SessionCookies {
  const { signer, cookie, now, store } = options;
  const name = cookieName(BASE_NAME, cookie);
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  return {
    name,
    async issue(user) {
      const payload = base64UrlEncode(
        encoder.encode(
          JSON.stringify({
            sub: user.sub,
            name: user.displayName ?? user.sub,
            sid: generateRandomToken(16),
            exp: Math.floor(now() / 1000) + SESSION_TTL_SECONDS,
          }),
        ),
      );
      const sig = await signer.sign(`session|${payload}`);
      return serializeCookie(name, `${payload}.${sig}`, SESSION_TTL_SECONDS, cookie);
    },
    async read(cookieHeader) {
      const value = readCookie(cookieHeader, name);
      if (!value || value.length > MAX_COOKIE_LENGTH) return undefined;
      const [payload, sig, extra] = value.split('.');
      if (!payload || !sig || extra !== undefined) return undefined;
      if (!(await signer.verify(`session|${payload}`, sig))) return undefined;
      const bytes = base64UrlDecode(payload);
      if (bytes === undefined) return undefined;
      let claims: unknown;
      try {
        claims = JSON.parse(decoder.decode(bytes));
      } catch {
        return undefined;
      }
      const { sub, name: display, sid, exp } = (claims ?? {}) as Record<string, unknown>;
      if (typeof sub !== 'string' || typeof sid !== 'string' || typeof exp !== 'number') {
        return undefined;
      }
      if (exp <= Math.floor(now() / 1000)) return undefined;
      const ended = await storeCall(store.get(STORE_KEYS.sessionEnded(sid)));
      if (ended !== undefined) return undefined;
      return {
        userId: sub,
        name: typeof display === 'string' ? display : sub,
        id: sid,
        expiresAt: exp,
      };
    },
    clear: () => serializeCookie(name, '', 0, cookie),
    async end(session) {
      const ttlMs = session.expiresAt * 1000 - now() + 1000;
      if (ttlMs > 0) await storeCall(store.set(STORE_KEYS.sessionEnded(session.id), 1, ttlMs));
    },
    csrf: (session) => signer.sign(`session-csrf|${session.id}|${session.userId}`),
    async checkCsrf(session, token) {
      if (typeof token !== 'string' || token.length === 0 || token.length > 128) return false;
      return signer.verify(`session-csrf|${session.id}|${session.userId}`, token);
    },
  };
}
